"""The availability tag vocabulary of the caller contract and matching of client strings to tags."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from shared.base.errors import BadRequest


@dataclass(frozen=True)
class Tag:
    slug: str
    name: str
    previous_name: str | None = None


SKIP_CALL_BACK_LATER = "skip_call_back_later"

_AGES = (16, 18, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85)

TAGS: tuple[Tag, ...] = (
    Tag("only_staff", "Only vaccinating staff", "No: only vaccinating staff"),
    Tag("not_open_to_the_public", "Not open to the public", "No: not open to the public"),
    Tag(
        "only_health_care_workers",
        "Only vaccinating health care workers",
        "No: only vaccinating health care workers",
    ),
    Tag("no_vaccine_inventory", "No vaccine inventory", "No: no vaccine inventory"),
    Tag(
        "incorrect_contact_information",
        "Incorrect contact information",
        "No: incorrect contact information",
    ),
    Tag(
        "location_permanently_closed",
        "Location permanently closed",
        "No: location permanently closed",
    ),
    Tag(
        "will_never_be_a_vaccination_site",
        "Will never be a vaccination site",
        "No: will never be a vaccination site",
    ),
    Tag(
        "may_be_a_vaccination_site_in_the_future",
        "May be a vaccination site in the future",
        "No: may be a vaccination site in the future",
    ),
    Tag("walk_ins_accepted", "Walk-ins accepted", "Yes: walk-ins accepted"),
    Tag("walk_ins_only", "Walk-ins only"),
    Tag("appointment_required", "Appointment required", "Yes: appointment required"),
    Tag(
        "appointments_or_walkins",
        "Appointments or walk-ins accepted",
        "Yes: appointments or walk-ins accepted",
    ),
    Tag("appointments_available", "Appointments available", "Yes: appointments available"),
    Tag(
        "appointment_calendar_currently_full",
        "Appointment calendar currently full",
        "Yes: appointment calendar currently full",
    ),
    Tag("coming_soon", "Coming soon", "Yes: coming soon"),
    *(Tag(f"vaccinating_{n}_plus", f"Vaccinating {n}+", f"Yes: vaccinating {n}+") for n in _AGES),
    Tag(
        "restricted_to_county_residents",
        "Restricted to county residents",
        "Yes: restricted to county residents",
    ),
    Tag(
        "restricted_to_city_residents",
        "Restricted to city residents",
        "Yes: restricted to city residents",
    ),
    Tag("must_be_a_current_patient", "Must be a current patient", "Yes: must be a current patient"),
    Tag("must_be_a_veteran", "Must be a veteran", "Yes: must be a veteran"),
    Tag(
        "vaccinating_essential_workers",
        "Vaccinating essential workers",
        "Yes: Vaccinating essential workers",
    ),
    Tag("emergency_service_workers", "Vaccinating emergency services workers"),
    Tag("education_childcare_workers", "Vaccinating education and childcare workers"),
    Tag(
        "scheduling_second_dose_only",
        "Scheduling second dose only",
        "Yes: Scheduling second dose only",
    ),
    Tag("eligibility_state_website", "Eligibility determined by state website"),
    Tag("eligibility_county_website", "Eligibility determined by county website"),
    Tag("eligibility_provider_website", "Eligibility determined by provider website"),
    Tag(SKIP_CALL_BACK_LATER, "Call back later", "Skip: call back later"),
)


def _key(text: str) -> str:
    # Case and surrounding/internal runs of whitespace are not meaningful to callers.
    return " ".join(text.split()).casefold()


@cache
def _index() -> dict[str, Tag]:
    index: dict[str, Tag] = {}
    for tag in TAGS:
        for spelling in (tag.slug, tag.name, tag.previous_name):
            if spelling is not None:
                index[_key(spelling)] = tag
    return index


def find(text: str) -> Tag | None:
    """The tag a client string names (slug, display name or old prefixed name), if any."""
    return _index().get(_key(text))


def resolve_all(values: list[str], field: str = "Availability") -> list[Tag]:
    """Every tag named in `values`, in order without repeats; BadRequest naming unknown ones."""
    unknown = [v for v in values if find(v) is None]
    if unknown:
        names = ", ".join(repr(v) for v in unknown)
        raise BadRequest(
            f"{field}: unknown availability tag {names}; use a slug, display name or old name "
            "from the caller contract.",
            error="unknown_tag",
        )
    seen: dict[str, Tag] = {}
    for value in values:
        tag = find(value)
        assert tag is not None
        seen.setdefault(tag.slug, tag)
    return list(seen.values())
