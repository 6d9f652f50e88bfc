"""An HTTP server on 127.0.0.1 that answers by a script (headers, bytes, stalls) and sees when
its client hangs up: a client's deadline is checked from the server's side, not by timing it."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field


@dataclass
class Exchange:
    """One connection: the request read, then the script's answer."""

    conn: socket.socket
    request: bytes
    started: float = field(default_factory=time.monotonic)
    client_left: bool = False

    def send(self, data: bytes) -> None:
        """Send ``data`` if the client is still there."""
        with suppress(OSError):
            self.conn.sendall(data)

    def hold(self, until: float) -> bool:
        """Wait until ``until`` seconds after the request was read, or until the client hangs
        up; whether it has hung up."""
        while not self.client_left:
            left = self.started + until - time.monotonic()
            if left <= 0:
                break
            readable, _, _ = select.select([self.conn], [], [], left)
            if readable:
                try:
                    self.client_left = not self.conn.recv(4096)
                except OSError:
                    self.client_left = True
        return self.client_left


@dataclass
class ScriptedServer:
    url: str
    exchanges: list[Exchange] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def exchange(self) -> Exchange:
        """The first connection's exchange, once its script has finished."""
        assert self.done.wait(30), "the server's script did not finish"
        return self.exchanges[0]


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return data
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        piece = conn.recv(65536)
        if not piece:
            break
        body += piece
    return head + b"\r\n\r\n" + body


@contextmanager
def scripted_server(
    script: Callable[[Exchange], None], path: str = "/list"
) -> Iterator[ScriptedServer]:
    """Serve the first connection by ``script`` (which holds and sends as it likes; the
    connection is closed after it); yields the server, whose URL ends with ``path``."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    server = ScriptedServer(f"http://127.0.0.1:{listener.getsockname()[1]}{path}")
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                break
            except TimeoutError:
                continue
        else:
            return
        conn.settimeout(None)
        with conn:
            exchange = Exchange(conn, _read_request(conn))
            server.exchanges.append(exchange)
            try:
                script(exchange)
            finally:
                server.done.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(timeout=30)
        listener.close()
