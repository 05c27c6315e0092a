"""Which entries a draw looks at and in what order it tries them (no I/O)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from shared.domain.cells import CELL_LEVELS
from shared.domain.models import PRIORITY_GROUPS

ALL_STATES = "all"


def normalise_state(raw: str | None) -> str | None:
    """Two-letter state code in upper case, or None for any state; ValueError otherwise."""
    if raw is None or raw.strip() == "" or raw.strip().lower() == ALL_STATES:
        return None
    code = raw.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise ValueError(f"state must be a two-letter code or 'all', not {raw!r}")
    return code


def groups_in_order(groups: Iterable[int] = PRIORITY_GROUPS) -> list[int]:
    """Priority groups from most urgent (1) to not prioritised (99)."""
    return sorted(set(groups))


Fetch = Callable[[int, int], Sequence[str]]
# Several cells of one level in one read: cell -> ids, as `Fetch` would answer each.
FetchMany = Callable[[int, list[int]], dict[int, list[str]]]
# Cells one read may prefetch at most (Firestore's array-contains-any takes 30 values).
MAX_PREFETCH = 10
# How many candidates' worth of cells a read prefetches: with the expected number of tries
# for one candidate (1.0), every prefetched cell misses about one time in three (about
# (1 - 1/t)**t), and the request reads again: a round trip more.
PREFETCH_TRIES = 1.0
# Below this many slots a cell holding a few entries is often full (its entries cannot be
# drawn at that level): measured 0.94x as often at 8. Settings refuse less (docs/concurrency.md).
MIN_CAPACITY = 16

# How requestCall chooses among available entries: "cells" (uniform, docs/concurrency.md);
# "naive" (longest available first) exists only as the contention benchmark's baseline.
DrawStrategy = Literal["cells", "naive"]


@dataclass(frozen=True)
class DrawPolicy:
    """How requestCall draws; Settings build it (`Settings.draw_policy`), these are the defaults."""

    # Slots of a cell in the cell draw, and the limit of each of its reads.
    candidate_window: int = 25
    strategy: DrawStrategy = "cells"
    # Claim transactions one request may lose before it answers 429 `busy`; each lost race
    # means another caller got an entry, so this only bites under extreme contention.
    max_claim_attempts: int = 60
    # Closed places one request defers before it answers 429 `busy` (try again): each costs
    # a write, once per closed period, so the next request goes on where this one stopped.
    max_deferrals: int = 25
    # Cells the draw may read for one candidate before the request answers 429 `busy`.
    max_queries_per_candidate: int = 60


class DrawBudgetSpent(Exception):
    """A draw read `max_queries` cells for one candidate without finding one or proving the
    group empty: the request should answer "try again", never fall through to another group."""


@dataclass
class CellDraw:
    """Uniform draws among the available entries of one group, reading one random cell a time.

    `fetch(level, cell)` answers the ids of up to `capacity` available entries in that cell.
    Each try picks a cell of the current level and a slot in [0, capacity): the entry in that
    slot is the draw, an empty slot means "try again". Every available entry in a cell that
    is not full is thus drawn with the same chance, 1 / (2**level * capacity), whichever
    level tries were made at. An entry in a full cell cannot be drawn at that level (its cell
    has more entries than slots), so the level is kept where full cells are rare: a cell more
    than half full makes later tries a level finer, a full one two levels finer at once, and
    a cell with fewer than `capacity / 8` untried entries a level coarser. At level 0 the cell
    is the whole group: it is chosen from directly. A draw reads about `capacity` documents
    in expectation, whatever the group's size and however many entries are held.
    """

    fetch: Fetch
    capacity: int
    rng: random.Random
    level: int = 0
    levels: int = CELL_LEVELS
    # Cells one candidate may read; a fresh budget for every candidate, so a group with
    # many untried entries passed over (closed places) is never given up on for lack of it.
    max_queries: int = 60
    # With it, a read also fetches the cells of the next tries, drawn now (tries are
    # independent, so drawing their cells early changes nothing): about one read a candidate.
    fetch_many: FetchMany | None = None
    queries: int = 0
    seen: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    # Cells drawn ahead for the next tries, at `ahead_level`; dropped when the level changes.
    ahead: list[int] = field(default_factory=list)
    ahead_level: int = -1

    def __post_init__(self) -> None:
        if self.capacity < MIN_CAPACITY:
            raise ValueError(f"a cell draw needs a capacity of at least {MIN_CAPACITY}")

    def next(self, exclude: Container[str] = ()) -> str | None:
        """An available entry not in `exclude`; None when the group has none left.

        Raises DrawBudgetSpent after `max_queries` reads for this candidate without either.
        """
        budget = self.queries + self.max_queries
        for _ in range(self.max_queries * 8):
            found = self._cell(self._next_cell(), budget, exclude)
            if len(found) >= self.capacity and self.level < self.levels - 1:
                self.level = min(self.level + 2, self.levels - 1)
                continue
            left = [i for i in found if i not in exclude]
            if self.level == 0:
                return self.rng.choice(left) if left else None
            slot = self.rng.randrange(self.capacity)
            chosen = found[slot] if slot < len(found) and found[slot] not in exclude else None
            if 2 * len(found) > self.capacity and self.level < self.levels - 1:
                self.level += 1
            elif chosen is None and 16 * len(left) < self.capacity:
                self.level -= 1
            if chosen is not None:
                return chosen
        raise DrawBudgetSpent()

    def _next_cell(self) -> int:
        if self.ahead and self.ahead_level == self.level:
            return self.ahead.pop(0)
        self.ahead = []
        return self.rng.randrange(2**self.level)

    def _ahead(self) -> list[int]:
        """Draw the cells of the next tries: about as many as one candidate needs."""
        if self.fetch_many is None or self.level == 0:
            return []
        known = [len(ids) for (level, _), ids in self.seen.items() if level == self.level]
        fill = sum(known) / len(known) if known else self.capacity / 4
        tries = PREFETCH_TRIES * self.capacity / max(1, round(fill))
        wanted = min(MAX_PREFETCH, max(1, math.ceil(tries)))
        self.ahead_level = self.level
        self.ahead = [self.rng.randrange(2**self.level) for _ in range(wanted - 1)]
        return self.ahead

    def _cell(self, cell: int, budget: int, exclude: Container[str]) -> list[str]:
        key = (self.level, cell)
        known = self.seen.get(key)
        # A full cell read earlier whose entries were tried since may hide untried ones past
        # the read's limit (or none at all): read it again rather than judge it by the old read.
        stale = (
            known is not None and len(known) >= self.capacity and any(i in exclude for i in known)
        )
        if known is None or stale:
            if self.queries >= budget:
                raise DrawBudgetSpent()
            self.queries += 1
            extra = [] if stale else self._ahead()
            unseen = sorted({c for c in extra if (self.level, c) not in self.seen} - {cell})
            if self.fetch_many is not None and unseen:
                for number, ids in self.fetch_many(self.level, [cell, *unseen]).items():
                    self.seen[(self.level, number)] = list(ids)
            else:
                self.seen[key] = list(self.fetch(self.level, cell))
        return self.seen[key]
