"""Lease arithmetic and claim decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared import leases
from shared.models import Entry

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def entry(**fields: Any) -> Entry:
    base: dict[str, Any] = {
        "id": "E1",
        "location_id": "L1",
        "state": "CA",
        "reason": "New location",
        "position": 1.0,
        "vest_at": NOW - timedelta(hours=1),
        "available_at": NOW - timedelta(hours=1),
        "rand": 0.5,
        "added_by": "staff",
        "added_at": NOW - timedelta(hours=1),
    }
    return Entry(**(base | fields))


@pytest.mark.parametrize(
    ("fields", "available"),
    [
        ({}, True),
        ({"available_at": NOW}, True),
        ({"available_at": NOW + timedelta(seconds=1)}, False),
        ({"open": False}, False),
        ({"needs_attention": True}, False),
    ],
)
def test_is_available(fields: dict[str, Any], available: bool) -> None:
    assert leases.is_available(entry(**fields), NOW) is available


@pytest.mark.parametrize(
    ("fields", "held"),
    [
        ({"holder": "u1", "claimed_until": NOW + timedelta(seconds=1)}, True),
        ({"holder": "u1", "claimed_until": NOW}, False),
        ({"holder": "u2", "claimed_until": NOW + timedelta(minutes=5)}, False),
        ({"holder": "u1", "claimed_until": NOW + timedelta(minutes=5), "open": False}, False),
        ({}, False),
    ],
)
def test_holds(fields: dict[str, Any], held: bool) -> None:
    assert leases.holds(entry(**fields), "u1", NOW) is held


def test_claim_advances_the_sequence_and_sets_the_lease() -> None:
    attempt, update = leases.claim(entry(claim_seq=4), "u1", NOW, 1200, 0.25)
    assert attempt.claim_seq == 5
    assert leases.attempt_id("E1", attempt.claim_seq) == "E1-5"
    assert attempt.claimed_until == NOW + timedelta(minutes=20)
    assert update == {
        "holder": "u1",
        "claimed_until": NOW + timedelta(minutes=20),
        "claim_seq": 5,
        "available_at": NOW + timedelta(minutes=20),
        "rand": 0.25,
    }


def test_claimed_entry_is_not_available_until_the_lease_ends() -> None:
    _, update = leases.claim(entry(), "u1", NOW, 60, 0.1)
    claimed = entry().model_copy(update=update)
    assert not leases.is_available(claimed, NOW + timedelta(seconds=59))
    assert leases.is_available(claimed, NOW + timedelta(seconds=60))
