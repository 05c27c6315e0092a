"""Demo data for `make run`: generated places, reasons, two accounts, and a queue to draw from."""

from __future__ import annotations

from shared import clock, demo, store
from shared.auth import User
from shared.enqueue import BulkEnqueueBody, LocationFilter, bulk_enqueue

# Enough queued places, in several priority groups, to try the caller app at once.
QUEUE_PLAN: tuple[tuple[str, int, dict[str, str]], ...] = (
    ("Eva tip", 1, {"location_type": "Super Site"}),
    ("Stale report", 2, {"location_type": "Hospital / Clinic"}),
    ("New location", 99, {}),
)


def seed_demo(project_id: str) -> None:
    db = store.client(project_id)
    summary = demo.seed_demo(db, project_id)
    print(
        f"demo data: {summary.locations} locations, {summary.counties} counties, "
        f"{summary.providers} providers, {summary.reasons} reasons",
        flush=True,
    )
    staff = User(
        uid=summary.accounts[demo.DEMO_STAFF.email],
        email=demo.DEMO_STAFF.email,
        roles=frozenset(demo.DEMO_STAFF.roles),
    )
    for reason, group, selection in QUEUE_PLAN:
        body = BulkEnqueueBody(
            reason=reason, priority_group=group, filter=LocationFilter(**selection)
        )
        result = bulk_enqueue(db, staff, body, clock.now(), limit=10_000)
        print(
            f"queue: {reason!r} (group {group}): added {result.added}, "
            f"already queued {result.already_queued}",
            flush=True,
        )
