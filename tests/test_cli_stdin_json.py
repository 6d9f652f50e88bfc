"""validate, verify and seal read FILE ``-`` from standard input (``seal -o -`` writes the sealed
document on standard output), and with a JSON ``--format`` every error leaves JSON on standard
output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SAMPLES_DIR
from elmkit.cli import _register, app

_register()
runner = CliRunner(env={"COLUMNS": "400"})
SIGNED = SAMPLES_DIR / "Sample-MC-Annex1-signed.jsonld"
UNSIGNED = SAMPLES_DIR / "Sample-MC-Annex1-unsigned.jsonld"
STDIN_NAME = "<stdin>"  # how reports and messages name FILE -


def _records(stdout: str, output: str) -> list[dict[str, object]]:
    """What a ``--format json`` or ``jsonl`` run printed: one document, or a record a line."""
    if output == "jsonl":
        return [json.loads(line) for line in stdout.splitlines()]
    document = json.loads(stdout)
    return document if isinstance(document, list) else [document]


@pytest.mark.parametrize("output", ["json", "jsonl"])
def test_validate_reads_standard_input_as_it_reads_a_file(output: str) -> None:
    checks = ["--profile", "edc-ap", "--stage", "sealed", "--format", output]
    piped = runner.invoke(app, ["validate", str(UNSIGNED), "-", *checks], input=SIGNED.read_bytes())
    from_files = runner.invoke(app, ["validate", str(UNSIGNED), str(SIGNED), *checks])
    assert piped.exit_code == from_files.exit_code == 1, piped.output
    records = _records(piped.stdout, output)
    assert [record["file"] for record in records] == [str(UNSIGNED), STDIN_NAME]
    expected = _records(from_files.stdout, output)
    expected[1]["file"] = STDIN_NAME
    assert records == expected


def test_validate_names_standard_input_in_text_and_errors() -> None:
    shown = runner.invoke(app, ["validate", "-", "-p", "edc-ap", "--stage", "sealed"], input=SIGNED.read_bytes())
    assert shown.exit_code == 0 and shown.stdout.startswith(f"{STDIN_NAME}\n"), shown.output
    broken = runner.invoke(app, ["validate", "-"], input=b'{"a": 1, "a": 2}')
    assert broken.exit_code == 2 and broken.stderr.startswith(f"{STDIN_NAME}: unusable:"), broken.output


@pytest.mark.parametrize("command", ["validate", "verify"])
def test_standard_input_is_checked_as_a_file_is(tmp_path: Path, command: str) -> None:
    """The same encoding checks and size bound as a file's; nothing over the bound is kept."""
    from elmkit.sealing._codec import MAX_SEALED_BYTES
    from elmkit.serializers.jsonio import DEFAULT_MAX_BYTES

    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"name": "Crédit"}'.encode("latin-1"))
    as_file = runner.invoke(app, [command, str(latin1), "--format", "json"])
    piped = runner.invoke(app, [command, "-", "--format", "json"], input=latin1.read_bytes())
    assert piped.exit_code == as_file.exit_code != 0, piped.output
    from_file, from_stdin = json.loads(as_file.stdout), json.loads(piped.stdout)
    assert from_stdin.pop("file") == STDIN_NAME and from_file.pop("file") == str(latin1)
    assert from_stdin == from_file
    bound = DEFAULT_MAX_BYTES if command == "validate" else MAX_SEALED_BYTES
    huge = runner.invoke(app, [command, "-", "--format", "json"], input=b"{" + b" " * bound + b"}")
    assert huge.exit_code == 2, huge.output
    report = json.loads(huge.stdout)
    assert report["file"] == STDIN_NAME and f"more than {bound}" in report["error"], report


@pytest.mark.parametrize("command", ["validate", "verify"])
@pytest.mark.parametrize("output", ["text", "json", "jsonl"])
def test_standard_input_given_twice_is_refused(command: str, output: str) -> None:
    result = runner.invoke(app, [command, "-", str(SIGNED), "-", "--format", output], input=SIGNED.read_bytes())
    assert result.exit_code == 2, result.output
    assert "standard input can be read only once" in " ".join(result.stderr.split())
    if output == "text":
        assert result.stdout == ""
    else:  # refused before any file is read
        (record,) = _records(result.stdout, output)
        assert record["command"] == command and record["exit_status"] == 2 and record["error"]


def _error_cases(tmp_path: Path) -> list[tuple[list[str], int]]:
    folder = tmp_path / "folder"
    folder.mkdir()
    text = tmp_path / "text.json"
    text.write_text("not JSON", encoding="utf-8")
    return [
        (["validate", str(SIGNED), "--profile", "nope"], 2),
        (["validate", str(SIGNED), "--stage", "final"], 2),
        (["validate", str(SIGNED), "--lang", "x_y"], 2),
        (["validate"], 2),
        (["validate", str(SIGNED), "--no-such-option"], 2),
        (["verify", str(SIGNED), "--trust", str(tmp_path / "missing")], 2),
        (["verify", str(SIGNED), "--trust", str(folder)], 2),
        (["verify", str(SIGNED), "--at", "yesterday"], 2),
        (["verify", str(SIGNED), "--status-dir", str(text)], 2),
        (["verify", str(SIGNED), "--accept-skipped", "SEAL"], 2),
    ]


@pytest.mark.parametrize("output", ["json", "jsonl"])
def test_every_error_leaves_one_json_record_on_standard_output(tmp_path: Path, output: str) -> None:
    """A refused option or value (including those click refuses: a missing FILE, a date that
    does not parse…) is a ``{"command", "exit_status", "error"}`` document or line; the human
    message stays on standard error."""
    for arguments, status in _error_cases(tmp_path):
        result = runner.invoke(app, [*arguments, "--format", output])
        assert result.exit_code == status, (arguments, result.output)
        (record,) = _records(result.stdout, output)
        assert record["command"] == arguments[0] and record["exit_status"] == status, (arguments, record)
        assert isinstance(record["error"], str) and record["error"], (arguments, record)
        assert result.stderr.strip(), arguments
        if output == "json":
            assert result.stdout.startswith("{\n"), "indented, as every --format json document"


@pytest.mark.parametrize("command", ["validate", "verify"])
@pytest.mark.parametrize("output", ["json", "jsonl"])
def test_files_that_cannot_be_used_are_reported_each(tmp_path: Path, command: str, output: str) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    text = tmp_path / "text.json"
    text.write_text("not JSON", encoding="utf-8")
    files = [str(folder), str(text), str(tmp_path / "missing.json"), "-"]
    result = runner.invoke(app, [command, *files, "--format", output], input=b"not JSON either")
    assert result.exit_code == 2, result.output
    records = _records(result.stdout, output)
    assert [record["file"] for record in records] == [*files[:3], STDIN_NAME]
