"""Writing output files safely: atomic replacement, stable names, reproducible ZIP bundles.

Every file is written to a hidden temporary file in the same folder, flushed to disk and then
moved over the target with :func:`os.replace`, so a reader (or a run that was killed) never sees
a half-written file. Temporary files left behind by a killed run start with ``.elmkit-tmp-`` and
are removed by :func:`remove_stale_temp_files`.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import hashlib
import itertools
import os
import pickle
import re
import secrets
import sys
import tempfile
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

from elmkit._fs import new_file_mode
from elmkit.errors import SourceError

__all__ = [
    "TEMP_PREFIX",
    "ZIP_DATE_TIME",
    "AtomicWriter",
    "StagedFiles",
    "ZipBundle",
    "atomic_write",
    "exclusive_lock",
    "lock_file_for",
    "remove_stale_temp_files",
    "require_file",
    "safe_name",
    "sha256_file",
    "write_zip",
]

#: Name prefix of temporary files (hidden on POSIX systems).
TEMP_PREFIX = ".elmkit-tmp-"

#: Timestamp given to every ZIP member, so that the same files always make the same archive.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def require_file(path: Path, what: str) -> None:
    """Raise :class:`~elmkit.errors.SourceError` naming ``path`` when it is missing or is not a
    regular file (a folder, a device)."""
    if not path.is_file():
        problem = "not found" if not path.exists() else "not a regular file"
        raise SourceError(f"{what} {problem}", file=str(path))


#: Names Windows keeps for devices, with any extension (``con.zip``, ``aux.1-….json``): a file
#: so named cannot be created, extracted or opened there.
_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{port}{n}" for port in ("com", "lpt") for n in range(1, 10)}
)


def safe_name(text: str, *, max_length: int = 60) -> str:
    """A file-name-safe form of ``text``: ASCII letters, digits, ``.``, ``_`` and ``-`` only,
    never a name Windows keeps for a device (``CON``, ``aux.1``: ``_CON``, ``_aux.1``)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = _UNSAFE.sub("_", plain).strip("._-")[:max_length]
    if cleaned.split(".", 1)[0].lower() in _WINDOWS_DEVICES:
        cleaned = f"_{cleaned}"[:max_length]
    return cleaned or "x"


def _fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Make a rename in ``folder`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class AtomicWriter:
    """A binary file that appears at ``path`` only when :meth:`commit` is called.

    Use it as a context manager: leaving the block normally commits, an exception discards the
    temporary file. ``durable=True`` fsyncs the file (and the folder after the rename).
    """

    def __init__(self, path: str | os.PathLike[str], *, durable: bool = True) -> None:
        self.path = Path(path)
        self.durable = durable
        if self.path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "a folder is in the way", str(self.path))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd, name = tempfile.mkstemp(prefix=_temp_prefix(), suffix=".part", dir=self.path.parent)
        except OSError as exc:  # name the file that was meant, not the temporary one
            raise type(exc)(exc.errno, exc.strerror, str(self.path)) from None
        self._temp = Path(name)
        self._file: IO[bytes] = os.fdopen(fd, "wb")
        self._done = False

    @property
    def file(self) -> IO[bytes]:
        """The open temporary file."""
        return self._file

    def write(self, data: bytes) -> int:
        return self._file.write(data)

    def commit(self) -> None:
        """Flush, fsync and move the temporary file over the target."""
        if self._done:
            return
        self._done = True
        try:
            self._file.flush()
            if self.durable:
                os.fsync(self._file.fileno())
            self._file.close()
            os.chmod(self._temp, new_file_mode())  # mkstemp made it for its owner alone
            os.replace(self._temp, self.path)
        except BaseException:
            self._discard()
            raise
        if self.durable:
            _fsync_dir(self.path.parent)

    def abort(self) -> None:
        """Throw the temporary file away; the target is left as it was."""
        if not self._done:
            self._done = True
            self._discard()

    def _discard(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()
        with contextlib.suppress(FileNotFoundError):
            self._temp.unlink()

    def __enter__(self) -> AtomicWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def move_file(
    source: str | os.PathLike[str], target: str | os.PathLike[str], *, durable: bool = True
) -> bool:
    """Move ``source`` to ``target`` (its folder made if needed, the rename made durable);
    False when ``source`` is gone, moved meanwhile by another process."""
    os.makedirs(os.path.dirname(os.fspath(target)) or ".", exist_ok=True)
    try:
        os.replace(source, target)
    except FileNotFoundError:
        if os.path.exists(source):
            raise
        return False
    if durable:
        _fsync_dir(os.path.dirname(os.fspath(source)) or ".")
        _fsync_dir(os.path.dirname(os.fspath(target)) or ".")
    return True


def atomic_write(path: str | os.PathLike[str], data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename)."""
    with AtomicWriter(path, durable=durable) as out:
        out.write(data)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EDEADLK):
                return False
            raise
        return True

    def _wait_for_lock(fd: int) -> None:
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # gives up after 10 seconds: wait again
            except OSError as exc:
                if exc.errno not in (errno.EACCES, errno.EDEADLK):
                    raise
            else:
                return

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _wait_for_lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def lock_file_for(path: str | os.PathLike[str]) -> Path:
    """The lock file that :func:`exclusive_lock` takes for ``path``: hidden, beside it."""
    target = Path(path)
    return target.with_name(f".{target.name}.lock")


@contextlib.contextmanager
def exclusive_lock(
    path: str | os.PathLike[str], *, on_wait: Callable[[], object] | None = None
) -> Iterator[None]:
    """Hold the exclusive lock of ``path`` (a file about to be replaced) for the block, across
    processes and threads; ``on_wait`` is called once when another holds it, before waiting.

    The lock is the operating system's (``flock`` on POSIX, ``msvcrt.locking`` on Windows) on
    the empty file :func:`lock_file_for` names, which is made when missing and never removed
    (removing it would let a newcomer lock another file while a waiter locks this one). The
    system releases the lock when its holder exits, whatever the way, so a publish that crashed
    blocks nobody: the file left behind means nothing. A lock file this process may only read
    (another user's, who published first) is locked all the same. ``path``'s folder is made
    when missing.
    """
    target = Path(path)
    lock = lock_file_for(target)
    try:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except FileNotFoundError:
            os.makedirs(target.parent, exist_ok=True)
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except PermissionError as refused:  # a lock needs no writing: another user's will do
            try:
                fd = os.open(lock, os.O_RDONLY)
            except FileNotFoundError:  # none there, and the folder takes no new file
                raise refused from None
    except OSError as exc:  # name the file that was meant, not its lock file
        named = str(target) if exc.filename == str(lock) else exc.filename
        raise type(exc)(exc.errno, exc.strerror, named) from None
    try:
        if not _try_lock(fd):
            if on_wait is not None:
                on_wait()
            _wait_for_lock(fd)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


class StagedFiles:
    """Many files published together: each is written to a temporary file, all are made durable
    with one sync, then each is renamed into place.

    Cheaper than one fsync per file for a batch, with the same guarantee: after :meth:`commit`
    every file is complete on disk, and a run killed before it leaves only temporary files.
    """

    def __init__(self, *, durable: bool = True) -> None:
        self.durable = durable
        self._pending: list[tuple[str, str]] = []
        self._prefix = _temp_prefix()
        self._counter = 0

    def __len__(self) -> int:
        return len(self._pending)

    def stage(self, path: str | os.PathLike[str], data: bytes) -> None:
        """Write ``data`` to a temporary file beside ``path``."""
        self._counter += 1
        target = os.fspath(path)
        folder, name = os.path.split(target)
        temp = os.path.join(folder, f"{self._prefix}{self._counter}-{name}.part")
        try:
            try:
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            except FileNotFoundError:
                os.makedirs(folder or ".", exist_ok=True)
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        except OSError as exc:  # name the file that was meant, not the temporary one
            named = target if exc.filename == temp else exc.filename
            raise type(exc)(exc.errno, exc.strerror, named) from None
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if self.durable and not hasattr(os, "sync"):
                os.fsync(fd)
        finally:
            os.close(fd)
        self._pending.append((temp, target))

    def commit(self) -> None:
        """Make every staged file durable, then move each into place."""
        if not self._pending:
            return
        if self.durable and hasattr(os, "sync"):
            os.sync()
        folders: set[str] = set()
        for temp, path in self._pending:
            try:
                os.replace(temp, path)
            except OSError as exc:  # name the file that was meant, not the temporary one
                raise type(exc)(exc.errno, exc.strerror, path) from None
            folders.add(os.path.dirname(path))
        self._pending.clear()
        if self.durable:
            for folder in sorted(folders):
                _fsync_dir(folder or ".")

    def abort(self) -> None:
        """Delete every staged temporary file."""
        for temp, _path in self._pending:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        self._pending.clear()


#: Tells this process's temporary files from those a killed process with the same id left.
_RUN = secrets.token_hex(4)


def _temp_prefix() -> str:
    """The prefix of this process's temporary files: it names the process that writes them."""
    return f"{TEMP_PREFIX}{os.getpid()}-{_RUN}-"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0  # exists, owned by someone else (or an unusable number: keep the file)
    except OSError:
        return True
    return True


def remove_stale_temp_files(folder: Path, within: Sequence[str] | None = None) -> int:
    """Delete temporary files left in ``folder`` (and its sub-folders ``within``, all of them
    when None) by an interrupted run.

    Files of a process that is still running (another batch writing into the same folder, or
    this one) are kept.
    """
    removed = 0
    if not folder.is_dir():
        return 0
    pattern = f"{TEMP_PREFIX}*"
    found = (
        folder.rglob(pattern)
        if within is None
        else itertools.chain(folder.glob(pattern), *((folder / sub).rglob(pattern) for sub in within))
    )
    for temp in found:
        owner, _, rest = temp.name[len(TEMP_PREFIX) :].partition("-")
        if owner.isdigit():
            if int(owner) == os.getpid():
                if rest.startswith(f"{_RUN}-"):
                    continue  # this process's own (another batch of it may be writing)
            elif _process_alive(int(owner)):
                continue
        with contextlib.suppress(OSError):
            temp.unlink()
            removed += 1
    return removed


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from iter(lambda: handle.read(1 << 20), b"")


class _SpilledMembers(list[zipfile.ZipInfo]):
    """The member list of a ZIP being written, kept in an unnamed temporary file instead of in
    memory, so that an archive of any number of members is written in constant memory.

    :mod:`zipfile` only appends to this list while writing, counts it, and reads it once in
    order when :meth:`zipfile.ZipFile.close` writes the central directory.
    """

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self._file = tempfile.TemporaryFile(prefix=TEMP_PREFIX, dir=folder)  # noqa: SIM115 (closed by close())
        self._count = 0

    def append(self, info: zipfile.ZipInfo) -> None:
        pickle.dump(info, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[zipfile.ZipInfo]:
        self._file.seek(0)
        for _ in range(self._count):
            info: zipfile.ZipInfo = pickle.load(self._file)
            yield info
        self._file.seek(0, os.SEEK_END)

    def close(self) -> None:
        self._file.close()


class _UnkeptNames(dict[str, zipfile.ZipInfo]):
    """The archive's index of members by name, kept empty: a bundle is written, never read."""

    def __setitem__(self, name: str, info: zipfile.ZipInfo) -> None:
        return None


class ZipBundle:
    """A reproducible ZIP written member by member into a temporary file and published
    atomically by :meth:`close` (an interrupted run leaves no partial archive).

    Members get a fixed timestamp and permissions and keep the order they are added in, so the
    same members always give the same archive bytes. The list of members waits in a temporary
    file for the central directory, so memory does not grow with the number of members; names
    are not checked for repeats (give each member its own name). With ``background=True``
    members are compressed and written by a thread of their own (compression runs beside the
    caller on another core); a failure there is raised by the next :meth:`add` or by
    :meth:`close`.
    Always end with :meth:`close` or :meth:`abort` (or use it as a context manager).
    """

    _QUEUE_BYTES = 8 << 20
    """How much member data may wait for the background writer."""

    def __init__(self, path: Path, *, durable: bool = True, background: bool = False) -> None:
        self._writer = AtomicWriter(path, durable=durable)
        self._archive = zipfile.ZipFile(
            self._writer.file, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
        )
        self._members = _SpilledMembers(self._writer.path.parent)
        self._archive.filelist = self._members
        self._archive.NameToInfo = _UnkeptNames()
        self.count = 0
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._dropped = False
        if background:
            self._pending: collections.deque[
                tuple[str, bytes | bytearray | memoryview | Path, int] | None
            ] = collections.deque()
            self._waiting = 0  # bytes queued
            self._ready = threading.Condition()
            self._thread = threading.Thread(target=self._drain, name="elmkit-zip", daemon=True)
            self._thread.start()

    @staticmethod
    def _info(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        for attr in ("compress_level", "_compresslevel"):  # 3.13+, then older versions
            if hasattr(info, attr):
                setattr(info, attr, 1)
                break
        info.external_attr = 0o644 << 16
        info.create_system = 3
        return info

    def add(self, name: str, data: bytes | bytearray | memoryview) -> None:
        """Add a member from bytes in memory."""
        content = bytes(data) if self._thread is not None and not isinstance(data, bytes) else data
        self._put(name, content, len(content))

    def add_file(self, name: str, source: Path) -> None:
        """Add a member from a file, streamed (never loaded whole)."""
        self._put(name, Path(source), 0)

    def _put(self, name: str, content: bytes | bytearray | memoryview | Path, size: int) -> None:
        if self._thread is None:
            self._write(name, content)
            self.count += 1
            return
        with self._ready:
            while self._waiting > self._QUEUE_BYTES and self._error is None:
                self._ready.wait()
            self._raise_failure()
            self._pending.append((name, content, size))
            self._waiting += size
            self.count += 1
            self._ready.notify_all()

    def _write(self, name: str, content: bytes | bytearray | memoryview | Path) -> None:
        if not isinstance(content, Path):
            self._archive.writestr(self._info(name), content)
            return
        with self._archive.open(self._info(name), "w") as member:
            for block in _chunks(content):
                member.write(block)

    def _drain(self) -> None:
        while True:
            with self._ready:
                while not self._pending:
                    self._ready.wait()
                item = self._pending.popleft()
            if item is None:
                return
            name, content, size = item
            try:
                if self._error is None and not self._dropped:
                    self._write(name, content)
            except BaseException as exc:  # handed to the caller's thread
                self._error = exc
            with self._ready:
                self._waiting -= size
                self._ready.notify_all()

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error

    def _stop(self) -> None:
        thread = self._thread
        if thread is not None:
            self._thread = None
            with self._ready:
                self._pending.append(None)
                self._ready.notify_all()
            thread.join()

    def close(self) -> None:
        """Finish the archive and move it into place."""
        self._stop()
        try:
            self._raise_failure()
            self._archive.close()
        except BaseException:
            self.abort()
            raise
        finally:
            self._members.close()
        self._writer.commit()

    def abort(self) -> None:
        """Drop the archive."""
        self._dropped = True
        self._stop()
        with contextlib.suppress(Exception):
            self._archive.close()
        self._members.close()
        self._writer.abort()

    def __enter__(self) -> ZipBundle:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def write_zip(path: Path, members: Iterable[tuple[str, Path]], *, durable: bool = True) -> int:
    """Write a reproducible ZIP of ``(name in archive, file)`` pairs atomically; returns the count.

    Members are stored in the order given with a fixed timestamp and permissions, so the same
    files always give the same archive bytes. Files are streamed, never loaded whole.
    """
    bundle = ZipBundle(path, durable=durable)
    try:
        for name, source in members:
            bundle.add_file(name, source)
    except BaseException:
        bundle.abort()
        raise
    bundle.close()
    return bundle.count
