"""What the soak's users do: callers with the real mix of actions, staff adding and removing.

Each caller is a thread: request a call (sometimes twice at once: a double tap), talk for a
moment, then complete, skip (call back later, or at a time already past), release, extend
and complete, or abandon the call and come back after its lease. Staff add and remove
places meanwhile. Every request is recorded by the client (tools/soak/client.py).
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tools.soak.client import Client, Reply

# The mix of what a caller does with a call, by weight.
ACTIONS: dict[str, int] = {
    "complete": 40,
    "skip_future": 12,
    "skip_past": 8,
    "release": 12,
    "extend": 10,
    "abandon": 10,
}
DOUBLE_TAP_REQUEST = 0.15
DOUBLE_TAP_REPORT = 0.05
STATS_AFTER_REPORT = 0.3
TALK_SECONDS = (1.0, 5.0)
# A caller that finds nothing to call tries again after this long.
IDLE_SECONDS = (1.0, 3.0)
CALL_BACK_SECONDS = (20.0, 60.0)
STAFF_ADD = 12
STAFF_REMOVE = 3
STAFF_PAUSE_SECONDS = (1.5, 3.5)
REASON = "New location"


@dataclass
class Reports:
    """What the callers were told about their reports."""

    accepted: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # Reports sent at least once without an answer: they may be stored.
    unknown: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    actions: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, uid: str, reply: Reply) -> None:
        with self.lock:
            if reply.status == 200:
                self.accepted[uid].update(reply.body["created"])
            if reply.broken:
                self.unknown[uid] += reply.broken

    def count(self, action: str) -> None:
        with self.lock:
            self.actions[action] += 1


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


class Caller:
    """One volunteer with the caller app, until `stop` is set."""

    def __init__(
        self, client: Client, rng: random.Random, reports: Reports, stop: threading.Event
    ) -> None:
        self.client = client
        self.rng = rng
        self.reports = reports
        self.stop = stop

    def run(self) -> None:
        while not self.stop.is_set():
            reply = self._request()
            if reply.status != 200 or "lease" not in reply.body:
                self.stop.wait(self.rng.uniform(*IDLE_SECONDS))
                continue
            self._act(reply.body["id"], reply.body["lease"])

    def _request(self) -> Reply:
        def one() -> Reply:
            return self.client.call("requestCall", params={"state": "all"})

        if self.rng.random() >= DOUBLE_TAP_REQUEST:
            return one()
        self.reports.count("double_tap_request")
        with ThreadPoolExecutor(2) as pool:
            first, second = pool.submit(one), pool.submit(one)
            return first.result() if first.result().status == 200 else second.result()

    def _act(self, location: str, lease: dict[str, Any]) -> None:
        action = self.rng.choices(list(ACTIONS), weights=list(ACTIONS.values()))[0]
        self.reports.count(action)
        held = (lease["entry_id"], location)
        self.stop.wait(self.rng.uniform(*TALK_SECONDS))
        now = datetime.now(UTC)
        if action == "complete":
            self._report(location, ["Appointments available"], held)
        elif action == "skip_future":
            later = now + timedelta(seconds=self.rng.uniform(*CALL_BACK_SECONDS))
            self._report(location, ["Skip: call back later"], held, until=later)
        elif action == "skip_past":
            # The app's "Closed until Monday" pressed on a Monday afternoon: a time today, passed.
            self._report(location, ["skip_call_back_later"], held, until=now - timedelta(hours=2))
        elif action == "release":
            self.client.call("releaseCall", json=lease, held=held)
        elif action == "extend":
            self.client.call("extendCall", json=lease, held=held)
            self.stop.wait(self.rng.uniform(*TALK_SECONDS))
            self._report(location, ["Walk-ins accepted"], held)
        else:
            # Gone without a word; back after the lease ran out (or when the run ends).
            left = (_parse(lease["claimed_until"]) - now).total_seconds()
            self.stop.wait(max(0.0, left) + 0.5)

    def _report(
        self,
        location: str,
        tags: list[str],
        held: tuple[str, str],
        until: datetime | None = None,
    ) -> None:
        body: dict[str, Any] = {"Location": location, "Availability": tags, "Notes": "soak"}
        if until is not None:
            body["Do not call until"] = _iso(until)

        def send() -> None:
            self.reports.note(
                self.client.uid, self.client.call("submitReport", json=body, held=held)
            )

        if self.rng.random() < DOUBLE_TAP_REPORT:
            self.reports.count("double_tap_report")
            with ThreadPoolExecutor(2) as pool:
                for done in [pool.submit(send), pool.submit(send)]:
                    done.result()
        else:
            send()
        if self.rng.random() < STATS_AFTER_REPORT:
            self.client.call("callerStats")


class Staff:
    """Staff adding places to the queue and removing others, until `stop` is set."""

    def __init__(
        self,
        client: Client,
        rng: random.Random,
        locations: list[str],
        reports: Reports,
        stop: threading.Event,
    ) -> None:
        self.client = client
        self.rng = rng
        self.locations = locations
        self.reports = reports
        self.stop = stop

    def run(self) -> None:
        while not self.stop.wait(self.rng.uniform(*STAFF_PAUSE_SECONDS)):
            if self.rng.random() < 0.6:
                self.reports.count("staff_add")
                chosen = self.rng.sample(self.locations, STAFF_ADD)
                self.client.call("bulkEnqueue", json={"reason": REASON, "location_ids": chosen})
            else:
                self.reports.count("staff_remove")
                chosen = self.rng.sample(self.locations, STAFF_REMOVE)
                self.client.call(
                    "updateEntries",
                    json={"action": "remove", "location_ids": chosen, "note": "soak"},
                )


def start_threads(workers: list[Callable[[], None]]) -> list[threading.Thread]:
    threads = [threading.Thread(target=work, daemon=True) for work in workers]
    for thread in threads:
        thread.start()
    return threads
