"""When a skipped location comes back to the queue (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.domain import tags


@dataclass(frozen=True)
class CallBackPolicy:
    """A skip without a time comes back after `default_delay`; none may be past `horizon`."""

    default_delay: timedelta = timedelta(hours=2)
    horizon: timedelta = timedelta(days=30)


def horizon_problem(until: datetime | None, now: datetime, policy: CallBackPolicy) -> str | None:
    """Why a requested call-back time is refused, or None if it is acceptable."""
    if until is None or until <= now + policy.horizon:
        return None
    return (
        f"Do not call until: {until.isoformat()} is more than {policy.horizon.days} days ahead; "
        "ask staff to remove the place from the queue instead."
    )


def comeback_at(
    tag_slugs: set[str], until: datetime | None, now: datetime, policy: CallBackPolicy
) -> datetime | None:
    """When the location should come back, or None when the report completes its entry.

    A skip always keeps the place queued: from the asked time, at once if that has already
    passed (the app's "Closed until Monday" sends 08:00 today on a Monday afternoon), or
    after the default delay when no time is given.
    """
    if tags.SKIP_CALL_BACK_LATER not in tag_slugs:
        return None
    if until is None:
        return now + policy.default_delay
    return max(until, now)
