"""callerStatistics: per-caller figures match a scripted history (controlled clock)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Users
from tests.harness import ControlledClock, InProcessApi
from tests.integration.factories import add_locations
from tests.integration.test_console_api import get, ok
from tests.integration.test_request_call import enqueue

pytestmark = pytest.mark.integration

DAY = 86400
CALLERS = 4


def claim(api: InProcessApi, token: str) -> dict[str, Any]:
    return ok(api.call("requestCall", token, params={"state": "all"}))


def report(api: InProcessApi, token: str, location_id: str, tag: str = "walk_ins_only") -> None:
    ok(api.call("submitReport", token, json={"Location": location_id, "Availability": [tag]}))


def test_figures_follow_the_attempt_history(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.domain import review

    clock = ControlledClock(monkeypatch)
    # Review sampling stays on; its draw (a hash of the random report id, 2% for every
    # caller) is fixed so that no report here is picked by chance (it was, 1 run in ~16).
    monkeypatch.setattr(review, "sample_point", lambda report_id: 0.999)
    enqueue(inproc, staff_token, add_locations(db, 3))
    ann, bob, _nobody = users.callers(3)
    # Ann: a 300 s call reported, a 100 s call skipped, one released, one left to expire.
    first = claim(inproc, ann)
    clock.at(300)
    report(inproc, ann, first["id"])
    clock.at(400)
    second = claim(inproc, ann)
    clock.at(500)
    report(inproc, ann, second["id"], "skip_call_back_later")
    clock.at(600)
    third = claim(inproc, ann)
    ok(inproc.call("releaseCall", ann, json=third["lease"]))
    clock.at(800)
    fourth = claim(inproc, ann)
    clock.at(800 + 1200)
    lease = fourth["lease"]
    expiry = {k: lease[k] for k in ("entry_id", "claim_seq", "claimed_until")}
    assert ok(inproc.call("expireClaim", json=expiry))["expired"] is True
    # Bob: one 60 s call, reported.
    clock.at(3000)
    fifth = claim(inproc, bob)
    clock.at(3060)
    report(inproc, bob, fifth["id"])

    page = get(inproc, staff_token, "callerStatistics")
    rows = {row.pop("uid"): row for row in page["callers"]}
    ann_uid, bob_uid = (users.uid(n, ["caller"]) for n in ("caller0", "caller1"))
    assert rows[ann_uid] | {"email": None} == {
        "claims": 4,
        "completed": 1,
        "skips": 1,
        "expiries": 1,
        "releases": 1,
        "median_call_s": 200.0,
        "median_of": 2,
        "email": None,
        "reviews_flagged": 0,
        "reviews_pending": 0,
        "reviews_approved": 0,
        "reviews_requeued": 0,
    }
    assert rows[bob_uid]["claims"] == 1
    assert (rows[bob_uid]["completed"], rows[bob_uid]["median_call_s"]) == (1, 60.0)
    assert (page["total"], page["since"], page["next_page_token"]) == (2, None, None)

    # A page at a time, in uid order.
    one = get(inproc, staff_token, "callerStatistics", limit=1)
    two = get(inproc, staff_token, "callerStatistics", limit=1, page_token=one["next_page_token"])
    assert [r["uid"] for r in one["callers"] + two["callers"]] == sorted(rows)
    assert two["next_page_token"] is None

    # Forty days on, the last 30 days hold nothing; all time still holds everything.
    clock.at(40 * DAY)
    recent = get(inproc, staff_token, "callerStatistics", days=30)
    assert recent["since"] == "2026-03-11T18:00:00.000Z"
    assert {(r["claims"], r["median_call_s"]) for r in recent["callers"]} == {(0, None)}
    assert get(inproc, staff_token, "callerStatistics")["callers"][0]["claims"] in (1, 4)


def test_bad_parameters_are_refused(inproc: InProcessApi, staff_token: str) -> None:
    for params in ({"days": "0"}, {"limit": "1000"}, {"colour": "red"}):
        reply = inproc.call("callerStatistics", staff_token, method="GET", params=params)
        assert reply.status == 400, (params, reply.body)


def test_a_page_costs_a_few_queries_whatever_the_callers(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.services.staff import caller_statistics
    from tools.bench.rpc_count import RpcCounter, counting_client

    clock = ControlledClock(monkeypatch)
    enqueue(inproc, staff_token, add_locations(db, CALLERS))
    for token in users.callers(CALLERS):
        report(inproc, token, claim(inproc, token)["id"])
    counter = RpcCounter()
    counted = counting_client(db.project, counter)
    for days in (None, 7):
        query = caller_statistics.CallerStatisticsQuery(days=days, limit=CALLERS)
        page = caller_statistics.caller_statistics(counted, query, clock.now)
        assert [r["completed"] for r in page["callers"]] == [1] * CALLERS
    queries = counter.rpcs["RunQuery"] + counter.rpcs["RunAggregationQuery"]
    # Two pages: the total, the page and its callers' day documents each.
    assert queries <= 2 * 3, counter.rpcs


def test_the_backfill_rebuilds_the_counters_from_the_history(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.adapters import store
    from shared.records import entries

    clock = ControlledClock(monkeypatch)
    enqueue(inproc, staff_token, add_locations(db, 3))
    ann, bob = users.callers(2)
    report(inproc, ann, claim(inproc, ann)["id"])
    clock.at(120)
    report(inproc, ann, claim(inproc, ann)["id"], "skip_call_back_later")
    claim(inproc, bob)
    before = get(inproc, staff_token, "callerStatistics")
    assert {r["claims"] for r in before["callers"]} == {2, 1}
    for snapshot in db.collection(store.CALLER_FIGURES).stream():
        snapshot.reference.delete()
    assert {r["claims"] for r in get(inproc, staff_token, "callerStatistics")["callers"]} == {0}

    assert entries.rebuild_caller_figures(db) == 2
    assert get(inproc, staff_token, "callerStatistics") == before
