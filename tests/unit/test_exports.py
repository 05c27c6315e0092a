"""CSV exports: spreadsheet-safe cells, rows from stored fields, page tokens."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.domain import exports

AT = datetime(2026, 3, 1, 18, 0, 5, 250000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, ""),
        ("Rite Aid #12", "Rite Aid #12"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 559 555 0100", "'+1 559 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        (" =1", " =1"),
        ("a=b", "a=b"),
        (True, "true"),
        (False, "false"),
        (3, "3"),
        (-3, "-3"),
        (12.5, "12.5"),
        (AT, "2026-03-01T18:00:05.250Z"),
    ],
)
def test_safe_cell(value: object, cell: str) -> None:
    assert exports.safe_cell(value) == cell


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_to_csv_quotes_and_header_once() -> None:
    row = exports.report_row(
        "r1",
        {
            "location_id": "loc1",
            "created_at": AT,
            "availability_names": ["Yes: walk-ins accepted", "Yes: vaccinating 65+"],
            "body": {"Notes": 'He said "call back",\nlater', "is_pending_review": True},
            "reported_by": "u1",
            "outcome": "completed",
        },
        {"name": "=cmd|' /C calc'!A0", "county": "Kings County", "state": "CA"},
        {"queue": "default"},
    )
    first = exports.to_csv("reports", [row], header=True)
    assert first.endswith("\r\n")
    lines = parse(first)
    assert lines[0] == list(exports.COLUMNS["reports"])
    got = dict(zip(lines[0], lines[1], strict=True))
    assert got["location_name"] == "'=cmd|' /C calc'!A0"
    assert got["notes"] == 'He said "call back",\nlater'
    assert got["availability"] == "Yes: walk-ins accepted; Yes: vaccinating 65+"
    assert (got["county"], got["queue"], got["is_pending_review"]) == (
        "Kings County",
        "default",
        "true",
    )
    assert got["created_at"] == "2026-03-01T18:00:05.250Z"
    later = exports.to_csv("reports", [row], header=False)
    assert len(parse(later)) == 1


def test_attempt_row_call_seconds_and_missing_place() -> None:
    data: dict[str, Any] = {
        "location_id": "gone",
        "entry_id": "e1",
        "claim_seq": 2,
        "holder": "u1",
        "claimed_at": AT,
        "claimed_until": AT,
        "ended_at": datetime(2026, 3, 1, 18, 4, 5, 250000, tzinfo=UTC),
        "outcome": "completed",
    }
    row = exports.attempt_row("e1-2", data, None, {"queue": "spanish", "state": "CA"})
    assert row["call_seconds"] == 240.0
    assert (row["location_name"], row["state"], row["queue"]) == (None, "CA", "spanish")
    assert (
        exports.attempt_row("e1-2", {**data, "ended_at": None}, None, None)["call_seconds"] is None
    )
    assert set(row) == set(exports.COLUMNS["attempts"])


@pytest.mark.parametrize(
    ("county", "queue", "expected"),
    [
        (None, None, True),
        ("Kings County", None, True),
        ("Fresno County", None, False),
        (None, "default", True),
        (None, "spanish", False),
        ("Kings County", "default", True),
    ],
)
def test_matches(county: str | None, queue: str | None, expected: bool) -> None:
    row = {"county": "Kings County", "queue": "default"}
    assert exports.matches(row, county, queue) is expected


def test_page_token_round_trip() -> None:
    token = exports.page_token(AT, "abc~def")
    assert exports.parse_page_token(token) == (AT, "abc~def")


@pytest.mark.parametrize("bad", ["", "abc", "~id", "12~", "x~id", "inf~id", "nan~id", "1e300~id"])
def test_bad_page_tokens(bad: str) -> None:
    with pytest.raises(ValueError, match="page token"):
        exports.parse_page_token(bad)
