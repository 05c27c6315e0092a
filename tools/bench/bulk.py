"""bulkEnqueue of the real snapshot over HTTP, against raw WriteBatch writes of the same documents.

The locations are imported from ../shared/data first (not timed). bulkEnqueue then queues
every one of them (a guard and an entry per location); the baseline writes the very same
documents with plain WriteBatch sets, 500 a commit, into an empty project of the same
emulator. A second identical bulkEnqueue is the no-op call. Then undoBulkAdd removes the whole
bulk add, called again while it answers `remaining` (as the console does): the undo's seconds.
"""

from __future__ import annotations

import time
from typing import Any

import requests

from tools import stack as stacklib
from tools.bench.common import BENCH_PHONE, DATA, functions_server, give_phones

SNAPSHOT = DATA / "vaccinateca-locations-2021-03-01.json"
STAFF_PASSWORD = "bench-staff-pass"


def run(stack: stacklib.Stack, generated: int | None = None) -> dict[str, Any]:
    """Figures for the first and the no-op call; `generated` places instead of the snapshot
    make a quick run (smoke tests)."""
    from shared.adapters import store
    from tools import importer
    from tools.accounts import ensure_user, sign_in
    from tools.demo import clear

    db = store.client(stack.project)
    clear(db)
    if generated is None:
        importer.import_files(db, SNAPSHOT, default_state="CA")
    else:
        _generate(db, generated)
    ids = sorted(s.id for s in db.collection(store.LOCATIONS).select([]).stream())
    if generated is None:
        give_phones(db, ids)
    ensure_user("bench-staff@bench.callqueue.test", STAFF_PASSWORD, ["staff"], stack.project)
    token = sign_in("bench-staff@bench.callqueue.test", STAFF_PASSWORD, stack.auth_host)
    body = {"reason": "Bench", "location_ids": ids}
    with functions_server(stack, "bench-bulk", MAX_BULK_LOCATIONS=str(len(ids))) as base:
        first, seconds = _call(base, token, body)
        again, noop = _call(base, token, body)
        assert first["added"] == len(ids), first
        assert again["already_queued"] == len(ids), again
        documents = _written(db)
        undone, undo_seconds, undo_calls = _undo(base, token, str(first["bulk_id"]))
    assert undone == len(ids), undone
    raw = _raw(store.client(f"{stack.project}-raw"), documents)
    result = {
        "locations": len(ids),
        "source": "generated" if generated is not None else SNAPSHOT.name,
        "documents": len(documents),
        "seconds": round(seconds, 2),
        "writes_per_s": round(len(documents) / seconds),
        "raw_seconds": round(raw, 2),
        "raw_writes_per_s": round(len(documents) / raw),
        # 1.0: as fast as raw writes of the same documents.
        "ratio_to_raw": round(raw / seconds, 2),
        "noop_seconds": round(noop, 2),
        "noop_fraction": round(noop / seconds, 3),
    }
    undo = {"entries": undone, "seconds": round(undo_seconds, 2), "calls": undo_calls}
    print(
        f"{result['locations']:>9} {seconds:>9.2f} {raw:>9.2f} {result['ratio_to_raw']:>7.2f}"
        f" {result['writes_per_s']:>8} {noop:>9.2f} {result['noop_fraction']:>7.3f}"
        f" {undo_seconds:>8.2f} {undo_calls:>6}",
        flush=True,
    )
    return {"bulk_enqueue": result, "undo": undo}


HEADER = (
    f"{'locations':>9} {'seconds':>9} {'raw s':>9} {'ratio':>7} {'writes/s':>8} {'no-op s':>9}"
    f" {'no-op':>7} {'undo s':>8} {'calls':>6}"
)


def _generate(db: Any, count: int) -> None:
    from shared.adapters import store

    batch = db.batch()
    for i in range(count):
        batch.set(
            db.collection(store.LOCATIONS).document(f"g{i:05d}"),
            {"name": "G", "state": "CA", "phone": BENCH_PHONE},
        )
    batch.commit()


def _call(base: str, token: str, body: dict[str, Any]) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    reply = requests.post(
        f"{base}/bulkEnqueue",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=600,
    )
    seconds = time.perf_counter() - started
    reply.raise_for_status()
    answer: dict[str, Any] = reply.json()
    return answer, seconds


def _undo(base: str, token: str, bulk_id: str) -> tuple[int, float, int]:
    """Undo the bulk add as the console does (again while some remain): removed, seconds, calls."""
    removed = calls = 0
    started = time.perf_counter()
    while True:
        reply = requests.post(
            f"{base}/undoBulkAdd",
            json={"bulk_id": bulk_id},
            headers={"Authorization": f"Bearer {token}"},
            timeout=600,
        )
        reply.raise_for_status()
        answer = reply.json()
        removed += int(answer["removed"])
        calls += 1
        if not answer["remaining"]:
            return removed, time.perf_counter() - started, calls


def _written(db: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """Every guard and entry bulkEnqueue wrote, in the order it wrote them (guard, entry)."""
    from shared.adapters import store

    entries = {s.id: s.to_dict() or {} for s in db.collection(store.ENTRIES).stream()}
    documents = []
    for guard in db.collection(store.OPEN_ENTRIES).stream():
        data = guard.to_dict() or {}
        documents.append((store.OPEN_ENTRIES, guard.id, data))
        documents.append((store.ENTRIES, data["entry_id"], entries[data["entry_id"]]))
    return documents


def _raw(db: Any, documents: list[tuple[str, str, dict[str, Any]]]) -> float:
    from shared.adapters import store

    started = time.perf_counter()
    for start in range(0, len(documents), store.MAX_BATCH_WRITES):
        batch = db.batch()
        for collection, doc_id, data in documents[start : start + store.MAX_BATCH_WRITES]:
            batch.set(db.collection(collection).document(doc_id), data)
        batch.commit()
    return time.perf_counter() - started
