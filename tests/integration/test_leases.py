"""Lease clean-up through Cloud Tasks, and the holder's extend and release."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.adapters import store
from tests import harness
from tests.conftest import Users
from tests.harness import T0, ControlledClock, HttpApi, InProcessApi, parse_iso
from tests.integration.factories import add_locations
from tests.integration.test_request_call import enqueue

pytestmark = pytest.mark.integration


def doc(db: Any, collection: str, doc_id: str) -> dict[str, Any]:
    snapshot = db.collection(collection).document(doc_id).get()
    assert snapshot.exists, f"{collection}/{doc_id}"
    data: dict[str, Any] = snapshot.to_dict()
    return data


def test_task_expires_the_lease_soon_after_it_ends(
    db: Any, start_functions: Any, staff_token: str, users: Users
) -> None:
    api = start_functions("functions-3s-lease", CLAIM_LEASE_SECONDS="3")
    enqueue(api, staff_token, add_locations(db, 1))
    first, second = users.callers(2)
    claimed = api.call("requestCall", first, params={"state": "all"}).body
    lease = claimed["lease"]
    attempt_id = f"{lease['entry_id']}-1"
    until = parse_iso(lease["claimed_until"])
    harness.poll(
        lambda: doc(db, store.ATTEMPTS, attempt_id).get("outcome") == "expired",
        (until - datetime.now(UTC)).total_seconds() + 10,
        "the attempt to show expired",
    )
    assert datetime.now(UTC) >= until
    entry = doc(db, store.ENTRIES, lease["entry_id"])
    assert entry["holder"] is None
    assert entry["expiries"] == 1
    from google.cloud.firestore_v1.base_query import FieldFilter

    changes = db.collection(store.ENTRY_CHANGES).where(
        filter=FieldFilter("entry_id", "==", lease["entry_id"])
    )
    assert sorted(c.to_dict()["event"] for c in changes.stream()) == ["claim", "expire"]
    again = api.call("requestCall", second, params={"state": "all"})
    assert again.status == 200
    assert again.body["lease"]["claim_seq"] == 2


def expiry(lease: dict[str, Any]) -> dict[str, Any]:
    return {k: lease[k] for k in ("entry_id", "claim_seq", "claimed_until")}


def test_duplicate_and_stale_tasks_change_nothing(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ControlledClock(monkeypatch)
    enqueue(inproc, staff_token, add_locations(db, 1))
    first, second = users.callers(2)
    lease = inproc.call("requestCall", first, params={"state": "all"}).body["lease"]
    early = inproc.call("expireClaim", json=expiry(lease))
    assert early.status == 409  # not ended yet: Cloud Tasks will try again
    clock.at(1200)
    done = inproc.call("expireClaim", json=expiry(lease))
    assert done.status == 200
    assert done.body["expired"] is True
    duplicate = inproc.call("expireClaim", json=expiry(lease))
    assert (duplicate.status, duplicate.body["expired"]) == (200, False)
    assert doc(db, store.ENTRIES, lease["entry_id"])["expiries"] == 1
    new = inproc.call("requestCall", second, params={"state": "all"}).body["lease"]
    assert new["claim_seq"] == 2
    before = doc(db, store.ENTRIES, lease["entry_id"])
    clock.at(5000)  # the new lease has ended too, but the task is for the old claim
    stale = inproc.call("expireClaim", json=expiry(lease))
    assert (stale.status, stale.body["verdict"]) == (200, "ended")
    assert doc(db, store.ENTRIES, lease["entry_id"]) == before
    assert doc(db, store.ATTEMPTS, f"{lease['entry_id']}-2")["outcome"] is None


def test_task_for_a_missing_entry_is_acknowledged(inproc: InProcessApi, db: Any) -> None:
    reply = inproc.call(
        "expireClaim",
        json={"entry_id": "gone", "claim_seq": 3, "claimed_until": "2026-01-01T00:00:00Z"},
    )
    assert reply.status == 200
    assert reply.body == {"expired": False, "verdict": "missing"}


def test_task_after_completion_changes_nothing(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    caller_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = ControlledClock(monkeypatch)
    enqueue(inproc, staff_token, add_locations(db, 1))
    claimed = inproc.call("requestCall", caller_token, params={"state": "all"}).body
    report = {"Location": claimed["id"], "Availability": ["walk_ins_only"]}
    assert inproc.call("submitReport", caller_token, json=report).status == 200
    clock.at(1300)
    reply = inproc.call("expireClaim", json=expiry(claimed["lease"]))
    assert (reply.status, reply.body["verdict"]) == (200, "ended")
    assert doc(db, store.ATTEMPTS, f"{claimed['lease']['entry_id']}-1")["outcome"] == "completed"


def test_repeated_expiries_flag_the_entry_for_staff(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ControlledClock(monkeypatch)
    enqueue(inproc, staff_token, add_locations(db, 1))
    callers = users.callers(4)
    for round_, token in enumerate(callers[:3]):
        clock.at(round_ * 1200)
        lease = inproc.call("requestCall", token, params={"state": "all"}).body["lease"]
        clock.at(round_ * 1200 + 1200)
        assert inproc.call("expireClaim", json=expiry(lease)).body["expired"] is True
    entry = doc(db, store.ENTRIES, lease["entry_id"])
    assert (entry["expiries"], entry["needs_attention"], entry["open"]) == (3, True, True)
    assert inproc.call("requestCall", callers[3], params={"state": "all"}).status == 404


def test_claim_succeeds_when_the_tasks_emulator_is_down(
    db: Any, test_stack: harness.TestStack, staff_token: str, users: Users
) -> None:
    from tools import stack as stacklib

    tasks_host = f"{stacklib.HOST}:{stacklib.free_port()}"
    own = test_stack.stack.__class__(**{**test_stack.stack.__dict__, "tasks_host": tasks_host})
    emulator = harness.start("tasks-doomed", stacklib.tasks_command(own), own.env())
    try:
        harness.wait_ready(emulator, lambda: stacklib.tcp_ready(tasks_host), "tasks-doomed")
        service, base = harness.start_functions(own, "functions-no-tasks", CLAIM_LEASE_SECONDS="2")
    finally:
        emulator.stop()
    try:
        api = HttpApi(base)
        enqueue(api, staff_token, add_locations(db, 1))
        first, second = users.callers(2)
        claimed = api.call("requestCall", first, params={"state": "all"})
        assert claimed.status == 200
        log = service.log.read_text()
        assert '"message": "lease expiry task not scheduled"' in log
        assert '"severity": "WARNING"' in log
        reply = harness.poll(
            lambda: (
                (r := api.call("requestCall", second, params={"state": "all"})).status == 200 and r
            ),
            10,
            "the entry to be offered again",
        )
        assert reply.body["id"] == claimed.body["id"]
    finally:
        service.stop()


def test_extend_pushes_the_lease_and_old_task_becomes_a_no_op(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    caller_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = ControlledClock(monkeypatch)
    enqueue(inproc, staff_token, add_locations(db, 1))
    lease = inproc.call("requestCall", caller_token, params={"state": "all"}).body["lease"]
    clock.at(1000)
    extended = inproc.call("extendCall", caller_token, json=lease)
    assert extended.status == 200, extended.body
    assert extended.body["entry_id"] == lease["entry_id"]
    assert extended.body["claim_seq"] == lease["claim_seq"]
    assert parse_iso(extended.body["claimed_until"]) == T0 + timedelta(seconds=1800)
    clock.at(1200)
    old = inproc.call("expireClaim", json=expiry(lease))
    assert (old.status, old.body["verdict"]) == (200, "extended")
    entry = doc(db, store.ENTRIES, lease["entry_id"])
    assert entry["claimed_until"] == T0 + timedelta(seconds=1800)
    assert entry["available_at"] == T0 + timedelta(seconds=1800)
    again = inproc.call("requestCall", caller_token, params={"state": "all"})
    assert again.body["lease"] == extended.body


def test_extend_stops_at_the_maximum(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    caller_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = ControlledClock(monkeypatch)
    enqueue(inproc, staff_token, add_locations(db, 1))
    lease = inproc.call("requestCall", caller_token, params={"state": "all"}).body["lease"]
    ends = []
    for _ in range(5):
        reply = inproc.call("extendCall", caller_token, json=lease)
        if reply.status != 200:
            break
        ends.append(parse_iso(reply.body["claimed_until"]))
    assert ends == [T0 + timedelta(seconds=s) for s in (1800, 2400, 3000, 3600)]
    assert parse_iso(lease["max_claimed_until"]) == T0 + timedelta(seconds=3600)
    assert reply.status == 409
    assert reply.body["error"] == "at_maximum"
    clock.at(3599)
    assert inproc.call("extendCall", caller_token, json=lease).status == 409


@pytest.mark.parametrize(
    ("who", "moment", "status", "error"),
    [
        ("other", 10, 409, "not_holder"),
        ("holder", 1200, 409, "lease_ended"),
        ("holder", 1199, 409, "lease_ended"),  # inside the end margin
    ],
)
def test_extend_and_release_refusals(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    users: Users,
    monkeypatch: pytest.MonkeyPatch,
    who: str,
    moment: float,
    status: int,
    error: str,
) -> None:
    clock = ControlledClock(monkeypatch)
    enqueue(inproc, staff_token, add_locations(db, 1))
    holder, other = users.callers(2)
    lease = inproc.call("requestCall", holder, params={"state": "all"}).body["lease"]
    clock.at(moment)
    token = holder if who == "holder" else other
    for function in ("extendCall", "releaseCall"):
        reply = inproc.call(function, token, json=lease)
        assert (reply.status, reply.body["error"]) == (status, error), function
    assert doc(db, store.ATTEMPTS, f"{lease['entry_id']}-1")["outcome"] is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"entry_id": "nope", "claim_seq": 1}, 404),
        ({"entry_id": "x"}, 400),
        ({"entry_id": "x", "claim_seq": 0}, 400),
        ({"entry_id": "a/b", "claim_seq": 1}, 400),
        ({"claim_seq": "one", "entry_id": "x"}, 400),
    ],
)
def test_extend_and_release_bad_bodies(
    inproc: InProcessApi, db: Any, caller_token: str, body: dict[str, Any], status: int
) -> None:
    for function in ("extendCall", "releaseCall"):
        reply = inproc.call(function, caller_token, json=body)
        assert reply.status == status, (function, reply.body)
        assert reply.body["error_description"]


def test_release_makes_the_entry_available_at_once(
    api: HttpApi, db: Any, staff_token: str, users: Users
) -> None:
    enqueue(api, staff_token, add_locations(db, 1))
    holder, other = users.callers(2)
    claimed = api.call("requestCall", holder, params={"state": "all"}).body
    assert api.call("requestCall", other, params={"state": "all"}).status == 404
    released = api.call("releaseCall", holder, json=claimed["lease"])
    assert (released.status, released.body) == (200, {"released": True})
    attempt = doc(db, store.ATTEMPTS, f"{claimed['lease']['entry_id']}-1")
    assert attempt["outcome"] == "released"
    assert doc(db, store.ENTRIES, claimed["lease"]["entry_id"])["holder"] is None
    taken = api.call("requestCall", other, params={"state": "all"})
    assert taken.status == 200
    assert taken.body["id"] == claimed["id"]
    twice = api.call("releaseCall", holder, json=claimed["lease"])
    assert (twice.status, twice.body["error"]) == (409, "lease_ended")


def test_expire_claim_needs_a_task_token_outside_local_mode(
    start_functions: Any, db: Any, caller_token: str
) -> None:
    api = start_functions("functions-task-auth", SKIP_TASK_AUTH="false")
    body = {"entry_id": "e", "claim_seq": 1}
    assert api.call("expireClaim", json=body).status == 401
    assert api.call("expireClaim", caller_token, json=body).status == 401


def test_tasks_cloud_tasks_refused_are_kept_and_scheduled_once_it_answers(
    inproc: InProcessApi,
    db: Any,
    test_stack: harness.TestStack,
    staff_token: str,
    users: Users,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from google.cloud import tasks_v2

    from shared.adapters import tasks
    from shared.adapters.config import get_settings
    from shared.services.caller import lease_tasks
    from tools import stack as stacklib

    enqueue(inproc, staff_token, add_locations(db, 4))
    callers = users.callers(4)
    monkeypatch.setenv("CLOUD_TASKS_EMULATOR_HOST", f"{stacklib.HOST}:{stacklib.free_port()}")
    get_settings.cache_clear()
    names = set()
    for token in callers[:2]:
        lease = inproc.call("requestCall", token, params={"state": "all"}).body["lease"]
        until = parse_iso(lease["claimed_until"])
        names.add(tasks.task_id(lease["entry_id"], lease["claim_seq"], until))
    assert {s.id for s in db.collection(store.PENDING_EXPIRIES).stream()} == names

    # Back up, in an instance that kept nothing: it drains by chance (odds 1 here), one task
    # per drain; the full batch tells it more wait, so the next claim drains without chance.
    monkeypatch.setitem(lease_tasks._kept, "here", False)
    monkeypatch.setattr(lease_tasks, "DRAIN_BATCH", 1)
    monkeypatch.setenv("CLOUD_TASKS_EMULATOR_HOST", test_stack.stack.tasks_host)
    get_settings.cache_clear()
    left = []
    for token, odds in zip(callers[2:], (1.0, 0.0), strict=True):
        monkeypatch.setattr(lease_tasks, "DRAIN_ODDS", odds)
        assert inproc.call("requestCall", token, params={"state": "all"}).status == 200
        left.append(len(list(db.collection(store.PENDING_EXPIRIES).stream())))
    assert left == [1, 0]
    settings = get_settings()
    scheduled = tasks.client(settings).list_tasks(
        request=tasks_v2.ListTasksRequest(parent=settings.queue_path)
    )
    assert {f"{settings.queue_path}/tasks/{name}" for name in names} <= {t.name for t in scheduled}
