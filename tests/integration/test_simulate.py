"""`make simulate` small: one simulated Monday on the production configuration, every invariant at
0; and each invariant shown failing by its provoked fault in a short run (docs/simulation.md).

The emulators are the session's; the simulation empties them first and runs the real functions
in process on its own clock.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests import harness
from tools.simulate.checks import VIOLATIONS
from tools.simulate.engine import PROVOCATIONS, Options

pytestmark = pytest.mark.integration

# One Monday, a few callers, a slice of the snapshot and two places per split-zone town.
SMALL = Options(days=1, callers=4, places=250, per_town=2, backfill_min=10, seed=16)
# A provoked fault shows within an hour across closing time (16:30-17:30 Pacific).
PROVOKED = Options(
    callers=2, places=100, per_town=1, backfill_min=10, start_hour=16.5, hours=1, seed=7
)


def simulate(options: Options) -> dict[str, Any]:
    from tools.simulate.run import run

    return run(options)


def test_provocations_cover_every_invariant() -> None:
    assert set(PROVOCATIONS) == set(VIOLATIONS)


@pytest.mark.parametrize("fault", PROVOCATIONS)
def test_provoked_fault_breaks_its_invariant(test_stack: harness.TestStack, fault: str) -> None:
    from dataclasses import replace

    results = simulate(replace(PROVOKED, provoke=fault))

    assert results["violations"][fault] > 0, results["run"]


def test_small_week_keeps_every_invariant(test_stack: harness.TestStack) -> None:
    results = simulate(SMALL)

    assert results["run"]["attempts"] > 50
    assert [d["day"] for d in results["days"]] == ["Mon"]
    assert {k: v for k, v in results["violations"].items() if v} == {}, results["examples"]
