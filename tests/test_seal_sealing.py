"""Sealing: the EDC envelope and headers, what sealing completes, signers (PKCS#12, PEM, an
external device), ECDSA in JOSE form, B-T with real local time-stamping authorities."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from elmkit.checks import CheckStatus, Step
from elmkit.errors import SealError, SignerError
from elmkit.sealing import (
    HttpTimestampClient,
    KeySigner,
    create_test_pki,
    ecdsa_der_to_raw,
    seal,
    seal_file,
    signer_from_pem,
    signer_from_pkcs12,
    verify,
    verify_files,
)
from elmkit.sealing._codec import b64url_decode, b64url_encode, dumps_compact, dumps_envelope
from elmkit.sealing.jades import etsiu_components, parse_jws
from test_http_support import Exchange, scripted_server
from test_seal_support import (
    credential,
    decode_protected,
    ec_pki,
    local_server,
    mc_sample,
    other_pki,
    pyhanko_responder,
    rsa_pki,
    tsa_server,
)

SIGNING_TIME = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
EDC_HEADER_ORDER = ["alg", "cty", "kid", "x5t#S256", "x5c", "typ", "b64", "sigT", "crit"]


def _sealed(doc: Any = None, **kwargs: Any) -> dict[str, Any]:
    pki = kwargs.pop("pki", None) or rsa_pki()
    kwargs.setdefault("signing_time", SIGNING_TIME)
    out: dict[str, Any] = json.loads(
        seal(doc if doc is not None else credential(), pki.signer(), **kwargs)
    )
    return out


def test_envelope_and_protected_header_are_shaped_like_edc() -> None:
    from asn1crypto import cms

    pki = rsa_pki()
    env = _sealed(mc_sample())
    assert list(env) == ["payload", "signatures"]
    assert isinstance(env["payload"], str)
    assert len(env["signatures"]) == 1
    assert list(env["signatures"][0]) == ["protected", "header", "signature"]
    header = decode_protected(env)
    assert list(header) == EDC_HEADER_ORDER
    assert header["alg"] == "RS256"
    assert header["cty"] == "octet-stream"
    assert header["typ"] == "jose+json"
    assert header["b64"] is False
    assert header["crit"] == ["b64", "sigT"]
    assert header["sigT"] == SIGNING_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    leaf_der = pki.seal_certificate.public_bytes(serialization.Encoding.DER)
    assert header["x5t#S256"] == b64url_encode(hashlib.sha256(leaf_der).digest())
    # x5c: the chain without the root, standard base64
    assert [base64.b64decode(c) for c in header["x5c"]] == [
        c.public_bytes(serialization.Encoding.DER) for c in pki.chain
    ]
    # kid: standard base64 of the DER IssuerSerial
    issuer_serial = cms.IssuerSerial.load(base64.b64decode(header["kid"]))
    assert issuer_serial["serial"].native == pki.seal_certificate.serial_number
    from asn1crypto import x509 as asn1_x509

    assert issuer_serial["issuer"][0].chosen == asn1_x509.Certificate.load(leaf_der).issuer


def test_payload_is_the_compact_text_that_was_signed() -> None:
    doc = credential()
    raw = seal(doc, rsa_pki().signer(), signing_time=SIGNING_TIME, complete=False)
    env = json.loads(raw)
    assert env["payload"] == json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    assert "Ana Núñez" in raw.decode("utf-8")  # UTF-8 kept, not \u-escaped
    result = verify(raw, trust=rsa_pki().trust_anchors)
    assert result.payload_bytes == env["payload"].encode("utf-8")
    assert result.credential == doc
    assert result.verdict == "partially verified"  # FORMAT and REVOCATION are skipped
    assert result.step(Step.SEAL).status is CheckStatus.OK


def test_completion_adds_what_edc_adds() -> None:
    doc = credential()
    before = json.dumps(doc)
    env = _sealed(doc)
    assert json.dumps(doc) == before  # the caller's dict is not modified
    payload = json.loads(env["payload"])
    stamp = SIGNING_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert payload["issued"] == stamp
    assert payload["issuanceDate"] == stamp
    ident = payload["issuer"]["eIDASIdentifier"]
    assert re.fullmatch(r"urn:epass:legalIdentifier:[0-9a-f-]{36}", ident["id"])
    assert ident["type"] == "LegalIdentifier"
    assert ident["notation"] == "VATES-Q0000000J"
    assert ident["spatial"] == {
        "id": "http://publications.europa.eu/resource/authority/country/ESP",
        "type": "Concept",
        "inScheme": {
            "id": "http://publications.europa.eu/resource/authority/country",
            "type": "ConceptScheme",
        },
        "notation": "country",
        "prefLabel": {"en": "Spain"},
    }
    french = json.loads(_sealed(credential(), pki=ec_pki())["payload"])
    assert french["issuer"]["eIDASIdentifier"]["notation"] == "VATFR-12345678901"
    assert french["issuer"]["eIDASIdentifier"]["spatial"]["id"].endswith("/FRA")


def test_completion_keeps_existing_values() -> None:
    doc = credential()
    doc["issued"] = "2020-02-02T00:00:00Z"
    doc["issuer"]["eIDASIdentifier"] = {
        "id": "urn:x",
        "type": "LegalIdentifier",
        "notation": "VATES-Q0000000J",
    }
    payload = json.loads(_sealed(doc)["payload"])
    assert payload["issued"] == "2020-02-02T00:00:00Z"
    assert payload["issuanceDate"] == "2020-02-02T00:00:00Z"  # EDC gives both the same moment
    assert payload["issuer"]["eIDASIdentifier"]["id"] == "urn:x"
    untouched = json.loads(_sealed(credential(), complete=False)["payload"])
    assert untouched == credential()
    presentation = {"type": ["VerifiablePresentation"], "holder": "did:example:1"}
    assert json.loads(_sealed(presentation)["payload"]) == presentation


def test_a_seal_certificate_of_another_organisation_than_the_issuer_is_refused() -> None:
    doc = credential()
    doc["issuer"]["eIDASIdentifier"] = {
        "id": "urn:x", "type": "LegalIdentifier", "notation": "VATES-Q2500777D"
    }
    with pytest.raises(SealError) as caught:
        _sealed(doc)
    assert "VATES-Q2500777D" in str(caught.value) and "VATES-Q0000000J" in str(caught.value)
    assert "allow_other_sealer" in str(caught.value)
    # the caller may let another organisation seal: the seal is made, and verification says so
    pki = rsa_pki()
    sealed = seal(doc, pki.signer(), allow_other_sealer=True)
    result = verify(sealed, trust=pki.trust_anchors)
    assert result.step(Step.SEAL).status is CheckStatus.OK
    assert any("VATES-Q2500777D" in w and "VATES-Q0000000J" in w for w in result.warnings)
    # the same organisation (or an issuer without identifier, completed from the certificate)
    doc["issuer"]["eIDASIdentifier"]["notation"] = "VATES-Q0000000J"
    assert not verify(seal(doc, pki.signer()), trust=pki.trust_anchors).warnings
    assert not verify(seal(credential(), pki.signer()), trust=pki.trust_anchors).warnings


def test_pre_seal_check_sees_the_completed_credential_and_can_stop_sealing() -> None:
    seen: list[dict[str, Any]] = []

    def check(doc: dict[str, Any]) -> list[str]:
        seen.append(doc)
        return [] if "eIDASIdentifier" in doc["issuer"] else ["no eIDAS identifier"]

    _sealed(pre_seal_check=check)
    assert "issued" in seen[0]
    with pytest.raises(SealError, match="title missing; no subject"):
        seal(
            credential(),
            rsa_pki().signer(),
            pre_seal_check=lambda d: ["title missing", "no subject"],
        )


def test_pre_seal_check_returning_one_text_or_nothing() -> None:
    # one text is one problem (not a problem per letter); None is none
    with pytest.raises(SealError, match=r"not ready to seal: no subject$"):
        seal(credential(), rsa_pki().signer(), pre_seal_check=lambda d: "no subject")
    env = _sealed(pre_seal_check=lambda d: None)
    assert verify(json.dumps(env).encode(), trust=rsa_pki().trust_anchors).step(Step.SEAL).ok
    with pytest.raises(SealError, match="pre_seal_check must return a list of problems"):
        seal(credential(), rsa_pki().signer(), pre_seal_check=lambda d: 1)  # type: ignore[arg-type,return-value]


class _Model:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def to_jsonld(self) -> dict[str, Any]:
        return self.data


def test_credential_inputs() -> None:
    doc = credential()
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    payloads = {
        json.loads(_sealed(item, complete=False)["payload"]).__repr__()
        for item in (doc, text, text.encode("utf-8"), _Model(doc))
    }
    assert len(payloads) == 1
    for bad in ('{"a": 1, "a": 2}', "[1, 2]", "{not json", b"\xff\xfe"):
        with pytest.raises(SealError):
            seal(bad, rsa_pki().signer())
    with pytest.raises(SealError):
        seal(42, rsa_pki().signer())  # type: ignore[arg-type]


def test_option_errors() -> None:
    signer = rsa_pki().signer()
    with pytest.raises(SealError, match="timezone"):
        seal(credential(), signer, signing_time=datetime(2024, 1, 1))
    with pytest.raises(SealError, match="level"):
        seal(credential(), signer, level="B-LTA")  # type: ignore[arg-type]
    with pytest.raises(SealError, match="time-stamping authority"):
        seal(credential(), signer, level="B-T")
    with pytest.raises(SealError, match="needs an EC key"):
        seal(credential(), signer, algorithm="ES256")
    with pytest.raises(SealError, match="not supported"):
        seal(credential(), signer, algorithm="HS256")
    with pytest.raises(SealError, match="not valid at"):
        seal(credential(), signer, signing_time=datetime(2001, 1, 1, tzinfo=UTC))


def test_a_cty_that_is_no_string_is_refused_rather_than_sealed() -> None:
    # verifiers refuse such a header (cty-type): the seal would never verify
    for cty in (None, 1, ["json"]):
        with pytest.raises(SealError, match="cty must be a string"):
            seal(credential(), rsa_pki().signer(), cty=cty)  # type: ignore[arg-type]
    env = _sealed(cty="json")
    assert decode_protected(env)["cty"] == "json"
    assert verify(json.dumps(env).encode(), trust=rsa_pki().trust_anchors).step(Step.SEAL).ok


def test_iat_time_header() -> None:
    env = _sealed(time_header="iat")
    header = decode_protected(env)
    assert header["iat"] == int(SIGNING_TIME.timestamp())
    assert "sigT" not in header
    assert header["crit"] == ["b64"]
    result = verify(json.dumps(env).encode(), trust=rsa_pki().trust_anchors)
    assert result.step(Step.SEAL).status is CheckStatus.OK
    assert result.signing_time == SIGNING_TIME


def test_pss_and_es384() -> None:
    env = _sealed(algorithm="PS256")
    assert decode_protected(env)["alg"] == "PS256"
    assert verify(json.dumps(env).encode(), trust=rsa_pki().trust_anchors).step(Step.SEAL).ok
    p384 = create_test_pki(key_type="ec", ec_curve="P-384", intermediate=False)
    env = json.loads(seal(credential(), p384.signer()))
    assert decode_protected(env)["alg"] == "ES384"
    assert len(b64url_decode(env["signatures"][0]["signature"])) == 96
    assert verify(json.dumps(env).encode(), trust=p384.trust_anchors).step(Step.SEAL).ok


def test_es256_signature_is_raw_r_s_not_der() -> None:
    pki = ec_pki()
    env = _sealed(pki=pki)
    assert decode_protected(env)["alg"] == "ES256"
    signature = b64url_decode(env["signatures"][0]["signature"])
    assert len(signature) == 64
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    data = env["signatures"][0]["protected"].encode("ascii") + b"." + env["payload"].encode("utf-8")
    key = pki.seal_certificate.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
    assert verify(json.dumps(env).encode(), trust=pki.trust_anchors).step(Step.SEAL).ok


def test_pkcs12_signer(tmp_path: Path) -> None:
    pki = rsa_pki()
    path = pki.write_pkcs12(tmp_path / "seal.p12", "s3cret")
    signer = signer_from_pkcs12(path, "s3cret")
    assert signer.certificate_chain[0] == pki.seal_certificate
    assert list(signer.certificate_chain) == pki.chain
    sealed = seal(credential(), signer)
    assert verify(sealed, trust=pki.trust_anchors).step(Step.SEAL).ok
    assert KeySigner.from_pkcs12(pki.pkcs12_bytes(), None).algorithm == "RS256"
    with pytest.raises(SealError, match=r"PKCS#12 data \(wrong password"):
        signer_from_pkcs12(path, "wrong")
    with pytest.raises(SealError, match=r"PKCS#12 data \(no password given"):
        signer_from_pkcs12(path)
    with pytest.raises(SealError, match="cannot read"):
        signer_from_pkcs12(tmp_path / "missing.p12", "s3cret")
    # the password as bytes, as the readers take it and cryptography's own functions want it
    as_bytes = pki.write_pkcs12(tmp_path / "bytes.p12", b"s3cret")
    assert signer_from_pkcs12(as_bytes, "s3cret").certificate_chain[0] == pki.seal_certificate
    files = pki.write_pem(tmp_path / "pem", password=b"pw")
    assert signer_from_pem(files["key"], files["chain"], b"pw").certificate_chain[0] == pki.seal_certificate
    with pytest.raises(SealError, match="text or bytes"):
        pki.pkcs12_bytes(123)  # type: ignore[arg-type]


def test_pem_signer(tmp_path: Path) -> None:
    pki = ec_pki()
    files = pki.write_pem(tmp_path, password="pw")
    assert files["key"].read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    signer = signer_from_pem(files["key"], files["chain"], "pw")
    assert list(signer.certificate_chain) == pki.chain
    sealed = seal(credential(), signer)
    assert verify(sealed, trust=files["root"]).step(Step.SEAL).ok
    # the leaf is found by its key whatever the order of the PEM certificates
    reversed_chain = b"".join(
        c.public_bytes(serialization.Encoding.PEM) for c in reversed(pki.chain)
    )
    assert (
        signer_from_pem(files["key"].read_bytes(), reversed_chain, "pw").certificate_chain[0]
        == pki.seal_certificate
    )
    with pytest.raises(SealError, match="matches the private key"):
        signer_from_pem(
            files["key"],
            other_pki().root_certificate.public_bytes(serialization.Encoding.PEM),
            "pw",
        )


def test_pem_chain_with_a_certificate_renewed_on_the_same_key_seals_with_the_valid_one() -> None:
    # a certificate renewed without a new key, the expired one left first in the chain file
    pki = ec_pki()
    now = datetime.now(UTC)
    expired = (
        x509.CertificateBuilder()
        .subject_name(pki.seal_certificate.subject)
        .issuer_name(pki.issuing_certificate.subject)
        .public_key(pki.seal_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=800))
        .not_valid_after(now - timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(pki.issuing_key, hashes.SHA256())
    )
    pem = b"".join(
        c.public_bytes(serialization.Encoding.PEM) for c in (expired, *pki.chain)
    )
    key = pki.seal_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    signer = signer_from_pem(key, pem)
    assert signer.certificate_chain[0] == pki.seal_certificate
    sealed = seal(credential(), signer)
    assert verify(sealed, trust=pki.trust_anchors).step(Step.SEAL).ok
    x5c = decode_protected(json.loads(sealed))["x5c"]
    assert len(x5c) == len(pki.chain)
    # only the expired one: it is the seal certificate, and sealing says it is not valid
    only_expired = expired.public_bytes(serialization.Encoding.PEM)
    with pytest.raises(SealError, match="not valid at"):
        seal(credential(), signer_from_pem(key, only_expired))


class _Device:
    """A stand-in for an HSM or remote signing service: only ``sign`` touches the key."""

    def __init__(
        self, key: ec.EllipticCurvePrivateKey, chain: list[x509.Certificate], der: bool
    ) -> None:
        self._key = key
        self._chain = chain
        self._der = der
        self.calls = 0

    @property
    def certificate_chain(self) -> list[x509.Certificate]:
        return self._chain

    @property
    def algorithm(self) -> str:
        return "ES256"

    def sign(self, data: bytes) -> bytes:
        self.calls += 1
        der = self._key.sign(data, ec.ECDSA(hashes.SHA256()))
        return der if self._der else ecdsa_der_to_raw(der, "ES256")


def test_external_signer_protocol() -> None:
    pki = ec_pki()
    key = pki.seal_key
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    device = _Device(key, pki.chain, der=False)
    sealed = seal(credential(), device)
    assert device.calls == 1
    assert verify(sealed, trust=pki.trust_anchors).step(Step.SEAL).ok
    with pytest.raises(SealError, match="ecdsa_der_to_raw"):
        seal(credential(), _Device(key, pki.chain, der=True))
    wrong = other_pki().seal_key
    assert isinstance(wrong, ec.EllipticCurvePrivateKey)
    with pytest.raises(SealError, match="does not verify"):
        seal(credential(), _Device(wrong, pki.chain, der=False))


class _RsaDevice:
    """An RSA signing service that pads as it is told (``PSS.MAX_LENGTH`` salts are common)."""

    def __init__(self, key: rsa.RSAPrivateKey, chain: list[x509.Certificate], alg: str,
                 pad: padding.AsymmetricPadding) -> None:
        self._key, self._chain, self._alg, self._pad = key, chain, alg, pad

    @property
    def certificate_chain(self) -> list[x509.Certificate]:
        return self._chain

    @property
    def algorithm(self) -> str:
        return self._alg

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data, self._pad, hashes.SHA256())


def test_a_signature_that_does_not_verify_is_explained_for_its_algorithm() -> None:
    pki = rsa_pki()
    key = pki.seal_key
    assert isinstance(key, rsa.RSAPrivateKey)
    jose_pss = padding.PSS(padding.MGF1(hashes.SHA256()), 32)
    max_salt = padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.MAX_LENGTH)
    sealed = seal(credential(), _RsaDevice(key, pki.chain, "PS256", jose_pss))
    assert verify(sealed, trust=pki.trust_anchors).step(Step.SEAL).ok
    with pytest.raises(SealError, match="not RSASSA-PSS with SHA-256, MGF1 SHA-256 and a 32-byte salt"):
        seal(credential(), _RsaDevice(key, pki.chain, "PS256", max_salt))
    with pytest.raises(SealError, match="not RSASSA-PKCS1-v1_5 with SHA-256"):
        seal(credential(), _RsaDevice(key, pki.chain, "RS256", jose_pss))
    ec_key = ec_pki().seal_key
    assert isinstance(ec_key, ec.EllipticCurvePrivateKey)
    with pytest.raises(SealError, match=r"not the 64-byte r \|\| s JOSE wants \(7[0-2] bytes given\)"):
        seal(credential(), _Device(ec_key, ec_pki().chain, der=True))


def test_ecdsa_der_to_raw_refuses_what_it_cannot_convert_with_seal_error() -> None:
    key = ec.generate_private_key(ec.SECP521R1())
    der = key.sign(b"signing input", ec.ECDSA(hashes.SHA512()))
    raw = ecdsa_der_to_raw(der, "ES512")
    assert len(raw) == 132
    # a device that returns r || s already (PKCS#11 CKM_ECDSA), converted again
    with pytest.raises(SealError, match=r"not DER: a device that returns r \|\| s already \(132 bytes"):
        ecdsa_der_to_raw(raw, "ES512")
    with pytest.raises(SealError, match="too large for ES256"):
        ecdsa_der_to_raw(der, "ES256")
    for alg in ("RS256", "es512"):
        with pytest.raises(SealError, match="no JOSE ECDSA algorithm"):
            ecdsa_der_to_raw(der, alg)
    with pytest.raises(SealError, match="must be bytes"):
        ecdsa_der_to_raw(None, "ES512")  # type: ignore[arg-type]


def test_an_external_signer_whose_chain_starts_with_an_issuer_is_told_so() -> None:
    # the refusal names the order, not the CA certificate, algorithm or signature it leads to
    pki = ec_pki()
    key = pki.seal_key
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    leaf, intermediate = pki.chain
    for chain, position in (([intermediate, leaf], 2), ([pki.root_certificate, intermediate, leaf], 3)):
        device = _Device(key, chain, der=False)
        with pytest.raises(SealError, match=rf"starts with the CA certificate .*position {position}\) first"):
            seal(credential(), device)
        assert device.calls == 0
    with pytest.raises(SealError, match=r"the seal certificate is a CA certificate \(CN="):
        seal(credential(), _Device(key, [intermediate, pki.root_certificate], der=False))


def test_sealing_refuses_unfit_certificates() -> None:
    pki = ec_pki()
    now = datetime.now(UTC)
    expired = pki.issue_seal(not_before=now - timedelta(days=30), not_after=now - timedelta(days=1))
    with pytest.raises(SealError, match="not valid at"):
        seal(credential(), expired)
    with pytest.raises(SealError, match="CA certificate"):
        seal(credential(), pki.issue_seal(ca=True))
    with pytest.raises(SealError, match="keyUsage"):
        seal(credential(), pki.issue_seal(key_usage=["key_agreement"]))


def test_b_t_with_in_process_tsa() -> None:
    pki = rsa_pki()
    env = _sealed(mc_sample(), level="B-T", tsa=pki.timestamp_client())
    sig = env["signatures"][0]
    assert list(sig["header"]) == ["etsiU"]
    components = etsiu_components(parse_jws(json.dumps(env)).signatures[0])
    assert [c.name for c in components] == ["sigTst"]
    assert isinstance(sig["header"]["etsiU"][0], str)  # base64url JSON, as EDC writes it
    result = verify(json.dumps(env).encode(), trust=pki.trust_anchors)
    assert result.step(Step.SEAL).ok, result.step(Step.SEAL).reason
    assert result.level == "B-T"
    assert result.timestamp_time is not None and result.timestamp_time >= SIGNING_TIME
    assert not result.warnings  # the TSA chains to the trusted root too


def test_b_t_over_http_with_pyhanko_test_tsa() -> None:
    pki = rsa_pki()
    with tsa_server(pyhanko_responder(pki)) as url:
        sealed = seal(mc_sample(), pki.signer(), level="B-T", tsa=url)
    result = verify(sealed, trust=pki.trust_anchors)
    seal_step = result.step(Step.SEAL)
    assert seal_step.ok, seal_step.reason
    assert [t["name"] for t in seal_step.detail["timestamps"]] == ["sigTst"]
    assert seal_step.detail["timestamps"][0]["policy"] == "1.3.6.1.4.1.4146.2.2"  # pyhanko's TSA
    assert not result.warnings


def test_b_t_over_http_with_elmkit_responder() -> None:
    pki = ec_pki()
    local = pki.timestamp_client()
    with tsa_server(local.respond) as url:
        sealed = seal(
            credential(), pki.signer(), level="B-T", tsa=HttpTimestampClient(url, timeout=5)
        )
    assert verify(sealed, trust=pki.trust_anchors).step(Step.SEAL).ok


def test_http_tsa_failures() -> None:
    pki = ec_pki()
    local = pki.timestamp_client()

    def other_imprint(body: bytes) -> bytes:
        from asn1crypto import tsp

        req = tsp.TimeStampReq.load(body)
        req["message_imprint"]["hashed_message"] = hashlib.sha256(b"something else").digest()
        return local.respond(req.dump(force=True))

    with (
        tsa_server(other_imprint) as url,
        pytest.raises(SealError, match="another message imprint"),
    ):
        seal(credential(), pki.signer(), level="B-T", tsa=url)
    with (
        tsa_server(lambda body: local.respond(b"garbage")) as url,
        pytest.raises(SealError, match="refused"),
    ):
        seal(credential(), pki.signer(), level="B-T", tsa=url)
    with tsa_server(lambda body: b"not asn.1") as url, pytest.raises(SealError, match="RFC 3161"):
        seal(credential(), pki.signer(), level="B-T", tsa=url)
    with tsa_server(lambda body: b"") as url:
        closed = url
    with pytest.raises(SealError, match="cannot reach"):
        seal(credential(), pki.signer(), level="B-T", tsa=HttpTimestampClient(closed, timeout=2))
    with pytest.raises(SealError, match="http"):
        HttpTimestampClient("ftp://example.org/tsa")


class _FailingDevice:
    """A signing device whose ``failing`` member raises ``error`` (a device unplugged, a remote
    service down, a PIN refused)."""

    def __init__(self, pki: Any, failing: str, error: BaseException) -> None:
        self._signer, self._failing, self._error = pki.signer(), failing, error

    @property
    def certificate_chain(self) -> list[x509.Certificate]:
        if self._failing == "certificate_chain":
            raise self._error
        return list(self._signer.certificate_chain)

    @property
    def algorithm(self) -> str:
        if self._failing == "algorithm":
            raise self._error
        return str(self._signer.algorithm)

    def sign(self, data: bytes) -> bytes:
        if self._failing == "sign":
            raise self._error
        return bytes(self._signer.sign(data))


@pytest.mark.parametrize("failing", ["certificate_chain", "algorithm", "sign"])
def test_a_signer_that_raises_is_a_signer_error_that_keeps_its_cause(failing: str) -> None:
    pki = ec_pki()
    unplugged = OSError(19, "No such device")
    with pytest.raises(SignerError, match=r"failed: OSError: \[Errno 19\] No such device") as caught:
        seal(credential(), _FailingDevice(pki, failing, unplugged))
    assert caught.value.__cause__ is unplugged and isinstance(caught.value, SealError)
    # elmkit's own errors keep their words, typed as the signer's failure
    refused = SealError("the PIN was refused")
    with pytest.raises(SignerError, match=r"^the PIN was refused$") as caught:
        seal(credential(), _FailingDevice(pki, failing, refused))
    assert caught.value.__cause__ is refused
    # an interruption is no failure of the signer
    with pytest.raises(KeyboardInterrupt):
        seal(credential(), _FailingDevice(pki, failing, KeyboardInterrupt()))


def test_a_signing_time_still_to_come_is_refused() -> None:
    # verifiers refuse it (signing-time-in-future); a few minutes of clock skew are allowed
    soon = datetime.now(UTC) + timedelta(minutes=2)
    sealed = seal(credential(), ec_pki().signer(), signing_time=soon)
    assert verify(sealed, trust=ec_pki().trust_anchors).step(Step.SEAL).ok
    with pytest.raises(SealError, match="is still to come"):
        seal(credential(), ec_pki().signer(), signing_time=datetime.now(UTC) + timedelta(hours=1))


def test_a_signer_whose_certificate_is_unfit_or_whose_answer_is_unusable_is_a_signer_error() -> None:
    pki = ec_pki()
    expired = create_test_pki(key_type="ec", not_before=SIGNING_TIME - timedelta(days=30), valid_days=10)
    with pytest.raises(SignerError, match="the seal certificate is not valid at"):
        seal(credential(), expired.signer(), signing_time=SIGNING_TIME)

    class Answers:
        certificate_chain = pki.chain
        algorithm = "ES256"

        def __init__(self, answer: object) -> None:
            self.answer = answer

        def sign(self, data: bytes) -> object:
            return self.answer

    with pytest.raises(SignerError, match="must return bytes, not str"):
        seal(credential(), Answers("signature"))  # type: ignore[arg-type]
    with pytest.raises(SignerError, match="does not verify"):
        seal(credential(), Answers(bytes(64)))  # type: ignore[arg-type]


def test_a_time_stamping_authority_that_fails_is_a_signer_error() -> None:
    pki = ec_pki()

    class Down:
        def timestamp(self, digest: bytes, algorithm: str) -> bytes:
            raise ConnectionResetError(104, "Connection reset by peer")

    with pytest.raises(SignerError, match="the time-stamping authority failed: ConnectionResetError"):
        seal(credential(), pki.signer(), level="B-T", tsa=Down())
    with tsa_server(lambda body: b"") as url:
        closed = url
    with pytest.raises(SignerError, match="cannot reach the TSA"):
        seal(credential(), pki.signer(), level="B-T", tsa=HttpTimestampClient(closed, timeout=2))
    with tsa_server(lambda body: b"not asn.1") as url, pytest.raises(SignerError, match="RFC 3161"):
        seal(credential(), pki.signer(), level="B-T", tsa=url)


def test_a_tsa_password_in_its_url_is_not_shown_in_errors() -> None:
    # the command line gives a TSA's basic authentication in the URL: messages go to logs
    pki = ec_pki()
    with tsa_server(lambda body: b"") as url:
        closed = url.replace("http://", "http://registrar:s3cr3t-pw@")
    with pytest.raises(SealError, match=r"cannot reach the TSA at http://registrar:\*\*\*@127\.0\.0\.1") as caught:
        seal(credential(), pki.signer(), level="B-T", tsa=HttpTimestampClient(closed, timeout=2))
    assert "s3cr3t-pw" not in str(caught.value)
    for bad in ("ftp://registrar:s3cr3t-pw@example.org/tsa", "http://registrar:s3cr3t-pw@[::1/tsa"):
        with pytest.raises(SealError, match=r"registrar:\*\*\*@") as caught:
            HttpTimestampClient(bad)
        assert "s3cr3t-pw" not in str(caught.value)
    # a password (or a user name) holding what a URL must escape is hidden all the same
    for bad in ("https://registrar:s3cr/3t-pw@example.org/tsa", "https://regis@trar:s3cr3t-pw@[::1/tsa"):
        with pytest.raises(SealError) as caught:
            HttpTimestampClient(bad).timestamp(b"\0" * 32, "sha256")
        assert "s3cr" not in str(caught.value) and ":***@" in str(caught.value)


def test_seal_file_and_verify_files(tmp_path: Path) -> None:
    pki = ec_pki()
    source = tmp_path / "credential.json"
    source.write_text(json.dumps(credential(), ensure_ascii=False), encoding="utf-8")
    target = seal_file(source, tmp_path / "out" / "credential-sealed.json", pki.signer())
    assert target.exists()
    assert [p.name for p in target.parent.iterdir()] == [
        "credential-sealed.json"
    ]  # no temp files left
    results = verify_files([target, tmp_path / "missing.json"], trust=pki.trust_anchors)
    assert results[0][1].step(Step.SEAL).ok
    assert results[1][1].verdict == "failed"
    assert results[1][1].step(Step.SEAL).code == "unreadable"
    with pytest.raises(SealError, match="cannot read"):
        seal_file(tmp_path / "missing.json", tmp_path / "x.json", pki.signer())


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_seal_file_writes_a_sealed_file_others_can_read_as_elmkit_seal_does(tmp_path: Path) -> None:
    # the sealed credential is a document to deliver, not a key: 0644, not the temporary file's 0600
    source = tmp_path / "credential.json"
    source.write_text(json.dumps(credential(), ensure_ascii=False), encoding="utf-8")
    target = seal_file(source, tmp_path / "sealed.json", ec_pki().signer())
    assert target.stat().st_mode & 0o777 == 0o644
    key_file = rsa_pki().write_pkcs12(tmp_path / "keys" / "seal.p12", password="secret")
    assert key_file.stat().st_mode & 0o777 == 0o600
    (tmp_path / "folder.json").mkdir()
    with pytest.raises(SealError, match=r"cannot write .*folder\.json: a folder is in the way"):
        seal_file(source, tmp_path / "folder.json", ec_pki().signer())
    before = source.read_bytes()
    with pytest.raises(SealError, match="is the credential to seal"):  # it replaced it
        seal_file(source, tmp_path / "." / "credential.json", ec_pki().signer())
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "credential.json", "folder.json", "keys", "sealed.json"
    ]


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_files_written_whole_take_the_umask_as_files_opened_for_writing_do(tmp_path: Path) -> None:
    """A server whose umask is 027 keeps sealed credentials and exports from other users."""
    from elmkit.microcredentials.files import atomic_write

    source = tmp_path / "credential.json"
    source.write_text(json.dumps(credential(), ensure_ascii=False), encoding="utf-8")
    before = os.umask(0o027)
    try:
        seal_file(source, tmp_path / "sealed.json", ec_pki().signer())
        atomic_write(tmp_path / "export.csv", b"credential_id\r\n")
        with open(tmp_path / "opened.csv", "wb"):
            pass
    finally:
        os.umask(before)
    modes = {path.name: path.stat().st_mode & 0o777 for path in tmp_path.iterdir()}
    assert modes["sealed.json"] == modes["export.csv"] == modes["opened.csv"] == 0o640


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@given(_json_values, st.sampled_from([{}, {"etsiU": ["eyJ4IjoxfQ"]}]))
def test_envelope_equals_json_dumps(value: Any, header: dict[str, Any]) -> None:
    text = dumps_compact(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates: sealing refuses them
    envelope = {
        "payload": text,
        "signatures": [{"protected": "eyJhbGciOiJSUzI1NiJ9", "header": header, "signature": "c2ln"}],
    }
    written = dumps_envelope(text, "eyJhbGciOiJSUzI1NiJ9", header, "c2ln")
    assert written == dumps_compact(envelope).encode("utf-8")


@given(st.binary(max_size=200))
def test_b64url_round_trip(data: bytes) -> None:
    encoded = b64url_encode(data)
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    assert b64url_decode(encoded) == data


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(st.text(min_size=1), _json_values, max_size=5))
def test_any_credential_round_trips(extra: dict[str, Any]) -> None:
    doc = {**credential(), **{f"x-{k}": v for k, v in extra.items()}}
    try:
        sealed = seal(doc, ec_pki().signer(), complete=False)
    except SealError:
        return  # text that is not valid Unicode cannot be sealed
    result = verify(sealed, trust=ec_pki().trust_anchors)
    assert result.step(Step.SEAL).ok
    assert result.credential == doc


def test_arguments_of_the_wrong_kind_are_typed_errors() -> None:
    from elmkit.errors import VerificationError
    from elmkit.sealing import verify

    doc = credential()
    with pytest.raises(SealError, match="NoneType is not a signer"):
        seal(doc, None)  # type: ignore[arg-type]
    with pytest.raises(SealError, match="timezone-aware datetime, not '2020'"):
        seal(doc, ec_pki().signer(), signing_time="2020")  # type: ignore[arg-type]
    with pytest.raises(VerificationError, match="timezone-aware datetime, not '2020'"):
        verify(seal(doc, ec_pki().signer()), at="2020")  # type: ignore[arg-type]
    for days in (0, -5, 1.5, True):
        with pytest.raises(SealError, match="valid_days must be a whole number of days"):
            create_test_pki(key_type="ec", valid_days=days)  # type: ignore[arg-type]


# --- what sealing refuses rather than produce a seal verifiers would refuse -----------------


def test_a_sealed_document_is_not_sealed_again() -> None:
    pki = ec_pki()
    sealed = seal(credential(), pki.signer())
    for document in (sealed, json.loads(sealed), sealed.decode("utf-8")):
        with pytest.raises(SealError, match="sealed document already"):
            seal(document, pki.signer())


def test_a_time_stamp_that_contradicts_the_signing_time_or_the_certificate_is_refused() -> None:
    pki = rsa_pki()
    now = datetime.now(UTC).replace(microsecond=0)
    behind = pki.timestamp_client(clock=now - timedelta(hours=1))
    with pytest.raises(SealError, match="before the signing time"):
        seal(credential(), pki.signer(), level="B-T", tsa=behind)
    with pytest.raises(SealError, match="level B-T only"):
        seal(credential(), pki.signer(), tsa=pki.timestamp_client())


def test_every_certificate_of_the_chain_must_be_valid_at_the_signing_time() -> None:
    pki = ec_pki()
    now = datetime.now(UTC).replace(microsecond=0)
    old = pki.issue_seal(not_before=now - timedelta(days=30), not_after=now + timedelta(days=30))
    ca = pki.issuing_certificate.subject.rfc4514_string()
    with pytest.raises(
        SealError,
        match=re.escape(f"certificate 2 of the seal's chain (the seal certificate's issuer, {ca}) is not valid"),
    ):
        seal(credential(), old, signing_time=now - timedelta(days=20))  # before its CA existed


def test_member_names_that_are_not_text_are_refused() -> None:
    doc = credential()
    doc["credentialSubject"] = {**doc["credentialSubject"], 1: "a", "1": "b"}
    with pytest.raises(SealError, match="member names must be text, not int 1"):
        seal(doc, ec_pki().signer())


def test_a_key_signer_subclass_that_signs_wrongly_is_caught() -> None:
    pki = rsa_pki()
    base = pki.signer()

    class Broken(KeySigner):
        def sign(self, data: Any) -> bytes:
            return b"\0" * 256

    broken = Broken(pki.seal_key, base.certificate_chain)
    with pytest.raises(SealError, match="does not verify with its certificate"):
        seal(credential(), broken)


def test_x5c_holds_the_path_of_the_seal_certificate_only() -> None:
    pki = rsa_pki()
    chain = list(pki.signer().certificate_chain)
    with_tsa = KeySigner(pki.seal_key, [chain[0], pki.tsa_certificate, *chain[1:]])
    x5c = decode_protected(json.loads(seal(credential(), with_tsa)))["x5c"]
    assert x5c == decode_protected(json.loads(seal(credential(), pki.signer())))["x5c"]
    assert base64.b64decode(x5c[0]) == chain[0].public_bytes(serialization.Encoding.DER)
    tsa_der = pki.tsa_certificate.public_bytes(serialization.Encoding.DER)
    assert all(base64.b64decode(item) != tsa_der for item in x5c)


def test_x5c_takes_the_intermediate_whose_key_issued_the_seal_certificate() -> None:
    # a CA renewed with a new key keeps its name: a bag holding both intermediates (the
    # retired one first) must put the one that signed the seal certificate into x5c
    pki = rsa_pki()
    chain = list(pki.signer().certificate_chain)
    intermediate = chain[1]
    retired_key = ec.generate_private_key(ec.SECP256R1())
    retired = (
        x509.CertificateBuilder()
        .subject_name(intermediate.subject)
        .issuer_name(pki.root_certificate.subject)
        .public_key(retired_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(intermediate.not_valid_before_utc)
        .not_valid_after(intermediate.not_valid_after_utc)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(pki.root_key, hashes.SHA256())
    )
    bag = KeySigner(pki.seal_key, [chain[0], retired, intermediate, pki.root_certificate])
    assert bag.certificate_chain[1] == intermediate
    sealed = seal(credential(), bag, signing_time=SIGNING_TIME)
    x5c = decode_protected(json.loads(sealed))["x5c"]
    assert [base64.b64decode(item) for item in x5c] == [
        cert.public_bytes(serialization.Encoding.DER) for cert in chain
    ]
    assert verify(sealed, trust=pki.trust_anchors).step(Step.SEAL).ok


def test_issued_and_issuance_date_are_the_same_moment() -> None:
    doc = credential()
    doc["issuanceDate"] = "2021-03-04T05:06:07Z"
    payload = json.loads(json.loads(seal(doc, ec_pki().signer()))["payload"])
    assert payload["issued"] == payload["issuanceDate"] == "2021-03-04T05:06:07Z"


def _serve(handle: Any) -> Any:
    """A local HTTP server whose POST handler is ``handle(request_handler)``; yields its URL."""
    from http.server import BaseHTTPRequestHandler

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            handle(self)

        def log_message(self, *args: Any) -> None:
            return None

    return local_server(Handler)


def test_a_tsa_that_trickles_or_floods_is_given_up_on() -> None:
    import time as clock

    def trickle(handler: Any) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/timestamp-reply")
        handler.end_headers()
        for _ in range(40):
            try:
                handler.wfile.write(b"\0")
                handler.wfile.flush()
            except OSError:
                return
            clock.sleep(0.1)

    def flood(handler: Any) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(3_000_000))
        handler.end_headers()
        try:
            handler.wfile.write(b"\0" * 3_000_000)
        except OSError:
            return

    pki = ec_pki()
    with _serve(trickle) as url, pytest.raises(SealError, match="no complete answer in 1 s"):
        seal(credential(), pki.signer(), level="B-T", tsa=HttpTimestampClient(url, timeout=1))
    with _serve(flood) as url, pytest.raises(SealError, match="more than 1,000,000 bytes"):
        seal(credential(), pki.signer(), level="B-T", tsa=url)
    with pytest.raises(SealError, match="not a valid URL"):
        HttpTimestampClient("http://[::1")


def _tsa_stalls_after_a_late_byte(exchange: Exchange) -> None:
    """Headers and a byte at once, another byte halfway to the deadline (0.5 s), then nothing
    until the server's mark at 0.75 s: a client that gives each read the whole timeout waits
    past the deadline for the next byte, and then says it cannot reach the TSA."""
    exchange.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\n"
        b"Content-Length: 2000\r\n\r\n\0"
    )
    if not exchange.hold(0.25):
        exchange.send(b"\0")
        exchange.hold(0.75)


def _tsa_trickles_headers(exchange: Exchange) -> None:
    """A header a byte every 0.05 s until the server's mark at 0.75 s: each read of the
    headers is answered in time, the headers never end."""
    exchange.send(b"HTTP/1.1 200 OK\r\nX-Padding: ")
    for tick in range(1, 16):
        if exchange.hold(tick * 0.05):
            return
        exchange.send(b"a")


@pytest.mark.parametrize("stall", [_tsa_stalls_after_a_late_byte, _tsa_trickles_headers])
def test_a_tsa_that_stalls_just_before_the_deadline_is_given_up_on_at_the_deadline(
    stall: Any,
) -> None:
    pki = ec_pki()
    with scripted_server(stall, path="/tsa") as server:
        with pytest.raises(SignerError, match=r"^the TSA at .* gave no complete answer in 0.5 s$"):
            seal(credential(), pki.signer(), level="B-T", tsa=HttpTimestampClient(server.url, timeout=0.5))
        # the server saw the client hang up before its mark, half a timeout after the deadline
        assert server.exchange().client_left
    assert not [thread for thread in threading.enumerate() if isinstance(thread, threading.Timer)]


def test_a_credential_file_is_sealed_as_its_bytes(tmp_path: Path) -> None:
    """A path (or text naming a file) is read, as verify reads one; JSON text stays text."""
    import json
    from datetime import UTC, datetime

    pki = rsa_pki()
    moment = datetime.now(UTC).replace(microsecond=0)
    path = tmp_path / "credential.jsonld"
    path.write_text(json.dumps(credential()), encoding="utf-8")
    as_given = {"signing_time": moment, "complete": False}  # the file's own bytes are signed
    expected = seal(path.read_bytes(), pki.signer(), **as_given)
    assert seal(path, pki.signer(), **as_given) == expected
    assert seal(str(path), pki.signer(), **as_given) == expected
    assert seal(path.read_text(encoding="utf-8"), pki.signer(), **as_given) == expected
    assert json.loads(expected)["payload"] == path.read_text(encoding="utf-8")
    with pytest.raises(SealError, match="cannot read"):
        seal(tmp_path / "missing.jsonld", pki.signer())
