"""Sealing a batch against the ledger's states: revoked or suspended credentials are not sealed,
the others still are, and a sealing the ledger does not record leaves no new sealed file."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from elmkit.cli import _register, app
from elmkit.ledger import LedgerError, SQLiteLedger, open_ledger
from elmkit.microcredentials import sealing
from elmkit.microcredentials.batch import issue_batch
from elmkit.microcredentials.files import TEMP_PREFIX, StagedFiles
from elmkit.microcredentials.manifest import CredentialChange
from elmkit.microcredentials.sealing import SealedBatch, seal_batch
from elmkit.sealing import TestPKI, create_test_pki
from test_issue_support import (
    VALID_FROM,
    definition_file,
    learner_rows,
    read_manifest,
    require_serializers,
    university_pki,
    write_csv,
)

_register()
LIST_URL = "https://credencials.uvallfosca.example/status/rev-1"


@dataclass(frozen=True)
class Issued:
    definition: Path
    results: Path
    out: Path


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Issued:
    """Four credentials issued with display pages (sealing needs them), the ledger in the folder."""
    require_serializers()
    pytest.importorskip("PIL")
    folder = tmp_path_factory.mktemp("issued")
    definition = definition_file(folder)
    results = write_csv(folder / "results.csv", learner_rows(4))
    out = folder / "out"
    result = issue_batch(
        definition, results, out, ledger=out / "ledger.sqlite", images=True, valid_from=VALID_FROM
    )
    assert result.issued == 4, result.problems
    return Issued(definition, results, out)


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return university_pki()


@pytest.fixture
def out(tmp_path: Path, issued: Issued) -> Path:
    """A copy of the issued folder, ledger included, for one test to change."""
    return Path(shutil.copytree(issued.out, tmp_path / "out"))


def _credentials(out: Path) -> list[tuple[str, Path]]:
    """``(credential id, sealed file)`` of each issued credential, in the manifest's order."""
    return [
        (row["credential_id"], out / "sealed" / (Path(row["file"]).stem + ".json"))
        for row in read_manifest(out)
        if row["state"] == "issued"
    ]


def _record(out: Path, credential_id: str, event: str) -> None:
    with open_ledger(out / "ledger.sqlite") as store:
        store.record(credential_id, event, "registrar")


def _seal(out: Path, signer: Any, ledger: Any = None, **options: Any) -> SealedBatch:
    return seal_batch(out, signer, ledger=ledger or out / "ledger.sqlite", **options)


def _events(out: Path, credential_id: str) -> list[str]:
    with open_ledger(out / "ledger.sqlite") as store:
        return [event.event.value for event in store.history(credential_id)]


def _temp_files(out: Path) -> list[Path]:
    return list(out.rglob(f"{TEMP_PREFIX}*"))


def test_revoked_and_suspended_credentials_are_not_sealed_and_the_others_are(
    out: Path, pki: TestPKI
) -> None:
    (revoked, revoked_file), (suspended, suspended_file), *others = _credentials(out)
    _record(out, revoked, "revoked")
    _record(out, suspended, "suspended")
    outcome = _seal(out, pki.signer(), status_list_url=LIST_URL)
    assert outcome.withdrawn == [(revoked, "revoked"), (suspended, "suspended")]
    assert outcome.failed == [] and outcome.ok
    assert sorted(outcome.sealed) == sorted(path for _, path in others)
    assert sorted(outcome.sealed_ids) == sorted(cid for cid, _ in others)
    assert outcome.to_dict() == {
        "folder": str(out / "sealed"),
        "sealed": outcome.sealed_ids,
        "already": 0,
        "failed": [],
        "withdrawn": [
            {"credential_id": revoked, "state": "revoked"},
            {"credential_id": suspended, "state": "suspended"},
        ],
        "without_status": [],
        "missing": [],
        "stopped": None,
        "not_reached": 0,
    }
    assert not revoked_file.exists() and not suspended_file.exists()
    with open_ledger(out / "ledger.sqlite") as store:
        assert [store.get_credential(cid).state for cid in (revoked, suspended)] == [  # type: ignore[union-attr]
            "revoked",
            "suspended",
        ]
        assert not store.status_entries_for(revoked) and not store.status_entries_for(suspended)
        assert all(store.get_credential(cid).state == "sealed" for cid, _ in others)  # type: ignore[union-attr]


def test_a_run_after_a_revocation_leaves_the_delivered_seal_as_it_was(
    out: Path, pki: TestPKI, issued: Issued
) -> None:
    """The nightly job: seal, revoke one, seal again; then issue again, which withdraws its files."""
    assert len(_seal(out, pki.signer()).sealed) == 4
    (revoked, revoked_file), *_ = _credentials(out)
    delivered = revoked_file.read_bytes()
    _record(out, revoked, "revoked")
    again = _seal(out, pki.signer())
    assert again.withdrawn == [(revoked, "revoked")]
    assert again.sealed == [] and again.already == 3 and again.ok
    assert revoked_file.read_bytes() == delivered
    assert _events(out, revoked).count("sealed") == 1

    issue_batch(
        issued.definition,
        issued.results,
        out,
        ledger=out / "ledger.sqlite",
        images=True,
        valid_from=VALID_FROM,
    )
    withdrawn_file = out / "withdrawn" / "sealed" / revoked_file.name
    assert withdrawn_file.read_bytes() == delivered
    after = _seal(out, pki.signer())
    assert after.sealed == [] and after.withdrawn == [] and after.already == 3
    assert not revoked_file.exists() and withdrawn_file.read_bytes() == delivered


class _Ledger:
    """A SQLite ledger that fails as a damaged or busy one would, for some credentials."""

    def __init__(
        self, path: Path, *, refuse: Sequence[str] = (), fail_commit: Sequence[int] = ()
    ) -> None:
        self._store = SQLiteLedger(path)
        self._refuse = set(refuse)
        self._fail_commit = set(fail_commit)
        self._transactions = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def record(self, credential_id: str, event: str, *args: Any, **kwargs: Any) -> Any:
        if event == "sealed" and credential_id in self._refuse:
            raise LedgerError("cannot write to the ledger: disk I/O error")
        return self._store.record(credential_id, event, *args, **kwargs)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._transactions += 1
        with self._store.transaction():
            yield
            if self._transactions in self._fail_commit:
                raise LedgerError("cannot commit to the ledger: disk I/O error")

    def close(self) -> None:
        self._store.close()


def test_a_sealing_the_ledger_cannot_record_leaves_no_new_sealed_file(
    out: Path, pki: TestPKI
) -> None:
    (first, _), (kept, kept_file), (absent, absent_file), (last, _) = _credentials(out)
    kept_file.parent.mkdir()
    kept_file.write_bytes(b"an earlier seal")
    store = _Ledger(out / "ledger.sqlite", refuse=(kept, absent))
    try:
        outcome = _seal(out, pki.signer(), ledger=store)
    finally:
        store.close()
    assert [cid for cid, _ in outcome.failed] == [kept, absent] and not outcome.ok
    assert all("disk I/O error" in reason for _, reason in outcome.failed)
    assert kept_file.read_bytes() == b"an earlier seal"
    assert not absent_file.exists() and not _temp_files(out)
    assert [len(outcome.sealed), outcome.withdrawn] == [2, []]
    assert "sealed" not in _events(out, kept) and "sealed" in _events(out, last)
    assert "sealed" in _events(out, first)


def test_a_ledger_that_fails_to_commit_gets_the_earlier_sealed_file_back(
    out: Path, pki: TestPKI
) -> None:
    (first, _), (kept, kept_file), (absent, absent_file), (last, _) = _credentials(out)
    kept_file.parent.mkdir()
    kept_file.write_bytes(b"an earlier seal")
    store = _Ledger(out / "ledger.sqlite", fail_commit=(2, 3))  # one transaction per credential
    try:
        outcome = _seal(out, pki.signer(), ledger=store)
    finally:
        store.close()
    assert [cid for cid, _ in outcome.failed] == [kept, absent]
    assert all("cannot commit" in reason for _, reason in outcome.failed)
    assert kept_file.read_bytes() == b"an earlier seal"
    assert not absent_file.exists() and not _temp_files(out)
    assert "sealed" not in _events(out, kept) and "sealed" not in _events(out, absent)
    assert "sealed" in _events(out, first) and "sealed" in _events(out, last)


class _WrappedSigner:
    """A signer that signs with ``signer``'s key and certificates."""

    def __init__(self, signer: Any) -> None:
        self._signer = signer

    @property
    def certificate_chain(self) -> Any:
        return self._signer.certificate_chain

    @property
    def algorithm(self) -> str:
        return str(self._signer.algorithm)


class _MeanwhileSigner(_WrappedSigner):
    """A signer during whose work another process records an event for a credential."""

    def __init__(self, signer: Any, out: Path, credential_id: str, event: str) -> None:
        super().__init__(signer)
        self._out = out
        self._credential_id = credential_id
        self._event = event
        self._calls = 0

    def sign(self, data: Any) -> bytes:
        self._calls += 1
        if self._calls == 2:  # while the second credential is sealed
            _record(self._out, self._credential_id, self._event)
        return bytes(self._signer.sign(data))


@pytest.mark.parametrize("event", ["revoked", "suspended", "sealed"])
def test_a_credential_whose_state_changes_while_it_is_sealed_is_left_to_that_state(
    out: Path, pki: TestPKI, event: str
) -> None:
    (_, _), (changed, changed_file), *_ = _credentials(out)
    if event == "sealed":  # another run sealed it meanwhile: its file stays
        changed_file.parent.mkdir()
        changed_file.write_bytes(b"the other run's seal")
    outcome = _seal(out, _MeanwhileSigner(pki.signer(), out, changed, event))
    assert len(outcome.sealed) == 3 and outcome.ok and not _temp_files(out)
    assert _events(out, changed).count("sealed") == (event == "sealed")
    if event == "sealed":
        assert outcome.already == 1 and outcome.withdrawn == []
        assert changed_file.read_bytes() == b"the other run's seal"
    else:
        assert outcome.withdrawn == [(changed, event)] and not changed_file.exists()


def test_credentials_another_ledger_does_not_hold_are_reported_not_sealed(
    out: Path, pki: TestPKI, tmp_path: Path
) -> None:
    outcome = _seal(out, pki.signer(), ledger=tmp_path / "other.sqlite")
    assert [cid for cid, _ in outcome.failed] == [cid for cid, _ in _credentials(out)]
    assert all("is not in this ledger" in reason for _, reason in outcome.failed)
    assert outcome.sealed == [] and not (out / "sealed").exists()


def issue_and_seal(issued: Issued, out: Path, p12: Path) -> Any:
    """``elmkit issue --seal`` of the issued batch's inputs into ``out``, sealing with ``p12``."""
    return CliRunner().invoke(
        app,
        [
            "issue", str(issued.definition), str(issued.results), "--out", str(out),
            "--seal", "--p12", str(p12), "--password", "secret",
        ],
    )


def test_issue_seal_says_which_credentials_it_did_not_seal(
    tmp_path: Path, pki: TestPKI, issued: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A credential revoked between issuing and sealing (by the registrar, meanwhile)."""
    out = tmp_path / "out"
    p12 = pki.write_pkcs12(tmp_path / "seal.p12", "secret")
    real = sealing.seal_batch

    def revoked_meanwhile(out_dir: Path, signer: Any, **options: Any) -> SealedBatch:
        _record(Path(out_dir), _credentials(Path(out_dir))[0][0], "revoked")
        return real(out_dir, signer, **options)

    monkeypatch.setattr(sealing, "seal_batch", revoked_meanwhile)
    result = issue_and_seal(issued, out, p12)
    assert result.exit_code == 0, result.output
    revoked = _credentials(out)[0][0]
    assert "sealed: 3 new, 0 already sealed, 0 failed, 1 revoked or suspended ->" in result.stdout
    diagnostics = " ".join(result.stderr.split())
    assert "1 not sealed" in diagnostics and f"{revoked}: revoked" in diagnostics


def test_issue_seal_says_on_stderr_which_credentials_failed(
    tmp_path: Path, issued: Issued
) -> None:
    """Standard output holds the result; what went wrong with each credential is a diagnostic."""
    out = tmp_path / "out"
    other = create_test_pki(org_name="Another Body", organization_identifier="VATES-B00000000")
    p12 = other.write_pkcs12(tmp_path / "other.p12", "secret")
    result = issue_and_seal(issued, out, p12)
    assert result.exit_code == 1, result.output
    assert "sealed: 0 new, 0 already sealed, 4 failed ->" in result.stdout
    assert "refusing to seal" not in result.stdout
    assert " ".join(result.stderr.split()).count("refusing to seal") == 4


def test_a_lifted_suspension_gives_the_sealed_file_back(
    out: Path, pki: TestPKI, issued: Issued
) -> None:
    """Suspended, the credential's files go to withdrawn/; unsuspended, the next issue run writes
    it again, and its seal (which the ledger still holds) comes back to sealed/."""
    assert len(_seal(out, pki.signer()).sealed) == 4
    (suspended, sealed_file), *_ = _credentials(out)
    delivered = sealed_file.read_bytes()

    def issue_again() -> None:
        issue_batch(
            issued.definition, issued.results, out, ledger=out / "ledger.sqlite",
            images=True, valid_from=VALID_FROM,
        )

    _record(out, suspended, "suspended")
    issue_again()
    assert not sealed_file.exists()
    assert (out / "withdrawn/sealed" / sealed_file.name).read_bytes() == delivered
    _record(out, suspended, "unsuspended")
    issue_again()
    assert sealed_file.read_bytes() == delivered
    assert not (out / "withdrawn/sealed" / sealed_file.name).exists()
    again = _seal(out, pki.signer())
    assert again.already == 4 and again.sealed == [] and again.ok


def _seals_its_credential(out: Path, sealed_file: Path) -> bool:
    """Whether ``sealed_file`` seals the document now in ``credentials/``."""
    envelope = json.loads(sealed_file.read_text(encoding="utf-8"))
    document = json.loads((out / "credentials" / f"{sealed_file.stem}.jsonld").read_bytes())
    payload = json.loads(envelope["payload"])
    return bool(payload["credentialSubject"] == document["credentialSubject"])


def test_a_sealing_while_a_run_regenerates_the_credential_leaves_no_seal_of_the_old_document(
    out: Path, pki: TestPKI, issued: Issued, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A corrected grade: the run records the new document in the ledger, then writes it. A
    sealer that reads the credential's file in between reads the old document: it must not
    record a seal of it, or no later sealing would seal the corrected one."""
    assert len(_seal(out, pki.signer()).sealed) == 4
    (_, _), (corrected, sealed_file), *_ = _credentials(out)
    rows = learner_rows(4)
    rows[1][5] = "9,5"
    results = write_csv(tmp_path / "corrected.csv", rows)
    real_commit = StagedFiles.commit
    meanwhile: list[SealedBatch] = []

    def sealed_meanwhile(self: StagedFiles) -> None:
        meanwhile.append(_seal(out, pki.signer()))  # another process seals the batch now
        real_commit(self)

    monkeypatch.setattr(StagedFiles, "commit", sealed_meanwhile)
    result = issue_batch(
        issued.definition, results, out, ledger=out / "ledger.sqlite", images=True,
        valid_from=VALID_FROM,
    )
    monkeypatch.setattr(StagedFiles, "commit", real_commit)
    assert result.changes[CredentialChange.REGENERATED] == 1
    assert [cid for cid, _ in meanwhile[0].failed] == [corrected]
    assert "is not the document the ledger records" in meanwhile[0].failed[0][1]
    assert not sealed_file.exists()
    after = _seal(out, pki.signer())
    assert after.sealed_ids == [corrected] and after.ok
    assert _seals_its_credential(out, sealed_file)


def test_a_new_status_list_at_a_plain_http_url_seals_nothing(out: Path, pki: TestPKI) -> None:
    from elmkit.revocation import RevocationError

    plain = "http://credencials.uvallfosca.example/rev-1"
    with pytest.raises(RevocationError, match="must start with https://"):
        _seal(out, pki.signer(), status_list_url=plain)
    assert not (out / "sealed").exists() or not any((out / "sealed").iterdir())
    testing = _seal(out, pki.signer(), status_list_url=plain, allow_http=True)  # a test server
    assert len(testing.sealed) == 4 and not testing.failed


class _UnpluggedSigner(_WrappedSigner):
    """A signing device unplugged after it sealed ``works`` credentials."""

    def __init__(self, signer: Any, works: int) -> None:
        super().__init__(signer)
        self._works = works

    def sign(self, data: Any) -> bytes:
        if self._works == 0:
            raise OSError(19, "No such device")
        self._works -= 1
        return bytes(self._signer.sign(data))


def test_sealing_stops_when_the_signer_fails_and_goes_on_from_there_the_next_time(
    out: Path, pki: TestPKI
) -> None:
    (first, first_file), (second, second_file), *rest = _credentials(out)
    outcome = _seal(out, _UnpluggedSigner(pki.signer(), works=1), status_list_url=LIST_URL)
    assert outcome.sealed_ids == [first] and first_file.is_file()
    assert [cid for cid, _ in outcome.failed] == [second] and not second_file.exists()
    assert outcome.stopped is not None and "No such device" in outcome.stopped
    assert outcome.not_reached == len(rest) and not outcome.ok
    assert outcome.to_dict()["stopped"] == outcome.stopped
    assert outcome.to_dict()["not_reached"] == len(rest)
    assert not _temp_files(out)
    assert [_events(out, cid).count("sealed") for cid, _ in _credentials(out)] == [1, 0, 0, 0]
    again = _seal(out, pki.signer(), status_list_url=LIST_URL)
    assert again.ok and again.already == 1 and again.stopped is None
    assert sorted(again.sealed_ids) == sorted([second, *(cid for cid, _ in rest)])


def test_issue_seal_stops_at_a_signer_that_cannot_seal_and_says_so(
    tmp_path: Path, issued: Issued
) -> None:
    """An expired seal certificate fails for every credential alike: the first one tells it."""
    out = tmp_path / "out"
    expired = create_test_pki(
        org_name="Universitat Pública de Vallfosca",
        organization_identifier="VATES-Q2500777D",
        not_before=datetime.now(UTC) - timedelta(days=30),
        valid_days=10,
    )
    p12 = expired.write_pkcs12(tmp_path / "expired.p12", "secret")
    result = issue_and_seal(issued, out, p12)
    assert result.exit_code == 1, result.output
    assert "sealed: 0 new, 0 already sealed, 1 failed ->" in result.stdout
    diagnostics = " ".join(result.stderr.split())
    assert diagnostics.count("the seal certificate is not valid at") == 1
    assert "sealing stopped: the signer failed, so 3 credential(s) were not tried" in diagnostics
