"""A tamper matrix: each change to a good seal is rejected, at the step it belongs to, with its
own reason code."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from elmkit.checks import CheckStatus, Step
from elmkit.errors import VerificationError
from elmkit.sealing import KeySigner, Signer, seal, verify
from elmkit.sealing._codec import b64_encode, b64url_encode
from elmkit.sealing.jades import encode_etsiu_component
from test_seal_support import credential, decode_protected, ec_pki, other_pki, resign, rsa_pki

NOW = datetime.now(UTC).replace(microsecond=0)


@cache
def good() -> bytes:
    """A B-T seal by the RSA test PKI, time-stamped by its in-process TSA."""
    doc = credential()
    doc["validUntil"] = (NOW + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    pki = rsa_pki()
    return seal(
        doc,
        pki.signer(),
        level="B-T",
        tsa=pki.timestamp_client(),
        signing_time=NOW - timedelta(minutes=1),
    )


def env() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(good())
    return data


def dump(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def with_payload(text: str) -> bytes:
    data = env()
    data["payload"] = text
    return dump(data)


def header_change(change: Callable[[dict[str, Any]], None]) -> Callable[[], bytes]:
    """Change the protected header and sign again with the right key (one rule broken)."""
    return lambda: resign(good(), rsa_pki().signer(), header=change)


def unsigned_header_change(change: Callable[[dict[str, Any]], None]) -> Callable[[], bytes]:
    """Change the protected header without re-signing."""

    def make() -> bytes:
        data = env()
        sig = data["signatures"][0]
        padded = sig["protected"] + "=" * (-len(sig["protected"]) % 4)
        header = json.loads(base64.urlsafe_b64decode(padded))
        change(header)
        sig["protected"] = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
        return dump(data)

    return make


def forged(signer: Signer) -> Callable[[], bytes]:
    """A seal by ``signer`` whatever its certificate (``seal`` itself refuses unfit ones): an EC
    B-B seal re-signed with the signer's key after putting its certificate in the header."""
    return lambda: resign(
        seal(credential(), ec_pki().signer()),
        signer,
        header=use_certificate(signer.certificate_chain[0]),
    )


@cache
def sibling_signer() -> KeySigner:
    """Another e-seal certificate from the same CA, with its own RSA key."""
    return rsa_pki().issue_seal()


def use_certificate(cert: x509.Certificate) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        from elmkit.sealing.certs import issuer_serial_kid

        der = cert.public_bytes(serialization.Encoding.DER)
        data["x5c"] = [b64_encode(der)]
        data["x5t#S256"] = b64url_encode(hashlib.sha256(der).digest())
        data["kid"] = issuer_serial_kid(cert)

    return change


class _WeakRsaSigner:
    """An RSA-1024 signer (``KeySigner`` refuses keys that short)."""

    def __init__(self) -> None:
        pki = rsa_pki()
        self.key = rsa.generate_private_key(65537, 1024)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "weak")]))
            .issuer_name(pki.issuing_certificate.subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - timedelta(days=1))
            .not_valid_after(NOW + timedelta(days=30))
            .sign(pki.issuing_key, hashes.SHA256())
        )
        self.certificate_chain = [self.cert]
        self.algorithm = "RS256"

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def weak_rsa_seal() -> bytes:
    signer = _WeakRsaSigner()
    return resign(good(), signer, header=use_certificate(signer.cert))


def drop_signing_time(header: dict[str, Any]) -> None:
    del header["sigT"]
    header["crit"] = ["b64"]


def broken_timestamp() -> bytes:
    data = env()
    component = data["signatures"][0]["header"]["etsiU"][0]
    decoded = json.loads(base64.urlsafe_b64decode(component + "=" * (-len(component) % 4)))
    token = bytearray(base64.b64decode(decoded["sigTst"]["tstTokens"][0]["val"]))
    token[-5] ^= 0x01  # inside the TSA's signature value
    decoded["sigTst"]["tstTokens"][0]["val"] = b64_encode(bytes(token))
    data["signatures"][0]["header"]["etsiU"][0] = encode_etsiu_component(
        "sigTst", decoded["sigTst"]
    )
    return dump(data)


def foreign_timestamp() -> bytes:
    data = env()
    token = (
        rsa_pki()
        .timestamp_client()
        .timestamp(hashlib.sha256(b"another signature").digest(), "sha256")
    )
    data["signatures"][0]["header"]["etsiU"] = [
        encode_etsiu_component("sigTst", {"tstTokens": [{"val": b64_encode(token)}]})
    ]
    return dump(data)


def _time_stamped(sealed: bytes, tsa: Any) -> bytes:
    """``sealed`` (B-B) with a signature time-stamp from ``tsa`` put in afterwards: ``seal``
    itself refuses a time-stamp that contradicts the signing time or the certificate."""
    data = json.loads(sealed)
    signature = data["signatures"][0]["signature"]
    imprint = hashlib.sha256(signature.encode("ascii")).digest()
    token = tsa.timestamp(imprint, "sha256")
    component = encode_etsiu_component("sigTst", {"tstTokens": [{"val": b64_encode(token)}]})
    data["signatures"][0]["header"] = {"etsiU": [component]}
    return dump(data)


def late_timestamp_after_expiry() -> bytes:
    import elmkit.sealing.sealer as sealer

    pki = ec_pki()
    signer = pki.issue_seal(not_before=NOW - timedelta(days=30), not_after=NOW - timedelta(days=2))
    checked = sealer._check_certificate
    sealer._check_certificate = lambda *args, **kwargs: None  # (its CA is younger than it)
    try:
        sealed = seal(credential(), signer, signing_time=NOW - timedelta(days=3))
    finally:
        sealer._check_certificate = checked
    return _time_stamped(sealed, pki.timestamp_client())  # "now", after the certificate expired


def timestamp_before_claimed_time() -> bytes:
    """A seal time-stamped by a TSA whose clock is two hours behind (``seal`` refuses to make
    one, so the token is put in afterwards)."""
    pki = rsa_pki()
    sealed = seal(credential(), pki.signer(), signing_time=NOW - timedelta(minutes=1))
    return _time_stamped(sealed, pki.timestamp_client(clock=NOW - timedelta(hours=2)))


def claimed_tomorrow() -> bytes:
    """A B-B seal that claims it was made tomorrow (``seal`` refuses to make one)."""
    pki = rsa_pki()
    tomorrow = (NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return resign(seal(credential(), pki.signer()), pki.signer(), header=lambda h: h.update(sigT=tomorrow))


def time_stamped_tomorrow() -> bytes:
    """A seal time-stamped by a TSA whose clock is a day ahead, claiming the same time."""
    pki = rsa_pki()
    tomorrow = NOW + timedelta(days=1)
    claimed = resign(
        seal(credential(), pki.signer()),
        pki.signer(),
        header=lambda h: h.update(sigT=tomorrow.strftime("%Y-%m-%dT%H:%M:%SZ")),
    )
    return _time_stamped(claimed, pki.timestamp_client(clock=tomorrow))


def revoked_before_signing() -> bytes:
    pki = rsa_pki()
    crl = pki.crl(
        [(pki.seal_certificate, NOW - timedelta(hours=1))], this_update=NOW - timedelta(minutes=30)
    )
    data = env()
    inter = pki.intermediate_certificate
    assert inter is not None
    data["signatures"][0]["header"]["etsiU"] += [
        encode_etsiu_component(
            "xVals",
            [{"x509Cert": {"val": b64_encode(inter.public_bytes(serialization.Encoding.DER))}}],
        ),
        encode_etsiu_component("rVals", {"crlVals": [{"val": b64_encode(crl)}]}),
    ]
    return dump(data)


def duplicate_payload_member() -> bytes:
    text = env()["payload"]
    return resign(good(), rsa_pki().signer(), payload=text[:-1] + ',"id":"urn:other"}')


def duplicate_protected_member() -> bytes:
    header = json.loads(base64.urlsafe_b64decode(env()["signatures"][0]["protected"] + "=="))
    text = json.dumps(header, separators=(",", ":"))[:-1] + ',"sigT":"2000-01-01T00:00:00Z"}'
    return resign(good(), rsa_pki().signer(), protected_text=text)


def duplicate_envelope_member() -> bytes:
    raw = good().decode("utf-8")
    return ('{"payload":"{}",' + raw[1:]).encode("utf-8")


def second_signature() -> bytes:
    data = env()
    data["signatures"].append(dict(data["signatures"][0]))
    return dump(data)


def reordered_payload() -> bytes:
    doc = json.loads(env()["payload"])
    return with_payload(
        json.dumps(dict(reversed(list(doc.items()))), ensure_ascii=False, separators=(",", ":"))
    )


@dataclass(frozen=True)
class Case:
    make: Callable[[], bytes]
    step: Step
    code: str
    options: dict[str, Any] = field(default_factory=dict)


CASES: dict[str, Case] = {
    "payload byte": Case(
        lambda: with_payload(env()["payload"].replace("Núñez", "Nuñez")),
        Step.SEAL,
        "signature-invalid",
    ),
    "payload key order": Case(reordered_payload, Step.SEAL, "signature-invalid"),
    "payload whitespace": Case(
        lambda: with_payload(
            json.dumps(json.loads(env()["payload"]), ensure_ascii=False, indent=1)
        ),
        Step.SEAL,
        "signature-invalid",
    ),
    "payload ascii escapes": Case(
        lambda: with_payload(json.dumps(json.loads(env()["payload"]), separators=(",", ":"))),
        Step.SEAL,
        "signature-invalid",
    ),
    "payload not a string": Case(
        lambda: dump({**env(), "payload": {"a": 1}}), Step.SEAL, "payload-type"
    ),
    "header field changed": Case(
        unsigned_header_change(lambda h: h.update(sigT="2020-01-01T00:00:00Z")),
        Step.SEAL,
        "signature-invalid",
    ),
    "signature truncated": Case(
        lambda: dump(
            {
                **env(),
                "signatures": [
                    {
                        **env()["signatures"][0],
                        "signature": env()["signatures"][0]["signature"][:-8],
                    }
                ],
            }
        ),
        Step.SEAL,
        "signature-invalid",
    ),
    "b64 not in crit": Case(
        header_change(lambda h: h.update(crit=["sigT"])), Step.SEAL, "b64-not-in-crit"
    ),
    "crit empty": Case(header_change(lambda h: h.update(crit=[])), Step.SEAL, "crit-empty"),
    "crit string": Case(header_change(lambda h: h.update(crit="b64")), Step.SEAL, "crit-not-array"),
    "crit with alg": Case(
        header_change(lambda h: h.update(crit=["b64", "sigT", "alg"])),
        Step.SEAL,
        "crit-registered-name",
    ),
    "crit duplicate": Case(
        header_change(lambda h: h.update(crit=["b64", "b64", "sigT"])), Step.SEAL, "crit-duplicate"
    ),
    "crit not understood": Case(
        header_change(lambda h: h.update(nbf=1, crit=["b64", "sigT", "nbf"])),
        Step.SEAL,
        "crit-not-understood",
    ),
    "crit entry absent": Case(
        header_change(lambda h: h.update(crit=["b64", "sigT", "sigPl"])),
        Step.SEAL,
        "crit-entry-absent",
    ),
    "crit etsiU at B level": Case(
        lambda: resign(
            seal(credential(), rsa_pki().signer()),
            rsa_pki().signer(),
            header=lambda h: h.update(crit=["b64", "sigT", "etsiU"]),
        ),
        Step.SEAL,
        "crit-etsiu-b-level",
    ),
    "iat and sigT": Case(
        header_change(lambda h: h.update(iat=int(NOW.timestamp()))),
        Step.SEAL,
        "signing-time-ambiguous",
    ),
    "no signing time": Case(
        header_change(drop_signing_time),
        Step.SEAL,
        "signing-time-missing",
    ),
    "sigT format": Case(
        header_change(lambda h: h.update(sigT="2024-01-01 10:00:00")), Step.SEAL, "sigT-format"
    ),
    "alg none": Case(unsigned_header_change(lambda h: h.update(alg="none")), Step.SEAL, "alg-none"),
    "alg HS256": Case(
        unsigned_header_change(lambda h: h.update(alg="HS256")), Step.SEAL, "alg-hmac"
    ),
    "alg OID": Case(
        unsigned_header_change(lambda h: h.update(alg="1.2.840.113549.1.1.11")),
        Step.SEAL,
        "alg-unsupported",
    ),
    "alg for another key type": Case(
        unsigned_header_change(lambda h: h.update(alg="ES256")), Step.SEAL, "alg-key-mismatch"
    ),
    "typ not a string": Case(
        header_change(lambda h: h.update(typ=["jose+json"])), Step.SEAL, "typ-type"
    ),
    "cty not a string": Case(header_change(lambda h: h.update(cty={})), Step.SEAL, "cty-type"),
    "x5t mismatch": Case(
        header_change(
            lambda h: h.update({"x5t#S256": b64url_encode(hashlib.sha256(b"x").digest())})
        ),
        Step.SEAL,
        "x5t-mismatch",
    ),
    "kid mismatch": Case(
        header_change(lambda h: h.update(kid=_kid_of_other())),
        Step.SEAL,
        "kid-mismatch",
    ),
    "no certificate reference": Case(
        header_change(lambda h: h.pop("x5t#S256")), Step.SEAL, "no-certificate-reference"
    ),
    "swapped certificate": Case(
        header_change(lambda h: use_certificate(sibling_signer().certificate_chain[0])(h)),
        Step.SEAL,
        "signature-invalid",
    ),
    "header overlap": Case(
        lambda: dump(
            {
                **env(),
                "signatures": [
                    {
                        **env()["signatures"][0],
                        "header": {**env()["signatures"][0]["header"], "sigT": "x"},
                    }
                ],
            }
        ),
        Step.SEAL,
        "header-overlap",
    ),
    "unprotected certificate reference": Case(
        lambda: dump(
            {
                **env(),
                "signatures": [
                    {
                        **json.loads(
                            resign(good(), rsa_pki().signer(), header=lambda h: h.pop("x5t#S256"))
                        )["signatures"][0],
                        "header": {"x5t#S256": decode_protected(env())["x5t#S256"]},
                    }
                ],
            }
        ),
        Step.SEAL,
        "x5t-not-protected",
    ),
    "duplicate envelope member": Case(duplicate_envelope_member, Step.SEAL, "duplicate-member"),
    "duplicate protected member": Case(duplicate_protected_member, Step.SEAL, "duplicate-member"),
    "duplicate payload member": Case(duplicate_payload_member, Step.FORMAT, "duplicate-member"),
    "second signature": Case(second_signature, Step.SEAL, "multiple-signatures"),
    "no signatures": Case(lambda: dump({**env(), "signatures": []}), Step.SEAL, "no-signature"),
    "etsiU not an array": Case(
        lambda: dump(
            {**env(), "signatures": [{**env()["signatures"][0], "header": {"etsiU": "x"}}]}
        ),
        Step.SEAL,
        "etsiu-type",
    ),
    "broken timestamp": Case(broken_timestamp, Step.SEAL, "timestamp-signature-invalid"),
    "timestamp of another signature": Case(foreign_timestamp, Step.SEAL, "sigtst-imprint-mismatch"),
    "timestamp after certificate expiry": Case(
        late_timestamp_after_expiry, Step.SEAL, "timestamp-after-certificate-expiry"
    ),
    "claimed time after timestamp": Case(
        timestamp_before_claimed_time, Step.SEAL, "signing-time-after-timestamp"
    ),
    "claimed time still to come": Case(claimed_tomorrow, Step.SEAL, "signing-time-in-future"),
    "timestamp still to come": Case(time_stamped_tomorrow, Step.SEAL, "timestamp-in-future"),
    "expired certificate": Case(
        forged(
            ec_pki().issue_seal(
                not_before=NOW - timedelta(days=30), not_after=NOW - timedelta(days=2)
            )
        ),
        Step.SEAL,
        "certificate-expired",
    ),
    "not yet valid certificate": Case(
        forged(
            ec_pki().issue_seal(
                not_before=NOW + timedelta(days=2), not_after=NOW + timedelta(days=30)
            )
        ),
        Step.SEAL,
        "certificate-not-yet-valid",
    ),
    "CA certificate as signer": Case(
        forged(ec_pki().issue_seal(ca=True)), Step.SEAL, "signer-is-ca"
    ),
    "wrong key usage": Case(
        forged(ec_pki().issue_seal(key_usage=["key_agreement"])), Step.SEAL, "key-usage"
    ),
    "RSA 1024": Case(weak_rsa_seal, Step.SEAL, "weak-key"),
    "untrusted root": Case(
        lambda: seal(credential(), other_pki().signer()), Step.SEAL, "untrusted-chain"
    ),
    "revoked before signing": Case(revoked_before_signing, Step.SEAL, "certificate-revoked"),
    "esign certificate, qualified required": Case(
        lambda: seal(credential(), ec_pki().issue_seal(qc_type="esign")),
        Step.QUALIFIED,
        "not-eseal",
        {"require_qualified": True},
    ),
    "no QcStatements, qualified required": Case(
        lambda: seal(credential(), ec_pki().issue_seal(qualified=False)),
        Step.QUALIFIED,
        "not-qualified",
        {"require_qualified": True},
    ),
    "expired credential": Case(
        lambda: seal({**credential(), "expirationDate": "2020-01-01T00:00:00Z"}, ec_pki().signer()),
        Step.VALIDITY,
        "expired",
    ),
    "other holder": Case(good, Step.OWNER, "holder-mismatch", {"holder": "did:example:bob"}),
}


def _kid_of_other() -> str:
    from elmkit.sealing.certs import issuer_serial_kid

    return issuer_serial_kid(other_pki().seal_certificate)


def _trust_for(name: str) -> list[x509.Certificate]:
    return [*rsa_pki().trust_anchors, *ec_pki().trust_anchors]


def test_matrix_is_large_enough() -> None:
    assert len(CASES) >= 25


def test_untampered_seal_verifies() -> None:
    result = verify(good(), trust=_trust_for("good"), holder="did:example:ana")
    assert result.verdict == "partially verified", str(result)  # FORMAT and REVOCATION skipped
    assert all(
        s.status is CheckStatus.OK
        for s in result.steps
        if s.step not in (Step.FORMAT, Step.REVOCATION)
    )
    assert result.level == "B-T"


@pytest.mark.parametrize("name", sorted(CASES))
def test_tampering_is_rejected_at_the_right_step(name: str) -> None:
    case = CASES[name]
    result = verify(case.make(), trust=_trust_for(name), **case.options)
    step = result.step(case.step)
    assert step.status is CheckStatus.ERROR, f"{name}: {step.reason}"
    assert step.code == case.code, f"{name}: {step.code} {step.reason}"
    assert result.verdict == "failed"
    if case.step is not Step.SEAL and name != "duplicate payload member":
        assert result.step(Step.SEAL).ok, result.step(Step.SEAL).reason
    problem = step.to_problem()
    assert problem["type"].endswith(f":{case.code}")


# --- whatever bytes a seal holds, verification reports and never raises ----------------------


def _with_version(der: bytes, version: int) -> bytes:
    """A certificate whose version field says ``version`` (cryptography refuses anything but 1
    and 3 with an exception that is not a ValueError)."""
    raw = bytearray(der)
    at = raw.find(bytes([0xA0, 3, 2, 1, 2]))
    raw[at + 4] = version
    return bytes(raw)


def _unsigned_component(data: dict[str, Any], name: str, value: Any) -> bytes:
    """``data`` with one more ``etsiU`` component: anyone can add one to a genuine seal."""
    data["signatures"][0]["header"]["etsiU"].append(encode_etsiu_component(name, value))
    return dump(data)


def _verify_quietly(sealed: bytes) -> Any:
    result = verify(sealed, trust=rsa_pki().trust_anchors)
    assert result.verdict == "failed", result
    return result.step(Step.SEAL)


def test_a_certificate_of_an_unknown_version_is_a_seal_error() -> None:
    chain = decode_protected(env())["x5c"]
    bad = b64_encode(_with_version(base64.b64decode(chain[-1]), 7))
    step = _verify_quietly(_unsigned_component(env(), "xVals", [{"x509Cert": {"val": bad}}]))
    assert step.status is CheckStatus.ERROR and step.code == "x5c-invalid", step.reason
    step = _verify_quietly(unsigned_header_change(lambda h: h["x5c"].append(bad))())
    assert step.status is CheckStatus.ERROR and step.code == "x5c-invalid", step.reason


def test_a_kid_whose_issuer_name_is_not_utf8_is_reported() -> None:
    def spoil_kid(header: dict[str, Any]) -> None:
        kid = bytearray(base64.b64decode(header["kid"]))
        at = kid.find(b"Test")
        kid[at] ^= 0x80  # an invalid UTF-8 byte inside the issuer's UTF8String
        header["kid"] = b64_encode(bytes(kid))

    step = _verify_quietly(unsigned_header_change(spoil_kid)())
    assert step.status is CheckStatus.ERROR and step.code == "signature-invalid", step.reason


def _sweep_time_stamp_token(stride: int) -> None:
    """Change bytes of the seal's time-stamp token (every ``stride``-th, two ways each)."""
    data = env()
    component = data["signatures"][0]["header"]["etsiU"][0]
    decoded = json.loads(base64.urlsafe_b64decode(component + "=" * (-len(component) % 4)))
    token = base64.b64decode(decoded["sigTst"]["tstTokens"][0]["val"])
    for position in range(0, len(token), stride):
        for flip in (0x01, 0x80):
            spoiled = bytearray(token)
            spoiled[position] ^= flip
            decoded["sigTst"]["tstTokens"][0]["val"] = b64_encode(bytes(spoiled))
            changed = env()
            changed["signatures"][0]["header"]["etsiU"][0] = encode_etsiu_component(
                "sigTst", decoded["sigTst"]
            )
            result = verify(dump(changed), trust=rsa_pki().trust_anchors)  # never raises
            assert result.step(Step.SEAL).status is not CheckStatus.SKIPPED, (position, flip)


def test_bytes_of_a_time_stamp_token_changed_give_a_result() -> None:
    _sweep_time_stamp_token(stride=13)


@pytest.mark.slow
def test_every_byte_of_a_time_stamp_token_changed_gives_a_result() -> None:
    _sweep_time_stamp_token(stride=1)


@pytest.mark.parametrize("space", ["\u00a0", "\x0b", "\x0c", "\x1c", "\u2028", "\u3000", "\x85"])
def test_only_json_whitespace_may_surround_a_sealed_document(space: str) -> None:
    text = good().decode("utf-8")
    assert verify(f" \t\r\n{text}\n", trust=rsa_pki().trust_anchors).step(Step.SEAL).ok
    for spoiled in (space + text, text + space):
        for data in (spoiled.encode("utf-8"), spoiled):
            if isinstance(data, str) and spoiled.startswith(space):
                with pytest.raises(VerificationError):  # neither JSON, a compact JWS nor a path
                    verify(data, trust=rsa_pki().trust_anchors)
                continue
            step = verify(data, trust=rsa_pki().trust_anchors).step(Step.SEAL)
            assert step.status is CheckStatus.ERROR, (repr(space), type(data))


def test_a_seal_over_another_seal_fails_format(monkeypatch: pytest.MonkeyPatch) -> None:
    import elmkit.sealing.sealer as sealer

    pki = rsa_pki()
    # seal() refuses a sealed document; an older elmkit, or another tool, would seal it
    monkeypatch.setattr(
        sealer, "_as_dict", lambda c: dict(c) if isinstance(c, dict) else json.loads(c)
    )
    outer = seal(good(), pki.signer(), complete=False)
    monkeypatch.undo()
    result = verify(outer, trust=pki.trust_anchors)
    step = result.step(Step.FORMAT)
    assert step.status is CheckStatus.ERROR and step.code == "nested-seal", step
    assert result.verdict == "failed"
