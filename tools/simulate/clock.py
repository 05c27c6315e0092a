"""The functions' clock during a run: simulated time that only the harness advances."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime


class SimClock:
    """The functions' clock (`shared.clock.now`), advanced only by the harness."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def read(self) -> datetime:
        moment = self.now
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

    @contextmanager
    def installed(self) -> Iterator[None]:
        from shared.base import clock

        saved = clock.now
        clock.now = self.read
        try:
            yield
        finally:
            clock.now = saved
