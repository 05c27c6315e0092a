"""The queue at a glance for staff: counts by status and group, and activity per hour."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.adapters import store
from shared.base.answers import Answer, Moment
from shared.base.clock import iso
from shared.domain.models import PRIORITY_GROUPS
from shared.services.staff.freshness import FreshnessHeadline

if TYPE_CHECKING:
    from google.cloud.firestore import Client

HOURS = 24


def hour_of(moment: datetime) -> datetime:
    """The start of the UTC hour `moment` falls in."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def per_hour(
    claims: list[datetime], reports: list[datetime], now: datetime, hours: int = HOURS
) -> list[dict[str, Any]]:
    """Claims and reports in each of the last `hours` hours (the current one last)."""
    last = hour_of(now)
    starts = [last - timedelta(hours=h) for h in range(hours - 1, -1, -1)]
    claimed = Counter(hour_of(t) for t in claims)
    reported = Counter(hour_of(t) for t in reports)
    return [{"hour": iso(h), "claims": claimed[h], "reports": reported[h]} for h in starts]


def queue_overview(db: Client, now: datetime) -> dict[str, Any]:
    """Open entries by status and priority group (the same counts listEntries answers), and
    the last day's claims and reports per hour."""
    from shared.services.staff import freshness
    from shared.services.staff.entry_admin import ListEntriesQuery, count_entries

    def count(**filters: Any) -> int:
        return count_entries(db, ListEntriesQuery(**filters), now)

    statuses = ("available", "claimed", "scheduled", "needs_attention")
    since = now - timedelta(hours=HOURS)
    claims = _times(db, store.ATTEMPTS, "claimed_at", since)
    reports = _times(db, store.REPORTS, "created_at", since)
    return {
        "open": count(),
        "by_status": {status: count(status=status) for status in statuses},
        "by_group": {str(g): count(priority_group=g) for g in PRIORITY_GROUPS},
        "per_hour": per_hour(claims, reports, now),
        "freshness": freshness.headline(db, now),
        "generated_at": iso(now),
    }


def _times(db: Client, collection: str, field: str, since: datetime) -> list[datetime]:
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = db.collection(collection).where(filter=FieldFilter(field, ">=", since))
    found = []
    for snapshot in query.select([field]).stream():
        value = (snapshot.to_dict() or {}).get(field)
        if isinstance(value, datetime):
            found.append(value)
    return found


class HourFigures(Answer):
    hour: Moment
    claims: int
    reports: int


class Overview(Answer):
    """queueOverview's answer."""

    open: int
    # By status (available, claimed, ...) and by priority group ("1", "2", ...).
    by_status: dict[str, int]
    by_group: dict[str, int]
    per_hour: list[HourFigures]
    # Freshness targets' headline (listFreshnessTargets'); null without targets.
    freshness: FreshnessHeadline | None
    generated_at: Moment
