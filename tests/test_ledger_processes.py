"""The ledger across real processes: killed batches, concurrent issuers, index reservation."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import signal
import sqlite3
import time
import uuid
from collections import Counter
from multiprocessing.context import SpawnProcess
from pathlib import Path
from typing import Any

import pytest

from elmkit.ledger import (
    ConflictError,
    CredentialState,
    EventType,
    LedgerError,
    SQLiteLedger,
    credential_history,
    ledger_summary,
)

DEF = "micro-data-201"
DOC = {"type": "LearningAchievementSpecification", "title": {"en": "Data Literacy"}}
LIST = "https://issuer.example/status/7"
LIST_SIZE = 512

ctx = multiprocessing.get_context("spawn")


def credential_id(learner: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{DEF}/{learner}')}"


def document_sha(learner: str) -> str:
    return hashlib.sha256(f"credential of {learner}".encode()).hexdigest()


def learners(count: int) -> list[str]:
    return [f"student-{i:04d}" for i in range(count)]


# --- worker processes (module level so that spawn can import them) ------------------------------


def run_batch(
    path: str,
    names: list[str],
    actor: str,
    *,
    atomic: bool = False,
    seed: int = 0,
    pause: float = 0.0,
    durable: bool = False,
    barrier: Any = None,
) -> None:
    """Issue a batch the way an issuing job does: claim, generate, export, reserve an index.

    Safe to run again after a crash: every step checks what the ledger already holds.
    ``pause`` stretches the time between claiming and generating (where a crash hurts most).
    """
    order = list(names)
    random.Random(seed).shuffle(order)
    with SQLiteLedger(path, busy_timeout=60, synchronous="FULL" if durable else "NORMAL") as ledger:
        ledger.define(DEF, DOC, title="Data Literacy")
        if barrier is not None:
            barrier.wait(60)
        for learner in order:
            cid = credential_id(learner)
            if atomic:
                with ledger.transaction():
                    issue_one(ledger, cid, learner, actor, pause)
            else:
                issue_one(ledger, cid, learner, actor, pause)
            reserve(ledger, cid, random.Random(f"{seed}/{learner}"))


def issue_one(ledger: SQLiteLedger, cid: str, learner: str, actor: str, pause: float) -> None:
    ledger.claim_credential(cid, DEF, learner, actor=actor)
    time.sleep(pause)
    ledger.record(cid, EventType.GENERATED, actor, sha256=document_sha(learner))
    with ledger.transaction():
        credential = ledger.get_credential(cid)
        assert credential is not None
        if credential.state is CredentialState.GENERATED:
            ledger.record(cid, EventType.EXPORTED, actor, detail={"format": "jsonld"})


def reserve(ledger: SQLiteLedger, cid: str, rng: random.Random) -> None:
    while not any(e.list_url == LIST for e in ledger.status_entries_for(cid)):
        free = sorted(set(range(LIST_SIZE)) - ledger.used_indexes(LIST))
        try:
            if ledger.reserve_index(LIST, rng.choice(free), cid, "revocation"):
                return
        except ConflictError:
            return  # another process reserved one for this credential meanwhile


def race_for_indexes(path: str, worker: int, indexes: list[int], queue: Any, barrier: Any) -> None:
    """Try to take every index in ``indexes`` for this worker's own credentials."""
    with SQLiteLedger(path, busy_timeout=60, synchronous="NORMAL") as ledger:
        ledger.define(DEF, DOC)
        barrier.wait(60)
        won = []
        for index in indexes:
            cid = f"w{worker}-{index}"
            ledger.claim_credential(cid, DEF, f"learner-{worker}-{index}")
            if ledger.reserve_index(LIST, index, cid, "revocation"):
                won.append(index)
        queue.put((worker, won))


def record_more(path: str, cid: str) -> None:
    """Another process writes to a credential: one event and one status-list index."""
    with SQLiteLedger(path, busy_timeout=60) as ledger:
        ledger.record(cid, EventType.EXPORTED, "other-process", detail={"format": "pdf"})
        ledger.reserve_index(LIST, 7, cid, "revocation")


# --- helpers ------------------------------------------------------------------------------------


def start(target: Any, *args: Any, **kwargs: Any) -> SpawnProcess:
    process = ctx.Process(target=target, args=args, kwargs=kwargs, daemon=True)
    process.start()
    return process


def finish(processes: list[SpawnProcess], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    try:
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()


def count_credentials(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=5) as db:
            return int(db.execute("SELECT COUNT(*) FROM credentials").fetchone()[0])
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def kill_when(process: SpawnProcess, path: Path, at_least: int, timeout: float = 60) -> int:
    """SIGKILL ``process`` once the ledger holds ``at_least`` credentials; return the count."""
    deadline = time.monotonic() + timeout
    while count_credentials(path) < at_least:
        assert process.is_alive(), f"worker ended early with {process.exitcode}"
        assert time.monotonic() < deadline, "worker made no progress"
        time.sleep(0.002)
    assert process.pid is not None
    os.kill(process.pid, signal.SIGKILL)
    process.join(10)
    assert process.exitcode == -signal.SIGKILL
    return count_credentials(path)


def assert_complete(path: Path, names: list[str]) -> None:
    """Exactly one credential per learner, each with the full, gap-free history."""
    with SQLiteLedger(path) as ledger:
        credentials = list(ledger.credentials())
        assert sorted(c.learner_id for c in credentials) == sorted(names)
        assert {c.credential_id for c in credentials} == {credential_id(n) for n in names}
        for credential in credentials:
            history = ledger.history(credential.credential_id)
            assert [e.event for e in history] == [
                EventType.DEFINED,
                EventType.GENERATED,
                EventType.EXPORTED,
            ], credential.credential_id
            assert [e.n for e in history] == [1, 2, 3]
            assert history[1].sha256 == document_sha(credential.learner_id)
            assert credential.state is CredentialState.EXPORTED
        entries = list(ledger.status_entries(LIST))
        holders = Counter(e.credential_id for e in entries)
        assert set(holders) == {c.credential_id for c in credentials}
        assert set(holders.values()) == {1}
        assert len({e.index for e in entries}) == len(entries)
        events = list(ledger.events())
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert Counter(e.event for e in events)[EventType.GENERATED] == len(names)
        report = ledger.verify_integrity()
        assert report.ok, report.problems
        assert report.events == 3 * len(names)


# --- tests --------------------------------------------------------------------------------------


def crash_and_resume(
    tmp_path: Path, total: int, kills: list[int], *, atomic: bool, durable: bool
) -> None:
    path = tmp_path / "ledger.db"
    names = learners(total)
    seen = []
    for round_, at_least in enumerate(kills):
        worker = start(
            run_batch, str(path), names, f"job-{round_}",
            atomic=atomic, seed=round_, pause=0.004, durable=durable,
        )  # fmt: skip
        seen.append(kill_when(worker, path, at_least))
    assert all(0 < n < total for n in seen), seen  # every run really stopped half-way
    with SQLiteLedger(path) as ledger:
        assert ledger.verify_integrity().ok  # a killed writer leaves no trace of half-work
    finish([start(run_batch, str(path), names, "job-final", atomic=atomic, seed=99)])
    assert_complete(path, names)


def test_a_killed_batch_completes_when_run_again(tmp_path: Path) -> None:
    crash_and_resume(tmp_path, total=80, kills=[25], atomic=False, durable=False)


@pytest.mark.slow
@pytest.mark.parametrize("atomic", [False, True])
def test_a_batch_killed_again_and_again_completes(tmp_path: Path, atomic: bool) -> None:
    crash_and_resume(tmp_path, total=300, kills=[40, 100, 170, 240], atomic=atomic, durable=True)


def concurrent_batches(path: Path, names: list[str], workers: int, durable: bool) -> None:
    barrier = ctx.Barrier(workers)
    processes = [
        start(
            run_batch,
            str(path),
            names,
            f"job-{w}",
            atomic=w % 2 == 1,
            seed=w,
            durable=durable,
            barrier=barrier,
        )
        for w in range(workers)
    ]
    finish(processes, timeout=300)
    assert_complete(path, names)


def test_concurrent_batches_issue_each_credential_once(tmp_path: Path) -> None:
    concurrent_batches(tmp_path / "ledger.db", learners(30), workers=3, durable=False)


@pytest.mark.slow
def test_many_concurrent_batches_issue_each_credential_once(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    concurrent_batches(path, learners(300), workers=6, durable=True)
    with SQLiteLedger(path) as ledger:
        actors = Counter(e.actor for e in ledger.events(event="generated"))
    assert len(actors) > 1  # the work really was shared between processes


def test_each_status_index_is_won_by_exactly_one_process(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    queue = ctx.Queue()
    barrier = ctx.Barrier(3)
    indexes = list(range(40))
    workers = []
    for worker in range(3):
        order = list(indexes)
        random.Random(worker).shuffle(order)
        workers.append(start(race_for_indexes, str(path), worker, order, queue, barrier))
    results = dict(queue.get(timeout=120) for _ in workers)
    finish(workers)
    won = [index for indexes_won in results.values() for index in indexes_won]
    assert sorted(won) == indexes  # every index won once, none twice
    with SQLiteLedger(path) as ledger:
        entries = {e.index: e.credential_id for e in ledger.status_entries(LIST)}
        assert ledger.used_indexes(LIST) == set(indexes)
        assert ledger.verify_integrity().ok
    for worker, indexes_won in results.items():
        for index in indexes_won:
            assert entries[index] == f"w{worker}-{index}"


def use_after_fork(ledger: SQLiteLedger, queue: Any) -> None:
    try:
        ledger.get_credential("anything")
    except LedgerError as exc:
        queue.put(str(exc))
    else:
        queue.put("no error")
    ledger.close()  # must not close the parent's connection


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method"
)
def test_a_ledger_cannot_cross_fork(tmp_path: Path) -> None:
    fork = multiprocessing.get_context("fork")
    queue = fork.Queue()
    with SQLiteLedger(tmp_path / "ledger.db") as ledger:
        ledger.define(DEF, DOC)
        child = fork.Process(target=use_after_fork, args=(ledger, queue))
        child.start()
        message = queue.get(timeout=30)
        child.join(30)
        assert child.exitcode == 0
        assert "fork" in message
        assert ledger.get_definition(DEF) is not None  # still usable in the parent


def one_generated_credential(path: Path) -> str:
    """A new ledger at ``path`` with one credential, generated; its id."""
    cid = credential_id("student-0001")
    with SQLiteLedger(path) as ledger:
        ledger.define(DEF, DOC)
        ledger.claim_credential(cid, DEF, "student-0001")
        ledger.record(cid, EventType.GENERATED, "batch", sha256=document_sha("student-0001"))
    return cid


class WritesBetweenReads:
    """A store whose ``get_credential`` returns only after another process wrote to the
    credential: the moment a history read in separate transactions gets wrong."""

    def __init__(self, store: SQLiteLedger, path: Path) -> None:
        self._store = store
        self._path = path

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def get_credential(self, cid: str) -> Any:
        found = self._store.get_credential(cid)
        finish([start(record_more, str(self._path), cid)], timeout=60)
        return found


@pytest.mark.parametrize("read_only", [False, True])
def test_credential_history_is_one_moment_while_another_process_writes(
    tmp_path: Path, read_only: bool
) -> None:
    path = tmp_path / "ledger.db"
    cid = one_generated_credential(path)
    with SQLiteLedger(path, read_only=read_only) as reader:
        history = credential_history(WritesBetweenReads(reader, path), cid)  # type: ignore[arg-type]
        assert history.credential.event_count == len(history.events) == 2
        assert [e.event for e in history.events] == [EventType.DEFINED, EventType.GENERATED]
        assert history.status_entries == ()
        later = credential_history(reader, cid)  # the other process's write, once it is over
        assert later.credential.event_count == len(later.events) == 3
        assert [e.index for e in later.status_entries] == [7]


class WritesBetweenCounts:
    """A store whose per-definition counts return only after another process changed a
    credential's state: totals read afterwards would not be the sums of the parts."""

    def __init__(self, store: SQLiteLedger, path: Path, cid: str) -> None:
        self._store, self._path, self._cid = store, path, cid

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def counts_by_state(self, **filters: Any) -> Any:
        counts = self._store.counts_by_state(**filters)
        if filters:
            finish([start(record_more, str(self._path), self._cid)], timeout=60)
        return counts


def test_the_ledger_summary_is_one_moment_while_another_process_writes(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    cid = one_generated_credential(path)
    with SQLiteLedger(path) as reader:
        summary = ledger_summary(WritesBetweenCounts(reader, path, cid))  # type: ignore[arg-type]
        assert summary.counts == summary.definitions[0].counts
        assert ledger_summary(reader).counts != summary.counts  # the write, once it is over
