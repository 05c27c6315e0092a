"""The query for available entries: the one place it is written (draw, backfill, console).

It is `leases.is_available` as a Firestore query: open, in normal rotation (not flagged for
staff), and `available_at <= now` (vested, no running lease, not deferred past `now`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared.adapters import store

if TYPE_CHECKING:
    from google.cloud.firestore import Client


def in_rotation(db: Client, **equals: Any) -> Any:
    """Open entries in normal rotation, narrowed by equality filters (None values are left out).

    Firestore matches equality filters to an index in any order, so callers name them freely.
    """
    from google.cloud.firestore_v1.base_query import FieldFilter

    query: Any = (
        db.collection(store.ENTRIES)
        .where(filter=FieldFilter("open", "==", True))
        .where(filter=FieldFilter("needs_attention", "==", False))
    )
    for name, value in equals.items():
        if value is not None:
            query = query.where(filter=FieldFilter(name, "==", value))
    return query


def available(db: Client, now: datetime, **equals: Any) -> Any:
    """Entries a draw may offer at `now`, narrowed by equality filters (None values left out)."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    return in_rotation(db, **equals).where(filter=FieldFilter("available_at", "<=", now))
