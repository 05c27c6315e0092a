"""Benchmarks against a fresh local Firestore emulator: figures and ratios, never pass/fail.

Each measure runs next to a baseline measured in the same run, on the same emulator:

1. callerStats (two counter documents) vs counting the caller's reports with a query,
   as reports grow.
2. A draw (random window over available entries) vs reading every available entry of the
   group and choosing in memory, as the queue grows.
3. bulkEnqueue (guards + entries in WriteBatches) vs plain WriteBatch sets of the same
   number of documents.
4. Cold start: importing functions/main.py vs functions-framework alone, and vs importing
   every client eagerly.

Usage: .venv/bin/python -m tools.bench [--sizes 100,1000,3000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tools import stack as stacklib


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of `repeat` calls."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def clear(db: Any) -> None:
    from tools.demo import clear as clear_all

    clear_all(db)


def add_locations(db: Any, count: int, prefix: str = "b") -> list[str]:
    from shared import store

    ids = [f"{prefix}{i:06d}" for i in range(count)]
    for start in range(0, count, 500):
        batch = db.batch()
        for location_id in ids[start : start + 500]:
            batch.set(
                db.collection(store.LOCATIONS).document(location_id),
                {"name": location_id, "state": "CA", "county": "Bench County"},
            )
        batch.commit()
    return ids


def bench_stats(db: Any, sizes: list[int]) -> None:
    from google.cloud.firestore_v1.base_query import FieldFilter

    from shared import reports, store
    from shared.auth import User
    from shared.config import get_settings

    user = User(uid="bench-caller", email=None, roles=frozenset({"caller"}))
    tz = __import__("zoneinfo").ZoneInfo("America/Los_Angeles")
    call_backs = get_settings().call_backs
    print("\n1. callerStats: counters vs counting the caller's reports (median ms)")
    print(f"{'reports':>8} {'counters':>10} {'count query':>12} {'stream all':>11} {'ratio':>7}")
    clear(db)
    (location_id,) = add_locations(db, 1)
    done = 0
    body = reports.ReportBody.model_validate({"Location": location_id, "Availability": []})
    for size in sizes:
        while done < size:
            reports.submit_report(db, user, body, datetime.now(UTC), tz, call_backs)
            done += 1
        query = db.collection(store.REPORTS).where(
            filter=FieldFilter("reported_by", "==", user.uid)
        )
        counters = timed(lambda: reports.caller_stats(db, user, datetime.now(UTC), tz), 20)
        counted = timed(lambda q=query: q.count().get(), 10)
        streamed = timed(lambda q=query: sum(1 for _ in q.stream()), 3)
        ratio = streamed / counters
        print(f"{size:>8} {counters:>10.1f} {counted:>12.1f} {streamed:>11.1f} {ratio:>6.1f}x")


def bench_draw(db: Any, sizes: list[int]) -> None:
    from google.cloud.firestore_v1.base_query import FieldFilter

    from shared import calls, enqueue, store
    from shared.auth import User

    staff = User(uid="bench-staff", email=None, roles=frozenset({"staff"}))
    print("\n2. draw: random window vs reading every available entry of the group (median ms)")
    print(f"{'entries':>8} {'window':>8} {'read all':>9} {'ratio':>7}")
    for size in sizes:
        clear(db)
        ids = add_locations(db, size)
        body = enqueue.BulkEnqueueBody(reason="Bench", location_ids=ids)
        enqueue.bulk_enqueue(db, staff, body, datetime.now(UTC), limit=100_000)
        now = datetime.now(UTC)

        def read_all(now: datetime = now) -> str:
            query = (
                db.collection(store.ENTRIES)
                .where(filter=FieldFilter("open", "==", True))
                .where(filter=FieldFilter("needs_attention", "==", False))
                .where(filter=FieldFilter("priority_group", "==", 99))
                .where(filter=FieldFilter("available_at", "<=", now))
                # In key order, so production serves it with the draw's own index.
                .order_by("rand")
            )
            return random.choice([s.id for s in query.stream()])

        window = timed(lambda now=now: calls.draw_window(db, 99, None, now, 25), 20)
        everything = timed(read_all, 5)
        print(f"{size:>8} {window:>8.1f} {everything:>9.1f} {everything / window:>6.1f}x")


def bench_enqueue(db: Any, sizes: list[int]) -> None:
    from shared import enqueue, store
    from shared.auth import User

    staff = User(uid="bench-staff", email=None, roles=frozenset({"staff"}))
    print("\n3. bulkEnqueue vs plain WriteBatch sets of as many documents (seconds)")
    print(f"{'places':>8} {'bulkEnqueue':>12} {'plain sets':>11} {'ratio':>7} {'places/s':>9}")
    for size in sizes:
        clear(db)
        add_locations(db, size)
        body = enqueue.BulkEnqueueBody(reason="Bench", filter=enqueue.LocationFilter(state="CA"))
        started = time.perf_counter()
        result = enqueue.bulk_enqueue(db, staff, body, datetime.now(UTC), limit=100_000)
        ours = time.perf_counter() - started
        assert result.added == size
        clear(db)
        started = time.perf_counter()
        for start in range(0, 2 * size, 500):
            batch = db.batch()
            for i in range(start, min(start + 500, 2 * size)):
                batch.set(db.collection(store.ENTRIES).document(f"plain{i}"), {"n": i})
            batch.commit()
        plain = time.perf_counter() - started
        print(f"{size:>8} {ours:>12.2f} {plain:>11.2f} {ours / plain:>6.2f}x {size / ours:>9.0f}")


def bench_cold_start(repeat: int = 5) -> None:
    import subprocess
    import sys

    cases = {
        "functions_framework alone (baseline)": "import functions_framework",
        "functions/main.py (lazy imports)": (
            "import sys; sys.path[:0] = ['.', 'functions']; import main"
        ),
        "every client imported eagerly": (
            "import functions_framework, pydantic; from google.cloud import firestore, tasks_v2;"
            " from firebase_admin import auth"
        ),
    }
    print("\n4. cold start: importing the functions module (best of", repeat, "runs, ms)")
    baseline = 0.0
    for label, code in cases.items():
        best = min(_run_seconds([sys.executable, "-c", code], subprocess) for _ in range(repeat))
        baseline = baseline or best
        print(f"{label:>40} {best * 1000:>7.0f} {best / baseline:>6.2f}x")


def _run_seconds(argv: list[str], subprocess: Any) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, cwd=stacklib.ROOT)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description="Call-queue benchmarks on a fresh emulator.")
    parser.add_argument("--sizes", default="100,1000,3000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    from tests import harness

    port = stacklib.free_port()
    emulator = harness.start(
        "bench-firestore", stacklib.firestore_command(port), {"PORT": str(port)}
    )
    try:
        host = f"{stacklib.HOST}:{port}"
        harness.wait_ready(emulator, lambda: stacklib.tcp_ready(host), "firestore")
        os.environ["FIRESTORE_EMULATOR_HOST"] = host
        from shared import store

        db = store.client("demo-bench")
        print(f"Firestore emulator at {host} (@firestore-emulator/server); sizes {sizes}")
        bench_stats(db, sizes)
        bench_draw(db, sizes)
        bench_enqueue(db, sizes)
        bench_cold_start()
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
