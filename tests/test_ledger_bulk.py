"""SQLiteLedger.claim_many: the same ledger as claim_credential + record, in one transaction."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from elmkit.ledger.errors import InvalidTransitionError, UnknownDefinitionError
from elmkit.ledger.sqlite import NewCredential, SQLiteLedger

AT = "2026-06-22T09:00:00+00:00"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def claims(count: int, prefix: str = "c") -> list[NewCredential]:
    return [
        NewCredential(
            f"urn:credential:{prefix}{i}",
            f"L{i}",
            detail={"valid_from": AT},
            file_path=f"/out/{prefix}{i}.jsonld",
            events=(
                ("generated", sha(f"doc {i}"), {"file": f"{prefix}{i}.jsonld"}),
                ("exported", sha(f"upload {i}"), {"format": "europass-upload"}),
            ),
        )
        for i in range(count)
    ]


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def test_claim_many_matches_one_call_at_a_time(tmp_path: Path) -> None:
    bulk_path, single_path = tmp_path / "bulk.sqlite", tmp_path / "single.sqlite"
    items = claims(7)
    with SQLiteLedger(bulk_path) as bulk, SQLiteLedger(single_path) as single:
        for store in (bulk, single):
            store.define("def", {"title": "x"}, version="1")
        assert bulk.claim_many("def", items, actor="a", at=AT) == set()
        for item in items:
            single.claim_credential(
                item.credential_id, "def", item.learner_id, actor="a", detail=item.detail, at=AT
            )
            for number, (kind, digest, detail) in enumerate(item.events):
                path = item.file_path if number == 0 else None
                single.record(item.credential_id, kind, "a", digest, detail, AT, file_path=path)
        assert bulk.verify_integrity().ok
    credentials = "SELECT * FROM credentials ORDER BY credential_id"
    events = "SELECT * FROM events ORDER BY seq"
    assert rows(bulk_path, credentials) == rows(single_path, credentials)
    assert rows(bulk_path, events) == rows(single_path, events)


def test_existing_credentials_are_returned_and_left_alone(tmp_path: Path) -> None:
    with SQLiteLedger(tmp_path / "l.sqlite") as store:
        store.define("def", {"title": "x"}, version="1")
        items = claims(4)
        store.claim_credential(items[1].credential_id, "def", "someone else")
        twice = [items[2], items[2]]
        assert store.claim_many("def", items + twice) == {
            items[1].credential_id,
            items[2].credential_id,
        }
        history = store.history(items[1].credential_id)
        assert [event.event.value for event in history] == ["defined"]
        assert [e.event.value for e in store.history(items[2].credential_id)] == [
            "defined",
            "generated",
            "exported",
        ]
        assert store.verify_integrity().ok


def test_a_forbidden_event_rolls_back_the_whole_call(tmp_path: Path) -> None:
    with SQLiteLedger(tmp_path / "l.sqlite") as store:
        store.define("def", {"title": "x"}, version="1")
        bad = NewCredential("urn:credential:bad", "L", events=(("exported", sha("u"), None),))
        with pytest.raises(InvalidTransitionError):
            store.claim_many("def", [*claims(3), bad])
        assert list(store.credentials()) == []
        with pytest.raises(UnknownDefinitionError):
            store.claim_many("other", claims(1))
        assert store.claim_many("def", []) == set()


def test_claim_many_claims_the_version_asked_for(tmp_path: Path) -> None:
    with SQLiteLedger(tmp_path / "l.sqlite") as store:
        store.define("def", {"title": "x"}, version="1")
        store.define("def", {"title": "y"}, version="2")
        store.claim_many("def", claims(1), definition_version="1", at=AT)
        store.claim_many("def", claims(1, "d"), at=AT)
        versions = {c.credential_id: c.definition_version for c in store.credentials()}
        assert versions == {"urn:credential:c0": "1", "urn:credential:d0": "2"}
        with pytest.raises(UnknownDefinitionError, match="version '3'"):
            store.claim_many("def", claims(1, "e"), definition_version="3")
        assert store.verify_integrity().ok
