"""The command line: validate and convert, with their exit statuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ELM_DIR, SAMPLES_DIR
from elmkit.cli import _register, app

_register()
runner = CliRunner(env={"COLUMNS": "400"})  # wide: long temporary paths do not wrap
SIGNED = SAMPLES_DIR / "Sample-MC-Annex1-signed.jsonld"
UNSIGNED = SAMPLES_DIR / "Sample-MC-Annex1-unsigned.jsonld"


def test_validate_exit_statuses(tmp_path: Path) -> None:
    valid = runner.invoke(app, ["validate", str(SIGNED), "--profile", "edc-ap", "--stage", "sealed"])
    assert valid.exit_code == 0, valid.output
    invalid = runner.invoke(app, ["validate", str(UNSIGNED), "--profile", "edc-ap", "--stage", "sealed"])
    assert invalid.exit_code == 1, invalid.output
    broken = tmp_path / "broken.json"
    broken.write_text('{"a": 1, "a": 2}', encoding="utf-8")
    unusable = runner.invoke(app, ["validate", str(broken)])
    assert unusable.exit_code == 2
    assert "more than once" in unusable.output


def test_validate_json_report_in_spanish() -> None:
    result = runner.invoke(
        app, ["validate", str(UNSIGNED), "--profile", "edc-ap", "--stage", "sealed", "--format", "json", "--lang", "es"]
    )
    report = json.loads(result.output)
    assert report["ok"] is False
    assert report["errors"] >= 1
    problem = report["problems"][0]
    assert problem["type"].startswith("urn:elmkit:finding:edc-ap/")
    assert problem["instance"].startswith("/")
    assert any("emisor" in p["detail"] or "credencial" in p["detail"] for p in report["problems"])


def test_verify_calls_what_is_not_a_seal_unusable(tmp_path: Path) -> None:
    image = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"  # not UTF-8, not JSON
    for name, data in (("empty.json", b""), ("array.json", b"[1]"), ("garbage.bin", b"\x00\x01"), ("logo.png", image)):
        (tmp_path / name).write_bytes(data)
    for path in (*sorted(tmp_path.iterdir()), UNSIGNED):
        result = runner.invoke(app, ["verify", str(path)])
        assert result.exit_code == 2 and f"{path.name}: unusable" in result.output, (path, result.output)
        document = json.loads(runner.invoke(app, ["verify", str(path), "--format", "json"]).stdout)
        assert document["verdict"] == "unusable", document  # as for a file that cannot be read
    said = " ".join(runner.invoke(app, ["verify", str(tmp_path / "empty.json")]).output.split())
    assert "not a JWS: the document is empty" in said
    said = " ".join(runner.invoke(app, ["verify", str(tmp_path / "garbage.bin")]).output.split())
    assert "neither a JSON object nor a compact serialization" in said
    missing = runner.invoke(app, ["verify", str(UNSIGNED), "--status-dir", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "not a folder" in " ".join(missing.output.split())


def test_verify_fails_a_seal_with_a_byte_that_is_not_utf8(tmp_path: Path) -> None:
    data = bytearray(SIGNED.read_bytes())
    data[data.index(b"credentialSubject")] = 0xFF  # a seal, tampered: failed, not unusable
    damaged = tmp_path / "damaged.json"
    damaged.write_bytes(bytes(data))
    result = runner.invoke(app, ["verify", str(damaged)])
    assert result.exit_code == 1 and "not UTF-8" in result.output, result.output


def test_a_malformed_message_language_is_unusable_input() -> None:
    result = runner.invoke(app, ["validate", str(UNSIGNED), "--lang", "!!"])
    assert result.exit_code == 2 and "malformed language tag" in result.output


def test_unknown_stage_is_unusable_input() -> None:
    result = runner.invoke(app, ["validate", str(UNSIGNED), "--stage", "final"])
    assert result.exit_code == 2


@pytest.mark.parametrize("output", ["text", "json", "jsonl"])
def test_an_unknown_profile_is_said_once_before_any_file_is_read(tmp_path: Path, output: str) -> None:
    missing = tmp_path / "not-there.jsonld"
    result = runner.invoke(
        app, ["validate", str(UNSIGNED), str(SIGNED), str(missing), "-p", "edc-ap", "-p", "edc-apx", "--format", output]
    )
    assert result.exit_code == 2, result.output
    if output == "text":
        assert result.stdout == ""
    else:  # no file is reported as unusable: the profile is, once
        (reported,) = result.stdout.splitlines() if output == "jsonl" else [result.stdout]
        assert json.loads(reported)["error"].startswith("--profile: unknown profile 'edc-apx'")
    said = " ".join(result.stderr.split())
    assert said.count("unknown profile 'edc-apx'") == 1 and "edc-ap," in said
    assert "unusable" not in said and "not-there" not in said

def test_convert_legacy_xml(tmp_path: Path) -> None:
    source = ELM_DIR / "samples" / "elm-v2-xml" / "EDC_WileECoyote_Simple.xml"
    result = runner.invoke(app, ["convert", str(source), "--out", str(tmp_path), "--to", "turtle"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "EDC_WileECoyote_Simple.ttl").read_text(encoding="utf-8")
    assert "EuropeanDigitalCredential" in text
    # what did not carry over is shown and written beside the output
    output = " ".join(result.output.split())
    assert "conversion issue(s)" in output and "missing:" in output
    issues = (tmp_path / "EDC_WileECoyote_Simple.issues.txt").read_text(encoding="utf-8")
    assert "missing: /europassCredential" in issues and "individualDisplay" in issues
    as_xml = runner.invoke(app, ["convert", str(source), "--out", str(tmp_path), "--to", "xml"])
    assert as_xml.exit_code == 0, as_xml.output
    assert "EuropeanDigitalCredential" in (tmp_path / "EDC_WileECoyote_Simple.rdf").read_text(encoding="utf-8")
    foreign = tmp_path / "foo.xml"
    foreign.write_text("<foo/>", encoding="utf-8")
    refused = runner.invoke(app, ["convert", str(foreign), "--out", str(tmp_path)])
    assert refused.exit_code == 2 and "not an ELM credential" in " ".join(refused.output.split())
    assert "_:" not in refused.output and not (tmp_path / "foo.jsonld").exists()
    # two inputs of one name would overwrite each other's output (and issues)
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "cred.xml").write_bytes(source.read_bytes())
    out = tmp_path / "out"
    both = runner.invoke(
        app, ["convert", str(tmp_path / "a" / "cred.xml"), str(tmp_path / "b" / "cred.xml"), "--out", str(out)]
    )
    assert both.exit_code == 2 and "would both be written" in " ".join(both.output.split())
    assert not out.exists() or not any(out.iterdir())


def test_seal_and_verify_commands(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    from elmkit.sealing import create_test_pki

    pki = create_test_pki(org_name="University of Zed", organization_identifier="VATIE-6543210X", country="IE")
    p12 = pki.write_pkcs12(tmp_path / "seal.p12", "pw")
    anchors = tmp_path / "anchors"
    anchors.mkdir()
    for i, cert in enumerate(pki.trust_anchors):
        (anchors / f"{i}.pem").write_bytes(cert.public_bytes(Encoding.PEM))
    payload = json.loads(json.loads(SIGNED.read_text(encoding="utf-8"))["payload"])
    source = tmp_path / "credential.jsonld"
    source.write_text(json.dumps(payload), encoding="utf-8")
    sealed = tmp_path / "sealed.json"
    # the sample's issuer is another organisation (VATES-A00000000) than the seal's
    refused = runner.invoke(app, ["seal", str(source), "--p12", str(p12), "--password", "pw", "-o", str(sealed)])
    assert refused.exit_code == 1 and not sealed.exists()
    message = "".join(refused.output.split())
    assert all(part in message for part in ("VATES-A00000000", "VATIE-6543210X", "--allow-other-sealer"))
    result = runner.invoke(
        app,
        ["seal", str(source), "--p12", str(p12), "--password", "pw", "-o", str(tmp_path / "other.json"),
         "--allow-other-sealer"],
    )
    assert result.exit_code == 0, result.output
    warned = runner.invoke(app, ["verify", str(tmp_path / "other.json"), "--trust", str(anchors)])
    assert "warning" in warned.output and "VATES-A00000000" in warned.output, warned.output
    del payload["issuer"]["eIDASIdentifier"]  # unsigned, as EDC seals it: completed from the seal
    source.write_text(json.dumps(payload), encoding="utf-8")
    result = runner.invoke(app, ["seal", str(source), "--p12", str(p12), "--password", "pw", "-o", str(sealed)])
    assert result.exit_code == 0, result.output
    holder = payload["credentialSubject"]["id"]
    checked = runner.invoke(
        app, ["verify", str(sealed), "--trust", str(anchors), "--holder", holder, "--format", "json"]
    )
    steps = dict(step["title"].split(": ") for step in json.loads(checked.output)["steps"])
    assert steps["SEAL"] == steps["FORMAT"] == steps["OWNER"] == "OK", checked.output
    assert steps["REVOCATION"] == "SKIPPED", "the credential has no status entry"
    assert checked.exit_code == 1, "partially verified is not verified"
    base = ["verify", str(sealed), "--trust", str(anchors)]
    accept = ["--accept-skipped", "REVOCATION"]
    assert runner.invoke(app, [*base, "--holder", holder, *accept]).exit_code == 0
    assert runner.invoke(app, [*base, *accept]).exit_code == 1, "OWNER SKIPPED too"
    both = runner.invoke(app, [*base, *accept, "--accept-skipped", "owner"])
    assert both.exit_code == 0 and "partially verified" in both.output
    assert runner.invoke(app, ["verify", str(sealed), *accept, "--accept-skipped", "OWNER"]).exit_code == 1
    refused = runner.invoke(app, [*base, "--accept-skipped", "SEAL"])
    assert refused.exit_code == 2 and "OWNER, QUALIFIED, REVOCATION" in refused.output
    expired = runner.invoke(app, [*base, "--at", "1999-01-01", *accept, "--accept-skipped", "OWNER"])
    assert expired.exit_code == 1, "a failed step is never accepted"
    before = runner.invoke(
        app, ["verify", str(sealed), "--trust", str(anchors), "--at", "1999-01-01", "--format", "json"]
    )
    steps_before = dict(s["title"].split(": ") for s in json.loads(before.output)["steps"])
    assert steps_before["VALIDITY"] == "ERROR" and before.exit_code == 1, before.output
    untrusted = runner.invoke(app, ["verify", str(sealed), "--holder", holder, "--format", "json"])
    assert dict(s["title"].split(": ") for s in json.loads(untrusted.output)["steps"])["SEAL"] == "SKIPPED"
    unsigned = runner.invoke(app, ["seal", str(UNSIGNED), "--p12", str(p12), "--password", "pw", "-o", str(tmp_path / "x.json")])
    assert unsigned.exit_code in (0, 1)
    again = runner.invoke(app, ["seal", str(sealed), "--p12", str(p12), "--password", "pw", "-o", str(tmp_path / "y.json")])
    assert again.exit_code == 1 and "sealed document already" in " ".join(again.output.split())
    assert not (tmp_path / "y.json").exists()


def test_seal_key_problems_are_unusable_input_named_by_file(tmp_path: Path) -> None:
    from elmkit.sealing import create_test_pki

    p12 = create_test_pki().write_pkcs12(tmp_path / "seal.p12", "pw")
    garbage = tmp_path / "garbage.p12"
    garbage.write_bytes(b"not PKCS#12")
    payload = json.loads(json.loads(SIGNED.read_text(encoding="utf-8"))["payload"])
    del payload["issuer"]["eIDASIdentifier"]  # completed from the seal certificate
    source = tmp_path / "credential.jsonld"
    source.write_text(json.dumps(payload), encoding="utf-8")
    for options in (["--p12", str(p12), "--password", "wrong"], ["--p12", str(garbage)], []):
        result = runner.invoke(app, ["seal", str(source), *options, "-o", str(tmp_path / "s.json")])
        assert result.exit_code == 2, (options, result.output)
        assert "Traceback" not in result.output
        if options:
            assert options[1] in result.output.replace("\n", "")
    (tmp_path / "taken").mkdir()
    result = runner.invoke(
        app, ["seal", str(source), "--p12", str(p12), "--password", "pw", "-o", str(tmp_path / "taken")]
    )
    assert result.exit_code == 2 and "taken" in result.output and ".elmkit-tmp" not in result.output


def test_seal_never_writes_over_the_credential_it_seals(tmp_path: Path) -> None:
    from elmkit.sealing import create_test_pki

    p12 = create_test_pki().write_pkcs12(tmp_path / "seal.p12", "pw")
    payload = json.loads(json.loads(SIGNED.read_text(encoding="utf-8"))["payload"])
    del payload["issuer"]["eIDASIdentifier"]
    source = tmp_path / "credential.jsonld"
    source.write_text(json.dumps(payload), encoding="utf-8")
    before = source.read_bytes()
    link = tmp_path / "link.jsonld"
    link.symlink_to(source)
    for target in (source, tmp_path / "." / "credential.jsonld", link):
        result = runner.invoke(app, ["seal", str(source), "--p12", str(p12), "--password", "pw", "-o", str(target)])
        assert result.exit_code == 2, result.output
        assert "would be overwritten by its sealed document" in " ".join(result.output.split())
        assert source.read_bytes() == before
    result = runner.invoke(app, ["seal", str(source), "--p12", str(p12), "--password", "pw", "-o", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output


def test_seal_refuses_a_p12_given_with_a_pem_key(tmp_path: Path) -> None:
    # the PEM key was ignored: a script left with the old --p12 sealed with the old key
    from elmkit.sealing import create_test_pki

    old, new = create_test_pki(), create_test_pki(key_type="ec")
    p12 = old.write_pkcs12(tmp_path / "old.p12", "pw")
    pem = new.write_pem(tmp_path / "new", password="pw")
    payload = json.loads(json.loads(SIGNED.read_text(encoding="utf-8"))["payload"])
    del payload["issuer"]["eIDASIdentifier"]
    source = tmp_path / "credential.jsonld"
    source.write_text(json.dumps(payload), encoding="utf-8")
    pem_options = ["--key", str(pem["key"]), "--cert", str(pem["chain"])]
    for options in (pem_options, pem_options[:2], pem_options[2:]):
        result = runner.invoke(
            app, ["seal", str(source), "--p12", str(p12), *options, "--password", "pw", "-o", str(tmp_path / "s.json")]
        )
        assert result.exit_code == 2, (options, result.output)
        assert "not both" in result.output
        assert not (tmp_path / "s.json").exists()
    result = runner.invoke(app, ["seal", str(source), *pem_options, "--password", "pw", "-o", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_files_that_never_end_are_refused_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    for command in (["verify", str(fifo)], ["validate", str(fifo)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2 and "not a regular file" in " ".join(result.output.split())
    sealing = runner.invoke(app, ["seal", str(SIGNED), "--p12", str(fifo), "-o", str(tmp_path / "x")])
    assert sealing.exit_code == 2 and "not a regular file" in " ".join(sealing.output.split())


def test_a_sealed_file_over_the_bound_is_refused_before_it_is_read(tmp_path: Path) -> None:
    from elmkit.sealing._codec import MAX_SEALED_BYTES, read_bounded

    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(MAX_SEALED_BYTES * 5)  # sparse: no disk used, nothing worth reading
    result = runner.invoke(app, ["verify", str(huge)])
    assert result.exit_code == 2 and "larger than" in " ".join(result.output.split()), result.output
    small = tmp_path / "small.json"
    small.write_bytes(b"0123456789")
    assert read_bounded(small, 10) == b"0123456789"
    with pytest.raises(OSError, match="larger than 9 bytes"):
        read_bounded(small, 9)


@pytest.mark.parametrize("package", ["cryptography", "orjson"])
def test_sealing_without_its_extra_says_which_extra_to_install(tmp_path: Path, package: str) -> None:
    import subprocess
    import sys

    hide = f"import sys; sys.modules[{package!r}] = None"  # as if it were not installed
    run = f"{hide}; from elmkit.cli import main; main()"
    for command in (["verify", str(SIGNED)], ["seal", str(UNSIGNED), "--p12", "x", "-o", "y"]):
        done = subprocess.run(
            [sys.executable, "-c", run, *command], capture_output=True, text=True, timeout=120
        )
        output = " ".join((done.stdout + done.stderr).split())
        assert done.returncode == 2, output
        assert f"pip install 'elmkit[seal]' ({package} is not installed)" in output, output
        assert "Traceback" not in output
        assert not output.startswith("x:"), output  # about the installation, not the key file
    check = f"{hide}\ntry:\n import elmkit.sealing\nexcept ImportError as e:\n print(type(e).__name__)"
    found = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert found.stdout.strip() == "MissingExtraError"


def test_accepted_skips_are_those_with_nothing_to_check_or_no_way_given() -> None:
    from elmkit.checks import CheckResult, CheckStatus, Step
    from elmkit.cli.seal import _skip_accepted

    def skipped(step: Step, code: str) -> CheckResult:
        return CheckResult(step, CheckStatus.SKIPPED, "why", code, {})

    revocation = {"REVOCATION"}
    for code in ("no-status", "no-applicable-status", "no-status-checker"):
        assert _skip_accepted(skipped(Step.REVOCATION, code), revocation), code
    for code in ("status-unavailable", "list-unsealed"):
        assert not _skip_accepted(skipped(Step.REVOCATION, code), revocation), code
    assert not _skip_accepted(skipped(Step.REVOCATION, "no-status"), {"OWNER"})
    assert _skip_accepted(skipped(Step.OWNER, "no-holder"), {"OWNER"})


@pytest.mark.parametrize("command", ["validate", "verify"])
def test_json_output_holds_every_file_and_diagnostics_go_to_standard_error(
    tmp_path: Path, command: str
) -> None:
    missing = tmp_path / "missing.json"
    result = runner.invoke(app, [command, str(SIGNED), str(missing), "--format", "json"])
    assert result.exit_code == 2
    entries = json.loads(result.stdout)  # nothing but JSON on standard output
    assert [entry["file"] for entry in entries] == [str(SIGNED), str(missing)]
    unusable = entries[1]
    assert unusable.get("ok") is False or unusable.get("verdict") == "unusable"
    assert "error" in unusable and "missing.json" in result.stderr


@pytest.mark.parametrize("command", ["validate", "verify"])
def test_json_lines_give_one_object_per_file_however_many(tmp_path: Path, command: str) -> None:
    """``--format jsonl``: a line per file, one file or several, as ``--format json`` gives
    them (which is an object for one file and an array for several)."""
    missing = tmp_path / "missing.json"
    one = runner.invoke(app, [command, str(SIGNED), "--format", "jsonl"])
    (line,) = one.stdout.splitlines()
    single = runner.invoke(app, [command, str(SIGNED), "--format", "json"])
    assert json.loads(line) == json.loads(single.stdout) and one.exit_code == single.exit_code
    several = runner.invoke(app, [command, str(SIGNED), str(missing), str(UNSIGNED), "--format", "jsonl"])
    assert several.exit_code == 2
    entries = [json.loads(line) for line in several.stdout.splitlines()]
    assert [entry["file"] for entry in entries] == [str(SIGNED), str(missing), str(UNSIGNED)]
    together = runner.invoke(app, [command, str(SIGNED), str(missing), str(UNSIGNED), "--format", "json"])
    assert entries == json.loads(together.stdout)
    assert "missing.json" in several.stderr


def test_text_for_no_terminal_is_not_cut_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    from elmkit.cli import UNWRAPPED_WIDTH, make_console

    monkeypatch.delenv("COLUMNS", raising=False)
    assert make_console().width == make_console(stderr=True).width == UNWRAPPED_WIDTH
    monkeypatch.setenv("COLUMNS", "120")
    assert make_console().width == 120


@pytest.mark.parametrize("output", ["text", "json", "jsonl"])
def test_a_reader_that_stops_reading_gives_the_sigpipe_status(output: str) -> None:
    """``elmkit validate … | head``: exit 141 as a shell reports SIGPIPE, not 1 (invalid)."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "elmkit", "validate", str(SIGNED), "--format", output]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before the command writes anything
    errors = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141, errors
    assert "Traceback" not in errors


def _closing(*descriptors: int) -> Callable[[], None]:
    """What a child runs before elmkit to start, as ``>&-`` does, with ``descriptors`` closed."""

    def close() -> None:
        for descriptor in descriptors:
            os.close(descriptor)

    return close


@pytest.mark.parametrize("closed", [(1,), (0, 1, 2)])
def test_closed_standard_streams_keep_the_exit_status_and_the_files(
    tmp_path: Path, closed: tuple[int, ...]
) -> None:
    """Started with standard output (and error, and input) closed, as ``>&-`` does: what would
    be printed goes nowhere, the exit status is what it always is, and no file opened meanwhile
    (the ledger, a CSV) takes a closed descriptor and gets what is printed."""
    from elmkit.ledger import open_ledger

    ledger = tmp_path / "ledger.sqlite"
    with open_ledger(ledger) as store:
        store.define("micro-law", {"title": "Law"}, version="1", at="2026-03-01T00:00:00Z")
        store.claim_credential("c1", "micro-law", "L1", at="2026-03-02T00:00:00Z")
    before = ledger.read_bytes()
    elmkit = [sys.executable, "-m", "elmkit"]
    for arguments, status in (
        (["validate", str(SIGNED), "--profile", "edc-ap", "--stage", "sealed", "--format", "json"], 0),
        (["validate", str(UNSIGNED), "--profile", "edc-ap", "--stage", "sealed"], 1),
        (["ledger", "--ledger", str(ledger), "--format", "csv", "--out", str(tmp_path / "l.csv")], 0),
        (["ledger", "--ledger", str(ledger)], 0),
        (["ledger", "--ledger", str(ledger), "--format", "csv"], 0),
        (["history", "nobody", "--ledger", str(ledger), "--format", "json"], 1),
    ):
        done = subprocess.run(
            [*elmkit, *arguments], stderr=None if 2 in closed else subprocess.PIPE,
            timeout=120, preexec_fn=_closing(*closed),
        )  # fmt: skip
        assert done.returncode == status, (arguments, done.stderr)
        assert b"Traceback" not in (done.stderr or b""), (arguments, done.stderr)
    assert ledger.read_bytes() == before
    assert (tmp_path / "l.csv").read_bytes().startswith(b"credential_id,")


@pytest.mark.parametrize("output", ["text", "json", "jsonl"])
def test_a_file_name_that_is_not_utf8_is_written_as_escapes(tmp_path: Path, output: str) -> None:
    """A Latin-1 file name (from an old share) is shown with ``\\udcXX`` escapes, which JSON reads
    back to the name, in a UTF-8 locale as in the C one; it was a traceback, or a raw byte."""
    import subprocess
    import sys

    name = os.fsencode(tmp_path) + b"/cr\xe9dit.jsonld"
    try:
        with open(name, "wb") as handle:
            handle.write(SIGNED.read_bytes())
    except OSError:
        pytest.skip("this file system takes only UTF-8 file names")
    for locale in ("C.UTF-8", "C"):
        env = {**os.environ, "LC_ALL": locale, "PYTHONIOENCODING": ""}
        command = [sys.executable, "-m", "elmkit", "validate", os.fsdecode(name),
                   "--profile", "edc-ap", "--stage", "sealed", "--format", output]
        done = subprocess.run(command, capture_output=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        text = done.stdout.decode("utf-8")  # valid UTF-8 whatever the locale
        if output == "text":
            assert "cr\\udce9dit.jsonld" in text
        else:
            report = json.loads(text.splitlines()[0] if output == "jsonl" else text)
            assert os.fsencode(report["file"]) == name


@pytest.mark.parametrize(
    ("command", "arguments"),
    [
        (["issue"], "{DEFINITION} {RESULTS}"),
        (["validate"], "{FILE}..."),
        (["seal"], "{CREDENTIAL}"),
        (["verify"], "{FILE}..."),
        (["revoke"], "{CREDENTIAL_ID}"),
        (["record"], "{EVENT} [CREDENTIAL_ID]..."),
    ],
)
def test_usage_names_arguments_as_the_docs_do(command: list[str], arguments: str) -> None:
    """The docs write ``elmkit seal CREDENTIAL``; help and errors name arguments alike."""
    usage = runner.invoke(app, [*command, "--help"]).output
    assert f"[OPTIONS] {arguments}" in usage
    missing = runner.invoke(app, command)
    assert missing.exit_code == 2 and "Missing argument" in missing.output
    assert arguments.split()[0].strip("{}[].") in missing.output


@pytest.mark.parametrize(
    "arguments",
    [
        ["validate", str(SIGNED), "--stage", "final", "--format", "json"],
        ["validate", str(SIGNED), "--lang", "x_y", "--format", "json"],
        ["convert", str(SIGNED), "--to", "yaml"],
        ["seal", str(UNSIGNED)],
        ["verify", str(SIGNED), "--status-dir", str(UNSIGNED), "--format", "json"],
        ["verify", str(SIGNED), "--accept-skipped", "SEAL", "--format", "json"],
    ],
    ids=["stage", "lang", "target", "no key", "status dir", "accept seal"],
)
def test_refusals_are_said_on_standard_error(arguments: list[str], tmp_path: Path) -> None:
    """Standard output is for results (JSON a script reads): refusals go to standard error, and
    with --format json standard output holds only the JSON document saying the error."""
    writes = arguments[0] in ("convert", "seal")
    result = runner.invoke(app, [*arguments, "--out", str(tmp_path / "o")] if writes else arguments)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip()
    if "json" in arguments:
        document = json.loads(result.stdout)
        assert document["command"] == arguments[0] and document["exit_status"] == 2
        assert document["error"] in " ".join(result.stderr.split()), (document, result.stderr)
    else:
        assert result.stdout == ""


def test_revoking_an_unknown_credential_is_said_on_standard_error(tmp_path: Path) -> None:
    from elmkit.ledger import open_ledger

    ledger = tmp_path / "ledger.sqlite"
    open_ledger(ledger).close()
    for arguments in (
        ["revoke", "urn:credential:nobody", "--reason", "x", "--ledger", str(ledger)],
        ["status-list", "publish", "--list-url", "https://uni.example/status/1", "-o",
         str(tmp_path / "list.json"), "--ledger", str(ledger)],
    ):
        result = runner.invoke(app, arguments)
        assert result.exit_code in (1, 2), result.output
        assert result.stdout == "" and result.stderr.strip(), arguments


def test_convert_never_overwrites_its_input(tmp_path: Path) -> None:
    sealed = tmp_path / "sealed.jsonld"
    sealed.write_bytes(SIGNED.read_bytes())
    result = runner.invoke(app, ["convert", str(sealed), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "overwritten by its own conversion" in " ".join(result.output.split())
    assert sealed.read_bytes() == SIGNED.read_bytes()  # the seal is still there
    elsewhere = runner.invoke(app, ["convert", str(sealed), "--out", str(tmp_path / "out")])
    assert elsewhere.exit_code == 0, elsewhere.output
    assert (tmp_path / "out" / "sealed.jsonld").is_file()
    said = " ".join(elsewhere.stderr.split())
    assert "is sealed:" in said and "without the seal" in said


def test_verify_refuses_unusable_trust_anchors_once_as_the_option(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    result = runner.invoke(app, ["verify", str(SIGNED), str(SIGNED), "--trust", str(garbage)])
    assert result.exit_code == 2 and result.stdout == ""
    said = " ".join(result.stderr.split())
    assert said.startswith("error: --trust:") and said.count("not a certificate") == 1, said


def test_seal_sends_a_status_list_to_status_list_publish(tmp_path: Path) -> None:
    listed = tmp_path / "list.json"
    listed.write_text(
        json.dumps({"type": ["VerifiableCredential", "BitstringStatusListCredential"], "id": "x"}),
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["seal", str(listed), "--out", str(tmp_path / "o.json"), "--p12", str(listed)]
    )
    assert result.exit_code == 2 and "status-list publish" in " ".join(result.stderr.split())
    assert not (tmp_path / "o.json").exists()


def test_version_is_printed_for_logs_and_bug_reports() -> None:
    from elmkit import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout == f"elmkit {__version__}\n"
    done = subprocess.run(
        [sys.executable, "-c", "from elmkit.cli import main; main()", "--version"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0 and done.stdout.strip() == f"elmkit {__version__}"
