"""Firestore's rules for which index serves a query, as tools/index_coverage.py applies them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tools.index_coverage import INDEXES, Indexes, check, report, shapes

OPS = {
    "==": "EQUAL",
    "in": "IN",
    "<": "LESS_THAN",
    "<=": "LESS_THAN_OR_EQUAL",
    ">": "GREATER_THAN",
    ">=": "GREATER_THAN_OR_EQUAL",
    "!=": "NOT_EQUAL",
    "not-in": "NOT_IN",
    "contains": "ARRAY_CONTAINS",
}


def leaf(text: str) -> dict[str, Any]:
    name, op = text.split(" ", 1)
    if op in ("is null", "is not null"):
        return {"unaryFilter": {"field": {"fieldPath": name}, "op": op.upper().replace(" ", "_")}}
    return {"fieldFilter": {"field": {"fieldPath": name}, "op": OPS[op]}}


def record(
    where: str = "",
    order: str = "",
    collection: str = "c",
    *,
    group: bool = False,
    any_of: str = "",
    origin: str = "shared/x.py:1",
) -> dict[str, Any]:
    """A recorded query from short text: where="a ==, b <", order="b desc", any_of="x ==|y ==".

    `any_of` branches are ORed, and the OR is ANDed with `where`.
    """
    filters: list[dict[str, Any]] = [leaf(t.strip()) for t in where.split(",") if t.strip()]
    if any_of:
        branches = [leaf(t.strip()) for t in any_of.split("|")]
        filters.append({"compositeFilter": {"op": "OR", "filters": branches}})
    query: dict[str, Any] = {"from": [{"collectionId": collection, "allDescendants": group}]}
    if filters:
        query["where"] = {"compositeFilter": {"op": "AND", "filters": filters}}
    if order:
        query["orderBy"] = [
            {
                "field": {"fieldPath": o.split()[0]},
                "direction": "DESCENDING" if o.strip().endswith("desc") else "ASCENDING",
            }
            for o in order.split(",")
        ]
    return {"method": "RunQuery", "parent": "p", "query": query, "origin": origin}


def index(*fields: str, collection: str = "c", scope: str = "COLLECTION") -> dict[str, Any]:
    spelled = []
    for f in fields:
        name, _, mode = f.partition(" ")
        spelled.append(
            {"fieldPath": name, "arrayConfig": "CONTAINS"}
            if mode == "contains"
            else {"fieldPath": name, "order": "DESCENDING" if mode == "desc" else "ASCENDING"}
        )
    return {"collectionGroup": collection, "queryScope": scope, "fields": spelled}


def exempt(name: str, collection: str = "c") -> dict[str, Any]:
    return {"collectionGroup": collection, "fieldPath": name, "indexes": []}


def needed(rec: dict[str, Any], indexes: dict[str, Any] | None = None) -> list[list[str]]:
    """For each unserved branch, the needed index as 'field mode' strings."""
    found = check([rec], Indexes.parse(indexes or {}))
    return [
        [
            f"{f['fieldPath']} {'contains' if 'arrayConfig' in f else f['order'][:3].lower()}"
            for f in finding.shape.needed_index()["fields"]
        ]
        for finding in found
    ]


@pytest.mark.parametrize(
    ("rec", "missing"),
    [
        # Single-field indexes (automatic) serve these.
        (record(), []),
        (record(order="a desc"), []),
        (record("a =="), []),
        (record("a ==, b ==, c in"), []),  # equalities merge single-field indexes
        (record("a <"), []),
        (record("a >, a <", order="a"), []),
        (record("a contains"), []),
        (record("__name__ >", order="__name__"), []),
        # Equality with order or range on another field: composite.
        (record("a ==", order="b"), [["a asc", "b asc"]]),
        (record("a ==, b >"), [["a asc", "b asc"]]),
        (record("b ==, a ==", order="c desc"), [["a asc", "b asc", "c des"]]),
        (record("a in", order="b"), [["a asc", "b asc"]]),
        (record("a contains", order="b"), [["a contains", "b asc"]]),
        (record("a !=, b =="), [["b asc", "a asc"]]),
        (record("a not-in, b =="), [["b asc", "a asc"]]),
        (record("a is null, b <"), [["a asc", "b asc"]]),
        (record("a is not null, b =="), [["b asc", "a asc"]]),
        # Ordering: equality fields drop out; __name__ is implicit.
        (record("a ==", order="a"), []),
        (record("a ==", order="b, __name__"), [["a asc", "b asc"]]),
        # Several inequalities: explicit order first, the rest lexicographically.
        (record("z >, y <"), [["y asc", "z asc"]]),
        (record("e ==, z >, y <", order="z"), [["e asc", "z asc", "y asc"]]),
        (record("z >", order="m desc"), [["m des", "z des"]]),
        (record(order="a, b"), [["a asc", "b asc"]]),
        # OR: one index per branch.
        (
            record("k ==", order="t", any_of="x ==|y =="),
            [["k asc", "x asc", "t asc"], ["k asc", "y asc", "t asc"]],
        ),
        (record(any_of="x ==|y <"), []),
        # Collection groups get no automatic single-field index.
        (record("a ==", group=True), [["a asc"]]),
    ],
)
def test_which_queries_need_which_index(rec: dict[str, Any], missing: list[list[str]]) -> None:
    assert needed(rec) == missing


@pytest.mark.parametrize(
    ("rec", "indexes", "served"),
    [
        (record("a ==", order="b"), [index("a", "b")], True),
        (record("a ==, c ==", order="b"), [index("c", "a desc", "b")], True),
        (record("a ==", order="b"), [index("a", "b desc")], False),
        (record("a ==", order="b"), [index("a", "b", "x")], False),
        (record("a ==", order="b"), [index("a", "b", collection="other")], False),
        (record("a ==", order="b"), [index("a", "b", scope="COLLECTION_GROUP")], False),
        (record("a ==", order="b", group=True), [index("a", "b", scope="COLLECTION_GROUP")], True),
        (record("a contains", order="b"), [index("a", "b")], False),
        (record("a contains", order="b"), [index("a contains", "b")], True),
        (record("a ==", order="b, __name__"), [index("a", "b", "__name__")], True),
    ],
)
def test_composite_index_must_match_fields_directions_and_scope(
    rec: dict[str, Any], indexes: list[dict[str, Any]], served: bool
) -> None:
    assert (needed(rec, {"indexes": indexes}) == []) is served


@pytest.mark.parametrize(
    ("rec", "overrides", "served"),
    [
        (record("a =="), [exempt("a")], False),
        (record("a ==, b =="), [exempt("b")], False),
        (record("a <"), [exempt("a")], False),
        (record(order="a desc"), [exempt("a")], False),
        (record("a =="), [exempt("a", collection="other")], True),
        (record("b =="), [exempt("a")], True),
        (
            record("a contains"),
            [{**exempt("a"), "indexes": [{"order": "ASCENDING", "queryScope": "COLLECTION"}]}],
            False,
        ),
        (
            record("a ==", group=True),
            [
                {
                    **exempt("a"),
                    "indexes": [{"order": "ASCENDING", "queryScope": "COLLECTION_GROUP"}],
                }
            ],
            True,
        ),
    ],
)
def test_field_overrides_take_single_field_indexes_away(
    rec: dict[str, Any], overrides: list[dict[str, Any]], served: bool
) -> None:
    assert (needed(rec, {"fieldOverrides": overrides}) == []) is served


def test_an_exempted_field_is_still_served_by_a_composite_index() -> None:
    rec = record("a ==, b ==")
    assert needed(rec, {"fieldOverrides": [exempt("a")], "indexes": [index("b", "a")]}) == []


def test_aggregation_needs_what_its_query_needs() -> None:
    query = record("a ==", order="b")
    count = {
        **query,
        "method": "RunAggregationQuery",
        "aggregations": [{"count": {}}],
    }
    assert needed(count) == needed(query) == [["a asc", "b asc"]]


def test_queries_issued_by_the_tests_themselves_are_not_checked() -> None:
    assert check([record("a ==", order="b", origin="tests/harness.py:9")], Indexes.parse({})) == []


DRAW = "open ==, needs_attention ==, priority_group ==, cells contains, available_at <="


@pytest.mark.parametrize("where", [DRAW, DRAW + ", state =="])
def test_the_index_file_serves_the_draw(where: str) -> None:
    assert check([record(where, collection="entries")], Indexes.load()) == []


def test_without_its_index_the_draw_is_reported_with_the_index_to_add() -> None:
    document = json.loads(INDEXES.read_text())
    document["indexes"] = [
        i
        for i in document["indexes"]
        if "cells" not in [f["fieldPath"] for f in i["fields"]]
        or "state" in [f["fieldPath"] for f in i["fields"]]
    ]
    rec = record(DRAW, collection="entries", origin="shared/calls.py:120")
    findings = check([rec], Indexes.parse(document))
    text = report(findings)
    assert text.splitlines()[:2] == [
        "1 recorded query lacks an index:",
        "query: entries where open ==, needs_attention ==, priority_group ==,"
        " cells array-contains, available_at <= order by available_at asc",
    ]
    assert "issued at: shared/calls.py:120" in text
    added = json.loads(text.splitlines()[-1])
    assert [f["fieldPath"] for f in added["fields"]] == [
        "cells",
        "needs_attention",
        "open",
        "priority_group",
        "available_at",
    ]
    document["indexes"].append(added)
    assert check([rec], Indexes.parse(document)) == []


def test_an_exempted_field_is_named_when_a_single_field_query_needs_it() -> None:
    findings = check(
        [record("position >")], Indexes.parse({"fieldOverrides": [exempt("position")]})
    )
    assert "remove its exemption from fieldOverrides" in report(findings)


def test_the_index_file_is_well_formed() -> None:
    document = json.loads(INDEXES.read_text())
    for spelled in document["indexes"]:
        assert len(spelled["fields"]) >= 2, spelled  # one field: a single-field index
    pairs = [(o["collectionGroup"], o["fieldPath"]) for o in document["fieldOverrides"]]
    assert len(pairs) == len(set(pairs))


def test_shapes_split_or_into_branches() -> None:
    assert len(shapes(record("k ==", any_of="x ==|y ==|z =="))) == 3
