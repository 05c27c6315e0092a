"""Record the functions' real answers and check them against docs/openapi.json (tests only).

Every answer a test receives (in-process, tests/harness.py) or a local functions server
sends (tools/serve_functions.py) is written, once per distinct body, to
`<folder>/answers-<pid>.jsonl` when CALLQUEUE_ANSWER_LOG names a folder. The last test of
the integration suite checks them all: a key the published schema does not declare fails it.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV = "CALLQUEUE_ANSWER_LOG"
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Recorder:
    """Appends distinct (function, status, body) records to `<folder>/answers-<pid>.jsonl`."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"answers-{os.getpid()}.jsonl"
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, function: str, status: int, raw: bytes) -> None:
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode(errors="replace")
        line = json.dumps({"function": function, "status": status, "body": body}, sort_keys=True)
        with self._lock:
            if line in self._seen:
                return
            self._seen.add(line)
            with self.path.open("a") as handle:
                handle.write(line + "\n")


def from_env() -> Recorder | None:
    folder = os.environ.get(ENV)
    return Recorder(Path(folder)) if folder else None


def recording(app: WSGIApp, function: str, record: Recorder) -> WSGIApp:
    """`app`, with each answer it sends recorded."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        status: list[int] = []

        def start(code: str, headers: Any, *rest: Any) -> Any:
            status.append(int(code.split()[0]))
            return start_response(code, headers, *rest)

        chunks = list(app(environ, start))
        if environ.get("REQUEST_METHOD") != "OPTIONS":
            record(function, status[0], b"".join(chunks))
        return chunks

    return wrapped


def read(folder: Path) -> Iterator[dict[str, Any]]:
    """Every answer recorded in `folder` by any process."""
    for path in sorted(folder.glob("answers-*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                yield json.loads(line)


@dataclass(frozen=True)
class Finding:
    function: str
    status: int
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.function} {self.status} at {self.where or '(top)'}: {self.message}"


def answer_schema(document: dict[str, Any], function: str, status: int) -> dict[str, Any]:
    """The schema `document` publishes for `function`'s answers with `status`."""
    path = document["paths"].get(f"/{function}")
    if path is None:
        return {"not": {}, "description": f"{function} is not in the document"}
    (operation,) = path.values()
    response = operation["responses"].get(str(status))
    if response is None:
        # An error status the document leaves out (405, 500): still an error body.
        response = next(r for code, r in operation["responses"].items() if code >= "400")
    schema: dict[str, Any] = response["content"]["application/json"]["schema"]
    return schema


def check(records: Iterable[dict[str, Any]], document: dict[str, Any]) -> list[Finding]:
    """Each recorded answer that does not match the schema the document publishes for it."""
    import jsonschema_rs

    validators: dict[tuple[str, int], Any] = {}
    findings: list[Finding] = []
    for record in records:
        function, status = str(record["function"]), int(record["status"])
        if status == 204:
            continue
        key = (function, status if status < 400 else 400)
        if key not in validators:
            schema = answer_schema(document, function, status)
            validators[key] = jsonschema_rs.Draft202012Validator(
                {**schema, "components": document["components"]}
            )
        for error in validators[key].iter_errors(record["body"]):
            where = "/".join(str(p) for p in error.instance_path)
            findings.append(Finding(function, status, where, error.message))
    return findings


def report(findings: list[Finding]) -> str:
    """One line per distinct finding, and what to do about it."""
    lines = sorted({str(f) for f in findings})
    return (
        f"{len(lines)} answer(s) do not match docs/openapi.json:\n  "
        + "\n  ".join(lines)
        + "\nDeclare the key in the function's answer model (functions/main.py names it), "
        "then run: python -m tools.openapi"
    )
