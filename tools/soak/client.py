"""The soak's HTTP client: calls a function as a real app would, and records every answer.

A refused connection (the functions server is restarting) is retried after a pause; so is a
request that got no answer, since the app would send it again too, but that one is recorded
as "broken": it may have taken effect. A 429 is honoured by waiting its Retry-After.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests

from tools.soak.invariants import Call

RETRY_PAUSE_SECONDS = 0.5
# 429 without Retry-After (requestCall's "many callers at once"): wait this long.
DEFAULT_RETRY_AFTER = 1.0
MAX_TRIES = 240


@dataclass
class Reply:
    status: int
    body: Any
    # Tries sent that got no answer: a write among them may have happened (or not).
    broken: int = 0


@dataclass
class Log:
    """Every call of the run, from all threads."""

    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)

    def snapshot(self) -> list[Call]:
        with self.lock:
            return list(self.calls)


def _connection_kind(exc: requests.ConnectionError) -> str:
    """ "refused" when the request never left (nothing can have happened), else "broken"."""
    from urllib3.exceptions import NewConnectionError

    reason = exc.args[0] if exc.args else None
    inner = getattr(reason, "reason", reason)
    return "refused" if isinstance(inner, NewConnectionError) else "broken"


def retry_after(headers: Any) -> float:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER


class Client:
    """One user's calls (one HTTP session per thread), each recorded in `log`."""

    def __init__(self, base: str, uid: str, token: str, log: Log, stop: threading.Event) -> None:
        self.base = base
        self.uid = uid
        self.token = token
        self.log = log
        # Set when the run is over: waiting (429, restarts) ends early then.
        self.stop = stop
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def call(
        self,
        function: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        held: tuple[str | None, str | None] = (None, None),
    ) -> Reply:
        """POST to `function`, retrying refused and broken connections and 429s.

        `held` (entry id, location id) is what the request is about, for the log; a
        requestCall's answer names its own. Gives up with status 0 after MAX_TRIES.
        """
        broken = 0
        for _ in range(MAX_TRIES):
            started = time.time()
            clock = time.perf_counter()
            try:
                response = self._session().post(
                    f"{self.base}/{function}",
                    json=json,
                    params=params,
                    headers={"Authorization": f"Bearer {self.token}"},
                    timeout=60,
                )
            except requests.ConnectionError as exc:
                kind = _connection_kind(exc)
                self._record(function, 0, started, clock, held, kind, connection=kind)
                broken += kind == "broken"
                self._local.session = None
                time.sleep(RETRY_PAUSE_SECONDS)
                continue
            except requests.Timeout:
                self._record(function, 0, started, clock, held, "timeout", connection="broken")
                broken += 1
                continue
            except requests.exceptions.ChunkedEncodingError:
                # The answer was cut mid-body (the functions were killed): the request may
                # have done its work, as with any broken connection.
                self._record(function, 0, started, clock, held, "broken", connection="broken")
                broken += 1
                self._local.session = None
                time.sleep(RETRY_PAUSE_SECONDS)
                continue
            try:
                body = response.json()
            except ValueError:
                body = response.text
            error = body.get("error") if isinstance(body, dict) else None
            about, seq = held, None
            if function == "requestCall" and response.status_code == 200:
                lease = body.get("lease") or {}
                about, seq = (lease.get("entry_id"), body.get("id")), lease.get("claim_seq")
            self._record(function, response.status_code, started, clock, about, error, seq=seq)
            if response.status_code == 429:
                if self.stop.wait(retry_after(response.headers)):
                    return Reply(response.status_code, body, broken)
                continue
            return Reply(response.status_code, body, broken)
        return Reply(0, None, broken)

    def _record(
        self,
        function: str,
        status: int,
        started: float,
        clock: float,
        held: tuple[str | None, str | None],
        error: str | None,
        connection: str | None = None,
        seq: int | None = None,
    ) -> None:
        self.log.add(
            Call(
                function=function,
                status=status,
                started=started,
                ms=(time.perf_counter() - clock) * 1000,
                caller=self.uid,
                entry_id=held[0],
                location_id=held[1],
                claim_seq=seq,
                error=error,
                connection=connection,
            )
        )
