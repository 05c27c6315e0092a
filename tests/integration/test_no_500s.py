"""Anything a client can send gets a 2xx or a 4xx with a JSON error, never a 500."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from tests.harness import InProcessApi
from tests.integration.factories import add_locations, counts

pytestmark = pytest.mark.integration

ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    2**70,
    1.5,
    float("nan"),
    "",
    " ",
    "x" * 5000,
    "a/b",
    "__x__",
    "2026-13-45T99:00:00Z",
    [],
    [None],
    [1, "a"],
    {},
    {"$": []},
    "\u0000",
    "é" * 10,
]
FIELDS = {
    "submitReport": [
        "Location",
        "Availability",
        "Notes",
        "Do not call until",
        "vaccines_offered",
        "planned_closure",
        "Appointments by phone?",
        "web_banked",
        "County",
    ],
    "bulkEnqueue": ["reason", "priority_group", "location_ids", "filter", "dry_run", "queue"],
    "saveQueue": ["name", "description", "groups", "order", "backfill_min"],
    "setCallerGroups": ["uid", "groups"],
    "extendCall": ["entry_id", "claim_seq"],
    "releaseCall": ["entry_id", "claim_seq"],
    "saveFreshnessTarget": [
        "id",
        "name",
        "filter",
        "max_age_hours",
        "lead_hours",
        "queue",
        "reason",
        "due_group",
        "overdue_group",
    ],
}
VALID = {
    "submitReport": {"Location": "odd-000", "Availability": ["walk_ins_only"]},
    "bulkEnqueue": {"reason": "r", "location_ids": ["odd-000"], "dry_run": True},
    "saveQueue": {"name": "odd"},
    "setCallerGroups": {"uid": "nobody", "groups": ["g"]},
    "extendCall": {"entry_id": "e", "claim_seq": 1},
    "releaseCall": {"entry_id": "e", "claim_seq": 1},
    "saveFreshnessTarget": {"name": "Odd", "max_age_hours": 72},
}


def bodies(function: str, rng: random.Random) -> list[Any]:
    found: list[Any] = [b"", b"null", b"[]", b'"text"', b"{", b"\xff\xfe", b"{}" * 3]
    for field in FIELDS[function]:
        for value in ODD_VALUES:
            found.append({**VALID[function], field: value})
    for _ in range(30):
        body = dict(VALID[function])
        for field in rng.sample(FIELDS[function], k=2):
            body[field] = rng.choice(ODD_VALUES)
        found.append(body)
    return found


@pytest.mark.parametrize("function", sorted(FIELDS))
def test_odd_bodies_never_cause_500(
    inproc: InProcessApi, db: Any, staff_token: str, caller_token: str, function: str
) -> None:
    add_locations(db, 1, prefix="odd")
    staff_only = ("bulkEnqueue", "saveQueue", "setCallerGroups", "saveFreshnessTarget")
    token = staff_token if function in staff_only else caller_token
    for body in bodies(function, random.Random(function)):
        if isinstance(body, bytes):
            reply = inproc.call(
                function, token, data=body, headers={"Content-Type": "application/json"}
            )
        else:
            raw = json.dumps(body, allow_nan=True)
            reply = inproc.call(
                function, token, data=raw, headers={"Content-Type": "application/json"}
            )
        assert reply.status < 500, (body, reply.body)
        if reply.status >= 400:
            assert set(reply.body) == {"error", "error_description"}, (body, reply.body)


@pytest.mark.parametrize(
    "params",
    [{"state": "x" * 300}, {"no_claim": "maybe"}, {"location_id": "\u0000"}, {"state": "é1"}],
)
def test_odd_query_parameters_never_cause_500(
    inproc: InProcessApi, db: Any, caller_token: str, params: dict[str, str]
) -> None:
    before = counts(db)
    reply = inproc.call("requestCall", caller_token, params=params)
    assert 400 <= reply.status < 500, reply.body
    assert counts(db) == before


@pytest.mark.parametrize("group", [str(2**70), "-1", "5"])
def test_list_entries_refuses_a_priority_group_that_does_not_exist(
    inproc: InProcessApi, db: Any, staff_token: str, group: str
) -> None:
    # Found by the fuzzer: 2**70 reached the Firestore query and failed there with a 500.
    reply = inproc.call("listEntries", staff_token, method="GET", params={"priority_group": group})
    assert (reply.status, reply.body["error"]) == (400, "invalid_field"), reply.body
