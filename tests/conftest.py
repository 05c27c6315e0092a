"""Session-wide emulators, per-test clean data, users with roles, and two ways to call functions."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import harness
from tools import answer_log, demo, query_log
from tools import stack as stacklib

TEST_PROJECT = os.environ.get("GOOGLE_CLOUD_PROJECT", "demo-callqueue")
PASSWORD = "test-password-1"
QUERY_LOG = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    """Record every Firestore query and every answer of this run, here and in every process
    started from here.

    The index coverage test and the answers test (run last) check them against
    firestore.indexes.json and docs/openapi.json.
    """
    folder = Path(tempfile.mkdtemp(prefix="callqueue-queries-"))
    config.stash[QUERY_LOG] = folder
    os.environ[query_log.ENV] = str(folder)
    # And every answer the functions give (tests/integration/test_answers.py checks them).
    os.environ[answer_log.ENV] = str(folder)
    query_log.install(folder)


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(QUERY_LOG, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def recorded_queries(pytestconfig: pytest.Config) -> Path:
    """The folder where this run's Firestore queries are recorded (tools/query_log.py)."""
    return pytestconfig.stash[QUERY_LOG]


@pytest.fixture(scope="session")
def test_stack() -> Iterator[harness.TestStack]:
    started = harness.start_stack(TEST_PROJECT)
    saved = dict(os.environ)
    os.environ.update(started.stack.env())
    from shared.adapters.config import get_settings

    get_settings.cache_clear()
    try:
        yield started
    finally:
        started.stop()
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()


@pytest.fixture(scope="session")
def project_id(test_stack: harness.TestStack) -> str:
    return test_stack.stack.project


@pytest.fixture(scope="session")
def firestore_client(test_stack: harness.TestStack) -> Any:
    from shared.adapters import store

    return store.client(test_stack.stack.project)


@pytest.fixture
def db(firestore_client: Any) -> Any:
    """The emulator's Firestore with every collection of ours emptied first."""
    demo.clear(firestore_client)
    return firestore_client


class Users:
    """Emulator users with given roles, created once per session, and their ID tokens."""

    def __init__(self, project: str) -> None:
        self.project = project
        self._tokens: dict[str, str] = {}
        self._uids: dict[str, str] = {}
        self._serial = itertools.count()

    def token(self, name: str, roles: list[str]) -> str:
        key = f"{name}:{','.join(sorted(roles))}"
        if key not in self._tokens:
            from tools.accounts import ensure_user, sign_in

            email = f"{name}-{'-'.join(sorted(roles)) or 'none'}@test.callqueue.test"
            self._uids[key] = ensure_user(email, PASSWORD, roles, self.project)
            self._tokens[key] = sign_in(email, PASSWORD)
        return self._tokens[key]

    def uid(self, name: str, roles: list[str]) -> str:
        self.token(name, roles)
        return self._uids[f"{name}:{','.join(sorted(roles))}"]

    def callers(self, count: int) -> list[str]:
        return [self.token(f"caller{i}", ["caller"]) for i in range(count)]


@pytest.fixture(scope="session")
def users(test_stack: harness.TestStack) -> Users:
    return Users(test_stack.stack.project)


@pytest.fixture(scope="session")
def caller_token(users: Users) -> str:
    return users.token("caller", ["caller"])


@pytest.fixture(scope="session")
def staff_token(users: Users) -> str:
    return users.token("staff", ["staff"])


# The suite acts as a few users making thousands of requests within minutes, which no person
# does: rate limits are off for it, and tests/integration/test_rate_limits.py checks them on
# a server of its own.
UNLIMITED = {
    "RATE_LIMIT_REQUEST_CALL": "0",
    "RATE_LIMIT_SUBMIT_REPORT": "0",
    "RATE_LIMIT_LEASE": "0",
    "RATE_LIMIT_BULK": "0",
}


@pytest.fixture(scope="session")
def functions_http(test_stack: harness.TestStack) -> Iterator[harness.HttpApi]:
    """All functions over real HTTP (default settings: 20-minute lease)."""
    service, base = harness.start_functions(test_stack.stack, "functions", **UNLIMITED)
    try:
        yield harness.HttpApi(base)
    finally:
        service.stop()


@pytest.fixture(scope="session")
def start_functions(test_stack: harness.TestStack) -> Iterator[Callable[..., harness.HttpApi]]:
    """Factory for extra functions servers with other settings (for example a short lease)."""
    services: list[harness.Service] = []

    def start(name: str, **settings: str) -> harness.HttpApi:
        service, base = harness.start_functions(test_stack.stack, name, **{**UNLIMITED, **settings})
        services.append(service)
        return harness.HttpApi(base)

    try:
        yield start
    finally:
        for service in services:
            service.stop()


@pytest.fixture
def api(functions_http: harness.HttpApi, db: Any) -> harness.HttpApi:
    """Functions over HTTP with clean data."""
    return functions_http


@pytest.fixture
def inproc(
    test_stack: harness.TestStack, db: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[harness.InProcessApi]:
    """Functions in this process (create_app(...).test_client()) with clean data.

    Lease tasks scheduled from here go nowhere: these tests often run on a controlled clock,
    and a real expireClaim on the wall clock would interfere.
    """
    from shared.adapters.config import get_settings

    monkeypatch.setenv("FUNCTIONS_BASE_URL", harness.NOWHERE)
    for key, value in {**stacklib.LOCAL_FUNCTION_SETTINGS, **UNLIMITED}.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield harness.InProcessApi()
    get_settings.cache_clear()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the real-snapshot tests late: they leave the in-memory emulator large and slower.

    Tests marked `last` (checks over what the others recorded) run after everything.
    """
    items.sort(
        key=lambda item: (
            item.get_closest_marker("last") is not None,
            item.get_closest_marker("slow") is not None,
        )
    )
