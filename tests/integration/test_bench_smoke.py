"""`make bench` at tiny sizes: the benchmark code works and writes results.json's shape.

No thresholds: figures are not checked, only that every scenario runs and reports them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests import harness

pytestmark = [pytest.mark.integration, pytest.mark.bench_smoke]

SHAPE = {
    "contention": {
        "callers",
        "entries",
        "claims_per_s",
        "p50_ms",
        "p99_ms",
        "attempts_per_claim",
        "attempts_per_claim_naive",
        "duplicates",
    },
    "reads_per_claim": {
        "entries",
        "held_fraction",
        "reads_per_claim",
        "index_entries_scanned_per_claim",
        "rpcs_per_claim",
        "round_trips_per_claim",
    },
    "queues_per_claim": {"layout", "entries", "queues", "reads_per_claim", "rpcs_per_claim"},
    "bulk_enqueue": {"locations", "seconds", "writes_per_s", "ratio_to_raw", "noop_seconds"},
    "undo": {"entries", "seconds"},
    "caller_statistics": {"callers", "queries_per_page"},
    "cold_start": {
        "seconds",
        "bare_seconds",
        "ratio_to_bare",
        "peak_rss_mib",
        "libraries_ratio_to_bare",
        "preloaded_ready_seconds",
        "preloaded_first_request_seconds",
    },
    "export": {"rows", "pages", "seconds", "file_mib", "largest_page_kib", "client_peak_mib"},
}


def test_every_scenario_runs_and_reports(
    test_stack: harness.TestStack, db: Any, tmp_path: Path
) -> None:
    from tools.bench.__main__ import parser, run

    out = tmp_path / "results.json"
    args = parser().parse_args(
        [
            *("--callers", "1,3", "--entries", "12", "--claims", "6"),
            *("--sizes", "40", "--held", "0,0.5", "--reads-claims", "2"),
            *("--per-queue", "8", "--queues-claims", "2"),
            *("--bulk-generated", "30", "--stats-callers", "2", "--export-rows", "25"),
            *("--cold-repeat", "1", "--out", str(out)),
        ]
    )
    run(args)
    results = json.loads(out.read_text())
    for key, fields in SHAPE.items():
        rows = results[key] if isinstance(results[key], list) else [results[key]]
        assert rows, key
        for row in rows:
            assert fields <= set(row), (key, fields - set(row))
    assert [r["callers"] for r in results["contention"]] == [1, 3]
    assert all(r["duplicates"] == 0 for r in results["contention"])
    assert [r["held_fraction"] for r in results["reads_per_claim"]] == [0.0, 0.5]
    assert [r["queues"] for r in results["queues_per_claim"]] == [0, 5, 5]
    assert (results["undo"]["entries"], results["caller_statistics"]["callers"]) == (30, 2)
    measured = {g["name"]: g["figure"] for g in results["goals"]}
    assert measured["cold start / bare function"] == results["cold_start"]["ratio_to_bare"]
    assert measured["callerStatistics queries per page"] is not None


def test_results_keep_the_figures_of_scenarios_not_run(tmp_path: Path) -> None:
    from tools.bench.common import write_results

    out = tmp_path / "results.json"
    write_results({"cold_start": {"ratio_to_bare": 2.0}, "seconds": {"cold": 9.0}}, out)
    write_results({"undo": {"seconds": 1.0}, "seconds": {"bulk": 3.0}}, out)
    assert json.loads(out.read_text()) == {
        "cold_start": {"ratio_to_bare": 2.0},
        "undo": {"seconds": 1.0},
        "seconds": {"cold": 9.0, "bulk": 3.0},
    }


def test_duplicates_are_overlapping_leases_on_one_entry() -> None:
    from tools.bench.contention import duplicates

    def attempt(entry: str, start: int, end: int, ended: int | None = None) -> dict[str, Any]:
        return {"entry_id": entry, "claimed_at": start, "claimed_until": end, "ended_at": ended}

    assert duplicates([attempt("a", 0, 10), attempt("b", 0, 10)]) == 0
    assert duplicates([attempt("a", 0, 10, ended=5), attempt("a", 5, 10)]) == 0
    assert duplicates([attempt("a", 0, 10), attempt("a", 1, 2), attempt("a", 5, 6)]) == 1
    assert duplicates([attempt("a", 0, 10), attempt("a", 9, 20), attempt("b", 0, 1)]) == 1
