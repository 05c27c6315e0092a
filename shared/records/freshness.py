"""Freshness targets, their daily figures and the refresh's run fence, as stored.

- `freshness_targets/{id}`: staff's targets (few; read whole).
- `freshness_days/{target}_{YYYY-MM-DD}`: one small document per target and day in the
  organisation's zone; each refresh overwrites today's (one write per target and run), so
  the 7-day chart reads seven documents, never the reports.
- `freshness_runs/{target}-{slot}`: created first by the refresh of a target in a 10-minute
  slot. `create` is atomic on every backend (the emulator we run has no transaction
  isolation), so of two refreshQueue runs at once, or a run and Cloud Scheduler's retry,
  exactly one refreshes each target; the per-place guards (`open_entries`) and the entry
  fences keep even unfenced adds and raises from happening twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from shared.adapters import store
from shared.base.errors import NotFound
from shared.domain.freshness import Target, TargetDay, TargetRun, day_id

if TYPE_CHECKING:
    from google.cloud.firestore import Client


def all_targets(db: Client) -> list[Target]:
    """Every target, by id."""
    found = [
        t for s in db.collection(store.FRESHNESS_TARGETS).stream() if (t := store.load(Target, s))
    ]
    return sorted(found, key=lambda t: t.id)


def get(db: Client, target_id: str) -> Target | None:
    return store.load(Target, db.collection(store.FRESHNESS_TARGETS).document(target_id).get())


def save(db: Client, target: Target) -> None:
    """Create or replace the target."""
    db.collection(store.FRESHNESS_TARGETS).document(target.id).set(target.stored())


def delete(db: Client, target_id: str) -> None:
    """Delete the target (its daily records stay: they are history); NotFound if unknown."""
    ref = db.collection(store.FRESHNESS_TARGETS).document(target_id)
    if not ref.get(field_paths=["name"]).exists:
        raise NotFound(f"There is no freshness target {target_id!r}.", error="unknown_target")
    ref.delete()


def first_in_slot(db: Client, run: TargetRun) -> bool:
    """Create the slot's fence for the target; False if another run created it first."""
    from google.api_core.exceptions import AlreadyExists

    try:
        db.collection(store.FRESHNESS_RUNS).document(run.id).create(run.stored())
    except AlreadyExists:
        return False
    return True


def write_day(db: Client, day: TargetDay) -> None:
    """Overwrite the target's record of that day (the last refresh of the day stands)."""
    db.collection(store.FRESHNESS_DAYS).document(day.id).set(day.stored())


def days(db: Client, target_id: str, wanted: Iterable[str]) -> list[TargetDay]:
    """The target's records of these days (YYYY-MM-DD) that exist, in the order asked."""
    refs = [db.collection(store.FRESHNESS_DAYS).document(day_id(target_id, d)) for d in wanted]
    found = {s.id: d for s in db.get_all(refs) if (d := store.load(TargetDay, s)) is not None}
    return [found[r.id] for r in refs if r.id in found]


# The headline over every target, as the latest refresh or Freshness page computed it: the
# Overview (polled every 30 s) reads this one document instead of every target's places.
HEADLINE_ID = "headline"


def write_headline(db: Client, fields: dict[str, object]) -> None:
    db.collection(store.FRESHNESS_DAYS).document(HEADLINE_ID).set(fields)


def read_headline(db: Client) -> dict[str, object] | None:
    snapshot = db.collection(store.FRESHNESS_DAYS).document(HEADLINE_ID).get()
    return snapshot.to_dict() if snapshot.exists else None


def forget_headline(db: Client) -> None:
    # A write, not a delete: the document may not exist yet.
    write_headline(db, {"at": None})
