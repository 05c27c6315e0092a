"""Every function in process, through functions-framework's app factory, each request recorded."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from tools import stack as stacklib
from tools.simulate.clock import SimClock
from tools.soak.invariants import Call

SOURCE = stacklib.ROOT / "functions" / "main.py"


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


class Functions:
    """Every function through functions-framework's app factory, each request recorded."""

    def __init__(self, clock: SimClock) -> None:
        self._apps: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.clock = clock
        self.calls: list[Call] = []

    def app(self, function: str) -> Any:
        with self._lock:
            if function not in self._apps:
                import functions_framework

                self._apps[function] = functions_framework.create_app(  # type: ignore[no-untyped-call]
                    function, str(SOURCE)
                )
            return self._apps[function]

    def call(
        self,
        function: str,
        uid: str,
        token: str | None,
        *,
        json_body: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        method: str = "POST",
        held: tuple[str | None, str | None] = (None, None),
    ) -> Reply:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        started = self.clock.now.timestamp()
        wall = time.perf_counter()
        response = (
            self.app(function)
            .test_client()
            .open("/", method=method, json=json_body, query_string=params, headers=all_headers)
        )
        body = response.get_json(silent=True)
        body = body if body is not None else response.get_data(as_text=True)
        error = body.get("error") if isinstance(body, dict) else None
        about, seq = held, None
        if function == "requestCall" and response.status_code == 200 and "lease" in body:
            lease = body["lease"]
            about, seq = (lease.get("entry_id"), body.get("id")), lease.get("claim_seq")
        call = Call(
            function=function,
            status=response.status_code,
            started=started,
            ms=(time.perf_counter() - wall) * 1000,
            caller=uid,
            entry_id=about[0],
            location_id=about[1],
            claim_seq=seq,
            error=error,
        )
        with self._lock:
            self.calls.append(call)
        return Reply(response.status_code, body, dict(response.headers))
