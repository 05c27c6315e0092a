"""`make bench`: every scenario on one local stack, a table each, and bench/results.json.

    .venv/bin/python -m tools.bench                                  # everything, default sizes
    .venv/bin/python -m tools.bench --scenario reads --sizes 100,10000   # without the 100,000 rows
    .venv/bin/python -m tools.bench --scenario contention --callers 1,32 --entries 500
    .venv/bin/python -m tools.bench --scenario queues --per-queue 2000
    .venv/bin/python -m tools.bench --scenario export --export-rows 50000

Emulators named by FIRESTORE_EMULATOR_HOST, FIREBASE_AUTH_EMULATOR_HOST and
CLOUD_TASKS_EMULATOR_HOST are used as they are; the others are started and stopped here.
Figures are the local emulator's, never pass/fail (docs/benchmarks.md reads them); the run
ends with each goal of issues 9, 12 and 20 beside its figure (tools/bench/goals.py).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tools.bench import common

SCENARIOS = ("contention", "reads", "queues", "bulk", "stats", "cold", "export")


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def _floats(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__)
    p.add_argument("--scenario", action="append", choices=SCENARIOS, help="repeatable; default all")
    p.add_argument("--callers", type=_ints, default=[1, 8, 32, 64], help="contention")
    p.add_argument("--entries", type=int, default=1000, help="contention: queue size")
    p.add_argument("--claims", type=int, default=192, help="contention: claims per run")
    p.add_argument("--sizes", type=_ints, default=[100, 10_000, 100_000], help="reads: queue sizes")
    p.add_argument("--held", type=_floats, default=[0.0, 0.5, 0.9], help="reads: held fractions")
    p.add_argument("--reads-claims", type=int, default=20, help="reads: claims per row")
    p.add_argument(
        "--big-claims", type=int, default=6, help="reads: claims per row from 50,000 entries up"
    )
    p.add_argument(
        "--per-queue", type=int, default=2000, help="queues: entries in each of five queues"
    )
    p.add_argument("--queues-claims", type=int, default=20, help="queues: claims per row")
    p.add_argument(
        "--bulk-generated", type=int, help="bulk: this many generated places, not the snapshot"
    )
    p.add_argument("--stats-callers", type=int, default=20, help="stats: callers (one page)")
    p.add_argument("--cold-repeat", type=int, default=3, help="cold: starts of each server")
    p.add_argument("--export-rows", type=int, default=50_000, help="export: attempts exported")
    p.add_argument("--out", type=Path, default=common.RESULTS)
    return p


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the chosen scenarios on one stack; answers the results document."""
    chosen = args.scenario or list(SCENARIOS)
    results: dict[str, Any] = {
        "machine": {"cpus": _cpus(), "platform": platform.platform()},
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    seconds: dict[str, float] = {}
    with common.local_stack() as stack:
        for name in chosen:
            started = time.perf_counter()
            if name == "contention":
                from tools.bench import contention

                _title("1. contention: concurrent callers over HTTP (naive: baseline draw)")
                print(contention.HEADER)
                results["contention"] = contention.run(
                    stack, args.callers, args.entries, args.claims
                )
            elif name == "reads":
                from tools.bench import reads

                _title("2. cost per claim (per claim: documents read, index entries scanned)")
                print(reads.HEADER)
                results["reads_per_claim"] = reads.run(
                    args.sizes, args.held, args.reads_claims, args.big_claims
                )
            elif name == "queues":
                from tools.bench import queues

                _title("2b. cost per claim: five queues, a caller eligible for two")
                print(queues.HEADER)
                results["queues_per_claim"] = queues.run(args.per_queue, args.queues_claims)
            elif name == "bulk":
                from tools.bench import bulk

                _title("3. bulkEnqueue of the real snapshot vs raw WriteBatch writes; its undo")
                print(bulk.HEADER)
                results.update(bulk.run(stack, args.bulk_generated))
            elif name == "stats":
                from tools.bench import statistics

                _title("3b. callerStatistics: queries for one page of callers")
                print(statistics.HEADER)
                stats = statistics.run(stack, args.stats_callers)
                results["caller_statistics"] = stats
            elif name == "cold":
                from tools.bench import cold_start

                _title("4. cold start: spawn to first 200 of requestCall vs a bare function")
                print(cold_start.HEADER)
                results["cold_start"] = cold_start.run(stack, args.cold_repeat)
            elif name == "export":
                from tools.bench import export

                _title("5. exportRecords: a week of attempts, page by page into a file")
                print(export.HEADER)
                results["export"] = export.run(stack, args.export_rows)
            seconds[name] = round(time.perf_counter() - started, 1)
    results["seconds"] = seconds
    path = common.write_results(results, args.out)
    # The goals read the whole file: figures of scenarios not run now are the last run's.
    from tools.bench import goals

    written = json.loads(path.read_text())
    reached = goals.goals(written)
    written["goals"] = [goal.as_json() for goal in reached]
    path.write_text(json.dumps(written, indent=2) + "\n")
    _title("Against the goals (figures from this file: this run, or the last run of a scenario)")
    print(goals.HEADER)
    for goal in reached:
        print(goals.line(goal))
    total = round(sum(seconds.values()), 1)
    print(f"\nwrote {path} ({json.dumps(seconds)} s; {total} s in all)")
    results["goals"] = written["goals"]
    return results


def _title(text: str) -> None:
    print(f"\n{text}", flush=True)


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


def main() -> None:
    run(parser().parse_args())


if __name__ == "__main__":
    main()
