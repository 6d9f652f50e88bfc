"""One deadline for a whole HTTP exchange made with httpx: connecting, every redirect, the
headers and every read of the answer.

httpx bounds each network operation by a timeout of its own. Given the time left when a request
begins, that still lets a server hold a caller for longer: a byte now and then keeps each read
within it for as long as the server goes on, and the read after a byte sent just before the
deadline may wait almost that whole time again. :class:`Deadline` closes both gaps:

- requests made under it carry httpcore's ``timeout`` extension as a mapping that answers the
  time left *when it is looked up*, and httpcore looks it up as each phase begins (waiting for a
  pooled connection, connecting, the TLS handshake, sending, the headers, the body): no phase
  starts with more time than is left;
- within a phase that reads (or writes) many times, a timer shuts the connection's socket down
  once the deadline has passed, which ends a blocked read at once. The timer waits a small grace
  beyond the deadline, so that a phase's own timeout, which ends at the deadline, ends the phase
  when it can. The sockets come from httpcore's ``trace`` extension as connections open; they
  are forgotten when the answer is closed (from then on httpcore may close the socket and the
  system may hand its number to another connection), and the clients using a deadline keep no
  connection alive between requests, so no other request's connection is ever shut down.

Looking up the server's name is left to the system (``getaddrinfo`` takes no timeout).

An answer whose end is marked by the server closing the connection (HTTP/1.0, no length) ends
early when its socket is shut down, as if complete: :attr:`Deadline.cut` tells the caller that
what it read is not the whole answer. The timer is cancelled and joined when the ``with`` block
ends: no thread outlives the call.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import Any

__all__ = ["GRACE", "Deadline"]

GRACE = 0.05
"""Seconds the timer waits beyond the deadline before it shuts the connection down."""

_PHASES = ("connect", "read", "write", "pool")
_SHORTEST = 0.001  # a phase begun after the deadline times out at once (0 would not block)


class _TimeLeft(Mapping[str, float | None]):
    """httpcore's ``timeout`` extension whose every phase gets the time left when it begins."""

    def __init__(self, deadline: Deadline) -> None:
        self._deadline = deadline

    def __getitem__(self, phase: str) -> float | None:
        if phase not in _PHASES:
            raise KeyError(phase)
        left = self._deadline.remaining()
        return None if math.isinf(left) else max(left, _SHORTEST)

    def __iter__(self) -> Iterator[str]:
        return iter(_PHASES)

    def __len__(self) -> int:
        return len(_PHASES)


class Deadline:
    """``seconds`` from now, for every request made with :attr:`extensions` inside ``with``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expires = time.monotonic() + seconds
        self.extensions: dict[str, Any] = {"timeout": _TimeLeft(self), "trace": self._trace}
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._open = False
        self._timer: threading.Timer | None = None
        self.cut = False
        """Whether the timer shut down a connection (whose answer may then seem to end early)."""

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self.expires - time.monotonic()

    @property
    def passed(self) -> bool:
        return self.remaining() <= 0

    def __enter__(self) -> Deadline:
        self._open = True
        left = self.remaining()
        if math.isfinite(left):
            self._timer = threading.Timer(max(left, 0.0) + GRACE, self._cut)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with self._lock:
            self._open = False
            self._sockets.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer.join()

    def _trace(self, event: str, info: Mapping[str, Any]) -> None:
        """httpcore's ``trace`` callback: keeps the socket of each connection as it opens."""
        with self._lock:
            if event.endswith((".start_tls.started", ".response_closed.started")):
                # the handshake replaces the socket; a closed answer hands it back to httpcore
                self._sockets.clear()
            elif event.endswith(
                (".connect_tcp.complete", ".connect_unix_socket.complete", ".start_tls.complete")
            ):
                stream = info.get("return_value")
                sock = stream.get_extra_info("socket") if stream is not None else None
                if self._open and isinstance(sock, socket.socket):
                    self._sockets.append(sock)

    def _cut(self) -> None:
        """Shut down the sockets in use: a read blocked on one returns at once."""
        with self._lock:
            for sock in self._sockets:
                try:
                    # socket.socket's own shutdown: an SSLSocket's would also drop its TLS
                    # state under the reading thread
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    continue
                self.cut = True
            self._sockets.clear()
