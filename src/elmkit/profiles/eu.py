"""The ``eu-microcredential`` profile: the European standard elements of Annex I of the Council
Recommendation of 16 June 2022 on micro-credentials (2022/C 243/02).

The 11 mandatory elements are errors when absent (warnings at the ``draft`` stage; the date of
issuing only at ``sealed``, since Europass adds it when sealing); the 5 optional ones are notes
(``info``). Each finding names its element in ``source`` ("Annex I element 7: notional
workload") and in its English and Spanish messages. Where each element is looked for follows the
Annex I to ELM mapping documented in ``docs/profiles.md``.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Final

from elmkit.model.base import ElmNode
from elmkit.model.classes import (
    Agent,
    AwardingProcess,
    Concept,
    CreditPoint,
    DisplayParameter,
    EuropeanDigitalCredential,
    LearningAchievement,
    LearningAchievementSpecification,
    LearningActivity,
    LearningActivitySpecification,
    LearningAssessment,
    LearningAssessmentSpecification,
    LearningOutcome,
    Location,
    Note,
    Organisation,
    Person,
    Qualification,
    VerifiableCredential,
)
from elmkit.model.text import LangText
from elmkit.profiles.base import (
    Finding,
    PreparedProfile,
    Profile,
    Severity,
    Stage,
    as_stage,
)
from elmkit.profiles.quality import (
    NodeIndex,
    SharedIndex,
    find_all_quality_assurance,
    is_quality_assurance_note,
)

__all__ = [
    "ELEMENTS",
    "PROFILES",
    "RULES",
    "Element",
    "EuMicroCredentialProfile",
    "Rule",
]

RECOMMENDATION: Final = "Council Recommendation 2022/C 243/02"
ECTS: Final = "http://data.europa.eu/snb/education-credit/6fcec5c5af"
FORMAL_LEARNING: Final = "http://data.europa.eu/snb/learning-setting/6fd4685715"
_COUNTRY_SCHEME: Final = "http://publications.europa.eu/resource/authority/country"
#: The EU list of learning modes (online, blended, presential…): the form of participation.
_MODE_SCHEME: Final = "http://data.europa.eu/snb/learning-assessment/25831c2"


# --- rules and messages ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Element:
    """One element of Annex I."""

    number: int
    optional: bool
    en: str
    es: str

    @property
    def source(self) -> str:
        kind = "optional element" if self.optional else "element"
        return f"{RECOMMENDATION}, Annex I {kind} {self.number}: {self.en}"

    @property
    def prefix_en(self) -> str:
        kind = "optional element" if self.optional else "element"
        return f"Annex I {kind} {self.number} ({self.en})"

    @property
    def prefix_es(self) -> str:
        kind = "elemento opcional" if self.optional else "elemento"
        return f"Anexo I, {kind} {self.number} ({self.es})"


#: The Annex I elements (English names as in the Recommendation, Spanish ones as elmkit words them).
ELEMENTS: Final[Mapping[str, Element]] = MappingProxyType(
    {
        "learner": Element(1, False, "identification of the learner", "identificación del alumno"),
        "title": Element(2, False, "title of the micro-credential", "título de la microcredencial"),
        "country": Element(3, False, "country/region of the issuer", "país o región del emisor"),
        "awarding-body": Element(4, False, "awarding body", "organismo que la concede"),
        "date": Element(5, False, "date of issuing", "fecha de expedición"),
        "outcomes": Element(6, False, "learning outcomes", "resultados del aprendizaje"),
        "workload": Element(7, False, "notional workload", "carga de trabajo teórica"),
        "level": Element(8, False, "level", "nivel"),
        "assessment": Element(9, False, "type of assessment", "tipo de evaluación"),
        "participation": Element(10, False, "form of participation", "forma de participación"),
        "quality": Element(11, False, "type of quality assurance", "tipo de garantía de calidad"),
        "prerequisites": Element(1, True, "prerequisites", "requisitos previos"),
        "supervision": Element(
            2,
            True,
            "supervision and identity verification",
            "supervisión y verificación de la identidad",
        ),
        "grade": Element(3, True, "grade achieved", "calificación obtenida"),
        "stackability": Element(
            4, True, "integration/stackability options", "opciones de integración o acumulación"
        ),
        "further-information": Element(5, True, "further information", "información adicional"),
    }
)


class _Values(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "?"


@dataclass(frozen=True, slots=True)
class Rule:
    """A finding code with its English and Spanish message templates and its source."""

    code: str
    en: str
    es: str
    source: str
    prefix_en: str = ""
    prefix_es: str = ""
    provisional: bool = False

    def messages(self, values: Mapping[str, object] | None = None) -> dict[str, str]:
        """The messages in English and Spanish with ``values`` filled in."""
        data = _Values(values or {})
        formatter = string.Formatter()
        en = formatter.vformat(self.en, (), data)
        es = formatter.vformat(self.es, (), data)
        if self.prefix_en:
            en, es = f"{self.prefix_en}: {en}", f"{self.prefix_es}: {es}"
        if self.provisional:
            en, es = f"{en} (provisional rule)", f"{es} (regla provisional)"
        return {"en": en, "es": es}

    def placeholders(self, lang: str) -> frozenset[str]:
        """The ``{names}`` used by the template in ``lang``."""
        template = self.en if lang == "en" else self.es
        return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def _element_rule(code: str, element: str, en: str, es: str) -> Rule:
    info = ELEMENTS[element]
    return Rule(code, en, es, info.source, info.prefix_en, info.prefix_es)


_RULE_LIST: Final = (
    Rule(
        "eu-mc/not-a-credential",
        "the object checked is a {kind}, not a verifiable credential",
        "el objeto comprobado es un {kind}, no una credencial verificable",
        RECOMMENDATION + ", Annex I",
    ),
    Rule(
        "eu-mc/learning-achievement",
        "the credential claims no learning achievement; Annex I describes what was achieved "
        "(outcomes, workload, level) on a LearningAchievement and its specification",
        "la credencial no declara ningún logro de aprendizaje (LearningAchievement); el Anexo I "
        "describe lo logrado (resultados, carga de trabajo, nivel) en un logro y su especificación",
        RECOMMENDATION + ", Annex I",
    ),
    Rule(
        "eu-mc/check-failed",
        "the micro-credential checks could not be completed ({error})",
        "no se pudieron completar las comprobaciones de microcredencial ({error})",
        RECOMMENDATION + ", Annex I",
    ),
    _element_rule(
        "eu-mc/learner",
        "learner",
        "the learner is not identified: give the learner's full name or given and family names",
        "el alumno no está identificado: indique su nombre completo o su nombre y apellidos",
    ),
    _element_rule(
        "eu-mc/learner-not-person",
        "learner",
        "the credential subject is a {kind}; the learner of a micro-credential is a Person",
        "el sujeto de la credencial es un {kind}; el alumno de una microcredencial es una persona (Person)",
    ),
    _element_rule(
        "eu-mc/title",
        "title",
        "the learning achievement and its specification have no title",
        "ni el logro de aprendizaje ni su especificación tienen título",
    ),
    _element_rule(
        "eu-mc/issuer-country",
        "country",
        "the issuer's country is missing: give issuer.location.address.countryCode",
        "falta el país del emisor: indique issuer.location.address.countryCode",
    ),
    _element_rule(
        "eu-mc/issuer-country-unknown",
        "country",
        "the issuer's country {value} is not a country of the EU authority table",
        "el país del emisor {value} no figura en la tabla de países de la UE",
    ),
    _element_rule(
        "eu-mc/form-of-participation-unknown",
        "participation",
        "the form of participation {value} is not a learning mode of the EU list (online, "
        "blended, presential…)",
        "la forma de participación {value} no es una modalidad de la lista de la UE (en línea, "
        "híbrida, presencial…)",
    ),
    _element_rule(
        "eu-mc/awarding-body",
        "awarding-body",
        "no awarding body: give awardedBy.awardingBody on the learning achievement",
        "no consta el organismo que la concede: indique awardedBy.awardingBody en el logro de aprendizaje",
    ),
    _element_rule(
        "eu-mc/date-of-issuing",
        "date",
        "a sealed credential needs its date of issuing (issued or issuanceDate)",
        "una credencial sellada necesita su fecha de expedición (issued o issuanceDate)",
    ),
    _element_rule(
        "eu-mc/learning-outcomes",
        "outcomes",
        "no learning outcome: give at least one learningOutcome (or a learningOutcomeSummary) "
        "on the specification",
        "no consta ningún resultado del aprendizaje: indique al menos un learningOutcome (o un "
        "learningOutcomeSummary) en la especificación",
    ),
    _element_rule(
        "eu-mc/notional-workload",
        "workload",
        "no notional workload: give ECTS credit points (creditPoint) or a volume of learning "
        "(volumeOfLearning) on the specification",
        "no consta la carga de trabajo: indique créditos ECTS (creditPoint) o un volumen de "
        "aprendizaje (volumeOfLearning) en la especificación",
    ),
    _element_rule(
        "eu-mc/notional-workload-invalid",
        "workload",
        "{value!r} is not a positive workload",
        "{value!r} no es una carga de trabajo positiva",
    ),
    _element_rule(
        "eu-mc/workload-ects",
        "workload",
        "the workload is not given in ECTS credits, which Annex I asks for wherever possible",
        "la carga de trabajo no se expresa en créditos ECTS, como pide el Anexo I siempre que sea posible",
    ),
    _element_rule(
        "eu-mc/level",
        "level",
        "no level: a Qualification or formal learning must give its EQF level (eqfLevel) or a "
        "national framework level (nqfLevel)",
        "no consta el nivel: una cualificación (Qualification) o un aprendizaje formal debe "
        "indicar su nivel del MEC (eqfLevel) o de un marco nacional (nqfLevel)",
    ),
    _element_rule(
        "eu-mc/level-not-stated",
        "level",
        "no EQF or national framework level is given; Annex I asks for it only where applicable",
        "no se indica nivel del MEC ni de un marco nacional; el Anexo I lo pide solo si procede",
    ),
    _element_rule(
        "eu-mc/level-invalid",
        "level",
        "{value} is not an EQF level (http://data.europa.eu/snb/eqf/1 to 8)",
        "{value} no es un nivel del MEC (http://data.europa.eu/snb/eqf/1 a 8)",
    ),
    _element_rule(
        "eu-mc/level-wrong-class",
        "level",
        "{value} is only defined on a Qualification: type the specification as Qualification",
        "{value} solo está definido en una cualificación: declare la especificación como Qualification",
    ),
    _element_rule(
        "eu-mc/assessment-type",
        "assessment",
        "no type of assessment: give provenBy[].specifiedBy.dcType on the learning achievement",
        "no consta el tipo de evaluación: indique provenBy[].specifiedBy.dcType en el logro de aprendizaje",
    ),
    _element_rule(
        "eu-mc/form-of-participation",
        "participation",
        "no form of participation: give the mode (online, blended, in person…) of the "
        "specification or of the learning activity",
        "no consta la forma de participación: indique la modalidad (mode: en línea, híbrida, "
        "presencial…) de la especificación o de la actividad de aprendizaje",
    ),
    _element_rule(
        "eu-mc/quality-assurance",
        "quality",
        "no quality assurance: give an accreditation of the specification or of the awarding "
        "body, or a note whose subject is an accreditation type",
        "no consta la garantía de calidad: indique una acreditación de la especificación o del "
        "organismo que la concede, o una nota cuyo tema sea un tipo de acreditación",
    ),
    Rule(
        "eu-mc/primary-language",
        "{field} has no text in the primary language {language} (only in {present}), so a "
        "viewer shows the credential in {language} with this text in another language: give it "
        "in {language}, or make one of the languages it has the primary language",
        "{field} no tiene texto en la lengua principal {language} (solo en {present}), así que "
        "un visor muestra la credencial en {language} con este texto en otra lengua: indíquelo "
        "en {language} o ponga como lengua principal una de las que tiene",
        "ELM 3.2 DisplayParameter.primaryLanguage (the primary language of the credential); "
        f"{RECOMMENDATION}, Annex I elements 2, 4 and 6",
    ),
    _element_rule(
        "eu-mc/prerequisites",
        "prerequisites",
        "no prerequisites are given (entryRequirement)",
        "no se indican requisitos previos (entryRequirement)",
    ),
    _element_rule(
        "eu-mc/supervision",
        "supervision",
        "the supervision and identity verification of the assessment is not given (idVerification)",
        "no se indica la supervisión ni la verificación de la identidad en la evaluación (idVerification)",
    ),
    _element_rule(
        "eu-mc/grade",
        "grade",
        "no grade is given (provenBy[].grade)",
        "no se indica la calificación (provenBy[].grade)",
    ),
    _element_rule(
        "eu-mc/stackability",
        "stackability",
        "integration and stackability are not stated (isPartialQualification, isPartOf, entitlesTo)",
        "no se indican las opciones de integración o acumulación (isPartialQualification, isPartOf, entitlesTo)",
    ),
    _element_rule(
        "eu-mc/further-information",
        "further-information",
        "no further information is given (additionalNote, homepage, supplementaryDocument or a "
        "display description)",
        "no se da información adicional (additionalNote, homepage, supplementaryDocument o una "
        "descripción de presentación)",
    ),
)

#: Every finding code of the profile and its messages and source.
RULES: Final[Mapping[str, Rule]] = MappingProxyType({rule.code: rule for rule in _RULE_LIST})


# --- helpers shared with the Spanish profile ----------------------------------------------------


@functools.cache
def property_iri(class_name: str, term: str) -> str | None:
    """The IRI of a property of the model, or None when the model has no such property."""
    from elmkit.model.schema import schema

    try:
        return schema()[class_name].property(term).iri
    except KeyError:
        return None


def has_text(text: LangText | None) -> bool:
    """Whether language-tagged text holds at least one non-blank string."""
    return text is not None and any(s.strip() for values in text.values() for s in values)


@functools.lru_cache(maxsize=1024)
def language_code(tag: str) -> str | None:
    """The EU language code of a text's tag (``ca-ES-valencia`` -> ``CAT``), or None."""
    from elmkit.errors import ElmError
    from elmkit.model import vocab

    try:
        return vocab.language(tag).notation
    except ElmError:
        return None


@functools.lru_cache(maxsize=1024)
def language_notation(iri: str) -> str | None:
    """The code of a language concept IRI (``…/language/CAT`` -> ``CAT``), or None."""
    from elmkit.model import vocab

    entry = vocab.vocabulary("language").find(iri)
    return entry.notation if entry is not None else None


def concept_id(concept: ElmNode | None) -> str | None:
    """The IRI of a concept, or None."""
    return (
        concept.id
        if isinstance(concept, Concept) and isinstance(concept.id, str) and concept.id
        else None
    )


def missing_severity(stage: Stage) -> Severity:
    """Absent mandatory data: a warning while drafting, an error afterwards."""
    return Severity.WARNING if stage is Stage.DRAFT else Severity.ERROR


def parse_points(point: str | None) -> Decimal | None:
    """Credit points as a number (``"6"``, ``"1.5"``, ``"1,5"``), or None when not a number."""
    if not isinstance(point, str):
        return None
    text = point.strip().replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def locations(agent: ElmNode | None) -> list[Location]:
    """The locations of an agent (one for a person, several for an organisation)."""
    value = (
        getattr(agent, "location", None)
        if isinstance(agent, Agent | Person | Organisation)
        else None
    )
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, Location)]


def country_codes(agent: ElmNode | None, index: NodeIndex, path: str) -> list[tuple[str, str]]:
    """``(json pointer, country IRI)`` for every address country of an agent."""
    found: list[tuple[str, str]] = []
    person = isinstance(agent, Person)
    for i, item in enumerate(locations(agent)):
        location = index.resolve(item)
        if not isinstance(location, Location):
            continue
        where = f"{path}/location" if person else f"{path}/location/{i}"
        for j, item_address in enumerate(location.address):
            address = index.resolve(item_address)  # an address may be given by reference
            if address is None or not hasattr(address, "country_code"):
                continue
            code = concept_id(index.resolve(address.country_code))
            if code is not None:
                found.append((f"{where}/address/{j}/countryCode", code))
    return found


@dataclass(slots=True)
class AchievementParts:
    """A learning achievement of the credential and its specification."""

    path: str
    node: LearningAchievement
    spec: LearningAchievementSpecification | None

    @property
    def spec_path(self) -> str:
        return f"{self.path}/specifiedBy"


@dataclass(slots=True)
class CredentialParts:
    """What the micro-credential profiles look at, with references followed."""

    credential: VerifiableCredential
    index: NodeIndex
    subject: ElmNode | None
    achievements: list[AchievementParts] = field(default_factory=list)

    @property
    def display(self) -> DisplayParameter | None:
        if isinstance(self.credential, EuropeanDigitalCredential):
            display = self.index.resolve(self.credential.display_parameter)
            return display if isinstance(display, DisplayParameter) else None
        return None

    def assessments(self, parts: AchievementParts) -> Iterator[tuple[str, LearningAssessment]]:
        for i, item in enumerate(parts.node.proven_by):
            node = self.index.resolve(item)
            if isinstance(node, LearningAssessment):
                yield f"{parts.path}/provenBy/{i}", node

    def activity_specs(
        self, parts: AchievementParts
    ) -> Iterator[tuple[str, LearningActivitySpecification]]:
        """Specifications of the activities that led to the achievement."""
        for i, item in enumerate(parts.node.influenced_by):
            activity = self.index.resolve(item)
            if isinstance(activity, LearningActivity):
                spec = self.index.resolve(activity.specified_by)
                if isinstance(spec, LearningActivitySpecification):
                    yield f"{parts.path}/influencedBy/{i}/specifiedBy", spec
        if parts.spec is not None:
            for i, reference in enumerate(parts.spec.influenced_by):
                linked = self.index.resolve(reference)
                if isinstance(linked, LearningActivitySpecification):
                    yield f"{parts.spec_path}/influencedBy/{i}", linked


def credential_parts(
    credential: VerifiableCredential, shared: SharedIndex | None = None
) -> CredentialParts:
    """Find the learner, the achievements and their specifications of a credential."""
    index = NodeIndex(credential, shared)
    subject = index.resolve(credential.credential_subject)
    parts = CredentialParts(credential=credential, index=index, subject=subject)
    if isinstance(subject, Person):
        for i, claim in enumerate(subject.has_claim):
            node = index.resolve(claim)
            if isinstance(node, LearningAchievement):
                spec = index.resolve(node.specified_by)
                parts.achievements.append(
                    AchievementParts(
                        path=f"/credentialSubject/hasClaim/{i}",
                        node=node,
                        spec=spec if isinstance(spec, LearningAchievementSpecification) else None,
                    )
                )
    return parts


class Findings:
    """Collects the findings of one profile run."""

    __slots__ = ("findings", "profile", "rules")

    def __init__(self, profile: str, rules: Mapping[str, Rule]) -> None:
        self.profile = profile
        self.rules = rules
        self.findings: list[Finding] = []

    def add(
        self,
        code: str,
        severity: Severity,
        path: str = "",
        *,
        focus: ElmNode | str | None = None,
        prop: str | None = None,
        value: object = None,
        constraint: str = "",
        **values: object,
    ) -> None:
        rule = self.rules[code]
        if value is not None and "value" not in values:
            values["value"] = value
        focus_id = focus.id if isinstance(focus, ElmNode) else focus
        self.findings.append(
            Finding(
                code=code,
                severity=severity,
                messages=rule.messages(values),
                path=path,
                focus=focus_id if isinstance(focus_id, str) else None,
                property=prop,
                source=rule.source,
                profile=self.profile,
                constraint=constraint,
                value=value,
            )
        )


# --- the profile -------------------------------------------------------------------------------


class IndexedProfile:
    """What the micro-credential profiles share: a check that follows references through a
    :class:`NodeIndex`, which a batch builds once for the objects its credentials share."""

    name: str
    title: str

    def check(self, credential: ElmNode, *, stage: Stage) -> Iterable[Finding]:
        return self._check(credential, stage, None)

    def with_shared(self, shared: Sequence[ElmNode]) -> Profile:
        """This profile for many credentials that share the objects ``shared`` (unchanged
        while it is used); the findings are those of :meth:`check`."""
        return PreparedProfile(self, SharedIndex(shared))

    def _check(self, credential: ElmNode, stage: Stage, shared: SharedIndex | None) -> list[Finding]:
        raise NotImplementedError


class EuMicroCredentialProfile(IndexedProfile):
    """Annex I of the Council Recommendation on micro-credentials (2022/C 243/02)."""

    name = "eu-microcredential"
    title = "EU micro-credential: Annex I of Council Recommendation 2022/C 243/02"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    @property
    def codes(self) -> tuple[str, ...]:
        """Every finding code this profile can report."""
        return tuple(RULES)

    def _check(self, credential: ElmNode, stage: Stage, shared: SharedIndex | None) -> list[Finding]:
        checked_stage = as_stage(stage)
        out = Findings(self.name, RULES)
        try:
            self.run(credential, checked_stage, out, shared)
        except Exception as exc:  # a profile reports, it never raises on a loaded credential
            out.add("eu-mc/check-failed", Severity.ERROR, error=f"{type(exc).__name__}: {exc}")
        return out.findings

    def run(
        self,
        credential: ElmNode,
        stage: Stage,
        out: Findings,
        shared: SharedIndex | None = None,
    ) -> CredentialParts | None:
        """Add the findings for ``credential`` to ``out``; returns what was found in it."""
        if not isinstance(credential, VerifiableCredential):
            out.add("eu-mc/not-a-credential", Severity.ERROR, kind=type(credential).__name__)
            return None
        parts = credential_parts(credential, shared)
        missing = missing_severity(stage)
        self._learner(parts, missing, out)
        self._issuer_country(parts, missing, out)
        if stage is Stage.SEALED and credential.issued is None and credential.issuance_date is None:
            out.add(
                "eu-mc/date-of-issuing",
                Severity.ERROR,
                "/issued",
                focus=credential,
                prop=property_iri("EuropeanDigitalCredential", "issued"),
                constraint="minCount",
            )
        if not parts.achievements:
            path = (
                "/credentialSubject/hasClaim"
                if isinstance(parts.subject, Person)
                else "/credentialSubject"
            )
            out.add(
                "eu-mc/learning-achievement",
                missing,
                path,
                focus=parts.subject,
                prop=property_iri("Person", "hasClaim"),
                constraint="minCount",
            )
            return parts
        evidence_qa = any(
            qa.representation == "evidence-accreditation"
            for qa in find_all_quality_assurance(credential, index=parts.index)
        )
        for achievement in parts.achievements:
            self._achievement(parts, achievement, missing, evidence_qa, out)
        self._primary_language(parts, out)
        return parts

    def _primary_language(self, parts: CredentialParts, out: Findings) -> None:
        """Warn about each displayed text of an Annex I element (the titles, the learning
        outcomes) that has no text in the primary language. Legal names are left aside: a name
        is not translated."""
        display = parts.display
        iri = concept_id(parts.index.resolve(display.primary_language)) if display else None
        primary = language_notation(iri) if iri is not None else None
        if display is None or primary is None:
            return
        index = parts.index
        texts: list[tuple[str, str, ElmNode, LangText | None, str]] = [
            ("/displayParameter/title", "displayParameter.title", display, display.title, "DisplayParameter")
        ]
        for ach in parts.achievements:
            node, spec = ach.node, ach.spec
            texts.append((f"{ach.path}/title", "hasClaim.title", node, node.title, "LearningAchievement"))
            # an awarding body's legal name is a name, not translated: it is what it is in any
            # language (a university named only in Catalan is so named on a Spanish page)
            if spec is None:
                continue
            texts.append(
                (f"{ach.spec_path}/title", "specifiedBy.title", spec, spec.title, "LearningAchievementSpecification")
            )
            for i, reference in enumerate(spec.learning_outcome):
                outcome = index.resolve(reference)
                if isinstance(outcome, LearningOutcome):
                    texts.append(
                        (
                            f"{ach.spec_path}/learningOutcome/{i}/title",
                            f"learningOutcome[{i}].title", outcome, outcome.title, "LearningOutcome",
                        )
                    )
        for path, term, focus, text, owner in texts:
            if text is None or not text.languages or _has_text_in(text, primary):
                continue
            out.add(
                "eu-mc/primary-language",
                Severity.WARNING,
                path,
                focus=focus,
                prop=property_iri(owner, path.rsplit("/", 1)[-1]),
                value=primary,
                field=term,
                language=primary,
                present=", ".join(text.languages),
            )

    # mandatory elements on the credential

    def _learner(self, parts: CredentialParts, missing: Severity, out: Findings) -> None:
        subject = parts.subject
        prop = property_iri("EuropeanDigitalCredential", "credentialSubject")
        if subject is None:
            out.add(
                "eu-mc/learner", missing, "/credentialSubject", prop=prop, constraint="minCount"
            )
            return
        if isinstance(subject, Organisation):
            out.add(
                "eu-mc/learner-not-person",
                Severity.ERROR,
                "/credentialSubject",
                focus=subject,
                prop=prop,
                constraint="class",
                kind="Organisation",
            )
            return
        if isinstance(subject, Person):
            named = (
                has_text(subject.full_name)
                or has_text(subject.given_name)
                or has_text(subject.family_name)
            )
            name_prop = property_iri("Person", "fullName")
            path = "/credentialSubject/fullName"
        else:
            named = isinstance(subject, Agent) and has_text(subject.pref_label)
            name_prop = property_iri("Agent", "prefLabel")
            path = "/credentialSubject/prefLabel"
        if not named:
            out.add(
                "eu-mc/learner", missing, path, focus=subject, prop=name_prop, constraint="minCount"
            )

    def _issuer_country(self, parts: CredentialParts, missing: Severity, out: Findings) -> None:

        issuer = parts.index.resolve(parts.credential.issuer)
        codes = country_codes(issuer, parts.index, "/issuer")
        if not codes:
            out.add(
                "eu-mc/issuer-country",
                missing,
                "/issuer/location",
                focus=issuer,
                prop=property_iri("Address", "countryCode"),
                constraint="minCount",
            )
            return
        _warn_outside(
            out, "eu-mc/issuer-country-unknown", codes, _COUNTRY_SCHEME, ("Address", "countryCode")
        )

    # elements of each learning achievement

    def _achievement(
        self,
        parts: CredentialParts,
        ach: AchievementParts,
        missing: Severity,
        evidence_qa: bool,
        out: Findings,
    ) -> None:

        node, spec = ach.node, ach.spec
        index = parts.index

        if not has_text(node.title) and not (spec is not None and has_text(spec.title)):
            out.add(
                "eu-mc/title",
                missing,
                f"{ach.path}/title",
                focus=node,
                prop=property_iri("LearningAchievement", "title"),
                constraint="minCount",
            )

        process = index.resolve(node.awarded_by)
        bodies = process.awarding_body if isinstance(process, AwardingProcess) else []
        if not any(_identified(index.resolve(body)) for body in bodies):
            out.add(
                "eu-mc/awarding-body",
                missing,
                f"{ach.path}/awardedBy/awardingBody",
                focus=process if isinstance(process, AwardingProcess) else node,
                prop=property_iri("AwardingProcess", "awardingBody"),
                constraint="minCount",
            )

        self._outcomes(parts, ach, missing, out)
        self._workload(parts, ach, missing, out)
        self._level(ach, missing, out)

        assessed = any(_assessment_types(parts, ach))
        if not assessed:
            out.add(
                "eu-mc/assessment-type",
                missing,
                f"{ach.path}/provenBy",
                focus=node,
                prop=property_iri("LearningAssessmentSpecification", "dcType"),
                constraint="minCount",
            )

        modes = list(participation_modes(parts, ach))
        if not modes:
            out.add(
                "eu-mc/form-of-participation",
                missing,
                f"{ach.spec_path}/mode",
                focus=spec or node,
                prop=property_iri("LearningAchievementSpecification", "mode"),
                constraint="minCount",
            )
        _warn_outside(
            out,
            "eu-mc/form-of-participation-unknown",
            modes,
            _MODE_SCHEME,
            ("LearningAchievementSpecification", "mode"),
        )

        if not evidence_qa and not find_all_quality_assurance(node, index=index):
            where = (
                f"{ach.spec_path}/accreditation"
                if isinstance(spec, Qualification)
                else f"{ach.spec_path}/additionalNote"
            )
            out.add(
                "eu-mc/quality-assurance",
                missing,
                where,
                focus=spec or node,
                prop=property_iri("Qualification", "accreditation"),
                constraint="minCount",
            )

        self._optional(parts, ach, out)

    def _outcomes(
        self, parts: CredentialParts, ach: AchievementParts, missing: Severity, out: Findings
    ) -> None:
        spec = ach.spec
        if spec is not None:
            for item in spec.learning_outcome:
                outcome = parts.index.resolve(item)
                if isinstance(outcome, LearningOutcome) and has_text(outcome.title):
                    return
            summary = parts.index.resolve(spec.learning_outcome_summary)
            if isinstance(summary, Note) and has_text(summary.note_literal):
                return
        out.add(
            "eu-mc/learning-outcomes",
            missing,
            f"{ach.spec_path}/learningOutcome",
            focus=spec or ach.node,
            prop=property_iri("LearningAchievementSpecification", "learningOutcome"),
            constraint="minCount",
        )

    def _workload(
        self, parts: CredentialParts, ach: AchievementParts, missing: Severity, out: Findings
    ) -> None:
        spec = ach.spec
        found = False
        ects = False
        invalid = False
        point_iri = property_iri("CreditPoint", "point")
        if spec is not None:
            for i, item in enumerate(spec.credit_point):
                credit = parts.index.resolve(item)
                if not isinstance(credit, CreditPoint):
                    continue
                points = parse_points(credit.point)
                if points is None or points <= 0:
                    invalid = True
                    out.add(
                        "eu-mc/notional-workload-invalid",
                        Severity.ERROR,
                        f"{ach.spec_path}/creditPoint/{i}/point",
                        focus=credit,
                        prop=point_iri,
                        value=credit.point if credit.point is not None else "",
                        constraint="datatype",
                    )
                    continue
                found = True
                ects = ects or concept_id(parts.index.resolve(credit.framework)) == ECTS
            volume = spec.volume_of_learning
            if volume is not None:
                if _not_positive(str(volume)):
                    invalid = True
                    out.add(
                        "eu-mc/notional-workload-invalid",
                        Severity.ERROR,
                        f"{ach.spec_path}/volumeOfLearning",
                        focus=spec,
                        prop=property_iri("LearningAchievementSpecification", "volumeOfLearning"),
                        value=str(volume),
                        constraint="datatype",
                    )
                else:
                    found = True
        if not found and not invalid:
            out.add(
                "eu-mc/notional-workload",
                missing,
                f"{ach.spec_path}/creditPoint",
                focus=spec or ach.node,
                prop=property_iri("LearningAchievementSpecification", "creditPoint"),
                constraint="minCount",
            )
        elif found and not ects:
            out.add(
                "eu-mc/workload-ects",
                Severity.INFO,
                f"{ach.spec_path}/creditPoint",
                focus=spec,
                prop=property_iri("LearningAchievementSpecification", "creditPoint"),
            )

    def _level(self, ach: AchievementParts, missing: Severity, out: Findings) -> None:
        from elmkit.model import vocab

        spec = ach.spec
        eqf_prop = property_iri("Qualification", "eqfLevel")
        if isinstance(spec, Qualification):
            eqf = concept_id(spec.eqf_level)
            if eqf is not None and not vocab.vocabulary("eqf").contains_iri(eqf):
                out.add(
                    "eu-mc/level-invalid",
                    Severity.ERROR,
                    f"{ach.spec_path}/eqfLevel",
                    focus=spec,
                    prop=eqf_prop,
                    value=eqf,
                    constraint="in",
                )
                eqf = None
            nqf = [concept_id(level) for level in spec.nqf_level]
            if eqf is not None or any(nqf):
                return
            out.add(
                "eu-mc/level",
                missing,
                f"{ach.spec_path}/eqfLevel",
                focus=spec,
                prop=eqf_prop,
                constraint="minCount",
            )
            return
        if spec is not None:
            extras = spec.model_extra or {}
            misplaced = [term for term in ("eqfLevel", "nqfLevel") if term in extras]
            if misplaced:
                for term in misplaced:
                    out.add(
                        "eu-mc/level-wrong-class",
                        Severity.ERROR,
                        f"{ach.spec_path}/{term}",
                        focus=spec,
                        prop=property_iri("Qualification", term),
                        value=term,
                        constraint="class",
                    )
                return
            if concept_id(spec.learning_setting) == FORMAL_LEARNING:
                out.add(
                    "eu-mc/level",
                    missing,
                    f"{ach.spec_path}/eqfLevel",
                    focus=spec,
                    prop=eqf_prop,
                    constraint="minCount",
                )
                return
        out.add(
            "eu-mc/level-not-stated",
            Severity.INFO,
            f"{ach.spec_path}/eqfLevel",
            focus=spec or ach.node,
            prop=eqf_prop,
        )

    def _optional(self, parts: CredentialParts, ach: AchievementParts, out: Findings) -> None:
        index, node, spec = parts.index, ach.node, ach.spec
        info = Severity.INFO

        requirement = index.resolve(spec.entry_requirement) if spec is not None else None
        if not (isinstance(requirement, Note) and has_text(requirement.note_literal)):
            out.add(
                "eu-mc/prerequisites",
                info,
                f"{ach.spec_path}/entryRequirement",
                focus=spec or node,
                prop=property_iri("LearningAchievementSpecification", "entryRequirement"),
            )

        assessments = list(parts.assessments(ach))
        assessment_path = assessments[0][0] if assessments else f"{ach.path}/provenBy"
        if not any(a.id_verification is not None for _, a in assessments):
            out.add(
                "eu-mc/supervision",
                info,
                f"{assessment_path}/idVerification" if assessments else assessment_path,
                focus=assessments[0][1] if assessments else node,
                prop=property_iri("LearningAssessment", "idVerification"),
            )

        if not any(
            isinstance(g := index.resolve(a.grade), Note) and has_text(g.note_literal)
            for _, a in assessments
        ):
            out.add(
                "eu-mc/grade",
                info,
                f"{assessment_path}/grade" if assessments else assessment_path,
                focus=assessments[0][1] if assessments else node,
                prop=property_iri("LearningAssessment", "grade"),
            )

        stack = bool(node.is_part_of or node.has_part or node.entitles_to)
        if spec is not None:
            stack = stack or bool(spec.is_part_of or spec.has_part or spec.entitles_to)
            if isinstance(spec, Qualification):
                stack = stack or spec.is_partial_qualification is not None
        if not stack:
            term = "isPartialQualification" if isinstance(spec, Qualification) else "isPartOf"
            out.add(
                "eu-mc/stackability",
                info,
                f"{ach.spec_path}/{term}",
                focus=spec or node,
                prop=property_iri("Qualification", "isPartialQualification")
                if isinstance(spec, Qualification)
                else property_iri("LearningAchievementSpecification", "isPartOf"),
            )

        if not _further_information(parts, ach):
            out.add(
                "eu-mc/further-information",
                info,
                f"{ach.path}/additionalNote",
                focus=node,
                prop=property_iri("LearningAchievement", "additionalNote"),
            )


def _has_text_in(text: LangText, code: str) -> bool:
    """Whether ``text`` shows something in a tag of the EU language ``code`` (any variant),
    or has no tagged text that shows something at all (then nothing is in any language)."""
    for tag in text:
        if language_code(tag) == code and any(value.strip() for value in text.get_all(tag)):
            return True
    return not any(
        value.strip() for tag in text.languages for value in text.get_all(tag)
    )


def _identified(agent: ElmNode | None) -> bool:
    """Whether an awarding body is named (an id alone names nobody a reader can recognise)."""
    if agent is None:
        return False
    if isinstance(agent, Organisation):
        return has_text(agent.legal_name)
    if isinstance(agent, Person):
        return has_text(agent.full_name) or has_text(agent.given_name) or has_text(agent.family_name)
    if isinstance(agent, Agent):
        return has_text(agent.pref_label)
    return False


def _not_positive(duration: str) -> bool:
    return duration.startswith("-") or not any(ch in "123456789" for ch in duration)


def _assessment_types(parts: CredentialParts, ach: AchievementParts) -> Iterator[str]:
    index = parts.index
    for _, assessment in parts.assessments(ach):
        spec = index.resolve(assessment.specified_by)
        if isinstance(spec, LearningAssessmentSpecification):
            found = concept_id(index.resolve(spec.dc_type))
            if found:
                yield found
        for concept in assessment.dc_type:
            found = concept_id(index.resolve(concept))
            if found:
                yield found
    if ach.spec is not None:
        for item in ach.spec.proven_by:
            spec = index.resolve(item)
            if isinstance(spec, LearningAssessmentSpecification):
                found = concept_id(index.resolve(spec.dc_type))
                if found:
                    yield found


def _warn_outside(
    out: Findings,
    code: str,
    found: Iterable[tuple[str, str]],
    scheme: str,
    owner_and_property: tuple[str, str],
) -> None:
    """A warning ``code`` for each ``(json pointer, concept IRI)`` that is not in ``scheme``."""
    from elmkit.model import vocab

    for path, concept in found:
        if not vocab.is_in_scheme(concept, scheme):
            out.add(
                code,
                Severity.WARNING,
                path,
                focus=concept,
                prop=property_iri(*owner_and_property),
                value=concept,
                constraint="in",
            )


def participation_modes(parts: CredentialParts, ach: AchievementParts) -> Iterator[tuple[str, str]]:
    """``(json pointer, mode IRI)`` of the achievement's specification, then of its activities."""
    index = parts.index
    if ach.spec is not None:
        for i, mode in enumerate(ach.spec.mode):
            found = concept_id(index.resolve(mode))
            if found:
                yield f"{ach.spec_path}/mode/{i}", found
    for path, spec in parts.activity_specs(ach):
        for i, mode in enumerate(spec.mode):
            found = concept_id(index.resolve(mode))
            if found:
                yield f"{path}/mode/{i}", found


def _further_information(parts: CredentialParts, ach: AchievementParts) -> bool:
    index = parts.index
    holders: list[LearningAchievement | LearningAchievementSpecification] = [ach.node]
    if ach.spec is not None:
        holders.append(ach.spec)
        if ach.spec.homepage:
            return True
    for holder in holders:
        if holder.supplementary_document:
            return True
        for item in holder.additional_note:
            note = index.resolve(item)
            if (
                isinstance(note, Note)
                and has_text(note.note_literal)
                and not is_quality_assurance_note(note)
            ):
                return True
    display = parts.display
    return display is not None and has_text(display.description)


#: The profiles this module registers.
PROFILES: Final = (EuMicroCredentialProfile(),)
