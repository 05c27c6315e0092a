"""An import worked out before any write: parsed, linked documents and the rows that failed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from shared.domain.models import County, Location, Provider
from tools.importer.parsers import (
    Links,
    parse_county,
    parse_location,
    parse_provider,
    parse_records,
)
from tools.importer.rows import Record, RowError
from tools.importer.states import state_code
from tools.importer.time_zones import DEFAULT_ZONE


@dataclass
class ImportPlan:
    """Everything an import will write, worked out before any write."""

    locations: list[Location] = field(default_factory=list)
    counties: list[County] = field(default_factory=list)
    providers: list[Provider] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    unlinked_counties: Counter[str] = field(default_factory=Counter)
    unlinked_affiliations: Counter[str] = field(default_factory=Counter)

    @property
    def total_writes(self) -> int:
        return len(self.locations) + len(self.counties) + len(self.providers)


def plan_import(
    locations: Iterable[Record],
    *,
    counties: Iterable[Record] = (),
    providers: Iterable[Record] = (),
    default_state: str | None = None,
    known_counties: Iterable[County] = (),
    known_providers: Iterable[Provider] = (),
    fallback_zone: str = DEFAULT_ZONE,
) -> ImportPlan:
    """Parse and link every row (pure): counties and providers first, then the locations."""
    if default_state is not None and state_code(default_state) is None:
        raise ValueError(f"default state {default_state!r} is not a US state or territory code")
    default = state_code(default_state) if default_state else None
    county_rows = parse_records(counties, parse_county)
    provider_rows = parse_records(providers, parse_provider)
    links = Links.build(
        [*known_counties, *county_rows.documents], [*known_providers, *provider_rows.documents]
    )
    location_rows = parse_records(
        locations,
        lambda row: parse_location(
            row, default_state=default, links=links, fallback_zone=fallback_zone
        ),
    )
    plan = ImportPlan(
        locations=location_rows.documents,
        counties=county_rows.documents,
        providers=provider_rows.documents,
        errors=[*county_rows.errors, *provider_rows.errors, *location_rows.errors],
    )
    for loc in plan.locations:
        if loc.county and loc.county_id is None:
            plan.unlinked_counties[loc.county] += 1
        if loc.affiliation and loc.provider_id is None:
            plan.unlinked_affiliations[loc.affiliation] += 1
    return plan
