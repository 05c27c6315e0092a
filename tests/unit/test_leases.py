"""Lease arithmetic and claim decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.domain import cells, leases
from shared.domain.models import Attempt, Entry

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
    ("fields", "status"),
    [
        ({}, "available"),
        ({"available_at": NOW + timedelta(hours=1)}, "scheduled"),
        ({"claimed_until": NOW + timedelta(minutes=5), "holder": "u1"}, "claimed"),
        ({"claimed_until": NOW, "holder": "u1"}, "available"),
        ({"needs_attention": True, "claimed_until": NOW + timedelta(minutes=5)}, "needs_attention"),
        ({"open": False, "needs_attention": True}, "closed"),
    ],
)
def test_status_of(fields: dict[str, Any], status: str) -> None:
    assert leases.status_of(entry(**fields), NOW) == status


POLICY = leases.LeasePolicy(lease_seconds=1200, extend_step_seconds=600, max_seconds=3600)


def test_claim_advances_the_sequence_and_sets_the_lease() -> None:
    attempt, update = leases.grant(entry(claim_seq=4), "u1", NOW, POLICY, 0.25, caller_claim=7)
    assert (attempt.claim_seq, attempt.caller_claim) == (5, 7)
    assert leases.attempt_id("E1", attempt.claim_seq) == "E1-5"
    assert attempt.claimed_until == NOW + timedelta(minutes=20)
    assert update == {
        "holder": "u1",
        "holder_email": None,
        "claimed_at": NOW,
        "claimed_until": NOW + timedelta(minutes=20),
        "lease_limit": NOW + timedelta(hours=1),
        "claim_seq": 5,
        "available_at": NOW + timedelta(minutes=20),
        "rand": 0.25,
        "cells": cells.cells_of(0.25),
    }


def test_claimed_entry_is_not_available_until_the_lease_ends() -> None:
    short = leases.LeasePolicy(lease_seconds=60)
    _, update = leases.grant(entry(), "u1", NOW, short, 0.1, caller_claim=1)
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
    ("attempt_fields", "until", "at", "verdict"),
    [
        ({}, NOW + timedelta(minutes=20), NOW + timedelta(minutes=20), "expire"),
        ({}, None, NOW + timedelta(minutes=21), "expire"),
        ({}, NOW + timedelta(minutes=20), NOW + timedelta(minutes=19), "not_ended"),
        ({}, NOW + timedelta(minutes=10), NOW + timedelta(minutes=30), "extended"),
        ({"outcome": "released"}, None, NOW + timedelta(hours=1), "ended"),
        ({"outcome": "expired"}, None, NOW + timedelta(hours=1), "ended"),
        ({"outcome": "superseded"}, None, NOW + timedelta(hours=1), "ended"),
    ],
)
def test_expiry_verdict(
    attempt_fields: dict[str, Any], until: datetime | None, at: datetime, verdict: str
) -> None:
    assert leases.expiry_verdict(attempt(**attempt_fields), until, at) == verdict


def test_expiry_verdict_for_a_missing_attempt() -> None:
    assert leases.expiry_verdict(None, None, NOW) == "missing"


@pytest.mark.parametrize(
    ("uid", "at", "attempt_fields", "refusal"),
    [
        ("u1", NOW, {}, None),
        ("u2", NOW, {}, "not_holder"),
        ("u1", NOW + timedelta(minutes=20), {}, "lease_ended"),
        ("u1", NOW + timedelta(minutes=20) - timedelta(seconds=2), {}, "lease_ended"),
        ("u1", NOW + timedelta(minutes=20) - timedelta(seconds=3), {}, None),
        ("u1", NOW, {"outcome": "expired"}, "lease_ended"),
        ("u1", NOW, {"outcome": "superseded"}, "superseded"),
        ("u2", NOW, {"outcome": "superseded"}, "not_holder"),
        ("u1", NOW, {"outcome": "not_callable"}, "not_callable"),
        ("u2", NOW, {"outcome": "not_callable"}, "not_holder"),
    ],
)
def test_change_refusal(
    uid: str, at: datetime, attempt_fields: dict[str, Any], refusal: str | None
) -> None:
    found = leases.change_refusal(entry(**HELD), attempt(**attempt_fields), 1, uid, at, margin=2)
    assert found == refusal


def test_extension_is_capped_by_the_maximum_length() -> None:
    first = attempt()
    assert leases.extended_until(first, NOW, POLICY) == NOW + timedelta(minutes=30)
    nearly = attempt(claimed_until=NOW + timedelta(minutes=55))
    assert leases.extended_until(nearly, NOW, POLICY) == NOW + timedelta(hours=1)
    full = attempt(claimed_until=NOW + timedelta(hours=1))
    assert leases.extended_until(full, NOW, POLICY) is None


@pytest.mark.parametrize(
    ("expiries", "after"), [(0, (1, False)), (1, (2, False)), (2, (3, True)), (5, (6, True))]
)
def test_after_expiry(expiries: int, after: tuple[int, bool]) -> None:
    assert (
        leases.after_expiry(entry(expiries=expiries), leases.LeasePolicy(max_expiries=3)) == after
    )


@pytest.mark.parametrize(
    ("closer", "closer_outcome", "at", "ending"),
    [
        ("u1", "completed", NOW, "completed"),
        ("u1", "skipped", NOW, "skipped"),
        ("u1", "completed", NOW + timedelta(hours=2), "completed"),  # late, but theirs
        ("u2", "completed", NOW, "superseded"),
        ("u2", "skipped", NOW, "superseded"),
        ("u2", "completed", NOW + timedelta(minutes=20), "expired"),
        ("staff", "removed", NOW, "removed"),
        ("staff", "removed", NOW + timedelta(hours=2), "expired"),
        ("staff", "not_callable", NOW, "not_callable"),
        ("system", "not_callable", NOW, "not_callable"),
        ("staff", "not_callable", NOW + timedelta(hours=2), "expired"),
    ],
)
def test_closing_outcome(closer: str, closer_outcome: Any, at: datetime, ending: str) -> None:
    assert leases.closing_outcome(attempt(), closer, closer_outcome, at) == ending


def test_bumped_positions_come_before_or_after_every_enqueue_time() -> None:
    later = NOW + timedelta(minutes=1)
    enqueued = NOW.timestamp()
    assert leases.bumped_position("top", NOW) < enqueued < leases.bumped_position("bottom", later)
    # A later bump to the top comes before an earlier one.
    assert leases.bumped_position("top", later) < leases.bumped_position("top", NOW)


def test_a_running_lease_closed_by_someone_else_is_cut_short_until_its_end() -> None:
    from datetime import UTC, datetime, timedelta

    from shared.domain import leases
    from shared.domain.models import Attempt

    now = datetime(2031, 6, 2, 16, 0, tzinfo=UTC)
    running = Attempt(
        entry_id="e1",
        location_id="l1",
        claim_seq=1,
        holder="caller-1",
        claimed_at=now - timedelta(minutes=5),
        claimed_until=now + timedelta(minutes=15),
    )
    assert leases.cut_short(running, "staff-1", now) == running.claimed_until
    assert leases.cut_short(running, None, now) == running.claimed_until
    # Their own report or release: they are off the phone.
    assert leases.cut_short(running, "caller-1", now) is None
    # A lease that ran out, or one that already ended: nobody is on the phone.
    assert leases.cut_short(running, "staff-1", now + timedelta(minutes=16)) is None
    ended = running.model_copy(update={"outcome": "released"})
    assert leases.cut_short(ended, "staff-1", now) is None
