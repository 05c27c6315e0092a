"""The HTTP wrapper every function shares: CORS, methods, errors as JSON, body limits."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import flask
import pytest
from werkzeug.test import EnvironBuilder

from shared.adapters import web
from shared.base.errors import BadRequest, Conflict, TooLarge


def request(method: str = "POST", **kwargs: Any) -> flask.Request:
    return flask.Request(EnvironBuilder(method=method, **kwargs).get_environ())


@web.endpoint(("POST",))
def echo(req: flask.Request) -> dict[str, Any]:
    return {"echo": web.read_json(req, 100)}


@web.endpoint(("POST",))
def conflict(req: flask.Request) -> dict[str, Any]:
    raise Conflict("It changed meanwhile.", error="changed")


@web.endpoint(("POST",))
def broken(req: flask.Request) -> dict[str, Any]:
    raise RuntimeError("bug")


def body(response: flask.Response) -> Any:
    return json.loads(response.get_data())


CONSOLE = "http://127.0.0.1:5000"
ELSEWHERE = "https://evil.example"


@pytest.fixture(autouse=True)
def origins(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str | None], None]]:
    """ALLOWED_ORIGINS for the wrapper: the default unless a test sets it (settings are
    cached per process, and the test stack's environment names its own console)."""
    from shared.adapters.config import get_settings

    def allow(setting: str | None) -> None:
        if setting is None:
            monkeypatch.delenv("ALLOWED_ORIGINS", raising=False)
        else:
            monkeypatch.setenv("ALLOWED_ORIGINS", setting)
        get_settings.cache_clear()

    allow(None)
    yield allow
    monkeypatch.undo()
    get_settings.cache_clear()


def test_success_is_json_with_cors_for_an_allowed_origin() -> None:
    response = echo(request(json={"a": 1}, headers={"Origin": CONSOLE}))
    assert response.status_code == 200
    assert body(response) == {"echo": {"a": 1}}
    assert response.headers["Access-Control-Allow-Origin"] == CONSOLE
    assert response.headers["Vary"] == "Origin"
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]


def test_no_origin_no_cors_headers() -> None:
    # Servers, curl and Cloud Tasks send no Origin: they are not browsers, CORS is moot.
    response = echo(request(json={"a": 1}))
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_from_an_allowed_origin() -> None:
    response = echo(request("OPTIONS", headers={"Origin": "http://localhost:5000"}))
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5000"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("method", ["OPTIONS", "POST"])
def test_other_origins_are_refused_before_the_handler_runs(method: str) -> None:
    ran = []

    @web.endpoint(("POST",))
    def spy(req: flask.Request) -> dict[str, Any]:
        ran.append(req)
        return {}

    response = spy(request(method, json={}, headers={"Origin": ELSEWHERE}))
    assert response.status_code == 403
    assert body(response)["error"] == "origin_not_allowed"
    assert ELSEWHERE in body(response)["error_description"]
    assert "Access-Control-Allow-Origin" not in response.headers
    assert ran == []


def test_configured_origins(origins: Callable[[str | None], None]) -> None:
    origins("https://console.example, https://app.example/")
    allowed = echo(request(json={}, headers={"Origin": "https://app.example"}))
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert echo(request(json={}, headers={"Origin": CONSOLE})).status_code == 403


def test_star_allows_any_origin(origins: Callable[[str | None], None]) -> None:
    origins("*")
    response = echo(request(json={}, headers={"Origin": ELSEWHERE}))
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_wrong_method_is_405_json() -> None:
    response = echo(request("PUT"))
    assert response.status_code == 405
    assert body(response)["error"] == "method_not_allowed"


def test_domain_error_keeps_its_status_and_code() -> None:
    response = conflict(request())
    assert response.status_code == 409
    assert body(response) == {"error": "changed", "error_description": "It changed meanwhile."}


def test_unexpected_error_is_a_json_500_and_logged(capsys: pytest.CaptureFixture[str]) -> None:
    response = broken(request())
    assert response.status_code == 500
    answer = body(response)
    assert answer["error"] == "internal"
    # No stack trace or internal path for the client; the request id ties it to the log.
    request_id = response.headers["X-Request-Id"]
    assert answer["request_id"] == request_id
    assert request_id in answer["error_description"]
    assert "Traceback" not in response.get_data(as_text=True)
    assert ".py" not in response.get_data(as_text=True)
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    errors = [r for r in logged if r["severity"] == "ERROR"]
    assert len(errors) == 1
    assert "bug" in errors[0]["error"]
    assert errors[0]["request_id"] == request_id
    assert "Traceback" in errors[0]["traceback"]


def test_every_answer_carries_a_request_id() -> None:
    first, second = conflict(request()), conflict(request())
    assert len(first.headers["X-Request-Id"]) == 32
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", BadRequest),
        (b"{oops", BadRequest),
        (b"\xff", BadRequest),
        (b"[" + b"1," * 80 + b"1]", TooLarge),
    ],
)
def test_read_json_errors(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        web.read_json(request(data=data), 100)


def test_read_json_allows_empty_when_asked() -> None:
    assert web.read_json(request(data=b"  "), 100, allow_empty=True) == {}


@pytest.mark.parametrize("levels", [33, 200_000])
def test_deep_nesting_is_a_400_naming_the_limit(levels: int) -> None:
    @web.endpoint(("POST",))
    def roomy(req: flask.Request) -> dict[str, Any]:
        return {"echo": web.read_json(req, 10_000_000)}

    response = roomy(request(data="[" * levels + "]" * levels))
    assert response.status_code == 400
    assert body(response)["error"] == "too_deep"
    assert "32 levels" in body(response)["error_description"]


def test_depth_counts_arrays_and_objects() -> None:
    assert web.depth(1) == 0
    assert web.depth({"a": [1, {"b": []}]}) == 4
    assert web.read_json(request(data="[" * 32 + "]" * 32), 1000) is not None
