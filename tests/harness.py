"""Test harness: start the emulators once, clear data between tests, call functions two ways."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from tools.services import (  # noqa: F401  (the harness's API for tests)
    LOGS,
    ROOT,
    Service,
    TestStack,
    start,
    start_functions,
    start_stack,
    wait_ready,
)

SOURCE = ROOT / "functions" / "main.py"
# A base URL nobody listens on (the discard port): tasks sent there are refused at once.
NOWHERE = "http://127.0.0.1:9/nowhere"


@dataclass
class Reply:
    status: int
    body: Any
    headers: Mapping[str, str]


class Api:
    """Call a function by name, as a signed-in user or anonymously."""

    def call(
        self,
        function: str,
        token: str | None = None,
        *,
        method: str = "POST",
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        request = {"params": params, "json": json, "data": data, "headers": all_headers}
        return self.send(function, method, request)

    def send(self, function: str, method: str, request: dict[str, Any]) -> Reply:
        raise NotImplementedError


class HttpApi(Api):
    """Functions over real HTTP, as the caller app reaches them."""

    def __init__(self, base: str) -> None:
        self.base = base
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def send(self, function: str, method: str, request: dict[str, Any]) -> Reply:
        response = self._session().request(
            method, f"{self.base}/{function}", timeout=120, **request
        )
        try:
            body = response.json()
        except ValueError:
            body = response.text
        return Reply(response.status_code, body, response.headers)


class InProcessApi(Api):
    """The same functions through functions-framework's app factory, without a server."""

    def __init__(self) -> None:
        from tools import answer_log

        self._clients: dict[str, Any] = {}
        self._record = answer_log.from_env()

    def client(self, function: str) -> Any:
        if function not in self._clients:
            import functions_framework

            self._clients[function] = functions_framework.create_app(
                function, str(SOURCE)
            ).test_client()
        return self._clients[function]

    def send(self, function: str, method: str, request: dict[str, Any]) -> Reply:
        request["query_string"] = request.pop("params")
        response = self.client(function).open("/", method=method, **request)
        if self._record is not None and method != "OPTIONS":
            self._record(function, response.status_code, response.get_data())
        body = response.get_json(silent=True)
        return Reply(
            response.status_code, body if body is not None else response.text, response.headers
        )


def first_call_waits(function: Any, barrier: threading.Barrier) -> Any:
    """Wrap `function` so each thread's first call waits for the others at `barrier`.

    Used to force the interleaving a backend without transaction isolation allows: every
    party reads before any of them writes.
    """
    local = threading.local()

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not getattr(local, "waited", False):
            local.waited = True
            barrier.wait()
        return function(*args, **kwargs)

    return wrapped


def poll(check: Any, seconds: float, what: str, interval: float = 0.1) -> Any:
    """Call `check` until it answers something truthy; fail after `seconds`.

    For effects that happen on another process's clock (a lease ending, a task arriving).
    """
    import time

    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out after {seconds:.0f} s waiting for {what}"
        time.sleep(interval)


T0 = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)


class ControlledClock:
    """The functions' clock (`shared.clock.now`), set by the test: starts at T0."""

    def __init__(self, monkeypatch: Any) -> None:
        from shared.base import clock

        self.now = T0
        monkeypatch.setattr(clock, "now", lambda: self.now)

    def at(self, seconds: float) -> None:
        self.now = T0 + timedelta(seconds=seconds)


def parse_iso(moment: str) -> datetime:
    """An API timestamp (ISO-8601 with 'Z') as an aware datetime."""
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))
