"""submitReport and callerStats: a caller's report completes (or reschedules) the queue entry."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared import leases, reasons, store, tags
from shared.auth import User
from shared.clock import local_day
from shared.errors import BadRequest, Conflict
from shared.models import Entry

if TYPE_CHECKING:
    from google.cloud.firestore import Client, Transaction

MAX_CLOSE_RETRIES = 3

_rng = random.SystemRandom()

Vaccine = Literal["Moderna", "Pfizer", "Johnson & Johnson", "Other"]


class ReportBody(BaseModel):
    """A report as the caller app (and older clients) send it; spaced names are aliases."""

    # Unknown keys are ignored: older clients send fields this service does not use.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    location: store.DocumentId = Field(alias="Location")
    availability: list[str] = Field(alias="Availability")
    notes: str | None = Field(None, alias="Notes")
    internal_notes: str | None = Field(None, alias="Internal Notes")
    do_not_call_until: datetime | None = Field(None, alias="Do not call until")
    appointment_instructions: str | None = Field(None, alias="Appointment scheduling instructions")
    appointments_by_phone: bool | None = Field(None, alias="Appointments by phone?")
    vaccines_offered: list[Vaccine] | None = None
    web: str | None = None
    website: str | None = None
    address: str | None = None
    full_address: str | None = None
    hours: str | None = None
    restriction_notes: str | None = None
    pending_review_because: str | None = None
    county: str | None = Field(None, alias="County")
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
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def reschedule_at(
    tag_slugs: set[str], do_not_call_until: datetime | None, now: datetime
) -> datetime | None:
    """When the location should come back, if the report asks for a call back later."""
    if tags.SKIP_CALL_BACK_LATER not in tag_slugs or do_not_call_until is None:
        return None
    return do_not_call_until if do_not_call_until > now else None


def submit_report(db: Client, user: User, body: ReportBody, now: datetime, tz: ZoneInfo) -> str:
    """Store the report and close the location's open entry in the same transaction."""
    from google.api_core.exceptions import AlreadyExists
    from google.cloud import firestore

    found = tags.resolve_all(body.availability)
    slugs = {t.slug for t in found}
    comeback = reschedule_at(slugs, body.do_not_call_until, now)
    location_ref = db.collection(store.LOCATIONS).document(body.location)
    if not location_ref.get(field_paths=["state"]).exists:
        raise BadRequest(
            f"Location: there is no location with id {body.location!r}.", error="unknown_location"
        )
    skipped_reason = (
        reasons.ensure(db, reasons.PREVIOUSLY_SKIPPED, "system", now) if comeback else ""
    )
    report_id = store.new_id()
    report = {
        "location_id": body.location,
        "reported_by": user.uid,
        "reporter_email": user.email,
        "created_at": now,
        "availability": [t.slug for t in found],
        "availability_names": [t.name for t in found],
        "do_not_call_until": comeback,
        "body": body.model_dump(mode="json", by_alias=True, exclude_none=True),
    }
    day = local_day(now, tz).isoformat()

    @firestore.transactional
    def run(tx: Transaction) -> None:
        guard_ref = db.collection(store.OPEN_ENTRIES).document(body.location)
        guard = guard_ref.get(transaction=tx)
        entry: Entry | None = None
        if guard.exists:
            entry_id = (guard.to_dict() or {}).get("entry_id")
            if entry_id:
                entry_ref = db.collection(store.ENTRIES).document(str(entry_id))
                entry = store.load(Entry, entry_ref.get(transaction=tx))
        record = dict(report)  # built afresh on every try: a retry may find no open entry
        if entry is not None and entry.open:
            _close(db, tx, entry, user.uid, report_id, now, comeback, skipped_reason)
            record["entry_id"] = entry.id
            record["outcome"] = "skipped" if comeback else "completed"
        tx.create(db.collection(store.REPORTS).document(report_id), record)
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

    for _ in range(MAX_CLOSE_RETRIES):
        try:
            run(db.transaction())
        except AlreadyExists:
            # Another report closed the entry first; read again and act on what is open now.
            continue
        return report_id
    raise Conflict(
        "Other reports for this location arrived at the same time; please submit again.",
        error="busy",
    )


def _close(
    db: Client,
    tx: Transaction,
    entry: Entry,
    uid: str,
    report_id: str,
    now: datetime,
    comeback: datetime | None,
    skipped_reason: str,
) -> None:
    """Close an open entry for a report; with `comeback`, queue the location again from then."""
    outcome = "skipped" if comeback else "completed"
    # Created first: the fence that lets exactly one closer act on backends without isolation.
    tx.create(
        db.collection(store.CLOSURES).document(entry.id),
        {
            "entry_id": entry.id,
            "location_id": entry.location_id,
            "outcome": outcome,
            "report_id": report_id,
            "closed_by": uid,
            "closed_at": now,
        },
    )
    tx.update(
        db.collection(store.ENTRIES).document(entry.id),
        {
            "open": False,
            "status": "completed",
            "outcome": outcome,
            "closed_at": now,
            "closed_by": uid,
            "report_id": report_id,
        },
    )
    if entry.holder == uid and entry.claim_seq > 0:
        tx.update(
            db.collection(store.ATTEMPTS).document(leases.attempt_id(entry.id, entry.claim_seq)),
            {"outcome": outcome, "ended_at": now, "report_id": report_id},
        )
    guard_ref = db.collection(store.OPEN_ENTRIES).document(entry.location_id)
    if comeback is None:
        tx.delete(guard_ref)
        return
    again = Entry(
        id=store.new_id(),
        location_id=entry.location_id,
        state=entry.state,
        reason=skipped_reason,
        priority_group=entry.priority_group,
        # Positions are enqueue times, so "now" puts it at the end of its group.
        position=now.timestamp(),
        vest_at=comeback,
        available_at=comeback,
        rand=_rng.random(),
        added_by=uid,
        added_at=now,
        previous_entry_id=entry.id,
    )
    tx.create(db.collection(store.ENTRIES).document(again.id), again.model_dump(exclude={"id"}))
    tx.set(guard_ref, {"entry_id": again.id, "location_id": entry.location_id, "added_at": now})


def caller_day_id(uid: str, day: str) -> str:
    return f"{uid}_{day}"


def caller_stats(db: Client, user: User, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """Reports by this caller, all time and today: two counter documents, however many reports."""
    today = local_day(now, tz).isoformat()
    refs = [
        db.collection(store.CALLERS).document(user.uid),
        db.collection(store.CALLER_DAYS).document(caller_day_id(user.uid, today)),
    ]
    found = {s.reference.parent.id: (s.to_dict() or {}) for s in db.get_all(refs) if s.exists}
    return {
        "total": int(found.get(store.CALLERS, {}).get("reports_total") or 0),
        "today": int(found.get(store.CALLER_DAYS, {}).get("reports") or 0),
    }
