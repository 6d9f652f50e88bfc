"""Signers: who produces the JWS signature value (a key in memory, a PKCS#12 file, an HSM...).

A :class:`Signer` only has to give its certificate chain, its JOSE algorithm and a ``sign``
method returning the JWS signature value. Anything that fits (a PKCS#11 token, a remote qualified
signing service) can seal EDC credentials.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from elmkit.errors import SealError

from ._codec import MAX_KEY_FILE_BYTES, read_bounded

__all__ = [
    "ALGORITHMS",
    "KeySigner",
    "Signer",
    "SigningInput",
    "default_algorithm",
    "ecdsa_der_to_raw",
    "ecdsa_raw_to_der",
    "signer_from_pem",
    "signer_from_pkcs12",
    "verify_jws_signature",
]

#: JOSE algorithms elmkit seals and verifies with (RFC 7518).
ALGORITHMS: frozenset[str] = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}
_CURVES: dict[str, tuple[str, int]] = {
    "ES256": ("secp256r1", 32),
    "ES384": ("secp384r1", 48),
    "ES512": ("secp521r1", 66),
}


@runtime_checkable
class Signer(Protocol):
    """Produces JWS signature values for one certificate.

    ``certificate_chain`` starts with the signing (e-seal) certificate, followed by its issuers.
    ``sign`` receives the JWS signing input and returns the JWS signature value: PKCS#1 v1.5 or
    PSS bytes for ``RS*``/``PS*``, and the raw ``r || s`` concatenation for ``ES*`` (use
    :func:`ecdsa_der_to_raw` when a device returns DER).
    """

    @property
    def certificate_chain(self) -> Sequence[x509.Certificate]: ...

    @property
    def algorithm(self) -> str: ...

    def sign(self, data: bytes) -> bytes: ...


def _hash_for(alg: str) -> hashes.HashAlgorithm:
    return _HASHES[alg[2:]]()


#: The signing input given in pieces (``ASCII(protected)``, ``"."``, payload), so that a long
#: payload is hashed where it is instead of being copied into one buffer first.
SigningInput = bytes | Sequence[bytes]


def _prepared(alg: str, data: SigningInput) -> tuple[bytes, hashes.HashAlgorithm | utils.Prehashed]:
    """What to sign or verify: ``data`` itself, or the digest of its pieces (prehashed)."""
    digest = _hash_for(alg)
    if isinstance(data, bytes):
        return data, digest
    hasher = hashlib.new(digest.name)
    for piece in data:
        hasher.update(piece)
    return hasher.digest(), utils.Prehashed(digest)


def default_algorithm(public_key: object) -> str:
    """The JOSE algorithm EDC would use for a key: RS256 for RSA, ES256/384/512 by curve."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RS256"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        for alg, (curve, _) in _CURVES.items():
            if public_key.curve.name == curve:
                return alg
        raise SealError(f"unsupported elliptic curve {public_key.curve.name}")
    raise SealError(f"unsupported key type {type(public_key).__name__}; use RSA or EC")


def check_algorithm(alg: str, public_key: object) -> str | None:
    """Why ``alg`` cannot be used with ``public_key``, or ``None`` when it fits."""
    if alg not in ALGORITHMS:
        return f"algorithm {alg!r} is not supported"
    if alg[:2] in ("RS", "PS"):
        if not isinstance(public_key, rsa.RSAPublicKey):
            return f"{alg} needs an RSA key"
        if public_key.key_size < 2048:
            return f"RSA key of {public_key.key_size} bits is too short (2048 at least)"
        return None
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        return f"{alg} needs an EC key"
    if public_key.curve.name != _CURVES[alg][0]:
        return f"{alg} needs curve {_CURVES[alg][0]}, the key is on {public_key.curve.name}"
    return None


def ecdsa_der_to_raw(signature: bytes, alg: str) -> bytes:
    """Convert a DER ECDSA signature to the JOSE ``r || s`` form for ``alg`` (ES256...).

    :class:`~elmkit.errors.SealError` when ``alg`` is no ECDSA algorithm, when ``signature`` is
    not DER (a device that already returns ``r || s``, as PKCS#11's ``CKM_ECDSA`` does), or when
    its values are too large for ``alg``'s curve."""
    if alg not in _CURVES:
        raise SealError(f"{alg!r} is no JOSE ECDSA algorithm: give ES256, ES384 or ES512")
    size = _CURVES[alg][1]
    if not isinstance(signature, (bytes, bytearray, memoryview)):
        raise SealError(f"the ECDSA signature must be bytes, not {type(signature).__name__}")
    try:
        r, s = utils.decode_dss_signature(bytes(signature))
    except ValueError as exc:
        raise SealError(
            f"the ECDSA signature ({len(signature)} bytes) is not DER: a device that returns "
            f"r || s already ({2 * size} bytes for {alg}) needs no conversion"
        ) from exc
    if max(r, s).bit_length() > 8 * size:
        raise SealError(f"the ECDSA signature's values are too large for {alg}: another curve's key?")
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def ecdsa_raw_to_der(signature: bytes) -> bytes:
    """Convert a JOSE ``r || s`` ECDSA signature to DER."""
    half = len(signature) // 2
    return utils.encode_dss_signature(
        int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    )


def verify_jws_signature(
    public_key: object, alg: str, signature: bytes, data: SigningInput
) -> bool:
    """Check a JWS signature value over ``data`` (the signing input, or its pieces in order);
    ``False`` on any mismatch, malformed value or unfit key."""
    if check_algorithm(alg, public_key) is not None:
        return False
    hash_alg = _hash_for(alg)
    message, algorithm = _prepared(alg, data)
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            if alg.startswith("RS"):
                public_key.verify(signature, message, padding.PKCS1v15(), algorithm)
            else:
                pss = padding.PSS(mgf=padding.MGF1(hash_alg), salt_length=hash_alg.digest_size)
                public_key.verify(signature, message, pss, algorithm)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            if len(signature) != 2 * _CURVES[alg][1]:
                return False
            public_key.verify(ecdsa_raw_to_der(signature), message, ec.ECDSA(algorithm))
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer``'s key signed ``cert`` (``False`` too when that cannot be checked)."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _issuer_in(cert: x509.Certificate, pool: Sequence[x509.Certificate]) -> x509.Certificate | None:
    """The certificate of ``pool`` that issued ``cert``: of those named as its issuer, the one
    whose key signed it (a CA renewed with a new key keeps its name), else the first named."""
    named = [c for c in pool if c.subject == cert.issuer]
    if len(named) > 1:
        return next((c for c in named if _issued_by(cert, c)), named[0])
    return named[0] if named else None


def certification_path(
    leaf: x509.Certificate, others: Sequence[x509.Certificate]
) -> list[x509.Certificate]:
    """The leaf, then each certificate of ``others`` that issued the one before, in turn (a
    self-signed certificate ends it); certificates off that path are left out. Of several
    certificates with the issuer's name, the one whose key signed is taken."""
    path = [leaf]
    pool = [c for c in others if c != leaf]
    current = leaf
    while pool:
        nxt = _issuer_in(current, pool)
        if nxt is None or current.issuer == current.subject:
            break
        path.append(nxt)
        pool.remove(nxt)
        current = nxt
    return path


def _order_chain(
    leaf: x509.Certificate, others: Sequence[x509.Certificate]
) -> list[x509.Certificate]:
    """Leaf first, then each issuer in turn; certificates off the path follow at the end."""
    path = certification_path(leaf, others)
    rest = [c for c in others if c != leaf]
    for cert in path[1:]:
        rest.remove(cert)
    return path + rest


class KeySigner:
    """A signer holding its private key in memory (from PEM, PKCS#12, or a key object)."""

    __slots__ = ("_alg", "_chain", "_key")

    def __init__(
        self,
        private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        certificate_chain: Sequence[x509.Certificate],
        algorithm: str | None = None,
    ) -> None:
        if not certificate_chain:
            raise SealError("a signer needs at least its own certificate")
        if not isinstance(private_key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            raise SealError(f"unsupported private key type {type(private_key).__name__}")
        leaf = certificate_chain[0]
        if leaf.public_key() != private_key.public_key():
            raise SealError("the private key does not match the first certificate of the chain")
        alg = algorithm or default_algorithm(private_key.public_key())
        problem = check_algorithm(alg, private_key.public_key())
        if problem:
            raise SealError(problem)
        self._key = private_key
        self._chain = _order_chain(leaf, list(certificate_chain[1:]))
        self._alg = alg

    @property
    def certificate_chain(self) -> Sequence[x509.Certificate]:
        return self._chain

    @property
    def algorithm(self) -> str:
        return self._alg

    def with_algorithm(self, algorithm: str) -> KeySigner:
        """The same key and chain with another JOSE algorithm (e.g. PS256 instead of RS256)."""
        return KeySigner(self._key, self._chain, algorithm)

    def sign(self, data: SigningInput) -> bytes:
        """The JWS signature value of ``data`` (the signing input, or its pieces in order)."""
        hash_alg = _hash_for(self._alg)
        message, algorithm = _prepared(self._alg, data)
        if isinstance(self._key, rsa.RSAPrivateKey):
            if self._alg.startswith("PS"):
                pss = padding.PSS(mgf=padding.MGF1(hash_alg), salt_length=hash_alg.digest_size)
                return self._key.sign(message, pss, algorithm)
            return self._key.sign(message, padding.PKCS1v15(), algorithm)
        return ecdsa_der_to_raw(self._key.sign(message, ec.ECDSA(algorithm)), self._alg)

    @classmethod
    def from_pkcs12(
        cls,
        source: bytes | str | os.PathLike[str],
        password: str | bytes | None = None,
        *,
        algorithm: str | None = None,
    ) -> KeySigner:
        """Load a ``.p12``/``.pfx`` file (path) or its bytes."""
        from cryptography.hazmat.primitives.serialization import pkcs12

        data = _read_source(source, "PKCS#12")
        pwd = password.encode("utf-8") if isinstance(password, str) else password
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, pwd)
        except (ValueError, TypeError) as exc:  # TypeError: a password bytes the decoder refuses
            why = "no password given, or a corrupt file" if pwd is None else "wrong password or corrupt file"
            raise SealError(f"cannot open the PKCS#12 data ({why}): {exc}") from exc
        if key is None or cert is None:
            raise SealError("the PKCS#12 data has no private key or no certificate")
        if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            raise SealError(f"unsupported private key type {type(key).__name__}")
        return cls(key, [cert, *extra], algorithm)

    @classmethod
    def from_pem(
        cls,
        key: bytes | str | os.PathLike[str],
        certificates: bytes | str | os.PathLike[str] | Sequence[bytes | str | os.PathLike[str]],
        password: str | bytes | None = None,
        *,
        algorithm: str | None = None,
    ) -> KeySigner:
        """Load a PEM private key and a PEM certificate chain (one file, or several), leaf first."""
        key_data = _read_source(key, "PEM key")
        pwd = password.encode("utf-8") if isinstance(password, str) else password
        try:
            private_key = serialization.load_pem_private_key(key_data, pwd)
        except (ValueError, TypeError) as exc:
            raise SealError(f"cannot read the PEM private key: {exc}") from exc
        if not isinstance(private_key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            raise SealError(f"unsupported private key type {type(private_key).__name__}")
        sources = (
            [certificates]
            if isinstance(certificates, (bytes, str, os.PathLike))
            else list(certificates)
        )
        chain: list[x509.Certificate] = []
        for src in sources:
            try:
                chain.extend(x509.load_pem_x509_certificates(_read_source(src, "PEM certificates")))
            except ValueError as exc:
                raise SealError(f"cannot read the PEM certificates: {exc}") from exc
        if not chain:
            raise SealError("no certificate found in the PEM data")
        leaf = _certificate_of(private_key, chain)
        if leaf is None:
            raise SealError("no certificate in the PEM data matches the private key")
        return cls(private_key, [leaf, *[c for c in chain if c is not leaf]], algorithm)


def _certificate_of(
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, chain: Sequence[x509.Certificate]
) -> x509.Certificate | None:
    """The certificate of ``chain`` for ``private_key``. A certificate renewed without a new key
    has the same key as the one it replaces: of several, the newest valid now is taken."""
    mine = [c for c in chain if c.public_key() == private_key.public_key()]
    if len(mine) < 2:
        return mine[0] if mine else None
    now = datetime.now(UTC)
    valid = [c for c in mine if c.not_valid_before_utc <= now <= c.not_valid_after_utc]
    return max(valid, key=lambda c: c.not_valid_before_utc) if valid else mine[0]


def _read_source(source: bytes | str | os.PathLike[str], what: str) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str) and source.lstrip().startswith("-----BEGIN"):
        return source.encode("ascii")
    path = Path(source)
    try:
        return read_bounded(path, MAX_KEY_FILE_BYTES)
    except OSError as exc:
        raise SealError(f"cannot read {what} file {path}: {exc.strerror or exc}") from exc


def signer_from_pkcs12(
    source: bytes | str | os.PathLike[str],
    password: str | bytes | None = None,
    *,
    algorithm: str | None = None,
) -> KeySigner:
    """A :class:`KeySigner` from a PKCS#12 file or its bytes."""
    return KeySigner.from_pkcs12(source, password, algorithm=algorithm)


def signer_from_pem(
    key: bytes | str | os.PathLike[str],
    certificates: bytes | str | os.PathLike[str] | Sequence[bytes | str | os.PathLike[str]],
    password: str | bytes | None = None,
    *,
    algorithm: str | None = None,
) -> KeySigner:
    """A :class:`KeySigner` from a PEM private key and PEM certificate chain."""
    return KeySigner.from_pem(key, certificates, password, algorithm=algorithm)
