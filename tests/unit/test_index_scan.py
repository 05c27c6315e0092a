"""The index-order replay that computes what a production scan reads (tools/bench/index_scan)."""

from __future__ import annotations

import pytest

from tools.bench.index_scan import Filter, Index, Query, Scan, indexes_from_config, pick_index, scan

OLD = Index("entries", ("group", "rand", "available_at"))
NEW = Index("entries", ("group", "cells", "available_at"))

# (rand, available_at, cells): available when available_at <= 10.
ROWS = [
    ("a", {"group": 1, "rand": 0.1, "available_at": 20, "cells": ["0:0", "1:0"]}),
    ("b", {"group": 1, "rand": 0.2, "available_at": 5, "cells": ["0:0", "1:0"]}),
    ("c", {"group": 1, "rand": 0.6, "available_at": 30, "cells": ["0:0", "1:1"]}),
    ("d", {"group": 1, "rand": 0.7, "available_at": 40, "cells": ["0:0", "1:1"]}),
    ("e", {"group": 1, "rand": 0.8, "available_at": 1, "cells": ["0:0", "1:1"]}),
    ("f", {"group": 2, "rand": 0.9, "available_at": 1, "cells": ["0:0", "1:1"]}),
    ("g", {"group": 1, "rand": 0.95, "available_at": 2}),  # no cells: not in NEW at all
]


def old_query(start: float, limit: int) -> Query:
    filters = (
        Filter("group", "==", 1),
        Filter("available_at", "<=", 10),
        Filter("rand", ">=", start),
    )
    return Query("entries", filters, ("rand",), limit)


def new_query(cell: str, limit: int) -> Query:
    filters = (
        Filter("group", "==", 1),
        Filter("cells", "array-contains", cell),
        Filter("available_at", "<=", 10),
    )
    return Query("entries", filters, (), limit)


@pytest.mark.parametrize(
    ("query", "index", "expected"),
    [
        # rand order from 0.5: c, d (held, read and dropped), e, g (available).
        (old_query(0.5, 2), OLD, Scan(scanned=4, returned=2)),
        (old_query(0.5, 1), OLD, Scan(scanned=3, returned=1)),
        # from 0: a (held), b, c, d (held), e, g: the limit is never reached.
        (old_query(0.0, 25), OLD, Scan(scanned=6, returned=3)),
        (old_query(0.99, 25), OLD, Scan(scanned=0, returned=0)),
        # available_at bounds the slice: only available entries of the cell are read.
        (new_query("1:1", 25), NEW, Scan(scanned=1, returned=1)),
        (new_query("1:0", 25), NEW, Scan(scanned=1, returned=1)),
        (new_query("0:0", 1), NEW, Scan(scanned=1, returned=1)),
        (new_query("0:0", 25), NEW, Scan(scanned=2, returned=2)),
        (new_query("2:3", 25), NEW, Scan(scanned=0, returned=0)),
    ],
)
def test_scan(query: Query, index: Index, expected: Scan) -> None:
    assert scan(ROWS, query, index) == expected


def test_pick_index_needs_the_same_fields_with_equalities_first() -> None:
    config = {
        "indexes": [
            {
                "collectionGroup": "entries",
                "fields": [{"fieldPath": "rand"}, {"fieldPath": "group"}],
            },
            {
                "collectionGroup": "entries",
                "fields": [
                    {"fieldPath": "group"},
                    {"fieldPath": "cells", "arrayConfig": "CONTAINS"},
                    {"fieldPath": "available_at"},
                ],
            },
        ]
    }
    indexes = indexes_from_config(config)
    assert pick_index(new_query("0:0", 5), indexes) == NEW
    assert pick_index(old_query(0.5, 5), indexes) is None
    assert pick_index(old_query(0.5, 5), [OLD]) == OLD


def test_unknown_operator_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        Filter("x", "not-in", [1]).passes({"x": 1})
