"""make bench's goals table: the worst row decides, and what was not measured is no pass."""

from __future__ import annotations

from typing import Any

from tools.bench.goals import goals, line

RESULTS: dict[str, Any] = {
    "reads_per_claim": [
        {"entries": 100, "held_fraction": 0.0, "reads_per_claim": 8.0, "rpcs_per_claim": 5.0},
        {"entries": 100000, "held_fraction": 0.9, "reads_per_claim": 12.5, "rpcs_per_claim": 6},
    ],
    "cold_start": {"seconds": 0.9, "bare_seconds": 0.3, "ratio_to_bare": 3.0, "peak_rss_mib": 130},
    "bulk_enqueue": {"seconds": 14.0, "noop_seconds": 0.2, "noop_fraction": 0.014},
    "undo": {"entries": 7772, "seconds": 31.5},
    "caller_statistics": {"callers": 20, "queries_per_page": 3},
    "contention": [
        {"callers": 1, "entries": 1000, "attempts_per_claim": 1.0, "duplicates": 0},
        {"callers": 32, "entries": 1000, "attempts_per_claim": 1.02, "duplicates": 0},
    ],
}


def verdicts(results: dict[str, Any]) -> dict[str, tuple[float | None, bool | None]]:
    return {g.name: (g.figure, g.met) for g in goals(results)}


def test_each_goal_is_read_from_its_worst_row() -> None:
    found = verdicts(RESULTS)
    assert found["documents read per claim"] == (12.5, False)
    assert found["RPCs per claim"] == (6.0, True)
    assert found["cold start / bare function"] == (3.0, False)
    assert found["cold start peak memory (MiB)"] == (130.0, True)
    assert found["no-op bulkEnqueue / the first"] == (0.014, True)
    assert found["undo of a bulk add (s, emulator)"] == (31.5, True)
    assert found["callerStatistics queries per page"] == (3.0, True)
    assert found["attempts per claim, 32 callers"] == (1.02, True)
    assert found["duplicate holds"] == (0.0, True)
    worst = next(g for g in goals(RESULTS) if g.name == "documents read per claim")
    assert worst.where == "100,000 entries, 90% held"


def test_a_figure_not_measured_is_neither_met_nor_missed() -> None:
    found = verdicts(RESULTS)
    # The reads rows carry no round trips yet: not a pass.
    assert found["sequential round trips per claim"] == (None, None)
    assert set(verdicts({}).values()) == {(None, None)}
    assert all(line(g).endswith("not measured") for g in goals({}))
