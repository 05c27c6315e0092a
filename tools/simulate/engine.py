"""The simulated week: its options, data, people and the event loop that runs them.

Discrete events on simulated time: every actor (a caller, staff) is a generator that acts and
yields when it next wants to act. Actions due at the same tick run together in a small thread
pool (real races), while the Cloud Tasks stand-in (`lease_tasks`) delivers the lease tasks that
came due, then the clock (`clock`) jumps to the next moment anything is due. Nothing waits on
the wall clock. The functions run in process (`functions`), with production's settings
(`production`).
"""

from __future__ import annotations

import heapq
import itertools
import json
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tools import stack as stacklib
from tools.simulate import people, places
from tools.simulate.checks import VIOLATIONS
from tools.simulate.clock import SimClock
from tools.simulate.functions import Functions, Reply
from tools.simulate.lease_tasks import TASK_MAX_ATTEMPTS, Dispatcher, tasks_client
from tools.soak.invariants import Call

ROOT = stacklib.ROOT
DATA = ROOT.parent / "shared" / "data"
SNAPSHOT = "vaccinateca-locations-2021-03-01.json"
COUNTIES = "vaccinateca-counties-2021-03-01.json"
PROVIDERS = "vaccinateca-providers-2021-03-01.json"
PASSWORD = "simulate-password-1"
# How old (in wall time) an ID token may get before its person signs in again: they last an hour.
TOKEN_REFRESH = timedelta(minutes=45)
# Monday 2 June 2031, 00:00 Pacific: far enough ahead that no task is ever due in real time,
# and a week without a daylight-saving change.
WEEK_START = datetime(2031, 6, 2, 7, 0, tzinfo=UTC)
# Available entries of one (queue, group) the inversion check reads at most per tick.
INVERSION_SCAN = 60
# Every invariant has a fault that breaks it (`--provoke NAME`).
PROVOCATIONS = VIOLATIONS


@dataclass(frozen=True)
class Options:
    days: int = 7
    # Callers on duty at the weekday peak: the "about 40".
    callers: int = 40
    seed: int = 16
    provoke: str | None = None
    # Snapshot rows used (None: all 7,772) and generated places per split-zone town.
    places: int | None = None
    per_town: int = 12
    # The simulated span: from `start_hour` after Monday 00:00 Pacific, `hours` long
    # (None: `days` whole days).
    start_hour: float = 0.0
    hours: float | None = None
    tick_seconds: int = 15
    workers: int = 6
    backfill_min: int = 40
    # Freshness targets instead of the hand-made "Stale report" adds (tools/simulate/targets.py).
    targets: bool = False
    data: Path = DATA

    @property
    def span(self) -> tuple[datetime, datetime]:
        start = WEEK_START + timedelta(hours=self.start_hour)
        hours = self.hours if self.hours is not None else 24 * self.days
        return start, start + timedelta(hours=hours)


# --- the run -------------------------------------------------------------------------------


@dataclass
class Person:
    index: int
    uid: str
    email: str
    signed_token: str
    groups: list[str]
    signed_at: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def token(self) -> str:
        """Their ID token; signed in again once it is `TOKEN_REFRESH` old (wall time).

        Tokens expire an hour after sign-in on the wall clock, and a long run on a busy machine
        can take longer than that."""
        with self._lock:
            if time.monotonic() - self.signed_at > TOKEN_REFRESH.total_seconds():
                from tools.accounts import sign_in

                self.signed_token = sign_in(self.email, PASSWORD)
                self.signed_at = time.monotonic()
            return self.signed_token


@dataclass
class Record:
    """What the run saw besides Firestore: reports accepted, urgent adds, inversions found."""

    accepted: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    actions: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    urgent_bulk_ids: set[str] = field(default_factory=set)
    inversions: list[str] = field(default_factory=list)
    reads_at: list[tuple[datetime, int]] = field(default_factory=list)
    provoked: list[str] = field(default_factory=list)
    # Wall seconds spent in each part of the loop (where the time goes).
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, action: str) -> None:
        with self.lock:
            self.actions[action] += 1


class Simulation:
    """One run: its clock, functions, people, and the event loop."""

    def __init__(self, options: Options, project: str, tasks_host: str, counter: Any) -> None:
        start, end = options.span
        self.options = options
        self.start, self.end = start, end
        self.clock = SimClock(start)
        self.functions = Functions(self.clock)
        self.project = project
        self.counter = counter
        self.record = Record()
        self.truths: dict[str, places.Truth] = {}
        self.callers: list[Person] = []
        self.staff: Person | None = None
        self.rng = random.Random(options.seed)
        self.dispatcher = Dispatcher(
            tasks_client(tasks_host),
            f"projects/{project}/locations/{stacklib.REGION}/queues/{stacklib.TASKS_QUEUE}",
            self.functions,
            lose_tasks=options.provoke == "attempt_not_ended",
        )
        from tools.bench.rpc_count import RpcCounter, counting_client

        # The harness's own reads go through a client of their own: not counted as the
        # functions' reads.
        self.db = counting_client(project, RpcCounter(record_queries=False), single_threaded=True)
        self._held: dict[str, tuple[str, int, datetime]] = {}
        self._held_lock = threading.Lock()
        self.abandon_first = options.provoke == "attempt_not_ended"
        self._queues: list[Any] | None = None
        self.since_start = wall()

    @property
    def now(self) -> datetime:
        return self.clock.now

    # --- setup ---

    def load_places(self) -> int:
        """The snapshot (with generated hours and phones) and the split-zone places, through the
        project's importer."""
        from tools import importer

        snapshot = json.loads((self.options.data / SNAPSHOT).read_text())
        if self.options.places is not None:
            snapshot = snapshot[: self.options.places]
        rows = places.with_hours(snapshot)
        extra, zones = places.split_zone_rows(self.options.per_town)
        rows += extra
        self.truths = places.truths(rows, zones)
        plan = importer.plan_import(
            importer.records_from_json(json.dumps(rows), "simulated week"),
            counties=importer.read_records(self.options.data / COUNTIES),
            providers=importer.read_records(self.options.data / PROVIDERS),
            default_state="CA",
        )
        summary = importer.write_plan(self.db, plan)
        return summary.imported

    def make_people(self) -> None:
        from tools.accounts import ensure_user, sign_in

        def person(index: int, name: str, roles: list[str], groups: list[str]) -> Person:
            email = f"{name}@simulate.callqueue.test"
            uid = ensure_user(email, PASSWORD, roles, self.project)
            return Person(index, uid, email, sign_in(email, PASSWORD), groups)

        self.staff = person(-1, "staff", ["staff"], [])
        with ThreadPoolExecutor(4) as pool:
            self.callers = list(
                pool.map(
                    lambda i: person(i, f"caller-{i}", ["caller"], people.groups_of(i)),
                    range(self.options.callers),
                )
            )

    def staff_call(
        self, function: str, body: Any = None, params: dict[str, str] | None = None
    ) -> Reply:
        assert self.staff is not None
        method = "GET" if params is not None else "POST"
        return self.functions.call(
            function, self.staff.uid, self.staff.token, json_body=body, params=params, method=method
        )

    def setup_queues(self) -> None:
        """Three queues with caller groups and fall-through; `default` refills itself."""
        for body in (
            {"name": "urgent", "description": "Urgent tips, experienced callers",
             "groups": ["experienced"], "order": 10},
            {"name": "spanish", "description": "Spanish-speaking places",
             "groups": ["spanish"], "order": 20},
            {"name": "default", "description": "Everyone", "groups": [], "order": 1000,
             "backfill_min": self.options.backfill_min},
        ):  # fmt: skip
            self._ok(self.staff_call("saveQueue", body))
        for caller in self.callers:
            if caller.groups:
                self._ok(
                    self.staff_call("setCallerGroups", {"uid": caller.uid, "groups": caller.groups})
                )

    def initial_queue(self) -> None:
        """What staff queued before Monday: a stale county, the new places, Spanish places."""
        split = sorted(k for k in self.truths if k.startswith("sim-"))
        self.bulk_add(
            {"reason": "New location", "priority_group": 2, "queue": "default"}, ids=split
        )
        if self.options.targets:
            from tools.simulate import targets

            targets.save_targets(self)
        else:
            self.bulk_add({"reason": "Stale report", "priority_group": 3, "queue": "default"},
                          county="San Diego County")  # fmt: skip
            self.bulk_add({"reason": "Stale report", "priority_group": 2, "queue": "spanish"},
                          county="Imperial County")  # fmt: skip
        self.bulk_add({"reason": "Eva tip", "priority_group": 2, "queue": "urgent"},
                      county="Alameda County")  # fmt: skip

    def bulk_add(
        self,
        base: dict[str, Any],
        *,
        county: str | None = None,
        ids: list[str] | None = None,
        once: bool = False,
    ) -> str | None:
        """Staff's "add to queue" as the console does it: 500 a call, one bulk id."""
        bulk_id: str | None = None
        if ids is not None:
            for start in range(0, len(ids), 500):
                body = {**base, "location_ids": ids[start : start + 500]}
                if bulk_id:
                    body["bulk_id"] = bulk_id
                reply = self._ok(self.staff_call("bulkEnqueue", body))
                bulk_id = reply.body["bulk_id"]
            return bulk_id
        cursor: str | None = None
        while True:
            body = {**base, "filter": {"county": county}, "limit": 500}
            if cursor:
                body["cursor"] = cursor
            if bulk_id:
                body["bulk_id"] = bulk_id
            reply = self._ok(self.staff_call("bulkEnqueue", body))
            bulk_id = reply.body.get("bulk_id") or bulk_id
            cursor = reply.body.get("next_cursor")
            if not cursor or once:
                return bulk_id

    def _ok(self, reply: Reply) -> Reply:
        if reply.status != 200:
            raise RuntimeError(f"setup step answered {reply.status}: {reply.body}")
        return reply

    # --- actors ---

    def caller_life(self, me: Person, rng: random.Random) -> Iterator[datetime]:
        habits = people.Habits()
        while True:
            now = self.now
            if not people.on_duty(me.index, self.options.callers, now):
                yield self._next_duty(me.index, now)
                continue
            reply = self._request(me, rng)
            if reply.status == 200 and isinstance(reply.body, dict) and "lease" in reply.body:
                yield from self._call(me, rng, habits, reply.body)
            elif reply.status == 404:
                yield now + timedelta(seconds=habits.nothing_to_call)
            elif reply.status == 429:
                self.record.count(
                    f"refused_{reply.body.get('error') if isinstance(reply.body, dict) else '?'}"
                )
                wait = float(reply.headers.get("Retry-After") or 0)
                yield now + timedelta(seconds=max(wait, habits.refused_pause))
            else:
                self.record.count(f"requestCall_{reply.status}")
                yield now + timedelta(seconds=habits.refused_pause)

    def _next_duty(self, index: int, now: datetime) -> datetime:
        probe = now.replace(minute=0, second=0, microsecond=0)
        for _ in range(24 * 8):
            probe += timedelta(hours=1)
            if people.on_duty(index, self.options.callers, probe):
                return probe
        return self.end + timedelta(days=1)

    def _request(self, me: Person, rng: random.Random) -> Reply:
        def one() -> Reply:
            return self.functions.call("requestCall", me.uid, me.token, params={"state": "all"})

        if rng.random() >= people.DOUBLE_TAP_REQUEST:
            return one()
        self.record.count("double_tap_request")
        with ThreadPoolExecutor(2) as pool:
            first, second = pool.submit(one), pool.submit(one)
            a, b = first.result(), second.result()
        return a if a.status == 200 else b

    def _call(
        self, me: Person, rng: random.Random, habits: people.Habits, body: dict[str, Any]
    ) -> Iterator[datetime]:
        lease = body["lease"]
        location = str(body["id"])
        held = (lease["entry_id"], location)
        with self._held_lock:
            self._held[me.uid] = (
                lease["entry_id"],
                lease["claim_seq"],
                _parse(lease["claimed_until"]),
            )
        truth = self.truths.get(location)
        start = self.now
        reachable = truth is None or places.is_open(truth.hours.spans, truth.zone, start)
        action = people.outcome(rng) if reachable else "closed"
        if self.abandon_first:
            self.abandon_first, action = False, "abandon"
        self.record.count(action)
        if action == "abandon":
            with self._held_lock:
                self._held.pop(me.uid, None)
            yield start + timedelta(seconds=habits.after_abandon)
            return
        short = action in ("closed", "no_answer", "release")
        talk = rng.uniform(40, 90) if short else people.talk_seconds(rng, habits)
        if action == "extend":
            yield start + timedelta(minutes=15)
            self.functions.call("extendCall", me.uid, me.token, json_body=lease, held=held)
            yield self.now + timedelta(minutes=rng.uniform(3, 8))
        else:
            yield start + timedelta(seconds=talk)
        now = self.now
        if action == "release":
            self.functions.call("releaseCall", me.uid, me.token, json_body=lease, held=held)
        elif action == "closed":
            assert truth is not None
            opening = places.next_open(truth.hours.spans, truth.zone, now)
            if opening is None:
                self._report(me, rng, location, ["No: location permanently closed"], held)
            else:
                self._report(me, rng, location, ["Skip: call back later"], held, until=opening)
        elif action == "no_answer":
            later = None
            if rng.random() < 0.5:
                later = now + timedelta(seconds=rng.uniform(*habits.no_answer_call_back))
            self._report(me, rng, location, ["Skip: call back later"], held, until=later)
        else:
            self._report(me, rng, location, list(rng.choice(people.REPORT_TAGS)), held)
        with self._held_lock:
            self._held.pop(me.uid, None)
        yield self.now + timedelta(seconds=rng.uniform(*habits.between_calls))

    def _report(
        self, me: Person, rng: random.Random, location: str, tags: list[str],
        held: tuple[str, str], until: datetime | None = None,
    ) -> None:  # fmt: skip
        body: dict[str, Any] = {"Location": location, "Availability": tags, "Notes": "simulated"}
        if until is not None:
            body["Do not call until"] = _iso(until)

        def send() -> None:
            reply = self.functions.call("submitReport", me.uid, me.token, json_body=body, held=held)
            if reply.status == 200:
                with self.record.lock:
                    self.record.accepted[me.uid].update(reply.body["created"])
                if self.options.provoke == "report_missing" and not self.record.provoked:
                    self.record.provoked.append(f"deleted report {reply.body['created'][0]}")
                    self.db.collection("reports").document(reply.body["created"][0]).delete()

        if rng.random() < people.DOUBLE_TAP_REPORT:
            self.record.count("double_tap_report")
            with ThreadPoolExecutor(2) as pool:
                for done in [pool.submit(send), pool.submit(send)]:
                    done.result()
        else:
            send()
        if rng.random() < people.STATS_AFTER_REPORT:
            self.functions.call("callerStats", me.uid, me.token, method="GET")

    def staff_life(self) -> Iterator[datetime]:
        plan = [a for a in people.staff_week(WEEK_START, 7) if self.start <= a.at < self.end]
        mistaken: str | None = None
        for action in plan:
            if action.at > self.now:
                yield action.at
            self.record.count(f"staff_{action.kind}")
            if action.kind == "county_add":
                base = {
                    "reason": action.reason,
                    "priority_group": action.group,
                    "queue": action.queue,
                }
                bulk_id = self.bulk_add(base, county=action.county)
                if bulk_id:
                    self.record.urgent_bulk_ids.add(bulk_id)
            elif action.kind == "mistaken_add":
                base = {"reason": action.reason, "priority_group": action.group, "queue": "default"}
                mistaken = self.bulk_add(base, county=action.county, once=True)
            elif action.kind == "undo" and mistaken:
                self.staff_call("undoBulkAdd", {"bulk_id": mistaken})
            elif action.kind in ("remove", "move"):
                listed = self.staff_call(
                    "listEntries", params={"status": "available", "limit": str(action.count)}
                )
                ids = (
                    [row["entry_id"] for row in listed.body.get("entries", [])]
                    if listed.status == 200
                    else []
                )
                if ids and action.kind == "remove":
                    self.staff_call(
                        "updateEntries",
                        {"action": "remove", "entry_ids": ids, "note": "duplicate listing"},
                    )
                elif ids:
                    self.staff_call(
                        "updateEntries",
                        {"action": "set_group", "entry_ids": ids, "priority_group": action.group},
                    )
                    self.staff_call(
                        "updateEntries", {"action": "bump", "entry_ids": ids, "to": "top"}
                    )
            elif action.kind == "resume":
                listed = self.staff_call(
                    "listEntries", params={"status": "needs_attention", "limit": "100"}
                )
                ids = (
                    [row["entry_id"] for row in listed.body.get("entries", [])]
                    if listed.status == 200
                    else []
                )
                if ids:
                    self.staff_call("updateEntries", {"action": "resume", "entry_ids": ids})

    # --- the loop ---

    def run(self) -> None:
        tick = timedelta(seconds=self.options.tick_seconds)
        seq = itertools.count()
        due: list[tuple[datetime, int, Iterator[datetime]]] = []
        lives: list[Iterator[datetime]] = [
            self.caller_life(p, random.Random(self.rng.random())) for p in self.callers
        ]
        lives.append(self.staff_life())
        if self.options.targets:
            from tools.simulate import targets

            lives.append(targets.refresher(self))
        for life in lives:
            heapq.heappush(due, (self.start, next(seq), life))
        from tools.simulate.checks import days_of

        marks = [finish for _, _, finish in days_of(self.start, self.end)]
        self.record.reads_at.append((self.start, self.counter.documents))
        provoked_once = False
        nothing = datetime.max.replace(tzinfo=UTC)
        with ThreadPoolExecutor(self.options.workers) as pool, ThreadPoolExecutor(1) as tasks:
            task_due = self.dispatcher.tick(self.now)
            while True:
                self.dispatcher.compact_if_due()
                next_actor = due[0][0] if due else nothing
                moment = min(next_actor, task_due or nothing)
                if moment >= self.end:
                    break
                moment = _ceil(max(moment, self.now), tick, self.start)
                self.clock.now = moment
                while marks and marks[0] <= moment:
                    self.record.reads_at.append((marks.pop(0), self.counter.documents))
                    self.progress()
                batch = []
                while due and due[0][0] <= moment:
                    batch.append(heapq.heappop(due)[2])
                first = len(self.functions.calls)
                mark = time.perf_counter()
                # The lease tasks due now are delivered while the people act, as Cloud Tasks
                # would: an expiry may meet a report or an extension of the same lease.
                delivery = tasks.submit(self.dispatcher.tick, moment)
                for life, wake in zip(batch, pool.map(_step, batch), strict=True):
                    if wake is not None:
                        heapq.heappush(due, (max(wake, moment + tick), next(seq), life))
                self.record.seconds["actors"] += time.perf_counter() - mark
                mark = time.perf_counter()
                delivery.result()
                # Read after both: it includes the tasks the people created meanwhile.
                task_due = self.dispatcher.due()
                self.record.seconds["dispatch"] += time.perf_counter() - mark
                if not batch:
                    continue
                mark = time.perf_counter()
                self.check_inversions(first)
                self.record.seconds["inversion_check"] += time.perf_counter() - mark
                if not provoked_once and self._provoke_midway():
                    provoked_once = True
        for boundary in marks:
            self.record.reads_at.append((boundary, self.counter.documents))

    def progress(self) -> None:
        """One line on stderr per simulated day: how far, how long it took."""
        import sys

        print(
            f"simulate: {self.now.astimezone(people.PACIFIC):%a %H:%M} Pacific,"
            f" {len(self.functions.calls)} requests, {self.since_start():.0f} s",
            file=sys.stderr,
            flush=True,
        )

    def settle(self) -> None:
        """After the week: the clock moves past every lease's longest end; tasks come due."""
        from shared.adapters.config import get_settings

        self.clock.now = self.end + timedelta(seconds=get_settings().max_lease_seconds + 60)
        for _ in range(TASK_MAX_ATTEMPTS + 2):
            pending = self.dispatcher.tick(self.now)
            if pending is None:
                return
            self.clock.now = max(self.now, pending) + timedelta(seconds=1)

    # --- priority inversions, as they happen ---

    def check_inversions(self, first: int) -> None:
        """For each new claim of this tick: was a more preferred entry open and available?"""
        from shared.domain import cells, routing
        from shared.domain.models import PRIORITY_GROUPS, Entry, Queue
        from shared.services.caller import calls

        # The draw's order as the rules say it, not as the code under test computes it.
        ranked = sorted(PRIORITY_GROUPS)

        new = [
            c for c in self.functions.calls[first:]
            if c.function == "requestCall" and c.status == 200 and c.claim_seq is not None
        ]  # fmt: skip
        if not new:
            return
        now = self.now
        if self._queues is None:
            self._queues = [
                q for s in self.db.collection("queues").stream() if (q := _load(Queue, s))
            ]
        saved = self._queues
        refs = [self.db.collection("entries").document(c.entry_id or "-") for c in new]
        claimed = {s.id: e for s in self.db.get_all(refs) if (e := _load(Entry, s))}
        cache: dict[tuple[str, int], list[Entry]] = {}
        groups_of = {p.uid: p.groups for p in self.callers}
        taken_now = {c.entry_id for c in new}
        seen: set[tuple[str, str | None]] = set()
        for c in new:
            if (c.caller, c.entry_id) in seen:
                continue  # the other half of a double tap
            seen.add((c.caller, c.entry_id))
            entry = claimed.get(c.entry_id or "")
            if entry is None or entry.claimed_at != now:
                continue  # answered a lease it already held
            order = [q.id for q in routing.eligible(saved, groups_of.get(c.caller, []))]
            if entry.queue not in order:
                continue
            mine = (order.index(entry.queue), ranked.index(entry.priority_group))
            for qi, queue in enumerate(order):
                for gi, group in enumerate(ranked):
                    if (qi, gi) >= mine:
                        break
                    if (queue, group) not in cache:
                        cache[(queue, group)] = calls.draw_cell(
                            self.db,
                            group,
                            None,
                            now,
                            cells.cell_label(0, 0),
                            INVERSION_SCAN,
                            queue,
                        )
                    better = [
                        e for e in cache[(queue, group)]
                        if e.id not in taken_now and e.available_at < now and e.added_at < now
                        and (t := self.truths.get(e.location_id)) is not None
                        and places.may_offer(t, self.default_spans, now)
                    ]  # fmt: skip
                    if better:
                        self.record.inversions.append(
                            f"{now.astimezone(people.PACIFIC):%a %H:%M} {c.caller} got {entry.id}"
                            f" (queue {entry.queue},"
                            f" group {entry.priority_group}) while {better[0].id} (queue {queue},"
                            f" group {group}, {len(better)} such) was open and available"
                        )
                        break
                else:
                    continue
                break

    @property
    def default_spans(self) -> list[places.Span]:
        from shared.adapters.config import get_settings

        week = _week_of(get_settings().default_contact_window)
        return week

    # --- provoked faults that act once, midway ---

    def _provoke_midway(self) -> bool:
        kind = self.options.provoke
        if kind not in ("lost", "double_hold", "two_per_caller"):
            return True
        with self._held_lock:
            held = dict(self._held)
        running = {uid: h for uid, h in held.items() if h[2] > self.now}
        if kind == "lost":
            snapshot = next(iter(self.db.collection("open_entries").limit(1).stream()), None)
            if snapshot is None:
                return False
            entry_id = (snapshot.to_dict() or {})["entry_id"]
            self.db.collection("entries").document(entry_id).delete()
            self.record.provoked.append(f"deleted open entry {entry_id}")
            return True
        if not running:
            return False
        if kind == "two_per_caller":
            uid, _ = next(iter(running.items()))
            person = next(p for p in self.callers if p.uid == uid)
            from shared.records import entries

            saved = entries.held_lease
            entries.held_lease = lambda *a, **k: None
            try:
                reply = self.functions.call(
                    "requestCall", uid, person.token, params={"state": "all"}
                )
            finally:
                entries.held_lease = saved
            self.record.provoked.append(f"{uid} asked again with its lease unseen: {reply.status}")
            return reply.status == 200
        idle = [p for p in self.callers if p.uid not in held]
        if not idle:
            return False
        from shared.adapters.auth import User
        from shared.adapters.config import get_settings
        from shared.domain import leases
        from shared.services.caller import calls

        victim_uid, (entry_id, _, _) = next(iter(running.items()))
        thief = idle[0]
        saved_check = leases.is_available
        leases.is_available = lambda entry, now: True
        try:
            taken = calls.take(
                self.functions_db(), entry_id, User(thief.uid, thief.email, frozenset({"caller"})),
                self.now, get_settings().lease_policy,
            )  # fmt: skip
        except Exception as exc:
            self.record.provoked.append(f"double hold failed: {exc!r}")
            return False
        finally:
            leases.is_available = saved_check
        from shared.services.caller import lease_tasks

        assert taken.entry.claimed_until is not None
        # What requestCall would have answered the thief, in the log as such.
        with self.functions._lock:
            self.functions.calls.append(
                Call("requestCall", 200, self.now.timestamp(), 0.0, thief.uid, entry_id,
                     taken.entry.location_id, taken.entry.claim_seq)
            )  # fmt: skip
        lease_tasks.schedule(
            self.functions_db(),
            get_settings(),
            taken.entry.id,
            taken.entry.claim_seq,
            taken.entry.claimed_until,
        )
        self.record.provoked.append(f"{thief.uid} claimed {entry_id}, which {victim_uid} holds")
        return True

    def functions_db(self) -> Any:
        from shared.adapters import store

        return store.client(self.project)


def _step(life: Iterator[datetime]) -> datetime | None:
    return next(life, None)


def _ceil(moment: datetime, tick: timedelta, origin: datetime) -> datetime:
    """`moment` rounded up to the tick grid from `origin` (so actions meet on the same tick)."""
    ticks = -(-(moment - origin) // tick)
    return origin + ticks * tick


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def _load(model: Any, snapshot: Any) -> Any:
    from shared.adapters import store

    return store.load(model, snapshot)


def _week_of(text: str) -> list[places.Span]:
    """The configured default window as spans (read by the service's own parser: the setting is
    the operator's, and its plain form is not what is under test)."""
    from shared.domain.contact_hours import parse_window

    return [(s.weekday, s.start, min(s.end, places.DAY)) for s in parse_window(text)]


def wall() -> Callable[[], float]:
    began = time.perf_counter()
    return lambda: time.perf_counter() - began
