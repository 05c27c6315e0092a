"""Services of a local stack started as processes: emulators on free ports, functions servers.

The test harness, the benchmarks and anything else that needs its own stack start them here
(each in its own process group, output in .stack/test-logs/NAME.log).
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools import stack as stacklib

ROOT = stacklib.ROOT
LOGS = ROOT / ".stack" / "test-logs"


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
        console_port=stacklib.free_port(),
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
