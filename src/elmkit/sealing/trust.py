"""Trust anchors and certificate-path validation (pyhanko-certvalidator), with caching."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from cryptography import x509

from elmkit.errors import VerificationError

from ._codec import MAX_KEY_FILE_BYTES, read_bounded
from .certs import certificate_der, der_certificate, is_ca, to_asn1

__all__ = [
    "ChainResult",
    "RevocationMode",
    "TrustStore",
    "clear_caches",
    "load_trust",
    "validate_chain",
]

RevocationMode = Literal["soft-fail", "hard-fail", "require"]

_CERT_SUFFIXES = (".pem", ".crt", ".cer", ".cert", ".der")
#: How ``openssl rehash`` (``c_rehash``) names the certificates of a folder: ``5ad8a5d6.0``.
_HASHED_NAME = re.compile(r"[0-9a-f]{8}\.[0-9]+")


def _may_hold_certificates(name: str) -> bool:
    """Whether a trust folder's file ``name`` is read: a certificate suffix, an OpenSSL hashed
    name, or no suffix at all (``root-ca``)."""
    lowered = name.lower()
    return (
        lowered.endswith(_CERT_SUFFIXES)
        or _HASHED_NAME.fullmatch(lowered) is not None
        or ("." not in name.lstrip("."))
    )


def _certs_from_bytes(data: bytes, origin: str) -> list[x509.Certificate]:
    if b"-----BEGIN" in data:
        if b"-----BEGIN CERTIFICATE-----" not in data:
            return []
        try:
            return list(x509.load_pem_x509_certificates(data))
        except ValueError as exc:
            raise VerificationError(f"unreadable certificate in {origin}: {exc}") from exc
    try:
        return [der_certificate(data)]
    except ValueError as exc:
        raise VerificationError(f"{origin} is not a certificate (PEM or DER)") from exc


@functools.lru_cache(maxsize=128)
def _load_file(path: str, mtime_ns: int, size: int) -> tuple[x509.Certificate, ...]:
    try:
        data = read_bounded(path, MAX_KEY_FILE_BYTES)
    except OSError as exc:
        raise VerificationError(f"cannot read trust file {path}: {exc.strerror or exc}") from exc
    return tuple(_certs_from_bytes(data, path))


def _load_path(path: Path) -> list[x509.Certificate]:
    if path.is_dir():
        certs: list[x509.Certificate] = []
        for child in sorted(path.iterdir()):
            if child.is_file() and _may_hold_certificates(child.name):
                try:
                    certs.extend(_load_path(child))
                except VerificationError:
                    continue
        return certs
    try:
        st = path.stat()
    except OSError as exc:
        raise VerificationError(f"trust anchors not found: {path}") from exc
    return list(_load_file(str(path.resolve()), st.st_mtime_ns, st.st_size))


class TrustStore:
    """The certificates a verifier trusts.

    Only CA certificates (basicConstraints cA=TRUE) become anchors: a trusted end-entity
    certificate would let a signer vouch for itself. Anchors may be roots or intermediates.
    """

    __slots__ = ("_anchors", "_asn1", "_ignored", "key")

    def __init__(self, certificates: Iterable[x509.Certificate]) -> None:
        anchors: dict[bytes, x509.Certificate] = {}
        ignored = 0
        for cert in certificates:
            if is_ca(cert):
                anchors.setdefault(certificate_der(cert), cert)
            else:
                ignored += 1
        self._anchors = tuple(anchors.values())
        self._asn1 = tuple(to_asn1(der) for der in anchors)
        self._ignored = ignored
        self.key = hashlib.sha256(
            b"".join(sorted(hashlib.sha256(d).digest() for d in anchors))
        ).hexdigest()

    @property
    def anchors(self) -> tuple[x509.Certificate, ...]:
        return self._anchors

    @property
    def ignored(self) -> int:
        """How many non-CA certificates were given and not used as anchors."""
        return self._ignored

    def __len__(self) -> int:
        return len(self._anchors)

    def __repr__(self) -> str:
        return f"TrustStore({len(self._anchors)} anchors)"

    def contains(self, cert: x509.Certificate) -> bool:
        return cert in self._anchors

    def asn1_anchors(self) -> tuple[Any, ...]:
        return self._asn1


def load_trust(source: Any) -> TrustStore:
    """Build a :class:`TrustStore` from PEM/DER file(s), a folder, certificate objects or bytes."""
    if isinstance(source, TrustStore):
        return source
    items: Iterable[Any]
    if isinstance(source, (str, os.PathLike, x509.Certificate, bytes)):
        items = [source]
    else:
        try:
            items = list(source)
        except TypeError as exc:
            raise VerificationError(f"unsupported trust source {type(source).__name__}") from exc
    certs: list[x509.Certificate] = []
    for item in items:
        if isinstance(item, x509.Certificate):
            certs.append(item)
        elif isinstance(item, bytes):
            certs.extend(_certs_from_bytes(item, "trust bytes"))
        elif isinstance(item, (str, os.PathLike)):
            certs.extend(_load_path(Path(item)))
        else:
            raise VerificationError(f"unsupported trust source {type(item).__name__}")
    store = TrustStore(certs)
    if not len(store):
        folders = [
            str(item) for item in items if isinstance(item, (str, os.PathLike)) and Path(item).is_dir()
        ]
        read = (
            f" (in {', '.join(folders)}, files named "
            f"{', '.join('*' + suffix for suffix in _CERT_SUFFIXES)}, as "
            "'openssl rehash' names them, or without a suffix are read)"
            if folders
            else ""
        )
        raise VerificationError(f"no CA certificate found among the trust anchors{read}")
    return store


@dataclass(frozen=True, slots=True)
class ChainResult:
    """The outcome of path validation for one certificate at one time."""

    ok: bool
    code: str = ""
    reason: str = ""
    path: tuple[str, ...] = ()
    anchor: str = ""
    revocation: str = ""
    details: dict[str, Any] = field(default_factory=dict)


class _LRU:
    def __init__(self, size: int) -> None:
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


#: Results by their exact inputs, validation time included.
_CHAIN_CACHE = _LRU(256)
#: Successful results without revocation data, by their inputs but the time, with the period
#: in which every certificate of the validated path is valid: the same path validates at any
#: time in that period (nothing else it is checked against depends on the time).
_WINDOW_CACHE = _LRU(256)
_WINDOWS_PER_KEY = 8


def clear_caches() -> None:
    """Forget every cache of the sealing package: parsed certificates and what was read from
    them, verified time-stamp tokens, loaded trust files and path-validation results (all depend
    only on their inputs)."""
    from . import certs, jades, timestamps

    _CHAIN_CACHE.clear()
    _WINDOW_CACHE.clear()
    _load_file.cache_clear()
    certs.der_certificate.cache_clear()
    certs._asn1_from_der.cache_clear()
    certs._parse_qc.cache_clear()
    certs.certificate_der.cache_clear()
    certs._digests.cache_clear()
    certs.public_key.cache_clear()
    certs.is_ca.cache_clear()
    certs.key_usages.cache_clear()
    certs.qc_info.cache_clear()
    certs.signer_info.cache_clear()
    certs._kid_results.cache_clear()
    jades._cert_from_b64.cache_clear()
    timestamps._verify_token_cached.cache_clear()
    sealer = sys.modules.get(f"{__package__}.sealer")
    if sealer is not None:
        sealer._CHAINS.clear()
        sealer._facts_of.cache_clear()
        sealer._certificate_problem.cache_clear()


_LOOPS = threading.local()


def _run(coro: Any) -> Any:
    """Run a coroutine to completion from synchronous code, reusing one event loop per thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop = getattr(_LOOPS, "loop", None)
        if loop is None or loop.is_closed():
            loop = asyncio.new_event_loop()
            _LOOPS.loop = loop
        return loop.run_until_complete(coro)
    # called from async code: run in a helper thread rather than block the caller's loop
    result: list[Any] = []
    error: list[BaseException] = []

    def worker() -> None:
        try:
            result.append(asyncio.run(coro))
        except BaseException as exc:  # re-raised in the calling thread
            error.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


def _digest_set(items: Iterable[bytes]) -> frozenset[bytes]:
    return frozenset(hashlib.sha256(i).digest() for i in items)


def _window_hit(key: Any, moment: datetime) -> ChainResult | None:
    for start, end, result in _WINDOW_CACHE.get(key) or ():
        if start <= moment <= end:
            return result  # type: ignore[no-any-return]
    return None


def validate_chain(
    cert: x509.Certificate,
    *,
    trust: TrustStore,
    moment: datetime,
    intermediates: Sequence[x509.Certificate] = (),
    crls: Sequence[bytes] = (),
    ocsps: Sequence[bytes] = (),
    revocation_mode: RevocationMode = "soft-fail",
    allow_fetching: bool = False,
    extended_key_usage: frozenset[str] = frozenset(),
) -> ChainResult:
    """Build and validate a path from ``cert`` to an anchor of ``trust`` at ``moment``.

    Embedded CRLs/OCSP responses are used for revocation; the network only when
    ``allow_fetching``. Results without fetching are cached (they depend only on the inputs);
    a success without revocation data also serves other times at which every certificate of
    its path is valid.
    """
    inter_der = [certificate_der(c) for c in intermediates]
    inputs = (
        certificate_der(cert),
        frozenset(inter_der),
        trust.key,
        _digest_set(crls),
        _digest_set(ocsps),
        revocation_mode,
        extended_key_usage,
    )
    key = (*inputs, moment)
    timeless = not allow_fetching and not crls and not ocsps
    if not allow_fetching:
        cached = _CHAIN_CACHE.get(key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        if timeless:
            hit = _window_hit(inputs, moment)
            if hit is not None:
                return hit
    result, window = _validate(
        cert,
        trust,
        moment,
        inter_der,
        crls,
        ocsps,
        revocation_mode,
        allow_fetching,
        extended_key_usage,
    )
    if not allow_fetching:
        _CHAIN_CACHE.put(key, result)
        if timeless and result.ok and window is not None:
            entries = [(*window, result), *(_WINDOW_CACHE.get(inputs) or ())]
            _WINDOW_CACHE.put(inputs, entries[:_WINDOWS_PER_KEY])
    return result


def _validate(
    cert: x509.Certificate,
    trust: TrustStore,
    moment: datetime,
    inter_der: Sequence[bytes],
    crls: Sequence[bytes],
    ocsps: Sequence[bytes],
    revocation_mode: RevocationMode,
    allow_fetching: bool,
    extended_key_usage: frozenset[str],
) -> tuple[ChainResult, tuple[datetime, datetime] | None]:
    """The result, and on success the period in which every certificate of the path is valid."""
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator import errors as cv_errors

    leaf = to_asn1(cert)
    others = [to_asn1(d) for d in inter_der]
    failure: ChainResult | None
    try:
        context = ValidationContext(
            trust_roots=list(trust.asn1_anchors()),
            other_certs=others,
            crls=list(crls),
            ocsps=list(ocsps),
            moment=moment,
            allow_fetching=allow_fetching,
            revocation_mode=revocation_mode,
            # revocation data in a seal is gathered after signing: a CRL/OCSP response issued
            # later still proves the status at the signing time (the revocation date decides)
            retroactive_revinfo=True,
        )
        validator = CertificateValidator(
            leaf, intermediate_certs=others, validation_context=context
        )
        path = _run(
            validator.async_validate_usage(  # type: ignore[no-untyped-call]
                set(), extended_key_usage=set(extended_key_usage) or None
            )
        )
    except cv_errors.PathBuildingError as exc:
        failure = ChainResult(False, "untrusted-chain", f"no path to a trust anchor: {exc}")
    except cv_errors.RevokedError as exc:
        failure = ChainResult(False, "certificate-revoked", str(exc))
    except cv_errors.ExpiredError as exc:
        failure = ChainResult(False, "certificate-expired", str(exc))
    except cv_errors.NotYetValidError as exc:
        failure = ChainResult(False, "certificate-not-yet-valid", str(exc))
    except cv_errors.InsufficientRevinfoError as exc:
        failure = ChainResult(False, "revocation-unknown", str(exc))
    except cv_errors.DisallowedAlgorithmError as exc:
        failure = ChainResult(False, "weak-algorithm", str(exc))
    except (cv_errors.PathValidationError, cv_errors.ValidationError) as exc:
        failure = ChainResult(False, "chain-invalid", str(exc))
    except (ValueError, TypeError) as exc:
        failure = ChainResult(False, "chain-invalid", f"path validation failed: {exc}")
    else:
        failure = None
    if failure is not None:
        return failure, None
    certs = list(path.iter_certs(include_root=True))
    names = tuple(c.subject.human_friendly for c in certs)
    anchor = path.trust_anchor.authority.name.human_friendly
    used = bool(crls or ocsps)
    revocation = (
        f"checked with {len(crls)} CRL(s) and {len(ocsps)} OCSP response(s) embedded"
        if used
        else ("fetched online" if allow_fetching else "no revocation data embedded (not checked)")
    )
    result = ChainResult(True, path=names, anchor=anchor, revocation=revocation)
    try:
        validity = [c["tbs_certificate"]["validity"] for c in certs]
        starts = [v["not_before"].native for v in validity]
        ends = [v["not_after"].native for v in validity]
    except (ValueError, TypeError, KeyError):
        return result, None
    if not all(type(t) is datetime and t.tzinfo is not None for t in (*starts, *ends)):
        return result, None
    return result, (max(starts), min(ends))
