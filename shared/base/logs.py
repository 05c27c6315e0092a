"""Structured JSON logging that Cloud Logging reads (severity, message, fields) on stdout."""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import UTC, datetime
from typing import Any

# Process-wide counters of notable events (for example failed task enqueues).
counters: Counter[str] = Counter()


def log(severity: str, message: str, **fields: Any) -> None:
    """Write one JSON line; `trace` is mapped to Cloud Logging's trace field when given."""
    record: dict[str, Any] = {
        "severity": severity,
        "message": message,
        "time": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }
    trace = fields.pop("trace", None)
    if trace:
        record["logging.googleapis.com/trace"] = trace
    record.update(fields)
    sys.stdout.write(json.dumps(record, default=str) + "\n")
    sys.stdout.flush()


def info(message: str, **fields: Any) -> None:
    log("INFO", message, **fields)


def warning(message: str, counter: str | None = None, **fields: Any) -> None:
    if counter:
        counters[counter] += 1
        fields["count"] = counters[counter]
    log("WARNING", message, **fields)


def error(message: str, **fields: Any) -> None:
    log("ERROR", message, **fields)
