"""Work that overlaps a request's own round trips: a few threads per process, made on first use.

A claim's independent round trips (the rate-limit charge beside the caller's read, the
probe of more urgent groups beside the draw, the lease task beside the commit) run at once,
so a request waits for the slower of each pair rather than for both.
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
_pool: list[ThreadPoolExecutor] = []
_lock = threading.Lock()


def submit(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Future[T]:
    """Start `fn` on the process's pool; its result (or exception) is the future's."""
    if not _pool:
        with _lock:
            if not _pool:
                _pool.append(ThreadPoolExecutor(WORKERS, thread_name_prefix="overlap"))
    return _pool[0].submit(fn, *args, **kwargs)
