"""validate, verify and seal read FILE ``-`` from standard input (``seal -o -`` writes the sealed
document on standard output), and with a JSON ``--format`` every error leaves JSON on standard
output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


@pytest.fixture(scope="module")
def sealing(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A PKCS#12 seal (password ``pw``), its trust anchors and a credential it may seal."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from elmkit.sealing import create_test_pki

    folder = tmp_path_factory.mktemp("sealing")
    pki = create_test_pki(org_name="University of Zed", organization_identifier="VATIE-6543210X", country="IE")
    anchors = folder / "anchors"
    anchors.mkdir()
    for i, cert in enumerate(pki.trust_anchors):
        (anchors / f"{i}.pem").write_bytes(cert.public_bytes(Encoding.PEM))
    payload = json.loads(json.loads(SIGNED.read_text(encoding="utf-8"))["payload"])
    del payload["issuer"]["eIDASIdentifier"]  # completed from the seal certificate
    credential = folder / "credential.jsonld"
    credential.write_text(json.dumps(payload), encoding="utf-8")
    return {"p12": pki.write_pkcs12(folder / "seal.p12", "pw"), "anchors": anchors, "credential": credential}


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


def test_seal_from_standard_input_to_standard_output_in_a_pipeline(sealing: dict[str, Path]) -> None:
    """``elmkit seal - -o - | elmkit verify -``: the sealed document alone on standard output."""
    seal = [sys.executable, "-m", "elmkit", "seal", "-", "-o", "-", "--p12", str(sealing["p12"])]
    sealed = subprocess.run(
        seal, input=sealing["credential"].read_bytes(), capture_output=True, timeout=120,
        env={**os.environ, "ELMKIT_SEAL_PASSWORD": "pw"},
    )  # fmt: skip
    assert sealed.returncode == 0, sealed.stderr.decode()
    envelope = json.loads(sealed.stdout)  # nothing but the sealed document
    assert set(envelope) >= {"payload", "signatures"} and sealed.stderr == b""
    verify = [sys.executable, "-m", "elmkit", "verify", "-", "--trust", str(sealing["anchors"]), "--format", "json"]
    verified = subprocess.run(verify, input=sealed.stdout, capture_output=True, timeout=120)
    report = json.loads(verified.stdout)
    assert report["file"] == STDIN_NAME, report
    steps = {step["title"].split(": ")[0]: step["status"] for step in report["steps"]}
    assert steps["SEAL"] == steps["FORMAT"] == "OK", report
    assert report["verdict"] == "partially verified" and verified.returncode == 1  # OWNER SKIPPED


def test_seal_writes_the_same_document_to_standard_output_as_to_a_file(
    tmp_path: Path, sealing: dict[str, Path]
) -> None:
    key = ["--p12", str(sealing["p12"]), "--password", "pw"]
    credential = sealing["credential"].read_bytes()
    piped = runner.invoke(app, ["seal", "-", "-o", "-", *key], input=credential)
    assert piped.exit_code == 0, piped.output
    written = tmp_path / "sealed.json"
    to_file = runner.invoke(app, ["seal", "-", "-o", str(written), *key], input=credential)
    assert to_file.exit_code == 0 and to_file.stdout == f"sealed {STDIN_NAME} -> {written}\n"
    for document in (piped.stdout_bytes, written.read_bytes()):
        verified = runner.invoke(app, ["verify", "-", "--trust", str(sealing["anchors"]), "--format", "json"], input=document)
        assert json.loads(verified.stdout)["steps"][1]["status"] == "OK", verified.output
    refused = runner.invoke(app, ["seal", "-", "-o", "-", *key], input=SIGNED.read_bytes())
    assert refused.exit_code == 1 and refused.stdout == "", "a sealed document is not sealed again"
    assert f"{STDIN_NAME}: this is a sealed document already" in " ".join(refused.stderr.split())


def test_seal_reports_in_json(tmp_path: Path, sealing: dict[str, Path]) -> None:
    key = ["--p12", str(sealing["p12"]), "--password", "pw"]
    out = tmp_path / "sealed.json"
    done = runner.invoke(app, ["seal", str(sealing["credential"]), "-o", str(out), *key, "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout) == {
        "command": "seal", "exit_status": 0, "file": str(sealing["credential"]), "out": str(out), "level": "B-B",
    }  # fmt: skip
    both = runner.invoke(app, ["seal", str(sealing["credential"]), "-o", "-", *key, "--format", "json"])
    assert both.exit_code == 2 and "--out -" in json.loads(both.stdout)["error"]


def _error_cases(tmp_path: Path, sealing: dict[str, Path]) -> list[tuple[list[str], int]]:
    folder = tmp_path / "folder"
    folder.mkdir()
    text = tmp_path / "text.json"
    text.write_text("not JSON", encoding="utf-8")
    sealed_list = tmp_path / "list.json"
    sealed_list.write_text(json.dumps({"type": ["VerifiableCredential", "BitstringStatusListCredential"]}))
    key = ["--p12", str(sealing["p12"]), "--password", "pw", "-o", str(tmp_path / "out.json")]
    credential = str(sealing["credential"])
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
        (["seal", credential, "--p12", str(sealing["p12"]), "--password", "wrong", "-o", str(tmp_path / "o")], 2),
        (["seal", credential, "-o", str(tmp_path / "o")], 2),
        (["seal", str(folder), *key], 2),
        (["seal", str(text), *key], 2),
        (["seal", str(tmp_path / "missing.json"), *key], 2),
        (["seal", str(sealed_list), *key], 2),
        (["seal", str(SIGNED), *key], 1),
        (["seal", credential, "--p12", str(sealing["p12"]), "--password", "pw", "-o", credential], 2),
        (["seal", credential, "--p12", str(sealing["p12"]), "--password", "pw"], 2),
        (["seal", credential, "--p12", str(sealing["p12"]), "--password", "pw", "-o", str(folder)], 2),
    ]


@pytest.mark.parametrize("output", ["json", "jsonl"])
def test_every_error_leaves_one_json_record_on_standard_output(
    tmp_path: Path, sealing: dict[str, Path], output: str
) -> None:
    """A refused option or value (including those click refuses: a missing FILE, a date that
    does not parse…) is a ``{"command", "exit_status", "error"}`` document or line; the human
    message stays on standard error."""
    for arguments, status in _error_cases(tmp_path, sealing):
        if arguments[0] == "seal" and output == "jsonl":
            continue  # seal prints one document, never JSON Lines
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


@pytest.mark.parametrize("command", ["verify", "seal"])
def test_a_missing_extra_is_said_once_in_json(tmp_path: Path, command: str) -> None:
    """Without the seal extra the command stops before any file: one document says so."""
    hide = "import sys; sys.modules['cryptography'] = None"  # as if it were not installed
    arguments = [str(SIGNED), str(SIGNED)] if command == "verify" else [str(UNSIGNED), "--p12", "x", "-o", "y"]
    done = subprocess.run(
        [sys.executable, "-c", f"{hide}; from elmkit.cli import main; main()", command, *arguments, "--format", "json"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    document = json.loads(done.stdout)
    assert document["command"] == command and "pip install 'elmkit[seal]'" in document["error"]
    assert "Traceback" not in done.stderr and "pip install" in done.stderr


@pytest.mark.parametrize("command", ["validate", "verify"])
def test_a_file_named_dash_is_read_as_dot_slash_dash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    (tmp_path / "-").write_bytes(SIGNED.read_bytes())
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [command, "./-", "--format", "json"], input=b"not read")
    report = json.loads(result.stdout)
    assert report["file"] == "-" and "error" not in report, report


def test_options_the_other_commands_refuse_leave_one_json_document(tmp_path: Path) -> None:
    """``issue``, ``demo``, ``history`` and ``ledger`` with ``--format json``: an option or value
    the command line refuses before the command runs is a JSON document too."""
    cases = [
        ["issue", str(tmp_path / "definition.yaml"), str(tmp_path / "results.csv"), "--valid-from", "soon"],
        ["issue", "--no-such-option"],
        ["demo", "--workers", "many"],
        ["history"],
        ["ledger", "--since", "last week"],
        ["ledger", "--limit", "0"],
    ]
    for arguments in cases:
        result = runner.invoke(app, [*arguments, "--format", "json"])
        assert result.exit_code == 2, (arguments, result.output)
        record = json.loads(result.stdout)
        assert record["command"] == arguments[0] and record["exit_status"] == 2, (arguments, record)
        assert record["error"] and result.stderr.strip(), arguments


@pytest.mark.parametrize("command", ["validate", "verify", "seal"])
def test_a_closed_standard_input_is_a_file_that_cannot_be_read(
    tmp_path: Path, sealing: dict[str, Path], command: str
) -> None:
    """``elmkit validate - <&-`` (a cron job or service started without standard input): said
    as an unusable file, exit 2 and a JSON record, not a traceback."""
    key = ["--p12", str(sealing["p12"]), "-o", str(tmp_path / "out.json")] if command == "seal" else []
    done = subprocess.run(
        [sys.executable, "-m", "elmkit", command, "-", *key, "--format", "json"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "ELMKIT_SEAL_PASSWORD": "pw"}, preexec_fn=lambda: os.close(0),
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    record = json.loads(done.stdout)
    assert "standard input is closed" in record["error"], record
    assert record.get("file", STDIN_NAME) == STDIN_NAME
