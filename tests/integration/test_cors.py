"""CORS over HTTP: the console's origin is served, any other web page is refused unread."""

from __future__ import annotations

from typing import Any

import pytest

from tests import harness
from tests.harness import HttpApi
from tests.integration.factories import counts

pytestmark = pytest.mark.integration

ELSEWHERE = "https://elsewhere.example"


def test_the_consoles_origin_gets_a_preflight_and_answers(
    api: HttpApi, test_stack: harness.TestStack, staff_token: str
) -> None:
    console = f"http://127.0.0.1:{test_stack.stack.console_port}"
    preflight = api.call(
        "bulkEnqueue",
        method="OPTIONS",
        headers={"Origin": console, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == console
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    answer = api.call("queueOverview", staff_token, method="GET", headers={"Origin": console})
    assert answer.status == 200
    assert answer.headers["Access-Control-Allow-Origin"] == console


def test_another_origin_is_refused_and_writes_nothing(
    api: HttpApi, db: Any, staff_token: str
) -> None:
    preflight = api.call(
        "bulkEnqueue",
        method="OPTIONS",
        headers={"Origin": ELSEWHERE, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 403
    assert "Access-Control-Allow-Origin" not in preflight.headers
    before = counts(db)
    reply = api.call(
        "bulkEnqueue",
        staff_token,
        json={"reason": "r", "filter": {"state": "CA"}},
        headers={"Origin": ELSEWHERE},
    )
    assert (reply.status, reply.body["error"]) == (403, "origin_not_allowed")
    assert counts(db) == before
