"""UTC time: the one place that reads the wall clock, and ISO-8601 'Z' formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now() -> datetime:
    """The current time at millisecond precision, the precision every answer and task carries."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def iso(moment: datetime) -> str:
    """ISO-8601 in UTC with a 'Z' suffix, millisecond precision."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    """The calendar day of `moment` in the organisation's time zone (used only for 'today')."""
    return moment.astimezone(tz).date()
