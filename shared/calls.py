"""requestCall: draw an available entry and claim it. The claim transaction is `take`."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared import entries, leases, selection, store
from shared.auth import User
from shared.caller_view import present
from shared.errors import Contention, NotFound, NothingToCall, TooMany
from shared.leases import LeasePolicy
from shared.models import Caller, County, Entry, Location, Provider

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

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


def request_call(
    db: Client,
    user: User,
    query: CallQuery,
    now: datetime,
    policy: LeasePolicy,
    window_size: int,
    max_attempts: int,
    on_claim: Callable[[Entry], object] | None = None,
) -> dict[str, Any]:
    """The location to call next, claimed for `user` unless asked not to.

    A caller holds one lease at a time: while it runs, every request answers it again.
    `on_claim` runs after a new claim is committed (it schedules the lease's clean-up).
    """
    if query.location_id is not None:
        location = db.collection(store.LOCATIONS).document(query.location_id).get()
        found = store.load(Location, location)
        if found is None:
            raise NotFound(
                f"There is no location with id {query.location_id!r}.", error="unknown_location"
            )
        return view(db, found)
    if not query.no_claim:
        caller = store.load(Caller, db.collection(store.CALLERS).document(user.uid).get())
        held = entries.held_lease(db, None, caller, now) if caller is not None else None
        if held is not None:
            return view_of_entry(db, held[0])
    tried: set[str] = set()
    attempts = draws = 0
    for group in selection.groups_in_order():
        while True:
            drawn = draw_window(db, group, query.state, now, window_size)
            draws += 1
            window = {e.id: e for e in drawn if e.id not in tried}
            if not window:
                # A full window of entries already tried may hide untried ones elsewhere in
                # the key space: draw again from another random point, a bounded number of times.
                if len(drawn) < window_size or draws > max_attempts:
                    break
                continue
            for entry_id in selection.try_order(list(window), _rng):
                tried.add(entry_id)
                if query.no_claim:
                    return view_of_entry(db, window[entry_id], with_lease=False)
                if attempts >= max_attempts:
                    raise TooMany(
                        "Many callers are asking at once; please try again in a moment.",
                        error="busy",
                    )
                attempts += 1
                try:
                    taken = take(db, entry_id, user, now, policy)
                except Contention:
                    continue
                if taken.new and on_claim is not None:
                    on_claim(taken.entry)
                return view_of_entry(db, taken.entry)
    raise NothingToCall()


def draw_window(db: Client, group: int, state: str | None, now: datetime, size: int) -> list[Entry]:
    """Up to `size` available entries of a group, from a random point in the key space."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = (
        db.collection(store.ENTRIES)
        .where(filter=FieldFilter("open", "==", True))
        .where(filter=FieldFilter("needs_attention", "==", False))
        .where(filter=FieldFilter("priority_group", "==", group))
    )
    if state is not None:
        query = query.where(filter=FieldFilter("state", "==", state))
    query = query.where(filter=FieldFilter("available_at", "<=", now))
    start = _rng.random()
    after = list(
        query.where(filter=FieldFilter("rand", ">=", start)).order_by("rand").limit(size).stream()
    )
    wrapped = []
    if len(after) < size:
        wrapped = list(
            query.where(filter=FieldFilter("rand", "<", start))
            .order_by("rand")
            .limit(size - len(after))
            .stream()
        )
    by_id = {s.id: s for s in (*after, *wrapped)}
    entries = (
        store.load(Entry, by_id[i])
        for i in selection.window(
            after=[s.id for s in after], wrapped=[s.id for s in wrapped], size=size
        )
    )
    return [e for e in entries if e is not None]


def take(db: Client, entry_id: str, user: User, now: datetime, policy: LeasePolicy) -> Taken:
    """The claim transaction: claim one entry for `user`, or answer the lease they hold.

    Raises Contention if the entry is gone, held or flagged, or another claimer won it.
    """

    def run(tx: Transaction) -> Taken | None:
        caller, n = entries.read_caller(db, tx, user.uid)
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
        raise Contention(entry_id) from exc
    if taken is None:
        raise Contention(entry_id)
    return taken


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


def view_of_entry(db: Client, entry: Entry, *, with_lease: bool = True) -> dict[str, Any]:
    location = store.load(
        Location, db.collection(store.LOCATIONS).document(entry.location_id).get()
    )
    if location is None:
        # An entry whose location was deleted: still callable by id, with what the entry knows.
        location = Location(id=entry.location_id, name=entry.location_id, state=entry.state)
    return view(db, location, entry if with_lease else None)
