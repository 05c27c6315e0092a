"""Work that overlaps a request's own round trips: a few threads per process, made on first use.

A claim's independent round trips (the draw beside the caller's read, the probe of more
urgent groups beside the draw, the lease task beside the commit) run at once, so a request
waits for the slower of each pair rather than for both.

Work on the main pool never waits for other work on it (no deadlock when every thread is
busy); work that does wait for the main pool's (a draw waiting for its probe) starts on the
`waiting` pool instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# Each request overlaps at most two calls at a time, so twice the requests an instance serves
# at once never wait for a thread (16 made a burst of 48 first requests queue behind the
# first lease tasks, each creating the Tasks client: up to 20 s in the soak).
WORKERS = 96
_pools: dict[str, ThreadPoolExecutor] = {}
_lock = threading.Lock()


def submit(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Future[T]:
    """Start `fn` on the process's main pool; its result (or exception) is the future's."""
    return _executor("main").submit(fn, *args, **kwargs)


def submit_waiting(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Future[T]:
    """Start `fn`, which waits for work on the main pool, on the waiting pool."""
    return _executor("waiting").submit(fn, *args, **kwargs)


def _executor(name: str) -> ThreadPoolExecutor:
    executor = _pools.get(name)
    if executor is None:
        with _lock:
            executor = _pools.get(name)
            if executor is None:
                executor = ThreadPoolExecutor(WORKERS, thread_name_prefix=f"overlap-{name}")
                _pools[name] = executor
    return executor
