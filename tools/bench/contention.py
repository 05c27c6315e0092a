"""Many callers claiming at once over HTTP: throughput, latency, lost races, duplicate holds.

Each run starts from the same queue (`entries` available entries, one priority group) and
makes `claims` requestCalls from as many distinct callers (one lease per caller), `callers`
at a time. The same load runs against a second functions server whose draw is the naive
baseline (DRAW_STRATEGY=naive: the longest available entry first, as every caller sees it).
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import requests

from tools import stack as stacklib
from tools.bench.common import BENCH_PHONE, functions_server, median, percentile

# A lease longer than any run: no entry comes back while we measure.
SETTINGS = {"CLAIM_LEASE_SECONDS": "3600", "MAX_LEASE_SECONDS": "3600"}
PASSWORD = "bench-password-1"

HEADER = (
    f"{'callers':>8} {'entries':>8} {'claims/s':>9} {'p50 ms':>8} {'p99 ms':>8}"
    f" {'attempts':>9} {'failed':>7} | naive: {'attempts':>8} {'claims/s':>9} {'p50 ms':>7}"
    f" {'failed':>7} | {'dups':>4}"
)


def run(
    stack: stacklib.Stack, levels: list[int], entries: int, claims: int
) -> list[dict[str, Any]]:
    """One row per number of concurrent callers, with the naive baseline's figures beside."""
    from shared.adapters import store

    db = store.client(stack.project)
    tokens = _tokens(stack, claims)
    rows = []
    with (
        functions_server(stack, "bench-functions", **SETTINGS) as base,
        functions_server(stack, "bench-naive", DRAW_STRATEGY="naive", **SETTINGS) as naive,
    ):
        for callers in levels:
            ours = _one_run(db, base, tokens, callers, entries)
            baseline = _one_run(db, naive, tokens, callers, entries)
            row = {
                "callers": callers,
                "entries": entries,
                "claims": ours["claims"],
                "claims_per_s": ours["claims_per_s"],
                "p50_ms": ours["p50_ms"],
                "p99_ms": ours["p99_ms"],
                "attempts_per_claim": ours["attempts_per_claim"],
                "attempts_per_claim_naive": baseline["attempts_per_claim"],
                "duplicates": ours["duplicates"] + baseline["duplicates"],
                "failed": ours["failed"],
                "naive": baseline,
            }
            rows.append(row)
            print(_line(row), flush=True)
    return rows


def _line(row: dict[str, Any]) -> str:
    naive = row["naive"]
    return (
        f"{row['callers']:>8} {row['entries']:>8} {row['claims_per_s']:>9.1f}"
        f" {row['p50_ms']:>8.0f} {row['p99_ms']:>8.0f} {row['attempts_per_claim']:>9.3f}"
        f" {row['failed']:>7} |        {naive['attempts_per_claim']:>8.2f}"
        f" {naive['claims_per_s']:>9.1f} {naive['p50_ms']:>7.0f} {naive['failed']:>7}"
        f" | {row['duplicates']:>4}"
    )


def _tokens(stack: stacklib.Stack, count: int) -> list[str]:
    from tools.accounts import ensure_user, sign_in

    tokens = []
    for i in range(count):
        email = f"bench-caller-{i}@bench.callqueue.test"
        ensure_user(email, PASSWORD, ["caller"], stack.project)
        tokens.append(sign_in(email, PASSWORD, stack.auth_host))
    return tokens


def _fill(db: Any, entries: int) -> None:
    from shared.adapters import store
    from shared.adapters.auth import User
    from shared.services.staff import enqueue
    from tools.demo import clear

    clear(db)
    ids = [f"c{i:05d}" for i in range(entries)]
    for start in range(0, entries, 500):
        batch = db.batch()
        for location_id in ids[start : start + 500]:
            batch.set(
                db.collection(store.LOCATIONS).document(location_id),
                # Open around the clock: the benchmark measures the draw, at any hour.
                {
                    "name": location_id,
                    "state": "CA",
                    "hours": "Open 24 hours",
                    "phone": BENCH_PHONE,
                },
            )
        batch.commit()
    staff = User(uid="bench-staff", email=None, roles=frozenset({"staff"}))
    body = enqueue.BulkEnqueueBody(reason="Bench", location_ids=ids)
    result = enqueue.bulk_enqueue(db, staff, body, datetime.now(UTC), limit=entries)
    assert result.added == entries, result


def _one_run(db: Any, base: str, tokens: list[str], callers: int, entries: int) -> dict[str, Any]:
    _fill(db, entries)
    pending: Iterator[str] = iter(tokens)
    lock = threading.Lock()
    latencies: list[float] = []
    attempts: list[int] = []
    failed: list[int] = []

    def caller() -> None:
        session = requests.Session()
        while True:
            with lock:
                token = next(pending, None)
            if token is None:
                return
            started = time.perf_counter()
            reply = session.post(
                f"{base}/requestCall",
                params={"state": "all"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=120,
            )
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if reply.status_code == 200:
                    latencies.append(elapsed)
                    attempts.append(int(reply.json().get("claim_attempts", 1)))
                else:
                    failed.append(reply.status_code)

    threads = [threading.Thread(target=caller) for _ in range(callers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "claims": len(latencies),
        "claims_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "attempts_per_claim": round(sum(attempts) / max(1, len(attempts)), 3),
        "failed": len(failed),
        "failed_statuses": {str(k): v for k, v in sorted(Counter(failed).items())},
        "duplicates": duplicates(_attempts(db)),
    }


def _attempts(db: Any) -> list[dict[str, Any]]:
    from shared.adapters import store

    return [s.to_dict() or {} for s in db.collection(store.ATTEMPTS).stream()]


def duplicates(attempts: list[dict[str, Any]]) -> int:
    """Entries held by two callers at once: attempts on one entry whose leases overlap."""
    by_entry: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
    for attempt in attempts:
        end = attempt.get("ended_at") or attempt["claimed_until"]
        by_entry[attempt["entry_id"]].append((attempt["claimed_at"], end))
    overlapping = 0
    for spans in by_entry.values():
        spans.sort()
        latest_end = spans[0][1]
        for start, end in spans[1:]:
            if start < latest_end:
                overlapping += 1
                break
            latest_end = max(latest_end, end)
    return overlapping
