"""Which queues a caller draws from, in what order, and when a queue is refilled (no I/O)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from shared.domain.models import DEFAULT_QUEUE, Queue

# A queue or caller group name: lower case, digits, `-` and `_`; it is a document id too.
NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
# Where `default` falls when staff have not saved it: after every queue of a lower order.
DEFAULT_ORDER = 1000
# A queue is refilled at most once per window (the `backfills/{queue}-{window}` fence).
BACKFILL_WINDOW_SECONDS = 60
AUTOMATIC_BACKFILL = "Automatic backfill"

IMPLICIT_DEFAULT = Queue(id=DEFAULT_QUEUE, description="Open to every caller.", order=DEFAULT_ORDER)


def with_default(queues: Iterable[Queue]) -> list[Queue]:
    """The stored queues plus `default` if staff have not saved it, in fall-through order."""
    named = {q.id: q for q in queues}
    named.setdefault(DEFAULT_QUEUE, IMPLICIT_DEFAULT)
    return sorted(named.values(), key=lambda q: (q.order, q.id))


def is_open_to(queue: Queue, groups: Iterable[str]) -> bool:
    """A queue with no groups is open to every caller; otherwise to members of one of them."""
    return not queue.groups or not set(queue.groups).isdisjoint(groups)


def eligible(queues: Iterable[Queue], groups: Iterable[str]) -> list[Queue]:
    """The queues a caller in `groups` draws from, in the order they try them."""
    mine = set(groups)
    return [q for q in with_default(queues) if is_open_to(q, mine)]


# A refill counts as stock every entry of the queue callable within this long (held, deferred
# to an opening, called back soon), and adds only places that open within it: what it adds is
# stock by the same rule, so the next count sees it and nothing is refilled twice. A day
# covers a night's closing; a place closed for the weekend is neither stock nor added on Friday.
BACKFILL_HORIZON = timedelta(hours=24)
# Windows a refill that found too few places keeps the queue's refills off for (15 minutes).
BACKFILL_HOLD_OFF_WINDOWS = 15


def shortfall(minimum: int, stock: int) -> int:
    """How many entries a refill adds: up to the minimum, nothing when at or above it."""
    return max(minimum - stock, 0)


def stock_until(now: datetime) -> datetime:
    """Entries available by this instant count as a queue's stock."""
    return now + BACKFILL_HORIZON


def callable_soon(opening: datetime | None, now: datetime) -> bool:
    """Whether a place whose next opening is `opening` (None: never) may be added by a refill."""
    return opening is not None and opening <= stock_until(now)


def backfill_window(now: datetime, seconds: int = BACKFILL_WINDOW_SECONDS) -> int:
    return int(now.timestamp()) // seconds


def backfill_id(queue: str, window: int) -> str:
    return f"{queue}-{window}"
