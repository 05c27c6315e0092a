"""Per caller and UTC day counters for callerStatistics, and a page row summed from them.

`caller_figures/{uid}_{YYYY-MM-DD}` is written by the caller's claims (counted on the claim's
day), by the end of each of their attempts (counted on the day it was claimed, as the old
history query filtered on `claimed_at`), and by their reports' reviews. No document is shared
between callers, so no counter caps the system's write rate (docs/benchmarks.md).

The median call time keeps every reported call's length in the day's `calls` map (attempt
-> seconds): a caller-day holds at most the calls one person makes in a day. A page takes the
newest days first until `MEDIAN_SAMPLE` lengths; within the day that crosses the limit the
lengths taken are the day's in attempt-id order, not the latest ones (the one approximation).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from statistics import median
from typing import Any

MEDIAN_SAMPLE = 200
# Attempt outcome -> the counter (and callerStatistics key) it adds to.
OUTCOME_COUNTERS = {
    "completed": "completed",
    "skipped": "skips",
    "expired": "expiries",
    "released": "releases",
}
REPORTED = ("completed", "skipped")
REVIEW_COUNTERS = {
    "pending": "reviews_pending",
    "approved": "reviews_approved",
    "requeued": "reviews_requeued",
}
COUNTERS = ("claims", *OUTCOME_COUNTERS.values(), *REVIEW_COUNTERS.values())


def day_of(moment: datetime) -> str:
    """The UTC day a moment falls on, as stored (`YYYY-MM-DD`); a naive moment is UTC."""
    aware = moment if moment.utcoffset() is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).date().isoformat()


def figures_id(uid: str, moment: datetime) -> str:
    return f"{uid}_{day_of(moment)}"


def call_key(entry_id: str, claim_seq: int) -> str:
    """An attempt's key in a day's `calls` map: a plain identifier (entry ids are letters and
    digits), because the emulator we run drops map keys that need quoting (`a-1`, `1a`)."""
    return f"c{entry_id}_{claim_seq}"


def row(uid: str, days: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One caller's callerStatistics row from their day documents (any order)."""
    newest_first = sorted(days, key=lambda d: str(d.get("day", "")), reverse=True)
    figures: dict[str, Any] = {"uid": uid}
    for name in COUNTERS:
        figures[name] = sum(int(d.get(name) or 0) for d in newest_first)
    lengths: list[float] = []
    for day in newest_first:
        calls = day.get("calls") or {}
        for key in sorted(calls):
            if len(lengths) < MEDIAN_SAMPLE:
                lengths.append(float(calls[key]))
    figures["reviews_flagged"] = sum(figures[name] for name in REVIEW_COUNTERS.values())
    figures["email"] = next((d["email"] for d in newest_first if d.get("email")), None)
    figures["median_call_s"] = round(median(lengths), 1) if lengths else None
    figures["median_of"] = len(lengths)
    return figures


def from_history(
    attempts: Iterable[Mapping[str, Any]], reports: Iterable[Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The day documents an existing history adds up to (the backfill), by document id.

    `attempts` and `reports` as stored (the reports with a review status).
    """
    days: dict[str, dict[str, Any]] = {}

    def day(uid: str, moment: datetime) -> dict[str, Any]:
        doc_id = figures_id(uid, moment)
        return days.setdefault(doc_id, {"uid": uid, "day": day_of(moment)})

    for attempt in attempts:
        doc = day(str(attempt["holder"]), attempt["claimed_at"])
        doc["claims"] = doc.get("claims", 0) + 1
        if attempt.get("holder_email"):
            doc["email"] = attempt["holder_email"]
        counter = OUTCOME_COUNTERS.get(str(attempt.get("outcome")))
        if counter is not None:
            doc[counter] = doc.get(counter, 0) + 1
        length = call_length(attempt.get("outcome"), attempt["claimed_at"], attempt.get("ended_at"))
        if length is not None:
            key = call_key(str(attempt["entry_id"]), int(attempt["claim_seq"]))
            doc.setdefault("calls", {})[key] = length
    for report in reports:
        review = REVIEW_COUNTERS.get(str(report.get("review_status")))
        if review is not None:
            doc = day(str(report["reported_by"]), report["created_at"])
            doc[review] = doc.get(review, 0) + 1
    return days


def call_length(outcome: object, claimed_at: datetime, ended_at: datetime | None) -> float | None:
    """A reported call's length in seconds (claim to report); None for any other ending."""
    if outcome not in REPORTED or ended_at is None:
        return None
    return (ended_at - claimed_at).total_seconds()
