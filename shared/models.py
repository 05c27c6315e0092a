"""Pydantic models for Firestore documents; API bodies live beside the service that reads them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PRIORITY_GROUPS: tuple[int, ...] = (1, 2, 3, 4, 99)
DEFAULT_PRIORITY_GROUP = 99

Outcome = Literal["completed", "skipped", "released", "expired"]
EntryStatus = Literal["open", "completed", "removed"]


class Document(BaseModel):
    """Base for stored documents: tolerant of fields added later, strict on types."""

    model_config = ConfigDict(extra="ignore")

    def to_firestore(self) -> dict[str, Any]:
        return self.model_dump(mode="python")


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
    timezone: str = "America/Los_Angeles"


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
    position: float
    vest_at: datetime
    available_at: datetime
    rand: float
    open: bool = True
    status: EntryStatus = "open"
    added_by: str
    added_at: datetime
    holder: str | None = None
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


class Attempt(Document):
    """`attempts/{entry_id}-{claim_seq}`: one claim of an entry; created first in the claim."""

    entry_id: str
    location_id: str
    claim_seq: int
    holder: str
    claimed_at: datetime
    claimed_until: datetime
    outcome: Outcome | None = None
    ended_at: datetime | None = None
    report_id: str | None = None
    extensions: int = 0


class Reason(Document):
    """`reasons/{slug}`: why staff put a location in the queue."""

    id: str
    name: str
    created_at: datetime
    created_by: str
