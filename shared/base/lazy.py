"""Clients created once per process, on first use (small cold starts, no import-time I/O)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerProcess(Generic[T]):
    """One value per key for the life of the process, built by `factory` on first use."""

    def __init__(self) -> None:
        self._values: dict[str, T] = {}
        self._lock = threading.Lock()

    def get(self, key: str, factory: Callable[[], T]) -> T:
        found = self._values.get(key)
        if found is not None:
            return found
        with self._lock:
            if key not in self._values:
                self._values[key] = factory()
            return self._values[key]
