"""Staff remove entries (undo a mistake) and resume entries flagged after repeated expiries."""

from __future__ import annotations

from typing import Any

import pytest

from shared.adapters import store
from tests.conftest import Users
from tests.harness import ControlledClock, HttpApi, InProcessApi
from tests.integration.factories import add_locations, count, counts
from tests.integration.test_request_call import enqueue

pytestmark = pytest.mark.integration


def entry_ids(db: Any) -> list[str]:
    return sorted(s.id for s in db.collection(store.ENTRIES).stream())


def test_remove_closes_entries_and_the_location_can_be_queued_again(
    api: HttpApi, db: Any, staff_token: str, caller_token: str
) -> None:
    ids = add_locations(db, 2)
    enqueue(api, staff_token, ids)
    first, second = entry_ids(db)
    reply = api.call(
        "updateEntries",
        staff_token,
        json={"action": "remove", "entry_ids": [first, "nope"], "note": "queued by mistake"},
    )
    assert reply.status == 200, reply.body
    assert reply.body == {"action": "remove", "changed": 1, "unchanged": [], "not_found": ["nope"]}
    removed = db.collection(store.ENTRIES).document(first).get().to_dict()
    assert (removed["open"], removed["status"]) == (False, "removed")
    assert count(db, store.OPEN_ENTRIES) == 1
    again = api.call("updateEntries", staff_token, json={"action": "remove", "entry_ids": [first]})
    assert again.body["unchanged"] == [first]
    offered = api.call("requestCall", caller_token, params={"state": "all"})
    assert offered.body["lease"]["entry_id"] == second
    requeue = api.call("bulkEnqueue", staff_token, json={"reason": "Eva tip", "location_ids": ids})
    assert (requeue.body["added"], requeue.body["already_queued"]) == (1, 1)


def test_resume_returns_a_flagged_entry_to_rotation(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ControlledClock(monkeypatch)
    monkeypatch.setenv("MAX_EXPIRIES", "1")
    from shared.adapters.config import get_settings

    get_settings.cache_clear()
    enqueue(inproc, staff_token, add_locations(db, 1))
    first, second = users.callers(2)
    lease = inproc.call("requestCall", first, params={"state": "all"}).body["lease"]
    clock.at(20 * 60)
    task = {k: lease[k] for k in ("entry_id", "claim_seq", "claimed_until")}
    assert inproc.call("expireClaim", json=task).body["needs_attention"] is True
    assert inproc.call("requestCall", second, params={"state": "all"}).status == 404
    body = {"action": "resume", "entry_ids": [lease["entry_id"]]}
    assert inproc.call("updateEntries", staff_token, json=body).body["changed"] == 1
    back = inproc.call("requestCall", second, params={"state": "all"})
    assert back.status == 200
    assert back.body["lease"]["entry_id"] == lease["entry_id"]
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"action": "delete", "entry_ids": ["a"]}, 400),
        ({"action": "remove"}, 400),
        ({"action": "remove", "entry_ids": ["a/b"]}, 400),
        ({"action": "remove", "entry_ids": ["x"] * 501}, 400),
    ],
)
def test_bad_update_bodies(api: HttpApi, db: Any, staff_token: str, body: Any, status: int) -> None:
    before = counts(db)
    reply = api.call("updateEntries", staff_token, json=body)
    assert reply.status == status, reply.body
    assert counts(db) == before


def test_callers_cannot_update_entries(api: HttpApi, db: Any, caller_token: str) -> None:
    reply = api.call("updateEntries", caller_token, json={"action": "remove", "entry_ids": ["a"]})
    assert reply.status == 403


def test_a_place_whose_call_staff_cut_short_is_not_offered_again_before_that_lease_ends(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Staff remove an entry a caller is on the phone with, then queue the place again: the new
    stay waits for the lease that was cut short, so two callers never call it at once (the
    simulated week once found two stays of one place held at the same time this way)."""
    clock = ControlledClock(monkeypatch)
    ids = add_locations(db, 1)
    enqueue(inproc, staff_token, ids)
    first, second = users.callers(2)
    lease = inproc.call("requestCall", first, params={"state": "all"}).body["lease"]
    clock.at(60)
    removed = inproc.call(
        "updateEntries", staff_token, json={"action": "remove", "entry_ids": [lease["entry_id"]]}
    )
    assert removed.body["changed"] == 1, removed.body
    again = inproc.call("bulkEnqueue", staff_token, json={"reason": "Eva tip", "location_ids": ids})
    assert again.body["added"] == 1, again.body
    # The first caller may still be on the phone until their lease would have ended.
    assert inproc.call("requestCall", second, params={"state": "all"}).status == 404
    ends = lease["claimed_until"]
    stay = next(
        s.to_dict() for s in db.collection(store.ENTRIES).stream() if s.id != lease["entry_id"]
    )
    assert stay["available_at"].isoformat().replace("+00:00", "Z")[:19] == ends[:19]
    clock.at(20 * 60)
    offered = inproc.call("requestCall", second, params={"state": "all"})
    assert offered.status == 200, offered.body
    assert offered.body["id"] == ids[0]
