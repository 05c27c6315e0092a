"""The record of each "add to queue" action (a staff bulk add, or a backfill)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from shared.adapters import store
from shared.adapters.auth import User
from shared.base.errors import NotFound
from shared.domain.models import BulkAdd

if TYPE_CHECKING:
    from google.cloud.firestore import Client


def must_exist(db: Client, bulk_id: str) -> None:
    """NotFound unless the bulk add exists."""
    if not db.collection(store.BULK_ADDS).document(bulk_id).get(field_paths=["by"]).exists:
        raise NotFound(f"There is no bulk add {bulk_id!r}.", error="unknown_bulk_add")


def record(
    db: Client, user: User, bulk_id: str | None, reason: str, group: int, now: datetime
) -> str:
    """The bulk add this call belongs to: the one named (checked by `must_exist`), or a new one."""
    if bulk_id is not None:
        return bulk_id
    added = BulkAdd(
        id=store.new_id(),
        by=user.uid,
        email=user.email,
        at=now,
        reason=reason,
        priority_group=group,
    )
    db.collection(store.BULK_ADDS).document(added.id).create(added.stored())
    return added.id


def count_added(db: Client, bulk_id: str, added: int) -> None:
    from google.cloud import firestore

    if added:
        ref = db.collection(store.BULK_ADDS).document(bulk_id)
        ref.update({"added": firestore.Increment(added)})
