"""Strict base64/base64url and JSON helpers shared by sealing and verification.

JSON is read and written on a fast path (``pydantic_core``, already a dependency through
pydantic) whenever that path provably gives the same result as the standard library; every
other case, and every error, goes through :mod:`json` so that results and messages are the same.
"""

from __future__ import annotations

import binascii
import errno
import json
import os
import stat
from typing import Any

from elmkit.errors import DuplicateKeyError, ParseError

#: Largest sealed document read from a file (twice the largest credential read elsewhere).
MAX_SEALED_BYTES = 40_000_000
#: Largest key, certificate or trust file read.
MAX_KEY_FILE_BYTES = 4_000_000


def read_bounded(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """A regular file's bytes; :class:`OSError` for anything else (a FIFO or device would block
    or never end) and for a file larger than ``max_bytes``."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO opens at once
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", os.fspath(path))
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise OSError(errno.EFBIG, f"larger than {max_bytes:,} bytes", os.fspath(path))
    return data

__all__ = [
    "b64_decode",
    "b64_encode",
    "b64url_decode",
    "b64url_encode",
    "dumps_compact",
    "dumps_payload",
    "escape_json_bytes",
    "escape_json_text",
    "loads_strict",
    "quote_count",
]

_URL_TO_STD = bytes.maketrans(b"-_", b"+/")
_STD_TO_URL = bytes.maketrans(b"+/", b"-_")


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 section 2)."""
    return (
        binascii.b2a_base64(data, newline=False).translate(_STD_TO_URL).rstrip(b"=").decode("ascii")
    )


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url strictly; raise ``ValueError`` on any other character."""
    if "=" in text or "+" in text or "/" in text or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError as exc:
        raise ValueError("not unpadded base64url") from exc
    raw = raw.translate(_URL_TO_STD) + b"=" * (-len(raw) % 4)
    try:
        return binascii.a2b_base64(raw, strict_mode=True)
    except binascii.Error as exc:
        raise ValueError(f"not unpadded base64url: {exc}") from exc


def b64_encode(data: bytes) -> str:
    """Standard base64 with padding."""
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def b64_decode(text: str) -> bytes:
    """Decode standard (padded) base64 strictly; raise ``ValueError`` otherwise."""
    try:
        return binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"not base64: {exc}") from exc


def _reject_constant(name: str) -> Any:
    raise ParseError(f"JSON constant {name} is not allowed")


class _PairsToDict:
    """``object_pairs_hook`` that refuses an object with the same member twice."""

    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    raise DuplicateKeyError(f"duplicate member {key!r} in {self.what}")
                seen.add(key)
        return result


def _loads_checked(text: str | bytes, what: str) -> Any:
    """The reference parser: :func:`json.loads` with a hook that names duplicate members."""
    try:
        return json.loads(
            text, object_pairs_hook=_PairsToDict(what), parse_constant=_reject_constant
        )
    except ParseError:
        raise
    except RecursionError as exc:
        raise ParseError(f"{what} is nested too deeply") from exc
    except UnicodeDecodeError as exc:
        raise ParseError(f"{what} is not valid UTF-8: {exc}") from exc
    except ValueError as exc:
        raise ParseError(f"{what} is not valid JSON: {exc}") from exc


def _string_count(tree: Any) -> int:
    """How many strings a parsed JSON value holds: member names plus string values."""
    if type(tree) is str:
        return 1
    count = 0
    stack = [tree]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        if type(node) is dict:
            count += len(node)
            node = node.values()
        elif type(node) is not list:
            continue
        for value in node:
            kind = type(value)
            if kind is str:
                count += 1
            elif kind is dict or kind is list:
                push(value)
    return count


_last_count: tuple[str | bytes, int] = ("", 0)
_REMEMBER_FROM = 4096


def quote_count(text: str | bytes) -> int:
    """How many ``"`` characters ``text`` has. The count of the last long text is remembered:
    the payload of a seal is measured when the envelope is read and again when it is parsed."""
    global _last_count
    last = _last_count
    if last[0] is text:
        return last[1]
    count = text.count(b'"') if isinstance(text, (bytes, bytearray)) else text.count('"')
    if len(text) >= _REMEMBER_FROM:
        _last_count = (text, count)
    return count


def _literal_count(text: str | bytes) -> int:
    """How many string literals valid JSON ``text`` holds.

    Every ``"`` of JSON text delimits a string literal unless it is escaped. Removing the
    escaped backslashes (``\\\\``, paired from the left as the grammar pairs them) leaves each
    remaining backslash at the start of a one-character escape, so what is left of ``\\"`` is
    exactly the escaped quotes.
    """
    quotes = quote_count(text)
    if isinstance(text, (bytes, bytearray)):
        if b"\\" in text:
            rest = text.replace(b"\\\\", b"") if b"\\\\" in text else text
            quotes -= rest.count(b'\\"')
    elif "\\" in text:
        rest_s = text.replace("\\\\", "") if "\\\\" in text else text
        quotes -= rest_s.count('\\"')
    return quotes // 2


_MISSING = object()


def _loads_fast(text: str | bytes) -> Any:
    """Parse with ``pydantic_core`` and prove there is no duplicate member; ``_MISSING`` when
    the text must go through the reference parser (any error, or a duplicate).

    ``pydantic_core`` keeps the last of duplicate members, like :func:`json.loads` without a
    hook, so duplicates are found by counting: each member name and each string value is one
    string literal of the text; a dropped duplicate loses its name (and maybe string values)
    from the parsed tree, never adds any. Equal counts mean no member was dropped.
    """
    from pydantic_core import from_json

    try:
        tree = from_json(text, allow_inf_nan=False)
    except (ValueError, TypeError, RecursionError):
        return _MISSING
    if _string_count(tree) != _literal_count(text):
        return _MISSING
    return tree


def loads_strict(text: str | bytes, *, what: str = "JSON") -> Any:
    """Parse JSON, refusing duplicate members, NaN/Infinity and runaway nesting.

    Gives exactly what :func:`json.loads` gives for the same text. Raises
    :class:`~elmkit.errors.DuplicateKeyError` or :class:`~elmkit.errors.ParseError`.
    """
    tree = _loads_fast(text)
    if tree is _MISSING:
        return _loads_checked(text, what)
    return tree


def dumps_compact(obj: Any) -> str:
    """Compact JSON text: UTF-8 characters kept, no spaces, key order kept."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


_INT_LIMIT = 1 << 64
#: Values with more containers than this (or a cycle, which has no end) are left to ``json``.
_CONTAINER_BUDGET = 1 << 17


def _plain_json(root: Any) -> bool:
    """Whether ``root`` is a tree of exact ``dict`` (string keys), ``list``, ``str``, ``bool``,
    ``None`` and 64-bit ``int``: a value that ``json`` and ``pydantic_core`` write alike."""
    kind = type(root)
    if kind is not dict and kind is not list:
        return False
    stack = [root]
    pop, push = stack.pop, stack.append
    budget = _CONTAINER_BUDGET
    while stack:
        budget -= 1
        if not budget:
            return False
        node = pop()
        if type(node) is dict:
            for key, value in node.items():
                if type(key) is not str:
                    return False
                kind = type(value)
                if kind is str or kind is bool or value is None:
                    continue
                if kind is dict or kind is list:
                    push(value)
                elif kind is not int or not -_INT_LIMIT < value < _INT_LIMIT:
                    return False
        else:
            for value in node:
                kind = type(value)
                if kind is str or kind is bool or value is None:
                    continue
                if kind is dict or kind is list:
                    push(value)
                elif kind is not int or not -_INT_LIMIT < value < _INT_LIMIT:
                    return False
    return True


def dumps_payload(obj: Any) -> bytes:
    """``dumps_compact(obj).encode("utf-8")``, computed faster when ``obj`` is plain JSON.

    Raises what :func:`dumps_compact` and UTF-8 encoding raise for values they refuse.
    """
    if _plain_json(obj):
        from pydantic_core import to_json

        try:
            return to_json(obj)
        except ValueError:
            pass
    return dumps_compact(obj).encode("utf-8")


def escape_json_bytes(data: bytes) -> bytes:
    """The body of the JSON string literal for valid UTF-8 JSON text (any layout).

    Valid JSON text has no raw control characters but the whitespace tab, line feed and carriage
    return; when it has none of those either, :func:`escape_json_text` is enough.
    """
    if b"\n" in data or b"\r" in data or b"\t" in data:
        return json.dumps(data.decode("utf-8"), ensure_ascii=False)[1:-1].encode("utf-8")
    return escape_json_text(data)


def escape_json_text(data: bytes) -> bytes:
    """The body of the JSON string literal for UTF-8 JSON text made by :func:`dumps_compact`.

    Such text has no raw control characters (the encoder escaped them), so only backslash and
    quote need escaping: ``b'"' + escape_json_text(t.encode()) + b'"'`` equals
    ``json.dumps(t, ensure_ascii=False).encode()``, at a fraction of the cost.
    """
    if b"\\" in data:
        data = data.replace(b"\\", b"\\\\")
    return data.replace(b'"', b'\\"')
