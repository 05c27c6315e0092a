"""Request bodies: pydantic models at the HTTP boundary, and the errors they name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared import web
from shared.enqueue import BulkEnqueueBody
from shared.errors import BadRequest
from shared.reports import ReportBody, reschedule_at

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_report_body_reads_the_contract_names() -> None:
    body = web.parse(
        ReportBody,
        {
            "Location": "rec1",
            "Availability": ["walk_ins_only"],
            "Internal Notes": "x",
            "Do not call until": "2026-03-02T10:00:00-08:00",
            "Appointments by phone?": True,
            "vaccines_offered": ["Moderna", "Johnson & Johnson"],
            "planned_closure": "2026-04-01",
            "County": "Alpine County",
            "something_new": "ignored",
        },
    )
    assert body.internal_notes == "x"
    assert body.do_not_call_until == datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    assert body.appointments_by_phone is True
    assert body.county == "Alpine County"


def test_naive_do_not_call_until_is_utc() -> None:
    body = web.parse(
        ReportBody,
        {"Location": "r", "Availability": [], "Do not call until": "2026-03-02T10:00:00"},
    )
    assert body.do_not_call_until == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"Availability": []}, "Location: is required"),
        ({"Location": "", "Availability": []}, "Location"),
        ({"Location": "r", "Availability": [1]}, "Availability.0"),
        ({"Location": "r", "Availability": [], "Notes": 5}, "Notes"),
        ({"Location": "r", "Availability": [], "web_banked": "perhaps"}, "web_banked"),
    ],
)
def test_report_body_errors_name_the_field(data: dict[str, Any], named: str) -> None:
    with pytest.raises(BadRequest) as caught:
        web.parse(ReportBody, data)
    assert named in caught.value.description


@pytest.mark.parametrize(
    ("slugs", "until", "expected"),
    [
        ({"skip_call_back_later"}, NOW + timedelta(hours=1), NOW + timedelta(hours=1)),
        ({"skip_call_back_later"}, NOW, None),
        ({"skip_call_back_later"}, NOW - timedelta(hours=1), None),
        ({"skip_call_back_later"}, None, None),
        ({"walk_ins_only"}, NOW + timedelta(hours=1), None),
    ],
)
def test_reschedule_at(slugs: set[str], until: datetime | None, expected: datetime | None) -> None:
    assert reschedule_at(slugs, until, NOW) == expected


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"reason": "r"}, "exactly one"),
        ({"reason": "r", "location_ids": [], "filter": {}}, "exactly one"),
        ({"reason": "  ", "location_ids": []}, "reason"),
        ({"reason": "r", "location_ids": [], "priority_group": 5}, "priority_group"),
        ({"reason": "r", "filter": {"state": "CAL"}}, "filter.state"),
        ({"reason": "r", "filter": {"zip": "9"}}, "filter.zip"),
        ({"reason": "r", "location_ids": [""]}, "location_ids"),
    ],
)
def test_bulk_enqueue_body_errors(data: dict[str, Any], named: str) -> None:
    with pytest.raises(BadRequest) as caught:
        web.parse(BulkEnqueueBody, data)
    assert named in caught.value.description


def test_bulk_enqueue_defaults() -> None:
    body = web.parse(BulkEnqueueBody, {"reason": " Eva tip ", "filter": {"state": "ca"}})
    assert body.reason == "Eva tip"
    assert body.priority_group == 99
    assert body.filter is not None
    assert body.filter.state == "CA"
    assert body.dry_run is False


@pytest.mark.parametrize("data", [[], "text", 3, None])
def test_parse_wants_an_object(data: Any) -> None:
    with pytest.raises(BadRequest, match="JSON object"):
        web.parse(ReportBody, data)
