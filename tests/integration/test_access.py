"""The authorisation matrix: every function x every kind of caller -> the expected answer.

Generated from the declarations in functions/main.py (`functions.declare(role=...)`), so a
function cannot be added without its row. "pass" means the request got past authentication
and authorisation (any status but 401 and 403: the empty body may then be a 400).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Users
from tests.harness import HttpApi
from tools.serve_functions import function_names

pytestmark = pytest.mark.integration

PASS = "pass"


def access() -> dict[str, str]:
    from functions.main import functions

    return {d.name: d.role for d in functions}


def methods(function: str) -> tuple[str, ...]:
    from functions.main import functions

    return functions[function].methods


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return data


def _encode(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")


def _forge(token: str, header: dict[str, Any] | None = None, **changes: Any) -> str:
    head, _, signature = token.split(".")
    new_head = _encode(header) if header is not None else head
    return f"{new_head}.{_encode(_claims(token) | changes)}.{signature}"


KINDS = [
    "none",
    "malformed",
    "expired",
    "other_project",
    "unsigned_unknown_user",
    "disabled",
    "no_role",
    "caller",
    "staff",
]


def expected(role: str, kind: str) -> object:
    if role == "task":
        # Locally the Tasks emulator sends no OIDC token (SKIP_TASK_AUTH); in production only
        # the queue's token passes (test_leases: ...needs_a_task_token_outside_local_mode).
        return PASS
    if kind in ("none", "malformed", "expired", "other_project", "unsigned_unknown_user"):
        return 401
    if kind == "disabled":
        return 401
    if role == "any":
        return PASS
    if role == "scheduler":
        # Cloud Scheduler's OIDC token (test_freshness), or a staff member's ID token.
        return PASS if kind == "staff" else 403
    return PASS if kind == role else 403


@pytest.fixture(scope="module")
def tokens(users: Users, project_id: str) -> dict[str, str | None]:
    from firebase_admin import auth

    from shared.adapters.auth import firebase_app

    caller = users.token("matrix-caller", ["caller"])
    disabled = users.token("matrix-disabled", ["caller", "staff"])
    auth.update_user(
        users.uid("matrix-disabled", ["caller", "staff"]),
        disabled=True,
        app=firebase_app(project_id),
    )
    other = "demo-other-project"
    return {
        "none": None,
        "malformed": "not-a-token",
        "expired": _forge(caller, exp=int(time.time()) - 60),
        "other_project": _forge(caller, aud=other, iss=f"https://securetoken.google.com/{other}"),
        # Shaped like the emulator's own unsigned tokens, for a user that does not exist.
        "unsigned_unknown_user": _forge(
            caller, {"alg": "none", "typ": "JWT"}, user_id="ghost", sub="ghost"
        ),
        "disabled": disabled,
        "no_role": users.token("matrix-norole", []),
        "caller": caller,
        "staff": users.token("matrix-staff", ["staff"]),
    }


def test_every_function_has_a_row() -> None:
    assert set(access()) == set(function_names())


@pytest.mark.parametrize("function", sorted(function_names()))
def test_authorisation_matrix(
    functions_http: HttpApi, tokens: dict[str, str | None], function: str
) -> None:
    role = access()[function]
    method = "GET" if "GET" in methods(function) else "POST"
    seen: dict[str, object] = {}
    want: dict[str, object] = {}
    for kind in KINDS:
        reply = functions_http.call(
            function, tokens[kind], method=method, json=None if method == "GET" else {}
        )
        seen[kind] = reply.status if reply.status in (401, 403) else PASS
        want[kind] = expected(role, kind)
    assert seen == want


def test_a_disabled_user_is_refused_within_the_staleness_bound(
    start_functions: Callable[..., HttpApi], users: Users, project_id: str
) -> None:
    from firebase_admin import auth

    from shared.adapters.auth import firebase_app

    api = start_functions("functions-revocation-0", REVOCATION_CHECK_SECONDS="0")
    token = users.token("soon-disabled", ["caller"])
    assert api.call("callerStats", token, method="GET").status == 200
    uid = users.uid("soon-disabled", ["caller"])
    auth.update_user(uid, disabled=True, app=firebase_app(project_id))
    try:
        reply = api.call("callerStats", token, method="GET")
        assert (reply.status, reply.body["error"]) == (401, "user_disabled")
    finally:
        auth.update_user(uid, disabled=False, app=firebase_app(project_id))
    auth.revoke_refresh_tokens(uid, app=firebase_app(project_id))
    # Revocation has a one-second grain: tokens issued before the user's "valid since" second
    # are refused, from that second on accepted (forged iat: the emulator's tokens are unsigned).
    since = auth.get_user(uid, app=firebase_app(project_id)).tokens_valid_after_timestamp // 1000
    revoked = api.call("callerStats", _forge(token, iat=since - 1), method="GET")
    assert (revoked.status, revoked.body["error"]) == (401, "token_revoked")
    assert api.call("callerStats", _forge(token, iat=since), method="GET").status == 200
