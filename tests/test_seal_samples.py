"""The real sealed samples (EC ELM v3 samples, EDC test files) verify: signature, headers,
time-stamp imprints, and the certificate chain at the signing time with the embedded CRL/OCSP."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from elmkit.checks import CheckStatus, Step
from elmkit.sealing import load_trust, parse_jws, verify
from elmkit.sealing._codec import b64url_decode
from test_seal_support import CERTS_DIR, SEALING_DIR, SIGNED_SAMPLES, ca_anchor_files

HEADERS_DIR = SEALING_DIR / "headers"


def _header_file(sample: Path) -> Path:
    prefix = "ec-elm-" if sample.name.startswith("Sample-") else "edci-"
    stem = sample.name.rsplit(".", 1)[0]
    return HEADERS_DIR / f"{prefix}{stem}.header.json"


@pytest.mark.parametrize("sample", SIGNED_SAMPLES, ids=lambda p: p.name)
def test_sample_verifies_with_chain_at_signing_time(sample: Path) -> None:
    result = verify(sample, trust=CERTS_DIR)
    seal = result.step(Step.SEAL)
    assert seal.status is CheckStatus.OK, seal.reason
    assert seal.detail["integrity"] == "OK"
    assert result.level == "B-LTA"
    assert len(seal.detail["chain"]) >= 2  # the seal certificate and its anchor
    assert "embedded" in seal.detail["revocation"]
    names = {t["name"] for t in seal.detail["timestamps"]}
    assert {"sigTst", "arcTst"} <= names
    # certificates were judged when the signature was time-stamped, not today
    assert result.timestamp_time is not None
    assert seal.detail["validatedAt"] == result.timestamp_time.isoformat()
    assert result.signer is not None and result.signer.not_after < datetime.now(UTC)
    assert result.step(Step.QUALIFIED).status is CheckStatus.OK


@pytest.mark.parametrize("sample", SIGNED_SAMPLES, ids=lambda p: p.name)
def test_sample_headers_and_payload_bytes(sample: Path) -> None:
    reference = json.loads(_header_file(sample).read_text(encoding="utf-8"))
    envelope = json.loads(sample.read_text(encoding="utf-8"))
    parsed = parse_jws(sample.read_bytes())
    assert parsed.serialization == "general"
    sig = parsed.signatures[0]
    assert (
        b64url_decode(sig.protected_b64).decode("utf-8") == reference["protected_header_raw_json"]
    )
    assert sig.protected == reference["protected_header"]
    result = verify(sample)
    # the exact stored payload, never re-serialized (the EDC test files keep CRLF and indentation)
    assert result.payload_bytes == envelope["payload"].encode("utf-8")
    assert result.signing_time == datetime.strptime(
        sig.protected["sigT"], "%Y-%m-%dT%H:%M:%SZ"
    ).replace(tzinfo=UTC)


@pytest.mark.parametrize("sample", SIGNED_SAMPLES, ids=lambda p: p.name)
def test_sample_without_trust_is_intact_but_only_partially_verified(sample: Path) -> None:
    result = verify(sample)
    seal = result.step(Step.SEAL)
    assert seal.status is CheckStatus.SKIPPED
    assert seal.code == "no-trust-anchors"
    assert seal.detail["integrity"] == "OK"
    assert result.verdict == "partially verified"
    assert result.step(Step.QUALIFIED).status is CheckStatus.SKIPPED


def test_only_ca_certificates_become_anchors() -> None:
    store = load_trust(CERTS_DIR)
    assert store.ignored > 0  # the seal and TSA certificates in the folder
    assert len(store) == len(ca_anchor_files())
    for sample in SIGNED_SAMPLES:
        assert verify(sample, trust=ca_anchor_files()).step(Step.SEAL).status is CheckStatus.OK


def test_unrelated_anchor_means_untrusted_chain() -> None:
    nowina_root = CERTS_DIR / "root-ca__44653083.pem"  # anchors the TSA, not the seal
    result = verify(SIGNED_SAMPLES[0], trust=nowina_root)
    seal = result.step(Step.SEAL)
    assert seal.status is CheckStatus.ERROR
    assert seal.code == "untrusted-chain"
    assert result.verdict == "failed"


def test_sample_credential_steps() -> None:
    result = verify(SIGNED_SAMPLES[0], trust=CERTS_DIR, holder="urn:epass:person:1")
    assert result.credential is not None
    assert result.credential["issuer"]["eIDASIdentifier"]["notation"] == "VATES-A00000000"
    assert result.step(Step.OWNER).status is CheckStatus.OK
    assert result.step(Step.VALIDITY).status is CheckStatus.OK
    assert result.step(Step.REVOCATION).code == "no-status"
    assert result.step(Step.FORMAT).code == "no-validator"
    assert result.verdict == "partially verified"
    with_format = verify(
        SIGNED_SAMPLES[0], trust=CERTS_DIR, holder="urn:epass:person:1", format_check=lambda d: []
    )
    assert with_format.step(Step.FORMAT).status is CheckStatus.OK


def test_tampered_sample_payload_is_detected() -> None:
    envelope = json.loads(SIGNED_SAMPLES[0].read_text(encoding="utf-8"))
    envelope["payload"] = envelope["payload"].replace("Ana", "Ane", 1)
    assert "Ane" in envelope["payload"]
    result = verify(json.dumps(envelope).encode(), trust=CERTS_DIR)
    assert result.step(Step.SEAL).code == "signature-invalid"
    # the same credential serialized differently (sorted keys, compact) is not what was sealed
    envelope = json.loads(SIGNED_SAMPLES[0].read_text(encoding="utf-8"))
    parsed = json.loads(envelope["payload"])
    envelope["payload"] = json.dumps(
        parsed, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    )
    assert verify(json.dumps(envelope).encode()).step(Step.SEAL).code == "signature-invalid"
