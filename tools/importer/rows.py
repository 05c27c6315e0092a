"""An import's rows and what can be wrong with them: positions, problems, row errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RowPosition:
    """Where a row came from: 1-based data row number, and the file line for CSV."""

    source: str
    row: int
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.source} row {self.row}"
        return f"{where} (line {self.line})" if self.line is not None else where


@dataclass(frozen=True)
class Record:
    """One input row with its position; `extra_cells` counts CSV cells beyond the header."""

    position: RowPosition
    data: Any
    extra_cells: int = 0


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field of a row."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


@dataclass(frozen=True)
class RowError:
    """A row that was not imported, and every reason why."""

    position: RowPosition
    row_id: str | None
    problems: tuple[Problem, ...]

    def __str__(self) -> str:
        ident = f" [id {self.row_id}]" if self.row_id else ""
        return f"{self.position}{ident}: " + "; ".join(str(p) for p in self.problems)


class RowInvalid(ValueError):
    """Raised by the row parsers; carries every problem found in the row."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = tuple(problems)


class SourceError(ValueError):
    """A whole input file is unusable (unreadable, not JSON/CSV, wrong top-level shape)."""
