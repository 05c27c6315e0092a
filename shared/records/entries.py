"""Every change of a queue entry, and the documents that fence it: the lifecycle's one home.

An entry is opened (enqueue), claimed, has its lease extended, released or expired, and is
closed (report or staff removal; a skip closes it and opens the next stay). Each change
takes a transaction the caller has read in, and writes its fence first:

- `open_entries/{location id}`, created when an entry opens: one open entry per location;
- `entry_changes/{entry id}-{version + 1}`, created by every later change of the entry: two
  changes that read the same version cannot both commit, on any backend (the emulator we
  run has no isolation; a failed commit there keeps the writes before the failing one, so
  the fence goes first and nothing else is written when it fails);
- `caller_leases/{uid}-{n}`, created first by a caller's n-th claim: one lease per caller.

Decisions (what is available, how an attempt ends) are pure functions in `leases.py`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from shared.adapters import store
from shared.base.errors import Conflict
from shared.domain import caller_figures, cells, leases
from shared.domain.models import (
    DEFAULT_QUEUE,
    Attempt,
    Caller,
    CallerLease,
    CurrentLease,
    Entry,
    EntryChange,
    OpenEntry,
    Outcome,
)

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction, WriteBatch

T = TypeVar("T")

_rng = random.SystemRandom()
# Claim numbers one read of the caller passes over (each proven left by a failed commit):
# `callers/{uid}.skipped` records how far they were proven, so the next read starts there.
MAX_ORPHANED_CLAIMS = 20


class Stale(Conflict):
    """Another change of the same entry (or the same caller's claim) committed first.

    Uncaught, it is the one answer a lost race gives: 409 `busy`, try again.
    """

    error = "busy"

    def __init__(self) -> None:
        super().__init__(
            "Other changes to this queue entry arrived at the same time; please try again."
        )


class FailedClaims(Stale):
    """A read of the caller passed MAX_ORPHANED_CLAIMS failed claims: record them, try again."""

    def __init__(self, through: int) -> None:
        super().__init__()
        self.through = through


# Reading


def read(db: Client, tx: Transaction, entry_id: str) -> tuple[Entry | None, Attempt | None]:
    """An entry and its current (latest) attempt, read in the transaction."""
    entry = store.load(Entry, db.collection(store.ENTRIES).document(entry_id).get(transaction=tx))
    if entry is None or entry.claim_seq == 0:
        return entry, None
    return entry, read_attempt(db, tx, entry.id, entry.claim_seq)


def read_attempt(db: Client, tx: Transaction | None, entry_id: str, seq: int) -> Attempt | None:
    ref = db.collection(store.ATTEMPTS).document(leases.attempt_id(entry_id, seq))
    return store.load(Attempt, ref.get(transaction=tx))


def read_open(db: Client, tx: Transaction, location_id: str) -> tuple[Entry | None, Attempt | None]:
    """The open entry of a location (through its guard) and its current attempt."""
    guard = store.load(
        OpenEntry, db.collection(store.OPEN_ENTRIES).document(location_id).get(transaction=tx)
    )
    if guard is None:
        return None, None
    entry, attempt = read(db, tx, guard.entry_id)
    return (entry, attempt) if entry is not None and entry.open else (None, None)


# Guards (`open_entries/{location id}`, one per queued place) read outside a transaction.
GUARD_READ_CHUNK = 300


def guard_owners(db: Client, location_ids: Iterable[str]) -> dict[str, str]:
    """The open entry id of each of these locations that is queued."""
    wanted = list(location_ids)
    owners: dict[str, str] = {}
    for start in range(0, len(wanted), GUARD_READ_CHUNK):
        refs = [
            db.collection(store.OPEN_ENTRIES).document(i)
            for i in wanted[start : start + GUARD_READ_CHUNK]
        ]
        for snapshot in db.get_all(refs, field_paths=["entry_id"]):
            if snapshot.exists:
                owners[snapshot.id] = str((snapshot.to_dict() or {}).get("entry_id"))
    return owners


def open_count(db: Client) -> int:
    """How many places are queued (one read per thousand guards)."""
    guards = db.collection(store.OPEN_ENTRIES)
    return int(guards.count().get()[0][0].value)  # type: ignore[no-untyped-call]


def queued(db: Client, location_ids: Iterable[str]) -> set[str]:
    """Which of these locations are queued.

    Reads whichever is smaller: the guards of these locations one by one, or every guard.
    Besides saving reads, it avoids looking up thousands of absent documents, which the local
    emulator does slowly (~4 ms each).
    """
    wanted = list(location_ids)
    if open_count(db) <= len(wanted):
        every = {s.id for s in db.collection(store.OPEN_ENTRIES).select([]).stream()}
        return every.intersection(wanted)
    return set(guard_owners(db, wanted))


def read_caller(db: Client, tx: Transaction | None, uid: str) -> tuple[Caller, int]:
    """The caller's document and the number their next claim must take.

    A number whose fence exists while `callers/{uid}` still counts fewer claims belongs either
    to a claim still committing or to one whose commit failed after its first write (emulator
    only). It is skipped only when proven failed: the entry fence its claim raced for was
    taken by another change. A claim still committing raises Stale (the caller tries again).
    The caller document is read again after the fence, so a claim that committed in between
    is seen as committed, not skipped.
    """
    ref = db.collection(store.CALLERS).document(uid)
    caller = store.load(Caller, ref.get(transaction=tx)) or Caller(id=uid)
    n = max(caller.claims, caller.skipped) + 1
    for _ in range(MAX_ORPHANED_CLAIMS):
        fence_ref = db.collection(store.CALLER_LEASES).document(leases.caller_lease_id(uid, n))
        fence = store.load(CallerLease, fence_ref.get(transaction=tx))
        if fence is None:
            return caller, n
        again = store.load(Caller, ref.get(transaction=tx)) or Caller(id=uid)
        if again.claims >= n:
            return again, again.claims + 1
        if not _lost(db, tx, fence):
            raise Stale()
        n += 1
    raise FailedClaims(n - 1)


def _lost(db: Client, tx: Transaction | None, fence: CallerLease) -> bool:
    """Whether the claim that created `fence` lost its entry fence to another change."""
    if fence.version is None:
        return False
    ref = db.collection(store.ENTRY_CHANGES).document(
        leases.change_id(fence.entry_id, fence.version)
    )
    change = store.load(EntryChange, ref.get(transaction=tx))
    if change is None:
        # Its commit has not reached the entry fence yet: still committing.
        return False
    return not (change.event == "claim" and change.by == fence.uid)


def skip_failed_claims(db: Client, uid: str, through: int) -> None:
    """Record that the caller's claim numbers up to `through` are proven failed or used.

    Written outside any transaction, after a claim lost its race: a stale write of a lower
    number only costs the next read a few more fence reads.
    """
    db.collection(store.CALLERS).document(uid).set({"id": uid, "skipped": through}, merge=True)


def may_hold(caller: Caller, now: datetime) -> bool:
    """Whether the caller's document leaves a running lease possible (then `held_lease` reads)."""
    current = caller.current
    if current is None or current.same(caller.ended):
        return False
    return current.until is None or current.until > now


def held_lease(
    db: Client, tx: Transaction | None, caller: Caller, now: datetime
) -> tuple[Entry, Attempt] | None:
    """The entry and attempt of the caller's running lease, if they hold one.

    Read only when the caller's document leaves it open: no lease ended since their latest
    claim, and its end (as claimed or extended) not passed; then in one round trip.
    """
    current = caller.current
    if current is None or not may_hold(caller, now):
        return None
    entry_ref = db.collection(store.ENTRIES).document(current.entry_id)
    attempt_ref = db.collection(store.ATTEMPTS).document(
        leases.attempt_id(current.entry_id, current.claim_seq)
    )
    entry: Entry | None = None
    attempt: Attempt | None = None
    for snapshot in db.get_all([entry_ref, attempt_ref], transaction=tx):
        if snapshot.reference.parent.id == store.ENTRIES:
            entry = store.load(Entry, snapshot)
        else:
            attempt = store.load(Attempt, snapshot)
    if entry is None or attempt is None or attempt.holder != caller.id:
        return None
    if not leases.live_attempt(entry, attempt, current.claim_seq):
        return None
    return (entry, attempt) if leases.is_live(attempt, now) else None


# Writing: each change writes its fence first.


def _fence(
    db: Client,
    tx: WriteBatch,
    entry: Entry,
    event: str,
    by: str,
    now: datetime,
    until: datetime | None = None,
) -> int:
    version = entry.version + 1
    change = EntryChange(
        id=leases.change_id(entry.id, version),
        entry_id=entry.id,
        version=version,
        event=event,
        by=by,
        at=now,
        until=until,
    )
    tx.create(db.collection(store.ENTRY_CHANGES).document(change.id), change.stored())
    return version


def _update(db: Client, tx: WriteBatch, entry: Entry, fields: dict[str, Any]) -> Entry:
    tx.update(db.collection(store.ENTRIES).document(entry.id), fields)
    return entry.model_copy(update=fields)


def _end(
    db: Client, tx: WriteBatch, attempt: Attempt, outcome: Outcome, now: datetime, **extra: Any
) -> None:
    attempt_id = leases.attempt_id(attempt.entry_id, attempt.claim_seq)
    tx.update(
        db.collection(store.ATTEMPTS).document(attempt_id),
        {"outcome": outcome, "ended_at": now, **extra},
    )
    # The holder's document says which of their attempts ended last: a later request of
    # theirs then knows without reading the lease that they hold nothing (held_lease).
    ended = {"entry_id": attempt.entry_id, "claim_seq": attempt.claim_seq}
    tx.set(db.collection(store.CALLERS).document(attempt.holder), {"ended": ended}, merge=True)
    counter = caller_figures.OUTCOME_COUNTERS.get(outcome)
    if counter is None:
        return
    from google.cloud import firestore

    # Counted on the day of the claim, the holder's own document (callerStatistics).
    fields: dict[str, Any] = {counter: firestore.Increment(1)}
    length = caller_figures.call_length(outcome, attempt.claimed_at, now)
    if length is not None:
        fields["calls"] = {caller_figures.call_key(attempt.entry_id, attempt.claim_seq): length}
    count_for_caller(db, tx, attempt.holder, attempt.claimed_at, fields)


def count_for_caller(
    db: Client, tx: WriteBatch, uid: str, day: datetime, fields: dict[str, Any]
) -> None:
    """Add to the caller's figures of that day (`caller_figures/{uid}_{day}`, theirs alone)."""
    ref = db.collection(store.CALLER_FIGURES).document(caller_figures.figures_id(uid, day))
    tx.set(ref, {"uid": uid, "day": caller_figures.day_of(day), **fields}, merge=True)


def new_entry(
    location_id: str,
    state: str,
    reason: str,
    group: int,
    uid: str,
    now: datetime,
    position: float,
    vest_at: datetime | None = None,
    previous_entry_id: str | None = None,
    bulk_id: str | None = None,
    queue: str = DEFAULT_QUEUE,
) -> Entry:
    """A new stay of a location in the queue, available from `vest_at` (default: now)."""
    start = vest_at or now
    rand = _rng.random()
    return Entry(
        id=store.new_id(),
        location_id=location_id,
        state=state,
        reason=reason,
        priority_group=group,
        queue=queue,
        position=position,
        vest_at=start,
        available_at=start,
        rand=rand,
        cells=cells.cells_of(rand),
        added_by=uid,
        added_at=now,
        previous_entry_id=previous_entry_id,
        bulk_id=bulk_id,
    )


def open_new(writes: WriteBatch, db: Client, entry: Entry) -> None:
    """Open an entry: its location's guard first (AlreadyExists if the location is queued).

    The location is marked `queued` for the console's filter (the guard stays the truth).
    """
    guard = OpenEntry(
        id=entry.location_id,
        entry_id=entry.id,
        location_id=entry.location_id,
        added_at=entry.added_at,
    )
    writes.create(db.collection(store.OPEN_ENTRIES).document(guard.id), guard.stored())
    # The id is stored too: the console pages on it (the emulator ignores query cursors).
    writes.create(db.collection(store.ENTRIES).document(entry.id), entry.to_firestore())
    writes.update(db.collection(store.LOCATIONS).document(entry.location_id), {"queued": True})


def claim(
    db: Client,
    tx: WriteBatch,
    entry: Entry,
    attempt: Attempt | None,
    caller: Caller,
    n: int,
    now: datetime,
    policy: leases.LeasePolicy,
    email: str | None = None,
) -> Entry | None:
    """Claim an available entry as the caller's n-th claim; None if it got flagged instead.

    A previous attempt still unended (its lease ran out unreported) is ended here as expired
    and counted, so the count is right however late its clean-up task comes. If that count
    reaches the limit the entry is flagged for staff, and not claimed.
    """
    ended: dict[str, Any] = {}
    if attempt is not None and attempt.outcome is None:
        expiries, attention = leases.after_expiry(entry, policy)
        if attention:
            _flag(db, tx, entry, attempt, now, expiries)
            return None
        ended = {"expiries": expiries}
    fence = CallerLease(
        id=leases.caller_lease_id(caller.id, n),
        uid=caller.id,
        n=n,
        entry_id=entry.id,
        claim_seq=entry.claim_seq + 1,
        at=now,
        version=entry.version + 1,
    )
    tx.create(db.collection(store.CALLER_LEASES).document(fence.id), fence.stored())
    version = _fence(db, tx, entry, "claim", caller.id, now)
    if ended:
        assert attempt is not None
        _end(db, tx, attempt, "expired", now)
    new, fields = leases.grant(entry, caller.id, now, policy, _rng.random(), n, email)
    tx.create(
        db.collection(store.ATTEMPTS).document(leases.attempt_id(entry.id, new.claim_seq)),
        new.to_firestore(),
    )
    current = CurrentLease(entry_id=entry.id, claim_seq=new.claim_seq, until=new.claimed_until)
    tx.set(
        db.collection(store.CALLERS).document(caller.id),
        # The id is stored too: callerStatistics pages on it (the emulator ignores cursors).
        {"id": caller.id, "claims": n, "current": current.model_dump()},
        merge=True,
    )
    from google.cloud import firestore

    claimed: dict[str, Any] = {"claims": firestore.Increment(1)}
    if email:
        claimed["email"] = email
    count_for_caller(db, tx, caller.id, now, claimed)
    return _update(db, tx, entry, {**fields, **ended, "version": version})


def _flag(
    db: Client, tx: WriteBatch, entry: Entry, attempt: Attempt, now: datetime, expiries: int
) -> Entry:
    version = _fence(db, tx, entry, "flag", "system", now)
    _end(db, tx, attempt, "expired", now)
    fields = {"expiries": expiries, "needs_attention": True, "holder": None, "version": version}
    return _update(db, tx, entry, fields)


def expire(
    db: Client,
    tx: Transaction,
    entry: Entry,
    attempt: Attempt,
    now: datetime,
    policy: leases.LeasePolicy,
) -> Entry:
    """End an attempt whose lease ran out unreported; count it, flag the entry at the limit."""
    expiries, attention = leases.after_expiry(entry, policy)
    current = entry.open and entry.claim_seq == attempt.claim_seq
    if current and attention:
        return _flag(db, tx, entry, attempt, now, expiries)
    version = _fence(db, tx, entry, "expire", "system", now)
    _end(db, tx, attempt, "expired", now)
    fields: dict[str, Any] = {"expiries": expiries, "version": version}
    if current:
        # available_at is left alone: it already says "available" since the lease ended.
        fields["holder"] = None
    return _update(db, tx, entry, fields)


def release(db: Client, tx: Transaction, entry: Entry, attempt: Attempt, now: datetime) -> Entry:
    """The holder gives the entry back; it is available to the next draw at once."""
    return _give_back(db, tx, entry, attempt, "release", attempt.holder, "released", now)


def _give_back(
    db: Client,
    tx: Transaction,
    entry: Entry,
    attempt: Attempt,
    event: str,
    by: str,
    outcome: Outcome,
    now: datetime,
) -> Entry:
    """End a running lease early; the entry is available to the next draw at once."""
    version = _fence(db, tx, entry, event, by, now)
    _end(db, tx, attempt, outcome, now)
    fields = {
        "holder": None,
        "claimed_until": None,
        "available_at": max(now, entry.vest_at),
        "version": version,
    }
    return _update(db, tx, entry, fields)


def extend(
    db: Client, tx: Transaction, entry: Entry, attempt: Attempt, until: datetime, now: datetime
) -> Entry:
    """Push the holder's lease end out to `until`."""
    version = _fence(db, tx, entry, "extend", attempt.holder, now)
    ref = db.collection(store.ATTEMPTS).document(leases.attempt_id(entry.id, attempt.claim_seq))
    tx.update(ref, {"claimed_until": until, "extensions": attempt.extensions + 1})
    # The holder's document keeps the lease's end: requestCall reads the lease only before it.
    current = CurrentLease(entry_id=entry.id, claim_seq=attempt.claim_seq, until=until)
    tx.set(
        db.collection(store.CALLERS).document(attempt.holder),
        {"current": current.model_dump()},
        merge=True,
    )
    fields = {
        "claimed_until": until,
        "available_at": max(until, entry.vest_at),
        "version": version,
    }
    return _update(db, tx, entry, fields)


def close(
    db: Client,
    tx: Transaction,
    entry: Entry,
    attempt: Attempt | None,
    *,
    outcome: Outcome,
    by: str,
    now: datetime,
    report_id: str | None = None,
    note: str | None = None,
    requeue: Entry | None = None,
) -> Entry:
    """Close an open entry (report: completed or skipped; staff: removed or not_callable).

    Its unended attempt ends too (see `leases.closing_outcome`). With `requeue`, the
    location's next stay opens in the same transaction and takes over the guard.
    """
    location_ref = db.collection(store.LOCATIONS).document(entry.location_id)
    # Read before the first write (a transaction's reads come first); the location may be gone.
    location_exists = location_ref.get(field_paths=["state"], transaction=tx).exists
    return close_writes(
        db,
        tx,
        entry,
        attempt,
        location_exists=location_exists,
        outcome=outcome,
        by=by,
        now=now,
        report_id=report_id,
        note=note,
        requeue=requeue,
    )


def existing_locations(db: Client, location_ids: Iterable[str]) -> set[str]:
    """Which of these locations exist (what `close_writes` needs to know), read in chunks."""
    wanted = list(dict.fromkeys(location_ids))
    found: set[str] = set()
    for start in range(0, len(wanted), GUARD_READ_CHUNK):
        refs = [
            db.collection(store.LOCATIONS).document(i)
            for i in wanted[start : start + GUARD_READ_CHUNK]
        ]
        found.update(s.id for s in db.get_all(refs, field_paths=["state"]) if s.exists)
    return found


def close_writes(
    db: Client,
    tx: WriteBatch,
    entry: Entry,
    attempt: Attempt | None,
    *,
    location_exists: bool,
    outcome: Outcome,
    by: str,
    now: datetime,
    report_id: str | None = None,
    note: str | None = None,
    requeue: Entry | None = None,
) -> Entry:
    """`close`'s writes, its fence first, given what it read: in a transaction or a WriteBatch.

    In a batch, a change of the entry made since `entry` was read makes the fence's create
    fail, and the whole batch with it (the emulator keeps the writes before the failing one).
    """
    location_ref = db.collection(store.LOCATIONS).document(entry.location_id)
    version = _fence(db, tx, entry, outcome, by, now)
    cut: datetime | None = None
    if attempt is not None and attempt.outcome is None:
        cut = leases.cut_short(attempt, by, now)
        ending = leases.closing_outcome(attempt, by, outcome, now)
        mine = {"report_id": report_id} if ending == outcome and report_id else {}
        _end(db, tx, attempt, ending, now, **mine)
    guard_ref = db.collection(store.OPEN_ENTRIES).document(entry.location_id)
    if requeue is None:
        tx.delete(guard_ref)
        if location_exists:
            # A call cut short may still be running: the place's next stay waits for its end.
            tx.update(location_ref, {"queued": False, **({"called_until": cut} if cut else {})})
    else:
        guard = OpenEntry(
            id=entry.location_id,
            entry_id=requeue.id,
            location_id=entry.location_id,
            added_at=now,
        )
        tx.create(db.collection(store.ENTRIES).document(requeue.id), requeue.to_firestore())
        tx.set(guard_ref, guard.stored())
    fields: dict[str, Any] = {
        "open": False,
        "status": "completed" if outcome in ("completed", "skipped") else "removed",
        "outcome": outcome,
        "closed_at": now,
        "closed_by": by,
        "holder": None,
        "version": version,
    }
    if report_id is not None:
        fields["report_id"] = report_id
    if note is not None:
        fields["removal_note"] = note
    return _update(db, tx, entry, fields)


def clear_claim(
    db: Client, tx: Transaction, entry: Entry, attempt: Attempt, by: str, now: datetime
) -> Entry:
    """Staff take a running lease back: the entry is available to the next draw at once."""
    return _give_back(db, tx, entry, attempt, "clear_claim", by, "cleared", now)


def defer(db: Client, tx: Transaction, entry: Entry, until: datetime, now: datetime) -> Entry:
    """Keep an available entry out of draws until its location's next opening (contact window).

    Only `available_at` moves: a later claim or release recomputes it from the lease as usual.
    """
    version = _fence(db, tx, entry, "defer", "system", now, until)
    return _update(db, tx, entry, {"available_at": until, "version": version})


def set_group(
    db: Client, tx: Transaction, entry: Entry, group: int, by: str, now: datetime
) -> Entry:
    """Move an open entry to another priority group."""
    version = _fence(db, tx, entry, "set_group", by, now)
    return _update(db, tx, entry, {"priority_group": group, "version": version})


def raise_group(
    db: Client,
    tx: Transaction,
    entry: Entry,
    group: int,
    extra_reasons: list[str],
    by: str,
    now: datetime,
) -> Entry:
    """A more urgent re-add: move the open entry to `group`, recording the extra reasons."""
    version = _fence(db, tx, entry, "raise", by, now)
    fields = {"priority_group": group, "extra_reasons": extra_reasons, "version": version}
    return _update(db, tx, entry, fields)


def reposition(
    db: Client, tx: Transaction, entry: Entry, position: float, by: str, now: datetime
) -> Entry:
    """Give an open entry another place in its group's order."""
    version = _fence(db, tx, entry, "reposition", by, now)
    return _update(db, tx, entry, {"position": position, "version": version})


def resume(db: Client, tx: Transaction, entry: Entry, by: str, now: datetime) -> Entry:
    """Return an entry flagged after repeated expiries to normal rotation."""
    version = _fence(db, tx, entry, "resume", by, now)
    fields = {
        "needs_attention": False,
        "expiries": 0,
        "resumed_at": now,
        "resumed_by": by,
        "version": version,
    }
    return _update(db, tx, entry, fields)


def add_missing_cells(db: Client) -> int:
    """Give open entries written before `cells` or `queue` existed both (draws find them then).

    Run once after deploying the cell draw, again after deploying queues, and again after
    deploying 23-level cells (no draw finds an entry's deeper cells before). A claim racing
    this redraws the cells anyway, and the draw is uniform whatever cell an entry sits in,
    so no fence is needed.
    """
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = db.collection(store.ENTRIES).where(filter=FieldFilter("open", "==", True))
    pending: list[tuple[Any, dict[str, Any]]] = []
    for snapshot in query.select(["rand", "cells", "queue"]).stream():
        data = snapshot.to_dict() or {}
        fields: dict[str, Any] = {}
        wanted = cells.cells_of(float(data.get("rand", 0.0)))
        # Missing, or written with fewer levels than the draw now reads (17 before 23).
        if data.get("cells") != wanted:
            fields["cells"] = wanted
        if not data.get("queue"):
            fields["queue"] = DEFAULT_QUEUE
        if fields:
            pending.append((snapshot.reference, fields))
    for start in range(0, len(pending), store.MAX_BATCH_WRITES):
        batch = db.batch()
        for ref, fields in pending[start : start + store.MAX_BATCH_WRITES]:
            batch.update(ref, fields)
        batch.commit()
    return len(pending)


def rebuild_caller_figures(db: Client) -> int:
    """Write every caller's day counters from the attempt and report history; answers how many.

    For history written before the counters existed: run once right after deploying them.
    Each document is replaced whole, so a claim or report that lands on a day being rebuilt
    while this runs may be counted twice or not at all (run it off-peak).
    """
    from google.cloud.firestore_v1.base_query import FieldFilter

    attempt_fields = [
        *("entry_id", "claim_seq", "holder", "holder_email"),
        *("claimed_at", "outcome", "ended_at"),
    ]
    attempts = [
        s.to_dict() or {} for s in db.collection(store.ATTEMPTS).select(attempt_fields).stream()
    ]
    statuses = list(caller_figures.REVIEW_COUNTERS)
    flagged = db.collection(store.REPORTS).where(
        filter=FieldFilter("review_status", "in", statuses)
    )
    reports = [
        s.to_dict() or {}
        for s in flagged.select(["reported_by", "created_at", "review_status"]).stream()
    ]
    days = list(caller_figures.from_history(attempts, reports).items())
    for start in range(0, len(days), store.MAX_BATCH_WRITES):
        batch = db.batch()
        for doc_id, fields in days[start : start + store.MAX_BATCH_WRITES]:
            batch.set(db.collection(store.CALLER_FIGURES).document(doc_id), fields)
        batch.commit()
    return len(days)


def set_caller_groups(db: Client, uid: str, groups: list[str], email: str | None) -> None:
    """Replace a caller's groups; a merge, so it never touches their claim count or lease."""
    db.collection(store.CALLERS).document(uid).set({"groups": groups, "email": email}, merge=True)


def transact(db: Client, run: Callable[[Transaction], T], tries: int = 3) -> T:
    """Run `run` in a transaction, again (re-reading) when a fence says a change came first.

    Production Firestore retries conflicting transactions itself; a fence's AlreadyExists is
    how a lost race shows on backends without isolation. Raises Stale (409 busy) after `tries`.
    """
    from google.api_core.exceptions import AlreadyExists
    from google.cloud import firestore

    transactional = firestore.transactional(run)
    for _ in range(tries):
        try:
            result: T = transactional(db.transaction())
        except AlreadyExists:
            continue
        return result
    raise Stale()
