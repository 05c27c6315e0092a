"""Named queues and caller groups: staff save queues and assign groups; requestCall reads both."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from shared.adapters import auth, store
from shared.adapters.auth import User
from shared.base.answers import Answer, Moment
from shared.base.clock import iso
from shared.domain import routing
from shared.domain.models import Caller, Queue
from shared.records import entries, saved_queues

if TYPE_CHECKING:
    from google.cloud.firestore import Client


def _folded(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


# Case-folded before the pattern is checked (StringConstraints checks it on the raw text).
Name = Annotated[str, BeforeValidator(_folded), StringConstraints(pattern=routing.NAME_PATTERN)]
MAX_GROUPS = 20
MAX_BACKFILL = 500
# Auth users read per listCallers page.
CALLERS_PAGE = 1000


def _distinct(values: list[str]) -> list[str]:
    return sorted(set(values))


class SaveQueueBody(BaseModel):
    """A queue to create or replace (by name): who may draw from it and where it falls."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name = Field(description="Lower case letters, digits, '-' and '_'; the queue's id.")
    description: str = Field("", max_length=500)
    groups: list[Name] = Field(
        default_factory=list,
        max_length=MAX_GROUPS,
        description="Caller groups that may draw from it; empty: every caller.",
    )
    order: int = Field(
        0, ge=0, le=100_000, description="Callers try their queues in ascending order."
    )
    backfill_min: int = Field(
        0, ge=0, le=MAX_BACKFILL, description="Refill when fewer are available (0: never)."
    )

    _groups = field_validator("groups")(_distinct)


class CallerGroupsBody(BaseModel):
    """The complete list of groups for one caller (an empty list removes them all)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    uid: auth.Uid
    groups: list[Name] = Field(max_length=MAX_GROUPS)

    _groups = field_validator("groups")(_distinct)


class ListCallersQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page_token: str | None = Field(None, max_length=2000)


def save_queue(db: Client, user: User, body: SaveQueueBody, now: datetime) -> dict[str, Any]:
    """Create or replace a queue; answers it as listQueues shows it."""
    queue = Queue(
        id=body.name,
        description=body.description,
        groups=body.groups,
        order=body.order,
        backfill_min=body.backfill_min,
        updated_at=now,
        updated_by=user.email or user.uid,
    )
    saved_queues.save(db, queue)
    return present(queue, saved=True)


def list_queues(db: Client) -> dict[str, Any]:
    """Every queue in fall-through order, `default` included."""
    found = saved_queues.stored(db)
    names = {q.id for q in found}
    return {
        "queues": [present(q, saved=q.id in names) for q in routing.with_default(found)],
    }


def present(queue: Queue, *, saved: bool) -> dict[str, Any]:
    return {
        "name": queue.id,
        "description": queue.description,
        "groups": queue.groups,
        "order": queue.order,
        "backfill_min": queue.backfill_min,
        "saved": saved,
        "updated_at": iso(queue.updated_at) if queue.updated_at else None,
        "updated_by": queue.updated_by,
    }


def list_callers(db: Client, query: ListCallersQuery, project_id: str) -> dict[str, Any]:
    """Users with the caller role (one page of the Auth user list) and their groups."""
    members, next_token = auth.role_members("caller", query.page_token, CALLERS_PAGE, project_id)
    refs = [db.collection(store.CALLERS).document(uid) for uid, _ in members]
    groups = {
        s.id: c.groups for s in (db.get_all(refs) if refs else []) if (c := store.load(Caller, s))
    }
    return {
        "callers": [
            {"uid": uid, "email": email, "groups": groups.get(uid, [])} for uid, email in members
        ],
        "next_page_token": next_token,
    }


def set_caller_groups(db: Client, body: CallerGroupsBody, project_id: str) -> dict[str, Any]:
    """Replace a caller's groups; NotFound if no such user."""
    email = auth.email_of(body.uid, project_id)
    entries.set_caller_groups(db, body.uid, body.groups, email)
    return {"uid": body.uid, "email": email, "groups": body.groups}


class QueueView(Answer):
    """A queue as listQueues shows it; saveQueue's answer."""

    name: str
    description: str
    groups: list[str]
    order: int
    backfill_min: int
    saved: bool
    updated_at: Moment | None
    updated_by: str | None


class QueueList(Answer):
    """listQueues' answer, in fall-through order."""

    queues: list[QueueView]


class CallerGroups(Answer):
    """One caller and their groups; setCallerGroups' answer."""

    uid: str
    email: str | None
    groups: list[str]


class CallerPage(Answer):
    """listCallers' answer."""

    callers: list[CallerGroups]
    next_page_token: str | None
