"""The soak's shell: its own stack, seeding, the load, the faults, then every check and figure."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from tools import services
from tools import stack as stacklib
from tools.bench.common import percentile
from tools.soak import invariants as inv
from tools.soak.client import Client, Log
from tools.soak.load import Caller, Reports, Staff, start_threads

D = TypeVar("D", bound=BaseModel)

PROJECT = "demo-soak"
PASSWORD = "soak-password-1"
# The emulator retries a failed delivery every sweep (about 0.1 s) with no backoff; production
# retries with backoff for up to a day (deploy.sh). This many retries outlast a restart.
TASK_RETRIES = 3000


@dataclass(frozen=True)
class Options:
    callers: int = 48
    minutes: float = 3.0
    lease_seconds: int = 30
    seed: int = 9
    locations: int = 600
    queued: int = 300
    # Seconds after the load starts; None: no such fault.
    tasks_outage_at: float | None = 40.0
    tasks_outage_seconds: float = 30.0
    kill_functions_at: float | None = 110.0
    # Put the tasks the emulator held back after its restart, as the durable service keeps them.
    restore_tasks: bool = True
    # The longest wait, after the load, for every lease to end and get its outcome.
    settle_seconds: float = 180.0


@dataclass
class Fault:
    name: str
    at: float
    seconds: float = 0.0
    detail: str = ""


@dataclass
class Soak:
    """The running stack and what the run recorded."""

    stack: stacklib.Stack
    functions: services.Service
    functions_port: int
    tasks: services.Service
    settings: dict[str, str]
    log: Log = field(default_factory=Log)
    reports: Reports = field(default_factory=Reports)
    faults: list[Fault] = field(default_factory=list)
    started: float = 0.0

    @property
    def base(self) -> str:
        return (
            f"http://{stacklib.HOST}:{self.functions_port}/{self.stack.project}/{stacklib.REGION}"
        )


def settings_for(options: Options) -> dict[str, str]:
    """A short lease (so leases run out during the run), extensions a little shorter."""
    lease = options.lease_seconds
    return {
        "CLAIM_LEASE_SECONDS": str(lease),
        "EXTEND_STEP_SECONDS": str(max(1, lease // 2)),
        "MAX_LEASE_SECONDS": str(lease * 2),
    }


def _tasks_command(stack: stacklib.Stack) -> list[str]:
    return stacklib.tasks_command(stack, max_retries=TASK_RETRIES)


@contextmanager
def soak_stack(options: Options) -> Iterator[Soak]:
    """Firestore and Auth as the environment names them (else started); Tasks and functions ours.

    The soak stops and restarts those two, so they are always its own.
    """
    from shared.adapters.config import get_settings

    saved = dict(os.environ)
    project = os.environ.get("GOOGLE_CLOUD_PROJECT") or PROJECT
    host = f"{stacklib.HOST}:{stacklib.free_port()}"
    # Started first: start_stack waits for every emulator the environment names.
    tasks_only = stacklib.Stack(project, "", "", host, 0)
    tasks = services.start("soak-tasks", _tasks_command(tasks_only), tasks_only.env())
    own = [tasks]
    try:
        services.wait_ready(tasks, lambda: stacklib.tcp_ready(host), "tasks")
        os.environ["CLOUD_TASKS_EMULATOR_HOST"] = host
        started = services.start_stack(project)
        own += started.services
        stack = started.stack
        os.environ.update(stack.env())
        get_settings.cache_clear()
        port = stacklib.free_port()
        settings = settings_for(options)
        functions, _ = services.functions_on(stack, "soak-functions", port, settings)
        soak = Soak(stack, functions, port, tasks, settings)
        try:
            yield soak
        finally:
            soak.functions.stop()
            soak.tasks.stop()
    finally:
        for service in reversed(own):
            service.stop()
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()


# --- seeding --------------------------------------------------------------------------


def seed(soak: Soak, options: Options) -> tuple[list[str], list[tuple[str, str]], tuple[str, str]]:
    """Generated places, callers and one staff user; the first `queued` places queued.

    Answers the location ids, (uid, token) per caller, and the staff (uid, token).
    """
    from shared.adapters import store
    from tools.accounts import ensure_user, sign_in
    from tools.demo import clear, generate
    from tools.importer import write_documents

    db = store.client(soak.stack.project)
    clear(db)
    data = generate(options.locations, seed=options.seed)
    for collection, documents in (
        (store.COUNTIES, data.counties),
        (store.PROVIDERS, data.providers),
        (store.LOCATIONS, data.locations),
        (store.REASONS, data.reasons),
    ):
        write_documents(db, collection, documents)

    def user(name: str, roles: list[str]) -> tuple[str, str]:
        email = f"{name}@soak.callqueue.test"
        uid = ensure_user(email, PASSWORD, roles, soak.stack.project)
        return uid, sign_in(email, PASSWORD, soak.stack.auth_host)

    callers = [user(f"caller-{i}", ["caller"]) for i in range(options.callers)]
    staff = user("staff", ["staff"])
    ids = [location.id for location in data.locations]
    client = Client(soak.base, staff[0], staff[1], Log(), threading.Event())
    reply = client.call(
        "bulkEnqueue", json={"reason": "Stale report", "location_ids": ids[: options.queued]}
    )
    if reply.status != 200:
        raise RuntimeError(f"could not queue the first places: {reply.status} {reply.body}")
    return ids, callers, staff


# --- faults ---------------------------------------------------------------------------


def _tasks_client(host: str) -> Any:
    import grpc
    from google.cloud import tasks_v2
    from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

    channel = grpc.insecure_channel(host)
    return tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=channel))


def tasks_outage(soak: Soak, seconds: float, restore: bool) -> Fault:
    """Stop the Tasks emulator for `seconds`, then start it again on the same port.

    The emulator keeps its tasks in memory; Cloud Tasks keeps them durably through an outage.
    With `restore` the tasks it held are created again after the restart, so what is left
    of the fault is what production would see: creating tasks fails meanwhile.
    """
    from google.cloud import tasks_v2

    fault = Fault("tasks emulator stopped", time.monotonic() - soak.started)
    client = _tasks_client(soak.stack.tasks_host)
    held = list(client.list_tasks(parent=soak.stack.tasks_queue_path)) if restore else []
    soak.tasks.stop()
    # The outage itself: its length is the fault, not a wait for something to happen.
    time.sleep(seconds)
    soak.tasks = services.start("soak-tasks-2", _tasks_command(soak.stack), soak.stack.env())
    services.wait_ready(soak.tasks, stacklib.checks(soak.stack)["tasks"], "tasks")
    client = _tasks_client(soak.stack.tasks_host)
    restored = 0
    for task in held:
        copy = tasks_v2.Task(
            name=task.name, schedule_time=task.schedule_time, http_request=task.http_request
        )
        try:
            client.create_task(parent=soak.stack.tasks_queue_path, task=copy)
            restored += 1
        except Exception:
            continue  # delivered and gone meanwhile, or a duplicate name: nothing to restore
    fault.seconds = time.monotonic() - soak.started - fault.at
    fault.detail = f"{restored} of {len(held)} held tasks restored" if restore else "not restored"
    return fault


def kill_functions(soak: Soak) -> Fault:
    """SIGKILL the functions server mid-request and start it again on the same port."""
    fault = Fault("functions killed", time.monotonic() - soak.started)
    os.killpg(soak.functions.process.pid, signal.SIGKILL)
    soak.functions.process.wait(timeout=10)
    soak.functions, _ = services.functions_on(
        soak.stack, "soak-functions-2", soak.functions_port, soak.settings
    )
    fault.seconds = time.monotonic() - soak.started - fault.at
    fault.detail = "restarted on the same port"
    return fault


def inject_faults(soak: Soak, options: Options, stop: threading.Event) -> None:
    """Each fault at its time after the start, in order, unless the run ended first."""
    plan: list[tuple[float, str]] = []
    if options.tasks_outage_at is not None:
        plan.append((options.tasks_outage_at, "tasks"))
    if options.kill_functions_at is not None:
        plan.append((options.kill_functions_at, "functions"))
    for at, kind in sorted(plan):
        if stop.wait(max(0.0, soak.started + at - time.monotonic())):
            return
        if kind == "tasks":
            soak.faults.append(
                tasks_outage(soak, options.tasks_outage_seconds, options.restore_tasks)
            )
        else:
            soak.faults.append(kill_functions(soak))


# --- after the load -------------------------------------------------------------------


def _stored(db: Any, collection: str, model: type[D]) -> list[D]:
    """Every document of a collection as its model (a whole, small collection: no query)."""
    from shared.adapters import store

    loaded = (store.load(model, s) for s in db.collection(collection).stream())
    return [m for m in loaded if m is not None]


def _holds(db: Any) -> list[inv.Hold]:
    from shared.adapters import store
    from shared.domain.models import Attempt

    return [
        inv.Hold(
            a.entry_id,
            a.claim_seq,
            a.location_id,
            a.holder,
            a.claimed_at,
            a.claimed_until,
            a.outcome,
            a.ended_at,
        )
        for a in _stored(db, store.ATTEMPTS, Attempt)
    ]


def settle(soak: Soak, timeout: float) -> float:
    """Wait until no lease is running and every ended one has its outcome; answers the seconds.

    Bounded: an attempt whose clean-up never comes is what the check then reports.
    """
    from shared.adapters import store

    db = store.client(soak.stack.project)
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        now = datetime.now(UTC)
        if all(h.outcome is not None and h.claimed_until <= now for h in _holds(db)):
            break
        time.sleep(1.0)
    return time.monotonic() - began


def _entries(db: Any) -> list[inv.EntryState]:
    from shared.adapters import store
    from shared.domain.models import Entry

    return [
        inv.EntryState(
            e.id,
            e.location_id,
            e.open,
            e.needs_attention,
            e.vest_at,
            e.available_at,
            e.claimed_until,
            e.outcome,
            e.previous_entry_id,
        )
        for e in _stored(db, store.ENTRIES, Entry)
    ]


def _drawable(db: Any, now: datetime) -> set[str]:
    """What the draw's own query finds available, every group, the whole key space."""
    from shared.domain import cells
    from shared.domain.models import PRIORITY_GROUPS
    from shared.services.caller import calls

    cell = cells.cell_label(0, 0)
    return {
        e.id
        for group in PRIORITY_GROUPS
        for e in calls.draw_cell(db, group, None, now, cell, 100_000)
    }


def _openings(db: Any, entries: list[inv.EntryState], now: datetime) -> dict[str, datetime | None]:
    """When each queued place next opens (`now` if open), by the functions' contact policy."""
    from shared.adapters import store
    from shared.adapters.config import get_settings
    from shared.domain.models import Location
    from shared.services.caller.calls import opening_of

    policy = get_settings().contact_policy
    ids = sorted({e.location_id for e in entries if e.open})
    if policy is None or not ids:
        return {}
    refs = [db.collection(store.LOCATIONS).document(i) for i in ids]
    places = [p for p in (store.load(Location, s) for s in db.get_all(refs)) if p is not None]
    return {p.id: opening_of(policy, p, now) for p in places}


def check(
    soak: Soak, callers: list[tuple[str, str]]
) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """Every invariant over Firestore and the log; answers the violations and a few figures."""
    from shared.adapters import store

    db = store.client(soak.stack.project)
    now = datetime.now(UTC)
    holds = _holds(db)
    entries = _entries(db)
    guards = {
        s.id: (s.to_dict() or {})["entry_id"] for s in db.collection(store.OPEN_ENTRIES).stream()
    }
    stored: dict[str, set[str]] = defaultdict(set)
    for snapshot in db.collection(store.REPORTS).stream():
        stored[(snapshot.to_dict() or {})["reported_by"]].add(snapshot.id)
    stats = {}
    stop = threading.Event()
    for uid, token in callers:
        reply = Client(soak.base, uid, token, soak.log, stop).call("callerStats")
        stats[uid] = int(reply.body["total"]) if reply.status == 200 else -1
    calls = soak.log.snapshot()
    violations = {
        "one open entry per location, guards agree": inv.one_open_entry_per_location(
            entries, guards
        ),
        "no two callers holding one entry": inv.overlapping_holds(holds),
        "one entry per caller at a time": inv.callers_holding_several(holds),
        "leases answered are the stored attempts": inv.leases_answered(calls, holds),
        "every ended lease has an outcome": inv.attempts_without_outcome(holds, now),
        "accepted reports stored, stats agree": inv.reports_and_stats(
            soak.reports.accepted, stored, soak.reports.unknown, stats
        ),
        "no 5xx": inv.server_errors(calls),
        "nothing lost or undrawable": inv.lost_or_undrawable(
            entries, _drawable(db, now), now, _openings(db, entries, now)
        ),
    }
    most = inv.most_held_at_once(holds)
    figures = {
        "attempts": len(holds),
        "outcomes": dict(Counter(h.outcome or "none" for h in holds).most_common()),
        "entries": len(entries),
        "open_entries": sum(e.open for e in entries),
        "needs_attention": sum(e.open and e.needs_attention for e in entries),
        "reports_stored": sum(len(v) for v in stored.values()),
        "reports_accepted": sum(len(v) for v in soak.reports.accepted.values()),
        "reports_unknown": sum(soak.reports.unknown.values()),
        "most_held_at_once": max(most.values(), default=0),
        "tasks_still_kept": len(list(db.collection(store.PENDING_EXPIRIES).stream())),
    }
    return violations, figures


# --- the whole run --------------------------------------------------------------------


def per_function(calls: list[inv.Call]) -> list[dict[str, Any]]:
    """Requests, statuses and latency percentiles of each function (answered requests only)."""
    rows = []
    for function in sorted({c.function for c in calls}):
        mine = [c for c in calls if c.function == function]
        answered = [c.ms for c in mine if c.status]
        rows.append(
            {
                "function": function,
                "requests": len(mine),
                "2xx": sum(200 <= c.status < 300 for c in mine),
                "4xx": sum(400 <= c.status < 500 and c.status != 429 for c in mine),
                "429": sum(c.status == 429 for c in mine),
                "5xx": sum(c.status >= 500 for c in mine),
                "refused": sum(c.connection == "refused" for c in mine),
                "broken": sum(c.connection == "broken" for c in mine),
                "p50_ms": round(percentile(answered, 0.5), 1),
                "p95_ms": round(percentile(answered, 0.95), 1),
                "p99_ms": round(percentile(answered, 0.99), 1),
            }
        )
    return rows


def answers_4xx(calls: list[inv.Call]) -> dict[str, int]:
    counted = Counter(f"{c.function} {c.status} {c.error}" for c in calls if 400 <= c.status < 500)
    return dict(sorted(counted.items()))


def run(options: Options) -> dict[str, Any]:
    """Seed, load with faults, settle, check; answers every figure and violation."""
    with soak_stack(options) as soak:
        locations, callers, staff = seed(soak, options)
        stop = threading.Event()
        rng = random.Random(options.seed)
        workers = [
            Caller(
                Client(soak.base, uid, token, soak.log, stop),
                random.Random(rng.random()),
                soak.reports,
                stop,
            ).run
            for uid, token in callers
        ]
        workers.append(
            Staff(
                Client(soak.base, staff[0], staff[1], soak.log, stop),
                random.Random(rng.random()),
                locations,
                soak.reports,
                stop,
            ).run
        )
        soak.started = time.monotonic()
        threads = start_threads(workers)
        faults = threading.Thread(target=inject_faults, args=(soak, options, stop), daemon=True)
        faults.start()
        stop.wait(options.minutes * 60)
        stop.set()
        load_seconds = time.monotonic() - soak.started
        for thread in [*threads, faults]:
            thread.join(timeout=120)
        settled = settle(soak, options.settle_seconds)
        violations, figures = check(soak, callers)
        calls = soak.log.snapshot()
        _keep_calls(calls)
        _keep_several_held(soak)
        return {
            "options": options.__dict__,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "load_seconds": round(load_seconds, 1),
            "settle_seconds": round(settled, 1),
            "functions": per_function(calls),
            "answers_4xx": answers_4xx(calls),
            "actions": dict(sorted(soak.reports.actions.items())),
            "faults": [f.__dict__ for f in soak.faults],
            "during_faults": _during_faults(calls, soak),
            **figures,
            "violations": {name: len(found) for name, found in violations.items()},
            "examples": {name: found[:5] for name, found in violations.items() if found},
        }


def _keep_calls(calls: list[inv.Call]) -> None:
    """Every call, one JSON line each, for looking into a violation after the run."""
    import json

    stacklib.STATE.mkdir(exist_ok=True)
    with (stacklib.STATE / "soak-calls.jsonl").open("w") as out:
        for c in calls:
            out.write(json.dumps(c.__dict__) + "\n")


def _keep_several_held(soak: Soak) -> None:
    """For a caller seen holding two entries: their document, claim fences, attempts and the
    entries' change fences, in `.stack/soak-several-held.json` (what the claims raced on)."""
    import json

    from shared.adapters import store

    db = store.client(soak.stack.project)
    holds = _holds(db)
    several = [h for h, most in inv.most_held_at_once(holds).items() if most > 1]
    if not several:
        return

    def docs(collection: str, ids: set[str] | None = None, prefix: str = "") -> dict[str, Any]:
        return {
            s.id: s.to_dict()
            for s in db.collection(collection).stream()
            if (ids is None or s.id in ids) and s.id.startswith(prefix)
        }

    found: dict[str, Any] = {}
    for uid in several:
        mine = [h for h in holds if h.holder == uid]
        entry_ids = {h.entry_id for h in mine}
        found[uid] = {
            "caller": docs(store.CALLERS, {uid}),
            "caller_leases": docs(store.CALLER_LEASES, prefix=f"{uid}-"),
            "attempts": [h.__dict__ for h in mine],
            "entry_changes": {
                k: v for k, v in docs(store.ENTRY_CHANGES).items() if v.get("entry_id") in entry_ids
            },
        }
    stacklib.STATE.mkdir(exist_ok=True)
    with (stacklib.STATE / "soak-several-held.json").open("w") as out:
        json.dump(found, out, default=str, indent=1)


def _during_faults(calls: list[inv.Call], soak: Soak) -> dict[str, int]:
    """Connection errors (refused, broken) while a fault lasted, and outside any.

    An error counts at the moment it came (a request broken by the kill began before it)."""
    epoch = time.time() - (time.monotonic() - soak.started)
    windows = [(epoch + f.at, epoch + f.at + f.seconds + 1.0) for f in soak.faults]
    counted: Counter[str] = Counter()
    for c in calls:
        if c.connection:
            came = c.started + c.ms / 1000
            during = any(start <= came <= end for start, end in windows)
            counted[f"{c.connection} {'during faults' if during else 'outside faults'}"] += 1
    return dict(sorted(counted.items()))
