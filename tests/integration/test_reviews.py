"""Reports that need a second look: flagged on submit, listed, approved or sent back."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shared.adapters import store
from shared.domain import review
from tests.conftest import Users
from tests.harness import Api, ControlledClock, HttpApi, InProcessApi, Reply
from tests.integration.factories import add_locations
from tests.integration.test_console_api import get, ok

pytestmark = pytest.mark.integration


def sampling(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    from shared.adapters.config import get_settings

    monkeypatch.setenv("REVIEW_SAMPLING", text)
    get_settings.cache_clear()


def submit(api: Api, token: str, location_id: str, **extra: Any) -> str:
    body = {"Location": location_id, "Availability": ["walk_ins_only"], **extra}
    created: str = ok(api.call("submitReport", token, json=body))["created"][0]
    return created


def stored(db: Any, report_id: str) -> dict[str, Any]:
    data: dict[str, Any] = db.collection(store.REPORTS).document(report_id).get().to_dict()
    return data


def set_groups(api: InProcessApi, staff: str, uid: str, groups: list[str]) -> None:
    ok(api.call("setCallerGroups", staff, json={"uid": uid, "groups": groups}))


def test_the_caller_apps_flags_put_a_report_up_for_review(
    inproc: InProcessApi, db: Any, caller_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sampling(monkeypatch, "*=0")
    [place] = add_locations(db, 1)
    # Exactly as the caller app sends them (caller-api-contract.md).
    asked = submit(
        inproc,
        caller_token,
        place,
        is_pending_review=True,
        pending_review_because="Hours disagree with the website",
    )
    plain = submit(inproc, caller_token, place, is_pending_review=False)
    flagged = stored(db, asked)
    assert flagged["review_status"] == "pending"
    assert flagged["review_reasons"] == [review.CALLER_APP]
    assert flagged["body"]["pending_review_because"] == "Hours disagree with the website"
    assert flagged["body"]["is_pending_review"] is True
    assert stored(db, plain)["review_status"] is None
    assert stored(db, plain)["review_reasons"] == []


def test_every_report_of_a_trainee_and_a_hashed_share_of_the_others(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    users: Users,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sampling(monkeypatch, "trainee=1, *=50%")
    trainee, other = users.callers(2)
    set_groups(inproc, staff_token, users.uid("caller0", ["caller"]), ["trainee"])
    places = add_locations(db, 30)
    trainees = [submit(inproc, trainee, p) for p in places[:5]]
    others = [submit(inproc, other, p) for p in places]
    assert {stored(db, r)["review_reasons"][0] for r in trainees} == {"sample:trainee"}
    # The decision is the pure rule applied to the stored report's id.
    decided = {r: stored(db, r)["review_reasons"] for r in others}
    assert decided == {
        r: review.review_reasons(None, None, [], r, review.parse_sampling("*=50%")) for r in others
    }
    assert 0 < sum(1 for reasons in decided.values() if reasons) < len(others)


def flag(api: Api, token: str, place: str, because: str = "please check") -> str:
    return submit(api, token, place, is_pending_review=True, pending_review_because=because)


def test_reviews_are_listed_oldest_first_beside_the_places_earlier_reports(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    caller_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sampling(monkeypatch, "*=0")
    clock = ControlledClock(monkeypatch)
    a, b = add_locations(db, 2, phone="555-0100")
    clock.at(10)
    earlier = submit(inproc, caller_token, a, Notes="first visit")
    clock.at(20)
    first = flag(inproc, caller_token, a, "odd hours")
    clock.at(30)
    second = flag(inproc, caller_token, b)
    clock.at(30)
    third = flag(inproc, caller_token, b, "same second")

    page = get(inproc, staff_token, "listReviews")
    assert [r["report_id"] for r in page["reviews"]] == [first, *sorted([second, third])]
    row = page["reviews"][0]
    assert row["location"]["name"] == f"Place {a}"
    assert row["location"]["phone"] == "555-0100"
    assert row["pending_review_because"] == "odd hours"
    assert row["review_reasons"] == [review.CALLER_APP]
    assert [p["report_id"] for p in row["previous_reports"]] == [earlier]
    assert row["previous_reports"][0]["notes"] == "first visit"
    assert (page["total"], page["next_page_token"]) == (3, None)

    one = get(inproc, staff_token, "listReviews", limit=2)
    two = get(inproc, staff_token, "listReviews", limit=2, page_token=one["next_page_token"])
    assert [r["report_id"] for r in one["reviews"] + two["reviews"]] == [
        r["report_id"] for r in page["reviews"]
    ]
    assert two["next_page_token"] is None


def test_approving_closes_the_review_once(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    caller_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sampling(monkeypatch, "*=0")
    [place] = add_locations(db, 1)
    report_id = flag(inproc, caller_token, place)
    answer = ok(
        inproc.call(
            "reviewReport",
            staff_token,
            json={"report_id": report_id, "action": "approve", "note": "fine"},
        )
    )
    assert answer["status"] == "approved"
    assert answer["bulk_id"] is None
    assert stored(db, report_id)["review_status"] == "approved"
    assert stored(db, report_id)["review_note"] == "fine"
    assert get(inproc, staff_token, "listReviews")["reviews"] == []
    approved = get(inproc, staff_token, "listReviews", status="approved")["reviews"]
    assert [r["report_id"] for r in approved] == [report_id]
    again = inproc.call(
        "reviewReport", staff_token, json={"report_id": report_id, "action": "approve"}
    )
    assert (again.status, again.body["error"]) == (409, "already_reviewed")


def test_sending_back_is_an_ordinary_bulk_add_that_can_be_undone(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    caller_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sampling(monkeypatch, "*=0")
    [place] = add_locations(db, 1)
    report_id = flag(inproc, caller_token, place)
    body = {
        "report_id": report_id,
        "action": "requeue",
        "reason": "Review: call again",
        "priority_group": 2,
    }
    answer = ok(inproc.call("reviewReport", staff_token, json=body))
    assert (answer["status"], answer["added"]) == ("requeued", 1)
    entry = get(inproc, staff_token, "listEntries")["entries"][0]
    assert (entry["location_id"], entry["reason"], entry["priority_group"]) == (
        place,
        "Review: call again",
        2,
    )
    report = stored(db, report_id)
    assert (report["review_status"], report["review_bulk_id"]) == ("requeued", answer["bulk_id"])
    adds = get(inproc, staff_token, "listBulkAdds")["bulk_adds"]
    assert [(a["bulk_id"], a["added"]) for a in adds] == [(answer["bulk_id"], 1)]
    undone = ok(inproc.call("undoBulkAdd", staff_token, json={"bulk_id": answer["bulk_id"]}))
    assert undone["removed"] == 1
    assert get(inproc, staff_token, "listEntries")["entries"] == []


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"action": "approve"}, 400, "invalid_field"),
        ({"report_id": "x", "action": "shrug"}, 400, "invalid_field"),
        ({"report_id": "x", "action": "requeue"}, 400, "invalid_field"),
        ({"report_id": "x", "action": "approve", "reason": "r"}, 400, "invalid_field"),
        ({"report_id": "x", "action": "approve", "colour": "red"}, 400, "invalid_field"),
        ({"report_id": "no-such-report", "action": "approve"}, 404, "unknown_report"),
        (
            {"report_id": "FLAGGED", "action": "requeue", "reason": "r", "queue": "nope"},
            404,
            "unknown_queue",
        ),
        ({"report_id": "PLAIN", "action": "approve"}, 409, "not_flagged"),
    ],
)
def test_bad_review_requests_are_refused_and_write_nothing(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    caller_token: str,
    monkeypatch: pytest.MonkeyPatch,
    body: dict[str, Any],
    status: int,
    error: str,
) -> None:
    sampling(monkeypatch, "*=0")
    [place] = add_locations(db, 1)
    ids = {
        "FLAGGED": flag(inproc, caller_token, place),
        "PLAIN": submit(inproc, caller_token, place),
    }
    if body.get("report_id") in ids:
        body = {**body, "report_id": ids[body["report_id"]]}
    before = {r: stored(db, r) for r in ids.values()}
    reply = inproc.call("reviewReport", staff_token, json=body)
    assert (reply.status, reply.body["error"]) == (status, error), reply.body
    assert set(reply.body) == {"error", "error_description"}
    assert {r: stored(db, r) for r in ids.values()} == before
    assert list(db.collection(store.BULK_ADDS).stream()) == []
    assert list(db.collection(store.REVIEW_DECISIONS).stream()) == []


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "1000"},
        {"status": "maybe"},
        {"colour": "red"},
        {"page_token": "no-such-report"},
    ],
)
def test_bad_list_parameters_are_refused(
    inproc: InProcessApi, staff_token: str, params: dict[str, str]
) -> None:
    reply = inproc.call("listReviews", staff_token, method="GET", params=params)
    assert reply.status == 400, (params, reply.body)


def test_callers_cannot_review(inproc: InProcessApi, caller_token: str) -> None:
    assert inproc.call("listReviews", caller_token, method="GET").status == 403
    reply = inproc.call("reviewReport", caller_token, json={"report_id": "x", "action": "approve"})
    assert reply.status == 403


def test_caller_statistics_count_each_callers_reviews(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    users: Users,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sampling(monkeypatch, "*=0")
    ann, bob = users.callers(2)
    places = add_locations(db, 2)
    ok(inproc.call("bulkEnqueue", staff_token, json={"reason": "r", "location_ids": places}))
    # callerStatistics lists callers who claimed: each claims once.
    for token in (ann, bob):
        ok(inproc.call("requestCall", token, params={"state": "all"}))
    flagged = [flag(inproc, ann, places[0]) for _ in range(3)]
    submit(inproc, ann, places[0])
    body = {"report_id": flagged[0], "action": "approve"}
    ok(inproc.call("reviewReport", staff_token, json=body))
    body = {"report_id": flagged[1], "action": "requeue", "reason": "again"}
    ok(inproc.call("reviewReport", staff_token, json=body))

    rows = {r["uid"]: r for r in get(inproc, staff_token, "callerStatistics")["callers"]}
    ann_uid, bob_uid = (users.uid(n, ["caller"]) for n in ("caller0", "caller1"))
    counts = ("reviews_flagged", "reviews_pending", "reviews_approved", "reviews_requeued")
    assert [rows[ann_uid][k] for k in counts] == [3, 1, 1, 1]
    assert [rows[bob_uid][k] for k in counts] == [0, 0, 0, 0]
    recent = get(inproc, staff_token, "callerStatistics", days=1)["callers"]
    assert {r["uid"]: r["reviews_flagged"] for r in recent} == {ann_uid: 3, bob_uid: 0}


@pytest.mark.parametrize("attempt", range(3))
def test_two_decisions_at_once_one_wins_and_the_loser_leaves_nothing_queued(
    api: HttpApi, db: Any, staff_token: str, caller_token: str, attempt: int
) -> None:
    [place] = add_locations(db, 1)
    report_id = flag(api, caller_token, place)
    decisions = [
        {"report_id": report_id, "action": "approve"},
        {"report_id": report_id, "action": "requeue", "reason": "Call again"},
    ]
    barrier = threading.Barrier(len(decisions))

    def decide(body: dict[str, Any]) -> Reply:
        barrier.wait()
        return api.call("reviewReport", staff_token, json=body)

    with ThreadPoolExecutor(len(decisions)) as pool:
        replies = list(pool.map(decide, decisions))
    assert sorted(r.status for r in replies) == [200, 409], [r.body for r in replies]
    winner = next(r.body for r in replies if r.status == 200)
    assert stored(db, report_id)["review_status"] == winner["status"]
    assert [s.id for s in db.collection(store.REVIEW_DECISIONS).stream()] == [report_id]
    queued = [s.id for s in db.collection(store.OPEN_ENTRIES).stream()]
    assert queued == ([place] if winner["status"] == "requeued" else [])
