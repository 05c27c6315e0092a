"""Double taps under contention: each caller's two simultaneous requests get one lease.

Many callers race for few entries, so claims often lose the entry's fence (and, on the
emulator, leave their caller's fence behind) while the same caller's second request claims.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shared.adapters import store
from tests.conftest import Users
from tests.harness import HttpApi
from tests.integration.factories import add_locations
from tests.integration.test_request_call import enqueue

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("round_", range(4))
def test_a_callers_double_tap_never_holds_two_entries(
    start_functions: Any, db: Any, staff_token: str, users: Users, round_: int
) -> None:
    # A fresh server each round, with the production rate limit: a cold burst, as the soak's.
    api: HttpApi = start_functions(
        f"taps{round_}", RATE_LIMIT_REQUEST_CALL="20", RATE_LIMIT_BULK="120"
    )
    enqueue(api, staff_token, add_locations(db, 30, prefix=f"tap{round_}"))
    callers = users.callers(24 * (round_ + 1))[-24:]
    tokens = [t for t in callers for _ in range(2)]
    barrier = threading.Barrier(len(tokens))

    def one(token: str) -> tuple[str, Any]:
        barrier.wait()
        reply = api.call("requestCall", token, params={"state": "all"})
        return token, reply

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        replies = list(pool.map(one, tokens))
    held: dict[str, set[str]] = defaultdict(set)
    for token, reply in replies:
        if reply.status == 200:
            held[token].add(reply.body["lease"]["entry_id"])
    assert all(len(ids) == 1 for ids in held.values()), held
    by_holder: dict[str, int] = defaultdict(int)
    for snapshot in db.collection(store.ATTEMPTS).stream():
        by_holder[(snapshot.to_dict() or {})["holder"]] += 1
    assert max(by_holder.values()) == 1, by_holder
