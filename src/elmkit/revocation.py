"""Revocation for issuers: status entries allocated by the ledger, revoke/suspend, publish the list.

The pieces live in :mod:`elmkit.status` (bitstrings, entries, checks) and :mod:`elmkit.ledger`
(what happened to each credential, which index it holds); this module joins them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from elmkit.ledger import LedgerStore
from elmkit.ledger.errors import ConflictError
from elmkit.ledger.model import PURPOSE_BIT_STATES, PURPOSE_STATES, StatusPurpose
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
    "refuse_unfetchable_list",
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
    allow_http: bool = False,
) -> CredentialStatus:
    """Give ``credential`` a ``credentialStatus`` entry on the list at ``list_url``.

    The index comes from the ledger: unique, never reused, drawn at random so that its position
    reveals nothing about the issuing order. Issuing again gives the credential the same index.
    The credential must already be claimed in the ledger. A list has one purpose: a URL whose
    entries are for revocation takes no suspension entry, and the other way round. A new list
    needs an ``https`` URL (see :func:`refuse_unfetchable_list`; ``allow_http`` for a test
    server).
    """
    if credential.id is None:
        raise RevocationError("the credential needs an id before it gets a status entry")
    wanted = _purpose(purpose)
    # the entry's URL is checked before an index is reserved for it, for good
    elm_status_entry(list_url, 0, purpose)  # type: ignore[arg-type]
    refuse_unfetchable_list(ledger, list_url, allow_http=allow_http)
    store = LedgerIndexStore(ledger, list_url, wanted)
    try:
        index = store.held_by(credential.id)  # issuing again: a read, no lock
        if index is None:
            with ledger.transaction():  # no other writer between the checks and the reservation
                index = store.held_by(credential.id)
                if index is None:
                    _refuse_mixing(ledger, list_url, wanted, credential)
                    index = RandomIndexAllocator(store, size).allocate(
                        reserve=store.reserver(credential.id)
                    )
    except ConflictError:
        # another process gave this credential its index meanwhile: that one is its index
        index = store.held_by(credential.id)
        if index is None:
            raise
    node = CredentialStatus.model_validate(elm_status_entry(list_url, index, purpose))  # type: ignore[arg-type]
    credential.credential_status = node
    return node


def refuse_unfetchable_list(
    ledger: LedgerStore | None, list_url: str, *, allow_http: bool = False
) -> None:
    """Refuse (:class:`RevocationError`) a URL other than ``https`` for a list that holds no
    entry yet (``ledger`` None: a new ledger). Verifiers fetch the list for as long as the
    credential lives, and its URL cannot change once sealed: plain ``http`` can be altered on
    the way, and elmkit's verifier, like others, does not fetch it. A list that already holds
    entries is left as it is. ``allow_http`` accepts ``http`` (a test server)."""
    scheme = list_url.split(":", 1)[0].lower()
    if scheme == "https" or (scheme == "http" and allow_http):
        return
    if ledger is not None and next(iter(ledger.status_entries(list_url)), None) is not None:
        return
    raise RevocationError(
        f"a status list URL must start with https://, not {list_url!r}: every verifier fetches "
        "the list for as long as the credential lives, its URL cannot change once sealed, and "
        "verifiers do not fetch plain http (it can be altered on the way)"
    )


def _refuse_mixing(
    ledger: LedgerStore, list_url: str, purpose: StatusPurpose, credential: EuropeanDigitalCredential
) -> None:
    """A list has one purpose and one issuer (verifiers refuse a list whose issuer is not the
    credential's): the entries already on it, as its first one shows, decide them."""
    first = next(iter(ledger.status_entries(list_url)), None)
    if first is None:
        return
    if first.purpose != purpose:
        raise RevocationError(
            f"{list_url} is a {first.purpose.value} list (its entries say so): {purpose.value} "
            "entries need a list of their own, at another URL"
        )
    issuer_id = credential.issuer.id if credential.issuer is not None else None
    record = ledger.get_credential(first.credential_id)
    found = _definition_issuer(ledger, record.definition_id, record.definition_version) if record else None
    if found is not None and issuer_id is not None and found.id != issuer_id:
        raise RevocationError(
            f"the credentials on {list_url} are issued by {found.id}, not {issuer_id}: "
            "verifiers reject a list whose issuer is not the credential's; give each issuer "
            "its own list"
        )


def _purposes_on(ledger: LedgerStore, list_url: str) -> set[StatusPurpose]:
    """The purposes of the entries on ``list_url``."""
    found: set[StatusPurpose] = set()
    for entry in ledger.status_entries(list_url):
        found.add(entry.purpose)
        if len(found) == len(StatusPurpose):
            break
    return found


def _record(ledger: LedgerStore, credential_id: str, event: str, actor: str, reason: str | None) -> None:
    ledger.record(credential_id, event, actor, detail={"reason": reason} if reason else None)


def lists_showing(ledger: LedgerStore, credential_id: str, purpose: str) -> list[str]:
    """The status lists where a revocation (``purpose="revocation"``) or a suspension of
    ``credential_id`` becomes visible once they are published: its entries for that purpose
    and, for a revocation, its suspension entries too (a revoked credential stays suspended on
    them for good, since it has no other way to show it). Entries superseded by a correction
    count only while the credential holds no current one (not sealed again): their seals are
    then the only ones out there, and their bits are set for good. Each list is named once."""
    state = PURPOSE_STATES[_purpose(purpose)]
    entries = ledger.status_entries_for(credential_id)
    current = [e for e in entries if e.superseded_at is None]
    lists = (e.list_url for e in current or entries if state in PURPOSE_BIT_STATES[e.purpose])
    return list(dict.fromkeys(lists))


def _visible_change(
    ledger: LedgerStore, credential_id: str, purpose: str, record_only: bool, reason: object
) -> None:
    if not isinstance(reason, str) or not reason.strip():
        change = "revocation" if purpose == "revocation" else "suspension"
        raise RevocationError(
            f"give the reason for the {change} of {credential_id} (it is kept in the ledger, "
            f"never published), not {reason!r}"
        )
    if ledger.get_credential(credential_id) is None:
        from elmkit.ledger.errors import UnknownCredentialError

        raise UnknownCredentialError(f"no credential {credential_id!r} in the ledger")
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

    A credential that holds a suspension entry (and no revocation entry) is shown suspended on
    that list from then on, for good. Refused (:class:`RevocationError`, nothing recorded) when
    the credential holds no entry on a status list, unless ``record_only``.
    """
    _visible_change(ledger, credential_id, "revocation", record_only, reason)
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
    suspension entry on a status list, unless ``record_only``, or when ``reason`` is blank.
    """
    _visible_change(ledger, credential_id, "suspension", record_only, reason)
    _record(ledger, credential_id, "suspended", actor, reason)


def unsuspend(ledger: LedgerStore, credential_id: str, *, reason: str | None = None, actor: str = "elmkit") -> None:
    """Lift a suspension."""
    _record(ledger, credential_id, "unsuspended", actor, reason)


def _purpose(purpose: str) -> StatusPurpose:
    if purpose not in tuple(StatusPurpose):
        raise RevocationError(f"unknown purpose {purpose!r}: revocation or suspension")
    return StatusPurpose(purpose)


def _purposes(purpose: str | Sequence[str]) -> tuple[StatusPurpose, ...]:
    """One purpose or several, each known and named once, in the order given."""
    wanted = tuple(map(_purpose, (purpose,) if isinstance(purpose, str) else purpose))
    if not wanted:
        raise RevocationError("give a status purpose: revocation or suspension")
    if len(set(wanted)) != len(wanted):
        named = ", ".join(p.value for p in wanted)
        raise RevocationError(f"a status purpose is given twice: {named}")
    return wanted


def _refuse_other_purposes(
    list_url: str, wanted: tuple[StatusPurpose, ...], found: set[StatusPurpose]
) -> None:
    """A list is for the purposes of its entries: another would replace the list their
    verifiers read, and several are only for a list an earlier version let both onto."""
    if len(found) > 1 and set(wanted) != found:
        raise RevocationError(
            f"{list_url} holds both revocation and suspension entries (an earlier version let "
            "both onto one list), and a list for one purpose there would leave the other's "
            "entries unreadable: publish it for both (purpose=('revocation', 'suspension'); on "
            "the command line --purpose revocation --purpose suspension). Bitstring Status List "
            "v1.0 allows a list of several purposes and elmkit's verifier reads it; a verifier "
            "that implements only StatusList2021 takes one purpose per list"
        )
    others = found - set(wanted)
    if others:
        other, asked = others.pop().value, ", ".join(p.value for p in wanted)
        raise RevocationError(
            f"{list_url} holds {other} entries: a {asked} list there would replace the {other} "
            "list their verifiers read"
        )
    if len(wanted) > 1 and set(wanted) != found:
        kind = f"only {found.pop().value}" if found else "no"
        raise RevocationError(
            f"a list for several purposes is only for one that an earlier version let both "
            f"onto; {list_url} holds {kind} entries: publish it for the purpose of its entries"
        )


@dataclass(frozen=True, slots=True)
class _ListIssuer:
    id: str
    eidas: str | None


#: The issuer of each definition read (a version of a definition never changes).
_ISSUERS: dict[str, _ListIssuer | None] = {}


def _definition_issuer(
    ledger: LedgerStore, definition_id: str, version: str
) -> _ListIssuer | None:
    """The issuer a micro-credential definition in the ledger names; ``None`` when the
    definition is missing or not a micro-credential definition."""
    from pydantic import ValidationError

    from elmkit.microcredentials import organisation
    from elmkit.microcredentials.batch import definition_from_document

    definition = ledger.get_definition(definition_id, version)
    if definition is None:
        return None
    key = f"{definition.definition_id}@{definition.version}:{definition.sha256}"
    try:
        return _ISSUERS[key]
    except KeyError:
        pass
    try:
        body = definition_from_document(definition.document).issuing_body
    except ValidationError:
        found = None
    else:
        issuer_id = organisation(body).id
        found = _ListIssuer(issuer_id, body.eidas_id) if issuer_id is not None else None
    if len(_ISSUERS) > 1024:
        _ISSUERS.clear()
    _ISSUERS[key] = found
    return found


def _list_issuers(ledger: LedgerStore, list_url: str) -> list[_ListIssuer] | None:
    """The issuers of the credentials on a list, from the definitions the ledger keeps; ``None``
    when one cannot be told (a definition that is missing or not a micro-credential one)."""
    issuers: dict[str, _ListIssuer] = {}
    seen: set[tuple[str, str]] = set()
    for entry in ledger.status_entries(list_url):
        record = ledger.get_credential(entry.credential_id)
        if record is None or (record.definition_id, record.definition_version) in seen:
            continue
        seen.add((record.definition_id, record.definition_version))
        found = _definition_issuer(ledger, record.definition_id, record.definition_version)
        if found is None:
            return None
        issuers.setdefault(found.id, found)
    return list(issuers.values())


def issuer_for_list(ledger: LedgerStore, list_url: str) -> str | None:
    """The issuer id of the credentials on a list, from the definitions the ledger keeps.

    ``None`` when the list holds no credential, a definition is not a micro-credential
    definition, or the credentials have different issuers.
    """
    issuers = _list_issuers(ledger, list_url)
    return issuers[0].id if issuers is not None and len(issuers) == 1 else None


def _moment(value: datetime | str | None, what: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise RevocationError(f"{what} is not an ISO 8601 date-time: {value!r}") from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise RevocationError(f"{what} must be a date-time with a time zone, not {value!r}")
    return value


def _refuse_another_sealer(signer: Any, issuers: list[_ListIssuer] | None, list_url: str) -> None:
    """Verifiers take a sealed list only from the credentials' issuer: the seal certificate's
    organizationIdentifier must be the issuer's eIDAS identifier."""
    from elmkit.sealing.certs import signer_info

    expected = {found.eidas for found in issuers or () if found.eidas}
    chain = getattr(signer, "certificate_chain", None)
    if not expected or not chain:
        return
    sealer = signer_info(chain[0]).organization_identifier
    if sealer not in expected:
        raise RevocationError(
            f"the seal certificate's organizationIdentifier is {sealer or '(none)'}, but the "
            f"credentials on {list_url} are issued by {', '.join(sorted(expected))}: verifiers "
            "reject a list not sealed by the credentials' issuer"
        )


#: How many times a list is built again when its bits changed in the ledger while it was built.
_REBUILDS = 5


def _set_bits(ledger: LedgerStore, list_url: str, purposes: Sequence[StatusPurpose]) -> set[int]:
    """The indexes the ledger knows as revoked (or suspended) on ``list_url``, for ``purposes``."""
    return set().union(*(ledger.revoked_indexes(list_url, p) for p in purposes))


def _covering(ledger: LedgerStore, list_url: str, size: int) -> int:
    """``size``, or a larger multiple of :data:`MIN_SIZE` when the ledger handed out indexes
    beyond it (entries given with a larger ``size``): a verifier finds every entry's index on
    the list, or refuses the credential."""
    highest = max(ledger.used_indexes(list_url), default=-1)
    if highest < size:
        return size
    return -(-(highest + 1) // MIN_SIZE) * MIN_SIZE


@dataclass(frozen=True, slots=True)
class _ListThere:
    """What the list already at the output shows: its set bits and the moment it is valid from."""

    indexes: frozenset[int] = frozenset()
    valid_from: datetime | None = None


def _list_there(path: Path, list_url: str) -> _ListThere:
    """The list for ``list_url`` that ``path`` holds (sealed or not); an empty one when it holds
    no such list."""
    from elmkit.status.verify import read_status_list

    try:
        document = json.loads(path.read_bytes())
        if isinstance(document, dict) and isinstance(document.get("payload"), str):
            document = json.loads(document["payload"])  # an elmkit seal: the payload as it is
        found = read_status_list(list_url, document)
    except (OSError, ValueError, StatusListError):
        return _ListThere()
    return _ListThere(frozenset(found.bits.indexes()), found.valid_from)


def _refuse_lifting(
    ledger: LedgerStore, list_url: str, path: Path, indexes: set[int], there: _ListThere
) -> None:
    """A bit the list already at ``path`` sets stays set, unless the ledger says it is a lifted
    suspension: a revocation is permanent, so a ledger that does not know of one (an older
    copy, another machine's) would make a revoked credential valid again."""
    cleared = set(there.indexes - indexes)
    if not cleared:
        return
    for entry in ledger.status_entries(list_url):
        if entry.index in cleared and entry.purpose is StatusPurpose.SUSPENSION:
            cleared.discard(entry.index)
    if cleared:
        shown = ", ".join(map(str, sorted(cleared)[:10])) + (", …" if len(cleared) > 10 else "")
        raise RevocationError(
            f"{path} shows {len(cleared)} revocation(s) on {list_url} that this ledger does not "
            f"record (index {shown}): publishing would lift them, and a revocation is permanent. "
            "Is the ledger an older copy? Publish from the ledger that recorded them (or, if "
            f"{path} is not the latest version of this list, move it away first)"
        )


def _refuse_older(path: Path, valid_from: datetime, there: _ListThere) -> None:
    """A list never replaces one valid from a later moment: verifiers would take the newer one
    for the older (and a cache could keep it)."""
    written = valid_from.replace(microsecond=0)  # a list carries whole seconds
    if there.valid_from is None or written >= there.valid_from:
        return
    raise RevocationError(
        f"the list at {path} is valid from {there.valid_from.isoformat()}, later than this one "
        f"({written.isoformat()}): a published list is never replaced by an older one; give "
        "a valid_from no earlier than that one (or, if that list is not the latest version, move "
        "it away first)"
    )


def _validity(
    now: datetime,
    valid_from: datetime | None,
    valid_until: datetime | None,
    valid_for: timedelta | None,
) -> tuple[datetime, datetime | None]:
    """When a list published ``now`` is valid from and until (see :func:`publish_status_list`)."""
    start = valid_from or now
    if valid_until is None and valid_for is not None:
        if not isinstance(valid_for, timedelta) or valid_for <= timedelta(0):
            raise RevocationError(f"valid_for must be a positive timedelta, not {valid_for!r}")
        try:
            valid_until = max(now, start) + valid_for
        except OverflowError:
            raise RevocationError(
                f"valid_for {valid_for!r} ends after the last date a list can carry"
            ) from None
    if valid_until is not None and valid_until <= now:
        raise RevocationError(
            f"valid_until {valid_until.isoformat()} has passed: the list would be expired when "
            "published"
        )
    return start, valid_until


@dataclass(frozen=True, slots=True)
class PublishedList:
    """What :func:`publish_status_list` wrote."""

    path: Path
    list_url: str
    purpose: str
    """The list's purpose; for a list of several, their names joined by ", "."""
    set_indexes: int
    sealed: bool


def publish_status_list(
    ledger: LedgerStore,
    list_url: str,
    out: str | Path,
    *,
    issuer: str | dict[str, Any] | None = None,
    purpose: str | Sequence[str] = "revocation",
    size: int = MIN_SIZE,
    signer: Any = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    valid_for: timedelta | None = DEFAULT_LIST_VALIDITY,
    allow_other_sealer: bool = False,
    on_wait: Callable[[], object] | None = None,
) -> PublishedList:
    """Write the status list credential for ``list_url`` to ``out`` (atomically).

    The bits set are the credentials the ledger knows as revoked (or suspended, for a suspension
    list). The list has ``size`` entries, or more when the ledger handed out indexes beyond it
    (entries given with a larger ``size``): it is made long enough for every index, to the next
    multiple of 131,072. A revocation the list already at ``out`` shows is never lifted: a ledger
    that does not record it (an older copy) is refused, and ``out`` is left as it was; one
    recorded while the list is sealed goes on it (the list is built and sealed again).
    ``issuer`` must be the credentials' issuer (verifiers check it); by default it is found from
    the definitions in the ledger. With a ``signer`` (see :mod:`elmkit.sealing`), the list is
    sealed as a JAdES envelope. Refused when the entries on ``list_url`` are all for the other
    purpose: that list would replace the one their verifiers read.

    A list that an earlier version let both purposes onto is published for both
    (``purpose=("revocation", "suspension")``): its ``statusPurpose`` is then an array, which
    Bitstring Status List v1.0 allows and elmkit's verifier reads; a verifier that implements
    only StatusList2021 takes one purpose per list, and no one list serves both for it. Its
    entries' indexes are distinct, so each bit still answers for one entry.

    The list expires ``valid_for`` after it is published, or after ``valid_from`` when that is
    later (``valid_until`` gives the moment itself; ``valid_for=None`` and no ``valid_until``:
    never): a copy kept from before a revocation cannot then pass for the current list for
    ever. Publish again before it expires. ``valid_from``/``valid_until`` take a date-time with
    a time zone or its ISO 8601 text. A list is never older than the one it replaces: it is
    valid from now, or from when the list already at ``out`` is valid, if that is later (a
    clock behind the one that published it); a ``valid_from`` earlier than that is refused.

    Verifiers take a list only from the credentials' issuer: credentials of several issuers on
    one list are refused, and so is a ``signer`` whose certificate's organizationIdentifier is
    not the issuer's eIDAS identifier (when the definitions give one), unless
    ``allow_other_sealer``.

    Publishes of one file take turns: each holds the lock of ``out`` (see
    :func:`elmkit.microcredentials.files.exclusive_lock`) from its first read of the ledger to
    the file's replacement, so a slow publish never writes a list built from an older ledger
    over a newer one. ``on_wait`` is called once when another publish holds it, before waiting.
    """
    wanted = _purposes(purpose)
    _refuse_other_purposes(list_url, wanted, _purposes_on(ledger, list_url))
    valid_from = _moment(valid_from, "valid_from")
    valid_until = _moment(valid_until, "valid_until")
    _validity(_now(), valid_from, valid_until, valid_for)  # refused before any waiting
    issuers = _list_issuers(ledger, list_url)
    if issuers is not None and len(issuers) > 1:
        raise RevocationError(
            f"credentials of several issuers hold entries on {list_url} "
            f"({', '.join(sorted(found.id for found in issuers))}): verifiers reject a list whose "
            "issuer is not the credential's, so no one list can serve them all"
        )
    found = issuers[0].id if issuers else None
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
    if signer is not None and not allow_other_sealer:
        _refuse_another_sealer(signer, issuers, list_url)
    from elmkit.microcredentials.files import atomic_write, exclusive_lock

    path = Path(out)
    # a link (into the folder a web server serves, say) is written through, not replaced
    target = path.resolve() if path.is_symlink() else path
    with exclusive_lock(target, on_wait=on_wait):
        data, indexes = _build_list(
            ledger, list_url, target, wanted, issuer, size, signer, valid_from, valid_until, valid_for
        )
        atomic_write(target, data)
    names = ", ".join(p.value for p in wanted)
    return PublishedList(path, list_url, names, len(indexes), signer is not None)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _whole_second_from(moment: datetime) -> datetime:
    """The first whole second at or after ``moment``: a list's dates carry no fractions."""
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + timedelta(seconds=1)


def _build_list(
    ledger: LedgerStore,
    list_url: str,
    target: Path,
    wanted: Sequence[StatusPurpose],
    issuer: str | dict[str, Any],
    size: int,
    signer: Any,
    valid_from: datetime | None,
    valid_until: datetime | None,
    valid_for: timedelta | None,
) -> tuple[bytes, set[int]]:
    """The bytes of the list to write at ``target`` (whose lock the caller holds) and its set
    bits: built from the ledger, and built again when the ledger changed while it was sealed.
    Refused when it would lift a revocation, or be older, than the list already there."""
    there = _list_there(target, list_url)
    indexes = _set_bits(ledger, list_url, wanted)
    _refuse_lifting(ledger, list_url, target, indexes, there)
    if valid_from is not None:
        _refuse_older(target, valid_from, there)
    for _ in range(_REBUILDS):
        now = _now()
        # by default a list is valid from now, or from when the list there is, if later (a
        # clock behind the one that published it)
        start = valid_from or max(now, _whole_second_from(there.valid_from or now))
        start, end = _validity(now, start, valid_until, valid_for)
        bits = StatusList.from_indexes(indexes, size=_covering(ledger, list_url, size))
        document = status_list_credential(
            list_url,
            bits,
            [p.value for p in wanted],
            issuer,
            valid_from=start,
            valid_until=end,
            legacy=True,
        )
        if signer is not None:
            from elmkit.sealing import seal

            data = seal(document, signer, complete=False)
        else:
            data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        # a revocation recorded while the list was sealed (a remote signer may take seconds)
        # goes on it: the next publish, waiting for this one, would show it only later
        latest = _set_bits(ledger, list_url, wanted)
        if latest == indexes:
            break
        indexes = latest
    else:
        raise RevocationError(
            f"the ledger's revocations on {list_url} changed each of the {_REBUILDS} times the "
            "list was built: nothing was written; publish again"
        )
    # the lock keeps other publishes out; a writer that does not take it is caught here
    there = _list_there(target, list_url)
    _refuse_lifting(ledger, list_url, target, indexes, there)
    _refuse_older(target, start, there)
    return data, indexes
