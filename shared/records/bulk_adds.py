"""The record of each "add to queue" action (a staff bulk add, or a backfill)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared.adapters import store
from shared.adapters.auth import User
from shared.base.errors import NotFound
from shared.domain.models import BulkAdd

if TYPE_CHECKING:
    from google.cloud.firestore import Client

# Earlier adds of the same selection looked at (a repeated call records one more each time).
MAX_COVERING = 5


def must_exist(db: Client, bulk_id: str) -> None:
    """NotFound unless the bulk add exists."""
    if not db.collection(store.BULK_ADDS).document(bulk_id).get(field_paths=["by"]).exists:
        raise NotFound(f"There is no bulk add {bulk_id!r}.", error="unknown_bulk_add")


def record(
    db: Client,
    user: User,
    bulk_id: str | None,
    reason: str,
    group: int,
    now: datetime,
    selection: str | None = None,
) -> str:
    """The bulk add this call belongs to: the one named (checked by `must_exist`), or a new one.

    A call that joins an earlier bulk add clears its `selection`: its entries are no longer
    exactly one selection's.
    """
    if bulk_id is not None:
        db.collection(store.BULK_ADDS).document(bulk_id).update({"selection": None})
        return bulk_id
    added = BulkAdd(
        id=store.new_id(),
        by=user.uid,
        email=user.email,
        at=now,
        reason=reason,
        priority_group=group,
        selection=selection,
    )
    db.collection(store.BULK_ADDS).document(added.id).create(added.stored())
    return added.id


def selection_digest(location_ids: Iterable[str]) -> str:
    """A digest of a set of location ids (order and repeats do not matter)."""
    joined = "\n".join(sorted(set(location_ids)))
    return hashlib.sha256(joined.encode()).hexdigest()


def covering(db: Client, selection: str, size: int, group: int) -> bool:
    """Whether an earlier one-call add of exactly these `size` places still holds an open entry
    for each of them, none of which a re-add in `group` would raise.

    Its entries are one per place (guards), so `size` open ones mean every place is queued:
    two aggregations (three below the least urgent group) instead of a guard per place.
    """
    from google.cloud.firestore_v1.base_query import FieldFilter

    from shared.domain.models import PRIORITY_GROUPS

    same = (
        db.collection(store.BULK_ADDS)
        .where(filter=FieldFilter("selection", "==", selection))
        .where(filter=FieldFilter("added", "==", size))
        .select([])
        .limit(MAX_COVERING)
    )
    for candidate in same.stream():
        entries: Any = db.collection(store.ENTRIES).where(
            filter=FieldFilter("bulk_id", "==", candidate.id)
        )
        entries = entries.where(filter=FieldFilter("open", "==", True))
        if _count(entries) != size:
            continue
        if group >= max(PRIORITY_GROUPS):
            return True
        raisable = entries.where(filter=FieldFilter("needs_attention", "==", False)).where(
            filter=FieldFilter("priority_group", ">", group)
        )
        return _count(raisable) == 0
    return False


def _count(query: Any) -> int:
    return int(query.count().get()[0][0].value)


def count_added(db: Client, bulk_id: str, added: int) -> None:
    from google.cloud import firestore

    if added:
        ref = db.collection(store.BULK_ADDS).document(bulk_id)
        ref.update({"added": firestore.Increment(added)})
