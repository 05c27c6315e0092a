"""Request bodies: pydantic models at the HTTP boundary, and the errors they name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.adapters import web
from shared.base.errors import BadRequest
from shared.domain import call_backs
from shared.domain.call_backs import CallBackPolicy
from shared.services.caller.reports import ReportBody
from shared.services.staff.enqueue import BulkEnqueueBody

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
        (
            {"Location": "r", "Availability": [], "Notes": "x" * 5001},
            "Notes: String should have at most 5000 characters",
        ),
        (
            {"Location": "r", "Availability": [], "hours": "x" * 1001},
            "hours: String should have at most 1000",
        ),
        (
            {"Location": "r", "Availability": ["walk_ins_only"] * 51},
            "Availability: List should have at most 50",
        ),
        (
            {"Location": "r", "Availability": ["x" * 201]},
            "Availability.0: String should have at most 200",
        ),
    ],
)
def test_report_body_errors_name_the_field(data: dict[str, Any], named: str) -> None:
    with pytest.raises(BadRequest) as caught:
        web.parse(ReportBody, data)
    assert named in caught.value.description


CALL_BACKS = CallBackPolicy(default_delay=timedelta(hours=2), horizon=timedelta(days=30))


@pytest.mark.parametrize(
    ("slugs", "until", "expected"),
    [
        ({"skip_call_back_later"}, NOW + timedelta(hours=1), NOW + timedelta(hours=1)),
        ({"skip_call_back_later"}, NOW, NOW),
        # "Closed until Monday" pressed on a Monday afternoon: already past, so at once.
        ({"skip_call_back_later"}, NOW - timedelta(hours=6), NOW),
        ({"skip_call_back_later"}, None, NOW + timedelta(hours=2)),
        ({"walk_ins_only"}, NOW + timedelta(hours=1), None),
        ({"walk_ins_only"}, None, None),
    ],
)
def test_comeback_at(slugs: set[str], until: datetime | None, expected: datetime | None) -> None:
    assert call_backs.comeback_at(slugs, until, NOW, CALL_BACKS) == expected


@pytest.mark.parametrize(
    ("until", "refused"),
    [
        (None, False),
        (NOW - timedelta(days=400), False),
        (NOW + timedelta(days=30), False),
        (NOW + timedelta(days=30, seconds=1), True),
        (datetime(9999, 12, 31, tzinfo=UTC), True),
    ],
)
def test_call_back_horizon(until: datetime | None, refused: bool) -> None:
    problem = call_backs.horizon_problem(until, NOW, CALL_BACKS)
    assert (problem is not None) is refused
    if problem:
        assert problem.startswith("Do not call until:")
        assert "30 days" in problem


def test_call_back_time_that_overflows_is_a_field_error() -> None:
    with pytest.raises(BadRequest, match="Do not call until"):
        web.parse(
            ReportBody,
            {
                "Location": "r",
                "Availability": [],
                "Do not call until": "9999-12-31T23:00:00-05:00",
            },
        )


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
