"""The queues staff saved: read by every draw and by bulk adds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.adapters import store
from shared.base.errors import NotFound
from shared.domain import routing
from shared.domain.models import DEFAULT_QUEUE, Queue

if TYPE_CHECKING:
    from google.cloud.firestore import Client


def stored(db: Client) -> list[Queue]:
    """Every queue staff saved (few: one read each)."""
    return [q for s in db.collection(store.QUEUES).stream() if (q := store.load(Queue, s))]


def get(db: Client, name: str) -> Queue:
    """A queue by name (`default` even unsaved); NotFound naming it otherwise."""
    found = store.load(Queue, db.collection(store.QUEUES).document(name).get())
    if found is not None:
        return found
    if name == DEFAULT_QUEUE:
        return routing.IMPLICIT_DEFAULT
    raise NotFound(f"There is no queue {name!r}; create it first.", error="unknown_queue")
