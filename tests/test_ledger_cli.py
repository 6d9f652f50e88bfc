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


def credential_ids(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [item["credential_id"] for item in json.loads(result.stdout)["credentials"]]


def csv_rows(text: str) -> list[dict[str, str]]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_a_window_lists_the_credentials_with_an_event_in_it(ledger: Path) -> None:
    window = ("--since", "2026-03-02", "--until", "2026-03-05")  # c1, c2 and c3 created then
    assert credential_ids(run(ledger, "--definition", "micro-ai", *window, "--format", "json")) == [
        "c1",
        "c3",
    ]
    # c0, created before it, is in a window that holds its revocation only
    late = ("--since", "2026-03-15T00:00+01:00", "--format", "json")
    assert credential_ids(run(ledger, "--definition", "micro-ai", *late)) == ["c0"]
    assert credential_ids(
        run(ledger, "--learner", "L1", "--until", "2026-03-02T00:00:01", "--format", "json")
    ) == ["c1"]  # naive is UTC: c1 was created at midnight UTC on 2026-03-02
    assert credential_ids(
        run(ledger, "--state", "sent", "--since", "2026-03-10T00:00:00.000001Z", "--format", "json")
    ) == []  # sent at the very start of 2026-03-10, which this window leaves out
    text = run(ledger, "--state", "generated", "--since", "2026-03-05")
    assert text.exit_code == 0, text.output
    assert "2 credential(s) with an event from 2026-03-05 00:00:00 (UTC)" in text.output


def test_a_window_alone_counts_its_events_per_definition_and_type(ledger: Path) -> None:
    done = run(ledger, "--since", "2026-03-03", "--until", "2026-03-20", "--format", "json")
    assert done.exit_code == 0, done.output
    activity = json.loads(done.stdout)
    assert activity["since"] == "2026-03-03T00:00:00.000000Z"
    assert activity["until"] == "2026-03-20T00:00:00.000000Z"
    # c2…c5 defined and generated, c1 sent; c0's revocation is at the excluded end
    assert activity["total"] == 9 and activity["counts"]["revoked"] == 0
    assert activity["counts"]["defined"] == 4 and activity["counts"]["sent"] == 1
    by_definition = {item["definition_id"]: item for item in activity["definitions"]}
    assert by_definition["micro-ai"]["total"] == 5 and by_definition["micro-law"]["total"] == 4
    text = run(ledger, "--since", "2026-03-20")
    assert text.exit_code == 0, text.output
    assert "Ledger events from 2026-03-20 00:00:00 to now" in text.output
    assert "revoked" in text.output and "generated" not in text.output
    unbounded = run(ledger, "--format", "json")  # no window: credentials per state, as before
    assert json.loads(unbounded.stdout)["counts"]["revoked"] == 1


def test_version_goes_with_a_definition_the_ledger_holds(ledger: Path) -> None:
    assert credential_ids(
        run(ledger, "--definition", "micro-ai", "--definition-version", "2", "--format", "json")
    ) == ["c3", "c5"]
    alone = run(ledger, "--definition-version", "2", "--format", "json")
    assert "--definition-version goes with --definition" in error_document(alone, "ledger", 2)
    unknown = run(ledger, "--definition", "micro-ai", "--definition-version", "3", "--format", "json")
    assert "it has 1, 2" in error_document(unknown, "ledger", 2)


def test_refused_windows_and_csv_options(ledger: Path, tmp_path: Path) -> None:
    backwards = run(ledger, "--since", "2026-03-05", "--until", "2026-03-04", "--format", "json")
    assert "is not before --until" in error_document(backwards, "ledger", 2)
    empty = run(ledger, "--since", "2026-03-05T01:00:00+01:00", "--until", "2026-03-05T00:00")
    assert empty.exit_code == 2 and "is not before" in empty.output  # the same moment
    not_a_date = run(ledger, "--since", "March", "--format", "json")
    assert not_a_date.exit_code == 2 and "ISO 8601" in not_a_date.output
    out = tmp_path / "x.csv"
    for options in (["--out", str(out)], ["--bom"], ["--format", "json", "--out", str(out)]):
        refused = run(ledger, *options)
        assert refused.exit_code == 2 and "only appl" in refused.output, options
    assert not out.exists()
    itself = run(ledger, "--format", "csv", "--out", str(ledger))
    assert itself.exit_code == 2 and "is the ledger" in itself.output
    with open_ledger(ledger, read_only=True) as store:
        assert store.get_credential("c0") is not None


def test_csv_of_credentials_and_of_the_events_of_a_window(ledger: Path) -> None:
    from elmkit.ledger.export import CREDENTIAL_COLUMNS, EVENT_COLUMNS

    everything = run(ledger, "--format", "csv")  # no filter: every credential
    assert everything.exit_code == 0, everything.output
    assert everything.stdout_bytes.startswith(",".join(CREDENTIAL_COLUMNS).encode() + b"\r\n")
    rows = csv_rows(everything.stdout)
    assert [row["credential_id"] for row in rows] == [f"c{i}" for i in range(6)]
    assert rows[0]["state"] == "revoked" and rows[0]["event_count"] == "3"
    assert rows[1]["sha256"] == sha("c1") and rows[1]["file_path"] == ""
    listed = csv_rows(run(ledger, "--definition", "micro-law", "--format", "csv").stdout)
    assert [row["credential_id"] for row in listed] == ["c2", "c4"]
    window = run(ledger, "--since", "2026-03-10", "--format", "csv")  # no filter: its events
    assert window.stdout_bytes.startswith(",".join(EVENT_COLUMNS).encode() + b"\r\n")
    events = csv_rows(window.stdout)
    assert [(row["credential_id"], row["event"]) for row in events] == [
        ("c1", "sent"),
        ("c0", "revoked"),
    ]
    assert events[1]["learner_id"] == "L0" and events[1]["definition_version"] == "1"
    assert json.loads(events[1]["detail"]) == {"reason": "fraud"}
    assert events[1]["actor"] == "registrar" and events[1]["n"] == "3"
    limited = run(ledger, "--format", "csv", "--limit", "2")
    assert len(csv_rows(limited.stdout)) == 2 and "more were left out" in limited.stderr


def test_csv_neutralises_formulas_and_quotes_as_rfc_4180(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    tricky = ["=HYPERLINK(\"http://evil\")", "+34 600", "-1", "@SUM(A1)", "\tx", "a,b \"c\"\nd"]
    with open_ledger(path) as store:
        store.define("d", {"title": "x"}, version="1")
        for i, learner in enumerate(tricky):
            store.claim_credential(f"c{i}", "d", learner, actor=learner)
    credentials = runner.invoke(app, ["ledger", "--ledger", str(path), "--format", "csv"])
    assert credentials.exit_code == 0, credentials.output
    learners = [row["learner_id"] for row in csv_rows(credentials.stdout)]
    assert learners == [*(f"'{text}" for text in tricky[:5]), tricky[5]]
    assert b',"a,b ""c""\nd",' in credentials.stdout_bytes  # quoted, quotes doubled
    events = runner.invoke(
        app, ["ledger", "--ledger", str(path), "--since", "2000-01-01", "--format", "csv"]
    )
    actors = [row["actor"] for row in csv_rows(events.stdout)]
    assert actors == [*(f"'{text}" for text in tricky[:5]), tricky[5]]


def test_csv_to_a_file_is_whole_utf8_with_or_without_a_bom(ledger: Path, tmp_path: Path) -> None:
    with open_ledger(ledger) as store:
        store.record("c2", "sent", "secretaría", at=DAY + timedelta(days=25))
    out = tmp_path / "export" / "eventos.csv"
    done = run(ledger, "--since", "2026-03-25", "--format", "csv", "--out", str(out))
    assert done.exit_code == 0 and done.stdout == "", done.output
    data = out.read_bytes()
    assert data.startswith(b"seq,") and "secretaría".encode() in data
    assert [p.name for p in out.parent.iterdir()] == ["eventos.csv"]  # no temporary file left
    excel = run(ledger, "--since", "2026-03-25", "--format", "csv", "--bom", "--out", str(out))
    assert excel.exit_code == 0, excel.output
    assert out.read_bytes() == b"\xef\xbb\xbf" + data
    to_stdout = runner.invoke(
        app, ["ledger", "--ledger", str(ledger), "--format", "csv", "--bom", "--state", "sent"]
    )
    assert to_stdout.stdout_bytes.startswith(b"\xef\xbb\xbfcredential_id,")
    (tmp_path / "folder.csv").mkdir()
    blocked = run(ledger, "--format", "csv", "--out", str(tmp_path / "folder.csv"))
    assert blocked.exit_code == 2 and "cannot write the CSV" in blocked.output


def test_csv_out_dash_is_standard_output_and_dot_slash_dash_a_file(
    ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--out -`` writes standard output, as ``seal -o -`` does; a file named ``-`` is ``./-``."""
    monkeypatch.chdir(tmp_path)
    expected = run(ledger, "--format", "csv").stdout_bytes
    dashed = run(ledger, "--format", "csv", "--out", "-")
    assert dashed.exit_code == 0 and dashed.stdout_bytes == expected, dashed.output
    assert not (tmp_path / "-").exists()
    named = run(ledger, "--format", "csv", "-o", "./-")
    assert named.exit_code == 0 and named.stdout == "", named.output
    assert (tmp_path / "-").read_bytes() == expected


def large_ledger(path: Path, days: int, per_day: int) -> None:
    """``days`` batches of ``per_day`` credentials of two definitions, a batch a day from
    2026-03-01, each generated and exported when claimed; every tenth of the first day's is
    revoked on the last day."""
    from elmkit.ledger.sqlite import NewCredential, SQLiteLedger

    with SQLiteLedger(path, synchronous="NORMAL") as store:
        store.define("micro-ai", {"title": "AI"}, version="1")
        store.define("micro-law", {"title": "Law"}, version="1")
        for day in range(days):
            claims = [
                NewCredential(
                    f"c{day:03d}-{i:05d}",
                    f"L{day}-{i}",
                    events=(("generated", sha(f"{day}-{i}"), None), ("exported", None, None)),
                )
                for i in range(per_day)
            ]
            definition = "micro-ai" if day % 2 == 0 else "micro-law"
            store.claim_many(definition, claims, at=DAY + timedelta(days=day))
        with store.transaction():
            for i in range(0, per_day, 10):
                store.record(f"c000-{i:05d}", "revoked", "registrar", at=DAY + timedelta(days=days))


def test_csv_to_a_reader_that_stops_reading_exits_141(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "ledger.sqlite"
    large_ledger(path, days=2, per_day=3000)  # far more than a pipe holds
    command = [sys.executable, "-c", "from elmkit.cli import main; main()"]
    with subprocess.Popen(
        [*command, "ledger", "--ledger", str(path), "--format", "csv"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().startswith(b"credential_id,")
        process.stdout.close()
        errors = process.stderr.read()
        assert process.wait(timeout=60) == 141, errors
    assert b"Traceback" not in errors and b"Exception" not in errors


@pytest.mark.slow
def test_a_window_of_a_large_ledger(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    days, per_day = 30, 1500  # 45,000 credentials, 135,000 events
    large_ledger(path, days, per_day)
    revoked = per_day // 10
    week = ("--since", "2026-03-08", "--until", "2026-03-15")  # days 7 to 13
    activity = json.loads(run(path, *week, "--format", "json").stdout)
    assert activity["counts"]["defined"] == 7 * per_day
    assert activity["counts"]["exported"] == 7 * per_day and activity["total"] == 21 * per_day
    listed = run(path, "--definition", "micro-law", *week, "--format", "csv")
    assert listed.exit_code == 0, listed.output
    ids = [row["credential_id"] for row in csv_rows(listed.stdout)]
    assert len(ids) == 4 * per_day  # days 7, 9, 11 and 13
    assert ids[0] == "c007-00000" and ids[-1] == f"c013-{per_day - 1:05d}"
    # the revocations of the last day: credentials created on the first
    late = run(path, "--state", "revoked", "--since", "2026-03-31", "--format", "csv")
    assert len(csv_rows(late.stdout)) == revoked
    events = run(path, "--since", "2026-03-31", "--format", "csv")
    assert [row["event"] for row in csv_rows(events.stdout)] == ["revoked"] * revoked
    everything = run(path, "--format", "csv")
    assert len(csv_rows(everything.stdout)) == days * per_day


def test_ids_typed_in_another_unicode_form_are_found_as_the_ledger_holds_them(
    tmp_path: Path,
) -> None:
    """An accent typed as a letter and a combining mark (pasted from a macOS file name) names
    the same definition, learner and credential as the one character the ledger holds."""
    import unicodedata

    path = tmp_path / "ledger.sqlite"
    definition, learner = "máster-ñ", "nú-0042"
    with open_ledger(path) as store:
        store.define(definition, {"title": "M"}, title="Máster")
        store.claim_credential("urn:crédito-1", definition, learner)
        store.record("urn:crédito-1", "generated", "batch", sha256=sha("1"))

    def nfd(text: str) -> str:
        return unicodedata.normalize("NFD", text)

    assert nfd(definition) != definition
    listed = run(path, "--definition", nfd(definition), "--format", "json")
    assert listed.exit_code == 0, listed.output
    assert [c["credential_id"] for c in json.loads(listed.stdout)["credentials"]] == ["urn:crédito-1"]
    by_learner = run(path, "--learner", nfd(learner), "--format", "json")
    assert [c["learner_id"] for c in json.loads(by_learner.stdout)["credentials"]] == [learner]
    for name in (nfd(learner), nfd("urn:crédito-1")):
        shown = runner.invoke(app, ["history", name, "--ledger", str(path), "--format", "json"])
        assert shown.exit_code == 0, shown.output
        assert json.loads(shown.stdout)["credential"]["credential_id"] == "urn:crédito-1"
    recorded = runner.invoke(
        app, ["record", "sent", "--definition", nfd(definition), "--ledger", str(path)]
    )
    assert recorded.exit_code == 0 and "1 credential(s)" in recorded.output, recorded.output
