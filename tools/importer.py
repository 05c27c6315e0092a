"""Import locations, counties and providers (VaccinateCA export shape, JSON or CSV) into Firestore.

The parsing half is pure (rows in, models and row errors out); the writing half batches
`set(..., merge=True)` writes so a re-import updates documents in place.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from google.api_core.retry import Retry
from pydantic import ValidationError

from shared.adapters.store import COUNTIES, LOCATIONS, MAX_BATCH_WRITES, PROVIDERS, id_problem
from shared.domain.models import DO_NOT_CALL_FIELDS, County, Location, Provider

if TYPE_CHECKING:
    from google.cloud.firestore import Client


class Stored(Protocol):
    """A document model that carries its own Firestore document id."""

    @property
    def id(self) -> str: ...

    def to_firestore(self) -> dict[str, Any]: ...


D = TypeVar("D", bound=Stored)
T = TypeVar("T")
M = TypeVar("M", County, Provider)
Row = Mapping[str, Any]
Progress = Callable[[int], None]

US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa",
    "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
    "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "DC": "District of Columbia",
    "AS": "American Samoa", "GU": "Guam", "MP": "Northern Mariana Islands",
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands",
}  # fmt: skip
_STATE_BY_NAME = {name.casefold(): code for code, name in US_STATES.items()}

# A state is a code in capitals or title case ("CA", "Ca") or a full name, next to a ZIP.
_STATE = r"(?P<state>[A-Z][A-Za-z]|" + "|".join(re.escape(n) for n in US_STATES.values()) + ")"
_ZIP = r"\d{5}(?:-\d{4})?"
_STATE_THEN_ZIP = re.compile(rf"(?<![A-Za-z]){_STATE}\.?,?\s*{_ZIP}(?!\d)", re.IGNORECASE)
# ZIP before state ("Ridgecrest, 93555 CA") only at the very end: "93701 Texas St" is a street.
_ZIP_THEN_STATE = re.compile(rf"(?<!\d){_ZIP},?\s+{_STATE}\.?$", re.IGNORECASE)
# No ZIP: accept the state only as the address's last comma-separated part ("Woodland, CA").
_TRAILING_STATE = re.compile(rf",\s*{_STATE}\.?$", re.IGNORECASE)
_COUNTRY_SUFFIX = re.compile(
    r"(?:[\s,]+(?:United States(?: of America)?|USA|U\.S\.A\.|U\.S\.|US))?[\s,]*$", re.IGNORECASE
)

# Give up on an unreachable Firestore after a minute (the client's default is five).
RPC_RETRY = Retry(initial=0.5, maximum=8.0, multiplier=2.0, timeout=60.0)

_TRUE_WORDS = frozenset({"1", "true", "yes", "y", "t", "checked"})
_FALSE_WORDS = frozenset({"", "0", "false", "no", "n", "f"})


# --------------------------------------------------------------------------- rows and errors


@dataclass(frozen=True)
class RowPosition:
    """Where a row came from: 1-based data row number, and the file line for CSV."""

    source: str
    row: int
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.source} row {self.row}"
        return f"{where} (line {self.line})" if self.line is not None else where


@dataclass(frozen=True)
class Record:
    """One input row with its position; `extra_cells` counts CSV cells beyond the header."""

    position: RowPosition
    data: Any
    extra_cells: int = 0


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field of a row."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


@dataclass(frozen=True)
class RowError:
    """A row that was not imported, and every reason why."""

    position: RowPosition
    row_id: str | None
    problems: tuple[Problem, ...]

    def __str__(self) -> str:
        ident = f" [id {self.row_id}]" if self.row_id else ""
        return f"{self.position}{ident}: " + "; ".join(str(p) for p in self.problems)


class RowInvalid(ValueError):
    """Raised by the row parsers; carries every problem found in the row."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = tuple(problems)


class SourceError(ValueError):
    """A whole input file is unusable (unreadable, not JSON/CSV, wrong top-level shape)."""


# --------------------------------------------------------------------------- reading files


def records_from_json(text: str, source: str) -> list[Record]:
    """Rows of a JSON array of objects (non-object items are kept for the parser to reject)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{source}: not valid JSON ({exc})") from exc
    if not isinstance(data, list):
        raise SourceError(f"{source}: expected a JSON array of objects, got {type(data).__name__}")
    return [Record(RowPosition(source, i), item) for i, item in enumerate(data, start=1)]


def records_from_csv(text: str, source: str) -> list[Record]:
    """Rows of a CSV with a header line; blank lines are skipped, extra cells are an error."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise SourceError(f"{source}: empty CSV file (no header line)") from None
    except csv.Error as exc:
        raise SourceError(f"{source}: unreadable CSV header ({exc})") from exc
    return list(_csv_rows(reader, header, source))


def _csv_rows(reader: Any, header: list[str], source: str) -> Iterator[Record]:
    row_number = 0
    while True:
        # A quoted cell may span lines: the row starts on the line after the previous row.
        line = reader.line_num + 1
        try:
            cells: list[str] = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise SourceError(f"{source} line {line}: unreadable CSV ({exc})") from exc
        if not any(c.strip() for c in cells):
            continue
        row_number += 1
        extra = sum(1 for c in cells[len(header) :] if c.strip())
        data = dict(zip(header, cells, strict=False))
        yield Record(RowPosition(source, row_number, line), data, extra)


def read_records(path: Path) -> list[Record]:
    """Rows of a `.json` or `.csv` file (other names: sniffed from the first character)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    suffix = path.suffix.lower()
    looks_json = suffix == ".json" or (suffix != ".csv" and text.lstrip()[:1] in ("[", "{"))
    if looks_json:
        return records_from_json(text, path.name)
    return records_from_csv(text, path.name)


# --------------------------------------------------------------------------- field coercion


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def text(value: Any) -> str | None:
    """A text cell: strings stripped, lists (the export wraps some notes in one) joined."""
    if value is None:
        return None
    if isinstance(value, list):
        parts = [s for s in (text(v) for v in value) if s]
        return "\n".join(parts) or None
    stripped = str(value).strip()
    return stripped or None


def text_list(value: Any) -> list[str]:
    """A list cell: a list as given, or in CSV a JSON list string or comma-separated text."""
    if value is None:
        return []
    if isinstance(value, list):
        return [s for s in (text(v) for v in value) if s]
    raw = str(value).strip()
    if raw.startswith("["):
        try:
            decoded = json.loads(raw)
        except json.JSONDecodeError:
            decoded = None
        if isinstance(decoded, list):
            return text_list(decoded)
    return [part.strip() for part in raw.split(",") if part.strip()]


def number(value: Any) -> float | None:
    """A finite number, None when absent; ValueError names what was wrong."""
    if not _present(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{value!r} is not a number")
    try:
        result = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not math.isfinite(result):
        raise ValueError(f"{value!r} is not a finite number")
    return result


def flag(value: Any) -> bool:
    """A checkbox cell: 1/0, true/false, yes/no."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    word = str(value or "").strip().casefold()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ValueError(f"{value!r} is not a yes/no value")


def timestamp(value: Any) -> datetime | None:
    """An ISO-8601 timestamp as an aware UTC datetime (naive ones are taken as UTC)."""
    if not _present(value):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO-8601 timestamp") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def state_code(value: str) -> str | None:
    """The two-letter code for a US state/territory code or full name, else None."""
    cleaned = value.strip().rstrip(".")
    if cleaned.upper() in US_STATES and len(cleaned) == 2:
        return cleaned.upper()
    return _STATE_BY_NAME.get(" ".join(cleaned.split()).casefold())


def _state_of(match: re.Match[str]) -> str | None:
    found = match.group("state")
    # Lower-case two-letter words ("in 12345") are ordinary words, not state codes.
    if len(found) == 2 and not found[0].isupper():
        return None
    return state_code(found)


def state_from_address(address: str | None) -> str | None:
    """The state of a US address: the one next to a ZIP nearest the end, else a trailing one."""
    if not address:
        return None
    body = _COUNTRY_SUFFIX.sub("", address)
    at_end = _ZIP_THEN_STATE.search(body)
    if at_end and (code := _state_of(at_end)):
        return code
    codes = [code for m in _STATE_THEN_ZIP.finditer(body) if (code := _state_of(m)) is not None]
    if codes:
        return codes[-1]
    trailing = _TRAILING_STATE.search(body)
    return _state_of(trailing) if trailing else None


def name_key(name: str) -> str:
    """Case- and spacing-insensitive key for matching names."""
    return " ".join(name.split()).casefold()


def county_key(name: str) -> str:
    """Like name_key, and "Fresno" matches "Fresno County"."""
    return name_key(name).removesuffix(" county")


# --------------------------------------------------------------------------- row parsers


class _Fields:
    """Reads one row's fields, collecting problems instead of stopping at the first."""

    def __init__(self, row: Row) -> None:
        self.row = row
        self.problems: list[Problem] = []

    def problem(self, name: str, reason: str) -> None:
        self.problems.append(Problem(name, reason))

    def ident(self) -> str:
        raw = self.row.get("id")
        if isinstance(raw, int | str) and not isinstance(raw, bool):
            value = str(raw).strip()
            if not value:
                self.problem("id", "is empty")
            elif id_problem(value):
                self.problem("id", f"{value!r} cannot be a Firestore document id")
            return value
        self.problem("id", "is missing" if raw is None else f"{raw!r} is not a text id")
        return ""

    def required_text(self, name: str) -> str:
        value = text(self.row.get(name))
        if value is None:
            self.problem(name, "is missing" if name not in self.row else "is empty")
        return value or ""

    def convert(self, name: str, convert: Callable[[Any], Any]) -> Any:
        try:
            return convert(self.row.get(name))
        except ValueError as exc:
            self.problem(name, str(exc))
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
    data: Any, *, default_state: str | None = None, links: Links | None = None
) -> Location:
    """One export row as a Location; RowInvalid lists every problem found."""
    links = links or Links()
    f = _Fields(_as_row(data))
    row = f.row
    ident, name = f.ident(), f.required_text("Name")
    latitude = f.convert("Latitude", number)
    longitude = f.convert("Longitude", number)
    if latitude is not None and not -90 <= latitude <= 90:
        f.problem("Latitude", f"{latitude} is outside -90..90")
    if longitude is not None and not -180 <= longitude <= 180:
        f.problem("Longitude", f"{longitude} is outside -180..180")
    address = text(row.get("Address"))
    state = _location_state(f, address, default_state)
    reports = _number_of_reports(f)
    latest_report_at = f.convert("Latest report", timestamp)
    f.check()
    county, affiliation = text(row.get("County")), text(row.get("Affiliation"))
    return Location(
        id=ident,
        name=name,
        state=state,
        phone=text(row.get("Phone number")),
        address=address,
        county=county,
        county_id=links.county_id(county),
        location_type=text(row.get("Location Type")),
        affiliation=affiliation,
        provider_id=links.provider_id(affiliation),
        latitude=latitude,
        longitude=longitude,
        hours=text(row.get("Hours")),
        website=text(row.get("Website")),
        internal_notes=text(row.get("Internal notes")),
        appointment_instructions=text(row.get("Appointment scheduling instructions")),
        latest_report_at=latest_report_at,
        latest_report_notes=text(row.get("Latest report notes")),
        latest_internal_notes=text(row.get("Latest internal notes")),
        availability_info=text_list(row.get("Availability Info")),
        number_of_reports=reports,
    )


def _location_state(f: _Fields, address: str | None, default_state: str | None) -> str:
    given = text(f.row.get("State"))
    if given is not None:
        code = state_code(given)
        if code is None:
            f.problem("State", f"{given!r} is not a US state or territory code")
        return code or ""
    code = state_from_address(address) or default_state
    if code is None:
        where = "the address shows none" if address else "there is no Address"
        f.problem("State", f"no State field, {where}, and no default state was given")
    return code or ""


def _number_of_reports(f: _Fields) -> int:
    # The export has only a "Has Report" checkbox; a real count wins when a file has one.
    if _present(f.row.get("Number of reports")):
        count = f.convert("Number of reports", number)
        if count is None or count < 0 or count != int(count):
            f.problem("Number of reports", "is not a whole number >= 0")
            return 0
        return int(count)
    return 1 if f.convert("Has Report", flag) else 0


def parse_county(data: Any) -> County:
    """One counties-file row as a County."""
    f = _Fields(_as_row(data))
    ident, name = f.ident(), f.required_text("County")
    f.check()
    return County(
        id=ident,
        name=name,
        vaccine_info_url=text(f.row.get("Vaccine info URL")),
        vaccine_locations_url=text(f.row.get("Vaccine locations URL")),
        notes=text(f.row.get("Notes")),
    )


def parse_provider(data: Any) -> Provider:
    """One providers-file row as a Provider."""
    f = _Fields(_as_row(data))
    ident, name = f.ident(), f.required_text("Provider")
    f.check()
    return Provider(
        id=ident,
        name=name,
        vaccine_info_url=text(f.row.get("Vaccine info URL")),
        public_notes=text(f.row.get("Public Notes")),
        phase=text_list(f.row.get("Phase")),
        network_type=text(f.row.get("Provider network type")),
        last_updated=text(f.row.get("Last Updated")),
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


# --------------------------------------------------------------------------- plan


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
        locations, lambda row: parse_location(row, default_state=default, links=links)
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


# --------------------------------------------------------------------------- Firestore


@dataclass
class ImportSummary:
    """What an import did: documents written per collection and the rows that failed."""

    imported: int = 0
    counties: int = 0
    providers: int = 0
    errors: list[RowError] = field(default_factory=list)
    unlinked_counties: Counter[str] = field(default_factory=Counter)
    unlinked_affiliations: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.errors


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_documents(
    db: Client, collection: str, documents: Sequence[Stored], *, on_written: Progress | None = None
) -> int:
    """Upsert documents at `collection/{id}` in WriteBatch commits of at most 500 writes.

    `merge=True` touches only the model's fields, so fields the app adds later survive
    a re-import. (Not BulkWriter: the local emulator drops its writes silently.)
    """
    written = 0
    ref = db.collection(collection)
    marked = _marked_do_not_call(db) if collection == LOCATIONS else set()
    for chunk in _chunks(documents, MAX_BATCH_WRITES):
        batch = db.batch()
        for document in chunk:
            data = document.to_firestore()
            if collection == LOCATIONS:
                data = _keep_do_not_call(data, document.id in marked)
            batch.set(ref.document(document.id), data, merge=True)
        batch.commit(retry=RPC_RETRY)
        written += len(chunk)
        if on_written is not None:
            on_written(len(chunk))
    return written


def _marked_do_not_call(db: Client) -> set[str]:
    """Locations staff marked do-not-call (few): a re-import must not undo the mark."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = db.collection(LOCATIONS).where(filter=FieldFilter("do_not_call", "==", True))
    return {s.id for s in query.select([]).stream(retry=RPC_RETRY)}


def _keep_do_not_call(data: dict[str, Any], marked: bool) -> dict[str, Any]:
    """A location's imported fields without staff's mark, its callable state kept right."""
    kept = {k: v for k, v in data.items() if k not in DO_NOT_CALL_FIELDS}
    if marked:
        kept["callable_state"] = "do_not_call"
    return kept


def add_callable_state(db: Client) -> int:
    """Give locations stored before `callable_state` existed the field (the console filters on
    it); answers how many changed. Enqueue and the draw decide from phone and mark anyway."""
    from shared.domain import callability

    pending: list[tuple[Any, str]] = []
    fields = ["callable_state", *callability.FIELDS]
    for snapshot in db.collection(LOCATIONS).select(fields).stream(retry=RPC_RETRY):
        data = snapshot.to_dict() or {}
        state = callability.state_of_document(data)
        if data.get("callable_state") != state:
            pending.append((snapshot.reference, state))
    for chunk in _chunks(pending, MAX_BATCH_WRITES):
        batch = db.batch()
        for ref, value in chunk:
            batch.update(ref, {"callable_state": value})
        batch.commit(retry=RPC_RETRY)
    return len(pending)


def stored_counties(db: Client) -> list[County]:
    """Counties already in Firestore (a query: the emulator lacks ListDocuments)."""
    return _stored(db, COUNTIES, County)


def stored_providers(db: Client) -> list[Provider]:
    """Providers already in Firestore."""
    return _stored(db, PROVIDERS, Provider)


def _stored(db: Client, collection: str, model: type[M]) -> list[M]:
    found = []
    for snapshot in db.collection(collection).stream(retry=RPC_RETRY):
        try:
            found.append(model.model_validate((snapshot.to_dict() or {}) | {"id": snapshot.id}))
        except ValidationError:
            continue  # a malformed document cannot be linked to; the import goes on
    return found


def write_plan(
    db: Client, plan: ImportPlan, *, on_written: Progress | None = None
) -> ImportSummary:
    """Write a plan: counties, providers, then locations."""
    return ImportSummary(
        counties=write_documents(db, COUNTIES, plan.counties, on_written=on_written),
        providers=write_documents(db, PROVIDERS, plan.providers, on_written=on_written),
        imported=write_documents(db, LOCATIONS, plan.locations, on_written=on_written),
        errors=list(plan.errors),
        unlinked_counties=Counter(plan.unlinked_counties),
        unlinked_affiliations=Counter(plan.unlinked_affiliations),
    )


def plan_files(
    db: Client | None,
    locations: Path,
    *,
    counties: Path | None = None,
    providers: Path | None = None,
    default_state: str | None = None,
) -> ImportPlan:
    """Read the files and plan the import; with `db`, also link to stored counties/providers."""
    return plan_import(
        read_records(locations),
        counties=read_records(counties) if counties else (),
        providers=read_records(providers) if providers else (),
        default_state=default_state,
        known_counties=stored_counties(db) if db is not None else (),
        known_providers=stored_providers(db) if db is not None else (),
    )


def import_files(
    db: Client,
    locations: Path,
    *,
    counties: Path | None = None,
    providers: Path | None = None,
    default_state: str | None = None,
    on_written: Progress | None = None,
) -> ImportSummary:
    """Read, parse, link and write in one call; invalid rows are reported, the rest written."""
    plan = plan_files(
        db, locations, counties=counties, providers=providers, default_state=default_state
    )
    return write_plan(db, plan, on_written=on_written)
