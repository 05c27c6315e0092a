"""requestCall: draw an available entry and claim it. The claim transaction is `take`."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
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
from shared.domain.models import Caller, County, Entry, Location, Provider
from shared.domain.selection import DrawBudgetSpent, DrawPolicy
from shared.records import available, entries, saved_queues
from shared.services.caller import backfill

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

    from shared.adapters.config import Settings

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


@dataclass(frozen=True)
class Taken:
    """What a claim transaction left the caller holding; `new` if this request claimed it."""

    entry: Entry
    new: bool


def serve_call(
    db: Client, settings: Settings, user: User, query: CallQuery, now: datetime
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
) -> dict[str, Any]:
    """The location to call next, claimed for `user` unless asked not to.

    A caller holds one lease at a time: while it runs, every request answers it again.
    `on_claim` runs after a new claim is committed (it schedules the lease's clean-up).
    With `contact`, a place outside its contact window is not offered: its entry is deferred
    to its next opening and the draw goes on. The answer is "nothing to call" only when every
    eligible group was drawn empty; a request that spends its budget first (`draw`) answers
    429 `busy`, so it never falls through to a less urgent group that is not next in line.
    """
    if query.location_id is not None:
        location = db.collection(store.LOCATIONS).document(query.location_id).get()
        found = store.load(Location, location)
        if found is None:
            raise NotFound(
                f"There is no location with id {query.location_id!r}.", error="unknown_location"
            )
        return view(db, found)
    caller = store.load(Caller, db.collection(store.CALLERS).document(user.uid).get())
    if not query.no_claim:
        held = entries.held_lease(db, None, caller, now) if caller is not None else None
        if held is not None:
            return view_of_entry(db, held[0])
    tried: set[str] = set()
    attempts = deferrals = 0
    groups = caller.groups if caller is not None else []
    offers = _offers(db, groups, query, now, draw, tried, contact)
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
                close_not_callable(db, entry.id, now)
            continue
        opening = now if contact is None else opening_of(contact, place, now)
        if opening != now:
            if opening is not None and not query.no_claim:
                if deferrals >= draw.max_deferrals:
                    raise _busy()
                deferrals += 1
                defer(db, entry.id, opening, now)
            continue
        if query.no_claim:
            return view_of_entry(db, entry, with_lease=False, location=place)
        if attempts >= draw.max_claim_attempts:
            raise _busy()
        attempts += 1
        try:
            taken = take(db, entry.id, user, now, lease)
        except Contention:
            continue
        if taken.new and on_claim is not None:
            on_claim(taken.entry)
        mine = place if taken.entry.location_id == place.id else None
        body = view_of_entry(db, taken.entry, location=mine)
        if taken.new:
            # Claim transactions this request tried: 1 unless it lost races (benchmarks).
            body["claim_attempts"] = attempts
        return body


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
    groups: list[str],
    query: CallQuery,
    now: datetime,
    draw: DrawPolicy,
    tried: set[str],
    contact: ContactPolicy | None,
) -> Iterator[Entry]:
    """Candidates from the caller's eligible queues in fall-through order, each queue's by
    priority group; a queue below its backfill minimum is refilled before it is drawn from."""
    saved = saved_queues.stored(db)
    for queue in routing.eligible(saved, groups):
        if queue.backfill_min > 0 and not query.no_claim:
            opens_at = None if contact is None else partial(opening_of, contact, now=now)
            backfill.top_up(db, queue, now, opens_at)
        # Until staff save a queue every entry is in `default`: the draw ignores the field,
        # so entries stored before it existed are drawn too.
        name = queue.id if saved else None
        for group in selection.groups_in_order():
            yield from candidates(db, group, query.state, now, draw, tried, name)


# The level each (queue, group, state) draw settled at in this process: the next draw starts
# there.
_levels: dict[tuple[str | None, int, str | None], int] = {}


def candidates(
    db: Client,
    group: int,
    state: str | None,
    now: datetime,
    policy: DrawPolicy,
    tried: set[str],
    queue: str | None = None,
) -> Iterator[Entry]:
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

    def fetch(level: int, cell: int) -> list[str]:
        got = draw_cell(db, group, state, now, cells.cell_label(level, cell), size, queue)
        found.update((e.id, e) for e in got)
        return [e.id for e in got]

    key = (queue, group, state)
    draw = selection.CellDraw(
        fetch,
        capacity=size,
        rng=_rng,
        level=_levels.get(key, 0),
        max_queries=policy.max_queries_per_candidate,
    )
    try:
        while (entry_id := draw.next(tried)) is not None:
            _levels[key] = draw.level
            yield found[entry_id]
    finally:
        _levels[key] = draw.level


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
    refs = []
    if location.county_id:
        refs.append(db.collection(store.COUNTIES).document(location.county_id))
    if location.provider_id:
        refs.append(db.collection(store.PROVIDERS).document(location.provider_id))
    county: County | None = None
    provider: Provider | None = None
    for snapshot in db.get_all(refs) if refs else []:
        if snapshot.reference.parent.id == store.COUNTIES:
            county = store.load(County, snapshot)
        else:
            provider = store.load(Provider, snapshot)
    return present(location, county, provider, entry)


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
