"""Allocation of status-list indexes: unique, never reused, in a random order."""

from __future__ import annotations

import itertools
import random
import secrets
import threading
from array import array
from collections.abc import Callable, Iterable
from typing import Protocol, runtime_checkable

from elmkit.status.bitstring import MIN_SIZE
from elmkit.status.errors import IndexExhaustedError, StatusListError

__all__ = ["InMemoryIndexStore", "IndexAllocator", "IndexStore", "RandomIndexAllocator"]


@runtime_checkable
class IndexStore(Protocol):
    """Durable record of the indexes of one status list that have ever been handed out.

    ``reserve`` must record ``index`` durably before returning ``True`` and must return ``False``
    when the index was already recorded (for a SQL store: ``INSERT`` into a table with a
    ``UNIQUE``/``PRIMARY KEY`` constraint, ``False`` on a constraint violation). Indexes are never
    removed, even when a credential is deleted, so an index is never reused.
    """

    def used_indexes(self) -> Iterable[int]:
        """Every index recorded so far."""
        ...

    def reserve(self, index: int) -> bool:
        """Record ``index``; ``False`` when it was already recorded."""
        ...


@runtime_checkable
class IndexAllocator(Protocol):
    """Hands out status-list indexes."""

    def allocate(self) -> int:
        """A fresh index, recorded as used; raises :class:`IndexExhaustedError` when none is left."""
        ...


class InMemoryIndexStore:
    """An :class:`IndexStore` kept in memory (tests, throw-away lists)."""

    def __init__(self, used: Iterable[int] = ()) -> None:
        self._used: set[int] = set(used)
        self._lock = threading.Lock()

    def used_indexes(self) -> Iterable[int]:
        with self._lock:
            return frozenset(self._used)

    def reserve(self, index: int) -> bool:
        with self._lock:
            if index in self._used:
                return False
            self._used.add(index)
            return True

    def __len__(self) -> int:
        return len(self._used)


class RandomIndexAllocator:
    """Allocates the free indexes of a list of ``size`` entries in a uniformly random order.

    The used indexes are read from ``store`` once; every allocation is recorded with
    ``store.reserve`` before it is returned, and an index another writer reserved meanwhile is
    skipped. While less than half the list is used, indexes are drawn by rejection sampling
    (at most two draws on average, no per-list memory); beyond that, the free indexes are kept in
    an array and drawn by a partial Fisher-Yates shuffle, so each allocation is O(1) even when
    almost every index is used. ``rng`` defaults to :class:`secrets.SystemRandom`; inject a seeded
    :class:`random.Random` only in tests.
    """

    def __init__(
        self, store: IndexStore, size: int = MIN_SIZE, *, rng: random.Random | None = None
    ) -> None:
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            raise StatusListError(
                f"list size must be a positive integer, got {size!r}", code="bad-size"
            )
        self._store = store
        self._size = size
        self._rng: random.Random = rng if rng is not None else secrets.SystemRandom()
        self._lock = threading.Lock()
        used: set[int] = set()
        for index in store.used_indexes():
            if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < size:
                raise StatusListError(
                    f"the index store holds {index!r}, outside a list of {size} entries",
                    code="bad-store",
                )
            used.add(index)
        self._used = used
        self._free: array[int] | None = None

    @property
    def size(self) -> int:
        """Number of entries of the list."""
        return self._size

    @property
    def remaining(self) -> int:
        """Number of indexes this allocator can still hand out (as far as it knows)."""
        with self._lock:
            if self._free is not None:
                return len(self._free)
            return self._size - len(self._used)

    def allocate(self, *, reserve: Callable[[int], bool] | None = None) -> int:
        """A fresh index, recorded with ``reserve`` (default: ``store.reserve``).

        Pass ``reserve`` to record the index together with more data, e.g. the credential that
        holds it; it must follow the contract of :meth:`IndexStore.reserve`.
        """
        record = reserve if reserve is not None else self._store.reserve
        with self._lock:
            while True:
                index = self._draw()
                if record(index):
                    return index

    def _draw(self) -> int:
        """A candidate index not known to be used; marks it used locally."""
        if self._free is None and 2 * len(self._used) < self._size:
            while True:
                index = self._rng.randrange(self._size)
                if index not in self._used:
                    self._used.add(index)
                    return index
        free = self._free
        if free is None:
            mask = bytearray(b"\x01") * self._size
            for index in self._used:
                mask[index] = 0
            free = self._free = array("q", itertools.compress(range(self._size), mask))
            self._used = set()
        if not free:
            raise IndexExhaustedError(f"all {self._size} indexes of the status list are used")
        position = self._rng.randrange(len(free))
        index = free[position]
        free[position] = free[-1]
        free.pop()
        return index
