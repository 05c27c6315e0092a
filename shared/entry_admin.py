"""Staff changes to queue entries: remove them (undo a mistake), or resume flagged ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared import store
from shared.auth import User
from shared.models import Entry

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

MAX_ENTRIES_PER_CALL = 500


class UpdateEntriesBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: Literal["remove", "resume"]
    entry_ids: list[store.DocumentId] = Field(max_length=MAX_ENTRIES_PER_CALL)
    note: str | None = Field(None, max_length=500)


@dataclass
class UpdateResult:
    action: str
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "not_found": self.not_found,
        }


def update_entries(db: Client, user: User, body: UpdateEntriesBody, now: datetime) -> UpdateResult:
    """Apply one action to each entry; entries already in the wanted state are left alone."""
    result = UpdateResult(action=body.action)
    act = _remove if body.action == "remove" else _resume
    for entry_id in dict.fromkeys(body.entry_ids):
        outcome = act(db, entry_id, user, now, body.note)
        if outcome == "changed":
            result.changed.append(entry_id)
        elif outcome == "unchanged":
            result.unchanged.append(entry_id)
        else:
            result.not_found.append(entry_id)
    return result


def _remove(db: Client, entry_id: str, user: User, now: datetime, note: str | None) -> str:
    """Close an open entry as removed; its location can then be queued again."""
    from google.api_core.exceptions import AlreadyExists
    from google.cloud import firestore

    @firestore.transactional
    def run(tx: Transaction) -> str:
        entry_ref = db.collection(store.ENTRIES).document(entry_id)
        entry = store.load(Entry, entry_ref.get(transaction=tx))
        if entry is None:
            return "missing"
        if not entry.open:
            return "unchanged"
        guard_ref = db.collection(store.OPEN_ENTRIES).document(entry.location_id)
        guard = guard_ref.get(transaction=tx)
        # The same closure fence as a report: whichever closes the entry first wins.
        tx.create(
            db.collection(store.CLOSURES).document(entry.id),
            {
                "entry_id": entry.id,
                "location_id": entry.location_id,
                "outcome": "removed",
                "closed_by": user.uid,
                "closed_at": now,
                "note": note,
            },
        )
        tx.update(
            entry_ref,
            {
                "open": False,
                "status": "removed",
                "outcome": "removed",
                "closed_at": now,
                "closed_by": user.uid,
                "holder": None,
            },
        )
        if guard.exists and (guard.to_dict() or {}).get("entry_id") == entry.id:
            tx.delete(guard_ref)
        return "changed"

    try:
        outcome: str = run(db.transaction())
    except AlreadyExists:
        return "unchanged"
    return outcome


def _resume(db: Client, entry_id: str, user: User, now: datetime, note: str | None) -> str:
    """Put an entry flagged after repeated expiries back in normal rotation."""
    from google.cloud import firestore

    @firestore.transactional
    def run(tx: Transaction) -> str:
        entry_ref = db.collection(store.ENTRIES).document(entry_id)
        entry = store.load(Entry, entry_ref.get(transaction=tx))
        if entry is None:
            return "missing"
        if not (entry.open and entry.needs_attention):
            return "unchanged"
        tx.update(
            entry_ref,
            {"needs_attention": False, "expiries": 0, "resumed_at": now, "resumed_by": user.uid},
        )
        return "changed"

    outcome: str = run(db.transaction())
    return outcome
