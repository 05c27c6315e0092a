"""The import's Firestore half: batched upserts, and the counties and providers already stored."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from google.api_core.retry import Retry
from pydantic import ValidationError

from shared.adapters.store import COUNTIES, LOCATIONS, MAX_BATCH_WRITES, PROVIDERS
from shared.domain.models import DO_NOT_CALL_FIELDS, County, Provider
from tools.importer.files import read_records
from tools.importer.parsers import Stored
from tools.importer.plan import ImportPlan, plan_import
from tools.importer.rows import RowError
from tools.importer.time_zones import DEFAULT_ZONE, location_zone

if TYPE_CHECKING:
    from google.cloud.firestore import Client

T = TypeVar("T")
M = TypeVar("M", County, Provider)
Progress = Callable[[int], None]

# Give up on an unreachable Firestore after a minute (the client's default is five).
RPC_RETRY = Retry(initial=0.5, maximum=8.0, multiplier=2.0, timeout=60.0)


@dataclass
class ImportSummary:
    """What an import did: documents written per collection and the rows that failed."""

    imported: int = 0
    counties: int = 0
    providers: int = 0
    errors: list[RowError] = field(default_factory=list)
    unlinked_counties: Counter[str] = field(default_factory=Counter)
    unlinked_affiliations: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.errors


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_documents(
    db: Client, collection: str, documents: Sequence[Stored], *, on_written: Progress | None = None
) -> int:
    """Upsert documents at `collection/{id}` in WriteBatch commits of at most 500 writes.

    `merge=True` touches only the model's fields, so fields the app adds later survive
    a re-import. (Not BulkWriter: the local emulator drops its writes silently.)
    """
    written = 0
    ref = db.collection(collection)
    marked = _marked_do_not_call(db) if collection == LOCATIONS else set()
    for chunk in _chunks(documents, MAX_BATCH_WRITES):
        batch = db.batch()
        for document in chunk:
            data = document.to_firestore()
            if collection == LOCATIONS:
                data = _keep_do_not_call(data, document.id in marked)
            batch.set(ref.document(document.id), data, merge=True)
        batch.commit(retry=RPC_RETRY)
        written += len(chunk)
        if on_written is not None:
            on_written(len(chunk))
    return written


def _marked_do_not_call(db: Client) -> set[str]:
    """Locations staff marked do-not-call (few): a re-import must not undo the mark."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = db.collection(LOCATIONS).where(filter=FieldFilter("do_not_call", "==", True))
    return {s.id for s in query.select([]).stream(retry=RPC_RETRY)}


def _keep_do_not_call(data: dict[str, Any], marked: bool) -> dict[str, Any]:
    """A location's imported fields without staff's mark, its callable state kept right."""
    kept = {k: v for k, v in data.items() if k not in DO_NOT_CALL_FIELDS}
    if marked:
        kept["callable_state"] = "do_not_call"
    return kept


def add_callable_state(db: Client) -> int:
    """Give locations stored before `callable_state` existed the field (the console filters on
    it); answers how many changed. Enqueue and the draw decide from phone and mark anyway."""
    from shared.domain import callability

    pending: list[tuple[Any, str]] = []
    fields = ["callable_state", *callability.FIELDS]
    for snapshot in db.collection(LOCATIONS).select(fields).stream(retry=RPC_RETRY):
        data = snapshot.to_dict() or {}
        state = callability.state_of_document(data)
        if data.get("callable_state") != state:
            pending.append((snapshot.reference, state))
    for chunk in _chunks(pending, MAX_BATCH_WRITES):
        batch = db.batch()
        for ref, value in chunk:
            batch.update(ref, {"callable_state": value})
        batch.commit(retry=RPC_RETRY)
    return len(pending)


def stored_counties(db: Client) -> list[County]:
    """Counties already in Firestore (a query: the emulator lacks ListDocuments)."""
    return _stored(db, COUNTIES, County)


def stored_providers(db: Client) -> list[Provider]:
    """Providers already in Firestore."""
    return _stored(db, PROVIDERS, Provider)


def _stored(db: Client, collection: str, model: type[M]) -> list[M]:
    found = []
    for snapshot in db.collection(collection).stream(retry=RPC_RETRY):
        try:
            found.append(model.model_validate((snapshot.to_dict() or {}) | {"id": snapshot.id}))
        except ValidationError:
            continue  # a malformed document cannot be linked to; the import goes on
    return found


def write_plan(
    db: Client, plan: ImportPlan, *, on_written: Progress | None = None
) -> ImportSummary:
    """Write a plan: counties, providers, then locations."""
    return ImportSummary(
        counties=write_documents(db, COUNTIES, plan.counties, on_written=on_written),
        providers=write_documents(db, PROVIDERS, plan.providers, on_written=on_written),
        imported=write_documents(db, LOCATIONS, plan.locations, on_written=on_written),
        errors=list(plan.errors),
        unlinked_counties=Counter(plan.unlinked_counties),
        unlinked_affiliations=Counter(plan.unlinked_affiliations),
    )


def plan_files(
    db: Client | None,
    locations: Path,
    *,
    counties: Path | None = None,
    providers: Path | None = None,
    default_state: str | None = None,
    fallback_zone: str = DEFAULT_ZONE,
) -> ImportPlan:
    """Read the files and plan the import; with `db`, also link to stored counties/providers."""
    return plan_import(
        read_records(locations),
        counties=read_records(counties) if counties else (),
        providers=read_records(providers) if providers else (),
        default_state=default_state,
        known_counties=stored_counties(db) if db is not None else (),
        known_providers=stored_providers(db) if db is not None else (),
        fallback_zone=fallback_zone,
    )


def import_files(
    db: Client,
    locations: Path,
    *,
    counties: Path | None = None,
    providers: Path | None = None,
    default_state: str | None = None,
    on_written: Progress | None = None,
) -> ImportSummary:
    """Read, parse, link and write in one call; invalid rows are reported, the rest written."""
    plan = plan_files(
        db, locations, counties=counties, providers=providers, default_state=default_state
    )
    return write_plan(db, plan, on_written=on_written)


@dataclass(frozen=True)
class ZoneUpdate:
    """What `set_time_zones` did: locations read and those whose zone it changed."""

    checked: int
    changed: int


def set_time_zones(
    db: Client, *, fallback_zone: str = DEFAULT_ZONE, on_written: Progress | None = None
) -> ZoneUpdate:
    """Give every stored location the zone of its coordinates; writes only those that differ,
    so a second run writes nothing."""
    fields = ["latitude", "longitude", "state", "timezone"]
    stream = db.collection(LOCATIONS).select(fields).stream(retry=RPC_RETRY)
    changes: list[tuple[str, str]] = []
    checked = 0
    for snapshot in stream:
        checked += 1
        data = snapshot.to_dict() or {}
        zone = location_zone(
            _coordinate(data.get("latitude")),
            _coordinate(data.get("longitude")),
            data.get("state") if isinstance(data.get("state"), str) else None,
            fallback_zone,
        )
        if data.get("timezone") != zone:
            changes.append((snapshot.id, zone))
    ref = db.collection(LOCATIONS)
    for chunk in _chunks(changes, MAX_BATCH_WRITES):
        batch = db.batch()
        for ident, zone in chunk:
            batch.update(ref.document(ident), {"timezone": zone})
        batch.commit(retry=RPC_RETRY)
        if on_written is not None:
            on_written(len(chunk))
    return ZoneUpdate(checked=checked, changed=len(changes))


def _coordinate(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
