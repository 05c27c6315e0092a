"""The holes a review found in the entry lifecycle, one test each (issue: one home for it).

Races are forced with a barrier in front of every transaction's first commit: each party
has done all its reads before any of them writes, the interleaving a backend without
transaction isolation (the emulator we run) allows.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from shared.adapters import store
from shared.base.clock import iso
from tests.conftest import Users
from tests.harness import ControlledClock, HttpApi, InProcessApi, parse_iso
from tests.integration.factories import add_locations, count
from tests.integration.test_leases import doc, expiry
from tests.integration.test_reports import claim
from tests.integration.test_request_call import enqueue, request_all_at_once

pytestmark = pytest.mark.integration


def attempts(db: Any) -> dict[str, dict[str, Any]]:
    return {s.id: s.to_dict() for s in db.collection(store.ATTEMPTS).stream()}


def barrier_before_commits(monkeypatch: pytest.MonkeyPatch, parties: int) -> None:
    """Make each thread's first commit (a claim's batch or transaction) wait until `parties`
    threads are there."""
    from google.cloud.firestore_v1.batch import WriteBatch
    from google.cloud.firestore_v1.transaction import Transaction

    barrier = threading.Barrier(parties, timeout=30)
    local = threading.local()

    def waits(function: Any) -> Any:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not getattr(local, "waited", False):
                local.waited = True
                barrier.wait()
            return function(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(Transaction, "_commit", waits(Transaction._commit))
    monkeypatch.setattr(WriteBatch, "commit", waits(WriteBatch.commit))


def setting(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    from shared.adapters.config import get_settings

    monkeypatch.setenv(name, value)
    get_settings.cache_clear()


# 1. One caller, many simultaneous requestCalls: one attempt, one lease for all of them.


def without_fences(monkeypatch: pytest.MonkeyPatch) -> None:
    """Turn every `create` into a plain set: the mechanism removed, to show it matters."""
    from google.cloud.firestore_v1.base_batch import BaseWriteBatch

    monkeypatch.setattr(BaseWriteBatch, "create", lambda self, ref, data: self.set(ref, data))


@pytest.mark.parametrize("fence", [True, False], ids=["with-fences", "fences-removed"])
def test_simultaneous_requests_of_one_caller_share_one_lease(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    caller_token: str,
    monkeypatch: pytest.MonkeyPatch,
    fence: bool,
) -> None:
    enqueue(inproc, staff_token, add_locations(db, 40))
    barrier_before_commits(monkeypatch, 16)
    if not fence:
        without_fences(monkeypatch)
    with ThreadPoolExecutor(max_workers=16) as pool:
        replies = list(pool.map(lambda _: claim(inproc, caller_token), range(16)))
    if not fence:
        # Every request claims its own entry: one caller holds many.
        assert count(db, store.ATTEMPTS) > 1
        return
    assert count(db, store.ATTEMPTS) == 1
    assert len({r["id"] for r in replies}) == 1
    assert len({tuple(sorted(r["lease"].items())) for r in replies}) == 1


def test_sixteen_simultaneous_requests_over_http_share_one_lease(
    api: HttpApi, db: Any, staff_token: str, caller_token: str
) -> None:
    enqueue(api, staff_token, add_locations(db, 40))
    replies = request_all_at_once(api, [caller_token] * 16)
    assert [r.status for r in replies] == [200] * 16
    assert count(db, store.ATTEMPTS) == 1
    leases = {tuple(sorted(r.body["lease"].items())) for r in replies}
    assert len(leases) == 1, leases


# 2. A late expiry task still ends the old attempt and counts the expiry.


def test_lease_that_ran_out_before_a_new_claim_is_ended_and_counted(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ControlledClock(monkeypatch)
    enqueue(inproc, staff_token, add_locations(db, 1))
    first, second = users.callers(2)
    old = claim(inproc, first)["lease"]
    clock.at(1300)  # the lease has run out; its clean-up task has not arrived yet
    new = claim(inproc, second)["lease"]
    assert new["claim_seq"] == 2
    late = inproc.call("expireClaim", json=expiry(old))
    assert late.status == 200, late.body
    ended = doc(db, store.ATTEMPTS, f"{old['entry_id']}-1")
    assert ended["outcome"] == "expired"
    assert ended["ended_at"] == clock.now
    entry = doc(db, store.ENTRIES, old["entry_id"])
    assert (entry["expiries"], entry["holder"], entry["claim_seq"]) == (
        1,
        users.uid("caller1", ["caller"]),
        2,
    )
    assert doc(db, store.ATTEMPTS, f"{old['entry_id']}-2")["outcome"] is None


# 3. A report on a place somebody else now holds: stored, closes the entry, and the holder's
#    attempt ends `superseded`, which their app learns on extend or release.


def test_report_by_a_former_holder_supersedes_the_current_holder(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ControlledClock(monkeypatch)
    enqueue(inproc, staff_token, add_locations(db, 1))
    first, second = users.callers(2)
    place = claim(inproc, first)
    clock.at(1300)
    held = claim(inproc, second)["lease"]
    clock.at(1400)
    report = {"Location": place["id"], "Availability": ["walk_ins_only"]}
    assert inproc.call("submitReport", first, json=report).status == 200
    entry = doc(db, store.ENTRIES, held["entry_id"])
    assert (entry["open"], entry["outcome"]) == (False, "completed")
    superseded = doc(db, store.ATTEMPTS, f"{held['entry_id']}-2")
    assert (superseded["outcome"], superseded["ended_at"]) == ("superseded", clock.now)
    assert doc(db, store.ATTEMPTS, f"{held['entry_id']}-1")["outcome"] == "expired"
    for function in ("extendCall", "releaseCall"):
        reply = inproc.call(function, second, json=held)
        assert (reply.status, reply.body["error"]) == (409, "superseded"), reply.body
        assert "another caller" in reply.body["error_description"].lower()


# 4a. Flagged entries: listed, resumable by location, and reported by bulkEnqueue.


def flag_one(inproc: InProcessApi, staff_token: str, db: Any, users: Users, clock: Any) -> str:
    location_id = add_locations(db, 1)[0]
    enqueue(inproc, staff_token, [location_id])
    for round_, token in enumerate(users.callers(3)):
        clock.at(round_ * 1300)
        lease = claim(inproc, token)["lease"]
        clock.at(round_ * 1300 + 1250)
        assert inproc.call("expireClaim", json=expiry(lease)).status == 200
    return location_id


def test_flagged_entries_are_listed_resumable_by_location_and_counted_by_bulk_enqueue(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ControlledClock(monkeypatch)
    location_id = flag_one(inproc, staff_token, db, users, clock)
    listed = inproc.call(
        "listEntries", staff_token, method="GET", params={"status": "needs_attention"}
    )
    assert listed.status == 200, listed.body
    assert [e["location_id"] for e in listed.body["entries"]] == [location_id]
    assert listed.body["entries"][0]["status"] == "needs_attention"
    again = inproc.call(
        "bulkEnqueue", staff_token, json={"reason": "Stale report", "location_ids": [location_id]}
    )
    assert again.status == 200, again.body
    assert (again.body["added"], again.body["already_queued"], again.body["needs_attention"]) == (
        0,
        0,
        1,
    )
    resumed = inproc.call(
        "updateEntries", staff_token, json={"action": "resume", "location_ids": [location_id]}
    )
    assert (resumed.status, resumed.body["changed"]) == (200, 1), resumed.body
    assert claim(inproc, users.token("caller9", ["caller"]))["id"] == location_id


# 4b. A call-back further ahead than the horizon is refused, naming the field.


def test_call_back_beyond_the_horizon_is_400_and_writes_nothing(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    caller_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = ControlledClock(monkeypatch)
    enqueue(inproc, staff_token, add_locations(db, 1))
    place = claim(inproc, caller_token)
    for until in ("9999-01-01T00:00:00Z", iso(clock.now + timedelta(days=31))):
        body = {
            "Location": place["id"],
            "Availability": ["skip_call_back_later"],
            "Do not call until": until,
        }
        reply = inproc.call("submitReport", caller_token, json=body)
        assert reply.status == 400, reply.body
        assert "Do not call until" in reply.body["error_description"]
    assert count(db, store.REPORTS) == 0
    assert doc(db, store.ENTRIES, place["lease"]["entry_id"])["open"] is True


# 5. A skip always keeps the place in the queue.


def test_skip_with_a_past_call_back_time_keeps_the_place_queued(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ControlledClock(monkeypatch)
    enqueue(inproc, staff_token, add_locations(db, 1))
    first, second = users.callers(2)
    place = claim(inproc, first)
    # The app's "Closed until Monday", pressed on a Monday afternoon: 08:00 today, already past.
    body = {
        "Location": place["id"],
        "Availability": ["Skip: call back later"],
        "Do not call until": iso(clock.now - timedelta(hours=6)),
    }
    assert inproc.call("submitReport", first, json=body).status == 200
    assert count(db, store.OPEN_ENTRIES) == 1
    back = claim(inproc, second)
    assert back["id"] == place["id"]
    assert back["queue_entry"]["reason"] == "Previously skipped"


def test_skip_without_a_time_comes_back_after_the_default_delay(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.adapters.config import get_settings

    clock = ControlledClock(monkeypatch)
    enqueue(inproc, staff_token, add_locations(db, 1))
    first, second = users.callers(2)
    place = claim(inproc, first)
    body = {"Location": place["id"], "Availability": ["skip_call_back_later"]}
    assert inproc.call("submitReport", first, json=body).status == 200
    delay = get_settings().skip_default_delay_seconds
    clock.now += timedelta(seconds=delay - 1)
    assert inproc.call("requestCall", second, params={"state": "all"}).status == 404
    clock.now += timedelta(seconds=1)
    assert claim(inproc, second)["id"] == place["id"]


# 6. Every end of a lease is recorded: release, expiry, another's report, staff removal.


def test_every_ended_attempt_has_an_outcome_and_an_end_time(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ControlledClock(monkeypatch)
    first, second = add_locations(db, 2)
    enqueue(inproc, staff_token, [first])
    a, b, c = users.callers(3)
    released = claim(inproc, a)["lease"]
    assert inproc.call("releaseCall", a, json=released).status == 200
    removed = claim(inproc, b)["lease"]
    clock.at(60)
    reply = inproc.call(
        "updateEntries", staff_token, json={"action": "remove", "entry_ids": [removed["entry_id"]]}
    )
    assert reply.body["changed"] == 1
    enqueue(inproc, staff_token, [second])
    place = claim(inproc, c)
    clock.at(2000)  # c's lease ran out unreported; a takes the place, then c reports late
    assert claim(inproc, a)["id"] == second
    report = {"Location": place["id"], "Availability": ["walk_ins_only"]}
    assert inproc.call("submitReport", c, json=report).status == 200
    outcomes = {k: (v["outcome"], v["ended_at"]) for k, v in attempts(db).items()}
    assert sorted(str(o) for o, _ in outcomes.values()) == [
        "expired",
        "released",
        "removed",
        "superseded",
    ], outcomes
    assert all(ended is not None for _, ended in outcomes.values()), outcomes


# 7. An expiry task racing a new claim (emulator, no isolation) must not clear or flag the
#    new holder's entry: the two collide, and exactly one ends the old attempt.


def race_expiry_with_a_new_claim(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], Any]:
    """A lease runs out; its expiry task and another caller's requestCall then race, both
    reading before either writes. Answers the old lease and the requestCall reply."""
    clock = ControlledClock(monkeypatch)
    enqueue(inproc, staff_token, add_locations(db, 1))
    first, second = users.callers(2)
    lease = claim(inproc, first)["lease"]
    clock.at(1300)
    barrier_before_commits(monkeypatch, 2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        task = pool.submit(inproc.call, "expireClaim", None, json=expiry(lease))
        call = pool.submit(inproc.call, "requestCall", second, params={"state": "all"})
        assert task.result().status == 200
        claimed = call.result()
    return lease, claimed


def test_expiry_task_racing_a_new_claim_cannot_flag_a_held_entry(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    setting(monkeypatch, "MAX_EXPIRIES", "1")
    lease, claimed = race_expiry_with_a_new_claim(inproc, db, staff_token, users, monkeypatch)
    entry = doc(db, store.ENTRIES, lease["entry_id"])
    # One lease ran out and MAX_EXPIRIES is 1: the entry is flagged, so nobody holds it.
    assert claimed.status == 404, claimed.body
    assert (entry["needs_attention"], entry["holder"], entry["expiries"]) == (True, None, 1)
    assert list(attempts(db)) == [f"{lease['entry_id']}-1"]
    assert doc(db, store.ATTEMPTS, f"{lease['entry_id']}-1")["outcome"] == "expired"


def test_expiry_task_racing_a_new_claim_leaves_the_new_holder_alone(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    lease, claimed = race_expiry_with_a_new_claim(inproc, db, staff_token, users, monkeypatch)
    assert claimed.status == 200, claimed.body
    entry = doc(db, store.ENTRIES, lease["entry_id"])
    holder = users.uid("caller1", ["caller"])
    assert (entry["holder"], entry["claim_seq"], entry["expiries"]) == (holder, 2, 1)
    assert entry["needs_attention"] is False
    assert parse_iso(claimed.body["lease"]["claimed_until"]) == entry["claimed_until"]
