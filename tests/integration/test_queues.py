"""Named queues, caller groups and backfill against the emulators (issue 12)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.adapters import store
from tests.conftest import Users
from tests.harness import InProcessApi, first_call_waits
from tests.integration.factories import add_locations, count, counts
from tests.integration.test_request_call import NOTHING

pytestmark = pytest.mark.integration


def save_queue(api: InProcessApi, staff: str, **queue: Any) -> dict[str, Any]:
    reply = api.call("saveQueue", staff, json=queue)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def set_groups(api: InProcessApi, staff: str, uid: str, groups: list[str]) -> None:
    reply = api.call("setCallerGroups", staff, json={"uid": uid, "groups": groups})
    assert reply.status == 200, reply.body


def enqueue_in(api: InProcessApi, staff: str, queue: str, ids: list[str]) -> None:
    body = {"reason": "New location", "location_ids": ids, "queue": queue}
    reply = api.call("bulkEnqueue", staff, json=body)
    assert reply.status == 200, reply.body
    assert reply.body["added"] == len(ids)
    assert reply.body["queue"] == queue


def queue_of(db: Any, location_id: str) -> str:
    guard = db.collection(store.OPEN_ENTRIES).document(location_id).get().to_dict()
    return str(db.collection(store.ENTRIES).document(guard["entry_id"]).get().get("queue"))


def claim_as(api: InProcessApi, token: str) -> tuple[int, Any]:
    reply = api.call("requestCall", token, params={"state": "all"})
    return reply.status, reply.body


def test_a_trainee_draws_only_from_trainee_queues_and_falls_through_in_order(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users
) -> None:
    save_queue(inproc, staff_token, name="hard", groups=["experienced"], order=0)
    save_queue(inproc, staff_token, name="practice", groups=["trainee"], order=1)
    save_queue(inproc, staff_token, name="shared", groups=["trainee", "experienced"], order=2)
    save_queue(inproc, staff_token, name="default", groups=["experienced"], order=10)
    enqueue_in(inproc, staff_token, "hard", add_locations(db, 4, prefix="hard"))
    enqueue_in(inproc, staff_token, "practice", add_locations(db, 2, prefix="practice"))
    enqueue_in(inproc, staff_token, "shared", add_locations(db, 3, prefix="shared"))
    enqueue_in(inproc, staff_token, "default", add_locations(db, 4, prefix="default"))

    trainees = [f"trainee{i}" for i in range(6)]
    for name in trainees:
        set_groups(inproc, staff_token, users.uid(name, ["caller"]), ["trainee"])
    drawn = []
    for name in trainees:
        status, body = claim_as(inproc, users.token(name, ["caller"]))
        drawn.append(body["id"].split("-")[0] if status == 200 else body["error"])
    # Practice first (order 1), then shared (order 2); never hard or default.
    assert drawn == ["practice"] * 2 + ["shared"] * 3 + [NOTHING]

    veteran = users.uid("veteran", ["caller"])
    set_groups(inproc, staff_token, veteran, ["experienced"])
    status, body = claim_as(inproc, users.token("veteran", ["caller"]))
    assert status == 200
    assert body["id"].startswith("hard-")


def test_a_caller_without_groups_draws_only_from_queues_open_to_everyone(
    inproc: InProcessApi, db: Any, staff_token: str, caller_token: str
) -> None:
    save_queue(inproc, staff_token, name="spanish", groups=["spanish"], order=0)
    enqueue_in(inproc, staff_token, "spanish", add_locations(db, 3, prefix="es"))
    assert claim_as(inproc, caller_token)[0] == 404
    enqueue_in(inproc, staff_token, "default", add_locations(db, 1, prefix="any"))
    status, body = claim_as(inproc, caller_token)
    assert status == 200
    assert body["id"] == "any-000"


def test_bulk_enqueue_into_an_unknown_queue_is_404_naming_it_and_writes_nothing(
    inproc: InProcessApi, db: Any, staff_token: str
) -> None:
    ids = add_locations(db, 2)
    before = counts(db)
    body = {"reason": "New location", "location_ids": ids, "queue": "nowhere"}
    reply = inproc.call("bulkEnqueue", staff_token, json=body)
    assert reply.status == 404
    assert reply.body["error"] == "unknown_queue"
    assert "'nowhere'" in reply.body["error_description"]
    assert counts(db) == before
    # Without a queue, the entry is in `default`.
    reply = inproc.call("bulkEnqueue", staff_token, json={"reason": "x", "location_ids": ids})
    assert reply.status == 200
    assert queue_of(db, ids[0]) == "default"


def test_queues_are_listed_in_fall_through_order_with_the_implicit_default(
    inproc: InProcessApi, staff_token: str
) -> None:
    reply = inproc.call("listQueues", staff_token, method="GET")
    assert [q["name"] for q in reply.body["queues"]] == ["default"]
    assert reply.body["queues"][0]["saved"] is False
    save_queue(inproc, staff_token, name="Spanish", groups=["spanish", "spanish"], order=3)
    reply = inproc.call("listQueues", staff_token, method="GET")
    assert [(q["name"], q["groups"]) for q in reply.body["queues"]] == [
        ("spanish", ["spanish"]),
        ("default", []),
    ]
    bad = inproc.call("saveQueue", staff_token, json={"name": "no/slash"})
    assert bad.status == 400
    assert "name" in bad.body["error_description"]


def test_callers_are_listed_with_their_groups_and_unknown_users_are_404(
    inproc: InProcessApi, staff_token: str, users: Users
) -> None:
    uid = users.uid("grouped", ["caller"])
    set_groups(inproc, staff_token, uid, ["spanish", "trainee"])
    reply = inproc.call("listCallers", staff_token, method="GET")
    assert reply.status == 200
    mine = [c for c in reply.body["callers"] if c["uid"] == uid]
    email = "grouped-caller@test.callqueue.test"
    assert mine == [{"uid": uid, "email": email, "groups": ["spanish", "trainee"]}]
    missing = inproc.call("setCallerGroups", staff_token, json={"uid": "nobody", "groups": []})
    assert missing.status == 404
    assert missing.body["error"] == "unknown_user"


# Issue 16 defect 6: Firebase Auth uids are 1 to 128 characters; a longer one answered 500.
@pytest.mark.parametrize(
    ("uid", "status", "error"),
    [
        ("u" * 129, 400, "invalid_field"),
        ("\u00e9" * 129, 400, "invalid_field"),
        ("x" * 2000, 400, "invalid_field"),
        ("   ", 400, "invalid_field"),
        ("a/b", 400, "invalid_field"),
        ("u" * 128, 404, "unknown_user"),
        ("\u00e9t\u00e9 caller", 404, "unknown_user"),
        ("__reserved__", 400, "invalid_field"),
    ],
)
def test_set_caller_groups_refuses_uids_auth_cannot_hold(
    inproc: InProcessApi, db: Any, staff_token: str, uid: str, status: int, error: str
) -> None:
    reply = inproc.call("setCallerGroups", staff_token, json={"uid": uid, "groups": ["g"]})
    assert (reply.status, reply.body.get("error")) == (status, error), reply.body
    assert "uid" in reply.body["error_description"] or status == 404
    assert count(db, store.CALLERS) == 0


def test_a_skipped_entry_comes_back_in_its_queue(
    inproc: InProcessApi, db: Any, staff_token: str, caller_token: str
) -> None:
    save_queue(inproc, staff_token, name="outreach", order=0)
    enqueue_in(inproc, staff_token, "outreach", add_locations(db, 1))
    status, body = claim_as(inproc, caller_token)
    assert status == 200
    report = {"Location": body["id"], "Availability": ["skip_call_back_later"]}
    assert inproc.call("submitReport", caller_token, json=report).status == 200
    assert queue_of(db, body["id"]) == "outreach"


# Backfill


@pytest.mark.parametrize("fence", [True, False], ids=["with-fence", "fence-removed"])
def test_an_empty_queue_is_backfilled_once_by_16_concurrent_callers(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    users: Users,
    monkeypatch: pytest.MonkeyPatch,
    fence: bool,
) -> None:
    from shared.services.caller import backfill

    ids = add_locations(db, 60)
    # Reported places come after the never-reported ones, oldest report first.
    db.collection(store.LOCATIONS).document(ids[0]).update(
        {"latest_report_at": datetime(2026, 1, 1, tzinfo=UTC), "number_of_reports": 1}
    )
    save_queue(inproc, staff_token, name="default", backfill_min=5)
    # Every caller counts the queue empty before any of them refills it.
    barrier = threading.Barrier(16, timeout=30)
    monkeypatch.setattr(backfill, "count_stock", first_call_waits(backfill.count_stock, barrier))
    if not fence:
        monkeypatch.setattr(backfill, "first_in_window", lambda db, record: True)
    tokens = users.callers(16)
    with ThreadPoolExecutor(max_workers=16) as pool:
        replies = list(pool.map(lambda t: claim_as(inproc, t), tokens))
    adds = [s.to_dict() for s in db.collection(store.BULK_ADDS).stream()]
    if not fence:
        assert len(adds) > 1
        return
    assert len(adds) == 1
    assert adds[0]["reason"] == "Automatic backfill"
    assert adds[0]["added"] == 5
    assert count(db, store.ENTRIES) == 5
    assert count(db, store.BACKFILLS) == 1
    queued = {s.to_dict()["location_id"] for s in db.collection(store.ENTRIES).stream()}
    assert queued == set(ids[1:6])
    assert sum(status == 200 for status, _ in replies) <= 5


def test_a_request_draws_from_the_queue_the_callers_current_groups_and_queues_make_first(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users
) -> None:
    """The process starts drawing from the queue it read last for this caller, beside the read
    of their document and the saved queues: a change of either must win over that guess."""
    save_queue(inproc, staff_token, name="for-a", groups=["a"], order=0)
    save_queue(inproc, staff_token, name="for-b", groups=["b"], order=0)
    enqueue_in(inproc, staff_token, "for-a", add_locations(db, 3, prefix="qa"))
    enqueue_in(inproc, staff_token, "for-b", add_locations(db, 3, prefix="qb"))
    uid = users.uid("switcher", ["caller"])
    token = users.token("switcher", ["caller"])

    def claim_then_release() -> str:
        reply = inproc.call("requestCall", token, params={"state": "all"})
        assert reply.status == 200, reply.body
        released = inproc.call("releaseCall", token, json=reply.body["lease"])
        assert released.status == 200, released.body
        return str(reply.body["id"]).split("-")[0]

    set_groups(inproc, staff_token, uid, ["a"])
    assert [claim_then_release() for _ in range(2)] == ["qa", "qa"]
    set_groups(inproc, staff_token, uid, ["b"])
    assert claim_then_release() == "qb"
    # A queue saved since, now first for them (same order, its name sorts first).
    save_queue(inproc, staff_token, name="b-urgent", groups=["b"], order=0)
    enqueue_in(inproc, staff_token, "b-urgent", add_locations(db, 1, prefix="qu"))
    assert claim_then_release() == "qu"
