"""RFC 3161 time-stamping: clients (HTTP, in-process) and token verification.

A :class:`TimestampClient` turns a message digest into a DER ``TimeStampToken``. elmkit ships an
HTTP client (:class:`HttpTimestampClient`, needs ``httpx``; the network is only used because the
caller gives a URL) and an in-process TSA (:class:`LocalTimestampClient`) for tests, demos and
air-gapped setups. :func:`verify_token` checks a token's CMS signature and reads its TSTInfo.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from cryptography import x509

from elmkit._deadline import Deadline
from elmkit.errors import SealError, VerificationError

from .certs import certificate_der, der_certificate

__all__ = [
    "HttpTimestampClient",
    "LocalTimestampClient",
    "TimestampClient",
    "TimestampError",
    "TimestampInfo",
    "build_request",
    "verify_token",
]

_HASH_NAMES = frozenset({"sha256", "sha384", "sha512"})

#: The largest answer read from a TSA (a time-stamp token is a few kilobytes).
MAX_TSA_REPLY_BYTES = 1_000_000
#: Allowed gap between a claimed signing time and a later signature time-stamp's time (clock skew).
CLOCK_SKEW = timedelta(minutes=5)


@runtime_checkable
class TimestampClient(Protocol):
    """Obtains RFC 3161 time-stamp tokens.

    ``timestamp(digest, algorithm)`` receives the message imprint (``algorithm`` is ``"sha256"``,
    ``"sha384"`` or ``"sha512"``) and returns the DER-encoded ``TimeStampToken`` (a CMS
    ``ContentInfo``).
    """

    def timestamp(self, digest: bytes, algorithm: str) -> bytes: ...


class TimestampError(VerificationError):
    """A time-stamp token or TSA response is malformed or its signature does not hold."""

    def __init__(self, message: str, *, code: str = "timestamp-invalid") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class TimestampInfo:
    """What a verified time-stamp token says."""

    gen_time: datetime
    imprint_algorithm: str
    imprint: bytes
    serial_number: int
    policy: str
    tsa_certificate: x509.Certificate
    certificates: tuple[x509.Certificate, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "genTime": self.gen_time.isoformat(),
            "imprintAlgorithm": self.imprint_algorithm,
            "imprint": self.imprint.hex(),
            "serialNumber": self.serial_number,
            "policy": self.policy,
            "tsa": self.tsa_certificate.subject.rfc4514_string(),
        }


def build_request(digest: bytes, algorithm: str = "sha256", *, nonce: int | None = None) -> bytes:
    """DER ``TimeStampReq`` asking for the TSA certificate in the token."""
    from asn1crypto import algos, tsp

    if algorithm not in _HASH_NAMES:
        raise SealError(f"unsupported time-stamp digest algorithm {algorithm!r}")
    req: dict[str, Any] = {
        "version": "v1",
        "message_imprint": tsp.MessageImprint(
            {
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": algorithm}),
                "hashed_message": digest,
            }
        ),
        "cert_req": True,
    }
    if nonce is not None:
        req["nonce"] = nonce
    return bytes(tsp.TimeStampReq(req).dump())


def _token_from_response(
    response: bytes, digest: bytes, algorithm: str, nonce: int | None
) -> bytes:
    from ._asn1 import TimeStampResp

    try:
        resp = TimeStampResp.load(response)
        status = resp["status"]["status"].native
    except (ValueError, TypeError) as exc:
        raise SealError(f"the TSA answer is not an RFC 3161 response: {exc}") from exc
    if status not in ("granted", "granted_with_mods"):
        text = resp["status"]["status_string"].native
        raise SealError(f"the TSA refused the request: {status} {text or ''}".strip())
    token = resp["time_stamp_token"]
    if not token.contents:
        raise SealError("the TSA response carries no token")
    der = bytes(token.dump())
    info = verify_token(der)
    if info.imprint != digest or info.imprint_algorithm != algorithm:
        raise SealError("the TSA time-stamped another message imprint")
    if nonce is not None:
        got = _tst_info(der)["nonce"].native
        if got != nonce:
            raise SealError("the TSA response nonce does not match the request")
    return der


def _shown_url(url: object) -> str:
    """``url`` as messages show it: a password in it (``https://user:password@tsa…``, how a TSA's
    basic authentication is given on the command line) is replaced by ``***``."""
    # up to the last @ of the address, whatever the user name and password hold (an invalid URL,
    # the one most likely shown, may hold @ or / unescaped)
    return re.sub(r"//([^\s:]*):\S*@", r"//\1:***@", str(url))


class HttpTimestampClient:
    """RFC 3161 over HTTP (``application/timestamp-query``), using ``httpx``."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        nonce: bool = True,
    ) -> None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise SealError(f"TSA URL must be http(s): {_shown_url(url)!r}")
        import httpx

        try:
            httpx.URL(url)
        except (httpx.InvalidURL, ValueError) as exc:
            # the parser's words may quote a piece of a password it took for something else
            why = "" if "@" in url else f" ({exc})"
            raise SealError(f"TSA URL is not a valid URL: {_shown_url(url)!r}{why}") from None
        self.url = url
        self.timeout = timeout
        self.headers = dict(headers or {})
        self.auth = auth
        self.nonce = nonce

    def timestamp(self, digest: bytes, algorithm: str) -> bytes:
        import httpx

        nonce = secrets.randbits(63) if self.nonce else None
        body = build_request(digest, algorithm, nonce=nonce)
        headers = {"Content-Type": "application/timestamp-query", **self.headers}
        shown = _shown_url(self.url)
        received = bytearray()
        reading = False
        # One deadline for the whole answer (connecting, the headers, every read), not a
        # timeout for each read: see elmkit._deadline for how httpx is held to it.
        with Deadline(self.timeout) as deadline:
            try:
                with (
                    httpx.Client(limits=httpx.Limits(max_keepalive_connections=0)) as client,
                    client.stream(
                        "POST",
                        self.url,
                        content=body,
                        headers=headers,
                        auth=self.auth,
                        extensions=deadline.extensions,
                    ) as reply,
                ):
                    if reply.status_code != 200:
                        raise SealError(f"the TSA at {shown} answered HTTP {reply.status_code}")
                    reading = True
                    for chunk in reply.iter_bytes():
                        received += chunk
                        if len(received) > MAX_TSA_REPLY_BYTES:
                            raise SealError(
                                f"the TSA at {shown} answered more than {MAX_TSA_REPLY_BYTES:,} bytes"
                            )
                        if deadline.passed:
                            raise self._too_late(shown)
                    if deadline.cut:  # an answer that ends when the connection does was cut short
                        raise self._too_late(shown)
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                # a timeout before the answer came says so, as it always has; anything else
                # that failed once the time was up failed because it was up
                if deadline.passed and (reading or not isinstance(exc, httpx.TimeoutException)):
                    raise self._too_late(shown) from exc
                raise SealError(f"cannot reach the TSA at {shown}: {exc}") from exc
        return _token_from_response(bytes(received), digest, algorithm, nonce)

    def _too_late(self, shown_url: str) -> SealError:
        return SealError(f"the TSA at {shown_url} gave no complete answer in {self.timeout:g} s")


def _signature_algorithm(key: Any, digest: str) -> tuple[str, Callable[[bytes], bytes]]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    table: dict[str, type[hashes.SHA256] | type[hashes.SHA384] | type[hashes.SHA512]] = {
        "sha256": hashes.SHA256,
        "sha384": hashes.SHA384,
        "sha512": hashes.SHA512,
    }
    hash_cls = table[digest]
    if isinstance(key, rsa.RSAPrivateKey):
        return f"{digest}_rsa", lambda data: key.sign(data, padding.PKCS1v15(), hash_cls())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return f"{digest}_ecdsa", lambda data: key.sign(data, ec.ECDSA(hash_cls()))
    raise SealError(f"unsupported TSA key type {type(key).__name__}")


def _rejection(fail_info: str) -> bytes:
    """A ``TimeStampResp`` with a rejection status and no token."""
    from ._asn1 import TimeStampResp

    return bytes(
        TimeStampResp({"status": {"status": "rejection", "fail_info": {fail_info}}}).dump()
    )


class LocalTimestampClient:
    """An in-process RFC 3161 TSA signing with a key and certificate you hold.

    ``clock`` fixes the time put into tokens (default: now). ``respond`` answers a DER
    ``TimeStampReq`` with a ``TimeStampResp``, to serve the TSA over HTTP.
    """

    def __init__(
        self,
        tsa_certificate: x509.Certificate,
        tsa_private_key: Any,
        *,
        certificates: Sequence[x509.Certificate] = (),
        clock: datetime | None = None,
        policy: str = "1.3.6.1.4.1.60000.1.1",
        digest: str = "sha256",
    ) -> None:
        if digest not in _HASH_NAMES:
            raise SealError(f"unsupported digest {digest!r}")
        if tsa_certificate.public_key() != tsa_private_key.public_key():
            raise SealError("the TSA key does not match the TSA certificate")
        self._cert = tsa_certificate
        self._key = tsa_private_key
        self._extra = list(certificates)
        self._clock = clock
        self._policy = policy
        self._digest = digest

    def timestamp(self, digest: bytes, algorithm: str) -> bytes:
        return self._token(digest, algorithm, None)

    def respond(self, request: bytes) -> bytes:
        """Answer a DER ``TimeStampReq`` with a DER ``TimeStampResp``."""
        from asn1crypto import tsp

        try:
            req = tsp.TimeStampReq.load(request)
            imprint = req["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            digest = imprint["hashed_message"].native
            nonce = req["nonce"].native
        except (ValueError, TypeError):
            return _rejection("bad_data_format")
        if algorithm not in _HASH_NAMES:
            return _rejection("bad_alg")
        from asn1crypto import cms

        from ._asn1 import TimeStampResp

        token = cms.ContentInfo.load(self._token(digest, algorithm, nonce))
        return bytes(
            TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()
        )

    def _token(self, digest: bytes, algorithm: str, nonce: int | None) -> bytes:
        from asn1crypto import algos, cms, core, tsp
        from asn1crypto import x509 as asn1_x509

        if algorithm not in _HASH_NAMES:
            raise SealError(f"unsupported time-stamp digest algorithm {algorithm!r}")
        gen_time = (self._clock or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        tsa = asn1_x509.Certificate.load(certificate_der(self._cert))
        info: dict[str, Any] = {
            "version": "v1",
            "policy": self._policy,
            "message_imprint": {
                "hash_algorithm": {"algorithm": algorithm},
                "hashed_message": digest,
            },
            "serial_number": secrets.randbits(64),
            "gen_time": core.GeneralizedTime(gen_time),
            "tsa": asn1_x509.GeneralName(name="directory_name", value=tsa.subject),
        }
        if nonce is not None:
            info["nonce"] = nonce
        tst_der = tsp.TSTInfo(info).dump()
        md = self._digest
        cert_hash = hashlib.new(md, tsa.dump()).digest()
        ess = tsp.SigningCertificateV2(
            {
                "certs": [
                    {
                        "hash_algorithm": {"algorithm": md},
                        "cert_hash": cert_hash,
                        "issuer_serial": {
                            "issuer": [
                                asn1_x509.GeneralName(name="directory_name", value=tsa.issuer)
                            ],
                            "serial_number": tsa.serial_number,
                        },
                    }
                ]
            }
        )
        attrs = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {
                    "type": "signing_time",
                    "values": [cms.Time({"utc_time": core.UTCTime(gen_time)})],
                },
                {"type": "message_digest", "values": [hashlib.new(md, tst_der).digest()]},
                {"type": "signing_certificate_v2", "values": [ess]},
            ]
        )
        sig_alg, sign = _signature_algorithm(self._key, md)
        signature = sign(attrs.dump())
        digest_alg = algos.DigestAlgorithm({"algorithm": md})
        signer = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": {
                            "issuer": tsa.issuer,
                            "serial_number": tsa.serial_number,
                        }
                    }
                ),
                "digest_algorithm": digest_alg,
                "signed_attrs": attrs,
                "signature_algorithm": {"algorithm": sig_alg},
                "signature": signature,
            }
        )
        certs = [tsa, *(asn1_x509.Certificate.load(certificate_der(c)) for c in self._extra)]
        signed_data = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [digest_alg],
                "encap_content_info": {
                    "content_type": "tst_info",
                    "content": core.ParsableOctetString(tst_der),
                },
                "certificates": certs,
                "signer_infos": [signer],
            }
        )
        return bytes(
            cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()
        )


def _tst_info(token: bytes) -> Any:
    from asn1crypto import cms, tsp

    _ = tsp  # registers the TSTInfo content type with asn1crypto
    content = cms.ContentInfo.load(token)["content"]
    return content["encap_content_info"]["content"].parsed


def _hash_name(name: str) -> str:
    if name not in ("sha1", "sha224", "sha256", "sha384", "sha512"):
        raise TimestampError(f"unsupported digest algorithm {name} in the time-stamp token")
    return name


def _verify_cms_signature(
    public_key: Any, sig_alg: Any, digest_name: str, signature: bytes, data: bytes
) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    def hash_obj(name: str) -> hashes.HashAlgorithm:
        table: dict[
            str, type[hashes.SHA1 | hashes.SHA224 | hashes.SHA256 | hashes.SHA384 | hashes.SHA512]
        ]
        table = {
            "sha1": hashes.SHA1,
            "sha224": hashes.SHA224,
            "sha256": hashes.SHA256,
            "sha384": hashes.SHA384,
            "sha512": hashes.SHA512,
        }
        return table[_hash_name(name)]()

    kind = sig_alg.signature_algo
    try:
        hash_name = sig_alg.hash_algo
    except ValueError:
        hash_name = digest_name
    try:
        if kind == "rsassa_pkcs1v15" and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), hash_obj(hash_name))
        elif kind == "rsassa_pss" and isinstance(public_key, rsa.RSAPublicKey):
            params = sig_alg["parameters"]
            pss_hash = hash_obj(params["hash_algorithm"]["algorithm"].native)
            mgf_hash = hash_obj(params["mask_gen_algorithm"]["parameters"]["algorithm"].native)
            pss = padding.PSS(mgf=padding.MGF1(mgf_hash), salt_length=params["salt_length"].native)
            public_key.verify(signature, data, pss, pss_hash)
        elif kind == "ecdsa" and isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hash_obj(hash_name)))
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_token(
    token: bytes, extra_certificates: Sequence[x509.Certificate] = ()
) -> TimestampInfo:
    """Check a DER ``TimeStampToken``: structure, message digest and CMS signature.

    The TSA certificate is looked up in the token, then in ``extra_certificates``. Raises
    :class:`TimestampError` (with ``code``) when anything does not hold. The trust of the TSA
    certificate is not judged here.
    """
    extra = tuple(certificate_der(c) for c in extra_certificates)
    return _verify_token_cached(bytes(token), extra)


@functools.lru_cache(maxsize=512)
def _verify_token_cached(token: bytes, extra: tuple[bytes, ...]) -> TimestampInfo:
    from asn1crypto import cms, tsp

    _ = tsp
    try:
        info_obj = cms.ContentInfo.load(token)
        if info_obj["content_type"].native != "signed_data":
            raise TimestampError(
                "the time-stamp token is not CMS SignedData", code="timestamp-malformed"
            )
        signed = info_obj["content"]
        eci = signed["encap_content_info"]
        if eci["content_type"].native != "tst_info":
            raise TimestampError(
                "the time-stamp token does not hold a TSTInfo", code="timestamp-malformed"
            )
        tst_der = bytes(eci["content"])
        tst = eci["content"].parsed
        imprint = tst["message_imprint"]
        imprint_alg = imprint["hash_algorithm"]["algorithm"].native
        imprint_value = imprint["hashed_message"].native
        gen_time = tst["gen_time"].native
        serial = tst["serial_number"].native
        policy = tst["policy"].dotted
        signer_infos = list(signed["signer_infos"])
        certs_der = [c.chosen.dump() for c in signed["certificates"] if c.name == "certificate"]
    except TimestampError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampError(
            f"the time-stamp token cannot be read: {exc}", code="timestamp-malformed"
        ) from exc
    if len(signer_infos) != 1:
        raise TimestampError(
            "the time-stamp token must have exactly one signer", code="timestamp-malformed"
        )
    si = signer_infos[0]
    pool = [*certs_der, *extra]
    certs = []
    for der in pool:
        try:
            certs.append(der_certificate(der))
        except ValueError:
            continue
    try:
        tsa_cert = _find_signer(si["sid"], certs)
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampError(
            f"the time-stamp token's signer cannot be read: {exc}", code="timestamp-malformed"
        ) from exc
    if tsa_cert is None:
        raise TimestampError(
            "the TSA certificate is neither in the token nor supplied",
            code="timestamp-certificate-missing",
        )
    try:
        digest_name = _hash_name(si["digest_algorithm"]["algorithm"].native)
        attrs = si["signed_attrs"]
        if not attrs.native:
            raise TimestampError(
                "the time-stamp token has no signed attributes", code="timestamp-malformed"
            )
        values = {a["type"].native: a["values"] for a in attrs}
        if values.get("content_type") is None or values["content_type"][0].native != "tst_info":
            raise TimestampError(
                "wrong content-type attribute in the time-stamp token", code="timestamp-malformed"
            )
        if values.get("message_digest") is None:
            raise TimestampError(
                "no message-digest attribute in the time-stamp token", code="timestamp-malformed"
            )
        if values["message_digest"][0].native != hashlib.new(digest_name, tst_der).digest():
            raise TimestampError(
                "the time-stamp token's TSTInfo was altered", code="timestamp-signature-invalid"
            )
        _check_ess(values, tsa_cert)
        signed_bytes = b"\x31" + attrs.dump()[1:]
        ok = _verify_cms_signature(
            tsa_cert.public_key(),
            si["signature_algorithm"],
            digest_name,
            si["signature"].native,
            signed_bytes,
        )
    except TimestampError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampError(
            f"the time-stamp token cannot be read: {exc}", code="timestamp-malformed"
        ) from exc
    if not ok:
        raise TimestampError(
            "the time-stamp token's signature does not verify", code="timestamp-signature-invalid"
        )
    return TimestampInfo(
        gen_time=gen_time,
        imprint_algorithm=imprint_alg,
        imprint=imprint_value,
        serial_number=serial,
        policy=policy,
        tsa_certificate=tsa_cert,
        certificates=tuple(certs),
    )


def _find_signer(sid: Any, certs: Sequence[x509.Certificate]) -> x509.Certificate | None:
    from .certs import to_asn1

    if sid.name == "issuer_and_serial_number":
        issuer = sid.chosen["issuer"]
        serial = sid.chosen["serial_number"].native
        for cert in certs:
            view = to_asn1(cert)
            if view.serial_number == serial and view.issuer == issuer:
                return cert
        return None
    key_id = sid.chosen.native
    for cert in certs:
        if to_asn1(cert).key_identifier == key_id:
            return cert
    return None


def _check_ess(values: Mapping[str, Any], cert: x509.Certificate) -> None:
    der = certificate_der(cert)
    if "signing_certificate_v2" in values:
        ids = values["signing_certificate_v2"][0]["certs"]
        if len(ids):
            first = ids[0]
            name = first["hash_algorithm"]["algorithm"].native
            if first["cert_hash"].native != hashlib.new(_hash_name(name), der).digest():
                raise TimestampError(
                    "the token's signing-certificate attribute names another certificate",
                    code="timestamp-signature-invalid",
                )
    elif "signing_certificate" in values:
        ids = values["signing_certificate"][0]["certs"]
        if len(ids) and ids[0]["cert_hash"].native != hashlib.sha1(der).digest():
            raise TimestampError(
                "the token's signing-certificate attribute names another certificate",
                code="timestamp-signature-invalid",
            )
