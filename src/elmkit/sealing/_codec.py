"""Strict base64/base64url and JSON helpers shared by sealing and verification."""

from __future__ import annotations

import binascii
import json
from typing import Any

from elmkit.errors import DuplicateKeyError, ParseError

__all__ = [
    "b64_decode",
    "b64_encode",
    "b64url_decode",
    "b64url_encode",
    "dumps_compact",
    "escape_json_text",
    "loads_strict",
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


def loads_strict(text: str | bytes, *, what: str = "JSON") -> Any:
    """Parse JSON, refusing duplicate members, NaN/Infinity and runaway nesting.

    Raises :class:`~elmkit.errors.DuplicateKeyError` or :class:`~elmkit.errors.ParseError`.
    """
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


def dumps_compact(obj: Any) -> str:
    """Compact JSON text: UTF-8 characters kept, no spaces, key order kept."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def escape_json_text(data: bytes) -> bytes:
    """The body of the JSON string literal for UTF-8 JSON text made by :func:`dumps_compact`.

    Such text has no raw control characters (the encoder escaped them), so only backslash and
    quote need escaping: ``b'"' + escape_json_text(t.encode()) + b'"'`` equals
    ``json.dumps(t, ensure_ascii=False).encode()``, at a fraction of the cost.
    """
    return data.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
