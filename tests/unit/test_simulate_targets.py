"""`make simulate --targets`: the scheduler's marks and the side-by-side figures (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tools.simulate import targets

ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)
MONDAY = datetime(2031, 6, 2, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "mark"),
    [
        (MONDAY, MONDAY + timedelta(minutes=10)),
        (MONDAY + timedelta(seconds=15), MONDAY + timedelta(minutes=10)),
        (MONDAY + timedelta(minutes=9, seconds=59), MONDAY + timedelta(minutes=10)),
        (MONDAY + timedelta(minutes=10), MONDAY + timedelta(minutes=20)),
    ],
)
def test_refresh_runs_on_the_ten_minute_marks(now: datetime, mark: datetime) -> None:
    assert targets.next_mark(now, ORIGIN) == mark


def test_compare_puts_the_runs_side_by_side() -> None:
    without = [{"day": "Mon", "fresh_24h_share": 0.031}, {"day": "Tue", "fresh_24h_share": 0.04}]
    with_targets = [{"day": "Mon", "fresh_24h_share": 0.05}, {"day": "Wed", "fresh_24h_share": 0.1}]
    assert targets.compare(without, with_targets) == [
        {
            "day": "Mon",
            "fresh_24h_share_without_targets": 0.031,
            "fresh_24h_share_with_targets": 0.05,
        },
        {
            "day": "Wed",
            "fresh_24h_share_without_targets": None,
            "fresh_24h_share_with_targets": 0.1,
        },
    ]
    assert targets.compare(None, with_targets)[0]["fresh_24h_share_without_targets"] is None
    assert "3.1%" in "\n".join(targets.lines(targets.compare(without, with_targets)))


def test_the_targets_are_valid_save_bodies() -> None:
    from shared.services.staff.freshness import SaveTargetBody

    for target in targets.TARGETS:
        SaveTargetBody.model_validate(target)
