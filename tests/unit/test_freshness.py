"""Freshness targets: standing of a place, the refresh plan, figures, headline and forecast."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from shared.domain import freshness
from shared.domain.contact_hours import ContactPolicy, opening_for, parse_window
from shared.domain.freshness import Candidate, GroupForecast, Target

NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # a Monday, 10:00 in California
H = timedelta(hours=1)
MAX_AGE = 72 * H
LEAD = 12 * H


def ago(hours: float) -> datetime:
    return NOW - hours * H


@pytest.mark.parametrize(
    ("latest", "want"),
    [
        (None, "overdue"),
        (ago(100), "overdue"),
        (ago(72), "overdue"),
        (ago(71.9), "due"),
        (ago(60), "due"),
        (ago(59.9), "within"),
        (ago(0), "within"),
    ],
)
def test_standing(latest: datetime | None, want: str) -> None:
    assert freshness.standing(latest, NOW, MAX_AGE, LEAD) == want


def test_standing_without_lead_is_due_never() -> None:
    assert freshness.standing(ago(71), NOW, MAX_AGE, timedelta(0)) == "within"
    assert freshness.standing(ago(72), NOW, MAX_AGE, timedelta(0)) == "overdue"


def test_plan_is_oldest_first_and_splits_queued() -> None:
    places = [
        Candidate("fresh", ago(1), False),
        Candidate("due-young", ago(61), False),
        Candidate("due-old", ago(70), False),
        Candidate("never", None, False),
        Candidate("over", ago(80), False),
        Candidate("over-queued", ago(90), True),
        Candidate("due-queued", ago(65), True),
    ]
    plan = freshness.plan(places, NOW, MAX_AGE, LEAD)
    assert plan.add_overdue == ["never", "over"]
    assert plan.add_due == ["due-old", "due-young"]
    assert plan.queued_overdue == ["over-queued"]
    assert plan.queued_due == ["due-queued"]


@pytest.mark.parametrize(
    ("opening", "want"),
    [
        (None, True),  # never opens
        (NOW, False),  # open now
        (NOW + 11 * H, False),  # opens inside the lead time
        (NOW + 12 * H, False),
        (NOW + 13 * H, True),
        (NOW + timedelta(days=7), True),  # "Closed": looked at again a week later
    ],
)
def test_stays_closed(opening: datetime | None, want: bool) -> None:
    assert freshness.stays_closed(opening, NOW, LEAD) is want


def test_closed_hours_stay_closed_through_any_lead_under_a_week() -> None:
    policy = ContactPolicy(default=parse_window("Mon-Fri 09:00-17:00"))
    opening = opening_for(policy, "Closed", None, "CA", None, NOW)
    assert freshness.stays_closed(opening, NOW, LEAD)
    open_now = opening_for(policy, "Open 24 hours", None, "CA", None, NOW)
    assert not freshness.stays_closed(open_now, NOW, LEAD)
    # Saturday 10:00 Pacific: a weekday-only place opens Monday, past a 12-hour lead.
    saturday = NOW + timedelta(days=5)
    weekdays = opening_for(policy, "Mon-Fri 9am-5pm", None, "CA", None, saturday)
    assert freshness.stays_closed(weekdays, saturday, LEAD)
    assert not freshness.stays_closed(weekdays, saturday, timedelta(hours=48))


def test_figures() -> None:
    latest = {"a": ago(1), "b": ago(80), "c": ago(71), "d": None}
    got = freshness.figures(latest, NOW, MAX_AGE)
    assert (got.places, got.within, got.overdue, got.never_reported) == (4, 2, 2, 1)
    assert got.share_within == 0.5
    assert got.oldest_report_at is None  # some place was never reported on
    got = freshness.figures({"a": ago(1), "b": ago(80)}, NOW, MAX_AGE)
    assert got.oldest_report_at == ago(80)


def test_figures_of_no_places() -> None:
    got = freshness.figures({}, NOW, MAX_AGE)
    assert (got.places, got.within, got.share_within, got.overdue) == (0, 0, 1.0, 0)
    assert got.oldest_report_at is None


def test_headline_counts_a_place_once_and_within_only_if_within_every_target() -> None:
    got = freshness.headline([{"a": True, "b": True, "c": False}, {"b": False, "d": True}])
    assert (got.places, got.within, got.overdue) == (4, 2, 2)
    assert got.share_within == 0.5
    empty = freshness.headline([])
    assert (empty.places, empty.within, empty.share_within, empty.overdue) == (0, 0, 1.0, 0)


def test_drain() -> None:
    got = freshness.drain({2: 10, 3: 20, 99: 0}, 10.0, NOW)
    assert got == [
        GroupForecast(2, 10, NOW + 1 * H),
        GroupForecast(3, 20, NOW + 3 * H),
        GroupForecast(99, 0, NOW + 3 * H),
    ]
    assert [g.empties_at for g in freshness.drain({2: 1}, 0.0, NOW)] == [None]


def test_will_pass_before_reached() -> None:
    open_by_group = {2: 10, 3: 20}
    # Group 3 entries are reached after 10 + 10.5 entries: 2.05 h at 10 an hour.
    queued = [
        (NOW + 1 * H, 3),  # passes first
        (NOW + 3 * H, 3),  # reached in time
        (NOW + 0.5 * H, 2),  # group 2 reached after 5.5 entries: 0.55 h, too late
        (NOW - 1 * H, 3),  # already past: not "will pass"
    ]
    assert freshness.will_pass_before_reached(queued, open_by_group, 10.0, NOW) == 2
    # Nobody calls: every place not yet past will pass first.
    assert freshness.will_pass_before_reached(queued, open_by_group, 0.0, NOW) == 3


def _target(**changes: object) -> Target:
    fields: dict[str, object] = {
        "id": "ca",
        "name": "California",
        "max_age_hours": 72,
        "created_at": NOW,
        "updated_at": NOW,
        "updated_by": "u",
        **changes,
    }
    return Target.model_validate(fields)


def test_target_defaults() -> None:
    target = _target()
    assert (target.lead_hours, target.reason, target.due_group, target.overdue_group) == (
        12,
        "Stale report",
        3,
        2,
    )
    assert target.max_age == MAX_AGE


@pytest.mark.parametrize(
    "changes",
    [
        {"lead_hours": 73},
        {"lead_hours": -1},
        {"due_group": 2, "overdue_group": 3},
        {"due_group": 5},
        {"overdue_group": 0},
    ],
)
def test_target_refuses(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        _target(**changes)


@pytest.mark.parametrize(
    ("name", "want"),
    [("California weekly", "california-weekly"), ("  ", "target"), ("Ünïcode!", "n-code")],
)
def test_id_from_name(name: str, want: str) -> None:
    assert freshness.id_from_name(name) == want


def test_slots_and_ids() -> None:
    assert freshness.slot_of(NOW) == int(NOW.timestamp()) // 600
    assert freshness.slot_of(NOW + timedelta(minutes=9)) == freshness.slot_of(NOW)
    assert freshness.slot_of(NOW + timedelta(minutes=10)) == freshness.slot_of(NOW) + 1
    assert freshness.run_id("ca", 7) == "ca-7"
    assert freshness.day_id("ca", "2026-11-23") == "ca_2026-11-23"
