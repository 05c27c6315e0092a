"""VaccinateCA's field names beside ours: its 2021 export and the caller app name a location's,
county's and provider's fields so; the importer reads and the caller view writes by this table."""

from __future__ import annotations

from typing import Final

# Location field -> VaccinateCA name.
LOCATION: Final = {
    "id": "id",
    "name": "Name",
    "phone": "Phone number",
    "address": "Address",
    "internal_notes": "Internal notes",
    "hours": "Hours",
    "website": "Website",
    "state": "State",
    "county": "County",
    "location_type": "Location Type",
    "affiliation": "Affiliation",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "appointment_instructions": "Appointment scheduling instructions",
    "latest_report_at": "Latest report",
    "latest_report_notes": "Latest report notes",
    "latest_internal_notes": "Latest Internal Notes",
    "availability_info": "Availability Info",
    "number_of_reports": "Number of Reports",
    "timezone": "timezone",
}
# The export has no report count, only this checkbox.
HAS_REPORT: Final = "Has Report"

# County field -> VaccinateCA name.
COUNTY: Final = {
    "id": "id",
    "name": "County",
    "vaccine_info_url": "Vaccine info URL",
    "vaccine_locations_url": "Vaccine locations URL",
    "notes": "Notes",
}

# Provider field -> VaccinateCA name.
PROVIDER: Final = {
    "id": "id",
    "name": "Provider",
    "vaccine_info_url": "Vaccine info URL",
    "public_notes": "Public Notes",
    "phase": "Phase",
    "network_type": "Provider network type",
    "last_updated": "Last Updated",
}
