"""Issuer side: ``credentialStatus`` entries and (unsigned) status list credentials."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from elmkit.status.bitstring import StatusList
from elmkit.status.errors import StatusListError

__all__ = [
    "BITSTRING_ENTRY_TYPE",
    "BITSTRING_LIST_CREDENTIAL_TYPE",
    "BITSTRING_LIST_TYPE",
    "LEGACY_ENTRY_TYPE",
    "LEGACY_LIST_CREDENTIAL_TYPE",
    "LEGACY_LIST_TYPE",
    "PURPOSES",
    "STATUS_LIST_2021_CONTEXT",
    "VC_V1_CONTEXT",
    "VC_V2_CONTEXT",
    "StatusPurpose",
    "elm_status_entry",
    "format_datetime",
    "status_entry",
    "status_list_credential",
]

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
STATUS_LIST_2021_CONTEXT = "https://w3id.org/vc/status-list/2021/v1"
"""Context a VCDM 1.1 credential (such as an ELM 3.2 credential) needs for StatusList2021 terms."""

BITSTRING_ENTRY_TYPE = "BitstringStatusListEntry"
BITSTRING_LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
BITSTRING_LIST_TYPE = "BitstringStatusList"
LEGACY_ENTRY_TYPE = "StatusList2021Entry"
LEGACY_LIST_CREDENTIAL_TYPE = "StatusList2021Credential"
LEGACY_LIST_TYPE = "StatusList2021"

StatusPurpose = Literal["revocation", "suspension"]
PURPOSES: frozenset[str] = frozenset({"revocation", "suspension"})


def _check_url(list_url: object) -> str:
    if not isinstance(list_url, str) or not list_url.strip():
        raise StatusListError(
            f"status list URL must be a non-empty string, got {list_url!r}", code="bad-url"
        )
    if "#" in list_url or any(c.isspace() for c in list_url):
        raise StatusListError(
            f"status list URL must have no fragment or whitespace: {list_url!r}", code="bad-url"
        )
    if ":" not in list_url:
        raise StatusListError(f"status list URL must be absolute: {list_url!r}", code="bad-url")
    return list_url


def _check_purpose(purpose: object) -> str:
    if purpose not in PURPOSES:
        raise StatusListError(
            f"status purpose must be one of {sorted(PURPOSES)}, got {purpose!r}", code="bad-purpose"
        )
    return str(purpose)


def format_datetime(value: datetime | str) -> str:
    """``YYYY-MM-DDThh:mm:ssZ`` for an aware datetime; ISO 8601 strings pass through unchanged."""
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise StatusListError(
                f"not an ISO 8601 date-time: {value!r}", code="bad-datetime"
            ) from None
        return value
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise StatusListError(
            f"expected a timezone-aware datetime or a string, got {value!r}", code="bad-datetime"
        )
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _instant(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def status_entry(
    list_url: str, index: int, purpose: StatusPurpose = "revocation", *, legacy: bool = False
) -> dict[str, Any]:
    """The ``credentialStatus`` entry pointing at ``index`` of the list at ``list_url``.

    ``legacy=True`` gives a W3C ``StatusList2021Entry`` (for VCDM 1.1 credentials, which must then
    also list :data:`STATUS_LIST_2021_CONTEXT` in their ``@context``). ELM 3.2 credentials also
    need the ELM type ``CredentialStatus``: use :func:`elm_status_entry` for them.
    """
    url = _check_url(list_url)
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise StatusListError(
            f"status index must be a non-negative integer, got {index!r}", code="bad-index"
        )
    return {
        "id": f"{url}#{index}",
        "type": LEGACY_ENTRY_TYPE if legacy else BITSTRING_ENTRY_TYPE,
        "statusPurpose": _check_purpose(purpose),
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def elm_status_entry(
    list_url: str, index: int, purpose: StatusPurpose = "revocation"
) -> dict[str, Any]:
    """The ``credentialStatus`` entry for an ELM 3.2 (EDC) credential: a ``StatusList2021Entry``
    typed ``["CredentialStatus", "StatusList2021Entry"]``, as the EDC shapes require. The
    credential must also list :data:`STATUS_LIST_2021_CONTEXT` in its ``@context``.
    """
    from elmkit.model.classes import CredentialStatus

    entry = status_entry(list_url, index, purpose, legacy=True)
    # the EDC shapes require the ELM class; the verifier reads the W3C type
    entry["type"] = [CredentialStatus.class_term, LEGACY_ENTRY_TYPE]
    return entry


def status_list_credential(
    list_url: str,
    status_list: StatusList,
    purpose: StatusPurpose | Sequence[StatusPurpose],
    issuer: Mapping[str, Any] | str,
    *,
    valid_from: datetime | str | None = None,
    valid_until: datetime | str | None = None,
    legacy: bool = False,
) -> dict[str, Any]:
    """The unsigned status list credential publishing ``status_list`` at ``list_url``.

    ``valid_from`` defaults to now. ``valid_until`` bounds how long verifiers may rely on (and
    cache) this copy. ``legacy=True`` gives a VCDM 1.1 ``StatusList2021Credential``
    (``issuanceDate``/``expirationDate``, ``encodedList`` without the multibase prefix).
    ``purpose`` may name several purposes (``statusPurpose`` is then an array, as Bitstring
    Status List v1.0 allows). The result must be sealed before publication.
    """
    url = _check_url(list_url)
    if isinstance(purpose, str):
        status_purpose: str | list[str] = _check_purpose(purpose)
    else:
        status_purpose = [_check_purpose(p) for p in purpose]
        if not status_purpose or len(set(status_purpose)) != len(status_purpose):
            raise StatusListError(
                f"status purposes must be distinct and at least one, got {purpose!r}",
                code="bad-purpose",
            )
        if len(status_purpose) == 1:
            status_purpose = status_purpose[0]
    if not isinstance(status_list, StatusList):
        raise StatusListError(
            f"status_list must be a StatusList, got {type(status_list).__name__}", code="bad-list"
        )
    if isinstance(issuer, str):
        if not issuer:
            raise StatusListError("issuer must not be empty", code="bad-issuer")
        issuer_value: str | dict[str, Any] = issuer
    elif isinstance(issuer, Mapping):
        if not isinstance(issuer.get("id"), str) or not issuer["id"]:
            raise StatusListError("issuer object must have a string id", code="bad-issuer")
        issuer_value = dict(issuer)
    else:
        raise StatusListError(
            f"issuer must be a string or an object, got {type(issuer).__name__}", code="bad-issuer"
        )
    start = format_datetime(valid_from if valid_from is not None else datetime.now(UTC))
    end = format_datetime(valid_until) if valid_until is not None else None
    if end is not None and _instant(end) <= _instant(start):
        raise StatusListError(
            f"valid_until ({end}) must be later than valid_from ({start})", code="bad-datetime"
        )
    subject = {
        "id": f"{url}#list",
        "type": LEGACY_LIST_TYPE if legacy else BITSTRING_LIST_TYPE,
        "statusPurpose": status_purpose,
        "encodedList": status_list.encode(multibase=not legacy),
    }
    credential: dict[str, Any] = {
        "@context": [VC_V1_CONTEXT, STATUS_LIST_2021_CONTEXT] if legacy else [VC_V2_CONTEXT],
        "id": url,
        "type": [
            "VerifiableCredential",
            LEGACY_LIST_CREDENTIAL_TYPE if legacy else BITSTRING_LIST_CREDENTIAL_TYPE,
        ],
        "issuer": issuer_value,
        ("issuanceDate" if legacy else "validFrom"): start,
    }
    if end is not None:
        credential["expirationDate" if legacy else "validUntil"] = end
    credential["credentialSubject"] = subject
    return credential
