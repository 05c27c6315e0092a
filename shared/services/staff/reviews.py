"""listReviews and reviewReport: staff take a second look at flagged reports (staff).

A report is flagged when it is stored (shared/domain/review.py). Staff approve it, or send
its place back to the queue with a reason: an ordinary bulk add, which Bulk adds can undo.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.adapters import store
from shared.adapters.auth import User
from shared.base.answers import Answer
from shared.base.clock import iso
from shared.base.errors import BadRequest, Conflict, NotFound
from shared.base.field_limits import Notes
from shared.domain import caller_figures
from shared.domain.models import (
    DEFAULT_PRIORITY_GROUP,
    DEFAULT_QUEUE,
    Location,
    PriorityGroup,
    Report,
    ReviewDecision,
    ReviewStatus,
)
from shared.records import entries, reasons, saved_queues
from shared.services.staff import bulk_add_admin, enqueue

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

MAX_PAGE_SIZE = 100
# Earlier reports of the same place shown beside each flagged one.
PREVIOUS_SHOWN = 3


class ListReviewsQuery(BaseModel):
    """listReviews' query parameters: one status, oldest first, a page at a time."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: ReviewStatus = Field("pending", description="pending (default), approved or requeued.")
    limit: int = Field(20, ge=1, le=MAX_PAGE_SIZE)
    page_token: store.DocumentId | None = Field(
        None, description="next_page_token of the previous page."
    )


class ReviewReportBody(BaseModel):
    """A decision on one flagged report: approve it, or queue its place again with a reason."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    report_id: store.DocumentId
    action: Literal["approve", "requeue"]
    note: Notes | None = Field(None, description="Staff's own words, kept with the decision.")
    reason: str | None = Field(
        None,
        min_length=1,
        max_length=reasons.MAX_REASON_LENGTH,
        description="requeue only (required): the queue reason of the bulk add.",
    )
    priority_group: PriorityGroup = Field(DEFAULT_PRIORITY_GROUP, description="requeue only.")
    queue: store.DocumentId = Field(DEFAULT_QUEUE, description="requeue only: an existing queue.")

    @model_validator(mode="after")
    def _fits_action(self) -> ReviewReportBody:
        if self.action == "requeue" and self.reason is None:
            raise ValueError("requeue needs a reason")
        requeue_only = {"reason", "priority_group", "queue"} & self.model_fields_set
        if self.action == "approve" and requeue_only:
            raise ValueError(f"{', '.join(sorted(requeue_only))}: only with action requeue")
        return self


class PreviousReport(Answer):
    report_id: str
    created_at: str
    reporter_email: str | None
    availability_names: list[str]
    notes: str | None
    review_status: ReviewStatus | None


class ReviewLocation(Answer):
    id: str
    name: str | None
    phone: str | None
    address: str | None
    county: str | None
    state: str | None


class ReviewRow(Answer):
    report_id: str
    created_at: str
    reported_by: str
    reporter_email: str | None
    location: ReviewLocation
    availability_names: list[str]
    notes: str | None
    internal_notes: str | None
    pending_review_because: str | None
    review_reasons: list[str]
    review_status: ReviewStatus | None
    reviewed_at: str | None
    reviewed_by_email: str | None
    review_note: str | None
    review_reason: str | None
    review_bulk_id: str | None
    previous_reports: list[PreviousReport]


class ReviewList(Answer):
    """listReviews' answer."""

    reviews: list[ReviewRow]
    total: int = Field(description="Reports with this review status, all pages.")
    next_page_token: str | None


class ReviewResult(Answer):
    """reviewReport's answer; a requeue names its bulk add (undo it on Bulk adds)."""

    report_id: str
    status: ReviewStatus
    reviewed_at: str
    reviewed_by: str
    bulk_id: str | None = None
    added: int = 0
    already_queued: int = 0
    raised: int = 0
    needs_attention: int = 0


def list_reviews(db: Client, query: ListReviewsQuery) -> ReviewList:
    """Reports with one review status, oldest first, each beside its place's earlier reports."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    with_status: Any = db.collection(store.REPORTS).where(
        filter=FieldFilter("review_status", "==", query.status)
    )
    total = int(with_status.count().get()[0][0].value)
    q: Any = with_status.order_by("review_key")
    if query.page_token:
        after = store.load(Report, db.collection(store.REPORTS).document(query.page_token).get())
        if after is None or after.review_key is None:
            raise BadRequest("page_token: no such page.", error="invalid_field")
        # A range, not a cursor: the emulator we run ignores cursors.
        q = q.where(filter=FieldFilter("review_key", ">", after.review_key))
    found = [r for s in q.limit(query.limit + 1).stream() if (r := store.load(Report, s))]
    more = len(found) > query.limit
    found = found[: query.limit]
    places = _locations(db, {r.location_id for r in found})
    rows = [_row(r, places.get(r.location_id), _previous(db, r)) for r in found]
    return ReviewList(reviews=rows, total=total, next_page_token=found[-1].id if more else None)


def _locations(db: Client, ids: set[str]) -> dict[str, Location]:
    refs = [db.collection(store.LOCATIONS).document(i) for i in sorted(ids)]
    return {
        loc.id: loc for s in (db.get_all(refs) if refs else []) if (loc := store.load(Location, s))
    }


def _previous(db: Client, report: Report) -> list[Report]:
    from google.cloud import firestore
    from google.cloud.firestore_v1.base_query import FieldFilter

    q = (
        db.collection(store.REPORTS)
        .where(filter=FieldFilter("location_id", "==", report.location_id))
        .where(filter=FieldFilter("created_at", "<", report.created_at))
        .order_by("created_at", direction=firestore.Query.DESCENDING)
        .limit(PREVIOUS_SHOWN)
    )
    return [r for s in q.stream() if (r := store.load(Report, s))]


def _text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    return value if isinstance(value, str) else None


def _row(report: Report, place: Location | None, previous: list[Report]) -> ReviewRow:
    return ReviewRow(
        report_id=report.id,
        created_at=iso(report.created_at),
        reported_by=report.reported_by,
        reporter_email=report.reporter_email,
        location=ReviewLocation(
            id=report.location_id,
            name=place.name if place else None,
            phone=place.phone if place else None,
            address=place.address if place else None,
            county=place.county if place else None,
            state=place.state if place else None,
        ),
        availability_names=report.availability_names,
        notes=_text(report.body, "Notes"),
        internal_notes=_text(report.body, "Internal Notes"),
        pending_review_because=_text(report.body, "pending_review_because"),
        review_reasons=report.review_reasons,
        review_status=report.review_status,
        reviewed_at=iso(report.reviewed_at) if report.reviewed_at else None,
        reviewed_by_email=report.reviewed_by_email,
        review_note=report.review_note,
        review_reason=report.review_reason,
        review_bulk_id=report.review_bulk_id,
        previous_reports=[
            PreviousReport(
                report_id=p.id,
                created_at=iso(p.created_at),
                reporter_email=p.reporter_email,
                availability_names=p.availability_names,
                notes=_text(p.body, "Notes"),
                review_status=p.review_status,
            )
            for p in previous
        ],
    )


def _pending(report: Report | None, report_id: str) -> Report:
    """The report, if it is waiting for a decision; 404 / 409 otherwise."""
    if report is None:
        raise NotFound(f"There is no report {report_id!r}.", error="unknown_report")
    if report.review_status is None:
        raise Conflict("This report was not flagged for review.", error="not_flagged")
    if report.review_status != "pending":
        raise Conflict(
            f"This report was already reviewed ({report.review_status}).", error="already_reviewed"
        )
    return report


def review_report(db: Client, user: User, body: ReviewReportBody, now: datetime) -> ReviewResult:
    """Record staff's decision once; a requeue first adds the place back as a bulk add."""
    from google.cloud import firestore

    report_ref = db.collection(store.REPORTS).document(body.report_id)
    report = _pending(store.load(Report, report_ref.get()), body.report_id)
    status: ReviewStatus = "approved" if body.action == "approve" else "requeued"
    result = ReviewResult(
        report_id=report.id, status=status, reviewed_at=iso(now), reviewed_by=user.uid
    )
    requeue_reason: str | None = None
    if body.action == "requeue":
        assert body.reason is not None
        saved_queues.get(db, body.queue)  # 404 before anything is written
        added = enqueue.bulk_enqueue(
            db,
            user,
            enqueue.BulkEnqueueBody(
                reason=body.reason,
                priority_group=body.priority_group,
                queue=body.queue,
                location_ids=[report.location_id],
            ),
            now,
            limit=1,
        )
        result.bulk_id, requeue_reason = added.bulk_id, added.reason
        result.added, result.already_queued = added.added, added.already_queued
        result.raised, result.needs_attention = added.raised, added.needs_attention
    decision = ReviewDecision(
        id=report.id,
        status=status,
        by=user.uid,
        email=user.email,
        at=now,
        note=body.note,
        bulk_id=result.bulk_id,
        reason=requeue_reason,
    )

    def run(tx: Transaction) -> None:
        _pending(store.load(Report, report_ref.get(transaction=tx)), body.report_id)
        # Created first: of two decisions on one report, exactly one commits.
        tx.create(db.collection(store.REVIEW_DECISIONS).document(report.id), decision.stored())
        tx.update(
            report_ref,
            {
                "review_status": status,
                "reviewed_at": now,
                "reviewed_by": user.uid,
                "reviewed_by_email": user.email,
                "review_note": body.note,
                "review_bulk_id": decision.bulk_id,
                "review_reason": decision.reason,
            },
        )
        # The reporter's figures of the report's day: one pending fewer, one decided more.
        moved = {
            caller_figures.REVIEW_COUNTERS["pending"]: firestore.Increment(-1),
            caller_figures.REVIEW_COUNTERS[status]: firestore.Increment(1),
        }
        entries.count_for_caller(db, tx, report.reported_by, report.created_at, moved)

    try:
        entries.transact(db, run)
    except (Conflict, entries.Stale) as exc:
        if result.bulk_id is not None:
            # Another decision came first: take back what this one queued.
            bulk_add_admin.undo(db, user, bulk_add_admin.UndoBody(bulk_id=result.bulk_id), now)
        if isinstance(exc, Conflict):
            raise
        raise Conflict("Someone else is deciding on this report.", error="busy") from exc
    return result
