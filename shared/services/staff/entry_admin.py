"""Staff and queue entries: list them, remove them (undo a mistake), resume flagged ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.adapters import store
from shared.adapters.auth import User
from shared.base.answers import Answer, Moment
from shared.base.clock import iso
from shared.base.errors import NotFound
from shared.domain import leases
from shared.domain.models import PRIORITY_GROUPS, Attempt, Entry, PriorityGroup, Report
from shared.records import available, entries

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

MAX_ENTRIES_PER_CALL = 500
MAX_PAGE_SIZE = 200


Action = Literal["remove", "resume", "clear_claim", "set_group", "bump"]


class UpdateEntriesBody(BaseModel):
    """One action on entries named by entry id, or by location (its open entry)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: Action
    entry_ids: list[store.DocumentId] | None = Field(None, max_length=MAX_ENTRIES_PER_CALL)
    location_ids: list[store.DocumentId] | None = Field(None, max_length=MAX_ENTRIES_PER_CALL)
    priority_group: int | None = Field(None, description="set_group: the group to move to.")
    to: Literal["top", "bottom"] | None = Field(None, description="bump: where in its group.")
    note: str | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _one_selection(self) -> UpdateEntriesBody:
        if (self.entry_ids is None) == (self.location_ids is None):
            raise ValueError("send either entry_ids or location_ids (exactly one of them)")
        if self.action == "set_group" and self.priority_group not in PRIORITY_GROUPS:
            raise ValueError(
                f"set_group needs priority_group, one of {', '.join(map(str, PRIORITY_GROUPS))}"
            )
        if self.action == "bump" and self.to is None:
            raise ValueError("bump needs to: top or bottom")
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
    change = _change(db, user.uid, body, now)
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

    return entries.transact(db, run)


def _change(db: Client, by: str, body: UpdateEntriesBody, now: datetime) -> Change:
    """The action as a change of one entry; False when the entry is already as wanted."""

    def change(tx: Transaction, entry: Entry, attempt: Attempt | None) -> bool:
        if not entry.open:
            return False
        if body.action == "remove":
            entries.close(db, tx, entry, attempt, outcome="removed", by=by, now=now, note=body.note)
        elif body.action == "resume":
            if not entry.needs_attention:
                return False
            entries.resume(db, tx, entry, by, now)
        elif body.action == "clear_claim":
            if attempt is None or not leases.is_live(attempt, now):
                return False
            entries.clear_claim(db, tx, entry, attempt, by, now)
        elif body.action == "set_group":
            assert body.priority_group is not None
            if entry.priority_group == body.priority_group:
                return False
            entries.set_group(db, tx, entry, body.priority_group, by, now)
        else:
            entries.reposition(db, tx, entry, leases.bumped_position(body.to, now), by, now)
        return True

    return change


Status = Literal["all", "open", "available", "claimed", "scheduled", "needs_attention"]


class ListEntriesQuery(BaseModel):
    """listEntries' query parameters: which open entries, one page at a time."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: Status = Field("all", description="all (= open) or one status of an open entry.")
    reason: str | None = Field(None, max_length=100)
    priority_group: PriorityGroup | None = None
    state: str | None = Field(None, max_length=2)
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
    page_token: store.DocumentId | None = Field(
        None, description="next_page_token of the previous page."
    )


# The optional equality filters of listEntries (each combination has its composite index).
ENTRY_FILTERS = ("reason", "priority_group", "state")
STATUSES: tuple[Status, ...] = ("all", "available", "claimed", "scheduled", "needs_attention")


def entries_query(db: Client, query: ListEntriesQuery, now: datetime) -> Any:
    """Open entries in one status, with the staff's filters, in id order.

    Lists and counts (here and in the overview) use this one query, so one composite index
    per combination of filters and status serves both.
    """
    from google.cloud.firestore_v1.base_query import FieldFilter

    filters = {n: getattr(query, n) for n in ENTRY_FILTERS if getattr(query, n) not in (None, "")}
    if query.status == "available":
        return available.available(db, now, **filters).order_by("id")
    if query.status == "scheduled":
        scheduled = available.in_rotation(db, **filters)
        return scheduled.where(filter=FieldFilter("vest_at", ">", now)).order_by("id")
    q: Any = db.collection(store.ENTRIES).where(filter=FieldFilter("open", "==", True))
    for name, value in filters.items():
        q = q.where(filter=FieldFilter(name, "==", value))
    if query.status == "needs_attention":
        q = q.where(filter=FieldFilter("needs_attention", "==", True))
    elif query.status == "claimed":
        q = q.where(filter=FieldFilter("claimed_until", ">", now))
    return q.order_by("id")


def count_entries(db: Client, query: ListEntriesQuery, now: datetime) -> int:
    return int(entries_query(db, query, now).count().get()[0][0].value)


def list_entries(db: Client, query: ListEntriesQuery, now: datetime) -> dict[str, Any]:
    """A page of open entries in id order, the total in that status, and the next page token.

    Pages are a range on the stored `id` (the emulator ignores query cursors).
    """
    from google.cloud.firestore_v1.base_query import FieldFilter

    q = entries_query(db, query, now)
    total = count_entries(db, query, now)
    if query.page_token:
        q = q.where(filter=FieldFilter("id", ">", query.page_token))
    page = [e for s in q.limit(query.limit + 1).stream() if (e := store.load(Entry, s))]
    more = len(page) > query.limit
    page = page[: query.limit]
    names = _location_names(db, [e.location_id for e in page])
    return {
        "entries": [_row(e, now, names.get(e.location_id)) for e in page],
        "total": total,
        "next_page_token": page[-1].id if more else None,
    }


def _location_names(db: Client, ids: list[str]) -> dict[str, str]:
    refs = [db.collection(store.LOCATIONS).document(i) for i in dict.fromkeys(ids)]
    if not refs:
        return {}
    return {
        s.id: str((s.to_dict() or {}).get("name"))
        for s in db.get_all(refs, field_paths=["name"])
        if s.exists
    }


def _row(entry: Entry, now: datetime, location_name: str | None) -> dict[str, Any]:
    held = entry.claimed_until is not None and entry.claimed_until > now
    return {
        "entry_id": entry.id,
        "location_id": entry.location_id,
        "location_name": location_name,
        "state": entry.state,
        "reason": entry.reason,
        "extra_reasons": entry.extra_reasons,
        "priority_group": entry.priority_group,
        "queue": entry.queue,
        "status": leases.status_of(entry, now),
        "holder": entry.holder if held else None,
        "holder_email": entry.holder_email if held else None,
        "claimed_until": iso(entry.claimed_until) if held and entry.claimed_until else None,
        "time_left_s": int((entry.claimed_until - now).total_seconds())
        if held and entry.claimed_until
        else None,
        "available_at": iso(entry.available_at),
        "expiries": entry.expiries,
        "added_at": iso(entry.added_at),
        "added_by": entry.added_by,
        "position": entry.position,
        "open": entry.open,
    }


class EntryDetailsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entry_id: store.DocumentId


MAX_REPORTS_SHOWN = 50


def entry_details(db: Client, query: EntryDetailsQuery, now: datetime) -> dict[str, Any]:
    """One entry with its attempt history (who, when, how long, outcome) and its reports."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    entry = store.load(Entry, db.collection(store.ENTRIES).document(query.entry_id).get())
    if entry is None:
        raise NotFound(f"There is no queue entry {query.entry_id!r}.", error="unknown_entry")
    # Attempt ids are known from the claim sequence: read them directly, no query needed.
    refs = [
        db.collection(store.ATTEMPTS).document(leases.attempt_id(entry.id, seq))
        for seq in range(1, entry.claim_seq + 1)
    ]
    attempts = sorted(
        (a for s in (db.get_all(refs) if refs else []) if (a := store.load(Attempt, s))),
        key=lambda a: a.claim_seq,
    )
    reports_query = (
        db.collection(store.REPORTS)
        .where(filter=FieldFilter("entry_id", "==", entry.id))
        .limit(MAX_REPORTS_SHOWN)
    )
    found = [r for s in reports_query.stream() if (r := store.load(Report, s))]
    names = _location_names(db, [entry.location_id])
    return {
        "entry": _row(entry, now, names.get(entry.location_id)),
        "attempts": [
            {
                "claim_seq": a.claim_seq,
                "holder": a.holder,
                "holder_email": a.holder_email,
                "claimed_at": iso(a.claimed_at),
                "claimed_until": iso(a.claimed_until),
                "ended_at": iso(a.ended_at) if a.ended_at else None,
                "outcome": a.outcome,
                "duration_s": int((a.ended_at - a.claimed_at).total_seconds())
                if a.ended_at
                else None,
            }
            for a in attempts
        ],
        "reports": [
            {
                "id": r.id,
                "reported_by": r.reported_by,
                "reporter_email": r.reporter_email,
                "created_at": iso(r.created_at),
                "availability_names": r.availability_names,
                "notes": r.body.get("Notes"),
                "outcome": r.outcome,
            }
            for r in sorted(found, key=lambda r: r.created_at)
        ],
    }


class EntriesUpdated(Answer):
    """updateEntries' answer."""

    action: str
    changed: int
    unchanged: list[str]
    not_found: list[str]


class EntryRow(Answer):
    """One open queue entry as the console's Queue page shows it."""

    entry_id: str
    location_id: str
    location_name: str | None
    state: str
    reason: str
    extra_reasons: list[str]
    priority_group: int
    queue: str
    status: str
    holder: str | None
    holder_email: str | None
    claimed_until: Moment | None
    time_left_s: int | None
    available_at: Moment
    expiries: int
    added_at: Moment
    added_by: str
    position: float
    open: bool


class EntryPage(Answer):
    """listEntries' answer."""

    entries: list[EntryRow]
    total: int
    next_page_token: str | None


class AttemptRow(Answer):
    claim_seq: int
    holder: str
    holder_email: str | None
    claimed_at: Moment
    claimed_until: Moment
    ended_at: Moment | None
    outcome: str | None
    duration_s: int | None


class ReportRow(Answer):
    id: str
    reported_by: str
    reporter_email: str | None
    created_at: Moment
    availability_names: list[str]
    notes: str | None
    outcome: str | None


class EntryHistory(Answer):
    """entryDetails' answer: the entry, its attempts and its reports."""

    entry: EntryRow
    attempts: list[AttemptRow]
    reports: list[ReportRow]
