"""Shared helpers for the sealing tests: cached test PKIs, a local RFC 3161 HTTP TSA, and a way
to re-sign a seal after changing its headers or payload (to test one rule at a time)."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from conftest import REFERENCE_DIR, SAMPLES_DIR
from elmkit.sealing import TestPKI, create_test_pki
from elmkit.sealing._codec import b64url_decode, b64url_encode
from elmkit.sealing.signers import Signer

SEALING_DIR = REFERENCE_DIR / "sealing"
CERTS_DIR = SEALING_DIR / "certs"
VECTORS_DIR = SEALING_DIR / "dss-jades-vectors"
SIGNED_SAMPLES = [
    SAMPLES_DIR / "Sample-MC-Annex1-signed.jsonld",
    SAMPLES_DIR / "Sample-CertOfPart-signed.jsonld",
    SEALING_DIR / "samples" / "edci-eseal-core" / "json_sealed_advanced.json",
    REFERENCE_DIR
    / "elm"
    / "test-data"
    / "edci"
    / "jades"
    / "json_to_seal-signed-jades-baseline-lta.json",
]
MC_UNSIGNED = SAMPLES_DIR / "Sample-MC-Annex1-unsigned.jsonld"


@functools.cache
def rsa_pki() -> TestPKI:
    return create_test_pki(
        "Universidad de Prueba", "VATES-Q0000000J", "ES", crl_url="http://crl.invalid/seal.crl"
    )


@functools.cache
def ec_pki() -> TestPKI:
    return create_test_pki("Université d'Essai", "VATFR-12345678901", "FR", key_type="ec")


@functools.cache
def other_pki() -> TestPKI:
    return create_test_pki("Other", "VATDE-123456789", "DE", key_type="ec", intermediate=False)


def credential() -> dict[str, Any]:
    """A small EDC-shaped credential with non-ASCII text and a subject."""
    return {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "http://data.europa.eu/snb/model/context/edc-ap",
        ],
        "id": "urn:credential:7f1c0d7e-5b7a-4f3e-9d1a-2b0c4e6f8a90",
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "credentialSubject": {
            "id": "did:example:ana",
            "type": "Person",
            "givenName": {"es": "Ana Núñez"},
        },
        "issuer": {
            "id": "urn:epass:org:1",
            "type": "Organisation",
            "legalName": {"es": "Universidad"},
        },
        "validFrom": "2024-01-01T00:00:00Z",
    }


def mc_sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(MC_UNSIGNED.read_text(encoding="utf-8"))
    return data


def decode_protected(envelope: dict[str, Any], index: int = 0) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(b64url_decode(envelope["signatures"][index]["protected"]))
    return header


def resign(
    sealed: bytes,
    signer: Signer,
    *,
    header: Callable[[dict[str, Any]], None] | None = None,
    payload: str | None = None,
    protected_text: str | None = None,
) -> bytes:
    """Re-sign a seal after changing its protected header and/or payload, so that a single rule
    is broken while the signature itself holds. Unprotected headers are kept."""
    env = json.loads(sealed)
    hdr = decode_protected(env)
    if header:
        header(hdr)
    text = protected_text if protected_text is not None else json.dumps(hdr, separators=(",", ":"))
    protected = b64url_encode(text.encode("utf-8"))
    body = env["payload"] if payload is None else payload
    signature = signer.sign(protected.encode("ascii") + b"." + body.encode("utf-8"))
    env["payload"] = body
    env["signatures"][0]["protected"] = protected
    env["signatures"][0]["signature"] = b64url_encode(signature)
    return json.dumps(env, ensure_ascii=False).encode("utf-8")


class _TsaHandler(BaseHTTPRequestHandler):
    responder: Callable[[bytes], bytes]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.headers.get("Content-Type") != "application/timestamp-query":
            self.send_response(415)
            self.end_headers()
            return
        answer = type(self).responder(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        return


def pyhanko_responder(pki: TestPKI) -> Callable[[bytes], bytes]:
    """An RFC 3161 responder backed by pyhanko's test TSA, with this PKI's TSA key."""
    from asn1crypto import keys, tsp
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(
            pki.tsa_certificate.public_bytes(serialization.Encoding.DER)
        ),
        tsa_key=keys.PrivateKeyInfo.load(
            pki.tsa_key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )

    def respond(body: bytes) -> bytes:
        return bytes(stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump())

    return respond


@contextmanager
def local_server(handler: type[Any]) -> Iterator[str]:
    """Serve ``handler`` (an http.server request handler class) on 127.0.0.1; yields the URL
    of its ``/tsa`` path."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def tsa_server(responder: Callable[[bytes], bytes]) -> Iterator[str]:
    """Serve an RFC 3161 responder over HTTP on 127.0.0.1; yields its URL."""
    handler = type("Handler", (_TsaHandler,), {"responder": staticmethod(responder)})
    with local_server(handler) as url:
        yield url


def ca_anchor_files() -> list[Path]:
    """The CA certificates among the extracted sample certificates."""
    from cryptography import x509

    from elmkit.sealing.certs import is_ca

    out = []
    for path in sorted(CERTS_DIR.glob("*.pem")):
        if path.name.endswith(".crl.pem"):
            continue
        if is_ca(x509.load_pem_x509_certificate(path.read_bytes())):
            out.append(path)
    return out
