"""Lease arithmetic and claim decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared import leases
from shared.models import Attempt, Entry

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
    attempt, update = leases.claim(entry(claim_seq=4), "u1", NOW, 1200, 0.25, 3600)
    assert attempt.claim_seq == 5
    assert leases.attempt_id("E1", attempt.claim_seq) == "E1-5"
    assert attempt.claimed_until == NOW + timedelta(minutes=20)
    assert update == {
        "holder": "u1",
        "claimed_at": NOW,
        "claimed_until": NOW + timedelta(minutes=20),
        "lease_limit": NOW + timedelta(hours=1),
        "claim_seq": 5,
        "available_at": NOW + timedelta(minutes=20),
        "rand": 0.25,
    }


def test_claimed_entry_is_not_available_until_the_lease_ends() -> None:
    _, update = leases.claim(entry(), "u1", NOW, 60, 0.1, 3600)
    claimed = entry().model_copy(update=update)
    assert not leases.is_available(claimed, NOW + timedelta(seconds=59))
    assert leases.is_available(claimed, NOW + timedelta(seconds=60))


def attempt(**fields: Any) -> Attempt:
    base: dict[str, Any] = {
        "entry_id": "E1",
        "location_id": "L1",
        "claim_seq": 1,
        "holder": "u1",
        "claimed_at": NOW,
        "claimed_until": NOW + timedelta(minutes=20),
    }
    return Attempt(**(base | fields))


HELD = {"claim_seq": 1, "holder": "u1", "claimed_until": NOW + timedelta(minutes=20)}


@pytest.mark.parametrize(
    ("entry_fields", "attempt_fields", "seq", "until", "at", "verdict"),
    [
        (HELD, {}, 1, NOW + timedelta(minutes=20), NOW + timedelta(minutes=20), "expire"),
        (HELD, {}, 1, None, NOW + timedelta(minutes=21), "expire"),
        (HELD, {}, 1, NOW + timedelta(minutes=20), NOW + timedelta(minutes=19), "not_ended"),
        (HELD, {}, 1, NOW + timedelta(minutes=10), NOW + timedelta(minutes=30), "superseded"),
        (HELD | {"claim_seq": 2}, {}, 1, None, NOW + timedelta(hours=1), "stale"),
        (HELD | {"open": False}, {}, 1, None, NOW + timedelta(hours=1), "closed"),
        (HELD, {"outcome": "released"}, 1, None, NOW + timedelta(hours=1), "ended"),
    ],
)
def test_expiry_verdict(
    entry_fields: dict[str, Any],
    attempt_fields: dict[str, Any],
    seq: int,
    until: datetime | None,
    at: datetime,
    verdict: str,
) -> None:
    assert (
        leases.expiry_verdict(entry(**entry_fields), attempt(**attempt_fields), seq, until, at)
        == verdict
    )


def test_expiry_verdict_for_missing_documents() -> None:
    assert leases.expiry_verdict(None, None, 1, None, NOW) == "missing"
    assert leases.expiry_verdict(entry(**HELD), None, 1, None, NOW) == "missing"


@pytest.mark.parametrize(
    ("uid", "at", "attempt_fields", "refusal"),
    [
        ("u1", NOW, {}, None),
        ("u2", NOW, {}, "not_holder"),
        ("u1", NOW + timedelta(minutes=20), {}, "lease_ended"),
        ("u1", NOW + timedelta(minutes=20) - timedelta(seconds=2), {}, "lease_ended"),
        ("u1", NOW + timedelta(minutes=20) - timedelta(seconds=3), {}, None),
        ("u1", NOW, {"outcome": "expired"}, "lease_ended"),
    ],
)
def test_change_refusal(
    uid: str, at: datetime, attempt_fields: dict[str, Any], refusal: str | None
) -> None:
    found = leases.change_refusal(entry(**HELD), attempt(**attempt_fields), 1, uid, at, margin=2)
    assert found == refusal


def test_extension_is_capped_by_the_maximum_length() -> None:
    first = attempt()
    assert leases.extended_until(first, NOW, 600, 3600) == NOW + timedelta(minutes=30)
    nearly = attempt(claimed_until=NOW + timedelta(minutes=55))
    assert leases.extended_until(nearly, NOW, 600, 3600) == NOW + timedelta(hours=1)
    full = attempt(claimed_until=NOW + timedelta(hours=1))
    assert leases.extended_until(full, NOW, 600, 3600) is None


@pytest.mark.parametrize(("count", "flag"), [(1, False), (2, False), (3, True), (4, True)])
def test_needs_attention_after(count: int, flag: bool) -> None:
    assert leases.needs_attention_after(count, 3) is flag
