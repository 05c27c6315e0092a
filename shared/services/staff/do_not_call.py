"""updateLocations: staff mark places do-not-call (with a reason) or callable again.

The mark is written before any entry closes, so an enqueue that reads the place afterwards
leaves it out; one that read it just before is caught by the draw, which never offers a
place that may not be called and closes its entry (`calls.close_not_callable`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.adapters import store
from shared.adapters.auth import User
from shared.base.answers import Answer
from shared.domain import callability
from shared.records import entries, openings
from shared.services.staff import enqueue
from shared.services.staff.locations import LocationFilter

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

MAX_REASON_LENGTH = 500
# Read for each selected place: whether it is marked, and what makes it callable again.
FIELDS = ["phone", "do_not_call"]

LocationAction = Literal["do_not_call", "callable"]


class UpdateLocationsBody(BaseModel):
    """One action on locations named by id, or on every location matching a filter."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: LocationAction = Field(
        description="do_not_call: never queue or offer these places; callable: undo that."
    )
    reason: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_REASON_LENGTH,
        description="do_not_call: why (required), e.g. 'asked us to stop calling'.",
    )
    location_ids: list[store.DocumentId] | None = Field(None, max_length=enqueue.MAX_CHUNK)
    filter: LocationFilter | None = None
    limit: int | None = Field(
        None,
        ge=1,
        le=enqueue.MAX_CHUNK,
        description="With filter: only the next `limit` matches after `cursor`.",
    )
    cursor: store.DocumentId | None = Field(None, description="next_cursor of the previous call.")
    dry_run: bool = False

    @model_validator(mode="after")
    def _valid(self) -> UpdateLocationsBody:
        if (self.location_ids is None) == (self.filter is None):
            raise ValueError("send either location_ids or filter (exactly one of them)")
        if self.filter is None and (self.limit is not None or self.cursor is not None):
            raise ValueError("limit and cursor go with filter")
        if self.action == "do_not_call" and not self.reason:
            raise ValueError("do_not_call needs a reason")
        return self


class UpdateLocationsResult(Answer):
    """What updateLocations did (or, with dry_run, would do)."""

    action: LocationAction
    matched: int = Field(0, description="Existing locations selected.")
    changed: int = Field(0, description="Locations whose mark changed.")
    unchanged: int = Field(0, description="Already in the wanted state.")
    closed: int = Field(0, description="Open queue entries closed with outcome not_callable.")
    not_found: list[str] = Field(default_factory=list)
    dry_run: bool = False
    next_cursor: str | None = None


def update_locations(
    db: Client, user: User, body: UpdateLocationsBody, now: datetime, limit: int
) -> UpdateLocationsResult:
    """Mark the selected places (or clear their mark); marking closes their open entries."""
    result = UpdateLocationsResult(action=body.action, dry_run=body.dry_run)
    found = _selected(db, body, limit, result)
    result.matched = len(found)
    marking = body.action == "do_not_call"
    todo = {i: data for i, data in found.items() if (data.get("do_not_call") is True) != marking}
    result.changed = len(todo)
    result.unchanged = result.matched - result.changed
    queued = entries.queued(db, found) if marking else set()
    if body.dry_run:
        result.closed = len(queued)
        return result
    for chunk in openings.chunks(list(todo), store.MAX_BATCH_WRITES):
        batch = db.batch()
        for location_id in chunk:
            fields = (
                _mark(user, body.reason, now) if marking else _unmark(user, now, todo[location_id])
            )
            batch.update(db.collection(store.LOCATIONS).document(location_id), fields)
        batch.commit()
    # Every marked place, changed now or before: a mark's earlier close may have lost a race.
    result.closed = sum(
        close_open_entry(db, location_id, user.uid, body.reason, now)
        for location_id in sorted(queued)
    )
    return result


def _selected(
    db: Client, body: UpdateLocationsBody, limit: int, result: UpdateLocationsResult
) -> dict[str, dict[str, Any]]:
    """The selected existing locations' fields (FIELDS), by id."""
    if body.location_ids is not None:
        ids = list(dict.fromkeys(body.location_ids))
        found: dict[str, dict[str, Any]] = {}
        for chunk in openings.chunks(ids, openings.READ_CHUNK):
            refs = [db.collection(store.LOCATIONS).document(i) for i in chunk]
            for snapshot in db.get_all(refs, field_paths=FIELDS):
                if snapshot.exists:
                    found[snapshot.id] = snapshot.to_dict() or {}
        result.not_found = [i for i in ids if i not in found]
        return found
    assert body.filter is not None
    snapshots, result.next_cursor = enqueue.filtered(
        db, body.filter, body.cursor, body.limit, limit
    )
    return {s.id: {k: (s.to_dict() or {}).get(k) for k in FIELDS} for s in snapshots}


def _mark(user: User, reason: str | None, now: datetime) -> dict[str, Any]:
    return {
        "do_not_call": True,
        "do_not_call_reason": reason,
        "do_not_call_by": user.uid,
        "do_not_call_email": user.email,
        "do_not_call_at": now,
        "callable_state": "do_not_call",
    }


def _unmark(user: User, now: datetime, data: dict[str, Any]) -> dict[str, Any]:
    """Callable again: who and when are kept (the reason goes; the place has no mark)."""
    return {
        "do_not_call": False,
        "do_not_call_reason": None,
        "do_not_call_by": user.uid,
        "do_not_call_email": user.email,
        "do_not_call_at": now,
        "callable_state": callability.state_of(data.get("phone"), False),
    }


def close_open_entry(
    db: Client, location_id: str, by: str, note: str | None, now: datetime
) -> bool:
    """Close the place's open entry as not_callable (a held lease ends so too)."""

    def run(tx: Transaction) -> bool:
        entry, attempt = entries.read_open(db, tx, location_id)
        if entry is None:
            return False
        entries.close(db, tx, entry, attempt, outcome="not_callable", by=by, now=now, note=note)
        return True

    return entries.transact(db, run)
