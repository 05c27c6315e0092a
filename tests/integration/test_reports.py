"""submitReport and callerStats against the emulators over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.adapters import store
from shared.base.clock import iso
from tests.conftest import Users
from tests.harness import ControlledClock, HttpApi, InProcessApi, first_call_waits
from tests.integration.factories import add_locations, count, counts
from tests.integration.test_request_call import enqueue

pytestmark = pytest.mark.integration


def claim(api: HttpApi | InProcessApi, token: str) -> dict[str, Any]:
    reply = api.call("requestCall", token, params={"state": "all"})
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.body
    return body


def entry_docs(db: Any) -> list[dict[str, Any]]:
    return [s.to_dict() | {"id": s.id} for s in db.collection(store.ENTRIES).stream()]


def test_report_completes_the_claimed_entry(
    api: HttpApi, db: Any, staff_token: str, caller_token: str
) -> None:
    enqueue(api, staff_token, add_locations(db, 1))
    location = claim(api, caller_token)
    reply = api.call(
        "submitReport",
        caller_token,
        json={
            "Location": location["id"],
            "Availability": ["Yes: walk-ins accepted"],
            "Notes": "ok",
        },
    )
    assert reply.status == 200
    (report_id,) = reply.body["created"]
    report = db.collection(store.REPORTS).document(report_id).get().to_dict()
    assert report["availability"] == ["walk_ins_accepted"]
    assert report["outcome"] == "completed"
    (entry,) = entry_docs(db)
    assert entry["open"] is False
    assert entry["outcome"] == "completed"
    attempt = db.collection(store.ATTEMPTS).document(f"{entry['id']}-1").get().to_dict()
    assert attempt["outcome"] == "completed"
    assert attempt["report_id"] == report_id
    assert count(db, store.OPEN_ENTRIES) == 0
    assert api.call("requestCall", caller_token, params={"state": "all"}).status == 404
    updated = api.call("requestCall", caller_token, params={"location_id": location["id"]}).body
    assert updated["Availability Info"] == ["Walk-ins accepted"]
    assert updated["Number of Reports"] == 1
    assert updated["Latest report notes"] == ["ok"]


@pytest.mark.parametrize(
    "spelling",
    ["skip_call_back_later", "Call back later", "Skip: call back later", "SKIP: CALL BACK LATER"],
)
def test_skip_comes_back_only_after_do_not_call_until(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    users: Users,
    monkeypatch: pytest.MonkeyPatch,
    spelling: str,
) -> None:
    clock = ControlledClock(monkeypatch)
    start = clock.now
    enqueue(inproc, staff_token, add_locations(db, 1), group=2)
    first, second = users.callers(2)
    location = claim(inproc, first)
    until = start + timedelta(hours=3)
    reply = inproc.call(
        "submitReport",
        first,
        json={
            "Location": location["id"],
            "Availability": [spelling],
            "Do not call until": until.isoformat().replace("+00:00", "Z"),
        },
    )
    assert reply.status == 200, reply.body
    entries = {e["id"]: e for e in entry_docs(db)}
    assert len(entries) == 2
    again = next(e for e in entries.values() if e["open"])
    assert again["reason"] == "Previously skipped"
    assert again["priority_group"] == 2
    assert again["vest_at"] == until
    old = next(e for e in entries.values() if not e["open"])
    assert old["outcome"] == "skipped"
    clock.now = until - timedelta(seconds=1)
    assert inproc.call("requestCall", second, params={"state": "all"}).status == 404
    clock.now = until
    back = inproc.call("requestCall", second, params={"state": "all"})
    assert back.status == 200
    assert back.body["id"] == location["id"]
    assert back.body["queue_entry"]["reason"] == "Previously skipped"


def test_do_not_call_until_is_ignored_without_the_skip_tag(
    api: HttpApi, db: Any, staff_token: str, caller_token: str
) -> None:
    enqueue(api, staff_token, add_locations(db, 1))
    location = claim(api, caller_token)
    until = iso(datetime.now(UTC) + timedelta(days=2))
    body = {
        "Location": location["id"],
        "Availability": ["appointments_available"],
        "Do not call until": until,
    }
    assert api.call("submitReport", caller_token, json=body).status == 200
    assert count(db, store.OPEN_ENTRIES) == 0
    assert all(not e["open"] for e in entry_docs(db))


@pytest.mark.parametrize(
    "tags",
    [
        ["vaccinating_essential_workers"],
        ["Vaccinating essential workers"],
        ["Yes: Vaccinating essential workers"],
        ["yes: vaccinating essential workers", "Vaccinating 65+", "appointment_required"],
    ],
)
def test_tags_by_slug_name_or_old_name(
    api: HttpApi, db: Any, caller_token: str, tags: list[str]
) -> None:
    (location_id,) = add_locations(db, 1)
    reply = api.call(
        "submitReport", caller_token, json={"Location": location_id, "Availability": tags}
    )
    assert reply.status == 200, reply.body
    report = db.collection(store.REPORTS).document(reply.body["created"][0]).get().to_dict()
    assert report["availability"][0] == "vaccinating_essential_workers"


def test_report_without_open_entry_is_still_stored(
    api: HttpApi, db: Any, caller_token: str
) -> None:
    (location_id,) = add_locations(db, 1)
    reply = api.call(
        "submitReport", caller_token, json={"Location": location_id, "Availability": []}
    )
    assert reply.status == 200
    assert count(db, store.REPORTS) == 1
    assert count(db, store.ENTRIES) == 0


BAD_REPORTS = [
    pytest.param(
        {"Location": "LOC", "Availability": ["Yes: free donuts"]}, "free donuts", id="unknown-tag"
    ),
    pytest.param({"Location": "recMISSING", "Availability": []}, "Location", id="unknown-location"),
    pytest.param({"Availability": []}, "Location", id="missing-location"),
    pytest.param({"Location": "LOC"}, "Availability", id="missing-availability"),
    pytest.param(
        {"Location": "LOC", "Availability": "walk_ins_only"}, "Availability", id="tags-not-list"
    ),
    pytest.param({"Location": 12, "Availability": []}, "Location", id="location-not-string"),
    pytest.param(
        {"Location": "LOC", "Availability": [], "Do not call until": "soon"},
        "Do not call until",
        id="bad-timestamp",
    ),
    pytest.param(
        {"Location": "LOC", "Availability": [], "vaccines_offered": ["Sputnik"]},
        "vaccines_offered",
        id="bad-vaccine",
    ),
    pytest.param(
        {"Location": "LOC", "Availability": [], "planned_closure": "someday"},
        "planned_closure",
        id="bad-date",
    ),
    pytest.param(
        {"Location": "LOC", "Availability": [], "Appointments by phone?": "perhaps"},
        "Appointments by phone?",
        id="bad-bool",
    ),
    pytest.param(
        {"Location": "LOC", "Availability": [], "Notes": "x" * 900_000},
        "Notes: String should have at most 5000 characters",
        id="notes-too-long",  # would be copied into the location: past 1 MiB Firestore refuses
    ),
    pytest.param(
        {"Location": "LOC", "Availability": [], "Do not call until": "9999-12-31T23:00:00-05:00"},
        "Do not call until",
        id="time-overflows",
    ),
    pytest.param(b"{not json", "JSON", id="malformed-json"),
    pytest.param(b"", "empty", id="empty-body"),
    pytest.param([1, 2], "object", id="array-body"),
]


@pytest.mark.parametrize(("body", "named"), BAD_REPORTS)
def test_bad_reports_are_400_and_write_nothing(
    api: HttpApi, db: Any, staff_token: str, caller_token: str, body: Any, named: str
) -> None:
    (location_id,) = add_locations(db, 1, prefix="LOC")
    enqueue(api, staff_token, [location_id])
    claim(api, caller_token)
    before = counts(db)
    if isinstance(body, bytes):
        reply = api.call(
            "submitReport", caller_token, data=body, headers={"Content-Type": "application/json"}
        )
    else:
        if isinstance(body, dict) and body.get("Location") == "LOC":
            body = {**body, "Location": location_id}
        reply = api.call("submitReport", caller_token, json=body)
    assert reply.status == 400, reply.body
    assert set(reply.body) == {"error", "error_description"}
    assert named in reply.body["error_description"]
    assert counts(db) == before


def test_caller_stats_counts_total_and_today(
    inproc: InProcessApi, db: Any, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.base import clock

    token = users.token("stats", ["caller"])
    (location_id,) = add_locations(db, 1)
    # 07:30 UTC on 2 March is still 1 March in Los Angeles.
    for moment in (
        "2026-03-01T20:00:00+00:00",
        "2026-03-02T07:30:00+00:00",
        "2026-03-02T09:00:00+00:00",
    ):
        monkeypatch.setattr(clock, "now", lambda m=moment: datetime.fromisoformat(m))
        body = {"Location": location_id, "Availability": []}
        assert inproc.call("submitReport", token, json=body).status == 200
    stats = inproc.call("callerStats", token, method="GET")
    assert stats.status == 200
    assert stats.body == {"total": 3, "today": 1}
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 3, 2, 7, 59, tzinfo=UTC))
    assert inproc.call("callerStats", token, method="GET").body == {"total": 3, "today": 2}
    other = inproc.call("callerStats", users.token("other", ["caller"]), method="GET")
    assert other.body == {"total": 0, "today": 0}


@pytest.mark.parametrize("fence", [True, False], ids=["with-fence", "fence-removed"])
@pytest.mark.parametrize("skip", [False, True], ids=["complete", "skip"])
def test_concurrent_reports_close_the_entry_once(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    users: Users,
    monkeypatch: pytest.MonkeyPatch,
    skip: bool,
    fence: bool,
) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from shared.records import entries

    (location_id,) = add_locations(db, 1)
    enqueue(inproc, staff_token, [location_id])
    # Both reports read the open entry before either writes: the interleaving a backend
    # without transaction isolation allows; the entry's version fence must let only one
    # close it.
    barrier = threading.Barrier(2, timeout=20)
    monkeypatch.setattr(entries, "close", first_call_waits(entries.close, barrier))
    if not fence:
        from google.cloud.firestore_v1.transaction import Transaction

        monkeypatch.setattr(Transaction, "create", lambda self, ref, data: self.set(ref, data))
    body: dict[str, Any] = {"Location": location_id, "Availability": ["walk_ins_only"]}
    if skip:
        body = {
            **body,
            "Availability": ["skip_call_back_later"],
            "Do not call until": iso(datetime.now(UTC) + timedelta(days=2)),
        }
    tokens = users.callers(2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        replies = list(pool.map(lambda t: inproc.call("submitReport", t, json=body), tokens))
    assert [r.status for r in replies] == [200, 200], [r.body for r in replies]
    open_entries = [e for e in entry_docs(db) if e["open"]]
    assert count(db, store.REPORTS) == 2
    outcomes = sorted(
        str(s.to_dict().get("outcome")) for s in db.collection(store.REPORTS).stream()
    )
    if not fence:
        # Both reports act on the entry they read: both close it.
        assert outcomes == (["skipped", "skipped"] if skip else ["completed", "completed"])
        return
    if skip:
        # In sequence: the first skips the entry, the second skips the new one.
        assert len(open_entries) == 1
        guard = db.collection(store.OPEN_ENTRIES).document(location_id).get().to_dict()
        assert guard["entry_id"] == open_entries[0]["id"]
        assert count(db, store.ENTRIES) == 3
    else:
        assert open_entries == []
        assert outcomes == ["None", "completed"]


def test_a_report_whose_commit_answer_was_lost_is_stored_once_and_answered(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    caller_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The client library re-sends a commit whose answer was lost (UNAVAILABLE); the re-sent
    one meets its own fence. The retry must see its report stored, not write the skip again."""
    from google.cloud.firestore_v1.transaction import Transaction

    enqueue(inproc, staff_token, add_locations(db, 1))
    location = claim(inproc, caller_token)["id"]
    original = Transaction._commit
    resent: list[bool] = []

    def commit_sent_twice(self: Transaction) -> Any:
        names = [w.update.name for w in self._write_pbs if w.update.name]
        if not resent and any(f"/{store.REPORTS}/" in name for name in names):
            resent.append(True)
            request = {"database": self._client._database_string, "writes": self._write_pbs}
            # The first send is applied; its answer is lost.
            self._client._firestore_api.commit(
                request={**request, "transaction": self._id},
                metadata=self._client._rpc_metadata,
            )
        return original(self)

    monkeypatch.setattr(Transaction, "_commit", commit_sent_twice)
    later = datetime.now(UTC) + timedelta(hours=1)
    reply = inproc.call(
        "submitReport",
        caller_token,
        json={
            "Location": location,
            "Availability": ["skip_call_back_later"],
            "Do not call until": iso(later),
        },
    )
    assert resent
    assert reply.status == 200, reply.body
    assert [s.id for s in db.collection(store.REPORTS).stream()] == reply.body["created"]
    stays = sorted(entry_docs(db), key=lambda e: e["added_at"])
    assert [(e["open"], e.get("outcome")) for e in stays] == [(False, "skipped"), (True, None)]
    assert inproc.call("callerStats", caller_token).body["total"] == 1
