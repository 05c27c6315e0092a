"""Auth plumbing: ID tokens from the Auth emulator, roles from custom claims."""

from __future__ import annotations

import base64
import json

import pytest

from tests.harness import HttpApi

pytestmark = pytest.mark.integration


def test_check_auth_for_a_caller(api: HttpApi, caller_token: str) -> None:
    reply = api.call("checkAuth", caller_token, method="GET")
    assert reply.status == 200
    assert reply.body["authorizedCaller"] is True
    assert reply.body["roles"] == ["caller"]


def test_check_auth_for_staff_only(api: HttpApi, staff_token: str) -> None:
    reply = api.call("checkAuth", staff_token, method="GET")
    assert reply.status == 200
    assert reply.body["authorizedCaller"] is False
    assert reply.body["authorizedStaff"] is True


@pytest.mark.parametrize(
    ("header", "error"),
    [
        (None, "missing_token"),
        ("Bearer", "invalid_token"),
        ("Basic abc", "invalid_token"),
        ("Bearer not-a-token", "invalid_token"),
    ],
)
def test_check_auth_rejects_missing_or_bad_tokens(
    api: HttpApi, header: str | None, error: str
) -> None:
    headers = {"Authorization": header} if header else {}
    reply = api.call("checkAuth", method="GET", headers=headers)
    assert reply.status == 401
    assert reply.body["error"] == error
    assert reply.body["error_description"]


def _reencode(token: str, **changes: object) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda t: t.split(".")[0] + ".e30x.", id="corrupted-payload"),
        pytest.param(lambda t: _reencode(t, aud="demo-other-project"), id="other-audience"),
        pytest.param(lambda t: _reencode(t, iss="https://evil.example/x"), id="other-issuer"),
    ],
)
def test_tampered_token_is_rejected(api: HttpApi, caller_token: str, tamper: object) -> None:
    # The Auth emulator issues unsigned tokens and firebase-admin skips signature and expiry
    # checks for them (see docs/local-stack.md); structure, audience and issuer still count.
    reply = api.call("checkAuth", tamper(caller_token), method="GET")  # type: ignore[operator]
    assert reply.status == 401
    assert reply.body["error"] == "invalid_token"


@pytest.mark.parametrize(
    ("function", "role_needed"),
    [
        ("requestCall", "caller"),
        ("submitReport", "caller"),
        ("callerStats", "caller"),
        ("bulkEnqueue", "staff"),
    ],
)
def test_wrong_role_is_403(
    api: HttpApi, caller_token: str, staff_token: str, function: str, role_needed: str
) -> None:
    token = staff_token if role_needed == "caller" else caller_token
    reply = api.call(function, token, json={})
    assert reply.status == 403
    assert reply.body["error"] == "missing_role"
    assert role_needed in reply.body["error_description"]


def test_the_api_document_is_served_under_the_base_url(api: HttpApi) -> None:
    import json

    from tools.serve_functions import OPENAPI, function_names

    reply = api.call("openapi.json", method="GET")
    assert reply.status == 200
    assert reply.body == json.loads(OPENAPI.read_text())
    assert {p.strip("/") for p in reply.body["paths"]} == set(function_names())
