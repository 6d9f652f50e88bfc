"""Issue, seal, publish, verify (OK), revoke, republish, verify (ERROR revoked): API and CLI."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import elmkit
from elmkit import revocation
from elmkit.errors import ElmError
from elmkit.ledger import open_ledger
from elmkit.ledger.errors import UnknownCredentialError
from elmkit.microcredentials import (
    LearnerResult,
    MicroCredential,
    OrganisationInfo,
    OutcomeInfo,
    build_credential,
)
from elmkit.model import LangText
from elmkit.status import FileFetcher

LIST_URL = "https://credenciales.uprueba.example/status/revocation-1"
CIF = "Q4618002B"


@pytest.fixture(scope="module")
def pki() -> Any:
    from elmkit.sealing import create_test_pki

    return create_test_pki(org_name="Universitat de Prova", organization_identifier=f"VATES-{CIF}", country="ES")


def definition() -> MicroCredential:
    return MicroCredential(
        id="uprueba-ia-2026",
        title=LangText({"es": "Introducción a la IA", "ca": "Introducció a la IA", "en": "Introduction to AI"}),
        languages=["es", "ca", "en"],
        learning_outcomes=[
            OutcomeInfo(title=LangText({"es": "Explica el aprendizaje automático", "ca": "Explica l'aprenentatge automàtic", "en": "Explains machine learning"}))
        ],
        ects="3",
        hours=75,
        eqf_level=6,
        mode="online",
        assessment_type="written examination",
        supervision="Supervised with ID Verification",
        awarding_body=OrganisationInfo(
            legal_name=LangText({"es": "Universitat de Prova", "ca": "Universitat de Prova"}),
            country="ES",
            region="València",
            vat_id=CIF,
            eidas_id=f"VATES-{CIF}",
        ),
        start_date=date(2026, 9, 1),
        end_date=date(2026, 11, 30),
    )


def display_images(course: MicroCredential, learner: LearnerResult) -> dict[str, bytes]:
    from elmkit.render import PageData, render_page

    pages = {}
    for tag in course.languages:
        data = PageData(
            title=course.title.get(tag) or "",
            learner_name=learner.full_name,
            awarding_body=course.awarding_body.legal_name.get(tag) or "",
            issue_date=date(2026, 12, 4),
            credential_id="urn:credential:x",
            ects=3.0,
            eqf_level=6,
            learning_outcomes=[o.title.get(tag) or "" for o in course.learning_outcomes],
        )
        pages[tag] = render_page(data, language=tag)
    return pages


def issue_and_seal(tmp_path: Path, pki: Any) -> tuple[Path, str, Path]:
    course = definition()
    learner = LearnerResult(learner_id="2026-0042", given_name="Núria", family_name="Puig i Ferrer", email="nuria@example.org", passed=True)
    credential = build_credential(
        course, learner, valid_from=datetime(2026, 12, 1, tzinfo=UTC), display_images=display_images(course, learner)
    )
    assert credential.id is not None
    ledger_path = tmp_path / "ledger.sqlite"
    with open_ledger(ledger_path) as ledger:
        ledger.define(course.id, course.model_dump(mode="json"), title="IA")
        ledger.claim_credential(credential.id, course.id, learner.learner_id)
        entry = revocation.assign_status(credential, ledger, LIST_URL)
        again = revocation.assign_status(credential, ledger, LIST_URL)
        assert entry.id == again.id, "issuing again keeps the index"
        sealed = elmkit.seal(credential, pki.signer())
        ledger.record(credential.id, "generated", "test", sha256="0" * 64)
        ledger.record(credential.id, "sealed", "test", sha256="1" * 64)
    out = tmp_path / "credential-sealed.json"
    out.write_bytes(sealed)
    return out, credential.id, ledger_path


def publish(ledger_path: Path, status_dir: Path, signer: Any = None, **options: Any) -> None:
    with open_ledger(ledger_path) as ledger:
        revocation.publish_status_list(
            ledger, LIST_URL, status_dir / "revocation-1.json", signer=signer, **options
        )


def revocation_step(result: Any) -> Any:
    return next(step for step in result.steps if step.step.value == "REVOCATION")


def test_end_to_end_through_the_api(tmp_path: Path, pki: Any) -> None:
    sealed, credential_id, ledger_path = issue_and_seal(tmp_path, pki)
    payload = json.loads(json.loads(sealed.read_text())["payload"])
    status = payload["credentialStatus"]
    assert status["statusListCredential"] == LIST_URL
    assert "StatusList2021Entry" in status["type"]
    assert payload["@context"][-1] == "https://w3id.org/vc/status-list/2021/v1"
    from pyld import jsonld

    from elmkit.serializers import offline_document_loader

    expanded = jsonld.expand(payload, {"documentLoader": offline_document_loader()})
    entry = expanded[0]["https://www.w3.org/2018/credentials#credentialStatus"][0]
    assert entry["https://w3id.org/vc/status-list#statusListCredential"] == [{"@id": LIST_URL}]
    assert "http://data.europa.eu/snb/model/elm/CredentialStatus" in entry["@type"]

    status_dir = tmp_path / "status"
    fetcher = FileFetcher(directory=status_dir)
    holder = payload["credentialSubject"]["id"]
    # an unsealed list is not trusted once trust anchors are given: anyone able to serve a file
    # at its address could clear a revocation
    publish(ledger_path, status_dir)
    unsealed = elmkit.verify(sealed, trust=pki.trust_anchors, fetcher=fetcher, holder=holder)
    assert revocation_step(unsealed).code == "list-unsealed", unsealed
    assert unsealed.verdict == "partially verified"
    relaxed = elmkit.verify(
        sealed, trust=pki.trust_anchors, fetcher=fetcher, holder=holder, sealed_lists_only=False
    )
    assert relaxed.verdict == "verified", relaxed
    publish(ledger_path, status_dir, pki.signer())
    ok = elmkit.verify(sealed, trust=pki.trust_anchors, fetcher=fetcher, holder=holder)
    assert revocation_step(ok).status.value == "OK", ok
    assert ok.verdict == "verified", ok

    with open_ledger(ledger_path) as ledger:
        # it holds a revocation entry only: a suspension could reach no verifier
        assert revocation.lists_showing(ledger, credential_id, "suspension") == []
        with pytest.raises(revocation.RevocationError, match="no suspension entry"):
            revocation.suspend(ledger, credential_id, reason="check", actor="registrar")
        assert revocation.lists_showing(ledger, credential_id, "revocation") == [LIST_URL]
        revocation.revoke(ledger, credential_id, reason="issued in error", actor="registrar")
        record = ledger.get_credential(credential_id)
        assert record is not None and record.state == "revoked"
    publish(ledger_path, status_dir, pki.signer())
    revoked = elmkit.verify(sealed, trust=pki.trust_anchors, fetcher=fetcher, holder=holder)
    step = revocation_step(revoked)
    assert step.status.value == "ERROR"
    assert "revoked" in step.reason
    assert revoked.verdict == "failed"


def test_end_to_end_through_the_cli(tmp_path: Path, pki: Any) -> None:
    from elmkit.cli import _register, app

    _register()
    sealed, credential_id, ledger_path = issue_and_seal(tmp_path, pki)
    anchors = tmp_path / "anchors"
    anchors.mkdir()
    for i, cert in enumerate(pki.trust_anchors):
        from cryptography.hazmat.primitives.serialization import Encoding

        (anchors / f"anchor-{i}.pem").write_bytes(cert.public_bytes(Encoding.PEM))
    status_dir = tmp_path / "status"
    runner = CliRunner()
    p12 = tmp_path / "seal.p12"
    pki.write_pkcs12(p12, "secret")
    seal_options = ["--p12", str(p12), "--password", "secret"]
    published = runner.invoke(
        app, ["status-list", "publish", "--list-url", LIST_URL, "--out", str(status_dir / "revocation-1.json"), "--ledger", str(ledger_path), *seal_options]
    )
    assert published.exit_code == 0, published.output
    to_stdout = runner.invoke(
        app, ["status-list", "publish", "--list-url", LIST_URL, "--out", "-", "--ledger", str(ledger_path)]
    )
    assert to_stdout.exit_code == 2 and "published to a file" in to_stdout.output
    assert not Path("-").exists() and to_stdout.stdout == ""
    holder = json.loads(json.loads(sealed.read_text())["payload"])["credentialSubject"]["id"]
    verified = runner.invoke(
        app, ["verify", str(sealed), "--trust", str(anchors), "--status-dir", str(status_dir), "--holder", holder]
    )
    assert verified.exit_code == 0, verified.output
    assert "verified" in verified.output

    revoked = runner.invoke(app, ["revoke", credential_id, "--reason", "fraud", "--ledger", str(ledger_path)])
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in revoked.output
    runner.invoke(
        app, ["status-list", "publish", "--list-url", LIST_URL, "--out", str(status_dir / "revocation-1.json"), "--ledger", str(ledger_path), *seal_options]
    )
    failed = runner.invoke(app, ["verify", str(sealed), "--trust", str(anchors), "--status-dir", str(status_dir), "--format", "json"])
    assert failed.exit_code == 1, failed.output
    report = json.loads(failed.output)
    assert report["verdict"] == "failed"
    # a revoked credential whose list is out of reach is SKIPPED, which no script may accept
    empty = tmp_path / "empty"
    empty.mkdir()
    accept = ["--accept-skipped", "REVOCATION", "--accept-skipped", "OWNER"]
    unreachable = runner.invoke(app, ["verify", str(sealed), "--trust", str(anchors), "--status-dir", str(empty), *accept])
    assert "partially verified" in unreachable.output and unreachable.exit_code == 1, unreachable.output
    unasked = runner.invoke(app, ["verify", str(sealed), "--trust", str(anchors), *accept])
    assert unasked.exit_code == 0, unasked.output  # no way to check was given: the script said so


def test_publishing_refuses_an_issuer_verifiers_would_reject(tmp_path: Path, pki: Any) -> None:
    _sealed, _credential_id, ledger_path = issue_and_seal(tmp_path, pki)
    other_list = "https://credentials.example.org/status/empty"
    with open_ledger(ledger_path) as ledger:
        with pytest.raises(ValueError, match=r"issued by .*, not urn:example:someone-else"):
            revocation.publish_status_list(
                ledger, LIST_URL, tmp_path / "a.json", issuer="urn:example:someone-else"
            )
        with pytest.raises(ValueError, match="absolute IRI"):
            revocation.publish_status_list(ledger, LIST_URL, tmp_path / "b.json", issuer="not an iri")
        with pytest.raises(ValueError, match="no credential in the ledger has an entry"):
            revocation.publish_status_list(ledger, other_list, tmp_path / "c.json")
        with pytest.raises(ValueError, match="unknown purpose 'bogus'"):
            revocation.publish_status_list(ledger, other_list, tmp_path / "c.json", purpose="bogus")
        empty = revocation.publish_status_list(
            ledger, other_list, tmp_path / "d.json", issuer="https://uni.example.org"
        )
    assert empty.set_indexes == 0 and not (tmp_path / "a.json").exists()


@pytest.mark.parametrize("days", ["3000000", "99999999999"])
def test_publishing_for_too_many_days_is_refused_without_a_traceback(
    tmp_path: Path, pki: Any, days: str
) -> None:
    from elmkit.cli import _register, app

    _register()
    _sealed, _credential_id, ledger_path = issue_and_seal(tmp_path, pki)
    out = tmp_path / "list.json"
    result = CliRunner().invoke(
        app,
        ["status-list", "publish", "--list-url", LIST_URL, "--out", str(out),
         "--ledger", str(ledger_path), "--valid-days", days],
    )
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "too large" in result.stderr or "last date" in result.stderr
    assert not out.exists()


def claim_another_learner(ledger: Any) -> Any:
    """A second learner's credential, claimed in ``ledger`` (its id is checked)."""
    other = build_credential(
        definition(),
        LearnerResult(learner_id="2026-0043", given_name="Pau", family_name="Roig", passed=True),
        valid_from=datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert other.id is not None
    ledger.claim_credential(other.id, definition().id, "2026-0043")
    return other


def test_a_list_keeps_the_one_purpose_its_entries_have(tmp_path: Path, pki: Any) -> None:
    from elmkit.cli import app

    _sealed, _credential_id, ledger_path = issue_and_seal(tmp_path, pki)
    suspension_out = tmp_path / "suspension.json"
    with open_ledger(ledger_path) as ledger:
        with pytest.raises(revocation.RevocationError, match="would replace the revocation list"):
            revocation.publish_status_list(
                ledger, LIST_URL, suspension_out, purpose="suspension"
            )
        other = claim_another_learner(ledger)
        with pytest.raises(revocation.RevocationError, match="is a revocation list"):
            revocation.assign_status(other, ledger, LIST_URL, purpose="suspension")
        assert other.credential_status is None
        assert ledger.status_entries_for(other.id) == []
        suspension_url = LIST_URL.replace("revocation", "suspension")
        revocation.assign_status(other, ledger, suspension_url, purpose="suspension")
        with pytest.raises(revocation.RevocationError, match="would replace the suspension list"):
            revocation.publish_status_list(ledger, suspension_url, suspension_out)
        published = revocation.publish_status_list(
            ledger, suspension_url, suspension_out, purpose="suspension"
        )
        with pytest.raises(revocation.RevocationError, match="only for one that an earlier"):
            revocation.publish_status_list(
                ledger, suspension_url, suspension_out, purpose=["suspension", "revocation"]
            )
    assert published.purpose == "suspension"
    suspension_out.unlink()
    result = CliRunner().invoke(
        app,
        ["status-list", "publish", "--ledger", str(ledger_path), "--list-url", LIST_URL,
         "--purpose", "suspension", "-o", str(suspension_out)],
    )
    assert result.exit_code == 2, result.output
    assert "would replace the revocation list" in result.output
    assert not suspension_out.exists()


def test_a_list_an_earlier_version_let_both_purposes_onto_is_published_for_both(
    tmp_path: Path, pki: Any
) -> None:
    from elmkit.cli import app
    from elmkit.status import DictFetcher, check_status, elm_status_entry

    _sealed, revocable, ledger_path = issue_and_seal(tmp_path, pki)
    out = tmp_path / "status" / "both.json"
    with open_ledger(ledger_path) as ledger:
        other = claim_another_learner(ledger)
        ledger.record(other.id, "generated", "sis", sha256="0" * 64)
        suspendable = other.id
        # as an earlier version could: a suspension entry on the revocation list
        ledger.reserve_index(LIST_URL, 77, suspendable, "suspension")
        held = {e.purpose.value: e.index for e in ledger.status_entries(LIST_URL)}
        for purpose in ("revocation", "suspension"):
            with pytest.raises(revocation.RevocationError, match="publish it for both"):
                revocation.publish_status_list(ledger, LIST_URL, out, purpose=purpose)
        assert not out.exists()
        revocation.revoke(ledger, revocable, reason="fraud")
        revocation.suspend(ledger, suspendable, reason="under review")
        published = revocation.publish_status_list(
            ledger, LIST_URL, out, purpose=("revocation", "suspension")
        )
        with pytest.raises(revocation.RevocationError, match="given twice"):
            revocation.publish_status_list(
                ledger, LIST_URL, out, purpose=["revocation", "revocation"]
            )
    assert (published.purpose, published.set_indexes) == ("revocation, suspension", 2)
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["credentialSubject"]["statusPurpose"] == ["revocation", "suspension"]

    def status(purpose: str) -> Any:
        entry = elm_status_entry(LIST_URL, held[purpose], purpose)  # type: ignore[arg-type]
        payload = {"credentialStatus": entry, "issuer": document["issuer"]}
        return check_status(payload, fetcher=DictFetcher({LIST_URL: document}))

    assert status("revocation").code == "revoked"
    assert status("suspension").code == "suspended"
    with open_ledger(ledger_path) as ledger:
        revocation.unsuspend(ledger, suspendable)
    result = CliRunner().invoke(
        app,
        ["status-list", "publish", "--ledger", str(ledger_path), "--list-url", LIST_URL,
         "--purpose", "revocation", "--purpose", "suspension", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "revocation, suspension list, 1 index(es) set" in result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert status("revocation").code == "revoked" and status("suspension").ok


def test_the_issuer_is_found_for_a_definition_with_a_logo(tmp_path: Path, pki: Any) -> None:
    from elmkit.microcredentials.batch import _definition_document, definition_from_document
    from elmkit.microcredentials.demo import write_demo_inputs

    logo = write_demo_inputs(tmp_path / "demo")[0].parent / "logo.png"
    course = definition().model_copy(
        update={"awarding_body": definition().awarding_body.model_copy(update={"logo": logo})}
    )
    stored = _definition_document(course)  # as a batch keeps it: the logo by its digest
    assert set(stored["awarding_body"]["logo"]) == {"sha256"}
    assert definition_from_document(stored).awarding_body.logo is None
    learner = LearnerResult(learner_id="L1", given_name="Ana", family_name="Vidal", passed=True)
    credential = build_credential(course, learner, valid_from=datetime(2026, 12, 1, tzinfo=UTC))
    assert credential.id is not None
    with open_ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.define(course.id, stored, title="IA")
        ledger.claim_credential(credential.id, course.id, learner.learner_id)
        revocation.assign_status(credential, ledger, LIST_URL)
        issuer = revocation.issuer_for_list(ledger, LIST_URL)
        assert issuer is not None and issuer == credential.issuer.id
        with pytest.raises(ValueError, match="not urn:example:other"):
            revocation.publish_status_list(
                ledger, LIST_URL, tmp_path / "list.json", issuer="urn:example:other"
            )
        published = revocation.publish_status_list(ledger, LIST_URL, tmp_path / "list.json")
    assert published.set_indexes == 0


def test_status_entries_refuse_what_they_cannot_give(tmp_path: Path) -> None:
    from elmkit.model import EuropeanDigitalCredential

    with open_ledger(tmp_path / "ledger.sqlite") as ledger:
        with pytest.raises(revocation.RevocationError, match="needs an id"):
            revocation.assign_status(EuropeanDigitalCredential(), ledger, LIST_URL)
        credential = EuropeanDigitalCredential(id="urn:credential:1")
        with pytest.raises(revocation.RevocationError, match="unknown purpose 'nope'"):
            revocation.assign_status(credential, ledger, LIST_URL, purpose="nope")
        with pytest.raises(ElmError):
            revocation.publish_status_list(ledger, LIST_URL, tmp_path / "list.json")


def test_a_list_sealed_by_another_organisation_clears_nothing(tmp_path: Path, pki: Any) -> None:
    from elmkit.sealing import create_test_pki

    sealed, credential_id, ledger_path = issue_and_seal(tmp_path, pki)
    status_dir = tmp_path / "status"
    with open_ledger(ledger_path) as ledger:
        revocation.revoke(ledger, credential_id, reason="fraud", actor="registrar")
    publish(ledger_path, status_dir, pki.signer())
    fetcher = FileFetcher(directory=status_dir)
    anchors = [*pki.trust_anchors]
    assert revocation_step(elmkit.verify(sealed, trust=anchors, fetcher=fetcher)).code == "revoked"
    # another trusted organisation seals an all-clear list naming the university as its issuer
    other = create_test_pki(org_name="Another Body", organization_identifier="VATES-B00000000")
    forged_ledger = tmp_path / "forged.sqlite"
    with open_ledger(ledger_path) as source, open_ledger(forged_ledger) as forged:
        for definition in source.definitions():
            forged.define(definition.definition_id, definition.document, title=definition.title)
        record = source.get_credential(credential_id)
        assert record is not None
        forged.claim_credential(credential_id, record.definition_id, record.learner_id)
        for entry in source.status_entries_for(credential_id):
            forged.reserve_index(entry.list_url, entry.index, credential_id, entry.purpose)
    forged_dir = tmp_path / "forged"  # served at the list's URL instead of the university's
    with pytest.raises(revocation.RevocationError, match="organizationIdentifier is VATES-B0"):
        publish(forged_ledger, forged_dir, other.signer())
    publish(forged_ledger, forged_dir, other.signer(), allow_other_sealer=True)
    forged_fetcher = FileFetcher(directory=forged_dir)
    result = elmkit.verify(sealed, trust=[*anchors, *other.trust_anchors], fetcher=forged_fetcher)
    step = revocation_step(result)
    assert step.status.value == "ERROR" and step.code == "seal-invalid", step
    assert "not by the credential's issuer (VATES-" in step.reason


def test_published_lists_expire_so_an_old_copy_cannot_pass_for_ever(tmp_path: Path, pki: Any) -> None:
    from datetime import timedelta

    sealed, _credential_id, ledger_path = issue_and_seal(tmp_path, pki)
    status_dir = tmp_path / "status"
    before = datetime.now(UTC).replace(microsecond=0)
    publish(ledger_path, status_dir, pki.signer())
    fetcher = FileFetcher(directory=status_dir)
    envelope = json.loads((status_dir / "revocation-1.json").read_text(encoding="utf-8"))
    expires = datetime.fromisoformat(json.loads(envelope["payload"])["expirationDate"])
    assert before + timedelta(days=30) <= expires <= datetime.now(UTC) + timedelta(days=30)
    later = elmkit.verify(sealed, trust=pki.trust_anchors, fetcher=fetcher, at=expires + timedelta(days=1))
    assert revocation_step(later).code == "list-expired", later
    with open_ledger(ledger_path) as ledger, pytest.raises(revocation.RevocationError, match="valid_for"):
        revocation.publish_status_list(ledger, LIST_URL, tmp_path / "x.json", valid_for=timedelta(0))


def test_an_index_given_meanwhile_by_another_process_is_the_credential_s_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from elmkit.ledger.status import LedgerIndexStore

    course = definition()
    learner = LearnerResult(learner_id="L1", given_name="Ana", family_name="Vidal", passed=True)
    credential = build_credential(course, learner, valid_from=datetime(2026, 12, 1, tzinfo=UTC))
    assert credential.id is not None
    with open_ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.define(course.id, course.model_dump(mode="json"), title="IA")
        ledger.claim_credential(credential.id, course.id, learner.learner_id)
        ledger.reserve_index(LIST_URL, 4242, credential.id, "revocation")  # the other process
        real_held_by = LedgerIndexStore.held_by
        calls: list[int] = []

        def not_yet(self: Any, credential_id: str) -> int | None:
            calls.append(1)
            return None if len(calls) == 1 else real_held_by(self, credential_id)

        monkeypatch.setattr(LedgerIndexStore, "held_by", not_yet)
        entry = revocation.assign_status(credential, ledger, LIST_URL)
    assert str((entry.__pydantic_extra__ or {}).get("statusListIndex")) == "4242"


def other_learner(ledger: Any, learner_id: str = "2026-0043") -> Any:
    learner = LearnerResult(learner_id=learner_id, given_name="Pau", family_name="Roig", passed=True)
    credential = build_credential(
        definition(),
        learner,
        valid_from=datetime(2026, 12, 1, tzinfo=UTC),
        display_images=display_images(definition(), learner),
    )
    ledger.claim_credential(credential.id, definition().id, learner_id)
    return credential


SUSPENSION_URL = "https://credenciales.uprueba.example/status/suspension-1"


def suspended_on_its_own_list(ledger: Any, pki: Any) -> tuple[Any, bytes]:
    """A credential whose only status entry is on a suspension list, sealed, then suspended:
    the credential and its seal."""
    ledger.define(definition().id, definition().model_dump(mode="json"), title="IA")
    credential = other_learner(ledger)
    revocation.assign_status(credential, ledger, SUSPENSION_URL, purpose="suspension")
    sealed = elmkit.seal(credential, pki.signer())
    ledger.record(credential.id, "generated", "test", sha256="0" * 64)
    revocation.suspend(ledger, credential.id, reason="under investigation")
    return credential, sealed


def test_revoking_a_suspended_credential_keeps_it_suspended_on_its_list(
    tmp_path: Path, pki: Any
) -> None:
    """Its only status entry is for suspension: clearing the bit on revocation made it valid."""
    suspension_url = SUSPENSION_URL
    ledger_path = tmp_path / "ledger.sqlite"
    status_dir = tmp_path / "status"
    with open_ledger(ledger_path) as ledger:
        credential, sealed = suspended_on_its_own_list(ledger, pki)
        assert revocation.lists_showing(ledger, credential.id, "revocation") == [suspension_url]
        revocation.revoke(ledger, credential.id, reason="fraud confirmed")  # no record_only
        published = revocation.publish_status_list(
            ledger, suspension_url, status_dir / "suspension-1", purpose="suspension",
            signer=pki.signer(),
        )
    assert published.set_indexes == 1
    result = elmkit.verify(
        sealed, trust=pki.trust_anchors, fetcher=FileFetcher(directory=status_dir)
    )
    step = revocation_step(result)
    assert step.status.value == "ERROR" and step.code == "suspended", step


def test_status_entries_keep_one_issuer_and_a_valid_url(tmp_path: Path, pki: Any) -> None:
    _sealed, _credential_id, ledger_path = issue_and_seal(tmp_path, pki)
    with open_ledger(ledger_path) as ledger:
        credential = other_learner(ledger)
        with pytest.raises(ElmError, match="no fragment or whitespace"):
            revocation.assign_status(credential, ledger, LIST_URL + " 2")
        assert ledger.status_entries_for(credential.id) == []
        credential.issuer.id = "https://another-university.example/org"
        with pytest.raises(revocation.RevocationError, match="give each issuer its own list"):
            revocation.assign_status(credential, ledger, LIST_URL)
        assert ledger.status_entries_for(credential.id) == []
        with pytest.raises(UnknownCredentialError):
            revocation.revoke(ledger, "2026-9999", reason="typo")
        # a ledger that already mixes issuers on one list (written by an earlier version)
        other_course = definition().model_copy(update={"id": "other-course"})
        other_course.awarding_body = other_course.awarding_body.model_copy(
            update={"vat_id": "Q0000001H", "eidas_id": "VATES-Q0000001H"}
        )
        ledger.define(other_course.id, other_course.model_dump(mode="json"), title="other")
        ledger.claim_credential("urn:credential:other", other_course.id, "2026-0050")
        ledger.reserve_index(LIST_URL, 7, "urn:credential:other", "revocation")
        issuer = revocation.issuer_for_list
        assert issuer(ledger, LIST_URL) is None
        with pytest.raises(revocation.RevocationError, match="several issuers"):
            revocation.publish_status_list(
                ledger, LIST_URL, tmp_path / "l.json", issuer=credential.issuer.id
            )
    assert not (tmp_path / "l.json").exists()


def test_a_published_list_is_valid_from_its_publication(tmp_path: Path, pki: Any) -> None:
    from datetime import timedelta

    sealed, _credential_id, ledger_path = issue_and_seal(tmp_path, pki)
    status_dir = tmp_path / "status"
    publish(
        ledger_path, status_dir, pki.signer(),
        valid_from=(datetime.now(UTC) - timedelta(days=45)).isoformat(),
    )
    step = revocation_step(
        elmkit.verify(sealed, trust=pki.trust_anchors, fetcher=FileFetcher(directory=status_dir))
    )
    assert step.status.value == "OK", step
    with pytest.raises(revocation.RevocationError, match="expired when published"):
        publish(ledger_path, status_dir, valid_until=datetime.now(UTC) - timedelta(days=1))
    with pytest.raises(revocation.RevocationError, match="time zone"):
        publish(ledger_path, status_dir, valid_from=datetime(2026, 9, 1))
    with pytest.raises(revocation.RevocationError, match="not an ISO 8601"):
        publish(ledger_path, status_dir, valid_from="1 September")


class PausesWhileChecking:
    """A ledger whose first read of a list's entries lets ``meanwhile`` run for a while: a
    concurrent assign_status, which must not slip in between the checks and the reservation."""

    def __init__(self, ledger: Any, meanwhile: Any) -> None:
        self._ledger, self._meanwhile = ledger, meanwhile

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ledger, name)

    def status_entries(self, list_url: str) -> Any:
        import time

        if self._meanwhile is not None:
            self._meanwhile.start()
            self._meanwhile = None
            time.sleep(0.5)
        return self._ledger.status_entries(list_url)


def test_two_purposes_cannot_slip_onto_one_list_at_once(tmp_path: Path) -> None:
    import threading

    ledger_path = tmp_path / "ledger.sqlite"
    with open_ledger(ledger_path) as ledger:
        ledger.define(definition().id, definition().model_dump(mode="json"), title="IA")
        first, second = other_learner(ledger, "2026-0101"), other_learner(ledger, "2026-0102")
    outcome: list[str] = []

    def suspension_entry() -> None:
        with open_ledger(ledger_path) as own:
            try:
                revocation.assign_status(second, own, LIST_URL, purpose="suspension")
                outcome.append("assigned")
            except revocation.RevocationError as exc:
                outcome.append(str(exc))

    meanwhile = threading.Thread(target=suspension_entry)
    with open_ledger(ledger_path) as ledger:
        revocation.assign_status(first, PausesWhileChecking(ledger, meanwhile), LIST_URL)
    meanwhile.join(timeout=60)
    assert len(outcome) == 1 and "is a revocation list" in outcome[0], outcome
    with open_ledger(ledger_path) as ledger:
        assert {e.purpose.value for e in ledger.status_entries(LIST_URL)} == {"revocation"}


def test_giving_a_credential_its_entry_again_only_reads(tmp_path: Path, pki: Any) -> None:
    """Issuing again finds the index the credential holds: no write lock, no write."""
    from elmkit.ledger import SQLiteLedger

    _sealed, credential_id, ledger_path = issue_and_seal(tmp_path, pki)
    learner = LearnerResult(
        learner_id="2026-0042", given_name="Núria", family_name="Puig i Ferrer", passed=True
    )
    credential = build_credential(definition(), learner, valid_from=datetime(2026, 12, 1, tzinfo=UTC))
    assert credential.id == credential_id
    with open_ledger(ledger_path) as ledger:
        held = ledger.status_entries_for(credential_id)[0].index
    with SQLiteLedger(ledger_path, read_only=True) as reader:
        entry = revocation.assign_status(credential, reader, LIST_URL)
        with reader.snapshot():
            assert revocation.assign_status(credential, reader, LIST_URL).id == entry.id
    assert entry.id == f"{LIST_URL}#{held}"


def test_a_list_published_at_its_default_size_covers_indexes_given_on_a_larger_one(
    tmp_path: Path, pki: Any
) -> None:
    """Entries given with ``size=`` beyond 131,072 are on the list ``status-list publish``
    writes (it takes no size): their verifiers refused them as out of range."""
    from elmkit.status import MIN_SIZE

    big_url = "https://credenciales.uprueba.example/status/revocation-big"
    ledger_path = tmp_path / "ledger.sqlite"
    status_dir = tmp_path / "status"
    sealed = {}
    with open_ledger(ledger_path) as ledger:
        ledger.define(definition().id, definition().model_dump(mode="json"), title="IA")
        for learner_id in ("2026-0043", "2026-0044", "2026-0045", "2026-0046"):
            credential = other_learner(ledger, learner_id)
            entry = revocation.assign_status(credential, ledger, big_url, size=4 * MIN_SIZE)
            sealed[credential.id] = (elmkit.seal(credential, pki.signer()), entry)
        last = other_learner(ledger, "2026-0047")  # holds the larger list's last index
        assert ledger.reserve_index(big_url, 4 * MIN_SIZE - 1, last.id, "revocation")
        revoked = next(iter(sealed))
        revocation.revoke(ledger, revoked, reason="fraud")
        published = revocation.publish_status_list(
            ledger, big_url, status_dir / "revocation-big", signer=pki.signer()
        )
    assert published.set_indexes == 1
    fetcher = FileFetcher(directory=status_dir)
    for credential_id, (document, _entry) in sealed.items():
        step = revocation_step(elmkit.verify(document, trust=pki.trust_anchors, fetcher=fetcher))
        expected = ("ERROR", "revoked") if credential_id == revoked else ("OK", "")
        assert (step.status.value, step.code) == expected, step
    payload = json.loads(json.loads((status_dir / "revocation-big").read_bytes())["payload"])
    from elmkit.status import StatusList

    assert StatusList.decode(payload["credentialSubject"]["encodedList"]).size == 4 * MIN_SIZE


def test_an_older_copy_of_the_ledger_cannot_lift_a_revocation(tmp_path: Path, pki: Any) -> None:
    """A ledger copied to another machine before a revocation published a list without it
    over the list that showed it: the revoked credential verified again."""
    import shutil

    from elmkit.cli import _register, app

    _register()
    sealed, credential_id, ledger_path = issue_and_seal(tmp_path, pki)
    copy = tmp_path / "other-machine.sqlite"
    shutil.copy(ledger_path, copy)
    status_dir = tmp_path / "status"
    with open_ledger(ledger_path) as ledger:
        revocation.revoke(ledger, credential_id, reason="fraud", actor="registrar")
    publish(ledger_path, status_dir, pki.signer())
    published = status_dir / "revocation-1.json"
    before = published.read_bytes()
    index = json.loads(json.loads(sealed.read_text())["payload"])["credentialStatus"]["statusListIndex"]
    with pytest.raises(revocation.RevocationError, match=f"does not record \\(index {index}\\)"):
        publish(copy, status_dir, pki.signer())
    with pytest.raises(revocation.RevocationError, match="does not record"):
        publish(copy, status_dir)  # unsealed over sealed, the same
    result = CliRunner().invoke(
        app,
        ["status-list", "publish", "--ledger", str(copy), "--list-url", LIST_URL,
         "-o", str(published)],
    )
    assert result.exit_code == 2, result.output
    assert "a revocation is permanent" in result.output
    assert published.read_bytes() == before
    step = revocation_step(
        elmkit.verify(sealed, trust=pki.trust_anchors, fetcher=FileFetcher(directory=status_dir))
    )
    assert step.code == "revoked", step
    publish(ledger_path, status_dir, pki.signer())  # the ledger that recorded it publishes again
    publish(copy, tmp_path / "elsewhere", pki.signer())  # a list of its own is its business


def test_a_lifted_suspension_is_cleared_on_the_published_list(tmp_path: Path, pki: Any) -> None:
    suspension_url = SUSPENSION_URL
    status_dir = tmp_path / "status"
    with open_ledger(tmp_path / "ledger.sqlite") as ledger:
        credential, sealed = suspended_on_its_own_list(ledger, pki)
        suspended = revocation.publish_status_list(
            ledger, suspension_url, status_dir / "suspension-1", purpose="suspension",
            signer=pki.signer(),
        )
        revocation.unsuspend(ledger, credential.id)
        lifted = revocation.publish_status_list(
            ledger, suspension_url, status_dir / "suspension-1", purpose="suspension",
            signer=pki.signer(),
        )
    assert (suspended.set_indexes, lifted.set_indexes) == (1, 0)
    step = revocation_step(
        elmkit.verify(sealed, trust=pki.trust_anchors, fetcher=FileFetcher(directory=status_dir))
    )
    assert step.status.value == "OK", step


@pytest.mark.parametrize("reason", ["", "  \t"])
def test_a_revocation_or_suspension_needs_a_reason(tmp_path: Path, pki: Any, reason: str) -> None:
    """`--reason ""` was taken: the permanent revocation was recorded without one."""
    from elmkit.cli import _register, app

    _register()
    _sealed, credential_id, ledger_path = issue_and_seal(tmp_path, pki)
    with open_ledger(ledger_path) as ledger:
        events = len(ledger.history(credential_id))
        for change in (revocation.revoke, revocation.suspend):
            with pytest.raises(revocation.RevocationError, match="give the reason"):
                change(ledger, credential_id, reason=reason, record_only=True)
    for command in ("revoke", "suspend"):
        result = CliRunner().invoke(
            app, [command, credential_id, "--reason", reason, "--ledger", str(ledger_path)]
        )
        assert result.exit_code == 2, result.output  # a value refused, as the table says
        assert "--reason: give the reason" in " ".join(result.output.split())
    with open_ledger(ledger_path) as ledger:
        assert len(ledger.history(credential_id)) == events
        revocation.revoke(ledger, credential_id, reason="issued in error")
        assert ledger.history(credential_id)[-1].detail == {"reason": "issued in error"}


def test_a_suspension_recorded_only_in_the_ledger_says_which_status_no_list_shows(
    tmp_path: Path, pki: Any
) -> None:
    """The credential is on a revocation list: "no status list carries it" was not so."""
    from elmkit.cli import _register, app

    _register()
    _sealed, credential_id, ledger_path = issue_and_seal(tmp_path, pki)
    for command in (["suspend", "--reason", "under investigation", "--record-only"], ["unsuspend"]):
        result = CliRunner().invoke(
            app, [command[0], credential_id, *command[1:], "--ledger", str(ledger_path)]
        )
        assert result.exit_code == 0, result.output
        said = " ".join(result.output.split())
        assert "in the ledger only: no status list shows its suspension" in said
        assert "carries it" not in said


def test_a_list_published_through_a_link_is_written_where_the_link_points(
    tmp_path: Path, pki: Any
) -> None:
    """`--out` a link into the served folder: the link was replaced by a file, and the list
    served stayed the one without the revocation."""
    sealed, credential_id, ledger_path = issue_and_seal(tmp_path, pki)
    served = tmp_path / "www" / "status"
    publish(ledger_path, served, pki.signer())
    staging = tmp_path / "staging"
    staging.mkdir()
    link = staging / "revocation-1.json"
    link.symlink_to(served / "revocation-1.json")
    with open_ledger(ledger_path) as ledger:
        revocation.revoke(ledger, credential_id, reason="fraud")
        published = revocation.publish_status_list(ledger, LIST_URL, link, signer=pki.signer())
    assert published.path == link and link.is_symlink()
    step = revocation_step(
        elmkit.verify(sealed, trust=pki.trust_anchors, fetcher=FileFetcher(directory=served))
    )
    assert step.code == "revoked", step


class _SignerThatWaitsForARevocation:
    """A signer (a remote service, say) during whose signature another process records a
    revocation, once."""

    def __init__(self, inner: Any, ledger_path: Path, credential_id: str) -> None:
        self.inner, self.ledger_path, self.credential_id = inner, ledger_path, credential_id
        self.certificate_chain, self.algorithm = inner.certificate_chain, inner.algorithm
        self.signed = 0

    def sign(self, data: bytes) -> bytes:
        if self.signed == 0:
            with open_ledger(self.ledger_path) as other:
                revocation.revoke(other, self.credential_id, reason="fraud", actor="registrar")
        self.signed += 1
        signature: bytes = self.inner.sign(data)
        return signature


def test_a_revocation_recorded_while_the_list_is_sealed_is_on_the_list(
    tmp_path: Path, pki: Any
) -> None:
    """A slow publish that read the ledger before a revocation wrote its list after a quicker
    publish that showed it: the revocation was gone from the list served."""
    sealed, credential_id, ledger_path = issue_and_seal(tmp_path, pki)
    status_dir = tmp_path / "status"
    signer = _SignerThatWaitsForARevocation(pki.signer(), ledger_path, credential_id)
    publish(ledger_path, status_dir, signer)
    assert signer.signed == 2  # sealed again, with the revocation
    step = revocation_step(
        elmkit.verify(sealed, trust=pki.trust_anchors, fetcher=FileFetcher(directory=status_dir))
    )
    assert step.code == "revoked", step


def test_a_new_status_list_needs_an_https_url(tmp_path: Path) -> None:
    """Its URL is sealed into the credentials for good, and verifiers do not fetch plain http."""
    course = definition()
    learners = [
        LearnerResult(learner_id=f"2026-00{n}", given_name="Núria", family_name="Puig", passed=True)
        for n in (1, 2)
    ]
    credentials = [build_credential(course, learner) for learner in learners]
    plain = "http://credenciales.uprueba.example/status/revocation-1"
    with open_ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.define(course.id, course.model_dump(mode="json"), title="IA")
        for credential, learner in zip(credentials, learners, strict=True):
            assert credential.id is not None
            ledger.claim_credential(credential.id, course.id, learner.learner_id)
        for url in (plain, "urn:uuid:0b2c5f4e-8a3d-4e8b-9f4a-2d1e6c7b8a90"):
            with pytest.raises(revocation.RevocationError, match="must start with https://"):
                revocation.assign_status(credentials[0], ledger, url)
        assert list(ledger.status_entries(plain)) == []
        revocation.assign_status(credentials[0], ledger, plain, allow_http=True)  # a test server
        # a list that holds entries already keeps taking them
        revocation.assign_status(credentials[1], ledger, plain)
        assert len(list(ledger.status_entries(plain))) == 2


class _PausesAfterItsLastRead:
    """A ledger that tells ``paused`` when it has been read after the list was sealed (the last
    read of a publish before it writes the file), and waits for ``resume`` before answering."""

    def __init__(self, ledger: Any, paused: Any, resume: Any) -> None:
        self._ledger, self._paused, self._resume = ledger, paused, resume
        self._reads = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ledger, name)

    def revoked_indexes(self, list_url: str, purpose: Any) -> Any:
        found = self._ledger.revoked_indexes(list_url, purpose)
        self._reads += 1
        if self._reads == 2:
            self._paused.set()
            self._resume.wait(120)  # a bound for a failing test, never reached when it passes
        return found


def _publish_pausing_before_it_writes(ledger_path: str, out: str, paused: Any, resume: Any) -> None:
    """A publish in a process of its own that holds the list it built until ``resume``."""
    with open_ledger(ledger_path) as ledger:
        revocation.publish_status_list(_PausesAfterItsLastRead(ledger, paused, resume), LIST_URL, out)


def test_a_slower_publish_never_writes_its_older_list_over_a_newer_one(
    tmp_path: Path, pki: Any
) -> None:
    """Two publishes of one list at once: the slower one, which had read the ledger before a
    revocation, wrote its list after the quicker one that showed it, and the revocation was
    gone from the list served."""
    import multiprocessing
    import os
    import subprocess
    import sys

    sealed, credential_id, ledger_path = issue_and_seal(tmp_path, pki)
    status_dir = tmp_path / "status"
    out = status_dir / "revocation-1.json"
    spawn = multiprocessing.get_context("spawn")
    paused, resume = spawn.Event(), spawn.Event()
    slower = spawn.Process(
        target=_publish_pausing_before_it_writes, args=(str(ledger_path), str(out), paused, resume)
    )
    slower.start()
    try:
        assert paused.wait(120), "the slower publish never got to its last read of the ledger"
        with open_ledger(ledger_path) as ledger:
            revocation.revoke(ledger, credential_id, reason="fraud", actor="registrar")
        quicker = subprocess.Popen(
            [sys.executable, "-m", "elmkit", "status-list", "publish", "--ledger",
             str(ledger_path), "--list-url", LIST_URL, "--out", str(out)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "COLUMNS": "400"},
        )
        assert quicker.stderr is not None
        # the quicker publish either finishes (its list shows the revocation) or says that it
        # waits for the slower one (end of file or a line, never a guess at how long it takes)
        first_said = quicker.stderr.readline()
        resume.set()
        slower.join(120)
        said, complained = quicker.communicate(timeout=120)
    finally:
        resume.set()
        slower.join(120)
        if slower.is_alive():
            slower.kill()
    assert slower.exitcode == 0
    assert quicker.returncode == 0, first_said + complained
    step = revocation_step(
        elmkit.verify(
            sealed, trust=pki.trust_anchors, fetcher=FileFetcher(directory=status_dir),
            sealed_lists_only=False,
        )
    )
    assert step.code == "revoked", step
    assert "another publish of" in first_said and "1 index(es) set" in said


def test_a_publish_never_writes_a_list_older_than_the_one_there(tmp_path: Path, pki: Any) -> None:
    """A list valid from an earlier moment than the list already published (a clock behind
    another's, an older valid_from) replaced it."""
    from datetime import timedelta

    sealed, credential_id, ledger_path = issue_and_seal(tmp_path, pki)
    status_dir = tmp_path / "status"
    published = status_dir / "revocation-1.json"
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    publish(ledger_path, status_dir, valid_from=later)
    before = published.read_bytes()
    with pytest.raises(revocation.RevocationError, match=r"is valid from .* later than"):
        publish(ledger_path, status_dir, valid_from=later - timedelta(hours=1))
    assert published.read_bytes() == before
    with open_ledger(ledger_path) as ledger:
        revocation.revoke(ledger, credential_id, reason="fraud", actor="registrar")
    publish(ledger_path, status_dir)  # by default, valid from now or from the list's own start
    document = json.loads(published.read_bytes())
    assert document["issuanceDate"] == later.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert document["expirationDate"] == json.loads(before)["expirationDate"]  # 30 days on
    step = revocation_step(
        elmkit.verify(
            sealed, trust=pki.trust_anchors, fetcher=FileFetcher(directory=status_dir),
            sealed_lists_only=False,
        )
    )
    assert step.code == "revoked", step


def test_a_list_there_valid_from_a_fraction_of_a_second_is_not_replaced_by_an_older_one(
    tmp_path: Path, pki: Any
) -> None:
    """The list there (another publisher's, with a clock ahead) is valid from 10:00:00.5: the
    next one by default was valid from 10:00:00, as lists carry whole seconds, and was refused
    as older than the list it replaces ("valid from …00.5, later than this one (…00.5)")."""
    from datetime import timedelta

    _, _, ledger_path = issue_and_seal(tmp_path, pki)
    status_dir = tmp_path / "status"
    published = status_dir / "revocation-1.json"
    publish(ledger_path, status_dir)
    document = json.loads(published.read_bytes())
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    document["issuanceDate"] = later.strftime("%Y-%m-%dT%H:%M:%S.5Z")
    published.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(revocation.RevocationError) as refused:  # it would say 10:00:00
        publish(ledger_path, status_dir, valid_from=later + timedelta(milliseconds=500))
    assert f"later than this one ({later.isoformat()})" in str(refused.value)
    publish(ledger_path, status_dir)
    written = json.loads(published.read_bytes())["issuanceDate"]
    assert written == (later + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
