"""Reports and attempts as CSV rows: the columns, each row from stored fields, safe cells.

Pure: the service reads a page of documents and the places and entries they name, and
hands plain dicts here. The columns are documented in docs/api.md (exportRecords).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

from shared.base.clock import iso

ExportKind = Literal["reports", "attempts"]

# Columns both kinds carry about the place and the queue entry, joined at export time.
PLACE_COLUMNS = ("location_id", "location_name", "county", "state", "queue")

COLUMNS: dict[ExportKind, tuple[str, ...]] = {
    "reports": (
        "report_id",
        "created_at",
        *PLACE_COLUMNS,
        "entry_id",
        "reported_by",
        "reporter_email",
        "outcome",
        "availability",
        "do_not_call_until",
        "notes",
        "internal_notes",
        "is_pending_review",
        "pending_review_because",
    ),
    "attempts": (
        "attempt_id",
        "claimed_at",
        *PLACE_COLUMNS,
        "entry_id",
        "claim_seq",
        "holder",
        "holder_email",
        "claimed_until",
        "ended_at",
        "outcome",
        "report_id",
        "extensions",
        "call_seconds",
    ),
}

# The stored time each kind is ordered and bounded by.
TIME_FIELD: dict[ExportKind, str] = {"reports": "created_at", "attempts": "claimed_at"}
# Stored fields that name the caller (a filter matches either).
CALLER_FIELDS: dict[ExportKind, tuple[str, str]] = {
    "reports": ("reported_by", "reporter_email"),
    "attempts": ("holder", "holder_email"),
}

# A spreadsheet runs a cell starting with one of these as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A value as a spreadsheet-safe cell: text that would start a formula gets a quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def place_fields(
    location_id: str, place: Mapping[str, Any] | None, entry: Mapping[str, Any] | None
) -> dict[str, Any]:
    place = place or {}
    return {
        "location_id": location_id,
        "location_name": place.get("name"),
        "county": place.get("county"),
        "state": place.get("state") or (entry or {}).get("state"),
        "queue": (entry or {}).get("queue"),
    }


def report_row(
    report_id: str,
    data: Mapping[str, Any],
    place: Mapping[str, Any] | None,
    entry: Mapping[str, Any] | None,
) -> dict[str, Any]:
    body = data.get("body") or {}
    names = data.get("availability_names") or data.get("availability") or []
    return {
        "report_id": report_id,
        "created_at": data.get("created_at"),
        **place_fields(str(data.get("location_id") or ""), place, entry),
        "entry_id": data.get("entry_id"),
        "reported_by": data.get("reported_by"),
        "reporter_email": data.get("reporter_email"),
        "outcome": data.get("outcome"),
        "availability": "; ".join(str(n) for n in names),
        "do_not_call_until": data.get("do_not_call_until"),
        "notes": body.get("Notes"),
        "internal_notes": body.get("Internal Notes"),
        "is_pending_review": body.get("is_pending_review"),
        "pending_review_because": body.get("pending_review_because"),
    }


def attempt_row(
    attempt_id: str,
    data: Mapping[str, Any],
    place: Mapping[str, Any] | None,
    entry: Mapping[str, Any] | None,
) -> dict[str, Any]:
    claimed, ended = data.get("claimed_at"), data.get("ended_at")
    seconds = (
        round((ended - claimed).total_seconds(), 1)
        if isinstance(claimed, datetime) and isinstance(ended, datetime)
        else None
    )
    return {
        "attempt_id": attempt_id,
        "claimed_at": claimed,
        **place_fields(str(data.get("location_id") or ""), place, entry),
        "entry_id": data.get("entry_id"),
        "claim_seq": data.get("claim_seq"),
        "holder": data.get("holder"),
        "holder_email": data.get("holder_email"),
        "claimed_until": data.get("claimed_until"),
        "ended_at": ended,
        "outcome": data.get("outcome"),
        "report_id": data.get("report_id"),
        "extensions": data.get("extensions"),
        "call_seconds": seconds,
    }


def matches(row: Mapping[str, Any], county: str | None, queue: str | None) -> bool:
    """The filters only known once a row is joined with its place and entry."""
    if county is not None and row.get("county") != county:
        return False
    return queue is None or row.get("queue") == queue


def to_csv(kind: ExportKind, rows: Iterable[Mapping[str, Any]], *, header: bool) -> str:
    """Rows as CSV (RFC 4180: CRLF, quotes doubled), the header line first if asked for."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = COLUMNS[kind]
    if header:
        writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])
    return out.getvalue()


def page_token(moment: datetime, doc_id: str) -> str:
    """Where the next page starts: after this document (time, then id)."""
    return f"{moment.timestamp():.6f}~{doc_id}"


def parse_page_token(token: str) -> tuple[datetime, str]:
    """Inverse of page_token; ValueError when it is not one."""
    from datetime import UTC

    seconds, sep, doc_id = token.partition("~")
    if not sep or not doc_id:
        raise ValueError("not a page token of this export")
    try:
        return datetime.fromtimestamp(float(seconds), tz=UTC), doc_id
    except (ValueError, OverflowError, OSError) as exc:
        raise ValueError("not a page token of this export") from exc
