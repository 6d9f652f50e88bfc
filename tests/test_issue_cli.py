"""The ``issue``, ``history``, ``ledger`` and ``demo`` commands: exit codes 0/1/2, messages, output."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from elmkit.cli import _register, app
from test_issue_support import (
    definition_file,
    learner_rows,
    read_manifest,
    require_serializers,
    write_csv,
    write_xlsx,
)

_register()  # issue and the others, and verify for the options it shares with them
runner = CliRunner(env={"COLUMNS": "220"})

#: The ``elmkit`` entry point, run in a fresh interpreter.
CLI = [sys.executable, "-c", "from elmkit.cli import main; main()"]


@pytest.fixture(autouse=True)
def _serializers() -> None:
    require_serializers()


def _issue(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["issue", *args, "--no-images", "--valid-from", "2026-06-22"])
    return result.exit_code, result.output


def test_issue_exits_0_when_every_eligible_learner_got_a_credential(tmp_path: Path) -> None:
    rows = learner_rows(3)
    rows[1][5] = "2"  # did not pass: not an error
    code, output = _issue(
        str(definition_file(tmp_path)),
        str(write_csv(tmp_path / "r.csv", rows)),
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 0, output
    assert "issued" in output and "not eligible" in output
    assert "below the pass mark" in output
    assert (tmp_path / "out" / "ledger.sqlite").is_file()
    assert [r["state"] for r in read_manifest(tmp_path / "out")] == [
        "issued",
        "not-eligible",
        "issued",
    ]


def test_issue_exits_1_for_invalid_credentials_and_malformed_rows(tmp_path: Path) -> None:
    results = write_csv(tmp_path / "r.csv", learner_rows(2))
    no_qa = definition_file(tmp_path, {"quality_assurance": None}, name="no-qa.json")
    code, output = _issue(str(no_qa), str(results), "--out", str(tmp_path / "a"))
    assert code == 1, output
    assert "invalid" in output and "quality assurance" in output

    rows = learner_rows(2)
    rows[0][5] = "muy bien"
    code, output = _issue(
        str(definition_file(tmp_path)),
        str(write_csv(tmp_path / "m.csv", rows)),
        "--out",
        str(tmp_path / "b"),
    )
    assert code == 1, output
    assert "malformed" in output


def test_issue_names_the_sheet_of_a_workbook_row_to_correct(tmp_path: Path) -> None:
    """The table of rows that need attention says where each is; the warning beside it names
    the sheet read, as before."""
    rows = learner_rows(3)
    rows[1][5] = "muy bien"
    rows[2][0] = rows[0][0]  # the first learner again, with another grade
    results = write_xlsx(tmp_path / "r.xlsx", rows)
    definition = str(definition_file(tmp_path))
    code, output = _issue(definition, str(results), "--out", str(tmp_path / "o"))
    assert code == 1, output
    line = " ".join(output.split())
    assert "sheet 'Sheet', row 3: grade: not a number: 'muy bien'" in line  # the sheet's rows
    assert "sheet 'Sheet', row 4: the same learner appears in row 2 with another result" in line

    text = write_csv(tmp_path / "r.csv", rows)
    code, output = _issue(definition, str(text), "--out", str(tmp_path / "c"))
    assert code == 1 and "grade: not a number: 'muy bien'" in output and "sheet '" not in output


def test_issue_exits_2_with_one_clear_line_on_unusable_input(tmp_path: Path) -> None:
    results = write_csv(tmp_path / "r.csv", learner_rows(1))
    code, output = _issue(
        str(tmp_path / "missing.toml"), str(results), "--out", str(tmp_path / "out")
    )
    assert code == 2
    assert "missing.toml" in output and "not found" in output
    assert "Traceback" not in output

    bad = definition_file(tmp_path, {"awarding_body.country": "Atlantis"}, name="bad.json")
    code, output = _issue(str(bad), str(results), "--out", str(tmp_path / "out"))
    assert code == 2
    assert "bad.json" in output and "awarding_body.country" in output
    assert "Traceback" not in output
    assert len([line for line in output.splitlines() if line.strip()]) <= 3

    code, output = _issue(
        str(definition_file(tmp_path)), str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o")
    )
    assert code == 2 and "nope.csv" in output

    no_logo = definition_file(tmp_path, {"awarding_body.logo": "logo-missing.png"}, name="nologo.json")
    code, output = _issue(str(no_logo), str(results), "--out", str(tmp_path / "out"))
    line = " ".join(output.split())
    assert code == 2 and "nologo.json: field 'awarding_body.logo': logo-missing.png: not found" in line
    assert "Traceback" not in output and not (tmp_path / "out" / "manifest.json").exists()

    code, output = _issue(
        str(definition_file(tmp_path)),
        str(results),
        "--out",
        str(tmp_path / "o"),
        "--profile",
        "no-such-profile",
    )
    assert code == 2 and "no-such-profile" in output


def test_issue_exits_2_for_a_damaged_workbook_or_an_output_that_is_a_file(
    tmp_path: Path,
) -> None:
    damaged = tmp_path / "results.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not really a workbook")
    code, output = _issue(str(definition_file(tmp_path)), str(damaged), "--out", str(tmp_path / "o"))
    assert code == 2 and "results.xlsx" in output and "not a readable XLSX workbook" in output
    assert "Traceback" not in output

    late = write_csv(tmp_path / "late.csv", learner_rows(300))
    data = late.read_bytes()
    cut = data.rindex(b"\n", 0, len(data) - 200)
    late.write_bytes(data[:cut] + b"\xe9" + data[cut:])
    code, output = _issue(str(definition_file(tmp_path)), str(late), "--out", str(tmp_path / "l"))
    assert code == 2 and "late.csv" in output and "not UTF-8 text at line" in output
    assert not (tmp_path / "l").exists()  # nothing issued before the problem was found

    results = write_csv(tmp_path / "r.csv", learner_rows(1))
    code, output = _issue(
        str(definition_file(tmp_path)), str(results), "--out", str(tmp_path / "s"), "--stage", "final"
    )
    assert code == 2 and "unknown stage 'final'" in output and "Traceback" not in output
    code, output = _issue(
        str(definition_file(tmp_path)), str(results), "--out", str(tmp_path / "s"), "--lang", "!!"
    )
    assert code == 2 and "malformed language tag" in output and not (tmp_path / "s").exists()

    code, output = _issue(str(tmp_path), str(results), "--out", str(tmp_path / "d"))
    assert code == 2 and "definition file not a regular file" in output
    code, output = _issue(str(definition_file(tmp_path)), str(tmp_path), "--out", str(tmp_path / "d"))
    assert code == 2 and "results file not a regular file" in output

    (tmp_path / "blocked" / "manifest.csv").mkdir(parents=True)
    code, output = _issue(str(definition_file(tmp_path)), str(results), "--out", str(tmp_path / "blocked"))
    assert code == 2 and "manifest.csv" in output.replace("\n", "") and ".elmkit-tmp" not in output
    assert not (tmp_path / "blocked" / "credentials").exists()

    (tmp_path / "taken").write_text("a file, not a folder")
    code, output = _issue(str(definition_file(tmp_path)), str(results), "--out", str(tmp_path / "taken"))
    assert code == 2 and "taken" in output and "not a folder" in output
    assert "Traceback" not in output
    assert (tmp_path / "taken").read_text() == "a file, not a folder"


def test_a_damaged_ledger_is_a_clear_error(tmp_path: Path) -> None:
    import sqlite3

    out, rows = _issued(tmp_path, 2)
    issued = [row["credential_id"] for row in rows]
    with sqlite3.connect(out / "ledger.sqlite") as db:
        db.execute("UPDATE credentials SET state = 'bogus' WHERE credential_id = ?", (issued[0],))
        db.execute(
            "UPDATE credentials SET state = CAST(x'ff' AS TEXT) WHERE credential_id = ?",
            (issued[1],),
        )
    ledger = str(out / "ledger.sqlite")
    for command in (["history", issued[0]], ["history", issued[1]], ["ledger"]):
        result = runner.invoke(app, [*command, "--ledger", ledger])
        assert result.exit_code == 2, (command, result.output)
        assert "ledger.sqlite" in result.output and "Traceback" not in result.output
    (tmp_path / "empty.sqlite").touch()
    empty = runner.invoke(app, ["ledger", "--ledger", str(tmp_path / "empty.sqlite")])
    assert empty.exit_code == 2 and "empty" in empty.output
    assert (tmp_path / "empty.sqlite").stat().st_size == 0
    revoked = runner.invoke(app, ["revoke", issued[0], "--ledger", str(tmp_path / "r.csv")])
    assert revoked.exit_code == 2 and "Traceback" not in revoked.output


def test_a_folder_or_id_whose_name_is_not_utf8_is_no_traceback(tmp_path: Path) -> None:
    """An output folder on an old Latin-1 share, an id typed in a Latin-1 terminal: their é is
    a byte that is not UTF-8, held as a surrogate, which SQLite cannot store."""
    import os

    from elmkit.ledger import open_ledger

    out = os.fsdecode(os.fsencode(tmp_path) + b"/sortida-\xe9")
    try:
        os.mkdir(out)
    except OSError:
        pytest.skip("this file system takes only UTF-8 file names")
    definition = str(definition_file(tmp_path))
    results = str(write_csv(tmp_path / "r.csv", learner_rows(2)))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args], capture_output=True, text=True, errors="replace", timeout=120
        )

    for _ in range(2):  # a re-run reads what the first run recorded
        issued = run("issue", definition, results, "--out", out, "--no-images", "--no-zip")
        assert issued.returncode == 0, issued.stderr
    ledger = os.path.join(out, "ledger.sqlite")
    with open_ledger(ledger) as store:
        paths = [c.file_path or "" for c in store.credentials()]
    assert len(paths) == 2
    assert all(os.path.join("sortida-\\xe9", "credentials", "") in path for path in paths)
    for command, status in (
        (["history", "caf\udce9"], 2),
        (["ledger", "--learner", "caf\udce9"], 2),
        (["record", "sent", "caf\udce9"], 2),
        (["revoke", "caf\udce9", "--reason", "fraud"], 2),
    ):
        done = run(*command, "--ledger", ledger)
        assert done.returncode == status, done.stderr
        assert "not Unicode text" in done.stderr and "Traceback" not in done.stderr


def test_history_and_ledger_commands(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ledger = out / "ledger.sqlite"
    rows = learner_rows(3)
    rows[2][5] = "1"
    code, output = _issue(
        str(definition_file(tmp_path)), str(write_csv(tmp_path / "r.csv", rows)), "--out", str(out)
    )
    assert code == 0, output
    issued = [r for r in read_manifest(out) if r["state"] == "issued"]

    result = runner.invoke(app, ["history", issued[0]["credential_id"], "--ledger", str(ledger)])
    assert result.exit_code == 0, result.output
    for event in ("defined", "generated", "exported"):
        assert event in result.output
    assert issued[0]["sha256"][:12] in result.output

    by_learner = runner.invoke(app, ["history", issued[1]["learner_id"], "--ledger", str(ledger)])
    assert by_learner.exit_code == 0 and "exported" in by_learner.output

    unknown = runner.invoke(app, ["history", "urn:credential:nobody", "--ledger", str(ledger)])
    assert unknown.exit_code == 1 and "no credential" in unknown.output

    summary = runner.invoke(app, ["ledger", "--ledger", str(ledger)])
    assert summary.exit_code == 0 and "upvf-2026-ia-docencia" in summary.output

    exported = runner.invoke(app, ["ledger", "--state", "exported", "--ledger", str(ledger)])
    assert exported.exit_code == 0
    assert all(r["credential_id"] in exported.output for r in issued)
    assert "2 credential(s)" in exported.output

    mine = runner.invoke(
        app, ["ledger", "--learner", issued[0]["learner_id"], "--ledger", str(ledger)]
    )
    assert mine.exit_code == 0 and issued[0]["credential_id"] in mine.output
    assert issued[1]["credential_id"] not in mine.output

    bad_state = runner.invoke(app, ["ledger", "--state", "lost", "--ledger", str(ledger)])
    assert bad_state.exit_code == 2 and "lost" in bad_state.output

    # a mistyped definition is no empty answer
    typo = runner.invoke(app, ["ledger", "--definition", "upvf-2026-ia-docenci", "--ledger", str(ledger)])
    assert typo.exit_code == 2, typo.output
    said = " ".join(typo.output.split())
    assert "no definition 'upvf-2026-ia-docenci'" in said and "it holds upvf-2026-ia-docencia" in said
    mine_there = runner.invoke(
        app, ["ledger", "--definition", "upvf-2026-ia-docencia", "--state", "sent", "--ledger", str(ledger)]
    )
    assert mine_there.exit_code == 0 and "0 credential(s)" in mine_there.output

    # the same for scripts
    first = issued[0]["credential_id"]
    history = runner.invoke(app, ["history", first, "--ledger", str(ledger), "--format", "json"])
    assert history.exit_code == 0, history.output
    told = json.loads(history.stdout)
    assert told["credential"]["credential_id"] == first
    assert [e["event"] for e in told["events"]] == ["defined", "generated", "exported"]
    assert issued[0]["sha256"] in {e["sha256"] for e in told["events"]}
    counts = json.loads(runner.invoke(app, ["ledger", "--ledger", str(ledger), "--format", "json"]).stdout)
    assert counts["total"] == 2 and counts["counts"]["exported"] == 2
    assert counts["definitions"][0]["definition_id"] == "upvf-2026-ia-docencia"
    listed = runner.invoke(
        app, ["ledger", "--state", "exported", "--limit", "1", "--ledger", str(ledger), "--format", "json"]
    )
    page = json.loads(listed.stdout)
    assert len(page["credentials"]) == 1 and page["more"] is True
    assert page["credentials"][0]["state"] == "exported"

    missing = runner.invoke(app, ["ledger", "--ledger", str(tmp_path / "none.sqlite")])
    assert missing.exit_code == 2 and not (tmp_path / "none.sqlite").exists()


def test_demo_in_a_real_process_offline(tmp_path: Path) -> None:
    out = tmp_path / "elmkit-demo"
    done = subprocess.run(
        [*CLI, "demo", "--out", str(out), "--no-images", "--workers", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("definition.toml", "learners.csv", "logo.png"):
        assert (out / "input" / name).is_file()
    assert (out / "ledger.sqlite").is_file()
    assert (out / "upvf-2026-ia-docencia.zip").is_file()
    rows = read_manifest(out)
    assert len(rows) == 50
    assert sum(r["state"] == "issued" for r in rows) == 41
    assert "history" in done.stdout and str(out) in done.stdout.replace("\n", "")
    first = json.loads((out / rows[0]["file"]).read_bytes())
    assert first["id"] == rows[0]["credential_id"]
    advice = next(line for line in done.stdout.splitlines() if "elmkit record" in line)
    recorded = runner.invoke(app, shlex.split(advice.split("#")[0])[1:])
    assert recorded.exit_code == 0 and "41 credential(s)" in recorded.output, recorded.output


@pytest.mark.slow
def test_demo_again_reproduces_the_same_files(tmp_path: Path) -> None:
    out = tmp_path / "elmkit-demo"
    command = [*CLI, "demo", "--out", str(out), "--no-images", "--workers", "2"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    before = {
        p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and "sqlite" not in p.name
    }
    again = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    after = {
        p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and "sqlite" not in p.name
    }
    assert after == before


def test_demo_next_commands_can_be_pasted_with_spaces_in_the_path(tmp_path: Path) -> None:
    import shlex

    out = tmp_path / "dé mo"
    command = ["demo", "--out", str(out), "--no-images", "--workers", "1"]
    result = runner.invoke(app, command, terminal_width=400)
    assert result.exit_code == 0, result.output
    after = result.output.split("\nNext:\n", 1)[1]
    commands = [shlex.split(line.split("#")[0]) for line in after.splitlines() if line.strip()]
    assert len(commands) == 4, result.output
    for words in commands:
        assert words[-2] in ("--ledger", "validate") and Path(words[-1]).is_file(), words


def _events(ledger: Path, credential_id: str) -> list[tuple[str, str, str | None]]:
    from elmkit.ledger import open_ledger

    with open_ledger(ledger) as store:
        return [(e.event.value, e.actor, e.sha256) for e in store.history(credential_id)]


def _issued(tmp_path: Path, count: int) -> tuple[Path, list[dict[str, str]]]:
    """Issue ``count`` credentials into ``tmp_path/out``: the folder and the issued rows."""
    out = tmp_path / "out"
    code, output = _issue(
        str(definition_file(tmp_path)),
        str(write_csv(tmp_path / "r.csv", learner_rows(count))),
        "--out",
        str(out),
    )
    assert code == 0, output
    return out, [r for r in read_manifest(out) if r["state"] == "issued"]


def test_record_hand_offs_from_a_manifest_ids_or_a_definition(tmp_path: Path) -> None:
    out, issued = _issued(tmp_path, 3)
    ledger = out / "ledger.sqlite"
    first, second, third = (r["credential_id"] for r in issued)
    upload_time = (datetime.now(UTC) + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%S")
    too_early = runner.invoke(
        app, ["record", "uploaded", first, "--at", "2020-01-01", "--ledger", str(ledger)]
    )
    assert too_early.exit_code == 1 and "before" in too_early.output
    # the history is append-only: a mistyped year (2062 for 2026) would stay in it for good
    future = runner.invoke(
        app, ["record", "uploaded", first, "--at", "2062-01-01", "--ledger", str(ledger)]
    )
    assert future.exit_code == 2 and "in the future" in " ".join(future.output.split())
    assert _events(ledger, first)[-1][0] != "uploaded"

    uploaded = runner.invoke(
        app,
        ["record", "uploaded", "--manifest", str(out / "manifest.csv"), "--actor", "registrar",
         "--note", "Europass batch upload", "--at", upload_time, "--ledger", str(ledger)],
    )
    assert uploaded.exit_code == 0, uploaded.output
    assert "3 credential(s)" in uploaded.output
    for row in issued:
        assert _events(ledger, row["credential_id"])[-1] == ("uploaded", "registrar", row["upload_sha256"])
    from elmkit.ledger import open_ledger

    with open_ledger(ledger) as store:
        last = store.history(first)[-1]
    assert last.at.startswith(upload_time) and last.detail == {"note": "Europass batch upload"}

    sent = runner.invoke(
        app,
        ["record", "sent", issued[0]["learner_id"], "--file", str(out / issued[0]["file"]),
         "--ledger", str(ledger)],
    )
    assert sent.exit_code == 0, sent.output
    assert _events(ledger, first)[-1] == ("sent", "elmkit", issued[0]["sha256"])

    by_definition = runner.invoke(
        app,
        ["record", "downloaded", "--definition", "upvf-2026-ia-docencia", "--state", "uploaded",
         "--ledger", str(ledger)],
    )
    assert by_definition.exit_code == 0, by_definition.output
    assert "2 credential(s)" in by_definition.output
    assert [_events(ledger, c)[-1][0] for c in (first, second, third)] == ["sent", "downloaded", "downloaded"]
    history = runner.invoke(app, ["history", second, "--ledger", str(ledger)])
    assert "uploaded" in history.output and "downloaded" in history.output


def test_record_refuses_what_it_cannot_do_and_records_nothing(tmp_path: Path) -> None:
    from elmkit import revocation
    from elmkit.ledger import open_ledger

    out, issued = _issued(tmp_path, 2)
    ledger = out / "ledger.sqlite"
    first, second = (r["credential_id"] for r in issued)
    with open_ledger(ledger) as store:
        revocation.revoke(store, second, reason="test", actor="registrar", record_only=True)
    before = {c: _events(ledger, c) for c in (first, second)}

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["record", *args, "--ledger", str(ledger)])
        return result.exit_code, result.output

    code, output = run("sent", first, second)  # the revoked one cannot be sent
    assert code == 1 and "revoked" in output and "nothing was recorded" in output
    code, output = run("revoked", first)
    assert code == 2 and "revoke and suspend" in output
    code, output = run("sealed", first)
    assert code == 2 and "--file" in output
    code, output = run("sealed", "--manifest", str(out / "manifest.json"))  # lists unsealed files
    assert code == 2 and "--file" in output
    own_file = next(r["file"] for r in issued if r["credential_id"] == first)
    code, output = run("sealed", first, "--file", str(out / own_file))  # not sealed
    assert code == 1 and "is not a sealed document" in " ".join(output.split())
    code, output = run("sent", first, "--manifest", str(out / "manifest.json"))
    assert code == 2 and "one way" in output
    code, output = run("sent", "--definition", "x", "--state", "bogus")
    assert code == 2 and "unknown state 'bogus'" in output
    for i, text in enumerate(("[]", "{}", "null", '{"rows": [1, 2]}', '{"rows": [{"state": "issued"}]}')):
        (tmp_path / f"m{i}.json").write_text(text, encoding="utf-8")
        code, output = run("sent", "--manifest", str(tmp_path / f"m{i}.json"))
        assert code == 2 and f"m{i}.json" in output and "Traceback" not in output, output
        assert ("no credential id" if i == 4 else "not a batch manifest") in " ".join(output.split())
    code, output = run("sent", "urn:credential:nobody")
    assert code == 1 and "no credential" in output
    code, output = run("sent", first, second, "--file", str(out / "manifest.json"))
    assert code == 2 and "exactly one" in output
    other_file = next(r["file"] for r in issued if r["credential_id"] == second)
    code, output = run("sent", first, "--file", str(out / other_file))  # another learner's
    assert code == 1 and f"holds the credential {second!r}, not {first!r}" in " ".join(output.split())
    code, output = run("sent", first, "--file", str(tmp_path / "r.csv"))
    assert code == 1 and "not a credential document" in " ".join(output.split())
    assert {c: _events(ledger, c) for c in (first, second)} == before


def test_a_rerun_names_the_credentials_whose_files_changed(tmp_path: Path) -> None:
    out, issued = _issued(tmp_path, 3)
    args = [str(definition_file(tmp_path)), str(tmp_path / "r.csv"), "--out", str(out)]
    code, output = _issue(*args)
    assert code == 0 and "changed since an earlier run" not in output, output
    rows = learner_rows(3)
    rows[1][5] = "9,5"  # the SIS corrects the second learner's grade
    write_csv(tmp_path / "r.csv", rows)
    code, output = _issue(*args)
    assert code == 0, output
    said = " ".join(output.split())
    assert "1 credential(s) changed since an earlier run" in said
    assert f"row 3 {issued[1]['learner_id']} (regenerated)" in said
    assert issued[0]["learner_id"] not in said and "upload or send these again" in said


def test_record_refuses_the_files_of_a_run_before_a_correction(tmp_path: Path) -> None:
    import shutil

    out, issued = _issued(tmp_path, 3)
    ledger = out / "ledger.sqlite"
    kept = tmp_path / "lot-1"  # the files uploaded first, as the bundle held them
    shutil.copytree(out, kept)
    rows = learner_rows(3)
    rows[1][5] = "9,5"  # the SIS corrects the second learner's grade
    code, output = _issue(
        str(definition_file(tmp_path)),
        str(write_csv(tmp_path / "r.csv", rows)),
        "--out",
        str(out),
    )
    assert code == 0, output
    corrected = issued[1]["credential_id"]
    assert [e[0] for e in _events(ledger, corrected)][-2:] == ["regenerated", "exported"]
    before = {r["credential_id"]: _events(ledger, r["credential_id"]) for r in issued}

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["record", *args, "--ledger", str(ledger)])
        return result.exit_code, " ".join(result.output.split())

    # the ledger would say the corrected credential went to Europass: it never did
    code, output = run("uploaded", "--manifest", str(kept / "manifest.csv"))
    assert code == 1 and "before it was regenerated" in output and corrected in output
    assert "nothing was recorded" in output
    for name in ("manifest.json", issued[1]["file"]):
        args = ["--manifest", str(kept / name)] if name.startswith("manifest") else [
            issued[1]["learner_id"], "--file", str(kept / name)]
        code, output = run("sent", *args)
        assert code == 1 and "before it was regenerated" in output, output
    assert {c: _events(ledger, c) for c in before} == before

    # the files of the run that made the current documents are recorded
    code, output = run("uploaded", "--manifest", str(out / "manifest.csv"))
    assert code == 0 and "3 credential(s)" in output, output
    current = next(r for r in read_manifest(out) if r["credential_id"] == corrected)
    assert _events(ledger, corrected)[-1] == ("uploaded", "elmkit", current["upload_sha256"])
    code, output = run("sent", corrected, "--file", str(out / current["file"]))
    assert code == 0, output
    # an unchanged learner's file of the first run is that learner's current document
    code, output = run("sent", issued[0]["learner_id"], "--file", str(kept / issued[0]["file"]))
    assert code == 0, output


def test_record_skip_refused_records_the_others_and_names_those_refused(tmp_path: Path) -> None:
    """One credential revoked and one corrected since a lot was uploaded: with --skip-refused
    the rest of the lot is recorded, and the two are named on standard error."""
    import shutil

    from elmkit import revocation
    from elmkit.ledger import open_ledger

    out, issued = _issued(tmp_path, 4)
    ledger = out / "ledger.sqlite"
    kept = tmp_path / "lot-1"
    shutil.copytree(out, kept)
    ids = [r["credential_id"] for r in issued]
    with open_ledger(ledger) as store:
        revocation.revoke(store, ids[0], reason="test", actor="registrar", record_only=True)
    rows = learner_rows(4)
    rows[2][5] = "9,5"  # the third learner's grade corrected after the upload
    code, output = _issue(
        str(definition_file(tmp_path)), str(write_csv(tmp_path / "r.csv", rows)), "--out", str(out)
    )
    assert code == 0, output
    args = ["record", "uploaded", "--manifest", str(kept / "manifest.json"), "--ledger", str(ledger)]
    before = {c: _events(ledger, c) for c in ids}
    all_or_nothing = runner.invoke(app, args)
    assert all_or_nothing.exit_code == 1 and "nothing was recorded" in all_or_nothing.output
    assert {c: _events(ledger, c) for c in ids} == before

    result = runner.invoke(app, [*args, "--skip-refused"])
    assert result.exit_code == 1, result.output
    assert "recorded 'uploaded' for 2 credential(s)" in " ".join(result.stdout.split())
    said = " ".join(result.stderr.split())
    assert "2 credential(s) refused 'uploaded'" in said
    assert f"{ids[0]}: " in said and "revoked" in said
    assert f"{ids[2]}: " in said and "before it was regenerated" in said
    assert [_events(ledger, c)[-1][0] for c in ids] == ["revoked", "uploaded", "exported", "uploaded"]
    assert [len(_events(ledger, c)) for c in ids] == [len(before[c]) + (c in (ids[1], ids[3])) for c in ids]


def test_record_skip_refused_skips_a_credential_issued_after_at(tmp_path: Path) -> None:
    """``--at`` before one credential entered the ledger refuses that one alone: the credentials
    after it are still recorded, not left out after some were recorded."""
    from elmkit.ledger import open_ledger

    ledger = tmp_path / "ledger.sqlite"
    with open_ledger(ledger) as store:
        store.define("micro-law", {"title": "Law"}, version="1", at="2026-03-01T00:00:00Z")
        for credential_id, day in (("late", "2026-03-20"), ("early", "2026-03-02")):
            store.claim_credential(
                credential_id, "micro-law", f"L-{credential_id}", at=f"{day}T09:00:00+01:00"
            )
            store.record(credential_id, "generated", "elmkit", "ab" * 32, at=f"{day}T10:00:00Z")
            store.record(credential_id, "exported", "elmkit", "ab" * 32, at=f"{day}T10:00:00Z")
    result = runner.invoke(
        app,
        ["record", "uploaded", "late", "early", "--at", "2026-03-10T12:00:00+01:00",
         "--skip-refused", "--ledger", str(ledger)],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "recorded 'uploaded' for 1 credential(s)" in " ".join(result.stdout.split())
    said = " ".join(result.stderr.split())
    assert "late: --at 2026-03-10T11:00:00.000000Z is before it entered the ledger" in said, said
    assert _events(ledger, "early")[-1][0] == "uploaded"
    assert _events(ledger, "late")[-1][0] == "exported"


def test_revoke_takes_a_learner_id_and_the_ledger_from_the_environment(tmp_path: Path) -> None:
    import elmkit.cli.status  # noqa: F401  (registers revoke)

    out, rows = _issued(tmp_path, 2)
    learner = rows[0]
    env = {"ELMKIT_LEDGER": str(out / "ledger.sqlite")}
    # these credentials went to Europass without a status entry: nobody could see a revocation
    refused = runner.invoke(app, ["revoke", learner["learner_id"], "--reason", "withdrawn"], env=env)
    assert refused.exit_code == 1 and "no revocation entry on any status list" in refused.output
    assert "--record-only" in refused.output
    assert _events(out / "ledger.sqlite", learner["credential_id"])[-1][0] != "revoked"
    result = runner.invoke(
        app, ["revoke", learner["learner_id"], "--reason", "withdrawn", "--record-only"], env=env
    )
    assert result.exit_code == 0, result.output
    assert learner["credential_id"] in result.output and "revoked" in result.output
    assert "in the ledger only" in result.output


def test_issue_records_in_the_ledger_the_environment_names_so_a_revoked_learner_is_skipped(
    tmp_path: Path,
) -> None:
    import elmkit.cli.status  # noqa: F401  (registers revoke, whatever ran before)
    from elmkit.ledger import open_ledger

    shared = tmp_path / "shared.sqlite"
    env = {"ELMKIT_LEDGER": str(shared), "COLUMNS": "220"}
    args = [
        "issue", str(definition_file(tmp_path)), str(write_csv(tmp_path / "r.csv", learner_rows(1))),
        "--no-images", "--valid-from", "2026-06-22",
    ]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "first")], env=env)
    assert result.exit_code == 0, result.output
    assert shared.is_file() and not (tmp_path / "first" / "ledger.sqlite").exists()
    with open_ledger(shared) as store:
        (credential,) = list(store.credentials())
    revoked = runner.invoke(
        app, ["revoke", credential.credential_id, "--reason", "fraud", "--record-only"], env=env
    )
    assert revoked.exit_code == 0, revoked.output
    again = runner.invoke(app, [*args, "--out", str(tmp_path / "second")], env=env)
    assert again.exit_code == 0, again.output
    assert not list((tmp_path / "second" / "credentials").glob("*.jsonld"))  # revoked: skipped
    assert "skipped" in again.output


def test_an_interrupted_batch_says_so_on_standard_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from elmkit.microcredentials import batch

    def interrupted(*args: object, **options: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C, or SIGTERM to a batch with workers

    monkeypatch.setattr(batch, "issue_batch", interrupted)
    results = write_csv(tmp_path / "r.csv", learner_rows(2))
    result = runner.invoke(
        app, ["issue", str(definition_file(tmp_path)), str(results), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 130
    assert "interrupted" in result.stderr and "run the same command again" in result.stderr
    assert result.stdout == ""


def test_seal_without_display_pages_is_refused_before_anything_is_issued(tmp_path: Path) -> None:
    results = write_csv(tmp_path / "r.csv", learner_rows(2))
    out = tmp_path / "o"
    result = runner.invoke(
        app,
        ["issue", str(definition_file(tmp_path)), str(results), "--out", str(out), "--seal",
         "--no-images", "--p12", str(tmp_path / "none.p12")],
    )
    assert result.exit_code == 2 and "--no-images" in result.stderr
    assert not out.exists()  # nothing issued, no status index reserved


@pytest.mark.parametrize(
    ("given", "written"),
    [
        ("2026-06-22", "2026-06-22T00:00:00Z"),
        ("2026-06-22T10:00:00Z", "2026-06-22T10:00:00Z"),
        ("2026-06-22T10:00:00+02:00", "2026-06-22T10:00:00+02:00"),
        ("2026-06-22T10:00:00.000000Z", "2026-06-22T10:00:00Z"),  # as the ledger writes times
    ],
)
def test_valid_from_takes_iso_8601_with_an_offset(tmp_path: Path, given: str, written: str) -> None:
    results = write_csv(tmp_path / "r.csv", learner_rows(1))
    out = tmp_path / "o"
    result = runner.invoke(
        app,
        ["issue", str(definition_file(tmp_path)), str(results), "--out", str(out), "--no-images",
         "--valid-from", given],
    )
    assert result.exit_code == 0, result.output
    (document,) = (out / "credentials").glob("*.jsonld")
    assert json.loads(document.read_text(encoding="utf-8"))["validFrom"] == written


@pytest.mark.parametrize(
    "layout",
    [
        "%Y-%m-%dT%H:%M%z",  # date -Iminutes
        "%Y-%m-%d %H:%M:%S",  # a space for the T, as SQL and many logs write it
        "%Y-%m-%dT%H:%M:%S.%f0%z",  # PowerShell's Get-Date -Format o: seven digits of fraction
        "%Y%m%dT%H%M%SZ",  # ISO 8601's basic format
    ],
)
def test_every_option_that_takes_a_time_reads_iso_8601_alike(tmp_path: Path, layout: str) -> None:
    out, issued = _issued(tmp_path, 1)
    ledger = out / "ledger.sqlite"
    when = datetime.now(UTC).replace(second=0, microsecond=0)
    given = when.strftime(layout)
    record = runner.invoke(
        app, ["record", "downloaded", issued[0]["credential_id"], "--at", given, "--ledger", str(ledger)]
    )
    assert "Invalid value" not in record.output and record.exit_code in (0, 1), record.output
    reissued = runner.invoke(
        app,
        ["issue", str(definition_file(tmp_path)), str(write_csv(tmp_path / "r2.csv", learner_rows(1))),
         "--out", str(tmp_path / "again"), "--no-images", "--valid-from", given],
    )
    assert reissued.exit_code == 0, reissued.output
    (document,) = (tmp_path / "again" / "credentials").glob("*.jsonld")
    written = json.loads(document.read_text(encoding="utf-8"))["validFrom"]
    assert datetime.fromisoformat(written.replace("Z", "+00:00")) == when
    verified = runner.invoke(app, ["verify", str(tmp_path / "none.json"), "--at", given])
    assert "Invalid value" not in verified.output and "unusable" in verified.output
    for command in (
        ["record", "downloaded", issued[0]["credential_id"], "--ledger", str(ledger)],
        ["issue", str(definition_file(tmp_path)), str(tmp_path / "r2.csv"), "--out", str(out)],
        ["verify", str(tmp_path / "none.json")],
    ):
        option = "--valid-from" if command[0] == "issue" else "--at"
        refused = runner.invoke(app, [*command, option, "18/11/2026"])
        said = " ".join(refused.output.split())
        assert refused.exit_code == 2 and "'18/11/2026' is not an ISO 8601 date" in said, said


def _issue_json(*args: str) -> tuple[int, dict[str, Any], str]:
    """``issue … --format json``: the exit status, the one JSON document of standard output
    (``json.loads`` refuses anything beside it) and standard error."""
    result = runner.invoke(
        app, ["issue", *args, "--no-images", "--valid-from", "2026-06-22", "--format", "json"]
    )
    document: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, document, result.stderr


def test_issue_format_json_prints_one_document_that_agrees_with_the_manifest(
    tmp_path: Path,
) -> None:
    rows = learner_rows(4)
    rows[1][5] = "2"  # not eligible
    rows[2][5] = "muy bien"  # malformed: exit 1
    out = tmp_path / "out"
    done = subprocess.run(
        [*CLI, "issue", str(definition_file(tmp_path)), str(write_csv(tmp_path / "r.csv", rows)),
         "--out", str(out), "--no-images", "--valid-from", "2026-06-22", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    document = json.loads(done.stdout)
    assert done.returncode == document["exit_status"] == 1
    assert "muy bien" not in done.stderr  # the rows are in the document, not said as text
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert document["counts"] == manifest["summary"]
    assert document["counts"]["issued"] == 2 and document["counts"]["malformed"] == 1
    assert document["changes"]["new"] == 2 and sum(document["changes"].values()) == 2
    assert document["out"] == str(out)
    assert document["ledger"] == str(out / "ledger.sqlite")
    assert document["manifest"] == {
        "json": str(out / "manifest.json"),
        "csv": str(out / "manifest.csv"),
    }
    assert Path(document["bundle"]).is_file()
    added = ("change", "error_count", "warning_count")
    listed = document["rows"]
    assert [{k: v for k, v in row.items() if k not in added} for row in listed] == manifest["rows"]
    assert [row["change"] for row in listed] == ["new", None, None, "new"]
    for row in listed:
        severities = [finding["severity"] for finding in row["findings"]]
        assert row["error_count"] == severities.count("error")
        assert row["warning_count"] == severities.count("warning")
    assert listed[0]["warning_count"] == 1  # no display page: Europass adds one
    assert listed[1]["reasons"] == ["grade 2 below the pass mark 5"]
    assert all((out / row["file"]).is_file() for row in listed if row["state"] == "issued")


def test_issue_format_json_tells_what_each_run_changed(tmp_path: Path) -> None:
    definition = str(definition_file(tmp_path))
    rows = learner_rows(3)
    args = ["--out", str(tmp_path / "out")]
    code, first, _ = _issue_json(definition, str(write_csv(tmp_path / "r.csv", rows)), *args)
    assert code == first["exit_status"] == 0
    assert [row["change"] for row in first["rows"]] == ["new", "new", "new"]

    code, again, _ = _issue_json(definition, str(tmp_path / "r.csv"), *args)
    assert code == again["exit_status"] == 0
    assert [row["change"] for row in again["rows"]] == ["unchanged"] * 3
    assert again["changes"]["unchanged"] == 3 and sum(again["changes"].values()) == 3

    rows[1][5] = "9,5"  # a corrected grade
    code, corrected, _ = _issue_json(definition, str(write_csv(tmp_path / "r.csv", rows)), *args)
    assert code == corrected["exit_status"] == 0
    changes = {row["learner_id"]: row["change"] for row in corrected["rows"]}
    assert changes == {"E00000": "unchanged", "E00001": "regenerated", "E00002": "unchanged"}


def test_issue_format_json_on_a_usage_error_gives_the_error_and_exit_2(tmp_path: Path) -> None:
    results = str(write_csv(tmp_path / "r.csv", learner_rows(1)))
    code, document, errors = _issue_json(
        str(tmp_path / "missing.toml"), results, "--out", str(tmp_path / "o")
    )
    assert code == 2
    assert document == {
        "command": "issue",
        "exit_status": 2,
        "error": f"{tmp_path / 'missing.toml'}: definition file not found",
    }
    assert "missing.toml" in errors  # said on standard error as before
    # options click refuses stop before the command runs: usage on standard error only
    refused = runner.invoke(app, ["issue", results, results, "--format", "yaml"])
    assert refused.exit_code == 2 and refused.stdout == ""


def test_issue_format_json_keeps_progress_bars_off_standard_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even where both outputs are terminals, which is when the progress bar is drawn."""
    from rich.console import Console

    import elmkit.cli.issue as issue_module

    def terminal(*, stderr: bool = False) -> Console:
        return Console(force_terminal=True, stderr=stderr, width=100)

    monkeypatch.setattr(issue_module, "make_console", terminal)
    code, document, errors = _issue_json(
        str(definition_file(tmp_path)),
        str(write_csv(tmp_path / "r.csv", learner_rows(2))),
        "--out",
        str(tmp_path / "o"),
    )
    assert code == document["exit_status"] == 0 and document["counts"]["issued"] == 2
    assert "issuing" in errors  # the bar went to standard error


def test_issue_format_text_is_the_default_summary(tmp_path: Path) -> None:
    definition = str(definition_file(tmp_path))
    results = str(write_csv(tmp_path / "r.csv", learner_rows(2)))
    outputs = []
    for extra in ([], ["--format", "text"]):
        result = runner.invoke(
            app,
            ["issue", definition, results, "--out", str(tmp_path / "o"), "--no-images",
             "--valid-from", "2026-06-22", *extra],
        )
        assert result.exit_code == 0, result.output
        outputs.append(re.sub(r"\d+\.\ds$", "", result.stdout, flags=re.M))
    assert outputs[0] == outputs[1]
    assert outputs[0].startswith("upvf-2026-ia-docencia: 2 row(s) read\n")
    assert not outputs[0].lstrip().startswith("{")


def test_an_interrupted_batch_with_format_json_says_so_on_both_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from elmkit.microcredentials import batch

    def interrupted(*args: object, **options: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "issue_batch", interrupted)
    code, document, errors = _issue_json(
        str(definition_file(tmp_path)),
        str(write_csv(tmp_path / "r.csv", learner_rows(2))),
        "--out",
        str(tmp_path / "o"),
    )
    assert code == document["exit_status"] == 130
    assert document["error"].startswith("interrupted") and "interrupted" in errors


def test_a_missing_extra_with_format_json_is_a_document_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import elmkit.cli.issue as issue_module
    from elmkit.errors import MissingExtraError

    missing = MissingExtraError("sealing", "seal", "cryptography")

    def no_extra(*args: object) -> None:
        raise missing

    monkeypatch.setattr(issue_module, "_load_signer", no_extra)
    results = str(write_csv(tmp_path / "r.csv", learner_rows(1)))
    result = runner.invoke(
        app,
        ["issue", str(definition_file(tmp_path)), results, "--out", str(tmp_path / "o"),
         "--seal", "--format", "json"],
    )
    assert result.exception is missing  # the entry point says it, and exits 2
    assert json.loads(result.stdout) == {"command": "issue", "exit_status": 2, "error": str(missing)}


def test_demo_format_json(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["demo", "--out", str(tmp_path / "demo"), "--no-images", "--workers", "1",
         "--format", "json"],
    )
    document = json.loads(result.stdout)
    assert result.exit_code == document["exit_status"] == 0
    assert document["command"] == "demo"
    assert document["counts"]["issued"] == 41 and document["counts"]["malformed"] == 1
    assert document["changes"]["new"] == 41 and len(document["rows"]) == 50


def test_the_tutorial_example_of_format_json_has_the_members_issue_prints(tmp_path: Path) -> None:
    page = (Path(__file__).parents[1] / "docs" / "tutorial-first-microcredential.md").read_text(
        encoding="utf-8"
    )
    (example,) = re.findall(r"```json\n(.*?)```", page, flags=re.S)
    shown = json.loads(example)
    code, document, _ = _issue_json(
        str(definition_file(tmp_path)),
        str(write_csv(tmp_path / "r.csv", learner_rows(2))),
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 0
    assert list(shown) == list(document)
    for part in ("counts", "changes"):
        assert list(shown[part]) == list(document[part])
    assert all(list(row) == list(document["rows"][0]) for row in shown["rows"])


def test_issue_workers_0_is_one_per_cpu_as_for_demo(tmp_path: Path) -> None:
    """``--workers 0`` was refused by issue and meant one per CPU for demo."""
    from elmkit.microcredentials.demo import write_demo_inputs

    definition, results = write_demo_inputs(tmp_path / "input")
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["issue", str(definition), str(results), "--out", str(out), "--no-images", "--workers", "0",
              "--format", "json"],
    )
    report = json.loads(result.output)
    assert result.exit_code == report["exit_status"] == 1, result.output  # the demo's bad row
    assert report["counts"]["issued"] == 41 and report["counts"]["error"] == 0
