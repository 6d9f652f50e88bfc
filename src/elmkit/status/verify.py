"""Verifier side: the REVOCATION step from a credential's ``credentialStatus``.

Outcome per case (see ``docs/revocation.md``):

* no ``credentialStatus`` → SKIPPED ``no-status``;
* unknown status type (e.g. EBSI ``TrustedCredentialStatus2021``) → SKIPPED ``unsupported-type``;
* list cannot be fetched, is sealed but no seal verifier was given, is unsealed while a seal is
  required, or is outside its validity window (bit clear) → SKIPPED: the status is unknown;
* malformed entry or list, invalid seal, purpose/issuer/id mismatch, list too short, index out of
  range → ERROR: the issuer's status information is defective;
* bit set → ERROR ``revoked``/``suspended``; every checked bit clear → OK.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from elmkit.checks import CheckResult, CheckStatus, Step
from elmkit.status.bitstring import MIN_SIZE, StatusList
from elmkit.status.credential import (
    BITSTRING_ENTRY_TYPE,
    BITSTRING_LIST_CREDENTIAL_TYPE,
    BITSTRING_LIST_TYPE,
    LEGACY_ENTRY_TYPE,
    LEGACY_LIST_CREDENTIAL_TYPE,
    LEGACY_LIST_TYPE,
    PURPOSES,
)
from elmkit.status.errors import StatusListDecodeError, StatusListError
from elmkit.status.fetch import StatusListFetcher

__all__ = ["EnvelopeVerifier", "check_status"]

EnvelopeVerifier = Callable[[bytes], tuple[bool, Mapping[str, Any] | None, str]]
"""Checks the seal of an enveloped document: ``(ok, payload, reason)``."""

_ENTRY_TYPES = frozenset({BITSTRING_ENTRY_TYPE, LEGACY_ENTRY_TYPE})
_LIST_CREDENTIAL_TYPES = frozenset({BITSTRING_LIST_CREDENTIAL_TYPE, LEGACY_LIST_CREDENTIAL_TYPE})
_LIST_TYPES = frozenset({BITSTRING_LIST_TYPE, LEGACY_LIST_TYPE})
_EBSI_TYPES = frozenset({"TrustedCredentialStatus2021", "CredentialStatus"})
_COMPACT_JWS = re.compile(rb"\s*[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\s*")
_DIGITS = re.compile(r"[0-9]+")
_IGNORED = "IGNORED"


@dataclass
class _Outcome:
    status: str
    code: str
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class _LoadedList:
    url: str
    bits: StatusList
    purposes: tuple[str, ...]
    issuer: str
    valid_from: datetime | None
    valid_until: datetime | None
    sealed: bool


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(f"duplicate member {key!r}")
        result[key] = value
    return result


def _types(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()


def _id_of(value: object) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, Mapping):
        ident = value.get("id")
        if isinstance(ident, str) and ident:
            return ident
    return None


def _parse_time(value: object, name: str, url: str) -> datetime | None:
    """A member's date-time; a member present as ``null`` is malformed, not "for ever"."""
    if not isinstance(value, str):
        raise StatusListError(f"{name} of status list {url} is not a date-time string")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise StatusListError(
            f"{name} of status list {url} is not a valid date-time: {_short(value)}"
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _parse_index(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < 10**20 else None
    if isinstance(value, str) and len(value) <= 20 and _DIGITS.fullmatch(value):
        return int(value)
    return None


def _short(value: object) -> str:
    try:
        text = repr(value)
    except ValueError:
        return f"<a very large {type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


class _Checker:
    def __init__(
        self,
        credential: Mapping[str, Any],
        fetcher: StatusListFetcher,
        at: datetime,
        envelope_verifier: EnvelopeVerifier | None,
        require_seal: bool,
        check_issuer: bool,
        min_size: int,
    ) -> None:
        self.issuer = _id_of(credential.get("issuer"))
        self.fetcher = fetcher
        self.at = at
        self.envelope_verifier = envelope_verifier
        self.require_seal = require_seal
        self.check_issuer = check_issuer
        self.min_size = min_size
        self.lists: dict[str, _LoadedList | _Outcome] = {}

    def check_entry(self, entry: object) -> _Outcome:
        if not isinstance(entry, Mapping):
            return _Outcome("ERROR", "malformed-entry", "a credentialStatus entry is not an object")
        types = _types(entry.get("type"))
        detail: dict[str, Any] = {"type": list(types)}
        known = [t for t in types if t in _ENTRY_TYPES]
        if not known:
            ebsi = [t for t in types if t in _EBSI_TYPES]
            if ebsi:
                reason = (
                    f"status type {ebsi[0]} (EBSI) is resolved through EBSI registries, "
                    "which elmkit does not query"
                )
            elif types:
                reason = f"status type {_short(', '.join(types))} is not supported"
            else:
                reason = "a credentialStatus entry has no type"
            return _Outcome("SKIPPED", "unsupported-type", reason, detail)
        detail["type"] = known[0]
        purpose = entry.get("statusPurpose")
        if not isinstance(purpose, str) or not purpose:
            return _Outcome("ERROR", "malformed-entry", "status entry has no statusPurpose", detail)
        detail["purpose"] = purpose
        if purpose not in PURPOSES:
            return _Outcome(
                _IGNORED,
                "other-purpose",
                f"status purpose {_short(purpose)} is not checked",
                detail,
            )
        size = entry.get("statusSize", 1)
        if size not in (1, "1") or isinstance(size, bool):
            return _Outcome(
                "SKIPPED",
                "unsupported-status-size",
                f"statusSize {_short(size)} is not supported (only 1-bit statuses)",
                detail,
            )
        raw_index = entry.get("statusListIndex")
        index = _parse_index(raw_index)
        if index is None:
            reason = (
                "status entry has no statusListIndex"
                if raw_index is None
                else f"statusListIndex {_short(raw_index)} is not a non-negative integer"
            )
            return _Outcome("ERROR", "malformed-entry", reason, detail)
        detail["index"] = index
        url = entry.get("statusListCredential")
        if not isinstance(url, str) or not url.strip():
            return _Outcome(
                "ERROR", "malformed-entry", "status entry has no statusListCredential URL", detail
            )
        detail["statusListCredential"] = url
        loaded = self.lists.get(url)
        if loaded is None:
            loaded = self.lists[url] = self.load(url)
        if isinstance(loaded, _Outcome):
            return _Outcome(loaded.status, loaded.code, loaded.reason, {**detail, **loaded.detail})
        return self.evaluate(loaded, purpose, index, detail)

    def evaluate(
        self, loaded: _LoadedList, purpose: str, index: int, detail: dict[str, Any]
    ) -> _Outcome:
        detail["sealed"] = loaded.sealed
        url = loaded.url
        if purpose not in loaded.purposes:
            return _Outcome(
                "ERROR",
                "purpose-mismatch",
                f"the entry's purpose is {purpose!r} but status list {url} is for "
                f"{', '.join(repr(p) for p in loaded.purposes)}",
                detail,
            )
        if index >= loaded.bits.size:
            return _Outcome(
                "ERROR",
                "index-out-of-range",
                f"status index {index} is out of range for status list {url} "
                f"of {loaded.bits.size} entries",
                detail,
            )
        stale = ""
        if loaded.valid_until is not None and self.at > loaded.valid_until:
            stale = f"status list {url} expired at {loaded.valid_until.isoformat()}"
            detail["listExpired"] = True
        elif loaded.valid_from is not None and self.at < loaded.valid_from:
            stale = f"status list {url} is not valid before {loaded.valid_from.isoformat()}"
            detail["listNotYetValid"] = True
        if loaded.bits.get(index):
            word = "revoked" if purpose == "revocation" else "suspended"
            if not stale or purpose == "revocation":
                note = f" ({stale}; revocation is permanent)" if stale else ""
                return _Outcome(
                    "ERROR",
                    word,
                    f"the credential is {word}: {purpose} bit {index} is set in {url}{note}",
                    detail,
                )
        if stale and detail.get("listNotYetValid") and purpose == "revocation":
            # published after `at` with the bit clear: not revoked then, as no revocation is lifted
            return _Outcome(
                "OK",
                "",
                f"not revoked at {self.at.isoformat()}: index {index} is clear in {url}, published "
                "later, and a revocation is never lifted",
                detail,
            )
        if stale:
            code = "list-expired" if detail.get("listExpired") else "list-not-yet-valid"
            said = "the current status" if code == "list-expired" else "the status at that time"
            return _Outcome("SKIPPED", code, f"{stale}; {said} is unknown", detail)
        word = "revoked" if purpose == "revocation" else "suspended"
        return _Outcome("OK", "", f"not {word} (index {index} of {url})", detail)

    def load(self, url: str) -> _LoadedList | _Outcome:
        try:
            data = self.fetcher.fetch(url)
        except StatusListError as exc:
            return _Outcome("SKIPPED", exc.code, f"status list {url} is unavailable: {exc.message}")
        except Exception as exc:
            return _Outcome(
                "SKIPPED", "list-unavailable", f"status list {url} is unavailable: {exc!r}"
            )
        if not isinstance(data, bytes | bytearray):
            return _Outcome(
                "SKIPPED", "list-unavailable", f"the fetcher returned no bytes for {url}"
            )
        data = bytes(data)
        document: object = None
        if _COMPACT_JWS.fullmatch(data):
            envelope = True
        else:
            try:
                document = json.loads(data, object_pairs_hook=_no_duplicates)
            except (ValueError, RecursionError) as exc:
                return _Outcome(
                    "ERROR", "list-malformed", f"status list {url} is not valid JSON: {exc}"
                )
            envelope = (
                isinstance(document, Mapping)
                and "payload" in document
                and ("signatures" in document or "signature" in document)
            )
        if envelope:
            if self.envelope_verifier is None:
                return _Outcome(
                    "SKIPPED",
                    "seal-unchecked",
                    f"cannot check the seal of the status list {url} (no seal verifier given)",
                )
            try:
                ok, payload, reason = self.envelope_verifier(data)
            except Exception as exc:
                return _Outcome(
                    "ERROR",
                    "seal-invalid",
                    f"the seal of status list {url} cannot be verified: {exc}",
                )
            if not ok:
                return _Outcome(
                    "ERROR", "seal-invalid", f"the seal of status list {url} is invalid: {reason}"
                )
            document = payload
        elif self.require_seal:
            return _Outcome("SKIPPED", "list-unsealed", f"status list {url} is not sealed")
        try:
            return self.read_list(url, document, sealed=envelope)
        except StatusListDecodeError as exc:
            return _Outcome("ERROR", exc.code, f"status list {url} is malformed: {exc.message}")
        except StatusListError as exc:
            return _Outcome(
                "ERROR", exc.code if exc.code != "status-list" else "list-malformed", exc.message
            )

    def read_list(self, url: str, document: object, *, sealed: bool) -> _LoadedList | _Outcome:
        return read_status_list(
            url,
            document,
            issuer=self.issuer if self.check_issuer else None,
            min_size=self.min_size,
            sealed=sealed,
        )


def read_status_list(
    url: str,
    document: object,
    *,
    issuer: str | None = None,
    min_size: int = 8,
    sealed: bool = False,
) -> _LoadedList:
    """The status list credential ``document`` fetched from ``url``, read and checked: its id is
    ``url``, its issuer ``issuer`` (when given), its subject a bitstring list. Raises
    :class:`StatusListError` for anything else."""
    if not isinstance(document, Mapping):
        raise StatusListError(f"status list {url} is not a JSON object")
    types = _types(document.get("type"))
    if not _LIST_CREDENTIAL_TYPES.intersection(types):
        raise StatusListError(
            f"the document at {url} is not a status list credential "
            f"(type {', '.join(types) or 'missing'})"
        )
    list_id = document.get("id")
    if list_id is None:  # the id check is what stops a list served at another's address
        raise StatusListError(
            f"the status list fetched from {url} has no id (it must be {url})",
            code="list-id-mismatch",
        )
    if list_id != url:
        raise StatusListError(
            f"the status list fetched from {url} has id {_short(list_id)}",
            code="list-id-mismatch",
        )
    list_issuer = _id_of(document.get("issuer"))
    if list_issuer is None:
        raise StatusListError(f"status list {url} has no issuer")
    if issuer is not None and list_issuer != issuer:
        raise StatusListError(
            f"status list {url} is issued by {list_issuer!r}, the credential by {issuer!r}",
            code="issuer-mismatch",
        )
    subject = document.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, Mapping):
        raise StatusListError(f"status list {url} has no single credentialSubject object")
    if not _LIST_TYPES.intersection(_types(subject.get("type"))):
        raise StatusListError(
            f"the credentialSubject of status list {url} is not a BitstringStatusList"
        )
    purposes = _types(subject.get("statusPurpose"))
    if not purposes:
        raise StatusListError(f"status list {url} has no statusPurpose")
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise StatusListError(f"status list {url} has no encodedList string")
    starts = [
        _parse_time(document[name], name, url)
        for name in ("validFrom", "issuanceDate")
        if name in document
    ]
    ends = [
        _parse_time(document[name], name, url)
        for name in ("validUntil", "expirationDate")
        if name in document
    ]
    # the latest start and the earliest end: a list that says two things is held to both
    valid_from = max((t for t in starts if t is not None), default=None)
    valid_until = min((t for t in ends if t is not None), default=None)
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        raise StatusListError(f"status list {url} has validUntil before validFrom")
    bits = StatusList.decode(encoded, min_size=min_size)
    return _LoadedList(url, bits, purposes, list_issuer, valid_from, valid_until, sealed)


_PRIORITY = {"revoked": 0, "suspended": 0}


def _rank(outcome: _Outcome) -> int:
    if outcome.status == "ERROR":
        return _PRIORITY.get(outcome.code, 1)
    return 2 if outcome.status == "SKIPPED" else 3


def check_status(
    credential: Mapping[str, Any],
    *,
    fetcher: StatusListFetcher,
    at: datetime | None = None,
    envelope_verifier: EnvelopeVerifier | None = None,
    require_seal: bool = False,
    check_issuer: bool = True,
    min_size: int = MIN_SIZE,
) -> CheckResult:
    """The REVOCATION step for ``credential`` (a credential payload, not its seal envelope).

    Every ``BitstringStatusListEntry``/``StatusList2021Entry`` with purpose ``revocation`` or
    ``suspension`` is checked against the list fetched with ``fetcher``. A sealed list (JAdES/JWS
    envelope) is opened with ``envelope_verifier``; ``require_seal`` rejects unsealed lists.
    ``at`` (default: now) is compared with the list's validity window. Never raises on bad input:
    problems come back as ERROR or SKIPPED results with a ``code`` and a reason.
    """
    when = at if at is not None else datetime.now(UTC)
    if not isinstance(when, datetime):
        raise StatusListError(f"'at' must be a datetime, not {at!r}", code="bad-argument")
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if not isinstance(credential, Mapping):
        return CheckResult(
            Step.REVOCATION,
            CheckStatus.ERROR,
            "the credential is not a JSON object",
            "malformed-credential",
        )
    statuses = credential.get("credentialStatus")
    if statuses is None or statuses == []:
        return CheckResult(
            Step.REVOCATION, CheckStatus.SKIPPED, "no status information", "no-status"
        )
    if isinstance(statuses, Mapping):
        entries: list[object] = [statuses]
    elif isinstance(statuses, list):
        entries = list(statuses)
    else:
        return CheckResult(
            Step.REVOCATION,
            CheckStatus.ERROR,
            "credentialStatus is neither an object nor a list of objects",
            "malformed-entry",
        )
    checker = _Checker(
        credential, fetcher, when, envelope_verifier, require_seal, check_issuer, min_size
    )
    outcomes = [checker.check_entry(entry) for entry in entries]
    details = [
        {**o.detail, "status": o.status, "code": o.code, "reason": o.reason} for o in outcomes
    ]
    relevant = [o for o in outcomes if o.status != _IGNORED]
    if not relevant:
        return CheckResult(
            Step.REVOCATION,
            CheckStatus.SKIPPED,
            "no revocation or suspension status to check",
            "no-applicable-status",
            {"entries": details},
        )
    primary = min(relevant, key=_rank)
    others = sum(1 for o in relevant if o is not primary and o.status != "OK")
    reason = primary.reason
    if primary.status == "OK" and len(relevant) > 1:
        reason = "; ".join(o.reason for o in relevant)
    elif others:
        reason += f" (and {others} more status problem{'s' if others > 1 else ''})"
    detail: dict[str, Any] = {
        key: primary.detail[key]
        for key in ("purpose", "index", "statusListCredential")
        if key in primary.detail
    }
    detail["entries"] = details
    return CheckResult(Step.REVOCATION, CheckStatus(primary.status), reason, primary.code, detail)
