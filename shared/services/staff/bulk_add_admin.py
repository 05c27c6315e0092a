"""Staff bulk adds listed, and undone: the entries one opened that nobody claimed are removed."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from shared.adapters import store
from shared.adapters.auth import User
from shared.base.answers import Answer, Moment
from shared.base.clock import iso
from shared.base.errors import NotFound
from shared.domain.models import BulkAdd, Entry
from shared.records import entries

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

MAX_LISTED = 100
# Entries one undo call removes; the console calls again for the rest.
MAX_UNDO_PER_CALL = 2000
# Entries per WriteBatch: four writes each (fence, entry, guard, location), 500 at most.
UNDO_BATCH_ENTRIES = store.MAX_BATCH_WRITES // 4
UNDO_NOTE = "undo of a bulk add"


class ListBulkAddsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(20, ge=1, le=MAX_LISTED)


class UndoBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    bulk_id: store.DocumentId


def list_bulk_adds(db: Client, query: ListBulkAddsQuery) -> dict[str, Any]:
    """The most recent bulk adds, newest first."""
    from google.cloud import firestore

    q = db.collection(store.BULK_ADDS).order_by("at", direction=firestore.Query.DESCENDING)
    found = [b for s in q.limit(query.limit).stream() if (b := store.load(BulkAdd, s))]
    return {
        "bulk_adds": [
            {
                "bulk_id": b.id,
                "by": b.by,
                "email": b.email,
                "at": iso(b.at),
                "reason": b.reason,
                "priority_group": b.priority_group,
                "added": b.added,
                "undone_at": iso(b.undone_at) if b.undone_at else None,
                "removed": b.removed,
            }
            for b in found
        ]
    }


def undo(db: Client, user: User, body: UndoBody, now: datetime) -> dict[str, Any]:
    """Remove the entries a bulk add opened that nobody has claimed or reported on yet.

    Entries somebody claimed (or whose place was reported on, which closes them) are kept.
    Answers how many were removed now, kept, and still to do (call again while remaining).
    """
    from google.cloud import firestore
    from google.cloud.firestore_v1.base_query import FieldFilter

    ref = db.collection(store.BULK_ADDS).document(body.bulk_id)
    if store.load(BulkAdd, ref.get()) is None:
        raise NotFound(f"There is no bulk add {body.bulk_id!r}.", error="unknown_bulk_add")
    mine = db.collection(store.ENTRIES).where(filter=FieldFilter("bulk_id", "==", body.bulk_id))
    # Closed entries are only counted: a repeated call reads what is still open, not the
    # whole bulk add again (equalities only: no composite index).
    completed: Any = mine.where(filter=FieldFilter("status", "==", "completed")).count()
    kept = int(completed.get()[0][0].value)
    undoable: list[Entry] = []
    remaining = 0
    for snapshot in mine.where(filter=FieldFilter("open", "==", True)).stream():
        entry = store.load(Entry, snapshot)
        if entry is None:
            continue
        if not _undoable(entry):
            kept += 1
        elif len(undoable) >= MAX_UNDO_PER_CALL:
            remaining += 1
        else:
            undoable.append(entry)
    removed = 0
    for start in range(0, len(undoable), UNDO_BATCH_ENTRIES):
        chunk = undoable[start : start + UNDO_BATCH_ENTRIES]
        done = remove_chunk(db, chunk, user.uid, now)
        removed += done
        kept += len(chunk) - done
    ref.update({"undone_at": now, "removed": firestore.Increment(removed)})
    return {"bulk_id": body.bulk_id, "removed": removed, "kept": kept, "remaining": remaining}


def _undoable(entry: Entry) -> bool:
    return entry.open and entry.claim_seq == 0


def remove_chunk(db: Client, chunk: list[Entry], by: str, now: datetime) -> int:
    """Remove these entries (read undoable) in one WriteBatch; answers how many were removed.

    Each entry's change fence is created before its writes, so an entry changed since it was
    read (a claim) fails the batch; the chunk then goes entry by entry in transactions, which
    keep what changed. The emulator keeps the entries a failed batch wrote before the failing
    fence: those are recognised as this undo's own removal (`_removed_by`) and counted removed.
    """
    from google.api_core.exceptions import AlreadyExists, NotFound

    existing = entries.existing_locations(db, (e.location_id for e in chunk))
    batch = db.batch()
    for entry in chunk:
        entries.close_writes(
            db,
            batch,
            entry,
            None,
            location_exists=entry.location_id in existing,
            outcome="removed",
            by=by,
            now=now,
            note=UNDO_NOTE,
        )
    try:
        batch.commit()
    except (AlreadyExists, NotFound):
        # NotFound: a location deleted since it was read (its `queued` mark cannot be updated).
        return sum(_remove_unclaimed(db, entry, by, now) for entry in chunk)
    return len(chunk)


def _remove_unclaimed(db: Client, read: Entry, by: str, now: datetime) -> bool:
    """Remove the entry if it is still open and never claimed (checked again in the transaction).

    True also when a failed batch of this undo removed it already (`read` is the entry as the
    batch read it).
    """

    def run(tx: Transaction) -> bool:
        entry, attempt = entries.read(db, tx, read.id)
        if entry is None:
            return False
        if _removed_by(entry, read, by, now):
            return True
        if not _undoable(entry):
            return False
        entries.close(db, tx, entry, attempt, outcome="removed", by=by, now=now, note=UNDO_NOTE)
        return True

    try:
        return entries.transact(db, run)
    except entries.Stale:
        return False


def _removed_by(entry: Entry, read: Entry, by: str, now: datetime) -> bool:
    """Whether `entry` is the removal this undo wrote on the entry it read as `read`."""
    return (
        entry.status == "removed"
        and entry.version == read.version + 1
        and entry.closed_by == by
        and entry.closed_at == now
    )


class BulkAddRow(Answer):
    bulk_id: str
    by: str
    email: str | None
    at: Moment
    reason: str
    priority_group: int
    added: int
    undone_at: Moment | None
    removed: int


class BulkAddList(Answer):
    """listBulkAdds' answer, newest first."""

    bulk_adds: list[BulkAddRow]


class Undone(Answer):
    """undoBulkAdd's answer."""

    bulk_id: str
    removed: int
    kept: int
    remaining: int
