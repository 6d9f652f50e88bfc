"""A credential corrected after it was sealed: its earlier seal verifies as revoked, its new seal
as valid, because the new document gets a status-list index of its own and the earlier index is
set on the list for good."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import elmkit
from elmkit import revocation
from elmkit.ledger import SQLiteLedger, open_ledger
from elmkit.ledger import sqlite as sqlite_store
from elmkit.ledger.errors import ConflictError, SchemaVersionError
from elmkit.microcredentials.batch import issue_batch
from elmkit.microcredentials.sealing import seal_batch
from elmkit.sealing import TestPKI
from elmkit.status import FileFetcher
from test_issue_support import (
    VALID_FROM,
    definition_file,
    learner_rows,
    read_manifest,
    require_serializers,
    university_pki,
    write_csv,
)

LIST_URL = "https://credencials.uvallfosca.example/status/rev-1"


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return university_pki()


def _issue(folder: Path, rows: list[list[str]]) -> None:
    result = issue_batch(
        definition_file(folder),
        write_csv(folder / "results.csv", rows),
        folder / "out",
        ledger=folder / "out" / "ledger.sqlite",
        images=True,
        valid_from=VALID_FROM,
    )
    assert not result.problems, result.problems


def _seal(folder: Path, pki: TestPKI) -> None:
    outcome = seal_batch(
        folder / "out", pki.signer(), ledger=folder / "out" / "ledger.sqlite", status_list_url=LIST_URL
    )
    assert outcome.ok, outcome.failed


def _index(sealed: bytes) -> int:
    payload = json.loads(json.loads(sealed)["payload"])
    return int(payload["credentialStatus"]["statusListIndex"])


def _revocation(sealed: bytes, pki: TestPKI, status_dir: Path) -> str:
    result = elmkit.verify(
        sealed,
        trust=pki.trust_anchors,
        fetcher=FileFetcher(directory=status_dir),
        sealed_lists_only=False,
    )
    step = next(step for step in result.steps if step.step.value == "REVOCATION")
    return str(step.code) if not step.ok else "ok"


def test_a_corrected_credential_s_earlier_seal_verifies_as_revoked(
    tmp_path: Path, pki: TestPKI
) -> None:
    require_serializers()
    pytest.importorskip("PIL")
    rows = learner_rows(3)
    _issue(tmp_path, rows)
    _seal(tmp_path, pki)
    out = tmp_path / "out"
    corrected = read_manifest(out)[1]
    sealed_file = out / "sealed" / (Path(corrected["file"]).stem + ".json")
    delivered = sealed_file.read_bytes()  # the seal the learner already has

    rows[1][5] = "9,5"  # the SIS corrects the grade after the seal was delivered
    _issue(tmp_path, rows)
    _seal(tmp_path, pki)
    resealed = sealed_file.read_bytes()
    assert resealed != delivered and _index(resealed) != _index(delivered)

    status_dir = tmp_path / "status"
    with open_ledger(out / "ledger.sqlite") as ledger:
        revocation.publish_status_list(ledger, LIST_URL, status_dir / "rev-1.json", signer=pki.signer())
        entries = ledger.status_entries_for(corrected["credential_id"])
        credential = ledger.get_credential(corrected["credential_id"])
    assert [(e.index, e.superseded_at is not None) for e in entries] == [
        (_index(delivered), True),
        (_index(resealed), False),
    ]
    assert credential is not None and credential.state.value == "sealed"
    assert _revocation(delivered, pki, status_dir) == "revoked"
    assert _revocation(resealed, pki, status_dir) == "ok"
    unchanged = out / "sealed" / (Path(read_manifest(out)[0]["file"]).stem + ".json")
    assert _revocation(unchanged.read_bytes(), pki, status_dir) == "ok"


def test_a_credential_regenerated_before_it_was_sealed_keeps_its_index(tmp_path: Path) -> None:
    """Only a seal carries an index out of the ledger: a document replaced before it was sealed
    (or sealed elsewhere) leaves its index current."""
    with SQLiteLedger(tmp_path / "ledger.sqlite") as ledger:
        ledger.define("def", {"title": "t"})
        ledger.claim_credential("urn:c1", "def", "learner-1")
        ledger.record("urn:c1", "generated", "test", sha256="a" * 64)
        assert ledger.reserve_index(LIST_URL, 7, "urn:c1", "revocation")
        ledger.record("urn:c1", "uploaded", "test")
        ledger.record("urn:c1", "generated", "test", sha256="b" * 64)  # regenerated
        assert [e.superseded_at for e in ledger.status_entries_for("urn:c1")] == [None]
        assert ledger.revoked_indexes(LIST_URL, "revocation") == set()


def _sealed_credential(ledger: SQLiteLedger) -> None:
    ledger.define("def", {"title": "t"})
    ledger.claim_credential("urn:c1", "def", "learner-1")
    ledger.record("urn:c1", "generated", "test", sha256="a" * 64)
    assert ledger.reserve_index(LIST_URL, 7, "urn:c1", "revocation")
    ledger.record("urn:c1", "sealed", "test", sha256="c" * 64)


def test_regenerating_a_sealed_credential_supersedes_its_indexes_for_good(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with SQLiteLedger(path) as ledger:
        _sealed_credential(ledger)
        with pytest.raises(ConflictError):
            ledger.reserve_index(LIST_URL, 8, "urn:c1", "revocation")  # one current index
        regenerated = ledger.record("urn:c1", "generated", "test", sha256="b" * 64)
        assert regenerated is not None and regenerated.event.value == "regenerated"
        (superseded,) = ledger.status_entries_for("urn:c1")
        assert superseded.superseded_at == regenerated.at
        assert ledger.revoked_indexes(LIST_URL, "revocation") == {7}
        assert not ledger.reserve_index(LIST_URL, 7, "urn:c1", "revocation")  # not again
        assert ledger.reserve_index(LIST_URL, 8, "urn:c1", "revocation")
        assert [(e.index, e.superseded_at is None) for e in ledger.status_entries_for("urn:c1")] == [
            (7, False),
            (8, True),
        ]
        assert ledger.revoked_indexes(LIST_URL, "revocation") == {7}
        assert ledger.revoked_indexes(LIST_URL, "suspension") == set()
        ledger.record("urn:c1", "revoked", "test")
        assert ledger.revoked_indexes(LIST_URL, "revocation") == {7, 8}
        assert ledger.verify_integrity().ok
    with sqlite3.connect(path) as db:
        for statement in ("UPDATE superseded_entries SET superseded_at = 'x'", "DELETE FROM superseded_entries"):
            with pytest.raises(sqlite3.DatabaseError, match="stay superseded"):
                db.execute(statement)


def test_a_ledger_of_the_first_schema_is_upgraded_with_its_reservations(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    first = {1: sqlite_store.MIGRATIONS[1]}
    with SQLiteLedger(path, migrations=first) as ledger:  # as an earlier elmkit wrote it
        ledger.define("def", {"title": "t"})
        ledger.claim_credential("urn:c1", "def", "learner-1")
        ledger.record("urn:c1", "generated", "test", sha256="a" * 64)
        ledger.record("urn:c1", "sealed", "test", sha256="c" * 64)
        assert ledger.schema_version == 1
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO status_entries VALUES (?, 7, 'urn:c1', 'revocation', '2026-01-01T00:00:00Z')",
            (LIST_URL,),
        )
    kept = tmp_path / "copy.sqlite"
    shutil.copy(path, kept)
    with pytest.raises(SchemaVersionError, match="open it once to write"):
        SQLiteLedger(kept, read_only=True)
    with SQLiteLedger(path) as ledger:
        assert ledger.schema_version == sqlite_store.SCHEMA_VERSION
        (entry,) = ledger.status_entries_for("urn:c1")
        assert (entry.list_url, entry.index, entry.superseded_at) == (LIST_URL, 7, None)
        assert ledger.verify_integrity().ok
        ledger.record("urn:c1", "generated", "test", sha256="b" * 64)
        assert ledger.reserve_index(LIST_URL, 8, "urn:c1", "revocation")
        assert ledger.revoked_indexes(LIST_URL, "revocation") == {7}
    with sqlite3.connect(path) as db, pytest.raises(sqlite3.DatabaseError, match="permanent"):
        db.execute("DELETE FROM status_entries")


def test_a_history_shows_superseded_indexes(tmp_path: Path) -> None:
    from rich.console import Console

    from elmkit.ledger import credential_history, history_table

    with SQLiteLedger(tmp_path / "ledger.sqlite") as ledger:
        _sealed_credential(ledger)
        ledger.record("urn:c1", "generated", "test", sha256="b" * 64)
        found = credential_history(ledger, "urn:c1")
    assert found.to_dict()["status_entries"][0]["superseded_at"] is not None
    console = Console(width=200, record=True)
    console.print(history_table(found))
    assert "superseded" in console.export_text()


def test_revoking_after_a_correction_still_needs_a_list_that_shows_it(tmp_path: Path) -> None:
    """A credential whose only index was superseded and that was not sealed again: its earlier
    seal already shows as revoked, so the revocation is visible."""
    with SQLiteLedger(tmp_path / "ledger.sqlite") as ledger:
        _sealed_credential(ledger)
        ledger.record("urn:c1", "generated", "test", sha256="b" * 64)
        revocation.revoke(ledger, "urn:c1", reason="fraud", actor="registrar")
        assert ledger.revoked_indexes(LIST_URL, "revocation") == {7}


def test_a_corrected_credential_sealed_again_names_its_list_once(tmp_path: Path) -> None:
    """Its superseded index and its current one are on the same list: `elmkit revoke` said
    "publish URL and URL to make it visible"."""
    with SQLiteLedger(tmp_path / "ledger.sqlite") as ledger:
        _sealed_credential(ledger)
        ledger.record("urn:c1", "generated", "test", sha256="b" * 64)
        assert ledger.reserve_index(LIST_URL, 8, "urn:c1", "revocation")
        assert revocation.lists_showing(ledger, "urn:c1", "revocation") == [LIST_URL]


def test_issue_seal_with_a_status_list_upgrades_a_ledger_of_the_first_schema(
    tmp_path: Path, pki: TestPKI
) -> None:
    """The ledger an earlier elmkit wrote is upgraded by the first command that writes to it:
    ``issue --seal --status-list-url`` is one, and its check of the list URL must not refuse the
    ledger as if it were only read."""
    from typer.testing import CliRunner

    from elmkit.cli import _register, app

    require_serializers()
    pytest.importorskip("PIL")
    _register()
    out = tmp_path / "out"
    out.mkdir()
    with SQLiteLedger(out / "ledger.sqlite", migrations={1: sqlite_store.MIGRATIONS[1]}):
        pass  # as an earlier elmkit left it
    result = CliRunner().invoke(
        app,
        [
            "issue", str(definition_file(tmp_path)),
            str(write_csv(tmp_path / "results.csv", learner_rows(2))), "--out", str(out),
            "--seal", "--p12", str(pki.write_pkcs12(tmp_path / "seal.p12", "secret")),
            "--password", "secret", "--status-list-url", LIST_URL,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "sealed: 2 new" in result.stdout
    with open_ledger(out / "ledger.sqlite") as ledger:
        assert ledger.schema_version == sqlite_store.SCHEMA_VERSION
        assert len(ledger.used_indexes(LIST_URL)) == 2


def test_record_sealed_refuses_a_seal_of_the_document_before_its_correction(
    tmp_path: Path, pki: TestPKI
) -> None:
    """The document as it was before a correction, sealed again (a new digest the ledger never
    saw): its status entry is the superseded index, set for good, so it is not the credential's
    seal."""
    from typer.testing import CliRunner

    from elmkit.cli import _register, app
    from elmkit.sealing import seal

    require_serializers()
    pytest.importorskip("PIL")
    _register()
    rows = learner_rows(2)
    _issue(tmp_path, rows)
    _seal(tmp_path, pki)
    out = tmp_path / "out"
    corrected = read_manifest(out)[1]
    delivered = (out / "sealed" / (Path(corrected["file"]).stem + ".json")).read_bytes()
    rows[1][5] = "9,5"
    _issue(tmp_path, rows)  # regenerated: the delivered seal's index is superseded
    again = tmp_path / "sealed-again.json"
    resealed = seal(
        json.loads(json.loads(delivered)["payload"]),
        pki.signer(),
        signing_time=datetime.now(UTC) - timedelta(minutes=1),  # not the delivered seal's bytes
    )
    assert resealed != delivered
    again.write_bytes(resealed)

    def record_sealed() -> Any:
        return CliRunner().invoke(
            app,
            [
                "record", "sealed", corrected["credential_id"], "--file", str(again),
                "--ledger", str(out / "ledger.sqlite"),
            ],
        )  # fmt: skip

    result = record_sealed()
    assert result.exit_code == 1, result.output
    message = " ".join(result.stderr.split())
    assert f"index {_index(delivered)} of {LIST_URL}" in message and "superseded" in message
    assert "nothing was recorded" in message
    with open_ledger(out / "ledger.sqlite") as ledger:
        assert [e.event.value for e in ledger.history(corrected["credential_id"])][-1] != "sealed"


def test_a_suspension_only_a_superseded_index_would_show_is_refused(tmp_path: Path) -> None:
    """Sealed again after a correction with a revocation entry only: the suspension entry of
    the earlier seal is set for good, and no list tells the new seal's verifiers of a
    suspension, so it is refused as one no verifier could learn of."""
    suspensions = "https://credencials.uvallfosca.example/status/sus-1"
    with SQLiteLedger(tmp_path / "ledger.sqlite") as ledger:
        ledger.define("def", {"title": "t"})
        ledger.claim_credential("urn:c1", "def", "learner-1")
        ledger.record("urn:c1", "generated", "test", sha256="a" * 64)
        assert ledger.reserve_index(suspensions, 3, "urn:c1", "suspension")
        ledger.record("urn:c1", "sealed", "test", sha256="c" * 64)
        ledger.record("urn:c1", "generated", "test", sha256="b" * 64)  # corrected
        assert ledger.reserve_index(LIST_URL, 8, "urn:c1", "revocation")
        ledger.record("urn:c1", "sealed", "test", sha256="d" * 64)
        assert revocation.lists_showing(ledger, "urn:c1", "suspension") == []
        with pytest.raises(revocation.RevocationError, match="no suspension entry"):
            revocation.suspend(ledger, "urn:c1", reason="under review")
        assert revocation.lists_showing(ledger, "urn:c1", "revocation") == [LIST_URL]
