"""submitReport and callerStats: a caller's report completes (or reschedules) the queue entry."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.adapters import store
from shared.adapters.auth import User
from shared.base.answers import Answer
from shared.base.clock import iso, local_day
from shared.base.errors import BadRequest
from shared.base.field_limits import TAGS_PER_REPORT, Notes, TagName, Text
from shared.domain import call_backs, caller_figures, review, tags
from shared.domain.call_backs import CallBackPolicy
from shared.domain.models import Caller, CallerDay, Report
from shared.domain.review import ReviewSampling
from shared.records import entries, reasons

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

    from shared.adapters.config import Settings

Vaccine = Literal["Moderna", "Pfizer", "Johnson & Johnson", "Other"]


class ReportBody(BaseModel):
    """A report as the caller app (and older clients) send it; spaced names are aliases."""

    # Unknown keys are ignored: older clients send fields this service does not use.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    location: store.DocumentId = Field(alias="Location")
    availability: list[TagName] = Field(alias="Availability", max_length=TAGS_PER_REPORT)
    notes: Notes | None = Field(None, alias="Notes")
    internal_notes: Notes | None = Field(None, alias="Internal Notes")
    do_not_call_until: datetime | None = Field(None, alias="Do not call until")
    appointment_instructions: Text | None = Field(None, alias="Appointment scheduling instructions")
    appointments_by_phone: bool | None = Field(None, alias="Appointments by phone?")
    vaccines_offered: list[Vaccine] | None = Field(None, max_length=4)
    web: Text | None = None
    website: Text | None = None
    address: Text | None = None
    full_address: Text | None = None
    hours: Text | None = None
    restriction_notes: Text | None = None
    pending_review_because: Text | None = None
    county: Text | None = Field(None, alias="County")
    planned_closure: date | None = None
    web_banked: bool | None = None
    is_pending_review: bool | None = None
    internal_notes_unchanged: bool | None = None

    @field_validator("do_not_call_until")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # A time without an offset is taken as UTC, the API's exchange zone.
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError as exc:
            raise ValueError("is out of range") from exc


class Created(Answer):
    """submitReport's answer (the caller contract): the id of the report stored."""

    created: list[str]


class CallerStats(Answer):
    """callerStats' answer (the caller contract)."""

    total: int
    today: int


def report(db: Client, settings: Settings, user: User, body: ReportBody, now: datetime) -> Created:
    """submitReport: store the report, answer its id."""
    found = submit_report(
        db, user, body, now, settings.tz, settings.call_backs, settings.review_rules
    )
    return Created(created=[found])


def submit_report(
    db: Client,
    user: User,
    body: ReportBody,
    now: datetime,
    tz: ZoneInfo,
    policy: CallBackPolicy,
    sampling: ReviewSampling | None = None,
) -> str:
    """Store the report and close the location's open entry in the same transaction.

    The report closes the open entry whoever holds it: the report is what the queue entry
    asked for. A holder other than the reporter has their attempt ended `superseded`. It is
    flagged for review when the caller app asks, or when `sampling` picks it.
    """
    from google.cloud import firestore

    found = tags.resolve_all(body.availability)
    slugs = {t.slug for t in found}
    if problem := call_backs.horizon_problem(body.do_not_call_until, now, policy):
        raise BadRequest(problem, error="invalid_field")
    comeback = call_backs.comeback_at(slugs, body.do_not_call_until, now, policy)
    location_ref = db.collection(store.LOCATIONS).document(body.location)
    caller_ref = db.collection(store.CALLERS).document(user.uid)
    # One round trip for both: the place must exist; the caller's groups decide the sample.
    found_docs = {
        s.reference.parent.id: s
        for s in db.get_all([location_ref, caller_ref], field_paths=["state", "groups"])
    }
    if not found_docs[store.LOCATIONS].exists:
        raise BadRequest(
            f"Location: there is no location with id {body.location!r}.", error="unknown_location"
        )
    groups = (found_docs[store.CALLERS].to_dict() or {}).get("groups") or []
    skipped_reason = (
        reasons.ensure(db, reasons.PREVIOUSLY_SKIPPED, "system", now) if comeback else ""
    )
    # Fixed before the transaction: a retried transaction keeps the id, so the same decision.
    report_id = store.new_id()
    review_reasons = review.review_reasons(
        body.is_pending_review,
        body.pending_review_because,
        groups,
        report_id,
        sampling or ReviewSampling(),
    )
    day = local_day(now, tz).isoformat()

    report_ref = db.collection(store.REPORTS).document(report_id)
    tries = [0]

    def run(tx: Transaction) -> None:
        tries[0] += 1
        if tries[0] > 1 and report_ref.get(transaction=tx).exists:
            # An earlier try committed, only its answer was lost (the client library re-sends
            # the commit, which then meets its own fence): the report is in, nothing to redo.
            return
        entry, attempt = entries.read_open(db, tx, body.location)
        # Built afresh on every try: a retry may find no open entry, or another one.
        report = Report(
            id=report_id,
            location_id=body.location,
            reported_by=user.uid,
            reporter_email=user.email,
            created_at=now,
            availability=[t.slug for t in found],
            availability_names=[t.name for t in found],
            do_not_call_until=comeback,
            body=body.model_dump(mode="json", by_alias=True, exclude_none=True),
            review_reasons=review_reasons,
            review_status="pending" if review_reasons else None,
            review_key=f"{iso(now)}\x1f{report_id}" if review_reasons else None,
        )
        if entry is not None:
            report.entry_id = entry.id
            report.outcome = "skipped" if comeback else "completed"
            again = None
            if comeback is not None:
                again = entries.new_entry(
                    entry.location_id,
                    entry.state,
                    skipped_reason,
                    entry.priority_group,
                    user.uid,
                    now,
                    # Positions are enqueue times, so "now" puts it at the end of its group.
                    position=now.timestamp(),
                    vest_at=comeback,
                    previous_entry_id=entry.id,
                    queue=entry.queue,
                )
            entries.close(
                db,
                tx,
                entry,
                attempt,
                outcome=report.outcome,
                by=user.uid,
                now=now,
                report_id=report_id,
                requeue=again,
            )
        tx.create(report_ref, report.stored())
        if report.review_status is not None:
            review = caller_figures.REVIEW_COUNTERS[report.review_status]
            entries.count_for_caller(db, tx, user.uid, now, {review: firestore.Increment(1)})
        tx.update(
            location_ref,
            {
                "latest_report_at": now,
                "latest_report_notes": body.notes,
                "latest_internal_notes": body.internal_notes,
                "availability_info": [t.name for t in found],
                "number_of_reports": firestore.Increment(1),
            },
        )
        tx.set(
            db.collection(store.CALLERS).document(user.uid),
            {"reports_total": firestore.Increment(1)},
            merge=True,
        )
        tx.set(
            db.collection(store.CALLER_DAYS).document(caller_day_id(user.uid, day)),
            {"uid": user.uid, "day": day, "reports": firestore.Increment(1)},
            merge=True,
        )

    entries.transact(db, run)
    return report_id


def caller_day_id(uid: str, day: str) -> str:
    return f"{uid}_{day}"


def caller_stats(db: Client, user: User, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """Reports by this caller, all time and today: two counter documents, however many reports."""
    today = local_day(now, tz).isoformat()
    caller_ref = db.collection(store.CALLERS).document(user.uid)
    day_ref = db.collection(store.CALLER_DAYS).document(caller_day_id(user.uid, today))
    found = {s.reference.parent.id: s for s in db.get_all([caller_ref, day_ref])}
    caller = store.load(Caller, found[store.CALLERS])
    day = store.load(CallerDay, found[store.CALLER_DAYS])
    return {
        "total": caller.reports_total if caller else 0,
        "today": day.reports if day else 0,
    }
