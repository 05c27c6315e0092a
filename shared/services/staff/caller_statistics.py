"""callerStatistics: per caller, what their claims came to, from the attempt history (staff).

Counts are aggregation queries over `attempts` (one read per 1,000 counted, whatever the
history's size); the median call time (claim to the holder's own report) reads the caller's
latest `MEDIAN_SAMPLE` claims of the period, so a page reads at most that many per caller.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from statistics import median
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from shared.adapters import store
from shared.base.answers import Answer, Moment
from shared.base.clock import iso

if TYPE_CHECKING:
    from google.cloud.firestore import Client

MAX_PAGE_SIZE = 100
MEDIAN_SAMPLE = 200
# What each count counts: attempts that ended this way (a claim is any attempt).
OUTCOMES = {
    "completed": "completed",
    "skips": "skipped",
    "expiries": "expired",
    "releases": "released",
}
REPORTED = ("completed", "skipped")
# Their reports by review status (shared/domain/review.py); flagged is the three together.
REVIEWS = {
    "reviews_pending": "pending",
    "reviews_approved": "approved",
    "reviews_requeued": "requeued",
}


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


def call_seconds(claimed_at: datetime, ended_at: datetime | None) -> float | None:
    """A reported call's length in seconds (claim to report)."""
    return None if ended_at is None else (ended_at - claimed_at).total_seconds()


def median_seconds(durations: list[float]) -> float | None:
    return round(median(durations), 1) if durations else None


def _attempts(db: Client, uid: str, since: datetime | None) -> Any:
    from google.cloud.firestore_v1.base_query import FieldFilter

    q: Any = db.collection(store.ATTEMPTS).where(filter=FieldFilter("holder", "==", uid))
    if since is not None:
        q = q.where(filter=FieldFilter("claimed_at", ">=", since))
    return q


def _count(query: Any) -> int:
    return int(query.count().get()[0][0].value)


def caller_row(db: Client, uid: str, since: datetime | None) -> dict[str, Any]:
    """One caller's figures over the period."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    row: dict[str, Any] = {"uid": uid, "claims": _count(_attempts(db, uid, since))}
    for name, outcome in OUTCOMES.items():
        row[name] = _count(
            _attempts(db, uid, since).where(filter=FieldFilter("outcome", "==", outcome))
        )
    latest = (
        _attempts(db, uid, since)
        .order_by("claimed_at", direction="DESCENDING")
        .select(["claimed_at", "ended_at", "outcome", "holder_email"])
        .limit(MEDIAN_SAMPLE)
    )
    sample = [s.to_dict() or {} for s in latest.stream()]
    durations = [
        d
        for a in sample
        if a.get("outcome") in REPORTED
        and (d := call_seconds(a["claimed_at"], a.get("ended_at"))) is not None
    ]
    row.update(review_counts(db, uid, since))
    row["email"] = next((a["holder_email"] for a in sample if a.get("holder_email")), None)
    row["median_call_s"] = median_seconds(durations)
    row["median_of"] = len(durations)
    return row


def review_counts(db: Client, uid: str, since: datetime | None) -> dict[str, int]:
    """The caller's reports flagged for review in the period, by where their review stands."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    counts: dict[str, int] = {}
    for name, status in REVIEWS.items():
        q: Any = (
            db.collection(store.REPORTS)
            .where(filter=FieldFilter("reported_by", "==", uid))
            .where(filter=FieldFilter("review_status", "==", status))
        )
        if since is not None:
            q = q.where(filter=FieldFilter("created_at", ">=", since))
        counts[name] = _count(q)
    return {"reviews_flagged": sum(counts.values()), **counts}


def caller_statistics(db: Client, query: CallerStatisticsQuery, now: datetime) -> dict[str, Any]:
    """A page of callers (everyone who ever claimed, in uid order) with their figures."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    since = now - timedelta(days=query.days) if query.days else None
    # Callers who claimed store their id (entries.claim): pages are a range on it.
    callers = db.collection(store.CALLERS).order_by("id")
    total = _count(callers)
    q: Any = callers
    if query.page_token:
        q = q.where(filter=FieldFilter("id", ">", query.page_token))
    uids = [s.id for s in q.select([]).limit(query.limit + 1).stream()]
    more = len(uids) > query.limit
    uids = uids[: query.limit]
    return {
        "callers": [caller_row(db, uid, since) for uid in uids],
        "since": iso(since) if since else None,
        "total": total,
        "next_page_token": uids[-1] if more else None,
    }


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
