"""The local stack: how each emulator is started, where it listens, and when it is ready.

`make run` starts these through honcho (see Procfile); the test harness starts the same
commands on free ports. Every port and the project id come from the environment.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".stack"
REGION = "us-central1"
TASKS_QUEUE = "lease-expiry"
HOST = "127.0.0.1"
# Cloud Tasks' emulator sends no OIDC token; the functions accept that only in local mode.
# Everything else is production's (contact windows on): the demo's and the tests' places carry
# opening hours that keep part of them open at any hour; `make run` takes CONTACT_WINDOWS and
# DEFAULT_CONTACT_WINDOW from the environment.
LOCAL_FUNCTION_SETTINGS = {"SKIP_TASK_AUTH": "true"}


@dataclass(frozen=True)
class Stack:
    """Where each service of one local stack listens."""

    project: str
    firestore_host: str
    auth_host: str
    tasks_host: str
    functions_port: int
    console_port: int = 5000
    # Origins allowed besides the console's (ALLOWED_ORIGINS when `make run` starts), for
    # example a caller app served locally: `ALLOWED_ORIGINS=http://localhost:3000 make run`.
    extra_origins: str = ""

    @property
    def functions_base(self) -> str:
        return f"http://{HOST}:{self.functions_port}/{self.project}/{REGION}"

    @property
    def console_url(self) -> str:
        return f"http://{HOST}:{self.console_port}/"

    @property
    def allowed_origins(self) -> str:
        """CORS: the console (by either local host name) and any extra origins."""
        console = [f"http://{name}:{self.console_port}" for name in (HOST, "localhost")]
        extra = [o.strip() for o in self.extra_origins.split(",") if o.strip()]
        return ",".join(dict.fromkeys([*console, *extra]))

    @property
    def tasks_queue_path(self) -> str:
        return f"projects/{self.project}/locations/{REGION}/queues/{TASKS_QUEUE}"

    def env(self) -> dict[str, str]:
        """Variables that point the functions and the client libraries at this stack."""
        return {
            "GOOGLE_CLOUD_PROJECT": self.project,
            "GCLOUD_PROJECT": self.project,
            "FIRESTORE_EMULATOR_HOST": self.firestore_host,
            "FIREBASE_AUTH_EMULATOR_HOST": self.auth_host,
            "CLOUD_TASKS_EMULATOR_HOST": self.tasks_host,
            "FUNCTIONS_BASE_URL": self.functions_base,
            "FUNCTION_REGION": REGION,
            "ALLOWED_ORIGINS": self.allowed_origins,
        }


def from_env() -> Stack:
    """The stack `make run` uses: default ports, each overridable, Firestore possibly external."""
    env = os.environ
    project = env.get("PROJECT_ID") or env.get("GOOGLE_CLOUD_PROJECT") or "demo-callqueue"
    return Stack(
        project=project,
        firestore_host=env.get("FIRESTORE_EMULATOR_HOST")
        or f"{HOST}:{env.get('FIRESTORE_PORT', '8080')}",
        auth_host=f"{HOST}:{env.get('AUTH_PORT', '9099')}",
        tasks_host=f"{HOST}:{env.get('TASKS_PORT', '9090')}",
        functions_port=int(env.get("FUNCTIONS_PORT", "5001")),
        console_port=int(env.get("CONSOLE_PORT", "5000")),
        extra_origins=env.get("ALLOWED_ORIGINS", ""),
    )


def port_of(host: str) -> int:
    return int(host.rsplit(":", 1)[1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# --- commands -------------------------------------------------------------------------


def firestore_command(port: int) -> list[str]:
    return ["node", str(ROOT / "tools" / "firestore-emulator.js"), str(port)]


def auth_command(stack: Stack) -> list[str]:
    """firebase-tools' Auth emulator, with a config naming this stack's ports."""
    port = port_of(stack.auth_host)
    STATE.mkdir(exist_ok=True)
    config = STATE / f"firebase.auth-{port}.json"
    config.write_text(
        json.dumps(
            {
                "emulators": {
                    "auth": {"host": HOST, "port": port},
                    # The hub and logging ports must differ between stacks running side by
                    # side; port + 1 and + 2 were sometimes taken by another stack's service.
                    "hub": {"host": HOST, "port": free_port()},
                    "logging": {"host": HOST, "port": free_port()},
                    "ui": {"enabled": False},
                    "singleProjectMode": True,
                }
            }
        )
    )
    firebase = ROOT / "node_modules" / ".bin" / "firebase"
    return [
        str(firebase),
        "emulators:start",
        "--only",
        "auth",
        "--project",
        stack.project,
        "--config",
        str(config),
    ]


def tasks_command(stack: Stack, max_retries: int = 20) -> list[str]:
    return [
        str(ROOT / ".venv-tasks" / "bin" / "gcloud-tasks-emulator"),
        "start",
        "--port",
        str(port_of(stack.tasks_host)),
        "-d",
        stack.tasks_queue_path,
        # The emulator retries failures every 0.1 s with no backoff; cap it.
        "--max-retries",
        str(max_retries),
        # Without this it logs two lines per waiting task every 0.1 s.
        "--quiet",
    ]


def functions_command(stack: Stack, port: int | None = None) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tools.serve_functions",
        "--port",
        str(port or stack.functions_port),
        "--project",
        stack.project,
    ]


def console_command(stack: Stack, port: int | None = None) -> list[str]:
    """The staff console's static server; its config.json comes from the stack's env()."""
    return [
        sys.executable,
        "-m",
        "tools.serve_console",
        "--port",
        str(port or stack.console_port),
    ]


# --- readiness ------------------------------------------------------------------------


def tcp_ready(host: str) -> bool:
    name, port = host.rsplit(":", 1)
    try:
        with socket.create_connection((name, int(port)), timeout=0.5):
            return True
    except OSError:
        return False


def http_ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status < 500)
    except (urllib.error.URLError, OSError):
        return False


def checks(stack: Stack) -> dict[str, object]:
    return {
        "firestore": lambda: tcp_ready(stack.firestore_host),
        "auth": lambda: http_ready(f"http://{stack.auth_host}/"),
        "tasks": lambda: tcp_ready(stack.tasks_host),
        "functions": lambda: http_ready(f"http://{HOST}:{stack.functions_port}/healthz"),
        "console": lambda: http_ready(f"{stack.console_url}config.json"),
    }


def wait_until(ready: object, what: str, timeout: float = 120.0) -> None:
    """Poll a readiness check until it passes; raise with the service's name after `timeout`."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while not ready():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} was not ready after {timeout:.0f} s")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)


# --- honcho entry points --------------------------------------------------------------


def _exec(argv: list[str], stack: Stack) -> None:
    env = {**os.environ, **stack.env()}
    os.chdir(ROOT)
    os.execvpe(argv[0], argv, env)


def _idle(message: str) -> None:
    print(message, flush=True)
    signal.sigwait({signal.SIGINT, signal.SIGTERM})


def banner(stack: Stack, caller_token: str) -> str:
    from tools import demo

    base = stack.functions_base
    lines = [
        "",
        "=" * 72,
        "call queue local stack is ready",
        f"  console     {stack.console_url}   (sign in as {demo.DEMO_STAFF.email})",
        f"  functions   {base}/<functionName>",
        *(f"              {base}/{name}" for name in _function_names()),
        f"  firestore   {stack.firestore_host}   (FIRESTORE_EMULATOR_HOST)",
        f"  auth        {stack.auth_host}   (FIREBASE_AUTH_EMULATOR_HOST)",
        f"  tasks       {stack.tasks_host}   queue {stack.tasks_queue_path}",
        "demo accounts",
        *(f"  {a.email} / {a.password}   roles {', '.join(a.roles)}" for a in demo.DEMO_ACCOUNTS),
        "try it (token valid for an hour):",
        f"  curl -s -H 'Authorization: Bearer {caller_token}' {base}/checkAuth",
        "refreshQueue runs every 10 minutes (freshness targets); by hand:",
        "  .venv/bin/python -m tools.stack refresh   (with this stack's environment)",
        "Ctrl-C stops everything.",
        "=" * 72,
    ]
    return "\n".join(lines)


def _function_names() -> list[str]:
    from tools.serve_functions import function_names

    return function_names()


# --- the scheduler -----------------------------------------------------------------------

# Cloud Scheduler calls refreshQueue at "*/10 * * * *" (deploy.sh); the local stack does too.
REFRESH_SECONDS = 600


def seconds_to_next_slot(now: float, period: int = REFRESH_SECONDS) -> float:
    """Seconds from `now` (epoch) to the next multiple of `period`: "*/10" on the wall clock."""
    return period - now % period


def refresh_queue(stack: Stack) -> dict[str, object]:
    """Call refreshQueue as Cloud Scheduler would, with the demo staff member's token (the
    Auth emulator cannot sign Google OIDC tokens; the function accepts staff too)."""
    from tools import demo
    from tools.accounts import sign_in

    token = sign_in(demo.DEMO_STAFF.email, demo.DEMO_STAFF.password, stack.auth_host)
    request = urllib.request.Request(
        f"{stack.functions_base}/refreshQueue",
        data=b"{}",
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        answer: dict[str, object] = json.load(response)
    return answer


def run_scheduler(stack: Stack, stop: threading.Event, period: int = REFRESH_SECONDS) -> None:
    """Until `stop` is set: refreshQueue at every multiple of `period` on the real clock."""
    while not stop.wait(seconds_to_next_slot(time.time(), period)):
        try:
            print(f"refreshQueue {json.dumps(refresh_queue(stack))}", flush=True)
        except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
            print(f"refreshQueue failed: {exc!r}", flush=True)


def ready(stack: Stack) -> None:
    """Wait for every service, load demo data, print the banner, then stay up with the rest
    (and call refreshQueue every 10 minutes, as Cloud Scheduler does in production)."""
    os.environ.update(stack.env())
    for name, check in checks(stack).items():
        wait_until(check, name)
    from shared.adapters import store
    from tools import demo
    from tools.accounts import sign_in

    summary = demo.seed_demo(store.client(stack.project), stack.project)
    print("\n".join(summary.lines()), flush=True)

    token = sign_in(demo.DEMO_CALLER.email, demo.DEMO_CALLER.password, stack.auth_host)
    stop = threading.Event()
    threading.Thread(target=run_scheduler, args=(stack, stop), daemon=True).start()
    _idle(banner(stack, token))
    stop.set()


def main() -> None:
    stack = from_env()
    service = sys.argv[1] if len(sys.argv) > 1 else ""
    if service == "firestore":
        if os.environ.get("FIRESTORE_EMULATOR_HOST"):
            _idle(
                f"using the Firestore emulator at {stack.firestore_host} (FIRESTORE_EMULATOR_HOST)"
            )
            return
        _exec(firestore_command(port_of(stack.firestore_host)), stack)
    elif service == "auth":
        _exec(auth_command(stack), stack)
    elif service == "tasks":
        _exec(tasks_command(stack), stack)
    elif service == "functions":
        os.environ.update(LOCAL_FUNCTION_SETTINGS)
        _exec(functions_command(stack), stack)
    elif service == "console":
        _exec(console_command(stack), stack)
    elif service == "refresh":
        # By hand: `python -m tools.stack refresh` (the stack's ports from the environment).
        print(json.dumps(refresh_queue(stack)))
    elif service == "ready":
        from tools import query_log

        query_log.install_from_env()
        ready(stack)
    else:
        services = "firestore|auth|tasks|functions|console|ready|refresh"
        raise SystemExit(f"usage: python -m tools.stack {services}")


if __name__ == "__main__":
    main()
