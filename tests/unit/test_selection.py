"""Which entries a draw looks at, and the order it tries them."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from shared.domain import cells, selection


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
    ("rand", "labels"),
    [
        (0.0, ["0:0", "1:0", "2:0", "3:0"]),
        (0.3, ["0:0", "1:0", "2:1", "3:2"]),
        (0.5, ["0:0", "1:1", "2:2", "3:4"]),
        (0.999999, ["0:0", "1:1", "2:3", "3:7"]),
    ],
)
def test_cells_of(rand: float, labels: list[str]) -> None:
    assert cells.cells_of(rand, levels=4) == labels


def test_every_entry_has_one_cell_per_level() -> None:
    labels = cells.cells_of(0.123456)
    assert len(labels) == cells.CELL_LEVELS
    assert labels[-1] == f"22:{int(0.123456 * 2**22)}"


class Group:
    """A priority group as plain values: available entries' cells, and every fetch made."""

    def __init__(self, available: int, seed: int = 1) -> None:
        rng = random.Random(seed)
        self.by_cell: dict[str, list[str]] = {}
        for n in range(available):
            for label in cells.cells_of(rng.random()):
                self.by_cell.setdefault(label, []).append(f"e{n}")
        self.reads = 0
        self.fetches = 0

    def fetch(self, capacity: int) -> selection.Fetch:
        def run(level: int, cell: int, limit: int = capacity + 1) -> list[str]:
            got = self.by_cell.get(cells.cell_label(level, cell), [])[:limit]
            self.reads += max(1, len(got))
            self.fetches += 1
            return got

        return run

    def fetch_many(self, capacity: int) -> selection.FetchMany:
        """Several cells in one read, as requestCall's array-contains-any query answers them."""

        def run(level: int, numbers: list[int]) -> dict[int, list[str]]:
            self.fetches += 1
            answer = {}
            for n in numbers:
                answer[n] = self.by_cell.get(cells.cell_label(level, n), [])[: capacity + 1]
            # One query: billed its documents, or one read when it found none.
            self.reads += max(1, sum(len(ids) for ids in answer.values()))
            return answer

        return run


def draws(group: Group, n: int, capacity: int, seed: int = 3) -> tuple[Counter[str], int]:
    """`n` draws as requestCall makes them (each starts at the level the last settled at)."""
    rng = random.Random(seed)
    level = 0
    fill = selection.Fill()
    drawn: Counter[str] = Counter()
    for _ in range(n):
        draw = selection.CellDraw(
            group.fetch(capacity),
            capacity,
            rng,
            level=level,
            fetch_many=group.fetch_many(capacity),
            fill=fill,
        )
        entry = draw.next()
        assert entry is not None
        drawn[entry] += 1
        level = draw.level
    return drawn, level


@pytest.mark.parametrize(
    ("available", "capacity"),
    # 2,000: the level settles where cells are often full; drawn unevenly before (p ~ 1e-15).
    [(1, 3), (3, 3), (20, 3), (300, 3), (1_000, 3), (2_000, 3), (2_000, 25)],
)
def test_draws_are_uniform(available: int, capacity: int) -> None:
    from scipy.stats import chisquare

    n = 60 * available
    drawn, _ = draws(Group(available), n, capacity)
    assert len(drawn) == available
    if available > 1:
        assert chisquare([drawn[f"e{i}"] for i in range(available)]).pvalue > 0.001, drawn


@pytest.mark.parametrize("available", [30, 1_000, 30_000])
def test_prefetching_the_next_tries_makes_about_one_read_a_draw(available: int) -> None:
    group = Group(available)
    draws(group, 50, 3)
    group.reads = group.fetches = 0
    _, level = draws(group, 400, 3, seed=5)
    assert group.fetches / 400 < 1.6, (group.fetches, level)
    # The price: the cells of tries never made are read too (about twice the documents).
    assert group.reads / 400 < 8, (group.reads, level)


def test_small_group_is_one_read_at_level_0() -> None:
    group = Group(3)
    draw = selection.CellDraw(group.fetch(3), 3, random.Random(1), fetch_many=group.fetch_many(3))
    seen = {draw.next(exclude=set()) for _ in range(50)}
    assert seen == {f"e{i}" for i in range(3)}
    assert (draw.level, group.fetches) == (0, 1)


def test_exhausted_and_empty_groups_answer_none() -> None:
    group = Group(3)
    draw = selection.CellDraw(group.fetch(3), 3, random.Random(1), fetch_many=group.fetch_many(3))
    tried: set[str] = set()
    while (entry := draw.next(tried)) is not None:
        tried.add(entry)
    assert tried == {"e0", "e1", "e2"}
    empty = Group(0)
    assert (
        selection.CellDraw(
            empty.fetch(3), 3, random.Random(1), level=9, fetch_many=empty.fetch_many(3)
        ).next()
        is None
    )
    # From a deep level, empty cells send the draw up to level 0, which proves the group empty
    # (a few reads a level: a cell a tenth full is empty most of the time).
    assert empty.fetches <= 15


def test_a_full_cell_sends_the_draw_finer() -> None:
    group = Group(500)
    draw = selection.CellDraw(group.fetch(3), 3, random.Random(2), fetch_many=group.fetch_many(3))
    assert draw.next() is not None
    assert draw.level >= 4


@pytest.mark.parametrize("capacity", [0, 1, 2])
def test_windows_too_small_for_the_cells_are_refused(capacity: int) -> None:
    with pytest.raises(ValueError, match="at least 3"):
        selection.CellDraw(Group(10).fetch(capacity), capacity, random.Random(1))


def level_for(entries: int, capacity: int) -> int:
    """The level the draw aims at: cells a tenth full on average."""
    return math.ceil(math.log2(entries / (capacity * selection.FILL_HIGH)))


@pytest.mark.parametrize("capacity", [3, 4, 16, 25, 300])
def test_the_level_comes_back_down_when_a_group_shrinks(capacity: int) -> None:
    """Every allowed window: a level settled on a big group returns to a small group's level."""
    big = Group(30_000)
    fill = selection.Fill()
    _, deep = draws_at(big, 200, capacity, fill=fill)
    small = Group(40, seed=2)
    drawn, level = draws_at(small, 600, capacity, level=deep, fill=fill)
    assert len(drawn) == 40
    assert deep >= level_for(30_000, capacity) - 1, deep
    assert level <= max(0, level_for(40, capacity)) + 1, (deep, level)


def draws_at(
    group: Group, n: int, capacity: int, level: int = 0, fill: selection.Fill | None = None
) -> tuple[Counter[str], int]:
    rng = random.Random(4)
    fill = fill or selection.Fill()
    drawn: Counter[str] = Counter()
    for _ in range(n):
        draw = selection.CellDraw(
            group.fetch(capacity),
            capacity,
            rng,
            level=level,
            fill=fill,
            fetch_many=group.fetch_many(capacity),
        )
        entry = draw.next()
        assert entry is not None
        drawn[entry] += 1
        level = draw.level
    return drawn, level


class Queue:
    """Group 1 as plain values: entries leave it when deferred (closed) or claimed (open)."""

    def __init__(self, entries: int, closed_share: float, seed: int = 7) -> None:
        rng = random.Random(seed)
        ids = [f"e{n}" for n in range(entries)]
        self.closed = set(rng.sample(ids, int(entries * closed_share)))
        self.labels = {i: cells.cells_of(rng.random()) for i in ids}
        self.by_cell: dict[str, list[str]] = {}
        for i in ids:
            for label in self.labels[i]:
                self.by_cell.setdefault(label, []).append(i)

    def fetch(self, capacity: int) -> selection.Fetch:
        def run(level: int, cell: int, limit: int = capacity + 1) -> list[str]:
            return self.by_cell.get(cells.cell_label(level, cell), [])[:limit]

        return run

    def fetch_many(self, capacity: int) -> selection.FetchMany:
        def run(level: int, numbers: list[int]) -> dict[int, list[str]]:
            return {n: self.fetch(capacity)(level, n) for n in numbers}

        return run

    def take_out(self, entry: str) -> None:
        for label in self.labels.pop(entry):
            self.by_cell[label].remove(entry)

    def open_left(self) -> int:
        return len(set(self.labels) - self.closed)


def test_a_request_never_falls_through_while_the_urgent_group_has_open_places() -> None:
    """Issue 16, defect 1: 5,000 entries in group 1, 98% closed, 60 requests as requestCall
    makes them (closed candidates deferred, up to the policy's limit, then 429 `busy`)."""
    policy = selection.DrawPolicy()
    group = Queue(5_000, 0.98)
    rng = random.Random(11)
    level = 0
    fill = selection.Fill()
    outcomes: Counter[str] = Counter()
    for _ in range(60):
        draw = selection.CellDraw(
            group.fetch(policy.candidate_window),
            policy.candidate_window,
            rng,
            level=level,
            max_queries=policy.max_queries_per_candidate,
            fetch_many=group.fetch_many(policy.candidate_window),
            fill=fill,
        )
        tried: set[str] = set()
        deferrals = 0
        outcome = "busy"
        try:
            while (entry := draw.next(tried)) is not None:
                tried.add(entry)
                if entry not in group.closed:
                    group.take_out(entry)
                    outcome = "claimed"
                    break
                if deferrals >= policy.max_deferrals:
                    break
                deferrals += 1
                group.take_out(entry)
            else:
                outcome = "fell through" if group.open_left() else "group empty"
        except selection.DrawBudgetSpent:
            pass
        outcomes[outcome] += 1
        level = draw.level
    assert outcomes["fell through"] == 0, outcomes
    assert outcomes["claimed"] >= 20, outcomes


@pytest.mark.parametrize("entries", [3, 4, 30, 200])
def test_a_group_drawn_empty_answers_none_however_full_its_cells_were(entries: int) -> None:
    """Every candidate is taken (claimed by others, deferred): the draw proves the group empty
    instead of judging cells by reads made before their entries went."""
    group = Queue(entries, 0.0)
    draw = selection.CellDraw(group.fetch(3), 3, random.Random(3), fetch_many=group.fetch_many(3))
    tried: set[str] = set()
    while (entry := draw.next(tried)) is not None:
        tried.add(entry)
        group.take_out(entry)
    assert len(tried) == entries
