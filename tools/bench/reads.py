"""Cost per claim as the queue grows and fills with held or scheduled entries.

Entries are written straight to the emulator (WriteBatch, 500 a commit); a fraction of them
is then made held (a lease running) or scheduled (a call-back ahead). Claims run in this
process through `calls.request_call` on a client whose RPCs a gRPC interceptor counts, and
each draw query is replayed in its composite index's order to count the index entries a
production scan would read (`index_scan`).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tools.bench.common import indexes, median
from tools.bench.rpc_count import RpcCounter, counting_client

BATCH = 500
GROUP = 99
# Claimers, each claiming again after releasing (40: under requestCall's 20 a minute each).
CALLER_POOL = 40


# Claims a fresh process makes before its draw has settled (reported apart as the warm-up).
WARM_UP = 5


def run(
    sizes: list[int], fractions: list[float], claims: int, big_claims: int
) -> list[dict[str, Any]]:
    """One row per (size, held fraction); fractions are applied in rising order on one queue."""
    from shared.services.caller import calls

    rows = []
    for size in sizes:
        # A new queue is a new process's: the draw's remembered levels start afresh.
        calls._levels.clear()
        calls._urgent.clear()
        queue = Queue(f"demo-bench-reads-{size}-{random.randrange(10**6)}")
        started = time.perf_counter()
        queue.fill(size)
        filled = time.perf_counter() - started
        for fraction in sorted(fractions):
            started = time.perf_counter()
            queue.hold(fraction)
            held = time.perf_counter() - started
            # Claims use up available entries: never more than half of what is left.
            n = max(1, min(claims if size < 50_000 else big_claims, queue.available() // 2 - 1))
            row = queue.measure(n)
            row.update(
                entries=size,
                held_fraction=fraction,
                fill_seconds=round(filled, 1),
                hold_seconds=round(held, 1),
            )
            rows.append(row)
            print(_line(row), flush=True)
    return rows


HEADER = (
    f"{'entries':>8} {'held':>5} {'reads':>7} {'scanned':>8} {'rpcs':>6} {'trips':>6}"
    f" {'queries':>8}"
    f" {'claim ms':>9} {'warm-up scanned':>16}"
)


def _line(row: dict[str, Any]) -> str:
    return (
        f"{row['entries']:>8} {row['held_fraction']:>5.0%} {row['reads_per_claim']:>7.1f}"
        f" {row['index_entries_scanned_per_claim']:>8.1f} {row['rpcs_per_claim']:>6.1f}"
        f" {row['round_trips_per_claim']:>6.1f}"
        f" {row['queries_per_claim']:>8.1f} {row['claim_ms_median']:>9.0f}"
        f" {row['warmup_index_entries_scanned']:>16.0f}"
    )


class Queue:
    """One emulator project holding a generated queue and a mirror of its entries."""

    def __init__(self, project: str) -> None:
        from shared.adapters import store

        self.project = project
        self.db = store.client(project)
        self.counter = RpcCounter()
        self.counted = counting_client(project, self.counter)
        self.mirror: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.claimed = 0
        self.later = datetime.now(UTC) + timedelta(hours=6)

    def fill(self, size: int, queues: list[str] | None = None) -> None:
        """`size` available entries; the i-th in `queues[i]` when given, else in `default`."""
        from shared.adapters import store
        from shared.domain.models import DEFAULT_QUEUE
        from shared.records import entries

        now = datetime.now(UTC) - timedelta(seconds=5)
        if queues is None:
            # Queues saved, as in production: the draw reads the routing and filters by queue.
            from shared.domain.models import Queue
            from shared.records import saved_queues

            saved_queues.save(self.db, Queue(id=DEFAULT_QUEUE))
        collection = self.db.collection(store.ENTRIES)
        for start in range(0, size, BATCH):
            batch = self.db.batch()
            for i in range(start, min(size, start + BATCH)):
                queue = queues[i] if queues else DEFAULT_QUEUE
                entry = entries.new_entry(
                    f"bench{i:06d}", "CA", "Bench", GROUP, "bench", now, i, queue=queue
                )
                stored = entry.stored()
                batch.set(collection.document(entry.id), stored)
                self.mirror[entry.id] = stored
            batch.commit()
        self.order = list(self.mirror)
        random.shuffle(self.order)

    def hold(self, fraction: float) -> None:
        """Make entries held or scheduled (alternately) until `fraction` are not available.

        Entries claimed by earlier measurements count as held.
        """
        from shared.adapters import store

        now = datetime.now(UTC)
        unavailable = sum(1 for row in self.mirror.values() if row["available_at"] > now)
        target = int(fraction * len(self.order))
        todo = [i for i in self.order if self.mirror[i]["available_at"] <= now]
        todo = todo[: max(0, target - unavailable)]
        collection = self.db.collection(store.ENTRIES)
        for start in range(0, len(todo), BATCH):
            batch = self.db.batch()
            for offset, entry_id in enumerate(todo[start : start + BATCH]):
                fields: dict[str, Any]
                if (start + offset) % 2:
                    fields = {"vest_at": self.later, "available_at": self.later}
                else:
                    fields = {
                        "holder": "bench-holder",
                        "claimed_until": self.later,
                        "available_at": self.later,
                    }
                batch.update(collection.document(entry_id), fields)
                self.mirror[entry_id].update(fields)
            batch.commit()

    def available(self) -> int:
        now = datetime.now(UTC)
        return sum(1 for row in self.mirror.values() if row["available_at"] <= now)

    def measure(self, claims: int) -> dict[str, Any]:
        """Per-claim figures over `claims` claims, after `WARM_UP` claims reported apart.

        The warm-up is where the draw finds the level this queue's density needs, and sees
        enough entries there to size its reads (`selection.Fill`): a running instance has.
        """
        first = self._claims(WARM_UP)
        row = self._claims(claims)
        row["warmup_reads"] = first["reads_per_claim"]
        row["warmup_index_entries_scanned"] = first["index_entries_scanned_per_claim"]
        return row

    def _claims(self, claims: int) -> dict[str, Any]:
        from shared.adapters import store
        from shared.adapters.auth import User
        from shared.domain import contact_hours
        from shared.domain.contact_hours import ContactPolicy
        from shared.domain.leases import LeasePolicy
        from shared.domain.rate_policy import Limit
        from shared.domain.selection import DrawPolicy
        from shared.records import rate_limits
        from shared.services.caller import calls, lease_changes
        from tools.bench.index_scan import scan_all

        known = indexes()
        reads = rpcs = scanned = queries = trips = 0
        latencies = []
        # requestCall's production limit, its slot in the claim's commit as the entry point does.
        limit = Limit(bucket="requestCall", count=20, window_seconds=60)
        for _ in range(claims):
            self.claimed += 1
            # Callers who called before (a pool, each ending their lease after the claim):
            # a warm request knows from the caller's document that they hold nothing.
            uid = f"bench-{(self.claimed - 1) % CALLER_POOL + 1}"
            user = User(uid=uid, email=None, roles=frozenset({"caller"}))
            self.counter.reset()
            started = time.perf_counter()
            now = datetime.now(UTC)
            admission = rate_limits.Admission(self.counted, user.uid, limit, now)
            answer = calls.request_call(
                self.counted,
                user,
                calls.CallQuery(state="all"),
                now,
                LeasePolicy(),
                DrawPolicy(),
                # Every place open: the window check runs, as in production, and defers nothing.
                contact=ContactPolicy(default=contact_hours.ALWAYS),
                admission=admission,
            )
            admission.settle()
            latencies.append((time.perf_counter() - started) * 1000)
            reads += self.counter.documents
            rpcs += self.counter.total_rpcs
            trips += self.counter.round_trips
            drawn = [q for q in self.counter.queries if q.collection == store.ENTRIES]
            queries += len(drawn)
            # The mirror still holds the state the draw saw: the claim is applied after.
            scanned += scan_all(list(self.mirror.items()), drawn, known).scanned
            entry_id = answer["lease"]["entry_id"]
            lease_changes.release(
                self.db, uid, lease_changes.LeaseRef(**answer["lease"]), now, LeasePolicy()
            )
            snapshot = self.db.collection(store.ENTRIES).document(entry_id).get()
            self.mirror[entry_id] = snapshot.to_dict() or {}
        return {
            "claims": claims,
            "reads_per_claim": round(reads / claims, 2),
            "index_entries_scanned_per_claim": round(scanned / claims, 2),
            "rpcs_per_claim": round(rpcs / claims, 2),
            "round_trips_per_claim": round(trips / claims, 2),
            "queries_per_claim": round(queries / claims, 2),
            "claim_ms_median": round(median(latencies), 1),
        }
