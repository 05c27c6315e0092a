"""requestCall: draw an available entry and claim it. The claim transaction lives here."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared import leases, selection, store
from shared.auth import User
from shared.caller_view import present
from shared.errors import BadRequest, Contention, NotFound, NothingToCall, TooMany
from shared.models import Attempt, County, Entry, Location, Provider

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

_rng = random.SystemRandom()


@dataclass(frozen=True)
class CallRequest:
    """requestCall's query parameters, already validated."""

    state: str | None
    location_id: str | None
    no_claim: bool


def parse_call_request(args: dict[str, str]) -> CallRequest:
    try:
        state = selection.normalise_state(args.get("state"))
    except ValueError as exc:
        raise BadRequest(str(exc), error="invalid_state") from exc
    no_claim = args.get("no_claim", "0").strip().lower()
    if no_claim not in ("", "0", "1", "true", "false"):
        raise BadRequest("no_claim must be 1 or 0.", error="invalid_field")
    location_id = (args.get("location_id") or "").strip() or None
    if location_id is not None and (problem := store.id_problem(location_id)):
        raise BadRequest(f"location_id {location_id[:60]!r} {problem}.", error="invalid_field")
    return CallRequest(state, location_id, no_claim in ("1", "true"))


def request_call(
    db: Client,
    user: User,
    request: CallRequest,
    now: datetime,
    lease_seconds: int,
    window_size: int,
    max_attempts: int,
    max_lease_seconds: int,
    on_claim: Callable[[Entry], object] | None = None,
) -> dict[str, Any]:
    """The location to call next, claimed for `user` unless asked not to.

    `on_claim` runs after a new claim is committed (it schedules the lease's clean-up).
    """
    if request.location_id is not None:
        location = db.collection(store.LOCATIONS).document(request.location_id).get()
        found = store.load(Location, location)
        if found is None:
            raise NotFound(
                f"There is no location with id {request.location_id!r}.", error="unknown_location"
            )
        return view(db, found)
    if not request.no_claim:
        held = current_claim(db, user.uid, now)
        if held is not None:
            return view_of_entry(db, held)
    tried: set[str] = set()
    attempts = draws = 0
    for group in selection.groups_in_order():
        while True:
            drawn = draw_window(db, group, request.state, now, window_size)
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
                if request.no_claim:
                    return view_of_entry(db, window[entry_id], with_lease=False)
                if attempts >= max_attempts:
                    raise TooMany(
                        "Many callers are asking at once; please try again in a moment.",
                        error="busy",
                    )
                attempts += 1
                try:
                    entry = claim(db, entry_id, user.uid, now, lease_seconds, max_lease_seconds)
                except Contention:
                    continue
                if on_claim is not None:
                    on_claim(entry)
                return view_of_entry(db, entry)
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


def claim(
    db: Client, entry_id: str, uid: str, now: datetime, lease_seconds: int, max_lease_seconds: int
) -> Entry:
    """Claim one entry for `uid`, or raise Contention if it is gone or another claimer won.

    The attempt document (id = entry id + next claim sequence) is created first: on
    production Firestore the transaction already serialises claimers, and on emulators
    without isolation the atomic create still lets exactly one concurrent claimer through.
    """
    from google.api_core.exceptions import AlreadyExists, Conflict
    from google.cloud import firestore

    ref = db.collection(store.ENTRIES).document(entry_id)

    @firestore.transactional
    def run(tx: Transaction) -> Entry:
        entry = store.load(Entry, ref.get(transaction=tx))
        if entry is None or not leases.is_available(entry, now):
            raise Contention(entry_id)
        attempt, update = leases.claim(
            entry, uid, now, lease_seconds, _rng.random(), max_lease_seconds
        )
        attempt_ref = db.collection(store.ATTEMPTS).document(
            leases.attempt_id(entry.id, attempt.claim_seq)
        )
        tx.create(attempt_ref, attempt.to_firestore())
        tx.update(ref, update)
        tx.set(
            db.collection(store.CALLERS).document(uid),
            {"current": {"entry_id": entry.id, "claim_seq": attempt.claim_seq}},
            merge=True,
        )
        return entry.model_copy(update=update)

    try:
        claimed: Entry = run(db.transaction())
    except (AlreadyExists, Conflict) as exc:
        raise Contention(entry_id) from exc
    except ValueError as exc:
        # The client gives up with ValueError after repeated aborts under contention.
        raise Contention(entry_id) from exc
    return claimed


def current_claim(db: Client, uid: str, now: datetime) -> Entry | None:
    """The entry `uid` holds an unexpired lease on, if any (one claim per caller).

    Judged from the attempt document, which only its own claim, extension and end write.
    """
    caller = db.collection(store.CALLERS).document(uid).get()
    current = (caller.to_dict() or {}).get("current") if caller.exists else None
    if not isinstance(current, dict) or not current.get("entry_id"):
        return None
    entry_id, seq = str(current["entry_id"]), int(current.get("claim_seq") or 0)
    refs = [
        db.collection(store.ENTRIES).document(entry_id),
        db.collection(store.ATTEMPTS).document(leases.attempt_id(entry_id, seq)),
    ]
    found = {s.reference.parent.id: s for s in db.get_all(refs)}
    entry = store.load(Entry, found[store.ENTRIES])
    attempt = store.load(Attempt, found[store.ATTEMPTS])
    if entry is None or attempt is None or not leases.live_attempt(entry, attempt, seq):
        return None
    if attempt.holder != uid or attempt.claimed_until <= now:
        return None
    return entry.model_copy(update={"holder": uid, "claimed_until": attempt.claimed_until})


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
