"""Defining a micro-credential once: what it certifies, who awards it, in which languages.

A :class:`MicroCredential` is plain configuration (loadable from TOML, YAML or JSON); elmkit turns it
into one ELM credential per learner who earned it.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from elmkit.errors import ElmError, LanguageTagError, SourceError
from elmkit.microcredentials.files import require_file
from elmkit.model.text import (
    NO_LANGUAGE,
    PUNT_VOLAT_LOOKALIKES,
    LangText,
    bad_characters,
    catalan_or_occitan,
    is_blank,
    normalize_tag,
    punt_volat_lookalikes,
    valencian_guess,
)

__all__ = [
    "GradingInfo",
    "MicroCredential",
    "OrganisationInfo",
    "OutcomeInfo",
    "ProgrammeInfo",
    "QualityAssuranceInfo",
    "default_profiles",
    "load_definition",
]


class _Config(BaseModel):
    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, arbitrary_types_allowed=True, allow_inf_nan=False
    )

    def __init__(self, /, **data: Any) -> None:
        """Values that do not fit raise :class:`~elmkit.errors.SourceError` naming the field, as
        :func:`load_definition` does for a file."""
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _source_error(exc, "") from None

    # validation of nested values never calls it (pydantic's own __init__ is a pass-through)
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]


def _source_error(exc: ValidationError, file: str) -> SourceError:
    """The first problem of ``exc`` (and how many more) as a :class:`SourceError` naming the
    field (``title.ca-ES-valencia`` for a text in one language)."""
    first = exc.errors(include_url=False)[0]
    ctx = first.get("ctx") or {}
    field = ctx.get("field")  # a check of several fields names the one at fault
    where = ".".join([*(str(p) for p in first["loc"]), *([field] if isinstance(field, str) else [])])
    language = ctx.get("language")
    if isinstance(language, str):
        where = f"{where}.{language}"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    message = str(first["msg"]).removeprefix("Value error, ")
    return SourceError(f"field {where!r}: {message}{more}", file=file, path=where)


def refuse_yes_no(value: Any) -> Any:
    """Refuse a yes/no value where a number is expected (``true`` would read as 1)."""
    if isinstance(value, bool):
        raise ValueError(f"a yes/no value is not a number: {value!r}")
    return value


def _calendar_date(value: Any) -> Any:
    """Refuse a number where a date is expected (``0`` would read as 1970-01-01)."""
    if isinstance(value, bool | int | float | Decimal):
        raise ValueError(f"not a date (YYYY-MM-DD): {value!r}")
    return value


_VALENCIAN = "Valencian is ca-ES-valencia ('val' is Vehes, another language)"

#: Set while a definition a ledger stored is read back: it was accepted when it was stored, so
#: the checks of what a new definition may say (languages, texts) do not apply to it again.
_STORED = contextvars.ContextVar("elmkit_reading_stored_definition", default=False)


@contextlib.contextmanager
def reading_stored() -> Iterator[None]:
    """Read definitions as stored ones (see :data:`_STORED`) inside the block."""
    token = _STORED.set(True)
    try:
        yield
    finally:
        _STORED.reset(token)


def _tag_problem(tag: str) -> str | None:
    """Why a definition cannot use ``tag`` (a well-formed tag), or None."""
    from elmkit.model import vocab

    if valencian_guess(tag):
        return f"{tag!r} is not a language tag for Valencian: {_VALENCIAN}"
    problem = vocab.language_tag_problem(tag)
    if problem is None or problem.kind == "eu-country-code":
        return None  # en-UK names its language and country: definitions issued with it re-run
    return problem.message


def _texts(value: LangText) -> LangText:
    """Refuse a text that shows nothing, or holds control characters, in any language; a tag
    that names no language of the EU table (``xx``, ``und``, ``cat`` for ``ca``, a guess at
    Valencian); and, in Catalan and Occitan, a look-alike of the punt volat between two ``l``.
    The error names the language (``title.ca-ES-valencia``). Texts are returned in Unicode
    NFC, the form display pages draw (stored definitions too, which are not checked again)."""
    check = not _STORED.get()
    normalized: dict[str, list[str]] = {}
    changed = False
    for tag, texts in value.items():
        if check:
            problem = "a text needs a language tag" if tag == NO_LANGUAGE else _tag_problem(tag)
            if problem is not None:
                raise PydanticCustomError("language_tag", problem, {"language": tag})
        kept = normalized.setdefault(tag, [])
        for text in texts:
            if not unicodedata.is_normalized("NFC", text):
                text = unicodedata.normalize("NFC", text)
                changed = True
            kept.append(text)
            if check:
                _check_text(tag, text)
    return LangText(normalized) if changed else value


def _check_text(tag: str, text: str) -> None:
    """Refuse one text of a definition (see :func:`_texts`)."""
    bad = bad_characters(text)
    if bad:
        shown = ", ".join(f"U+{ord(char):04X}" for char in bad)
        raise PydanticCustomError(
            "text_characters",
            "the text holds characters no text may hold ({shown}): control characters "
            "other than tab and line breaks, or Unicode non-characters",
            {"shown": shown, "language": tag},
        )
    if is_blank(text):
        raise PydanticCustomError(
            "text_blank",
            "the text is empty or shows nothing (only white space or invisible characters "
            "such as U+200B); give the text or leave the language out",
            {"language": tag},
        )
    # the characters only: a full stop may be code or a sentence's end (the Spanish profile
    # warns about l.l in credentials)
    lookalikes = punt_volat_lookalikes(text, full_stops=False) if catalan_or_occitan(tag) else []
    if lookalikes:
        shown = ", ".join(
            f"{found!r} ({PUNT_VOLAT_LOOKALIKES[found[1]]}, U+{ord(found[1]):04X})"
            for found in lookalikes
        )
        raise PydanticCustomError(
            "punt_volat",
            "the text writes {shown} where the punt volat belongs: write l·l with the middle "
            "dot U+00B7 (or ŀl)",
            {"shown": shown, "language": tag},
        )


def _tagged(value: Any) -> Any:
    """Refuse a plain text where a map from language tag to text belongs: it would be stored as
    English, whatever language it is written in."""
    if isinstance(value, str) and not _STORED.get():
        shown = value if len(value) <= 40 else value[:39] + "…"
        raise PydanticCustomError(
            "text_language",
            "a text is a map from language tag to text (es: {shown}), not a plain text, "
            "which states no language",
            {"shown": repr(shown)},
        )
    return value


#: Text in several languages, as a definition gives it: each text shows something.
DefinitionText = Annotated[LangText, BeforeValidator(_tagged), AfterValidator(_texts)]


def _some_text(value: LangText) -> LangText:
    """Refuse a required text given as an empty map: no language holds it."""
    if not _STORED.get() and not any(text.strip() for texts in value.values() for text in texts):
        raise PydanticCustomError("no_text", "no text in any language: give it in the definition's languages")
    return value


#: A text a credential cannot do without (a name, a programme's title, an outcome).
RequiredText = Annotated[DefinitionText, AfterValidator(_some_text)]


#: The shape of an e-mail address: a local part, one @, a domain with a dot; none of the
#: characters that would make it something else (``mailto:``, ``?subject=``, ``<…>``, a list).
_EMAIL = re.compile(r'[^@\s<>()\[\],;:"]+@(?:[^@\s<>()\[\],;:"?/#.]+\.)+[^@\s<>()\[\],;:"?/#.]+')


def is_email_address(text: str) -> bool:
    """Whether ``text`` (without surrounding spaces) has the shape of an e-mail address."""
    return _EMAIL.fullmatch(text.strip()) is not None


def _stable_iri(value: str | None) -> str | None:
    """Refuse an ``id`` that is no absolute IRI (``2501234``, ``grados/derecho``): JSON-LD would
    read it relative to wherever the credential is stored, and RDF tools drop or rewrite it."""
    from elmkit.model.datatypes import is_iri

    if value is None or _STORED.get() or is_iri(value):
        return value
    raise ValueError(
        f"not an absolute IRI: {value!r}; give a web address (https://…) or another IRI with a "
        "scheme (urn:…)"
    )


class OrganisationInfo(_Config):
    """An awarding body or issuer."""

    legal_name: RequiredText
    short_name: DefinitionText | None = None
    country: str = Field(description="ISO 3166 alpha-2 or alpha-3 code, e.g. ES or ESP")
    region: str | None = Field(default=None, description="Region or city (free text), for Annex I 'country/region'")
    address: str | None = None
    vat_id: str | None = Field(default=None, description="VAT number or NIF/CIF, e.g. Q2818014I")
    eidas_id: str | None = Field(default=None, description="eIDAS legal identifier, e.g. VATES-Q2818014I")
    homepage: str | None = None
    email: str | None = None
    logo: Path | None = Field(default=None, description="PNG or JPEG file (relative to the definition file)")
    id: str | None = Field(default=None, description="A stable IRI for the organisation; derived when absent")

    @field_validator(
        "region", "address", "vat_id", "eidas_id", "homepage", "email", "id", mode="before"
    )
    @classmethod
    def _blank_is_absent(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    _id = field_validator("id")(_stable_iri)

    @field_validator("homepage")
    @classmethod
    def _homepage(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().startswith(("https://", "http://")):
            raise ValueError(f"not a web address starting with https:// or http://: {value!r}")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.fullmatch(value.strip()):
            raise ValueError(f"not an e-mail address: {value!r}")
        return value.strip() if value is not None else None

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        from elmkit.model import vocab

        try:
            return vocab.country(value).notation
        except LookupError as exc:
            raise ValueError(str(exc)) from None


class OutcomeInfo(_Config):
    """A learning outcome, optionally linked to ESCO skills."""

    title: RequiredText
    esco: list[str] = Field(default_factory=list, description="ESCO skill IRIs")
    description: DefinitionText | None = None


class ProgrammeInfo(_Config):
    """The long degree programme a module belongs to (phase 3: modules as micro-credentials)."""

    title: RequiredText
    id: str | None = None
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    ects: Decimal | None = Field(default=None, gt=0, le=1000)

    _numbers = field_validator("eqf_level", "ects", mode="before")(refuse_yes_no)
    _id = field_validator("id")(_stable_iri)


class QualityAssuranceInfo(_Config):
    """How the micro-credential's quality is assured (Annex I element 11)."""

    kind: str = Field(default="internal", description="internal, external, accreditation…")
    text: RequiredText
    accrediting_body: OrganisationInfo | None = None
    decision_date: date | None = None


class GradingInfo(_Config):
    """Grading scheme and the pass rule."""

    title: DefinitionText | None = Field(
        default=None, description="Defaults to the scale, 0 to max_grade, named in the definition's languages"
    )
    description: DefinitionText | None = None
    pass_mark: float | None = Field(
        default=5.0, ge=0, description="Minimum grade to pass; None: use the pass flag only"
    )
    max_grade: float = Field(default=10.0, gt=0)

    _numbers = field_validator("pass_mark", "max_grade", mode="before")(refuse_yes_no)

    @model_validator(mode="after")
    def _reachable(self) -> GradingInfo:
        if self.pass_mark is not None and self.pass_mark > self.max_grade:
            raise ValueError(
                f"the pass mark {self.pass_mark:g} is above the highest grade {self.max_grade:g}: "
                "nobody could pass"
            )
        return self


class MicroCredential(_Config):
    """A micro-credential definition: a short course, or a module of a degree programme."""

    id: str = Field(
        min_length=1, pattern=r"\S", description="Stable key of the definition, e.g. 'uni-2026-ia-basica'"
    )
    version: str = "1"
    kind: Literal["course", "module"] = "course"
    title: DefinitionText
    description: DefinitionText | None = None
    languages: list[str] = Field(description="Languages to issue in; the first is the primary one")
    instruction_languages: list[str] | None = Field(
        default=None,
        description="Languages the course is taught in, stated as the specification's language "
        "(default: the languages issued in)",
    )
    learning_outcomes: list[OutcomeInfo] = Field(default_factory=list)
    ects: Decimal | None = Field(default=None, le=1000)
    hours: float | None = Field(default=None, gt=0, le=100_000, description="Notional workload in hours")
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    nqf_level: str | None = Field(
        default=None,
        description="NQF level: concept IRI, label ('MECU Level 7') or MECES level ('MECES 3', "
        "written as its MECU level: MECES 1-4 = MECU 5-8)",
    )
    assessment_type: str | None = Field(default=None, description="Europass assessment type: code or English label")
    assessment_title: DefinitionText | None = None
    supervision: str | None = Field(default=None, description="Supervision and identity verification: code or label")
    mode: str | None = Field(default=None, description="Online, Presential (in-person), Blended…")
    learning_setting: str | None = Field(
        default=None,
        description="Formal or non-formal learning: code or label (default: formal learning for "
        "a module of a degree, non-formal learning for a course)",
    )
    opportunity_type: str | None = Field(default=None, description="Defaults to Short learning programme / Programme module")
    thematic_areas: list[str] = Field(default_factory=list, description="ISCED-F codes")
    prerequisites: DefinitionText | None = None
    quality_assurance: QualityAssuranceInfo | None = None
    part_of: ProgrammeInfo | None = None
    stackable: bool | None = Field(
        default=None,
        description="Annex I optional element 4: true, stackable towards another credential; false, a "
        "stand-alone micro-credential (a module, or a course with part_of, is integrated in its "
        "programme); unset, not stated",
    )
    awarding_body: OrganisationInfo
    issuer: OrganisationInfo | None = None
    grading: GradingInfo = Field(default_factory=GradingInfo)
    start_date: date | None = None
    end_date: date | None = None
    min_attendance: float | None = Field(default=None, ge=0, le=100, description="Minimum attendance in %")

    _numbers = field_validator("ects", "hours", "eqf_level", "min_attendance", mode="before")(refuse_yes_no)
    _dates_given = field_validator("start_date", "end_date", mode="before")(_calendar_date)

    @field_validator("languages", "instruction_languages")
    @classmethod
    def _languages(cls, value: list[str] | None) -> list[str] | None:
        from elmkit.model import vocab

        if value is None:
            return None
        if not value:
            raise ValueError("at least one language is needed")
        if _STORED.get():
            return [normalize_tag(tag) for tag in value]
        for tag in value:
            if valencian_guess(tag):
                raise ValueError(f"{tag!r} is not a language tag for Valencian: {_VALENCIAN}")
        try:
            tags = list(dict.fromkeys(normalize_tag(tag) for tag in value))
        except LanguageTagError as exc:
            raise ValueError(exc.message) from None
        for tag in tags:
            problem = _tag_problem(tag)
            if problem is not None:
                raise ValueError(problem)
        codes: dict[str, str] = {}
        for tag in tags:
            try:
                entry = vocab.language(tag)
            except ElmError as exc:
                raise ValueError(exc.message) from None
            first = codes.setdefault(entry.notation, tag)
            if first != tag:
                raise ValueError(
                    f"{first!r} and {tag!r} are one language of the EU language table "
                    f"({entry.notation}, {entry.label}): a credential shows one page per language "
                    "there, and the two could not be told apart; keep one of them"
                )
        return tags

    @field_validator("min_attendance")
    @classmethod
    def _percentage(cls, value: float | None) -> float | None:
        if value is not None and 0 < value < 1:
            raise ValueError(
                f"min_attendance is a percentage: {value:g} would mean {value:g}%, not "
                f"{value * 100:g}% (write {value * 100:g})"
            )
        return value

    @field_validator("ects")
    @classmethod
    def _ects(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value <= 0:
            raise ValueError("ECTS credits must be positive")
        return value

    @field_validator("title")
    @classmethod
    def _title(cls, value: LangText) -> LangText:
        if not any(text.strip() for texts in value.values() for text in texts):
            raise ValueError("the title has no text in any language")
        return value

    @model_validator(mode="after")
    def _dates(self) -> MicroCredential:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self

    @model_validator(mode="after")
    def _programme_size(self) -> MicroCredential:
        """Refuse a programme smaller (in ECTS) than the module that is part of it."""
        programme = self.part_of
        if _STORED.get() or programme is None or programme.ects is None or self.ects is None:
            return self
        if programme.ects < self.ects:
            raise PydanticCustomError(
                "programme_ects",
                "the programme ({programme} ECTS) is smaller than the module that is part of it "
                "({module} ECTS): part_of.ects is the size of the whole programme",
                {
                    "field": "part_of.ects",
                    "programme": format(programme.ects.normalize(), "f"),
                    "module": format(self.ects.normalize(), "f"),
                },
            )
        return self

    @model_validator(mode="after")
    def _programme(self) -> MicroCredential:
        """A module names the programme it is part of, at a level no higher than the programme's."""
        if _STORED.get():
            return self
        programme = self.part_of
        if self.kind == "module" and programme is None:
            raise PydanticCustomError(
                "module_programme",
                "a module (kind: module) is part of a programme: give part_of with the "
                "programme's title (or use kind: course for a course of its own)",
                {"field": "part_of"},
            )
        if self.stackable is False and (self.kind == "module" or programme is not None):
            what = "a module" if self.kind == "module" else "a course with part_of"
            raise PydanticCustomError(
                "stand_alone_part",
                "stackable: false states a stand-alone micro-credential, but {what} is "
                "integrated in its programme: leave stackable unset or set it to true",
                {"field": "stackable", "what": what},
            )
        if programme is None or programme.eqf_level is None or self.eqf_level is None:
            return self
        if self.eqf_level > programme.eqf_level:
            raise PydanticCustomError(
                "programme_level",
                "the module's EQF level ({module}) is above the level of the programme it is "
                "part of ({programme}): part_of.eqf_level is the level of the whole programme",
                {"field": "part_of.eqf_level", "module": self.eqf_level, "programme": programme.eqf_level},
            )
        return self

    @property
    def primary_language(self) -> str:
        return self.languages[0]

    @property
    def resolved_learning_setting(self) -> str:
        """``learning_setting``, or its default: formal learning for a module of a degree,
        non-formal learning for a course."""
        if self.learning_setting:
            return self.learning_setting
        return "formal learning" if self.kind == "module" else "non-formal learning"

    @property
    def issuing_body(self) -> OrganisationInfo:
        """The issuer, or the awarding body when no separate issuer is given."""
        return self.issuer or self.awarding_body

    def fingerprint(self) -> str:
        """sha256 of the definition's canonical JSON (changes when anything changes)."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def specimen(self) -> Any:
        """A credential for a sample learner, to check the definition before issuing."""
        from elmkit.microcredentials.build import build_credential
        from elmkit.microcredentials.records import LearnerResult

        learner = LearnerResult(
            learner_id="specimen", given_name="Ana", family_name="García López", email="ana@example.org", passed=True
        )
        return build_credential(self, learner)

    def validate_specimen(self, profiles: tuple[str, ...] | None = None, stage: str = "ready") -> Any:
        """Run the profiles on :meth:`specimen` and return the report."""
        from elmkit.profiles import validate

        chosen = profiles or default_profiles(self)
        return validate(self.specimen(), profiles=chosen, stage=stage)


def default_profiles(definition: MicroCredential) -> tuple[str, ...]:
    """``edc-ap`` and ``eu-microcredential``; for Spanish issuers ``edc-ap`` and
    ``es-crue-ruepep``, which runs the ``eu-microcredential`` checks as well."""
    if definition.issuing_body.country == "ESP" or definition.awarding_body.country == "ESP":
        return ("edc-ap", "es-crue-ruepep")
    return ("edc-ap", "eu-microcredential")


def _one_line(exc: Exception) -> str:
    """A parser's message on one line: YAML's problem and where (line and column from 1)."""
    problem = getattr(exc, "problem", None)
    mark = getattr(exc, "problem_mark", None)
    if isinstance(problem, str) and mark is not None:
        return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    return " ".join(str(exc).split())


def _parse_file(path: Path) -> dict[str, Any]:
    """The fields of a TOML, YAML or JSON definition file, in UTF-8 with or without a byte
    order mark (as Windows Notepad saves it)."""
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
        if suffix == ".toml":
            import tomllib

            return tomllib.loads(text)
        if suffix in (".yaml", ".yml"):
            try:
                import yaml
            except ImportError:
                raise SourceError(
                    "reading YAML needs the 'sis' extra: pip install 'elmkit[sis]'", file=str(path)
                ) from None

            data = yaml.safe_load(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            raise SourceError(f"unknown definition format {suffix!r} (use .toml, .yaml or .json)", file=str(path))
    except SourceError:
        raise
    except Exception as exc:
        raise SourceError(f"cannot parse: {_one_line(exc)}", file=str(path)) from exc
    if not isinstance(data, dict):
        raise SourceError("the definition must be a mapping of fields", file=str(path))
    return data


def load_definition(source: str | Path | Mapping[str, Any]) -> MicroCredential:
    """Load a definition from a TOML, YAML or JSON file (or a mapping).

    A mistake raises :class:`~elmkit.errors.SourceError` naming the file, the field and the reason.
    Relative logo paths are resolved against the file's folder.
    """
    if isinstance(source, Mapping):
        data, file, base = dict(source), "", Path.cwd()
    elif not isinstance(source, str | os.PathLike):
        raise SourceError(f"a definition is a file or a mapping, not {type(source).__name__}")
    else:
        path = Path(source)
        require_file(path, "definition file")
        data, file, base = _parse_file(path), str(path), path.parent
    try:
        definition = MicroCredential.model_validate(data)
    except ValidationError as exc:
        raise _source_error(exc, file) from None
    for key, org in (("awarding_body", definition.awarding_body), ("issuer", definition.issuer)):
        if org is None or org.logo is None:
            continue
        given = org.logo
        if not given.is_absolute():
            org.logo = base / given
        if not org.logo.is_file():
            problem = "not found" if not org.logo.exists() else "not a regular file"
            where = f" (looked for {org.logo})" if org.logo != given else ""
            raise SourceError(
                f"field '{key}.logo': {given}: {problem}{where}; a PNG or JPEG file, relative to "
                "the definition file",
                file=file,
                path=f"{key}.logo",
            )
    return definition
