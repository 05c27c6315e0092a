"""Lease arithmetic and claim decisions over plain values (no I/O)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

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
    entry: Entry, uid: str, now: datetime, lease_seconds: int, rand: float
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
        "claimed_until": until,
        "claim_seq": seq,
        "available_at": max(until, entry.vest_at),
        "rand": rand,
    }
    return attempt, update
