"""Fetchers for status list credentials: in memory, local files, HTTPS, and a cache.

Only :class:`HttpFetcher` touches the network, and only when the caller constructs it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, runtime_checkable
from urllib.parse import urljoin, urlsplit

from elmkit._deadline import Deadline
from elmkit.status.errors import StatusListError, StatusListFetchError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_MAX_BYTES",
    "CachingFetcher",
    "DictFetcher",
    "FileFetcher",
    "HttpFetcher",
    "StatusListFetcher",
]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
"""Largest status list document a fetcher accepts by default (4 MiB)."""

_ACCEPT = (
    "application/vc, application/vc+ld+json, application/ld+json, application/json;q=0.9, "
    "application/jose+json;q=0.9, */*;q=0.1"
)


@runtime_checkable
class StatusListFetcher(Protocol):
    """Retrieves the document published at a status list URL.

    Raises :class:`StatusListFetchError` when it cannot.
    """

    def fetch(self, url: str) -> bytes:
        """The raw bytes published at ``url``."""
        ...


def _as_bytes(document: object, url: str) -> bytes:
    if isinstance(document, bytes | bytearray | memoryview):
        return bytes(document)
    if isinstance(document, str):
        return document.encode("utf-8")
    if isinstance(document, Mapping | list):
        return json.dumps(document, ensure_ascii=False).encode("utf-8")
    raise StatusListFetchError(
        f"no usable document for {url}: {type(document).__name__}", code="list-unavailable"
    )


class DictFetcher:
    """Serves documents from a mapping of URL to bytes, text or a JSON object."""

    def __init__(self, documents: Mapping[str, object] | None = None) -> None:
        self.documents: dict[str, object] = dict(documents or {})

    def fetch(self, url: str) -> bytes:
        try:
            document = self.documents[url]
        except KeyError:
            raise StatusListFetchError(f"no status list is known at {url}") from None
        return _as_bytes(document, url)


class FileFetcher:
    """Serves status lists from local files.

    ``files`` maps URLs to file paths. With ``directory``, other URLs are looked up in it: the
    part after ``base_url`` (or, without ``base_url``, the last path segment), as is or with a
    ``.json``/``.jsonld`` suffix. Paths never leave ``directory``.
    """

    def __init__(
        self,
        files: Mapping[str, str | Path] | None = None,
        *,
        directory: str | Path | None = None,
        base_url: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.files = {url: Path(path) for url, path in (files or {}).items()}
        self.directory = Path(directory).resolve() if directory is not None else None
        self.base_url = base_url
        self.max_bytes = max_bytes
        if base_url is not None and directory is None:
            raise StatusListError("base_url needs a directory", code="bad-fetcher")

    def _candidates(self, url: str) -> list[Path]:
        if url in self.files:
            return [self.files[url]]
        if self.directory is None:
            return []
        if self.base_url is not None:
            if not url.startswith(self.base_url):
                return []
            relative = url[len(self.base_url) :].lstrip("/")
        else:
            relative = urlsplit(url).path.rstrip("/").rpartition("/")[2]
        relative = relative.split("#", 1)[0].split("?", 1)[0]
        if not relative:
            return []
        paths = []
        for name in (relative, relative + ".json", relative + ".jsonld"):
            path = (self.directory / name).resolve()
            if path.is_relative_to(self.directory):
                paths.append(path)
        return paths

    def fetch(self, url: str) -> bytes:
        for path in self._candidates(url):
            if not path.is_file():
                continue
            try:
                with path.open("rb") as handle:
                    data = handle.read(self.max_bytes + 1)
            except OSError as exc:
                raise StatusListFetchError(f"cannot read the status list for {url}: {exc}") from exc
            if len(data) > self.max_bytes:
                raise StatusListFetchError(
                    f"the status list for {url} exceeds {self.max_bytes} bytes",
                    code="list-too-large",
                )
            return data
        raise StatusListFetchError(f"no local file holds the status list {url}")


class HttpFetcher:
    """Fetches status lists over HTTPS with httpx (imported on first use).

    Plain ``http`` URLs are refused unless ``allow_http``; redirects are followed (at most
    ``max_redirects``) under the same rule. Responses larger than ``max_bytes`` and non-200
    answers are errors, and so is a list not fully received within ``timeout`` seconds (for the
    whole fetch, redirects included, not each read). Construct it only when network access is
    wanted.
    """

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        allow_http: bool = False,
        max_redirects: int = 5,
        headers: Mapping[str, str] | None = None,
        trust_env: bool = True,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.allow_http = allow_http
        self.max_redirects = max_redirects
        self.headers = {"Accept": _ACCEPT, **(headers or {})}
        self.trust_env = trust_env
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def _get_client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                import httpx

                self._client = httpx.Client(
                    timeout=self.timeout,
                    follow_redirects=False,
                    headers=self.headers,
                    trust_env=self.trust_env,
                    # a fetch's deadline watches the connections it opens, so none is kept
                    limits=httpx.Limits(max_keepalive_connections=0),
                )
            return self._client

    def _check_scheme(self, url: str) -> None:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "https" or (scheme == "http" and self.allow_http):
            return
        raise StatusListFetchError(
            f"refusing to fetch {url}: only https URLs are allowed"
            if scheme == "http"
            else f"refusing to fetch {url}: unsupported URL scheme {scheme!r}",
            code="list-url-refused",
        )

    def fetch(self, url: str) -> bytes:
        import httpx

        target = url.split("#", 1)[0]
        # One deadline for the whole fetch (connecting, redirects, headers, every read), not a
        # timeout for each read: see elmkit._deadline for how httpx is held to it.
        with Deadline(self.timeout) as deadline:
            for _ in range(self.max_redirects + 1):
                self._check_scheme(target)
                self._check_deadline(deadline, target)
                reading = False
                try:
                    with self._get_client().stream(
                        "GET", target, extensions=deadline.extensions
                    ) as response:
                        if response.status_code in _REDIRECTS:
                            location = response.headers.get("location")
                            if not location:
                                raise StatusListFetchError(
                                    f"redirect without a location from {target}"
                                )
                            target = urljoin(target, location)
                            continue
                        if response.status_code != 200:
                            raise StatusListFetchError(
                                f"{target} answered HTTP {response.status_code}"
                            )
                        reading = True
                        return self._read(response, target, deadline)
                except httpx.HTTPError as exc:
                    # a timeout before the answer came says so, as it always has; anything
                    # else that failed once the time was up failed because it was up
                    if deadline.passed and (reading or not isinstance(exc, httpx.TimeoutException)):
                        raise self._too_late(target) from exc
                    raise StatusListFetchError(f"cannot fetch {target}: {exc!r}") from exc
        raise StatusListFetchError(f"too many redirects fetching {url}")

    def _too_late(self, url: str) -> StatusListFetchError:
        return StatusListFetchError(f"no complete answer for {url} in {self.timeout:g} s")

    def _check_deadline(self, deadline: Deadline, url: str) -> None:
        if deadline.passed:
            raise self._too_late(url)

    def _read(self, response: httpx.Response, url: str, deadline: Deadline) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise StatusListFetchError(
                f"{url} declares {declared} bytes, over the limit of {self.max_bytes}",
                code="list-too-large",
            )
        chunks: list[bytes] = []
        total = 0
        for chunk in response.iter_bytes():
            total += len(chunk)
            if total > self.max_bytes:
                raise StatusListFetchError(
                    f"{url} sent more than {self.max_bytes} bytes", code="list-too-large"
                )
            chunks.append(chunk)
            self._check_deadline(deadline, url)
        if deadline.cut:  # an answer that ends when the connection does was cut short
            raise self._too_late(url)
        return b"".join(chunks)

    def close(self) -> None:
        """Close the connection pool."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class CachingFetcher:
    """Caches another fetcher's successful answers for ``ttl`` seconds (failures are not cached).

    Verifiers that cache lists ask the issuer less often, which also tells the issuer less about
    when credentials are being checked.
    """

    def __init__(
        self,
        inner: StatusListFetcher,
        *,
        ttl: float = 300.0,
        max_entries: int = 256,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = inner
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def fetch(self, url: str) -> bytes:
        now = self._clock()
        with self._lock:
            cached = self._entries.get(url)
            if cached is not None and now - cached[0] < self.ttl:
                self._entries.move_to_end(url)
                return cached[1]
        data = self.inner.fetch(url)
        with self._lock:
            self._entries[url] = (now, data)
            self._entries.move_to_end(url)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return data

    def invalidate(self, url: str | None = None) -> None:
        """Forget ``url`` (or everything)."""
        with self._lock:
            if url is None:
                self._entries.clear()
            else:
                self._entries.pop(url, None)

    def __len__(self) -> int:
        return len(self._entries)
