"""The staff console's functions: locations, bulk adds and undo, the queue, the overview."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.adapters import store
from tests.conftest import Users
from tests.harness import ControlledClock, InProcessApi
from tests.integration.factories import add_locations, count

pytestmark = pytest.mark.integration

STAFF_FUNCTIONS = [
    ("GET", "listLocations"),
    ("GET", "locationFacets"),
    ("GET", "listEntries"),
    ("GET", "entryDetails"),
    ("GET", "listBulkAdds"),
    ("POST", "undoBulkAdd"),
    ("GET", "queueOverview"),
    ("GET", "callerStatistics"),
]


def ok(reply: Any) -> dict[str, Any]:
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.body
    return body


def get(api: InProcessApi, token: str, function: str, **params: Any) -> dict[str, Any]:
    return ok(
        api.call(function, token, method="GET", params={k: str(v) for k, v in params.items()})
    )


def places(db: Any) -> dict[str, list[str]]:
    return {
        "la": add_locations(
            db, 5, prefix="la", county="Los Angeles County", location_type="Pharmacy"
        ),
        "sf": add_locations(
            db, 3, prefix="sf", county="San Francisco County", location_type="Clinic"
        ),
        "ny": add_locations(db, 2, prefix="ny", state="NY", location_type="Pharmacy"),
    }


@pytest.mark.parametrize(("method", "function"), STAFF_FUNCTIONS)
def test_callers_are_refused(
    inproc: InProcessApi, caller_token: str, method: str, function: str
) -> None:
    reply = inproc.call(
        function, caller_token, method=method, json={} if method == "POST" else None
    )
    assert (reply.status, reply.body["error"]) == (403, "missing_role")


def test_list_locations_filters_pages_and_counts(
    inproc: InProcessApi, db: Any, staff_token: str
) -> None:
    groups = places(db)
    first = get(inproc, staff_token, "listLocations", location_type="Pharmacy", limit=4)
    assert first["total"] == 7
    assert len(first["locations"]) == 4
    assert first["next_page_token"] is not None
    second = get(
        inproc,
        staff_token,
        "listLocations",
        location_type="Pharmacy",
        limit=4,
        page_token=first["next_page_token"],
    )
    assert second["next_page_token"] is None
    seen = [row["id"] for row in first["locations"] + second["locations"]]
    assert sorted(seen) == sorted(groups["la"] + groups["ny"])
    la = get(inproc, staff_token, "listLocations", state="ca", county="Los Angeles County")
    assert [row["id"] for row in la["locations"]] == groups["la"]
    assert la["locations"][0]["queued"] is False
    search = get(inproc, staff_token, "listLocations", q="place SF")
    assert sorted(row["id"] for row in search["locations"]) == groups["sf"]
    assert search["total"] == 3


def test_queued_filter_follows_the_queue(inproc: InProcessApi, db: Any, staff_token: str) -> None:
    groups = places(db)
    body = {"reason": "Eva tip", "location_ids": groups["sf"][:2]}
    ok(inproc.call("bulkEnqueue", staff_token, json=body))
    queued = get(inproc, staff_token, "listLocations", queued="true")
    assert sorted(row["id"] for row in queued["locations"]) == groups["sf"][:2]
    assert queued["total"] == 2
    not_queued = get(inproc, staff_token, "listLocations", queued="false", limit=3)
    assert not_queued["total"] == 8
    ids = [row["id"] for row in not_queued["locations"]]
    token = not_queued["next_page_token"]
    while token:
        page = get(inproc, staff_token, "listLocations", queued="false", limit=3, page_token=token)
        ids += [row["id"] for row in page["locations"]]
        token = page["next_page_token"]
    assert sorted(ids) == sorted(groups["la"] + groups["ny"] + groups["sf"][2:])
    removed = {"action": "remove", "location_ids": [groups["sf"][0]]}
    assert ok(inproc.call("updateEntries", staff_token, json=removed))["changed"] == 1
    assert get(inproc, staff_token, "listLocations", queued="true")["total"] == 1


def test_facets(inproc: InProcessApi, db: Any, staff_token: str) -> None:
    places(db)
    ok(
        inproc.call(
            "bulkEnqueue", staff_token, json={"reason": "Eva tip", "location_ids": ["la-000"]}
        )
    )
    facets = get(inproc, staff_token, "locationFacets")
    assert facets["states"] == ["CA", "NY"]
    assert facets["counties"] == ["Los Angeles County", "San Francisco County"]
    assert facets["location_types"] == ["Clinic", "Pharmacy"]
    assert facets["reasons"] == [{"id": "eva-tip", "name": "Eva tip"}]
    assert facets["priority_groups"] == [1, 2, 3, 4, 99]


def test_filter_in_chunks_is_one_bulk_add_and_undo_keeps_claimed_entries(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users
) -> None:
    add_locations(db, 7, county="Fresno County")
    flt = {"county": "Fresno County"}
    dry = ok(
        inproc.call(
            "bulkEnqueue",
            staff_token,
            json={"reason": "Stale report", "filter": flt, "dry_run": True},
        )
    )
    assert (dry["matched"], dry["added"], dry["bulk_id"]) == (7, 7, None)
    cursor, bulk_id, added, calls = None, None, 0, 0
    while True:
        body = {
            "reason": "Stale report",
            "filter": flt,
            "limit": 3,
            "cursor": cursor,
            "bulk_id": bulk_id,
        }
        step = ok(inproc.call("bulkEnqueue", staff_token, json=body))
        bulk_id, cursor = step["bulk_id"], step["next_cursor"]
        added += step["added"]
        calls += 1
        if cursor is None:
            break
    assert (added, calls) == (7, 3)
    listed = get(inproc, staff_token, "listBulkAdds")["bulk_adds"]
    assert [(b["bulk_id"], b["added"], b["reason"]) for b in listed] == [
        (bulk_id, 7, "Stale report")
    ]
    claimed = ok(inproc.call("requestCall", users.token("c1", ["caller"]), params={"state": "all"}))
    undone = ok(inproc.call("undoBulkAdd", staff_token, json={"bulk_id": bulk_id}))
    assert (undone["removed"], undone["kept"], undone["remaining"]) == (6, 1, 0)
    assert count(db, store.OPEN_ENTRIES) == 1
    assert db.collection(store.OPEN_ENTRIES).document(claimed["id"]).get().exists
    after = get(inproc, staff_token, "listBulkAdds")["bulk_adds"][0]
    assert (after["removed"], after["undone_at"] is not None) == (6, True)
    unknown = inproc.call("undoBulkAdd", staff_token, json={"bulk_id": "nope"})
    assert (unknown.status, unknown.body["error"]) == (404, "unknown_bulk_add")


def test_queue_statuses_details_and_actions(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ControlledClock(monkeypatch)
    ids = add_locations(db, 4)
    ok(
        inproc.call(
            "bulkEnqueue",
            staff_token,
            json={"reason": "New location", "priority_group": 2, "location_ids": ids},
        )
    )
    caller = users.token("holder", ["caller"])
    place = ok(inproc.call("requestCall", caller, params={"state": "all"}))
    lease = place["lease"]
    assert get(inproc, staff_token, "listEntries")["total"] == 4
    claimed = get(inproc, staff_token, "listEntries", status="claimed")
    assert claimed["total"] == 1
    row = claimed["entries"][0]
    assert (row["entry_id"], row["status"], row["location_name"]) == (
        lease["entry_id"],
        "claimed",
        f"Place {place['id']}",
    )
    assert row["holder_email"] == "holder-caller@test.callqueue.test"
    assert row["time_left_s"] == 1200
    assert get(inproc, staff_token, "listEntries", status="available")["total"] == 3
    clock.at(60)
    cleared = {"action": "clear_claim", "entry_ids": [lease["entry_id"]]}
    assert ok(inproc.call("updateEntries", staff_token, json=cleared))["changed"] == 1
    refused = inproc.call("extendCall", caller, json=lease)
    assert (refused.status, refused.body["error"]) == (409, "cleared")
    details = get(inproc, staff_token, "entryDetails", entry_id=lease["entry_id"])
    assert [(a["outcome"], a["duration_s"], a["holder_email"]) for a in details["attempts"]] == [
        ("cleared", 60, "holder-caller@test.callqueue.test")
    ]
    assert details["entry"]["status"] == "available"
    moved = {"action": "set_group", "entry_ids": [lease["entry_id"]], "priority_group": 1}
    assert ok(inproc.call("updateEntries", staff_token, json=moved))["changed"] == 1
    assert get(inproc, staff_token, "listEntries", priority_group=1)["total"] == 1
    top = {"action": "bump", "entry_ids": [lease["entry_id"]], "to": "top"}
    assert ok(inproc.call("updateEntries", staff_token, json=top))["changed"] == 1
    again = ok(inproc.call("requestCall", caller, params={"state": "all"}))
    assert again["id"] == place["id"]  # group 1 now: drawn first
    report = {"Location": place["id"], "Availability": ["walk_ins_only"], "Notes": "open 9-5"}
    ok(inproc.call("submitReport", caller, json=report))
    details = get(inproc, staff_token, "entryDetails", entry_id=lease["entry_id"])
    assert [a["outcome"] for a in details["attempts"]] == ["cleared", "completed"]
    assert [(r["notes"], r["outcome"]) for r in details["reports"]] == [("open 9-5", "completed")]
    assert details["entry"]["open"] is False
    missing = inproc.call("entryDetails", staff_token, method="GET", params={"entry_id": "nope"})
    assert (missing.status, missing.body["error"]) == (404, "unknown_entry")


@pytest.mark.parametrize(
    "body",
    [
        {"action": "set_group", "entry_ids": ["x"]},
        {"action": "set_group", "entry_ids": ["x"], "priority_group": 7},
        {"action": "bump", "entry_ids": ["x"]},
        {"action": "fly", "entry_ids": ["x"]},
    ],
)
def test_bad_actions_are_400(inproc: InProcessApi, db: Any, staff_token: str, body: Any) -> None:
    reply = inproc.call("updateEntries", staff_token, json=body)
    assert reply.status == 400, reply.body


def test_overview_counts_and_activity_per_hour(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ControlledClock(monkeypatch)
    ids = add_locations(db, 5)
    ok(
        inproc.call(
            "bulkEnqueue",
            staff_token,
            json={"reason": "A", "priority_group": 1, "location_ids": ids[:2]},
        )
    )
    ok(inproc.call("bulkEnqueue", staff_token, json={"reason": "B", "location_ids": ids[2:]}))
    a, b = users.callers(2)
    place = ok(inproc.call("requestCall", a, params={"state": "all"}))
    skip = {
        "Location": place["id"],
        "Availability": ["skip_call_back_later"],
        "Do not call until": "2026-03-02T18:00:00Z",
    }
    ok(inproc.call("submitReport", a, json=skip))
    clock.now += timedelta(hours=2)
    ok(inproc.call("requestCall", b, params={"state": "all"}))
    view = get(inproc, staff_token, "queueOverview")
    assert view["open"] == 5
    assert view["by_status"] == {"available": 3, "claimed": 1, "scheduled": 1, "needs_attention": 0}
    assert sum(view["by_group"].values()) == 5
    assert len(view["per_hour"]) == 24
    assert [(h["claims"], h["reports"]) for h in view["per_hour"][-3:]] == [(1, 1), (0, 0), (1, 0)]
