"""Sealing: a JAdES baseline B-B or B-T enveloping signature in JWS JSON general serialization,
with an unencoded payload (``b64: false``), shaped like the seals EDC produces."""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, NamedTuple, Protocol

from cryptography import x509

from elmkit._fs import new_file_mode
from elmkit.errors import ElmError, ParseError, SealError, SignerError

from ._codec import (
    JSON_WHITESPACE,
    MAX_SEALED_BYTES,
    b64_encode,
    b64url_encode,
    dumps_compact,
    dumps_envelope,
    dumps_payload,
    loads_strict,
    read_bounded,
)
from .certs import (
    _per_certificate,
    certificate_der,
    certificate_digest,
    is_ca,
    is_self_signed,
    issuer_serial_kid,
    key_usages,
    public_key,
    signer_info,
)
from .eidas import complete_credential, completion_needed, format_signing_time, sealer_mismatch
from .jades import encode_etsiu_component
from .signers import (
    _CURVES,
    ALGORITHMS,
    KeySigner,
    Signer,
    certification_path,
    check_algorithm,
    verify_jws_signature,
)
from .timestamps import (
    CLOCK_SKEW,
    HttpTimestampClient,
    TimestampClient,
    TimestampError,
    verify_token,
)

__all__ = ["SupportsToJsonld", "seal", "seal_file"]

Level = Literal["B-B", "B-T"]
TimeHeader = Literal["sigT", "iat"]
PreSealCheck = Callable[[dict[str, Any]], Sequence[str] | None]


class SupportsToJsonld(Protocol):
    def to_jsonld(self) -> dict[str, Any]: ...


CredentialInput = Mapping[str, Any] | str | bytes | os.PathLike[str] | SupportsToJsonld


def _from_file(credential: CredentialInput) -> CredentialInput:
    """A credential named by its file (a path, or text that names a file and is no JSON) as
    the bytes of that file, as :func:`~elmkit.sealing.verify` reads a path; else itself."""
    if isinstance(credential, str):
        if credential.lstrip(JSON_WHITESPACE).startswith("{") or len(credential) > 4096:
            return credential
        try:
            if not Path(credential).is_file():
                return credential
        except (OSError, ValueError):
            return credential
    elif not isinstance(credential, os.PathLike):
        return credential
    try:
        return read_bounded(Path(credential), MAX_SEALED_BYTES)
    except OSError as exc:
        raise SealError(f"cannot read {os.fspath(credential)}: {exc.strerror or exc}") from exc


def _utf8_text(data: str | bytes) -> str | None:
    """``data`` as text when it is UTF-8 without a byte order mark, else ``None``."""
    if isinstance(data, str):
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if text.startswith("\ufeff") else text


def _as_dict(credential: CredentialInput) -> dict[str, Any]:
    doc: Any
    if isinstance(credential, Mapping):
        doc = credential
    elif isinstance(credential, (str, bytes)):
        try:
            doc = loads_strict(credential, what="the credential")
        except ParseError as exc:
            raise SealError(f"cannot seal: {exc}") from exc
    elif hasattr(credential, "to_jsonld"):
        doc = credential.to_jsonld()
    else:
        raise SealError(
            f"cannot seal a {type(credential).__name__}: give a dict, JSON text or a model"
        )
    if not isinstance(doc, Mapping):
        raise SealError("the credential must be a JSON object")
    if isinstance(doc.get("payload"), str) and ("signatures" in doc or "signature" in doc):
        raise SealError(
            "this is a sealed document already (a JWS envelope), not a credential: seal the "
            "credential it holds, or keep the seal it has"
        )
    return dict(doc)


class _ChainFacts(NamedTuple):
    """What sealing needs of a signer's chain: the header members and when the path is valid."""

    kid: str
    x5t: str
    x5c_json: str
    path: tuple[x509.Certificate, ...]
    valid_from: datetime
    valid_until: datetime


_CHAINS: dict[tuple[int, ...], tuple[tuple[x509.Certificate, ...], _ChainFacts]] = {}


def _chain_facts(chain: Sequence[x509.Certificate]) -> _ChainFacts:
    """The facts of a chain. They only depend on the certificates, so they are remembered per
    chain of certificate objects (kept, so that their ids stay theirs)."""
    key = tuple(map(id, chain))
    entry = _CHAINS.get(key)
    if entry is not None and all(a is b for a, b in zip(entry[0], chain, strict=True)):
        return entry[1]
    value = _facts_of(tuple(chain))
    if len(_CHAINS) >= 64:
        _CHAINS.clear()
    _CHAINS[key] = (tuple(chain), value)
    return value


@functools.lru_cache(maxsize=64)
def _facts_of(chain: tuple[x509.Certificate, ...]) -> _ChainFacts:
    path = tuple(certification_path(chain[0], chain[1:]))
    x5c = [c for i, c in enumerate(path) if i == 0 or not is_self_signed(c)]
    return _ChainFacts(
        kid=issuer_serial_kid(chain[0]),
        x5t=b64url_encode(certificate_digest(chain[0], "sha256")),
        x5c_json=dumps_compact([b64_encode(certificate_der(c)) for c in x5c]),
        path=path,
        valid_from=max(cert.not_valid_before_utc for cert in path),
        valid_until=min(cert.not_valid_after_utc for cert in path),
    )


def _algorithm_problem(alg: str, leaf: x509.Certificate) -> str | None:
    return check_algorithm(alg, public_key(leaf))


@_per_certificate(64)
def _certificate_problem(leaf: x509.Certificate) -> str | None:
    """Why ``leaf`` cannot seal, besides being a CA's (:func:`_ca_first`, checked first)."""
    usages = key_usages(leaf)
    if usages is not None and not usages & {"digital_signature", "non_repudiation"}:
        return "the seal certificate's keyUsage allows neither digitalSignature nor nonRepudiation"
    return None


def _ca_first(chain: Sequence[x509.Certificate]) -> str:
    """Why a chain whose first certificate is a CA's cannot seal: a seal certificate put after
    its issuers (the chain must start with it), or none at all."""
    subject = chain[0].subject.rfc4514_string()
    seal_cert = next((c for c in chain[1:] if not is_ca(c)), None)
    if seal_cert is None:
        return f"the seal certificate is a CA certificate ({subject})"
    return (
        f"the signer's certificate_chain starts with the CA certificate {subject}: put the seal "
        f"certificate ({seal_cert.subject.rfc4514_string()}, now at position "
        f"{chain.index(seal_cert) + 1}) first, then its issuers"
    )


def _check_certificate(chain: Sequence[x509.Certificate], moment: datetime) -> None:
    """Refuse a seal certificate unfit to seal at ``moment``, or a certificate of its path not
    valid then."""
    facts = _chain_facts(chain)
    valid = facts.valid_from <= moment <= facts.valid_until
    for position, cert in enumerate(facts.path if not valid else ()):
        if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
            which = "the seal certificate"
            if position:
                role = "the seal certificate's issuer, " if position == 1 else ""
                which = (
                    f"certificate {position + 1} of the seal's chain "
                    f"({role}{cert.subject.rfc4514_string()})"
                )
            raise SignerError(
                f"{which} is not valid at {moment.isoformat()} "
                f"(valid {cert.not_valid_before_utc.isoformat()} to {cert.not_valid_after_utc.isoformat()})"
            )
    problem = _certificate_problem(chain[0])
    if problem:
        raise SignerError(problem)


def _from_signer(what: str, call: Callable[[], Any]) -> Any:
    """``call()``, where anything it raises is the :class:`SignerError` of ``what`` failing."""
    try:
        return call()
    except SignerError:
        raise
    except ElmError as exc:
        raise SignerError(str(exc), path=exc.path) from exc
    except Exception as exc:
        raise SignerError(f"{what} failed: {type(exc).__name__}: {exc}") from exc


def _problems(found: object) -> list[str]:
    """What a ``pre_seal_check`` returned, as a list of problems: one text is one problem, and
    ``None`` is none (a check that raises on a problem and returns nothing otherwise)."""
    if found is None:
        return []
    if isinstance(found, str):
        return [found] if found else []
    if isinstance(found, (bytes, Mapping)) or not isinstance(found, Iterable):
        raise SealError(
            f"pre_seal_check must return a list of problems (texts), not a {type(found).__name__}"
        )
    return [str(problem) for problem in found]


def _signature_hint(alg: str, signature: bytes) -> str:
    """What an external signer's value for ``alg`` must be, besides made with the right key."""
    bits = alg[2:]
    if alg.startswith("ES"):
        size = 2 * _CURVES[alg][1]
        return (
            f"wrong key, or not the {size}-byte r || s JOSE wants ({len(signature)} bytes given): "
            f"convert a DER ECDSA value with ecdsa_der_to_raw(signature, {alg!r})"
        )
    if alg.startswith("PS"):
        return (
            f"wrong key, or not RSASSA-PSS with SHA-{bits}, MGF1 SHA-{bits} and a {int(bits) // 8}-byte "
            "salt, as JOSE wants"
        )
    return f"wrong key, or not RSASSA-PKCS1-v1_5 with SHA-{bits}"


def _resolve_tsa(tsa: TimestampClient | str | None) -> TimestampClient | None:
    if tsa is None or isinstance(tsa, TimestampClient):
        return tsa
    if isinstance(tsa, str):
        return HttpTimestampClient(tsa)
    raise SealError(f"tsa must be a TimestampClient or a URL, not {type(tsa).__name__}")


def seal(
    credential: CredentialInput,
    signer: Signer,
    *,
    level: Level = "B-B",
    tsa: TimestampClient | str | None = None,
    signing_time: datetime | None = None,
    time_header: TimeHeader = "sigT",
    complete: bool = True,
    pre_seal_check: PreSealCheck | None = None,
    algorithm: str | None = None,
    cty: str = "octet-stream",
    allow_other_sealer: bool = False,
) -> bytes:
    """Seal a credential; returns the sealed JSON document (UTF-8 bytes).

    ``credential`` is a JSON-LD dict, JSON text/bytes, a file (a path), or an object with
    ``to_jsonld()``. With
    ``complete`` (default) the fields EDC adds at sealing are filled when absent: ``issued``,
    ``issuanceDate`` and the issuer's ``eIDASIdentifier`` (from the seal certificate's
    organizationIdentifier and country). ``pre_seal_check`` then sees the final document (it
    must not change it); any problem it returns stops sealing with
    :class:`~elmkit.errors.SealError`.

    A credential whose issuer has an eIDAS identifier other than the seal certificate's
    organizationIdentifier is refused: verifiers tie the issuer's status lists to that
    identifier, so its revocations could never be checked. ``allow_other_sealer=True`` seals it
    anyway (verification then warns about it).

    A dict or model is signed as compact JSON: UTF-8 kept, no spaces, members in order (the text
    ``json.dumps`` writes, but that a float may be spelled ``0.00001`` for ``1e-05``); values
    that are not JSON, NaN and infinities included, are refused. JSON text (UTF-8) that
    completion leaves unchanged is signed as given, without surrounding whitespace; text that
    completion changes is re-written compactly.

    ``level="B-T"`` adds a signature time-stamp from ``tsa`` (a :class:`TimestampClient`, or a
    URL for :class:`HttpTimestampClient`). ``time_header`` chooses ``sigT`` (EDC) or ``iat``
    (TS 119 182-1 v1.2.1) for the signing time.
    """
    if level not in ("B-B", "B-T"):
        raise SealError(f"level must be 'B-B' or 'B-T', not {level!r}")
    if time_header not in ("sigT", "iat"):
        raise SealError(f"time_header must be 'sigT' or 'iat', not {time_header!r}")
    if not isinstance(cty, str):  # verifiers refuse a seal whose cty is no string
        raise SealError(f"cty must be a string, not {cty!r}")
    client = _resolve_tsa(tsa)
    if level == "B-T" and client is None:
        raise SealError("level B-T needs a time-stamping authority (tsa=...)")
    if level == "B-B" and client is not None:
        raise SealError("a time-stamping authority is used at level B-T only: give level='B-T'")
    # the protocol check is slow, and reads the signer's properties
    if type(signer) is not KeySigner and not _from_signer("the signer", lambda: isinstance(signer, Signer)):
        raise SealError(
            f"{type(signer).__name__} is not a signer: it needs certificate_chain, algorithm and "
            "sign() (see elmkit.sealing.Signer)"
        )
    chain: list[Any] = _from_signer("the signer's certificate_chain", lambda: list(signer.certificate_chain))
    if not chain:
        raise SignerError("the signer has no certificate")
    if not all(isinstance(cert, x509.Certificate) for cert in chain):
        raise SignerError("the signer's certificate_chain must hold x509.Certificate objects")
    leaf = chain[0]
    if is_ca(leaf):
        raise SignerError(_ca_first(chain))
    signer_algorithm: object = _from_signer("the signer's algorithm", lambda: signer.algorithm)
    alg = algorithm or signer_algorithm
    if not isinstance(alg, str) or alg not in ALGORITHMS:
        raise SignerError(
            f"algorithm {alg!r} is not supported; use one of {', '.join(sorted(ALGORITHMS))}"
        )
    if algorithm and algorithm != signer_algorithm:
        if not isinstance(signer, KeySigner):
            raise SignerError(f"the signer signs with {signer_algorithm}, not {algorithm}")
        signer = signer.with_algorithm(algorithm)
    problem = _algorithm_problem(alg, leaf)
    if problem:
        raise SignerError(problem)

    if signing_time is None:
        moment = datetime.now(UTC).replace(microsecond=0)
    elif not isinstance(signing_time, datetime) or signing_time.tzinfo is None:
        raise SealError(f"signing_time must be a timezone-aware datetime, not {signing_time!r}")
    else:
        moment = signing_time.astimezone(UTC).replace(microsecond=0)
        if moment > datetime.now(UTC) + CLOCK_SKEW:
            raise SealError(
                f"signing_time {moment.isoformat()} is still to come: verifiers refuse a seal "
                "that claims a time later than theirs"
            )

    _check_certificate(chain, moment)
    credential = _from_file(credential)
    text = _utf8_text(credential) if isinstance(credential, (str, bytes)) else None
    doc = _as_dict(credential if text is None else text)
    if complete and completion_needed(doc):
        text = None
        info = signer_info(leaf)
        doc = complete_credential(
            doc,
            signing_time=moment,
            organization_identifier=info.organization_identifier,
            country=info.country,
        )
    if not allow_other_sealer:
        mismatch = sealer_mismatch(doc, signer_info(leaf).organization_identifier)
        if mismatch is not None:
            raise SealError(
                f"refusing to seal: {mismatch}; verifiers would refuse the issuer's status lists "
                "for this credential (allow_other_sealer=True, --allow-other-sealer on the command "
                "line, seals it anyway)",
                path="/issuer",
            )
    if pre_seal_check is not None:
        problems = _problems(pre_seal_check(doc))
        if problems:
            raise SealError("the credential is not ready to seal: " + "; ".join(problems))
    try:
        if text is None:
            payload = dumps_payload(doc)
            text = payload.decode("utf-8")
        else:
            text = text.strip(" \t\n\r")
            payload = text.encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise SealError(f"the credential cannot be written as JSON: {exc}") from exc

    kid, x5t, x5c_json = _chain_facts(chain)[:3]
    if time_header == "sigT":
        time_member = f'"sigT":"{format_signing_time(moment)}","crit":["b64","sigT"]'
    else:
        time_member = f'"iat":{int(moment.timestamp())},"crit":["b64"]'
    header_text = (
        f'{{"alg":"{alg}","cty":{dumps_compact(cty)},"kid":"{kid}","x5t#S256":"{x5t}",'
        f'"x5c":{x5c_json},"typ":"jose+json","b64":false,{time_member}}}'
    )
    protected_b64 = b64url_encode(header_text.encode("utf-8"))
    pieces = (protected_b64.encode("ascii"), b".", payload)

    # a KeySigner hashes the pieces where they are; other signers get the joined signing input
    signature = _from_signer(
        "the signer",
        lambda: signer.sign(pieces) if type(signer) is KeySigner else signer.sign(b"".join(pieces)),
    )
    if not isinstance(signature, bytes):
        raise SignerError(f"the signer must return bytes, not {type(signature).__name__}")
    if type(signer) is not KeySigner and not verify_jws_signature(
        public_key(leaf), alg, signature, pieces
    ):
        raise SignerError(
            f"the signer's signature does not verify with its certificate ({_signature_hint(alg, signature)})"
        )
    signature_b64 = b64url_encode(signature)

    unprotected: dict[str, Any] = {}
    if level == "B-T" and client is not None:
        imprint = hashlib.sha256(signature_b64.encode("ascii")).digest()
        token = _from_signer("the time-stamping authority", lambda: client.timestamp(imprint, "sha256"))
        if not isinstance(token, bytes):
            raise SignerError(
                f"the time-stamping client returned a {type(token).__name__}, not the token's bytes"
            )
        try:
            tst = verify_token(token)
        except TimestampError as exc:
            raise SignerError(f"the TSA returned an unusable token: {exc}") from exc
        if tst.imprint != imprint or tst.imprint_algorithm != "sha256":
            raise SignerError("the TSA time-stamped another message imprint")
        if moment > tst.gen_time + CLOCK_SKEW:
            raise SignerError(
                f"the time-stamp says {tst.gen_time.isoformat()}, before the signing time "
                f"{moment.isoformat()}: this clock or the TSA's is wrong (verifiers would refuse it)"
            )
        if tst.gen_time > leaf.not_valid_after_utc:
            raise SignerError(
                f"the time-stamp ({tst.gen_time.isoformat()}) is after the seal certificate "
                f"expired ({leaf.not_valid_after_utc.isoformat()})"
            )
        component = encode_etsiu_component("sigTst", {"tstTokens": [{"val": b64_encode(token)}]})
        unprotected = {"etsiU": [component]}
    return dumps_envelope(text, protected_b64, unprotected, signature_b64)


def seal_file(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    signer: Signer,
    **options: Any,
) -> Path:
    """Seal the credential in ``source`` (a JSON-LD file) and write the sealed document to
    ``target`` atomically. ``options`` are those of :func:`seal`. A ``target`` that is
    ``source`` is refused: the sealed document would replace the credential."""
    from .pki import _write_atomic

    src, out = Path(source), Path(target)
    try:
        data = read_bounded(src, MAX_SEALED_BYTES)
        same = out.exists() and os.path.samefile(src, out)
    except OSError as exc:
        raise SealError(f"cannot read {src}: {exc.strerror or exc}") from exc
    if same:
        raise SealError(f"{out} is the credential to seal: write the sealed document elsewhere")
    sealed = seal(data, signer, **options)
    if len(sealed) > MAX_SEALED_BYTES:
        raise SealError(
            f"the sealed document would be {len(sealed):,} bytes, more than verification reads "
            f"from a file ({MAX_SEALED_BYTES:,})"
        )
    try:  # a document to deliver, as elmkit seal writes it
        _write_atomic(out, sealed, mode=new_file_mode(), durable=True)
    except OSError as exc:
        raise SealError(f"cannot write {out}: {exc.strerror or exc}") from exc
    return out
