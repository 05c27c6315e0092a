"""Per-user request limits: fixed windows with one document per admitted request.

An admitted request creates `rate_limits/{uid}-{bucket}-{window}-{n}` for the first free
n up to the limit. `create` is atomic on every backend (the emulator's transactions are not
isolated, and it returns no increment results), so however many requests race, exactly
`limit` of them get a slot in a window. A count of the window's slots says where to start
looking; a stale count only costs a few AlreadyExists.
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


# Counter id -> window end, for windows this process already found full: a runaway client
# is then refused without a Firestore write until its window ends.
_full: dict[str, datetime] = {}
_full_lock = threading.Lock()


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
    slots = db.collection(RATE_LIMITS)
    window_slots: Any = slots.where(filter=FieldFilter("window", "==", key))
    used = int(window_slots.count().get()[0][0].value)
    slot = {"window": key, "uid": uid, "at": now, "expires_at": window.end + KEEP}
    for n in range(used + 1, limit.count + 1):
        try:
            slots.document(f"{key}-{n}").create(slot)
            return
        except AlreadyExists:
            continue
    with _full_lock:
        for stale in [k for k, end in _full.items() if end <= now]:
            del _full[stale]
        _full[key] = window.end
    raise refusal(limit, window, now)
