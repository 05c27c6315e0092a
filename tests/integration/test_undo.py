"""undoBulkAdd closes entries in WriteBatches, still fenced: a claim made meanwhile is kept.

The claim is made between undo's read and its batch (a wrapper around `remove_chunk`), the
interleaving a slow undo meets in production. The claimed entry sits in the middle of the
batch, so on the emulator the failed batch keeps the removals written before its fence, and
the answer must count those as removed, not kept.
"""

from __future__ import annotations

from typing import Any

import pytest
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.adapters import store
from shared.domain.models import Entry
from shared.services.staff import bulk_add_admin
from tests.conftest import Users
from tests.harness import InProcessApi
from tests.integration.factories import add_locations, count

pytestmark = pytest.mark.integration

PLACES = 7


def ok(reply: Any) -> dict[str, Any]:
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.body
    return body


@pytest.mark.parametrize("fence", [True, False], ids=["with-create", "create-removed"])
def test_an_entry_claimed_between_the_read_and_the_batch_is_kept(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    users: Users,
    monkeypatch: pytest.MonkeyPatch,
    fence: bool,
) -> None:
    ids = add_locations(db, PLACES)
    body = {"reason": "New location", "location_ids": ids}
    bulk_id = ok(inproc.call("bulkEnqueue", staff_token, json=body))["bulk_id"]
    claimed: list[str] = []
    original = bulk_add_admin.remove_chunk

    def claim_first(db: Any, chunk: list[Entry], by: str, now: Any) -> int:
        if not claimed:
            answer = ok(
                inproc.call("requestCall", users.token("c1", ["caller"]), params={"state": "all"})
            )
            claimed.append(answer["id"])
            # The claimed entry goes in the middle: the batch's writes before it are applied
            # on the emulator even though the batch fails.
            others = [e for e in chunk if e.location_id != answer["id"]]
            mine = [e for e in chunk if e.location_id == answer["id"]]
            chunk = others[: len(others) // 2] + mine + others[len(others) // 2 :]
        return original(db, chunk, by, now)

    monkeypatch.setattr(bulk_add_admin, "remove_chunk", claim_first)
    if not fence:
        from google.cloud.firestore_v1.batch import WriteBatch

        monkeypatch.setattr(WriteBatch, "create", lambda self, ref, data: self.set(ref, data))

    undone = ok(inproc.call("undoBulkAdd", staff_token, json={"bulk_id": bulk_id}))

    location = claimed[0]
    guard = db.collection(store.OPEN_ENTRIES).document(location).get()
    if not fence:
        # Without the fence the batch removes the entry the caller holds.
        assert not guard.exists
        return
    assert (undone["removed"], undone["kept"], undone["remaining"]) == (PLACES - 1, 1, 0)
    assert guard.exists
    entry = store.load(
        Entry, db.collection(store.ENTRIES).document(guard.to_dict()["entry_id"]).get()
    )
    assert entry is not None
    assert (entry.open, entry.holder is not None) == (True, True)
    assert count(db, store.OPEN_ENTRIES) == 1
    removals = db.collection(store.ENTRY_CHANGES).where(
        filter=FieldFilter("event", "==", "removed")
    )
    assert len(list(removals.stream())) == PLACES - 1
    queued = {
        s.id
        for s in db.collection(store.LOCATIONS)
        .where(filter=FieldFilter("queued", "==", True))
        .stream()
    }
    assert queued == {location}
    listed = ok(inproc.call("listBulkAdds", staff_token, method="GET"))["bulk_adds"][0]
    assert listed["removed"] == PLACES - 1
