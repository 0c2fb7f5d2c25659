"""Nearly static records kept per execution environment for a short time (a TTL).

A Lambda execution environment lives for minutes to hours and serves one request at a time;
what it keeps here is read again once ``ttl_s`` has passed, so a change made elsewhere (a
provider's configuration, a game closed by ops, a secret rotated) is seen by every warm
environment within that time, and by a new one at once. Absent records are never kept (a
new provider or game works at once). Each cache registers itself, so ``clear_all`` forgets
every record (``aws.reset_clients``, tests, the IAM trace's cold-container view).

The TTLs, in one place so the documents can name them: a provider's configuration
(``provider/http.py``) 60 s, a provider game's record on a BET (``provider/callbacks.py``)
30 s, the hub's game list a login offers (``hub/plays.py``) 30 s, SSM and Secrets Manager
values (``secret_store.py``) 60 s.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

_ALL: list[Ttl[Any, Any]] = []


def _clock() -> float:
    """Seconds on a monotonic clock (a test moves it on to let a TTL pass)."""
    return time.monotonic()


class Ttl(Generic[K, V]):
    """A small map whose values expire ``ttl_s`` seconds after they were put; at most
    ``max_items`` (the oldest go first), so memory stays bounded whatever the callers ask."""

    def __init__(self, ttl_s: float, *, max_items: int = 256):
        self.ttl_s = ttl_s
        self.max_items = max_items
        self._items: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()  # the local stack serves requests from threads of one process
        _ALL.append(self)

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            if found[0] <= _clock():
                del self._items[key]
                return None
            return found[1]

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items.pop(key, None)
            while len(self._items) >= self.max_items:
                del self._items[next(iter(self._items))]
            self._items[key] = (_clock() + self.ttl_s, value)

    def pop(self, key: K) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def clear_all() -> None:
    """Forget every cached record (a cold execution environment's view)."""
    for cache in _ALL:
        cache.clear()
