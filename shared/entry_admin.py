"""Staff and queue entries: list them, remove them (undo a mistake), resume flagged ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared import entries, leases, store
from shared.auth import User
from shared.clock import iso
from shared.models import Attempt, Entry

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

MAX_ENTRIES_PER_CALL = 500
MAX_PAGE_SIZE = 200


class UpdateEntriesBody(BaseModel):
    """One action on entries named by entry id, or by location (its open entry)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: Literal["remove", "resume"]
    entry_ids: list[store.DocumentId] | None = Field(None, max_length=MAX_ENTRIES_PER_CALL)
    location_ids: list[store.DocumentId] | None = Field(None, max_length=MAX_ENTRIES_PER_CALL)
    note: str | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _one_selection(self) -> UpdateEntriesBody:
        if (self.entry_ids is None) == (self.location_ids is None):
            raise ValueError("send either entry_ids or location_ids (exactly one of them)")
        return self


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


Change = Callable[["Transaction", Entry, "Attempt | None"], bool]


def update_entries(db: Client, user: User, body: UpdateEntriesBody, now: datetime) -> UpdateResult:
    """Apply one action to each entry; entries already in the wanted state are left alone."""
    result = UpdateResult(action=body.action)
    change = (
        _remove(db, user, now, body.note) if body.action == "remove" else _resume(db, user, now)
    )
    by_location = body.location_ids is not None
    for key in dict.fromkeys(body.location_ids or body.entry_ids or []):
        outcome = _apply(db, key, by_location, change)
        if outcome == "changed":
            result.changed.append(key)
        elif outcome == "unchanged":
            result.unchanged.append(key)
        else:
            result.not_found.append(key)
    return result


def _apply(db: Client, key: str, by_location: bool, change: Change) -> str:
    """One entry's change in its own transaction: "changed", "unchanged" or "missing"."""

    def run(tx: Transaction) -> str:
        if by_location:
            entry, attempt = entries.read_open(db, tx, key)
        else:
            entry, attempt = entries.read(db, tx, key)
        if entry is None:
            return "missing"
        return "changed" if change(tx, entry, attempt) else "unchanged"

    try:
        return entries.transact(db, run)
    except entries.Stale as exc:
        raise entries.busy() from exc


def _remove(db: Client, user: User, now: datetime, note: str | None) -> Change:
    """Close an open entry as removed; its location can then be queued again."""

    def remove(tx: Transaction, entry: Entry, attempt: Attempt | None) -> bool:
        if not entry.open:
            return False
        entries.close(db, tx, entry, attempt, outcome="removed", by=user.uid, now=now, note=note)
        return True

    return remove


def _resume(db: Client, user: User, now: datetime) -> Change:
    """Put an entry flagged after repeated expiries back in normal rotation."""

    def resume(tx: Transaction, entry: Entry, attempt: Attempt | None) -> bool:
        if not (entry.open and entry.needs_attention):
            return False
        entries.resume(db, tx, entry, user.uid, now)
        return True

    return resume


Status = Literal["open", "needs_attention"]


class ListEntriesQuery(BaseModel):
    """listEntries' query parameters: which open entries, one page at a time."""

    model_config = ConfigDict(extra="forbid")

    status: Status = Field("open", description="open: every open entry; or only flagged ones.")
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
    page_token: store.DocumentId | None = Field(
        None, description="next_page_token of the previous page."
    )


def list_entries(db: Client, query: ListEntriesQuery, now: datetime) -> dict[str, Any]:
    """A page of open entries in id order, with a token for the next page."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    q: Any = db.collection(store.ENTRIES).where(filter=FieldFilter("open", "==", True))
    if query.status == "needs_attention":
        q = q.where(filter=FieldFilter("needs_attention", "==", True))
    q = q.order_by("__name__")
    if query.page_token:
        q = q.start_after(db.collection(store.ENTRIES).document(query.page_token))
    page = [e for s in q.limit(query.limit + 1).stream() if (e := store.load(Entry, s))]
    more = len(page) > query.limit
    page = page[: query.limit]
    return {
        "entries": [_row(e, now) for e in page],
        "next_page_token": page[-1].id if more else None,
    }


def _row(entry: Entry, now: datetime) -> dict[str, Any]:
    held = entry.claimed_until is not None and entry.claimed_until > now
    return {
        "entry_id": entry.id,
        "location_id": entry.location_id,
        "state": entry.state,
        "reason": entry.reason,
        "priority_group": entry.priority_group,
        "status": leases.status_of(entry, now),
        "holder": entry.holder if held else None,
        "claimed_until": iso(entry.claimed_until) if held and entry.claimed_until else None,
        "available_at": iso(entry.available_at),
        "expiries": entry.expiries,
        "added_at": iso(entry.added_at),
        "added_by": entry.added_by,
    }
