"""Lease arithmetic and claim decisions over plain values (no I/O)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from shared.models import Attempt, Entry


def attempt_id(entry_id: str, claim_seq: int) -> str:
    """Deterministic attempt id; entry ids are unique per stay in the queue, so never repeated."""
    return f"{entry_id}-{claim_seq}"


def lease_end(now: datetime, lease_seconds: int) -> datetime:
    return now + timedelta(seconds=lease_seconds)


def is_available(entry: Entry, now: datetime) -> bool:
    """Open, in normal rotation, vested and not held (never claimed or the lease has ended)."""
    return entry.open and not entry.needs_attention and entry.available_at <= now


def holds(entry: Entry, uid: str, now: datetime) -> bool:
    """Whether `uid` holds an unexpired lease on the entry."""
    return (
        entry.open
        and entry.holder == uid
        and entry.claimed_until is not None
        and entry.claimed_until > now
    )


def claim(
    entry: Entry, uid: str, now: datetime, lease_seconds: int, rand: float, max_lease_seconds: int
) -> tuple[Attempt, dict[str, Any]]:
    """The attempt to create and the entry fields to update when `uid` claims `entry`.

    The random key is redrawn so that no entry keeps a lucky gap in the key space for long.
    """
    until = lease_end(now, lease_seconds)
    seq = entry.claim_seq + 1
    attempt = Attempt(
        entry_id=entry.id,
        location_id=entry.location_id,
        claim_seq=seq,
        holder=uid,
        claimed_at=now,
        claimed_until=until,
    )
    update: dict[str, Any] = {
        "holder": uid,
        "claimed_at": now,
        "claimed_until": until,
        "lease_limit": now + timedelta(seconds=max(max_lease_seconds, lease_seconds)),
        "claim_seq": seq,
        "available_at": max(until, entry.vest_at),
        "rand": rand,
    }
    return attempt, update


def max_end(attempt: Attempt, max_lease_seconds: int) -> datetime:
    """The latest a claim may last, however often it is extended."""
    return attempt.claimed_at + timedelta(seconds=max_lease_seconds)


def live_attempt(entry: Entry, attempt: Attempt | None, claim_seq: int) -> bool:
    """Whether `attempt` is the entry's current, unended claim with sequence `claim_seq`."""
    return (
        attempt is not None
        and entry.open
        and entry.claim_seq == claim_seq
        and attempt.claim_seq == claim_seq
        and attempt.outcome is None
    )


def change_refusal(
    entry: Entry | None,
    attempt: Attempt | None,
    claim_seq: int,
    uid: str,
    now: datetime,
    margin: int,
) -> str | None:
    """Why the holder may not extend or release this lease now, or None if they may.

    Refusing within `margin` seconds of the end keeps a release or extension from
    overlapping a new claim of the same entry on backends without transaction isolation.
    """
    if entry is None:
        return "unknown_entry"
    if attempt is None or attempt.holder != uid:
        return "not_holder"
    if not live_attempt(entry, attempt, claim_seq):
        return "lease_ended"
    if attempt.claimed_until - now <= timedelta(seconds=margin):
        return "lease_ended"
    return None


def extended_until(
    attempt: Attempt, now: datetime, step: int, max_lease_seconds: int
) -> datetime | None:
    """The new end of the lease after one extension, or None if it is already at its maximum."""
    candidate = min(
        attempt.claimed_until + timedelta(seconds=step), max_end(attempt, max_lease_seconds)
    )
    return candidate if candidate > attempt.claimed_until else None


Expiry = Literal["expire", "missing", "closed", "stale", "superseded", "not_ended", "ended"]


def expiry_verdict(
    entry: Entry | None,
    attempt: Attempt | None,
    claim_seq: int,
    task_until: datetime | None,
    now: datetime,
) -> Expiry:
    """What a lease-expiry task should do; only "expire" writes, "not_ended" asks for a retry."""
    if entry is None or attempt is None:
        return "missing"
    if not entry.open:
        return "closed"
    if entry.claim_seq != claim_seq:
        return "stale"
    if attempt.outcome is not None:
        return "ended"
    if task_until is not None and attempt.claimed_until != task_until:
        # The holder extended the lease; the task for the new end will come.
        return "superseded"
    if attempt.claimed_until > now:
        return "not_ended"
    return "expire"


def needs_attention_after(expiries: int, max_expiries: int) -> bool:
    """After this many leases ran out unreported, staff should look at the entry."""
    return expiries >= max_expiries
