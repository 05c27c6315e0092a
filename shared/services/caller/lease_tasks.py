"""Lease clean-up tasks Cloud Tasks refused: kept in Firestore and scheduled once it answers.

A claim or an extension stands when Cloud Tasks cannot be reached (the lease still ends by
itself for the draw), but its attempt would keep no outcome unless somebody claims the entry
again. So a refused task is kept in `pending_expiries/{task name}`, and later schedules that
succeed, and expiry tasks as they arrive, schedule the kept ones: always while this process
knows some wait (it kept one, or its last drain found a full batch), otherwise one time in
1 / DRAIN_ODDS (for tasks kept by an instance that has since gone).
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import TYPE_CHECKING

from shared.adapters import store, tasks
from shared.adapters.config import Settings
from shared.base import logs
from shared.base.clock import iso
from shared.domain.models import PendingExpiry

if TYPE_CHECKING:
    from google.cloud.firestore import Client

DRAIN_BATCH = 20
DRAIN_ODDS = 0.05
LOST_COUNTER = "lease_task_lost"

_rng = random.Random()
# Whether this process knows of kept tasks: it kept one, or its last drain found a full batch.
_kept = {"here": False}


def schedule(
    db: Client, settings: Settings, entry_id: str, claim_seq: int, claimed_until: datetime
) -> bool:
    """Schedule a lease's clean-up; keep it for later if Cloud Tasks refuses. True if scheduled."""
    if not tasks.schedule_expiry(settings, entry_id, claim_seq, claimed_until):
        keep(db, entry_id, claim_seq, claimed_until)
        return False
    drain_now_and_then(db, settings)
    return True


def drain_now_and_then(db: Client, settings: Settings) -> None:
    """Drain while kept tasks are known to wait, else one time in 1 / DRAIN_ODDS."""
    if _kept["here"] or _rng.random() < DRAIN_ODDS:
        drain(db, settings)


def keep(db: Client, entry_id: str, claim_seq: int, claimed_until: datetime) -> None:
    from shared.base import clock

    pending = PendingExpiry(
        id=tasks.task_id(entry_id, claim_seq, claimed_until),
        entry_id=entry_id,
        claim_seq=claim_seq,
        claimed_until=claimed_until,
        kept_at=clock.now(),
    )
    try:
        db.collection(store.PENDING_EXPIRIES).document(pending.id).set(pending.stored())
    except Exception as exc:
        # Nothing more to try: the attempt ends when the entry is next claimed or closed.
        logs.error(
            "lease expiry task lost",
            counter=LOST_COUNTER,
            entry_id=entry_id,
            claim_seq=claim_seq,
            claimed_until=iso(claimed_until),
            error=repr(exc)[:500],
        )
        return
    _kept["here"] = True


def drain(db: Client, settings: Settings, batch: int | None = None) -> int:
    """Schedule up to `batch` kept tasks; stops at the first refusal. Answers how many."""
    batch = batch or DRAIN_BATCH
    snapshots = list(db.collection(store.PENDING_EXPIRIES).limit(batch).stream())
    done = 0
    for snapshot in snapshots:
        pending = store.load(PendingExpiry, snapshot)
        if pending is not None and not tasks.schedule_expiry(
            settings, pending.entry_id, pending.claim_seq, pending.claimed_until
        ):
            return done
        # Two instances draining the same task create the same name: Cloud Tasks keeps one.
        snapshot.reference.delete()
        done += 1
    # A full batch: more may wait, so the next schedule drains again.
    _kept["here"] = len(snapshots) == batch
    return done
