"""Record every structured query sent to Firestore, for the index coverage check (tests only).

A gRPC client interceptor on the emulator channel writes one JSON line per distinct query
shape (filters, orders and aggregations, values dropped) with the repository file and line
that issued it. Enabled in the test process by tests/conftest.py and in the local functions
server and seeding by CALLQUEUE_QUERY_LOG=<folder>; never on a deployed path.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENV = "CALLQUEUE_QUERY_LOG"
METHODS = {
    "/google.firestore.v1.Firestore/RunQuery": "RunQuery",
    "/google.firestore.v1.Firestore/RunAggregationQuery": "RunAggregationQuery",
}
# Parts of a query that never change which index serves it.
_DROPPED = {"value", "values", "startAt", "endAt", "limit", "offset", "select"}
_OWN_FILE = Path(__file__).resolve()


def shape(node: Any) -> Any:
    """The query without its values, cursors, limit or projection."""
    if isinstance(node, dict):
        return {k: shape(v) for k, v in node.items() if k not in _DROPPED}
    if isinstance(node, list):
        return [shape(v) for v in node]
    return node


@functools.lru_cache(maxsize=4096)
def _in_repository(filename: str) -> str | None:
    if filename.startswith("<"):
        return None
    # Relative when the module was found through a relative sys.path entry (`python -m`).
    path = Path(filename).resolve()
    if path == _OWN_FILE or not path.is_relative_to(ROOT):
        return None
    relative = path.relative_to(ROOT)
    return None if relative.parts[0] in (".venv", ".venv-tasks") else relative.as_posix()


def origin() -> str:
    """`path:line` of the innermost repository frame (not a library, not this module)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        relative = _in_repository(frame.f_code.co_filename)
        if relative is not None:
            return f"{relative}:{frame.f_lineno}"
        frame = frame.f_back
    return "?"


def _as_dict(request: Any) -> dict[str, Any]:
    from google.protobuf import json_format  # type: ignore[import-untyped]

    message = type(request).pb(request) if hasattr(type(request), "pb") else request
    return dict(json_format.MessageToDict(message))


def record_of(method: str, request: Any) -> dict[str, Any]:
    """One log record: collection parent, query shape, aggregations and where it came from."""
    body = _as_dict(request)
    if method == "RunAggregationQuery":
        aggregation = body.get("structuredAggregationQuery", {})
        query = aggregation.get("structuredQuery", {})
        aggregations = [
            {k: v for k, v in a.items() if k != "alias"}
            for a in aggregation.get("aggregations", [])
        ]
    else:
        query, aggregations = body.get("structuredQuery", {}), []
    return {
        "method": method,
        "parent": body.get("parent", ""),
        "query": shape(query),
        "aggregations": aggregations,
        "origin": origin(),
    }


class Recorder:
    """Appends distinct records to `<folder>/queries-<pid>.jsonl`."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"queries-{os.getpid()}.jsonl"
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, method: str, request: Any) -> None:
        line = json.dumps(record_of(method, request), sort_keys=True)
        with self._lock:
            if line in self._seen:
                return
            self._seen.add(line)
            with self.path.open("a") as handle:
                handle.write(line + "\n")


def interceptor(record: Callable[[str, Any], None]) -> Any:
    import grpc

    class Intercept(grpc.UnaryStreamClientInterceptor):  # type: ignore[misc]
        def intercept_unary_stream(
            self, continuation: Callable[..., Any], details: Any, request: Any
        ) -> Any:
            method = METHODS.get(details.method)
            if method is not None:
                record(method, request)
            return continuation(details, request)

    return Intercept()


_recorder: Recorder | None = None


def install(folder: Path) -> Recorder:
    """From now on, Firestore clients created for an emulator record their queries in `folder`."""
    global _recorder
    import grpc
    from google.cloud.firestore_v1 import base_client

    if _recorder is None:
        original = base_client.BaseClient._emulator_channel

        def record(method: str, request: Any) -> None:
            if _recorder is not None:
                _recorder(method, request)

        def channel(self: Any, transport: Any) -> Any:
            made = original(self, transport)  # type: ignore[no-untyped-call]
            if "AsyncIO" in transport.__name__:
                return made
            return grpc.intercept_channel(made, interceptor(record))

        base_client.BaseClient._emulator_channel = channel  # type: ignore[method-assign]
    _recorder = Recorder(folder)
    return _recorder


def install_from_env() -> Recorder | None:
    """Install when CALLQUEUE_QUERY_LOG names a folder (the test harness sets it)."""
    folder = os.environ.get(ENV)
    return install(Path(folder)) if folder else None


def read(folder: Path) -> Iterator[dict[str, Any]]:
    """Every record written in `folder` by any process."""
    for path in sorted(folder.glob("queries-*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                yield json.loads(line)
