"""Contact windows in requestCall: a closed place is not offered until it opens."""

from __future__ import annotations

from typing import Any

import pytest

from shared.adapters import store
from tests.conftest import Users
from tests.harness import ControlledClock, InProcessApi
from tests.integration.factories import add_locations, count
from tests.integration.test_request_call import NOTHING, enqueue

pytestmark = pytest.mark.integration

# The clock starts at T0, Sunday 1 March 2026 18:00 UTC (10:00 in California, 13:00 in New
# York). Monday 2 March 09:00 is 14:00 UTC in New York and 17:00 UTC in California.
HOUR = 3600
MONDAY_9_NEW_YORK = 20 * HOUR
MONDAY_9_CALIFORNIA = 23 * HOUR
MONDAY_9_CENTRAL = 21 * HOUR
MONDAY_9_MOUNTAIN = 22 * HOUR


@pytest.fixture
def windowed(inproc: InProcessApi, monkeypatch: pytest.MonkeyPatch) -> InProcessApi:
    """Functions in this process with contact windows on (as everywhere; said for the reader)."""
    from shared.adapters.config import get_settings

    monkeypatch.setenv("CONTACT_WINDOWS", "true")
    get_settings.cache_clear()
    return inproc


@pytest.fixture
def weekdays_only(windowed: InProcessApi, monkeypatch: pytest.MonkeyPatch) -> InProcessApi:
    """Functions in this process with the production default window (weekdays 9 to 5)."""
    from shared.adapters.config import get_settings

    monkeypatch.setenv("DEFAULT_CONTACT_WINDOW", "Mon-Fri 09:00-17:00")
    get_settings.cache_clear()
    return windowed


def request(api: InProcessApi, token: str, **params: str) -> tuple[int, Any]:
    reply = api.call("requestCall", token, params={"state": "all", **params})
    return reply.status, reply.body.get("id") if reply.status == 200 else reply.body["error"]


def test_a_closed_place_is_offered_once_its_hours_open(
    windowed: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ControlledClock(monkeypatch)
    [place] = add_locations(db, 1, hours="Mon-Fri 9am-5pm")
    enqueue(windowed, staff_token, [place])
    first, second, third = users.callers(3)
    assert request(windowed, first) == (404, NOTHING)
    [entry] = [s.to_dict() for s in db.collection(store.ENTRIES).stream()]
    assert entry["available_at"].isoformat() == "2026-03-02T17:00:00+00:00"
    changes = count(db, store.ENTRY_CHANGES)
    assert changes == 1  # the deferral; the next requests read nothing of it
    assert request(windowed, second) == (404, NOTHING)
    clock.at(MONDAY_9_CALIFORNIA - 1)
    assert request(windowed, second) == (404, NOTHING)
    assert count(db, store.ENTRY_CHANGES) == changes
    clock.at(MONDAY_9_CALIFORNIA)
    assert request(windowed, third) == (200, place)


def test_the_default_window_applies_in_each_places_time_zone(
    weekdays_only: InProcessApi,
    db: Any,
    staff_token: str,
    users: Users,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = ControlledClock(monkeypatch)
    [west] = add_locations(db, 1, prefix="west", hours=None)
    [east] = add_locations(db, 1, prefix="east", state="NY", hours=None)
    [weekend] = add_locations(db, 1, prefix="weekend", hours="Sat-Sun 10:00-16:00")
    enqueue(weekdays_only, staff_token, [west, east, weekend])
    callers = iter(users.callers(5))
    # Sunday: only the place with weekend hours is open, and a peek writes nothing.
    assert request(weekdays_only, next(callers), no_claim="1") == (200, weekend)
    assert count(db, store.ENTRY_CHANGES) == 0
    assert request(weekdays_only, next(callers)) == (200, weekend)
    clock.at(MONDAY_9_NEW_YORK)
    caller = next(callers)
    assert request(weekdays_only, caller) == (200, east)
    report = {"Location": east, "Availability": ["walk_ins_only"]}
    assert weekdays_only.call("submitReport", caller, json=report).status == 200
    assert request(weekdays_only, next(callers)) == (404, NOTHING)
    clock.at(MONDAY_9_CALIFORNIA)
    assert request(weekdays_only, next(callers)) == (200, west)


def test_the_stored_zone_decides_where_a_state_spans_two(
    windowed: InProcessApi,
    db: Any,
    staff_token: str,
    users: Users,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Issue 16 defect 4: El Paso keeps Mountain time, Houston Central; both are in Texas.
    clock = ControlledClock(monkeypatch)
    hours = "Mon-Fri 9am-5pm"
    [el_paso] = add_locations(
        db, 1, prefix="elpaso", state="TX", hours=hours, timezone="America/Denver"
    )
    [houston] = add_locations(
        db, 1, prefix="houston", state="TX", hours=hours, timezone="America/Chicago"
    )
    enqueue(windowed, staff_token, [el_paso, houston])
    callers = iter(users.callers(3))
    clock.at(MONDAY_9_CENTRAL)
    first = next(callers)
    assert request(windowed, first) == (200, houston)
    report = {"Location": houston, "Availability": ["walk_ins_only"]}
    assert windowed.call("submitReport", first, json=report).status == 200
    assert request(windowed, next(callers)) == (404, NOTHING)
    clock.at(MONDAY_9_MOUNTAIN)
    assert request(windowed, next(callers)) == (200, el_paso)
