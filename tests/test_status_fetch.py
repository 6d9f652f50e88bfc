"""Fetchers: in memory, local files, a real HTTP server on 127.0.0.1, and the cache."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from elmkit.status import (
    CachingFetcher,
    DictFetcher,
    FileFetcher,
    HttpFetcher,
    StatusList,
    StatusListError,
    StatusListFetcher,
    StatusListFetchError,
    check_status,
    status_entry,
    status_list_credential,
)
from test_http_support import Exchange, scripted_server

ISSUER = "https://university.example/issuer"


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunked: bool = False
    pause: float = 0.0  # between the chunks of a chunked body


@dataclass
class Server:
    base: str
    routes: dict[str, Route]
    hits: list[str]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that time out on purpose close the connection early."""


@pytest.fixture
def server() -> Iterator[Server]:
    routes: dict[str, Route] = {}
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            hits.append(self.path)
            route = routes.get(self.path, Route(404, b"not found"))
            if route.delay:
                time.sleep(route.delay)
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for start in range(0, len(route.body), 1024):
                    piece = route.body[start : start + 1024]
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    if route.pause:
                        self.wfile.flush()
                        time.sleep(route.pause)
                self.wfile.write(b"0\r\n\r\n")
                return
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

        def log_message(self, format: str, *args: object) -> None:
            return

    httpd = _QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", routes, hits)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _fetcher(**kwargs: object) -> HttpFetcher:
    return HttpFetcher(allow_http=True, trust_env=False, **kwargs)  # type: ignore[arg-type]


def _list_document(url: str, indexes: list[int]) -> bytes:
    credential = status_list_credential(
        url,
        StatusList.from_indexes(indexes),
        "revocation",
        ISSUER,
        valid_from="2025-01-01T00:00:00Z",
    )
    return json.dumps(credential).encode()


# -- DictFetcher / FileFetcher ---------------------------------------------------------------------


def test_dict_fetcher_serves_bytes_text_and_objects() -> None:
    fetcher = DictFetcher({"a": b"\x01", "b": "text", "c": {"x": 1}, "d": 5})
    assert isinstance(fetcher, StatusListFetcher)
    assert fetcher.fetch("a") == b"\x01"
    assert fetcher.fetch("b") == b"text"
    assert json.loads(fetcher.fetch("c")) == {"x": 1}
    with pytest.raises(StatusListFetchError, match="no usable document"):
        fetcher.fetch("d")
    with pytest.raises(StatusListFetchError, match="no status list is known") as info:
        fetcher.fetch("e")
    assert info.value.code == "list-unavailable"


def test_file_fetcher_mapping_and_directory(tmp_path: Path) -> None:
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "3.json").write_bytes(b"three")
    (lists / "plain").write_bytes(b"plain")
    (lists / "deep").mkdir()
    (lists / "deep" / "x.jsonld").write_bytes(b"deep")
    (tmp_path / "secret.json").write_bytes(b"secret")
    mapped = tmp_path / "mapped.bin"
    mapped.write_bytes(b"mapped")

    by_segment = FileFetcher({"https://u.example/m": mapped}, directory=lists)
    assert by_segment.fetch("https://u.example/m") == b"mapped"
    assert by_segment.fetch("https://u.example/status/3") == b"three"
    assert by_segment.fetch("https://u.example/other/plain?v=1") == b"plain"

    by_base = FileFetcher(directory=lists, base_url="https://u.example/status/")
    assert by_base.fetch("https://u.example/status/3") == b"three"
    assert by_base.fetch("https://u.example/status/deep/x") == b"deep"
    for url in (
        "https://u.example/status/../secret",
        "https://u.example/status/%2e%2e/secret",
        "https://elsewhere.example/status/3",
        "https://u.example/status/",
    ):
        with pytest.raises(StatusListFetchError, match="no local file"):
            by_base.fetch(url)
    with pytest.raises(StatusListFetchError):
        FileFetcher().fetch("https://u.example/status/3")
    with pytest.raises(StatusListError, match="needs a directory"):
        FileFetcher(base_url="https://u.example/")


def test_file_fetcher_size_limit(tmp_path: Path) -> None:
    (tmp_path / "big.json").write_bytes(b"x" * 2000)
    fetcher = FileFetcher(directory=tmp_path, max_bytes=1000)
    with pytest.raises(StatusListFetchError, match="exceeds 1000 bytes") as info:
        fetcher.fetch("https://u.example/big")
    assert info.value.code == "list-too-large"


# -- HttpFetcher -----------------------------------------------------------------------------------


def test_http_fetch_and_end_to_end_check(server: Server) -> None:
    url = server.base + "/status/1"
    server.routes["/status/1"] = Route(body=_list_document(url, [42]))
    with _fetcher() as fetcher:
        assert json.loads(fetcher.fetch(url))["id"] == url
        revoked = {"issuer": ISSUER, "credentialStatus": status_entry(url, 42)}
        fine = {"issuer": ISSUER, "credentialStatus": status_entry(url, 43)}
        assert check_status(revoked, fetcher=fetcher).code == "revoked"
        assert check_status(fine, fetcher=fetcher).ok
    assert server.hits == ["/status/1"] * 3


def test_http_refused_unless_allowed(server: Server) -> None:
    server.routes["/s"] = Route(body=b"{}")
    fetcher = HttpFetcher(trust_env=False)
    with pytest.raises(StatusListFetchError, match="only https") as info:
        fetcher.fetch(server.base + "/s")
    assert info.value.code == "list-url-refused"
    for url in ("ftp://127.0.0.1/s", "file:///etc/hosts", "/relative"):
        with pytest.raises(StatusListFetchError, match="unsupported URL scheme"):
            fetcher.fetch(url)
    assert server.hits == []
    result = check_status(
        {"credentialStatus": status_entry(server.base + "/s", 1)}, fetcher=fetcher
    )
    assert result.status.value == "SKIPPED" and result.code == "list-url-refused"
    assert server.hits == []


def test_http_errors(server: Server) -> None:
    server.routes["/gone"] = Route(410, b"gone")
    with pytest.raises(StatusListFetchError, match="HTTP 410"):
        _fetcher().fetch(server.base + "/gone")
    with pytest.raises(StatusListFetchError, match="HTTP 404"):
        _fetcher().fetch(server.base + "/missing")


def test_http_redirects(server: Server) -> None:
    server.routes["/old"] = Route(301, headers={"Location": "/new"})
    server.routes["/new"] = Route(body=b"moved")
    server.routes["/loop"] = Route(302, headers={"Location": "/loop"})
    server.routes["/nowhere"] = Route(302)
    assert _fetcher().fetch(server.base + "/old") == b"moved"
    with pytest.raises(StatusListFetchError, match="too many redirects"):
        _fetcher(max_redirects=3).fetch(server.base + "/loop")
    assert server.hits.count("/loop") == 4
    with pytest.raises(StatusListFetchError, match="without a location"):
        _fetcher().fetch(server.base + "/nowhere")


def test_every_redirect_hop_is_checked(server: Server) -> None:
    server.routes["/to-ftp"] = Route(302, headers={"Location": "ftp://127.0.0.1/x"})
    with pytest.raises(StatusListFetchError, match="unsupported URL scheme 'ftp'"):
        _fetcher().fetch(server.base + "/to-ftp")
    assert server.hits == ["/to-ftp"]


def test_http_size_limits(server: Server) -> None:
    server.routes["/big"] = Route(body=b"x" * 5000)
    server.routes["/chunked"] = Route(body=b"y" * 5000, chunked=True)
    server.routes["/small-chunked"] = Route(body=b"z" * 900, chunked=True)
    fetcher = _fetcher(max_bytes=4000)
    with pytest.raises(StatusListFetchError, match="declares 5000 bytes") as info:
        fetcher.fetch(server.base + "/big")
    assert info.value.code == "list-too-large"
    with pytest.raises(StatusListFetchError, match="more than 4000 bytes"):
        fetcher.fetch(server.base + "/chunked")
    assert fetcher.fetch(server.base + "/small-chunked") == b"z" * 900


def test_http_timeout(server: Server) -> None:
    server.routes["/slow"] = Route(body=b"late", delay=1.0)
    with pytest.raises(StatusListFetchError, match="cannot fetch"):
        _fetcher(timeout=0.2).fetch(server.base + "/slow")


def test_http_timeout_bounds_the_whole_answer(server: Server) -> None:
    # each chunk comes well within the timeout, the whole list does not: a slow (or hostile)
    # server cannot hold a verification for as long as it keeps sending
    server.routes["/drip"] = Route(body=b"d" * 20 * 1024, chunked=True, pause=0.1)
    server.routes["/to-drip"] = Route(302, headers={"Location": "/drip"})
    for path in ("/drip", "/to-drip"):
        with pytest.raises(StatusListFetchError, match="no complete answer") as info:
            _fetcher(timeout=0.5).fetch(server.base + path)
        assert info.value.code == "list-unavailable"
    assert _fetcher(timeout=30).fetch(server.base + "/drip") == b"d" * 20 * 1024


def _stall_after_a_late_chunk(timeout: float) -> Callable[[Exchange], None]:
    """Headers and a byte at once, another byte halfway to the deadline, then nothing until the
    server's mark at one and a half timeouts: a client that gives each read the time left when
    the answer began waits past the deadline for the next byte, then says it cannot fetch."""

    def script(exchange: Exchange) -> None:
        exchange.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n")
        if not exchange.hold(0.5 * timeout):
            exchange.send(b"1\r\n \r\n")
            exchange.hold(1.5 * timeout)

    return script


def _trickle_headers(timeout: float) -> Callable[[Exchange], None]:
    """A header a byte every tenth of the timeout, until the server's mark at one and a half
    timeouts: each read of the headers is answered in time, the headers never end."""

    def script(exchange: Exchange) -> None:
        exchange.send(b"HTTP/1.1 200 OK\r\nX-Padding: ")
        for tick in range(1, 16):
            if exchange.hold(tick * timeout / 10):
                return
            exchange.send(b"a")

    return script


def _stall_a_body_the_close_ends(timeout: float) -> Callable[[Exchange], None]:
    """An answer without a length, which ends when the connection does: a few bytes, then
    nothing until the server's mark, when it closes. A client that cuts the connection at the
    deadline must not take what came until then for the whole list."""

    def script(exchange: Exchange) -> None:
        exchange.send(b"HTTP/1.0 200 OK\r\n\r\n[")
        for tick in range(1, 4):
            if exchange.hold(tick * timeout / 5):
                return
            exchange.send(b"0,")
        exchange.hold(1.5 * timeout)

    return script


@pytest.mark.parametrize(
    "stall", [_stall_after_a_late_chunk, _trickle_headers, _stall_a_body_the_close_ends]
)
def test_http_timeout_holds_for_a_server_that_stalls_just_before_the_deadline(
    stall: Callable[[float], Callable[[Exchange], None]],
) -> None:
    with scripted_server(stall(0.5)) as server:
        with pytest.raises(StatusListFetchError, match=r"^no complete answer for .* in 0.5 s$") as info:
            _fetcher(timeout=0.5).fetch(server.url)
        assert info.value.code == "list-unavailable"
        # the server saw the client hang up before its mark, half a timeout after the deadline
        assert server.exchange().client_left
    assert not [thread for thread in threading.enumerate() if isinstance(thread, threading.Timer)]


def test_http_connection_refused() -> None:
    with pytest.raises(StatusListFetchError, match="cannot fetch"):
        _fetcher(timeout=2).fetch("http://127.0.0.1:9/status")


# -- CachingFetcher --------------------------------------------------------------------------------


def test_caching_fetcher_with_a_real_server(server: Server) -> None:
    server.routes["/s"] = Route(body=b"one")
    now = [1000.0]
    with _fetcher() as inner:
        cache = CachingFetcher(inner, ttl=60, clock=lambda: now[0])
        assert cache.fetch(server.base + "/s") == b"one"
        server.routes["/s"] = Route(body=b"two")
        now[0] += 59
        assert cache.fetch(server.base + "/s") == b"one"
        assert server.hits == ["/s"]
        now[0] += 2
        assert cache.fetch(server.base + "/s") == b"two"
        assert server.hits == ["/s", "/s"]
        cache.invalidate(server.base + "/s")
        assert cache.fetch(server.base + "/s") == b"two"
        assert len(server.hits) == 3
        with pytest.raises(StatusListFetchError):
            cache.fetch(server.base + "/missing")
        with pytest.raises(StatusListFetchError):
            cache.fetch(server.base + "/missing")
        assert server.hits.count("/missing") == 2


def test_caching_fetcher_evicts_least_recently_used() -> None:
    inner = DictFetcher({f"u{i}": f"d{i}" for i in range(5)})
    cache = CachingFetcher(inner, max_entries=2)
    cache.fetch("u0")
    cache.fetch("u1")
    cache.fetch("u0")
    cache.fetch("u2")
    assert len(cache) == 2
    inner.documents["u0"] = "changed"
    inner.documents["u1"] = "changed"
    assert cache.fetch("u0") == b"d0"
    assert cache.fetch("u1") == b"changed"
    cache.invalidate()
    assert len(cache) == 0
