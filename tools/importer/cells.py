"""Coercing one cell of an export row: text, lists, numbers, yes/no, timestamps, name keys."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

_TRUE_WORDS = frozenset({"1", "true", "yes", "y", "t", "checked"})
_FALSE_WORDS = frozenset({"", "0", "false", "no", "n", "f"})


def present(value: Any) -> bool:
    """Whether a cell holds anything (not None, not blank text)."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def text(value: Any) -> str | None:
    """A text cell: strings stripped, lists (the export wraps some notes in one) joined."""
    if value is None:
        return None
    if isinstance(value, list):
        parts = [s for s in (text(v) for v in value) if s]
        return "\n".join(parts) or None
    stripped = str(value).strip()
    return stripped or None


def text_list(value: Any) -> list[str]:
    """A list cell: a list as given, or in CSV a JSON list string or comma-separated text."""
    if value is None:
        return []
    if isinstance(value, list):
        return [s for s in (text(v) for v in value) if s]
    raw = str(value).strip()
    if raw.startswith("["):
        try:
            decoded = json.loads(raw)
        except json.JSONDecodeError:
            decoded = None
        if isinstance(decoded, list):
            return text_list(decoded)
    return [part.strip() for part in raw.split(",") if part.strip()]


def number(value: Any) -> float | None:
    """A finite number, None when absent; ValueError names what was wrong."""
    if not present(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{value!r} is not a number")
    try:
        result = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not math.isfinite(result):
        raise ValueError(f"{value!r} is not a finite number")
    return result


def flag(value: Any) -> bool:
    """A checkbox cell: 1/0, true/false, yes/no."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    word = str(value or "").strip().casefold()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ValueError(f"{value!r} is not a yes/no value")


def timestamp(value: Any) -> datetime | None:
    """An ISO-8601 timestamp as an aware UTC datetime (naive ones are taken as UTC)."""
    if not present(value):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO-8601 timestamp") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def name_key(name: str) -> str:
    """Case- and spacing-insensitive key for matching names."""
    return " ".join(name.split()).casefold()


def county_key(name: str) -> str:
    """Like name_key, and "Fresno" matches "Fresno County"."""
    return name_key(name).removesuffix(" county")
