"""JAdES (ETSI TS 119 182-1) structure: parsing the three JWS serializations, header rules,
signing-certificate references, ``etsiU`` components and time-stamp message imprints.

Everything here works on the exact strings of the JWS; nothing is re-serialized.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from cryptography import x509

from elmkit.errors import DuplicateKeyError, ParseError, VerificationError

from ._codec import (
    JSON_WHITESPACE,
    NOT_PARSED,
    b64_decode,
    b64url_decode,
    b64url_encode,
    loads_strict,
    parse_fast,
)
from .certs import certificate_digest, der_certificate, kid_matches
from .signers import ALGORITHMS

__all__ = [
    "REGISTERED_HEADER_NAMES",
    "UNDERSTOOD_HEADER_NAMES",
    "EtsiUComponent",
    "HeaderInfo",
    "JadesError",
    "JwsSignature",
    "ParsedJws",
    "check_headers",
    "etsiu_components",
    "imprint_input",
    "parse_jws",
    "signing_certificate",
]

Serialization = Literal["general", "flattened", "compact"]

#: Header names defined by RFC 7515/7516/7518: never allowed in ``crit``.
REGISTERED_HEADER_NAMES: frozenset[str] = frozenset(
    {
        "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit",
        "enc", "zip", "epk", "apu", "apv", "iv", "tag", "p2s", "p2c",
    }
)  # fmt: skip

#: Header names elmkit processes, and may therefore be marked critical.
UNDERSTOOD_HEADER_NAMES: frozenset[str] = frozenset(
    {
        "b64", "sigT", "iat", "exp", "adoTst", "sigX5ts", "x5t#o", "srCms", "sigPl", "srAts",
        "sigPId", "sigD", "etsiU",
    }
)  # fmt: skip

#: Time-stamp components of ``etsiU`` and of the protected header.
TIMESTAMP_NAMES = ("sigTst", "arcTst", "sigRTst", "rfsTst", "adoTst")
_KNOWN_ETSIU = frozenset(
    {
        "sigTst", "xVals", "rVals", "arcTst", "tstVD", "sigRTst", "rfsTst", "xRefs", "rRefs",
        "axRefs", "arRefs", "axVals", "arVals", "cSig", "sigPSt", "anyValData",
    }
)  # fmt: skip
_REFS = frozenset({"xRefs", "rRefs", "axRefs", "arRefs"})
_TYP_VALUES = frozenset({"jose", "jose+json", "application/jose", "application/jose+json"})
_SIGT_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z")
_DIGEST_NAMES = {
    "S256": "sha256",
    "S384": "sha384",
    "S512": "sha512",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}


class JadesError(VerificationError):
    """A JWS/JAdES rule is broken; ``code`` names the rule (``crit-empty``, ``x5t-mismatch``...)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class JwsSignature:
    """One signature of a JWS, with its headers exactly as found."""

    protected_b64: str
    protected: dict[str, Any]
    header: dict[str, Any]
    signature_b64: str
    signature: bytes

    def get(self, name: str) -> Any:
        """A header value from the protected or the unprotected header."""
        if name in self.protected:
            return self.protected[name]
        return self.header.get(name)

    def has(self, name: str) -> bool:
        return name in self.protected or name in self.header


@dataclass(frozen=True, slots=True)
class ParsedJws:
    """A parsed JWS: ``payload`` is the string as it appears in the JWS (``None`` if detached)."""

    serialization: Serialization
    payload: str | None
    signatures: tuple[JwsSignature, ...]
    extra_members: tuple[str, ...] = ()


def _b64url(value: Any, what: str, code: str) -> bytes:
    if not isinstance(value, str):
        raise JadesError(f"{what} must be a base64url string", code=code)
    try:
        return b64url_decode(value)
    except ValueError as exc:
        raise JadesError(f"{what} is not valid base64url", code=code) from exc


def _loads(text: str | bytes, what: str) -> Any:
    try:
        return loads_strict(text, what=what)
    except DuplicateKeyError as exc:
        raise JadesError(str(exc), code="duplicate-member") from exc
    except ParseError as exc:
        raise JadesError(str(exc), code="malformed-json") from exc


def _signature(protected_b64: Any, header: Any, signature_b64: Any) -> JwsSignature:
    if protected_b64 is None:
        raise JadesError("the signature has no protected header", code="protected-missing")
    raw = _b64url(protected_b64, "the protected header", "protected-encoding")
    protected = _loads(raw, "the protected header")
    if not isinstance(protected, dict):
        raise JadesError("the protected header is not a JSON object", code="protected-type")
    if header is None:
        header = {}
    if not isinstance(header, dict):
        raise JadesError("the unprotected header is not a JSON object", code="header-type")
    overlap = sorted(set(protected) & set(header))
    if overlap:
        raise JadesError(
            f"header parameter(s) {', '.join(overlap)} appear both protected and unprotected",
            code="header-overlap",
        )
    sig = _b64url(signature_b64, "the signature value", "signature-encoding")
    return JwsSignature(protected_b64, protected, header, signature_b64, sig)


def parse_jws(data: bytes | str | Mapping[str, Any]) -> ParsedJws:
    """Parse a JWS in general or flattened JSON serialization, or compact serialization.

    Raises :class:`JadesError` with a ``code`` when the structure is not a JWS.
    """
    # a UTF-8 byte order mark (what some Windows editors write) is not part of the JSON text
    # (RFC 8259, 8.1): the envelope is read without it, the signed payload is inside it
    if isinstance(data, bytes):
        data = data.removeprefix(b"\xef\xbb\xbf")
    elif isinstance(data, str):
        data = data.removeprefix("\ufeff")
    if isinstance(data, Mapping):
        obj: Any = data
    elif isinstance(data, bytes) and (obj := parse_fast(data, unique=True)) is not NOT_PARSED:
        pass  # read with every object's member names checked: cheap for an envelope
    else:
        if isinstance(data, bytes):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                if not data.lstrip().startswith(b"{"):  # neither JSON nor compact (ASCII) JWS
                    raise JadesError("not a JWS: the file is not UTF-8 text", code="not-jws") from exc
                raise JadesError("the sealed document is not UTF-8 text", code="not-utf8") from exc
        else:
            text = data
        stripped = text.strip(JSON_WHITESPACE)
        if not stripped:
            raise JadesError("not a JWS: the document is empty", code="not-jws")
        if not stripped.startswith("{"):
            return _parse_compact(stripped)
        obj = parse_fast(stripped, unique=True)
        if obj is NOT_PARSED:  # the strict parser's error, or its reading of a lone surrogate
            obj = _loads(stripped, "the sealed document")
    if not isinstance(obj, Mapping):
        raise JadesError("the sealed document is not a JSON object", code="not-jws")
    payload = obj.get("payload")
    if payload is not None and not isinstance(payload, str):
        raise JadesError("the payload must be a JSON string", code="payload-type")
    if "signatures" in obj:
        if any(k in obj for k in ("protected", "header", "signature")):
            raise JadesError("general and flattened members are mixed", code="mixed-serialization")
        sigs = obj["signatures"]
        if not isinstance(sigs, list):
            raise JadesError("signatures must be an array", code="signatures-type")
        if not sigs:
            raise JadesError("the JWS has no signature", code="no-signature")
        parsed = []
        for entry in sigs:
            if not isinstance(entry, Mapping):
                raise JadesError("a signatures entry is not an object", code="signatures-type")
            parsed.append(
                _signature(entry.get("protected"), entry.get("header"), entry.get("signature"))
            )
        extra = tuple(k for k in obj if k not in ("payload", "signatures"))
        return ParsedJws("general", payload, tuple(parsed), extra)
    if "signature" in obj:
        sig = _signature(obj.get("protected"), obj.get("header"), obj.get("signature"))
        extra = tuple(k for k in obj if k not in ("payload", "protected", "header", "signature"))
        return ParsedJws("flattened", payload, (sig,), extra)
    raise JadesError("no signature member: not a JWS", code="not-jws")


#: What a compact serialization is made of: base64url text and dots.
_COMPACT_TEXT = re.compile(r"[A-Za-z0-9_\-.]+")


def _parse_compact(text: str) -> ParsedJws:
    if not _COMPACT_TEXT.fullmatch(text):
        raise JadesError(
            "not a JWS: neither a JSON object nor a compact serialization (three base64url parts "
            "joined by dots)",
            code="not-jws",
        )
    parts = text.split(".")
    if len(parts) != 3:
        raise JadesError("not a JWS: compact serialization needs three parts", code="not-jws")
    protected_b64, payload, signature_b64 = parts
    sig = _signature(protected_b64, None, signature_b64)
    return ParsedJws("compact", payload if payload else None, (sig,))


@dataclass(frozen=True, slots=True)
class HeaderInfo:
    """The checked header values of one signature."""

    alg: str
    b64: bool
    signing_time: datetime
    time_header: Literal["sigT", "iat"]
    crit: tuple[str, ...]
    warnings: tuple[str, ...] = ()


def _parse_sigt(value: Any) -> datetime:
    match = _SIGT_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise JadesError("sigT must be a UTC time YYYY-MM-DDThh:mm:ssZ", code="sigT-format")
    try:
        year, month, day, hour, minute, second = map(int, match.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as exc:
        raise JadesError(f"sigT is not a valid time: {value}", code="sigT-format") from exc


def _parse_iat(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise JadesError("iat must be a NumericDate (seconds since 1970)", code="iat-format")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise JadesError(f"iat is out of range: {value}", code="iat-format") from exc


_SIGD_MECHANISMS = (
    "http://uri.etsi.org/19182/HttpHeaders",
    "http://uri.etsi.org/19182/ObjectIdByURI",
    "http://uri.etsi.org/19182/ObjectIdByURIHash",
)


def _check_sigd(sigd: Any) -> None:
    """Structural checks of ``sigD`` (TS 119 182-1, 5.2.8), before detached content is needed."""
    if not isinstance(sigd, dict) or sigd.get("mId") not in _SIGD_MECHANISMS:
        raise JadesError("sigD has no known mechanism (mId)", code="sigd-invalid")
    pars = sigd.get("pars")
    if not isinstance(pars, list) or not pars or not all(isinstance(p, str) for p in pars):
        raise JadesError("sigD pars must be a non-empty array of strings", code="sigd-invalid")
    if sigd["mId"].endswith("ObjectIdByURIHash"):
        if sigd.get("hashM") not in ("S256", "S384", "S512"):
            raise JadesError(
                f"sigD hashM {sigd.get('hashM')!r} is not a JAdES digest name", code="sigd-invalid"
            )
        values = sigd.get("hashV")
        if not isinstance(values, list) or len(values) != len(pars):
            raise JadesError("sigD hashV must give one digest per pars entry", code="sigd-invalid")


def _check_sigpid(sigpid: Any) -> None:
    """Structural checks of the signature policy identifier (TS 119 182-1, 5.2.7)."""
    ident = sigpid.get("id") if isinstance(sigpid, dict) else None
    if not isinstance(ident, dict) or not isinstance(ident.get("id"), str):
        raise JadesError("sigPId has no policy identifier", code="sigpid-invalid")
    if "digAlg" in sigpid and _digest_name(sigpid["digAlg"]) is None:
        raise JadesError(
            f"sigPId digAlg {sigpid['digAlg']!r} is not a digest algorithm", code="sigpid-invalid"
        )


def check_headers(sig: JwsSignature) -> HeaderInfo:
    """Apply the JWS/JAdES header rules (``alg``, ``crit``, ``b64``, signing time).

    Raises :class:`JadesError` with a specific ``code`` on the first broken rule.
    """
    protected, header = sig.protected, sig.header
    warnings: list[str] = []

    if "alg" in header:
        raise JadesError("alg must be in the protected header", code="alg-not-protected")
    alg = protected.get("alg")
    if not isinstance(alg, str):
        raise JadesError("the protected header has no alg", code="alg-missing")
    if alg.lower() == "none":
        raise JadesError("alg 'none' means an unsigned JWS", code="alg-none")
    if alg.upper().startswith("HS"):
        raise JadesError(f"{alg} is a MAC, not a signature", code="alg-hmac")
    if alg not in ALGORITHMS:
        raise JadesError(f"algorithm {alg!r} is not allowed", code="alg-unsupported")

    if "crit" in header:
        raise JadesError("crit must be in the protected header", code="crit-not-protected")
    crit: tuple[str, ...] = ()
    if "crit" in protected:
        raw_crit = protected["crit"]
        if not isinstance(raw_crit, list):
            raise JadesError("crit must be an array of header names", code="crit-not-array")
        if not raw_crit:
            raise JadesError("crit must not be empty", code="crit-empty")
        if not all(isinstance(n, str) for n in raw_crit):
            raise JadesError("every crit entry must be a string", code="crit-entry-type")
        if len(set(raw_crit)) != len(raw_crit):
            raise JadesError("crit lists a name twice", code="crit-duplicate")
        crit = tuple(raw_crit)
        registered = [n for n in crit if n in REGISTERED_HEADER_NAMES]
        if registered:
            raise JadesError(
                f"crit lists RFC 7515 header name(s): {', '.join(registered)}",
                code="crit-registered-name",
            )
        for name in crit:
            if name == "etsiU" and "etsiU" not in header:
                raise JadesError(
                    "crit lists etsiU but there is no etsiU (B level)", code="crit-etsiu-b-level"
                )
            if not sig.has(name):
                raise JadesError(
                    f"crit lists {name!r}, which is not in the header", code="crit-entry-absent"
                )
            if name not in UNDERSTOOD_HEADER_NAMES:
                raise JadesError(
                    f"critical header {name!r} is not understood", code="crit-not-understood"
                )

    b64 = True
    if sig.has("b64"):
        if "b64" not in protected:
            raise JadesError("b64 must be in the protected header", code="b64-not-protected")
        if not isinstance(protected["b64"], bool):
            raise JadesError("b64 must be true or false", code="b64-type")
        if "b64" not in crit:
            raise JadesError("b64 is present but not listed in crit", code="b64-not-in-crit")
        b64 = protected["b64"]

    has_sigt, has_iat = sig.has("sigT"), sig.has("iat")
    if has_sigt and has_iat:
        raise JadesError("iat and sigT are mutually exclusive", code="signing-time-ambiguous")
    if not has_sigt and not has_iat:
        raise JadesError("no signing time (sigT or iat)", code="signing-time-missing")
    time_header: Literal["sigT", "iat"] = "sigT" if has_sigt else "iat"
    if time_header not in protected:
        raise JadesError(
            f"{time_header} must be in the protected header", code="signing-time-not-protected"
        )
    signing_time = _parse_sigt(protected["sigT"]) if has_sigt else _parse_iat(protected["iat"])

    if sig.has("sigD"):
        _check_sigd(sig.get("sigD"))
        raise JadesError(
            "detached signatures (sigD) are not supported", code="detached-unsupported"
        )
    if sig.has("sigPId"):
        _check_sigpid(sig.get("sigPId"))
        warnings.append("the signature policy (sigPId) was not checked")
    for name in ("typ", "cty"):
        if sig.has(name) and not isinstance(sig.get(name), str):
            raise JadesError(f"{name} must be a string", code=f"{name}-type")
    typ = sig.get("typ")
    if typ is not None and typ not in _TYP_VALUES:
        warnings.append(f"unusual typ {typ!r}")
    return HeaderInfo(alg, b64, signing_time, time_header, crit, tuple(warnings))


def _digest_name(value: Any) -> str | None:
    return _DIGEST_NAMES.get(value) if isinstance(value, str) else None


@functools.lru_cache(maxsize=1024)
def _cert_from_b64(value: str) -> x509.Certificate:
    return der_certificate(b64_decode(value))


def _load_cert_b64(value: Any, what: str) -> x509.Certificate:
    if not isinstance(value, str):
        raise JadesError(f"{what} must be a base64 string", code="x5c-invalid")
    try:
        return _cert_from_b64(value)
    except ValueError as exc:
        raise JadesError(f"{what} is not a base64 DER certificate", code="x5c-invalid") from exc


def x5c_certificates(sig: JwsSignature) -> list[x509.Certificate]:
    """The certificates of ``x5c`` (standard base64 DER, leaf first)."""
    raw = sig.get("x5c")
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        raise JadesError("x5c must be a non-empty array", code="x5c-invalid")
    return [_load_cert_b64(v, "an x5c entry") for v in raw]


def _reference_matches(cert: x509.Certificate, alg: str, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        expected = b64url_decode(value)
    except ValueError:
        return False
    return certificate_digest(cert, alg) == expected


def signing_certificate(
    sig: JwsSignature, x5c: Sequence[x509.Certificate], others: Iterable[x509.Certificate]
) -> x509.Certificate:
    """Find the signing certificate and check every reference to it (``x5t#S256``, ``x5t#o``,
    ``sigX5ts``, IssuerSerial ``kid``). Raises :class:`JadesError`."""
    unprotected = [n for n in ("x5t#S256", "x5t", "x5t#o", "sigX5ts") if n in sig.header]
    if unprotected:
        raise JadesError(
            f"signing-certificate reference(s) {', '.join(unprotected)} must be protected",
            code="x5t-not-protected",
        )
    refs: list[tuple[str, Any]] = []
    if sig.has("x5t#S256"):
        refs.append(("sha256", sig.get("x5t#S256")))
    if sig.has("x5t"):
        refs.append(("sha1", sig.get("x5t")))
    if sig.has("x5t#o"):
        other = sig.get("x5t#o")
        name = _digest_name(other.get("digAlg")) if isinstance(other, dict) else None
        if name is None or not isinstance(other, dict):
            raise JadesError("x5t#o has an unknown digest algorithm", code="x5t-invalid")
        refs.append((name, other.get("digVal")))
    multi: list[tuple[str, Any]] = []
    if sig.has("sigX5ts"):
        entries = sig.get("sigX5ts")
        if not isinstance(entries, list) or not entries:
            raise JadesError("sigX5ts must be a non-empty array", code="x5t-invalid")
        for entry in entries:
            name = _digest_name(entry.get("digAlg")) if isinstance(entry, dict) else None
            if name is None or not isinstance(entry, dict):
                raise JadesError("sigX5ts has an unknown digest algorithm", code="x5t-invalid")
            multi.append((name, entry.get("digVal")))
    if not refs and not multi:
        raise JadesError(
            "no signing-certificate reference (x5t#S256, x5t#o or sigX5ts)",
            code="no-certificate-reference",
        )

    def matches(cert: x509.Certificate) -> bool:
        return all(_reference_matches(cert, a, v) for a, v in refs) and (
            not multi or any(_reference_matches(cert, a, v) for a, v in multi)
        )

    if x5c:
        cert = x5c[0]
        if not matches(cert):
            raise JadesError(
                "x5t#S256 (or x5t#o/sigX5ts) does not match x5c[0]", code="x5t-mismatch"
            )
    else:
        found = next((c for c in others if matches(c)), None)
        if found is None:
            raise JadesError(
                "the signing certificate is not in the signature", code="no-signing-certificate"
            )
        cert = found
    kid = sig.get("kid")
    if isinstance(kid, str) and kid_matches(kid, cert) is False:
        raise JadesError(
            "kid names another certificate than the signing certificate", code="kid-mismatch"
        )
    return cert


@dataclass(frozen=True, slots=True)
class EtsiUComponent:
    """One ``etsiU`` element: its name, value, and the exact string it was stored as."""

    name: str
    value: Any
    raw: str | None
    index: int


def etsiu_components(sig: JwsSignature) -> list[EtsiUComponent]:
    """Decode ``etsiU`` (all base64url strings, or all clear JSON objects; never mixed)."""
    if "etsiU" in sig.protected:
        raise JadesError("etsiU must be in the unprotected header", code="etsiu-protected")
    if "etsiU" not in sig.header:
        return []
    items = sig.header["etsiU"]
    if not isinstance(items, list):
        raise JadesError("etsiU must be an array", code="etsiu-type")
    kinds = {type(i) for i in items}
    if kinds - {str, dict}:
        raise JadesError("etsiU entries must be base64url strings or objects", code="etsiu-type")
    if len(kinds) > 1:
        raise JadesError("etsiU mixes base64url and clear JSON entries", code="etsiu-mixed")
    out = []
    for index, item in enumerate(items):
        if isinstance(item, str):
            value = _loads(_b64url(item, "an etsiU entry", "etsiu-encoding"), "an etsiU entry")
            raw: str | None = item
        else:
            value, raw = item, None
        if not isinstance(value, dict) or len(value) != 1:
            raise JadesError(
                "each etsiU entry must be an object with one member", code="etsiu-component"
            )
        name = next(iter(value))
        out.append(EtsiUComponent(name, value[name], raw, index))
    return out


def known_component(name: str) -> bool:
    return name in _KNOWN_ETSIU


def timestamp_tokens(value: Any, name: str) -> list[bytes]:
    """The DER tokens of a time-stamp container (``{"tstTokens": [{"val": ...}]}``)."""
    tokens = value.get("tstTokens") if isinstance(value, dict) else None
    if not isinstance(tokens, list) or not tokens:
        raise JadesError(f"{name} has no tstTokens", code="timestamp-malformed")
    out = []
    for token in tokens:
        val = token.get("val") if isinstance(token, dict) else None
        if not isinstance(val, str):
            raise JadesError(f"a {name} token has no val", code="timestamp-malformed")
        try:
            out.append(b64_decode(val))
        except ValueError as exc:
            raise JadesError(f"a {name} token is not base64", code="timestamp-malformed") from exc
    return out


def imprint_input(
    name: str,
    *,
    payload: str | None,
    sig: JwsSignature,
    components: Sequence[EtsiUComponent] = (),
    index: int = 0,
) -> bytes:
    """The bytes a time-stamp's message imprint covers (TS 119 182-1, 5.3.4-5.3.6, 5.2.8).

    ``index`` is the position of the time-stamp in ``etsiU``; earlier components feed the archive
    and validation-data time-stamps, as the strings they are stored as.
    """
    if name == "sigTst":
        return sig.signature_b64.encode("ascii")
    if name == "adoTst":
        if payload is None:
            raise JadesError("adoTst needs an attached payload", code="detached-unsupported")
        return payload.encode("utf-8")
    before = list(components[:index])
    if any(c.raw is None for c in before) and name in ("arcTst", "sigRTst", "rfsTst"):
        raise JadesError(
            f"{name} over clear-JSON etsiU is not supported", code="etsiu-clear-unsupported"
        )
    raws = [(c.name, c.raw or "") for c in before]
    if name == "arcTst":
        if payload is None:
            raise JadesError("arcTst needs an attached payload", code="detached-unsupported")
        head = f"{payload}.{sig.protected_b64}.{sig.signature_b64}."
        return head.encode("utf-8") + "".join(r for _, r in raws).encode("ascii")
    if name == "sigRTst":
        body = "".join(r for n, r in raws if n == "sigTst" or n in _REFS)
        return f"{sig.signature_b64}.{body}".encode("ascii")
    if name == "rfsTst":
        return "".join(r for n, r in raws if n in _REFS).encode("ascii")
    raise JadesError(f"unknown time-stamp {name}", code="timestamp-malformed")


@dataclass(slots=True)
class ValidationData:
    """Certificates, CRLs and OCSP responses carried in ``xVals``/``rVals``/``tstVD``."""

    certificates: list[x509.Certificate] = field(default_factory=list)
    crls: list[bytes] = field(default_factory=list)
    ocsps: list[bytes] = field(default_factory=list)


def _collect_xvals(value: Any, into: ValidationData) -> None:
    if not isinstance(value, list):
        raise JadesError("xVals must be an array", code="etsiu-component")
    for item in value:
        cert = item.get("x509Cert") if isinstance(item, dict) else None
        if isinstance(cert, dict):
            into.certificates.append(_load_cert_b64(cert.get("val"), "an xVals certificate"))


def _collect_rvals(value: Any, into: ValidationData) -> None:
    if not isinstance(value, dict):
        raise JadesError("rVals must be an object", code="etsiu-component")
    for key, target in (("crlVals", into.crls), ("ocspVals", into.ocsps)):
        entries = value.get(key, [])
        if not isinstance(entries, list):
            raise JadesError(f"rVals {key} must be an array", code="etsiu-component")
        for entry in entries:
            val = entry.get("val") if isinstance(entry, dict) else None
            try:
                target.append(b64_decode(val) if isinstance(val, str) else b"")
            except ValueError as exc:
                raise JadesError(
                    f"an rVals {key} entry is not base64", code="etsiu-component"
                ) from exc


def validation_data(components: Sequence[EtsiUComponent]) -> ValidationData:
    """Gather ``xVals``, ``rVals`` and the ``tstVD`` validation data."""
    data = ValidationData()
    for comp in components:
        if comp.name == "xVals":
            _collect_xvals(comp.value, data)
        elif comp.name == "rVals":
            _collect_rvals(comp.value, data)
        elif comp.name == "tstVD" and isinstance(comp.value, dict):
            if "xVals" in comp.value:
                _collect_xvals(comp.value["xVals"], data)
            if "rVals" in comp.value:
                _collect_rvals(comp.value["rVals"], data)
    data.crls = [c for c in data.crls if c]
    data.ocsps = [o for o in data.ocsps if o]
    return data


def level(sig: JwsSignature, components: Sequence[EtsiUComponent]) -> str:
    """The JAdES baseline level the signature reaches (by the components present)."""
    names = {c.name for c in components}
    if "sigTst" not in names:
        return "B-B"
    if "arcTst" in names and "xVals" in names and "rVals" in names:
        return "B-LTA"
    if "xVals" in names and "rVals" in names:
        return "B-LT"
    return "B-T"


def signing_input(sig: JwsSignature, payload: str, b64: bool) -> bytes:
    """``ASCII(protected) "." payload``: the payload as in the JWS (UTF-8 when ``b64`` is false)."""
    try:
        return sig.protected_b64.encode("ascii") + b"." + payload.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise JadesError("the payload cannot be encoded as UTF-8", code="payload-encoding") from exc


def payload_bytes(payload: str, b64: bool) -> bytes:
    """The secured content: the payload decoded from base64url, or its UTF-8 bytes."""
    if b64:
        return _b64url(payload, "the payload", "payload-encoding")
    try:
        return payload.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise JadesError("the payload cannot be encoded as UTF-8", code="payload-encoding") from exc


def counter_signatures(components: Sequence[EtsiUComponent]) -> list[Any]:
    return [c.value for c in components if c.name == "cSig"]


def check_counter_signature(value: Any, master: JwsSignature) -> str | None:
    """Why a ``cSig`` does not countersign ``master``, or ``None`` when it does."""
    from .signers import verify_jws_signature

    try:
        if isinstance(value, str):
            parsed = _parse_compact(value.strip(JSON_WHITESPACE))
        elif isinstance(value, dict):
            parsed = parse_jws(value)
        else:
            return "a counter signature must be a JWS"
        csig = parsed.signatures[0]
        info = check_headers(csig)
        cert = signing_certificate(csig, x5c_certificates(csig), [])
    except JadesError as exc:
        return f"counter signature: {exc}"
    if not info.b64:
        return "counter signatures with b64=false are not supported"
    if parsed.payload is not None and parsed.payload != master.signature_b64:
        return "the counter signature covers another signature value"
    data = f"{csig.protected_b64}.{master.signature_b64}".encode("ascii")
    if not verify_jws_signature(cert.public_key(), info.alg, csig.signature, data):
        return "the counter signature does not verify"
    return None


def encode_etsiu_component(name: str, value: Any) -> str:
    """``base64url(JSON({name: value}))``, as EDC writes ``etsiU`` entries."""
    from ._codec import dumps_compact

    return b64url_encode(dumps_compact({name: value}).encode("utf-8"))
