"""requestCall against the emulators over HTTP: claims, priority, randomness, leases."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.adapters import store
from shared.domain.models import County, Provider
from tests.conftest import Users
from tests.harness import ControlledClock, HttpApi, InProcessApi, Reply, parse_iso, poll
from tests.integration.factories import (
    CONTRACT_KEYS,
    add_county,
    add_locations,
    add_provider,
    count,
)

pytestmark = pytest.mark.integration

NOTHING = "Couldn't find somewhere to call"


def enqueue(api: HttpApi | InProcessApi, staff: str, ids: list[str], group: int = 99) -> None:
    reply = api.call(
        "bulkEnqueue",
        staff,
        json={"reason": "New location", "priority_group": group, "location_ids": ids},
    )
    assert reply.status == 200, reply.body
    assert reply.body["added"] == len(ids)


def request_all_at_once(api: HttpApi, tokens: list[str]) -> list[Reply]:
    barrier = threading.Barrier(len(tokens))

    def one(token: str) -> Reply:
        barrier.wait()
        return api.call("requestCall", token, params={"state": "all"})

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(one, tokens))


def test_32_concurrent_callers_get_32_different_locations(
    api: HttpApi, db: Any, staff_token: str, users: Users
) -> None:
    enqueue(api, staff_token, add_locations(db, 200))
    replies = request_all_at_once(api, users.callers(32))
    assert [r.status for r in replies] == [200] * 32, [r.body for r in replies if r.status != 200]
    ids = [r.body["id"] for r in replies]
    assert len(set(ids)) == 32
    assert count(db, store.ATTEMPTS) == 32
    holders = [s.to_dict()["holder"] for s in db.collection(store.ENTRIES).stream()]
    held = [h for h in holders if h]
    assert len(held) == 32
    assert len(set(held)) == 32


def test_32_concurrent_callers_for_10_locations(
    api: HttpApi, db: Any, staff_token: str, users: Users
) -> None:
    enqueue(api, staff_token, add_locations(db, 10))
    replies = request_all_at_once(api, users.callers(32))
    won = [r for r in replies if r.status == 200]
    lost = [r for r in replies if r.status != 200]
    assert len(won) == 10
    assert len({r.body["id"] for r in won}) == 10
    assert len(lost) == 22
    assert {(r.status, r.body["error"]) for r in lost} == {(404, NOTHING)}
    assert count(db, store.ATTEMPTS) == 10


def test_higher_priority_groups_are_offered_first(
    api: HttpApi, db: Any, staff_token: str, users: Users
) -> None:
    groups = {
        1: add_locations(db, 3, prefix="g1"),
        2: add_locations(db, 3, prefix="g2"),
        99: add_locations(db, 3, prefix="g99"),
        4: add_locations(db, 3, prefix="g4"),
    }
    for group, ids in groups.items():
        enqueue(api, staff_token, ids, group)
    offered = []
    for token in users.callers(12):
        reply = api.call("requestCall", token, params={"state": "all"})
        assert reply.status == 200, reply.body
        offered.append(reply.body["queue_entry"]["priority_group"])
    assert offered == [1, 1, 1, 2, 2, 2, 4, 4, 4, 99, 99, 99]


def test_no_claim_draws_are_uniform(
    api: HttpApi, db: Any, staff_token: str, caller_token: str
) -> None:
    from scipy.stats import chisquare

    ids = add_locations(db, 20)
    enqueue(api, staff_token, ids)

    def draw(_: int) -> str:
        reply = api.call("requestCall", caller_token, params={"state": "all", "no_claim": "1"})
        return str(reply.body["id"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        draws = Counter(pool.map(draw, range(2000)))
    assert set(draws) == set(ids)
    result = chisquare([draws[i] for i in ids])
    assert result.pvalue > 0.001, (result, draws)
    assert count(db, store.ATTEMPTS) == 0


def test_one_claim_per_caller(api: HttpApi, db: Any, staff_token: str, caller_token: str) -> None:
    enqueue(api, staff_token, add_locations(db, 5))
    first = api.call("requestCall", caller_token, params={"state": "all"})
    again = api.call("requestCall", caller_token, params={"state": "all"})
    assert first.status == again.status == 200
    assert again.body["id"] == first.body["id"]
    assert again.body["lease"] == first.body["lease"]
    assert count(db, store.ATTEMPTS) == 1


def test_location_id_returns_that_location_without_claiming(
    api: HttpApi, db: Any, staff_token: str, caller_token: str, users: Users
) -> None:
    ids = add_locations(db, 1)
    enqueue(api, staff_token, ids)
    reply = api.call("requestCall", caller_token, params={"location_id": ids[0]})
    assert reply.status == 200
    assert reply.body["id"] == ids[0]
    assert "lease" not in reply.body
    other = api.call("requestCall", users.callers(1)[0], params={"state": "all"})
    assert other.status == 200
    assert other.body["id"] == ids[0]


def test_unknown_location_id_is_an_error(api: HttpApi, db: Any, caller_token: str) -> None:
    reply = api.call("requestCall", caller_token, params={"location_id": "recNOPE"})
    assert reply.status == 404
    assert "recNOPE" in reply.body["error_description"]


def test_no_claim_leaves_the_entry_available(
    api: HttpApi, db: Any, staff_token: str, caller_token: str, users: Users
) -> None:
    ids = add_locations(db, 1)
    enqueue(api, staff_token, ids)
    peek = api.call("requestCall", caller_token, params={"state": "all", "no_claim": "1"})
    assert peek.status == 200
    assert "lease" not in peek.body
    claim = api.call("requestCall", users.callers(1)[0], params={"state": "all"})
    assert claim.status == 200
    assert claim.body["lease"]["claim_seq"] == 1


def test_empty_queue_answers_the_contract_error(api: HttpApi, db: Any, caller_token: str) -> None:
    reply = api.call("requestCall", caller_token, params={"state": "all"})
    assert reply.status == 404
    assert reply.body["error"] == NOTHING
    assert reply.body["error_description"]


def test_state_filter(api: HttpApi, db: Any, staff_token: str, users: Users) -> None:
    enqueue(api, staff_token, add_locations(db, 3, prefix="ca", state="CA"))
    enqueue(api, staff_token, add_locations(db, 2, prefix="ny", state="NY"))
    callers = users.callers(4)
    got = [api.call("requestCall", t, params={"state": "ny"}) for t in callers[:3]]
    assert [r.status for r in got] == [200, 200, 404]
    assert {r.body["State"] for r in got[:2]} == {"NY"}
    bad = api.call("requestCall", callers[3], params={"state": "California"})
    assert bad.status == 400
    assert "state" in bad.body["error_description"]


def test_response_follows_the_contract(
    api: HttpApi, db: Any, staff_token: str, caller_token: str
) -> None:
    add_county(
        db,
        County(
            id="recC1",
            name="Alpine County",
            vaccine_info_url="https://c.example/i",
            vaccine_locations_url="https://c.example/l",
            notes="Phase 1B",
        ),
    )
    add_provider(
        db,
        Provider(
            id="recP1",
            name="Pharma",
            vaccine_info_url="https://p.example",
            public_notes="n",
            phase=["1A"],
            network_type="Pharmacy",
            last_updated="2021-02-07",
        ),
    )
    ids = add_locations(
        db,
        1,
        county="Alpine County",
        county_id="recC1",
        affiliation="Pharma",
        provider_id="recP1",
        address="1 Main St, Markleeville, CA 96120",
    )
    enqueue(api, staff_token, ids)
    reply = api.call("requestCall", caller_token, params={"state": "all"})
    assert reply.status == 200
    for key, kind in CONTRACT_KEYS.items():
        assert isinstance(reply.body[key], kind), key
    assert reply.body["county_record"] == {
        "id": "recC1",
        "County": "Alpine County",
        "Vaccine info URL": "https://c.example/i",
        "Vaccine locations URL": "https://c.example/l",
        "Notes": "Phase 1B",
    }
    assert reply.body["provider_record"]["Provider"] == "Pharma"
    assert reply.body["provider_record"]["Phase"] == ["1A"]
    assert reply.body["County vaccine info URL"] == ["https://c.example/i"]
    lease = reply.body["lease"]
    assert set(lease) >= {"entry_id", "claim_seq", "claimed_until"}
    assert lease["claimed_until"].endswith("Z")
    until = parse_iso(lease["claimed_until"])
    assert timedelta(minutes=19) < until - datetime.now(UTC) <= timedelta(minutes=20)


def test_ended_lease_is_offered_again_with_nothing_else_running(
    db: Any, start_functions: Any, staff_token: str, users: Users
) -> None:
    short = start_functions("functions-2s-lease", CLAIM_LEASE_SECONDS="2")
    enqueue(short, staff_token, add_locations(db, 1))
    first, second = users.callers(2)
    claimed = short.call("requestCall", first, params={"state": "all"})
    assert claimed.status == 200
    until = parse_iso(claimed.body["lease"]["claimed_until"])
    assert short.call("requestCall", second, params={"state": "all"}).status == 404
    reply = poll(
        lambda: (
            (r := short.call("requestCall", second, params={"state": "all"})).status == 200 and r
        ),
        10,
        "the ended lease's entry to be offered",
    )
    assert reply.body["id"] == claimed.body["id"]
    assert reply.body["lease"]["claim_seq"] == 2
    assert datetime.now(UTC) >= until


def test_ended_lease_with_a_controlled_clock(
    inproc: InProcessApi, db: Any, staff_token: str, users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ControlledClock(monkeypatch)
    enqueue(inproc, staff_token, add_locations(db, 1))
    first, second = users.callers(2)
    assert inproc.call("requestCall", first, params={"state": "all"}).status == 200
    clock.at(1199)
    assert inproc.call("requestCall", second, params={"state": "all"}).status == 404
    clock.at(1200)
    reply = inproc.call("requestCall", second, params={"state": "all"})
    assert reply.status == 200
    assert reply.body["lease"]["claim_seq"] == 2


def test_entries_from_before_the_cell_draw_are_drawn_after_add_draw_cells(
    api: HttpApi, db: Any, staff_token: str, caller_token: str
) -> None:
    from shared.records import entries

    enqueue(api, staff_token, add_locations(db, 3))
    # An empty list stands for the missing field: the emulator ignores DELETE_FIELD.
    for snapshot in db.collection(store.ENTRIES).stream():
        snapshot.reference.update({"cells": []})
    assert api.call("requestCall", caller_token, params={"state": "all"}).status == 404
    assert entries.add_missing_cells(db) == 3
    assert entries.add_missing_cells(db) == 0
    assert api.call("requestCall", caller_token, params={"state": "all"}).status == 200
    # Cells written before the draw read 23 levels (17): the deeper six are added.
    from shared.domain import cells

    for snapshot in db.collection(store.ENTRIES).stream():
        rand = snapshot.to_dict()["rand"]
        snapshot.reference.update({"cells": cells.cells_of(rand, levels=17)})
    assert entries.add_missing_cells(db) == 3
    stored = [s.to_dict() for s in db.collection(store.ENTRIES).stream()]
    assert all(d["cells"] == cells.cells_of(d["rand"]) for d in stored)
    assert all(len(d["cells"]) == cells.CELL_LEVELS == 23 for d in stored)
