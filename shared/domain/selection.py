"""Which entries a draw looks at and in what order it tries them (no I/O)."""

from __future__ import annotations

import random
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field

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


@dataclass
class CellDraw:
    """Uniform draws among the available entries of one group, reading one random cell a time.

    `fetch(level, cell)` answers the ids of up to `capacity` available entries in that cell.
    Each try picks a cell of the current level and a slot in [0, capacity): the entry in that
    slot is the draw, an empty slot means "try again". Every available entry in a cell that
    is not full is thus drawn with the same chance, 1 / (2**level * capacity), whichever
    level tries were made at, so draws are exactly uniform as long as no full cell is met;
    a full cell sends the draw two levels finer. At level 0 the cell is the whole group: it is
    chosen from directly. A cell with few entries makes the next try a level coarser. So a
    draw reads about `capacity` documents in expectation, whatever the group's size and
    however many entries are held, and the level settles where cells hold a few entries.
    """

    fetch: Fetch
    capacity: int
    rng: random.Random
    level: int = 0
    levels: int = CELL_LEVELS
    max_queries: int = 60
    queries: int = 0
    seen: dict[tuple[int, int], list[str]] = field(default_factory=dict)

    def next(self, exclude: Container[str] = ()) -> str | None:
        """An available entry not in `exclude`; None when the group has none left (or after
        `max_queries` reads without one, which a settled level makes vanishingly rare)."""
        for _ in range(self.max_queries * 8):
            found = self._cell(self.rng.randrange(2**self.level))
            if found is None:
                return None
            if len(found) >= self.capacity and self.level < self.levels - 1:
                self.level = min(self.level + 2, self.levels - 1)
                continue
            if self.level == 0:
                left = [i for i in found if i not in exclude]
                return self.rng.choice(left) if left else None
            slot = self.rng.randrange(self.capacity)
            if slot < len(found) and found[slot] not in exclude:
                return found[slot]
            if len(found) < self.capacity // 8:
                self.level -= 1
        return None

    def _cell(self, cell: int) -> list[str] | None:
        key = (self.level, cell)
        if key not in self.seen:
            if self.queries >= self.max_queries:
                return None
            self.queries += 1
            self.seen[key] = list(self.fetch(self.level, cell))
        return self.seen[key]
