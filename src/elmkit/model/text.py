"""Multilingual text: language-tagged strings keyed by BCP 47 tags.

>>> title = LangText({"ca-ES-valencia": "Introducció", "en": "Introduction"})
>>> title.get("ca-ES-valencia")
'Introducció'
>>> title.get("ca")          # falls back along the configured chain
'Introducció'
"""

from __future__ import annotations

import contextvars
import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from elmkit.errors import LanguageTagError

__all__ = [
    "DEFAULT_FALLBACKS",
    "NO_LANGUAGE",
    "LangText",
    "default_language",
    "normalize_tag",
    "set_default_language",
    "set_fallbacks",
]

#: The key of texts that carry no language tag (JSON-LD 1.1's ``@none``). A document may hold
#: them (``"title": "Course"``); EDC wants every text tagged, and ``edc-ap`` says so.
NO_LANGUAGE = "@none"
#: What a validation context says when the data is a JSON-LD document: a plain string there is
#: a text without a language, not a text in the default language.
JSONLD_CONTEXT = "jsonld"

#: Extra languages tried, in order, after a tag and its shorter forms. The generic tail
#: (``en``, then any language present) always follows.
DEFAULT_FALLBACKS: dict[str, tuple[str, ...]] = {
    "ca-es-valencia": ("ca", "es"),
    "ca": ("ca-es-valencia", "es"),
    "oc-aranes": ("oc", "ca", "es"),
    "oc": ("oc-aranes", "ca", "es"),
    "eu": ("es",),
    "gl": ("es", "pt"),
    "es": (),
    "ast": ("es",),
    "an": ("es",),
}

_fallbacks: contextvars.ContextVar[Mapping[str, tuple[str, ...]]] = contextvars.ContextVar(
    "elmkit_fallbacks", default=DEFAULT_FALLBACKS
)
_default_language: contextvars.ContextVar[str] = contextvars.ContextVar(
    "elmkit_default_language", default="en"
)


def set_fallbacks(chains: Mapping[str, Sequence[str]]) -> None:
    """Replace the fallback chains used by :meth:`LangText.get` (keys are language tags)."""
    _fallbacks.set({normalize_tag(k).lower(): tuple(normalize_tag(v) for v in vs) for k, vs in chains.items()})


def set_default_language(tag: str) -> None:
    """Set the language given to plain strings turned into :class:`LangText`."""
    _default_language.set(normalize_tag(tag))


def default_language() -> str:
    """The language given to plain strings turned into :class:`LangText`."""
    return _default_language.get()


#: A POSIX locale name (``ca_ES.UTF-8@valencia``), as systems and SIS exports often give one.
_POSIX_LOCALE = re.compile(r"([A-Za-z]{2,3})(?:_([A-Za-z]{2}|[0-9]{3}))?(?:\.[\w-]+)?(?:@(\w+))?")


def _posix_hint(tag: object) -> str:
    """For a POSIX locale name, the BCP 47 tag to write instead."""
    if not isinstance(tag, str) or not ("_" in tag or "@" in tag or "." in tag):
        return ""
    match = _POSIX_LOCALE.fullmatch(tag)
    if match is None:
        return ""
    language, region, variant = match.groups()
    parts = [language.lower(), *([region.upper()] if region else [])]
    if variant and len(variant) >= 5:
        parts.append(variant.lower())
    return f" (a POSIX locale name? the language tag is {'-'.join(parts)})"


@functools.lru_cache(maxsize=4096)
def normalize_tag(tag: str) -> str:
    """Validate a BCP 47 tag and return its normal form (``EN-gb`` -> ``en-GB``).

    Raises :class:`~elmkit.errors.LanguageTagError` for a malformed tag.
    """
    import langcodes
    from langcodes.tag_parser import LanguageTagError as _LangcodesTagError

    if not isinstance(tag, str) or len(tag) > 64 or not _TAG_SHAPE.fullmatch(tag):
        raise LanguageTagError(f"malformed language tag {tag!r}{_posix_hint(tag)}")
    try:
        return str(langcodes.standardize_tag(tag))
    except (_LangcodesTagError, ValueError) as exc:
        raise LanguageTagError(f"malformed language tag {tag!r}: {exc}") from exc


_TAG_SHAPE = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*|[xX](-[A-Za-z0-9]{1,8})+")


def _key(tag: str) -> str:
    return tag if tag == NO_LANGUAGE else normalize_tag(tag)


def _shorter_forms(tag: str) -> Iterator[str]:
    parts = tag.split("-")
    for end in range(len(parts) - 1, 0, -1):
        yield "-".join(parts[:end])


class LangText(Mapping[str, tuple[str, ...]]):
    """Language-tagged text: each BCP 47 tag maps to one or more strings.

    Build it from a mapping (``{"es": "Título", "ca": ["a", "b"]}``), from another
    :class:`LangText`, or from a plain string in the default language (``lang=`` overrides it).
    Tags are validated and normalised; empty strings are kept (validation reports them). Texts
    without a language, as documents may hold them, are kept under :data:`NO_LANGUAGE`.
    """

    __slots__ = ("_values",)

    _values: dict[str, tuple[str, ...]]

    def __init__(
        self,
        values: Mapping[str, str | Iterable[str]] | str | None = None,
        /,
        *,
        lang: str | None = None,
    ) -> None:
        self._values = {}
        if values is None:
            return
        if type(values) is dict:
            fast: dict[str, tuple[str, ...]] = {}
            for tag, value in values.items():
                if type(value) is not str or type(tag) is not str:
                    break
                fast[_key(tag)] = (value,)
            else:
                if len(fast) == len(values):
                    self._values = fast
                    return
        if isinstance(values, str):
            self._values[normalize_tag(lang or default_language())] = (values,)
            return
        if isinstance(values, LangText):
            self._values = dict(values._values)
            return
        if not isinstance(values, Mapping):
            raise LanguageTagError(f"multilingual text must be a mapping of language tags, got {type(values).__name__}")
        for tag, value in values.items():
            key = _key(tag)
            if isinstance(value, str):
                items: tuple[str, ...] = (value,)
            elif isinstance(value, list | tuple):
                if not all(isinstance(v, str) for v in value):
                    raise LanguageTagError(f"values for language {tag!r} must be strings")
                items = tuple(value)
            else:
                raise LanguageTagError(f"value for language {tag!r} must be a string or a list of strings")
            if items:  # an empty list holds no text (JSON-LD drops it too)
                self._values[key] = self._values.get(key, ()) + items

    # Mapping protocol
    def __getitem__(self, tag: str) -> tuple[str, ...]:
        try:
            return self._values[_key(tag)]
        except LanguageTagError:
            raise KeyError(tag) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, tag: object) -> bool:
        if not isinstance(tag, str):
            return False
        try:
            return _key(tag) in self._values
        except LanguageTagError:
            return False

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LangText):
            return self._values == other._values
        if isinstance(other, Mapping):
            try:
                return self._values == LangText(other)._values
            except LanguageTagError:
                return False
        return NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self._values.items()))

    def __repr__(self) -> str:
        return f"LangText({self.to_json()!r})"

    def __str__(self) -> str:
        return self.get() or ""

    @property
    def languages(self) -> tuple[str, ...]:
        """The language tags present, in insertion order (not :data:`NO_LANGUAGE`)."""
        return tuple(tag for tag in self._values if tag != NO_LANGUAGE)

    @property
    def untagged(self) -> tuple[str, ...]:
        """The texts that carry no language tag."""
        return self._values.get(NO_LANGUAGE, ())

    def fallback_chain(self, tag: str, chain: Sequence[str] | None = None) -> list[str]:
        """The tags :meth:`get` tries for ``tag``, most preferred first."""
        norm = normalize_tag(tag)
        order: list[str] = [norm]
        order += _shorter_forms(norm)
        extra = chain if chain is not None else _fallbacks.get().get(norm.lower(), ())
        for item in extra:
            order.append(normalize_tag(item))
        order.append("en")
        unique: dict[str, str] = {}
        for item in order:
            unique.setdefault(item.lower(), item)
        return list(unique.values())

    def resolve(self, tag: str | None = None, *, chain: Sequence[str] | None = None) -> str | None:
        """The tag whose text :meth:`get` would return, or ``None`` when empty."""
        if not self._values:
            return None
        if tag is None:
            tag = default_language()
        lowered = {k.lower(): k for k in self._values}
        norm = normalize_tag(tag)
        own = {norm.lower(), *(form.lower() for form in _shorter_forms(norm))}
        base = norm.split("-")[0].lower()
        variant = next((k for k in self._values if k.lower().split("-")[0] == base), None)
        for candidate in self.fallback_chain(tag, chain):
            if candidate.lower() not in own and variant is not None:
                # the tag and its shorter forms are not there: another variant of the same
                # language ("es-ES" for "es") comes before any other language
                return variant
            if candidate.lower() in lowered:
                return lowered[candidate.lower()]
        if variant is not None:
            return variant
        if NO_LANGUAGE in self._values:
            return NO_LANGUAGE
        return next(iter(self._values))

    def get(  # type: ignore[override]
        self, tag: str | None = None, default: str | None = None, *, chain: Sequence[str] | None = None
    ) -> str | None:
        """The first text in ``tag``, falling back along the chain, then English, then any."""
        found = self.resolve(tag, chain=chain)
        if found is None:
            return default
        return self._values[found][0]

    def get_all(self, tag: str) -> tuple[str, ...]:
        """Every text in exactly ``tag`` (no fallback)."""
        return self._values.get(_key(tag), ())

    def with_text(self, tag: str, text: str) -> LangText:
        """A copy with ``text`` set (replacing) for ``tag``."""
        copy = LangText(self)
        copy._values[_key(tag)] = (text,)
        return copy

    def to_json(self) -> dict[str, str | list[str]]:
        """The JSON-LD language map: one string per language, or a list when there are several."""
        return {k: v[0] if len(v) == 1 else list(v) for k, v in self._values.items()}

    def to_jsonld(self) -> dict[str, str | list[str]] | str | list[str]:
        """The compact JSON-LD value: the language map, or the plain string(s) when no text has a
        language (which any JSON-LD processor reads back as texts without a language)."""
        values = self._values
        if len(values) == 1 and NO_LANGUAGE in values:
            texts = values[NO_LANGUAGE]
            return texts[0] if len(texts) == 1 else list(texts)
        return self.to_json()

    @classmethod
    def _validate(cls, value: Any, info: core_schema.ValidationInfo) -> LangText:
        if type(value) is LangText:
            return value
        if (
            (type(value) is str or (type(value) is list and all(type(v) is str for v in value)))
            and info.context
            and info.context.get(JSONLD_CONTEXT)
        ):
            value = {NO_LANGUAGE: value}
        try:
            return cls(value)
        except LanguageTagError as exc:
            raise PydanticCustomError("language_tag", "{reason}", {"reason": exc.message}) from None

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.with_info_plain_validator_function(
            cls._validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda v: v.to_json(), when_used="always"
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "object",
            "description": "Language map: BCP 47 tag -> text (or list of texts)",
            "additionalProperties": {
                "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
            },
        }
