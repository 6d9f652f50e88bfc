"""What the ledger records: event types, credential states, the transition rules and records.

Everything here is pure (no database): stores use :func:`plan_event` to decide what an event does,
:func:`replay` to derive a credential's state from its history, and :func:`event_hash` to chain
events, so that every store implementation behaves identically.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from elmkit.ledger.errors import InvalidTransitionError, LedgerError

__all__ = [
    "ACTIVE_STATES",
    "ALLOWED_FROM",
    "GENESIS_HASH",
    "PURPOSE_BIT_STATES",
    "PURPOSE_STATES",
    "SEALED_STATES",
    "WITHDRAWN_STATES",
    "Credential",
    "CredentialState",
    "Definition",
    "Derived",
    "Event",
    "EventType",
    "IntegrityProblem",
    "IntegrityReport",
    "StatusEntry",
    "StatusPurpose",
    "canonical_json",
    "check_sha256",
    "event_hash",
    "plan_event",
    "replay",
    "sha256_hex",
    "utc_timestamp",
]


class EventType(StrEnum):
    """Something that happened to a credential."""

    DEFINED = "defined"
    """The credential was claimed: definition and learner fixed, no document yet."""
    GENERATED = "generated"
    """Its document was produced (``sha256`` is the document's)."""
    REGENERATED = "regenerated"
    """It was produced again with a different document (``sha256`` is the new one)."""
    EXPORTED = "exported"
    """Its document was written out in some format (JSON-LD, XML, PDF...)."""
    DOWNLOADED = "downloaded"
    """Its document was fetched by a person (staff or learner)."""
    UPLOADED = "uploaded"
    """It was handed to another platform (a sealing service, a wallet, a national repository)."""
    SEALED = "sealed"
    """It was sealed (``sha256`` is the sealed document's)."""
    SENT = "sent"
    """It was delivered to the learner."""
    SUSPENDED = "suspended"
    """It was suspended (reversible)."""
    UNSUSPENDED = "unsuspended"
    """A suspension was lifted; the credential returns to the state it had before."""
    REVOKED = "revoked"
    """It was revoked (final)."""


class CredentialState(StrEnum):
    """Where a credential stands; derived from its events."""

    DEFINED = "defined"
    GENERATED = "generated"
    EXPORTED = "exported"
    UPLOADED = "uploaded"
    SEALED = "sealed"
    SENT = "sent"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class StatusPurpose(StrEnum):
    """What a status-list entry signals."""

    REVOCATION = "revocation"
    SUSPENSION = "suspension"


# States in which the credential has a document and may be handed out, in lifecycle order.
ACTIVE_STATES: tuple[CredentialState, ...] = (
    CredentialState.GENERATED,
    CredentialState.EXPORTED,
    CredentialState.UPLOADED,
    CredentialState.SEALED,
    CredentialState.SENT,
)
_RANK = {state: rank for rank, state in enumerate(ACTIVE_STATES)}

# Events that move a credential forward: the state becomes the furthest milestone reached.
_PROGRESS: dict[EventType, CredentialState] = {
    EventType.EXPORTED: CredentialState.EXPORTED,
    EventType.DOWNLOADED: CredentialState.EXPORTED,
    EventType.UPLOADED: CredentialState.UPLOADED,
    EventType.SEALED: CredentialState.SEALED,
    EventType.SENT: CredentialState.SENT,
}

_ACTIVE = frozenset(ACTIVE_STATES)
_ALL = frozenset(CredentialState)

ALLOWED_FROM: Mapping[EventType, frozenset[CredentialState]] = {
    EventType.DEFINED: frozenset(),
    EventType.GENERATED: frozenset({CredentialState.DEFINED, *ACTIVE_STATES}),
    EventType.REGENERATED: _ACTIVE,
    **{event: _ACTIVE for event in _PROGRESS},
    EventType.SUSPENDED: _ACTIVE,
    EventType.UNSUSPENDED: frozenset({CredentialState.SUSPENDED}),
    EventType.REVOKED: _ALL - {CredentialState.REVOKED},
}
"""The states from which each event may be recorded (``defined`` only starts a credential)."""

PURPOSE_STATES: Mapping[StatusPurpose, CredentialState] = {
    StatusPurpose.REVOCATION: CredentialState.REVOKED,
    StatusPurpose.SUSPENSION: CredentialState.SUSPENDED,
}
"""The state each purpose's change leads to (a revocation: ``revoked``)."""

PURPOSE_BIT_STATES: Mapping[StatusPurpose, frozenset[CredentialState]] = {
    StatusPurpose.REVOCATION: frozenset({CredentialState.REVOKED}),
    StatusPurpose.SUSPENSION: frozenset({CredentialState.SUSPENDED, CredentialState.REVOKED}),
}
"""The states whose credentials have their bit set on a list of each purpose. A revoked
credential stays suspended for good on a suspension list: it may have no other entry to show its
revocation, and clearing its bit would make it valid again."""

WITHDRAWN_STATES: frozenset[CredentialState] = frozenset(PURPOSE_STATES.values())
"""The states of credentials withdrawn by a revocation or a suspension: not to be sealed nor
delivered."""

SEALED_STATES: frozenset[CredentialState] = frozenset(
    ACTIVE_STATES[ACTIVE_STATES.index(CredentialState.SEALED) :]
)
"""The states of credentials whose seal stands: sealed, and those reached after it."""


GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of a credential's first event."""

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Derived:
    """A credential's state as derived from its events."""

    state: CredentialState
    resume: CredentialState | None = None
    """While suspended: the state an ``unsuspended`` event returns to."""
    sha256: str | None = None
    """The current document (from the last ``generated``/``regenerated`` event)."""


def plan_event(
    current: Derived | None, event: EventType, sha256: str | None = None, *, credential_id: str = ""
) -> tuple[EventType, Derived] | None:
    """Decide what recording ``event`` does to a credential in state ``current``.

    Returns the event to append (``generated`` becomes ``regenerated`` when the document changed)
    and the state after it, or ``None`` when the event repeats the current document and nothing is
    to be recorded. Raises :class:`InvalidTransitionError` when the event is not allowed.
    """
    if current is None:
        if event is EventType.DEFINED:
            return event, Derived(CredentialState.DEFINED)
        raise InvalidTransitionError(
            f"credential {credential_id!r} must be claimed before {event.value!r}",
            credential_id=credential_id,
            event=event.value,
        )
    state = current.state
    if state not in ALLOWED_FROM[event]:
        raise InvalidTransitionError(
            f"cannot record {event.value!r} for credential {credential_id!r} in state {state.value!r}",
            credential_id=credential_id,
            event=event.value,
            state=state.value,
        )
    if event in (EventType.GENERATED, EventType.REGENERATED):
        if sha256 is None:
            raise LedgerError(f"{event.value!r} needs the sha256 of the generated document")
        if sha256 == current.sha256:
            return None
        recorded = EventType.GENERATED if current.sha256 is None else EventType.REGENERATED
        return recorded, Derived(CredentialState.GENERATED, None, sha256)
    if event in _PROGRESS:
        target = _PROGRESS[event]
        reached = target if _RANK[target] > _RANK[state] else state
        return event, Derived(reached, None, current.sha256)
    if event is EventType.SUSPENDED:
        return event, Derived(CredentialState.SUSPENDED, state, current.sha256)
    if event is EventType.UNSUSPENDED:
        resume = current.resume or CredentialState.GENERATED
        return event, Derived(resume, None, current.sha256)
    return event, Derived(CredentialState.REVOKED, None, current.sha256)


def replay(events: Iterable[tuple[EventType, str | None]], *, credential_id: str = "") -> Derived:
    """Derive a credential's state from its recorded events, oldest first.

    Raises :class:`InvalidTransitionError` when the history is not one the rules could have
    produced (a forbidden event, a repeated document recorded twice, ``generated`` where
    ``regenerated`` was due).
    """
    current: Derived | None = None
    for n, (event, sha256) in enumerate(events, start=1):
        planned = plan_event(current, event, sha256, credential_id=credential_id)
        if planned is None or planned[0] is not event:
            raise InvalidTransitionError(
                f"event {n} ({event.value!r}) of credential {credential_id!r} is not what the "
                "rules record at that point",
                credential_id=credential_id,
                event=event.value,
                state=current.state.value if current else "",
            )
        current = planned[1]
    if current is None:
        raise InvalidTransitionError(
            f"credential {credential_id!r} has no events", credential_id=credential_id
        )
    return current


@dataclass(frozen=True, slots=True)
class Definition:
    """A registered credential definition (one version of it)."""

    definition_id: str
    version: str
    title: str
    sha256: str
    document: dict[str, Any]
    created_at: str


@dataclass(frozen=True, slots=True)
class Credential:
    """One credential: who it is for, what it is, and where it stands."""

    credential_id: str
    definition_id: str
    definition_version: str
    learner_id: str
    state: CredentialState
    file_path: str | None
    sha256: str | None
    event_count: int
    created_at: str
    updated_at: str
    """The time of its latest event (an event recorded later with an earlier ``at`` leaves it)."""


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of a credential's append-only history."""

    seq: int
    """Position in the whole ledger (increasing)."""
    credential_id: str
    n: int
    """Position in the credential's history: 1, 2, 3... without gaps."""
    event: EventType
    actor: str
    at: str
    """UTC time, ISO 8601 (``2025-01-31T09:30:00.000000Z``)."""
    sha256: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """A status-list index held by a credential."""

    list_url: str
    index: int
    credential_id: str
    purpose: StatusPurpose
    reserved_at: str
    superseded_at: str | None = None
    """When the credential was regenerated after a seal that carries this index (a corrected
    grade): the index stays set on its list for good, so that the earlier seal verifies as
    revoked, and the credential's next seal gets a new index. None: the current index."""


@dataclass(frozen=True, slots=True)
class IntegrityProblem:
    """One inconsistency found by ``verify_integrity``."""

    kind: str
    """``hash``, ``chain``, ``sequence``, ``transition``, ``state``, ``definition``, ``schema``..."""
    message: str
    credential_id: str = ""
    seq: int | None = None


@dataclass(frozen=True, slots=True)
class IntegrityReport:
    """The outcome of ``verify_integrity``."""

    credentials: int
    events: int
    problems: tuple[IntegrityProblem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems


def canonical_json(value: Any) -> str:
    """The canonical JSON text used for hashing and storage: sorted keys, no spaces, UTF-8."""
    try:
        text = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        text.encode("utf-8")  # a lone surrogate is no Unicode text
    except (TypeError, ValueError, RecursionError) as exc:
        raise LedgerError(f"value is not JSON-serialisable: {exc}") from exc
    return text


def sha256_hex(data: bytes) -> str:
    """The lowercase hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def check_sha256(value: str | None) -> str | None:
    """Normalise a hex SHA-256 digest to lowercase; reject anything else."""
    if value is None:
        return None
    if not isinstance(value, str) or not _SHA256.fullmatch(value.lower()):
        raise LedgerError(f"not a hex SHA-256 digest: {value!r}")
    return value.lower()


def utc_timestamp(at: datetime | str | None = None) -> str:
    """``at`` (default: now) as a UTC ISO 8601 string with microseconds and ``Z``.

    All stored times share this fixed-width form, so they sort as text. Naive datetimes are
    rejected: the ledger cannot guess their time zone.
    """
    if at is None:
        moment = datetime.now(UTC)
    elif isinstance(at, datetime):
        moment = at
    elif isinstance(at, str):
        try:
            moment = datetime.fromisoformat(at)
        except ValueError as exc:
            raise LedgerError(f"not an ISO 8601 time: {at!r}") from exc
    else:
        raise LedgerError(f"not a time: {at!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise LedgerError(f"time {at!s} has no time zone")
    try:
        utc = moment.astimezone(UTC)
    except OverflowError as exc:
        raise LedgerError(f"time {at!s} is out of range") from exc
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def event_hash(
    *,
    credential_id: str,
    n: int,
    event: str,
    actor: str,
    at: str,
    sha256: str | None,
    detail: str,
    prev_hash: str,
) -> str:
    """The SHA-256 of an event's canonical form; ``detail`` is its canonical JSON text."""
    form = {
        "v": 1,
        "credential_id": credential_id,
        "n": n,
        "event": event,
        "actor": actor,
        "at": at,
        "sha256": sha256,
        "detail": detail,
        "prev": prev_hash,
    }
    return sha256_hex(canonical_json(form).encode("utf-8"))
