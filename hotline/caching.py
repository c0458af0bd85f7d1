"""In-process caches, one small mechanism for all of them.

A ``Cache`` keeps values by key under its own lock, with an explicit freshness rule: a value is
fresh while it is asked for under the same key (callers put a stamp of the source in the key, so
a changed source is a miss) and, given ``max_age``, while it is younger than that. ``max_size``
bounds it, the least recently used value going first. A stale value is rebuilt on the reader's
thread, except in a cache made with ``serve_stale=True`` while a refresher runs (``refresher()``,
the server's refresh loop): the reader then gets the stale value at once and the loop's
``refresh_due()`` rebuilds it. ``caches_reset()`` empties every cache (tests, and after
restoring a database).

Standard library only: a shared helper imports no app (see the import-linter contracts).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class _Entry[V]:
    value: V
    built: float
    build: Callable[[], V] | None
    wanted: bool = False  # served stale: the refresher rebuilds it


class Cache[K: Hashable, V]:
    """Values by key under one lock; the freshness rule is the module's."""

    def __init__(
        self,
        *,
        name: str,
        max_age: float | Callable[[], float] | None = None,
        max_size: int | None = None,
        serve_stale: bool = False,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        # Re-entrant: a caller may hold it around get_or_build to update the value in place.
        self.lock = threading.RLock()
        self.now = now
        self._max_age = max_age
        self._max_size = max_size
        self._serve_stale = serve_stale
        self._entries: OrderedDict[K, _Entry[V]] = OrderedDict()
        self._generation = 0
        _registry.add(self)

    def __len__(self) -> int:
        with self.lock:
            return len(self._entries)

    def _stale(self, entry: _Entry[V]) -> bool:
        limit = self._max_age() if callable(self._max_age) else self._max_age
        return limit is not None and self.now() - entry.built > limit

    def get(self, key: K) -> V | None:
        """The fresh value under ``key``, or None; a stale one is dropped."""
        with self.lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if self._stale(entry):
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry.value

    def put(self, key: K, *, value: V, build: Callable[[], V] | None = None) -> None:
        """Keep ``value``; ``build`` is how the refresher remakes it once it is stale."""
        with self.lock:
            self._entries[key] = _Entry(value=value, built=self.now(), build=build)
            self._entries.move_to_end(key)
            while self._max_size is not None and len(self._entries) > self._max_size:
                self._entries.popitem(last=False)

    def get_or_build(self, key: K, *, build: Callable[[], V]) -> V:
        """The value under ``key``, built if missing or stale (see the module's rule). A build
        holds the lock, so concurrent readers wait for one build instead of each making one."""
        with self.lock:
            entry = self._entries.get(key)
            if entry is not None and not self._stale(entry):
                self._entries.move_to_end(key)
                return entry.value
            if entry is not None and self._serve_stale and _refreshers > 0:
                entry.wanted = True
                return entry.value
            value = build()
            self.put(key, value=value, build=build)
            return value

    def reset(self) -> None:
        with self.lock:
            self._entries.clear()
            self._generation += 1

    def refresh_due(self) -> int:
        """Rebuild the stale values readers were served, outside the lock so that readers keep
        getting them meanwhile; returns how many were due. A failed build is logged and the
        stale value stays (tried again next time); a build that a reset overtook is dropped,
        since it may come from the database that was replaced."""
        with self.lock:
            due = [(k, e.build) for k, e in self._entries.items() if e.wanted and e.build]
            generation = self._generation
        for key, build in due:
            try:
                value = build()
            except Exception:
                log.exception("refreshing the %s failed; the last one stays in use", self.name)
                continue
            with self.lock:
                if self._generation == generation:
                    self.put(key, value=value, build=build)
        return len(due)


_registry: weakref.WeakSet[Cache[Any, Any]] = weakref.WeakSet()
_refreshers = 0
_refreshers_lock = threading.Lock()


def caches_reset() -> None:
    """Empty every cache of the process (tests, and after restoring a database)."""
    for cache in list(_registry):
        cache.reset()


def refresh_due() -> int:
    """One pass of the refresh loop over every cache; returns how many values were rebuilt."""
    return sum(cache.refresh_due() for cache in list(_registry))


@contextmanager
def refresher() -> Iterator[None]:
    """While inside, caches that ``serve_stale`` leave rebuilding to the caller's loop; outside
    (no loop running: tests, one-off commands) their readers rebuild, so nothing stays stale."""
    global _refreshers
    with _refreshers_lock:
        _refreshers += 1
    try:
        yield
    finally:
        with _refreshers_lock:
            _refreshers -= 1
