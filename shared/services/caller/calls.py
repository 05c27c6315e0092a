"""requestCall: draw an available entry and claim it. The claim transaction is `take`."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.adapters import store
from shared.adapters.auth import User
from shared.base.errors import Contention, NotFound, NothingToCall, TooMany
from shared.domain import cells, contact_hours, leases, routing, selection
from shared.domain.caller_view import present
from shared.domain.contact_hours import ContactPolicy
from shared.domain.leases import LeasePolicy
from shared.domain.models import Caller, County, Entry, Location, Provider, Queue
from shared.domain.selection import DrawBudgetSpent, DrawPolicy
from shared.records import available, entries, saved_queues
from shared.services.caller import backfill

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

    from shared.adapters.config import Settings
    from shared.records.rate_limits import Admission

_rng = random.SystemRandom()


class CallQuery(BaseModel):
    """requestCall's query parameters (the caller app sends `state=all`)."""

    # The app may send parameters this service does not use.
    model_config = ConfigDict(extra="ignore")

    state: str | None = Field(
        None, description="Two-letter state code to draw from; 'all' or empty for any state."
    )
    location_id: store.DocumentId | None = Field(
        None, description="Answer this location instead of drawing (nothing is claimed)."
    )
    no_claim: bool = Field(False, description="1: show a location without claiming it.")

    @field_validator("state")
    @classmethod
    def _state(cls, value: str | None) -> str | None:
        return selection.normalise_state(value)

    @field_validator("location_id", mode="before")
    @classmethod
    def _blank_id(cls, value: object) -> object:
        return (value.strip() or None) if isinstance(value, str) else value

    @field_validator("no_claim", mode="before")
    @classmethod
    def _flag(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip().lower()
            if text not in ("", "0", "1", "true", "false"):
                raise ValueError("must be 1 or 0")
            return text in ("1", "true")
        return value


class EntryTaken(Contention):
    """A claim's commit met the entry's fence: the entry changed since it was drawn."""


@dataclass(frozen=True)
class Taken:
    """What a claim transaction left the caller holding; `new` if this request claimed it."""

    entry: Entry
    new: bool


def serve_call(
    db: Client,
    settings: Settings,
    user: User,
    query: CallQuery,
    now: datetime,
    admission: Admission | None = None,
) -> dict[str, Any]:
    """requestCall: `request_call` with the settings' policies; schedules each new lease's end."""
    from shared.services.caller import lease_tasks

    def schedule(entry: Entry) -> bool:
        assert entry.claimed_until is not None
        return lease_tasks.schedule(db, settings, entry.id, entry.claim_seq, entry.claimed_until)

    return request_call(
        db,
        user,
        query,
        now,
        settings.lease_policy,
        settings.draw_policy,
        on_claim=schedule,
        contact=settings.contact_policy,
        admission=admission,
    )


def request_call(
    db: Client,
    user: User,
    query: CallQuery,
    now: datetime,
    lease: LeasePolicy,
    draw: DrawPolicy,
    on_claim: Callable[[Entry], object] | None = None,
    contact: ContactPolicy | None = None,
    admission: Admission | None = None,
) -> dict[str, Any]:
    """The location to call next, claimed for `user` unless asked not to.

    A caller holds one lease at a time: while it runs, every request answers it again.
    `on_claim` runs beside the commit of a new claim (it schedules the lease's clean-up).
    With `contact`, a place outside its contact window is not offered: its entry is deferred
    to its next opening and the draw goes on. The answer is "nothing to call" only when every
    eligible group was drawn empty; a request that spends its budget first (`draw`) answers
    429 `busy`, so it never falls through to a less urgent group that is not next in line.
    `admission` (the request's rate-limit charge) rides in the claim's commit, or is settled
    before any other write; the caller settles what is left before answering.
    """
    if admission is not None and (query.location_id is not None or query.no_claim):
        admission.begin()
    if query.location_id is not None:
        location = db.collection(store.LOCATIONS).document(query.location_id).get()
        found = store.load(Location, location)
        if found is None:
            raise NotFound(
                f"There is no location with id {query.location_id!r}.", error="unknown_location"
            )
        return view(db, found)
    tried: set[str] = set()
    guess = _guess(db, user.uid, query, now, draw, tried)
    caller, saved = caller_and_queues(db, user.uid)
    _remember(db, user.uid, caller, saved)
    if not query.no_claim and caller is not None and entries.may_hold(caller, now):
        if admission is not None:
            # Most likely the answer is the lease they hold: no claim to fold the charge into.
            admission.begin()
        held = entries.held_lease(db, None, caller, now)
        if held is not None:
            if guess is not None:
                guess.drop()
            return view_of_entry(db, held[0])
    gate = admission.settle if admission is not None else (lambda: None)
    attempts = deferrals = 0
    groups = caller.groups if caller is not None else []
    offers = _offers(db, saved, groups, query, now, draw, tried, contact, gate, guess)
    # After a lost race the caller's document may be behind: claims then run as transactions.
    drawn_claims = True
    while True:
        try:
            entry = next(offers, None)
        except DrawBudgetSpent:
            raise _busy() from None
        if entry is None:
            raise NothingToCall()
        tried.add(entry.id)
        # Read before the claim to check the window; the answer's view reuses it.
        stored = load_location(db, entry.location_id)
        place = stored or stand_in(entry)
        if stored is not None and stored.callable_state != "callable":
            # Queued before it lost its phone or was marked (or while being marked): never
            # offered, and its entry closes so the next draw does not meet it again.
            if not query.no_claim:
                gate()
                close_not_callable(db, entry.id, now)
            continue
        opening = now if contact is None else opening_of(contact, place, now)
        if opening != now:
            if opening is not None and not query.no_claim:
                if deferrals >= draw.max_deferrals:
                    raise _busy()
                deferrals += 1
                gate()
                defer(db, entry.id, opening, now)
            continue
        if query.no_claim:
            return view_of_entry(db, entry, with_lease=False, location=place)
        if attempts >= draw.max_claim_attempts:
            raise _busy()
        attempts += 1
        try:
            taken = _claim(
                db, entry, caller, user, now, lease, on_claim, drawn_claims, admission, gate
            )
        except Contention:
            drawn_claims = False
            continue
        mine = place if taken.entry.location_id == place.id else None
        body = view_of_entry(db, taken.entry, location=mine)
        if taken.new:
            # Claim transactions this request tried: 1 unless it lost races (benchmarks).
            body["claim_attempts"] = attempts
        return body


def _claim(
    db: Client,
    entry: Entry,
    caller: Caller | None,
    user: User,
    now: datetime,
    lease: LeasePolicy,
    on_claim: Callable[[Entry], object] | None,
    drawn: bool,
    admission: Admission | None,
    gate: Callable[[], None],
) -> Taken:
    """Claim the drawn entry: in one commit when nothing needs reading (the rate-limit slot
    in it), else (and after a failed commit, which may have left a fence to repair) by the
    claim transaction, the charge settled first."""
    if drawn and entry.holder is None:
        try:
            return claim_drawn(
                db, entry, caller or Caller(id=user.uid), user, now, lease, on_claim, admission
            )
        except EntryTaken:
            raise
        except Contention:
            pass
    gate()
    taken = take(db, entry.id, user, now, lease)
    if taken.new and on_claim is not None:
        on_claim(taken.entry)
    return taken


def caller_and_queues(db: Client, uid: str) -> tuple[Caller | None, list[Queue]]:
    """The caller's document and every saved queue, in one round trip."""
    caller_ref = db.collection(store.CALLERS).document(uid)
    routing_ref = saved_queues.routing_ref(db)
    caller: Caller | None = None
    saved: list[Queue] = []
    for snapshot in db.get_all([caller_ref, routing_ref]):
        if snapshot.reference.path == caller_ref.path:
            caller = store.load(Caller, snapshot)
        else:
            saved = saved_queues.from_routing(db, snapshot)
    return caller, saved


def claim_drawn(
    db: Client,
    entry: Entry,
    caller: Caller,
    user: User,
    now: datetime,
    policy: LeasePolicy,
    on_claim: Callable[[Entry], object] | None,
    admission: Admission | None = None,
) -> Taken:
    """Claim an entry as the draw read it, in one commit without reads.

    The fences make the reads unnecessary: the entry's change fence names the version the
    draw read and the caller's names the claim number their document gave, so the commit
    fails (AlreadyExists) if either changed since. The entry has no unended attempt (its
    holder is None), so nothing else needs reading. Raises Contention when the commit fails;
    the caller then claims through `take`, which reads and repairs what a failure left.
    The request's rate-limit slot is the commit's first write: a slot found taken fails it
    before anything is written, and the charge is then made on its own (TooMany if over).
    """
    from google.api_core.exceptions import AlreadyExists

    from shared.base import overlap

    n = max(caller.claims, caller.skipped) + 1
    scheduled = None
    try:
        while True:
            batch = db.batch()
            folded = admission is not None and admission.fold(batch)
            claimed = entries.claim(db, batch, entry, None, caller, n, now, policy, user.email)
            assert claimed is not None, "an entry without an unended attempt is never flagged"
            if scheduled is None and on_claim is not None:
                # The lease task beside the commit: its name carries the lease's end, so a
                # task for a claim whose commit failed is a no-op when it arrives.
                scheduled = overlap.submit(on_claim, claimed)
            try:
                batch.commit()
            except AlreadyExists as exc:
                refused = str(exc)
                slot_taken = folded and f"/{store.RATE_LIMITS}/" in refused
                if admission is not None and folded:
                    admission.failed(slot_taken)
                if slot_taken:
                    # Nothing was written: charge on its own (TooMany if over), claim again.
                    assert admission is not None
                    admission.settle()
                    continue
                # The entry's fence named in the refusal: it changed since the draw (most
                # often another caller claimed it), so there is nothing to repair.
                lost = f"/{store.ENTRY_CHANGES}/" in refused
                raise (EntryTaken if lost else Contention)(entry.id) from None
            if admission is not None and folded:
                admission.committed()
            return Taken(claimed, new=True)
    finally:
        if scheduled is not None:
            scheduled.result()


def _busy() -> TooMany:
    # The same answer as for lost races: the app tries again, and the next request goes on
    # where this one stopped (deferred places are out of its way).
    return TooMany(
        "Many callers are asking at once; please try again in a moment.",
        retry_after=1,
        error="busy",
    )


def _offers(
    db: Client,
    saved: list[Queue],
    groups: list[str],
    query: CallQuery,
    now: datetime,
    draw: DrawPolicy,
    tried: set[str],
    contact: ContactPolicy | None,
    gate: Callable[[], None],
    guess: Guess | None = None,
) -> Iterator[Entry]:
    """Candidates from the caller's eligible queues in fall-through order, each queue's by
    priority group; a queue below its backfill minimum is refilled before it is drawn from.
    The first queue's draw is `guess`'s when it guessed that queue (already under way)."""
    try:
        for queue in routing.eligible(saved, groups):
            name = _draw_name(queue, saved)
            if guess is not None and guess.key == (name, query.state) and queue.backfill_min <= 0:
                drawn, guess = guess, None
                yield from drawn.candidates()
                continue
            if guess is not None:
                guess.drop()
                guess = None
            if queue.backfill_min > 0 and not query.no_claim:
                opens_at = None if contact is None else partial(opening_of, contact, now=now)
                gate()
                backfill.top_up(db, queue, now, opens_at)
            yield from queue_candidates(db, name, query.state, now, draw, tried)
    finally:
        if guess is not None:
            guess.drop()


def _draw_name(queue: Queue, saved: list[Queue]) -> str | None:
    # Until staff save a queue every entry is in `default`: the draw ignores the field, so
    # entries stored before it existed are drawn too.
    return queue.id if saved else None


# What this process last read: the saved queues, and each caller's groups. A request starts
# drawing from the queue they make first while it reads the real ones; the read decides, so a
# wrong guess costs only its reads (and a stale one is never used).
_known_saved: dict[str, list[Queue]] = {}
_known_groups: dict[tuple[str, str], list[str]] = {}


@dataclass
class Guess:
    """A draw started before the caller's document and the saved queues were read."""

    key: tuple[str | None, str | None]
    draws: Generator[Entry, None, None]
    first: Future[Entry | None]

    def candidates(self) -> Iterator[Entry]:
        """The draw's candidates, as `queue_candidates` would give them."""
        entry = self.first.result()
        if entry is None:
            return
        yield entry
        yield from self.draws

    def drop(self) -> None:
        """Not needed: end the draw once its read is back (never while it runs)."""
        self.first.add_done_callback(lambda _: self.draws.close())


def _guess(
    db: Client, uid: str, query: CallQuery, now: datetime, draw: DrawPolicy, tried: set[str]
) -> Guess | None:
    """Start the draw of the queue this process expects to be the caller's first, if any."""
    from shared.base import overlap

    saved = _known_saved.get(db.project)
    if query.location_id is not None or saved is None:
        return None
    queues = routing.eligible(saved, _known_groups.get((db.project, uid), []))
    if not queues or queues[0].backfill_min > 0:
        # A queue with a backfill minimum may be refilled before its draw: no early draw.
        return None
    name = _draw_name(queues[0], saved)
    draws = queue_candidates(db, name, query.state, now, draw, tried)
    # On the waiting pool: the draw waits for its probe, which runs on the main pool.
    first: Future[Entry | None] = overlap.submit_waiting(next, draws, None)
    return Guess((name, query.state), draws, first)


def _remember(db: Client, uid: str, caller: Caller | None, saved: list[Queue]) -> None:
    _known_saved[db.project] = saved
    if len(_known_groups) > 10_000:
        _known_groups.clear()
    _known_groups[(db.project, uid)] = caller.groups if caller is not None else []


# The group each (queue, state) draw last offered from in this process: the next draw starts
# there, while a probe beside it asks whether a more urgent group has an available entry.
_urgent: dict[tuple[str | None, str | None], int] = {}


def queue_candidates(
    db: Client,
    queue: str | None,
    state: str | None,
    now: datetime,
    draw: DrawPolicy,
    tried: set[str],
) -> Generator[Entry, None, None]:
    """A queue's available entries, the most urgent group's first, in the order to try them.

    Drawing group by group costs a query per empty group before the first candidate. So the
    draw starts at the group it last offered from, and one query beside it (`in` the more
    urgent groups, limit 1) tells whether that is still the most urgent with an available
    entry; only when it is not does the draw go through the groups one by one. A queue this
    process last found empty is asked once whether it still is (one query, not one a group).
    """
    order = selection.groups_in_order()
    key = (queue, state)
    if key in _empty:
        if not any_available(db, order, state, now, queue):
            return
        _empty.discard(key)
    offered = False
    for entry in _by_group(db, key, order, now, draw, tried):
        offered = True
        yield entry
    if not offered:
        if len(_empty) > 10_000:
            _empty.clear()
        _empty.add(key)


# The (queue, state) draws this process last found without an available entry.
_empty: set[tuple[str | None, str | None]] = set()


def _by_group(
    db: Client,
    key: tuple[str | None, str | None],
    order: list[int],
    now: datetime,
    draw: DrawPolicy,
    tried: set[str],
) -> Generator[Entry, None, None]:
    from shared.base import overlap

    queue, state = key
    start = _urgent.get(key, order[0])
    if start not in order:
        start = order[0]
    above = order[: order.index(start)]
    later = order
    if above:
        probe = overlap.submit(any_available, db, above, state, now, queue)
        first_draw = candidates(db, start, state, now, draw, tried, queue)
        spent: DrawBudgetSpent | None = None
        first: Entry | None = None
        try:
            first = next(first_draw, None)
        except DrawBudgetSpent as exc:
            spent = exc
        if probe.result():
            # A more urgent group has entries again: draw from the top, group by group.
            first_draw.close()
        else:
            if spent is not None:
                raise spent
            if first is not None:
                _urgent[key] = start
                yield first
                yield from first_draw
            later = order[order.index(start) + 1 :]
    for group in later:
        for entry in candidates(db, group, state, now, draw, tried, queue):
            _urgent[key] = group
            yield entry


def any_available(
    db: Client, groups: list[int], state: str | None, now: datetime, queue: str | None
) -> bool:
    """Whether any of `groups` has an available entry (one query, at most one document)."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = available.available(db, now, queue=queue, state=state).where(
        filter=FieldFilter("priority_group", "in", groups)
    )
    return any(True for _ in query.limit(1).stream())


# The level each (queue, group, state) draw settled at in this process, and what its tries
# found there: the next draw starts from both.
_levels: dict[tuple[str | None, int, str | None], tuple[int, selection.Fill]] = {}


def candidates(
    db: Client,
    group: int,
    state: str | None,
    now: datetime,
    policy: DrawPolicy,
    tried: set[str],
    queue: str | None = None,
) -> Generator[Entry, None, None]:
    """Available entries of a group (of one queue, or of all) not in `tried`, in the order to
    try them.

    "cells" draws each uniformly at random (`selection.CellDraw`); "naive", a benchmark
    baseline only, offers the longest available first, as every caller would try it.
    Raises DrawBudgetSpent when a candidate costs more reads than the policy allows.
    """
    size = policy.candidate_window
    if policy.strategy == "naive":
        yield from _longest_available(db, group, state, now, size, tried, queue)
        return
    found: dict[str, Entry] = {}

    def fetch(level: int, cell: int, limit: int) -> list[str]:
        got = draw_cell(db, group, state, now, cells.cell_label(level, cell), limit, queue)
        found.update((e.id, e) for e in got)
        return [e.id for e in got]

    # One entry more than the slots a cell: one that overflows them is told from a full one.
    def fetch_many(level: int, numbers: list[int]) -> dict[int, list[str]]:
        labels = {cells.cell_label(level, n): n for n in numbers}
        limit = (size + 1) * len(labels)
        got = draw_cells(db, group, state, now, list(labels), limit, queue)
        if len(got) >= limit:
            # Some cell may hold more than its share of the limit: read the first alone.
            return {numbers[0]: fetch(level, numbers[0], size + 1)}
        by_cell: dict[int, list[str]] = {n: [] for n in numbers}
        for entry in got:
            found[entry.id] = entry
            number = next((labels[c] for c in entry.cells if c in labels), None)
            if number is not None and len(by_cell[number]) <= size:
                by_cell[number].append(entry.id)
        return by_cell

    key = (queue, group, state)
    level, fill = _levels.get(key, (0, selection.Fill()))
    draw = selection.CellDraw(
        fetch,
        capacity=size,
        rng=_rng,
        level=level,
        max_queries=policy.max_queries_per_candidate,
        fetch_many=fetch_many,
        # A copy: concurrent draws of the group each judge their own, the last one is kept.
        fill=dataclasses.replace(fill),
    )
    try:
        while (entry_id := draw.next(tried)) is not None:
            _levels[key] = (draw.level, draw.fill)
            yield found[entry_id]
    finally:
        _levels[key] = (draw.level, draw.fill)


def _available(db: Client, group: int, state: str | None, now: datetime, queue: str | None) -> Any:
    return available.available(db, now, priority_group=group, queue=queue, state=state)


def draw_cell(
    db: Client,
    group: int,
    state: str | None,
    now: datetime,
    cell: str,
    size: int,
    queue: str | None = None,
) -> list[Entry]:
    """Up to `size` available entries of a group in one cell of the random key space.

    The index holds `cells` as array-contains before `available_at`, so production reads only
    available entries of the cell: no held or scheduled entry is passed over.
    """
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = _available(db, group, state, now, queue).where(
        filter=FieldFilter("cells", "array_contains", cell)
    )
    loaded = (store.load(Entry, s) for s in query.limit(size).stream())
    return [e for e in loaded if e is not None]


def draw_cells(
    db: Client,
    group: int,
    state: str | None,
    now: datetime,
    labels: list[str],
    size: int,
    queue: str | None = None,
) -> list[Entry]:
    """Up to `size` available entries of a group in any of several cells (one read)."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = _available(db, group, state, now, queue).where(
        filter=FieldFilter("cells", "array_contains_any", labels)
    )
    loaded = (store.load(Entry, s) for s in query.limit(size).stream())
    return [e for e in loaded if e is not None]


def _longest_available(
    db: Client,
    group: int,
    state: str | None,
    now: datetime,
    size: int,
    tried: set[str],
    queue: str | None,
) -> Iterator[Entry]:
    while True:
        snapshots = list(
            _available(db, group, state, now, queue).order_by("available_at").limit(size).stream()
        )
        fresh = [e for e in (store.load(Entry, s) for s in snapshots) if e and e.id not in tried]
        yield from fresh
        if len(snapshots) < size or not fresh:
            return


def take(db: Client, entry_id: str, user: User, now: datetime, policy: LeasePolicy) -> Taken:
    """The claim transaction: claim one entry for `user`, or answer the lease they hold.

    Raises Contention if the entry is gone, held or flagged, or another claimer won it.
    """

    numbers: list[tuple[int, int]] = []

    def run(tx: Transaction) -> Taken | None:
        caller, n = entries.read_caller(db, tx, user.uid)
        numbers.append((max(caller.claims, caller.skipped), n))
        held = entries.held_lease(db, tx, caller, now)
        if held is not None:
            return Taken(held[0], new=False)
        entry, attempt = entries.read(db, tx, entry_id)
        if entry is None or not leases.is_available(entry, now):
            return None
        claimed = entries.claim(db, tx, entry, attempt, caller, n, now, policy, user.email)
        return Taken(claimed, new=True) if claimed is not None else None

    try:
        taken = entries.transact(db, run)
    except (entries.Stale, ValueError) as exc:
        # ValueError: the client gives up after repeated aborts under contention.
        if isinstance(exc, entries.FailedClaims):
            entries.skip_failed_claims(db, user.uid, exc.through)
        else:
            _skip_failed(db, user.uid, numbers)
        raise Contention(entry_id) from exc
    if taken is None:
        _skip_failed(db, user.uid, numbers)
        raise Contention(entry_id)
    return taken


def _skip_failed(db: Client, uid: str, numbers: list[tuple[int, int]]) -> None:
    # The last read proved every number between the caller's count and the one it chose
    # failed: record it, so failed claims never pile up in front of the caller's next one.
    if numbers and numbers[-1][1] - 1 > numbers[-1][0]:
        entries.skip_failed_claims(db, uid, numbers[-1][1] - 1)


def opening_of(contact: ContactPolicy, location: Location, now: datetime) -> datetime | None:
    """When the location may next be called: `now` when it is open."""
    return contact_hours.opening_for(
        contact, location.hours, location.timezone, location.state, location.longitude, now
    )


def defer(db: Client, entry_id: str, until: datetime, now: datetime) -> bool:
    """Move an available entry's `available_at` to `until`; False if it changed meanwhile."""

    def run(tx: Transaction) -> bool:
        entry, _ = entries.read(db, tx, entry_id)
        if entry is None or not leases.is_available(entry, now):
            return False
        entries.defer(db, tx, entry, until, now)
        return True

    try:
        return entries.transact(db, run)
    except (entries.Stale, ValueError):
        # Somebody claimed or changed it first: theirs stands, and the draw moves on.
        return False


def view(db: Client, location: Location, entry: Entry | None = None) -> dict[str, Any]:
    """The contract's location body, with its county and provider records."""
    county = reference(db, store.COUNTIES, location.county_id)
    provider = reference(db, store.PROVIDERS, location.provider_id)
    return present(
        location,
        county if isinstance(county, County) else None,
        provider if isinstance(provider, Provider) else None,
        entry,
    )


# Counties and providers change only when places are imported: a process keeps what it read
# this long (the answer's county and provider records may lag an import by this much).
REFERENCE_SECONDS = 300.0
_references: dict[tuple[str, str, str], tuple[float, County | Provider | None]] = {}


def reference(db: Client, collection: str, doc_id: str | None) -> County | Provider | None:
    """A county or provider by id, from this process's copy while it is recent."""
    import time

    if not doc_id:
        return None
    key = (db.project, collection, doc_id)
    known = _references.get(key)
    if known is not None and time.monotonic() - known[0] < REFERENCE_SECONDS:
        return known[1]
    model: type[County] | type[Provider] = County if collection == store.COUNTIES else Provider
    found = store.load(model, db.collection(collection).document(doc_id).get())
    if len(_references) > 10_000:
        _references.clear()
    _references[key] = (time.monotonic(), found)
    return found


def close_not_callable(db: Client, entry_id: str, now: datetime) -> bool:
    """Close a drawn entry whose place may not be called; False if it changed meanwhile."""

    def run(tx: Transaction) -> bool:
        entry, attempt = entries.read(db, tx, entry_id)
        if entry is None or not leases.is_available(entry, now):
            return False
        entries.close(db, tx, entry, attempt, outcome="not_callable", by="system", now=now)
        return True

    try:
        return entries.transact(db, run)
    except (entries.Stale, ValueError):
        return False


def load_location(db: Client, location_id: str) -> Location | None:
    return store.load(Location, db.collection(store.LOCATIONS).document(location_id).get())


def stand_in(entry: Entry) -> Location:
    """What the entry knows of its location, when the location was deleted."""
    return Location(id=entry.location_id, name=entry.location_id, state=entry.state)


def location_of(db: Client, entry: Entry) -> Location:
    """The entry's location, or what the entry knows of it if the location was deleted."""
    # An entry whose location was deleted: still callable by id, with what the entry knows.
    return load_location(db, entry.location_id) or stand_in(entry)


def view_of_entry(
    db: Client, entry: Entry, *, with_lease: bool = True, location: Location | None = None
) -> dict[str, Any]:
    found = location or location_of(db, entry)
    return view(db, found, entry if with_lease else None)
