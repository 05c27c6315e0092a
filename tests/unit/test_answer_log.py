"""The recorded-answers check (tools/answer_log.py) against the published document."""

from __future__ import annotations

from typing import Any

import pytest

from tools import answer_log, openapi

DOCUMENT = openapi.build()
LEASE = {"entry_id": "e1", "claim_seq": 1, "claimed_until": "2026-03-01T18:20:00.000Z"}

CASES: list[tuple[str, str, int, Any, list[str]]] = [
    ("stats", "callerStats", 200, {"total": 3, "today": 1}, []),
    ("stats, extra key", "callerStats", 200, {"total": 3, "today": 1, "week": 2}, ["'week'"]),
    ("stats, missing key", "callerStats", 200, {"total": 3}, ['"today"']),
    ("created", "submitReport", 200, {"created": ["r1"]}, []),
    ("lease", "extendCall", 200, LEASE, []),
    ("lease, extra key", "extendCall", 200, {**LEASE, "holder": "u1"}, ["'holder'"]),
    ("released", "releaseCall", 200, {"released": True}, []),
    ("error", "requestCall", 404, {"error": "x", "error_description": "y"}, []),
    (
        "error, not documented status",
        "requestCall",
        405,
        {"error": "x", "error_description": "y"},
        [],
    ),
    (
        "error, extra key",
        "submitReport",
        400,
        {"error": "x", "error_description": "y", "at": 1},
        ["'at'"],
    ),
    ("unknown function", "nosuch", 200, {}, ["nosuch"]),
]


@pytest.mark.parametrize(
    ("function", "status", "body", "named"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_check(function: str, status: int, body: Any, named: list[str]) -> None:
    record = {"function": function, "status": status, "body": body}
    findings = answer_log.check([record], DOCUMENT)
    message = answer_log.report(findings) if findings else ""
    assert bool(findings) == bool(named)
    for word in named:
        assert word in message or word in str(findings)


def test_a_request_call_answer_with_its_lease_matches() -> None:
    from shared.domain.caller_view import present
    from shared.domain.models import Location

    location = Location(id="l1", name="Clinic", state="CA", website="https://example.org")
    body = present(location, None, None)
    assert (
        answer_log.check([{"function": "requestCall", "status": 200, "body": body}], DOCUMENT) == []
    )
    body["Opening soon"] = True
    (finding,) = answer_log.check(
        [{"function": "requestCall", "status": 200, "body": body}], DOCUMENT
    )
    assert "'Opening soon' was unexpected" in finding.message
