"""callerStatistics' day counters: a row summed from day documents, and the backfill's sums."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from shared.domain import caller_figures

T0 = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (T0, "2026-03-01"),
        (T0 + timedelta(hours=1), "2026-03-02"),
        # The UTC day, whatever the moment's zone.
        (datetime(2026, 3, 2, 1, 0, tzinfo=timezone(timedelta(hours=3))), "2026-03-01"),
        (datetime(2026, 3, 2, 1, 0), "2026-03-02"),
    ],
)
def test_day_of(moment: datetime, day: str) -> None:
    assert caller_figures.day_of(moment) == day
    assert caller_figures.figures_id("u", moment) == f"u_{day}"


def day(name: str, **fields: Any) -> dict[str, Any]:
    return {"uid": "u", "day": name, **fields}


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ([], {"claims": 0, "median_call_s": None, "median_of": 0, "email": None}),
        (
            [day("2026-03-01", claims=2, completed=1, calls={"a-1": 300.0}, email="old@x")],
            {"claims": 2, "completed": 1, "median_call_s": 300.0, "median_of": 1, "email": "old@x"},
        ),
        (
            [
                day("2026-03-01", claims=2, skips=1, calls={"a-1": 100.0}, email="old@x"),
                day("2026-03-02", claims=1, expiries=1, releases=2, email="new@x"),
                day("2026-03-03", calls={"b-1": 300.0, "c-1": 60.0}),
            ],
            {
                "claims": 3,
                "skips": 1,
                "expiries": 1,
                "releases": 2,
                "median_call_s": 100.0,
                "median_of": 3,
                "email": "new@x",
            },
        ),
        (
            [day("2026-03-01", reviews_pending=1, reviews_approved=2, reviews_requeued=1)],
            {"reviews_flagged": 4, "reviews_pending": 1, "reviews_approved": 2},
        ),
    ],
)
def test_row_sums_the_days(days: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    row = caller_figures.row("u", days)
    assert row["uid"] == "u"
    assert {k: row[k] for k in expected} == expected


def test_the_median_takes_the_newest_days_first_up_to_the_sample() -> None:
    size = caller_figures.MEDIAN_SAMPLE
    old = day("2026-03-01", calls={f"o-{i}": 1000.0 for i in range(size)})
    new = day("2026-03-02", calls={f"n-{i}": 10.0 for i in range(size - 1)})
    row = caller_figures.row("u", [old, new])
    assert (row["median_of"], row["median_call_s"]) == (size, 10.0)


def attempt(n: int, outcome: str | None, claimed: datetime, seconds: float = 60) -> dict[str, Any]:
    return {
        "entry_id": f"e{n}",
        "claim_seq": 1,
        "holder": "u",
        "holder_email": "u@x",
        "claimed_at": claimed,
        "outcome": outcome,
        "ended_at": claimed + timedelta(seconds=seconds) if outcome else None,
    }


def test_history_adds_up_to_the_day_documents_the_counters_keep() -> None:
    attempts = [
        attempt(1, "completed", T0, 300),
        attempt(2, "skipped", T0 + timedelta(hours=1), 100),  # the next UTC day
        attempt(3, "released", T0 + timedelta(hours=1)),
        attempt(4, "superseded", T0),
        attempt(5, None, T0),
    ]
    reports = [
        {"reported_by": "u", "created_at": T0, "review_status": "pending"},
        {"reported_by": "u", "created_at": T0, "review_status": None},
    ]
    days = caller_figures.from_history(attempts, reports)
    assert days == {
        "u_2026-03-01": {
            "uid": "u",
            "day": "2026-03-01",
            "claims": 3,
            "email": "u@x",
            "completed": 1,
            "calls": {"ce1_1": 300.0},
            "reviews_pending": 1,
        },
        "u_2026-03-02": {
            "uid": "u",
            "day": "2026-03-02",
            "claims": 2,
            "email": "u@x",
            "skips": 1,
            "releases": 1,
            "calls": {"ce2_1": 100.0},
        },
    }
    row = caller_figures.row("u", days.values())
    assert (row["claims"], row["median_call_s"], row["reviews_flagged"]) == (5, 200.0, 1)
