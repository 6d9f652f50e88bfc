"""Controlled vocabularies of the ELM: EQF, NQF, credit systems, languages, countries, ISCED-F...

Every list is shipped with elmkit (``vocab_data/``) and read lazily, the first time it is used.
Look-ups take a code (``"ESP"``, ``6``, ``"ECTS"``), a concept IRI or an English label; language
look-ups also take BCP 47 tags (``"ca-ES-valencia"`` -> ``CAT``)::

    from elmkit.model import vocab

    vocab.eqf(6).iri                      # 'http://data.europa.eu/snb/eqf/6'
    vocab.language("gl").notation         # 'GLG'
    vocab.country("ES").to_jsonld()       # {'id': '.../country/ESP', 'type': 'Concept', ...}
    vocab.lookup("mode", "Blended")

An unknown code raises :class:`elmkit.errors.UnknownCodeError` with close matches. Data that
carries concepts from lists elmkit does not ship is never rejected here: use :func:`scheme_of`
and :func:`is_in_scheme` to write validation rules.
"""

from __future__ import annotations

import contextlib
import difflib
import gzip
import json
import re
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from elmkit.errors import LanguageTagError, UnknownCodeError

if TYPE_CHECKING:
    from elmkit.model.classes import Concept

__all__ = [
    "DATA_DIR",
    "MECES_TO_MECU",
    "CvRule",
    "TagProblem",
    "VocabEntry",
    "Vocabulary",
    "accreditation_type",
    "assessment_type",
    "atu",
    "content_encoding",
    "country",
    "credential_profile",
    "credit_system",
    "currency",
    "cv_rules",
    "entitlement_status",
    "entitlement_type",
    "eqf",
    "evidence_type",
    "file_type",
    "find_concept",
    "human_sex",
    "is_in_scheme",
    "isced_f",
    "language",
    "language_authority_iri",
    "language_set",
    "language_tag",
    "language_tag_problem",
    "learning_activity_type",
    "learning_opportunity_type",
    "learning_schedule",
    "learning_setting",
    "lookup",
    "mode",
    "nqf",
    "scheme_of",
    "schemes",
    "skill_reuse_level",
    "skill_type",
    "supervision_verification",
    "target_group",
    "verification_check",
    "verification_status",
    "vocabulary",
]

DATA_DIR: Final = Path(__file__).resolve().parent / "vocab_data"
FORMAT_VERSION: Final = 1
_EMPTY: Final[Mapping[str, str]] = MappingProxyType({})
_TAG_SHAPE: Final = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
_WELL_FORMED: Final = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*|[xX](?:-[A-Za-z0-9]{1,8})+")
_LOCK = threading.RLock()


def _fold(text: str) -> str:
    """The form codes and labels are compared in: NFC, single spaces, case-folded."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


@dataclass(frozen=True, slots=True)
class VocabEntry:
    """One concept of a controlled vocabulary.

    ``notation`` is the code used to look it up (``ENG``, ``6``, ``0688``, ``ECTS``; for lists
    whose IRIs end in an opaque id, that id). ``labels`` maps language tags to prefLabels (English
    always from the published list; other languages only where the published data gives them).
    ``aliases`` are further look-up codes (ISO alpha-2 for countries, language names...).
    """

    iri: str
    scheme: str
    notation: str
    labels: Mapping[str, str] = field(default_factory=lambda: _EMPTY, compare=False)
    aliases: tuple[str, ...] = field(default=(), compare=False)
    scheme_name: str = field(default="", compare=False)

    @property
    def label(self) -> str:
        """The English prefLabel, or ``""`` when the list gives none."""
        return self.labels.get("en", "")

    def label_for(self, lang: str, fallback: str | None = "en") -> str | None:
        """The prefLabel in ``lang`` (or its language part), else in ``fallback``, else None."""
        for tag in (lang, lang.split("-", 1)[0].lower()):
            if tag in self.labels:
                return self.labels[tag]
        return self.labels.get(fallback) if fallback is not None else None

    def to_jsonld(self, *, notation: bool = True) -> dict[str, Any]:
        """The concept as an ELM JSON-LD node (``id``, ``type``, ``inScheme``, ``notation``,
        ``prefLabel``); ``prefLabel`` is left out when the list gives no label."""
        node: dict[str, Any] = {
            "id": self.iri,
            "type": "Concept",
            "inScheme": {"id": self.scheme, "type": "ConceptScheme"},
        }
        if notation:
            node["notation"] = self.notation
        if self.labels:
            node["prefLabel"] = dict(self.labels)
        return node

    def to_concept(self, *, notation: bool = True) -> Concept:
        """The concept as the model's :class:`~elmkit.model.classes.Concept`."""
        from elmkit.model.classes import Concept

        return Concept.model_validate(self.to_jsonld(notation=notation))

    def __repr__(self) -> str:
        label = f" {self.label!r}" if self.label else ""
        return f"<VocabEntry {self.scheme_name}:{self.notation}{label}>"


@dataclass(frozen=True, slots=True)
class CvRule:
    """A property whose values must be concepts of one scheme (EDC ``full`` shapes)."""

    class_iri: str
    class_term: str
    property_iri: str
    term: str
    scheme: str


@dataclass(frozen=True, slots=True)
class _Tables:
    entries: tuple[VocabEntry, ...]
    by_iri: Mapping[str, VocabEntry]
    by_key: Mapping[str, VocabEntry]
    by_label: Mapping[str, tuple[VocabEntry, ...]]


class Vocabulary:
    """One controlled vocabulary (a SKOS concept scheme) as shipped with elmkit.

    Iterating yields :class:`VocabEntry` objects in the published order; ``code in vocabulary``
    accepts IRIs, codes, labels and entries. The entries are read on first use.
    """

    __slots__ = ("_choices", "_meta", "_tables")

    def __init__(self, meta: Mapping[str, Any]) -> None:
        self._meta = meta
        self._tables: _Tables | None = None
        self._choices: dict[str, VocabEntry] | None = None

    @property
    def name(self) -> str:
        """Short name used by :func:`lookup` (``"eqf"``, ``"language"``, ``"isced-f"``...)."""
        return str(self._meta["name"])

    @property
    def iri(self) -> str:
        """The scheme IRI concepts of this list carry in ``inScheme``."""
        return str(self._meta["iri"])

    @property
    def title(self) -> str:
        return str(self._meta["title"])

    @property
    def base(self) -> str:
        """The namespace every concept IRI of the list starts with."""
        return str(self._meta["base"])

    @property
    def source(self) -> str:
        """Where the list comes from."""
        return str(self._meta["source"])

    @property
    def note(self) -> str:
        return str(self._meta.get("note", ""))

    @property
    def complete(self) -> bool:
        """False for lists collected from published credentials, which may lack concepts."""
        return bool(self._meta["complete"])

    def __len__(self) -> int:
        return int(self._meta["count"])

    def __iter__(self) -> Iterator[VocabEntry]:
        return iter(self._load().entries)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, VocabEntry):
            return self._load().by_iri.get(item.iri) == item
        return bool(self._resolve(item))

    def __repr__(self) -> str:
        return f"<Vocabulary {self.name} ({len(self)} concepts) {self.iri}>"

    def entries(self) -> tuple[VocabEntry, ...]:
        """All concepts, in the published order."""
        return self._load().entries

    def iris(self) -> frozenset[str]:
        """The concept IRIs of the list."""
        return frozenset(self._load().by_iri)

    def contains_iri(self, iri: str) -> bool:
        """Whether ``iri`` is the IRI of a concept of this list (exact match)."""
        return iri in self._load().by_iri

    def find(self, code: object) -> VocabEntry | None:
        """Like :meth:`get`, but None when nothing (or more than one concept) matches."""
        found = self._resolve(code)
        return found[0] if len(found) == 1 else None

    def get(self, code: object) -> VocabEntry:
        """The concept for an IRI, a code or a label.

        Tried in this order: the exact concept IRI; codes and aliases (case-insensitive); labels
        in any language (case- and space-insensitive); for languages, BCP 47 tags. Raises
        :class:`~elmkit.errors.UnknownCodeError` when nothing matches, or when a label names
        several concepts (ISCED-F reuses some names across levels).
        """
        found = self._resolve(code)
        if len(found) == 1:
            return found[0]
        if found:
            listed = ", ".join(f"{e.notation} ({e.label})" for e in found[:6])
            raise UnknownCodeError(
                f"{code!r} names {len(found)} concepts of the {self.name} vocabulary: {listed}; "
                "use a code or an IRI"
            )
        raise UnknownCodeError(self._unknown_message(code))

    def _resolve(self, code: object) -> tuple[VocabEntry, ...]:
        if isinstance(code, bool) or not isinstance(code, str | int):
            return ()
        text = str(code).strip()
        if not text:
            return ()
        tables = self._load()
        folded = _fold(text)
        entry = tables.by_iri.get(text) or tables.by_key.get(folded)
        if entry is not None:
            return (entry,)
        labelled = tables.by_label.get(folded, ())
        if len(labelled) == 1:
            return labelled
        entry = self._resolve_extra(text, tables)
        return (entry,) if entry is not None else labelled

    def _resolve_extra(self, text: str, tables: _Tables) -> VocabEntry | None:
        """Hook for list-specific code forms (BCP 47 tags for languages)."""
        return None

    def _unknown_message(self, code: object) -> str:
        if isinstance(code, bool) or not isinstance(code, str | int):
            return (
                f"a code of the {self.name} vocabulary must be a string, not {type(code).__name__}"
            )
        message = f"{str(code)!r} is not a code of the {self.name} vocabulary ({self.iri})"
        close = self._close_matches(str(code))
        if close:
            message += "; close matches: " + ", ".join(close)
        return message

    def _close_matches(self, text: str, n: int = 3) -> list[str]:
        shown = self._choices
        if shown is None:
            shown = {}
            for entry in self._load().entries:
                for key in (entry.notation, *entry.aliases, *entry.labels.values()):
                    shown.setdefault(_fold(key), entry)
            self._choices = shown
        folded = _fold(text)
        if not folded:
            return []
        hits = difflib.get_close_matches(folded, list(shown), n=n, cutoff=0.6)
        out: list[str] = []
        for hit in hits:
            entry = shown[hit]
            text_ = f"{entry.notation} ({entry.label})" if entry.label else entry.notation
            if text_ not in out:
                out.append(text_)
        return out

    def _load(self) -> _Tables:
        tables = self._tables
        if tables is not None:
            return tables
        with _LOCK:
            if self._tables is None:
                self._tables = self._build(_read_json(str(self._meta["file"])))
            return self._tables

    def _build(self, data: Mapping[str, Any]) -> _Tables:
        if (
            data.get("format") != FORMAT_VERSION
            or data.get("name") != self.name
            or data.get("iri") != self.iri
            or data.get("base") != self.base
        ):
            raise RuntimeError(f"elmkit vocabulary file for {self.name} does not match its index")
        entries: list[VocabEntry] = []
        by_iri: dict[str, VocabEntry] = {}
        by_key: dict[str, VocabEntry] = {}
        by_label: dict[str, list[VocabEntry]] = {}
        for row in data["entries"]:
            local, raw_labels = row[0], row[1]
            extra: Mapping[str, Any] = row[2] if len(row) > 2 else {}
            if isinstance(raw_labels, str):
                labels = MappingProxyType({"en": raw_labels}) if raw_labels else _EMPTY
            else:
                labels = MappingProxyType(dict(raw_labels))
            notation = str(extra.get("notation", local))
            aliases = tuple(str(a) for a in extra.get("aliases", ()))
            entry = VocabEntry(
                iri=self.base + local,
                scheme=self.iri,
                notation=notation,
                labels=labels,
                aliases=aliases,
                scheme_name=self.name,
            )
            entries.append(entry)
            by_iri[entry.iri] = entry
            for key in (local, notation, *aliases):
                by_key.setdefault(_fold(key), entry)
            for text in labels.values():
                bucket = by_label.setdefault(_fold(text), [])
                if entry not in bucket:
                    bucket.append(entry)
        if len(entries) != len(self):
            raise RuntimeError(f"elmkit vocabulary file for {self.name} is incomplete")
        return _Tables(
            entries=tuple(entries),
            by_iri=MappingProxyType(by_iri),
            by_key=MappingProxyType(by_key),
            by_label=MappingProxyType({k: tuple(v) for k, v in by_label.items()}),
        )


class _LanguageVocabulary(Vocabulary):
    """The EU language table, which also resolves BCP 47 tags."""

    __slots__ = ()

    def _unknown_message(self, code: object) -> str:
        from elmkit.model.text import valencian_guess

        if valencian_guess(code):
            return (
                f"{code!r} is not a code of the {self.name} vocabulary ({self.iri}): Valencian is "
                "the language tag ca-ES-valencia (code CAT, Catalan); VAL is Vehes, another language"
            )
        return super()._unknown_message(code)

    def _resolve_extra(self, text: str, tables: _Tables) -> VocabEntry | None:
        if not _TAG_SHAPE.fullmatch(text):
            return None
        try:
            candidates = _tag_codes(text)
        except (ValueError, LookupError):
            return None
        for code in candidates:
            entry = tables.by_key.get(code.casefold())
            if entry is not None:
                return entry
        return None


#: A MECES level as written in Spain: "MECES 3", "MECES-3", "MECES nivel 3", "meces level 3".
_MECES: Final = re.compile(r"meces[\s_-]*(?:(?:nivel|nivell|level|maila)\s*)?(\d+)")

#: MECES level -> level of the MECU, the Spanish NQF in the EU list (RD 1027/2011 as amended
#: by RD 22/2015: MECES 1-4 = EQF 5-8; RD 272/2022: MECU levels 1-8 = EQF 1-8).
MECES_TO_MECU: Final[Mapping[int, int]] = MappingProxyType({1: 5, 2: 6, 3: 7, 4: 8})


class _NqfVocabulary(Vocabulary):
    """The national frameworks and levels, which also resolves a MECES level (Spain's framework
    for higher education, absent from the EU list) to the MECU level it corresponds to."""

    __slots__ = ()

    def _resolve_extra(self, text: str, tables: _Tables) -> VocabEntry | None:
        match = _MECES.fullmatch(_fold(text))
        mecu = MECES_TO_MECU.get(int(match.group(1))) if match else None
        if mecu is None:
            return None
        found = tables.by_label.get(_fold(f"MECU Level {mecu}"), ())
        return found[0] if len(found) == 1 else None

    def _unknown_message(self, code: object) -> str:
        if isinstance(code, str) and "meces" in _fold(code):
            # no close matches: "MECU Level 3" for "MECES 3" would be another level
            levels = ", ".join(f"MECES {k} = MECU Level {v}" for k, v in MECES_TO_MECU.items())
            return (
                f"{code!r} is not a MECES level: MECES has levels 1 to 4, which the {self.name} "
                f"vocabulary ({self.iri}) lists as levels of the MECU ({levels})"
            )
        return super()._unknown_message(code)


@dataclass(frozen=True, slots=True)
class _Registry:
    vocabularies: Mapping[str, Vocabulary]
    by_scheme: Mapping[str, Vocabulary]
    by_base: Mapping[str, Vocabulary]
    language_tags: Mapping[str, str]
    language_sets: Mapping[str, tuple[str, ...]]
    rules: tuple[CvRule, ...]


_REGISTRY: _Registry | None = None

#: Lists that read codes of their own beyond codes, labels and IRIs.
_VOCABULARY_CLASSES: Final[Mapping[str, type[Vocabulary]]] = MappingProxyType(
    {"language": _LanguageVocabulary, "nqf": _NqfVocabulary}
)


def _read_json(name: str) -> Any:
    path = DATA_DIR / name
    raw = path.read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return json.loads(raw)


def _registry() -> _Registry:
    global _REGISTRY
    registry = _REGISTRY
    if registry is not None:
        return registry
    with _LOCK:
        if _REGISTRY is None:
            index = _read_json("index.json")
            if index.get("format") != FORMAT_VERSION:
                raise RuntimeError("elmkit vocabulary index has an unknown format")
            vocabularies: dict[str, Vocabulary] = {}
            for meta in index["schemes"]:
                cls = _VOCABULARY_CLASSES.get(meta["name"], Vocabulary)
                vocabularies[meta["name"]] = cls(MappingProxyType(dict(meta)))
            rules = tuple(
                CvRule(r["class"], r["class_term"], r["path"], r["term"], r["scheme"])
                for r in index["cv_rules"]
            )
            _REGISTRY = _Registry(
                vocabularies=MappingProxyType(vocabularies),
                by_scheme=MappingProxyType({v.iri: v for v in vocabularies.values()}),
                by_base=MappingProxyType({v.base: v for v in vocabularies.values()}),
                language_tags=MappingProxyType(dict(index["language_tags"])),
                language_sets=MappingProxyType(
                    {k: tuple(v) for k, v in index["language_sets"].items()}
                ),
                rules=rules,
            )
        return _REGISTRY


def schemes() -> tuple[Vocabulary, ...]:
    """Every vocabulary shipped with elmkit (their entries are read only when used)."""
    return tuple(_registry().vocabularies.values())


def vocabulary(name: str) -> Vocabulary:
    """A vocabulary by short name (``"isced-f"`` or ``"isced_f"``) or by scheme IRI."""
    registry = _registry()
    if isinstance(name, str):
        found = registry.by_scheme.get(name.strip()) or registry.vocabularies.get(
            name.strip().lower().replace("_", "-")
        )
        if found is not None:
            return found
    known = list(registry.vocabularies)
    close = difflib.get_close_matches(str(name).lower().replace("_", "-"), known, n=3)
    hint = f"; close matches: {', '.join(close)}" if close else f"; known: {', '.join(known)}"
    raise UnknownCodeError(f"{name!r} is not a vocabulary shipped with elmkit{hint}")


def lookup(scheme: str, code: str | int) -> VocabEntry:
    """The concept ``code`` (code, IRI or label) of vocabulary ``scheme`` (name or IRI)."""
    return vocabulary(scheme).get(code)


def find_concept(iri: str) -> VocabEntry | None:
    """The shipped concept with this IRI, from whichever vocabulary holds it."""
    vocab = scheme_of(iri)
    return vocab.get(iri) if vocab is not None else None


def scheme_of(iri: str) -> Vocabulary | None:
    """The shipped vocabulary that holds concept ``iri``, or None (unknown or not shipped)."""
    if not isinstance(iri, str) or "/" not in iri:
        return None
    vocab = _registry().by_base.get(iri.rsplit("/", 1)[0] + "/")
    return vocab if vocab is not None and vocab.contains_iri(iri) else None


def is_in_scheme(iri: str, scheme_iri: str) -> bool:
    """Whether concept ``iri`` belongs to the shipped vocabulary whose scheme IRI is given.

    False as well for schemes elmkit does not ship; lists with ``complete == False`` may lack
    real concepts, so rules built on them should only warn.
    """
    if not isinstance(scheme_iri, str) or not isinstance(iri, str):
        return False
    vocab = _registry().by_scheme.get(scheme_iri)
    return vocab is not None and vocab.contains_iri(iri)


def cv_rules() -> tuple[CvRule, ...]:
    """Which property of which class takes concepts from which scheme (EDC ``full`` shapes)."""
    return _registry().rules


# --- languages ---------------------------------------------------------------------------------


@lru_cache(maxsize=2048)
def _tag_codes(tag: str) -> tuple[str, ...]:
    """Candidate EU language codes for a BCP 47 tag, best first (raises ValueError if malformed)."""
    import langcodes

    standard = langcodes.standardize_tag(tag.replace("_", "-"))
    overrides = _registry().language_tags
    parts = standard.lower().split("-")
    for end in range(len(parts), 0, -1):
        code = overrides.get("-".join(parts[:end]))
        if code is not None:
            return (code,)
    codes: list[str] = []
    given = tag.replace("_", "-").lower().split("-")
    # a tag's own language first (tl is Tagalog, which CLDR would alias to Filipino), then its
    # standard form (the IANA preferred value of a deprecated tag: mo is Romanian); the standard
    # form only for an extended language (zh-yue is Cantonese) or a sign language (sgn-GB)
    whole = len(given) > 1 and ((len(given[1]) == 3 and given[1].isalpha()) or given[0] == "sgn")
    readings = [langcodes.Language.get(standard)]
    if not whole:
        readings.insert(0, langcodes.Language.get(tag.replace("_", "-"), normalize=False))
    for found in readings:
        if found.language is None:
            continue
        with contextlib.suppress(LookupError):
            codes.append(str(found.to_alpha3()).upper())
        with contextlib.suppress(LookupError):
            codes.append(str(found.to_alpha3(variant="B")).upper())
    if not codes:
        raise LookupError(tag)
    return tuple(dict.fromkeys(codes))


def language(code: str) -> VocabEntry:
    """A language of the EU authority table by EU code (``SPA``), BCP 47 tag (``es``,
    ``ca-ES-valencia`` -> ``CAT``, ``oc-aranes`` -> ``OCI``), IRI or English name."""
    return vocabulary("language").get(code)


def language_authority_iri(tag: str) -> str:
    """The EU language authority IRI for a BCP 47 tag (``"eu"`` -> ``.../language/EUS``).

    Raises :class:`~elmkit.errors.LanguageTagError` for a malformed tag and
    :class:`~elmkit.errors.UnknownCodeError` for a language the EU table does not list.
    """
    text = tag.strip() if isinstance(tag, str) else ""
    if len(text) > 64 or not _WELL_FORMED.fullmatch(text):
        raise LanguageTagError(f"{tag!r} is not a well-formed BCP 47 language tag")
    try:
        codes = _tag_codes(text)
    except ValueError as exc:
        raise LanguageTagError(f"{text!r} is not a well-formed BCP 47 language tag") from exc
    except LookupError:
        codes = ()
    vocab = vocabulary("language")
    for code in codes:
        entry = vocab.find(code)
        if entry is not None and entry.notation.casefold() == code.casefold():
            return entry.iri
    raise UnknownCodeError(f"language tag {text!r} has no entry in the EU language table")


#: ISO 639 codes that name no language (BCP 47 allows them as tags).
_NOT_A_LANGUAGE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "und": "undetermined",
        "mul": "multiple languages",
        "mis": "a language without a code",
        "zxx": "no linguistic content",
    }
)


@dataclass(frozen=True, slots=True)
class TagProblem:
    """Why a well-formed BCP 47 tag names no language a credential can be written in.

    ``kind`` is ``not-a-language`` (``und``, ``mul``, ``mis``, ``zxx``, the private-use codes
    ``qaa``–``qtz`` and ``x-`` tags), ``three-letter`` (the ISO 639-2/3 code of a language whose
    tag is its two-letter code: ``cat``; ``suggestion`` is the tag to write, ``ca``),
    ``unknown-language`` (no language of the EU language table: ``xx``), ``region`` (no country
    or region code: ``ca-XX``), ``eu-country-code`` (the EU's own code of a country as region,
    ``el-EL`` and ``en-UK``, where BCP 47 takes ISO 3166-1's ``GR`` and ``GB``; ``suggestion``
    is the tag to write) or ``subtag`` (a script or variant the IANA registry does not hold:
    ``ca-ES-foobar``). ``subtag`` is the subtag at fault; ``message`` says it in English.
    """

    kind: str
    tag: str
    subtag: str
    message: str
    suggestion: str = ""


@lru_cache(maxsize=1024)
def language_tag_problem(tag: str) -> TagProblem | None:
    """What keeps a language tag from naming a language a credential is written in, or None.

    Checks the language against the EU language table (and the codes that name no language),
    a two-letter region against the EU country table, numeric regions, scripts and variants
    against the IANA registry as ``langcodes`` holds it. Raises
    :class:`~elmkit.errors.LanguageTagError` for a malformed tag.
    """
    from langcodes import tag_is_valid

    from elmkit.model.text import GRANDFATHERED, _subtags, normalize_tag, two_letter_language

    norm = normalize_tag(tag)
    parts = norm.split("-")
    language = parts[0].lower()
    if len(language) == 1 or norm.lower() in GRANDFATHERED:
        return TagProblem(
            "not-a-language", norm, norm,
            f"{norm!r} is a private-use or grandfathered tag, which names no language of the "
            "EU language table",
        )
    if language in _NOT_A_LANGUAGE or ("qaa" <= language <= "qtz" and len(language) == 3):
        what = _NOT_A_LANGUAGE.get(language, "a private-use code")
        return TagProblem(
            "not-a-language", norm, language,
            f"{norm!r} names no language ({language!r}: {what}): give the language the texts are "
            "written in",
        )
    short = two_letter_language(language)
    if short is not None:
        written = "-".join([short, *parts[1:]])
        return TagProblem(
            "three-letter", norm, language,
            f"{norm!r} is no BCP 47 tag: {language!r} is the ISO 639 three-letter code of a "
            f"language whose tag is {short!r}; write {written!r}",
            written,
        )
    known = False
    if len(language) in (2, 3):
        with contextlib.suppress(LanguageTagError, UnknownCodeError):
            language_authority_iri(language)
            known = True
    if not known:
        return TagProblem(
            "unknown-language", norm, language,
            f"{language!r} in {norm!r} is no language of the EU language table",
        )
    # extensions and private use are not checked; the normalised tag's own case is canonical
    _, script, region, variants = _subtags(norm)
    script, region = script.title(), region.upper()
    if region:
        if region.isdigit():
            valid = tag_is_valid(f"und-{region}")
        elif region.upper() in _REGIONS_NO_COUNTRY:
            valid = True
        else:
            entry = vocabulary("country")._load().by_key.get(region.casefold())
            valid = entry is not None and region.upper() in entry.aliases
            iso = _EU_COUNTRY_CODES.get(region.upper())
            if iso is not None:
                written = "-".join(iso if p == region else p for p in parts)
                return TagProblem(
                    "eu-country-code", norm, region,
                    f"{region!r} in {norm!r} is the EU's code of a country, not its ISO 3166-1 "
                    f"code, which language tags use: write {written!r}",
                    written,
                )
        if not valid:
            return TagProblem(
                "region", norm, region,
                f"{region!r} in {norm!r} is no country or region code (ISO 3166-1 alpha-2 of the "
                "EU country table, or UN M.49)",
            )
    for subtag in (script, *variants):
        if subtag and not tag_is_valid(f"und-{subtag}"):
            return TagProblem(
                "subtag", norm, subtag,
                f"{subtag!r} in {norm!r} is no script or variant of the IANA language subtag "
                "registry",
            )
    return None


#: The EU's own two-letter country codes (Interinstitutional Style Guide) that are not the ISO
#: 3166-1 codes language tags take their regions from: Greece and the United Kingdom.
_EU_COUNTRY_CODES = {"EL": "GR", "UK": "GB"}

#: Region subtags of the IANA registry that are no country of the EU table: the Canary Islands
#: (``es-IC``), Ceuta and Melilla (``es-EA``), the European Union, the Eurozone, the United
#: Nations and the territories ISO 3166 reserves (Ascension, Clipperton, Diego Garcia, Tristan
#: da Cunha).
_REGIONS_NO_COUNTRY = frozenset({"IC", "EA", "EU", "EZ", "UN", "AC", "CP", "DG", "TA"})


def language_tag(code: str) -> str:
    """The shortest BCP 47 tag for a language of the EU table (``CAT`` or its IRI -> ``ca``)."""
    import langcodes

    entry = language(code)
    try:
        return str(langcodes.standardize_tag(entry.notation.lower()))
    except ValueError:
        raise UnknownCodeError(f"{entry.notation} has no BCP 47 language tag") from None


def language_set(name: str) -> tuple[VocabEntry, ...]:
    """A named set of languages: ``"eu-official"`` (24), ``"europass"`` (the 29 languages
    Europass gives vocabulary labels in), ``"spain-official"`` (Spanish and co-official)."""
    sets = _registry().language_sets
    codes = sets.get(name) if isinstance(name, str) else None
    if codes is None:
        raise UnknownCodeError(f"{name!r} is not a language set; known: {', '.join(sets)}")
    vocab = vocabulary("language")
    return tuple(vocab.get(code) for code in codes)


# --- one accessor per list ---------------------------------------------------------------------


def eqf(level: int | str) -> VocabEntry:
    """An EQF level: ``eqf(6)``."""
    return vocabulary("eqf").get(level)


def nqf(code: str) -> VocabEntry:
    """A national framework or level by label (``"MECU Level 6"``), id or IRI; a MECES level
    (``"MECES 3"``) is the MECU level it corresponds to (``"MECU Level 7"``)."""
    return vocabulary("nqf").get(code)


def credit_system(code: str) -> VocabEntry:
    """A credit system: ``"ECTS"``, ``"ECVET"``, its IRI or name."""
    return vocabulary("credit-system").get(code)


def credential_profile(code: str) -> VocabEntry:
    """A credential type used in ``credentialProfiles``: ``"Generic"``..."""
    return vocabulary("credential-type").get(code)


def assessment_type(code: str) -> VocabEntry:
    """A learning assessment type: ``"written examination"``..."""
    return vocabulary("assessment-type").get(code)


def learning_activity_type(code: str) -> VocabEntry:
    return vocabulary("learning-activity-type").get(code)


def learning_opportunity_type(code: str) -> VocabEntry:
    return vocabulary("learning-opportunity-type").get(code)


def mode(code: str) -> VocabEntry:
    """A mode of learning and assessment: ``"Online"``, ``"Blended"``, ``"Presential"``..."""
    return vocabulary("mode").get(code)


def learning_setting(code: str) -> VocabEntry:
    """``"formal learning"`` or ``"non-formal learning"``."""
    return vocabulary("learning-setting").get(code)


def learning_schedule(code: str) -> VocabEntry:
    return vocabulary("learning-schedule").get(code)


def entitlement_type(code: str) -> VocabEntry:
    return vocabulary("entitlement-type").get(code)


def entitlement_status(code: str) -> VocabEntry:
    return vocabulary("entitlement-status").get(code)


def target_group(code: str) -> VocabEntry:
    return vocabulary("target-group").get(code)


def accreditation_type(code: str) -> VocabEntry:
    return vocabulary("accreditation-type").get(code)


def content_encoding(code: str) -> VocabEntry:
    return vocabulary("content-encoding").get(code)


def file_type(code: str) -> VocabEntry:
    """A file type of the EU table: ``"PDF"``, ``"PNG"``, ``"JPEG"``..."""
    return vocabulary("file-type").get(code)


def country(code: str) -> VocabEntry:
    """A country by EU code (``"ESP"``), ISO alpha-2 (``"ES"``), IRI or English name."""
    return vocabulary("country").get(code)


def currency(code: str) -> VocabEntry:
    return vocabulary("currency").get(code)


def atu(code: str) -> VocabEntry:
    """An administrative territorial unit by code (``"ESP_CMA_GALICIA"``), IRI or name."""
    return vocabulary("atu").get(code)


def isced_f(code: str) -> VocabEntry:
    """An ISCED-F 2013 field by code (``"0613"``, as a string: leading zeros matter)."""
    return vocabulary("isced-f").get(code)


def skill_type(code: str) -> VocabEntry:
    return vocabulary("skill-type").get(code)


def skill_reuse_level(code: str) -> VocabEntry:
    return vocabulary("skill-reuse-level").get(code)


def supervision_verification(code: str) -> VocabEntry:
    """Supervision and identity verification of an assessment (partial list)."""
    return vocabulary("supervision-verification").get(code)


def evidence_type(code: str) -> VocabEntry:
    return vocabulary("evidence-type").get(code)


def verification_check(code: str) -> VocabEntry:
    """An EDC verification step: ``"Format"``, ``"Seal"``, ``"Revocation"``..."""
    return vocabulary("verification-check").get(code)


def verification_status(code: str) -> VocabEntry:
    """``"OK"``, ``"ERROR"`` or ``"SKIPPED"``."""
    return vocabulary("verification-status").get(code)


def human_sex(code: str) -> VocabEntry:
    return vocabulary("human-sex").get(code)
