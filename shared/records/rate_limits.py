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

from shared.domain.rate_policy import Limit, Window, counter_id, refusal, window_of

if TYPE_CHECKING:
    from concurrent.futures import Future

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
    slot = _slot(key, uid, now, window)
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
            _remember_taken(key, n)
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


class Admission:
    """One request's charge, settled on its own (`settle`) or inside the request's first
    commit (`fold`): a claim then creates its slot in its own commit, one RPC less."""

    def __init__(self, db: Client, uid: str, limit: Limit, now: datetime) -> None:
        self.db = db
        self.uid = uid
        self.limit = limit
        self.now = now
        self.settled = not limit.enabled
        self._folded: tuple[str, int] | None = None
        self._running: Future[None] | None = None
        # A folded slot whose commit failed on a later write: the emulator keeps the writes
        # before the failing one, so the slot may exist; `request` tells it is this one's.
        self._maybe_kept: tuple[str, int] | None = None
        self._request = ""

    def begin(self) -> None:
        """Start the charge beside the request's reads, for a request that will not claim."""
        if not self.settled and self._running is None:
            from shared.base import overlap

            self._running = overlap.submit(charge, self.db, self.uid, self.limit, self.now)

    def settle(self) -> None:
        """Charge now unless already charged; TooMany (429) when over the limit."""
        if self.settled:
            return
        if self._maybe_kept is not None and self._kept():
            self.settled = True
            return
        if self._running is not None:
            self._running.result()
        else:
            charge(self.db, self.uid, self.limit, self.now)
        self.settled = True

    def _kept(self) -> bool:
        """Whether the failed commit left this request's slot (emulator only): it is charged."""
        from shared.adapters.store import RATE_LIMITS

        assert self._maybe_kept is not None
        key, n = self._maybe_kept
        self._maybe_kept = None
        found = self.db.collection(RATE_LIMITS).document(f"{key}-{n}").get()
        if not found.exists or (found.to_dict() or {}).get("request") != self._request:
            return False
        _remember_taken(key, n)
        return True

    def fold(self, batch: Any) -> bool:
        """Create the slot this process would try first as `batch`'s next write (make it the
        first: on the emulator a failed commit keeps the writes before the failing one).

        False when there is nothing to fold: charged already, or charged now because no free
        slot is expected (TooMany if over the limit, without a write).
        """
        if self.settled or self._running is not None or self._maybe_kept is not None:
            self.settle()
            return False
        window = window_of(self.now, self.limit.window_seconds)
        key = counter_id(self.uid, self.limit, window)
        with _full_lock:
            if key in _full:
                raise refusal(self.limit, window, self.now)
            n = _taken.get(key, 0) + 1
        if n > self.limit.count:
            self.settle()
            return False
        from shared.adapters.store import RATE_LIMITS

        if not self._request:
            import uuid

            self._request = uuid.uuid4().hex
        slot = {**_slot(key, self.uid, self.now, window), "request": self._request}
        batch.create(self.db.collection(RATE_LIMITS).document(f"{key}-{n}"), slot)
        self._folded = (key, n)
        return True

    def committed(self) -> None:
        """The commit holding the folded slot succeeded: the request is charged."""
        if self._folded is not None:
            _remember_taken(*self._folded)
            self._folded = None
            self.settled = True

    def failed(self, slot_taken: bool) -> None:
        """The commit holding the folded slot failed: the charge is still to be made.

        `slot_taken`: the slot itself was found taken, so the next charge starts after it.
        """
        if self._folded is not None:
            if slot_taken:
                _remember_taken(*self._folded)
            else:
                self._maybe_kept = self._folded
        self._folded = None


def _slot(key: str, uid: str, now: datetime, window: Window) -> dict[str, Any]:
    """A slot document: which window, whose, when, and when Firestore's TTL may delete it."""
    return {"window": key, "uid": uid, "at": now, "expires_at": window.end + KEEP}


def _remember_taken(key: str, n: int) -> None:
    with _full_lock:
        if len(_taken) > MAX_REMEMBERED:
            _taken.clear()
        _taken[key] = max(n, _taken.get(key, 0))
