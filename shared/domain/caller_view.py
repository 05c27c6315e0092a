"""The caller app's view of a location: the exact keys of the caller contract (no I/O)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from shared.base.answers import Answer, Moment, NoRecord
from shared.base.clock import iso
from shared.domain.contact_hours import zone_for
from shared.domain.models import County, Entry, Location, Provider
from shared.domain.vaccinateca_fields import COUNTY as C
from shared.domain.vaccinateca_fields import LOCATION as L
from shared.domain.vaccinateca_fields import PROVIDER as P

# The zone shown for a location stored before zones were set from coordinates.
_VIEW_FALLBACK_ZONE = "America/Los_Angeles"


def zone_name(state: str | None, longitude: float | None) -> str:
    """The zone shown when the location stores none: its state's, else its longitude's."""
    return zone_for(state, longitude, _VIEW_FALLBACK_ZONE).key


class CountyRecord(Answer):
    id: str
    County: str
    vaccine_info_url: str | None = Field(alias="Vaccine info URL")
    vaccine_locations_url: str | None = Field(alias="Vaccine locations URL")
    Notes: str | None


class ProviderRecord(Answer):
    id: str
    Provider: str
    vaccine_info_url: str | None = Field(alias="Vaccine info URL")
    public_notes: str | None = Field(alias="Public Notes")
    Phase: list[str]
    network_type: str | None = Field(alias="Provider network type")
    last_updated: str | None = Field(alias="Last Updated")


class LeaseView(Answer):
    """The lease object later calls (extend, release) take back as their body."""

    entry_id: str
    claim_seq: int
    claimed_until: Moment
    # Absent when the lease has no upper bound.
    max_claimed_until: Moment | None = None


class QueueEntryView(Answer):
    reason: str
    priority_group: int


class CallView(Answer):
    """requestCall's answer: the caller contract's location, keys as the app reads them."""

    id: str
    Name: str
    phone: str | None = Field(alias="Phone number")
    Address: str | None
    internal_notes: str | None = Field(alias="Internal notes")
    Hours: str | None
    Website: str | None
    State: str
    County: str | None
    location_type: str | None = Field(alias="Location Type")
    Affiliation: str | None
    latest_report: Moment | None = Field(alias="Latest report")
    latest_report_notes: list[str | None] = Field(alias="Latest report notes")
    county_info_url: list[str | None] = Field(alias="County vaccine info URL")
    county_locations_url: list[str | None] = Field(alias="County Vaccine locations URL")
    latest_internal_notes: list[str | None] = Field(alias="Latest Internal Notes")
    availability_info: list[str] = Field(alias="Availability Info")
    number_of_reports: int = Field(alias="Number of Reports")
    county_record: CountyRecord | NoRecord
    provider_record: ProviderRecord | NoRecord
    timezone: str
    confirm_address: bool
    confirm_hours: bool
    confirm_website: bool
    # Only with a new or held claim (not with no_claim or location_id).
    lease: LeaseView | None = None
    queue_entry: QueueEntryView | None = None
    # Only with a claim this request made: the claim transactions it tried (benchmarks read it).
    claim_attempts: int | None = None


def county_record(county: County | None) -> dict[str, Any]:
    if county is None:
        return {}
    return {
        C["id"]: county.id,
        C["name"]: county.name,
        C["vaccine_info_url"]: county.vaccine_info_url,
        C["vaccine_locations_url"]: county.vaccine_locations_url,
        C["notes"]: county.notes,
    }


def provider_record(provider: Provider | None) -> dict[str, Any]:
    if provider is None:
        return {}
    return {
        P["id"]: provider.id,
        P["name"]: provider.name,
        P["vaccine_info_url"]: provider.vaccine_info_url,
        P["public_notes"]: provider.public_notes,
        P["phase"]: list(provider.phase),
        P["network_type"]: provider.network_type,
        P["last_updated"]: provider.last_updated,
    }


def lease(entry: Entry) -> dict[str, Any]:
    """The lease object later calls (extend, release) take back as their body."""
    assert entry.claimed_until is not None
    body = {
        "entry_id": entry.id,
        "claim_seq": entry.claim_seq,
        "claimed_until": iso(entry.claimed_until),
    }
    if entry.lease_limit is not None:
        # Lets the app offer extendCall while claimed_until is before this.
        body["max_claimed_until"] = iso(entry.lease_limit)
    return body


def present(
    location: Location,
    county: County | None,
    provider: Provider | None,
    entry: Entry | None = None,
) -> dict[str, Any]:
    """One location as the caller app reads it, plus `lease` when `entry` is claimed."""
    body: dict[str, Any] = {
        L["id"]: location.id,
        L["name"]: location.name,
        L["phone"]: location.phone,
        L["address"]: location.address,
        L["internal_notes"]: location.internal_notes,
        L["hours"]: location.hours,
        L["website"]: location.website,
        L["state"]: location.state,
        L["county"]: location.county,
        L["location_type"]: location.location_type,
        L["affiliation"]: location.affiliation,
        L["latest_report_at"]: iso(location.latest_report_at)
        if location.latest_report_at
        else None,
        L["latest_report_notes"]: [location.latest_report_notes or None],
        # The app's own names for the county's links (not export fields).
        "County vaccine info URL": [county.vaccine_info_url if county else None],
        "County Vaccine locations URL": [county.vaccine_locations_url if county else None],
        L["latest_internal_notes"]: [location.latest_internal_notes or None],
        L["availability_info"]: list(location.availability_info),
        L["number_of_reports"]: location.number_of_reports,
        "county_record": county_record(county),
        "provider_record": provider_record(provider),
        L["timezone"]: location.timezone or zone_name(location.state, location.longitude),
        # Ask the caller to confirm what we already hold, so stale details get corrected.
        "confirm_address": location.address is not None,
        "confirm_hours": location.hours is not None,
        "confirm_website": location.website is not None,
    }
    if entry is not None and entry.claimed_until is not None:
        body["lease"] = lease(entry)
        body["queue_entry"] = {
            "reason": entry.reason,
            "priority_group": entry.priority_group,
        }
    return body
