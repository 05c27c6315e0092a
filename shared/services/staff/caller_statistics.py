"""callerStatistics: per caller, what their claims came to, from their day counters (staff).

The counters (`caller_figures/{uid}_{day}`, shared/domain/caller_figures.py) are kept as
claims and attempts end and reports are reviewed; a page reads its callers' day documents in
one query per 30 callers, whatever their history's size. History written before the counters
existed: `python -m tools.cli backfill-caller-figures` once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from shared.adapters import store
from shared.base.answers import Answer, Moment
from shared.base.clock import iso
from shared.domain import caller_figures

if TYPE_CHECKING:
    from google.cloud.firestore import Client

MAX_PAGE_SIZE = 100
# Values one `in` filter may hold.
IN_LIMIT = 30


class CallerStatisticsQuery(BaseModel):
    """callerStatistics' query parameters: a page of callers, over the last `days` or all time."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    days: int | None = Field(
        None,
        ge=1,
        le=366,
        description="Only claims made in the last this many days (default: all).",
    )
    limit: int = Field(20, ge=1, le=MAX_PAGE_SIZE)
    page_token: store.DocumentId | None = Field(
        None, description="next_page_token of the previous page."
    )


def caller_statistics(db: Client, query: CallerStatisticsQuery, now: datetime) -> dict[str, Any]:
    """A page of callers (everyone who ever claimed, in uid order) with their figures.

    At most 2 + limit / 30 queries (the total, the page, the page's day documents).
    """
    from google.cloud.firestore_v1.base_query import FieldFilter

    since = now - timedelta(days=query.days) if query.days else None
    # Callers who claimed store their id (entries.claim): pages are a range on it.
    callers = db.collection(store.CALLERS).order_by("id")
    counted: Any = callers.count()
    total = int(counted.get()[0][0].value)
    q: Any = callers
    if query.page_token:
        q = q.where(filter=FieldFilter("id", ">", query.page_token))
    uids = [s.id for s in q.select([]).limit(query.limit + 1).stream()]
    more = len(uids) > query.limit
    uids = uids[: query.limit]
    days = _days(db, uids, caller_figures.day_of(since) if since else None)
    return {
        "callers": [caller_figures.row(uid, days.get(uid, [])) for uid in uids],
        "since": iso(since) if since else None,
        "total": total,
        "next_page_token": uids[-1] if more else None,
    }


def _days(db: Client, uids: list[str], since_day: str | None) -> dict[str, list[dict[str, Any]]]:
    """The day documents of these callers from `since_day` on (its whole day: the period is
    rounded out to the UTC day it starts in), by uid."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    found: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(uids), IN_LIMIT):
        q: Any = db.collection(store.CALLER_FIGURES).where(
            filter=FieldFilter("uid", "in", uids[start : start + IN_LIMIT])
        )
        if since_day is not None:
            q = q.where(filter=FieldFilter("day", ">=", since_day))
        for snapshot in q.stream():
            data = snapshot.to_dict() or {}
            found.setdefault(str(data.get("uid")), []).append(data)
    return found


class CallerRow(Answer):
    """One caller's figures over the period."""

    uid: str
    email: str | None
    claims: int
    completed: int
    skips: int
    expiries: int
    releases: int
    median_call_s: float | None
    median_of: int
    # Reports of theirs flagged for review, and where those stand.
    reviews_flagged: int
    reviews_pending: int
    reviews_approved: int
    reviews_requeued: int


class CallerFigures(Answer):
    """callerStatistics' answer."""

    callers: list[CallerRow]
    since: Moment | None
    total: int
    next_page_token: str | None
