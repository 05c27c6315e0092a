"""`make soak` at tiny sizes, with the functions server killed mid-load: the checks pass, and
one forged overlapping attempt, written after the load, is the only violation they report."""

from __future__ import annotations

from typing import Any

import pytest

from tests import harness

pytestmark = [pytest.mark.integration, pytest.mark.soak_smoke]


def test_a_short_soak_with_a_restart_passes_and_its_checker_catches_an_overlap(
    test_stack: harness.TestStack, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.adapters import store
    from shared.domain.models import Attempt
    from tools.soak import run as soak

    settle = soak.settle

    def settle_then_forge(running: soak.Soak, timeout: float) -> float:
        seconds = settle(running, timeout)
        taken = [
            a
            for a in (store.load(Attempt, s) for s in db.collection(store.ATTEMPTS).stream())
            if a is not None and a.ended_at is not None and a.ended_at > a.claimed_at
        ]
        assert taken, "the load claimed nothing"
        first = taken[0]
        # A second caller on the same entry while the first still held it.
        forged = first.model_copy(
            update={"holder": "forged-caller", "claim_seq": 999, "outcome": "released"}
        )
        forged.claimed_at = first.claimed_at + (first.ended_at - first.claimed_at) / 2
        db.collection(store.ATTEMPTS).document(f"{first.entry_id}-999").set(forged.to_firestore())
        return seconds

    monkeypatch.setattr(soak, "settle", settle_then_forge)
    options = soak.Options(
        callers=4,
        minutes=0.3,
        lease_seconds=4,
        locations=60,
        queued=30,
        tasks_outage_at=None,
        kill_functions_at=6.0,
        settle_seconds=60,
    )
    results = soak.run(options)

    assert [f["name"] for f in results["faults"]] == ["functions killed"]
    requests = {row["function"]: row["requests"] for row in results["functions"]}
    assert requests["requestCall"] > 4
    assert requests["submitReport"] > 0
    assert results["most_held_at_once"] == 1
    found = {name: count for name, count in results["violations"].items() if count}
    assert found == {"no two callers holding one entry": 1}, results["examples"]
