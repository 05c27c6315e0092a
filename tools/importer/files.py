"""Reading an export file (JSON array or CSV with a header) into positioned rows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tools.importer.rows import Record, RowPosition, SourceError


def records_from_json(text: str, source: str) -> list[Record]:
    """Rows of a JSON array of objects (non-object items are kept for the parser to reject)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{source}: not valid JSON ({exc})") from exc
    if not isinstance(data, list):
        raise SourceError(f"{source}: expected a JSON array of objects, got {type(data).__name__}")
    return [Record(RowPosition(source, i), item) for i, item in enumerate(data, start=1)]


def records_from_csv(text: str, source: str) -> list[Record]:
    """Rows of a CSV with a header line; blank lines are skipped, extra cells are an error."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise SourceError(f"{source}: empty CSV file (no header line)") from None
    except csv.Error as exc:
        raise SourceError(f"{source}: unreadable CSV header ({exc})") from exc
    return list(_csv_rows(reader, header, source))


def _csv_rows(reader: Any, header: list[str], source: str) -> Iterator[Record]:
    row_number = 0
    while True:
        # A quoted cell may span lines: the row starts on the line after the previous row.
        line = reader.line_num + 1
        try:
            cells: list[str] = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise SourceError(f"{source} line {line}: unreadable CSV ({exc})") from exc
        if not any(c.strip() for c in cells):
            continue
        row_number += 1
        extra = sum(1 for c in cells[len(header) :] if c.strip())
        data = dict(zip(header, cells, strict=False))
        yield Record(RowPosition(source, row_number, line), data, extra)


def read_records(path: Path) -> list[Record]:
    """Rows of a `.json` or `.csv` file (other names: sniffed from the first character)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    suffix = path.suffix.lower()
    looks_json = suffix == ".json" or (suffix != ".csv" and text.lstrip()[:1] in ("[", "{"))
    if looks_json:
        return records_from_json(text, path.name)
    return records_from_csv(text, path.name)
