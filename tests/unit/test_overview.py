"""Claims and reports per hour for the overview chart (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.services.staff.overview import hour_of, per_hour

NOW = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


def test_hour_of() -> None:
    assert hour_of(NOW) == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_per_hour_counts_the_last_day_oldest_first() -> None:
    claims = [
        NOW,
        NOW - timedelta(minutes=29),
        NOW - timedelta(minutes=31),
        NOW - timedelta(hours=30),
    ]
    reports = [NOW - timedelta(hours=23, minutes=30)]
    hours = per_hour(claims, reports, NOW)
    assert len(hours) == 24
    assert hours[-1] == {"hour": "2026-03-01T12:00:00.000Z", "claims": 2, "reports": 0}
    assert hours[-2]["claims"] == 1
    assert hours[0] == {"hour": "2026-02-28T13:00:00.000Z", "claims": 0, "reports": 1}
    assert sum(h["claims"] for h in hours) == 3  # the one 30 hours ago is out of range
