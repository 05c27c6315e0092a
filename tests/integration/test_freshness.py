"""Freshness targets against the emulators: save, list, delete, and refreshQueue's adds."""

from __future__ import annotations

import base64
import json
import threading
from datetime import timedelta
from typing import Any

import pytest

from shared.adapters import store
from tests.conftest import Users
from tests.harness import T0, ControlledClock, InProcessApi
from tests.integration.factories import add_locations

pytestmark = pytest.mark.integration

H = timedelta(hours=1)
TARGET = {"id": "all-72h", "name": "Every place, 72 h", "max_age_hours": 72, "lead_hours": 12}


def reported(db: Any, count: int, prefix: str, hours_ago: float | None, **fields: Any) -> list[str]:
    """`count` places whose latest report is `hours_ago` old (None: never reported on)."""
    if hours_ago is None:
        return add_locations(db, count, prefix=prefix, **fields)
    return add_locations(
        db,
        count,
        prefix=prefix,
        latest_report_at=T0 - hours_ago * H,
        number_of_reports=1,
        **fields,
    )


def open_entries(db: Any) -> dict[str, list[dict[str, Any]]]:
    """Open entries per location, straight from Firestore."""
    found: dict[str, list[dict[str, Any]]] = {}
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = db.collection(store.ENTRIES).where(filter=FieldFilter("open", "==", True))
    for snapshot in query.stream():
        data = snapshot.to_dict() or {}
        found.setdefault(data["location_id"], []).append(data)
    return found


def refresh(api: InProcessApi, token: str) -> dict[str, Any]:
    reply = api.call("refreshQueue", token)
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.body
    return body


def save(api: InProcessApi, token: str, **changes: Any) -> Any:
    return api.call("saveFreshnessTarget", token, json={**TARGET, **changes})


@pytest.fixture
def places(db: Any, inproc: InProcessApi, staff_token: str) -> dict[str, list[str]]:
    """A mix: fresh, due, overdue, never reported, closed, queued and overdue, no phone."""
    made = {
        "fresh": reported(db, 3, "fresh", 1),
        "due": reported(db, 3, "due", 68),
        "overdue": reported(db, 2, "over", 80),
        "never": reported(db, 2, "never", None),
        "closed": reported(db, 2, "closed", 80, hours="Closed"),
        "queued": reported(db, 2, "queued", 90),
        "no_phone": reported(db, 1, "nophone", 90, phone=None),
    }
    added = inproc.call(
        "bulkEnqueue",
        staff_token,
        json={"reason": "Earlier", "priority_group": 99, "location_ids": made["queued"]},
    )
    assert added.status == 200, added.body
    assert added.body["added"] == 2
    return made


def test_refresh_queues_due_and_overdue_once_raises_queued_and_leaves_closed_out(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    places: dict[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = ControlledClock(monkeypatch)
    assert save(inproc, staff_token).status == 200
    first = refresh(inproc, staff_token)
    assert first == {
        "targets": 1,
        "added": 7,
        "raised": 2,
        "skipped_closed": 2,
        "already_queued": 0,
        "more": False,
        "fenced": 0,
    }
    queued = open_entries(db)
    assert all(len(found) == 1 for found in queued.values())
    groups = {place: found[0]["priority_group"] for place, found in queued.items()}
    for place in places["due"]:
        assert groups[place] == 3
    for place in places["overdue"] + places["never"] + places["queued"]:
        assert groups[place] == 2
    for place in places["queued"]:
        assert queued[place][0]["reason"] == "Earlier"
        assert queued[place][0]["extra_reasons"] == ["Stale report"]
    left_out = places["fresh"] + places["closed"] + places["no_phone"]
    assert not set(left_out) & set(queued)
    assert {e[0]["reason"] for p, e in queued.items() if p not in places["queued"]} == {
        "Stale report"
    }

    # A retry in the same slot: the target is fenced, nothing is read or written again.
    assert refresh(inproc, staff_token)["fenced"] == 1
    # The next slot: everything is queued already.
    clock.at(600)
    again = refresh(inproc, staff_token)
    assert (again["added"], again["raised"], again["already_queued"]) == (0, 0, 9)
    assert open_entries(db) == queued
    # Days later the due places are overdue: raised to the overdue group.
    clock.at(8 * 3600)
    later = refresh(inproc, staff_token)
    assert later["raised"] == 3
    assert {open_entries(db)[p][0]["priority_group"] for p in places["due"]} == {2}


def test_two_runs_at_once_add_nothing_twice(
    inproc: InProcessApi, db: Any, staff_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ControlledClock(monkeypatch)
    overdue = reported(db, 40, "over", 80)
    assert save(inproc, staff_token).status == 200
    barrier = threading.Barrier(2)
    answers: list[dict[str, Any]] = []

    def run() -> None:
        barrier.wait()
        answers.append(refresh(inproc, staff_token))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a["fenced"] for a in answers) == [0, 1]
    assert sum(a["added"] for a in answers) == 40
    assert sorted(open_entries(db)) == overdue
    assert all(len(found) == 1 for found in open_entries(db).values())


def test_two_runs_of_different_slots_at_once_rely_on_the_place_guards(
    inproc: InProcessApi, db: Any, staff_token: str
) -> None:
    """Past the run fence (two slots), the guards alone keep each place queued once."""
    from shared.adapters.config import get_settings
    from shared.services.staff import freshness

    overdue = reported(db, 60, "over", 80)
    assert save(inproc, staff_token).status == 200
    barrier = threading.Barrier(2)
    answers: list[freshness.Refresh] = []

    def run(offset: int) -> None:
        barrier.wait()
        answers.append(freshness.refresh(db, get_settings(), T0 + timedelta(minutes=offset)))

    threads = [threading.Thread(target=run, args=(m,)) for m in (0, 10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.fenced for a in answers] == [0, 0]
    assert sum(a.added for a in answers) == 60
    assert sorted(open_entries(db)) == overdue
    assert all(len(found) == 1 for found in open_entries(db).values())
    assert db.collection(store.OPEN_ENTRIES).count().get()[0][0].value == 60


def test_the_cap_then_more_then_the_next_run_goes_on(
    inproc: InProcessApi, db: Any, staff_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.adapters.config import get_settings

    monkeypatch.setenv("FRESHNESS_MAX_PER_RUN", "3")
    get_settings.cache_clear()
    clock = ControlledClock(monkeypatch)
    oldest = reported(db, 2, "a-oldest", 200)
    older = reported(db, 3, "b-older", 100)
    assert save(inproc, staff_token).status == 200
    first = refresh(inproc, staff_token)
    assert (first["added"], first["more"]) == (3, True)
    # Oldest first: the two oldest and one of the next.
    assert set(oldest) < set(open_entries(db))
    clock.at(600)
    second = refresh(inproc, staff_token)
    assert (second["added"], second["already_queued"], second["more"]) == (2, 3, False)
    assert sorted(open_entries(db)) == sorted(oldest + older)


def _google_token() -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    claims = {"iss": "https://accounts.google.com", "aud": "x", "email": "someone@example.com"}
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2ln"


def test_refresh_queue_auth(inproc: InProcessApi, db: Any, users: Users) -> None:
    caller = users.token("fresh-caller", ["caller"])
    assert inproc.call("refreshQueue", None).status == 401
    assert inproc.call("refreshQueue", caller).status == 403
    # A Google OIDC token goes to the scheduler's check: not signed by Google here, refused.
    assert inproc.call("refreshQueue", _google_token()).status == 401
    assert inproc.call("listFreshnessTargets", caller, method="GET").status == 403
    assert inproc.call("saveFreshnessTarget", None, json=TARGET).status == 401


@pytest.mark.parametrize(
    ("changes", "status", "error"),
    [
        ({"lead_hours": 73}, 400, "invalid_field"),
        ({"max_age_hours": 0}, 400, "invalid_field"),
        ({"max_age_hours": 8761}, 400, "invalid_field"),
        ({"due_group": 2, "overdue_group": 3}, 400, "invalid_field"),
        ({"due_group": 7}, 400, "invalid_field"),
        ({"id": "Not An Id"}, 400, "invalid_field"),
        ({"name": ""}, 400, "invalid_field"),
        ({"filter": {"state": "California"}}, 400, "invalid_field"),
        ({"surprise": 1}, 400, "invalid_field"),
        ({"queue": "nowhere"}, 404, "unknown_queue"),
    ],
)
def test_save_refuses(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    changes: dict[str, Any],
    status: int,
    error: str,
) -> None:
    reply = save(inproc, staff_token, **changes)
    assert reply.status == status, reply.body
    assert reply.body["error"] == error or status == 400
    assert db.collection(store.FRESHNESS_TARGETS).count().get()[0][0].value == 0


def test_save_replace_and_delete(
    inproc: InProcessApi, db: Any, staff_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ControlledClock(monkeypatch)
    body = {"name": "California weekly", "max_age_hours": 168, "filter": {"state": "ca"}}
    saved = inproc.call("saveFreshnessTarget", staff_token, json=body)
    assert saved.status == 200, saved.body
    target = saved.body["target"]
    assert target["id"] == "california-weekly"
    assert target["filter"] == {"state": "CA"}
    assert (target["lead_hours"], target["due_group"], target["overdue_group"]) == (12, 3, 2)
    assert target["reason"] == "Stale report"
    assert target["queue"] == "default"
    clock.at(60)
    again = inproc.call("saveFreshnessTarget", staff_token, json={**body, "id": target["id"]})
    assert again.body["target"]["created_at"] == target["created_at"]
    assert again.body["target"]["updated_at"] != target["updated_at"]
    assert db.collection(store.FRESHNESS_TARGETS).count().get()[0][0].value == 1
    gone = inproc.call("deleteFreshnessTarget", staff_token, json={"id": target["id"]})
    assert gone.status == 200
    assert gone.body == {"deleted": "california-weekly"}
    missing = inproc.call("deleteFreshnessTarget", staff_token, json={"id": target["id"]})
    assert missing.status == 404
    assert missing.body["error"] == "unknown_target"


def test_list_figures_match_firestore(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    users: Users,
    places: dict[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from google.cloud.firestore_v1.base_query import FieldFilter

    ControlledClock(monkeypatch)
    empty = inproc.call("listFreshnessTargets", staff_token, method="GET").body
    assert empty["targets"] == []
    assert empty["headline"]["places"] == 0
    assert inproc.call("queueOverview", staff_token, method="GET").body["freshness"] is None
    assert save(inproc, staff_token).status == 200
    # A second, stricter target over the fresh places' state: a place in both counts once.
    # Its groups (4) are less urgent than the queued entries': it raises none of them.
    strict = {"id": "strict", "name": "Strict", "max_age_hours": 2, "lead_hours": 0}
    assert save(inproc, staff_token, **strict, due_group=4, overdue_group=4).status == 200
    refresh(inproc, staff_token)
    # One completed call in the last hour: a caller reports on a queued place.
    caller = users.token("fresh-reporter", ["caller"])
    call = inproc.call("requestCall", caller, params={"state": "all"})
    assert call.status == 200, call.body
    report = {"Location": call.body["id"], "Availability": ["Yes: walk-ins accepted"]}
    assert inproc.call("submitReport", caller, json=report).status == 200

    listed = inproc.call("listFreshnessTargets", staff_token, method="GET")
    assert listed.status == 200, listed.body
    by_id = {t["id"]: t for t in listed.body["targets"]}
    figures = by_id["all-72h"]["figures"]

    callable_ids = {
        s.id for s in db.collection(store.LOCATIONS).stream() if (s.to_dict() or {}).get("phone")
    }
    cutoff = T0 - 72 * H
    within_ids = {
        s.id
        for s in db.collection(store.LOCATIONS)
        .where(filter=FieldFilter("latest_report_at", ">", cutoff))
        .stream()
    } & callable_ids
    never_ids = {
        s.id
        for s in db.collection(store.LOCATIONS).stream()
        if (s.to_dict() or {}).get("latest_report_at") is None
    } & callable_ids
    assert figures["places"] == len(callable_ids) == 14
    assert figures["within"] == len(within_ids) == 7
    assert figures["overdue"] == figures["places"] - figures["within"]
    assert figures["share_within"] == pytest.approx(len(within_ids) / len(callable_ids))
    assert figures["never_reported"] == len(never_ids) >= 1
    assert figures["oldest_report_at"] is None
    # Written by the refresh, before the call: the fresh and the due places were within.
    assert figures["history"] == [{"day": "2026-03-01", "share_within": pytest.approx(6 / 14)}]

    forecast = figures["forecast"]
    assert forecast["calls_per_hour"] == 1.0
    counted = {}
    for group in (1, 2, 3, 4, 99):
        query = (
            db.collection(store.ENTRIES)
            .where(filter=FieldFilter("open", "==", True))
            .where(filter=FieldFilter("priority_group", "==", group))
        )
        counted[group] = query.count().get()[0][0].value
    assert {g["group"]: g["open"] for g in forecast["groups"]} == counted
    total = 0
    for group in forecast["groups"]:
        total += group["open"]
        assert group["empties_at"] == (T0 + total * H).isoformat().replace("+00:00", ".000Z")
    # The due places (68 h old) pass 72 h in 4 h; at one call an hour the group-3 entries
    # are reached after the 5 left in group 2 and half of group 3's: 7 h, too late.
    assert forecast["will_pass_before_reached"] == 3

    strict = by_id["strict"]["figures"]
    headline = listed.body["headline"]
    assert headline["places"] == 14
    # Within every target: reported within 2 h (the 3 fresh places and the one just called).
    assert headline["within"] == strict["within"] == 4
    assert headline["overdue"] == 10
    overview = inproc.call("queueOverview", staff_token, method="GET").body
    assert overview["freshness"] == headline


def test_the_local_stack_scheduler_calls_refresh_queue_over_http(
    functions_http: Any, db: Any, test_stack: Any, project_id: str
) -> None:
    """What `make run`'s ready process does every 10 minutes, against a functions server."""
    import dataclasses
    from urllib.parse import urlparse

    from tools import demo
    from tools import stack as stacklib
    from tools.accounts import ensure_user

    staff = demo.DEMO_STAFF
    ensure_user(staff.email, staff.password, list(staff.roles), project_id)
    port = urlparse(functions_http.base).port
    assert port is not None
    local = dataclasses.replace(test_stack.stack, functions_port=port)
    reported(db, 3, "over", 200)
    db.collection(store.FRESHNESS_TARGETS).document("all").set(
        {
            "name": "All",
            "filter": {},
            "max_age_hours": 72,
            "created_at": T0,
            "updated_at": T0,
            "updated_by": "test",
        }
    )
    answer = stacklib.refresh_queue(local)
    assert (answer["targets"], answer["added"], answer["more"]) == (1, 3, False)
