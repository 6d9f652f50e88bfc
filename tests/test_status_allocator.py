"""Index allocation: unique, never reused across reopen, random order, typed exhaustion."""

from __future__ import annotations

import itertools
import random
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from elmkit.status import (
    MIN_SIZE,
    IndexAllocator,
    IndexExhaustedError,
    IndexStore,
    InMemoryIndexStore,
    RandomIndexAllocator,
    StatusListError,
)


class SqliteIndexStore:
    """An IndexStore on a real SQLite file, as a ledger would implement it."""

    def __init__(self, path: Path, list_id: str = "list-1") -> None:
        self.list_id = list_id
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=NORMAL")
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS status_index ("
            " list TEXT NOT NULL, idx INTEGER NOT NULL, credential TEXT, PRIMARY KEY (list, idx))"
        )

    def used_indexes(self) -> Iterable[int]:
        rows = self.connection.execute(
            "SELECT idx FROM status_index WHERE list = ?", (self.list_id,)
        )
        return [row[0] for row in rows]

    def reserve(self, index: int) -> bool:
        try:
            self.connection.execute(
                "INSERT INTO status_index (list, idx) VALUES (?, ?)", (self.list_id, index)
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def close(self) -> None:
        self.connection.close()


def test_protocols() -> None:
    store = InMemoryIndexStore()
    assert isinstance(store, IndexStore)
    assert isinstance(RandomIndexAllocator(store), IndexAllocator)


def test_many_allocations_are_unique_and_recorded() -> None:
    store = InMemoryIndexStore()
    allocator = RandomIndexAllocator(store)
    indexes = [allocator.allocate() for _ in range(20_000)]
    assert len(set(indexes)) == len(indexes)
    assert all(0 <= i < MIN_SIZE for i in indexes)
    assert set(store.used_indexes()) == set(indexes)
    assert allocator.remaining == MIN_SIZE - 20_000


def test_never_reused_after_reopen(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    first_store = SqliteIndexStore(path)
    allocator = RandomIndexAllocator(first_store)
    first = [allocator.allocate() for _ in range(500)]
    first_store.close()

    second_store = SqliteIndexStore(path)
    reopened = RandomIndexAllocator(second_store)
    assert reopened.remaining == MIN_SIZE - len(set(first))
    second = [reopened.allocate() for _ in range(500)]
    second_store.close()

    assert len(set(first)) == 500
    assert not set(first) & set(second)
    assert len(set(second)) == 500
    other_list = SqliteIndexStore(path, "list-2")
    assert list(other_list.used_indexes()) == []
    other_list.close()


def test_exhaustion_raises_a_typed_error_and_reopen_stays_exhausted(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    store = SqliteIndexStore(path)
    allocator = RandomIndexAllocator(store, size=256, rng=random.Random(7))
    indexes = [allocator.allocate() for _ in range(256)]
    assert sorted(indexes) == list(range(256))
    with pytest.raises(IndexExhaustedError, match="all 256 indexes") as info:
        allocator.allocate()
    assert info.value.code == "list-exhausted"
    store.close()
    reopened = SqliteIndexStore(path)
    with pytest.raises(IndexExhaustedError):
        RandomIndexAllocator(reopened, size=256).allocate()
    reopened.close()


def test_nearly_full_large_list_allocates_exactly_the_free_indexes() -> None:
    free = set(random.Random(99).sample(range(MIN_SIZE), 300))
    store = InMemoryIndexStore(i for i in range(MIN_SIZE) if i not in free)
    allocator = RandomIndexAllocator(store, rng=random.Random(1))
    assert allocator.remaining == 300
    got = [allocator.allocate() for _ in range(300)]
    assert set(got) == free and len(got) == 300
    assert allocator.remaining == 0
    with pytest.raises(IndexExhaustedError):
        allocator.allocate()


def test_crossing_from_sparse_to_dense_keeps_uniqueness() -> None:
    store = InMemoryIndexStore()
    allocator = RandomIndexAllocator(store, size=4096, rng=random.Random(3))
    got = [allocator.allocate() for _ in range(4096)]
    assert sorted(got) == list(range(4096))


def test_order_is_random_not_sequential() -> None:
    allocator = RandomIndexAllocator(InMemoryIndexStore(), rng=random.Random(20250101))
    first = [allocator.allocate() for _ in range(100)]
    assert first != sorted(first)
    assert first != sorted(first, reverse=True)
    steps = [b - a for a, b in itertools.pairwise(first)]
    assert sum(1 for s in steps if abs(s) == 1) < 5
    ascending = sum(1 for s in steps if s > 0)
    assert 25 <= ascending <= 75
    assert max(first) - min(first) > MIN_SIZE // 2


def test_different_seeds_give_different_orders_and_default_rng_is_not_sequential() -> None:
    one = RandomIndexAllocator(InMemoryIndexStore(), rng=random.Random(1))
    two = RandomIndexAllocator(InMemoryIndexStore(), rng=random.Random(2))
    assert [one.allocate() for _ in range(20)] != [two.allocate() for _ in range(20)]
    system = RandomIndexAllocator(InMemoryIndexStore())
    first = [system.allocate() for _ in range(100)]
    assert first != sorted(first)
    assert first != list(range(first[0], first[0] + 100))


def test_concurrent_writers_on_one_ledger_never_share_an_index(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    store_a, store_b = SqliteIndexStore(path), SqliteIndexStore(path)
    a = RandomIndexAllocator(store_a, size=512, rng=random.Random(11))
    b = RandomIndexAllocator(store_b, size=512, rng=random.Random(11))
    got: list[int] = []
    exhausted = 0
    while exhausted < 2:
        exhausted = 0
        for allocator in (a, b):
            try:
                got.append(allocator.allocate())
            except IndexExhaustedError:
                exhausted += 1
    assert sorted(got) == list(range(512))
    store_a.close()
    store_b.close()


def test_threads_share_one_allocator() -> None:
    allocator = RandomIndexAllocator(InMemoryIndexStore(), size=8192)
    results: list[list[int]] = [[] for _ in range(8)]

    def work(slot: int) -> None:
        results[slot].extend(allocator.allocate() for _ in range(1024))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    merged = [i for chunk in results for i in chunk]
    assert sorted(merged) == list(range(8192))


def test_allocate_with_a_custom_reservation(tmp_path: Path) -> None:
    store = SqliteIndexStore(tmp_path / "ledger.sqlite")

    def reserve_for(credential: str) -> Callable[[int], bool]:
        def reserve(index: int) -> bool:
            try:
                store.connection.execute(
                    "INSERT INTO status_index (list, idx, credential) VALUES (?, ?, ?)",
                    (store.list_id, index, credential),
                )
            except sqlite3.IntegrityError:
                return False
            return True

        return reserve

    allocator = RandomIndexAllocator(store, size=64, rng=random.Random(4))
    taken = {allocator.allocate(reserve=reserve_for(f"c{n}")): f"c{n}" for n in range(64)}
    assert sorted(taken) == list(range(64))
    rows = dict(store.connection.execute("SELECT idx, credential FROM status_index"))
    assert rows == taken
    with pytest.raises(IndexExhaustedError):
        allocator.allocate(reserve=reserve_for("late"))
    store.close()


@pytest.mark.parametrize("used", [[MIN_SIZE], [-1], ["3"]])
def test_store_with_foreign_indexes_is_rejected(used: list[object]) -> None:
    with pytest.raises(StatusListError, match="index store holds"):
        RandomIndexAllocator(InMemoryIndexStore(used))  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [0, -5, True])
def test_bad_allocator_size(size: int) -> None:
    with pytest.raises(StatusListError):
        RandomIndexAllocator(InMemoryIndexStore(), size=size)
