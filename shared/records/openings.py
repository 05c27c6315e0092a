"""Open entries for many places at once: the write path of bulkEnqueue and of backfill.

Guards (`open_entries/{location id}`) are created in the same batch as their entries, before
them, so a place is queued at most once however many adds race; a batch that meets an
existing guard is retried without the places queued meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared.adapters import store
from shared.base.errors import Conflict
from shared.domain import callability
from shared.records import entries

if TYPE_CHECKING:
    from google.cloud.firestore import Client

# Three writes per location (guard, entry, the location's `queued` mark) fit Firestore's
# 500-write commit.
LOCATIONS_PER_BATCH = store.MAX_BATCH_WRITES // 3
READ_CHUNK = 300
MAX_RETRIES = 3


@dataclass(frozen=True)
class Opening:
    """What the new entries say: why, how urgent, in which queue, by whom, for which bulk add."""

    reason: str
    priority_group: int
    queue: str
    by: str
    bulk_id: str | None


def open_all(
    db: Client,
    location_ids: list[str],
    states: dict[str, str],
    opening: Opening,
    now: datetime,
    busy_until: dict[str, datetime] | None = None,
) -> tuple[int, int]:
    """Open an entry for each place; answers (added, found queued meanwhile).

    A place in `busy_until` (a call of it cut short may still run) is available from then.
    """
    added = raced = 0
    for chunk in chunks(location_ids, LOCATIONS_PER_BATCH):
        done, lost = _write_chunk(db, chunk, states, opening, now, busy_until or {})
        added += done
        raced += lost
    return added, raced


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# What opening an entry needs to know of a place: its state, whether it may be called, and
# until when a call of it that was cut short may still run (`called_until`, written beside
# `queued` by `entries.close_writes` only, like it not a field of the model an import writes).
PLACE_FIELDS = ["state", "called_until", *callability.FIELDS]


@dataclass
class Places:
    """Selected places: the state of each callable one, and those left out."""

    states: dict[str, str] = field(default_factory=dict)
    not_callable: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    # Places whose last call was cut short: their new stay is available from then on.
    busy_until: dict[str, datetime] = field(default_factory=dict)

    def add(self, location_id: str, data: dict[str, Any]) -> None:
        if callability.state_of_document(data) == "callable":
            self.states[location_id] = str(data.get("state") or "")
            if isinstance(until := data.get("called_until"), datetime):
                self.busy_until[location_id] = until
        else:
            self.not_callable.append(location_id)


def places_of(db: Client, ids: list[str]) -> Places:
    """Each existing location's state if it may be called; the others, and unknown ids."""
    places = Places()
    seen: set[str] = set()
    for chunk in chunks(ids, READ_CHUNK):
        refs = [db.collection(store.LOCATIONS).document(i) for i in chunk]
        for snapshot in db.get_all(refs, field_paths=PLACE_FIELDS):
            if snapshot.exists:
                seen.add(snapshot.id)
                places.add(snapshot.id, snapshot.to_dict() or {})
    places.not_found = [i for i in ids if i not in seen]
    return places


def flagged(db: Client, queued: set[str]) -> set[str]:
    """Which of these queued locations have their open entry flagged for staff (few, usually)."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    if not queued:
        return set()
    query = (
        db.collection(store.ENTRIES)
        .where(filter=FieldFilter("open", "==", True))
        .where(filter=FieldFilter("needs_attention", "==", True))
        .select(["location_id"])
    )
    flagged = {str((s.to_dict() or {}).get("location_id")) for s in query.stream()}
    return flagged & queued


def _write_chunk(
    db: Client,
    chunk: list[str],
    states: dict[str, str],
    opening: Opening,
    now: datetime,
    busy_until: dict[str, datetime],
) -> tuple[int, int]:
    """Write one batch; on a race with another enqueue, drop the newly queued ones and retry.

    Answers (added, found queued meanwhile). Guards are created before their entries, so a
    partly applied batch (possible on the emulator) never leaves an entry without its guard.
    """
    from google.api_core.exceptions import AlreadyExists

    pending = list(chunk)
    mine: dict[str, str] = {}  # location id -> entry id this call created
    raced = 0
    for _ in range(MAX_RETRIES + 1):
        if not pending:
            break
        batch = db.batch()
        attempt: dict[str, str] = {}
        base = now.timestamp()
        for offset, location_id in enumerate(pending):
            busy = busy_until.get(location_id)
            entry = entries.new_entry(
                location_id,
                states[location_id],
                opening.reason,
                opening.priority_group,
                opening.by,
                now,
                base + offset * 1e-6,
                vest_at=busy if busy is not None and busy > now else None,
                bulk_id=opening.bulk_id,
                queue=opening.queue,
            )
            attempt[location_id] = entry.id
            entries.open_new(batch, db, entry)
        try:
            batch.commit()
        except AlreadyExists:
            guards = entries.guard_owners(db, pending)
            still: list[str] = []
            for location_id in pending:
                owner = guards.get(location_id)
                if owner is None:
                    still.append(location_id)
                elif owner == attempt[location_id]:
                    mine[location_id] = owner
                else:
                    raced += 1
            pending = still
            continue
        mine.update(attempt)
        pending = []
    if pending:
        raise Conflict(
            f"{len(pending)} locations could not be queued because of concurrent changes; "
            "run the same action again (it is safe to repeat).",
            error="retry",
        )
    return len(mine), raced
