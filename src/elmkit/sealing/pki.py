"""A throw-away PKI for demos and tests: root CA, optional intermediate, e-seal and TSA certificates.

The e-seal certificate looks like a qualified certificate for electronic seals: it carries the
organisation's ``organizationIdentifier`` (2.5.4.97), keyUsage digitalSignature+nonRepudiation,
QcStatements (QcCompliance, QcType eseal) and the QCP-l policy. It is *not* qualified: nothing
here is on an EU Trusted List.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from elmkit.errors import SealError

from .certs import OID_ORGANIZATION_IDENTIFIER, QC_COMPLIANCE, QC_SSCD, QC_TYPE
from .signers import KeySigner

if TYPE_CHECKING:
    from .timestamps import LocalTimestampClient

__all__ = ["PrivateKey", "TestPKI", "create_test_pki"]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
KeyType = Literal["rsa", "ec"]

_QCP_L = "0.4.0.194112.1.1"
_QCP_L_QSCD = "0.4.0.194112.1.3"
_SEMANTICS_V2 = "1.3.6.1.5.5.7.11.2"
_SEMANTICS_LEGAL = "0.4.0.194121.1.2"
_QC_TYPE_OIDS = {
    "esign": "0.4.0.1862.1.6.1",
    "eseal": "0.4.0.1862.1.6.2",
    "web": "0.4.0.1862.1.6.3",
}
_KEY_USAGE_NAMES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)


def _new_key(key_type: KeyType, rsa_bits: int, curve: str) -> PrivateKey:
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    curves: dict[str, ec.EllipticCurve] = {
        "P-256": ec.SECP256R1(),
        "P-384": ec.SECP384R1(),
        "P-521": ec.SECP521R1(),
    }
    if curve not in curves:
        raise SealError(f"unknown curve {curve!r}; use P-256, P-384 or P-521")
    return ec.generate_private_key(curves[curve])


def _hash_for(key: PrivateKey) -> hashes.SHA256 | hashes.SHA384 | hashes.SHA512:
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size > 256:
        return hashes.SHA384() if key.curve.key_size == 384 else hashes.SHA512()
    return hashes.SHA256()


def _key_usage(names: Sequence[str]) -> x509.KeyUsage:
    aliases = {"non_repudiation": "content_commitment"}
    wanted = {aliases.get(n, n) for n in names}
    unknown = wanted - set(_KEY_USAGE_NAMES)
    if unknown:
        raise SealError(f"unknown key usage(s): {', '.join(sorted(unknown))}")
    flags = {n: n in wanted for n in _KEY_USAGE_NAMES}
    agreement = flags["key_agreement"]
    return x509.KeyUsage(
        digital_signature=flags["digital_signature"],
        content_commitment=flags["content_commitment"],
        key_encipherment=flags["key_encipherment"],
        data_encipherment=flags["data_encipherment"],
        key_agreement=agreement,
        key_cert_sign=flags["key_cert_sign"],
        crl_sign=flags["crl_sign"],
        encipher_only=False,
        decipher_only=False,
    )


def _qc_statements(qc_type: str | None, sscd: bool) -> x509.UnrecognizedExtension:
    from asn1crypto import core

    from ._asn1 import QcStatement, QcStatements, QcTypes, SemanticsInformation

    items = [
        QcStatement(
            {
                "statement_id": _SEMANTICS_V2,
                "statement_info": SemanticsInformation({"semantics_identifier": _SEMANTICS_LEGAL}),
            }
        ),
        QcStatement({"statement_id": QC_COMPLIANCE}),
    ]
    if sscd:
        items.append(QcStatement({"statement_id": QC_SSCD}))
    if qc_type is not None:
        if qc_type not in _QC_TYPE_OIDS:
            raise SealError(f"unknown QcType {qc_type!r}; use eseal, esign or web")
        types = QcTypes([core.ObjectIdentifier(_QC_TYPE_OIDS[qc_type])])
        items.append(QcStatement({"statement_id": QC_TYPE, "statement_info": types}))
    der = QcStatements(items).dump()
    return x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3"), der)


def _write_atomic(path: Path, data: bytes, *, mode: int = 0o600, durable: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed over it. ``mode`` is the
    file's (keys are for their owner alone); ``durable`` syncs the file before the rename."""
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "a folder is in the way", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _encryption(password: str | bytes | None) -> serialization.KeySerializationEncryption:
    """How a key is written: encrypted with ``password`` (text as UTF-8, or bytes, as the
    readers of keys take it), or in the clear without one."""
    if not password:
        return serialization.NoEncryption()
    if not isinstance(password, (str, bytes)):
        raise SealError(f"a password is text or bytes, not {type(password).__name__}")
    secret = password.encode("utf-8") if isinstance(password, str) else password
    return serialization.BestAvailableEncryption(secret)


def _pem_key(key: PrivateKey, password: str | bytes | None) -> bytes:
    encryption = _encryption(password)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def _pem_certs(certs: Sequence[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


@dataclass(frozen=True)
class TestPKI:
    """The keys and certificates made by :func:`create_test_pki`."""

    __test__: ClassVar[bool] = False  # not a pytest test class

    root_key: PrivateKey
    root_certificate: x509.Certificate
    seal_key: PrivateKey
    seal_certificate: x509.Certificate
    tsa_key: PrivateKey
    tsa_certificate: x509.Certificate
    intermediate_key: PrivateKey | None = None
    intermediate_certificate: x509.Certificate | None = None
    options: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def issuing_key(self) -> PrivateKey:
        """The key of the CA that issues end-entity certificates."""
        return self.intermediate_key or self.root_key

    @property
    def issuing_certificate(self) -> x509.Certificate:
        return self.intermediate_certificate or self.root_certificate

    @property
    def chain(self) -> list[x509.Certificate]:
        """The e-seal certificate and its intermediate (what goes into ``x5c``)."""
        return [self.seal_certificate, *self._intermediates]

    @property
    def _intermediates(self) -> list[x509.Certificate]:
        return [self.intermediate_certificate] if self.intermediate_certificate else []

    @property
    def trust_anchors(self) -> list[x509.Certificate]:
        """The root certificate, to pass as ``trust`` when verifying."""
        return [self.root_certificate]

    def signer(self, algorithm: str | None = None) -> KeySigner:
        """A signer with the e-seal key and chain."""
        return KeySigner(self.seal_key, self.chain, algorithm)

    def timestamp_client(self, *, clock: datetime | None = None) -> LocalTimestampClient:
        """An in-process RFC 3161 TSA backed by this PKI's TSA certificate."""
        from .timestamps import LocalTimestampClient

        return LocalTimestampClient(
            self.tsa_certificate, self.tsa_key, certificates=[self.root_certificate], clock=clock
        )

    def issue_seal(
        self,
        *,
        key_type: KeyType | None = None,
        organization_identifier: str | None = None,
        org_name: str | None = None,
        country: str | None = None,
        common_name: str | None = None,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        key_usage: Sequence[str] = ("digital_signature", "non_repudiation"),
        ca: bool = False,
        qualified: bool = True,
        qc_type: str | None = "eseal",
        sscd: bool = False,
        issuer_key: PrivateKey | None = None,
        issuer_certificate: x509.Certificate | None = None,
    ) -> KeySigner:
        """Issue another end-entity certificate from this PKI (for variations in tests and demos).

        Returns a signer whose chain is the new certificate and this PKI's intermediate.
        """
        opts = self.options
        kt: KeyType = key_type or (
            "ec" if isinstance(self.seal_key, ec.EllipticCurvePrivateKey) else "rsa"
        )
        key = _new_key(
            kt, int(str(opts.get("rsa_key_size", 2048))), str(opts.get("ec_curve", "P-256"))
        )
        cert = _seal_certificate(
            key,
            issuer_key or self.issuing_key,
            issuer_certificate or self.issuing_certificate,
            org_name=org_name or str(opts.get("org_name", "Test Organisation")),
            organization_identifier=organization_identifier
            or str(opts.get("organization_identifier", "VATES-Q0000000J")),
            country=country or str(opts.get("country", "ES")),
            common_name=common_name,
            not_before=not_before or datetime.now(UTC) - timedelta(days=1),
            not_after=not_after or datetime.now(UTC) + timedelta(days=365),
            key_usage=key_usage,
            ca=ca,
            qualified=qualified,
            qc_type=qc_type,
            sscd=sscd,
            crl_url=str(opts["crl_url"]) if opts.get("crl_url") else None,
        )
        chain = [cert] if issuer_certificate else [cert, *self._intermediates]
        return KeySigner(key, chain)

    def crl(
        self,
        revoked: Sequence[tuple[x509.Certificate, datetime]] = (),
        *,
        this_update: datetime | None = None,
        next_update: datetime | None = None,
    ) -> bytes:
        """A DER CRL from the issuing CA listing ``(certificate, revocation time)`` pairs."""
        now = this_update or datetime.now(UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.issuing_certificate.subject)
            .last_update(now)
            .next_update(next_update or now + timedelta(days=7))
        )
        for cert, when in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(cert.serial_number)
                .revocation_date(when)
                .build()
            )
        key = self.issuing_key
        crl = builder.sign(key, _hash_for(key))
        return crl.public_bytes(serialization.Encoding.DER)

    def pkcs12_bytes(self, password: str | bytes | None = None, *, name: str = "e-seal") -> bytes:
        """The e-seal key and chain as PKCS#12 bytes."""
        from cryptography.hazmat.primitives.serialization import pkcs12

        encryption = _encryption(password)
        return pkcs12.serialize_key_and_certificates(
            name.encode("utf-8"),
            self.seal_key,
            self.seal_certificate,
            self._intermediates or None,
            encryption,
        )

    def write_pkcs12(
        self, path: str | os.PathLike[str], password: str | bytes | None = None
    ) -> Path:
        """Write the e-seal key and chain to a ``.p12`` file."""
        target = Path(path)
        _write_atomic(target, self.pkcs12_bytes(password))
        return target

    def write_pem(
        self, directory: str | os.PathLike[str], *, password: str | bytes | None = None
    ) -> dict[str, Path]:
        """Write PEM files into ``directory``; returns their paths by role.

        Roles: ``root`` (trust anchor), ``chain`` (e-seal certificate + intermediate), ``key``
        (e-seal private key, encrypted when ``password`` is given), ``tsa`` and ``tsa_key``.
        """
        folder = Path(directory)
        files = {
            "root": (folder / "root-ca.pem", _pem_certs([self.root_certificate])),
            "chain": (folder / "seal-chain.pem", _pem_certs(self.chain)),
            "key": (folder / "seal-key.pem", _pem_key(self.seal_key, password)),
            "tsa": (folder / "tsa.pem", _pem_certs([self.tsa_certificate])),
            "tsa_key": (folder / "tsa-key.pem", _pem_key(self.tsa_key, password)),
        }
        for path, data in files.values():
            _write_atomic(path, data)
        return {role: path for role, (path, _) in files.items()}


def _ski(key: PrivateKey) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key())


def _aki(issuer_key: PrivateKey) -> x509.AuthorityKeyIdentifier:
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key())


def _name(*pairs: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in pairs if value])


def _ca_certificate(
    key: PrivateKey,
    subject: x509.Name,
    issuer_key: PrivateKey,
    issuer: x509.Name,
    not_before: datetime,
    not_after: datetime,
    path_length: int | None,
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(_key_usage(["key_cert_sign", "crl_sign"]), critical=True)
        .add_extension(_ski(key), critical=False)
        .add_extension(_aki(issuer_key), critical=False)
        .sign(issuer_key, _hash_for(issuer_key))
    )


def _seal_certificate(
    key: PrivateKey,
    issuer_key: PrivateKey,
    issuer: x509.Certificate,
    *,
    org_name: str,
    organization_identifier: str,
    country: str,
    common_name: str | None,
    not_before: datetime,
    not_after: datetime,
    key_usage: Sequence[str],
    ca: bool,
    qualified: bool,
    qc_type: str | None,
    sscd: bool,
    crl_url: str | None = None,
) -> x509.Certificate:
    subject = _name(
        (NameOID.COUNTRY_NAME, country),
        (NameOID.ORGANIZATION_NAME, org_name),
        (x509.ObjectIdentifier(OID_ORGANIZATION_IDENTIFIER), organization_identifier),
        (NameOID.COMMON_NAME, common_name or org_name),
    )
    policy = _QCP_L_QSCD if sscd else _QCP_L
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_key_usage(key_usage), critical=True)
        .add_extension(_ski(key), critical=False)
        .add_extension(_aki(issuer_key), critical=False)
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(policy), None)]),
            critical=False,
        )
    )
    if qualified:
        builder = builder.add_extension(_qc_statements(qc_type, sscd), critical=False)
    if crl_url:
        builder = builder.add_extension(_crl_dp(crl_url), critical=False)
    return builder.sign(issuer_key, _hash_for(issuer_key))


def _crl_dp(url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)]
    )


def create_test_pki(
    org_name: str = "Test University",
    organization_identifier: str = "VATES-Q0000000J",
    country: str = "ES",
    key_type: KeyType = "rsa",
    *,
    common_name: str | None = None,
    intermediate: bool = True,
    rsa_key_size: int = 2048,
    ec_curve: str = "P-256",
    not_before: datetime | None = None,
    valid_days: int = 730,
    qualified: bool = True,
    qc_type: str | None = "eseal",
    sscd: bool = False,
    crl_url: str | None = None,
) -> TestPKI:
    """Create a root CA, optionally an intermediate CA, an e-seal certificate and a TSA certificate.

    ``organization_identifier`` follows ETSI EN 319 412-1 (``VATES-Q0000000J``: VAT, Spain, the
    number). ``qualified=False`` leaves out the QcStatements; ``qc_type`` may be ``"esign"`` to
    make a certificate that is qualified but not for seals. ``crl_url`` adds a CRL distribution
    point to the e-seal certificate, so that CRLs from :meth:`TestPKI.crl` embedded in a seal
    are used for revocation (nothing is fetched unless the verifier allows it).
    """
    if key_type not in ("rsa", "ec"):
        raise SealError(f"key_type must be 'rsa' or 'ec', not {key_type!r}")
    if len(country) != 2 or not country.isalpha():
        raise SealError(f"country must be an ISO 3166 alpha-2 code, not {country!r}")
    if isinstance(valid_days, bool) or not isinstance(valid_days, int) or valid_days < 1:
        raise SealError(
            f"valid_days must be a whole number of days, 1 or more, not {valid_days!r} (for "
            "certificates already expired, give an earlier not_before)"
        )
    start = not_before or datetime.now(UTC) - timedelta(days=1)
    ca_end = start + timedelta(days=valid_days + 3650)

    def key() -> PrivateKey:
        return _new_key(key_type, rsa_key_size, ec_curve)

    root_key = key()
    root_name = _name(
        (NameOID.COUNTRY_NAME, country),
        (NameOID.ORGANIZATION_NAME, org_name),
        (NameOID.COMMON_NAME, f"{org_name} Test Root CA"),
    )
    root = _ca_certificate(root_key, root_name, root_key, root_name, start, ca_end, None)
    issuer_key, issuer = root_key, root
    inter_key: PrivateKey | None = None
    inter: x509.Certificate | None = None
    if intermediate:
        inter_key = key()
        inter_name = _name(
            (NameOID.COUNTRY_NAME, country),
            (NameOID.ORGANIZATION_NAME, org_name),
            (NameOID.COMMON_NAME, f"{org_name} Test e-Seal CA"),
        )
        inter = _ca_certificate(inter_key, inter_name, root_key, root_name, start, ca_end, 0)
        issuer_key, issuer = inter_key, inter

    seal_key = key()
    seal = _seal_certificate(
        seal_key,
        issuer_key,
        issuer,
        org_name=org_name,
        organization_identifier=organization_identifier,
        country=country,
        common_name=common_name,
        not_before=start,
        not_after=start + timedelta(days=valid_days),
        key_usage=("digital_signature", "non_repudiation"),
        ca=False,
        qualified=qualified,
        qc_type=qc_type,
        sscd=sscd,
        crl_url=crl_url,
    )

    tsa_key = key()
    tsa = (
        x509.CertificateBuilder()
        .subject_name(
            _name(
                (NameOID.COUNTRY_NAME, country),
                (NameOID.ORGANIZATION_NAME, org_name),
                (NameOID.COMMON_NAME, f"{org_name} Test TSA"),
            )
        )
        .issuer_name(root.subject)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(ca_end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(["digital_signature", "non_repudiation"]), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(_ski(tsa_key), critical=False)
        .add_extension(_aki(root_key), critical=False)
        .sign(root_key, _hash_for(root_key))
    )
    return TestPKI(
        root_key=root_key,
        root_certificate=root,
        seal_key=seal_key,
        seal_certificate=seal,
        tsa_key=tsa_key,
        tsa_certificate=tsa,
        intermediate_key=inter_key,
        intermediate_certificate=inter,
        options={
            "org_name": org_name,
            "organization_identifier": organization_identifier,
            "country": country,
            "rsa_key_size": rsa_key_size,
            "ec_curve": ec_curve,
            "crl_url": crl_url,
        },
    )
