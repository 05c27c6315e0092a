"""`make run` on free ports: the whole stack comes up with demo data and stops on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from tools import stack as stacklib

pytestmark = pytest.mark.e2e

READY_LINE = "Ctrl-C stops everything."


@pytest.fixture(scope="module")
def make_run() -> Iterator[tuple[str, str, str, str]]:
    """Start `make run`; answer (functions base URL, the banner's output so far, the console's
    URL, the Auth emulator's port)."""
    ports = {
        name: str(stacklib.free_port())
        for name in ("FIRESTORE", "AUTH", "TASKS", "FUNCTIONS", "CONSOLE")
    }
    env = {k: v for k, v in os.environ.items() if not k.endswith("_EMULATOR_HOST")}
    env.update({f"{name}_PORT": port for name, port in ports.items()})
    env["GOOGLE_CLOUD_PROJECT"] = "demo-callqueue"
    process = subprocess.Popen(
        ["make", "run"],
        cwd=stacklib.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if READY_LINE in line:
                ready.set()
        ready.set()  # the output ended: `make run` stopped before (or after) being ready

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        # Waits on the stack's own "ready" banner, printed after its readiness checks.
        assert ready.wait(timeout=300), "".join(lines[-50:])
        assert process.poll() is None, "make run exited:\n" + "".join(lines[-50:])
        base = f"http://127.0.0.1:{ports['FUNCTIONS']}/demo-callqueue/us-central1"
        yield base, "".join(lines), f"http://127.0.0.1:{ports['CONSOLE']}/", ports["AUTH"]
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
        reader.join(timeout=5)
        deadline = time.monotonic() + 10
        while any(stacklib.tcp_ready(f"127.0.0.1:{p}") for p in ports.values()):
            assert time.monotonic() < deadline, "a service kept listening after Ctrl-C"
            time.sleep(0.1)


def test_banner_shows_urls_accounts_and_a_working_curl(
    make_run: tuple[str, str, str, str],
) -> None:
    base, output, _, _ = make_run
    assert f"{base}/requestCall" in output
    assert "staff@demo.callqueue.test / staff-demo-pass" in output
    assert "caller@demo.callqueue.test / caller-demo-pass" in output
    match = re.search(r"curl -s -H 'Authorization: Bearer ([^']+)' (\S+)", output)
    assert match is not None
    token, url = match.groups()
    assert url == f"{base}/checkAuth"
    reply = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert reply.status_code == 200
    assert reply.json()["authorizedCaller"] is True
    anonymous = requests.get(url, timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "missing_token"


def test_demo_queue_can_be_drawn_from(make_run: tuple[str, str, str, str]) -> None:
    base, output, _, _ = make_run
    token = re.search(r"Bearer ([^']+)'", output).group(1)  # type: ignore[union-attr]
    reply = requests.post(
        f"{base}/requestCall?state=all", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert reply.status_code == 200
    body = reply.json()
    assert body["lease"]["claim_seq"] == 1
    assert body["county_record"]
    assert body["queue_entry"]["priority_group"] == 1  # the demo's group-1 entries come first


def test_console_is_served_and_points_at_this_stack(make_run: tuple[str, str, str, str]) -> None:
    base, output, console, auth_port = make_run
    assert f"console     {console}" in output
    page = requests.get(console, timeout=10)
    assert page.status_code == 200
    assert '<script type="module" src="app.js">' in page.text
    config = requests.get(f"{console}config.json", timeout=10).json()
    assert config["functionsBaseUrl"] == base
    assert config["authEmulatorUrl"] == f"http://127.0.0.1:{auth_port}"
    assert config["firebase"]["projectId"] == "demo-callqueue"
    assert requests.get(f"{console}app.js", timeout=10).status_code == 200
