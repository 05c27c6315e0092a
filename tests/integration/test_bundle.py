"""The deployable bundle starts the way Cloud Functions starts it, and serves real calls."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests import harness
from tests.integration.factories import add_locations
from tools import bundle
from tools import stack as stacklib

pytestmark = pytest.mark.integration

FUNCTIONS_FRAMEWORK = harness.ROOT / ".venv" / "bin" / "functions-framework"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundle.build(tmp_path_factory.mktemp("bundle") / "source")


def serve(built: Path, target: str, stack: stacklib.Stack) -> tuple[harness.Service, str]:
    """`functions-framework --source main.py --target T` in the bundle, as the runtime runs it."""
    port = stacklib.free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        **stack.env(),
        **stacklib.LOCAL_FUNCTION_SETTINGS,
        "FUNCTIONS_BASE_URL": harness.NOWHERE,
    }
    argv = [str(FUNCTIONS_FRAMEWORK), "--source", "main.py", "--target", target]
    argv += ["--host", stacklib.HOST, "--port", str(port)]
    service = harness.start(f"bundle-{target}", argv, env, cwd=built, inherit_env=False)
    url = f"http://{stacklib.HOST}:{port}/"
    listening = f"{stacklib.HOST}:{port}"
    try:
        # It answers 401 to an anonymous GET: listening is the readiness signal.
        harness.wait_ready(service, lambda: stacklib.tcp_ready(listening), f"bundled {target}", 60)
    except BaseException:
        service.stop()
        raise
    return service, url


@pytest.fixture(scope="module")
def served(built: Path, test_stack: harness.TestStack) -> Iterator[dict[str, str]]:
    services = {name: serve(built, name, test_stack.stack) for name in ("checkAuth", "requestCall")}
    try:
        yield {name: url for name, (_, url) in services.items()}
    finally:
        for service, _ in services.values():
            service.stop()


def test_bundle_holds_main_shared_and_pinned_runtime_requirements(built: Path) -> None:
    assert (built / "main.py").read_text() == (harness.ROOT / "functions/main.py").read_text()
    assert (built / "shared" / "__init__.py").is_file()
    assert not list(built.rglob("__pycache__"))
    assert {p.name for p in built.iterdir()} == {"main.py", "shared", "requirements.txt"}
    pins = (built / "requirements.txt").read_text().splitlines()
    assert pins, "no runtime requirements"
    assert all("==" in pin and not pin.startswith(("#", "-")) for pin in pins)
    dev_only = {"pytest", "mypy", "ruff", "honcho"}
    assert not {pin.split("==")[0].lower() for pin in pins} & dev_only


def test_bundled_check_auth_answers_a_signed_in_caller(
    served: dict[str, str], caller_token: str
) -> None:
    reply = requests.get(
        served["checkAuth"], headers={"Authorization": f"Bearer {caller_token}"}, timeout=30
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["authorizedCaller"] is True


def test_bundled_request_call_claims_a_queued_location(
    served: dict[str, str],
    inproc: harness.InProcessApi,
    db: Any,
    staff_token: str,
    caller_token: str,
) -> None:
    ids = add_locations(db, 3, prefix="bundle")
    added = inproc.call(
        "bulkEnqueue", staff_token, json={"reason": "New location", "location_ids": ids}
    )
    assert added.status == 200, added.body
    reply = requests.post(
        served["requestCall"],
        params={"state": "all"},
        headers={"Authorization": f"Bearer {caller_token}"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["id"] in ids
    assert body["lease"]["claim_seq"] == 1


def test_functions_source_alone_cannot_start(test_stack: harness.TestStack) -> None:
    """Why the bundle exists: the runtime puts only the source folder on the import path."""
    with pytest.raises(RuntimeError, match="No module named 'shared'"):
        serve(harness.ROOT / "functions", "checkAuth", test_stack.stack)
