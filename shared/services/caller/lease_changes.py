"""Changes to a held lease: the holder extends or releases it, a Cloud Task expires it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from shared.adapters import store
from shared.base.errors import Conflict, NotFound
from shared.domain import leases
from shared.domain.leases import LeasePolicy
from shared.domain.models import Attempt, Entry
from shared.records import entries

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

REFUSALS = {
    "unknown_entry": (NotFound, "There is no queue entry {entry_id!r}."),
    "not_holder": (Conflict, "You do not hold this call (claim {claim_seq} of entry {entry_id})."),
    "superseded": (
        Conflict,
        "Another caller reported on this place while you held it, so your call was ended; "
        "request a new call.",
    ),
    "cleared": (
        Conflict,
        "Staff took this call back from you; request a new call.",
    ),
    "not_callable": (
        Conflict,
        "Staff marked this place do-not-call while you held it, so your call was ended; "
        "request a new call.",
    ),
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


def _held(
    db: Client, tx: Transaction, uid: str, ref: LeaseRef, now: datetime, margin: int
) -> tuple[Entry, Attempt]:
    """The entry and attempt of a lease `uid` holds and may still change, or the refusal."""
    entry, _ = entries.read(db, tx, ref.entry_id)
    attempt = entries.read_attempt(db, tx, ref.entry_id, ref.claim_seq)
    refusal = leases.change_refusal(entry, attempt, ref.claim_seq, uid, now, margin)
    if refusal:
        raise _refuse(refusal, ref)
    assert entry is not None
    assert attempt is not None
    return entry, attempt


def extend(db: Client, uid: str, ref: LeaseRef, now: datetime, policy: LeasePolicy) -> Entry:
    """Push the holder's lease end out by one step, up to the maximum length of a claim."""

    def run(tx: Transaction) -> Entry:
        entry, attempt = _held(db, tx, uid, ref, now, policy.end_margin_seconds)
        until = leases.extended_until(attempt, now, policy)
        if until is None:
            raise _refuse("at_maximum", ref)
        return entries.extend(db, tx, entry, attempt, until, now)

    try:
        return entries.transact(db, run)
    except entries.Stale as exc:
        raise entries.busy() from exc


def release(db: Client, uid: str, ref: LeaseRef, now: datetime, policy: LeasePolicy) -> None:
    """The holder gives the entry back; it is available to the next draw at once."""

    def run(tx: Transaction) -> Entry:
        entry, attempt = _held(db, tx, uid, ref, now, policy.end_margin_seconds)
        return entries.release(db, tx, entry, attempt, now)

    try:
        entries.transact(db, run)
    except entries.Stale as exc:
        raise entries.busy() from exc


def expire(db: Client, task: ExpiryTask, now: datetime, policy: LeasePolicy) -> dict[str, Any]:
    """Record that a lease ran out; idempotent, and fenced by the entry's version."""

    def run(tx: Transaction) -> dict[str, Any]:
        entry, _ = entries.read(db, tx, task.entry_id)
        attempt = entries.read_attempt(db, tx, task.entry_id, task.claim_seq)
        verdict = leases.expiry_verdict(attempt, task.claimed_until, now)
        if verdict != "expire" or entry is None or attempt is None:
            return {"expired": False, "verdict": "missing" if entry is None else verdict}
        after = entries.expire(db, tx, entry, attempt, now, policy)
        return {
            "expired": True,
            "verdict": verdict,
            "expiries": after.expiries,
            "needs_attention": after.needs_attention,
        }

    try:
        return entries.transact(db, run)
    except entries.Stale as exc:
        raise entries.busy() from exc
