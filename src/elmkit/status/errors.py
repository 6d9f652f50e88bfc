"""Typed errors of the status-list package."""

from __future__ import annotations

from elmkit.errors import ElmError, ParseError

__all__ = [
    "IndexExhaustedError",
    "StatusIndexError",
    "StatusListDecodeError",
    "StatusListError",
    "StatusListFetchError",
]


class StatusListError(ElmError):
    """A status list, status entry or index allocation is invalid.

    ``code`` is a short machine-readable reason (``"bad-base64"``, ``"not-gzip"``...).
    """

    default_code = "status-list"

    def __init__(self, message: str, *, code: str = "", path: str = "") -> None:
        super().__init__(message, path=path)
        self.code = code or self.default_code


class StatusListDecodeError(StatusListError, ParseError):
    """An ``encodedList`` could not be decoded: bad base64, not GZIP, too short or too large."""

    default_code = "list-malformed"


class StatusIndexError(StatusListError, IndexError):
    """A status index is outside the list."""

    default_code = "index-out-of-range"


class IndexExhaustedError(StatusListError):
    """Every index of a status list has been allocated."""

    default_code = "list-exhausted"


class StatusListFetchError(StatusListError):
    """A status list credential could not be retrieved."""

    default_code = "list-unavailable"
