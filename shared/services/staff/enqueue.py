"""bulkEnqueue: staff put many locations in the queue with one reason, by ids or by filter."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.adapters import store
from shared.adapters.auth import User
from shared.base.errors import Conflict, TooLarge
from shared.domain.models import DEFAULT_PRIORITY_GROUP, DEFAULT_QUEUE, PriorityGroup
from shared.records import bulk_adds, entries, merges, reasons
from shared.services.staff import locations, queues
from shared.services.staff.locations import LocationFilter

if TYPE_CHECKING:
    from google.cloud.firestore import Client

# Three writes per location (guard, entry, the location's `queued` mark) fit Firestore's
# 500-write commit.
LOCATIONS_PER_BATCH = store.MAX_BATCH_WRITES // 3
READ_CHUNK = 300
MAX_RETRIES = 3
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
    queue = queues.get(db, body.queue).id
    result = EnqueueResult(
        reason=body.reason, priority_group=body.priority_group, dry_run=body.dry_run, queue=queue
    )
    if body.location_ids is not None:
        states, result.not_found = _by_ids(db, _unique(body.location_ids))
    else:
        assert body.filter is not None
        states, result.next_cursor = _by_filter(db, body.filter, body.cursor, body.limit, limit)
    queued = _queued(db, states)
    if body.filter is not None and body.filter.wants_queued is False:
        states = {k: v for k, v in states.items() if k not in queued}
        queued = set()
    result.matched = len(states)
    flagged = _flagged(db, queued)
    result.needs_attention = len(flagged)
    raisable = merges.raisable(db, queued - flagged, body.priority_group)
    result.raised = len(raisable)
    result.already_queued = len(queued) - len(flagged) - len(raisable)
    todo = [loc for loc in states if loc not in queued]
    if body.dry_run:
        result.added = len(todo)
        return result
    if body.bulk_id is not None:
        # Before the first write: an unknown bulk add refuses the call, and a refusal writes
        # nothing (not even the new reason).
        bulk_adds.require(db, body.bulk_id)
    result.reason = reasons.ensure(db, body.reason, user.uid, now)
    result.bulk_id = bulk_adds.record(
        db, user, body.bulk_id, result.reason, body.priority_group, now
    )
    for chunk in _chunks(todo, LOCATIONS_PER_BATCH):
        added, raced = _write_chunk(db, chunk, states, result, user.uid, now)
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


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _by_ids(db: Client, ids: list[str]) -> tuple[dict[str, str], list[str]]:
    """State of each existing location, and the ids that name no location."""
    states: dict[str, str] = {}
    for chunk in _chunks(ids, READ_CHUNK):
        refs = [db.collection(store.LOCATIONS).document(i) for i in chunk]
        for snapshot in db.get_all(refs, field_paths=["state"]):
            if snapshot.exists:
                states[snapshot.id] = str((snapshot.to_dict() or {}).get("state") or "")
    return states, [i for i in ids if i not in states]


def _by_filter(
    db: Client, flt: LocationFilter, cursor: str | None, chunk: int | None, cap: int
) -> tuple[dict[str, str], str | None]:
    """State of each matching location (one chunk after `cursor`, or all), and the next cursor.

    A whole filter is counted before it is read, so one over the cap reads nothing.
    """
    if chunk is not None:
        found, next_cursor = locations.pages(db, flt, cursor, chunk)
        return {s.id: str((s.to_dict() or {}).get("state") or "") for s in found}, next_cursor
    total = locations.count(db, flt)
    if total > cap:
        raise TooLarge(
            f"The filter matches {total} locations; at most {cap} per call. "
            "Narrow the filter (for example by county), or send it in chunks with limit."
        )
    query = locations.base_query(db, flt).select(["state"])
    return {s.id: str((s.to_dict() or {}).get("state") or "") for s in query.stream()}, None


def _queued(db: Client, location_ids: Iterable[str]) -> set[str]:
    """Which of these locations already have an open entry (their guard document exists).

    Reads whichever is smaller: the guards of these locations one by one, or every guard
    (a count costs one read per thousand). Besides saving reads, it avoids looking up
    thousands of absent documents, which the local emulator does slowly (~4 ms each).
    """
    wanted = list(location_ids)
    guards = db.collection(store.OPEN_ENTRIES)
    open_now = int(guards.count().get()[0][0].value)  # type: ignore[no-untyped-call]
    if open_now <= len(wanted):
        every = {s.id for s in guards.select([]).stream()}
        return every.intersection(wanted)
    queued: set[str] = set()
    for chunk in _chunks(wanted, READ_CHUNK):
        refs = [guards.document(i) for i in chunk]
        queued.update(s.id for s in db.get_all(refs, field_paths=["entry_id"]) if s.exists)
    return queued


def _flagged(db: Client, queued: set[str]) -> set[str]:
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
    result: EnqueueResult,
    uid: str,
    now: datetime,
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
            entry = entries.new_entry(
                location_id,
                states[location_id],
                result.reason,
                result.priority_group,
                uid,
                now,
                base + offset * 1e-6,
                bulk_id=result.bulk_id,
                queue=result.queue,
            )
            attempt[location_id] = entry.id
            entries.open_new(batch, db, entry)
        try:
            batch.commit()
        except AlreadyExists:
            guards = _guards(db, pending)
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


def _guards(db: Client, location_ids: list[str]) -> dict[str, str]:
    refs = [db.collection(store.OPEN_ENTRIES).document(i) for i in location_ids]
    return {
        s.id: str((s.to_dict() or {}).get("entry_id"))
        for s in db.get_all(refs, field_paths=["entry_id"])
        if s.exists
    }
