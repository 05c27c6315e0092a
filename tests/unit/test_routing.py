"""Which queues a caller draws from and in what order; when a queue is refilled."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from shared.domain import routing
from shared.domain.models import Queue
from shared.services.staff.queues import CallerGroupsBody, SaveQueueBody


def names(queues: list[Queue]) -> list[str]:
    return [q.id for q in queues]


TRAINEE_FIRST = Queue(id="practice", groups=["trainee"], order=1)
SHARED = Queue(id="shared", groups=["trainee", "experienced"], order=5)
HARD = Queue(id="hard", groups=["experienced"], order=0)
SPANISH = Queue(id="spanish", groups=["spanish"], order=2)


def test_nothing_configured_means_the_default_queue_for_everyone() -> None:
    assert names(routing.eligible([], [])) == ["default"]
    assert names(routing.eligible([], ["trainee"])) == ["default"]


def test_a_trainee_draws_only_from_queues_open_to_trainees_in_ascending_order() -> None:
    closed_default = Queue(id="default", groups=["experienced"], order=10)
    queues = [SHARED, HARD, TRAINEE_FIRST, SPANISH, closed_default]
    assert names(routing.eligible(queues, ["trainee"])) == ["practice", "shared"]
    assert names(routing.eligible(queues, ["experienced"])) == ["hard", "shared", "default"]


def test_a_caller_in_several_groups_gets_every_queue_open_to_one_of_them_once() -> None:
    queues = [SHARED, HARD, TRAINEE_FIRST, SPANISH]
    got = names(routing.eligible(queues, ["trainee", "spanish", "experienced"]))
    assert got == ["hard", "practice", "spanish", "shared", "default"]


def test_the_unsaved_default_queue_is_open_to_all_and_comes_after_lower_orders() -> None:
    late = Queue(id="late", order=routing.DEFAULT_ORDER + 1)
    assert names(routing.eligible([late, SPANISH], [])) == ["default", "late"]


def test_equal_orders_fall_through_by_name() -> None:
    queues = [Queue(id="b", order=3), Queue(id="a", order=3)]
    assert names(routing.eligible(queues, []))[:2] == ["a", "b"]


def test_a_caller_without_groups_never_draws_from_a_restricted_queue() -> None:
    assert names(routing.eligible([HARD, SPANISH], [])) == ["default"]


def test_shortfall_fills_up_to_the_minimum() -> None:
    assert routing.shortfall(10, 0) == 10
    assert routing.shortfall(10, 7) == 3
    assert routing.shortfall(10, 12) == 0
    assert routing.shortfall(0, 0) == 0


def test_the_backfill_window_changes_once_a_minute() -> None:
    a = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)
    b = datetime(2026, 11, 27, 12, 0, 59, tzinfo=UTC)
    c = datetime(2026, 11, 27, 12, 1, 0, tzinfo=UTC)
    assert routing.backfill_window(a) == routing.backfill_window(b) != routing.backfill_window(c)
    assert routing.backfill_id("q", 7) == "q-7"


def test_queue_and_group_names_are_case_folded_deduplicated_and_checked() -> None:
    body = SaveQueueBody.model_validate({"name": " Spanish ", "groups": ["B", "a", "b"]})
    assert (body.name, body.groups) == ("spanish", ["a", "b"])
    for bad in ({"name": "a/b"}, {"name": ""}, {"name": "x", "order": -1}, {"name": "x" * 41}):
        with pytest.raises(ValidationError):
            SaveQueueBody.model_validate(bad)
    with pytest.raises(ValidationError):
        CallerGroupsBody.model_validate({"uid": "u", "groups": ["no spaces"]})


@pytest.mark.parametrize(
    ("opens_in_hours", "soon"),
    [(0, True), (8, True), (24, True), (24.01, False), (63, False), (None, False)],
)
def test_a_refill_adds_only_places_that_open_within_the_horizon(
    opens_in_hours: float | None, soon: bool
) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 3, 6, 18, tzinfo=UTC)
    opening = None if opens_in_hours is None else now + timedelta(hours=opens_in_hours)
    assert routing.callable_soon(opening, now) is soon
    assert routing.stock_until(now) == now + routing.BACKFILL_HORIZON
