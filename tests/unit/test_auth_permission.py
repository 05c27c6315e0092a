"""A missing Firebase Auth IAM permission answers 503 naming the role, and logs one ERROR line.

The Auth emulator grants every Admin call, so the permission error cannot be provoked over
its protocol; these tests raise the exception types the real clients raise (firebase-admin's
PermissionDeniedError and its INSUFFICIENT_PERMISSION subclass, google.api_core's
PermissionDenied) where shared/auth.py calls the Auth Admin API.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import flask
import pytest
from firebase_admin import auth as firebase_auth
from firebase_admin import exceptions as firebase_exceptions
from google.api_core import exceptions as api_exceptions
from werkzeug.test import EnvironBuilder

from shared.adapters import auth, web
from shared.base.errors import ServiceUnavailable

PROJECT = "demo-permission"

DENIALS: list[Exception] = [
    firebase_exceptions.PermissionDeniedError("Caller does not have required permission"),
    firebase_auth.InsufficientPermissionError(
        "Credential implementation provided to initializeApp() ...", None, None
    ),
    api_exceptions.PermissionDenied("Permission 'firebaseauth.users.get' denied"),
]


def refusing(exc: Exception) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return call


# Each runtime call of the Auth Admin API, as shared/auth.py makes it.
CALLS: dict[str, tuple[str, Callable[[], object]]] = {
    "active check (get_user)": (
        "get_user",
        lambda: auth._check_active("u1", {"iat": 0}, auth.firebase_app(PROJECT), 0),
    ),
    "email_of (get_user)": ("get_user", lambda: auth.email_of("u1", PROJECT)),
    "listCallers (list_users)": (
        "list_users",
        lambda: auth.role_members("caller", None, 10, PROJECT),
    ),
}


@pytest.mark.parametrize("denial", DENIALS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("call", sorted(CALLS))
def test_permission_denied_becomes_503_naming_the_role(
    call: str,
    denial: Exception,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    method, run = CALLS[call]
    monkeypatch.setattr(firebase_auth, method, refusing(denial))
    with pytest.raises(ServiceUnavailable) as raised:
        run()
    assert raised.value.status == 503
    assert raised.value.error == "auth_permission_missing"
    assert "roles/firebaseauth.viewer" in raised.value.description
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["severity"] for line in lines] == ["ERROR"]
    assert lines[0]["role"] == "roles/firebaseauth.viewer"
    assert lines[0]["operation"] == method


def test_the_endpoint_answers_503_json_not_500(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(firebase_auth, "get_user", refusing(DENIALS[0]))

    @web.endpoint(("POST",))
    def who(request: flask.Request) -> dict[str, Any]:
        return {"email": auth.email_of("u1", PROJECT)}

    response = who(flask.Request(EnvironBuilder(method="POST").get_environ()))
    assert response.status_code == 503
    body = json.loads(response.get_data())
    assert set(body) == {"error", "error_description"}
    assert body["error"] == "auth_permission_missing"
    assert "roles/firebaseauth.viewer" in body["error_description"]
    severities = [json.loads(line)["severity"] for line in capsys.readouterr().out.splitlines()]
    assert severities.count("ERROR") == 1
