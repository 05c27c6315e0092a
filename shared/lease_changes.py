"""Changes to a held lease: the holder extends or releases it, a Cloud Task expires it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from shared import leases, store
from shared.errors import Conflict, NotFound
from shared.models import Attempt, Entry

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

REFUSALS = {
    "unknown_entry": (NotFound, "There is no queue entry {entry_id!r}."),
    "not_holder": (Conflict, "You do not hold this call (claim {claim_seq} of entry {entry_id})."),
    "lease_ended": (
        Conflict,
        "This call's lease has ended or is about to (claim {claim_seq} of entry {entry_id}); "
        "request a new call.",
    ),
    "at_maximum": (
        Conflict,
        "This call cannot be extended further; please finish it or release it.",
    ),
}


class LeaseRef(BaseModel):
    """The `lease` object requestCall answered, sent back by extendCall and releaseCall."""

    # The lease view carries more keys (claimed_until, ...); only these two identify it.
    model_config = ConfigDict(extra="ignore")

    entry_id: store.DocumentId
    claim_seq: int = Field(ge=1)


class ExpiryTask(BaseModel):
    """What a lease-expiry task carries."""

    model_config = ConfigDict(extra="ignore")

    entry_id: store.DocumentId
    claim_seq: int = Field(ge=1)
    claimed_until: datetime | None = None


def _refuse(code: str, ref: LeaseRef) -> Exception:
    kind, text = REFUSALS[code]
    return kind(text.format(entry_id=ref.entry_id, claim_seq=ref.claim_seq), error=code)


def _read(
    db: Client, tx: Transaction, entry_id: str, claim_seq: int
) -> tuple[Entry | None, Attempt | None]:
    entry = store.load(Entry, db.collection(store.ENTRIES).document(entry_id).get(transaction=tx))
    attempt_ref = db.collection(store.ATTEMPTS).document(leases.attempt_id(entry_id, claim_seq))
    attempt = store.load(Attempt, attempt_ref.get(transaction=tx))
    return entry, attempt


def _held(
    db: Client, tx: Transaction, uid: str, ref: LeaseRef, now: datetime, margin: int
) -> tuple[Entry, Attempt]:
    """The entry and attempt of a lease `uid` holds and may still change, or the refusal."""
    entry, attempt = _read(db, tx, ref.entry_id, ref.claim_seq)
    refusal = leases.change_refusal(entry, attempt, ref.claim_seq, uid, now, margin)
    if refusal:
        raise _refuse(refusal, ref)
    assert entry is not None
    assert attempt is not None
    return entry, attempt


def extend(
    db: Client, uid: str, ref: LeaseRef, now: datetime, step: int, max_lease: int, margin: int
) -> Entry:
    """Push the holder's lease end out by one step, up to the maximum length of a claim."""
    from google.cloud import firestore

    @firestore.transactional
    def run(tx: Transaction) -> Entry:
        entry, attempt = _held(db, tx, uid, ref, now, margin)
        until = leases.extended_until(attempt, now, step, max_lease)
        if until is None:
            raise _refuse("at_maximum", ref)
        attempt_ref = db.collection(store.ATTEMPTS).document(
            leases.attempt_id(entry.id, ref.claim_seq)
        )
        tx.update(attempt_ref, {"claimed_until": until, "extensions": attempt.extensions + 1})
        tx.update(
            db.collection(store.ENTRIES).document(entry.id),
            {"claimed_until": until, "available_at": max(until, entry.vest_at)},
        )
        return entry.model_copy(update={"claimed_until": until})

    extended: Entry = run(db.transaction())
    return extended


def release(db: Client, uid: str, ref: LeaseRef, now: datetime, margin: int) -> None:
    """The holder gives the entry back; it is available to the next draw at once."""
    from google.api_core.exceptions import AlreadyExists
    from google.cloud import firestore

    @firestore.transactional
    def run(tx: Transaction) -> None:
        entry, _ = _held(db, tx, uid, ref, now, margin)
        _end_attempt(db, tx, entry, ref.claim_seq, "released", now)
        tx.update(
            db.collection(store.ENTRIES).document(entry.id),
            {"holder": None, "claimed_until": None, "available_at": max(now, entry.vest_at)},
        )

    try:
        run(db.transaction())
    except AlreadyExists as exc:
        raise _refuse("lease_ended", ref) from exc


def expire(db: Client, task: ExpiryTask, now: datetime, max_expiries: int) -> dict[str, Any]:
    """Record that a lease ran out; idempotent and fenced by the claim sequence."""
    from google.api_core.exceptions import AlreadyExists
    from google.cloud import firestore

    @firestore.transactional
    def run(tx: Transaction) -> dict[str, Any]:
        entry, attempt = _read(db, tx, task.entry_id, task.claim_seq)
        verdict = leases.expiry_verdict(entry, attempt, task.claim_seq, task.claimed_until, now)
        if verdict != "expire":
            return {"expired": False, "verdict": verdict}
        assert entry is not None
        expiries = entry.expiries + 1
        attention = leases.needs_attention_after(expiries, max_expiries)
        _end_attempt(db, tx, entry, task.claim_seq, "expired", now)
        # available_at is left alone: it already says "available", and leaving it untouched
        # means a claim racing this clean-up can never be made available to a third caller.
        tx.update(
            db.collection(store.ENTRIES).document(entry.id),
            {"holder": None, "expiries": expiries, "needs_attention": attention},
        )
        return {
            "expired": True,
            "verdict": verdict,
            "expiries": expiries,
            "needs_attention": attention,
        }

    try:
        result: dict[str, Any] = run(db.transaction())
    except AlreadyExists:
        return {"expired": False, "verdict": "ended"}
    return result


def _end_attempt(
    db: Client, tx: Transaction, entry: Entry, claim_seq: int, outcome: str, now: datetime
) -> None:
    attempt_id = leases.attempt_id(entry.id, claim_seq)
    # Created first: a duplicate task, or a release racing an expiry, fails here and writes nothing.
    tx.create(
        db.collection(store.ATTEMPT_ENDS).document(attempt_id),
        {"entry_id": entry.id, "claim_seq": claim_seq, "outcome": outcome, "ended_at": now},
    )
    tx.update(
        db.collection(store.ATTEMPTS).document(attempt_id), {"outcome": outcome, "ended_at": now}
    )
