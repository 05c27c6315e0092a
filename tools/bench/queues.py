"""Cost per claim with five queues and a caller eligible for two, against no queues at all.

The same number of entries each time, in one emulator project per row: all in `default` with
no queue saved (today's draw, the baseline); spread over five queues with the caller's first
eligible queue holding entries; and with that queue empty, so every claim falls through to
the second. Claims, counts and index replay as in `reads`.
"""

from __future__ import annotations

import random
from typing import Any

from tools.bench import reads

NAMES = ("q0", "q1", "q2", "q3", "q4")
# The caller's group opens q1 and q3 (orders 1 and 3); the others are for other groups.
GROUP = "bench"
ELIGIBLE = ("q1", "q3")

HEADER = (
    f"{'layout':<32} {'entries':>8} {'reads':>7} {'scanned':>8} {'rpcs':>6} {'queries':>8}"
    f" {'claim ms':>9}"
)


def run(per_queue: int, claims: int) -> list[dict[str, Any]]:
    """One row per layout; each layout holds five times `per_queue` entries."""
    from shared.services.caller import calls

    total = per_queue * len(NAMES)
    layouts: list[tuple[str, dict[str, int] | None]] = [
        ("no queues (baseline)", None),
        ("5 queues, caller in 2", dict.fromkeys(NAMES, per_queue)),
        ("5 queues, first eligible empty", {**dict.fromkeys(NAMES, per_queue), "q1": 0}),
    ]
    rows = []
    for label, layout in layouts:
        calls._levels.clear()
        calls._urgent.clear()
        bench = Routed(f"demo-bench-queues-{random.randrange(10**6)}", layout)
        bench.fill(total)
        bench.callers(reads.CALLER_POOL)
        row = bench.measure(min(claims, per_queue // 2 or 1))
        row.update(layout=label, entries=total, queues=0 if layout is None else len(NAMES))
        rows.append(row)
        print(_line(row), flush=True)
    return rows


def _line(row: dict[str, Any]) -> str:
    return (
        f"{row['layout']:<32} {row['entries']:>8} {row['reads_per_claim']:>7.1f}"
        f" {row['index_entries_scanned_per_claim']:>8.1f} {row['rpcs_per_claim']:>6.1f}"
        f" {row['queries_per_claim']:>8.1f} {row['claim_ms_median']:>9.0f}"
    )


class Routed(reads.Queue):
    """A generated queue spread over named queues (or all in `default`, none saved)."""

    def __init__(self, project: str, layout: dict[str, int] | None) -> None:
        super().__init__(project)
        self.layout = layout

    def fill(self, size: int, queues: list[str] | None = None) -> None:
        from shared.domain.models import Queue
        from shared.records import saved_queues

        if self.layout is None:
            super().fill(size)
            return
        for order, name in enumerate(NAMES):
            groups = [GROUP] if name in ELIGIBLE else ["other"]
            queue = Queue(id=name, groups=groups, order=order)
            saved_queues.save(self.db, queue)
        placed = [name for name, n in self.layout.items() for _ in range(n)]
        super().fill(len(placed), placed)

    def callers(self, count: int) -> None:
        """Put the claimers `reads` will use (bench-1, bench-2...) in the caller group."""
        from shared.adapters import store

        batch = self.db.batch()
        for n in range(1, count + 2):
            ref = self.db.collection(store.CALLERS).document(f"bench-{n}")
            batch.set(ref, {"groups": [GROUP]}, merge=True)
        batch.commit()
