"""The SQLite ledger store (stdlib ``sqlite3``): WAL, immediate write transactions, triggers."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar

from elmkit.ledger.errors import (
    ConflictError,
    InvalidTransitionError,
    LedgerError,
    SchemaVersionError,
    UnknownCredentialError,
    UnknownDefinitionError,
)
from elmkit.ledger.model import (
    GENESIS_HASH,
    PURPOSE_BIT_STATES,
    SEALED_STATES,
    Credential,
    CredentialState,
    Definition,
    Derived,
    Event,
    EventType,
    IntegrityProblem,
    IntegrityReport,
    StatusEntry,
    StatusPurpose,
    canonical_json,
    check_sha256,
    event_hash,
    plan_event,
    replay,
    sha256_hex,
    utc_timestamp,
)

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration", "NewCredential", "SQLiteLedger"]

Migration = Callable[[sqlite3.Connection], None]
"""Brings a database from the previous schema version to the one it is registered under."""

APPLICATION_ID = 0x454C4D4B  # "ELMK": marks the file as an elmkit ledger
PAGE_SIZE = 500
_MAX_INDEX = 2**63 - 1
_T = TypeVar("_T")
TimeLike = datetime | str

_SCHEMA_V1 = (
    """CREATE TABLE definitions (
        definition_id TEXT NOT NULL,
        version TEXT NOT NULL,
        title TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        document TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (definition_id, version)
    )""",
    """CREATE TABLE credentials (
        credential_id TEXT PRIMARY KEY,
        definition_id TEXT NOT NULL,
        definition_version TEXT NOT NULL,
        learner_id TEXT NOT NULL,
        state TEXT NOT NULL,
        resume_state TEXT,
        file_path TEXT,
        sha256 TEXT,
        event_count INTEGER NOT NULL,
        head TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        FOREIGN KEY (definition_id, definition_version)
            REFERENCES definitions (definition_id, version)
    )""",
    "CREATE INDEX credentials_learner ON credentials (learner_id)",
    "CREATE INDEX credentials_definition ON credentials (definition_id)",
    "CREATE INDEX credentials_state ON credentials (state)",
    "CREATE INDEX credentials_created ON credentials (created_at)",
    """CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        credential_id TEXT NOT NULL REFERENCES credentials (credential_id),
        n INTEGER NOT NULL CHECK (n >= 1),
        event TEXT NOT NULL,
        actor TEXT NOT NULL,
        at TEXT NOT NULL,
        sha256 TEXT,
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        UNIQUE (credential_id, n)
    )""",
    "CREATE INDEX events_at ON events (at)",
    """CREATE TABLE status_entries (
        list_url TEXT NOT NULL,
        idx INTEGER NOT NULL CHECK (idx >= 0),
        credential_id TEXT NOT NULL REFERENCES credentials (credential_id),
        purpose TEXT NOT NULL,
        reserved_at TEXT NOT NULL,
        PRIMARY KEY (list_url, idx),
        UNIQUE (list_url, credential_id, purpose)
    )""",
    "CREATE INDEX status_entries_credential ON status_entries (credential_id)",
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END""",
    """CREATE TRIGGER definitions_no_update BEFORE UPDATE ON definitions
        BEGIN SELECT RAISE(ABORT, 'ledger definitions are append-only'); END""",
    """CREATE TRIGGER definitions_no_delete BEFORE DELETE ON definitions
        BEGIN SELECT RAISE(ABORT, 'ledger definitions are append-only'); END""",
    """CREATE TRIGGER credentials_no_delete BEFORE DELETE ON credentials
        BEGIN SELECT RAISE(ABORT, 'ledger credentials cannot be deleted'); END""",
    """CREATE TRIGGER credentials_fixed_identity
        BEFORE UPDATE OF credential_id, definition_id, definition_version, learner_id, created_at
        ON credentials
        BEGIN SELECT RAISE(ABORT, 'a credential''s identity cannot change'); END""",
    """CREATE TRIGGER status_entries_no_update BEFORE UPDATE ON status_entries
        BEGIN SELECT RAISE(ABORT, 'status-list reservations are permanent'); END""",
    """CREATE TRIGGER status_entries_no_delete BEFORE DELETE ON status_entries
        BEGIN SELECT RAISE(ABORT, 'status-list reservations are permanent'); END""",
)

_STATUS_ENTRIES_PERMANENT = tuple(
    statement for statement in _SCHEMA_V1 if "ON status_entries" in statement and "TRIGGER" in statement
)

#: Version 2: a credential regenerated after it was sealed gets new status-list indexes, and the
#: ones its earlier seal carries are kept as superseded (set on the lists for good). A credential
#: may thus hold several indexes of one list, one of them current: the reservations are moved to
#: a table without the uniqueness that forbade it, as they were.
_SCHEMA_V2 = (
    "DROP TRIGGER status_entries_no_update",
    "DROP TRIGGER status_entries_no_delete",
    "ALTER TABLE status_entries RENAME TO status_entries_v1",
    """CREATE TABLE status_entries (
        list_url TEXT NOT NULL,
        idx INTEGER NOT NULL CHECK (idx >= 0),
        credential_id TEXT NOT NULL REFERENCES credentials (credential_id),
        purpose TEXT NOT NULL,
        reserved_at TEXT NOT NULL,
        PRIMARY KEY (list_url, idx)
    )""",
    "INSERT INTO status_entries (list_url, idx, credential_id, purpose, reserved_at)"
    " SELECT list_url, idx, credential_id, purpose, reserved_at FROM status_entries_v1",
    "DROP TABLE status_entries_v1",
    "CREATE INDEX status_entries_credential ON status_entries (credential_id)",
    *_STATUS_ENTRIES_PERMANENT,
    """CREATE TABLE superseded_entries (
        list_url TEXT NOT NULL,
        idx INTEGER NOT NULL,
        superseded_at TEXT NOT NULL,
        event_seq INTEGER NOT NULL REFERENCES events (seq),
        PRIMARY KEY (list_url, idx),
        FOREIGN KEY (list_url, idx) REFERENCES status_entries (list_url, idx)
    )""",
    """CREATE TRIGGER superseded_entries_no_update BEFORE UPDATE ON superseded_entries
        BEGIN SELECT RAISE(ABORT, 'superseded status-list indexes stay superseded'); END""",
    """CREATE TRIGGER superseded_entries_no_delete BEFORE DELETE ON superseded_entries
        BEGIN SELECT RAISE(ABORT, 'superseded status-list indexes stay superseded'); END""",
)


def _spaced(sql: str) -> str:
    """SQL text with its whitespace made single spaces, to compare statements."""
    return " ".join(sql.split())


#: The statement of each trigger that protects the ledger, by name, as the schema creates it.
_TRIGGER_SQL: Mapping[str, str] = {
    statement.split()[2]: _spaced(statement)
    for statement in (*_SCHEMA_V1, *_SCHEMA_V2)
    if statement.lstrip().startswith("CREATE TRIGGER")
}
PROTECTING_TRIGGERS = frozenset(_TRIGGER_SQL)


def _migrate_to_1(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA_V1:
        conn.execute(statement)


def _migrate_to_2(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA_V2:
        conn.execute(statement)


MIGRATIONS: Mapping[int, Migration] = {1: _migrate_to_1, 2: _migrate_to_2}
"""Schema migrations by the version they produce; version ``n`` runs on a version ``n-1`` file."""

SCHEMA_VERSION = max(MIGRATIONS)


@dataclass(frozen=True, slots=True)
class NewCredential:
    """One credential for :meth:`SQLiteLedger.claim_many`: what :meth:`~SQLiteLedger.claim_credential`
    takes, the events to record right after (``(event, sha256, detail)``) and where its file is."""

    credential_id: str
    learner_id: str
    detail: Mapping[str, Any] | None = None
    file_path: str | None = None
    events: Sequence[tuple[EventType | str, str | None, Mapping[str, Any] | None]] = field(
        default=()
    )


def _file_state(path: str) -> tuple[int, ...] | None:
    """What changes when a SQLite file is written to: the file's identity, size and times, and
    whether changes wait in its WAL; ``None`` when it cannot be told."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    try:
        wal = os.stat(f"{path}-wal").st_size
    except FileNotFoundError:
        wal = 0
    except OSError:
        return None
    return (status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns, wal)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    message = str(exc)
    return "locked" in message or "busy" in message


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LedgerError(f"{what} must be a non-empty string, got {value!r}")
    return _unicode(value, what)


def _unicode(value: str, what: str) -> str:
    """``value``, which SQLite must be able to store as UTF-8 text."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _not_unicode(exc, what) from None
    return value


def _not_unicode(exc: UnicodeEncodeError, what: str = "") -> LedgerError:
    """The error for a text holding a lone surrogate, as a name read from bytes that are not
    UTF-8 (a Latin-1 terminal or share) does: no ledger text can be it."""
    shown = exc.object if len(exc.object) <= 80 else f"{exc.object[:77]}..."
    return LedgerError(
        f"{what} {shown!r}".lstrip()
        + f" is not Unicode text: it holds {exc.object[exc.start : exc.end]!r}, "
        "what remains of bytes that are not UTF-8 (give it as UTF-8)"
    )


def _event_type(value: EventType | str) -> EventType:
    try:
        return EventType(value)
    except ValueError:
        known = ", ".join(e.value for e in EventType)
        raise LedgerError(f"unknown event {value!r} (known: {known})") from None


def _state(value: CredentialState | str) -> CredentialState:
    try:
        return CredentialState(value)
    except ValueError:
        known = ", ".join(s.value for s in CredentialState)
        raise LedgerError(f"unknown credential state {value!r} (known: {known})") from None


def _purpose(value: StatusPurpose | str) -> StatusPurpose:
    try:
        return StatusPurpose(value)
    except ValueError:
        known = ", ".join(p.value for p in StatusPurpose)
        raise LedgerError(f"unknown status purpose {value!r} (known: {known})") from None


def _detail(detail: Mapping[str, Any] | None) -> str:
    if detail is None:
        return "{}"
    if not isinstance(detail, Mapping):
        raise LedgerError(f"detail must be a JSON object, got {type(detail).__name__}")
    return canonical_json(dict(detail))


def _optional_text(value: str | None, what: str) -> str | None:
    return None if value is None else _text(value, what)


class SQLiteLedger:
    """A ledger in one SQLite file; safe to share between processes and threads.

    Each process opens its own ``SQLiteLedger`` (a connection cannot cross ``fork``). Writes run
    in ``BEGIN IMMEDIATE`` transactions and wait up to ``busy_timeout`` seconds for other
    writers. ``synchronous="FULL"`` makes every commit survive a power cut; ``"NORMAL"`` is faster
    and still survives a crash of the process.

    ``read_only=True`` opens an existing ledger for reading only, also from a folder this
    process cannot write to (a copy on a read-only share, say): every write raises
    :class:`LedgerError`, and a ledger of an older schema is not upgraded but refused.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float = 30.0,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
        migrations: Mapping[int, Migration] | None = None,
        read_only: bool = False,
    ) -> None:
        if synchronous not in ("FULL", "NORMAL"):
            raise LedgerError(f"synchronous must be 'FULL' or 'NORMAL', got {synchronous!r}")
        if busy_timeout < 0:
            raise LedgerError("busy_timeout must not be negative")
        self.path = os.fspath(path)
        self.busy_timeout = busy_timeout
        self._migrations = dict(MIGRATIONS if migrations is None else migrations)
        self._lock = threading.RLock()
        self._depth = 0
        self._reading = False
        self._pid = os.getpid()
        self._closed = False
        self.read_only = read_only
        #: For a ledger read without locks: its absolute path and how the file stood when opened
        self._unlocked_as: tuple[str, tuple[int, ...]] | None = None
        if self.path != ":memory:" and not Path(self.path).parent.is_dir():
            raise LedgerError(f"ledger directory does not exist: {Path(self.path).parent}")
        try:
            if read_only:
                self._db = self._connect_read_only()
            else:
                self._db = sqlite3.connect(
                    self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
                )
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot open ledger {self.path}: {exc}") from exc
        self._db.row_factory = sqlite3.Row
        try:
            with self._errors("cannot open ledger"):
                if read_only:
                    self._check_schema()
                else:
                    self._configure(synchronous)
                    self._migrate()
        except BaseException:
            self._db.close()
            self._closed = True
            raise

    # connection management

    def _connect_read_only(self) -> sqlite3.Connection:
        """A read-only connection; immutable when the folder cannot take the shared-memory file
        a WAL reader needs (which no writer then has either), unless changes wait in the WAL."""
        path = Path(self.path)
        if self.path == ":memory:" or not path.is_file():
            raise LedgerError(f"no ledger at {self.path} to read")
        uri = f"{path.absolute().as_uri()}?mode=ro"

        def connect(query: str) -> sqlite3.Connection:
            db = sqlite3.connect(
                uri + query,
                uri=True,
                timeout=self.busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            try:
                db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
                db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # opens the file
            except BaseException:
                db.close()
                raise
            return db

        try:
            return connect("")
        except sqlite3.OperationalError as exc:
            # a folder that refuses new files: CANTOPEN where nobody may add one (EPERM: the
            # immutable attribute), READONLY_DIRECTORY where this user may not (EACCES)
            if exc.sqlite_errorname not in ("SQLITE_CANTOPEN", "SQLITE_READONLY_DIRECTORY"):
                raise
            wal = Path(f"{self.path}-wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise LedgerError(
                    f"cannot read ledger {self.path}: its latest changes are still in {wal.name}, "
                    "and this folder cannot be written to; open it once where it can be written "
                    "(any elmkit command that writes to it) to fold them in, or copy both files"
                ) from exc
            absolute = str(path.absolute())
            before = _file_state(absolute)
            unlocked = connect("&immutable=1")
            if before is None or _file_state(absolute) != before:
                unlocked.close()
                raise LedgerError(
                    f"cannot read ledger {self.path}: it was written to while it was opened from "
                    "a folder this process cannot write to; open it again when nothing writes to it"
                ) from exc
            self._unlocked_as = (absolute, before)
            return unlocked

    def _check_schema(self) -> None:
        """A read-only ledger must already be of this version's schema."""
        self._check_application_id()
        current, target = self._user_version(), max(self._migrations, default=0)
        if current == 0:
            raise LedgerError(f"{self.path} is not an elmkit ledger")
        if current < target:
            raise SchemaVersionError(
                f"ledger {self.path} has schema version {current} and is open read-only; open it "
                f"once to write (any elmkit command that writes to it) to upgrade it to {target}"
            )
        if current > target:
            raise SchemaVersionError(
                f"ledger {self.path} has schema version {current}; this elmkit knows up to "
                f"{target}"
            )

    def _configure(self, synchronous: str) -> None:
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        db.execute("PRAGMA foreign_keys = ON")
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                db.execute("PRAGMA journal_mode = WAL").fetchone()
                break
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.005)
        db.execute(f"PRAGMA synchronous = {synchronous}")

    def _migrate(self) -> None:
        target = max(self._migrations, default=0)
        if self._user_version() == target:
            self._check_application_id()
            return
        with self.transaction():
            self._check_application_id()
            current = self._user_version()
            if (
                current == 0
                and self._db.execute(
                    "SELECT 1 FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' LIMIT 1"
                ).fetchone()
            ):
                raise LedgerError(f"{self.path} is a SQLite file but not an elmkit ledger")
            if current > target:
                raise SchemaVersionError(
                    f"ledger {self.path} has schema version {current}; this elmkit knows up to "
                    f"{target}"
                )
            for version in range(current + 1, target + 1):
                step = self._migrations.get(version)
                if step is None:
                    raise SchemaVersionError(f"no migration to ledger schema version {version}")
                step(self._db)
            self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self._db.execute(f"PRAGMA user_version = {target}")

    def _user_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _check_application_id(self) -> None:
        app = int(self._db.execute("PRAGMA application_id").fetchone()[0])
        if app not in (0, APPLICATION_ID):
            raise LedgerError(f"{self.path} is a SQLite file of another application")
        if app == 0 and self._user_version() != 0:
            raise LedgerError(f"{self.path} is not an elmkit ledger")

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        with self._lock, self._errors("cannot read schema version"):
            self._conn()
            return self._user_version()

    def _conn(self) -> sqlite3.Connection:
        if self._closed:
            raise LedgerError("ledger is closed")
        if os.getpid() != self._pid:
            raise LedgerError(
                "a ledger opened before fork cannot be used in the child; open it again"
            )
        if self._unlocked_as is not None and self._changed_since_opened():
            raise self._changed_error()
        return self._db

    def _changed_since_opened(self) -> bool:
        """Whether a ledger read without locks was written to since it was opened."""
        assert self._unlocked_as is not None
        path, opened = self._unlocked_as
        return _file_state(path) != opened

    def _changed_error(self) -> LedgerError:
        return LedgerError(
            f"ledger {self.path} was written to while it was read from a folder this process "
            "cannot write to, where no lock keeps reads and writes apart: open it again when "
            "nothing writes to it, or read a copy"
        )

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        try:
            yield
            if self._unlocked_as is not None and self._changed_since_opened():
                raise self._changed_error()  # what was just read may be torn
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise LedgerError(
                    f"{what}: ledger {self.path} stayed locked by another writer for more than "
                    f"{self.busy_timeout:g}s"
                ) from exc
            raise LedgerError(f"{what} {self.path}: {exc}") from exc
        except sqlite3.Error as exc:
            if self._unlocked_as is not None and self._changed_since_opened():
                raise self._changed_error() from exc
            raise LedgerError(f"{what} {self.path}: {exc}") from exc
        except UnicodeDecodeError as exc:  # text sqlite cannot decode: a damaged file
            raise LedgerError(f"{what} {self.path}: it holds text that is not UTF-8 ({exc.reason})") from exc

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one write transaction; nested blocks become savepoints."""
        with self._lock:
            db = self._conn()
            if self.read_only:
                raise LedgerError(f"ledger {self.path} is open read-only: nothing is written")
            if self._reading:
                raise LedgerError(
                    f"ledger {self.path}: nothing is written inside snapshot(), a read of one "
                    "moment; write after the block, or read inside transaction()"
                )
            if self._depth == 0:
                with self._errors("cannot start a ledger transaction"):
                    db.execute("BEGIN IMMEDIATE")
                self._depth = 1
                try:
                    with self._errors("cannot write to the ledger"):
                        yield
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
                else:
                    try:
                        with self._errors("cannot commit to the ledger"):
                            db.execute("COMMIT")
                    except BaseException:
                        if db.in_transaction:
                            db.execute("ROLLBACK")
                        raise
                finally:
                    self._depth = 0
            else:
                name = f"ledger_sp{self._depth}"
                db.execute(f"SAVEPOINT {name}")
                self._depth += 1
                try:
                    with self._errors("cannot write to the ledger"):
                        yield
                except BaseException:
                    db.execute(f"ROLLBACK TO {name}")
                    db.execute(f"RELEASE {name}")
                    raise
                else:
                    db.execute(f"RELEASE {name}")
                finally:
                    self._depth -= 1

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Read the ledger as of one moment: every read in the block sees it as it was when the
        block began, whatever other processes write meanwhile.

        One read transaction; other threads sharing this ledger wait until the block ends, and
        writing in it raises :class:`LedgerError`. Consume streams (``credentials()``…) inside
        the block. Inside :meth:`transaction`, and nested, it changes nothing. Works on a ledger
        opened ``read_only`` too.
        """
        with self._snapshot():
            yield

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A consistent read of several statements (a no-op inside a write transaction or
        another snapshot)."""
        with self._lock:
            db = self._conn()
            if self._depth or self._reading:
                yield db
                return
            with self._errors("cannot read the ledger"):
                db.execute("BEGIN")
                try:  # a read now, so that the snapshot is of this moment, not of the first read
                    db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
            self._reading = True
            try:
                with self._errors("cannot read the ledger"):
                    yield db
            finally:
                self._reading = False
                if db.in_transaction:
                    with self._errors("cannot read the ledger"):
                        db.execute("COMMIT")

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock, self._errors("cannot read the ledger"):
            try:
                return self._conn().execute(sql, params).fetchall()
            except UnicodeEncodeError as exc:  # what was asked for cannot be in the ledger
                raise _not_unicode(exc) from None

    def _paged(
        self,
        sql: str,
        params: tuple[Any, ...],
        key: str,
        convert: Callable[[sqlite3.Row], _T],
        *,
        after: Any = -1,
    ) -> Iterator[_T]:
        """Stream ``sql`` (which ends with a WHERE clause) page by page on ``key`` ascending,
        from the first ``key`` above ``after`` (the only lower bound of ``key`` to give: SQLite
        seeks to one of several)."""
        last = after
        while True:
            rows = self._rows(
                f"{sql} AND {key} > ? ORDER BY {key} LIMIT {PAGE_SIZE}", (*params, last)
            )
            for row in rows:
                yield convert(row)
            if len(rows) < PAGE_SIZE:
                return
            last = rows[-1]["page_key"]

    def _paged_by(
        self,
        sql: str,
        params: tuple[Any, ...],
        column: str,
        convert: Callable[[sqlite3.Row], _T],
    ) -> Iterator[_T]:
        """Stream ``sql`` (which ends with a WHERE clause) page by page on ``column`` ascending,
        then ``rowid``: after a page, the rows of its last value with a higher rowid, then those
        of higher values (two seeks that an index on ``column`` answers, however many rows share
        a value). ``column`` may be ``+name``, to keep SQLite from using its index."""
        name = column.lstrip("+")
        rows = self._rows(f"{sql} ORDER BY {column}, rowid LIMIT {PAGE_SIZE}", params)
        while True:
            for row in rows:
                yield convert(row)
            if len(rows) < PAGE_SIZE:
                return
            value, rowid = rows[-1][name], rows[-1]["page_key"]
            rows = self._rows(
                f"{sql} AND {column} = ? AND rowid > ? ORDER BY rowid LIMIT {PAGE_SIZE}",
                (*params, value, rowid),
            )
            if len(rows) < PAGE_SIZE:
                rows += self._rows(
                    f"{sql} AND {column} > ? ORDER BY {column}, rowid"
                    f" LIMIT {PAGE_SIZE - len(rows)}",
                    (*params, value),
                )

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                if os.getpid() == self._pid:
                    self._db.close()

    def __enter__(self) -> SQLiteLedger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteLedger({self.path!r})"

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
        """Register a definition version; the same document again returns the stored one.

        ``version`` defaults to the first 16 hex digits of the document's SHA-256. Registering an
        existing version with a different document raises :class:`ConflictError`.
        """
        _text(definition_id, "definition_id")
        if not isinstance(document, Mapping):
            raise LedgerError("a definition document must be a JSON object")
        if not isinstance(title, str):
            raise LedgerError("title must be a string")
        _unicode(title, "title")
        text = canonical_json(dict(document))
        digest = sha256_hex(text.encode("utf-8"))
        version = digest[:16] if version is None else _text(version, "version")
        when = utc_timestamp(at)
        with self.transaction():
            existing = self.get_definition(definition_id, version)
            if existing is not None:
                if existing.sha256 != digest:
                    raise ConflictError(
                        f"definition {definition_id!r} version {version!r} is already registered "
                        "with a different document; register it under a new version"
                    )
                return existing
            self._db.execute(
                "INSERT INTO definitions (definition_id, version, title, sha256, document,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (definition_id, version, title, digest, text, when),
            )
        return Definition(definition_id, version, title, digest, json.loads(text), when)

    def get_definition(self, definition_id: str, version: str | None = None) -> Definition | None:
        """A definition version, or the latest registered version when ``version`` is None."""
        sql = "SELECT * FROM definitions WHERE definition_id = ?"
        params: tuple[Any, ...] = (definition_id,)
        if version is not None:
            sql += " AND version = ?"
            params += (version,)
        rows = self._rows(sql + " ORDER BY rowid DESC LIMIT 1", params)
        return _definition(rows[0]) if rows else None

    def definitions(self) -> Iterator[Definition]:
        """Every definition version, in registration order."""
        return self._paged(
            "SELECT rowid AS page_key, * FROM definitions WHERE 1", (), "rowid", _definition
        )

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
        """Create a credential and its ``defined`` event, once.

        Returns True if this call created it, False if it already existed (for the same
        definition and learner; otherwise :class:`ConflictError`). Safe to call again after a
        crash and from several processes at once. The ``defined`` event's detail holds
        ``detail`` plus the definition id and version and the learner id.
        """
        _text(credential_id, "credential_id")
        _text(definition_id, "definition_id")
        _text(learner_id, "learner_id")
        _text(actor, "actor")
        _optional_text(file_path, "file_path")
        extra = json.loads(_detail(detail))
        when = utc_timestamp(at)
        with self.transaction():
            db = self._db
            existing = db.execute(
                "SELECT definition_id, definition_version, learner_id FROM credentials"
                " WHERE credential_id = ?",
                (credential_id,),
            ).fetchone()
            if existing is not None:
                same = (
                    existing["definition_id"] == definition_id
                    and (existing["learner_id"] == learner_id)
                    and definition_version in (None, existing["definition_version"])
                )
                if not same:
                    raise ConflictError(
                        f"credential {credential_id!r} already exists for learner "
                        f"{existing['learner_id']!r} and definition {existing['definition_id']!r}"
                        f"@{existing['definition_version']}"
                    )
                return False
            definition = self.get_definition(definition_id, definition_version)
            if definition is None:
                which = f"{definition_id!r}" + (
                    f" version {definition_version!r}" if definition_version else ""
                )
                raise UnknownDefinitionError(f"definition {which} is not registered")
            inserted = db.execute(
                "INSERT OR IGNORE INTO credentials (credential_id, definition_id,"
                " definition_version, learner_id, state, file_path, event_count, head,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
                (
                    credential_id,
                    definition_id,
                    definition.version,
                    learner_id,
                    CredentialState.DEFINED.value,
                    file_path,
                    GENESIS_HASH,
                    when,
                    when,
                ),
            ).rowcount
            if inserted != 1:
                return False
            extra.update(
                definition_id=definition_id,
                definition_version=definition.version,
                learner_id=learner_id,
            )
            self._append(
                credential_id,
                n=1,
                prev_hash=GENESIS_HASH,
                event=EventType.DEFINED,
                actor=actor,
                at=when,
                sha256=None,
                detail=canonical_json(extra),
                after=Derived(CredentialState.DEFINED),
                file_path=None,
            )
            return True

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
        """Append an event to a credential's history and update its state.

        ``generated`` with the credential's current document digest records nothing and
        returns None; with a different digest it records ``regenerated``. Forbidden transitions
        raise :class:`InvalidTransitionError`; ``file_path`` (if given) updates where the
        credential's file is.
        """
        kind = _event_type(event)
        _unicode(credential_id, "credential id")
        _text(actor, "actor")
        digest = check_sha256(sha256)
        _optional_text(file_path, "file_path")
        detail_text = _detail(detail)
        when = utc_timestamp(at)
        with self.transaction():
            row = self._db.execute(
                "SELECT state, resume_state, sha256, event_count, head, created_at"
                " FROM credentials WHERE credential_id = ?",
                (credential_id,),
            ).fetchone()
            if row is None:
                raise UnknownCredentialError(f"no credential {credential_id!r} in the ledger")
            if when < row["created_at"]:
                raise LedgerError(
                    f"{kind.value} at {when} would be before {credential_id} entered the ledger "
                    f"({row['created_at']})"
                )
            current = Derived(
                _state(row["state"]),
                _state(row["resume_state"]) if row["resume_state"] else None,
                row["sha256"],
            )
            planned = plan_event(current, kind, digest, credential_id=credential_id)
            if planned is None:
                return None
            recorded, after = planned
            appended = self._append(
                credential_id,
                n=int(row["event_count"]) + 1,
                prev_hash=row["head"],
                event=recorded,
                actor=actor,
                at=when,
                sha256=digest,
                detail=detail_text,
                after=after,
                file_path=file_path,
            )
            if recorded is EventType.REGENERATED and current.state in SEALED_STATES:
                # the seal of the document replaced carries these indexes: set for good, so
                # that it verifies as revoked, while the new document gets indexes of its own
                self._db.execute(
                    "INSERT INTO superseded_entries (list_url, idx, superseded_at, event_seq)"
                    " SELECT list_url, idx, ?, ? FROM status_entries AS s"
                    " WHERE credential_id = ? AND " + _SUPERSEDED_AT + " IS NULL",
                    (when, appended.seq, credential_id),
                )
            return appended

    def _append(
        self,
        credential_id: str,
        *,
        n: int,
        prev_hash: str,
        event: EventType,
        actor: str,
        at: str,
        sha256: str | None,
        detail: str,
        after: Derived,
        file_path: str | None,
    ) -> Event:
        digest = event_hash(
            credential_id=credential_id,
            n=n,
            event=event.value,
            actor=actor,
            at=at,
            sha256=sha256,
            detail=detail,
            prev_hash=prev_hash,
        )
        cursor = self._db.execute(
            "INSERT INTO events (credential_id, n, event, actor, at, sha256, detail, prev_hash,"
            " hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (credential_id, n, event.value, actor, at, sha256, detail, prev_hash, digest),
        )
        self._db.execute(
            "UPDATE credentials SET state = ?, resume_state = ?, sha256 = ?, event_count = ?,"
            " head = ?, updated_at = MAX(updated_at, ?), file_path = COALESCE(?, file_path)"
            " WHERE credential_id = ?",
            (
                after.state.value,
                after.resume.value if after.resume else None,
                after.sha256,
                n,
                digest,
                at,
                file_path,
                credential_id,
            ),
        )
        seq = cursor.lastrowid
        assert seq is not None
        return Event(
            seq, credential_id, n, event, actor, at, sha256, json.loads(detail), prev_hash, digest
        )

    def claim_many(
        self,
        definition_id: str,
        claims: Sequence[NewCredential],
        *,
        definition_version: str | None = None,
        actor: str = "elmkit",
        at: TimeLike | None = None,
    ) -> set[str]:
        """Create many credentials with their first events, in one transaction.

        For each claim not yet in the ledger, the result is the same as
        :meth:`claim_credential` followed by :meth:`record` for each of its ``events``, with fewer
        statements (``definition_version`` as there: None is the latest registered version).
        Claims whose credential already exists are left untouched and their ids returned, for the
        caller to handle one by one.
        """
        _text(definition_id, "definition_id")
        _text(actor, "actor")
        when = utc_timestamp(at)
        planned: list[tuple[NewCredential, list[tuple[EventType, str | None, str]]]] = []
        for claim in claims:
            _text(claim.credential_id, "credential_id")
            _text(claim.learner_id, "learner_id")
            _optional_text(claim.file_path, "file_path")
            events = [
                (_event_type(kind), check_sha256(digest), _detail(detail))
                for kind, digest, detail in claim.events
            ]
            planned.append((claim, events))
        if not planned:
            return set()
        with self.transaction():
            db = self._db
            existing: set[str] = set()
            ids = [claim.credential_id for claim, _ in planned]
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                marks = ",".join("?" * len(part))
                existing.update(
                    row[0]
                    for row in db.execute(
                        f"SELECT credential_id FROM credentials WHERE credential_id IN ({marks})",
                        part,
                    )
                )
            definition = self.get_definition(definition_id, definition_version)
            if definition is None:
                which = f"{definition_id!r}" + (
                    f" version {definition_version!r}" if definition_version else ""
                )
                raise UnknownDefinitionError(f"definition {which} is not registered")
            rows: list[tuple[Any, ...]] = []
            event_rows: list[tuple[Any, ...]] = []
            seen: set[str] = set()
            for claim, events in planned:
                cid = claim.credential_id
                if cid in existing or cid in seen:
                    existing.add(cid)
                    continue
                seen.add(cid)
                extra = json.loads(_detail(claim.detail))
                extra.update(
                    definition_id=definition_id,
                    definition_version=definition.version,
                    learner_id=claim.learner_id,
                )
                kind, after = EventType.DEFINED, Derived(CredentialState.DEFINED)
                steps: list[tuple[EventType, str | None, str, Derived]] = [
                    (kind, None, canonical_json(extra), after)
                ]
                file_path = claim.file_path
                for kind, digest, detail in events:
                    plan = plan_event(after, kind, digest, credential_id=cid)
                    if plan is None:
                        continue
                    recorded, after = plan
                    steps.append((recorded, digest, detail, after))
                head = GENESIS_HASH
                for n, (recorded, digest, detail, _after) in enumerate(steps, start=1):
                    hashed = event_hash(
                        credential_id=cid,
                        n=n,
                        event=recorded.value,
                        actor=actor,
                        at=when,
                        sha256=digest,
                        detail=detail,
                        prev_hash=head,
                    )
                    event_rows.append(
                        (cid, n, recorded.value, actor, when, digest, detail, head, hashed)
                    )
                    head = hashed
                rows.append(
                    (
                        cid,
                        definition_id,
                        definition.version,
                        claim.learner_id,
                        after.state.value,
                        after.resume.value if after.resume else None,
                        file_path,
                        after.sha256,
                        len(steps),
                        head,
                        when,
                        when,
                    )
                )
            db.executemany(
                "INSERT INTO credentials (credential_id, definition_id, definition_version,"
                " learner_id, state, resume_state, file_path, sha256, event_count, head,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            db.executemany(
                "INSERT INTO events (credential_id, n, event, actor, at, sha256, detail,"
                " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                event_rows,
            )
        return existing

    def get_credential(self, credential_id: str) -> Credential | None:
        """One credential, or None if the ledger has none with this id."""
        rows = self._rows("SELECT * FROM credentials WHERE credential_id = ?", (credential_id,))
        return _credential(rows[0]) if rows else None

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
        """Stream the credentials matching every given filter, oldest first (by creation time,
        then in the order they entered the ledger).

        ``since``/``until`` bound the creation time: ``since <= created_at < until``.
        ``events_since``/``events_until`` keep the credentials with at least one event in
        ``[events_since, events_until)``, whatever their other events.
        """
        # A learner has few credentials: find them by the learner index and sort them. Otherwise
        # walk the creation-time index in order. A ``+`` keeps SQLite from using an index: the
        # state or definition index would have every page sort all the rows still to come.
        created = "created_at" if learner_id is None else "+created_at"
        where, params = ["1"], []
        if learner_id is not None:
            where.append("learner_id = ?")
            params.append(learner_id)
        if definition_id is not None:
            where.append("+definition_id = ?")
            params.append(definition_id)
        if state is not None:
            where.append("+state = ?")
            params.append(_state(state).value)
        if since is not None:
            where.append(f"{created} >= ?")
            params.append(utc_timestamp(since))
        if until is not None:
            where.append(f"{created} < ?")
            params.append(utc_timestamp(until))
        if definition_version is not None:
            where.append("+definition_version = ?")
            params.append(definition_version)
        if events_since is not None or events_until is not None:
            window, bounds = [], []
            if events_since is not None:
                low = utc_timestamp(events_since)
                where.append("updated_at >= ?")  # the time of its latest event
                params.append(low)
                window.append("+e.at >= ?")
                bounds.append(low)
            if events_until is not None:
                high = utc_timestamp(events_until)
                where.append(f"{created} < ?")  # no event is dated before its credential
                params.append(high)
                window.append("+e.at < ?")
                bounds.append(high)
            # found by the (credential_id, n) index: a ``+`` keeps SQLite off the time index,
            # which would read the whole window again for every credential
            where.append(
                "EXISTS (SELECT 1 FROM events AS e"
                " WHERE e.credential_id = credentials.credential_id AND "
                + " AND ".join(window)
                + ")"
            )
            params.extend(bounds)
        return self._paged_by(
            "SELECT rowid AS page_key, * FROM credentials WHERE " + " AND ".join(where),
            tuple(params),
            created,
            _credential,
        )

    def history(self, credential_id: str) -> list[Event]:
        """A credential's full history, oldest first."""
        _unicode(credential_id, "credential id")
        with self._snapshot() as db:
            exists = db.execute(
                "SELECT 1 FROM credentials WHERE credential_id = ?", (credential_id,)
            ).fetchone()
            if exists is None:
                raise UnknownCredentialError(f"no credential {credential_id!r} in the ledger")
            rows = db.execute(
                "SELECT * FROM events WHERE credential_id = ? ORDER BY n", (credential_id,)
            ).fetchall()
        return [_event(row) for row in rows]

    def events(
        self,
        *,
        credential_id: str | None = None,
        event: EventType | str | None = None,
        since: TimeLike | None = None,
        until: TimeLike | None = None,
    ) -> Iterator[Event]:
        """Stream the events matching every given filter (``since <= at < until``), by seq."""
        where, params = ["1"], []
        if credential_id is not None:
            where.append("credential_id = ?")
            params.append(credential_id)
        if event is not None:
            where.append("event = ?")
            params.append(_event_type(event).value)
        period, bounds = [], []
        if since is not None:
            period.append("at >= ?")
            bounds.append(utc_timestamp(since))
        if until is not None:
            period.append("at < ?")
            bounds.append(utc_timestamp(until))
        sql = "SELECT seq AS page_key, * FROM events WHERE " + " AND ".join(where)
        if not period:
            return self._paged(sql, tuple(params), "seq", _event)
        if credential_id is not None:  # a credential's few events: found by its own index
            timed = " AND ".join(f"+{condition}" for condition in period)
            return self._paged(f"{sql} AND {timed}", (*params, *bounds), "seq", _event)
        return self._events_within(sql, tuple(params), period, tuple(bounds))

    def _events_within(
        self, sql: str, params: tuple[Any, ...], period: list[str], bounds: tuple[Any, ...]
    ) -> Iterator[Event]:
        """Stream the events of ``sql`` whose time meets ``period``, by seq.

        Walking the time index, every page would read and sort the whole period again (a year
        of events, page after page). When the period holds more than a page, the pages walk the
        seqs from the period's first event to its last instead (a ``+`` keeps SQLite off the
        time index), which events recorded as they happen keep close to the period's size.
        """
        indexed = " AND ".join(period)
        (found,) = self._rows(
            f"SELECT COUNT(*) AS n, MIN(seq) AS low, MAX(seq) AS high FROM events WHERE {indexed}",
            bounds,
        )
        if not found["n"]:
            return
        if found["n"] <= PAGE_SIZE:  # one page: the time index finds it
            yield from self._paged(f"{sql} AND {indexed}", (*params, *bounds), "seq", _event)
            return
        timed = " AND ".join(f"+{condition}" for condition in period)
        yield from self._paged(
            f"{sql} AND {timed} AND seq <= ?",
            (*params, *bounds, found["high"]),
            "seq",
            _event,
            after=found["low"] - 1,
        )

    def event_counts_by_definition(
        self, *, since: TimeLike | None = None, until: TimeLike | None = None
    ) -> dict[str, dict[EventType, int]]:
        """How many events of each type the credentials of each definition have in
        ``[since, until)``, by definition id (definitions without any left out; every event
        type listed, zeros included): one pass over the period's events."""
        where, params = ["1"], []
        if since is not None:
            where.append("e.at >= ?")
            params.append(utc_timestamp(since))
        if until is not None:
            where.append("e.at < ?")
            params.append(utc_timestamp(until))
        rows = self._rows(
            "SELECT c.definition_id AS definition_id, e.event AS event, COUNT(*) AS n"
            " FROM events AS e JOIN credentials AS c ON c.credential_id = e.credential_id"
            f" WHERE {' AND '.join(where)} GROUP BY c.definition_id, e.event",
            tuple(params),
        )
        counts: dict[str, dict[EventType, int]] = {}
        for row in rows:
            per_type = counts.setdefault(row["definition_id"], dict.fromkeys(EventType, 0))
            per_type[_event_type(row["event"])] = int(row["n"])
        return counts

    def counts_by_state(self, *, definition_id: str | None = None) -> dict[CredentialState, int]:
        """How many credentials are in each state; every state is listed, in lifecycle order."""
        sql = "SELECT state, COUNT(*) AS n FROM credentials"
        params: tuple[Any, ...] = ()
        if definition_id is not None:
            sql += " WHERE definition_id = ?"
            params = (definition_id,)
        counts = dict.fromkeys(CredentialState, 0)
        for row in self._rows(sql + " GROUP BY state", params):
            counts[_state(row["state"])] = int(row["n"])
        return counts

    # status lists

    def used_indexes(self, list_url: str) -> set[int]:
        """Indexes of a status list that are already reserved."""
        rows = self._rows("SELECT idx FROM status_entries WHERE list_url = ?", (list_url,))
        return {int(row["idx"]) for row in rows}

    def reserve_index(
        self, list_url: str, index: int, credential_id: str, purpose: StatusPurpose | str
    ) -> bool:
        """Reserve ``index`` of a status list for a credential, permanently.

        True if the credential now holds it (also when it already did), False if another
        credential or purpose holds it. A credential holds at most one index per list and
        purpose: asking for a second raises :class:`ConflictError`.
        """
        _text(list_url, "list_url")
        _unicode(credential_id, "credential id")
        kind = _purpose(purpose)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= _MAX_INDEX:
            raise LedgerError(f"a status index is a non-negative integer, got {index!r}")
        with self.transaction():
            db = self._db
            if (
                db.execute(
                    "SELECT 1 FROM credentials WHERE credential_id = ?", (credential_id,)
                ).fetchone()
                is None
            ):
                raise UnknownCredentialError(f"no credential {credential_id!r} in the ledger")
            holder = db.execute(
                "SELECT credential_id, purpose, " + _SUPERSEDED_AT + " AS superseded_at"
                " FROM status_entries AS s WHERE list_url = ? AND idx = ?",
                (list_url, index),
            ).fetchone()
            if holder is not None:
                return bool(
                    holder["credential_id"] == credential_id
                    and holder["purpose"] == kind
                    and holder["superseded_at"] is None
                )
            held = db.execute(
                "SELECT idx FROM status_entries AS s WHERE list_url = ? AND credential_id = ?"
                " AND purpose = ? AND " + _SUPERSEDED_AT + " IS NULL",
                (list_url, credential_id, kind.value),
            ).fetchone()
            if held is not None:
                raise ConflictError(
                    f"credential {credential_id!r} already holds index {held['idx']} of "
                    f"{list_url} for {kind.value}"
                )
            db.execute(
                "INSERT INTO status_entries (list_url, idx, credential_id, purpose, reserved_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (list_url, index, credential_id, kind.value, utc_timestamp()),
            )
            return True

    def status_entries(self, list_url: str) -> Iterator[StatusEntry]:
        """Stream every reservation on a status list, by index (superseded ones too)."""
        return self._paged(
            "SELECT idx AS page_key, *, " + _SUPERSEDED_AT + " AS superseded_at"
            " FROM status_entries AS s WHERE list_url = ?",
            (list_url,),
            "idx",
            _status_entry,
        )

    def status_entries_for(self, credential_id: str) -> list[StatusEntry]:
        """Every status-list index a credential holds or held (superseded ones too, see
        :attr:`StatusEntry.superseded_at`), by list and purpose, oldest first."""
        rows = self._rows(
            "SELECT *, " + _SUPERSEDED_AT + " AS superseded_at FROM status_entries AS s"
            " WHERE credential_id = ? ORDER BY list_url, purpose, reserved_at, idx",
            (credential_id,),
        )
        return [_status_entry(row) for row in rows]

    def revoked_indexes(self, list_url: str, purpose: StatusPurpose | str) -> set[int]:
        """Indexes to set in a status list: credentials now revoked (revocation lists), or
        suspended or revoked (suspension lists; see :data:`PURPOSE_BIT_STATES`)."""
        kind = _purpose(purpose)
        states = sorted(state.value for state in PURPOSE_BIT_STATES[kind])
        rows = self._rows(
            "SELECT s.idx FROM status_entries AS s JOIN credentials AS c"
            " ON c.credential_id = s.credential_id"
            f" WHERE s.list_url = ? AND s.purpose = ? AND c.state IN ({', '.join('?' * len(states))})"
            " UNION SELECT x.idx FROM superseded_entries AS x JOIN status_entries AS s"
            " ON s.list_url = x.list_url AND s.idx = x.idx WHERE x.list_url = ? AND s.purpose = ?",
            (list_url, kind.value, *states, list_url, kind.value),
        )
        return {int(row["idx"]) for row in rows}

    # integrity

    def verify_integrity(self) -> IntegrityReport:
        """Recompute every event hash, chain and credential state; report every mismatch.

        Also reports missing append-only triggers, definitions whose document no longer matches
        its digest, gaps in the event sequence and SQLite's own ``quick_check`` findings.
        """
        problems: list[IntegrityProblem] = []
        with self._snapshot() as db:
            for row in db.execute("PRAGMA quick_check").fetchall():
                if row[0] != "ok":
                    problems.append(IntegrityProblem("sqlite", str(row[0])))
            triggers = {
                str(row[0]): _spaced(str(row[1] or ""))
                for row in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            }
            for name in sorted(PROTECTING_TRIGGERS):
                if name not in triggers:
                    problems.append(
                        IntegrityProblem("schema", f"protecting trigger {name} is missing")
                    )
                elif triggers[name] != _TRIGGER_SQL[name]:
                    problems.append(
                        IntegrityProblem("schema", f"protecting trigger {name} was replaced")
                    )
            count, low, high = db.execute(
                "SELECT COUNT(*), MIN(seq), MAX(seq) FROM events"
            ).fetchone()
            if count and high - low + 1 != count:
                problems.append(
                    IntegrityProblem(
                        "sequence",
                        f"{high - low + 1 - count} event(s) missing between seq {low} and {high}",
                    )
                )
            if low is not None and low != 1:
                problems.append(
                    IntegrityProblem("sequence", f"events before seq {low} are missing")
                )
            issued = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
            if issued is not None and issued[0] != (high or 0):
                problems.append(
                    IntegrityProblem(
                        "sequence", f"events after seq {high or 0} (up to {issued[0]}) are missing"
                    )
                )
            orphans = db.execute(
                "SELECT DISTINCT credential_id FROM events WHERE credential_id NOT IN"
                " (SELECT credential_id FROM credentials)"
            ).fetchall()
            for row in orphans:
                problems.append(
                    IntegrityProblem("orphan", "events of an unknown credential", row[0])
                )
        for definition in self._rows(
            "SELECT definition_id, version, sha256, document FROM definitions"
        ):
            if sha256_hex(definition["document"].encode("utf-8")) != definition["sha256"]:
                problems.append(
                    IntegrityProblem(
                        "definition",
                        f"definition {definition['definition_id']}@{definition['version']} "
                        "does not match its digest",
                    )
                )
        credentials = 0
        events = 0
        ids = self._paged(
            "SELECT rowid AS page_key, credential_id FROM credentials WHERE 1",
            (),
            "rowid",
            lambda row: str(row["credential_id"]),
        )
        for credential_id in ids:
            with self._snapshot() as db:
                row = db.execute(
                    "SELECT * FROM credentials WHERE credential_id = ?", (credential_id,)
                ).fetchone()
                history = db.execute(
                    "SELECT * FROM events WHERE credential_id = ? ORDER BY n", (credential_id,)
                ).fetchall()
            credentials += 1
            events += len(history)
            problems.extend(_check_credential(row, history))
        return IntegrityReport(credentials, events, tuple(problems))


def _check_credential(row: sqlite3.Row, history: list[sqlite3.Row]) -> list[IntegrityProblem]:
    cid = str(row["credential_id"])
    problems: list[IntegrityProblem] = []

    def problem(kind: str, message: str, seq: int | None = None) -> None:
        problems.append(IntegrityProblem(kind, message, cid, seq))

    prev = GENESIS_HASH
    last_seq = 0
    steps: list[tuple[EventType, str | None]] = []
    for position, ev in enumerate(history, start=1):
        seq = int(ev["seq"])
        if ev["n"] != position:
            problem("sequence", f"event number {ev['n']} where {position} was expected", seq)
        if seq <= last_seq:
            problem("sequence", "events are out of ledger order", seq)
        last_seq = seq
        if ev["prev_hash"] != prev:
            problem("chain", f"event {position} does not follow the previous event's hash", seq)
        recomputed = event_hash(
            credential_id=cid,
            n=int(ev["n"]),
            event=str(ev["event"]),
            actor=str(ev["actor"]),
            at=str(ev["at"]),
            sha256=ev["sha256"],
            detail=str(ev["detail"]),
            prev_hash=str(ev["prev_hash"]),
        )
        if recomputed != ev["hash"]:
            problem("hash", f"event {position} was altered after it was recorded", seq)
        prev = str(ev["hash"])
        try:
            steps.append((EventType(ev["event"]), ev["sha256"]))
        except ValueError:
            problem("transition", f"event {position} has unknown type {ev['event']!r}", seq)
    if not history:
        problem("sequence", "credential has no events")
        return problems
    first_detail = _loads(history[0]["detail"])
    expected = {
        "definition_id": row["definition_id"],
        "definition_version": row["definition_version"],
        "learner_id": row["learner_id"],
    }
    if {k: first_detail.get(k) for k in expected} != expected:
        problem("identity", "definition or learner differ from the defined event")
    if row["event_count"] != len(history) or row["head"] != prev:
        problem("head", "the credential's last-event pointer does not match its history")
    try:
        derived = replay(steps, credential_id=cid)
    except InvalidTransitionError as exc:
        problem("transition", exc.message)
        return problems
    cached = (row["state"], row["resume_state"], row["sha256"])
    expected_state = (
        derived.state.value,
        derived.resume.value if derived.resume else None,
        derived.sha256,
    )
    if cached != expected_state:
        problem(
            "state",
            f"cached state {row['state']!r} differs from the state {derived.state.value!r} "
            "derived from its events",
        )
    return problems


def _loads(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _definition(row: sqlite3.Row) -> Definition:
    return Definition(
        row["definition_id"],
        row["version"],
        row["title"],
        row["sha256"],
        _loads(row["document"]),
        row["created_at"],
    )


def _credential(row: sqlite3.Row) -> Credential:
    return Credential(
        credential_id=row["credential_id"],
        definition_id=row["definition_id"],
        definition_version=row["definition_version"],
        learner_id=row["learner_id"],
        state=_state(row["state"]),
        file_path=row["file_path"],
        sha256=row["sha256"],
        event_count=int(row["event_count"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _event(row: sqlite3.Row) -> Event:
    return Event(
        seq=int(row["seq"]),
        credential_id=row["credential_id"],
        n=int(row["n"]),
        event=_event_type(row["event"]),
        actor=row["actor"],
        at=row["at"],
        sha256=row["sha256"],
        detail=_loads(row["detail"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


#: The moment a reservation ``s`` (of ``status_entries AS s``) was superseded, or NULL.
_SUPERSEDED_AT = (
    "(SELECT x.superseded_at FROM superseded_entries AS x"
    " WHERE x.list_url = s.list_url AND x.idx = s.idx)"
)


def _status_entry(row: sqlite3.Row) -> StatusEntry:
    return StatusEntry(
        list_url=row["list_url"],
        index=int(row["idx"]),
        credential_id=row["credential_id"],
        purpose=_purpose(row["purpose"]),
        reserved_at=row["reserved_at"],
        superseded_at=row["superseded_at"],
    )
