"""The store protocol every ledger backend implements, and :func:`open_ledger`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

from elmkit.ledger.errors import LedgerError
from elmkit.ledger.model import (
    Credential,
    CredentialState,
    Definition,
    Event,
    EventType,
    IntegrityReport,
    StatusEntry,
    StatusPurpose,
)

__all__ = ["LedgerStore", "StoreFactory", "open_ledger", "register_store"]

TimeLike = datetime | str


@runtime_checkable
class LedgerStore(Protocol):
    """What callers may rely on, whatever database holds the ledger.

    Writes are atomic; an event is appended only if the transition rules of
    :func:`elmkit.ledger.model.plan_event` allow it, and the credential's cached state is updated
    in the same transaction. Iterating methods stream (they do not load everything at once).
    """

    # definitions

    def define(
        self,
        definition_id: str,
        document: Mapping[str, Any],
        *,
        title: str = "",
        version: str | None = None,
        at: TimeLike | None = None,
    ) -> Definition:
        """Register a definition version (idempotent); the version defaults to its hash."""
        ...

    def get_definition(self, definition_id: str, version: str | None = None) -> Definition | None:
        """A definition version, or its latest version when ``version`` is None."""
        ...

    def definitions(self) -> Iterator[Definition]:
        """Every definition version, in registration order."""
        ...

    # credentials and events

    def claim_credential(
        self,
        credential_id: str,
        definition_id: str,
        learner_id: str,
        *,
        definition_version: str | None = None,
        actor: str = "elmkit",
        file_path: str | None = None,
        detail: Mapping[str, Any] | None = None,
        at: TimeLike | None = None,
    ) -> bool:
        """Create the credential with its ``defined`` event; False if it already existed."""
        ...

    def record(
        self,
        credential_id: str,
        event: EventType | str,
        actor: str,
        sha256: str | None = None,
        detail: Mapping[str, Any] | None = None,
        at: TimeLike | None = None,
        *,
        file_path: str | None = None,
    ) -> Event | None:
        """Append an event; None when it repeats the current document and changes nothing."""
        ...

    def get_credential(self, credential_id: str) -> Credential | None:
        """One credential, or None."""
        ...

    def credentials(
        self,
        *,
        learner_id: str | None = None,
        definition_id: str | None = None,
        state: CredentialState | str | None = None,
        since: TimeLike | None = None,
        until: TimeLike | None = None,
        definition_version: str | None = None,
        events_since: TimeLike | None = None,
        events_until: TimeLike | None = None,
    ) -> Iterator[Credential]:
        """Credentials matching every given filter (creation time in ``[since, until)``, at
        least one event in ``[events_since, events_until)``), oldest first."""
        ...

    def history(self, credential_id: str) -> list[Event]:
        """A credential's full history, oldest first."""
        ...

    def events(
        self,
        *,
        credential_id: str | None = None,
        event: EventType | str | None = None,
        since: TimeLike | None = None,
        until: TimeLike | None = None,
    ) -> Iterator[Event]:
        """Events matching every given filter (time in ``[since, until)``), in ledger order."""
        ...

    def counts_by_state(self, *, definition_id: str | None = None) -> dict[CredentialState, int]:
        """How many credentials are in each state (every state listed, zeros included)."""
        ...

    def event_counts_by_definition(
        self, *, since: TimeLike | None = None, until: TimeLike | None = None
    ) -> dict[str, dict[EventType, int]]:
        """Events of each type in ``[since, until)``, by the definition of their credential
        (definitions without any left out, every event type listed)."""
        ...

    # status lists

    def used_indexes(self, list_url: str) -> set[int]:
        """Indexes of a status list already reserved."""
        ...

    def reserve_index(
        self, list_url: str, index: int, credential_id: str, purpose: StatusPurpose | str
    ) -> bool:
        """Reserve an index for a credential; False if another credential holds it. A credential
        holds one current index per list and purpose (more: ``ConflictError``)."""
        ...

    def status_entries(self, list_url: str) -> Iterator[StatusEntry]:
        """Every reservation on a status list, by index, superseded ones included."""
        ...

    def status_entries_for(self, credential_id: str) -> list[StatusEntry]:
        """Every status-list index a credential holds, and those superseded when it was
        regenerated after a seal (``record`` of a ``regenerated`` event from a sealed state
        supersedes the credential's current indexes)."""
        ...

    def revoked_indexes(self, list_url: str, purpose: StatusPurpose | str) -> set[int]:
        """Indexes of a list whose credential is currently revoked (or suspended, per purpose),
        and every superseded index of the list (for that purpose)."""
        ...

    # housekeeping

    def verify_integrity(self) -> IntegrityReport:
        """Recompute hashes, chains and states from the events; report every mismatch."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Group several writes into one atomic transaction (nestable).

        Reads of ``status_entries`` inside it must keep out other writers of that list until it
        ends (the SQLite store's write transactions are exclusive), so that checks made on them
        still hold when ``reserve_index`` writes.
        """
        ...

    def close(self) -> None:
        """Release the database connection."""
        ...

    def __enter__(self) -> LedgerStore: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


StoreFactory = Callable[[str], LedgerStore]
"""Builds a store from a URL of its scheme."""

_FACTORIES: dict[str, StoreFactory] = {}


def register_store(scheme: str, factory: StoreFactory) -> None:
    """Make :func:`open_ledger` hand URLs of ``scheme`` (``postgresql``...) to ``factory``."""
    if not scheme or not scheme.isascii() or ":" in scheme:
        raise LedgerError(f"not a URL scheme: {scheme!r}")
    _FACTORIES[scheme.lower()] = factory


def _sqlite_path(url: str) -> str:
    rest = url[len("sqlite:") :]
    if rest in ("", "//", "///", "///:memory:"):
        return ":memory:"
    if not rest.startswith("///"):
        raise LedgerError(
            f"a SQLite URL is sqlite:///relative/path or sqlite:////absolute/path: {url!r}"
        )
    return rest[3:]


def open_ledger(url_or_path: str | Path, *, read_only: bool = False) -> LedgerStore:
    """Open (creating if needed) the ledger at a path or URL.

    ``sqlite:///ledger.db`` is relative to the working directory, ``sqlite:////var/x.db`` is
    absolute (the SQLAlchemy convention); a plain path opens a SQLite file. Other schemes are
    served by factories added with :func:`register_store`. ``read_only`` opens an existing
    SQLite ledger for reading only (see :class:`~elmkit.ledger.sqlite.SQLiteLedger`).
    """
    from elmkit.ledger.sqlite import SQLiteLedger

    if isinstance(url_or_path, os.PathLike):
        return SQLiteLedger(Path(url_or_path), read_only=read_only)
    if not isinstance(url_or_path, str) or not url_or_path.strip():
        raise LedgerError(f"a ledger is named by a path or URL, not {url_or_path!r}")
    text = url_or_path
    if text[:7].lower() == "sqlite:":
        return SQLiteLedger(_sqlite_path(text), read_only=read_only)
    scheme, sep, _ = text.partition("://")
    if not sep or "/" in scheme or "\\" in scheme or len(scheme) < 2:
        return SQLiteLedger(text, read_only=read_only)
    if read_only:
        raise LedgerError(f"read_only is for SQLite ledgers; {scheme} stores open as they do")
    scheme = scheme.lower()
    factory = _FACTORIES.get(scheme) or _FACTORIES.get(scheme.split("+", 1)[0])
    if factory is None:
        raise LedgerError(
            f"no ledger store for {scheme!r} URLs; register one with elmkit.ledger.register_store()"
        )
    return factory(text)
