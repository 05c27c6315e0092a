"""bulkEnqueue against the emulators over HTTP."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from shared.adapters import store
from tests.harness import HttpApi
from tests.integration.factories import add_locations, count, counts

pytestmark = pytest.mark.integration


def entry_of(db: Any, location_id: str) -> dict[str, Any]:
    guard = db.collection(store.OPEN_ENTRIES).document(location_id).get().to_dict()
    return dict(db.collection(store.ENTRIES).document(guard["entry_id"]).get().to_dict())


def test_a_more_urgent_re_add_raises_the_open_entry_and_records_its_reason(
    api: HttpApi, db: Any, staff_token: str, caller_token: str
) -> None:
    ids = add_locations(db, 3)
    enqueue = {"reason": "New location", "priority_group": 3, "location_ids": ids}
    assert api.call("bulkEnqueue", staff_token, json=enqueue).body["added"] == 3

    def add(group: int, reason: str, chosen: list[str], **more: Any) -> dict[str, Any]:
        body = {"reason": reason, "priority_group": group, "location_ids": chosen, **more}
        reply = api.call("bulkEnqueue", staff_token, json=body)
        assert reply.status == 200, reply.body
        return {k: reply.body[k] for k in ("added", "raised", "already_queued")}

    assert add(1, "Eva tip", ids[:1], dry_run=True) == {
        "added": 0, "raised": 1, "already_queued": 0
    }  # fmt: skip
    assert entry_of(db, ids[0])["priority_group"] == 3, "the dry run wrote something"
    changes = count(db, store.ENTRY_CHANGES)
    # Equal or less urgent: already queued, nothing written.
    assert add(3, "Stale report", ids) == {"added": 0, "raised": 0, "already_queued": 3}
    assert add(99, "Stale report", ids) == {"added": 0, "raised": 0, "already_queued": 3}
    assert count(db, store.ENTRY_CHANGES) == changes
    assert add(1, "Eva tip", ids[:1]) == {"added": 0, "raised": 1, "already_queued": 0}
    raised = entry_of(db, ids[0])
    assert (raised["priority_group"], raised["reason"], raised["extra_reasons"]) == (
        1,
        "New location",
        ["Eva tip"],
    )
    assert [s.to_dict()["event"] for s in db.collection(store.ENTRY_CHANGES).stream()] == ["raise"]
    assert {entry_of(db, i)["priority_group"] for i in ids[1:]} == {3}
    # Raised again from 1? Nothing is more urgent; from 3 to 2 for the others, reason once.
    assert add(2, "Eva tip", ids) == {"added": 0, "raised": 2, "already_queued": 1}
    assert entry_of(db, ids[1])["extra_reasons"] == ["Eva tip"]
    # The draw takes the raised entry first (group 1 before group 2).
    offered = api.call("requestCall", caller_token, params={"state": "all"})
    assert (offered.body["id"], offered.body["queue_entry"]["priority_group"]) == (ids[0], 1)


def test_by_ids_reports_added_already_queued_and_not_found(
    api: HttpApi, db: Any, staff_token: str
) -> None:
    ids = add_locations(db, 5)
    first = api.call(
        "bulkEnqueue", staff_token, json={"reason": "Eva tip", "location_ids": ids[:3]}
    )
    assert first.status == 200
    assert first.body | {} == first.body
    assert (first.body["added"], first.body["already_queued"], first.body["not_found"]) == (
        3,
        0,
        [],
    )
    second = api.call(
        "bulkEnqueue",
        staff_token,
        json={"reason": "Eva tip", "priority_group": 1, "location_ids": [*ids, "recNOPE", ids[0]]},
    )
    assert second.status == 200
    assert second.body["added"] == 2
    # The three queued ones were in the default group: the more urgent re-add raises them.
    assert (second.body["raised"], second.body["already_queued"]) == (3, 0)
    assert second.body["not_found"] == ["recNOPE"]
    assert second.body["dry_run"] is False
    assert count(db, store.ENTRIES) == 5
    assert count(db, store.OPEN_ENTRIES) == 5
    reason = db.collection(store.REASONS).document("eva-tip").get()
    assert reason.exists
    assert reason.to_dict()["name"] == "Eva tip"


def test_by_filter_and_not_queued(api: HttpApi, db: Any, staff_token: str) -> None:
    add_locations(db, 4, prefix="la", county="Los Angeles County", location_type="Pharmacy")
    add_locations(db, 3, prefix="sf", county="San Francisco County", location_type="Pharmacy")
    add_locations(db, 2, prefix="ny", state="NY", location_type="Pharmacy")
    la = api.call(
        "bulkEnqueue",
        staff_token,
        json={"reason": "Stale report", "filter": {"state": "ca", "county": "Los Angeles County"}},
    )
    assert (la.body["matched"], la.body["added"]) == (4, 4)
    pharmacies = {"reason": "Stale report", "filter": {"location_type": "Pharmacy"}}
    again = api.call("bulkEnqueue", staff_token, json=pharmacies)
    assert (again.body["matched"], again.body["added"], again.body["already_queued"]) == (9, 5, 4)
    unqueued = {
        "reason": "Stale report",
        "filter": {"location_type": "Pharmacy", "not_queued": True},
    }
    none_left = api.call("bulkEnqueue", staff_token, json=unqueued)
    assert (none_left.body["matched"], none_left.body["added"]) == (0, 0)


def test_dry_run_counts_without_writing(api: HttpApi, db: Any, staff_token: str) -> None:
    ids = add_locations(db, 3)
    before = counts(db)
    reply = api.call(
        "bulkEnqueue",
        staff_token,
        json={"reason": "New location", "location_ids": ids, "dry_run": True},
    )
    assert reply.status == 200
    assert (reply.body["added"], reply.body["dry_run"]) == (3, True)
    assert counts(db) == before


BAD_BODIES = [
    pytest.param({"location_ids": ["a"]}, "reason", id="no-reason"),
    pytest.param({"reason": "", "location_ids": ["a"]}, "reason", id="empty-reason"),
    pytest.param({"reason": "x" * 101, "location_ids": ["a"]}, "reason", id="long-reason"),
    pytest.param({"reason": "r"}, "location_ids or filter", id="no-selection"),
    pytest.param({"reason": "r", "location_ids": ["a"], "filter": {}}, "exactly one", id="both"),
    pytest.param(
        {"reason": "r", "location_ids": ["a"], "priority_group": 7},
        "priority_group",
        id="bad-group",
    ),
    pytest.param({"reason": "r", "location_ids": "a"}, "location_ids", id="ids-not-list"),
    pytest.param({"reason": "r", "location_ids": ["a/b"]}, "location_ids", id="slash-in-id"),
    pytest.param({"reason": "r", "filter": {"colour": "red"}}, "colour", id="unknown-filter"),
    pytest.param({"reason": "r", "filter": {"state": "Cal"}}, "state", id="bad-state"),
    pytest.param({"reason": "r", "location_ids": [], "dry_run": "maybe"}, "dry_run", id="bad-bool"),
]


@pytest.mark.parametrize(("body", "named"), BAD_BODIES)
def test_bad_bodies_are_400_and_write_nothing(
    api: HttpApi, db: Any, staff_token: str, body: dict[str, Any], named: str
) -> None:
    add_locations(db, 1, prefix="a")
    before = counts(db)
    reply = api.call("bulkEnqueue", staff_token, json=body)
    assert reply.status == 400, reply.body
    assert named in reply.body["error_description"]
    assert counts(db) == before


def test_an_unknown_bulk_id_is_404_and_writes_nothing(
    api: HttpApi, db: Any, staff_token: str
) -> None:
    # Found by the fuzzer: the 404 came after the call's new reason had been stored.
    ids = add_locations(db, 1, prefix="a")
    before = counts(db)
    body = {"reason": "A reason nobody used", "location_ids": ids, "bulk_id": "no-such-add"}
    reply = api.call("bulkEnqueue", staff_token, json=body)
    assert (reply.status, reply.body["error"]) == (404, "unknown_bulk_add"), reply.body
    assert counts(db) == before


def test_too_many_ids_is_413_before_anything_is_written(
    start_functions: Any, db: Any, staff_token: str
) -> None:
    small = start_functions("functions-small-bulk", MAX_BULK_LOCATIONS="10")
    ids = add_locations(db, 12)
    before = counts(db)
    reply = small.call("bulkEnqueue", staff_token, json={"reason": "r", "location_ids": ids})
    assert reply.status == 413
    assert "at most 10" in reply.body["error_description"]
    by_filter = small.call(
        "bulkEnqueue", staff_token, json={"reason": "r", "filter": {"state": "CA"}}
    )
    assert by_filter.status == 413
    assert "matches 12" in by_filter.body["error_description"]
    assert counts(db) == before
    fits = small.call("bulkEnqueue", staff_token, json={"reason": "r", "location_ids": ids[:10]})
    assert fits.status == 200
    assert fits.body["added"] == 10


def test_oversized_body_is_413(api: HttpApi, db: Any, staff_token: str) -> None:
    reply = api.call(
        "bulkEnqueue", staff_token, json={"reason": "r", "location_ids": ["x" * 1000] * 1200}
    )
    assert reply.status == 413


DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
SNAPSHOT = DATA / "vaccinateca-locations-2021-03-01.json"


@pytest.mark.slow
@pytest.mark.skipif(not SNAPSHOT.is_file(), reason=f"real snapshot not found at {SNAPSHOT}")
def test_real_snapshot_enqueued_by_filter_twice(api: HttpApi, db: Any, staff_token: str) -> None:
    from tools import importer
    from tools.bench.common import give_phones

    summary = importer.import_files(db, SNAPSHOT, default_state="CA")
    assert summary.imported == 7772
    body = {"reason": "New location", "filter": {"state": "CA"}}
    # The snapshot carries no phone numbers: none of its places may be called.
    bare = api.call("bulkEnqueue", staff_token, json=body)
    assert bare.status == 200, bare.body
    assert (bare.body["added"], bare.body["not_callable"]) == (0, 7772)
    assert count(db, store.ENTRIES) == 0
    give_phones(db, sorted(s.id for s in db.collection(store.LOCATIONS).select([]).stream()))
    started = time.monotonic()
    first = api.call("bulkEnqueue", staff_token, json=body)
    first_seconds = time.monotonic() - started
    assert first.status == 200, first.body
    assert (first.body["added"], first.body["already_queued"]) == (7772, 0)
    second = api.call("bulkEnqueue", staff_token, json=body)
    assert (second.body["added"], second.body["already_queued"]) == (0, 7772)
    assert count(db, store.ENTRIES) == 7772
    assert count(db, store.OPEN_ENTRIES) == 7772
    print(f"bulkEnqueue of 7,772 locations: {first_seconds:.1f} s")


NASTY_IDS = ["a/b", "__reserved__", "..", " ", "x" * 1600]


@pytest.mark.parametrize("bad", NASTY_IDS)
def test_impossible_document_ids_are_400_everywhere(
    api: HttpApi, db: Any, staff_token: str, caller_token: str, bad: str
) -> None:
    before = counts(db)
    calls = [
        ("bulkEnqueue", staff_token, {"json": {"reason": "r", "location_ids": [bad]}}),
        ("requestCall", caller_token, {"params": {"location_id": bad}}),
        ("submitReport", caller_token, {"json": {"Location": bad, "Availability": []}}),
        ("extendCall", caller_token, {"json": {"entry_id": bad, "claim_seq": 1}}),
        ("releaseCall", caller_token, {"json": {"entry_id": bad, "claim_seq": 1}}),
    ]
    for function, token, kwargs in calls:
        reply = api.call(function, token, **kwargs)  # type: ignore[arg-type]
        if bad == " " and function == "requestCall":
            assert reply.status == 404  # a blank location_id means "draw from the queue"
            continue
        assert reply.status == 400, (function, reply.body)
        assert reply.body["error_description"]
    assert counts(db) == before


def test_concurrent_enqueues_of_the_same_places_queue_each_once(
    api: HttpApi, db: Any, staff_token: str
) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    ids = add_locations(db, 300)
    barrier = threading.Barrier(4)

    def enqueue_all(_: int) -> dict[str, Any]:
        barrier.wait()
        reply = api.call(
            "bulkEnqueue", staff_token, json={"reason": "Eva tip", "location_ids": ids}
        )
        assert reply.status == 200, reply.body
        body: dict[str, Any] = reply.body
        return body

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(enqueue_all, range(4)))
    assert sum(r["added"] for r in results) == 300
    assert all(r["added"] + r["already_queued"] == 300 for r in results)
    assert count(db, store.ENTRIES) == 300
    assert count(db, store.OPEN_ENTRIES) == 300


@pytest.mark.parametrize("group", [99, 2])
def test_a_repeated_call_reads_neither_guards_nor_locations(db: Any, group: int) -> None:
    """The same call again (everything already queued by it) reads a handful of documents."""
    from datetime import UTC, datetime

    from shared.adapters.auth import User
    from shared.services.staff import enqueue
    from tools.bench.rpc_count import RpcCounter, counting_client

    places = 40
    ids = add_locations(db, places)
    staff = User(uid="staff-reads", email=None, roles=frozenset({"staff"}))
    body = enqueue.BulkEnqueueBody(reason="New location", location_ids=ids, priority_group=group)
    now = datetime.now(UTC)
    assert enqueue.bulk_enqueue(db, staff, body, now, limit=places).added == places
    counter = RpcCounter()
    again = enqueue.bulk_enqueue(counting_client(db.project, counter), staff, body, now, places)
    assert (again.added, again.already_queued, again.not_found) == (0, places, [])
    # The queue, the reason, earlier adds of this selection; no guard, no location.
    assert counter.documents < 10, counter.documents


@pytest.mark.parametrize("change", ["removed", "joined", "less_urgent"])
def test_a_repeated_call_reads_everything_again_once_the_add_changed(db: Any, change: str) -> None:
    """An entry of the earlier add closed, another call joined it, or an entry moved to a less
    urgent group: the repeat is no longer covered by it, and finds out place by place."""
    from datetime import UTC, datetime

    from shared.adapters.auth import User
    from shared.services.staff import enqueue

    ids = add_locations(db, 6)
    staff = User(uid="staff-reads", email=None, roles=frozenset({"staff"}))
    now = datetime.now(UTC)

    def add(location_ids: list[str], bulk_id: str | None = None) -> Any:
        body = enqueue.BulkEnqueueBody(
            reason="New location", location_ids=location_ids, priority_group=2, bulk_id=bulk_id
        )
        return enqueue.bulk_enqueue(db, staff, body, now, limit=6)

    def close(location_id: str) -> None:
        guard = db.collection(store.OPEN_ENTRIES).document(location_id)
        entry_id = guard.get().to_dict()["entry_id"]
        db.collection(store.ENTRIES).document(entry_id).update({"open": False, "status": "removed"})
        guard.delete()

    if change == "joined":
        # One place queued by another add; ours adds five, a second call joins it with one
        # more place: six open entries, but not these six places.
        add(ids[:1])
        first = add(ids)
        add(add_locations(db, 1, prefix="more"), bulk_id=first.bulk_id)
        close(ids[0])
        expected = (1, 0, 5)
    else:
        add(ids)
        if change == "removed":
            close(ids[0])
            expected = (1, 0, 5)
        else:
            guard = db.collection(store.OPEN_ENTRIES).document(ids[0]).get().to_dict()
            db.collection(store.ENTRIES).document(guard["entry_id"]).update({"priority_group": 3})
            expected = (0, 1, 5)
    again = add(ids)
    assert (again.added, again.raised, again.already_queued) == expected
