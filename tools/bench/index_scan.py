"""How many index entries a production Firestore scan passes over to answer a query (no I/O).

The emulator enforces no index, so cost in production is computed: the query is matched to
its composite index, the documents are laid out in that index's order, and the scan is
walked as Firestore runs it: the equality prefix and the first range field bound a
contiguous slice; every entry in the slice is read until `limit` of them pass the other
filters. Entries read but filtered out are the cost that grows with what is not available.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Row = Mapping[str, Any]

# `in` is a union of equality scans, one per value: it takes an equality's place in an index.
EQUALITY = ("==", "array-contains", "in", "array-contains-any")
RANGE = ("<", "<=", ">", ">=")


@dataclass(frozen=True)
class Filter:
    field: str
    op: str
    value: Any

    def passes(self, row: Row) -> bool:
        if self.field not in row:
            return False
        actual = row[self.field]
        if self.op == "array-contains":
            return self.value in actual
        if self.op == "==":
            return bool(actual == self.value)
        if self.op == "in":
            return actual in self.value
        if self.op == "array-contains-any":
            return any(v in actual for v in self.value)
        if self.op == "<":
            return bool(actual < self.value)
        if self.op == "<=":
            return bool(actual <= self.value)
        if self.op == ">":
            return bool(actual > self.value)
        if self.op == ">=":
            return bool(actual >= self.value)
        raise ValueError(f"unsupported operator {self.op!r}")


@dataclass(frozen=True)
class Query:
    """One structured query on one collection, as plain values."""

    collection: str
    filters: tuple[Filter, ...]
    order_by: tuple[str, ...] = ()
    limit: int | None = None

    @property
    def fields(self) -> set[str]:
        return {f.field for f in self.filters} | set(self.order_by)

    @property
    def equalities(self) -> set[str]:
        return {f.field for f in self.filters if f.op in EQUALITY}


@dataclass(frozen=True)
class Index:
    """A composite index: its collection and fields in order (all ascending or array-contains)."""

    collection: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Scan:
    scanned: int
    returned: int


def indexes_from_config(config: Mapping[str, Any]) -> list[Index]:
    """The composite indexes of a firestore.indexes.json document."""
    return [
        Index(spec["collectionGroup"], tuple(f["fieldPath"] for f in spec["fields"]))
        for spec in config.get("indexes", [])
    ]


def pick_index(query: Query, indexes: Iterable[Index]) -> Index | None:
    """The index production would use: same fields, equality fields first."""
    for index in indexes:
        if index.collection != query.collection or set(index.fields) != query.fields:
            continue
        prefix = set(index.fields[: len(query.equalities)])
        if prefix == query.equalities:
            return index
    return None


def scan(rows: Iterable[tuple[str, Row]], query: Query, index: Index) -> Scan:
    """Index entries read and documents returned when `index` answers `query` over `rows`."""
    prefix = index.fields[: len(query.equalities)]
    rest = index.fields[len(prefix) :]
    leading = rest[0] if rest else None
    bounding = [f for f in query.filters if f.op in EQUALITY or f.field == leading]
    residual = [f for f in query.filters if f not in bounding]
    # A document lacking any field of the index has no entry in it.
    in_slice = [
        (doc_id, row)
        for doc_id, row in rows
        if all(name in row for name in index.fields) and all(f.passes(row) for f in bounding)
    ]
    in_slice.sort(key=lambda item: (*(item[1][name] for name in rest), item[0]))
    scanned = returned = 0
    for _, row in in_slice:
        if query.limit is not None and returned >= query.limit:
            break
        scanned += 1
        if all(f.passes(row) for f in residual):
            returned += 1
    return Scan(scanned, returned)


def scan_all(
    rows: Sequence[tuple[str, Row]], queries: Iterable[Query], indexes: Sequence[Index]
) -> Scan:
    """The sum over queries; ValueError if no index serves one of them."""
    scanned = returned = 0
    for query in queries:
        index = pick_index(query, indexes)
        if index is None:
            raise ValueError(f"no composite index serves {query}")
        result = scan(rows, query, index)
        scanned += result.scanned
        returned += result.returned
    return Scan(scanned, returned)
