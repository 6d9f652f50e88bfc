"""Typed errors raised by elmkit.

Every error elmkit raises on bad input is an :class:`ElmError`. Errors that concern a place in a
document carry ``path``: a JSON pointer (RFC 6901) into the JSON-LD form, ``""`` for the root,
whose list indexes also count a single value (:func:`resolve_pointer` follows such paths).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "ContextError",
    "DocumentTooLargeError",
    "DuplicateKeyError",
    "ElmError",
    "ElmValidationError",
    "ErrorDetail",
    "LanguageTagError",
    "MissingExtraError",
    "ModelError",
    "NetworkDisabledError",
    "ParseError",
    "SealError",
    "SignerError",
    "SourceError",
    "StructureError",
    "UnknownCodeError",
    "UnknownPropertyError",
    "UnsupportedFormatError",
    "VerificationError",
    "json_pointer",
    "resolve_pointer",
    "split_pointer",
]


def _escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def json_pointer(parts: Iterable[str | int]) -> str:
    """Join path parts into a JSON pointer: ``("a", 0, "b/c")`` -> ``"/a/0/b~1c"``."""
    return "".join("/" + _escape(p) for p in parts)


def split_pointer(path: str) -> list[str]:
    """The tokens of a JSON pointer, unescaped: the inverse of :func:`json_pointer`."""
    return [token.replace("~1", "/").replace("~0", "~") for token in path.split("/")[1:]]


def resolve_pointer(document: object, path: str) -> object:
    """The value a ``path`` of an error or finding points at in ``document`` (parsed JSON).

    Paths give a list index for every item of a property that can hold several values, also
    where the document gives a single value (JSON-LD writes one value without an array:
    ``/credentialSubject/hasClaim/0`` is the object ``hasClaim`` holds); index 0 into a single
    value reads it, and a member of a one-item array where the model holds a single value
    (``/issuer/homepage`` of ``"issuer": [{…}]``) reads that item's. Raises ``LookupError`` when
    the path leads nowhere.
    """
    if path and not path.startswith("/"):
        raise LookupError(f"not a JSON pointer: {path!r}")
    value = document
    indexed = False  # whether the value was reached by an index (a single value is read once)
    for token in split_pointer(path):
        index = _array_index(token)
        if isinstance(value, list) and len(value) == 1 and index is None and not indexed:
            value = value[0]  # a one-item array where a single value is read: that value
        if isinstance(value, dict) and (token in value or index != 0 or indexed):
            if token not in value:
                raise LookupError(f"{path!r}: no member {token!r}")
            value, indexed = value[token], False
        elif isinstance(value, list) and index is not None:
            if index >= len(value):
                raise LookupError(f"{path!r}: no item {index}")
            value, indexed = value[index], True
        elif index == 0 and not indexed and not isinstance(value, list):
            indexed = True  # the one value of a property JSON-LD wrote without an array
        else:
            raise LookupError(f"{path!r}: {token!r} into a {type(value).__name__}")
    return value


def _array_index(token: str) -> int | None:
    """The array index a pointer token is (ASCII digits, no leading zero), or None."""
    if token == "0" or (token.isascii() and token.isdigit() and token[0] != "0"):
        return int(token)
    return None


class ElmError(Exception):
    """Base class of every error elmkit raises about its input or configuration."""

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        if self.path:
            return f"{self.message} (at {self.path})"
        return self.message


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One problem found while building a model object."""

    path: str
    message: str
    kind: str


class ModelError(ElmError):
    """Data does not fit the ELM model (wrong type, malformed value)."""


class ElmValidationError(ModelError):
    """One or more values did not fit the model; ``details`` lists every one with its path."""

    def __init__(self, details: Sequence[ErrorDetail]) -> None:
        self.details = tuple(details)
        first = self.details[0] if self.details else ErrorDetail("", "invalid data", "invalid")
        more = f" (and {len(self.details) - 1} more)" if len(self.details) > 1 else ""
        super().__init__(f"{first.message}{more}", path=first.path)

    def __str__(self) -> str:
        lines = [f"{len(self.details)} problem(s) in ELM data:"]
        lines += [f"  {d.path or '/'}: {d.message}" for d in self.details]
        return "\n".join(lines)


class LanguageTagError(ModelError):
    """A language tag is not a well-formed BCP 47 tag."""


class UnknownCodeError(ModelError, LookupError):
    """A code is not in the controlled vocabulary it was looked up in."""


class UnknownPropertyError(ModelError):
    """A property is not part of the model and strict mode is on."""


class StructureError(ModelError):
    """The document is cyclic or nested deeper than allowed."""


class ParseError(ElmError):
    """A document could not be parsed (malformed JSON, XML, Turtle...)."""


class DuplicateKeyError(ParseError):
    """A JSON object has the same member twice."""


class DocumentTooLargeError(ParseError):
    """A document exceeds the configured size limit."""


class UnsupportedFormatError(ElmError, ValueError):
    """The format asked for, or found, is not supported."""


class ContextError(ElmError):
    """A JSON-LD context is unknown or could not be resolved offline."""


class NetworkDisabledError(ContextError):
    """Something asked for the network and the caller did not allow it."""


class SourceError(ElmError):
    """An input file (definition, results) is missing or malformed."""

    def __init__(self, message: str, *, file: str = "", path: str = "", row: int | None = None) -> None:
        self.file = file
        self.row = row
        where = ", ".join(
            part for part in (file, f"row {row}" if row is not None else "") if part
        )
        super().__init__(f"{where}: {message}" if where else message, path=path)


class MissingExtraError(ElmError, ImportError):  # type: ignore[misc]  # "path" in both bases
    """A feature needs an optional extra that is not installed."""

    def __init__(self, feature: str, extra: str, missing: str) -> None:
        self.extra = extra
        self.missing = missing
        super().__init__(
            f"{feature} needs the '{extra}' extra: pip install 'elmkit[{extra}]' "
            f"({missing} is not installed)"
        )


class SealError(ElmError):
    """A credential could not be sealed."""


class SignerError(SealError):
    """The signer, its certificate or the time-stamping authority cannot seal now, whatever the
    credential: it raised, returned something unusable, or its certificate is unfit. Sealing
    other credentials with it would fail the same way."""


class VerificationError(ElmError):
    """A sealed document could not be read for verification."""
