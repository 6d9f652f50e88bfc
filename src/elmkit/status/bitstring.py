"""The status bitstring: GZIP-compressed, base64url-encoded, index 0 is the first byte's MSB."""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from collections.abc import Iterable, Iterator

from elmkit.status.errors import StatusIndexError, StatusListDecodeError, StatusListError

__all__ = ["DEFAULT_MAX_SIZE", "MIN_SIZE", "StatusList"]

MIN_SIZE = 131_072
"""Minimum number of entries of a list (16 KiB), the herd-privacy floor of the W3C spec."""

DEFAULT_MAX_SIZE = 1 << 27
"""Largest list :meth:`StatusList.decode` expands by default (16 MiB uncompressed)."""

_MULTIBASE_BASE64_PREFIXES = frozenset("uUmM")
_BASE64_CHARS = re.compile(r"[A-Za-z0-9+/_-]*")
_GZIP_MAGIC = b"\x1f\x8b"
_NONZERO = re.compile(rb"[^\x00]")


def _check_size(size: object, min_size: int) -> int:
    if not isinstance(size, int) or isinstance(size, bool):
        raise StatusListError(f"list size must be an integer, got {size!r}", code="bad-size")
    if size <= 0 or size % 8:
        raise StatusListError(
            f"list size must be a positive multiple of 8, got {size}", code="bad-size"
        )
    if size < min_size:
        raise StatusListError(
            f"list size {size} is below the minimum of {min_size} entries", code="too-short"
        )
    return size


def _b64decode(encoded: str) -> bytes:
    """Decode multibase (``u``/``U``/``m``/``M``), base64url or standard base64, padded or not."""
    if not isinstance(encoded, str):
        raise StatusListDecodeError(
            f"encodedList must be a string, got {type(encoded).__name__}", code="bad-base64"
        )
    text = encoded.strip()
    offset = len(encoded) - len(encoded.lstrip())
    if text[:1] in _MULTIBASE_BASE64_PREFIXES:
        text = text[1:]
        offset += 1
    body = text.rstrip("=")
    if not body:
        raise StatusListDecodeError("encodedList is empty", code="bad-base64")
    match = _BASE64_CHARS.match(body)
    end = match.end() if match else 0
    if end != len(body):
        raise StatusListDecodeError(
            f"encodedList is not base64: character {body[end]!r} at position {offset + end}",
            code="bad-base64",
        )
    if len(text) - len(body) > 2:
        raise StatusListDecodeError("encodedList has too much base64 padding", code="bad-base64")
    if len(body) % 4 == 1:
        raise StatusListDecodeError(
            f"encodedList is not base64: {len(body)} characters cannot encode whole bytes",
            code="bad-base64",
        )
    normalized = body.replace("-", "+").replace("_", "/") + "=" * (-len(body) % 4)
    try:
        return base64.b64decode(normalized, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise StatusListDecodeError(f"encodedList is not base64: {exc}", code="bad-base64") from exc


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    if data[:2] != _GZIP_MAGIC:
        raise StatusListDecodeError(
            "encodedList is not GZIP-compressed (missing the GZIP magic number)", code="not-gzip"
        )
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        raw = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise StatusListDecodeError(
            f"encodedList has corrupt GZIP data: {exc}", code="not-gzip"
        ) from exc
    if len(raw) > max_bytes:
        raise StatusListDecodeError(
            f"the list expands beyond the limit of {max_bytes * 8} entries", code="too-large"
        )
    if not inflater.eof:
        raise StatusListDecodeError("encodedList has truncated GZIP data", code="not-gzip")
    if inflater.unused_data:
        raise StatusListDecodeError(
            "encodedList has unexpected data after the GZIP stream", code="not-gzip"
        )
    return raw


class StatusList:
    """A mutable bitstring of status flags; bit ``i`` is set when entry ``i`` is revoked/suspended."""

    __slots__ = ("_bits",)

    def __init__(self, size: int = MIN_SIZE, *, min_size: int = MIN_SIZE) -> None:
        if _check_size(size, min_size) > DEFAULT_MAX_SIZE:
            raise StatusListError(
                f"list size {size} is above the maximum of {DEFAULT_MAX_SIZE} entries",
                code="too-long",
            )
        self._bits = bytearray(size // 8)

    @classmethod
    def from_bytes(cls, data: bytes, *, min_size: int = MIN_SIZE) -> StatusList:
        """A list over the uncompressed bitstring ``data`` (copied)."""
        _check_size(len(data) * 8, min_size)
        new = cls.__new__(cls)
        new._bits = bytearray(data)
        return new

    @classmethod
    def from_indexes(
        cls, indexes: Iterable[int], size: int = MIN_SIZE, *, min_size: int = MIN_SIZE
    ) -> StatusList:
        """A list of ``size`` entries with exactly ``indexes`` set."""
        new = cls(size, min_size=min_size)
        for index in indexes:
            new.set(index)
        return new

    @property
    def size(self) -> int:
        """Number of entries (bits)."""
        return len(self._bits) * 8

    def __len__(self) -> int:
        return self.size

    def _position(self, index: int) -> tuple[int, int]:
        if not isinstance(index, int) or isinstance(index, bool):
            raise StatusListError(
                f"status index must be an integer, got {index!r}", code="bad-index"
            )
        if not 0 <= index < self.size:
            raise StatusIndexError(
                f"index {index} is out of range for a status list of {self.size} entries"
            )
        return index >> 3, 0x80 >> (index & 7)

    def get(self, index: int) -> bool:
        """Whether entry ``index`` is set."""
        byte, mask = self._position(index)
        return bool(self._bits[byte] & mask)

    def set(self, index: int, value: bool = True) -> None:
        """Set entry ``index`` (or clear it when ``value`` is false)."""
        byte, mask = self._position(index)
        if value:
            self._bits[byte] |= mask
        else:
            self._bits[byte] &= ~mask & 0xFF

    def clear(self, index: int) -> None:
        """Clear entry ``index``."""
        self.set(index, False)

    def indexes(self) -> Iterator[int]:
        """The set entries, in increasing order."""
        bits = self._bits
        position = 0
        while True:
            position = _next_nonzero(bits, position)
            if position < 0:
                return
            byte = bits[position]
            base = position * 8
            for bit in range(8):
                if byte & (0x80 >> bit):
                    yield base + bit
            position += 1

    def count(self) -> int:
        """Number of set entries."""
        return int.from_bytes(self._bits, "big").bit_count()

    def to_bytes(self) -> bytes:
        """The uncompressed bitstring."""
        return bytes(self._bits)

    def encode(self, *, multibase: bool = True) -> str:
        """GZIP (deterministic: mtime 0, level 9) then base64url without padding.

        With ``multibase`` (the default, as ``BitstringStatusList`` requires) the result starts
        with the multibase prefix ``u``; without it, it is the bare value StatusList2021 uses.
        """
        compressed = gzip.compress(bytes(self._bits), compresslevel=9, mtime=0)
        text = base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")
        return "u" + text if multibase else text

    @classmethod
    def decode(
        cls, encoded: str, *, min_size: int = MIN_SIZE, max_size: int = DEFAULT_MAX_SIZE
    ) -> StatusList:
        """Decode an ``encodedList``.

        Accepts the multibase form (``u`` + base64url), bare base64url and standard base64, with
        or without padding. Raises :class:`StatusListDecodeError` (``code``: ``bad-base64``,
        ``not-gzip``, ``too-short``, ``too-large``) with the reason.
        """
        raw = _gunzip(_b64decode(encoded), max(max_size, 0) // 8)
        if not raw:
            raise StatusListDecodeError("the decoded list is empty", code="too-short")
        if len(raw) * 8 < min_size:
            raise StatusListDecodeError(
                f"the list has {len(raw) * 8} entries; at least {min_size} are required",
                code="too-short",
            )
        new = cls.__new__(cls)
        new._bits = bytearray(raw)
        return new

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatusList):
            return NotImplemented
        return self._bits == other._bits

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"StatusList(size={self.size}, set={self.count()})"


def _next_nonzero(bits: bytearray, start: int) -> int:
    """Position of the first non-zero byte at or after ``start``, or -1."""
    match = _NONZERO.search(bits, start)
    return match.start() if match else -1
