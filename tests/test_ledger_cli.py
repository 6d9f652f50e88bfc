"""``elmkit ledger`` and ``elmkit history`` on a ledger made through the public API: time
windows, definition versions, CSV export and JSON errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from elmkit.cli import _register, app
from elmkit.ledger import open_ledger, sha256_hex

_register()
runner = CliRunner(env={"COLUMNS": "220"})

DAY = datetime(2026, 3, 1, tzinfo=UTC)


def sha(text: str) -> str:
    return sha256_hex(text.encode())


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    """Two definitions (the first in two versions) and six credentials, one a day from
    2026-03-01; learner L1 has two; c0 is revoked on 2026-03-20 and c1 sent on 2026-03-10."""
    path = tmp_path / "ledger.sqlite"
    with open_ledger(path) as store:
        store.define("micro-ai", {"title": "AI"}, title="Applied AI", version="1")
        store.define("micro-ai", {"title": "AI 2"}, title="Applied AI", version="2")
        store.define("micro-law", {"title": "Law"}, title="Data law", version="1")
        plan = [  # credential, definition, version, learner
            ("c0", "micro-ai", "1", "L0"),
            ("c1", "micro-ai", "1", "L1"),
            ("c2", "micro-law", "1", "L2"),
            ("c3", "micro-ai", "2", "L3"),
            ("c4", "micro-law", "1", "L1"),
            ("c5", "micro-ai", "2", "L5"),
        ]
        for day, (cid, definition, version, learner) in enumerate(plan):
            at = DAY + timedelta(days=day)
            store.claim_credential(
                cid, definition, learner, definition_version=version, actor="batch", at=at
            )
            store.record(cid, "generated", "batch", sha256=sha(cid), at=at)
        store.record("c1", "sent", "mailer", at=DAY + timedelta(days=9))
        store.record("c0", "revoked", "registrar", detail={"reason": "fraud"}, at=DAY + timedelta(days=19))
    return path


def run(ledger: Path, *args: str) -> Result:
    return runner.invoke(app, ["ledger", "--ledger", str(ledger), *args])


def error_document(result: Result, command: str, status: int) -> str:
    """The one JSON error document of a failed ``--format json`` run; its message."""
    assert result.exit_code == status, result.output
    document = json.loads(result.stdout)
    assert document["command"] == command and document["exit_status"] == status
    assert isinstance(document["error"], str) and document["error"]
    return document["error"]


def test_json_errors_of_ledger_and_history_are_one_json_document(
    ledger: Path, tmp_path: Path
) -> None:
    missing = str(tmp_path / "none.sqlite")
    said = error_document(
        runner.invoke(app, ["ledger", "--ledger", missing, "--format", "json"]), "ledger", 2
    )
    assert "no ledger at" in said
    said = error_document(run(ledger, "--definition", "micro-a", "--format", "json"), "ledger", 2)
    assert "micro-ai" in said
    said = error_document(run(ledger, "--state", "lost", "--format", "json"), "ledger", 2)
    assert "lost" in said
    said = error_document(
        runner.invoke(app, ["history", "c0", "--ledger", missing, "--format", "json"]),
        "history",
        2,
    )
    assert "no ledger at" in said
    said = error_document(
        runner.invoke(app, ["history", "nobody", "--ledger", str(ledger), "--format", "json"]),
        "history",
        1,
    )
    assert "no credential 'nobody'" in said
    said = error_document(
        runner.invoke(app, ["history", "L1", "--ledger", str(ledger), "--format", "json"]),
        "history",
        1,
    )
    assert "c1" in said and "c4" in said
    (tmp_path / "empty.sqlite").touch()
    said = error_document(
        runner.invoke(
            app, ["ledger", "--ledger", str(tmp_path / "empty.sqlite"), "--format", "json"]
        ),
        "ledger",
        2,
    )
    assert "empty" in said
    text = runner.invoke(app, ["history", "L1", "--ledger", str(ledger)])
    assert text.exit_code == 1 and text.stdout == ""  # text: said on standard error only
