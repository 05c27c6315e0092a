"""Every query the staff console can make has its composite index in firestore.indexes.json.

The suite-wide index check sees only the combinations the tests happen to run; the console
lets staff combine any filters, so every combination is enumerated here from the code's
own lists.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from shared.adapters import store
from shared.domain import exports
from shared.services.staff import entry_admin, locations
from tools.index_coverage import ASC, COLLECTION, Indexes, Shape


def subsets(names: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    for size in range(len(names) + 1):
        yield from itertools.combinations(names, size)


def shape(collection: str, equalities: set[str], orders: list[str]) -> Shape:
    return Shape(
        collection,
        COLLECTION,
        tuple(sorted((name, ASC) for name in equalities)),
        tuple((name, ASC) for name in orders),
    )


# Status -> (extra equality fields, the range field after the id order).
STATUS_SHAPES: dict[str, tuple[set[str], list[str]]] = {
    "all": (set(), []),
    "needs_attention": ({"needs_attention"}, []),
    "available": ({"needs_attention"}, ["available_at"]),
    "claimed": (set(), ["claimed_until"]),
    "scheduled": ({"needs_attention"}, ["vest_at"]),
}


def console_shapes() -> Iterator[Shape]:
    for fields in subsets((*locations.FILTER_FIELDS, "queued")):
        yield shape(store.LOCATIONS, set(fields), ["sort_key"])
    assert set(STATUS_SHAPES) == set(entry_admin.STATUSES)
    for fields in subsets(entry_admin.ENTRY_FILTERS):
        for extra, ranges in STATUS_SHAPES.values():
            yield shape(store.ENTRIES, {"open", *fields, *extra}, ["id", *ranges])
    yield shape(store.ATTEMPTS, set(), ["claimed_at"])
    yield shape(store.REPORTS, set(), ["created_at"])
    # exportRecords: a caller (uid or e-mail) and an outcome, each optional, over a period.
    for kind, collection in (("reports", store.REPORTS), ("attempts", store.ATTEMPTS)):
        for caller in (None, *exports.CALLER_FIELDS[kind]):
            for outcome in (False, True):
                fields = {f for f in (caller, "outcome" if outcome else None) if f}
                yield shape(collection, fields, [exports.TIME_FIELD[kind]])


@pytest.mark.parametrize("query", list(console_shapes()), ids=Shape.describe)
def test_console_query_has_its_index(query: Shape) -> None:
    assert Indexes.load().serves(query), query.needed_index()
