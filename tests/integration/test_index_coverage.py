"""Every Firestore query the suite made the code issue is served by firestore.indexes.json.

Queries are recorded in this process and in every functions server the tests start
(tools/query_log.py); the check runs after every other test (marker `last`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Users
from tests.harness import Api, HttpApi, InProcessApi
from tests.integration.factories import add_locations
from tools import index_coverage, query_log

pytestmark = pytest.mark.integration


def checked(folder: Path) -> list[dict[str, Any]]:
    """Recorded queries issued by the code (not by the tests themselves)."""
    return [
        r
        for r in query_log.read(folder)
        if not str(r["origin"]).startswith(index_coverage.UNCHECKED_ORIGINS)
    ]


def draw_once(api: Api, staff_token: str, caller_token: str, ids: list[str]) -> None:
    added = api.call(
        "bulkEnqueue", staff_token, json={"reason": "New location", "location_ids": ids}
    )
    assert added.status == 200, added.body
    reply = api.call("requestCall", caller_token, params={"state": "all"})
    assert reply.status == 200, reply.body


def test_queries_are_recorded_in_process_and_in_functions_servers(
    recorded_queries: Path,
    inproc: InProcessApi,
    api: HttpApi,
    db: Any,
    staff_token: str,
    users: Users,
) -> None:
    # Two callers: a caller who holds a call gets it back without a draw.
    here, there = users.token("drawer-here", ["caller"]), users.token("drawer-there", ["caller"])
    draw_once(inproc, staff_token, here, add_locations(db, 2, prefix="here"))
    draw_once(api, staff_token, there, add_locations(db, 2, prefix="there"))
    draws = [
        (r["_file"], r)
        for path in recorded_queries.glob("queries-*.jsonl")
        for r in (
            {**json.loads(line), "_file": path.name} for line in path.read_text().splitlines()
        )
        if r["origin"].startswith("shared/services/caller/calls.py")
    ]
    files = {name for name, _ in draws}
    assert f"queries-{os.getpid()}.jsonl" in files
    assert len(files) >= 2, "no draw recorded by the functions server"
    fields = {
        f["fieldFilter"]["field"]["fieldPath"]
        for _, r in draws
        for f in r["query"]["where"]["compositeFilter"]["filters"]
    }
    assert {"open", "needs_attention", "priority_group", "available_at", "cells"} <= fields


def test_removing_the_draw_index_names_the_draw_and_the_index_to_add(
    recorded_queries: Path, inproc: InProcessApi, db: Any, staff_token: str, caller_token: str
) -> None:
    draw_once(inproc, staff_token, caller_token, add_locations(db, 2))
    document = json.loads(index_coverage.INDEXES.read_text())
    records = checked(recorded_queries)
    assert not index_coverage.check(records, index_coverage.Indexes.parse(document))
    document["indexes"] = [i for i in document["indexes"] if not is_draw_index(i)]
    findings = index_coverage.check(records, index_coverage.Indexes.parse(document))
    assert len(findings) == 1
    (finding,) = findings
    message = index_coverage.report(findings)
    assert "shared/services/caller/calls.py" in message
    assert "entries where open ==, needs_attention ==, priority_group ==" in message
    needed = finding.shape.needed_index()
    assert json.dumps(needed) in message
    document["indexes"].append(needed)
    assert not index_coverage.check(records, index_coverage.Indexes.parse(document))


def is_draw_index(index: dict[str, Any]) -> bool:
    """The draw's index without a state filter (requestCall?state=all) or a queue (none saved)."""
    names = [f["fieldPath"] for f in index["fields"]]
    return (
        index["collectionGroup"] == "entries"
        and names[-2:] == ["cells", "available_at"]
        and ("state" not in names)
        and ("queue" not in names)
    )


@pytest.mark.last
def test_every_query_the_suite_issued_has_its_index(recorded_queries: Path) -> None:
    records = checked(recorded_queries)
    if not records:
        pytest.skip("no query recorded: this check runs with the tests that issue them")
    findings = index_coverage.check(records, index_coverage.Indexes.load())
    assert not findings, index_coverage.report(findings)
