"""The cells of the random key space a draw reads, one label per level (no I/O)."""

from __future__ import annotations

# The random key space [0, 1) is cut in halves, quarters, ... down to 2**22 cells; an entry
# belongs to one cell per level, all listed in its `cells` field (an array the draw's index
# holds as array-contains). 23 labels per entry: cells of the deepest level hold a tenth of
# their 3 slots with ~10**6 available entries in a group (selection.CellDraw).
CELL_LEVELS = 23


def cell_label(level: int, cell: int) -> str:
    return f"{level}:{cell}"


def cells_of(rand: float, levels: int = CELL_LEVELS) -> list[str]:
    """The cell labels of a random key, one per level ("0:0" is the whole space)."""
    return [cell_label(level, min(int(rand * 2**level), 2**level - 1)) for level in range(levels)]
