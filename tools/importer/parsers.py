"""Export rows as Location, County and Provider models, every problem of a row collected."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from shared.adapters.store import id_problem
from shared.domain import vaccinateca_fields as names
from shared.domain.models import County, Location, Provider
from tools.importer.cells import (
    county_key,
    flag,
    name_key,
    number,
    present,
    text,
    text_list,
    timestamp,
)
from tools.importer.rows import Problem, Record, RowError, RowInvalid, RowPosition
from tools.importer.states import state_code, state_from_address
from tools.importer.time_zones import DEFAULT_ZONE, location_zone


class Stored(Protocol):
    """A document model that carries its own Firestore document id."""

    @property
    def id(self) -> str: ...

    def to_firestore(self) -> dict[str, Any]: ...


D = TypeVar("D", bound=Stored)
Row = Mapping[str, Any]


class _Fields:
    """Reads one row's fields by their VaccinateCA names (in any letter case), collecting
    problems instead of stopping at the first."""

    def __init__(self, row: Row, table: Mapping[str, str]) -> None:
        self.row = row
        self.table = table
        self.problems: list[Problem] = []
        self._folded = {str(key).casefold(): key for key in row}

    def name(self, ours: str) -> str:
        return self.table.get(ours, ours)

    def has(self, ours: str) -> bool:
        return self.name(ours).casefold() in self._folded

    def get(self, ours: str) -> Any:
        key = self._folded.get(self.name(ours).casefold())
        return None if key is None else self.row[key]

    def text(self, ours: str) -> str | None:
        return text(self.get(ours))

    def problem(self, ours: str, reason: str) -> None:
        self.problems.append(Problem(self.name(ours), reason))

    def ident(self) -> str:
        raw = self.get("id")
        if isinstance(raw, int | str) and not isinstance(raw, bool):
            value = str(raw).strip()
            if not value:
                self.problem("id", "is empty")
            elif id_problem(value):
                self.problem("id", f"{value!r} cannot be a Firestore document id")
            return value
        self.problem("id", "is missing" if raw is None else f"{raw!r} is not a text id")
        return ""

    def required_text(self, ours: str) -> str:
        value = self.text(ours)
        if value is None:
            self.problem(ours, "is empty" if self.has(ours) else "is missing")
        return value or ""

    def convert(self, ours: str, convert: Callable[[Any], Any]) -> Any:
        try:
            return convert(self.get(ours))
        except ValueError as exc:
            self.problem(ours, str(exc))
            return None

    def check(self) -> None:
        if self.problems:
            raise RowInvalid(self.problems)


def _as_row(data: Any) -> Row:
    if not isinstance(data, Mapping):
        raise RowInvalid([Problem("(row)", f"expected an object, got {type(data).__name__}")])
    return data


@dataclass(frozen=True)
class Links:
    """Name -> document id indexes used to link locations to counties and providers."""

    counties: Mapping[str, str] = field(default_factory=dict)
    providers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, counties: Iterable[County], providers: Iterable[Provider]) -> Links:
        """Later entries win, so file rows override documents already stored."""
        return cls(
            counties={county_key(c.name): c.id for c in counties},
            providers={name_key(p.name): p.id for p in providers},
        )

    def county_id(self, county: str | None) -> str | None:
        return self.counties.get(county_key(county)) if county else None

    def provider_id(self, affiliation: str | None) -> str | None:
        return self.providers.get(name_key(affiliation)) if affiliation else None


def parse_location(
    data: Any,
    *,
    default_state: str | None = None,
    links: Links | None = None,
    fallback_zone: str = DEFAULT_ZONE,
) -> Location:
    """One export row as a Location, its time zone from its coordinates; RowInvalid lists
    every problem found."""
    links = links or Links()
    f = _Fields(_as_row(data), names.LOCATION)
    ident, name = f.ident(), f.required_text("name")
    latitude = f.convert("latitude", number)
    longitude = f.convert("longitude", number)
    if latitude is not None and not -90 <= latitude <= 90:
        f.problem("latitude", f"{latitude} is outside -90..90")
    if longitude is not None and not -180 <= longitude <= 180:
        f.problem("longitude", f"{longitude} is outside -180..180")
    address = f.text("address")
    state = _location_state(f, address, default_state)
    reports = _number_of_reports(f)
    latest_report_at = f.convert("latest_report_at", timestamp)
    f.check()
    county, affiliation = f.text("county"), f.text("affiliation")
    return Location(
        id=ident,
        name=name,
        state=state,
        phone=f.text("phone"),
        address=address,
        county=county,
        county_id=links.county_id(county),
        location_type=f.text("location_type"),
        affiliation=affiliation,
        provider_id=links.provider_id(affiliation),
        latitude=latitude,
        longitude=longitude,
        hours=f.text("hours"),
        website=f.text("website"),
        internal_notes=f.text("internal_notes"),
        appointment_instructions=f.text("appointment_instructions"),
        latest_report_at=latest_report_at,
        latest_report_notes=f.text("latest_report_notes"),
        latest_internal_notes=f.text("latest_internal_notes"),
        availability_info=text_list(f.get("availability_info")),
        number_of_reports=reports,
        timezone=location_zone(latitude, longitude, state, fallback_zone),
    )


def _location_state(f: _Fields, address: str | None, default_state: str | None) -> str:
    given = f.text("state")
    if given is not None:
        code = state_code(given)
        if code is None:
            f.problem("state", f"{given!r} is not a US state or territory code")
        return code or ""
    code = state_from_address(address) or default_state
    if code is None:
        where = "the address shows none" if address else "there is no Address"
        f.problem("state", f"no State field, {where}, and no default state was given")
    return code or ""


def _number_of_reports(f: _Fields) -> int:
    # The export has only a "Has Report" checkbox; a real count wins when a file has one.
    if present(f.get("number_of_reports")):
        count = f.convert("number_of_reports", number)
        if count is None or count < 0 or count != int(count):
            f.problem("number_of_reports", "is not a whole number >= 0")
            return 0
        return int(count)
    return 1 if f.convert(names.HAS_REPORT, flag) else 0


def parse_county(data: Any) -> County:
    """One counties-file row as a County."""
    f = _Fields(_as_row(data), names.COUNTY)
    ident, name = f.ident(), f.required_text("name")
    f.check()
    return County(
        id=ident,
        name=name,
        vaccine_info_url=f.text("vaccine_info_url"),
        vaccine_locations_url=f.text("vaccine_locations_url"),
        notes=f.text("notes"),
    )


def parse_provider(data: Any) -> Provider:
    """One providers-file row as a Provider."""
    f = _Fields(_as_row(data), names.PROVIDER)
    ident, name = f.ident(), f.required_text("name")
    f.check()
    return Provider(
        id=ident,
        name=name,
        vaccine_info_url=f.text("vaccine_info_url"),
        public_notes=f.text("public_notes"),
        phase=text_list(f.get("phase")),
        network_type=f.text("network_type"),
        last_updated=f.text("last_updated"),
    )


@dataclass
class Parsed(Generic[D]):
    """Documents parsed from one file, and the rows that failed."""

    documents: list[D] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def parse_records(records: Iterable[Record], parse: Callable[[Any], D]) -> Parsed[D]:
    """Parse every row; a bad row becomes a RowError and the others still parse."""
    result: Parsed[D] = Parsed()
    first_seen: dict[str, RowPosition] = {}
    for record in records:
        problems: list[Problem] = []
        if record.extra_cells:
            problems.append(Problem("(row)", f"{record.extra_cells} cell(s) beyond the header"))
        try:
            document = parse(record.data)
        except RowInvalid as exc:
            problems.extend(exc.problems)
        else:
            if document.id in first_seen:
                problems.append(Problem("id", f"duplicate of {first_seen[document.id]}"))
        if problems:
            result.errors.append(RowError(record.position, _row_id(record.data), tuple(problems)))
            continue
        first_seen[document.id] = record.position
        result.documents.append(document)
    return result


def _row_id(data: Any) -> str | None:
    if isinstance(data, Mapping):
        return text(data.get("id"))
    return None
