"""Which recorded Firestore queries firestore.indexes.json cannot serve, and the index to add.

No emulator enforces indexes; production refuses a query without its composite index. The
rules applied (Firestore's index selection, conservatively):

- Every query is split into its disjunctions (an OR needs an index per branch).
- `==`, `in`, `is null`, `is nan` are equalities; `array-contains(-any)` need a CONTAINS
  index; `<`, `<=`, `>`, `>=`, `!=`, `not-in`, `is not null/nan` are inequalities.
- The query's order: its explicit orderBy (fields with an equality filter and `__name__`
  dropped), then every inequality field not ordered explicitly, in lexicographic order, in
  the direction of the last explicit order (ascending if none).
- Automatic single-field indexes serve a query with only equalities (each field indexed),
  or with one ordered field and no equality. A field exempted in `fieldOverrides` cannot.
- Anything else needs a composite index of the same collection and scope whose fields are
  the equality fields (any order) followed by the ordered fields, directions matching.
- An aggregation (count, sum, avg) needs what its underlying query needs.

Usage: python -m tools.index_coverage QUERY_LOG_FOLDER [--indexes firestore.indexes.json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
INDEXES = ROOT / "firestore.indexes.json"

ASC, DESC, CONTAINS = "ASCENDING", "DESCENDING", "CONTAINS"
COLLECTION, GROUP = "COLLECTION", "COLLECTION_GROUP"
EQUALITY_OPS = {"EQUAL": "==", "IN": "in", "IS_NULL": "is null", "IS_NAN": "is nan"}
CONTAINS_OPS = {"ARRAY_CONTAINS": "array-contains", "ARRAY_CONTAINS_ANY": "array-contains-any"}
INEQUALITY_OPS = {
    "LESS_THAN": "<",
    "LESS_THAN_OR_EQUAL": "<=",
    "GREATER_THAN": ">",
    "GREATER_THAN_OR_EQUAL": ">=",
    "NOT_EQUAL": "!=",
    "NOT_IN": "not-in",
    "IS_NOT_NULL": "is not null",
    "IS_NOT_NAN": "is not nan",
}
NAME = "__name__"
# Origins whose queries are the tests' own (emptying collections, counting documents).
UNCHECKED_ORIGINS = ("tests/",)

Leaf = tuple[str, str]  # (field path, Firestore operator name)


@dataclass(frozen=True)
class Shape:
    """What decides which index serves one disjunction of a query."""

    collection: str
    scope: str
    equalities: tuple[tuple[str, str], ...]  # (field, ASCENDING or CONTAINS), sorted
    orders: tuple[tuple[str, str], ...]  # (field, direction), in the query's order
    filters: tuple[str, ...] = field(default=(), compare=False)  # for messages

    def describe(self) -> str:
        where = ", ".join(self.filters) or "no filter"
        order = ", ".join(f"{f} {d[:3].lower()}" for f, d in self.orders)
        scope = " (collection group)" if self.scope == GROUP else ""
        return f"{self.collection}{scope} where {where}" + (f" order by {order}" if order else "")

    def needed_index(self) -> dict[str, Any]:
        """The composite index that serves this shape, as firestore.indexes.json spells it."""
        fields: list[dict[str, str]] = []
        for name, mode in self.equalities:
            fields.append(
                {"fieldPath": name, "arrayConfig": CONTAINS}
                if mode == CONTAINS
                else {"fieldPath": name, "order": ASC}
            )
        fields += [{"fieldPath": name, "order": direction} for name, direction in self.orders]
        return {"collectionGroup": self.collection, "queryScope": self.scope, "fields": fields}


def _leaves(node: Mapping[str, Any]) -> list[list[Leaf]]:
    """The filter in disjunctive normal form: a list of branches, each a list of leaves."""
    if not node:
        return [[]]
    if "fieldFilter" in node:
        leaf = node["fieldFilter"]
        return [[(leaf["field"]["fieldPath"], leaf["op"])]]
    if "unaryFilter" in node:
        leaf = node["unaryFilter"]
        return [[(leaf["field"]["fieldPath"], leaf["op"])]]
    composite = node["compositeFilter"]
    children = [_leaves(child) for child in composite.get("filters", [])]
    if composite.get("op") == "OR":
        return [branch for child in children for branch in child]
    return [list(itertools.chain(*combo)) for combo in itertools.product(*children)]


def shapes(record: Mapping[str, Any]) -> list[Shape]:
    """The shapes of a recorded query (one per disjunction)."""
    query = record["query"]
    (source,) = query.get("from", [{}])
    scope = GROUP if source.get("allDescendants") else COLLECTION
    collection = source.get("collectionId", "")
    explicit = [
        (o["field"]["fieldPath"], o.get("direction", ASC)) for o in query.get("orderBy", [])
    ]
    found = []
    for branch in _leaves(query.get("where", {})):
        equal: dict[str, str] = {}
        unequal: set[str] = set()
        described = []
        for name, op in branch:
            symbol = {**EQUALITY_OPS, **CONTAINS_OPS, **INEQUALITY_OPS}.get(op, op)
            described.append(f"{name} {symbol}")
            if name == NAME:
                continue  # key filters ride on the __name__ every index ends with
            if op in CONTAINS_OPS:
                equal[name] = CONTAINS
            elif op in EQUALITY_OPS:
                equal.setdefault(name, ASC)
            else:
                unequal.add(name)
        orders = [(f, d) for f, d in explicit if f != NAME and f not in equal]
        last = explicit[-1][1] if explicit else ASC
        ordered = {f for f, _ in orders}
        orders += [(f, last) for f in sorted(unequal - ordered)]
        found.append(
            Shape(collection, scope, tuple(sorted(equal.items())), tuple(orders), tuple(described))
        )
    return found


@dataclass(frozen=True)
class Indexes:
    """firestore.indexes.json: composite indexes and single-field overrides."""

    composites: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]
    # (collection, field) -> enabled (scope, mode) pairs; absent: the automatic defaults.
    overrides: Mapping[tuple[str, str], frozenset[tuple[str, str]]]

    @classmethod
    def parse(cls, document: Mapping[str, Any]) -> Indexes:
        composites = []
        for index in document.get("indexes", []):
            fields = tuple(
                (f["fieldPath"], f.get("order") or f.get("arrayConfig") or "")
                for f in index["fields"]
                if f["fieldPath"] != NAME
            )
            composites.append(
                (index["collectionGroup"], index.get("queryScope", COLLECTION), fields)
            )
        overrides = {
            (o["collectionGroup"], o["fieldPath"]): frozenset(
                (i.get("queryScope", COLLECTION), i.get("order") or i.get("arrayConfig") or "")
                for i in o.get("indexes", [])
            )
            for o in document.get("fieldOverrides", [])
        }
        return cls(tuple(composites), overrides)

    @classmethod
    def load(cls, path: Path = INDEXES) -> Indexes:
        return cls.parse(json.loads(path.read_text()))

    def single_field(self, collection: str, name: str, scope: str, mode: str) -> bool:
        """Whether the automatic (or overridden) single-field index of this mode exists."""
        enabled = self.overrides.get((collection, name))
        if enabled is None:
            return scope == COLLECTION
        return (scope, mode) in enabled

    def composite(self, shape: Shape) -> bool:
        width = len(shape.equalities)
        for collection, scope, fields in self.composites:
            if (collection, scope) != (shape.collection, shape.scope):
                continue
            if len(fields) != width + len(shape.orders) or fields[width:] != shape.orders:
                continue
            head = dict(fields[:width])
            if len(head) != width or set(head) != {name for name, _ in shape.equalities}:
                continue
            if all(
                (head[name] == CONTAINS) == (mode == CONTAINS) for name, mode in shape.equalities
            ):
                return True
        return False

    def serves(self, shape: Shape) -> bool:
        c, scope = shape.collection, shape.scope
        if not shape.orders:
            single = all(
                any(
                    self.single_field(c, name, scope, m)
                    for m in ((mode,) if mode == CONTAINS else (ASC, DESC))
                )
                for name, mode in shape.equalities
            )
            if single:
                return True
        elif not shape.equalities and len(shape.orders) == 1:
            name, direction = shape.orders[0]
            if self.single_field(c, name, scope, direction):
                return True
        return self.composite(shape)


@dataclass
class Finding:
    """A query shape the file cannot serve, with every place that issued it."""

    shape: Shape
    origins: list[str]

    def message(self) -> str:
        needed = self.shape.needed_index()
        lines = [
            f"query: {self.shape.describe()}",
            f"  issued at: {', '.join(sorted(self.origins))}",
        ]
        if len(needed["fields"]) == 1:
            (only,) = needed["fields"]
            where = "collection-group scope" if self.shape.scope == GROUP else "collection scope"
            lines.append(
                f"  needs the single-field index on {only['fieldPath']!r} ({where}): remove its "
                "exemption from fieldOverrides in firestore.indexes.json, or list that index there"
            )
        else:
            lines.append('  add to "indexes" in firestore.indexes.json:')
            lines.append("  " + json.dumps(needed))
        return "\n".join(lines)


def check(records: Iterable[Mapping[str, Any]], indexes: Indexes) -> list[Finding]:
    """Findings for every recorded query (tests' own excluded) the indexes cannot serve."""
    findings: dict[Shape, Finding] = {}
    for record in records:
        if str(record.get("origin", "")).startswith(UNCHECKED_ORIGINS):
            continue
        for shape in shapes(record):
            if indexes.serves(shape):
                continue
            finding = findings.setdefault(shape, Finding(shape, []))
            if record["origin"] not in finding.origins:
                finding.origins.append(record["origin"])
    return list(findings.values())


def report(findings: list[Finding]) -> str:
    if not findings:
        return "every recorded query has its index"
    head = (
        f"{len(findings)} recorded quer{'y lacks' if len(findings) == 1 else 'ies lack'} an index:"
    )
    return "\n".join([head, *(f.message() for f in findings)])


def main(argv: list[str] | None = None) -> None:
    from tools import query_log

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("folder", type=Path, help="a CALLQUEUE_QUERY_LOG folder")
    parser.add_argument("--indexes", type=Path, default=INDEXES)
    args = parser.parse_args(argv)
    findings = check(query_log.read(args.folder), Indexes.load(args.indexes))
    print(report(findings))
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
