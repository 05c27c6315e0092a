"""Changes to a held lease: the holder extends or releases it, a Cloud Task expires it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.adapters import store
from shared.base.answers import Answer
from shared.base.errors import Conflict, NotFound
from shared.domain import leases
from shared.domain.leases import LeasePolicy
from shared.domain.models import Attempt, Entry
from shared.records import entries

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

    from shared.adapters.config import Settings

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

    return entries.transact(db, run)


def release(db: Client, uid: str, ref: LeaseRef, now: datetime, policy: LeasePolicy) -> None:
    """The holder gives the entry back; it is available to the next draw at once."""

    def run(tx: Transaction) -> Entry:
        entry, attempt = _held(db, tx, uid, ref, now, policy.end_margin_seconds)
        return entries.release(db, tx, entry, attempt, now)

    entries.transact(db, run)


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

    return entries.transact(db, run)


class Released(Answer):
    """releaseCall's answer."""

    released: Literal[True] = True


class Expiry(Answer):
    """expireClaim's answer: whether this task ended the lease, and why (not)."""

    expired: bool
    verdict: str
    # With an expiry that happened: the entry's count of expiries and its attention flag.
    expiries: int | None = None
    needs_attention: bool | None = None


def extend_call(
    db: Client, settings: Settings, uid: str, ref: LeaseRef, now: datetime
) -> dict[str, Any]:
    """extendCall: extend the lease, schedule its clean-up, answer the new lease."""
    from shared.domain import caller_view
    from shared.services.caller import lease_tasks

    entry = extend(db, uid, ref, now, settings.lease_policy)
    assert entry.claimed_until is not None
    lease_tasks.schedule(db, settings, entry.id, entry.claim_seq, entry.claimed_until)
    return caller_view.lease(entry)


def release_call(
    db: Client, settings: Settings, uid: str, ref: LeaseRef, now: datetime
) -> Released:
    """releaseCall: give the lease back."""
    release(db, uid, ref, now, settings.lease_policy)
    return Released()


def expire_task(
    db: Client, settings: Settings, task: ExpiryTask, now: datetime, task_name: str | None
) -> dict[str, Any]:
    """expireClaim: end the lease if it ran out; Conflict (retried later) if it has not."""
    from shared.base import logs
    from shared.services.caller import lease_tasks

    result = expire(db, task, now, settings.lease_policy)
    # Tasks kept while Cloud Tasks refused them are scheduled from here too: after a busy
    # spell no claim may come, but the expiries of its last leases do.
    lease_tasks.drain_now_and_then(db, settings)
    logs.info(
        "lease expiry task",
        entry_id=task.entry_id,
        claim_seq=task.claim_seq,
        task=task_name,
        **result,
    )
    if result["verdict"] == "not_ended":
        # Early delivery: a non-2xx answer makes Cloud Tasks try again later.
        raise Conflict("The lease has not ended yet.", error="not_ended")
    return result
