"""Verification steps other than the signature itself, the verdict, the result object, the
input forms, and time-stamp/revocation details."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from elmkit.checks import CheckResult, CheckStatus, Step
from elmkit.errors import ElmError, VerificationError
from elmkit.sealing import TimestampError, TrustStore, load_trust, seal, verify, verify_token
from elmkit.sealing._codec import b64_encode, b64url_encode
from elmkit.sealing.jades import encode_etsiu_component
from elmkit.sealing.timestamps import build_request
from test_seal_support import credential, decode_protected, ec_pki, other_pki, resign, rsa_pki

NOW = datetime.now(UTC).replace(microsecond=0)


def _seal(doc: dict[str, Any] | None = None, **kwargs: Any) -> bytes:
    pki = kwargs.pop("pki", None) or ec_pki()
    return seal(doc if doc is not None else credential(), pki.signer(), **kwargs)


def _status_ok(doc: dict[str, Any], at: datetime) -> CheckResult:
    return CheckResult(Step.REVOCATION, CheckStatus.OK, "not revoked")


def test_everything_ok_is_verified() -> None:
    doc = {
        **credential(),
        "credentialStatus": {
            "id": "https://example.org/status#3",
            "type": "BitstringStatusListEntry",
        },
    }
    seen: list[Any] = []

    def checker(d: dict[str, Any], at: datetime) -> CheckResult:
        seen.append((d["credentialStatus"]["id"], at))
        return _status_ok(d, at)

    at = NOW + timedelta(days=1)
    result = verify(
        _seal(doc),
        trust=ec_pki().trust_anchors,
        holder="did:example:ana",
        format_check=lambda d: [],
        status_checker=checker,
        at=at,
    )
    assert result.verdict == "verified", str(result)
    assert result.ok
    assert seen == [("https://example.org/status#3", at)]
    assert [s.step for s in result.steps] == [
        Step.FORMAT,
        Step.SEAL,
        Step.QUALIFIED,
        Step.OWNER,
        Step.VALIDITY,
        Step.REVOCATION,
    ]


def test_format_step() -> None:
    sealed = _seal()
    result = verify(
        sealed, trust=ec_pki().trust_anchors, format_check=lambda d: ["missing title", "bad date"]
    )
    fmt = result.step(Step.FORMAT)
    assert fmt.status is CheckStatus.ERROR and fmt.code == "invalid"
    assert fmt.detail["problems"] == ["missing title", "bad date"]
    not_json = resign(sealed, ec_pki().signer(), payload="not json")
    result = verify(not_json, trust=ec_pki().trust_anchors)
    assert result.step(Step.SEAL).ok  # the seal holds: it is the content that is unreadable
    assert result.step(Step.FORMAT).code == "not-json"
    assert result.credential is None
    for step in (Step.OWNER, Step.VALIDITY, Step.REVOCATION):
        assert result.step(step).status is CheckStatus.SKIPPED
    array = resign(sealed, ec_pki().signer(), payload="[1,2]")
    assert verify(array).step(Step.FORMAT).code == "not-object"


def test_validity_step() -> None:
    anchors = ec_pki().trust_anchors
    future = {**credential(), "validFrom": "2999-01-01T00:00:00Z"}
    assert verify(_seal(future), trust=anchors).step(Step.VALIDITY).code == "not-yet-valid"
    bad = {**credential(), "validUntil": "next tuesday"}
    assert verify(_seal(bad), trust=anchors).step(Step.VALIDITY).code == "invalid-date"
    until = {
        **credential(),
        "validUntil": "2030-06-30",
        "expirationDate": "2031-01-01T00:00:00+02:00",
    }
    sealed = _seal(until)
    ok = verify(sealed, trust=anchors, at=datetime(2030, 1, 1, tzinfo=UTC)).step(Step.VALIDITY)
    assert ok.status is CheckStatus.OK and "2030-06-30" in ok.reason
    late = verify(sealed, trust=anchors, at=datetime(2030, 7, 1, tzinfo=UTC)).step(Step.VALIDITY)
    assert late.code == "expired" and late.detail["expired"].startswith("2030-06-30")
    with pytest.raises(VerificationError, match="timezone"):
        verify(sealed, at=datetime(2030, 1, 1))


def test_verifying_as_at_a_time_before_the_seal_was_made_is_said() -> None:
    """``at`` a year before the seal: the verdict stands, with a warning that the seal did not
    exist then (its certificate is judged when it was sealed)."""
    anchors = ec_pki().trust_anchors
    sealed = _seal(credential())
    now = verify(sealed, trust=anchors)
    assert not any("before the seal says it was made" in w for w in now.warnings)
    before = verify(sealed, trust=anchors, at=datetime.now(UTC) - timedelta(days=365))
    assert before.step(Step.SEAL).ok, str(before)
    assert any("before the seal says it was made" in w for w in before.warnings), before.warnings


def test_owner_step() -> None:
    doc = {**credential(), "credentialSubject": [{"id": "did:example:a"}, {"id": "did:example:b"}]}
    sealed = _seal(doc)
    assert verify(sealed, holder="did:example:b").step(Step.OWNER).ok
    mismatch = verify(sealed, holder="did:example:c").step(Step.OWNER)
    assert mismatch.code == "holder-mismatch" and mismatch.detail["subjects"] == [
        "did:example:a",
        "did:example:b",
    ]
    anonymous = _seal({**credential(), "credentialSubject": {"type": "Person"}})
    assert verify(anonymous, holder="did:example:a").step(Step.OWNER).code == "no-subject-id"
    assert verify(sealed).step(Step.OWNER).code == "no-holder"


def test_revocation_step() -> None:
    doc = {**credential(), "credentialStatus": {"id": "x", "type": "BitstringStatusListEntry"}}
    sealed = _seal(doc)
    assert verify(sealed).step(Step.REVOCATION).code == "no-status-checker"
    assert verify(_seal()).step(Step.REVOCATION).code == "no-status"

    def revoked(d: dict[str, Any], at: datetime) -> CheckResult:
        return CheckResult(Step.REVOCATION, CheckStatus.ERROR, "revoked", "revoked")

    def unreachable(d: dict[str, Any], at: datetime) -> CheckResult:
        raise ElmError("status list unreachable")

    def wrong_step(d: dict[str, Any], at: datetime) -> CheckResult:
        return CheckResult(Step.FORMAT, CheckStatus.OK, "fine")

    assert verify(sealed, status_checker=revoked).step(Step.REVOCATION).code == "revoked"
    skipped = verify(sealed, status_checker=unreachable).step(Step.REVOCATION)
    assert skipped.status is CheckStatus.SKIPPED and skipped.code == "status-unavailable"
    assert verify(sealed, status_checker=wrong_step).step(Step.REVOCATION).status is CheckStatus.OK


def test_broken_seal_reads_no_status_list() -> None:
    """The status entry of a document whose seal fails is the sender's: its list (any URL the
    sender chose) is not fetched."""
    doc = {
        **credential(),
        "credentialStatus": {
            "id": "https://example.org/status#3",
            "type": "BitstringStatusListEntry",
        },
    }
    sealed = json.loads(_seal(doc))
    payload = json.loads(sealed["payload"])
    payload["credentialStatus"]["id"] = "https://tracker.example/list#3"
    sealed["payload"] = json.dumps(payload)
    seen: list[str] = []

    def checker(d: dict[str, Any], at: datetime) -> CheckResult:
        seen.append(d["credentialStatus"]["id"])
        return _status_ok(d, at)

    result = verify(json.dumps(sealed), trust=ec_pki().trust_anchors, status_checker=checker)
    assert result.step(Step.SEAL).code == "signature-invalid"
    step = result.step(Step.REVOCATION)
    assert step.status is CheckStatus.SKIPPED and step.code == "seal-not-verified"
    assert seen == []
    assert result.verdict == "failed"


def test_qualified_step() -> None:
    pki = ec_pki()
    advanced = seal(credential(), pki.issue_seal(qualified=False))
    result = verify(advanced, trust=pki.trust_anchors)
    assert result.step(Step.QUALIFIED).status is CheckStatus.SKIPPED
    assert result.step(Step.QUALIFIED).code == "not-qualified"
    qscd = seal(credential(), pki.issue_seal(sscd=True))
    step = verify(qscd, trust=pki.trust_anchors, require_qualified=True).step(Step.QUALIFIED)
    assert step.ok and "QSCD" in step.reason and step.detail["qcSSCD"] is True
    untrusted = verify(qscd, require_qualified=True).step(Step.QUALIFIED)
    assert untrusted.code == "seal-not-verified" and untrusted.status is CheckStatus.ERROR


def test_result_object() -> None:
    result = verify(_seal(), trust=ec_pki().trust_anchors, holder="did:example:ana")
    data = json.loads(result.to_json())
    assert data["verdict"] == "partially verified"
    assert data["signer"]["organizationIdentifier"] == "VATFR-12345678901"
    assert data["signer"]["qcStatements"]["qcTypes"] == ["eseal"]
    assert len(data["steps"]) == 6
    assert data["steps"][0]["type"] == "urn:elmkit:problem:format:no-validator"
    assert data["steps"][1]["status"] == "OK"
    text = str(result)
    assert text.startswith("Verification: partially verified")
    for step in Step:
        assert step.value in text
    assert result.signer is not None and result.signer.name == "Université d'Essai"


def _compact_and_flattened(sealed: bytes) -> tuple[str, bytes]:
    env = json.loads(sealed)
    header = decode_protected(env)
    del header["b64"]
    header["crit"] = ["sigT"]
    protected = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
    payload = b64url_encode(env["payload"].encode("utf-8"))
    signature = b64url_encode(ec_pki().signer().sign(f"{protected}.{payload}".encode("ascii")))
    flattened = {"payload": payload, "protected": protected, "header": {}, "signature": signature}
    return f"{protected}.{payload}.{signature}\n", json.dumps(flattened).encode()


def test_input_forms(tmp_path: Path) -> None:
    sealed = _seal()
    anchors = ec_pki().trust_anchors
    path = tmp_path / "sealed.json"
    path.write_bytes(sealed)
    compact, flattened = _compact_and_flattened(sealed)
    for data in (
        sealed,
        sealed.decode("utf-8"),
        json.loads(sealed),
        path,
        str(path),
        compact,
        flattened,
    ):
        result = verify(data, trust=anchors)
        assert result.step(Step.SEAL).ok, (type(data), result.step(Step.SEAL).reason)
        assert result.credential is not None and result.credential["id"] == credential()["id"]
    assert verify(compact).step(Step.SEAL).detail["serialization"] == "compact"
    with pytest.raises(VerificationError, match="cannot read"):
        verify(tmp_path / "missing.json")
    with pytest.raises(VerificationError, match="cannot verify"):
        verify(42)  # type: ignore[arg-type]


def test_trust_inputs(tmp_path: Path) -> None:
    pki = ec_pki()
    sealed = _seal()
    root_pem = pki.root_certificate.public_bytes(serialization.Encoding.PEM)
    root_der = pki.root_certificate.public_bytes(serialization.Encoding.DER)
    (tmp_path / "anchors").mkdir()
    (tmp_path / "anchors" / "root.crt").write_bytes(root_pem)
    (tmp_path / "anchors" / "notes.txt").write_text("ignored")
    (tmp_path / "root.der").write_bytes(root_der)
    for trust in (
        root_pem,
        root_der,
        tmp_path / "anchors",
        str(tmp_path / "root.der"),
        TrustStore([pki.root_certificate]),
    ):
        assert verify(sealed, trust=trust).step(Step.SEAL).ok
    with pytest.raises(VerificationError, match="not found"):
        verify(sealed, trust=tmp_path / "nothing.pem")
    with pytest.raises(VerificationError, match="no CA certificate"):
        load_trust([pki.seal_certificate])
    assert load_trust(pki.trust_anchors).key == load_trust(root_der).key


@pytest.mark.parametrize("name", ["root-ca", "5ad8a5d6.0", "root.cert", "ROOT.PEM"])
def test_a_trust_folder_reads_certificates_as_their_tools_name_them(
    tmp_path: Path, name: str
) -> None:
    """No suffix, as ``openssl rehash`` names them (a folder such as /etc/ssl/certs), .cert."""
    pki = ec_pki()
    (tmp_path / name).write_bytes(pki.root_certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "notes.txt").write_text("not read")
    assert verify(_seal(), trust=tmp_path).step(Step.SEAL).ok


def test_a_trust_folder_without_anchors_says_which_files_it_reads(tmp_path: Path) -> None:
    (tmp_path / "root.txt").write_bytes(ec_pki().root_certificate.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(VerificationError, match=r"no CA certificate .*\*\.pem.*without a suffix"):
        load_trust(tmp_path)


def test_verify_inside_a_running_event_loop() -> None:
    sealed = _seal()

    async def main() -> str:
        return verify(sealed, trust=ec_pki().trust_anchors).step(Step.SEAL).status.value

    assert asyncio.run(main()) == "OK"


def test_untrusted_tsa_is_a_warning() -> None:
    stranger = other_pki().timestamp_client()
    sealed = _seal(level="B-T", tsa=stranger)
    result = verify(sealed, trust=ec_pki().trust_anchors)
    assert result.step(Step.SEAL).ok
    assert any("time-stamping authority is not trusted" in w for w in result.warnings)


def _with_crl(sealed: bytes, revoked_at: datetime) -> bytes:
    pki = rsa_pki()
    crl = pki.crl(
        [(pki.seal_certificate, revoked_at)],
        this_update=max(revoked_at, NOW) + timedelta(minutes=1),
    )
    env = json.loads(sealed)
    inter = pki.intermediate_certificate
    assert inter is not None
    env["signatures"][0]["header"]["etsiU"] += [
        encode_etsiu_component(
            "xVals",
            [{"x509Cert": {"val": b64_encode(inter.public_bytes(serialization.Encoding.DER))}}],
        ),
        encode_etsiu_component("rVals", {"crlVals": [{"val": b64_encode(crl)}]}),
    ]
    return json.dumps(env).encode()


def test_revocation_after_the_signature_timestamp_does_not_matter() -> None:
    pki = rsa_pki()
    sealed = seal(credential(), pki.signer(), level="B-T", tsa=pki.timestamp_client())
    later = verify(_with_crl(sealed, NOW + timedelta(minutes=30)), trust=pki.trust_anchors)
    assert later.step(Step.SEAL).ok, later.step(Step.SEAL).reason
    assert later.level == "B-LT"
    assert "1 CRL" in later.step(Step.SEAL).detail["revocation"]
    before = verify(_with_crl(sealed, NOW - timedelta(hours=1)), trust=pki.trust_anchors)
    assert before.step(Step.SEAL).code == "certificate-revoked"


def test_required_revocation_data() -> None:
    result = verify(_seal(), trust=ec_pki().trust_anchors, revocation_mode="require")
    assert result.step(Step.SEAL).code == "revocation-unknown"


def test_timestamp_tokens() -> None:
    local = ec_pki().timestamp_client(clock=datetime(2024, 5, 1, 12, 0, tzinfo=UTC))
    digest = bytes(32)
    info = verify_token(local.timestamp(digest, "sha256"))
    assert info.gen_time == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert info.imprint == digest and info.imprint_algorithm == "sha256"
    assert info.tsa_certificate == ec_pki().tsa_certificate
    with pytest.raises(TimestampError) as err:
        verify_token(b"\x30\x03\x02\x01\x01")
    assert err.value.code == "timestamp-malformed"
    from elmkit.sealing._asn1 import TimeStampResp

    answer = TimeStampResp.load(local.respond(b"garbage"))
    assert answer["status"]["status"].native == "rejection"
    granted = TimeStampResp.load(local.respond(build_request(digest, "sha256", nonce=99)))
    assert granted["status"]["status"].native == "granted"
    token = granted["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
    assert token["nonce"].native == 99


def test_content_is_read_even_when_a_header_rule_fails() -> None:
    broken = resign(_seal(), ec_pki().signer(), header=lambda h: h.update(crit=[]))
    result = verify(broken, format_check=lambda d: [])
    assert result.step(Step.SEAL).code == "crit-empty"
    assert result.step(Step.FORMAT).ok
    assert result.credential is not None and result.credential["id"] == credential()["id"]


def test_importing_the_package_is_cheap() -> None:
    import subprocess
    import sys

    code = (
        "import sys, elmkit.sealing; "
        "heavy = [m for m in ('elmkit.sealing.sealer', 'elmkit.sealing.verifier', 'pyhanko_certvalidator', 'httpx') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_paths_with_dots_are_paths_and_unsigned_compact_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "credential.sealed.json").write_bytes(_seal())
    monkeypatch.chdir(tmp_path)
    assert verify("credential.sealed.json").step(Step.SEAL).code == "no-trust-anchors"
    header = b64url_encode(b'{"alg":"none","sigT":"2024-01-01T00:00:00Z"}')
    unsigned = f"{header}.{b64url_encode(b'{}')}."
    assert verify(unsigned).step(Step.SEAL).code == "alg-none"


def test_format_step_names_each_value_that_does_not_read() -> None:
    from elmkit.api import format_check
    from elmkit.api import verify as verify_credential

    doc = credential()
    doc["credentialSubject"]["givenName"] = {"en_GB": "Ana"}
    doc["credentialSubject"]["familyName"] = {"es": 5}
    problems = format_check(doc)
    by_path = dict(line.split(": ", 1) for line in problems)
    assert set(by_path) == {"/credentialSubject/givenName/en_GB", "/credentialSubject/familyName/es"}
    assert "'en_GB'" in by_path["/credentialSubject/givenName/en_GB"]
    result = verify_credential(_seal(doc), trust=ec_pki().trust_anchors)
    step = result.step(Step.FORMAT)
    assert step.status is CheckStatus.ERROR and step.code == "invalid"
    assert step.detail["problems"] == format_check(doc)
    assert all("problem(s) in ELM data" not in line for line in step.detail["problems"])
    assert result.step(Step.SEAL).ok


def test_a_byte_order_mark_before_the_envelope_is_read_past(tmp_path: Path) -> None:
    """Editors on Windows write a UTF-8 BOM; the signed payload is inside the envelope."""
    sealed = _seal()
    expected = verify(sealed, trust=ec_pki().trust_anchors)
    for data in (b"\xef\xbb\xbf" + sealed, "\ufeff" + sealed.decode("utf-8")):
        result = verify(data, trust=ec_pki().trust_anchors)
        assert result.step(Step.SEAL).ok, str(result)
        assert result.payload_bytes == expected.payload_bytes
    path = tmp_path / "sealed.json"
    path.write_bytes(b"\xef\xbb\xbf" + sealed)
    assert verify(path, trust=ec_pki().trust_anchors).step(Step.SEAL).ok


def test_an_expired_certificate_needs_a_timestamp_from_before_it_expired() -> None:
    """The claimed signing time is the signer's word: the key of an expired certificate can
    write any earlier one, so only a time-stamp proves the seal predates the expiry."""
    from elmkit.sealing import create_test_pki

    start = NOW - timedelta(days=400)
    pki = create_test_pki(key_type="ec", not_before=start)
    expired = pki.issue_seal(not_before=start, not_after=NOW - timedelta(days=1))
    signed = NOW - timedelta(days=10)
    backdated = seal(credential(), expired, signing_time=signed)
    result = verify(backdated, trust=pki.trust_anchors)
    step = result.step(Step.SEAL)
    assert step.code == "certificate-expired-no-timestamp", str(result)
    assert step.detail["integrity"] == "OK" and result.verdict == "failed"
    assert "no signature time-stamp proves" in step.reason
    earlier = verify(backdated, trust=pki.trust_anchors, at=NOW - timedelta(days=5))
    assert earlier.step(Step.SEAL).ok, str(earlier)  # judged before it expired, it holds
    loose = verify(backdated)
    assert loose.step(Step.SEAL).code == "no-trust-anchors"
    assert any("no signature time-stamp proves" in w for w in loose.warnings)
    stamped = seal(
        credential(), expired, signing_time=signed, level="B-T",
        tsa=pki.timestamp_client(clock=signed),
    )
    proven = verify(stamped, trust=pki.trust_anchors)
    assert proven.step(Step.SEAL).ok, str(proven)
