"""Test harness: start the emulators once, clear data between tests, call functions two ways."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from tools import stack as stacklib

ROOT = stacklib.ROOT
LOGS = ROOT / ".stack" / "test-logs"
SOURCE = ROOT / "functions" / "main.py"
# A base URL nobody listens on (the discard port): tasks sent there are refused at once.
NOWHERE = "http://127.0.0.1:9/nowhere"


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def alive(self) -> bool:
        return self.process.poll() is None


def start(
    name: str,
    argv: list[str],
    env: Mapping[str, str],
    *,
    cwd: Path = ROOT,
    inherit_env: bool = True,
) -> Service:
    """Start a service in its own process group, its output in .stack/test-logs/NAME.log.

    `inherit_env=False` gives it only `env` (as a deployed runtime would see it)."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{name}.log"
    handle = log.open("wb")
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env={**os.environ, **env} if inherit_env else dict(env),
        stdout=handle,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    return Service(name, process, log)


def wait_ready(service: Service | None, check: Any, what: str, timeout: float = 120.0) -> None:
    """Poll `check` until it passes; fail at once, with the log, if the service died."""

    def ready() -> bool:
        if service is not None and not service.alive():
            raise RuntimeError(f"{what} exited early:\n{service.log.read_text()[-3000:]}")
        return bool(check())

    stacklib.wait_until(ready, what, timeout)


@dataclass
class TestStack:
    stack: stacklib.Stack
    services: list[Service] = field(default_factory=list)

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()


def start_stack(project: str) -> TestStack:
    """Emulators named by the environment are used as they are; the others start on free ports."""
    env = os.environ
    own: dict[str, bool] = {}
    hosts = {}
    for key, var in (
        ("firestore", "FIRESTORE_EMULATOR_HOST"),
        ("auth", "FIREBASE_AUTH_EMULATOR_HOST"),
        ("tasks", "CLOUD_TASKS_EMULATOR_HOST"),
    ):
        own[key] = not env.get(var)
        hosts[key] = env.get(var) or f"{stacklib.HOST}:{stacklib.free_port()}"
    stack = stacklib.Stack(
        project=project,
        firestore_host=hosts["firestore"],
        auth_host=hosts["auth"],
        tasks_host=hosts["tasks"],
        functions_port=stacklib.free_port(),
    )
    result = TestStack(stack)
    starters = {
        "firestore": lambda: stacklib.firestore_command(stacklib.port_of(stack.firestore_host)),
        "auth": lambda: stacklib.auth_command(stack),
        "tasks": lambda: stacklib.tasks_command(stack),
    }
    started: dict[str, Service] = {}
    for key, argv in starters.items():
        if own[key]:
            started[key] = start(key, argv(), stack.env())
            result.services.append(started[key])
    try:
        checks = stacklib.checks(stack)
        for key in ("firestore", "tasks", "auth"):
            wait_ready(started.get(key), checks[key], key)
    except BaseException:
        result.stop()
        raise
    return result


def start_functions(stack: stacklib.Stack, name: str, **settings: str) -> tuple[Service, str]:
    """A functions server for this stack (extra settings as environment variables)."""
    port = stacklib.free_port()
    argv = stacklib.functions_command(stack, port)
    base = f"http://{stacklib.HOST}:{port}/{stack.project}/{stacklib.REGION}"
    env = {**stack.env(), **stacklib.LOCAL_FUNCTION_SETTINGS, "FUNCTIONS_BASE_URL": base}
    service = start(name, argv, {**env, **settings})
    wait_ready(service, lambda: stacklib.http_ready(f"http://{stacklib.HOST}:{port}/healthz"), name)
    return service, base


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
        self._clients: dict[str, Any] = {}

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
        from shared import clock

        self.now = T0
        monkeypatch.setattr(clock, "now", lambda: self.now)

    def at(self, seconds: float) -> None:
        self.now = T0 + timedelta(seconds=seconds)


def parse_iso(moment: str) -> datetime:
    """An API timestamp (ISO-8601 with 'Z') as an aware datetime."""
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))
