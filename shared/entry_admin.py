"""Staff changes to queue entries: remove them (undo a mistake), or resume flagged ones."""

from __future__ import annotations

from collections.abc import Callable
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
    if body.action == "remove":
        change = _remover(db, user, now, body.note)
    else:
        change = _resumer(db, user, now)
    for entry_id in dict.fromkeys(body.entry_ids):
        outcome = _apply(db, entry_id, change)
        if outcome == "changed":
            result.changed.append(entry_id)
        elif outcome == "unchanged":
            result.unchanged.append(entry_id)
        else:
            result.not_found.append(entry_id)
    return result


Change = Callable[["Transaction", Entry], str]


def _apply(db: Client, entry_id: str, change: Change) -> str:
    """Run one entry's change in its own transaction: "changed", "unchanged" or "missing"."""
    from google.api_core.exceptions import AlreadyExists
    from google.cloud import firestore

    @firestore.transactional
    def run(tx: Transaction) -> str:
        entry = store.load(
            Entry, db.collection(store.ENTRIES).document(entry_id).get(transaction=tx)
        )
        return "missing" if entry is None else change(tx, entry)

    try:
        outcome: str = run(db.transaction())
    except AlreadyExists:
        # Another closer (a report, another removal) got there first.
        return "unchanged"
    return outcome


def _remover(db: Client, user: User, now: datetime, note: str | None) -> Change:
    """Close an open entry as removed; its location can then be queued again."""

    def remove(tx: Transaction, entry: Entry) -> str:
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
            db.collection(store.ENTRIES).document(entry.id),
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

    return remove


def _resumer(db: Client, user: User, now: datetime) -> Change:
    """Put an entry flagged after repeated expiries back in normal rotation."""

    def resume(tx: Transaction, entry: Entry) -> str:
        if not (entry.open and entry.needs_attention):
            return "unchanged"
        tx.update(
            db.collection(store.ENTRIES).document(entry.id),
            {"needs_attention": False, "expiries": 0, "resumed_at": now, "resumed_by": user.uid},
        )
        return "changed"

    return resume
