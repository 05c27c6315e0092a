"""The fence creates are what keep claims exclusive on the emulator we run.

All claimers are made to read the entry before any of them writes (a barrier inside the
claim), the interleaving that a backend without transaction isolation allows. With the
creates (the entry's version fence, the attempt), exactly one claimer per entry wins; with
`create` turned into a plain set (the mechanism removed), entries are handed to several
callers at once.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shared.adapters import store
from shared.domain import leases
from tests.conftest import Users
from tests.harness import InProcessApi, first_call_waits
from tests.integration.factories import add_locations, count
from tests.integration.test_request_call import enqueue

pytestmark = pytest.mark.integration

CALLERS = 16
ENTRIES = 4


@pytest.mark.parametrize("fence", [True, False], ids=["with-create", "create-removed"])
def test_claims_are_exclusive_only_with_the_fences(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    users: Users,
    monkeypatch: pytest.MonkeyPatch,
    fence: bool,
) -> None:
    enqueue(inproc, staff_token, add_locations(db, ENTRIES))
    tokens = users.callers(CALLERS)
    barrier = threading.Barrier(CALLERS, timeout=20)
    monkeypatch.setattr(leases, "grant", first_call_waits(leases.grant, barrier))
    if not fence:
        # Claims commit as batches (one commit, no reads) or transactions: both inherit this.
        from google.cloud.firestore_v1.base_batch import BaseWriteBatch

        monkeypatch.setattr(BaseWriteBatch, "create", lambda self, ref, data: self.set(ref, data))

    with ThreadPoolExecutor(max_workers=CALLERS) as pool:
        replies = list(
            pool.map(lambda t: inproc.call("requestCall", t, params={"state": "all"}), tokens)
        )
    winners = Counter(r.body["id"] for r in replies if r.status == 200)
    if fence:
        assert sum(winners.values()) == ENTRIES
        assert set(winners.values()) == {1}
        assert count(db, store.ATTEMPTS) == ENTRIES
    else:
        # Without the fence the same interleaving hands some location to several callers.
        assert max(winners.values()) > 1, winners


def test_a_caller_who_lost_many_races_in_a_row_is_not_refused_for_good(
    inproc: InProcessApi,
    db: Any,
    staff_token: str,
    users: Users,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each race a caller loses leaves their caller fence behind on the emulator (its commit
    fails at the entry's fence, after the caller's): 25 such in a row, then a free place."""
    from shared.adapters.auth import User
    from shared.records import entries
    from shared.services.caller import calls

    lost = 25
    enqueue(inproc, staff_token, add_locations(db, lost, prefix="raced"))
    loser = users.token("loser", ["caller"])
    loser_uid = users.uid("loser", ["caller"])
    claim = entries.claim

    def rival_commits_first(*args: Any, **kwargs: Any) -> Any:
        _, _, entry, _, caller, _, now, policy = args[:8]
        if caller.id == loser_uid:
            # Another caller's claim of the same entry commits between the loser's reads and
            # the loser's commit: the loser's entry fence then fails, its caller fence stays.
            rival = User(uid=f"rival-{entry.id}", email=None, roles=frozenset({"caller"}))
            calls.take(db, entry.id, rival, now, policy)
        return claim(*args, **kwargs)

    monkeypatch.setattr(entries, "claim", rival_commits_first)
    reply = inproc.call("requestCall", loser, params={"state": "all"})
    assert reply.status == 404, reply.body
    left = [s for s in db.collection(store.CALLER_LEASES).stream() if s.get("uid") == loser_uid]
    assert len(left) >= lost  # every lost race left its fence

    monkeypatch.setattr(entries, "claim", claim)
    [free] = add_locations(db, 1, prefix="free")
    enqueue(inproc, staff_token, [free])
    reply = inproc.call("requestCall", loser, params={"state": "all"})
    assert (reply.status, reply.body.get("id")) == (200, free), reply.body
    # Still one lease per caller: asking again answers the same lease.
    again = inproc.call("requestCall", loser, params={"state": "all"})
    assert again.body["lease"] == reply.body["lease"]
