"""The importer's pure half: state derivation, row validation, CSV reading, linking."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.domain.models import County, Provider
from tools import importer
from tools.importer import Links, Record, RowPosition

GOOD: dict[str, Any] = {
    "id": "locGood0000000001",
    "Name": "Example Pharmacy #12",
    "Address": "100 Main St, Fresno, CA 93701",
    "County": "Fresno County",
    "Latitude": 36.74,
    "Longitude": -119.78,
    "Location Type": "Pharmacy",
    "Affiliation": "Example Drug",
    "Has Report": 1,
    "Latest report": "2021-02-19T18:52:51.000Z",
    "Latest report notes": ["Feb 19: appointments online."],
    "Availability Info": ["Yes: appointment required", "Yes: vaccinating 65+"],
    "Appointment scheduling instructions": ["https://example.org/book"],
}


def row(**changes: Any) -> dict[str, Any]:
    """GOOD with some fields changed; a value of None removes the field."""
    data = {**GOOD, **changes}
    return {k: v for k, v in data.items() if v is not None}


def records(*rows: Any) -> list[Record]:
    return [Record(RowPosition("test.json", i), r) for i, r in enumerate(rows, start=1)]


# --------------------------------------------------------------------------- state


@pytest.mark.parametrize(
    ("address", "state"),
    [
        ("12761 Schabarum Ave Plaza Level RM 1100, Irwindale, CA 91706", "CA"),
        ("901 Silver Spur Rd., Rolling Hills Estates CA, 90274", "CA"),
        ("701 E. Camino Real\nMountain View, CA. 94040", "CA"),
        ("43563 Highway 299 East , Fall River Mills, Ca 96028\n", "CA"),
        ("970 Plumas St, ,\nYuba City, California, 95991-4019", "CA"),
        ("1 Buchanan Street, Albany, California 94706, United States", "CA"),
        ("1081 N China Lake Blvd, Ridgecrest, 93555 CA", "CA"),
        ("2901 Silent Ave Suite 201\nBakersfield 93308 CA \n", "CA"),
        ("1 Main St, Fresno, CA 93701, United States", "CA"),
        ("9 Elm St, Boise 83702 ID, USA", "ID"),
        ("632 W. Gibson Rd. Woodland, CA", "CA"),
        ("1 Research Campus, Davis, CAMPUS", None),
        ("Los Angeles, CA, USA", "CA"),
        ("350 5th Ave, New York, NY 10118", "NY"),
        ("1 Plaza Colon, San Juan, PR 00901", "PR"),
        ("200 Oak St, Portland, Oregon 97204", "OR"),
        # A street named after a state, or a state-like word, must not win over the real one.
        ("12345 Texas St, Fresno, CA 93701", "CA"),
        ("500 Ct 12345 Rear Bldg, Reno, NV 89501", "NV"),
        # Unknown code, no state at all, a 4-digit ZIP, a lower-case word: nothing derived.
        ("1 Main St, Springfield, ZZ 12345", None),
        ("1441 Constitution Blvd, Salinas 93906", None),
        ("365 E Washington St, Petaluma, CA 9495", None),
        ("Booth in 12345 Main Hall", None),
        ("", None),
        (None, None),
    ],
)
def test_state_from_address(address: str | None, state: str | None) -> None:
    assert importer.state_from_address(address) == state


@pytest.mark.parametrize(
    ("value", "code"),
    [("CA", "CA"), ("ca", "CA"), ("California", "CA"), ("new  york", "NY"), ("ZZ", None)],
)
def test_state_code(value: str, code: str | None) -> None:
    assert importer.state_code(value) == code


def test_state_field_wins_over_address() -> None:
    location = importer.parse_location(row(State="nv"))
    assert location.state == "NV"


def test_default_state_only_when_address_shows_none() -> None:
    no_state = importer.parse_location(row(Address="1 Main St, Salinas 93906"), default_state="CA")
    shown = importer.parse_location(row(Address="9 Elm St, Reno, NV 89501"), default_state="CA")
    assert (no_state.state, shown.state) == ("CA", "NV")


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"id": None}, "id", "is missing"),
        ({"id": "  "}, "id", "is empty"),
        ({"id": "a/b"}, "id", "cannot be a Firestore document id"),
        ({"id": ["x"]}, "id", "not a text id"),
        ({"Name": None}, "Name", "is missing"),
        ({"Name": ""}, "Name", "is empty"),
        ({"Latitude": "abc"}, "Latitude", "'abc' is not a number"),
        ({"Latitude": 91.5}, "Latitude", "outside -90..90"),
        ({"Latitude": True}, "Latitude", "not a number"),
        ({"Longitude": "nan"}, "Longitude", "not a finite number"),
        ({"Longitude": -200}, "Longitude", "outside -180..180"),
        ({"Address": None}, "State", "there is no Address"),
        ({"Address": "1 Main St, Salinas 93906"}, "State", "the address shows none"),
        ({"State": "ZZ"}, "State", "not a US state"),
        ({"Latest report": "last Tuesday"}, "Latest report", "not an ISO-8601 timestamp"),
        ({"Has Report": "maybe"}, "Has Report", "not a yes/no value"),
        ({"Number of reports": "-2"}, "Number of Reports", "whole number"),
    ],
)
def test_invalid_row_names_the_field(changes: dict[str, Any], field: str, reason: str) -> None:
    with pytest.raises(importer.RowInvalid) as caught:
        importer.parse_location(row(**changes))
    assert [(p.field, reason in p.reason) for p in caught.value.problems] == [(field, True)]


def test_every_problem_of_a_row_is_reported() -> None:
    with pytest.raises(importer.RowInvalid) as caught:
        importer.parse_location(row(id=None, Latitude="north", Address=None))
    assert [p.field for p in caught.value.problems] == ["id", "Latitude", "State"]


def test_bad_rows_are_reported_by_position_and_the_rest_parse() -> None:
    parsed = importer.parse_records(
        records(
            row(id="a1"),
            row(id=None),
            row(id="a3"),
            row(id="a4", Latitude="abc"),
            "not an object",
            row(id="a1", Name="Same id again"),
            row(id="a7"),
        ),
        importer.parse_location,
    )
    assert [d.id for d in parsed.documents] == ["a1", "a3", "a7"]
    assert [str(e) for e in parsed.errors] == [
        "test.json row 2: id: is missing",
        "test.json row 4 [id a4]: Latitude: 'abc' is not a number",
        "test.json row 5: (row): expected an object, got str",
        "test.json row 6 [id a1]: id: duplicate of test.json row 1",
    ]


def test_missing_coordinates_are_allowed() -> None:
    location = importer.parse_location(row(Latitude=None, Longitude=""))
    assert (location.latitude, location.longitude) == (None, None)


def test_fields_are_mapped() -> None:
    location = importer.parse_location(
        row(**{"Phone number": " (559) 555-0100 ", "Hours": "9-5", "Website": "https://x.test"})
    )
    assert location.model_dump() == {
        "id": "locGood0000000001",
        "name": "Example Pharmacy #12",
        "state": "CA",
        "phone": "(559) 555-0100",
        "address": "100 Main St, Fresno, CA 93701",
        "county": "Fresno County",
        "county_id": None,
        "location_type": "Pharmacy",
        "affiliation": "Example Drug",
        "provider_id": None,
        "latitude": 36.74,
        "longitude": -119.78,
        "hours": "9-5",
        "website": "https://x.test",
        "internal_notes": None,
        "appointment_instructions": "https://example.org/book",
        "latest_report_at": datetime(2021, 2, 19, 18, 52, 51, tzinfo=UTC),
        "latest_report_notes": "Feb 19: appointments online.",
        "latest_internal_notes": None,
        "availability_info": ["Yes: appointment required", "Yes: vaccinating 65+"],
        "number_of_reports": 1,
        "timezone": "America/Los_Angeles",
        "sort_key": "example pharmacy #12\x1flocGood0000000001",
        "do_not_call": False,
        "do_not_call_reason": None,
        "do_not_call_by": None,
        "do_not_call_email": None,
        "do_not_call_at": None,
        "callable_state": "callable",
    }


@pytest.mark.parametrize(
    ("changes", "reports"),
    [
        ({"Has Report": 0}, 0),
        ({"Has Report": None}, 0),
        ({"Has Report": "yes"}, 1),
        ({"Has Report": 0, "Number of reports": "7"}, 7),
    ],
)
def test_number_of_reports(changes: dict[str, Any], reports: int) -> None:
    assert importer.parse_location(row(**changes)).number_of_reports == reports


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-02-19T18:52:51.000Z", datetime(2021, 2, 19, 18, 52, 51, tzinfo=UTC)),
        ("2021-02-19T10:52:51-08:00", datetime(2021, 2, 19, 18, 52, 51, tzinfo=UTC)),
        ("2021-02-19 18:52:51", datetime(2021, 2, 19, 18, 52, 51, tzinfo=UTC)),
        ("", None),
    ],
)
def test_latest_report_is_utc(value: str, expected: datetime | None) -> None:
    assert importer.parse_location(row(**{"Latest report": value})).latest_report_at == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["Yes: walk-ins accepted", None, " No: x "], ["Yes: walk-ins accepted", "No: x"]),
        ('["Yes: appointment required", "Vaccinating essential workers"]',
         ["Yes: appointment required", "Vaccinating essential workers"]),
        ("Yes: appointment required, Yes: vaccinating 65+",
         ["Yes: appointment required", "Yes: vaccinating 65+"]),
        ("", []),
        (None, []),
    ],
)  # fmt: skip
def test_text_list(value: Any, expected: list[str]) -> None:
    assert importer.text_list(value) == expected


# --------------------------------------------------------------------------- CSV and JSON


CSV = (
    "id,Name,Address,Latitude,Longitude,Has Report,Availability Info,Latest report notes\n"
    'c1,First,"1 A St, Fresno, CA 93701",36.7,-119.7,1,"[""Yes: walk-ins accepted""]",\n'
    ',No Id,"2 B St, Fresno, CA 93701",36.7,-119.7,0,,\n'
    "\n"
    'c3,Third,"3 C St, Fresno, CA 93701",36.7,-119.7,0,"No: x, No: y","two\nlines"\n'
    'c4,Fourth,"4 D St, Fresno, CA 93701",abc,-119.7,0,,\n'
    'c5,Fifth,"5 E St, Fresno, CA 93701",36.7,-119.7,0,,,surplus\n'
    'c6,Sixth,"6 F St, Fresno, CA 93701",36.7,-119.7,0,,\n'
)


def test_csv_rows_parse_with_row_and_line_numbers() -> None:
    parsed = importer.parse_records(
        importer.records_from_csv(CSV, "upload.csv"), importer.parse_location
    )
    assert [d.id for d in parsed.documents] == ["c1", "c3", "c6"]
    assert [str(e) for e in parsed.errors] == [
        "upload.csv row 2 (line 3): id: is empty",
        "upload.csv row 4 (line 7) [id c4]: Latitude: 'abc' is not a number",
        "upload.csv row 5 (line 8) [id c5]: (row): 1 cell(s) beyond the header",
    ]
    first, third = parsed.documents[0], parsed.documents[1]
    assert (first.latitude, first.number_of_reports) == (36.7, 1)
    assert first.availability_info == ["Yes: walk-ins accepted"]
    assert third.availability_info == ["No: x", "No: y"]
    assert third.latest_report_notes == "two\nlines"


def test_csv_header_cells_are_trimmed() -> None:
    rows = importer.records_from_csv(' id , Name \nx1,Somewhere\n', "t.csv")  # fmt: skip
    assert rows == [Record(RowPosition("t.csv", 1, 2), {"id": "x1", "Name": "Somewhere"})]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty CSV file"),
    ],
)
def test_unusable_csv(text: str, message: str) -> None:
    with pytest.raises(importer.SourceError, match=message):
        importer.records_from_csv(text, "t.csv")


@pytest.mark.parametrize(
    ("text", "message"),
    [("{not json", "not valid JSON"), ('{"id": "x"}', "expected a JSON array")],
)
def test_unusable_json(text: str, message: str) -> None:
    with pytest.raises(importer.SourceError, match=message):
        importer.records_from_json(text, "t.json")


# --------------------------------------------------------------------------- linking


COUNTIES = [
    {"id": "cFresno", "County": "Fresno County", "Vaccine info URL": "https://f.example.org"},
    {"id": "cNapa", "County": "Napa County ", "Notes": ""},
    {"id": "cBad"},
]
PROVIDERS = [
    {"id": "pExample", "Provider": "Example Drug", "Phase": ["Phase 1A"], "Last Updated": "2021"},
    {"id": "pOther", "Provider": "Other Health", "Provider network type": "Health system"},
]


@pytest.mark.parametrize(
    ("county", "county_id"),
    [
        ("Fresno County", "cFresno"),
        ("fresno  county", "cFresno"),
        ("Fresno", "cFresno"),
        ("Napa County", "cNapa"),
        ("Kings County", None),
        (None, None),
    ],
)
def test_county_linking(county: str | None, county_id: str | None) -> None:
    plan = importer.plan_import(
        records(row(County=county)), counties=records(*COUNTIES), default_state="CA"
    )
    assert plan.locations[0].county_id == county_id
    assert plan.locations[0].county == county
    assert plan.unlinked_counties == ({county: 1} if county and not county_id else {})


@pytest.mark.parametrize(
    ("affiliation", "provider_id"),
    [
        ("Example Drug", "pExample"),
        ("EXAMPLE DRUG", "pExample"),
        ("other health", "pOther"),
        ("Example", None),
        ("None / Unknown / Unimportant", None),
        (None, None),
    ],
)
def test_provider_linking(affiliation: str | None, provider_id: str | None) -> None:
    plan = importer.plan_import(
        records(row(Affiliation=affiliation)), providers=records(*PROVIDERS)
    )
    assert plan.locations[0].provider_id == provider_id
    assert plan.locations[0].affiliation == affiliation


def test_plan_parses_counties_and_providers_and_reports_their_errors() -> None:
    plan = importer.plan_import(
        records(row()), counties=records(*COUNTIES), providers=records(*PROVIDERS)
    )
    assert [c.name for c in plan.counties] == ["Fresno County", "Napa County"]
    assert plan.providers[0].phase == ["Phase 1A"]
    assert plan.providers[1].network_type == "Health system"
    assert [str(e) for e in plan.errors] == ["test.json row 3 [id cBad]: County: is missing"]
    assert plan.total_writes == 1 + 2 + 2


def test_stored_counties_and_providers_link_and_file_rows_override_them() -> None:
    plan = importer.plan_import(
        records(row()),
        counties=records({"id": "cNew", "County": "Fresno County"}),
        known_counties=[County(id="cOld", name="Fresno County")],
        known_providers=[Provider(id="pStored", name="Example Drug")],
    )
    assert (plan.locations[0].county_id, plan.locations[0].provider_id) == ("cNew", "pStored")


def test_links_ignore_case_and_spacing() -> None:
    links = Links.build([County(id="c", name="San  Diego County")], [])
    assert links.county_id("san diego") == "c"


def test_bad_default_state_is_refused() -> None:
    with pytest.raises(ValueError, match="not a US state"):
        importer.plan_import(records(row()), default_state="XX")
