"""Certificate helpers: cached parsing, subject details, QcStatements, ``kid`` values."""

from __future__ import annotations

import functools
import hashlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from ._codec import b64_encode

if TYPE_CHECKING:
    from asn1crypto import x509 as asn1_x509

__all__ = [
    "OID_ORGANIZATION_IDENTIFIER",
    "QC_COMPLIANCE",
    "QC_PDS",
    "QC_SSCD",
    "QC_TYPE",
    "QC_TYPE_ESEAL",
    "QC_TYPE_ESIGN",
    "QC_TYPE_WEB",
    "QcInfo",
    "SignerInfo",
    "certificate_der",
    "certificate_digest",
    "certificate_serial",
    "der_certificate",
    "is_ca",
    "is_self_signed",
    "issuer_serial_kid",
    "key_usages",
    "public_key",
    "qc_info",
    "sha256_fingerprint",
    "signer_info",
    "to_asn1",
]

OID_ORGANIZATION_IDENTIFIER = "2.5.4.97"
OID_QC_STATEMENTS = "1.3.6.1.5.5.7.1.3"
QC_COMPLIANCE = "0.4.0.1862.1.1"
QC_SSCD = "0.4.0.1862.1.4"
QC_PDS = "0.4.0.1862.1.5"
QC_TYPE = "0.4.0.1862.1.6"
QC_TYPE_ESIGN = "0.4.0.1862.1.6.1"
QC_TYPE_ESEAL = "0.4.0.1862.1.6.2"
QC_TYPE_WEB = "0.4.0.1862.1.6.3"
_QC_TYPE_NAMES = {QC_TYPE_ESIGN: "esign", QC_TYPE_ESEAL: "eseal", QC_TYPE_WEB: "web"}


_T = TypeVar("_T")


class _PerCertificate(Generic[_T]):
    """A function of one certificate, remembered per certificate object and then per equal
    certificate. Looking up by identity first avoids hashing the certificate, which costs more
    than most of what is cached; the object is kept with its value so its id is not reused."""

    def __init__(self, fn: Callable[[x509.Certificate], _T], size: int) -> None:
        functools.update_wrapper(self, fn)
        self._by_value = functools.lru_cache(maxsize=size)(fn)
        self._by_id: dict[int, tuple[x509.Certificate, _T]] = {}
        self._size = size

    def __call__(self, cert: x509.Certificate) -> _T:
        entry = self._by_id.get(id(cert))
        if entry is not None and entry[0] is cert:
            return entry[1]
        value = self._by_value(cert)
        if len(self._by_id) >= self._size:
            self._by_id.clear()
        self._by_id[id(cert)] = (cert, value)
        return value

    def cache_clear(self) -> None:
        self._by_id.clear()
        self._by_value.cache_clear()


def _per_certificate(
    size: int,
) -> Callable[[Callable[[x509.Certificate], _T]], _PerCertificate[_T]]:
    def decorate(fn: Callable[[x509.Certificate], _T]) -> _PerCertificate[_T]:
        return _PerCertificate(fn, size)

    return decorate


@functools.lru_cache(maxsize=2048)
def der_certificate(der: bytes) -> x509.Certificate:
    """Parse a DER certificate (cached by its bytes); ``ValueError`` if it is not one."""
    with warnings.catch_warnings():
        # some real-world certificates have a non-positive serial number
        warnings.simplefilter("ignore")
        try:
            return x509.load_der_x509_certificate(der)
        except x509.InvalidVersion as exc:  # not a ValueError
            raise ValueError(f"not an X.509 certificate: {exc}") from exc


@functools.lru_cache(maxsize=2048)
def _asn1_from_der(der: bytes) -> asn1_x509.Certificate:
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(der)


def to_asn1(cert: x509.Certificate | bytes) -> asn1_x509.Certificate:
    """The asn1crypto view of a certificate (cached)."""
    return _asn1_from_der(cert if isinstance(cert, bytes) else certificate_der(cert))


def certificate_serial(cert: x509.Certificate) -> int:
    """A certificate's serial number (read without cryptography's warning for the non-positive
    ones some real-world certificates have)."""
    serial: int = to_asn1(cert).serial_number
    return serial


@_per_certificate(2048)
def certificate_der(cert: x509.Certificate) -> bytes:
    """The DER encoding of a certificate (cached)."""
    return cert.public_bytes(Encoding.DER)


@_per_certificate(1024)
def _digests(cert: x509.Certificate) -> dict[str, bytes]:
    return {}


def certificate_digest(cert: x509.Certificate, algorithm: str) -> bytes:
    """The digest of a certificate's DER encoding with a :mod:`hashlib` algorithm (cached)."""
    known = _digests(cert)
    digest = known.get(algorithm)
    if digest is None:
        digest = known[algorithm] = hashlib.new(algorithm, certificate_der(cert)).digest()
    return digest


def sha256_fingerprint(cert: x509.Certificate) -> bytes:
    return certificate_digest(cert, "sha256")


@_per_certificate(512)
def public_key(cert: x509.Certificate) -> Any:
    """The certificate's public key object (cached)."""
    return cert.public_key()


def is_self_signed(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject


def _extension_raw(cert: x509.Certificate, oid: str) -> bytes | None:
    """The DER value of an extension, read leniently (some CA certificates do not parse strictly)."""
    tbs = to_asn1(cert)["tbs_certificate"]
    for ext in tbs["extensions"]:
        if ext["extn_id"].dotted == oid:
            contents: bytes = ext["extn_value"].contents
            return contents
    return None


@_per_certificate(512)
def is_ca(cert: x509.Certificate) -> bool:
    """basicConstraints cA=TRUE."""
    try:
        return bool(to_asn1(cert).ca)
    except (ValueError, TypeError):
        return False


@_per_certificate(512)
def key_usages(cert: x509.Certificate) -> frozenset[str] | None:
    """keyUsage bits by asn1crypto name (``digital_signature``...); ``None`` when absent."""
    try:
        value = to_asn1(cert).key_usage_value
    except (ValueError, TypeError):
        return frozenset()
    if value is None:
        return None
    return frozenset(value.native)


def issuer_serial_kid(cert: x509.Certificate) -> str:
    """Standard base64 of the DER ``IssuerSerial`` (RFC 5035), the ``kid`` EDC writes."""
    from asn1crypto import cms
    from asn1crypto import x509 as asn1_x509

    value = cms.IssuerSerial(
        {
            "issuer": [asn1_x509.GeneralName(name="directory_name", value=to_asn1(cert).issuer)],
            "serial": certificate_serial(cert),
        }
    )
    return b64_encode(value.dump())


@_per_certificate(512)
def _kid_results(cert: x509.Certificate) -> dict[str, bool | None]:
    return {}


def kid_matches(kid: str, cert: x509.Certificate) -> bool | None:
    """Whether an IssuerSerial ``kid`` names ``cert``; ``None`` when ``kid`` is not one."""
    known = _kid_results(cert)
    try:
        return known[kid]
    except KeyError:
        pass
    result = _kid_matches(kid, cert)
    if len(known) >= 64:
        known.clear()
    known[kid] = result
    return result


def _kid_matches(kid: str, cert: x509.Certificate) -> bool | None:
    from asn1crypto import cms

    from ._codec import b64_decode

    issuer = to_asn1(cert).issuer
    try:  # asn1crypto decodes lazily: a malformed name may only fail when compared
        parsed = cms.IssuerSerial.load(b64_decode(kid))
        serial = parsed["serial"].native
        names = [gn.chosen for gn in parsed["issuer"] if gn.name == "directory_name"]
        if not names:
            return None
        if serial != certificate_serial(cert):
            return False
        return any(n.dump() == issuer.dump() or n == issuer for n in names)
    except (ValueError, TypeError, KeyError):
        return None


@dataclass(frozen=True, slots=True)
class QcInfo:
    """What a certificate's QcStatements (ETSI EN 319 412-5) declare."""

    compliance: bool = False
    types: tuple[str, ...] = ()
    sscd: bool = False
    pds: bool = False
    statements: tuple[str, ...] = ()

    @property
    def qualified_seal(self) -> bool:
        """QcCompliance together with QcType eseal."""
        return self.compliance and "eseal" in self.types

    def to_dict(self) -> dict[str, Any]:
        return {
            "qcCompliance": self.compliance,
            "qcTypes": list(self.types),
            "qcSSCD": self.sscd,
            "qcPDS": self.pds,
            "statements": list(self.statements),
        }


@_per_certificate(512)
def qc_info(cert: x509.Certificate) -> QcInfo:
    """Read the QcStatements extension; an absent or unreadable extension gives an empty result."""
    raw = _extension_raw(cert, OID_QC_STATEMENTS)
    return QcInfo() if raw is None else _parse_qc(raw)


@functools.lru_cache(maxsize=256)
def _parse_qc(raw: bytes) -> QcInfo:
    from ._asn1 import QcStatements, QcTypes

    try:
        statements = QcStatements.load(raw)
        statement_ids: list[str] = []
        types: list[str] = []
        for statement in statements:
            oid = statement["statement_id"].dotted
            statement_ids.append(oid)
            info = statement["statement_info"]
            if oid == QC_TYPE and info.native is not None:
                for qc_type in QcTypes.load(info.dump()):
                    types.append(_QC_TYPE_NAMES.get(qc_type.dotted, qc_type.dotted))
    except (ValueError, TypeError):
        return QcInfo()
    return QcInfo(
        compliance=QC_COMPLIANCE in statement_ids,
        types=tuple(types),
        sscd=QC_SSCD in statement_ids,
        pds=QC_PDS in statement_ids,
        statements=tuple(statement_ids),
    )


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class SignerInfo:
    """Who sealed: details of the signing certificate."""

    subject: str
    issuer: str
    common_name: str | None
    organization: str | None
    organization_identifier: str | None
    country: str | None
    serial_number: str
    not_before: datetime
    not_after: datetime
    sha256: str
    qc: QcInfo = field(default_factory=QcInfo)

    @property
    def name(self) -> str:
        """The best display name: organisation, else common name, else the subject DN."""
        return self.organization or self.common_name or self.subject

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "commonName": self.common_name,
            "organization": self.organization,
            "organizationIdentifier": self.organization_identifier,
            "country": self.country,
            "serialNumber": self.serial_number,
            "notBefore": self.not_before.isoformat(),
            "notAfter": self.not_after.isoformat(),
            "sha256": self.sha256,
            "qcStatements": self.qc.to_dict(),
        }


@_per_certificate(512)
def signer_info(cert: x509.Certificate) -> SignerInfo:
    subject = cert.subject
    return SignerInfo(
        subject=subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        common_name=_attr(subject, NameOID.COMMON_NAME),
        organization=_attr(subject, NameOID.ORGANIZATION_NAME),
        organization_identifier=_attr(subject, x509.ObjectIdentifier(OID_ORGANIZATION_IDENTIFIER)),
        country=_attr(subject, NameOID.COUNTRY_NAME),
        serial_number=format(certificate_serial(cert), "x"),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        sha256=sha256_fingerprint(cert).hex(),
        qc=qc_info(cert),
    )
