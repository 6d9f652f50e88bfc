"""Revocation for issuers: status entries allocated by the ledger, revoke/suspend, publish the list.

The pieces live in :mod:`elmkit.status` (bitstrings, entries, checks) and :mod:`elmkit.ledger`
(what happened to each credential, which index it holds); this module joins them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from elmkit.ledger import LedgerStore
from elmkit.ledger.errors import ConflictError
from elmkit.ledger.model import StatusPurpose
from elmkit.ledger.status import LedgerIndexStore
from elmkit.model import CredentialStatus, EuropeanDigitalCredential
from elmkit.model.datatypes import is_iri
from elmkit.status import (
    MIN_SIZE,
    STATUS_LIST_2021_CONTEXT,
    RandomIndexAllocator,
    StatusList,
    StatusListError,
    elm_status_entry,
    status_list_credential,
)

__all__ = [
    "STATUS_ENTRY_CONTEXT",
    "PublishedList",
    "RevocationError",
    "assign_status",
    "issuer_for_list",
    "publish_status_list",
    "revoke",
    "suspend",
    "unsuspend",
]

#: How long a published status list is valid by default.
DEFAULT_LIST_VALIDITY = timedelta(days=30)


class RevocationError(StatusListError, ValueError):
    """A status entry cannot be given, or a status list cannot be published, as asked."""

    default_code = "revocation"


#: The context an ELM 3.2 (VC data model 1.1) credential needs for its status entry terms.
STATUS_ENTRY_CONTEXT = STATUS_LIST_2021_CONTEXT


def assign_status(
    credential: EuropeanDigitalCredential,
    ledger: LedgerStore,
    list_url: str,
    *,
    purpose: str = "revocation",
    size: int = MIN_SIZE,
) -> CredentialStatus:
    """Give ``credential`` a ``credentialStatus`` entry on the list at ``list_url``.

    The index comes from the ledger: unique, never reused, drawn at random so that its position
    reveals nothing about the issuing order. Issuing again gives the credential the same index.
    The credential must already be claimed in the ledger. A list has one purpose: a URL whose
    entries are for revocation takes no suspension entry, and the other way round.
    """
    if credential.id is None:
        raise RevocationError("the credential needs an id before it gets a status entry")
    wanted = _purpose(purpose)
    store = LedgerIndexStore(ledger, list_url, wanted)
    index = store.held_by(credential.id)
    if index is None:
        other = _other_purpose_on(ledger, list_url, wanted)
        if other is not None:
            raise RevocationError(
                f"{list_url} is a {other.value} list (its entries say so): {wanted.value} "
                "entries need a list of their own, at another URL"
            )
        try:
            index = RandomIndexAllocator(store, size).allocate(reserve=store.reserver(credential.id))
        except ConflictError:
            # another process gave this credential its index meanwhile: that one is its index
            index = store.held_by(credential.id)
            if index is None:
                raise
    node = CredentialStatus.model_validate(elm_status_entry(list_url, index, purpose))  # type: ignore[arg-type]
    credential.credential_status = node
    return node


def _other_purpose_on(
    ledger: LedgerStore, list_url: str, purpose: StatusPurpose
) -> StatusPurpose | None:
    """The other purpose, when the entries on ``list_url`` have it and none has ``purpose``."""
    other = None
    for entry in ledger.status_entries(list_url):
        if entry.purpose == purpose:
            return None
        other = entry.purpose
    return other


def _record(ledger: LedgerStore, credential_id: str, event: str, actor: str, reason: str | None) -> None:
    ledger.record(credential_id, event, actor, detail={"reason": reason} if reason else None)


def lists_showing(ledger: LedgerStore, credential_id: str, purpose: str) -> list[str]:
    """The status lists on which ``credential_id`` holds an entry for ``purpose``: where a
    revocation (or suspension) of it becomes visible once the list is published."""
    wanted = _purpose(purpose)
    return [e.list_url for e in ledger.status_entries_for(credential_id) if e.purpose == wanted]


def _visible_change(
    ledger: LedgerStore, credential_id: str, purpose: str, record_only: bool
) -> None:
    if record_only or lists_showing(ledger, credential_id, purpose):
        return
    raise RevocationError(
        f"{credential_id} has no {purpose} entry on any status list, so no verifier could learn "
        f"of this; record it in the ledger only with record_only=True (--record-only), e.g. "
        "when it is done on another platform"
    )


def revoke(
    ledger: LedgerStore,
    credential_id: str,
    *,
    reason: str,
    actor: str = "elmkit",
    record_only: bool = False,
) -> None:
    """Record a revocation (permanent); the next published list shows it.

    Refused (:class:`RevocationError`, nothing recorded) when the credential holds no
    revocation entry on a status list, unless ``record_only``.
    """
    _visible_change(ledger, credential_id, "revocation", record_only)
    _record(ledger, credential_id, "revoked", actor, reason)


def suspend(
    ledger: LedgerStore,
    credential_id: str,
    *,
    reason: str,
    actor: str = "elmkit",
    record_only: bool = False,
) -> None:
    """Record a suspension (reversible with :func:`unsuspend`).

    Refused (:class:`RevocationError`, nothing recorded) when the credential holds no
    suspension entry on a status list, unless ``record_only``.
    """
    _visible_change(ledger, credential_id, "suspension", record_only)
    _record(ledger, credential_id, "suspended", actor, reason)


def unsuspend(ledger: LedgerStore, credential_id: str, *, reason: str | None = None, actor: str = "elmkit") -> None:
    """Lift a suspension."""
    _record(ledger, credential_id, "unsuspended", actor, reason)


def _purpose(purpose: str) -> StatusPurpose:
    if purpose not in tuple(StatusPurpose):
        raise RevocationError(f"unknown purpose {purpose!r}: revocation or suspension")
    return StatusPurpose(purpose)


def issuer_for_list(ledger: LedgerStore, list_url: str) -> str | None:
    """The issuer id of the credentials on a list, from the definitions the ledger keeps.

    ``None`` when the list holds no credential, a definition is not a micro-credential
    definition, or the credentials have different issuers.
    """
    from pydantic import ValidationError

    from elmkit.microcredentials import organisation
    from elmkit.microcredentials.batch import definition_from_document

    issuers: set[str] = set()
    seen: set[tuple[str, str]] = set()
    for entry in ledger.status_entries(list_url):
        record = ledger.get_credential(entry.credential_id)
        if record is None or (record.definition_id, record.definition_version) in seen:
            continue
        seen.add((record.definition_id, record.definition_version))
        definition = ledger.get_definition(record.definition_id, record.definition_version)
        if definition is None:
            return None
        try:
            course = definition_from_document(definition.document)
        except ValidationError:
            return None
        issuer_id = organisation(course.issuing_body).id
        if issuer_id is None:
            return None
        issuers.add(issuer_id)
    return issuers.pop() if len(issuers) == 1 else None


@dataclass(frozen=True, slots=True)
class PublishedList:
    """What :func:`publish_status_list` wrote."""

    path: Path
    list_url: str
    purpose: str
    set_indexes: int
    sealed: bool


def publish_status_list(
    ledger: LedgerStore,
    list_url: str,
    out: str | Path,
    *,
    issuer: str | dict[str, Any] | None = None,
    purpose: str = "revocation",
    size: int = MIN_SIZE,
    signer: Any = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    valid_for: timedelta | None = DEFAULT_LIST_VALIDITY,
) -> PublishedList:
    """Write the status list credential for ``list_url`` to ``out`` (atomically).

    The bits set are the credentials the ledger knows as revoked (or suspended, for a suspension
    list). ``issuer`` must be the credentials' issuer (verifiers check it); by default it is
    found from the definitions in the ledger. With a ``signer`` (see :mod:`elmkit.sealing`), the
    list is sealed as a JAdES envelope. Refused when the entries on ``list_url`` are all for
    the other purpose: that list would replace the one their verifiers read.

    The list expires ``valid_for`` after it is published (``valid_until`` gives the moment
    itself; ``valid_for=None`` and no ``valid_until``: never): a copy kept from before a
    revocation cannot then pass for the current list for ever. Publish again before it expires.
    """
    wanted = _purpose(purpose)
    other = _other_purpose_on(ledger, list_url, wanted)
    if other is not None:
        raise RevocationError(
            f"the entries on {list_url} are {other.value} entries: a {wanted.value} list there "
            f"would replace the {other.value} list their verifiers read"
        )
    if valid_until is None and valid_for is not None:
        if not isinstance(valid_for, timedelta) or valid_for <= timedelta(0):
            raise RevocationError(f"valid_for must be a positive timedelta, not {valid_for!r}")
        valid_until = (valid_from or datetime.now(UTC)).replace(microsecond=0) + valid_for
    found = issuer_for_list(ledger, list_url)
    if issuer is None:
        if found is None:
            if next(iter(ledger.status_entries(list_url)), None) is None:
                raise RevocationError(
                    f"no credential in the ledger has an entry on {list_url} (credentials get "
                    "one when sealed with a status list URL); give the issuer to publish it empty"
                )
            raise RevocationError(f"cannot tell the issuer of {list_url} from the ledger: give it")
        issuer = found
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not is_iri(issuer_id):
        raise RevocationError(f"the issuer must be an absolute IRI, not {issuer_id!r}")
    if found is not None and issuer_id != found:
        raise RevocationError(
            f"the credentials on {list_url} were issued by {found}, not {issuer_id}: verifiers "
            "would reject the list"
        )
    indexes = ledger.revoked_indexes(list_url, purpose)
    bits = StatusList.from_indexes(indexes, size=size)
    document = status_list_credential(
        list_url, bits, purpose, issuer, valid_from=valid_from, valid_until=valid_until, legacy=True  # type: ignore[arg-type]
    )
    if signer is not None:
        from elmkit.sealing import seal

        data = seal(document, signer, complete=False)
    else:
        data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    from elmkit.microcredentials.files import atomic_write

    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data)
    return PublishedList(path, list_url, purpose, len(indexes), signer is not None)
