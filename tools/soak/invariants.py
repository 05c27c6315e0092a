"""The soak's checks, over plain values: what Firestore held and what the clients saw afterwards.

Each check answers a list of violations (one readable line each); an empty list passes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Hold:
    """One attempt as the checks need it: who held which entry of which place, and when."""

    entry_id: str
    claim_seq: int
    location_id: str
    holder: str
    claimed_at: datetime
    claimed_until: datetime
    outcome: str | None = None
    ended_at: datetime | None = None

    @property
    def end(self) -> datetime:
        """When the holder stopped holding: the lease end, or earlier if it ended early."""
        if self.ended_at is None:
            return self.claimed_until
        return min(self.ended_at, self.claimed_until)

    @property
    def name(self) -> str:
        return f"{self.entry_id}-{self.claim_seq}"


@dataclass(frozen=True)
class EntryState:
    """An entry at the end of the run, as the checks need it."""

    id: str
    location_id: str
    open: bool
    needs_attention: bool
    vest_at: datetime
    available_at: datetime
    claimed_until: datetime | None = None
    outcome: str | None = None
    previous_entry_id: str | None = None


@dataclass(frozen=True)
class Call:
    """One request the clients made: a function, its answer (0: no answer), and how long it took."""

    function: str
    status: int
    started: float
    ms: float
    caller: str
    entry_id: str | None = None
    location_id: str | None = None
    # requestCall: the claim sequence of the lease it answered.
    claim_seq: int | None = None
    error: str | None = None
    # "refused": nothing was sent; "broken": sent, no answer (the outcome is unknown).
    connection: str | None = None


def one_open_entry_per_location(
    entries: Iterable[EntryState], guards: Mapping[str, str]
) -> list[str]:
    """At most one open entry per location, and `open_entries/{location}` names exactly it."""
    found: list[str] = []
    by_location: dict[str, list[str]] = defaultdict(list)
    known: dict[str, EntryState] = {}
    for entry in entries:
        known[entry.id] = entry
        if entry.open:
            by_location[entry.location_id].append(entry.id)
    for location, ids in sorted(by_location.items()):
        if len(ids) > 1:
            found.append(f"location {location}: {len(ids)} open entries {sorted(ids)}")
        elif guards.get(location) != ids[0]:
            found.append(f"location {location}: open entry {ids[0]}, guard {guards.get(location)}")
    for location, entry_id in sorted(guards.items()):
        guarded = known.get(entry_id)
        if guarded is None or not guarded.open or guarded.location_id != location:
            found.append(f"guard {location} names {entry_id}, which is not its open entry")
    return found


def _overlaps(holds: Sequence[Hold]) -> list[tuple[Hold, Hold]]:
    """Pairs of holds whose spans overlap (each hold against the longest-running before it)."""
    ordered = sorted(holds, key=lambda h: (h.claimed_at, h.end))
    pairs = []
    running: Hold | None = None
    for hold in ordered:
        if running is not None and hold.claimed_at < running.end:
            pairs.append((running, hold))
        if running is None or hold.end > running.end:
            running = hold
    return pairs


def overlapping_holds(holds: Iterable[Hold]) -> list[str]:
    """No two callers ever held one entry, or one location, at the same time."""
    by_entry: dict[str, list[Hold]] = defaultdict(list)
    by_location: dict[str, list[Hold]] = defaultdict(list)
    for hold in holds:
        by_entry[hold.entry_id].append(hold)
        by_location[hold.location_id].append(hold)
    found = []
    for entry_id, group in sorted(by_entry.items()):
        for first, second in _overlaps(group):
            found.append(
                f"entry {entry_id}: {first.name} ({first.holder}) until {first.end:%H:%M:%S.%f}"
                f" overlaps {second.name} ({second.holder}) from {second.claimed_at:%H:%M:%S.%f}"
            )
    for location, group in sorted(by_location.items()):
        for first, second in _overlaps(group):
            if first.entry_id != second.entry_id:
                found.append(
                    f"location {location}: {first.name} ({first.holder})"
                    f" overlaps {second.name} ({second.holder})"
                )
    return found


def most_held_at_once(holds: Iterable[Hold]) -> dict[str, int]:
    """For each caller, the most entries they held at the same moment."""
    events: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for hold in holds:
        if hold.end > hold.claimed_at:
            # An end sorts before a start at the same instant: handing over is not holding two.
            events[hold.holder] += [(hold.claimed_at, 1), (hold.end, -1)]
    most: dict[str, int] = {}
    for holder, moments in events.items():
        held = peak = 0
        for _, step in sorted(moments):
            held += step
            peak = max(peak, held)
        most[holder] = peak
    return most


def callers_holding_several(holds: Iterable[Hold]) -> list[str]:
    """A caller holds one lease at a time."""
    return [
        f"caller {holder} held {count} entries at once"
        for holder, count in sorted(most_held_at_once(holds).items())
        if count > 1
    ]


def attempts_without_outcome(holds: Iterable[Hold], now: datetime) -> list[str]:
    """Every attempt whose lease has ended has an outcome."""
    return [
        f"attempt {h.name} ({h.holder}) lease ended {h.claimed_until:%H:%M:%S}, no outcome"
        for h in sorted(holds, key=lambda h: h.claimed_until)
        if h.outcome is None and h.claimed_until <= now
    ]


def reports_and_stats(
    accepted: Mapping[str, set[str]],
    stored: Mapping[str, set[str]],
    unknown: Mapping[str, int],
    stats: Mapping[str, int],
) -> list[str]:
    """Every accepted report is stored, and each caller's stats count their stored reports.

    A report whose request got no answer (the server was killed meanwhile) may or may not be
    stored: up to `unknown[caller]` stored reports beyond the accepted ones are explained.
    """
    found = []
    for caller in sorted(set(accepted) | set(stored) | set(stats)):
        mine = accepted.get(caller, set())
        kept = stored.get(caller, set())
        for report_id in sorted(mine - kept):
            found.append(f"caller {caller}: accepted report {report_id} is not stored")
        extra = len(kept - mine)
        if extra > unknown.get(caller, 0):
            found.append(f"caller {caller}: {extra} stored reports nobody was told were accepted")
        total = stats.get(caller, 0)
        if total != len(kept) or not len(mine) <= total <= len(mine) + unknown.get(caller, 0):
            found.append(
                f"caller {caller}: stats say {total}, accepted {len(mine)}, stored {len(kept)}"
            )
    return found


def leases_answered(calls: Iterable[Call], holds: Iterable[Hold]) -> list[str]:
    """Every lease requestCall answered is a stored attempt held by the caller it answered."""
    holders = {(h.entry_id, h.claim_seq): h.holder for h in holds}
    found = []
    for c in calls:
        if c.function != "requestCall" or c.status != 200 or c.claim_seq is None:
            continue
        holder = holders.get((c.entry_id or "", c.claim_seq))
        if holder != c.caller:
            found.append(
                f"{c.caller} was answered lease {c.entry_id}-{c.claim_seq}, stored holder {holder}"
            )
    return found


def server_errors(calls: Iterable[Call]) -> list[str]:
    """No answer with a 5xx status."""
    return [
        f"{c.function} answered {c.status} to {c.caller}: {c.error}"
        for c in calls
        if c.status >= 500
    ]


def lost_or_undrawable(
    entries: Iterable[EntryState],
    drawable: set[str],
    now: datetime,
    openings: Mapping[str, datetime | None] | None = None,
) -> list[str]:
    """Every place still queued can be drawn, and every skip left the place queued.

    After every lease ended: an open entry in rotation whose call-back time has come must be
    one the draw finds (`drawable`: what the draw query answered), unless a draw met its
    place closed and deferred it no later than the next opening (`openings`: location id ->
    when it next opens, `now` if open). A skipped entry must have a successor (its
    requeue), unless staff removed that successor since.
    """
    openings = openings or {}
    listed = list(entries)
    successors = {e.previous_entry_id for e in listed if e.previous_entry_id}
    found = []
    for entry in sorted(listed, key=lambda e: e.id):
        if not entry.open:
            if entry.outcome == "skipped" and entry.id not in successors:
                found.append(f"entry {entry.id} ({entry.location_id}) was skipped, never requeued")
            continue
        if entry.needs_attention or entry.vest_at > now:
            continue
        if entry.claimed_until is not None and entry.claimed_until > now:
            continue
        opening = openings.get(entry.location_id)
        if opening is not None and now < entry.available_at <= opening:
            continue  # its place is closed: deferred to its opening, not lost
        if entry.available_at > now:
            found.append(
                f"entry {entry.id} ({entry.location_id}): no lease, yet available only from"
                f" {entry.available_at:%H:%M:%S}"
            )
        elif entry.id not in drawable:
            found.append(f"entry {entry.id} ({entry.location_id}): available, but not drawn")
    return found
