"""Lease arithmetic and the decisions of an entry's lifecycle, over plain values (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from shared.domain.cells import cells_of
from shared.domain.models import Attempt, Entry, Outcome


@dataclass(frozen=True)
class LeasePolicy:
    """How long a claim lasts, how it may be extended, and when an entry needs staff."""

    lease_seconds: int = 1200
    extend_step_seconds: int = 600
    max_seconds: int = 3600
    # Extend and release are refused this close to the lease's end (see docs/concurrency.md).
    end_margin_seconds: int = 2
    # Leases that run out unreported before the entry leaves rotation for staff to look at.
    max_expiries: int = 3

    @property
    def longest(self) -> timedelta:
        """The longest a claim may last, however often it is extended (never below one lease)."""
        return timedelta(seconds=max(self.max_seconds, self.lease_seconds))


def attempt_id(entry_id: str, claim_seq: int) -> str:
    """Deterministic attempt id; entry ids are unique per stay in the queue, so never repeated."""
    return f"{entry_id}-{claim_seq}"


def change_id(entry_id: str, version: int) -> str:
    """Id of the fence document of an entry's change to `version`."""
    return f"{entry_id}-{version}"


def caller_lease_id(uid: str, n: int) -> str:
    """Id of the fence document of a caller's n-th claim."""
    return f"{uid}-{n}"


def is_available(entry: Entry, now: datetime) -> bool:
    """Open, in normal rotation, vested and not held (never claimed or the lease has ended)."""
    return entry.open and not entry.needs_attention and entry.available_at <= now


def status_of(entry: Entry, now: datetime) -> str:
    """What staff see for an entry: closed, needs_attention, claimed, scheduled or available."""
    if not entry.open:
        return "closed"
    if entry.needs_attention:
        return "needs_attention"
    if entry.claimed_until is not None and entry.claimed_until > now:
        return "claimed"
    if entry.available_at > now:
        return "scheduled"
    return "available"


def bumped_position(to: str | None, now: datetime) -> float:
    """A position before every other in its group ("top") or after them ("bottom").

    Positions are enqueue times, so `now` is after all of them and `-now` before all, and a
    later bump to the top comes before an earlier one.
    """
    stamp = now.timestamp()
    return -stamp if to == "top" else stamp


def is_live(attempt: Attempt | None, now: datetime) -> bool:
    """Whether an attempt is unended and its lease still running."""
    return attempt is not None and attempt.outcome is None and attempt.claimed_until > now


def grant(
    entry: Entry,
    uid: str,
    now: datetime,
    policy: LeasePolicy,
    rand: float,
    caller_claim: int,
    email: str | None = None,
) -> tuple[Attempt, dict[str, Any]]:
    """The attempt to create and the entry fields to update when `uid` claims `entry`.

    The random key (and its cells) is redrawn so that cells stay evenly filled.
    """
    until = now + timedelta(seconds=policy.lease_seconds)
    seq = entry.claim_seq + 1
    attempt = Attempt(
        entry_id=entry.id,
        location_id=entry.location_id,
        claim_seq=seq,
        holder=uid,
        holder_email=email,
        claimed_at=now,
        claimed_until=until,
        caller_claim=caller_claim,
    )
    update: dict[str, Any] = {
        "holder": uid,
        "holder_email": email,
        "claimed_at": now,
        "claimed_until": until,
        "lease_limit": now + policy.longest,
        "claim_seq": seq,
        "available_at": max(until, entry.vest_at),
        "rand": rand,
        "cells": cells_of(rand),
    }
    return attempt, update


def max_end(attempt: Attempt, policy: LeasePolicy) -> datetime:
    """The latest a claim may last, however often it is extended."""
    return attempt.claimed_at + policy.longest


def live_attempt(entry: Entry, attempt: Attempt | None, claim_seq: int) -> bool:
    """Whether `attempt` is the entry's current, unended claim with sequence `claim_seq`."""
    return (
        attempt is not None
        and entry.open
        and entry.claim_seq == claim_seq
        and attempt.claim_seq == claim_seq
        and attempt.outcome is None
    )


# Closes by staff that end a running lease with their own outcome (not `superseded`).
STAFF_CLOSES: tuple[Outcome, ...] = ("removed", "not_callable")

Refusal = Literal[
    "unknown_entry", "not_holder", "superseded", "cleared", "not_callable", "lease_ended"
]


def change_refusal(
    entry: Entry | None,
    attempt: Attempt | None,
    claim_seq: int,
    uid: str,
    now: datetime,
    margin: int,
) -> Refusal | None:
    """Why the holder may not extend or release this lease now, or None if they may.

    Refusing within `margin` seconds of the end keeps a holder from changing a lease that a
    new claim is about to replace; the entry's version fence decides any race that is left.
    """
    if entry is None:
        return "unknown_entry"
    if attempt is None or attempt.holder != uid:
        return "not_holder"
    if attempt.outcome in ("superseded", "cleared", "not_callable"):
        return attempt.outcome
    if not live_attempt(entry, attempt, claim_seq):
        return "lease_ended"
    if attempt.claimed_until - now <= timedelta(seconds=margin):
        return "lease_ended"
    return None


def extended_until(attempt: Attempt, now: datetime, policy: LeasePolicy) -> datetime | None:
    """The new end of the lease after one extension, or None if it is already at its maximum."""
    candidate = min(
        attempt.claimed_until + timedelta(seconds=policy.extend_step_seconds),
        max_end(attempt, policy),
    )
    return candidate if candidate > attempt.claimed_until else None


Expiry = Literal["expire", "missing", "ended", "extended", "not_ended"]


def expiry_verdict(attempt: Attempt | None, task_until: datetime | None, now: datetime) -> Expiry:
    """What a lease-expiry task should do; only "expire" writes, "not_ended" asks for a retry.

    An attempt that is still unended after its lease ran out is ended whatever happened to
    the entry since (in practice a claim or a close ends it first, and the task finds "ended").
    """
    if attempt is None:
        return "missing"
    if attempt.outcome is not None:
        return "ended"
    if task_until is not None and attempt.claimed_until != task_until:
        # The holder extended the lease; the task for the new end will come.
        return "extended"
    if attempt.claimed_until > now:
        return "not_ended"
    return "expire"


def after_expiry(entry: Entry, policy: LeasePolicy) -> tuple[int, bool]:
    """The entry's expiry count after one more lease ran out, and whether staff should look."""
    expiries = entry.expiries + 1
    return expiries, expiries >= policy.max_expiries


def cut_short(attempt: Attempt, closer: str | None, now: datetime) -> datetime | None:
    """When a running lease that someone other than its holder closes would have ended.

    The holder may still be on the phone with the place until then (they learn of the close
    at their next extend, release or report), so no new stay of it is offered before.
    """
    if attempt.outcome is not None or attempt.claimed_until <= now:
        return None
    if closer is not None and attempt.holder == closer:
        return None
    return attempt.claimed_until


def closing_outcome(
    attempt: Attempt, closer: str | None, closer_outcome: Outcome, now: datetime
) -> Outcome:
    """How the entry's unended attempt ends when the entry is closed.

    The holder's own report ends it with the report's outcome; anyone else's close ends a
    running lease as superseded (staff removal: removed; a do-not-call mark: not_callable)
    and a lease that ran out as expired.
    """
    if closer is not None and attempt.holder == closer:
        return closer_outcome
    if attempt.claimed_until <= now:
        return "expired"
    return closer_outcome if closer_outcome in STAFF_CLOSES else "superseded"
