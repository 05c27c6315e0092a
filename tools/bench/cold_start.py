"""Cold start: process start to the first 200 of requestCall, against a bare "hello" function.

Both are started the same way, with the functions-framework command line (gunicorn, as the
Cloud Functions runtime does), and polled from the moment the process is spawned. requestCall
is called with a caller token against the running emulators, on a queue holding one entry,
so its first answer pays for every import and client it needs.

Beside it, what minimum instances buy (deploy.sh keeps requestCall warm with
PRELOAD_FUNCTIONS=requestCall): the same server started with that setting, its port polled
until it accepts a connection (Cloud Run's default startup probe: a TCP connect), then its
first request timed alone. And the floor the client libraries set: the bare function
importing firebase_admin.auth, google.cloud.firestore and google.cloud.tasks_v2 in its
request (nothing of ours), started and polled the same way.
The ratio to the bare function is always the first figure, a
start from zero as a request meets it: preloading moves the imports before the port opens,
it does not remove them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from tools import stack as stacklib
from tools.bench.common import BENCH_PHONE, ROOT, median

HELLO = """import functions_framework


@functions_framework.http
def hello(request):
    return "hello"
"""

# The same bare function importing the three client libraries requestCall needs (and nothing
# of ours): the part of the cold start that comes with the libraries themselves.
LIBRARIES = """import functions_framework


@functions_framework.http
def hello(request):
    import firebase_admin.auth
    import google.cloud.firestore
    import google.cloud.tasks_v2

    return "hello"
"""


def run(stack: stacklib.Stack, repeat: int = 3) -> dict[str, Any]:
    """Median seconds to the first 200 over `repeat` starts of each, and peak memory."""
    from tools.accounts import ensure_user, sign_in

    ensure_user("bench-cold@bench.callqueue.test", "bench-cold-pass", ["caller"], stack.project)
    token = sign_in("bench-cold@bench.callqueue.test", "bench-cold-pass", stack.auth_host)
    functions: list[float] = []
    bare: list[float] = []
    peaks: list[float] = []
    bare_peaks: list[float] = []
    ready: list[float] = []
    warm_first: list[float] = []
    libraries: list[float] = []
    source = ROOT / "functions" / "main.py"
    with tempfile.TemporaryDirectory() as tmp:
        hello = Path(tmp) / "main.py"
        hello.write_text(HELLO)
        (Path(tmp) / "libraries").mkdir()
        with_libraries = Path(tmp) / "libraries" / "main.py"
        with_libraries.write_text(LIBRARIES)
        for _ in range(repeat):
            _one_entry(stack)
            seconds, peak = _first_200(stack, source, "requestCall", token, ROOT)
            functions.append(seconds)
            peaks.append(peak)
            seconds, peak = _first_200(stack, hello, "hello", None, Path(tmp))
            bare.append(seconds)
            bare_peaks.append(peak)
            seconds, _ = _first_200(stack, with_libraries, "hello", None, with_libraries.parent)
            libraries.append(seconds)
            _one_entry(stack)
            listening, first = _preloaded_first_request(stack, source, token)
            ready.append(listening)
            warm_first.append(first)
    result = {
        "seconds": round(median(functions), 3),
        "bare_seconds": round(median(bare), 3),
        "ratio_to_bare": round(median(functions) / median(bare), 2),
        "peak_rss_mib": round(max(peaks), 1),
        "bare_peak_rss_mib": round(max(bare_peaks), 1),
        "libraries_seconds": round(median(libraries), 3),
        "libraries_ratio_to_bare": round(median(libraries) / median(bare), 2),
        "preloaded_ready_seconds": round(median(ready), 3),
        "preloaded_first_request_seconds": round(median(warm_first), 3),
        "runs": repeat,
    }
    print(
        f"{result['seconds']:>9.2f} {result['bare_seconds']:>9.2f} {result['ratio_to_bare']:>7.2f}"
        f" {result['peak_rss_mib']:>9.1f} {result['bare_peak_rss_mib']:>9.1f}"
        f" {result['libraries_seconds']:>9.2f} {result['libraries_ratio_to_bare']:>7.2f}"
        f" {result['preloaded_ready_seconds']:>9.2f}"
        f" {result['preloaded_first_request_seconds']:>9.3f}",
        flush=True,
    )
    return result


HEADER = (
    f"{'seconds':>9} {'bare s':>9} {'ratio':>7} {'peak MiB':>9} {'bare MiB':>9}"
    f" {'libs s':>9} {'ratio':>7} {'preload':>9} {'1st req':>9}"
)


def _one_entry(stack: stacklib.Stack) -> None:
    from datetime import UTC, datetime

    from shared.adapters import store
    from shared.adapters.auth import User
    from shared.services.staff import enqueue
    from tools.demo import clear

    db = store.client(stack.project)
    clear(db)
    db.collection(store.LOCATIONS).document("cold1").set(
        {"name": "Cold", "state": "CA", "hours": "Open 24 hours", "phone": BENCH_PHONE}
    )
    staff = User(uid="bench-staff", email=None, roles=frozenset({"staff"}))
    body = enqueue.BulkEnqueueBody(reason="Bench", location_ids=["cold1"])
    enqueue.bulk_enqueue(db, staff, body, datetime.now(UTC), limit=1)


def _first_200(
    stack: stacklib.Stack, source: Path, target: str, token: str | None, cwd: Path
) -> tuple[float, float]:
    """Seconds from spawning the server to its first 200, and its peak memory (MiB)."""
    port = stacklib.free_port()
    process, started = _spawn(stack, source, target, port, cwd, {})
    try:
        seconds = _poll_until_200(process, port, target, token) - started
        return seconds, peak_rss_mib(process.pid)
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=10)


def _preloaded_first_request(
    stack: stacklib.Stack, source: Path, token: str
) -> tuple[float, float]:
    """requestCall started as a minimum instance is: seconds from spawning it to its port
    accepting a connection, then seconds of its first request alone."""
    port = stacklib.free_port()
    preload = {"PRELOAD_FUNCTIONS": "requestCall"}
    process, started = _spawn(stack, source, "requestCall", port, ROOT, preload)
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"requestCall exited with {process.returncode} before listening")
            try:
                socket.create_connection((stacklib.HOST, port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.005)
        listening = time.perf_counter()
        answered = _poll_until_200(process, port, "requestCall", token)
        return listening - started, answered - listening
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=10)


def _spawn(
    stack: stacklib.Stack,
    source: Path,
    target: str,
    port: int,
    cwd: Path,
    settings: dict[str, str],
) -> tuple[subprocess.Popen[bytes], float]:
    """The functions-framework server of `target`, and when it was spawned (perf_counter)."""
    argv = [
        str(Path(sys.executable).parent / "functions-framework"),
        "--source",
        str(source),
        "--target",
        target,
        "--port",
        str(port),
        "--host",
        stacklib.HOST,
    ]
    env = {
        **{k: v for k, v in os.environ.items() if k != "PRELOAD_FUNCTIONS"},
        **stack.env(),
        **stacklib.LOCAL_FUNCTION_SETTINGS,
        "PYTHONPATH": str(ROOT),
        **settings,
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return process, started


def _poll_until_200(
    process: subprocess.Popen[bytes], port: int, target: str, token: str | None
) -> float:
    """POST until the server answers (retrying refused connections): when it answered 200."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = f"http://{stacklib.HOST}:{port}/"
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{target} exited with {process.returncode} before answering")
        try:
            reply = requests.post(url, params={"state": "all"}, headers=headers, timeout=30)
        except requests.ConnectionError:
            time.sleep(0.005)
            continue
        if reply.status_code == 200:
            return time.perf_counter()
        raise RuntimeError(f"{target} answered {reply.status_code}: {reply.text[:200]}")


def peak_rss_mib(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process and its descendants, summed, in MiB."""
    total = 0
    for each in [pid, *_descendants(pid)]:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total / 1024


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found.extend([child, *_descendants(child)])
    return found
