"""What every scenario shares: the local stack it runs on, timing, and percentiles."""

from __future__ import annotations

import json
import os
import statistics
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tools import stack as stacklib

ROOT = stacklib.ROOT
RESULTS = ROOT / "bench" / "results.json"
INDEXES = ROOT / "firestore.indexes.json"
DATA = ROOT.parent / "shared" / "data"
# Places without a phone number are never queued: made-up places get this one, and so do the
# snapshot's, which carry no phone numbers at all.
BENCH_PHONE = "(555) 555-0100"


def give_phones(db: Any, ids: Sequence[str]) -> None:
    """A phone number for each of these locations, so that they may be queued."""
    from shared.adapters import store

    for start in range(0, len(ids), store.MAX_BATCH_WRITES):
        batch = db.batch()
        for location_id in ids[start : start + store.MAX_BATCH_WRITES]:
            ref = db.collection(store.LOCATIONS).document(location_id)
            batch.update(ref, {"phone": BENCH_PHONE, "callable_state": "callable"})
        batch.commit()


PROJECT = "demo-bench"


@contextmanager
def local_stack(project: str | None = None) -> Iterator[stacklib.Stack]:
    """Emulators named by the environment are used; the others start now and stop at the end."""
    project = project or os.environ.get("GOOGLE_CLOUD_PROJECT") or PROJECT
    # The harness owns starting and stopping services; tools reuse it rather than copy it.
    from shared.adapters.config import get_settings
    from tools import services as harness

    started = harness.start_stack(project)
    saved = dict(os.environ)
    os.environ.update(started.stack.env())
    get_settings.cache_clear()
    try:
        yield started.stack
    finally:
        started.stop()
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()


@contextmanager
def functions_server(stack: stacklib.Stack, name: str, **settings: str) -> Iterator[str]:
    """A functions server for this stack (extra settings as environment variables); its base URL."""
    from tools import services as harness

    service, base = harness.start_functions(stack, name, **settings)
    try:
        yield base
    finally:
        service.stop()


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The `fraction` quantile (nearest rank) of `samples`; 0 when there are none."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else 0.0


def indexes() -> list[Any]:
    from tools.bench.index_scan import indexes_from_config

    return indexes_from_config(json.loads(INDEXES.read_text()))


def write_results(results: dict[str, Any], path: Path = RESULTS) -> Path:
    """Write `results` over the keys they name; a scenario not run keeps its earlier figures."""
    path.parent.mkdir(parents=True, exist_ok=True)
    earlier: dict[str, Any] = {}
    if path.exists():
        try:
            earlier = json.loads(path.read_text())
        except ValueError:
            earlier = {}
    merged = {**earlier, **results}
    if isinstance(earlier.get("seconds"), dict) and isinstance(results.get("seconds"), dict):
        merged["seconds"] = {**earlier["seconds"], **results["seconds"]}
    path.write_text(json.dumps(merged, indent=2, default=str) + "\n")
    return path
