"""UTC time: the one place that reads the wall clock, and ISO-8601 'Z' formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO-8601 in UTC with a 'Z' suffix, millisecond precision."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    """The calendar day of `moment` in the organisation's time zone (used only for 'today')."""
    return moment.astimezone(tz).date()
