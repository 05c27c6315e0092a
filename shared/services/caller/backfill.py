"""Refill a queue that runs low: requestCall calls `top_up` before drawing from it.

A queue is low when fewer of its entries than `backfill_min` are callable within
`routing.BACKFILL_HORIZON` (available, held, or deferred to an opening inside it). The
places added are those never reported on first, then those with the oldest latest report,
skipping queued ones, those that may not be called (no phone, do-not-call) and those that do
not open within the horizon. One refill per queue and window: `backfills/{queue}-{window}` is
created first, so of 16 callers finding the queue low at once exactly one refills it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from shared.adapters import store
from shared.adapters.auth import User
from shared.base import logs
from shared.base.errors import ApiError
from shared.domain import callability, routing
from shared.domain.models import DEFAULT_PRIORITY_GROUP, Backfill, Location, Queue
from shared.records import available, bulk_adds, openings, reasons

if TYPE_CHECKING:
    from google.cloud.firestore import Client

SYSTEM = User(uid="system", email=None, roles=frozenset())
# Locations one refill reads at most while skipping queued ones (it runs once a window).
MAX_SCAN = 5000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# When a place may next be called (None: never); without one every place may be called now.
OpensAt = Callable[[Location], datetime | None]


def top_up(db: Client, queue: Queue, now: datetime, opens_at: OpensAt | None = None) -> int | None:
    """Refill `queue` to its `backfill_min` if its stock is short; answers how many it added,
    or None when it was not low or another caller is refilling it this window."""
    if queue.backfill_min <= 0:
        return None
    wanted = routing.shortfall(queue.backfill_min, count_stock(db, queue, now))
    if wanted == 0:
        return None
    window = routing.backfill_window(now)
    fence_id = routing.backfill_id(queue.id, window)
    record = Backfill(id=fence_id, queue=queue.id, window=window, at=now, wanted=wanted)
    if not first_in_window(db, record):
        return None

    def soon(place: Location) -> bool:
        return opens_at is None or routing.callable_soon(opens_at(place), now)

    picked, not_callable = least_recently_reported(db, wanted, soon)
    if len(picked) < wanted:
        hold_off(db, record)
    if not picked:
        logs.info("backfill", queue=queue.id, wanted=wanted, added=0, not_callable=not_callable)
        return 0
    # Read again: a place marked do-not-call since the scan is left out.
    places = openings.places_of(db, picked)
    states = places.states
    not_callable += len(places.not_callable)
    reason = reasons.ensure(db, routing.AUTOMATIC_BACKFILL, SYSTEM.uid, now)
    bulk_id = bulk_adds.record(db, SYSTEM, None, reason, DEFAULT_PRIORITY_GROUP, now)
    opening = openings.Opening(reason, DEFAULT_PRIORITY_GROUP, queue.id, SYSTEM.uid, bulk_id)
    try:
        added, _ = openings.open_all(db, list(states), states, opening, now, places.busy_until)
    except ApiError as exc:
        # Staff adding the same places at this moment (409 retry): the caller still draws.
        logs.warning("backfill stopped", queue=queue.id, error=exc.error)
        return 0
    bulk_adds.count_added(db, bulk_id, added)
    logs.info("backfill", queue=queue.id, wanted=wanted, added=added, not_callable=not_callable)
    db.collection(store.BACKFILLS).document(record.id).update(
        {"added": added, "bulk_id": bulk_id, "not_callable": not_callable}
    )
    return added


def hold_off(db: Client, record: Backfill) -> None:
    """After a refill that found too few places, take the next windows' fences too.

    Places that open soon do not appear from one minute to the next (a weekend's closing
    lasts days); without this every minute's first request would scan the table again.
    """
    from google.api_core.exceptions import AlreadyExists

    for window in range(record.window + 1, record.window + routing.BACKFILL_HOLD_OFF_WINDOWS):
        held = record.model_copy(
            update={"id": routing.backfill_id(record.queue, window), "window": window}
        )
        try:
            db.collection(store.BACKFILLS).document(held.id).create(held.stored())
        except AlreadyExists:
            continue


def count_stock(db: Client, queue: Queue, now: datetime) -> int:
    """The queue's entries callable within the horizon, counted up to its minimum (the scan
    stops there): the available ones and those held or deferred until a time inside it."""
    query = available.available(db, routing.stock_until(now), queue=queue.id)
    return int(query.limit(queue.backfill_min).count().get()[0][0].value)


def first_in_window(db: Client, record: Backfill) -> bool:
    """Create the window's fence; False if another refill of this queue created it first."""
    from google.api_core.exceptions import AlreadyExists

    try:
        db.collection(store.BACKFILLS).document(record.id).create(record.stored())
    except AlreadyExists:
        return False
    return True


def least_recently_reported(
    db: Client, wanted: int, acceptable: Callable[[Location], bool] = lambda _: True
) -> tuple[list[str], int]:
    """Up to `wanted` callable, acceptable locations without an open entry: never reported on
    first, then those whose latest report is oldest; and how many not callable ones the scan
    passed."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    # Queued and not callable places are passed over as they stream by, so the scan reads
    # until it has enough, up to MAX_SCAN (places without a phone can be most of them).
    limit = MAX_SCAN
    places = db.collection(store.LOCATIONS)
    # Not `latest_report_at == null`: the emulator we run matches every document with it,
    # and sorts nulls among timestamps; a range leaves the nulls out on every backend.
    never = places.where(filter=FieldFilter("number_of_reports", "==", 0))
    oldest = places.where(filter=FieldFilter("latest_report_at", ">=", EPOCH)).order_by(
        "latest_report_at"
    )
    free: list[str] = []
    passed: set[str] = set()
    for query in (never, oldest):
        for snapshot in query.limit(limit).stream():
            data = snapshot.to_dict() or {}
            if data.get("queued") is True or snapshot.id in free:
                continue
            if callability.state_of_document(data) != "callable":
                passed.add(snapshot.id)
                continue
            place = store.load(Location, snapshot)
            if place is not None and acceptable(place):
                free.append(place.id)
            if len(free) >= wanted:
                return free, len(passed)
    return free[:wanted], len(passed)
