"""Which entries a draw looks at and in what order it tries them (no I/O)."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from shared.models import PRIORITY_GROUPS

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


def window(after: Sequence[str], wrapped: Sequence[str], size: int) -> list[str]:
    """Entry ids from the random start onwards, then wrapping around to the lowest keys."""
    seen: dict[str, None] = {}
    for entry_id in (*after, *wrapped):
        if len(seen) >= size:
            break
        seen.setdefault(entry_id, None)
    return list(seen)


def try_order(candidates: Sequence[str], rng: random.Random) -> list[str]:
    """Candidates in uniformly random order.

    The window holds the next `size` available entries after a random point; picking among
    them at random (rather than the first) removes the bias of uneven gaps between keys, and
    is exactly uniform whenever the group fits in one window.
    """
    order = list(candidates)
    rng.shuffle(order)
    return order
