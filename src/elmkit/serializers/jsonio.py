"""Strict JSON reading: no duplicate members, no NaN/Infinity, bounded size and depth.

Python's :mod:`json` silently keeps the last of two equal members and accepts ``NaN``; a
credential read that way could show one thing and be signed over another, so both are refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from elmkit.errors import (
    DocumentTooLargeError,
    DuplicateKeyError,
    ParseError,
    StructureError,
    json_pointer,
)

__all__ = ["DEFAULT_MAX_BYTES", "JsonShape", "JsonSyntaxError", "parse_json", "parse_json_shape"]

#: Largest document read by default (bytes).
DEFAULT_MAX_BYTES = 20_000_000


class JsonSyntaxError(ParseError):
    """Malformed JSON; ``line`` and ``column`` (1-based) tell where, and ``file`` in which file
    (``None`` for a document given as bytes or text)."""

    def __init__(self, message: str, *, line: int, column: int, file: str | None = None) -> None:
        where = f"in the file {file}, " if file is not None else ""
        super().__init__(f"{message} ({where}line {line}, column {column})")
        self.line = line
        self.column = column
        self.file = file
        self.reason = message


class _Duplicate(dict[str, Any]):
    """An object that had a member twice (kept only until the error is raised)."""

    key: str


_CONSTANT = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)', re.DOTALL)


class _NonFinite(Exception):
    pass


def _reject_constant(name: str) -> Any:
    raise _NonFinite(name)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _find_pointer(value: Any, target: object) -> list[str | int] | None:
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack:
        item, path = stack.pop()
        if item is target:
            return path
        if isinstance(item, dict):
            stack.extend((v, [*path, k]) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, [*path, i]) for i, v in enumerate(item))
    return None


@dataclass(slots=True)
class JsonShape:
    """What parsing learned about a document's shape, at no extra pass."""

    depth: int
    """Nesting of objects and arrays (a flat object is 1)."""
    plain: bool
    """Only plain member names (no ``@`` keywords but ``@context``, and ``@none`` in language
    maps; no prefixed names), only known class terms as ``type``, no compact IRIs as values of
    IRI-valued terms."""
    contexts: int
    """How many ``@context`` members the document has."""


def _decode(data: bytes | str, max_bytes: int) -> str:
    size = len(data.encode("utf-8")) if isinstance(data, str) and len(data) * 4 > max_bytes else len(data)
    if size > max_bytes:
        raise DocumentTooLargeError(f"the document has {size} bytes, more than the limit of {max_bytes}")
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"the document is not UTF-8: {exc.reason} at byte {exc.start}") from None


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def surrogate_path(value: Any) -> str | None:
    """The JSON pointer of the first member name or string in ``value`` that holds a UTF-16
    surrogate code point (no Unicode character, so no UTF-8 either), or None."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    seen: set[int] = set()
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                return json_pointer(where)
            continue
        if id(node) in seen:  # shared, or a cycle
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            for key, item in node.items():
                if isinstance(key, str) and _SURROGATE.search(key):
                    return json_pointer((*where, key))
                stack.append((item, (*where, key)))
        elif isinstance(node, list | tuple):
            stack.extend((item, (*where, i)) for i, item in enumerate(node))
    return None


def _writes_as_utf8(value: Any) -> bool:
    """Whether ``value`` is JSON whose every text is UTF-8 (one fast pass, in Rust)."""
    from pydantic_core import PydanticSerializationError, to_json

    try:
        to_json(value)
    except (PydanticSerializationError, ValueError, RecursionError):
        return False
    return True


def check_unicode(value: Any, text: str | None = None) -> None:
    """Refuse JSON whose strings hold a lone UTF-16 surrogate (``"\\ud800"``): no Unicode text.

    With ``text`` (the JSON it was parsed from) the values are looked at only when the text
    could hold one.
    """
    if text is not None:
        if not _SURROGATE_ESCAPE.search(text) and (text.isascii() or not _SURROGATE.search(text)):
            return
    elif _writes_as_utf8(value):
        return
    where = surrogate_path(value)
    if where is not None:
        raise ParseError("a text holds a lone UTF-16 surrogate, which is not Unicode", path=where)


def parse_json(data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Parse a JSON document strictly.

    Raises :class:`~elmkit.errors.DocumentTooLargeError` beyond ``max_bytes``,
    :class:`JsonSyntaxError` (a :class:`~elmkit.errors.ParseError`) for malformed JSON or
    ``NaN``/``Infinity``, :class:`~elmkit.errors.DuplicateKeyError` with the JSON pointer of the
    repeated member, and :class:`~elmkit.errors.StructureError` for nesting too deep to parse.
    """
    text = _decode(data, max_bytes)
    value = _parse(text, None)[0]
    check_unicode(value, text)
    return value


def parse_json_shape(data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Any, JsonShape]:
    """:func:`parse_json`, also returning the document's :class:`JsonShape`."""
    from elmkit.serializers.context import STATUS_ENTRY_TYPES
    from elmkit.serializers.tables import known_type_names

    text = _decode(data, max_bytes)
    value, shape = _parse(text, known_type_names() | STATUS_ENTRY_TYPES)
    assert shape is not None
    check_unicode(value, text)
    return value, shape


def _parse(text: str, types: frozenset[str] | None) -> tuple[Any, JsonShape | None]:
    duplicates: list[_Duplicate] = []
    depths: dict[int, int] = {}
    plain = True
    contexts = 0
    if types is not None:
        from elmkit.serializers.context import holds_compact_iri, standard_term_kinds
        from elmkit.serializers.relative import has_dot_segment

        kinds = standard_term_kinds()
        iri_terms, language_maps = kinds.iri_terms, kinds.language_maps
    untagged: set[int] = set()

    def list_depth(items: Iterable[Any]) -> int:
        """How deep a list (or an object's values) nests, one level for itself."""
        nonlocal plain
        deepest = 0
        for item in items:
            kind = type(item)
            if kind is dict:
                depth = depths.get(id(item), 1)
                if untagged and id(item) in untagged:
                    plain = False
            elif kind is list:
                depth = list_depth(item)
            else:
                continue
            if depth > deepest:
                deepest = depth
        return deepest + 1

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal plain, contexts
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            marker = _Duplicate(obj)
            for key, _ in pairs:
                if key in seen:
                    marker.key = key
                    break
                seen.add(key)
            duplicates.append(marker)
            return marker
        if types is None:
            return obj
        if "@context" in obj:
            contexts += 1
        if plain:
            names = "\x00".join(obj)
            if "@" in names or ":" in names:
                special = [k for k in obj if k[:1] == "@" or ":" in k]
                if special == ["@none"]:
                    untagged.add(id(obj))
                elif special != ["@context"]:
                    plain = False
            found = obj.get("type")
            unknown_type = found is not None and not (
                found in types
                if type(found) is str
                else type(found) is list and all(type(n) is str and n in types for n in found)
            )
            if unknown_type:
                plain = False
        deepest = 0
        for name, item in pairs:
            kind = type(item)
            if kind is dict:
                depth = depths.get(id(item), 1)
                if untagged and id(item) in untagged and name not in language_maps:
                    plain = False
            elif kind is list:
                depth = list_depth(item)
                if plain and name in iri_terms and (
                    holds_compact_iri(item) or any(type(i) is str and has_dot_segment(i) for i in item)
                ):
                    plain = False
            else:
                if kind is str and plain and name in iri_terms:
                    if ":" in item and holds_compact_iri(item):
                        plain = False
                    elif ("/." in item or item[:1] == ".") and has_dot_segment(item):
                        plain = False  # expansion resolves the reference: a/./b is a/b
                continue
            if depth > deepest:
                deepest = depth
        depths[id(obj)] = deepest + 1
        return obj

    try:
        value = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise JsonSyntaxError(f"malformed JSON: {exc.msg}", line=exc.lineno, column=exc.colno) from None
    except _NonFinite as exc:
        match = next((m for m in _CONSTANT.finditer(text) if m.group(1)), None)
        line, column = _position(text, match.start(1)) if match else (0, 0)
        raise JsonSyntaxError(f"{exc} is not a JSON number", line=line, column=column) from None
    except RecursionError:
        raise StructureError("the JSON document is nested too deeply to be read") from None
    if duplicates:
        first = duplicates[0]
        where = _find_pointer(value, first) or []
        raise DuplicateKeyError(
            f"the member {first.key!r} appears more than once in one object",
            path=json_pointer([*where, first.key]),
        )
    if types is None:
        return value, None
    if type(value) is dict:
        depth = depths.get(id(value), 1)
        if id(value) in untagged:
            plain = False
    elif type(value) is list:
        depth = list_depth(value)
    else:
        depth = 0
    return value, JsonShape(depth=depth, plain=plain, contexts=contexts)
