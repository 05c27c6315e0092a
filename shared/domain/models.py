"""Pydantic models for Firestore documents; API bodies live beside the service that reads them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, computed_field, model_validator

from shared.domain import callability
from shared.domain.callability import CallableState
from shared.domain.cells import cells_of

PRIORITY_GROUPS: tuple[int, ...] = (1, 2, 3, 4, 99)
DEFAULT_PRIORITY_GROUP = 99
# Every entry belongs to a queue; entries stored before queues existed belong to this one.
DEFAULT_QUEUE = "default"


def _known_group(value: int) -> int:
    if value not in PRIORITY_GROUPS:
        raise ValueError(f"must be one of {', '.join(map(str, PRIORITY_GROUPS))}")
    return value


# A priority group a request names: one of PRIORITY_GROUPS (anything else is a 400, before it
# reaches a Firestore query, which cannot hold integers past 64 bits).
PriorityGroup = Annotated[int, AfterValidator(_known_group)]

# How an attempt ended: its holder reported (completed / skipped) or gave it back (released);
# the lease ran out (expired); another caller's report closed the entry (superseded); staff
# removed the entry
# removed (removed), or took the call back from its holder (cleared); staff marked the place
# do-not-call (not_callable).
Outcome = Literal[
    "completed",
    "skipped",
    "released",
    "expired",
    "superseded",
    "removed",
    "cleared",
    "not_callable",
]
EntryStatus = Literal["open", "completed", "removed"]
ReviewStatus = Literal["pending", "approved", "requeued"]


class Document(BaseModel):
    """Base for stored documents: tolerant of fields added later, strict on types.

    Validators are built on a model's first use, not when its module is imported: a
    function's cold start pays only for the documents it reads (docs/benchmarks.md).
    """

    model_config = ConfigDict(extra="ignore", defer_build=True)

    def to_firestore(self) -> dict[str, Any]:
        return self.model_dump(mode="python")

    def stored(self) -> dict[str, Any]:
        """The fields to write: the id is the document's path, not a field."""
        return self.model_dump(mode="python", exclude={"id"})


# Written only by staff's do-not-call mark: an import leaves them (and the mark) as they are.
DO_NOT_CALL_FIELDS = (
    "do_not_call",
    "do_not_call_reason",
    "do_not_call_by",
    "do_not_call_email",
    "do_not_call_at",
)


class Location(Document):
    """`locations/{id}`: a place callers phone. Field names are ours; the caller view maps them."""

    id: str
    name: str
    state: str
    phone: str | None = None
    address: str | None = None
    county: str | None = None
    county_id: str | None = None
    location_type: str | None = None
    affiliation: str | None = None
    provider_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    hours: str | None = None
    website: str | None = None
    internal_notes: str | None = None
    appointment_instructions: str | None = None
    latest_report_at: datetime | None = None
    latest_report_notes: str | None = None
    latest_internal_notes: str | None = None
    availability_info: list[str] = Field(default_factory=list)
    number_of_reports: int = 0
    # IANA zone from the coordinates, set on import (`tools.cli set-time-zones` for older
    # documents); None falls back to the state's principal zone.
    timezone: str | None = None
    # Staff's do-not-call mark (updateLocations): the importer never writes these fields.
    do_not_call: bool = False
    do_not_call_reason: str | None = None
    do_not_call_by: str | None = None
    do_not_call_email: str | None = None
    do_not_call_at: datetime | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def callable_state(self) -> CallableState:
        """Stored for the console's filter; enqueue and the draw decide from phone and mark."""
        return callability.state_of(self.phone, self.do_not_call)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def sort_key(self) -> str:
        """Case-folded name, then id: the console lists by it, pages on it (a range, since
        the emulator ignores cursors) and searches names as a prefix range on it."""
        return f"{self.name.casefold()}\x1f{self.id}"


class County(Document):
    """`counties/{id}`; locations link to it by name (resolved to `county_id` on import)."""

    id: str
    name: str
    vaccine_info_url: str | None = None
    vaccine_locations_url: str | None = None
    notes: str | None = None


class Provider(Document):
    """`providers/{id}`; locations link to it by name through `affiliation`."""

    id: str
    name: str
    vaccine_info_url: str | None = None
    public_notes: str | None = None
    phase: list[str] = Field(default_factory=list)
    network_type: str | None = None
    last_updated: str | None = None


class Entry(Document):
    """`entries/{id}`: one stay of a location in the queue, from enqueue to completion or removal.

    `available_at` is max(vest_at, claimed_until): the single field a draw filters on, so an
    ended lease makes the entry available again with no background job.
    """

    id: str
    location_id: str
    state: str
    reason: str
    priority_group: int = DEFAULT_PRIORITY_GROUP
    queue: str = DEFAULT_QUEUE
    position: float
    # Reasons of later, more urgent re-adds of the same stay (shared/merges.py).
    extra_reasons: list[str] = Field(default_factory=list)
    vest_at: datetime
    available_at: datetime
    rand: float
    # The cells of the key space `rand` falls in, one per level (cells.cells_of): what the
    # draw queries. Documents written before the field existed get it from their `rand`.
    cells: list[str] = Field(default_factory=list)
    open: bool = True
    status: EntryStatus = "open"
    added_by: str
    added_at: datetime
    holder: str | None = None
    holder_email: str | None = None
    claimed_at: datetime | None = None
    claimed_until: datetime | None = None
    # The latest the current claim may be extended to (claimed_at + MAX_LEASE_SECONDS).
    lease_limit: datetime | None = None
    claim_seq: int = 0
    expiries: int = 0
    needs_attention: bool = False
    closed_at: datetime | None = None
    closed_by: str | None = None
    outcome: str | None = None
    report_id: str | None = None
    previous_entry_id: str | None = None
    # Bumped by every change after creation; `entry_changes/{id}-{version}` fences each one.
    version: int = 0
    resumed_at: datetime | None = None
    resumed_by: str | None = None
    removal_note: str | None = None
    # The staff bulk add that opened this entry (`bulk_adds/{id}`), for undo.
    bulk_id: str | None = None

    @model_validator(mode="after")
    def _cells(self) -> Entry:
        if not self.cells:
            self.cells = cells_of(self.rand)
        return self


class Attempt(Document):
    """`attempts/{entry_id}-{claim_seq}`: one claim of an entry; created first in the claim."""

    entry_id: str
    location_id: str
    claim_seq: int
    holder: str
    holder_email: str | None = None
    claimed_at: datetime
    claimed_until: datetime
    outcome: Outcome | None = None
    ended_at: datetime | None = None
    report_id: str | None = None
    extensions: int = 0
    # The holder's claim number (`caller_leases/{holder}-{caller_claim}` fences it).
    caller_claim: int = 0


class OpenEntry(Document):
    """`open_entries/{location id}`: the guard that keeps one open entry per location."""

    id: str
    entry_id: str
    location_id: str
    added_at: datetime


class EntryChange(Document):
    """`entry_changes/{entry id}-{version}`: created first by every change of an entry.

    Two changes that read the same version race to create the same document; exactly one
    wins on every backend, so an entry's changes form one sequence even without isolation.
    """

    id: str
    entry_id: str
    version: int
    event: str
    by: str
    at: datetime
    # A deferral's target (the place's next opening): the audit trail says until when.
    until: datetime | None = None


class CallerLease(Document):
    """`caller_leases/{uid}-{n}`: created first by a caller's n-th claim (one lease at a time)."""

    id: str
    uid: str
    n: int
    entry_id: str
    claim_seq: int
    at: datetime
    # The entry version the claim raced for: its `entry_changes` fence names it, which is how
    # a fence left by a failed commit is told from a claim still committing (None: older fences).
    version: int | None = None


class CurrentLease(BaseModel):
    """The caller's latest claim, as `callers/{uid}.current` points to it."""

    entry_id: str
    claim_seq: int
    # The lease's end as the claim (or the holder's latest extension) set it.
    until: datetime | None = None

    def same(self, other: CurrentLease | None) -> bool:
        return other is not None and (self.entry_id, self.claim_seq) == (
            other.entry_id,
            other.claim_seq,
        )


class Caller(Document):
    """`callers/{uid}`: the caller's claim count and latest claim, and their report total."""

    id: str
    claims: int = 0
    # Claim numbers up to this one are proven to belong to failed commits (emulator only).
    skipped: int = 0
    current: CurrentLease | None = None
    # The latest of the caller's attempts to end (report, release, expiry, close): when it is
    # `current`, the caller holds nothing, and requestCall need not read the lease to know.
    ended: CurrentLease | None = None
    reports_total: int = 0
    # Caller groups staff assigned (`trainee`, `spanish`...): which queues they draw from.
    groups: list[str] = Field(default_factory=list)
    email: str | None = None


class PendingExpiry(Document):
    """`pending_expiries/{task name}`: a lease's clean-up task not yet scheduled."""

    id: str
    entry_id: str
    claim_seq: int
    claimed_until: datetime
    kept_at: datetime


class CallerDay(Document):
    """`caller_days/{uid}_{YYYY-MM-DD}`: reports by one caller on one day (org time zone)."""

    id: str
    uid: str
    day: str
    reports: int = 0


class Report(Document):
    """`reports/{id}`: what a caller learned; stored whether or not it closed an entry."""

    id: str
    location_id: str
    reported_by: str
    reporter_email: str | None = None
    created_at: datetime
    availability: list[str]
    availability_names: list[str]
    do_not_call_until: datetime | None = None
    body: dict[str, Any]
    entry_id: str | None = None
    # What the report did to the open entry: completed it, skipped it (requeued), or nothing.
    outcome: Literal["completed", "skipped"] | None = None
    # Review (shared/domain/review.py): why it was flagged (empty: not flagged), where it
    # stands, and what staff decided.
    review_reasons: list[str] = Field(default_factory=list)
    review_status: ReviewStatus | None = None
    # `created_at` (ISO) + id: the order and page cursor of the review list.
    review_key: str | None = None
    reviewed_at: datetime | None = None
    reviewed_by: str | None = None
    reviewed_by_email: str | None = None
    review_note: str | None = None
    # A report sent back to the queue: the bulk add that did it (undoable) and its reason.
    review_bulk_id: str | None = None
    review_reason: str | None = None


class BulkAdd(Document):
    """`bulk_adds/{id}`: one staff "add to queue" action (possibly several calls), for undo."""

    id: str
    by: str
    email: str | None = None
    at: datetime
    reason: str
    priority_group: int
    added: int = 0
    undone_at: datetime | None = None
    removed: int = 0
    # Digest of the location ids of a one-call add by ids (bulk_adds.selection_digest); None
    # once another call joins it. Lets the same call repeated skip reading every guard.
    selection: str | None = None


class ReviewDecision(Document):
    """`review_decisions/{report id}`: staff's decision on a flagged report, created first."""

    id: str
    status: ReviewStatus
    by: str
    email: str | None = None
    at: datetime
    note: str | None = None
    bulk_id: str | None = None
    reason: str | None = None


class Reason(Document):
    """`reasons/{slug}`: why staff put a location in the queue."""

    id: str
    name: str
    created_at: datetime
    created_by: str


class Queue(Document):
    """`queues/{name}`: a named queue, who may draw from it, and when callers fall through to it.

    A caller draws from the queues open to one of their groups (every caller when `groups` is
    empty) in ascending `order`, then name. `default` exists without a document.
    """

    id: str
    description: str = ""
    groups: list[str] = Field(default_factory=list)
    order: int = 0
    # Fewer available entries than this makes requestCall refill the queue (0: never).
    backfill_min: int = 0
    updated_at: datetime | None = None
    updated_by: str | None = None


class Backfill(Document):
    """`backfills/{queue}-{window}`: created first by a queue's refill; one per time window."""

    id: str
    queue: str
    window: int
    at: datetime
    wanted: int
    added: int = 0
    bulk_id: str | None = None
    # Places the refill passed over because they may not be called.
    not_callable: int = 0
