"""The queues staff saved: read by every draw and by bulk adds.

Each queue is a document of `queues`; `queue_routing/saved` holds them all in one document,
written in the same transaction as each save, so that a claim reads the caller's document and
every queue in one `get_all`. Until the first save after this was deployed there is no such
document, and the queues are read from their collection.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from shared.adapters import store
from shared.base.errors import NotFound
from shared.domain import routing
from shared.domain.models import DEFAULT_QUEUE, Queue

if TYPE_CHECKING:
    from google.cloud.firestore import Client, DocumentReference, DocumentSnapshot, Transaction

ROUTING_ID = "saved"


def routing_ref(db: Client) -> DocumentReference:
    return db.collection(store.QUEUE_ROUTING).document(ROUTING_ID)


def stored(db: Client) -> list[Queue]:
    """Every queue staff saved (few: one read each)."""
    return [q for s in db.collection(store.QUEUES).stream() if (q := store.load(Queue, s))]


def from_routing(db: Client, snapshot: DocumentSnapshot[Any]) -> list[Queue]:
    """The saved queues from a read of `routing_ref`; from their collection if it is missing."""
    if not snapshot.exists:
        return stored(db)
    rows: Iterable[Any] = (snapshot.to_dict() or {}).get("queues", [])
    return [Queue.model_validate(row) for row in rows]


def save(db: Client, queue: Queue) -> None:
    """Create or replace a queue and the routing document that lists every queue."""
    from google.cloud import firestore

    def run(tx: Transaction) -> None:
        # Read in the transaction: two saves at once serialise on production Firestore.
        others = [
            q
            for s in db.collection(store.QUEUES).stream(transaction=tx)
            if (q := store.load(Queue, s)) and q.id != queue.id
        ]
        tx.set(db.collection(store.QUEUES).document(queue.id), queue.stored())
        rows = [q.model_dump(mode="python") for q in sorted([*others, queue], key=lambda q: q.id)]
        tx.set(routing_ref(db), {"queues": rows})

    firestore.transactional(run)(db.transaction())


def rebuild(db: Client) -> None:
    """Rewrite the routing document from the collection (after queues were deleted by a tool)."""
    rows = [q.model_dump(mode="python") for q in sorted(stored(db), key=lambda q: q.id)]
    if rows:
        routing_ref(db).set({"queues": rows})
    elif routing_ref(db).get().exists:
        # No queue left: no routing document, as before the first save.
        routing_ref(db).delete()


def get(db: Client, name: str) -> Queue:
    """A queue by name (`default` even unsaved); NotFound naming it otherwise."""
    found = store.load(Queue, db.collection(store.QUEUES).document(name).get())
    if found is not None:
        return found
    if name == DEFAULT_QUEUE:
        return routing.IMPLICIT_DEFAULT
    raise NotFound(f"There is no queue {name!r}; create it first.", error="unknown_queue")
