"""exportRecords: reports or attempts of a period as CSV, one page per call (staff).

Each call reads at most `limit` documents in (time, id) order from after `page_token`,
joins them with their places and entries, and answers their CSV lines; the console
appends the pages to a file, so an export of any size is never held whole anywhere.
County and queue are known only after the join, so a page may hold fewer rows than it
read (even none) and still name a next page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.adapters import store
from shared.base.answers import Answer
from shared.domain import exports
from shared.domain.exports import ExportKind
from shared.domain.models import Outcome

if TYPE_CHECKING:
    from google.cloud.firestore import Client

MAX_PAGE_SIZE = 1000
READ_CHUNK = 300
# Periods outside these years are typing mistakes (and past 9999 Firestore cannot store them).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


class ExportQuery(BaseModel):
    """exportRecords' query parameters: what, which period, which filters, which page."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: ExportKind
    since: datetime = Field(description="Start of the period (inclusive), ISO 8601.")
    until: datetime = Field(description="End of the period (exclusive), ISO 8601.")
    county: str | None = Field(None, max_length=200, description="The place's county name.")
    queue: store.DocumentId | None = Field(None, description="The entry's queue.")
    caller: str | None = Field(
        None, max_length=320, description="The caller's uid or e-mail address."
    )
    outcome: Outcome | None = Field(
        None, description="reports: completed or skipped; attempts: how the attempt ended."
    )
    limit: int = Field(500, ge=1, le=MAX_PAGE_SIZE, description="Documents read per page.")
    page_token: str | None = Field(
        None, max_length=1600, description="next_page_token of the previous page."
    )

    @field_validator("since", "until")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a time zone offset (e.g. Z)")
        try:
            utc = value.astimezone(UTC)
        except OverflowError as exc:
            raise ValueError("is out of range") from exc
        if not EARLIEST <= utc <= LATEST:
            raise ValueError(f"must be between {EARLIEST.year} and {LATEST.year}")
        return utc

    @field_validator("county", "caller", "queue", "page_token", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("page_token")
    @classmethod
    def _token(cls, value: str | None) -> str | None:
        if value is not None:
            _, doc_id = exports.parse_page_token(value)
            if problem := store.id_problem(doc_id):
                raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _period(self) -> ExportQuery:
        if self.until <= self.since:
            raise ValueError("until must be after since")
        return self


class ExportPage(Answer):
    """One page of an export: CSV lines (the header on the first page only)."""

    kind: ExportKind
    columns: list[str]
    csv: str
    rows: int = Field(description="CSV rows in this page (the header not counted).")
    scanned: int = Field(description="Documents this page read.")
    next_page_token: str | None = Field(description="null: this was the last page.")


def export_page(db: Client, query: ExportQuery) -> ExportPage:
    """One page of the export `query` describes."""
    snapshots = _read(db, query)
    places, entries = _joined(db, [s.to_dict() or {} for s in snapshots])
    make = exports.report_row if query.kind == "reports" else exports.attempt_row
    rows = []
    for snapshot in snapshots:
        data = snapshot.to_dict() or {}
        row = make(
            snapshot.id,
            data,
            places.get(str(data.get("location_id"))),
            entries.get(str(data.get("entry_id"))),
        )
        if exports.matches(row, query.county, query.queue):
            rows.append(row)
    next_token = None
    if len(snapshots) == query.limit:
        last = snapshots[-1]
        moment = (last.to_dict() or {})[exports.TIME_FIELD[query.kind]]
        next_token = exports.page_token(moment, last.id)
    return ExportPage(
        kind=query.kind,
        columns=list(exports.COLUMNS[query.kind]),
        csv=exports.to_csv(query.kind, rows, header=query.page_token is None),
        rows=len(rows),
        scanned=len(snapshots),
        next_page_token=next_token,
    )


def _base(db: Client, query: ExportQuery) -> Any:
    from google.cloud.firestore_v1.base_query import FieldFilter

    collection = store.REPORTS if query.kind == "reports" else store.ATTEMPTS
    found: Any = db.collection(collection)
    if query.caller is not None:
        uid_field, email_field = exports.CALLER_FIELDS[query.kind]
        field = email_field if "@" in query.caller else uid_field
        found = found.where(filter=FieldFilter(field, "==", query.caller))
    if query.outcome is not None:
        found = found.where(filter=FieldFilter("outcome", "==", query.outcome))
    return found


def _read(db: Client, query: ExportQuery) -> list[Any]:
    """Up to `limit` documents of the period after the page token, in (time, id) order.

    Ranges on the time field, not query cursors or an order on ids (the emulator we run
    ignores the first and does not keep the second): an instant that a page boundary would
    split is read whole and ordered by id here.
    """
    from google.cloud.firestore_v1.base_query import FieldFilter

    time_field = exports.TIME_FIELD[query.kind]

    def moment(snapshot: Any) -> datetime:
        value: datetime = (snapshot.to_dict() or {})[time_field]
        return value

    def instant(at: datetime) -> list[Any]:
        same = _base(db, query).where(filter=FieldFilter(time_field, "==", at))
        return sorted(same.stream(), key=lambda s: s.id)

    found: list[Any] = []
    start, start_op = query.since, ">="
    if query.page_token is not None:
        at, after = exports.parse_page_token(query.page_token)
        found = [s for s in instant(at) if s.id > after][: query.limit]
        start, start_op = at, ">"
    rest = query.limit - len(found)
    if rest > 0:
        later = list(
            _base(db, query)
            .where(filter=FieldFilter(time_field, start_op, start))
            .where(filter=FieldFilter(time_field, "<", query.until))
            .order_by(time_field)
            .limit(rest)
            .stream()
        )
        if len(later) == rest:
            # The page is full: its last instant may hold more documents than it read.
            last = moment(later[-1])
            later = [s for s in later if moment(s) != last] + instant(last)
        later.sort(key=lambda s: (moment(s), s.id))
        found.extend(later[:rest])
    return found


def _joined(
    db: Client, rows: list[dict[str, Any]]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The places and entries a page's documents name (name, county, state; queue)."""
    places = _get(
        db, store.LOCATIONS, {str(r.get("location_id")) for r in rows}, ["name", "county", "state"]
    )
    entries = _get(
        db,
        store.ENTRIES,
        {str(r["entry_id"]) for r in rows if r.get("entry_id")},
        ["queue", "state"],
    )
    return places, entries


def _get(
    db: Client, collection: str, ids: set[str], fields: list[str]
) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    wanted = sorted(i for i in ids if i and not store.id_problem(i))
    for start in range(0, len(wanted), READ_CHUNK):
        refs = [db.collection(collection).document(i) for i in wanted[start : start + READ_CHUNK]]
        for snapshot in db.get_all(refs, field_paths=fields):
            if snapshot.exists:
                found[snapshot.id] = snapshot.to_dict() or {}
    return found
