"""Strict base64/base64url and JSON helpers shared by sealing and verification.

JSON is read with jiter whenever that provably gives what the standard library gives, and
written with orjson (the standard library's text but
for the spelling of some floats); every other case, and every error, goes through :mod:`json` so
that results and messages are the same.
"""

from __future__ import annotations

import binascii
import errno
import json
import os
import stat
import sys
from enum import Enum
from math import isfinite
from typing import Any
from uuid import UUID

import jiter
import orjson

from elmkit.errors import DuplicateKeyError, ParseError

#: The only whitespace JSON allows around and between tokens (``str.strip()`` takes far more).
JSON_WHITESPACE = " \t\r\n"
#: Largest sealed document read from a file (twice the largest credential read elsewhere).
MAX_SEALED_BYTES = 40_000_000
#: Largest key, certificate or trust file read.
MAX_KEY_FILE_BYTES = 4_000_000


def read_bounded(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """A regular file's bytes; :class:`OSError` for anything else (a FIFO or device would block
    or never end) and for a file larger than ``max_bytes``."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO opens at once
    with os.fdopen(fd, "rb") as handle:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", os.fspath(path))
        if status.st_size > max_bytes:  # refused before reading (the read below bounds growth)
            raise OSError(errno.EFBIG, f"larger than {max_bytes:,} bytes", os.fspath(path))
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise OSError(errno.EFBIG, f"larger than {max_bytes:,} bytes", os.fspath(path))
    return data

__all__ = [
    "JSON_WHITESPACE",
    "b64_decode",
    "b64_encode",
    "b64url_decode",
    "b64url_encode",
    "dumps_compact",
    "dumps_envelope",
    "dumps_payload",
    "is_written_form",
    "loads_strict",
    "parse_fast",
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


#: What :func:`parse_fast` and :func:`_loads_fast` give for text they leave to the strict parser.
NOT_PARSED: Any = object()
#: The longest integer (in digits) jiter reads, whatever the interpreter's own limit.
_PARSER_INT_DIGITS = 4300


def parse_fast(text: str | bytes, *, unique: bool = False) -> Any:
    """jiter's parse of JSON ``text``, or :data:`NOT_PARSED` when it refuses the text or might
    read a number otherwise than :mod:`json` would.

    Duplicate members are refused with ``unique`` (jiter then checks every object's names:
    cheap for a few long members, costly for many short ones); otherwise the last one wins.
    """
    if 0 < sys.get_int_max_str_digits() < _PARSER_INT_DIGITS:
        return NOT_PARSED  # json refuses integers that jiter reads
    if isinstance(text, str):
        data = text.encode("utf-8", "surrogatepass")
    elif isinstance(text, (bytes, bytearray)):
        data = bytes(text)
    else:
        return NOT_PARSED  # json.loads takes no other type (a memoryview, say)
    try:
        return jiter.from_json(
            data, allow_inf_nan=False, cache_mode="all", catch_duplicate_keys=unique
        )
    except (ValueError, TypeError, RecursionError):
        return NOT_PARSED


def _loads_fast(text: str | bytes) -> Any:
    """Parse with jiter and prove there is no duplicate member; :data:`NOT_PARSED` when the
    text must go through the reference parser (any error, or a duplicate).

    Text that is exactly what orjson writes for the parsed tree has no duplicate member, since
    a tree's objects have none (:func:`is_written_form`); proving that costs one write, less
    than jiter's own check of every member name. Other text is parsed again with that check.
    """
    tree = parse_fast(text)
    if tree is NOT_PARSED or is_written_form(tree, text):
        return tree
    return parse_fast(text, unique=True)


def is_written_form(tree: Any, text: str | bytes) -> bool:
    """Whether ``text`` is exactly the compact JSON orjson writes for ``tree``."""
    try:
        written = orjson.dumps(tree)
    except TypeError:  # integers beyond 64 bits, nesting deeper than orjson goes
        return False
    if isinstance(text, str):
        return written == text.encode("utf-8", "surrogatepass")
    return written == text


def loads_strict(text: str | bytes, *, what: str = "JSON") -> Any:
    """Parse JSON, refusing duplicate members, NaN/Infinity and runaway nesting.

    Gives exactly what :func:`json.loads` gives for the same text. Raises
    :class:`~elmkit.errors.DuplicateKeyError` or :class:`~elmkit.errors.ParseError`.
    """
    tree = _loads_fast(text)
    if tree is NOT_PARSED:
        return _loads_checked(text, what)
    return tree


def dumps_compact(obj: Any) -> str:
    """Compact JSON text: UTF-8 characters kept, no spaces, key order kept."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


#: What orjson leaves to :func:`_not_json` (and so to :mod:`json`): dates, dataclasses and
#: subclasses of built-in types, which :mod:`json` writes its own way or refuses.
_ORJSON_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def _not_json(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def _has_non_finite(root: Any) -> bool:
    """Whether a value orjson wrote (floats, enum members, dicts, lists, tuples) holds NaN or an
    infinity."""
    stack: list[Any] = [(root,)]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        for value in node.values() if type(node) is dict else node:
            kind = type(value)
            if kind is float:
                if not isfinite(value):
                    return True
            elif kind is dict or kind is list or kind is tuple:
                push(value)
            elif kind is not str and isinstance(value, Enum):
                push((value.value,))
    return False


def _refuse_keys_that_are_not_text(root: Any) -> None:
    """``TypeError`` for a member name that is not text: :mod:`json` would write ``1``, ``True``
    or ``None`` as ``"1"``, ``"true"``, ``"null"``, and could so write one name twice."""
    stack: list[Any] = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            for key in node:
                if not isinstance(key, str):
                    raise TypeError(f"member names must be text, not {type(key).__name__} {key!r}")
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)


def _json_extras(value: Any) -> Any:
    """What orjson writes and :mod:`json` does not: enum members and UUIDs."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps_payload(obj: Any) -> bytes:
    """Compact JSON (UTF-8 kept, no spaces, members in order) of a JSON value, as UTF-8 bytes.

    orjson writes it; what orjson refuses (integers beyond 64 bits, subclasses of built-in
    types, dates, sets, ``Decimal``, cycles) goes to :func:`json.dumps`, which writes it or raises
    its usual ``TypeError``/``ValueError``. NaN, infinities and member names that are not text
    are refused (``TypeError``). Finite floats are written in their shortest round-trip form (``1e-05`` may read
    ``0.00001``); enum members as their values and UUIDs as their text.
    """
    try:
        data = orjson.dumps(obj, default=_not_json, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError included
        data = None
    # orjson writes NaN and infinities as null; the reverse search is the faster one here
    if data is not None and (data.rfind(b"null") < 0 or not _has_non_finite(obj)):
        return data
    _refuse_keys_that_are_not_text(obj)
    return json.dumps(
        obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_json_extras
    ).encode("utf-8")


def dumps_envelope(payload: str, protected: str, header: dict[str, Any], signature: str) -> bytes:
    """The sealed document: JWS JSON general serialization with one signature, compact."""
    return orjson.dumps(
        {
            "payload": payload,
            "signatures": [{"protected": protected, "header": header, "signature": signature}],
        }
    )
