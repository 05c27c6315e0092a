"""The draw, backfill and contact windows together, on a controlled clock (issue 16: 1, 2)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.adapters import store
from tests.conftest import Users
from tests.harness import ControlledClock, InProcessApi
from tests.integration.factories import add_locations, count
from tests.integration.test_contact_windows import windowed  # noqa: F401 (fixture)
from tests.integration.test_queues import save_queue

pytestmark = pytest.mark.integration

WEEKDAYS = "Mon-Fri 9am-5pm"
WEEKENDS = "Sat-Sun 10:00-16:00"
# T0 is Sunday 1 March 2026, 10:00 in California; Monday 22:00 there is 36 hours later.
MONDAY_NIGHT = 36 * 3600


def enqueue_group(api: InProcessApi, staff: str, ids: list[str], group: int) -> None:
    body = {"reason": "Stale report", "location_ids": ids, "priority_group": group}
    reply = api.call("bulkEnqueue", staff, json=body)
    assert reply.status == 200, reply.body


def test_a_request_never_falls_through_while_the_urgent_group_has_an_open_place(
    windowed: InProcessApi,  # noqa: F811
    db: Any,
    staff_token: str,
    users: Users,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ControlledClock(monkeypatch)  # Sunday 10:00 in California: weekday places are closed
    closed = add_locations(db, 300, prefix="closed", hours=WEEKDAYS)
    [open_now] = add_locations(db, 1, prefix="open", hours=WEEKENDS)
    [less_urgent] = add_locations(db, 1, prefix="later", hours=WEEKENDS)
    enqueue_group(windowed, staff_token, [*closed, open_now], 1)
    enqueue_group(windowed, staff_token, [less_urgent], 2)
    answers = []
    for token in users.callers(30):
        reply = windowed.call("requestCall", token, params={"state": "all"})
        answers.append((reply.status, reply.body.get("id") or reply.body.get("error")))
        if reply.status == 200:
            break
    # Until group 1's open place is claimed: "try again" (429 busy) while closed places are
    # moved out of the way, never "nothing to call" and never group 2's place.
    assert answers[-1] == (200, open_now), answers
    assert {a for a in answers[:-1]} <= {(429, "busy")}, answers


def test_backfill_counts_deferred_entries_as_stock_and_adds_only_places_opening_soon(
    windowed: InProcessApi,  # noqa: F811
    db: Any,
    staff_token: str,
    users: Users,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = ControlledClock(monkeypatch)
    weekdays = add_locations(db, 30, prefix="weekday", hours=WEEKDAYS)
    weekends = add_locations(db, 10, prefix="weekend", hours=WEEKENDS)
    save_queue(windowed, staff_token, name="default", backfill_min=10)
    # Monday night: every place is closed; a request each minute for 12 minutes.
    for minute, token in enumerate(users.callers(12)):
        clock.at(MONDAY_NIGHT + 60 * minute)
        reply = windowed.call("requestCall", token, params={"state": "all"})
        assert reply.status in (404, 429), reply.body
    queued = {s.get("location_id") for s in db.collection(store.ENTRIES).stream()}
    # One refill of the shortfall: the deferred entries are stock for the next requests.
    assert len(queued) == 10
    assert queued <= set(weekdays)
    assert not queued & set(weekends)  # not open before Saturday: outside the horizon
    adds = [s.to_dict() for s in db.collection(store.BULK_ADDS).stream()]
    assert [a["added"] for a in adds] == [10]
    assert count(db, store.BACKFILLS) == 1


def test_the_available_query_answers_what_the_pure_rule_calls_available(db: Any) -> None:
    """`records/available.py` is `leases.is_available` as a query: the same entries, on the
    emulator, for every state an entry can be in."""
    from datetime import timedelta

    from shared.domain import leases
    from shared.records import available, entries
    from tests.harness import T0

    hour = timedelta(hours=1)
    kinds = {
        "available": {},
        "vested_now": {"available_at": T0},
        "held": {"available_at": T0 + hour, "claimed_until": T0 + hour, "holder": "x"},
        "deferred": {"available_at": T0 + 9 * hour},
        "flagged": {"needs_attention": True},
        "closed": {"open": False, "status": "completed"},
    }
    made = {}
    for kind, fields in kinds.items():
        entry = entries.new_entry(f"avail-{kind}", "CA", "r", 1, "u", T0 - hour, 0.0)
        entry = entry.model_copy(update=fields)
        db.collection(store.ENTRIES).document(entry.id).set(entry.to_firestore())
        made[entry.id] = entry
    found = {s.id for s in available.available(db, T0).stream()} & set(made)
    assert found == {i for i, e in made.items() if leases.is_available(e, T0)}
    assert {made[i].location_id for i in found} == {"avail-available", "avail-vested_now"}


def test_a_refill_that_found_too_few_places_does_not_scan_again_every_minute(
    windowed: InProcessApi,  # noqa: F811
    db: Any,
    staff_token: str,
    users: Users,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shared.services.caller import backfill

    clock = ControlledClock(monkeypatch)
    add_locations(db, 5, prefix="weekday", hours=WEEKDAYS)
    add_locations(db, 5, prefix="weekend", hours=WEEKENDS)
    save_queue(windowed, staff_token, name="default", backfill_min=20)
    scans = []
    scan = backfill.least_recently_reported

    def counted(*args: Any, **kwargs: Any) -> list[str]:
        scans.append(1)
        return scan(*args, **kwargs)

    monkeypatch.setattr(backfill, "least_recently_reported", counted)
    for minute, token in enumerate(users.callers(16)):
        clock.at(MONDAY_NIGHT + 60 * minute)
        windowed.call("requestCall", token, params={"state": "all"})
    # One scan found 5 of the 20 wanted; the next 14 minutes' requests leave the table alone.
    assert count(db, store.ENTRIES) == 5
    assert len(scans) == 2  # minute 0, then minute 15
