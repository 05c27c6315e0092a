"""Per-user request limits: fixed windows with one document per admitted request.

An admitted request creates `rate_limits/{uid}-{bucket}-{window}-{n}` for the first free
n up to the limit. `create` is atomic on every backend (the emulator's transactions are not
isolated, and it returns no increment results), so however many requests race, exactly
`limit` of them get a slot in a window. Where to start looking: after the slot this process
last took in the window, else at the first; a slot found taken sends it to a count of the
window's slots. A request is thus one create, the common case, and a burst a count more.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.domain.rate_policy import Limit, counter_id, refusal, window_of

if TYPE_CHECKING:
    from google.cloud.firestore import Client

# Counter documents live this long past their window, for Firestore's TTL policy to delete.
KEEP = timedelta(days=1)
# Windows whose last slot this process remembers, at most (old windows are simply forgotten).
MAX_REMEMBERED = 10_000


# Counter id -> window end, for windows this process already found full: a runaway client
# is then refused without a Firestore write until its window ends.
_full: dict[str, datetime] = {}
_full_lock = threading.Lock()
# Counter id -> the slot number this process last took in that window: the next request of
# the same user starts after it without counting (requests of one user mostly reach one
# instance; another instance's slots are found by AlreadyExists).
_taken: dict[str, int] = {}


def charge(db: Client, uid: str, limit: Limit, now: datetime) -> None:
    """Count one request against `limit`; TooMany (429, Retry-After) when over it."""
    if not limit.enabled:
        return
    from google.api_core.exceptions import AlreadyExists
    from google.cloud.firestore import FieldFilter

    from shared.adapters.store import RATE_LIMITS

    window = window_of(now, limit.window_seconds)
    key = counter_id(uid, limit, window)
    with _full_lock:
        if key in _full:
            raise refusal(limit, window, now)
        remembered = _taken.get(key)
    slots = db.collection(RATE_LIMITS)
    slot = {"window": key, "uid": uid, "at": now, "expires_at": window.end + KEEP}
    # Most requests are their user's first in a window: slot 1 (or the one after the slot
    # this process last took) is tried without counting; a count is made once a slot is
    # found taken, and before refusing (memory may outlive a wiped database).
    start, counted = remembered or 0, False
    while True:
        n = start + 1
        while n <= limit.count:
            try:
                slots.document(f"{key}-{n}").create(slot)
            except AlreadyExists:
                if not counted:
                    break
                n += 1
                continue
            with _full_lock:
                if len(_taken) > MAX_REMEMBERED:
                    _taken.clear()
                _taken[key] = max(n, _taken.get(key, 0))
            return
        if counted:
            break
        window_slots: Any = slots.where(filter=FieldFilter("window", "==", key))
        start, counted = int(window_slots.count().get()[0][0].value), True
    with _full_lock:
        for stale in [k for k, end in _full.items() if end <= now]:
            del _full[stale]
        _full[key] = window.end
    raise refusal(limit, window, now)
