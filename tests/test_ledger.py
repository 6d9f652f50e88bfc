"""The issuance ledger: transitions, idempotency, queries, status indexes, tamper evidence."""

from __future__ import annotations

import hashlib
import itertools
import re
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import as_another_user_when_root
from elmkit.errors import ElmError
from elmkit.ledger import (
    ALLOWED_FROM,
    ConflictError,
    CredentialState,
    EventType,
    InvalidTransitionError,
    LedgerError,
    LedgerIndexStore,
    LedgerStore,
    SchemaVersionError,
    SQLiteLedger,
    StatusPurpose,
    UnknownCredentialError,
    UnknownDefinitionError,
    credential_history,
    history_table,
    integrity_table,
    ledger_summary,
    open_ledger,
    plan_event,
    register_store,
    replay,
    summary_table,
)
from elmkit.ledger import sqlite as sqlite_store
from elmkit.ledger.model import GENESIS_HASH, event_hash, utc_timestamp

DEF = "micro-ai-101"
DOC = {"type": "LearningAchievementSpecification", "title": {"en": "Applied AI"}}
LIST = "https://issuer.example/status/1"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# Every store implementation must pass these tests: add its factory here.
STORES: dict[str, Callable[[Path], LedgerStore]] = {
    "sqlite": lambda tmp: SQLiteLedger(tmp / "ledger.db"),
}


@pytest.fixture(params=sorted(STORES))
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerStore]:
    store = STORES[request.param](tmp_path)
    store.define(DEF, DOC, title="Applied AI")
    yield store
    store.close()


def issue(ledger: LedgerStore, cid: str, learner: str = "") -> None:
    assert ledger.claim_credential(cid, DEF, learner or f"learner-{cid}")
    assert ledger.record(cid, EventType.GENERATED, "batch", sha256=sha(cid)) is not None


def kinds(ledger: LedgerStore, cid: str) -> list[str]:
    return [e.event.value for e in ledger.history(cid)]


def raw(ledger: LedgerStore) -> sqlite3.Connection:
    assert isinstance(ledger, SQLiteLedger)
    return sqlite3.connect(ledger.path, isolation_level=None)


# --- transitions --------------------------------------------------------------------------------


def test_full_lifecycle_is_recorded_in_order(ledger: LedgerStore) -> None:
    issue(ledger, "c1")
    ledger.record("c1", "exported", "staff", detail={"format": "jsonld"}, file_path="out/c1.json")
    ledger.record("c1", "uploaded", "batch", detail={"to": "certidigital"})
    ledger.record("c1", "sealed", "seal-service", sha256=sha("sealed c1"))
    ledger.record("c1", "downloaded", "learner-c1")
    ledger.record("c1", "sent", "mailer")
    ledger.record("c1", "suspended", "registrar", detail={"reason": "appeal"})
    ledger.record("c1", "unsuspended", "registrar")
    ledger.record("c1", "revoked", "registrar", detail={"reason": "fraud"})
    assert kinds(ledger, "c1") == [
        "defined", "generated", "exported", "uploaded", "sealed", "downloaded", "sent",
        "suspended", "unsuspended", "revoked",
    ]  # fmt: skip
    history = ledger.history("c1")
    assert [e.n for e in history] == list(range(1, 11))
    assert [e.seq for e in history] == sorted(e.seq for e in history)
    assert history[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(history))
    assert history[4].sha256 == sha("sealed c1")
    assert history[9].detail == {"reason": "fraud"}
    credential = ledger.get_credential("c1")
    assert credential is not None
    assert credential.state is CredentialState.REVOKED
    assert credential.file_path == "out/c1.json"
    assert credential.sha256 == sha("c1")  # the generated document, not the sealed one
    assert credential.event_count == 10
    assert credential.updated_at == history[-1].at


def test_generated_again_is_a_noop_and_a_new_document_is_regenerated(ledger: LedgerStore) -> None:
    issue(ledger, "c1")
    ledger.record("c1", "sealed", "sealer")
    assert ledger.record("c1", EventType.GENERATED, "batch", sha256=sha("c1")) is None
    assert kinds(ledger, "c1") == ["defined", "generated", "sealed"]
    event = ledger.record("c1", EventType.GENERATED, "batch", sha256=sha("fixed typo"))
    assert event is not None and event.event is EventType.REGENERATED
    credential = ledger.get_credential("c1")
    assert credential is not None
    assert credential.state is CredentialState.GENERATED  # the new document is not sealed
    assert credential.sha256 == sha("fixed typo")
    # upper-case digests are the same digest
    assert ledger.record("c1", "regenerated", "batch", sha256=sha("fixed typo").upper()) is None


@pytest.mark.parametrize(
    ("setup", "event", "state"),
    [
        (["revoked"], "sealed", "revoked"),
        (["revoked"], "revoked", "revoked"),
        (["revoked"], "unsuspended", "revoked"),
        ([], "unsuspended", "generated"),
        (["sealed"], "unsuspended", "sealed"),
        (["suspended"], "suspended", "suspended"),
        (["suspended"], "sent", "suspended"),
        (["suspended"], "downloaded", "suspended"),
        ([], "defined", "generated"),
    ],
)
def test_forbidden_transitions_raise_and_record_nothing(
    ledger: LedgerStore, setup: list[str], event: str, state: str
) -> None:
    issue(ledger, "c1")
    for step in setup:
        ledger.record("c1", step, "registrar")
    before = kinds(ledger, "c1")
    with pytest.raises(InvalidTransitionError) as info:
        ledger.record("c1", event, "registrar", sha256=sha("x"))
    assert isinstance(info.value, ElmError)
    assert (info.value.credential_id, info.value.event, info.value.state) == ("c1", event, state)
    assert kinds(ledger, "c1") == before
    credential = ledger.get_credential("c1")
    assert credential is not None and credential.state.value == state


def test_nothing_but_revocation_before_a_document_exists(ledger: LedgerStore) -> None:
    ledger.claim_credential("c1", DEF, "ana")
    for event in ("regenerated", "exported", "sealed", "sent", "suspended", "unsuspended"):
        with pytest.raises(InvalidTransitionError):
            ledger.record("c1", event, "batch", sha256=sha("x"))
    ledger.record("c1", "revoked", "registrar", detail={"reason": "enrolment cancelled"})
    assert kinds(ledger, "c1") == ["defined", "revoked"]


def test_state_is_the_furthest_milestone_and_unsuspend_restores_it(ledger: LedgerStore) -> None:
    issue(ledger, "c1")
    states = []
    for event in ("sent", "exported", "sealed", "suspended", "unsuspended", "downloaded"):
        ledger.record("c1", event, "staff")
        credential = ledger.get_credential("c1")
        assert credential is not None
        states.append(credential.state.value)
    assert states == ["sent", "sent", "sent", "suspended", "sent", "sent"]


def test_record_rejects_bad_input(ledger: LedgerStore) -> None:
    issue(ledger, "c1")
    with pytest.raises(UnknownCredentialError) as missing:
        ledger.record("nope", "sealed", "sealer")
    assert isinstance(missing.value, LookupError)
    bad: list[dict[str, Any]] = [
        {"event": "stapled"},
        {"event": "sealed", "sha256": "abc"},
        {"event": "sealed", "sha256": "g" * 64},
        {"event": "regenerated"},  # a document digest is required
        {"event": "sealed", "actor": ""},
        {"event": "sealed", "detail": ["not", "an", "object"]},
        {"event": "sealed", "detail": {"x": float("nan")}},
        {"event": "sealed", "detail": {"x": object()}},
        {"event": "sealed", "at": datetime(2025, 1, 1, 12, 0)},  # naive
        {"event": "sealed", "at": "yesterday"},
    ]
    for kwargs in bad:
        args = {"actor": "sealer", **kwargs}
        with pytest.raises(LedgerError):
            ledger.record("c1", **args)
    assert kinds(ledger, "c1") == ["defined", "generated"]


LATIN1 = "caf\udce9"  # "café" typed in a Latin-1 terminal: its é byte held as a surrogate


@pytest.mark.parametrize(
    "call",
    [
        lambda store: store.get_credential(LATIN1),
        lambda store: list(store.credentials(learner_id=LATIN1)),
        lambda store: list(store.credentials(definition_id=LATIN1)),
        lambda store: store.history(LATIN1),
        lambda store: list(store.events(credential_id=LATIN1)),
        lambda store: store.get_definition(LATIN1),
        lambda store: store.status_entries_for(LATIN1),
        lambda store: store.record(LATIN1, "sent", "mailer"),
        lambda store: store.record("c1", "sent", LATIN1),
        lambda store: store.record("c1", "sent", "mailer", file_path=f"/out/{LATIN1}.jsonld"),
        lambda store: store.claim_credential("c2", DEF, LATIN1),
        lambda store: store.claim_credential(LATIN1, DEF, "learner"),
        lambda store: store.define(DEF, {"k": 1}, title=LATIN1),
        lambda store: store.define(LATIN1, {"k": 1}),
        lambda store: store.reserve_index(LIST, 3, LATIN1, "revocation"),
    ],
)
def test_a_text_that_is_not_unicode_is_a_ledger_error(
    ledger: LedgerStore, call: Callable[[LedgerStore], object]
) -> None:
    issue(ledger, "c1")
    with pytest.raises(LedgerError, match="not Unicode text"):
        call(ledger)
    assert kinds(ledger, "c1") == ["defined", "generated"]
    assert [c.credential_id for c in ledger.credentials()] == ["c1"]


def test_times_are_normalised_to_utc(ledger: LedgerStore) -> None:
    assert ledger.claim_credential("c1", DEF, "learner-c1", at="2025-05-31T00:00:00Z")
    ledger.record("c1", "generated", "batch", sha256=sha("c1"), at="2025-05-31T01:00:00Z")
    madrid = timezone(timedelta(hours=2))
    event = ledger.record("c1", "sealed", "sealer", at=datetime(2025, 6, 1, 10, 30, tzinfo=madrid))
    assert event is not None and event.at == "2025-06-01T08:30:00.000000Z"
    event = ledger.record("c1", "sent", "mailer", at="2025-06-01T09:00:00+00:00")
    assert event is not None and event.at == "2025-06-01T09:00:00.000000Z"
    with pytest.raises(LedgerError, match="before c1 entered the ledger"):
        ledger.record("c1", "uploaded", "registrar", at="2025-05-30T23:59:59Z")
    assert kinds(ledger, "c1")[-1] == "sent"


def test_update_time_is_the_latest_event_time_when_earlier_events_are_recorded_later(
    ledger: LedgerStore,
) -> None:
    ledger.claim_credential("c1", DEF, "learner-c1", at="2025-05-31T00:00:00Z")
    ledger.record("c1", "generated", "batch", sha256=sha("c1"), at="2025-05-31T01:00:00Z")
    ledger.record("c1", "sent", "mailer", at="2025-07-01T09:00:00Z")
    ledger.record("c1", "downloaded", "portal", at="2025-06-15T12:00:00+02:00")  # found later
    credential = ledger.get_credential("c1")
    assert credential is not None
    assert credential.updated_at == max(e.at for e in ledger.history("c1"))
    assert credential.updated_at == "2025-07-01T09:00:00.000000Z"
    assert [c.updated_at for c in ledger.credentials()] == [credential.updated_at]
    ledger.record("c1", "downloaded", "portal", at="2025-07-02T08:00:00Z")
    later = ledger.get_credential("c1")
    assert later is not None and later.updated_at == "2025-07-02T08:00:00.000000Z"


# --- claiming and definitions -----------------------------------------------------------------


def test_claim_is_idempotent_and_rejects_a_different_learner(ledger: LedgerStore) -> None:
    assert ledger.claim_credential("c1", DEF, "ana", actor="batch-1")
    assert not ledger.claim_credential("c1", DEF, "ana", actor="batch-2")
    assert kinds(ledger, "c1") == ["defined"]
    first = ledger.history("c1")[0]
    assert first.actor == "batch-1"
    assert first.detail["learner_id"] == "ana"
    with pytest.raises(ConflictError):
        ledger.claim_credential("c1", DEF, "bruno")
    ledger.define("other", {"x": 1})
    with pytest.raises(ConflictError):
        ledger.claim_credential("c1", "other", "ana")


def test_claim_needs_a_registered_definition(ledger: LedgerStore) -> None:
    with pytest.raises(UnknownDefinitionError):
        ledger.claim_credential("c1", "unknown", "ana")
    with pytest.raises(UnknownDefinitionError):
        ledger.claim_credential("c1", DEF, "ana", definition_version="no-such-version")
    assert ledger.get_credential("c1") is None


def test_definitions_are_versioned_by_content(ledger: LedgerStore) -> None:
    first = ledger.get_definition(DEF)
    assert first is not None and first.document == DOC
    assert first.version == first.sha256[:16]
    assert ledger.define(DEF, dict(DOC), title="Applied AI") == first  # idempotent
    changed = {**DOC, "title": {"en": "Applied Artificial Intelligence"}}
    second = ledger.define(DEF, changed, title="Applied Artificial Intelligence")
    assert second.version != first.version
    latest = ledger.get_definition(DEF)
    assert latest is not None and latest.version == second.version
    assert ledger.claim_credential("new", DEF, "ana")
    assert ledger.claim_credential("old", DEF, "bea", definition_version=first.version)
    new, old = ledger.get_credential("new"), ledger.get_credential("old")
    assert new is not None and new.definition_version == second.version
    assert old is not None and old.definition_version == first.version
    with pytest.raises(ConflictError):
        ledger.define(DEF, {"something": "else"}, version=first.version)
    named = ledger.define("d2", {"k": "v"}, version="2025.1", title="D2")
    assert named.version == "2025.1"
    assert [(d.definition_id, d.version) for d in ledger.definitions()] == [
        (DEF, first.version),
        (DEF, second.version),
        ("d2", "2025.1"),
    ]


# --- queries ------------------------------------------------------------------------------------


def test_queries_by_learner_definition_state_and_time(ledger: LedgerStore) -> None:
    ledger.define("d2", {"k": 2})
    day = datetime(2025, 3, 1, tzinfo=UTC)
    for i in range(6):
        definition = DEF if i % 2 == 0 else "d2"
        at = day + timedelta(days=i)
        ledger.claim_credential(f"c{i}", definition, f"learner-{i % 3}", at=at)
        ledger.record(f"c{i}", "generated", "batch", sha256=sha(str(i)), at=at + timedelta(hours=1))
    ledger.record("c0", "revoked", "registrar", at=day + timedelta(days=10))
    ledger.record("c3", "sealed", "sealer", at=day + timedelta(days=10))

    def ids(**filters: Any) -> list[str]:
        return [c.credential_id for c in ledger.credentials(**filters)]

    assert ids() == [f"c{i}" for i in range(6)]
    assert ids(learner_id="learner-1") == ["c1", "c4"]
    assert ids(definition_id="d2") == ["c1", "c3", "c5"]
    assert ids(state="generated") == ["c1", "c2", "c4", "c5"]
    assert ids(state=CredentialState.REVOKED) == ["c0"]
    assert ids(definition_id=DEF, state="generated", learner_id="learner-2") == ["c2"]
    assert ids(since=day + timedelta(days=2), until=day + timedelta(days=4)) == ["c2", "c3"]
    assert ids(since="2025-03-05T00:00:00Z") == ["c4", "c5"]
    late = list(ledger.events(since=day + timedelta(days=9)))
    assert [(e.credential_id, e.event.value) for e in late] == [("c0", "revoked"), ("c3", "sealed")]
    generated = list(ledger.events(event="generated", until=day + timedelta(days=2)))
    assert [e.credential_id for e in generated] == ["c0", "c1"]
    assert [e.n for e in ledger.events(credential_id="c3")] == [1, 2, 3]
    counts = ledger.counts_by_state()
    assert list(counts) == list(CredentialState)
    assert counts[CredentialState.GENERATED] == 4
    assert counts[CredentialState.REVOKED] == counts[CredentialState.SEALED] == 1
    assert sum(counts.values()) == 6
    assert ledger.counts_by_state(definition_id="d2")[CredentialState.GENERATED] == 2
    with pytest.raises(LedgerError):
        ids(state="lost")
    with pytest.raises(UnknownCredentialError):
        ledger.history("nope")


def test_iteration_streams_in_pages(ledger: LedgerStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_store, "PAGE_SIZE", 4)
    with ledger.transaction():
        for i in range(15):
            issue(ledger, f"c{i:02d}")
    stream = ledger.credentials()
    assert not isinstance(stream, list | tuple)
    seen = []
    for credential in stream:  # writing while iterating is allowed
        seen.append(credential.credential_id)
        ledger.record(credential.credential_id, "sent", "mailer")
    assert seen == [f"c{i:02d}" for i in range(15)]
    assert len(list(ledger.events(event="sent"))) == 15
    assert len(list(ledger.events())) == 45


def test_events_of_a_period_come_in_ledger_order_across_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_store, "PAGE_SIZE", 7)
    day = datetime(2025, 1, 1, tzinfo=UTC)
    with SQLiteLedger(tmp_path / "ledger.db") as ledger:
        ledger.define(DEF, DOC)
        with ledger.transaction():
            for i in range(40):  # imported out of time order: seq and time disagree
                cid, at = f"c{i:02d}", day + timedelta(days=(i * 17) % 40)
                ledger.claim_credential(cid, DEF, f"learner-{i}", at=at)
                ledger.record(cid, "generated", "batch", sha256=sha(cid), at=at)
                if i % 3 == 0:
                    ledger.record(cid, "sent", "mailer", at=at + timedelta(hours=5))
        everything = list(ledger.events())
        for since, until in [(5, 30), (0, 40), (12, 13), (39, None), (None, 2), (50, 60)]:
            low = None if since is None else day + timedelta(days=since)
            high = None if until is None else day + timedelta(days=until)
            for kind in (None, "sent"):
                found = list(ledger.events(event=kind, since=low, until=high))
                assert found == [
                    e
                    for e in everything
                    if (kind is None or e.event.value == kind)
                    and (low is None or e.at >= utc_timestamp(low))
                    and (high is None or e.at < utc_timestamp(high))
                ]
        assert [e.n for e in ledger.events(credential_id="c03", since=day)] == [1, 2, 3]


def test_events_of_a_period_are_read_once_not_again_for_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_store, "PAGE_SIZE", 10)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with SQLiteLedger(tmp_path / "ledger.db") as ledger:
        _two_cohorts(ledger, start, lambda i: ())

        def work(**filters: Any) -> tuple[int, int]:
            return _counted_steps(ledger, lambda: ledger.events(**filters))

        listed, everything = work()
        in_year, year = work(since=start, until=start + timedelta(days=365))
        assert in_year == listed == 2000
        # 200 pages: read again for each page, the year would cost 200 times as much
        assert year < 3 * everything


def test_credentials_come_oldest_first_by_creation_time_across_pages(
    ledger: LedgerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_store, "PAGE_SIZE", 4)
    ledger.define("d2", {"k": 2})
    day = datetime(2025, 6, 1, tzinfo=UTC)
    # Imported with their original times, out of order; several share a time across pages.
    offsets = [5, 1, 3, 1, 0, 1, 1, 1, 1, 1, 4, 2, 0, 3, 1, 5, 2]
    with ledger.transaction():
        for i, days in enumerate(offsets):
            cid = f"c{i:02d}"
            definition = DEF if i % 3 else "d2"
            at = day + timedelta(days=days)
            ledger.claim_credential(cid, definition, f"learner-{i % 2}", at=at)
            if i % 4 == 0:
                ledger.record(cid, "revoked", "registrar", at=day + timedelta(days=9))
    order = sorted(range(len(offsets)), key=lambda i: offsets[i])  # stable: entry order on ties

    def ids(**filters: Any) -> list[str]:
        return [c.credential_id for c in ledger.credentials(**filters)]

    def expected(keep: Callable[[int], bool]) -> list[str]:
        return [f"c{i:02d}" for i in order if keep(i)]

    assert ids() == expected(lambda i: True)
    assert ids(definition_id=DEF) == expected(lambda i: i % 3 != 0)
    assert ids(state="revoked") == expected(lambda i: i % 4 == 0)
    assert ids(state="defined", definition_id="d2") == expected(
        lambda i: i % 4 != 0 and i % 3 == 0
    )
    assert ids(learner_id="learner-1") == expected(lambda i: i % 2 == 1)
    assert ids(learner_id="learner-0", state="revoked") == expected(lambda i: i % 4 == 0)
    since, until = day + timedelta(days=1), day + timedelta(days=4)
    assert ids(since=since, until=until) == expected(lambda i: 1 <= offsets[i] < 4)
    assert ids(learner_id="learner-1", since=since, until=until) == expected(
        lambda i: i % 2 == 1 and 1 <= offsets[i] < 4
    )
    created = [c.created_at for c in ledger.credentials()]
    assert created == sorted(created)


def test_credentials_page_through_large_groups_of_one_creation_time(tmp_path: Path) -> None:
    size = sqlite_store.PAGE_SIZE
    with SQLiteLedger(tmp_path / "ledger.db") as ledger:
        ledger.define(DEF, DOC)
        batches = [
            ("new", "2025-06-01T10:00:00+00:00", size + 7),
            ("old", "2019-06-01T10:00:00+00:00", 2 * size + 3),  # imported after newer ones
        ]
        for name, at, count in batches:
            claims = [
                sqlite_store.NewCredential(f"{name}-{i:04d}", f"{name}-learner-{i}")
                for i in range(count)
            ]
            ledger.claim_many(DEF, claims, at=at)  # one creation time for the whole batch
        ledger.claim_credential("older", DEF, "someone", at="2018-01-01T00:00:00+00:00")
        listed = [c.credential_id for c in ledger.credentials()]
        assert listed == (
            ["older"]
            + [f"old-{i:04d}" for i in range(2 * size + 3)]
            + [f"new-{i:04d}" for i in range(size + 7)]
        )
        since = ledger.credentials(definition_id=DEF, since="2019-01-01T00:00:00Z")
        assert [c.credential_id for c in since] == listed[1:]


def test_credentials_with_events_in_a_window_across_pages(
    ledger: LedgerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_store, "PAGE_SIZE", 4)
    (first,) = [d.version for d in ledger.definitions()]
    ledger.define(DEF, {"k": "second version"}, version="v2")
    day = datetime(2025, 6, 1, tzinfo=UTC)
    with ledger.transaction():
        for i in range(30):  # imported out of time order; some touched again much later
            cid, at = f"c{i:02d}", day + timedelta(days=(i * 7) % 30)
            version = "v2" if i % 5 == 0 else first
            ledger.claim_credential(
                cid, DEF, f"learner-{i % 3}", at=at, definition_version=version
            )
            if i % 4 == 0:
                ledger.record(cid, "revoked", "registrar", at=day + timedelta(days=40 + i))
    histories = {c.credential_id: ledger.history(c.credential_id) for c in ledger.credentials()}
    created = [c.credential_id for c in ledger.credentials()]

    def expected(low: datetime | None, high: datetime | None, **keep: Any) -> list[str]:
        def inside(at: str) -> bool:
            return (low is None or at >= utc_timestamp(low)) and (
                high is None or at < utc_timestamp(high)
            )

        return [
            cid
            for cid in created
            if any(inside(e.at) for e in histories[cid])
            and all(getattr(ledger.get_credential(cid), k) == v for k, v in keep.items())
        ]

    for since, until in [(5, 12), (0, 30), (12, 13), (45, None), (None, 3), (80, 90), (29, 45)]:
        low = None if since is None else day + timedelta(days=since)
        high = None if until is None else day + timedelta(days=until)
        found = ledger.credentials(events_since=low, events_until=high)
        assert [c.credential_id for c in found] == expected(low, high), (since, until)
        mine = ledger.credentials(learner_id="learner-1", events_since=low, events_until=high)
        assert [c.credential_id for c in mine] == expected(low, high, learner_id="learner-1")
        versioned = ledger.credentials(
            definition_id=DEF, definition_version="v2", events_since=low, events_until=high
        )
        assert [c.credential_id for c in versioned] == expected(
            low, high, definition_version="v2"
        )
    # revoked long after it was created: in a window that holds its revocation only
    late = ledger.credentials(events_since=day + timedelta(days=40))
    assert [c.credential_id for c in late] == [cid for cid in created if int(cid[1:]) % 4 == 0]


def test_event_counts_by_definition_of_a_window(ledger: LedgerStore) -> None:
    ledger.define("d2", {"k": 2}, title="Second")
    day = datetime(2025, 6, 1, tzinfo=UTC)
    for i in range(6):
        cid = f"c{i}"
        ledger.claim_credential(cid, DEF if i % 2 else "d2", f"l{i}", at=day + timedelta(days=i))
        ledger.record(cid, "generated", "batch", sha256=sha(cid), at=day + timedelta(days=i))
        if i % 3 == 0:
            ledger.record(cid, "revoked", "registrar", at=day + timedelta(days=10 + i))
    everything = ledger.event_counts_by_definition()
    assert everything[DEF][EventType.DEFINED] == 3 and everything["d2"][EventType.REVOKED] == 1
    assert set(everything[DEF]) == set(EventType)
    window = ledger.event_counts_by_definition(
        since=day + timedelta(days=3), until=day + timedelta(days=12)
    )
    assert window[DEF][EventType.GENERATED] == 2  # c3 and c5
    assert window[DEF][EventType.REVOKED] == 0  # c3's revocation is on day 13
    assert window["d2"][EventType.GENERATED] == 1  # c4
    assert window["d2"][EventType.REVOKED] == 1  # c0's, on day 10
    assert ledger.event_counts_by_definition(since=day + timedelta(days=99)) == {}


def test_credentials_of_a_window_are_checked_once_not_again_for_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_store, "PAGE_SIZE", 10)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with SQLiteLedger(tmp_path / "ledger.db") as ledger:
        _two_cohorts(ledger, start, lambda i: (("generated", sha(str(i)), None),))

        def work(**filters: Any) -> tuple[int, int]:
            return _counted_steps(ledger, lambda: ledger.credentials(**filters))

        listed, everything = work()
        in_year, year = work(events_since=start, events_until=start + timedelta(days=365))
        assert in_year == listed == 2000
        # 200 pages: with the window's events read again for each page, it would cost far more
        assert year < 4 * everything
        later, _ = work(events_since=start + timedelta(days=100))
        assert later == 1000


def test_reports_and_rich_tables(ledger: LedgerStore) -> None:
    from rich.console import Console

    ledger.define("d2", {"k": 2}, title="Second")
    issue(ledger, "c1", "ana")
    issue(ledger, "c2", "bea")
    ledger.claim_credential("c3", "d2", "ana")
    ledger.record("c1", "sealed", "sealer", detail={"seal": "qualified"})
    ledger.reserve_index(LIST, 3, "c1", "revocation")
    history = credential_history(ledger, "c1")
    assert [e.event for e in history.events] == [
        EventType.DEFINED, EventType.GENERATED, EventType.SEALED
    ]  # fmt: skip
    assert [(s.list_url, s.index) for s in history.status_entries] == [(LIST, 3)]
    table = history_table(history)
    assert table.row_count == 3
    console = Console(record=True, width=200)
    console.print(table)
    text = console.export_text()
    assert "sealed" in text and "qualified" in text and "c1: sealed" in text
    assert f"revocation index 3 on {LIST}" in text  # the list to publish when it is revoked
    assert history_table(history.events).row_count == 3
    with pytest.raises(UnknownCredentialError):
        credential_history(ledger, "nope")

    summary = ledger_summary(ledger)
    assert summary.total == 3
    per = {d.definition_id: d for d in summary.definitions}
    assert per[DEF].total == 2 and per["d2"].total == 1
    assert per[DEF].counts[CredentialState.SEALED] == 1
    assert per["d2"].counts[CredentialState.DEFINED] == 1
    table = summary_table(summary)
    assert table.row_count == 3
    console = Console(record=True, width=200)
    console.print(table)
    text = console.export_text()
    assert "Second" in text and "sealed" in text and "revoked" not in text


# --- status-list indexes ------------------------------------------------------------------------


def test_status_index_reservation(ledger: LedgerStore) -> None:
    for cid in ("c1", "c2", "c3"):
        issue(ledger, cid)
    assert ledger.reserve_index(LIST, 7, "c1", StatusPurpose.REVOCATION)
    assert ledger.reserve_index(LIST, 7, "c1", "revocation")  # already its own: idempotent
    assert not ledger.reserve_index(LIST, 7, "c2", "revocation")
    assert not ledger.reserve_index(LIST, 7, "c1", "suspension")
    with pytest.raises(ConflictError):
        ledger.reserve_index(LIST, 8, "c1", "revocation")
    assert ledger.reserve_index(LIST, 8, "c1", "suspension")
    assert ledger.reserve_index(LIST, 0, "c2", "revocation")
    assert ledger.reserve_index(LIST, 9, "c3", "revocation")
    assert ledger.reserve_index(LIST + "b", 7, "c2", "revocation")  # another list
    assert ledger.used_indexes(LIST) == {0, 7, 8, 9}
    assert ledger.used_indexes("https://issuer.example/none") == set()
    entries = list(ledger.status_entries(LIST))
    assert [(e.index, e.credential_id, e.purpose) for e in entries] == [
        (0, "c2", StatusPurpose.REVOCATION),
        (7, "c1", StatusPurpose.REVOCATION),
        (8, "c1", StatusPurpose.SUSPENSION),
        (9, "c3", StatusPurpose.REVOCATION),
    ]
    assert {e.list_url for e in ledger.status_entries_for("c2")} == {LIST, LIST + "b"}
    for bad in (-1, True, 1.5, 2**64):
        with pytest.raises(LedgerError):
            ledger.reserve_index(LIST, bad, "c3", "suspension")  # type: ignore[arg-type]
    with pytest.raises(LedgerError):
        ledger.reserve_index(LIST, 20, "c3", "message")
    with pytest.raises(UnknownCredentialError):
        ledger.reserve_index(LIST, 21, "nope", "revocation")

    assert ledger.revoked_indexes(LIST, "revocation") == set()
    ledger.record("c1", "suspended", "registrar")
    ledger.record("c3", "revoked", "registrar")
    assert ledger.revoked_indexes(LIST, "revocation") == {9}
    assert ledger.revoked_indexes(LIST, "suspension") == {8}
    ledger.record("c1", "unsuspended", "registrar")
    assert ledger.revoked_indexes(LIST, StatusPurpose.SUSPENSION) == set()
    ledger.record("c1", "revoked", "registrar")
    assert ledger.revoked_indexes(LIST, "revocation") == {7, 9}
    assert ledger.revoked_indexes(LIST + "b", "revocation") == set()


def test_status_allocator_records_indexes_in_the_ledger(ledger: LedgerStore) -> None:
    import random

    from elmkit.status.allocator import RandomIndexAllocator

    with ledger.transaction():
        for i in range(40):
            issue(ledger, f"c{i}")
    indexes = LedgerIndexStore(ledger, LIST)
    first = RandomIndexAllocator(indexes, 64, rng=random.Random(1))
    second = RandomIndexAllocator(indexes, 64, rng=random.Random(1))  # same draws, stale view
    given = {}
    for i in range(40):
        allocator = first if i % 2 else second
        cid = f"c{i}"
        assert indexes.held_by(cid) is None
        given[cid] = allocator.allocate(reserve=indexes.reserver(cid))
        assert indexes.held_by(cid) == given[cid]
    assert len(set(given.values())) == 40
    assert {e.index: e.credential_id for e in ledger.status_entries(LIST)} == {
        index: cid for cid, index in given.items()
    }
    assert indexes.used_indexes() == set(given.values())
    with pytest.raises(ConflictError):
        first.allocate(reserve=indexes.reserver("c0"))  # c0 already holds one
    with pytest.raises(LedgerError, match="reserver"):
        indexes.reserve(63)
    suspension = LedgerIndexStore(ledger, LIST, StatusPurpose.SUSPENSION)
    assert suspension.held_by("c0") is None


# --- transactions, threads ----------------------------------------------------------------------


def test_transactions_are_atomic_and_nest(ledger: LedgerStore) -> None:
    with pytest.raises(RuntimeError), ledger.transaction():
        issue(ledger, "c1")
        raise RuntimeError("crash in the middle of a batch")
    assert ledger.get_credential("c1") is None
    with ledger.transaction():
        issue(ledger, "c2")
        with pytest.raises(InvalidTransitionError), ledger.transaction():
            ledger.record("c2", "sealed", "sealer")
            ledger.record("c2", "unsuspended", "sealer")  # invalid: undoes the inner block
        ledger.record("c2", "sent", "mailer")
    assert kinds(ledger, "c2") == ["defined", "generated", "sent"]
    assert ledger.verify_integrity().ok


def test_threads_can_share_one_ledger(ledger: LedgerStore) -> None:
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(20):
                cid = f"t{worker}-{i}"
                issue(ledger, cid)
                ledger.record(cid, "sent", f"thread-{worker}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ledger.counts_by_state()[CredentialState.SENT] == 80
    report = ledger.verify_integrity()
    assert report.ok and report.events == 240


def test_closed_ledger_refuses_work(tmp_path: Path) -> None:
    ledger = SQLiteLedger(tmp_path / "l.db")
    assert isinstance(ledger, LedgerStore)
    with ledger:
        ledger.define(DEF, DOC)
    with pytest.raises(LedgerError, match="closed"):
        ledger.get_definition(DEF)
    ledger.close()  # idempotent


# --- append-only and tamper evidence ------------------------------------------------------------


def test_events_cannot_be_updated_or_deleted(ledger: LedgerStore) -> None:
    issue(ledger, "c1")
    db = raw(ledger)
    statements = [
        "UPDATE events SET actor = 'mallory'",
        "DELETE FROM events WHERE n = 2",
        "DELETE FROM credentials",
        "UPDATE credentials SET learner_id = 'mallory'",
        "UPDATE definitions SET title = 'x'",
        "DELETE FROM definitions",
    ]
    for statement in statements:
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(statement)
    ledger.reserve_index(LIST, 1, "c1", "revocation")
    for statement in ("UPDATE status_entries SET idx = 2", "DELETE FROM status_entries"):
        with pytest.raises(sqlite3.IntegrityError, match="permanent"):
            db.execute(statement)
    db.close()
    assert kinds(ledger, "c1") == ["defined", "generated"]
    assert ledger.verify_integrity().ok


def _tamper(ledger: LedgerStore, *statements: str, params: tuple[Any, ...] = ()) -> None:
    db = raw(ledger)
    db.execute("DROP TRIGGER IF EXISTS events_no_update")
    db.execute("DROP TRIGGER IF EXISTS events_no_delete")
    db.execute("DROP TRIGGER IF EXISTS definitions_no_update")
    for statement in statements:
        db.execute(statement, params if "?" in statement else ())
    db.close()


def _problems(ledger: LedgerStore) -> set[tuple[str, str]]:
    report = ledger.verify_integrity()
    return {(p.kind, p.credential_id) for p in report.problems if p.kind != "schema"}


@pytest.fixture
def issued(ledger: LedgerStore) -> LedgerStore:
    for cid in ("c1", "c2"):
        issue(ledger, cid)
        ledger.record(cid, "sealed", "sealer", sha256=sha(f"sealed {cid}"))
        ledger.record(cid, "sent", "mailer")
    report = ledger.verify_integrity()
    assert report.ok, report.problems
    assert (report.credentials, report.events) == (2, 8)
    return ledger


def test_integrity_detects_an_edited_event(issued: LedgerStore) -> None:
    _tamper(issued, "UPDATE events SET actor = 'mallory' WHERE credential_id = 'c1' AND n = 3")
    report = issued.verify_integrity()
    assert not report.ok
    missing = " ".join(p.message for p in report.problems if p.kind == "schema")
    assert "events_no_update" in missing and "events_no_delete" in missing
    assert _problems(issued) == {("hash", "c1")}


def test_integrity_detects_an_edit_with_a_recomputed_hash(issued: LedgerStore) -> None:
    event = issued.history("c1")[2]
    forged = event_hash(
        credential_id="c1", n=3, event="sealed", actor="mallory", at=event.at,
        sha256=event.sha256, detail="{}", prev_hash=event.prev_hash,
    )  # fmt: skip
    _tamper(
        issued,
        "UPDATE events SET actor = 'mallory', hash = ? WHERE credential_id = 'c1' AND n = 3",
        params=(forged,),
    )
    assert _problems(issued) == {("chain", "c1")}  # the next event no longer follows


def test_integrity_detects_a_removed_last_event(issued: LedgerStore) -> None:
    _tamper(issued, "DELETE FROM events WHERE credential_id = 'c2' AND n = 4")
    assert ("head", "c2") in _problems(issued)
    assert ("sequence", "") in _problems(issued)


def test_integrity_detects_a_removed_middle_event(issued: LedgerStore) -> None:
    _tamper(issued, "DELETE FROM events WHERE credential_id = 'c2' AND n = 2")
    assert {("sequence", "c2"), ("chain", "c2"), ("head", "c2")} <= _problems(issued)


def test_integrity_report_renders_as_a_table(issued: LedgerStore) -> None:
    from rich.console import Console

    assert integrity_table(issued.verify_integrity()).row_count == 0
    _tamper(issued, "UPDATE events SET actor = 'mallory' WHERE credential_id = 'c2' AND n = 2")
    report = issued.verify_integrity()
    table = integrity_table(report)
    assert table.row_count == len(report.problems) > 0
    console = Console(record=True, width=200)
    console.print(table)
    text = console.export_text()
    assert "c2" in text and "altered" in text and f"{len(report.problems)} problem(s)" in text


def test_integrity_detects_a_forged_state(issued: LedgerStore) -> None:
    _tamper(issued, "UPDATE credentials SET state = 'revoked' WHERE credential_id = 'c2'")
    assert _problems(issued) == {("state", "c2")}
    [state] = [p for p in issued.verify_integrity().problems if p.kind == "state"]
    assert "'revoked'" in state.message and "'sent'" in state.message


def test_integrity_detects_an_impossible_history(issued: LedgerStore) -> None:
    _tamper(issued, "UPDATE events SET event = 'unsuspended' WHERE credential_id = 'c1' AND n = 3")
    assert {("hash", "c1"), ("transition", "c1")} <= _problems(issued)


def test_integrity_detects_an_edited_definition(issued: LedgerStore) -> None:
    _tamper(issued, "UPDATE definitions SET document = '{\"forged\":true}'")
    assert _problems(issued) == {("definition", "")}


# --- opening, URLs, schema versions -------------------------------------------------------------


def test_open_ledger_accepts_paths_and_urls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    opened = [
        open_ledger(tmp_path / "a.db"),
        open_ledger(str(tmp_path / "b.db")),
        open_ledger("sqlite:///sub/c.db"),
        open_ledger(f"sqlite:///{tmp_path}/d.db"),  # sqlite:////abs
        open_ledger("sqlite://"),
    ]
    for store in opened:
        store.define(DEF, DOC)
        store.close()
    assert {p.name for p in tmp_path.glob("*.db")} == {"a.db", "b.db", "d.db"}
    assert (tmp_path / "sub" / "c.db").is_file()
    with pytest.raises(LedgerError, match="register_store"):
        open_ledger("postgresql://ledger@localhost/elmkit")
    with pytest.raises(LedgerError):
        open_ledger("sqlite:relative.db")
    with pytest.raises(LedgerError, match="does not exist"):
        open_ledger(tmp_path / "missing" / "x.db")

    made: list[str] = []

    def factory(url: str) -> LedgerStore:
        made.append(url)
        return SQLiteLedger(tmp_path / "custom.db")

    register_store("elmkit-test", factory)
    with open_ledger("elmkit-test://somewhere") as store:
        assert isinstance(store, SQLiteLedger)
    assert made == ["elmkit-test://somewhere"]


def test_files_that_are_not_ledgers_are_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LedgerError):
        SQLiteLedger(garbage)
    other = tmp_path / "other.db"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    with pytest.raises(LedgerError, match="not an elmkit ledger"):
        SQLiteLedger(other)
    db = sqlite3.connect(other)
    db.execute("PRAGMA application_id = 42")
    db.close()
    with pytest.raises(LedgerError, match="another application"):
        SQLiteLedger(other)


def add_notes(db: sqlite3.Connection) -> None:
    """A migration step, as a later schema version would add one."""
    db.execute("CREATE TABLE notes (credential_id TEXT, note TEXT)")


def test_schema_version_and_migration_hook(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with SQLiteLedger(path) as ledger:
        assert ledger.schema_version == sqlite_store.SCHEMA_VERSION
        ledger.define(DEF, DOC)
        issue(ledger, "c1")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    upgraded = {**sqlite_store.MIGRATIONS, sqlite_store.SCHEMA_VERSION + 1: add_notes}
    with SQLiteLedger(path, migrations=upgraded) as ledger:
        assert ledger.schema_version == sqlite_store.SCHEMA_VERSION + 1
        assert kinds(ledger, "c1") == ["defined", "generated"]
        assert ledger.verify_integrity().ok
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == 0
    with pytest.raises(SchemaVersionError):
        SQLiteLedger(path)  # written by a newer schema
    with pytest.raises(SchemaVersionError):
        gap = {**sqlite_store.MIGRATIONS, sqlite_store.SCHEMA_VERSION + 2: add_notes}
        SQLiteLedger(tmp_path / "gap.db", migrations=gap)


def test_a_failed_migration_leaves_the_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with SQLiteLedger(path) as ledger:
        ledger.define(DEF, DOC)

    def broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half_done (x)")
        raise LedgerError("migration failed")

    with pytest.raises(LedgerError, match="migration failed"):
        SQLiteLedger(path, migrations={**sqlite_store.MIGRATIONS, sqlite_store.SCHEMA_VERSION + 1: broken})
    with SQLiteLedger(path) as ledger:
        assert ledger.schema_version == sqlite_store.SCHEMA_VERSION
        assert ledger.get_definition(DEF) is not None
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in tables


# --- the transition rules against an independent reference machine ----------------------------

_STAGE = {"exported": 1, "downloaded": 1, "uploaded": 2, "sealed": 3, "sent": 4}
_STAGE_STATE = {"exported": "exported", "downloaded": "exported", "uploaded": "uploaded",
                "sealed": "sealed", "sent": "sent"}  # fmt: skip
_RANK = {"generated": 0, "exported": 1, "uploaded": 2, "sealed": 3, "sent": 4}


class Invalid(Exception):
    pass


class Reference:
    """The lifecycle rules as documented in docs/ledger.md, written out longhand."""

    def __init__(self) -> None:
        self.state = "defined"
        self.resume: str | None = None
        self.document: str | None = None

    def apply(self, event: str, digest: str | None) -> str | None:
        if self.state == "revoked" or event == "defined":
            raise Invalid
        if event in ("generated", "regenerated"):
            if self.state == "suspended" or (event == "regenerated" and self.document is None):
                raise Invalid
            if digest == self.document:
                return None
            recorded = "generated" if self.document is None else "regenerated"
            self.document, self.state = digest, "generated"
            return recorded
        if event == "revoked":
            self.state, self.resume = "revoked", None
            return event
        if event == "unsuspended":
            if self.state != "suspended":
                raise Invalid
            assert self.resume is not None
            self.state, self.resume = self.resume, None
            return event
        if self.state in ("defined", "suspended"):
            raise Invalid
        if event == "suspended":
            self.state, self.resume = "suspended", self.state
        elif _RANK[_STAGE_STATE[event]] > _RANK[self.state]:
            self.state = _STAGE_STATE[event]
        return event


_EVENT_NAMES = [e.value for e in EventType]
_steps = st.lists(
    st.tuples(st.sampled_from(_EVENT_NAMES), st.sampled_from([sha("a"), sha("b")])),
    max_size=30,
)


@given(_steps)
@settings(max_examples=200, deadline=None)
def test_pure_rules_match_the_reference(steps: list[tuple[str, str]]) -> None:
    reference = Reference()
    planned = plan_event(None, EventType.DEFINED)
    assert planned is not None
    derived = planned[1]
    recorded: list[tuple[EventType, str | None]] = [(EventType.DEFINED, None)]
    for name, digest in steps:
        try:
            expected = reference.apply(name, digest)
        except Invalid:
            expected = "invalid"
        try:
            outcome = plan_event(derived, EventType(name), digest)
        except InvalidTransitionError:
            assert expected == "invalid"
            continue
        if outcome is None:
            assert expected is None
            continue
        event, derived = outcome
        assert event.value == expected
        assert derived.state.value == reference.state
        recorded.append((event, digest))
    assert replay(recorded) == derived


@given(_steps)
@settings(max_examples=60, deadline=None)
def test_stored_state_matches_the_reference(steps: list[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ledger = SQLiteLedger(Path(tmp) / "l.db", synchronous="NORMAL")
        try:
            ledger.define(DEF, DOC)
            ledger.claim_credential("c", DEF, "ana")
            reference = Reference()
            count = 1
            for name, digest in steps:
                try:
                    expected = reference.apply(name, digest)
                except Invalid:
                    with pytest.raises(InvalidTransitionError):
                        ledger.record("c", name, "prop", sha256=digest)
                else:
                    event = ledger.record("c", name, "prop", sha256=digest)
                    assert (event.event.value if event else None) == expected
                    count += event is not None
                credential = ledger.get_credential("c")
                assert credential is not None
                assert credential.state.value == reference.state
                assert credential.event_count == count
                assert credential.sha256 == reference.document
            report = ledger.verify_integrity()
            assert report.ok, report.problems
            assert report.events == count
        finally:
            ledger.close()


def test_documented_transition_table_matches_the_rules() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "ledger.md").read_text("utf-8")
    section = text.split("| event | allowed in states |", 1)[1].split("\n\n", 1)[0]
    documented: dict[str, frozenset[str]] = {}
    for line in section.strip().splitlines()[1:]:
        event, states = (cell.strip() for cell in line.strip("|").split("|"))
        names = frozenset(re.findall(r"`(\w+)`", states))
        if states.startswith("none"):
            names = frozenset()
        elif states.startswith("every state except"):
            names = frozenset(s.value for s in CredentialState) - names
        documented[event.strip("`")] = names
    assert documented == {
        event.value: frozenset(s.value for s in states) for event, states in ALLOWED_FROM.items()
    }


@pytest.mark.parametrize("name", [None, 5, "", "   ", b"ledger.sqlite"])
def test_open_ledger_refuses_what_names_no_ledger(
    name: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LedgerError, match="named by a path or URL"):
        open_ledger(name)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == [], "no file named after the value"


def test_a_status_index_store_takes_a_known_purpose_given_as_text(ledger: LedgerStore) -> None:
    from elmkit.ledger.status import LedgerIndexStore

    store = LedgerIndexStore(ledger, "https://example.org/status/1", "suspension")  # type: ignore[arg-type]
    assert store.purpose is StatusPurpose.SUSPENSION
    with pytest.raises(LedgerError, match="unknown status purpose 'nope'"):
        LedgerIndexStore(ledger, "https://example.org/status/1", "nope")  # type: ignore[arg-type]


def test_integrity_detects_a_protecting_trigger_replaced_by_one_that_does_nothing(
    issued: LedgerStore,
) -> None:
    db = raw(issued)
    db.execute("DROP TRIGGER events_no_delete")
    db.execute("CREATE TRIGGER events_no_delete BEFORE DELETE ON events WHEN 0 BEGIN SELECT 1; END")
    db.close()
    report = issued.verify_integrity()
    assert not report.ok
    assert [p.message for p in report.problems] == ["protecting trigger events_no_delete was replaced"]


def test_a_snapshot_reads_one_moment_while_another_connection_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_store, "PAGE_SIZE", 4)
    path = tmp_path / "ledger.db"
    with SQLiteLedger(path) as ledger, SQLiteLedger(path) as other:
        ledger.define(DEF, DOC)
        for i in range(6):
            issue(ledger, f"c{i}")
        with ledger.snapshot():
            first = ledger.get_credential("c0")
            assert first is not None
            other.record("c0", "sent", "mailer")
            other.reserve_index(LIST, 3, "c0", "revocation")
            for i in range(6, 11):
                issue(other, f"c{i}")
            assert ledger.get_credential("c0") == first
            assert len(ledger.history("c0")) == first.event_count == 2
            assert ledger.status_entries_for("c0") == []
            assert len(list(ledger.credentials())) == 6  # every page of the same moment
            with ledger.snapshot():  # nested: the same moment
                assert ledger.get_credential("c0") == first
            with pytest.raises(LedgerError, match=r"inside snapshot\(\)"):
                ledger.record("c1", "sent", "mailer")
            assert ledger.get_credential("c0") == first  # still the same moment
        assert kinds(ledger, "c0") == ["defined", "generated", "sent"]
        assert kinds(ledger, "c1") == ["defined", "generated"]
        assert len(list(ledger.credentials())) == 11
        with ledger.transaction(), ledger.snapshot():  # within a write: nothing changes
            ledger.record("c1", "sent", "mailer")
        assert kinds(ledger, "c1") == ["defined", "generated", "sent"]


def test_credential_history_reads_a_store_without_snapshot(ledger: LedgerStore) -> None:
    issue(ledger, "c1")

    class Plain:  # a store of another kind: the protocol does not ask for snapshot()
        get_credential = ledger.get_credential
        history = ledger.history
        status_entries_for = ledger.status_entries_for

    history = credential_history(Plain(), "c1")  # type: ignore[arg-type]
    assert history.credential.event_count == len(history.events) == 2


def test_a_ledger_opened_read_only_reads_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with pytest.raises(LedgerError, match="no ledger at"):
        SQLiteLedger(path, read_only=True)
    assert not path.exists()
    with SQLiteLedger(path) as ledger:
        ledger.define(DEF, DOC)
        issue(ledger, "c1")
    before = path.read_bytes()
    with open_ledger(path, read_only=True) as ledger:
        assert kinds(ledger, "c1") == ["defined", "generated"]
        assert ledger.verify_integrity().ok
        with pytest.raises(LedgerError, match="open read-only"):
            ledger.record("c1", "sealed", "sealer", sha256=sha("sealed"))
        with pytest.raises(LedgerError, match="open read-only"):
            ledger.define("other", DOC)
    assert path.read_bytes() == before
    with SQLiteLedger(path) as ledger:
        assert kinds(ledger, "c1") == ["defined", "generated"]
    with pytest.raises(LedgerError, match="read_only is for SQLite"):
        open_ledger("custom://somewhere", read_only=True)


def test_a_ledger_read_only_is_not_upgraded_but_refused(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with SQLiteLedger(path) as ledger:
        ledger.define(DEF, DOC)

    upgraded = {**sqlite_store.MIGRATIONS, sqlite_store.SCHEMA_VERSION + 1: add_notes}
    with pytest.raises(SchemaVersionError, match="open it once to write"):
        SQLiteLedger(path, migrations=upgraded, read_only=True)
    with SQLiteLedger(path) as ledger:
        assert ledger.schema_version == sqlite_store.SCHEMA_VERSION
    plain = tmp_path / "plain.db"
    sqlite3.connect(plain).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(LedgerError, match="not an elmkit ledger"):
        SQLiteLedger(plain, read_only=True)


@pytest.fixture
def unwritable_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody (root included) can add files to: the immutable attribute."""
    import shutil
    import subprocess

    folder = tmp_path / "share"
    folder.mkdir()
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("chattr is not available")
    yield folder
    subprocess.run([chattr, "-i", str(folder)], check=False, capture_output=True)


def frozen_ledger(folder: Path, learner: str = "") -> Path:
    """A ledger with credential ``c1`` issued, in ``folder`` made unwritable."""
    path = folder / "ledger.sqlite"
    with SQLiteLedger(path) as ledger:
        ledger.define(DEF, DOC)
        issue(ledger, "c1", learner)
    _freeze(folder)
    return path


def _freeze(folder: Path) -> None:
    import subprocess

    done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot make a folder immutable here: {done.stderr.strip()}")
    try:
        (folder / "probe").touch()
    except OSError:
        return
    pytest.skip("the immutable attribute does not stop writes here")


def test_the_cli_reads_a_ledger_in_a_folder_it_cannot_write_to(unwritable_folder: Path) -> None:
    """An auditor's copy on a read-only share: WAL readers need a -shm file nobody can create."""
    import json as json_module

    from typer.testing import CliRunner

    from elmkit.cli import _register, app

    path = frozen_ledger(unwritable_folder, "2026-0001")
    with pytest.raises(LedgerError, match="unable to open"):
        SQLiteLedger(path)  # as every command opened it before
    _register()
    runner = CliRunner()
    shown = runner.invoke(app, ["history", "c1", "--ledger", str(path), "--format", "json"])
    assert shown.exit_code == 0, shown.output
    assert [e["event"] for e in json_module.loads(shown.output)["events"]] == ["defined", "generated"]
    summary = runner.invoke(app, ["ledger", "--ledger", str(path), "--format", "json"])
    assert summary.exit_code == 0, summary.output
    revoked = runner.invoke(app, ["revoke", "c1", "--reason", "x", "--ledger", str(path)])
    assert revoked.exit_code == 2, revoked.output
    assert "this command writes to the ledger" in " ".join(revoked.output.split())
    assert sorted(p.name for p in unwritable_folder.iterdir()) == ["ledger.sqlite"]


def test_a_ledger_is_read_from_a_folder_its_permissions_keep_this_user_from_writing_to() -> None:
    """A share read by a user who may not write there (not the immutable attribute, which stops
    root too): SQLite says so as a read-only folder, not as a file it cannot open."""
    import os
    import shutil
    import subprocess
    import sys

    if os.name != "posix":
        pytest.skip("folder permissions are POSIX ones")
    base = Path(tempfile.mkdtemp())
    folder = base / "share"
    folder.mkdir()
    try:
        with SQLiteLedger(folder / "ledger.sqlite") as ledger:
            ledger.define(DEF, DOC)
            issue(ledger, "c1")
        base.chmod(0o755)
        (folder / "ledger.sqlite").chmod(0o644)
        folder.chmod(0o555)
        as_other = as_another_user_when_root()  # root may write anywhere: read as nobody
        read = subprocess.run(
            [*as_other, sys.executable, "-c", "import sys\nfrom elmkit.ledger import SQLiteLedger\n"
             "with SQLiteLedger(sys.argv[1], read_only=True) as ledger:\n"
             "    print(ledger.get_credential('c1').state.value)", str(folder / "ledger.sqlite")],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert read.returncode == 0, read.stderr
        assert read.stdout.strip() == "generated"
        assert sorted(p.name for p in folder.iterdir()) == ["ledger.sqlite"]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(base)


def test_a_snapshot_of_a_ledger_read_only_in_a_folder_it_cannot_write_to(
    unwritable_folder: Path,
) -> None:
    path = frozen_ledger(unwritable_folder)
    with SQLiteLedger(path, read_only=True) as ledger:
        with ledger.snapshot():
            history = credential_history(ledger, "c1")
            assert [c.credential_id for c in ledger.credentials()] == ["c1"]
        assert history.credential.event_count == len(history.events) == 2
        with ledger.snapshot(), pytest.raises(LedgerError, match="open read-only"):
            ledger.record("c1", "sent", "mailer")
    assert sorted(p.name for p in unwritable_folder.iterdir()) == ["ledger.sqlite"]


def test_changes_still_in_the_wal_of_an_unwritable_folder_are_not_skipped(
    unwritable_folder: Path,
) -> None:
    import os
    import subprocess
    import sys

    path = unwritable_folder / "ledger.sqlite"
    with SQLiteLedger(path) as ledger:
        ledger.define(DEF, DOC)
    writer = (
        "import os, sys\n"
        "from elmkit.ledger import SQLiteLedger\n"
        "ledger = SQLiteLedger(sys.argv[1])\n"
        "ledger._db.execute('PRAGMA wal_autocheckpoint = 0')\n"
        "ledger.claim_credential('c1', 'micro-ai-101', 'learner-1')\n"
        "os._exit(0)\n"  # ends without the checkpoint a close makes: the change stays in the WAL
    )
    subprocess.run([sys.executable, "-c", writer, str(path)], check=True, timeout=120)
    wal = Path(f"{path}-wal")
    assert wal.stat().st_size > 0
    os.unlink(f"{path}-shm")
    _freeze(unwritable_folder)
    with pytest.raises(LedgerError, match=r"still in ledger\.sqlite-wal"):
        SQLiteLedger(path, read_only=True)


def test_a_ledger_read_without_locks_refuses_to_read_once_written_to(
    unwritable_folder: Path,
) -> None:
    """Read where no -shm can be made, the file takes no locks: a writer that comes meanwhile
    (through another mount, say) must stop the reads, not give stale or torn ones."""
    import subprocess

    path = frozen_ledger(unwritable_folder)
    reader = SQLiteLedger(path, read_only=True)
    try:
        assert kinds(reader, "c1") == ["defined", "generated"]
        subprocess.run(["chattr", "-i", str(unwritable_folder)], check=True)
        with SQLiteLedger(path) as writer:
            writer.record("c1", "sealed", "sealer", sha256=sha("sealed"))
            with pytest.raises(LedgerError, match="was written to while it was read"):
                kinds(reader, "c1")  # the change still in the WAL
        with pytest.raises(LedgerError, match="was written to while it was read"):
            kinds(reader, "c1")  # folded into the file
    finally:
        reader.close()
    with SQLiteLedger(path, read_only=True) as again:
        assert kinds(again, "c1") == ["defined", "generated", "sealed"]


def test_a_ledger_read_without_locks_is_judged_by_more_than_its_mtime(
    unwritable_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opened by a relative path, it keeps reading after a chdir; a write that leaves its size
    and modification time as they were (a coarse clock, a restored mtime) still stops reads."""
    import os
    import subprocess

    path = frozen_ledger(unwritable_folder)
    monkeypatch.chdir(unwritable_folder.parent)
    reader = SQLiteLedger(Path(unwritable_folder.name) / "ledger.sqlite", read_only=True)
    try:
        monkeypatch.chdir("/")
        assert kinds(reader, "c1") == ["defined", "generated"]
        subprocess.run(["chattr", "-i", str(unwritable_folder)], check=True)
        opened = path.stat()
        with SQLiteLedger(path) as writer:
            writer.record("c1", "sealed", "sealer", sha256=sha("sealed"))
        assert path.stat().st_size == opened.st_size
        os.utime(path, ns=(opened.st_atime_ns, opened.st_mtime_ns))
        with pytest.raises(LedgerError, match="was written to while it was read"):
            reader.get_credential("c1")
    finally:
        reader.close()


def _counted_steps(ledger: SQLiteLedger, listing: Callable[[], Iterable[object]]) -> tuple[int, int]:
    """How many items ``listing()`` yields, and how many SQLite steps (in hundreds of virtual
    machine instructions) reading them all took."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    ledger._db.set_progress_handler(count, 100)
    try:
        found = sum(1 for _ in listing())
    finally:
        ledger._db.set_progress_handler(None, 100)
    return found, steps


def _two_cohorts(
    ledger: SQLiteLedger, start: datetime, events: Callable[[int], tuple[Any, ...]]
) -> None:
    """2,000 credentials of one definition: 1,000 claimed at ``start``, 1,000 200 days later,
    each with ``events(i)``."""
    ledger.define(DEF, DOC)
    claims = [
        sqlite_store.NewCredential(f"c{i:04d}", f"learner-{i}", events=events(i))
        for i in range(2000)
    ]
    ledger.claim_many(DEF, claims[:1000], at=start)
    ledger.claim_many(DEF, claims[1000:], at=start + timedelta(days=200))
