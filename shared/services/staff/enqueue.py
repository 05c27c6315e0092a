"""bulkEnqueue: staff put many locations in the queue with one reason, by ids or by filter."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.adapters import store
from shared.adapters.auth import User
from shared.base.answers import Answer
from shared.base.errors import TooLarge
from shared.domain.models import DEFAULT_PRIORITY_GROUP, DEFAULT_QUEUE, PriorityGroup
from shared.records import bulk_adds, entries, merges, openings, reasons, saved_queues
from shared.services.staff import locations
from shared.services.staff.locations import LocationFilter

if TYPE_CHECKING:
    from google.cloud.firestore import Client, DocumentSnapshot

MAX_CHUNK = 500


class BulkEnqueueBody(BaseModel):
    """Locations by id, or every location matching a filter (optionally one chunk of it)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=reasons.MAX_REASON_LENGTH)
    priority_group: PriorityGroup = DEFAULT_PRIORITY_GROUP
    queue: store.DocumentId = Field(DEFAULT_QUEUE, description="The queue to add to (must exist).")
    location_ids: list[store.DocumentId] | None = None
    filter: LocationFilter | None = None
    limit: int | None = Field(
        None,
        ge=1,
        le=MAX_CHUNK,
        description="With filter: queue only the next `limit` matches after `cursor`.",
    )
    cursor: store.DocumentId | None = Field(None, description="next_cursor of the previous call.")
    bulk_id: store.DocumentId | None = Field(
        None, description="bulk_id of the first call of the same action (for one undo)."
    )
    dry_run: bool = False

    @model_validator(mode="after")
    def _one_selection(self) -> BulkEnqueueBody:
        if (self.location_ids is None) == (self.filter is None):
            raise ValueError("send either location_ids or filter (exactly one of them)")
        if self.filter is None and (self.limit is not None or self.cursor is not None):
            raise ValueError("limit and cursor go with filter")
        return self


@dataclass
class EnqueueResult:
    reason: str
    priority_group: int
    queue: str = DEFAULT_QUEUE
    matched: int = 0
    added: int = 0
    # Queued with a less urgent group: raised to this one, the reason recorded (merges.py).
    raised: int = 0
    already_queued: int = 0
    # Without a phone number, or marked do-not-call: nothing is written for them.
    not_callable: int = 0
    # Queued, but flagged after repeated expiries: out of rotation until staff resume them.
    needs_attention: int = 0
    not_found: list[str] = field(default_factory=list)
    dry_run: bool = False
    bulk_id: str | None = None
    next_cursor: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "raised": self.raised,
            "already_queued": self.already_queued,
            "not_callable": self.not_callable,
            "needs_attention": self.needs_attention,
            "not_found": self.not_found,
            "matched": self.matched,
            "reason": self.reason,
            "priority_group": self.priority_group,
            "queue": self.queue,
            "dry_run": self.dry_run,
            "bulk_id": self.bulk_id,
            "next_cursor": self.next_cursor,
        }


def check_size(body: BulkEnqueueBody, limit: int) -> None:
    if body.location_ids is not None and len(body.location_ids) > limit:
        raise TooLarge(
            f"location_ids has {len(body.location_ids)} ids; at most {limit} per call. "
            "Split the selection into several calls."
        )


def bulk_enqueue(
    db: Client, user: User, body: BulkEnqueueBody, now: datetime, limit: int
) -> EnqueueResult:
    """Add every selected location that is not queued yet, raise the queued ones this makes
    more urgent; report what happened."""
    check_size(body, limit)
    queue = saved_queues.get(db, body.queue).id
    result = EnqueueResult(
        reason=body.reason, priority_group=body.priority_group, dry_run=body.dry_run, queue=queue
    )
    selection: str | None = None
    covered = False
    states: dict[str, str]
    if body.location_ids is not None:
        wanted = _unique(body.location_ids)
        selection = bulk_adds.selection_digest(wanted)
        # The same call repeated: an earlier add of exactly these places still holds them all
        # (docs/benchmarks.md, the no-op call), so no guard or location is read.
        covered = bulk_adds.covering(db, selection, len(wanted), body.priority_group)
        if covered:
            queued, states = set(wanted), {}
            busy: dict[str, datetime] = {}
        else:
            # Guards first: a queued place's location is not read (its guard says it is there).
            queued = entries.queued(db, wanted)
            places = openings.places_of(db, [i for i in wanted if i not in queued])
            states, result.not_found = places.states, places.not_found
            busy = places.busy_until
            result.not_callable = len(places.not_callable)
        result.matched = len(queued) + len(states) + result.not_callable
    else:
        assert body.filter is not None
        places, result.next_cursor = by_filter(db, body.filter, body.cursor, body.limit, limit)
        states, busy = places.states, places.busy_until
        result.not_callable = len(places.not_callable)
        queued = entries.queued(db, states)
        if body.filter.wants_queued is False:
            states = {k: v for k, v in states.items() if k not in queued}
            queued = set()
        result.matched = len(states) + result.not_callable
    flagged = openings.flagged(db, queued)
    result.needs_attention = len(flagged)
    raisable = set() if covered else merges.raisable(db, queued - flagged, body.priority_group)
    result.raised = len(raisable)
    result.already_queued = len(queued) - len(flagged) - len(raisable)
    todo = [loc for loc in states if loc not in queued]
    if body.dry_run:
        result.added = len(todo)
        return result
    if body.bulk_id is not None:
        # Before the first write: an unknown bulk add refuses the call, and a refusal writes
        # nothing (not even the new reason).
        bulk_adds.must_exist(db, body.bulk_id)
    result.reason = reasons.ensure(db, body.reason, user.uid, now)
    result.bulk_id = bulk_adds.record(
        db, user, body.bulk_id, result.reason, body.priority_group, now, selection
    )
    opening = openings.Opening(
        result.reason, body.priority_group, queue, by=user.uid, bulk_id=result.bulk_id
    )
    added, raced = openings.open_all(db, todo, states, opening, now, busy)
    result.added += added
    result.already_queued += raced
    bulk_adds.count_added(db, result.bulk_id, result.added)
    for location_id in sorted(raisable):
        if not merges.raise_entry(
            db, location_id, body.priority_group, result.reason, user.uid, now
        ):
            # Changed meanwhile (claimed and reported, raised by someone else, ...).
            result.raised -= 1
            result.already_queued += 1
    return result


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i.strip() for i in ids))


def by_filter(
    db: Client, flt: LocationFilter, cursor: str | None, chunk: int | None, cap: int
) -> tuple[openings.Places, str | None]:
    """The matching locations (one chunk after `cursor`, or all), and the next cursor."""
    places = openings.Places()
    found, next_cursor = filtered(db, flt, cursor, chunk, cap)
    for snapshot in found:
        places.add(snapshot.id, snapshot.to_dict() or {})
    return places, next_cursor


def filtered(
    db: Client, flt: LocationFilter, cursor: str | None, chunk: int | None, cap: int
) -> tuple[list[DocumentSnapshot[Any]], str | None]:
    """The matching locations (one chunk after `cursor`, or all, with PLACE_FIELDS at least),
    and the next cursor. A whole filter is counted before it is read, so one over the cap
    reads nothing."""
    if chunk is not None:
        return locations.pages(db, flt, cursor, chunk)
    total = locations.count(db, flt)
    if total > cap:
        raise TooLarge(
            f"The filter matches {total} locations; at most {cap} per call. "
            "Narrow the filter (for example by county), or send it in chunks with limit."
        )
    return list(locations.base_query(db, flt).select(openings.PLACE_FIELDS).stream()), None


class BulkEnqueued(Answer):
    """bulkEnqueue's answer: what the call added, raised, skipped and could not find."""

    added: int
    raised: int
    already_queued: int
    needs_attention: int
    # Selected places that may not be called (no phone number, or marked do-not-call).
    not_callable: int
    not_found: list[str]
    matched: int
    reason: str
    priority_group: int
    queue: str
    dry_run: bool
    bulk_id: str | None
    next_cursor: str | None
