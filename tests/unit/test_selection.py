"""Which entries a draw looks at, and the order it tries them."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from shared import selection


@pytest.mark.parametrize(
    ("raw", "state"),
    [(None, None), ("", None), ("all", None), ("ALL", None), ("ca", "CA"), (" NY ", "NY")],
)
def test_normalise_state(raw: str | None, state: str | None) -> None:
    assert selection.normalise_state(raw) == state


@pytest.mark.parametrize("raw", ["California", "C", "C1", "12"])
def test_normalise_state_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match="two-letter"):
        selection.normalise_state(raw)


def test_groups_most_urgent_first() -> None:
    assert selection.groups_in_order([99, 2, 1, 4, 3]) == [1, 2, 3, 4, 99]


@pytest.mark.parametrize(
    ("after", "wrapped", "size", "expected"),
    [
        (["c", "d"], ["a", "b"], 3, ["c", "d", "a"]),
        (["c"], ["a", "c"], 5, ["c", "a"]),
        ([], ["a"], 2, ["a"]),
        (["a", "b", "c"], [], 2, ["a", "b"]),
    ],
)
def test_window_wraps_around(
    after: list[str], wrapped: list[str], size: int, expected: list[str]
) -> None:
    assert selection.window(after, wrapped, size) == expected


def test_try_order_is_a_uniform_permutation() -> None:
    rng = random.Random(7)
    firsts = Counter(selection.try_order(["a", "b", "c", "d"], rng)[0] for _ in range(4000))
    assert set(firsts) == {"a", "b", "c", "d"}
    assert all(900 < n < 1100 for n in firsts.values()), firsts
