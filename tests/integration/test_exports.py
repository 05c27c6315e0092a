"""exportRecords: reports and attempts of a period as CSV pages, compared with Firestore."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest

from shared.adapters import store
from shared.base.clock import iso
from shared.domain import exports
from tests.conftest import Users
from tests.harness import T0, ControlledClock, InProcessApi
from tests.integration.factories import add_locations
from tests.integration.test_queues import save_queue
from tests.integration.test_request_call import enqueue

pytestmark = pytest.mark.integration

PERIOD = {"since": iso(T0 - timedelta(hours=1)), "until": iso(T0 + timedelta(days=1))}


def export(api: InProcessApi, staff: str, **params: Any) -> tuple[list[dict[str, str]], int]:
    """Every page of an export, as the console reads it; answers the rows and the page count."""
    text, token, pages = "", None, 0
    while True:
        query = {**PERIOD, **{k: str(v) for k, v in params.items()}}
        if token is not None:
            query["page_token"] = token
        reply = api.call("exportRecords", staff, method="GET", params=query)
        assert reply.status == 200, reply.body
        assert reply.body["columns"] == list(exports.COLUMNS[params["kind"]])
        text += reply.body["csv"]
        pages += 1
        token = reply.body["next_page_token"]
        if token is None:
            break
    lines = list(csv.reader(io.StringIO(text, newline="")))
    assert lines[0] == list(exports.COLUMNS[params["kind"]])
    return [dict(zip(lines[0], line, strict=True)) for line in lines[1:]], pages


def work_a_day(
    api: InProcessApi, db: Any, staff: str, users: Users, clock: ControlledClock
) -> list[str]:
    """Three callers each claim and report twice; one more claim is released."""
    ids = add_locations(db, 4, county="Kings County")
    ids += add_locations(db, 3, prefix="fres", county="Fresno County")
    db.collection(store.LOCATIONS).document(ids[0]).update({"name": '=HYPERLINK("x")'})
    enqueue(api, staff, ids)
    callers = users.callers(3)
    for round_ in range(2):
        for n, token in enumerate(callers):
            # Two callers report at the same instant: pages must split ties by id.
            clock.at(600 * round_ + (60 if n == 2 else 0))
            lease = api.call("requestCall", token, params={"state": "all"}).body
            report = {
                "Location": lease["id"],
                "Availability": ["Yes: walk-ins accepted"],
                "Notes": "@SUM(1+1)" if n == 0 else "fine",
                "is_pending_review": n == 1,
                "pending_review_because": "trainee" if n == 1 else None,
            }
            reply = api.call("submitReport", token, json=report)
            assert reply.status == 200, reply.body
    clock.at(1800)
    lease = api.call("requestCall", callers[0], params={"state": "all"}).body["lease"]
    released = api.call("releaseCall", callers[0], json=lease)
    assert released.status == 200, released.body
    return ids


def firestore_rows(db: Any, collection: str) -> dict[str, dict[str, Any]]:
    return {s.id: s.to_dict() for s in db.collection(collection).stream()}


@pytest.mark.parametrize("limit", [1000, 2, 1])
def test_reports_export_matches_firestore_whatever_the_page_size(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: Any, limit: int
) -> None:
    clock = ControlledClock(monkeypatch)
    work_a_day(inproc, db, staff_token, users, clock)
    stored = firestore_rows(db, store.REPORTS)
    rows, pages = export(inproc, staff_token, kind="reports", limit=limit)
    assert len(stored) == 6
    assert [r["report_id"] for r in rows] == sorted(
        stored, key=lambda i: (stored[i]["created_at"], i)
    )
    assert pages >= -(-6 // limit)
    for row in rows:
        data = stored[row["report_id"]]
        assert row["created_at"] == iso(data["created_at"])
        assert row["location_id"] == data["location_id"]
        assert row["reported_by"] == data["reported_by"]
        assert row["outcome"] == data["outcome"]
        assert row["entry_id"] == data["entry_id"]
        assert row["queue"] == "default"
        assert row["notes"] == exports.safe_cell(data["body"]["Notes"])
        assert row["is_pending_review"] == str(data["body"]["is_pending_review"]).lower()
    assert {r["notes"] for r in rows} == {"'@SUM(1+1)", "fine"}
    named = [r["location_name"] for r in rows if r["location_name"].startswith("'")]
    assert named in ([], ['\'=HYPERLINK("x")'])


def test_attempts_export_and_its_filters(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: Any
) -> None:
    clock = ControlledClock(monkeypatch)
    work_a_day(inproc, db, staff_token, users, clock)
    stored = firestore_rows(db, store.ATTEMPTS)
    rows, _ = export(inproc, staff_token, kind="attempts", limit=3)
    assert sorted(r["attempt_id"] for r in rows) == sorted(stored)
    assert {r["outcome"] for r in rows} == {"completed", "released"}
    for row in rows:
        data = stored[row["attempt_id"]]
        assert (row["holder"], row["claim_seq"]) == (data["holder"], str(data["claim_seq"]))
        assert row["claimed_at"] == iso(data["claimed_at"])

    released, _ = export(inproc, staff_token, kind="attempts", outcome="released")
    assert [r["outcome"] for r in released] == ["released"]
    holder = rows[0]["holder"]
    mine, _ = export(inproc, staff_token, kind="attempts", caller=holder, limit=2)
    assert {r["holder"] for r in mine} == {holder}
    assert len(mine) == sum(1 for d in stored.values() if d["holder"] == holder)
    email = rows[0]["holder_email"]
    assert email
    by_email, _ = export(inproc, staff_token, kind="attempts", caller=email)
    assert len(by_email) == len(mine)
    kings, _ = export(inproc, staff_token, kind="attempts", county="Kings County", limit=2)
    assert kings
    assert {r["county"] for r in kings} == {"Kings County"}
    expected = [r for r in rows if r["county"] == "Kings County"]
    assert len(kings) == len(expected)
    nothing, _ = export(inproc, staff_token, kind="reports", queue="spanish")
    assert nothing == []
    save_queue(inproc, staff_token, name="spanish", groups=["es"])
    first_hour, _ = export(
        inproc,
        staff_token,
        kind="reports",
        until=iso(T0 + timedelta(seconds=300)),
    )
    assert len(first_hour) == 3


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "calls"},
        {"kind": "reports", "since": "yesterday"},
        {"kind": "reports", "since": "2026-03-01T00:00:00"},
        {"kind": "reports", "until": PERIOD["since"]},
        {"kind": "reports", "until": "9999-12-31T23:59:59-14:00"},
        {"kind": "reports", "since": "0001-01-01T00:00:00+14:00"},
        {"kind": "reports", "since": "1999-12-31T23:59:59Z"},
        {"kind": "reports", "limit": "0"},
        {"kind": "reports", "limit": "1001"},
        {"kind": "reports", "outcome": "won"},
        {"kind": "reports", "page_token": "nope"},
        {"kind": "reports", "page_token": "inf~abc"},
        {"kind": "reports", "page_token": "1~a/b"},
        {"kind": "reports", "other": "x"},
        {"kind": "reports", "since": None},
    ],
)
def test_bad_queries_are_400(
    inproc: InProcessApi, db: Any, staff_token: str, params: dict[str, Any]
) -> None:
    query = {k: v for k, v in {**PERIOD, **params}.items() if v is not None}
    reply = inproc.call("exportRecords", staff_token, method="GET", params=query)
    assert reply.status == 400, reply.body
    assert set(reply.body) == {"error", "error_description"}


def test_callers_may_not_export(inproc: InProcessApi, db: Any, caller_token: str) -> None:
    params = {**PERIOD, "kind": "reports"}
    assert inproc.call("exportRecords", caller_token, method="GET", params=params).status == 403
