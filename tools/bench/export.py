"""exportRecords of a large period over HTTP, page by page into a file, as the console does.

`rows` attempts (and as many reports) are written straight to the emulator first (not
timed), spread over one week, a few hundred places in eight counties. The export then reads
every attempt in pages of 1,000 and appends each page's CSV to a file; the figures say how
long it took, how large the file and the largest page were (what one call holds), and the
client's peak Python memory while exporting (tracemalloc), against the file's size.
"""

from __future__ import annotations

import random
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from tools import stack as stacklib
from tools.bench.common import functions_server

STAFF_PASSWORD = "bench-staff-pass"
START = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
PLACES = 400
PAGE = 1000


def run(stack: stacklib.Stack, rows: int) -> dict[str, Any]:
    from shared.adapters import store
    from tools.accounts import ensure_user, sign_in
    from tools.demo import clear

    db = store.client(stack.project)
    clear(db)
    seeded = _seed(db, rows)
    ensure_user("bench-staff@bench.callqueue.test", STAFF_PASSWORD, ["staff"], stack.project)
    token = sign_in("bench-staff@bench.callqueue.test", STAFF_PASSWORD, stack.auth_host)
    params = {
        "kind": "attempts",
        "since": START.isoformat(),
        "until": (START + timedelta(days=8)).isoformat(),
        "limit": str(PAGE),
    }
    with functions_server(stack, "bench-export") as base, tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "attempts.csv"
        tracemalloc.start()
        started = time.perf_counter()
        exported, pages, largest = _export(base, token, params, target)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        size = target.stat().st_size
    assert exported == seeded, (exported, seeded)
    result = {
        "rows": exported,
        "pages": pages,
        "seconds": round(seconds, 1),
        "rows_per_s": round(exported / seconds),
        "file_mib": round(size / 2**20, 2),
        "largest_page_kib": round(largest / 2**10, 1),
        "client_peak_mib": round(peak / 2**20, 2),
    }
    print(
        f"{exported:>8} {pages:>6} {seconds:>8.1f} {result['rows_per_s']:>7}"
        f" {result['file_mib']:>9} {result['largest_page_kib']:>10} {result['client_peak_mib']:>9}",
        flush=True,
    )
    return result


HEADER = (
    f"{'rows':>8} {'pages':>6} {'seconds':>8} {'rows/s':>7} {'file MiB':>9}"
    f" {'page KiB':>10} {'peak MiB':>9}"
)


def _export(base: str, token: str, params: dict[str, str], target: Path) -> tuple[int, int, int]:
    """Every page appended to `target`; answers rows, pages and the largest page's bytes."""
    rows = pages = largest = 0
    token_of_page: str | None = None
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    with target.open("w", encoding="utf-8", newline="") as out:
        while True:
            query = (
                dict(params) if token_of_page is None else {**params, "page_token": token_of_page}
            )
            reply = session.get(f"{base}/exportRecords", params=query, timeout=120)
            reply.raise_for_status()
            page = reply.json()
            out.write(page["csv"])
            rows += page["rows"]
            pages += 1
            largest = max(largest, len(page["csv"].encode()))
            token_of_page = page["next_page_token"]
            if token_of_page is None:
                return rows, pages, largest


def _seed(db: Any, rows: int) -> int:
    """Places, entries and `rows` ended attempts over a week, written in batches of 500."""
    from shared.adapters import store

    rng = random.Random(19)
    counties = [f"County {i}" for i in range(8)]
    batch, pending = db.batch(), 0

    def put(collection: str, doc_id: str, data: dict[str, Any]) -> None:
        nonlocal batch, pending
        batch.set(db.collection(collection).document(doc_id), data)
        pending += 1
        if pending == store.MAX_BATCH_WRITES:
            batch.commit()
            batch, pending = db.batch(), 0

    places = max(1, min(PLACES, rows))
    for i in range(places):
        put(
            store.LOCATIONS,
            f"p{i:04d}",
            {"name": f"Place {i}", "state": "CA", "county": counties[i % 8]},
        )
        put(store.ENTRIES, f"e{i:04d}", {"queue": "default", "state": "CA", "open": False})
    week = 7 * 24 * 3600
    for n in range(rows):
        i = n % places
        claimed = START + timedelta(seconds=rng.uniform(0, week))
        put(
            store.ATTEMPTS,
            f"e{i:04d}-{n + 1}",
            {
                "entry_id": f"e{i:04d}",
                "location_id": f"p{i:04d}",
                "claim_seq": n + 1,
                "holder": f"caller{n % 40}",
                "holder_email": f"caller{n % 40}@bench.callqueue.test",
                "claimed_at": claimed,
                "claimed_until": claimed + timedelta(minutes=20),
                "ended_at": claimed + timedelta(seconds=rng.uniform(60, 900)),
                "outcome": "completed",
                "extensions": 0,
            },
        )
    if pending:
        batch.commit()
    return rows
