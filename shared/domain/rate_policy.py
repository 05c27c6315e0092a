"""Rate limits as values: a bucket's limit, the fixed window a moment falls in, the refusal."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from shared.base.errors import TooMany

Bucket = Literal["requestCall", "submitReport", "lease", "bulk"]


@dataclass(frozen=True)
class Limit:
    """At most `count` requests per `window_seconds` in one bucket, per user; 0 turns it off."""

    bucket: Bucket
    count: int
    window_seconds: int

    @property
    def enabled(self) -> bool:
        return self.count > 0 and self.window_seconds > 0


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the window ends (at least 1), for the Retry-After header."""
        return max(1, math.ceil((self.end - now).total_seconds()))


def window_of(now: datetime, window_seconds: int) -> Window:
    """The fixed window holding `now`: windows start at multiples of the length since epoch."""
    epoch = int(now.timestamp())
    start = epoch - epoch % window_seconds
    begin = datetime.fromtimestamp(start, UTC)
    return Window(begin, begin + timedelta(seconds=window_seconds))


def counter_id(uid: str, limit: Limit, window: Window) -> str:
    return f"{uid}-{limit.bucket}-{int(window.start.timestamp())}"


def refusal(limit: Limit, window: Window, now: datetime) -> TooMany:
    seconds = window.retry_after(now)
    return TooMany(
        f"Too many {limit.bucket} requests: the limit is {limit.count} per "
        f"{limit.window_seconds} seconds. Try again in {seconds} seconds.",
        retry_after=seconds,
    )
