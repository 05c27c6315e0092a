"""Per-user rate limits: 429 with Retry-After past the limit, counted in Firestore, race-safe."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from functions.main import ACCESS, LIMITED
from shared.adapters import store
from tests.conftest import Users
from tests.harness import HttpApi

pytestmark = pytest.mark.integration

LIMIT = 2
# One window longer than any test run: no window boundary can fall inside a test.
FOREVER = str(10**9)

# A well-formed request for each limited function (whether it succeeds does not matter: a
# parsed request is counted before the service runs).
REQUESTS: dict[str, dict[str, Any]] = {
    "requestCall": {"params": {"state": "all", "no_claim": "1"}},
    "submitReport": {"json": {"Location": "nowhere", "Availability": []}},
    "extendCall": {"json": {"entry_id": "nowhere", "claim_seq": 1}},
    "releaseCall": {"json": {"entry_id": "nowhere", "claim_seq": 1}},
    "bulkEnqueue": {"json": {"reason": "r", "location_ids": ["nowhere"]}},
    "updateEntries": {"json": {"action": "remove", "entry_ids": ["nowhere"]}},
    "undoBulkAdd": {"json": {"bulk_id": "nowhere"}},
    "reviewReport": {"json": {"report_id": "nowhere", "action": "approve"}},
    "updateLocations": {"json": {"action": "callable", "location_ids": ["nowhere"]}},
    "saveFreshnessTarget": {"json": {"name": "t", "max_age_hours": 72, "queue": "nowhere"}},
    "deleteFreshnessTarget": {"json": {"id": "nowhere"}},
}


@pytest.fixture(scope="module")
def limited(start_functions: Any) -> HttpApi:
    return start_functions(
        "functions-rate-limited",
        RATE_LIMIT_WINDOW_SECONDS=FOREVER,
        RATE_LIMIT_REQUEST_CALL=str(LIMIT),
        RATE_LIMIT_SUBMIT_REPORT=str(LIMIT),
        RATE_LIMIT_LEASE=str(LIMIT),
        RATE_LIMIT_BULK=str(LIMIT),
    )


def test_every_limited_function_has_a_request_here() -> None:
    assert set(REQUESTS) == set(LIMITED)
    assert set(LIMITED) <= set(ACCESS)


@pytest.mark.parametrize("function", sorted(REQUESTS))
def test_past_the_limit_is_429_with_retry_after(
    function: str, limited: HttpApi, db: Any, users: Users
) -> None:
    # A user of its own per function: the refusal is remembered by the server process.
    token = users.token(f"limited-{function}", [str(ACCESS[function])])
    method = "POST"
    statuses = [
        limited.call(function, token, method=method, **REQUESTS[function]).status
        for _ in range(LIMIT)
    ]
    assert 429 not in statuses
    refused = limited.call(function, token, method=method, **REQUESTS[function])
    assert refused.status == 429, refused.body
    assert refused.body["error"] == "too_many_requests"
    assert f"the limit is {LIMIT} per" in refused.body["error_description"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 10**9


def test_lease_calls_share_one_bucket(limited: HttpApi, db: Any, users: Users) -> None:
    token = users.token("limited-lease-mix", ["caller"])
    body = REQUESTS["extendCall"]
    assert limited.call("extendCall", token, **body).status != 429
    assert limited.call("releaseCall", token, **body).status != 429
    assert limited.call("extendCall", token, **body).status == 429


def test_a_malformed_request_is_not_counted(limited: HttpApi, db: Any, users: Users) -> None:
    token = users.token("limited-malformed", ["caller"])
    for _ in range(LIMIT + 3):
        assert limited.call("submitReport", token, json={"Location": ""}).status == 400
    assert db.collection(store.RATE_LIMITS).count().get()[0][0].value == 0
    assert limited.call("submitReport", token, **REQUESTS["submitReport"]).status != 429


def test_simultaneous_requests_admit_at_most_the_limit(
    start_functions: Any, db: Any, users: Users
) -> None:
    api = start_functions(
        "functions-rate-race", RATE_LIMIT_WINDOW_SECONDS=FOREVER, RATE_LIMIT_REQUEST_CALL="5"
    )
    token = users.token("limited-race", ["caller"])
    tries = 24
    with ThreadPoolExecutor(tries) as pool:
        replies = list(
            pool.map(
                lambda _: api.call("requestCall", token, **REQUESTS["requestCall"]),
                range(tries),
            )
        )
    admitted = [r for r in replies if r.status != 429]
    assert len(admitted) == 5
    assert all(r.headers.get("Retry-After") for r in replies if r.status == 429)
    assert db.collection(store.RATE_LIMITS).count().get()[0][0].value == 5


def _slots_of(db: Any, uid: str) -> set[str]:
    return {
        s.id for s in db.collection(store.RATE_LIMITS).stream() if (s.to_dict() or {})["uid"] == uid
    }


def _take_slots(db: Any, uid: str, numbers: range) -> None:
    # As another instance would have: this server's process does not know of them.
    from datetime import UTC, datetime

    from shared.domain.rate_policy import Limit, counter_id, window_of

    now = datetime.now(UTC)
    window = window_of(now, int(FOREVER))
    key = counter_id(uid, Limit("requestCall", LIMIT, int(FOREVER)), window)
    for n in numbers:
        db.collection(store.RATE_LIMITS).document(f"{key}-{n}").create(
            {"window": key, "uid": uid, "at": now, "expires_at": window.end}
        )


def _claims_of(db: Any, uid: str) -> int:
    return sum((s.to_dict() or {})["holder"] == uid for s in db.collection(store.ATTEMPTS).stream())


def _places_and_caller(
    limited: HttpApi, db: Any, users: Users, staff: str, name: str, places: int = 3
) -> tuple[list[str], str, str]:
    """`places` queued places, and a caller of their own: the places, token and uid."""
    from tests.integration.factories import add_locations
    from tests.integration.test_request_call import enqueue

    queued = add_locations(db, places, prefix=name)
    enqueue(limited, staff, queued)
    caller = f"limited-{name}"
    return queued, users.token(caller, ["caller"]), users.uid(caller, ["caller"])


def test_a_claim_is_charged_by_its_own_commit(
    limited: HttpApi, db: Any, users: Users, staff_token: str
) -> None:
    _, token, uid = _places_and_caller(limited, db, users, staff_token, "fold")
    first = limited.call("requestCall", token, params={"state": "all"})
    assert first.status == 200, first.body
    assert "lease" in first.body
    assert len(_slots_of(db, uid)) == 1
    # The lease they hold is answered again: charged on its own.
    again = limited.call("requestCall", token, params={"state": "all"})
    assert again.status == 200
    assert again.body["lease"] == first.body["lease"]
    assert len(_slots_of(db, uid)) == 2
    assert limited.call("requestCall", token, params={"state": "all"}).status == 429
    assert _claims_of(db, uid) == 1


def test_a_claim_whose_slot_was_taken_elsewhere_is_charged_the_next(
    limited: HttpApi, db: Any, users: Users, staff_token: str
) -> None:
    _, token, uid = _places_and_caller(limited, db, users, staff_token, "fold-taken")
    _take_slots(db, uid, range(1, 2))
    reply = limited.call("requestCall", token, params={"state": "all"})
    assert reply.status == 200, reply.body
    assert "lease" in reply.body
    assert len(_slots_of(db, uid)) == 2
    assert _claims_of(db, uid) == 1


def test_past_the_limit_a_claim_writes_nothing(
    limited: HttpApi, db: Any, users: Users, staff_token: str
) -> None:
    _, token, uid = _places_and_caller(limited, db, users, staff_token, "fold-full")
    _take_slots(db, uid, range(1, LIMIT + 1))
    reply = limited.call("requestCall", token, params={"state": "all"})
    assert reply.status == 429, reply.body
    assert _claims_of(db, uid) == 0
    fences = [s.id for s in db.collection(store.CALLER_LEASES).stream()]
    assert not [f for f in fences if f.startswith(f"{uid}-")]
    assert len(_slots_of(db, uid)) == LIMIT


def test_a_claim_that_lost_its_entry_after_its_slot_is_charged_once(
    limited: HttpApi, db: Any, users: Users, staff_token: str
) -> None:
    """On the emulator a failed commit keeps the writes before the failing one: the slot of a
    claim whose entry fence was taken stays, and is this request's charge (not a second)."""
    from shared.domain import leases

    [location], token, uid = _places_and_caller(limited, db, users, staff_token, "fold-lost", 1)
    guard = db.collection(store.OPEN_ENTRIES).document(location).get().to_dict()
    entry = db.collection(store.ENTRIES).document(guard["entry_id"]).get().to_dict()
    # Another change of the entry got there first: its fence is the one this claim needs.
    fence = leases.change_id(guard["entry_id"], int(entry["version"]) + 1)
    db.collection(store.ENTRY_CHANGES).document(fence).create({"event": "test", "by": "test"})

    reply = limited.call("requestCall", token, params={"state": "all"})

    assert reply.status == 404, reply.body
    assert len(_slots_of(db, uid)) == 1
    assert _claims_of(db, uid) == 0
