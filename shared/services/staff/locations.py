"""Finding locations for staff: the console's filters, its pages, counts and facets."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.adapters import store
from shared.base.answers import Answer, Moment
from shared.base.clock import iso
from shared.domain import callability
from shared.domain.callability import CallableState
from shared.domain.models import PRIORITY_GROUPS, Reason

if TYPE_CHECKING:
    from google.cloud.firestore import Client, DocumentSnapshot

MAX_PAGE_SIZE = 200
# A "not queued" page skips queued places; it stops after this many reads to stay bounded.
MAX_SCANNED_PER_PAGE = 2000
FACETS_TTL_SECONDS = 300
MAX_SEARCH_LENGTH = 100

# The equality filters of a location list (each combination has its composite index).
FILTER_FIELDS = ("state", "county", "location_type", "affiliation", "callable_state")

_facets: dict[str, tuple[float, dict[str, Any]]] = {}


class LocationFilter(BaseModel):
    """ "Select all N that match": every key optional, all given keys must match."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    state: str | None = None
    county: str | None = Field(None, max_length=200)
    location_type: str | None = Field(None, max_length=200)
    affiliation: str | None = Field(None, max_length=200)
    callable_state: CallableState | None = Field(
        None,
        description="callable, no_phone (no number to dial) or do_not_call (marked by staff).",
    )
    queued: bool | None = Field(None, description="true: only queued; false: only not queued.")
    not_queued: bool = Field(False, description="Older spelling of queued=false.")
    q: str | None = Field(
        None, max_length=MAX_SEARCH_LENGTH, description="Name prefix, case-insensitive."
    )

    @field_validator("state")
    @classmethod
    def _state(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        code = value.upper()
        if len(code) != 2 or not code.isalpha():
            raise ValueError("must be a two-letter state code")
        return code

    @field_validator("county", "location_type", "affiliation", "q")
    @classmethod
    def _blank(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("callable_state", mode="before")
    @classmethod
    def _no_state(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def wants_queued(self) -> bool | None:
        return False if self.not_queued else self.queued


class LocationQuery(LocationFilter):
    """listLocations' query parameters: a filter and one page of it."""

    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
    page_token: store.DocumentId | None = Field(
        None, description="next_page_token of the previous page."
    )


def base_query(
    db: Client, flt: LocationFilter, *, queued_only: bool = False, after: str | None = None
) -> Any:
    """The Firestore query for a filter in name order, from after the sort key `after`.

    `queued == false` cannot be a query (places never queued lack the field): those pages
    skip queued places as they read, see `pages`.
    """
    from google.cloud.firestore_v1.base_query import FieldFilter

    query: Any = db.collection(store.LOCATIONS)
    for name in FILTER_FIELDS:
        value = getattr(flt, name)
        if value is not None:
            query = query.where(filter=FieldFilter(name, "==", value))
    if queued_only or flt.wants_queued is True:
        query = query.where(filter=FieldFilter("queued", "==", True))
    if flt.q:
        key = flt.q.casefold()
        query = query.where(filter=FieldFilter("sort_key", ">=", key)).where(
            filter=FieldFilter("sort_key", "<", key + "\uf8ff")
        )
    if after is not None:
        query = query.where(filter=FieldFilter("sort_key", ">", after))
    return query.order_by("sort_key")


def count(db: Client, flt: LocationFilter) -> int:
    """How many locations match, counted on the server (aggregation queries)."""
    total = _count(base_query(db, flt))
    if flt.wants_queued is False:
        return total - _count(base_query(db, flt, queued_only=True))
    return total


def _count(query: Any) -> int:
    return int(query.count().get()[0][0].value)


def pages(
    db: Client, flt: LocationFilter, after: str | None, size: int
) -> tuple[list[DocumentSnapshot[Any]], str | None]:
    """Up to `size` matching locations after the location `after`, and the next cursor."""
    key = None
    if after:
        last = db.collection(store.LOCATIONS).document(after).get(field_paths=["sort_key"])
        key = str((last.to_dict() or {}).get("sort_key", "")) if last.exists else None
    query = base_query(db, flt, after=key)
    found: list[DocumentSnapshot[Any]] = []
    for scanned, snapshot in enumerate(_stream(query, size), start=1):
        if flt.wants_queued is False and (snapshot.to_dict() or {}).get("queued") is True:
            if scanned >= MAX_SCANNED_PER_PAGE:
                return found, snapshot.id
            continue
        if len(found) == size:
            return found, found[-1].id
        found.append(snapshot)
    return found, None


def _stream(query: Any, size: int) -> Iterator[DocumentSnapshot[Any]]:
    """Read a query in chunks (so a page that skips queued places can read further)."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    chunk = size + 1
    while True:
        got = list(query.limit(chunk).stream())
        yield from got
        if len(got) < chunk:
            return
        last = str((got[-1].to_dict() or {}).get("sort_key", ""))
        query = query.where(filter=FieldFilter("sort_key", ">", last))


def list_locations(db: Client, query: LocationQuery) -> dict[str, Any]:
    """One page of locations matching the filter, the filter's total, and the next cursor."""
    found, next_token = pages(db, query, query.page_token, query.limit)
    return {
        "locations": [_row(s) for s in found],
        "total": count(db, query),
        "next_page_token": next_token,
    }


def _row(snapshot: DocumentSnapshot[Any]) -> dict[str, Any]:
    data = snapshot.to_dict() or {}
    return {
        "id": snapshot.id,
        "name": data.get("name"),
        "state": data.get("state"),
        "county": data.get("county"),
        "location_type": data.get("location_type"),
        "affiliation": data.get("affiliation"),
        "address": data.get("address"),
        "queued": data.get("queued") is True,
        "phone": data.get("phone"),
        # From the fields themselves: documents imported before the stored state existed.
        "callable_state": callability.state_of_document(data),
        "do_not_call_reason": data.get("do_not_call_reason"),
        "do_not_call_by": data.get("do_not_call_email") or data.get("do_not_call_by"),
        "do_not_call_at": iso(at)
        if isinstance(at := data.get("do_not_call_at"), datetime)
        else None,
    }


def facets(db: Client, project_id: str) -> dict[str, Any]:
    """The values the console's filters offer (location values cached a few minutes)."""
    cached = _facets.get(project_id)
    if cached is None or time.monotonic() - cached[0] >= FACETS_TTL_SECONDS:
        fields = ("state", "county", "location_type", "affiliation")
        seen: dict[str, set[str]] = {name: set() for name in fields}
        for snapshot in db.collection(store.LOCATIONS).select(list(fields)).stream():
            data = snapshot.to_dict() or {}
            for name in fields:
                if isinstance(value := data.get(name), str) and value:
                    seen[name].add(value)
        values = {
            "states": sorted(seen["state"]),
            "counties": sorted(seen["county"]),
            "location_types": sorted(seen["location_type"]),
            "affiliations": sorted(seen["affiliation"]),
        }
        cached = _facets[project_id] = (time.monotonic(), values)
    reasons = [
        r for s in db.collection(store.REASONS).stream() if (r := store.load(Reason, s)) is not None
    ]
    return {
        **cached[1],
        "reasons": [{"id": r.id, "name": r.name} for r in sorted(reasons, key=lambda r: r.name)],
        "priority_groups": list(PRIORITY_GROUPS),
    }


class LocationRow(Answer):
    id: str
    name: str | None
    state: str | None
    county: str | None
    location_type: str | None
    affiliation: str | None
    address: str | None
    queued: bool
    phone: str | None
    callable_state: CallableState
    # The do-not-call mark: why, by whom (e-mail, else uid) and when.
    do_not_call_reason: str | None
    do_not_call_by: str | None
    do_not_call_at: Moment | None


class LocationPage(Answer):
    """listLocations' answer."""

    locations: list[LocationRow]
    total: int
    next_page_token: str | None


class ReasonChoice(Answer):
    id: str
    name: str


class Facets(Answer):
    """locationFacets' answer: the values the console's filters offer."""

    states: list[str]
    counties: list[str]
    location_types: list[str]
    affiliations: list[str]
    reasons: list[ReasonChoice]
    priority_groups: list[int]
