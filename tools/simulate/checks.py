"""The week's invariants and figures, over plain values (what Firestore held, what the log saw).

Each check answers a list of violations (one readable line each); an empty list passes.
The soak's checks (tools/soak/invariants.py) are reused where they already say the thing.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shared.domain.routing import BACKFILL_HORIZON
from tools.bench.common import percentile
from tools.simulate import places
from tools.soak import invariants as soak
from tools.soak.invariants import Call, EntryState, Hold

PACIFIC = ZoneInfo("America/Los_Angeles")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
VIOLATIONS = (
    "outside_window",
    "priority_inversion",
    "backfill_over",
    "lost",
    "double_hold",
    "two_per_caller",
    "attempt_not_ended",
    "report_missing",
    "rate_limited_human",
)


@dataclass(frozen=True)
class QueuedEntry:
    """An entry as the backfill check and the figures need it."""

    id: str
    location_id: str
    queue: str
    priority_group: int
    added_at: datetime
    closed_at: datetime | None
    bulk_id: str | None
    reason: str
    # When the entry first became callable: later than added_at for a call-back's next stay.
    vest_at: datetime | None = None
    # Its deferrals to a place's next opening: (when, until), in order.
    defers: tuple[tuple[datetime, datetime], ...] = ()
    # When it was flagged for staff (out of rotation) and resumed (None: still flagged).
    flagged: tuple[tuple[datetime, datetime | None], ...] = ()

    def flagged_at(self, at: datetime) -> bool:
        """Out of rotation, flagged for staff, at `at` (a flag or resume at `at` counts)."""
        return any(start <= at and (end is None or end >= at) for start, end in self.flagged)


@dataclass(frozen=True)
class Refill:
    """One backfill of a queue: when, how many it added, and its bulk add."""

    queue: str
    at: datetime
    added: int
    bulk_id: str | None


@dataclass
class History:
    """Everything the checks and figures read, as plain values."""

    start: datetime
    end: datetime
    holds: list[Hold]
    states: list[EntryState]
    entries: list[QueuedEntry]
    guards: dict[str, str]
    drawable: set[str]
    deferred: set[str]
    defers: list[datetime]
    reports: dict[str, tuple[str, str, datetime]]  # id: (location, reporter, created_at)
    refills: list[Refill]
    backfill_min: dict[str, int]
    calls: list[Call]
    accepted: Mapping[str, set[str]]
    stats: Mapping[str, int]
    truths: Mapping[str, places.Truth]
    default_window: Sequence[places.Span]
    inversions: list[str]
    callers: set[str]
    urgent_bulk_ids: set[str]
    reads_at: list[tuple[datetime, int]]
    locations: int
    peak: int
    checked_at: datetime


# --- invariants -------------------------------------------------------------------------


def outside_window(
    holds: Iterable[Hold],
    truths: Mapping[str, places.Truth],
    default: Sequence[places.Span],
) -> list[str]:
    """No place is offered (claimed for a caller) outside its contact window in its own zone."""
    found = []
    for h in sorted(holds, key=lambda h: h.claimed_at):
        truth = truths.get(h.location_id)
        if truth is None or places.may_offer(truth, default, h.claimed_at):
            continue
        local = h.claimed_at.astimezone(ZoneInfo(truth.zone))
        found.append(
            f"{h.location_id} ({truth.hours.text!r}, {truth.zone}) claimed by {h.holder}"
            f" at {local:%a %H:%M} local"
        )
    return found


def backfill_over(
    refills: Iterable[Refill],
    entries: Sequence[QueuedEntry],
    minimum: Mapping[str, int],
) -> list[str]:
    """A refill adds at most the queue's shortfall. Stock, as the product defines it
    (`routing.BACKFILL_HORIZON`): every open entry callable within the horizon, held ones and
    those deferred to an opening included; a call-back's next stay that vests beyond the
    horizon is not stock, nor is an entry deferred (per its `defer` change) past it, nor one
    flagged for staff (out of rotation until resumed, as `available.in_rotation` leaves out).

    Actions of one tick run together at one simulated instant: entries others add at the
    refill's very instant are concurrent with it (it may have counted before they landed), so
    they are not stock for it; entries closed at that instant are not stock either. The stock
    is the least the refill could have seen."""
    added: dict[str, list[datetime]] = defaultdict(list)
    closed: dict[str, list[datetime]] = defaultdict(list)
    by_bulk: dict[str | None, list[datetime]] = defaultdict(list)
    vesting_later: dict[str, list[QueuedEntry]] = defaultdict(list)
    for e in entries:
        later_vest = e.vest_at is not None and e.vest_at > e.added_at + BACKFILL_HORIZON
        if e.defers or e.flagged or later_vest:
            vesting_later[e.queue].append(e)
        added[e.queue].append(e.added_at)
        if e.closed_at is not None:
            closed[e.queue].append(e.closed_at)
        by_bulk[e.bulk_id].append(e.added_at)
    for lists in (added, closed, by_bulk):
        for values in lists.values():
            values.sort()

    def upto(values: list[datetime], at: datetime) -> int:
        return bisect_right(values, at)

    def before(values: list[datetime], at: datetime) -> int:
        return bisect_left(values, at)

    found = []
    for refill in sorted(refills, key=lambda r: r.at):
        at, q = refill.at, refill.queue
        open_then = before(added[q], at) - upto(closed[q], at)
        own = before(by_bulk[refill.bulk_id], at) if refill.bulk_id else 0
        later = sum(
            1
            for e in vesting_later[q]
            if e.added_at < at
            and (e.closed_at is None or e.closed_at > at)
            and (e.flagged_at(at) or _unavailable_until(e, at) > at + BACKFILL_HORIZON)
        )
        stock = open_then - own - later
        allowed = max(minimum.get(q, 0) - stock, 0)
        if refill.added > allowed:
            found.append(
                f"{at.astimezone(PACIFIC):%a %H:%M} queue {q}: added {refill.added}"
                f" with {stock} in stock"
                f" (minimum {minimum.get(q, 0)}, shortfall {allowed})"
            )
    return found


def flag_spans(
    events: Iterable[tuple[str, datetime]],
) -> tuple[tuple[datetime, datetime | None], ...]:
    """An entry's flag and resume changes as (flagged, resumed) spans, in order."""
    spans: list[tuple[datetime, datetime | None]] = []
    for event, at in sorted(events, key=lambda e: e[1]):
        if event == "flag":
            spans.append((at, None))
        elif spans and spans[-1][1] is None:
            spans[-1] = (spans[-1][0], at)
    return tuple(spans)


def _unavailable_until(entry: QueuedEntry, at: datetime) -> datetime:
    """Until when the entry was kept from draws at `at`: its vesting, or its latest deferral."""
    until = entry.vest_at or entry.added_at
    for when, target in entry.defers:
        if when <= at:
            until = target
    return until


def lost(history: History) -> list[str]:
    """Nothing staff queued is lost: one open entry per place and its guard agree, every skip
    was requeued, every open entry in rotation is drawable or deferred to an opening."""
    return soak.one_open_entry_per_location(history.states, history.guards) + lost_or_undrawable(
        history.states, history.drawable, history.deferred, history.checked_at
    )


def lost_or_undrawable(
    entries: Iterable[EntryState], drawable: set[str], deferred: set[str], now: datetime
) -> list[str]:
    """The soak's check, with contact windows: an entry deferred to its place's opening is
    available later by design."""
    return [
        line
        for line in soak.lost_or_undrawable(entries, drawable, now)
        if not (" available only from " in line and line.split()[1] in deferred)
    ]


def told_holds(calls: Iterable[Call], stored: Iterable[Hold]) -> list[Hold]:
    """The holds as callers were told them: from requestCall's answer until that caller's report
    or release about the entry, or the stored lease's end.

    A claim that wrongly ends another caller's running attempt leaves stored attempts that do not
    overlap; the two callers, each holding a lease they were given, still do.
    """
    leases = {(h.entry_id, h.claim_seq): h for h in stored}
    ordered = sorted(calls, key=lambda c: c.started)
    holds: dict[tuple[str, str, int], Hold] = {}
    for c in ordered:
        if c.function != "requestCall" or c.status != 200 or c.claim_seq is None:
            continue
        lease = leases.get((c.entry_id or "", c.claim_seq))
        key = (c.caller, c.entry_id or "", c.claim_seq)
        if lease is None or key in holds:
            continue
        at = datetime.fromtimestamp(c.started, lease.claimed_at.tzinfo)
        holds[key] = Hold(
            lease.entry_id, lease.claim_seq, lease.location_id, c.caller, at, lease.claimed_until
        )
    for c in ordered:
        if c.function not in ("submitReport", "releaseCall") or c.status != 200:
            continue
        for key, hold in list(holds.items()):
            if key[0] == c.caller and key[1] == c.entry_id and hold.ended_at is None:
                ended = datetime.fromtimestamp(c.started, hold.claimed_at.tzinfo)
                if ended >= hold.claimed_at:
                    holds[key] = replace(hold, ended_at=ended)
    return list(holds.values())


def double_hold(calls: Iterable[Call], stored: Sequence[Hold]) -> list[str]:
    """No two callers hold one entry (or one place) at once: in the stored attempts, and as the
    callers were told."""
    found = soak.overlapping_holds(stored)
    return found + [
        line for line in soak.overlapping_holds(told_holds(calls, stored)) if line not in found
    ]


def rate_limited_human(calls: Iterable[Call], humans: set[str]) -> list[str]:
    """No caller working at human speed is refused by a rate limit (429 too_many_requests)."""
    return [
        f"{datetime.fromtimestamp(c.started, PACIFIC):%a %H:%M} {c.caller}: {c.function}"
        f" refused by a rate limit"
        for c in calls
        if c.caller in humans and c.status == 429 and c.error == "too_many_requests"
    ]


def violations(history: History) -> dict[str, list[str]]:
    unknown: dict[str, int] = {}
    return {
        "outside_window": outside_window(history.holds, history.truths, history.default_window),
        "priority_inversion": list(history.inversions),
        "backfill_over": backfill_over(history.refills, history.entries, history.backfill_min),
        "lost": lost(history),
        "double_hold": double_hold(history.calls, history.holds),
        "two_per_caller": soak.callers_holding_several(history.holds),
        "attempt_not_ended": soak.attempts_without_outcome(history.holds, history.checked_at),
        "report_missing": soak.reports_and_stats(
            history.accepted,
            _stored_by_caller(history),
            unknown,
            history.stats,
        ),
        "rate_limited_human": rate_limited_human(history.calls, history.callers),
    }


def _stored_by_caller(history: History) -> dict[str, set[str]]:
    stored: dict[str, set[str]] = defaultdict(set)
    for report_id, (_, reporter, _) in history.reports.items():
        stored[reporter].add(report_id)
    return stored


# --- figures ----------------------------------------------------------------------------


def days_of(start: datetime, end: datetime) -> list[tuple[str, datetime, datetime]]:
    """(name, from, to) of each simulated day (Pacific midnights), clipped to the run."""
    out = []
    day = start.astimezone(PACIFIC).replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        following = (day + timedelta(days=1, hours=2)).replace(hour=0)
        out.append((DAY_NAMES[day.weekday()], max(day, start), min(following, end)))
        day = following
    return out


def caller_hours(peak: int, start: datetime, end: datetime) -> float:
    """Caller-hours on duty between `start` and `end` (the shift plan, by quarter hour)."""
    from tools.simulate import people

    total = 0.0
    moment = start
    step = timedelta(minutes=15)
    while moment < end:
        total += people.on_duty_count(peak, moment) * 0.25
        moment += step
    return total


def figures(history: History) -> list[dict[str, object]]:
    """The issue's figures for each simulated day."""
    out: list[dict[str, object]] = []
    first_claim: dict[str, datetime] = {}
    for h in history.holds:
        if h.entry_id not in first_claim or h.claimed_at < first_claim[h.entry_id]:
            first_claim[h.entry_id] = h.claimed_at
    reads = dict(history.reads_at)
    marks = sorted(history.reads_at)
    for name, begin, finish in days_of(history.start, history.end):
        claims = [h for h in history.holds if begin <= h.claimed_at < finish]
        n = len(claims)
        hours = caller_hours(history.peak, begin, finish)
        fresh = {
            loc
            for loc, _, at in history.reports.values()
            if finish - timedelta(hours=24) < at <= finish
        }
        urgent = [
            (first_claim[e.id] - e.added_at).total_seconds() / 60
            for e in history.entries
            if e.bulk_id in history.urgent_bulk_ids
            and begin <= e.added_at < finish
            and e.id in first_claim
        ]
        closed = sum(
            1
            for h in claims
            if (t := history.truths.get(h.location_id)) is not None
            and not places.is_open(t.hours.spans, t.zone, h.claimed_at)
        )
        defers = sum(1 for at in history.defers if begin <= at < finish)
        read = _reads_between(marks, reads, begin, finish)
        added = sum(r.added for r in history.refills if begin <= r.at < finish)
        out.append(
            {
                "day": name,
                "calls": n,
                "calls_per_caller_hour": round(n / hours, 2) if hours else 0,
                "fresh_24h_share": round(len(fresh) / history.locations, 4)
                if history.locations
                else 0,
                "urgent_first_call_p50_min": round(percentile(urgent, 0.5), 1) if urgent else 0,
                "urgent_first_call_p95_min": round(percentile(urgent, 0.95), 1) if urgent else 0,
                "closed_reached": closed,
                "deferrals_per_claim": round(defers / n, 2) if n else 0,
                "reads_per_claim": round(read / n, 1) if n else 0,
                "backfill_added": added,
            }
        )
    return out


def _reads_between(
    marks: Sequence[tuple[datetime, int]],
    reads: Mapping[datetime, int],
    begin: datetime,
    end: datetime,
) -> int:
    """Documents read between two day marks (the counter's value recorded at each)."""
    before = [count for at, count in marks if at <= begin]
    after = [count for at, count in marks if at >= end]
    if not before or not after:
        return 0
    return after[0] - before[-1]
