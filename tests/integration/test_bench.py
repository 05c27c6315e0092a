"""The benchmark's measures run (tiny sizes): their queries join the index coverage check."""

from __future__ import annotations

from typing import Any

import pytest

from tools import bench

pytestmark = pytest.mark.integration


def test_benchmark_measures_run_on_small_sizes(db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    bench.bench_stats(db, [3])
    bench.bench_draw(db, [30])
    bench.bench_enqueue(db, [10])
    out = capsys.readouterr().out
    assert "1. callerStats" in out
    assert "2. draw" in out
    assert "3. bulkEnqueue" in out
