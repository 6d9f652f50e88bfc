"""Independent check: everything elmkit seals verifies with jwcrypto (RFC 7797 b64=false,
general JSON serialization), and jwcrypto rejects what elmkit rejects."""

from __future__ import annotations

import json

import pytest
from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from elmkit.sealing import TestPKI, seal
from test_seal_support import SIGNED_SAMPLES, credential, ec_pki, mc_sample, rsa_pki

pytestmark = pytest.mark.oracle

# sigT and adoTst are JAdES header parameters jwcrypto does not know; registering them lets it
# accept them in "crit" (it does not interpret them).
_REGISTRY = {
    "sigT": jws.JWSEHeaderParameter("Claimed signing time", False, True, None),
    "adoTst": jws.JWSEHeaderParameter("Content time-stamp", False, True, None),
}


def _jwcrypto_verify(sealed: bytes | str, pki_or_key: TestPKI | jwk.JWK, alg: str) -> bytes:
    key = (
        pki_or_key
        if isinstance(pki_or_key, jwk.JWK)
        else jwk.JWK.from_pyca(pki_or_key.seal_certificate.public_key())
    )
    token = jws.JWS(header_registry=_REGISTRY)
    token.deserialize(sealed.decode("utf-8") if isinstance(sealed, bytes) else sealed)
    token.verify(key, alg=alg)
    payload = token.payload
    return payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)


CASES = [
    ("rsa", "RS256", "sigT", "B-B"),
    ("rsa", "PS256", "sigT", "B-B"),
    ("rsa", "RS512", "iat", "B-B"),
    ("rsa", "RS256", "sigT", "B-T"),
    ("ec", "ES256", "sigT", "B-B"),
    ("ec", "ES256", "iat", "B-T"),
]


@pytest.mark.parametrize(("kind", "alg", "time_header", "level"), CASES)
def test_jwcrypto_verifies_elmkit_seals(kind: str, alg: str, time_header: str, level: str) -> None:
    pki = rsa_pki() if kind == "rsa" else ec_pki()
    sealed = seal(
        mc_sample(),
        pki.signer(),
        algorithm=alg,
        time_header=time_header,  # type: ignore[arg-type]
        level=level,  # type: ignore[arg-type]
        tsa=pki.timestamp_client() if level == "B-T" else None,
    )
    payload = _jwcrypto_verify(sealed, pki, alg)
    assert payload == json.loads(sealed)["payload"].encode("utf-8")


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_jwcrypto_rejects_a_tampered_elmkit_seal(kind: str) -> None:
    pki = rsa_pki() if kind == "rsa" else ec_pki()
    alg = "RS256" if kind == "rsa" else "ES256"
    env = json.loads(seal(credential(), pki.signer()))
    env["payload"] = env["payload"].replace("Ana", "Eva")
    with pytest.raises(JWException):
        _jwcrypto_verify(json.dumps(env), pki, alg)


@pytest.mark.parametrize("sample", SIGNED_SAMPLES[:2], ids=lambda p: p.name)
def test_jwcrypto_agrees_on_the_official_samples(sample) -> None:  # type: ignore[no-untyped-def]
    from cryptography import x509

    from elmkit.sealing import parse_jws, verify
    from elmkit.sealing._codec import b64_decode

    header = parse_jws(sample.read_bytes()).signatures[0].protected
    cert = x509.load_der_x509_certificate(b64_decode(header["x5c"][0]))
    payload = _jwcrypto_verify(sample.read_bytes(), jwk.JWK.from_pyca(cert.public_key()), "RS256")
    assert payload == verify(sample).payload_bytes
