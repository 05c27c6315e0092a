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


# (level, cell, limit) -> the ids of up to `limit` available entries in that cell.
Fetch = Callable[[int, int, int], Sequence[str]]
# Several cells of one level in one read: cell -> ids, as `Fetch` would answer each.
FetchMany = Callable[[int, list[int]], dict[int, list[str]]]
# Cells one read may prefetch at most (Firestore's array-contains-any takes 30 values).
MAX_PREFETCH = 30
# The share of a cell's slots the draw keeps filled (the chance a try succeeds): low, so a
# cell holding more entries than slots (where a draw is uneven) is rare. With 3 slots a cell
# holds 0.15 to 0.3 entries on average; one overflows about 0.1-0.4% of the time.
FILL_LOW = 0.05
FILL_HIGH = 0.10
# Successful tries one read's cells hold in expectation: about one read a candidate in
# 1 / (1 - e**-1.5), and 1.5 candidates' worth of documents per read.
SUCCESSES_PER_READ = 1.5
# Entries seen before the fill is judged too high (half as many expected at the lowest fill
# before it is judged too low): the level moves on evidence, not on one cell's luck.
EVIDENCE = 6
# How far outside the band the fill of the current level may stray before the level moves.
STAY = 1.25
# Tries the fill is averaged over (older ones count half, then a quarter...): a group that
# grows or shrinks moves the level within a few draws.
MEMORY = 256
# A cell that overflows its slots is read again up to this many times its slots, and the try
# chooses among all its entries: each keeps `slots / entries` of its chance (3/4 with 4).
WHOLE_CELL = 4
# Fewer slots than this overflow too often at any fill a read can cover (docs/concurrency.md).
MIN_CAPACITY = 3

# How requestCall chooses among available entries: "cells" (uniform, docs/concurrency.md);
# "naive" (longest available first) exists only as the contention benchmark's baseline.
DrawStrategy = Literal["cells", "naive"]


@dataclass(frozen=True)
class DrawPolicy:
    """How requestCall draws; Settings build it (`Settings.draw_policy`), these are the defaults."""

    # Slots of a cell in the cell draw (a cell's read takes one entry more).
    candidate_window: int = 3
    strategy: DrawStrategy = "cells"
    # Claim transactions one request may lose before it answers 429 `busy`; each lost race
    # means another caller got an entry, so this only bites under extreme contention.
    max_claim_attempts: int = 60
    # Closed places one request defers before it answers 429 `busy` (try again): each costs
    # a write, once per closed period, so the next request goes on where this one stopped.
    max_deferrals: int = 25
    # Cells the draw may read for one candidate before the request answers 429 `busy`.
    max_queries_per_candidate: int = 60


@dataclass
class Fill:
    """What the tries found: entries seen in their cells, against the share of the key space
    they covered (`2**-level` each). Their ratio estimates the untried entries of the group."""

    tries: float = 0.0
    seen: float = 0.0
    covered: float = 0.0

    def count(self, level: int, untried: int) -> None:
        if self.tries >= MEMORY:
            self.tries, self.seen, self.covered = self.tries / 2, self.seen / 2, self.covered / 2
        self.tries += 1
        self.seen += untried
        self.covered += 2.0**-level

    def entries(self) -> float:
        """The group's untried entries as the tries suggest (one more while few were seen)."""
        return (self.seen + (0 if self.seen >= EVIDENCE else 1)) / self.covered


class DrawBudgetSpent(Exception):
    """A draw read `max_queries` cells for one candidate without finding one or proving the
    group empty: the request should answer "try again", never fall through to another group."""


@dataclass
class CellDraw:
    """Uniform draws among the available entries of one group, reading random cells.

    `fetch(level, cell, limit)` answers the ids of up to `limit` available entries in that
    cell; a try reads one more than the slots, to tell a cell that overflows them.
    Each try picks a cell of the current level and a slot in [0, capacity): the entry in that
    slot is the draw, an empty slot means "try again". Every available entry in a cell that
    does not overflow its slots is thus drawn with the same chance, 1 / (2**level * capacity),
    whichever level tries were made at. Entries of a cell that overflows get less (`WHOLE_CELL`),
    so the level is kept where cells hold few entries: `FILL_LOW` to `FILL_HIGH` of their
    slots on average, judged over the tries made (`Fill`, kept across draws by the caller).
    At level 0 the cell is the whole group: it is chosen from directly when it fits. A draw
    reads about `capacity * SUCCESSES_PER_READ` documents in about one read, whatever the
    group's size and however many entries are held.
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
    fill: Fill = field(default_factory=Fill)
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
        for _ in range(self.max_queries * MAX_PREFETCH * 4):
            level, cell = self.level, self._next_cell()
            found = self._cell(level, cell, budget, exclude)
            if level == 0 and len(found) <= self.capacity:
                left = [i for i in found if i not in exclude]
                return self.rng.choice(left) if left else None
            self._judge(level, found, exclude)
            if len(found) > self.capacity and self.level <= level + 1:
                # A settled level's rare crowded cell: the try chooses among all its entries
                # (the most they can have from one try), a tried one meaning "try again".
                whole = self._whole(level, cell, budget)
                if len(whole) < WHOLE_CELL * self.capacity:
                    pick = self.rng.choice(whole)
                    if pick not in exclude:
                        return pick
                    continue
            # A cell far fuller than its slots (the level still climbing to a big group's):
            # the try goes on at the new level in that cell, then in halves of it as needed.
            while len(found) > self.capacity and level < self.levels - 1:
                deeper = max(level + 1, self.level)
                cell = (cell << (deeper - level)) + self.rng.randrange(2 ** (deeper - level))
                level = deeper
                found = self._cell(level, cell, budget, exclude)
                self._judge(level, found, exclude)
            slot = self.rng.randrange(self.capacity)
            chosen = found[slot] if slot < len(found) and found[slot] not in exclude else None
            if chosen is not None:
                return chosen
        raise DrawBudgetSpent()

    def _judge(self, level: int, found: list[str], exclude: Container[str]) -> None:
        """Count a try's cell, and move to the level where cells hold `FILL_LOW` to
        `FILL_HIGH` of their slots for the group the tries so far suggest."""
        fill = self.fill
        full = len(found) > self.capacity
        if full and (fill.seen < 4 * EVIDENCE or self._level_for(fill.seen / fill.covered) > level):
            # Not a settled level's rare crowded cell: the group is far bigger than this level
            # holds. What was seen above undercounts it (cells are read up to a limit): start
            # again, a few levels finer.
            step = math.ceil(math.log2((self.capacity + 1) / (self.capacity * FILL_HIGH)))
            self.fill = Fill()
            self.level = min(level + step, self.levels - 1)
            return
        fill.count(level, sum(1 for i in found if i not in exclude))
        # Judged once enough were seen, or too few where a group at the lowest fill would
        # have shown enough.
        lowest = 2**self.level * self.capacity * FILL_LOW * fill.covered
        if fill.seen < EVIDENCE and lowest < EVIDENCE / 2:
            return
        entries = fill.entries()
        # A level a little outside the band is kept: near a boundary the estimate's noise
        # would move it back and forth, and each move drops the cells read ahead.
        if FILL_LOW / STAY <= self._share(entries) <= FILL_HIGH * STAY:
            return
        self.level = self._level_for(entries)

    def _share(self, entries: float) -> float:
        """The share of their slots the cells of the current level hold with `entries`."""
        return entries / float(2**self.level * self.capacity)

    def _level_for(self, entries: float) -> int:
        """The coarsest level whose cells hold at most `FILL_HIGH` of their slots."""
        wanted = entries / (self.capacity * FILL_HIGH)
        level = math.ceil(math.log2(wanted)) if wanted > 1 else 0
        return max(0, min(level, self.levels - 1))

    def _next_cell(self) -> int:
        if self.ahead and self.ahead_level == self.level:
            return self.ahead.pop(0)
        self.ahead = []
        return self.rng.randrange(2**self.level)

    def _ahead(self) -> list[int]:
        """Draw the cells of the next tries: `SUCCESSES_PER_READ` candidates' worth."""
        if self.fetch_many is None or self.level == 0:
            return []
        fill = self.fill
        share = self._share(fill.entries()) if fill.seen >= EVIDENCE else (FILL_LOW + FILL_HIGH) / 2
        tries = SUCCESSES_PER_READ / max(share, FILL_LOW / 2)
        # Until the level has shown a few entries (a fresh process, a jump while climbing to a
        # big group's level) fewer cells: at a level far too coarse each holds `capacity + 1`.
        most = MAX_PREFETCH if fill.seen >= EVIDENCE else MAX_PREFETCH // 4
        wanted = min(most, max(1, math.ceil(tries)))
        self.ahead_level = self.level
        self.ahead = [self.rng.randrange(2**self.level) for _ in range(wanted - 1)]
        return self.ahead

    def _cell(self, level: int, cell: int, budget: int, exclude: Container[str]) -> list[str]:
        key = (level, cell)
        known = self.seen.get(key)
        # A full cell read earlier whose entries were tried since may hide untried ones past
        # the read's limit (or none at all): read it again rather than judge it by the old read.
        stale = (
            known is not None and len(known) > self.capacity and any(i in exclude for i in known)
        )
        if known is None or stale:
            if self.queries >= budget:
                raise DrawBudgetSpent()
            self.queries += 1
            extra = [] if stale or level != self.level else self._ahead()
            unseen = sorted({c for c in extra if (level, c) not in self.seen} - {cell})
            if self.fetch_many is not None and unseen:
                for number, ids in self.fetch_many(level, [cell, *unseen]).items():
                    self.seen[(level, number)] = list(ids)
            else:
                self.seen[key] = list(self.fetch(level, cell, self.capacity + 1))
        return self.seen[key]

    def _whole(self, level: int, cell: int, budget: int) -> list[str]:
        if self.queries >= budget:
            raise DrawBudgetSpent()
        self.queries += 1
        return list(self.fetch(level, cell, WHOLE_CELL * self.capacity))
