"""Multilingual text: language-tagged strings keyed by BCP 47 tags.

>>> title = LangText({"ca-ES-valencia": "Introducció", "en": "Introduction"})
>>> title.get("ca-ES-valencia")
'Introducció'
>>> title.get("ca")          # falls back along the configured chain
'Introducció'
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from elmkit.errors import LanguageTagError, json_pointer

__all__ = [
    "DEFAULT_FALLBACKS",
    "GRANDFATHERED",
    "NO_LANGUAGE",
    "PUNT_VOLAT_LOOKALIKES",
    "LangText",
    "bad_characters",
    "best_match",
    "catalan_or_occitan",
    "default_language",
    "fallback_chain",
    "has_bad_characters",
    "is_blank",
    "normalize_tag",
    "punt_volat_lookalikes",
    "set_default_language",
    "set_fallbacks",
    "two_letter_language",
    "valencian_guess",
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
    """Replace the fallback chains used by :meth:`LangText.get` (keys are language tags; a
    chain of one language may be given as its tag, ``{"eu": "es"}``)."""
    _fallbacks.set(
        {normalize_tag(k).lower(): tuple(normalize_tag(v) for v in _tags(vs)) for k, vs in chains.items()}
    )


def _tags(chain: Sequence[str]) -> Sequence[str]:
    """A chain of language tags; one tag given alone (``"es"``) is a chain of one, not of its
    letters."""
    return (chain,) if isinstance(chain, str) else chain


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


#: RFC 5646 "grandfathered" tags: registered before the current syntax, some of which do not fit it.
GRANDFATHERED: frozenset[str] = frozenset(
    {
        "en-gb-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux",
        "i-mingo", "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-be-fr", "sgn-be-nl",
        "sgn-ch-de", "art-lojban", "cel-gaulish", "no-bok", "no-nyn", "zh-guoyu", "zh-hakka",
        "zh-min", "zh-min-nan", "zh-xiang",
    }
)  # fmt: skip

_ALNUM = "[A-Za-z0-9]"
#: The ``langtag`` and ``privateuse`` productions of RFC 5646 §2.1.
_TAG_SHAPE = re.compile(
    rf"""
    (?:
      (?:[A-Za-z]{{2,3}}(?:-[A-Za-z]{{3}}){{0,3}}|[A-Za-z]{{4,8}})   # language (with extlangs)
      (?:-[A-Za-z]{{4}})?                                        # script
      (?:-(?:[A-Za-z]{{2}}|[0-9]{{3}}))?                         # region
      (?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*                # variants
      (?:-[0-9A-WYZa-wyz](?:-{_ALNUM}{{2,8}})+)*                 # extensions
      (?:-[xX](?:-{_ALNUM}{{1,8}})+)?                            # private use
    |
      [xX](?:-{_ALNUM}{{1,8}})+                                  # private use only
    )
    """,
    re.VERBOSE,
)


@functools.lru_cache(maxsize=4096)
def normalize_tag(tag: str) -> str:
    """Validate a BCP 47 tag and return it in the case RFC 5646 recommends (``EN-gb`` -> ``en-GB``).

    Only the case changes: no alias is applied (``iw`` stays ``iw``, ``tl`` stays ``tl``), so a
    text keeps the tag its author gave. RFC 5646's grandfathered tags (``i-klingon``) are
    accepted. Raises :class:`~elmkit.errors.LanguageTagError` for a malformed tag, a variant or
    an extension singleton given twice (``ca-ES-valencia-valencia``) included. Whether the
    subtags are registered is not checked here (``xx`` and ``ca-XX`` are well formed).
    """
    if not isinstance(tag, str) or len(tag) > 64:
        raise LanguageTagError(f"malformed language tag {tag!r}{_posix_hint(tag)}")
    lowered = tag.lower()
    if not _TAG_SHAPE.fullmatch(tag) and lowered not in GRANDFATHERED:
        raise LanguageTagError(f"malformed language tag {tag!r}{_posix_hint(tag)}")
    parts = lowered.split("-")
    repeated = _repeated_subtag(parts) if lowered not in GRANDFATHERED else None
    if repeated is not None:
        raise LanguageTagError(
            f"malformed language tag {tag!r}: {repeated!r} appears twice (RFC 5646 allows each "
            "variant and each extension singleton once)"
        )
    out = [parts[0]]
    singleton = len(parts[0]) == 1
    for part in parts[1:]:
        if len(part) == 1:
            singleton = True
        if not singleton and len(part) == 2:
            part = part.upper()
        elif not singleton and len(part) == 4 and part.isalpha():
            part = part.title()
        out.append(part)
    return "-".join(out)


def _repeated_subtag(parts: list[str]) -> str | None:
    """The first variant or extension singleton that a lower-case tag's ``parts`` give twice
    (``ca-ES-valencia-valencia``), which RFC 5646 §2.2.5 and §2.2.6 forbid; None otherwise."""
    if len(parts) < 3 or parts[0] == "x":
        return None
    seen: set[str] = set()
    singleton = False
    for part in parts[1:]:
        if part == "x":
            return None  # private use: anything goes
        if len(part) == 1:
            singleton = True
        elif singleton or not (len(part) >= 5 or (len(part) == 4 and part[0].isdigit())):
            continue  # an extension's subtag, an extlang, a script or a region
        if part in seen:
            return part
        seen.add(part)
    return None


@functools.lru_cache(maxsize=1024)
def two_letter_language(code: str) -> str | None:
    """For the three-letter ISO 639-2 (T or B) or ISO 639-3 code of a language that has a
    two-letter ISO 639-1 code (``cat``, ``spa``, ``eng``, ``eus``, ``baq``, ``glg``), the
    two-letter code, which is the language's only BCP 47 subtag (``ca``, ``es``, ``en``, ``eu``,
    ``gl``); None for any other code (``ast`` and ``cmn`` are BCP 47 subtags of their own)."""
    code = code.lower()
    if len(code) != 3 or not code.isalpha():
        return None
    import langcodes

    try:
        short = str(langcodes.standardize_tag(code))
        if len(short) != 2:
            return None
        language = langcodes.Language.get(short)
        codes = {str(language.to_alpha3())}
        with contextlib.suppress(LookupError):
            codes.add(str(language.to_alpha3(variant="B")))
    except (ValueError, LookupError):
        return None
    return short if code in codes else None


def _key(tag: str) -> str:
    return tag if tag == NO_LANGUAGE else normalize_tag(tag)


def _pointer(tag: object) -> str:
    """The JSON pointer of a language map's member, within the map."""
    return json_pointer([tag]) if isinstance(tag, str) else ""


def _key_at(tag: str) -> str:
    """:func:`_key`, its error pointing at the map's member (``/legalName/en_US``)."""
    try:
        return _key(tag)
    except LanguageTagError as exc:
        raise LanguageTagError(exc.message, path=_pointer(tag)) from None


def _shorter_forms(tag: str) -> Iterator[str]:
    parts = tag.split("-")
    for end in range(len(parts) - 1, 0, -1):
        yield "-".join(parts[:end])


@functools.lru_cache(maxsize=4096)
def _subtags(tag: str) -> tuple[str, str, str, tuple[str, ...]]:
    """A normalised tag as ``(language, script, region, variants)`` (lower case; ``""`` when
    absent). Extensions and private use are left out; a tag that starts with a singleton
    (``x-klingon``, ``i-default``) is its own language."""
    parts = tag.lower().split("-")
    if len(parts[0]) == 1:
        return (tag.lower(), "", "", ())
    # a three-letter code of a language with a two-letter one (cat) is that language (ca)
    language = (len(parts[0]) == 3 and two_letter_language(parts[0])) or parts[0]
    script, region = "", ""
    variants: list[str] = []
    rest = iter(parts[1:])
    for part in rest:
        if len(part) == 1:
            break
        if len(part) == 3 and part.isalpha() and not (script or region or variants):
            language += "-" + part  # an extlang
        elif len(part) == 4 and part.isalpha() and not (script or region or variants):
            script = part
        elif (len(part) == 2 or (len(part) == 3 and part.isdigit())) and not (region or variants):
            region = part
        else:
            variants.append(part)
    return (language, script, region, tuple(variants))


@functools.lru_cache(maxsize=4096)
def _forms(tag: str) -> tuple[str, ...]:
    """The forms of a normalised tag, most specific first: the tag; the same variants with less
    of the script and region (``ca-ES-valencia`` -> ``ca-valencia``); its shorter forms; the bare
    language."""
    language, script, region, variants = _subtags(tag)
    order = [tag]
    if variants:
        tail = "-".join(variants)
        for keep_script, keep_region in ((True, True), (False, True), (True, False), (False, False)):
            pieces = [language]
            if keep_script and script:
                pieces.append(script.title())
            if keep_region and region:
                pieces.append(region.upper())
            order.append(normalize_tag("-".join([*pieces, tail])))
    order += _shorter_forms(tag)
    order.append(language)
    return tuple(dict.fromkeys(order))


def _satisfies(key: str, step: str) -> bool:
    """Whether a text in ``key`` answers the ``step`` of a fallback chain: the same tag; for a
    step with variants, the same language with the same variants (``ca-ES-valencia`` for
    ``ca-valencia``); for a bare language, any tag of that language (``ca-ES`` for ``ca``)."""
    if key.lower() == step.lower():
        return True
    language, script, region, variants = _subtags(step)
    if variants:
        return _same_variety(key, step)
    return not (script or region) and step.lower() == language and _subtags(key)[0] == language


def _same_variety(one: str, other: str) -> bool:
    """Whether two tags name the same language with the same variants, which are not none
    (``ca-valencia`` and ``ca-ES-valencia``)."""
    a, b = _subtags(one), _subtags(other)
    return bool(a[3]) and a[0] == b[0] and set(a[3]) == set(b[3])


def _configured_fallbacks(norm: str, table: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The configured extra languages of the first form of ``norm`` that has an entry (a key
    with variants also answers the same variants in another form: ``ca-valencia`` takes the
    chain of ``ca-ES-valencia``)."""
    for form in _forms(norm):
        extra = table.get(form.lower())
        if extra is not None:
            return extra
        for key, extra in table.items():
            if _same_variety(key, form):
                return extra
    return ()


def fallback_chain(tag: str, chain: Sequence[str] | None = None) -> list[str]:
    """The steps tried for ``tag``, most preferred first: the tag, the same variants in another
    form, its shorter forms and bare language, the configured chain (or ``chain``), then ``en``.

    A step is answered by a text in the same tag; a step with variants by the same language and
    variants in another form; a bare language by any tag of that language (see
    :func:`best_match`).
    """
    norm = normalize_tag(tag)
    order: list[str] = list(_forms(norm))
    extra = _tags(chain) if chain is not None else _configured_fallbacks(norm, _fallbacks.get())
    for item in extra:
        order.append(normalize_tag(item))
    order.append("en")
    unique: dict[str, str] = {}
    for item in order:
        unique.setdefault(item.lower(), item)
    return list(unique.values())


def best_match(tag: str, available: Iterable[str], chain: Sequence[str] | None = None) -> str | None:
    """The tag of ``available`` that the first step of :func:`fallback_chain` it can answer
    picks (the same tag before another form; of several that answer a step, the one with the
    fewest subtags, then the first given), or ``None`` when no step is answered."""
    keys = [key for key in available if key != NO_LANGUAGE]
    if not keys:
        return None
    for step in fallback_chain(tag, chain):
        lowered = step.lower()
        exact = next((key for key in keys if key.lower() == lowered), None)
        if exact is not None:
            return exact
        answers = [key for key in keys if _satisfies(key, step)]
        if answers:  # the closest form (ca-ES before ca-ES-valencia for ca), then the first
            return min(answers, key=lambda key: key.count("-"))
    return None


#: Characters that show nothing, beyond white space and format characters (Hangul fillers,
#: the blank Braille pattern).
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_BLANK_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})


def is_blank(text: str) -> bool:
    """Whether ``text`` shows nothing: empty, or only white space and invisible characters
    (zero-width space U+200B, byte order mark U+FEFF, …)."""
    first = text[:1]
    if first.isalnum() and first not in _INVISIBLE:  # what most texts start with
        return False
    for char in text:
        if char not in _INVISIBLE and unicodedata.category(char) not in _BLANK_CATEGORIES:
            return False
    return True


_BAD_CHARACTER = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff"
    + "".join(
        f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)
    )
    + "]"
)


#: The ASCII characters a text may hold: the printable ones, tab and line breaks.
_TEXT_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n\r"


def has_bad_characters(text: str) -> bool:
    """Whether ``text`` holds a character no text should hold (see :func:`bad_characters`).

    Fast for what texts are: ``str.isprintable`` passes most of them; long ASCII (a data URI)
    is checked by deleting the characters it may hold, other text by the full pattern."""
    ascii_ = text.isascii()
    if not (ascii_ and len(text) > 256) and text.isprintable():
        return False  # no control, unassigned or surrogate character: nothing to find
    if ascii_:
        return bool(text.encode("ascii").translate(None, _TEXT_ASCII))
    return _BAD_CHARACTER.search(text) is not None


def bad_characters(text: str) -> list[str]:
    """The characters of ``text`` that no text should hold, each once: control characters
    other than tab, line feed and carriage return, Unicode non-characters and lone surrogates."""
    if not has_bad_characters(text):
        return []
    return list(dict.fromkeys(_BAD_CHARACTER.findall(text)))


#: Characters written between two ``l`` for the punt volat of Catalan and Occitan (``l·l``,
#: U+00B7 MIDDLE DOT) that are not it, with their Unicode names.
PUNT_VOLAT_LOOKALIKES: Mapping[str, str] = {
    "\u2027": "HYPHENATION POINT",
    "\u0387": "GREEK ANO TELEIA",
    "\u2022": "BULLET",
    "\u2219": "BULLET OPERATOR",
    "\u22c5": "DOT OPERATOR",
    "\u2e31": "WORD SEPARATOR MIDDLE DOT",
    "\u30fb": "KATAKANA MIDDLE DOT",
    "\uff65": "HALFWIDTH KATAKANA MIDDLE DOT",
    "\ua78f": "LATIN LETTER SINOLOGICAL DOT",
    ".": "FULL STOP",
}
_VOWEL = "aeiouàèéíïòóúü"
#: ``l?l``, ``?`` a look-alike; a full stop only in lower case before a vowel (``col.lecció``,
#: never ``vall.llarga``, ``portal.lleida`` or ``juliol.Les``). That a letter comes first is
#: checked after the match.
_OTHER_DOTS = "".join(c for c in PUNT_VOLAT_LOOKALIKES if c != ".")
_PUNT_VOLAT = re.compile(rf"[lL][{_OTHER_DOTS}][lL]|l\.l(?=[{_VOWEL}])")
_SPACE = re.compile(r"\s")
_PUNCTUATION = ".,;:!?¡¿\"'«»"
#: What a word with a full stop holds when it is code, an address or an abbreviation, not
#: Catalan (``model.load()``, ``portal.lavirtual.cat``, ``ana@x.cat``).
_NOT_A_WORD = re.compile(r"[/@()\[\]{}_=<>:;\\]|\..*\.|^www\.", re.IGNORECASE)


def punt_volat_lookalikes(text: str, *, full_stops: bool = True) -> list[str]:
    """The look-alikes of the punt volat in ``text``, each once, as written (``l.l``,
    ``l\u2027l``): a character of :data:`PUNT_VOLAT_LOOKALIKES` between two ``l`` inside a
    word, where Catalan and Occitan write ``l·l`` (U+00B7). A full stop counts only with
    ``full_stops``, in lower case before a vowel, in a word with no other full stop and nothing
    of code or an address (it may be a sentence's end without its space, or code)."""
    if "l" not in text and "L" not in text:
        return []
    found: list[str] = []
    for match in _PUNT_VOLAT.finditer(text):
        start = match.start()
        if start == 0 or not text[start - 1].isalpha():
            continue  # not inside a word
        written = match.group()
        if written[1] == ".":
            if not full_stops or not text[start - 1].islower():
                continue
            begin = match.start()
            while begin > 0 and not text[begin - 1].isspace():
                begin -= 1
            after = _SPACE.search(text, match.end())
            word = text[begin : after.start() if after else len(text)]
            word = word.strip(_PUNCTUATION)
            if word[:1] in "([{":  # a word in brackets; not a call such as load()
                word = word[1:]
            if word[-1:] in ")]}" and not any(mark in word for mark in "([{"):
                word = word[:-1]
            word = word.strip(_PUNCTUATION)
            if _NOT_A_WORD.search(word):
                continue
        if written not in found:
            found.append(written)
    return found


def catalan_or_occitan(tag: str) -> bool:
    """Whether ``tag`` is a tag of Catalan (Valencian included) or Occitan (Aranese included),
    the languages that write ``l·l``."""
    try:
        return _subtags(_key(tag))[0] in ("ca", "oc")
    except LanguageTagError:
        return False


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
                fast[_key_at(tag)] = (value,)
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
        given: dict[str, str] = {}
        for tag, value in values.items():
            key = _key_at(tag)
            if isinstance(value, str):
                items: tuple[str, ...] = (value,)
            elif isinstance(value, list | tuple):
                # JSON-LD drops a null in a language map's array, as it drops the whole null
                items = tuple(v for v in value if v is not None)
                if not all(isinstance(v, str) for v in items):
                    raise LanguageTagError(
                        f"values for language {tag!r} must be strings", path=_pointer(tag)
                    )
            elif value is None:
                continue  # no text (JSON-LD ignores a null in a language map)
            else:
                raise LanguageTagError(
                    f"value for language {tag!r} must be a string or a list of strings",
                    path=_pointer(tag),
                )
            first = given.setdefault(key, tag)
            if first != tag:
                # two keys that differ only in case: one language given twice
                if items == self._values.get(key, ()):
                    continue
                raise LanguageTagError(
                    f"language tags {first!r} and {tag!r} are the same tag ({key}) with different "
                    "texts: keep one",
                    path=_pointer(tag),
                )
            if items:  # an empty list holds no text (JSON-LD drops it too)
                self._values[key] = items

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
        """The steps :meth:`get` tries for ``tag``, most preferred first (see
        :func:`fallback_chain`)."""
        return fallback_chain(tag, chain)

    def resolve(self, tag: str | None = None, *, chain: Sequence[str] | None = None) -> str | None:
        """The tag whose text :meth:`get` would return, or ``None`` when empty.

        Texts that show nothing (empty, white space, zero-width characters) are passed over
        while a text elsewhere in the chain, untagged or in any language shows something.
        """
        values = self._values
        if not values:
            return None
        if tag is None:
            tag = default_language()
        found = best_match(tag, values, chain)
        if found is not None and not all(is_blank(t) for t in values[found]):
            return found  # what the pass over the texts that show something would find too
        shown = [key for key, texts in values.items() if not all(is_blank(t) for t in texts)]
        for keys in (shown, list(values)):
            found = best_match(tag, keys, chain)
            if found is not None:
                return found
            if NO_LANGUAGE in keys:
                return NO_LANGUAGE
            if keys:  # any language: the first given, the primary one as elmkit writes them
                return keys[0]
        return None  # pragma: no cover - values is not empty

    def get(  # type: ignore[override]
        self, tag: str | None = None, default: str | None = None, *, chain: Sequence[str] | None = None
    ) -> str | None:
        """The first text in ``tag``, falling back along the chain, then English, then any;
        a text that shows nothing only when no other does."""
        found = self.resolve(tag, chain=chain)
        if found is None:
            return default
        texts = self._values[found]
        return next((text for text in texts if not is_blank(text)), texts[0])

    def get_all(self, tag: str) -> tuple[str, ...]:
        """Every text in exactly ``tag`` (no fallback)."""
        return self._values.get(_key(tag), ())

    def with_text(self, tag: str, text: str) -> LangText:
        """A copy with ``text`` set (replacing) for ``tag``; the tag and the text are checked
        as the constructor checks them (:class:`~elmkit.errors.LanguageTagError`)."""
        if text is None:
            raise LanguageTagError(f"no text given for language {tag!r}")
        copy = LangText(self)
        copy._values.update(LangText({tag: text})._values)
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
            raise PydanticCustomError(
                "language_tag", "{reason}", {"reason": exc.message, "pointer": exc.path}
            ) from None

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


#: What people write for Valencian that is not its tag: ``val`` is Vehes (ISO 639-3 ``val``,
#: EU code ``VAL``), ``va`` is no language at all. Valencian is ``ca-ES-valencia`` (EU code CAT).
_VALENCIAN_GUESSES = frozenset(
    {"va", "val", "vlc", "valencia", "valencià", "valenciano", "valenciana", "valencian"}
)


def valencian_guess(tag: object) -> bool:
    """Whether ``tag`` looks like a guess at Valencian (``val``, ``va``, ``valencià``,
    ``x-val``, …) rather than its BCP 47 tag ``ca-ES-valencia``."""
    if not isinstance(tag, str):
        return False
    parts = re.split(r"[-_]", tag.strip().lower())
    if parts[0] == "x" and len(parts) > 1:
        parts = parts[1:]
    return parts[0] in _VALENCIAN_GUESSES
