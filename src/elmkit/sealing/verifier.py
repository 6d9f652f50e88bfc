"""Verifying sealed credentials the way the Europass viewer reports it: one result per step
(FORMAT, SEAL, QUALIFIED, OWNER, VALIDITY, REVOCATION), each OK, ERROR or SKIPPED."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from elmkit.checks import CheckResult, CheckStatus, Step
from elmkit.errors import DuplicateKeyError, ElmError, ParseError, VerificationError

from ._codec import JSON_WHITESPACE, MAX_SEALED_BYTES, loads_strict, read_bounded
from .certs import SignerInfo, is_ca, key_usages, public_key, qc_info, signer_info
from .eidas import is_credential, sealer_mismatch
from .jades import (
    TIMESTAMP_NAMES,
    JadesError,
    ParsedJws,
    check_counter_signature,
    check_headers,
    counter_signatures,
    etsiu_components,
    imprint_input,
    known_component,
    level,
    parse_jws,
    payload_bytes,
    signing_certificate,
    signing_input,
    timestamp_tokens,
    validation_data,
    x5c_certificates,
)
from .signers import SigningInput, check_algorithm, verify_jws_signature
from .timestamps import CLOCK_SKEW, TimestampError, TimestampInfo, verify_token
from .trust import RevocationMode, TrustStore, load_trust, validate_chain

__all__ = [
    "FormatCheck",
    "StatusChecker",
    "Verdict",
    "VerificationResult",
    "verify",
    "verify_files",
]

Verdict = Literal["verified", "partially verified", "failed"]
FormatCheck = Callable[[dict[str, Any]], Sequence[str]]
StatusChecker = Callable[[dict[str, Any], datetime], CheckResult]

_COMPACT_RE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
_STEP_ORDER = (Step.FORMAT, Step.SEAL, Step.QUALIFIED, Step.OWNER, Step.VALIDITY, Step.REVOCATION)


@dataclass(frozen=True)
class VerificationResult:
    """All step results for one sealed credential, and what was learnt on the way."""

    steps: tuple[CheckResult, ...]
    credential: dict[str, Any] | None = None
    payload_bytes: bytes = b""
    signing_time: datetime | None = None
    timestamp_time: datetime | None = None
    signer: SignerInfo | None = None
    level: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def verdict(self) -> Verdict:
        """``failed`` if any step is ERROR, else ``partially verified`` if any is SKIPPED."""
        statuses = {s.status for s in self.steps}
        if CheckStatus.ERROR in statuses:
            return "failed"
        if CheckStatus.SKIPPED in statuses:
            return "partially verified"
        return "verified"

    @property
    def ok(self) -> bool:
        return self.verdict == "verified"

    def step(self, step: Step) -> CheckResult:
        """The result of one step."""
        for result in self.steps:
            if result.step is step:
                return result
        raise VerificationError(f"no result for step {step.value}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "signer": self.signer.to_dict() if self.signer else None,
            "signingTime": self.signing_time.isoformat() if self.signing_time else None,
            "timestampTime": self.timestamp_time.isoformat() if self.timestamp_time else None,
            "level": self.level,
            "steps": [s.to_problem() for s in self.steps],
            "warnings": list(self.warnings),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The result as JSON; each step is an RFC 9457-style problem object."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def __str__(self) -> str:
        lines = [f"Verification: {self.verdict}"]
        if self.signer:
            lines.append(
                f"  sealed by: {self.signer.name} ({self.signer.organization_identifier or '-'})"
            )
        if self.signing_time:
            lines.append(f"  signing time: {self.signing_time.isoformat()}")
        for s in self.steps:
            lines.append(f"  {s.step.value:<11}{s.status.value:<8}{s.reason}")
        lines.extend(f"  warning: {w}" for w in self.warnings)
        return "\n".join(lines)


@dataclass
class _Seal:
    """What the SEAL step learnt, for the other steps."""

    result: CheckResult = field(
        default_factory=lambda: _error(Step.SEAL, "not-checked", "the seal was not checked")
    )
    payload: str | None = None
    b64: bool = False
    payload_bytes: bytes = b""
    cert: x509.Certificate | None = None
    signing_time: datetime | None = None
    poe_time: datetime | None = None
    level: str | None = None
    warnings: list[str] = field(default_factory=list)


def _ok(step: Step, reason: str, **detail: Any) -> CheckResult:
    return CheckResult(step, CheckStatus.OK, reason, "", detail)


def _error(step: Step, code: str, reason: str, **detail: Any) -> CheckResult:
    return CheckResult(step, CheckStatus.ERROR, reason, code, detail)


def _skipped(step: Step, code: str, reason: str, **detail: Any) -> CheckResult:
    return CheckResult(step, CheckStatus.SKIPPED, reason, code, detail)


def _is_file(text: str) -> bool:
    try:
        return len(text) < 4096 and Path(text).is_file()
    except (OSError, ValueError):
        return False


def _read(data: Any) -> bytes | str | Mapping[str, Any]:
    if isinstance(data, Mapping | bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    if isinstance(data, str):
        stripped = data.removeprefix("\ufeff").strip(JSON_WHITESPACE)
        if stripped.startswith("{"):
            return data
        if not _is_file(data) and _COMPACT_RE.fullmatch(stripped):
            return stripped
    if isinstance(data, str | os.PathLike):
        path = Path(data)
        try:
            return read_bounded(path, MAX_SEALED_BYTES)
        except OSError as exc:
            raise VerificationError(f"cannot read {path}: {exc.strerror or exc}") from exc
    raise VerificationError(
        f"cannot verify a {type(data).__name__}: give bytes, text, a dict or a path"
    )


def _check_timestamps(
    jws: ParsedJws, components: Sequence[Any], extra_certs: Sequence[x509.Certificate]
) -> list[tuple[str, TimestampInfo]]:
    """Verify every time-stamp token (CMS signature and message imprint)."""
    sig = jws.signatures[0]
    found: list[tuple[str, TimestampInfo]] = []
    entries: list[tuple[str, Any, int]] = []
    if "adoTst" in sig.protected:
        entries.append(("adoTst", sig.protected["adoTst"], 0))
    entries.extend((c.name, c.value, c.index) for c in components if c.name in TIMESTAMP_NAMES)
    for name, value, index in entries:
        for token in timestamp_tokens(value, name):
            try:
                info = verify_token(token, extra_certs)
            except TimestampError as exc:
                raise JadesError(f"{name}: {exc}", code=exc.code) from exc
            if info.imprint_algorithm not in ("sha256", "sha384", "sha512"):
                raise JadesError(
                    f"{name} uses digest {info.imprint_algorithm}", code="timestamp-malformed"
                )
            data = imprint_input(
                name, payload=jws.payload, sig=sig, components=components, index=index
            )
            if hashlib.new(info.imprint_algorithm, data).digest() != info.imprint:
                raise JadesError(
                    f"the {name} time-stamp does not cover this signature (message imprint differs)",
                    code=f"{name.lower()}-imprint-mismatch",
                )
            found.append((name, info))
    return found


def _check_leaf(
    cert: x509.Certificate, out: _Seal, tsts: Sequence[tuple[str, TimestampInfo]]
) -> None:
    if is_ca(cert):
        raise JadesError("the signing certificate is a CA certificate", code="signer-is-ca")
    usages = key_usages(cert)
    if usages is None:
        out.warnings.append("the signing certificate has no keyUsage extension")
    elif not usages & {"digital_signature", "non_repudiation"}:
        raise JadesError(
            "the signing certificate's keyUsage allows neither digitalSignature nor nonRepudiation",
            code="key-usage",
        )
    claimed = out.signing_time
    nb, na = cert.not_valid_before_utc, cert.not_valid_after_utc
    if claimed is not None and claimed < nb:
        raise JadesError(
            f"signed at {claimed.isoformat()}, before the certificate was valid ({nb.isoformat()})",
            code="certificate-not-yet-valid",
        )
    sig_tsts = [info for name, info in tsts if name == "sigTst"]
    # a document that exists now was made by now: a later time is a wrong clock or a false claim
    latest = datetime.now(UTC) + CLOCK_SKEW
    if sig_tsts:
        first = min(info.gen_time for info in sig_tsts)
        out.poe_time = first
        if first > latest:
            raise JadesError(
                f"the signature time-stamp says {first.isoformat()}, a time still to come",
                code="timestamp-in-future",
            )
        if claimed is not None and claimed > first + CLOCK_SKEW:
            raise JadesError(
                f"the claimed signing time {claimed.isoformat()} is after the signature time-stamp "
                f"({first.isoformat()})",
                code="signing-time-after-timestamp",
            )
        if first > na:
            raise JadesError(
                f"the signature was time-stamped on {first.isoformat()}, after the certificate "
                f"expired ({na.isoformat()})",
                code="timestamp-after-certificate-expiry",
            )
    elif claimed is not None and claimed > latest:
        raise JadesError(
            f"the seal claims it was made at {claimed.isoformat()}, a time still to come: the "
            "sealer's clock is wrong, or the claim is false",
            code="signing-time-in-future",
        )
    elif claimed is not None and claimed > na:
        raise JadesError(
            f"signed at {claimed.isoformat()}, after the certificate expired ({na.isoformat()})",
            code="certificate-expired",
        )


def _seal_step(
    raw: bytes | str | Mapping[str, Any],
    trust: TrustStore | None,
    revocation_mode: RevocationMode,
    allow_fetching: bool,
    at: datetime,
) -> _Seal:
    out = _Seal()
    try:
        jws = parse_jws(raw)
        out.payload = jws.payload
        if len(jws.signatures) != 1:
            raise JadesError(
                f"the document has {len(jws.signatures)} signatures; an EDC seal has exactly one",
                code="multiple-signatures",
            )
        if jws.extra_members:
            out.warnings.append(f"ignored unknown member(s): {', '.join(jws.extra_members)}")
        sig = jws.signatures[0]
        if jws.payload is not None:
            # read the content even if a header rule fails below, so FORMAT can still report
            b64 = sig.protected.get("b64") is not False
            with contextlib.suppress(JadesError):
                out.payload_bytes, out.b64 = payload_bytes(jws.payload, b64), b64
        info = check_headers(sig)
        out.warnings.extend(info.warnings)
        out.signing_time = info.signing_time
        if jws.payload is None:
            raise JadesError(
                "the payload is detached; only enveloping seals are supported",
                code="detached-unsupported",
            )
        if info.b64 != out.b64 or not out.payload_bytes:
            out.payload_bytes = payload_bytes(jws.payload, info.b64)
        out.b64 = info.b64
        components = etsiu_components(sig)
        out.level = level(sig, components)
        out.warnings.extend(
            f"unknown etsiU component {c.name!r} ignored"
            for c in components
            if not known_component(c.name)
        )
        vdata = validation_data(components)
        x5c = x5c_certificates(sig)
        cert = signing_certificate(sig, x5c, vdata.certificates)
        out.cert = cert
        key = public_key(cert)
        if isinstance(key, rsa.RSAPublicKey) and key.key_size < 2048:
            raise JadesError(
                f"the RSA key has {key.key_size} bits (2048 at least)", code="weak-key"
            )
        problem = check_algorithm(info.alg, key)
        if problem:
            raise JadesError(problem, code="alg-key-mismatch")
        data: SigningInput = (
            (sig.protected_b64.encode("ascii"), b".", out.payload_bytes)
            if not info.b64
            else signing_input(sig, jws.payload, info.b64)
        )
        if not verify_jws_signature(key, info.alg, sig.signature, data):
            raise JadesError(
                "the seal is broken: the signature does not match the content",
                code="signature-invalid",
            )
        for value in counter_signatures(components):
            why = check_counter_signature(value, sig)
            if why:
                raise JadesError(why, code="counter-signature-invalid")
        tsts = _check_timestamps(jws, components, [*x5c, *vdata.certificates])
        _check_leaf(cert, out, tsts)
    except JadesError as exc:
        out.result = _error(Step.SEAL, exc.code, str(exc))
        return out
    except MemoryError:
        raise
    except Exception as exc:  # whatever the seal holds, verifying it reports and never raises
        out.result = _error(
            Step.SEAL, "malformed", f"the seal cannot be read: {type(exc).__name__}: {exc}"
        )
        return out

    who = signer_info(cert).name
    if at + CLOCK_SKEW < info.signing_time:
        out.warnings.append(
            f"verified as at {at.isoformat()}, before the seal says it was made "
            f"({info.signing_time.isoformat()}): the credential's validity is judged then, its "
            "seal certificate when it was sealed"
        )
    # the claimed signing time is the signer's word (whoever holds the key of an expired
    # certificate can write an earlier one): without a time-stamp, the seal is only known to
    # exist now, or at the claimed time if later
    unproven = None
    if out.poe_time is None and max(at, info.signing_time) > cert.not_valid_after_utc:
        unproven = (
            f"the seal certificate expired on {cert.not_valid_after_utc.isoformat()}, and no "
            "signature time-stamp proves the seal was made before then (it claims "
            f"{info.signing_time.isoformat()}); a seal meant to outlive its certificate is made "
            "at level B-T or above"
        )
    detail: dict[str, Any] = {
        "level": out.level,
        "alg": info.alg,
        "serialization": jws.serialization,
        "signingTime": info.signing_time.isoformat(),
        "timestamps": [{"name": n, **t.to_dict()} for n, t in tsts],
    }
    if trust is None:
        if unproven is not None:
            out.warnings.append(unproven)
        out.result = _skipped(
            Step.SEAL,
            "no-trust-anchors",
            f"Sealed by {who}: the seal is intact, but the certificate chain was not checked "
            "(no trust anchors given)",
            integrity="OK",
            chain="SKIPPED",
            **detail,
        )
        return out
    if unproven is not None:
        out.result = _error(
            Step.SEAL, "certificate-expired-no-timestamp", unproven, integrity="OK", **detail
        )
        return out
    moment = out.poe_time or max(at, info.signing_time)
    intermediates = [*x5c[1:], *vdata.certificates]
    for _, tst in tsts:
        intermediates.extend(tst.certificates)
    chain = validate_chain(
        cert,
        trust=trust,
        moment=moment,
        intermediates=intermediates,
        crls=vdata.crls,
        ocsps=vdata.ocsps,
        revocation_mode=revocation_mode,
        allow_fetching=allow_fetching,
    )
    if not chain.ok:
        out.result = _error(
            Step.SEAL, chain.code, f"certificate chain: {chain.reason}", integrity="OK", **detail
        )
        return out
    for name, tst in tsts:
        tsa = validate_chain(
            tst.tsa_certificate,
            trust=trust,
            moment=tst.gen_time,
            intermediates=[*tst.certificates, *intermediates],
            crls=vdata.crls,
            ocsps=vdata.ocsps,
            revocation_mode="soft-fail",
            allow_fetching=allow_fetching,
            extended_key_usage=frozenset({"time_stamping"}),
        )
        if not tsa.ok:
            out.warnings.append(f"{name}: the time-stamping authority is not trusted ({tsa.code})")
    out.result = _ok(
        Step.SEAL,
        f"Sealed by {who}; the seal is intact and its certificate chains to a trusted anchor",
        integrity="OK",
        chain=list(chain.path),
        anchor=chain.anchor,
        revocation=chain.revocation,
        validatedAt=moment.isoformat(),
        **detail,
    )
    return out


def _format_step(
    seal: _Seal, format_check: FormatCheck | None
) -> tuple[CheckResult, dict[str, Any] | None]:
    if seal.payload is None or not seal.payload_bytes:
        return _skipped(Step.FORMAT, "no-payload", "no payload could be read from the seal"), None
    try:
        doc = loads_strict(seal.payload_bytes, what="the credential")
    except DuplicateKeyError as exc:
        return _error(Step.FORMAT, "duplicate-member", f"corrupted: {exc}"), None
    except ParseError as exc:
        return _error(Step.FORMAT, "not-json", f"corrupted and/or unreadable: {exc}"), None
    if not isinstance(doc, dict):
        return _error(Step.FORMAT, "not-object", "the payload is not a JSON object"), None
    if isinstance(doc.get("payload"), str) and ("signatures" in doc or "signature" in doc):
        return _error(
            Step.FORMAT,
            "nested-seal",
            "the payload is a sealed document, not a credential: the seal covers another seal, "
            "whose content is neither checked nor judged",
        ), None
    if format_check is None:
        return _skipped(Step.FORMAT, "no-validator", "no format validator"), doc
    problems = list(format_check(doc))
    if problems:
        return _error(
            Step.FORMAT, "invalid", f"{len(problems)} problem(s): {problems[0]}", problems=problems
        ), doc
    return _ok(Step.FORMAT, "the credential is technically valid"), doc


def _qualified_step(seal: _Seal, require: bool) -> CheckResult:
    if seal.cert is None:
        return _skipped(Step.QUALIFIED, "no-certificate", "no signing certificate found")
    qc = qc_info(seal.cert)
    detail = qc.to_dict()
    fail = _error if require else _skipped
    if not qc.compliance:
        return fail(
            Step.QUALIFIED,
            "not-qualified",
            "advanced seal: the certificate declares no QcCompliance",
            **detail,
        )
    if "eseal" not in qc.types:
        kind = "natural-person signatures" if "esign" in qc.types else "no stated purpose"
        return fail(
            Step.QUALIFIED,
            "not-eseal",
            f"qualified certificate, but for {kind}, not for e-seals",
            **detail,
        )
    if seal.result.status is not CheckStatus.OK:
        return fail(
            Step.QUALIFIED,
            "seal-not-verified",
            "the certificate declares a qualified e-seal, but the seal itself is not verified",
            **detail,
        )
    device = " on a qualified device (QSCD)" if qc.sscd else ""
    return _ok(
        Step.QUALIFIED,
        f"qualified certificate for electronic seals{device} (as its QcStatements declare; "
        "the EU Trusted List was not consulted)",
        **detail,
    )


def _subject_ids(doc: Mapping[str, Any]) -> list[str]:
    subjects = doc.get("credentialSubject")
    items = subjects if isinstance(subjects, list) else [subjects]
    ids = []
    for item in items:
        if isinstance(item, str):
            ids.append(item)
        elif isinstance(item, Mapping) and isinstance(item.get("id"), str):
            ids.append(item["id"])
    return ids


def _owner_step(doc: dict[str, Any] | None, holder: str | None) -> CheckResult:
    if holder is None:
        return _skipped(Step.OWNER, "no-holder", "no wallet holder to compare with")
    if doc is None:
        return _skipped(Step.OWNER, "no-credential", "the credential could not be read")
    ids = _subject_ids(doc)
    if not ids:
        return _error(Step.OWNER, "no-subject-id", "the credential subject has no id")
    if holder in ids:
        return _ok(Step.OWNER, f"issued to {holder}")
    return _error(
        Step.OWNER,
        "holder-mismatch",
        f"issued to {', '.join(ids)}, but the wallet holder is listed as {holder}",
        subjects=ids,
        holder=holder,
    )


def _parse_date(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("not a string")
    moment = datetime.fromisoformat(value.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _validity_step(doc: dict[str, Any] | None, at: datetime) -> CheckResult:
    if doc is None:
        return _skipped(Step.VALIDITY, "no-credential", "the credential could not be read")
    try:
        start = _parse_date(doc["validFrom"]) if "validFrom" in doc else None
        ends = [_parse_date(doc[k]) for k in ("validUntil", "expirationDate") if k in doc]
    except ValueError as exc:
        return _error(Step.VALIDITY, "invalid-date", f"a validity date cannot be read: {exc}")
    if start is not None and start > at:
        return _error(Step.VALIDITY, "not-yet-valid", f"valid only from {start.isoformat()}")
    if ends:
        end = min(ends)
        if end <= at:
            return _error(
                Step.VALIDITY, "expired", f"expired on {end.isoformat()}", expired=end.isoformat()
            )
        return _ok(Step.VALIDITY, f"still valid (until {end.isoformat()})")
    return _ok(Step.VALIDITY, "still valid (no expiry date)")


def _revocation_step(
    doc: dict[str, Any] | None,
    at: datetime,
    checker: StatusChecker | None,
    seal_result: CheckResult,
) -> CheckResult:
    if doc is None:
        return _skipped(Step.REVOCATION, "no-credential", "the credential could not be read")
    if not doc.get("credentialStatus"):
        return _skipped(Step.REVOCATION, "no-status", "the credential has no credentialStatus")
    if checker is None:
        return _skipped(Step.REVOCATION, "no-status-checker", "no status checker given")
    if seal_result.status is CheckStatus.ERROR:
        # the status entry is whatever the sender wrote: its list is not fetched
        return _skipped(
            Step.REVOCATION,
            "seal-not-verified",
            "the seal is not valid, so the credential's status entry is not trusted and its "
            "status list was not read",
        )
    try:
        result = checker(doc, at)
    except ElmError as exc:
        return _skipped(
            Step.REVOCATION, "status-unavailable", f"the status could not be checked: {exc}"
        )
    if result.step is not Step.REVOCATION:
        return CheckResult(
            Step.REVOCATION, result.status, result.reason, result.code, dict(result.detail)
        )
    return result


def verify(
    data: bytes | str | os.PathLike[str] | Mapping[str, Any],
    *,
    trust: Any = None,
    at: datetime | None = None,
    holder: str | None = None,
    require_qualified: bool = False,
    format_check: FormatCheck | None = None,
    status_checker: StatusChecker | None = None,
    revocation_mode: RevocationMode = "soft-fail",
    allow_fetching: bool = False,
) -> VerificationResult:
    """Verify a sealed credential (bytes, JSON text, compact JWS, a parsed dict, or a file path).

    ``trust``: the anchors the certificate chain must reach (PEM/DER file(s), a folder,
    certificate objects, or a :class:`~elmkit.sealing.trust.TrustStore`). Without it the seal's
    integrity is still checked but SEAL is SKIPPED, so the verdict is at best "partially verified".
    Revocation of the certificates uses the CRLs/OCSP responses embedded in the seal; the network
    is used only with ``allow_fetching=True``. ``at`` (default now) is when the credential's own
    validity is judged; certificates are judged at the signature time-stamp's time, and without
    one (B-B, whose claimed signing time nothing proves) at ``at``.
    """
    if at is None:
        at = datetime.now(UTC)
    elif not isinstance(at, datetime) or at.tzinfo is None:
        raise VerificationError(f"'at' must be a timezone-aware datetime, not {at!r}")
    store = load_trust(trust) if trust is not None else None
    raw = _read(data)
    seal = _seal_step(raw, store, revocation_mode, allow_fetching, at)
    format_result, doc = _format_step(seal, format_check)
    signer = signer_info(seal.cert) if seal.cert is not None else None
    if signer is not None and doc is not None and is_credential(doc):
        mismatch = sealer_mismatch(doc, signer.organization_identifier)
        if mismatch is not None:
            seal.warnings.append(
                f"{mismatch}: sealed by another organisation than the issuer, so the issuer's "
                "status lists cannot be tied to this seal"
            )
    steps = {
        Step.FORMAT: format_result,
        Step.SEAL: seal.result,
        Step.QUALIFIED: _qualified_step(seal, require_qualified),
        Step.OWNER: _owner_step(doc, holder),
        Step.VALIDITY: _validity_step(doc, at),
        Step.REVOCATION: _revocation_step(doc, at, status_checker, seal.result),
    }
    return VerificationResult(
        steps=tuple(steps[s] for s in _STEP_ORDER),
        credential=doc,
        payload_bytes=seal.payload_bytes,
        signing_time=seal.signing_time,
        timestamp_time=seal.poe_time,
        signer=signer,
        level=seal.level,
        warnings=tuple(seal.warnings),
    )


def verify_files(
    paths: Iterable[str | os.PathLike[str]], **options: Any
) -> list[tuple[Path, VerificationResult]]:
    """Verify several sealed files with the same options (trust anchors are loaded once).

    A file that cannot be read gives a failed result instead of stopping the batch.
    """
    if options.get("trust") is not None:
        options["trust"] = load_trust(options["trust"])
    results = []
    for p in paths:
        path = Path(p)
        try:
            results.append((path, verify(path, **options)))
        except VerificationError as exc:
            failed = (
                _skipped(Step.FORMAT, "no-payload", "no payload could be read"),
                _error(Step.SEAL, "unreadable", str(exc)),
            )
            results.append((path, VerificationResult(steps=failed)))
    return results
