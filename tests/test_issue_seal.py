"""``elmkit issue --seal``: issue, seal with a status entry, verify; sealing again changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import elmkit
from elmkit.checks import Step
from elmkit.cli import _register, app
from elmkit.ledger import open_ledger

_register()
LIST_URL = "https://credencials.uvallfosca.example/status/rev-1"


@pytest.fixture(scope="module")
def seal_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    from elmkit.sealing import create_test_pki

    folder = tmp_path_factory.mktemp("pki")
    cif = "Q2500777D"
    pki = create_test_pki(
        org_name="Universitat Pública de Vallfosca",
        organization_identifier=f"VATES-{cif}",
        country="ES",
    )
    p12 = folder / "seal.p12"
    pki.write_pkcs12(p12, "secret")
    return p12, pki


def test_issue_and_seal_through_the_cli(tmp_path: Path, seal_files: tuple[Path, Any]) -> None:
    from elmkit.microcredentials.demo import write_demo_inputs

    p12, pki = seal_files
    definition, results = write_demo_inputs(tmp_path / "input")
    small = tmp_path / "results.csv"
    lines = results.read_text(encoding="utf-8").splitlines()
    small.write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = [
        "issue",
        str(definition),
        str(small),
        "--out",
        str(out),
        "--seal",
        "--p12",
        str(p12),
        "--password",
        "secret",
        "--status-list-url",
        LIST_URL,
    ]
    runner = CliRunner()
    first = runner.invoke(app, args)
    sealed_files = sorted((out / "sealed").glob("*.json"))
    assert sealed_files, first.output
    assert "sealed:" in first.output
    envelope = json.loads(sealed_files[0].read_text(encoding="utf-8"))
    payload = json.loads(envelope["payload"])
    assert payload["credentialStatus"]["statusListCredential"] == LIST_URL
    assert payload["issuer"]["eIDASIdentifier"]["notation"] == "VATES-Q2500777D"
    result = elmkit.verify(sealed_files[0], trust=pki.trust_anchors)
    seal_step = next(s for s in result.steps if s.step.value == "SEAL")
    assert seal_step.status.value == "OK", result
    with open_ledger(out / "ledger.sqlite") as ledger:
        record = ledger.get_credential(payload["id"])
        assert record is not None and record.state == "sealed"
        history = [event.event for event in ledger.history(payload["id"])]
    assert history.count("sealed") == 1

    before = {p.name: p.read_bytes() for p in sealed_files}
    again = runner.invoke(app, args)
    assert "already sealed" in again.output and "cannot revoke" not in again.output
    assert {p.name: p.read_bytes() for p in sorted((out / "sealed").glob("*.json"))} == before

    # a list asked for only after sealing cannot reach those seals, and the run says so
    other = [*args[:-1], LIST_URL.replace("rev-1", "rev-2")]
    late = runner.invoke(app, other)
    assert late.exit_code == 0, late.output
    assert f"{len(sealed_files)} credential(s) sealed before have no entry on" in late.output
    assert "cannot revoke" in late.output

    # a corrected grade: the old seal leaves sealed/ and the new document is sealed in its place
    corrected_rows = [*lines[:3], lines[3].replace(";9,5;", ";9,0;")]
    small.write_text("\n".join(corrected_rows) + "\n", encoding="utf-8")
    corrected = runner.invoke(app, args)
    assert corrected.exit_code == 0, corrected.output
    assert "1 sealed file(s) held credentials this run changed" in corrected.output
    assert "this run seals them again" in corrected.output and "(--seal)" not in corrected.output
    (superseded,) = (out / "withdrawn" / "sealed").glob("*.json")
    assert superseded.read_bytes() == before[superseded.name]
    resealed = out / "sealed" / superseded.name
    assert resealed.read_bytes() != superseded.read_bytes()
    assert elmkit.verify(resealed, trust=pki.trust_anchors).step(Step.SEAL).ok

    # the old seal cannot be recorded again as the credential's seal: it seals the old grade
    credential = json.loads(json.loads(superseded.read_text(encoding="utf-8"))["payload"])["id"]
    old = runner.invoke(
        app,
        ["record", "sealed", credential, "--file", str(superseded), "--ledger", str(out / "ledger.sqlite")],
    )
    assert old.exit_code == 1 and "before it was regenerated" in " ".join(old.output.split())
    with open_ledger(out / "ledger.sqlite") as ledger:
        assert [e.event for e in ledger.history(credential)].count("sealed") == 2  # nothing added

    # a sealed file deleted by hand is not sealed twice, and the run says so
    resealed.unlink()
    deleted = runner.invoke(app, [*args, "--format", "json"])
    assert deleted.exit_code == 0, deleted.output
    document = json.loads(deleted.stdout)
    assert len(document["seal"]["missing"]) == 1 and document["seal"]["sealed"] == []
    assert "have no file in" in deleted.stderr and not resealed.exists()


@pytest.mark.parametrize(
    "seal_options",
    [["--password", "wrong"], [], ["--p12-garbage"]],
    ids=["wrong password", "no key", "not a PKCS#12 file"],
)
def test_a_seal_that_cannot_be_used_stops_before_anything_is_issued(
    tmp_path: Path, seal_files: tuple[Path, Any], seal_options: list[str]
) -> None:
    from elmkit.microcredentials.demo import write_demo_inputs

    p12, _pki = seal_files
    definition, results = write_demo_inputs(tmp_path / "input")
    if seal_options == ["--password", "wrong"]:
        seal_options = ["--p12", str(p12), *seal_options]
    elif seal_options == ["--p12-garbage"]:
        garbage = tmp_path / "seal.p12"
        garbage.write_bytes(b"not a PKCS#12 file")
        seal_options = ["--p12", str(garbage), "--password", "secret"]
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["issue", str(definition), str(results), "--out", str(out), "--seal", *seal_options]
    )
    assert result.exit_code == 2, result.output
    assert "seal" in result.output and "Traceback" not in result.output
    assert not out.exists()


def _sealed_by_another_organisation(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The demo's definition, two of its learners, and a PKCS#12 (password ``secret``) of a
    seal certificate of another organisation than the definition's."""
    from elmkit.microcredentials.demo import write_demo_inputs
    from elmkit.sealing import create_test_pki

    other = create_test_pki(organization_identifier="VATES-Q0000000J")  # not the definition's
    p12 = other.write_pkcs12(tmp_path / "other.p12", "secret")
    definition, results = write_demo_inputs(tmp_path / "input")
    small = tmp_path / "results.csv"
    small.write_text("\n".join(results.read_text(encoding="utf-8").splitlines()[:3]) + "\n", encoding="utf-8")
    return definition, small, p12


def test_issue_refuses_to_seal_with_another_organisations_certificate(tmp_path: Path) -> None:
    definition, small, p12 = _sealed_by_another_organisation(tmp_path)
    args = ["issue", str(definition), str(small), "--seal", "--p12", str(p12), "--password", "secret"]
    runner = CliRunner()
    refused = runner.invoke(app, [*args, "--out", str(tmp_path / "a")])
    assert refused.exit_code == 1, refused.output
    text = "".join(refused.output.split())
    assert "VATES-Q2500777D" in text and "VATES-Q0000000J" in text
    assert not list((tmp_path / "a" / "sealed").glob("*.json"))
    allowed = runner.invoke(app, [*args, "--out", str(tmp_path / "b"), "--allow-other-sealer"])
    assert allowed.exit_code == 0, allowed.output
    assert list((tmp_path / "b" / "sealed").glob("*.json"))


def test_issue_seal_format_json_reports_the_sealing(
    tmp_path: Path, seal_files: tuple[Path, Any]
) -> None:
    from elmkit.microcredentials.demo import write_demo_inputs

    p12, _pki = seal_files
    definition, results = write_demo_inputs(tmp_path / "input")
    small = tmp_path / "results.csv"
    small.write_text("\n".join(results.read_text(encoding="utf-8").splitlines()[:4]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["issue", str(definition), str(small), "--out", str(out), "--seal", "--p12", str(p12),
            "--password", "secret", "--format", "json", "--status-list-url"]
    runner = CliRunner()

    def run(status_list: str = LIST_URL) -> tuple[int, dict[str, Any]]:
        result = runner.invoke(app, [*args, status_list])
        document: dict[str, Any] = json.loads(result.stdout)
        assert result.exit_code == document["exit_status"], result.stderr
        return result.exit_code, document

    code, first = run()
    assert code == 0
    issued = [row["credential_id"] for row in first["rows"] if row["state"] == "issued"]
    assert issued and first["counts"]["issued"] == len(issued)
    sealed_files = sorted(path.name for path in (out / "sealed").glob("*.json"))
    assert sealed_files == sorted(Path(row["file"]).stem + ".json" for row in first["rows"]
                                  if row["state"] == "issued")
    assert first["seal"] == {
        "folder": str(out / "sealed"),
        "sealed": issued,
        "already": 0,
        "failed": [],
        "withdrawn": [],
        "without_status": [],
        "missing": [],
        "stopped": None,
        "not_reached": 0,
    }

    code, again = run()
    assert code == 0
    assert again["seal"]["sealed"] == [] and again["seal"]["already"] == len(issued)
    assert {row["change"] for row in again["rows"] if row["state"] == "issued"} == {"unchanged"}

    code, late = run(LIST_URL.replace("rev-1", "rev-2"))
    assert code == 0 and late["seal"]["without_status"] == issued


def test_issue_seal_format_json_lists_what_could_not_be_sealed(tmp_path: Path) -> None:
    definition, small, p12 = _sealed_by_another_organisation(tmp_path)
    refused = CliRunner().invoke(
        app,
        ["issue", str(definition), str(small), "--out", str(tmp_path / "a"), "--seal", "--p12",
         str(p12), "--password", "secret", "--format", "json"],
    )
    document = json.loads(refused.stdout)
    assert refused.exit_code == document["exit_status"] == 1
    assert document["counts"]["issued"] == 2  # issued, but not sealed
    seal = document["seal"]
    assert seal["sealed"] == [] and seal["already"] == 0
    assert [item["credential_id"] for item in seal["failed"]] == [
        row["credential_id"] for row in document["rows"] if row["state"] == "issued"
    ]
    assert all("VATES-Q0000000J" in item["reason"] for item in seal["failed"])
    assert "VATES-Q0000000J" in "".join(refused.stderr.split())  # said there as before


@pytest.mark.parametrize("output", ["text", "json"])
def test_an_interrupt_while_sealing_says_so_on_both_outputs(
    tmp_path: Path, seal_files: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch, output: str
) -> None:
    """Ctrl-C once the credentials are issued, while they are sealed: exit 130, with the reason
    on standard error and, with --format json, the document of a stopped run."""
    from elmkit.microcredentials import sealing
    from elmkit.microcredentials.demo import write_demo_inputs

    def interrupted(*args: object, **options: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sealing, "seal_batch", interrupted)
    p12, _pki = seal_files
    definition, results = write_demo_inputs(tmp_path / "input")
    small = tmp_path / "results.csv"
    small.write_text("\n".join(results.read_text(encoding="utf-8").splitlines()[:3]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["issue", str(definition), str(small), "--out", str(tmp_path / "out"), "--seal", "--p12",
         str(p12), "--password", "secret", "--format", output],
    )
    assert result.exit_code == 130
    assert "interrupted while sealing" in " ".join(result.stderr.split())
    if output == "json":
        document = json.loads(result.stdout)
        assert document["exit_status"] == 130
        assert document["error"].startswith("interrupted while sealing")


@pytest.mark.parametrize(
    "options",
    [
        ["--status-list-url", LIST_URL],
        ["--tsa", "https://tsa.example/tsr"],
        ["--p12", "seal.p12"],
        ["--allow-other-sealer"],
    ],
    ids=["status-list-url", "tsa", "p12", "allow-other-sealer"],
)
def test_sealing_options_without_seal_are_refused_before_anything_is_issued(
    tmp_path: Path, options: list[str]
) -> None:
    """They were ignored: a registrar who forgot --seal believed the credentials had status
    entries."""
    from elmkit.microcredentials.demo import write_demo_inputs

    definition, results = write_demo_inputs(tmp_path / "input")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["issue", str(definition), str(results), "--out", str(out), *options])
    assert result.exit_code == 2, result.output
    assert f"{options[0]} only applies when sealing: add --seal" in " ".join(result.output.split())
    assert not out.exists()


def test_a_new_status_list_at_a_plain_http_url_is_refused_before_anything_is_issued(
    tmp_path: Path, seal_files: tuple[Path, Any]
) -> None:
    from elmkit.microcredentials.demo import write_demo_inputs

    p12, _pki = seal_files
    definition, results = write_demo_inputs(tmp_path / "input")
    out = tmp_path / "out"
    args = ["issue", str(definition), str(results), "--out", str(out), "--seal", "--p12", str(p12),
            "--password", "secret", "--status-list-url", "http://credencials.uvallfosca.example/rev-1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "must start with https://" in " ".join(result.output.split())
    assert not out.exists()
