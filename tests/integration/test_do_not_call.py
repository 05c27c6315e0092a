"""Places that may not be called (no phone, marked do-not-call) are never queued or offered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared.adapters import store
from tests.conftest import Users
from tests.harness import HttpApi, InProcessApi
from tests.integration.factories import add_locations, count, counts
from tests.integration.test_queues import save_queue
from tests.integration.test_request_call import enqueue

pytestmark = pytest.mark.integration


def mark(api: HttpApi | InProcessApi, staff: str, ids: list[str], **more: Any) -> dict[str, Any]:
    body = {"action": "do_not_call", "reason": "Asked us to stop calling", "location_ids": ids}
    reply = api.call("updateLocations", staff, json={**body, **more})
    assert reply.status == 200, reply.body
    return dict(reply.body)


def location(db: Any, location_id: str) -> dict[str, Any]:
    return dict(db.collection(store.LOCATIONS).document(location_id).get().to_dict())


def test_bulk_enqueue_counts_places_without_phone_or_marked_as_not_callable(
    api: HttpApi, db: Any, staff_token: str
) -> None:
    good = add_locations(db, 2, prefix="good", county="Kings County")
    bare = add_locations(db, 2, prefix="bare", phone=None, county="Kings County")
    blank = add_locations(db, 1, prefix="blank", phone="n/a", county="Kings County")
    marked = add_locations(db, 1, prefix="dnc", county="Kings County")
    mark(api, staff_token, marked)
    body = {"reason": "New location", "location_ids": [*good, *bare, *blank, *marked]}
    reply = api.call("bulkEnqueue", staff_token, json=body)
    assert reply.status == 200, reply.body
    assert (reply.body["added"], reply.body["not_callable"]) == (2, 4)
    by_filter = {"reason": "New location", "filter": {"county": "Kings County"}}
    again = api.call("bulkEnqueue", staff_token, json=by_filter)
    assert (again.body["added"], again.body["already_queued"], again.body["not_callable"]) == (
        0,
        2,
        4,
    )
    chunked = api.call("bulkEnqueue", staff_token, json={**by_filter, "limit": 10})
    assert chunked.body["not_callable"] == 4
    queued = {s.id for s in db.collection(store.OPEN_ENTRIES).stream()}
    assert queued == set(good)
    assert count(db, store.ENTRIES) == 2
    assert all(location(db, i).get("queued") is not True for i in [*bare, *blank, *marked])


def test_marking_a_held_place_ends_its_attempt_and_it_is_never_offered_again(
    api: HttpApi, db: Any, staff_token: str, caller_token: str
) -> None:
    ids = add_locations(db, 1)
    enqueue(api, staff_token, ids)
    lease = api.call("requestCall", caller_token, params={"state": "all"}).body["lease"]
    result = mark(api, staff_token, ids)
    assert result == {
        "action": "do_not_call",
        "matched": 1,
        "changed": 1,
        "unchanged": 0,
        "closed": 1,
        "not_found": [],
        "dry_run": False,
        "next_cursor": None,
    }
    entry = db.collection(store.ENTRIES).document(lease["entry_id"]).get().to_dict()
    assert (entry["open"], entry["status"], entry["outcome"]) == (False, "removed", "not_callable")
    assert entry["removal_note"] == "Asked us to stop calling"
    attempt_id = f"{lease['entry_id']}-{lease['claim_seq']}"
    attempt = db.collection(store.ATTEMPTS).document(attempt_id).get().to_dict()
    assert attempt["outcome"] == "not_callable"
    ref = {"entry_id": lease["entry_id"], "claim_seq": lease["claim_seq"]}
    for function in ("extendCall", "releaseCall"):
        refused = api.call(function, caller_token, json=ref)
        assert (refused.status, refused.body["error"]) == (409, "not_callable"), function
    assert count(db, store.OPEN_ENTRIES) == 0
    place = location(db, ids[0])
    assert place["do_not_call"] is True
    assert place["callable_state"] == "do_not_call"
    assert place["do_not_call_reason"] == "Asked us to stop calling"
    assert place["do_not_call_by"]
    assert place["do_not_call_at"] is not None
    assert place.get("queued") is False
    assert api.call("requestCall", caller_token, params={"state": "all"}).status == 404
    requeue = api.call("bulkEnqueue", staff_token, json={"reason": "Again", "location_ids": ids})
    assert (requeue.body["added"], requeue.body["not_callable"]) == (0, 1)


def test_callable_again_can_be_queued_and_offered(
    api: HttpApi, db: Any, staff_token: str, caller_token: str
) -> None:
    ids = add_locations(db, 1)
    mark(api, staff_token, ids)
    again = mark(api, staff_token, ids)
    assert (again["changed"], again["unchanged"], again["closed"]) == (0, 1, 0)
    reply = api.call(
        "updateLocations", staff_token, json={"action": "callable", "location_ids": [*ids, "x"]}
    )
    assert reply.status == 200, reply.body
    assert (reply.body["changed"], reply.body["not_found"]) == (1, ["x"])
    place = location(db, ids[0])
    assert (place["do_not_call"], place["callable_state"]) == (False, "callable")
    assert place["do_not_call_reason"] is None
    enqueue(api, staff_token, ids)
    offered = api.call("requestCall", caller_token, params={"state": "all"})
    assert offered.status == 200
    assert offered.body["id"] == ids[0]


def test_by_filter_dry_run_writes_nothing_then_marks_every_match(
    api: HttpApi, db: Any, staff_token: str
) -> None:
    ids = add_locations(db, 3, county="Kings County")
    add_locations(db, 2, prefix="other", county="Tulare County")
    enqueue(api, staff_token, ids[:1])
    before = counts(db)
    body = {
        "action": "do_not_call",
        "reason": "Closed site",
        "filter": {"county": "Kings County"},
    }
    dry = api.call("updateLocations", staff_token, json={**body, "dry_run": True})
    assert (dry.body["matched"], dry.body["changed"], dry.body["closed"]) == (3, 3, 1)
    assert counts(db) == before
    assert all(location(db, i).get("do_not_call") is not True for i in ids)
    done = api.call("updateLocations", staff_token, json=body)
    assert (done.body["changed"], done.body["closed"]) == (3, 1)
    listed = api.call(
        "listLocations",
        staff_token,
        method="GET",
        params={"callable_state": "do_not_call", "limit": "50"},
    )
    assert listed.status == 200, listed.body
    assert listed.body["total"] == 3
    assert {r["id"] for r in listed.body["locations"]} == set(ids)
    assert {r["callable_state"] for r in listed.body["locations"]} == {"do_not_call"}
    assert listed.body["locations"][0]["do_not_call_reason"] == "Closed site"
    rest = api.call(
        "listLocations", staff_token, method="GET", params={"callable_state": "callable"}
    )
    assert rest.body["total"] == 2


@pytest.mark.parametrize(
    "body",
    [
        {"action": "do_not_call", "location_ids": ["a"]},
        {"action": "do_not_call", "reason": " ", "location_ids": ["a"]},
        {"action": "mute", "reason": "x", "location_ids": ["a"]},
        {"action": "callable"},
        {"action": "callable", "location_ids": ["a"], "filter": {}},
        {"action": "callable", "location_ids": ["a"], "limit": 5},
        {"action": "callable", "location_ids": ["a"], "extra": 1},
        {"action": "do_not_call", "reason": "x" * 501, "location_ids": ["a"]},
        {"action": "callable", "location_ids": [f"id{i}" for i in range(501)]},
    ],
)
def test_bad_bodies_are_400_and_write_nothing(
    api: HttpApi, db: Any, staff_token: str, body: dict[str, Any]
) -> None:
    add_locations(db, 1, prefix="a")
    before = counts(db)
    reply = api.call("updateLocations", staff_token, json=body)
    assert reply.status == 400, reply.body
    assert set(reply.body) == {"error", "error_description"}
    assert counts(db) == before
    assert location(db, "a-000").get("do_not_call") is not True


def test_callers_may_not_mark_places(api: HttpApi, db: Any, caller_token: str) -> None:
    ids = add_locations(db, 1)
    body = {"action": "do_not_call", "reason": "x", "location_ids": ids}
    assert api.call("updateLocations", caller_token, json=body).status == 403
    assert location(db, ids[0]).get("do_not_call") is not True


def test_a_queued_place_that_lost_its_phone_is_closed_not_offered(
    api: HttpApi, db: Any, staff_token: str, caller_token: str
) -> None:
    ids = add_locations(db, 2)
    enqueue(api, staff_token, ids)
    # Queued before this rule existed, or re-imported without a number since.
    db.collection(store.LOCATIONS).document(ids[0]).update({"phone": None})
    # Marked while an enqueue that had read it callable was writing its entry.
    db.collection(store.LOCATIONS).document(ids[1]).update({"do_not_call": True})
    assert api.call("requestCall", caller_token, params={"state": "all"}).status == 404
    closed = [s.to_dict() for s in db.collection(store.ENTRIES).stream()]
    assert {(e["open"], e["outcome"], e["closed_by"]) for e in closed} == {
        (False, "not_callable", "system")
    }
    assert count(db, store.OPEN_ENTRIES) == 0
    assert count(db, store.ATTEMPTS) == 0


def test_backfill_skips_places_that_may_not_be_called(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users
) -> None:
    bare = add_locations(db, 4, prefix="bare", phone=None)
    good = add_locations(db, 2, prefix="good")
    marked = add_locations(db, 1, prefix="dnc")
    mark(inproc, staff_token, marked)
    save_queue(inproc, staff_token, name="default", backfill_min=5)
    reply = inproc.call("requestCall", users.callers(1)[0], params={"state": "all"})
    assert reply.status == 200, reply.body
    queued = {s.id for s in db.collection(store.OPEN_ENTRIES).stream()}
    assert queued == set(good)
    fill = next(s.to_dict() for s in db.collection(store.BACKFILLS).stream())
    assert (fill["added"], fill["not_callable"]) == (len(good), len(bare) + len(marked))


def test_a_reimport_keeps_the_do_not_call_mark(
    api: HttpApi, db: Any, staff_token: str, tmp_path: Path
) -> None:
    from tools import importer

    upload = tmp_path / "locations.json"
    rows = [
        {"id": f"imp{i}", "Name": f"Place {i}", "Address": "1 A St, Fresno, CA 93701"}
        for i in range(2)
    ]
    rows[0]["Phone number"] = "(559) 555-0100"
    rows[1]["Phone number"] = "(559) 555-0101"
    upload.write_text(json.dumps(rows), encoding="utf-8")
    assert importer.import_files(db, upload).imported == 2
    mark(api, staff_token, ["imp0"])
    assert importer.import_files(db, upload).imported == 2
    kept = location(db, "imp0")
    assert (kept["do_not_call"], kept["callable_state"]) == (True, "do_not_call")
    assert kept["do_not_call_reason"] == "Asked us to stop calling"
    assert location(db, "imp1")["callable_state"] == "callable"


def test_add_callable_state_fills_the_field_for_older_locations(
    api: HttpApi, db: Any, staff_token: str
) -> None:
    from tools import cli

    places = db.collection(store.LOCATIONS)
    places.document("old-phone").set({"name": "A", "state": "CA", "phone": "(559) 555-0100"})
    places.document("old-bare").set({"name": "B", "state": "CA"})
    places.document("old-dnc").set(
        {"name": "C", "state": "CA", "phone": "(559) 555-0101", "do_not_call": True}
    )
    add_locations(db, 1, prefix="new")
    assert cli.main(["add-callable-state"]) == 0
    states = {s.id: s.to_dict().get("callable_state") for s in places.stream()}
    assert states == {
        "old-phone": "callable",
        "old-bare": "no_phone",
        "old-dnc": "do_not_call",
        "new-000": "callable",
    }
    listed = api.call(
        "listLocations", staff_token, method="GET", params={"callable_state": "no_phone"}
    )
    assert [r["id"] for r in listed.body["locations"]] == ["old-bare"]
