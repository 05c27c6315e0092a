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
# Entries one undo call removes (one transaction each); the console calls again for the rest.
MAX_UNDO_PER_CALL = 500


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
    query = db.collection(store.ENTRIES).where(filter=FieldFilter("bulk_id", "==", body.bulk_id))
    removed = kept = remaining = 0
    for snapshot in query.stream():
        entry = store.load(Entry, snapshot)
        if entry is None or entry.status == "removed":
            continue
        if not _undoable(entry):
            kept += 1
        elif removed >= MAX_UNDO_PER_CALL:
            remaining += 1
        elif _remove_unclaimed(db, entry.id, user.uid, now):
            removed += 1
        else:
            kept += 1
    ref.update({"undone_at": now, "removed": firestore.Increment(removed)})
    return {"bulk_id": body.bulk_id, "removed": removed, "kept": kept, "remaining": remaining}


def _undoable(entry: Entry) -> bool:
    return entry.open and entry.claim_seq == 0


def _remove_unclaimed(db: Client, entry_id: str, by: str, now: datetime) -> bool:
    """Remove the entry if it is still open and never claimed (checked again in the transaction)."""

    def run(tx: Transaction) -> bool:
        entry, attempt = entries.read(db, tx, entry_id)
        if entry is None or not _undoable(entry):
            return False
        note = "undo of a bulk add"
        entries.close(db, tx, entry, attempt, outcome="removed", by=by, now=now, note=note)
        return True

    try:
        return entries.transact(db, run)
    except entries.Stale:
        return False


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
