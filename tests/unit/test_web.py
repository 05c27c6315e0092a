"""The HTTP wrapper every function shares: CORS, methods, errors as JSON, body limits."""

from __future__ import annotations

import json
from typing import Any

import flask
import pytest
from werkzeug.test import EnvironBuilder

from shared import web
from shared.errors import BadRequest, Conflict, TooLarge


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


def test_success_is_json_with_cors() -> None:
    response = echo(request(json={"a": 1}))
    assert response.status_code == 200
    assert body(response) == {"echo": {"a": 1}}
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_preflight() -> None:
    response = echo(request("OPTIONS"))
    assert response.status_code == 204
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


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
