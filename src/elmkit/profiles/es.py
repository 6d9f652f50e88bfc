"""The ``es-crue-ruepep`` profile: micro-credentials of Spanish universities.

It runs every check of ``eu-microcredential`` and adds Spain's: workload in ECTS (more than 0 and
less than 15, except for modules of a degree), EQF level consistent with MECES/MECU, the RD 822/2021 modalities, an issuer in Spain
with a valid NIF and an eIDAS identifier ``VATES-<NIF>``, valid DNI/NIE check letters for learners'
Spanish national identifiers, and Spanish or a co-official language among the credential's
languages. The CRUE/RUEPEP agreement on ELM elements is not public: rules that are elmkit's
reading of it carry "(provisional)" in ``source`` and in their messages.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Final

from elmkit.errors import ElmError
from elmkit.model.base import ElmNode
from elmkit.model.classes import (
    Concept,
    CreditPoint,
    IndividualDisplay,
    LearningAchievementSpecification,
    LegalIdentifier,
    Organisation,
    Person,
    Qualification,
    VerifiableCredential,
)
from elmkit.model.schema import field_kinds
from elmkit.model.text import (
    PUNT_VOLAT_LOOKALIKES,
    LangText,
    catalan_or_occitan,
    punt_volat_lookalikes,
)
from elmkit.model.vocab import MECES_TO_MECU
from elmkit.profiles._ids import check_nif, check_personal_id
from elmkit.profiles.base import Finding, Severity, Stage, as_stage
from elmkit.profiles.eu import (
    ECTS,
    AchievementParts,
    CredentialParts,
    EuMicroCredentialProfile,
    Findings,
    IndexedProfile,
    Rule,
    concept_id,
    country_codes,
    credential_parts,
    language_notation,
    missing_severity,
    parse_points,
    participation_modes,
    property_iri,
)
from elmkit.profiles.eu import RULES as EU_RULES
from elmkit.profiles.quality import SharedIndex

__all__ = [
    "CO_OFFICIAL_TAGS",
    "MECES_TO_EQF",
    "MODES",
    "PROFILES",
    "RULES",
    "SpanishMicroCredentialProfile",
]

_PROVISIONAL: Final = " (provisional)"
_COUNTRY_BASE: Final = "http://publications.europa.eu/resource/authority/country/"
SPAIN: Final = _COUNTRY_BASE + "ESP"

#: MECES level -> EQF level (RD 1027/2011 as amended by RD 22/2015): the MECU level it
#: corresponds to, since MECU levels are EQF levels (RD 272/2022).
MECES_TO_EQF: Final[Mapping[int, int]] = MECES_TO_MECU

#: RD 822/2021 modalities -> ELM mode concepts.
MODES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "presencial": "http://data.europa.eu/snb/learning-assessment/9191af2ed9",
        "híbrida": "http://data.europa.eu/snb/learning-assessment/e92d221e4d",
        "virtual": "http://data.europa.eu/snb/learning-assessment/920fbb3cbe",
    }
)

#: BCP 47 tags of Spanish and of Spain's co-official languages.
CO_OFFICIAL_TAGS: Final = ("es", "ca", "ca-ES-valencia", "eu", "gl", "oc-aranes")
_SPAIN_LANGUAGES: Final = frozenset({"SPA", "CAT", "EUS", "GLG", "OCI"})
_CO_OFFICIAL: Final = _SPAIN_LANGUAGES - {"SPA"}
_TAG_BASES: Final[Mapping[str, str]] = MappingProxyType(
    {"es": "SPA", "ca": "CAT", "eu": "EUS", "gl": "GLG", "oc": "OCI"}
)

_SRC_RD822: Final = "Real Decreto 822/2021, art. 37 (micro-credentials of less than 15 ECTS)"
_SRC_CRUE: Final = "CRUE/RUEPEP agreement on ELM elements (text not public)"
_SRC_LEVELS: Final = (
    "Real Decreto 1027/2011 (MECES) as amended by Real Decreto 22/2015 (MECES 1-4 = EQF 5-8); "
    "Real Decreto 272/2022 (MECU levels 1-8 = EQF 1-8)"
)
_SRC_NIF: Final = "Real Decreto 1065/2007 (NIF); Orden EHA/451/2008 (NIF of legal entities)"
_SRC_PERSON_ID: Final = "Real Decreto 1553/2005 (DNI check letter); Real Decreto 557/2011 (NIE)"
_SRC_EIDAS: Final = (
    "ETSI EN 319 412-1 semantic identifier VAT (VATES-<NIF>); EDC application profile, "
    "IssuerNodeShape (eidasLegalIdentifier)"
)
_SRC_LANG: Final = "Constitución Española art. 3 and Statutes of Autonomy (co-official languages)"
_SRC_EUROPASS: Final = "Europass EDC: labels and display in 29 languages, without ca, eu, gl or oc"
_SRC_PUNT_VOLAT: Final = (
    "Institut d'Estudis Catalans, Ortografia catalana (2017): the ela geminada is written l·l; "
    "Unicode U+00B7 MIDDLE DOT ("
    + ", ".join(f"U+{ord(c):04X}" for c in PUNT_VOLAT_LOOKALIKES if c != ".")
    + " and the full stop are other characters)"
)
_SRC_VEHES: Final = (
    "IANA language subtag registry (val = Vehes; ca-ES-valencia = Valencian, variant 2007-03-06); "
    "EU language authority table (VAL = Vehes, CAT = Catalan)"
)


def _rule(code: str, en: str, es: str, source: str, *, provisional: bool = False) -> Rule:
    return Rule(
        code, en, es, source + (_PROVISIONAL if provisional else ""), provisional=provisional
    )


_RULE_LIST: Final = (
    _rule(
        "es/check-failed",
        "the Spanish micro-credential checks could not be completed ({error})",
        "no se pudieron completar las comprobaciones de microcredencial española ({error})",
        _SRC_CRUE,
    ),
    _rule(
        "es/ects-required",
        "the workload must be given in ECTS credits (a creditPoint whose framework is ECTS)",
        "la carga de trabajo debe expresarse en créditos ECTS (un creditPoint con el marco ECTS)",
        f"{_SRC_RD822}; {_SRC_CRUE}",
        provisional=True,
    ),
    _rule(
        "es/ects-range",
        "{value} ECTS is outside the size of a university micro-credential "
        "(more than 0 and less than 15 ECTS)",
        "{value} ECTS está fuera del tamaño de una microcredencial universitaria "
        "(más de 0 y menos de 15 ECTS)",
        _SRC_RD822,
    ),
    _rule(
        "es/eqf-meces-mismatch",
        "EQF level {eqf} does not match {framework} level {level}, which corresponds to EQF level "
        "{expected}",
        "el nivel {eqf} del MEC no concuerda con el nivel {level} del {framework}, que corresponde "
        "al nivel {expected} del MEC",
        _SRC_LEVELS,
    ),
    _rule(
        "es/eqf-meces-missing",
        "no EQF level: {framework} level {level} corresponds to EQF level {expected}; give eqfLevel",
        "falta el nivel del MEC: el nivel {level} del {framework} corresponde al nivel {expected} "
        "del MEC; indique eqfLevel",
        _SRC_LEVELS,
    ),
    _rule(
        "es/mode",
        "no mode is a Spanish university modality ({value}): use Presential (presencial), "
        "Blended (híbrida) or Online (virtual)",
        "ninguna modalidad es universitaria española ({value}): use Presential (presencial), "
        "Blended (híbrida) u Online (virtual)",
        "Real Decreto 822/2021 (modalidades presencial, híbrida y virtual)",
        provisional=True,
    ),
    _rule(
        "es/issuer-country",
        "the issuer is located in {country}, not in Spain",
        "el emisor está ubicado en {country}, no en España",
        _SRC_CRUE,
        provisional=True,
    ),
    _rule(
        "es/issuer-nif-missing",
        "the issuer has no Spanish tax number (NIF): give vatIdentifier or taxIdentifier, or the "
        "eIDAS identifier VATES-<NIF>",
        "el emisor no tiene NIF: indique vatIdentifier o taxIdentifier, o el identificador eIDAS "
        "VATES-<NIF>",
        f"{_SRC_CRUE}; {_SRC_NIF}",
        provisional=True,
    ),
    _rule(
        "es/issuer-nif-invalid",
        "{value} is not a valid NIF (format or check character; expected check character: {expected})",
        "{value} no es un NIF válido (formato o carácter de control; carácter de control "
        "esperado: {expected})",
        _SRC_NIF,
    ),
    _rule(
        "es/issuer-nif-personal",
        "{value} is the NIF of a natural person; a university has the NIF of a legal entity "
        "(Q… for public universities)",
        "{value} es el NIF de una persona física; una universidad tiene NIF de persona jurídica "
        "(Q… en las universidades públicas)",
        f"{_SRC_NIF}; {_SRC_CRUE}",
        provisional=True,
    ),
    _rule(
        "es/issuer-nif-mismatch",
        "the issuer's tax numbers differ: {value}",
        "los NIF del emisor no coinciden: {value}",
        _SRC_NIF,
        provisional=True,
    ),
    _rule(
        "es/eidas-missing",
        "a sealed credential needs the issuer's eIDAS legal identifier VATES-<NIF> (eIDASIdentifier)",
        "una credencial sellada necesita el identificador legal eIDAS del emisor VATES-<NIF> "
        "(eIDASIdentifier)",
        _SRC_EIDAS,
        provisional=True,
    ),
    _rule(
        "es/eidas-format",
        "the eIDAS legal identifier {value!r} is not VATES- followed by a valid NIF",
        "el identificador legal eIDAS {value!r} no es VATES- seguido de un NIF válido",
        _SRC_EIDAS,
        provisional=True,
    ),
    _rule(
        "es/learner-id-invalid",
        "the learner's Spanish national identifier is not a valid DNI or NIE (format or check letter)",
        "el identificador nacional español del alumno no es un DNI o NIE válido (formato o letra de "
        "control)",
        _SRC_PERSON_ID,
    ),
    _rule(
        "es/language-missing",
        "the credential has no text in Spanish or in a co-official language "
        "(es, ca, ca-ES-valencia, eu, gl, oc-aranes)",
        "la credencial no tiene texto en castellano ni en una lengua cooficial "
        "(es, ca, ca-ES-valencia, eu, gl, oc-aranes)",
        f"{_SRC_LANG}; {_SRC_CRUE}",
        provisional=True,
    ),
    _rule(
        "es/europass-languages",
        "only co-official languages ({value}), which Europass cannot display: add Spanish (or "
        "English) and make it the primary language",
        "solo lenguas cooficiales ({value}), que Europass no puede mostrar: añada el castellano (o "
        "el inglés) como lengua principal",
        _SRC_EUROPASS,
    ),
    _rule(
        "es/europass-primary-language",
        "the primary language {value} is not one Europass displays: make Spanish (or English) the "
        "primary language and keep {value} among the other languages",
        "la lengua principal {value} no es una que Europass muestre: ponga el castellano (o el "
        "inglés) como lengua principal y mantenga {value} entre las demás lenguas",
        _SRC_EUROPASS,
    ),
    _rule(
        "es/punt-volat",
        "the {language} text writes {value} where Catalan and Occitan write l·l with the punt "
        "volat, the middle dot U+00B7 ({names}): viewers, search and screen readers take it for "
        "another character",
        "el texto en {language} escribe {value} donde el catalán y el occitano escriben l·l con "
        "el punto volado, el punto medio U+00B7 ({names}): visores, buscadores y lectores de "
        "pantalla lo toman por otro carácter",
        _SRC_PUNT_VOLAT,
    ),
    _rule(
        "es/language-vehes",
        "the language VAL is Vehes (ISO 639-3 'val'), not Valencian: Valencian is tagged "
        "ca-ES-valencia and its language is CAT (Catalan)",
        "la lengua VAL es el vehes (ISO 639-3 «val»), no el valenciano: el valenciano se etiqueta "
        "ca-ES-valencia y su lengua es CAT (catalán)",
        _SRC_VEHES,
    ),
)

#: Every finding code of the Spanish rules, with its messages and source.
RULES: Final[Mapping[str, Rule]] = MappingProxyType({rule.code: rule for rule in _RULE_LIST})


# --- levels -----------------------------------------------------------------------------------

# "MECES 3", "MECES nivel 3"; else the level first: "Nivel 3 del MECES", "nivell 3 MECES"
_MECES_TEXT: Final = (
    re.compile(r"\bMECES\b\D{0,24}?\b([1-4])\b", re.IGNORECASE),
    re.compile(r"\b([1-4])\b\D{0,24}?\bMECES\b", re.IGNORECASE),
)
_MECU_TEXT: Final = (
    re.compile(r"\bMECU\b\D{0,24}?\b([1-8])\b", re.IGNORECASE),
    re.compile(r"\b([1-8])\b\D{0,24}?\bMECU\b", re.IGNORECASE),
)


def _level_in(text: str, patterns: tuple[re.Pattern[str], ...]) -> int | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return int(match.group(1))
    return None


@functools.cache
def _mecu_iris() -> Mapping[str, int]:
    """MECU level concepts of the EU NQF list, by IRI."""
    from elmkit.model import vocab

    levels: dict[str, int] = {}
    for entry in vocab.vocabulary("nqf"):
        match = re.fullmatch(r"MECU Level ([1-8])", entry.label)
        if match:
            levels[entry.iri] = int(match.group(1))
    return MappingProxyType(levels)


def spanish_level(concept: ElmNode | None) -> tuple[str, int, int] | None:
    """``(framework, level, EQF level)`` for a MECES or MECU level concept, else None.

    MECU levels are recognised by their IRI in the EU list or by a label such as "MECU Level 6";
    MECES levels (no EU IRIs exist) by a notation or label such as "MECES 2" or "MECES nivel 3".
    """
    if not isinstance(concept, Concept):
        return None
    mecu = _mecu_iris().get(concept.id or "")
    if mecu is not None:
        return "MECU", mecu, mecu
    texts = [concept.notation or "", concept.id or ""]
    if concept.pref_label is not None:
        texts += [text for values in concept.pref_label.values() for text in values]
    for text in texts:
        level = _level_in(text, _MECES_TEXT)
        if level is not None:
            return "MECES", level, MECES_TO_EQF[level]
        level = _level_in(text, _MECU_TEXT)
        if level is not None:
            return "MECU", level, level
    return None


def _degree_module(spec: LearningAchievementSpecification) -> bool:
    """Whether ``spec`` is a module of a degree: a partial qualification
    (``isPartialQualification`` true). Being part of a programme (``isPartOf``) is not enough:
    a stackable course of a programme of micro-credentials is still a micro-credential."""
    return isinstance(spec, Qualification) and spec.is_partial_qualification is True


def _eqf_number(concept: ElmNode | None) -> int | None:
    iri = concept_id(concept)
    match = re.fullmatch(r"http://data\.europa\.eu/snb/eqf/([1-8])", iri or "")
    return int(match.group(1)) if match else None


# --- languages --------------------------------------------------------------------------------


@functools.cache
def _europass_languages() -> frozenset[str]:
    from elmkit.model import vocab

    return frozenset(entry.notation for entry in vocab.language_set("europass"))


@functools.cache
def _tag_code(tag: str) -> str | None:
    from elmkit.model import vocab

    try:
        return vocab.language(tag).notation
    except ElmError:
        return _TAG_BASES.get(tag.split("-", 1)[0].lower())


def _concept_code(concept: ElmNode | None) -> str | None:
    iri = concept_id(concept)
    return None if iri is None else language_notation(iri)


def _text_codes(text: LangText | None) -> Iterator[str]:
    for tag in text.languages if text is not None else ():
        code = _tag_code(tag)
        if code is not None:
            yield code


@functools.cache
def _text_fields(model: type[ElmNode]) -> tuple[str, ...]:
    """The fields of ``model`` that hold language-tagged text."""
    return tuple(name for name, kind in field_kinds(model) if kind == "lang")


def _tagged_texts(nodes: Iterable[ElmNode]) -> Iterator[tuple[ElmNode, str, LangText, str]]:
    """``(node, field, text, tag)`` for each language of each text ``nodes`` hold."""
    for node in nodes:
        values = node.__dict__
        for name in _text_fields(type(node)):
            text = values.get(name)
            if text:
                for tag in text:
                    yield node, name, text, tag


def _lookalikes(nodes: Iterable[ElmNode]) -> list[tuple[ElmNode, str, str, list[str]]]:
    """``(node, field, tag, look-alikes)`` for each Catalan or Occitan text of ``nodes`` that
    writes a look-alike of the punt volat."""
    found: list[tuple[ElmNode, str, str, list[str]]] = []
    for node, name, text, tag in _tagged_texts(nodes):
        if tag[:2] not in _CA_OC or not _writes_l_l(tag):  # most tags are neither
            continue
        lookalikes = [item for value in text.get_all(tag) for item in punt_volat_lookalikes(value)]
        if lookalikes:
            found.append((node, name, tag, list(dict.fromkeys(lookalikes))))
    return found


_CA_OC: Final = frozenset({"ca", "oc"})


def _vehes_tagged(nodes: Iterable[ElmNode]) -> list[tuple[ElmNode, str, str, list[str]]]:
    """``(node, field, tag, [])`` for each text of ``nodes`` tagged with the language ``val``
    (Vehes), which is no tag of Valencian."""
    return [
        (node, name, tag, [])
        for node, name, _, tag in _tagged_texts(nodes)
        if tag[:3].lower() == "val" and tag.split("-", 1)[0].lower() == "val"
    ]


def _locate(
    parts: CredentialParts, found: list[tuple[ElmNode, str, str, list[str]]]
) -> list[tuple[str, ElmNode, str, str, list[str]]]:
    """``found`` with the JSON pointer of each node, sorted by it; a shared node the credential
    does not hold is left out, and a copy of one is found by its id."""
    by_object: dict[int, str] = {}
    by_iri: dict[str, str] = {}
    for pointer, held in parts.credential.walk():
        by_object[id(held)] = pointer
        if isinstance(held.id, str):
            by_iri.setdefault(held.id, pointer)
    located: list[tuple[str, ElmNode, str, str, list[str]]] = []
    for node, name, tag, items in found:
        where = by_object.get(id(node))
        if where is None and isinstance(node.id, str):
            where = by_iri.get(node.id)
        if where is not None:
            located.append((where, node, name, tag, items))
    located.sort(key=lambda item: (item[0], item[2], item[3]))
    return located


def _located_texts(
    parts: CredentialParts,
    code: str,
    finder: Callable[[Iterable[ElmNode]], list[tuple[ElmNode, str, str, list[str]]]],
) -> list[tuple[str, ElmNode, str, str, list[str]]]:
    """The texts ``finder`` finds in the credential's nodes and in the shared nodes it uses
    (found once per shared graph, remembered under ``code``), each with its JSON pointer."""
    index = parts.index
    found = finder(index.nodes)
    if index.shared is not None:
        memo = index.shared.memo
        if code not in memo:
            memo[code] = finder(index.shared.nodes)
        found = found + memo[code]
    return _locate(parts, found) if found else []


@functools.lru_cache(maxsize=256)
def _writes_l_l(tag: str) -> bool:
    return catalan_or_occitan(tag)


# --- the profile -------------------------------------------------------------------------------


class SpanishMicroCredentialProfile(IndexedProfile):
    """EU micro-credential checks plus the rules for Spanish universities.

    ``europass``: the credential is meant for Europass (warn when it only has co-official
    languages). ``include_eu``: also run (and report) the ``eu-microcredential`` checks.
    """

    name = "es-crue-ruepep"
    title = "Spain: university micro-credentials (CRUE/RUEPEP, provisional) on top of EU Annex I"

    def __init__(self, *, europass: bool = True, include_eu: bool = True) -> None:
        self.europass = europass
        self.include_eu = include_eu

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} europass={self.europass} include_eu={self.include_eu}>"

    @property
    def codes(self) -> tuple[str, ...]:
        """Every finding code this profile can report (the EU ones included)."""
        return (*EU_RULES, *RULES) if self.include_eu else tuple(RULES)

    def _check(self, credential: ElmNode, stage: Stage, shared: SharedIndex | None) -> list[Finding]:
        stage = as_stage(stage)
        eu = EuMicroCredentialProfile()
        eu_out = Findings(eu.name, EU_RULES)
        out = Findings(self.name, RULES)
        if not isinstance(credential, VerifiableCredential):
            eu_out.add("eu-mc/not-a-credential", Severity.ERROR, kind=type(credential).__name__)
            return eu_out.findings
        parts: CredentialParts | None = None
        if self.include_eu:
            try:
                parts = eu.run(credential, stage, eu_out, shared)
            except Exception as exc:  # a profile reports, it never raises on a loaded credential
                eu_out.add(
                    "eu-mc/check-failed", Severity.ERROR, error=f"{type(exc).__name__}: {exc}"
                )
        try:
            self._run(parts or credential_parts(credential, shared), stage, out)
        except Exception as exc:  # a profile reports, it never raises on a loaded credential
            out.add("es/check-failed", Severity.ERROR, error=f"{type(exc).__name__}: {exc}")
        return [*eu_out.findings, *out.findings] if self.include_eu else out.findings

    def _run(self, parts: CredentialParts, stage: Stage, out: Findings) -> None:
        missing = missing_severity(stage)
        for ach in parts.achievements:
            self._workload(parts, ach, missing, out)
            self._levels(ach, out)
            self._modes(parts, ach, out)
        self._issuer(parts, stage, missing, out)
        self._learner(parts, out)
        self._languages(parts, missing, out)
        self._punt_volat(parts, out)
        self._vehes_texts(parts, out)

    def _punt_volat(self, parts: CredentialParts, out: Findings) -> None:
        """Warn about each Catalan or Occitan text that writes a look-alike of the punt volat
        between two ``l`` (``l.l``, ``l\u2027l``…)."""
        for path, node, name, tag, lookalikes in _located_texts(parts, "es/punt-volat", _lookalikes):
            field = type(node).model_fields[name]
            out.add(
                "es/punt-volat",
                Severity.WARNING,
                f"{path}/{field.alias or name}/{tag}",
                focus=node,
                prop=property_iri(type(node).__name__, field.alias or name),
                value=", ".join(lookalikes),
                language=tag,
                names=", ".join(
                    f"{PUNT_VOLAT_LOOKALIKES[written[1]]} U+{ord(written[1]):04X}"
                    for written in lookalikes
                ),
            )

    def _vehes_texts(self, parts: CredentialParts, out: Findings) -> None:
        """Report each text tagged ``val`` (Vehes), a guess at Valencian (``ca-ES-valencia``)."""
        for path, node, name, tag, _ in _located_texts(parts, "es/language-vehes", _vehes_tagged):
            field = type(node).model_fields[name]
            out.add(
                "es/language-vehes",
                Severity.ERROR,
                f"{path}/{field.alias or name}/{tag}",
                focus=node,
                prop=property_iri(type(node).__name__, field.alias or name),
                value=tag,
            )

    def _workload(
        self, parts: CredentialParts, ach: AchievementParts, missing: Severity, out: Findings
    ) -> None:
        spec = ach.spec
        ects_found = False
        # the size of RD 822/2021 is that of a micro-credential, not of a degree's subject
        sized = spec is not None and not _degree_module(spec)
        if spec is not None:
            for i, item in enumerate(spec.credit_point):
                credit = parts.index.resolve(item)
                if (
                    not isinstance(credit, CreditPoint)
                    or concept_id(parts.index.resolve(credit.framework)) != ECTS
                ):
                    continue
                ects_found = True
                points = parse_points(credit.point)
                if sized and points is not None and not (0 < points < 15):
                    out.add(
                        "es/ects-range",
                        Severity.ERROR,
                        f"{ach.spec_path}/creditPoint/{i}/point",
                        focus=credit,
                        prop=property_iri("CreditPoint", "point"),
                        value=credit.point,
                        constraint="range",
                    )
        if not ects_found:
            out.add(
                "es/ects-required",
                missing,
                f"{ach.spec_path}/creditPoint",
                focus=spec or ach.node,
                prop=property_iri("LearningAchievementSpecification", "creditPoint"),
                constraint="minCount",
            )

    def _levels(self, ach: AchievementParts, out: Findings) -> None:
        spec = ach.spec
        if not isinstance(spec, Qualification):
            return
        eqf = _eqf_number(spec.eqf_level)
        for i, concept in enumerate(spec.nqf_level):
            found = spanish_level(concept)
            if found is None:
                continue
            framework, level, expected = found
            values = {"framework": framework, "level": level, "expected": expected}
            if eqf is None:
                out.add(
                    "es/eqf-meces-missing",
                    Severity.WARNING,
                    f"{ach.spec_path}/eqfLevel",
                    focus=spec,
                    prop=property_iri("Qualification", "eqfLevel"),
                    constraint="minCount",
                    **values,
                )
            elif eqf != expected:
                out.add(
                    "es/eqf-meces-mismatch",
                    Severity.ERROR,
                    f"{ach.spec_path}/nqfLevel/{i}",
                    focus=spec,
                    prop=property_iri("Qualification", "nqfLevel"),
                    value=concept.id,
                    eqf=eqf,
                    constraint="equals",
                    **values,
                )

    def _modes(self, parts: CredentialParts, ach: AchievementParts, out: Findings) -> None:
        own = [
            (path, iri)
            for path, iri in participation_modes(parts, ach)
            if path.startswith(f"{ach.spec_path}/mode/")
        ]
        modes = own or list(participation_modes(parts, ach))
        if modes and not any(iri in MODES.values() for _, iri in modes):
            out.add(
                "es/mode",
                Severity.ERROR,
                modes[0][0],
                focus=ach.spec or ach.node,
                prop=property_iri("LearningAchievementSpecification", "mode"),
                value=", ".join(iri for _, iri in modes),
                constraint="in",
            )

    def _issuer(
        self, parts: CredentialParts, stage: Stage, missing: Severity, out: Findings
    ) -> None:
        issuer = parts.index.resolve(parts.credential.issuer)
        countries = country_codes(issuer, parts.index, "/issuer")
        if countries and not any(code == SPAIN for _, code in countries):
            out.add(
                "es/issuer-country",
                Severity.ERROR,
                countries[0][0],
                focus=issuer,
                prop=property_iri("Address", "countryCode"),
                value=countries[0][1],
                country=countries[0][1].rsplit("/", 1)[-1],
                constraint="hasValue",
            )
        nifs: dict[str, str] = {}
        if isinstance(issuer, Organisation):
            nifs = self._issuer_nifs(parts, issuer, stage, out)
        if not nifs:
            prop = property_iri("Organisation", "vatIdentifier")
            if not any(
                f.code in ("es/issuer-nif-invalid", "es/eidas-format") for f in out.findings
            ):
                out.add(
                    "es/issuer-nif-missing",
                    missing,
                    "/issuer/vatIdentifier",
                    focus=issuer,
                    prop=prop,
                    constraint="minCount",
                )
        elif len(set(nifs.values())) > 1:
            listed = ", ".join(f"{term} {nif}" for term, nif in nifs.items())
            out.add(
                "es/issuer-nif-mismatch",
                Severity.WARNING,
                "/issuer",
                focus=issuer,
                value=listed,
                constraint="equals",
            )

    def _issuer_nifs(
        self, parts: CredentialParts, issuer: Organisation, stage: Stage, out: Findings
    ) -> dict[str, str]:
        """Check the issuer's NIFs; returns the valid ones by where they were found."""
        valid: dict[str, str] = {}
        eidas = parts.index.resolve(issuer.eidas_identifier)
        eidas_prop = property_iri("Organisation", "eIDASIdentifier")
        if isinstance(eidas, LegalIdentifier):
            notation = eidas.notation.strip() if isinstance(eidas.notation, str) else ""
            result = (
                check_nif(notation[6:], vat_prefix=False) if notation.startswith("VATES-") else None
            )
            if result is None or not result.valid or result.value != notation[6:]:
                out.add(
                    "es/eidas-format",
                    Severity.ERROR,
                    "/issuer/eIDASIdentifier/notation",
                    focus=eidas,
                    prop=eidas_prop,
                    value=eidas.notation,
                    constraint="pattern",
                )
            else:
                valid["eIDASIdentifier"] = result.value
                self._personal(
                    result.value, result.personal, "/issuer/eIDASIdentifier/notation", eidas, out
                )
        elif stage is Stage.SEALED:
            out.add(
                "es/eidas-missing",
                Severity.ERROR,
                "/issuer/eIDASIdentifier",
                focus=issuer,
                prop=eidas_prop,
                constraint="minCount",
            )
        for term, items in (
            ("vatIdentifier", issuer.vat_identifier),
            ("taxIdentifier", issuer.tax_identifier),
        ):
            for i, item in enumerate(items):
                identifier = parts.index.resolve(item)
                if not isinstance(identifier, LegalIdentifier) or not isinstance(
                    identifier.notation, str
                ):
                    continue
                spatial = concept_id(parts.index.resolve(identifier.spatial))
                if spatial is not None and spatial != SPAIN:
                    continue
                path = f"/issuer/{term}/{i}/notation"
                result = check_nif(identifier.notation)
                if not result.valid:
                    out.add(
                        "es/issuer-nif-invalid",
                        Severity.ERROR,
                        path,
                        focus=identifier,
                        prop=property_iri("Organisation", term),
                        value=identifier.notation,
                        expected=result.expected or "—",
                        constraint="pattern",
                    )
                    continue
                valid.setdefault(f"{term}/{i}", result.value)
                self._personal(result.value, result.personal, path, identifier, out)
        return valid

    def _personal(self, nif: str, personal: bool, path: str, focus: ElmNode, out: Findings) -> None:
        if personal:
            out.add(
                "es/issuer-nif-personal",
                Severity.WARNING,
                path,
                focus=focus,
                value=nif,
                constraint="pattern",
            )

    def _learner(self, parts: CredentialParts, out: Findings) -> None:
        subject = parts.subject
        if not isinstance(subject, Person):
            return
        identifier = parts.index.resolve(subject.national_id)
        if not isinstance(identifier, LegalIdentifier) or not isinstance(identifier.notation, str):
            return
        if concept_id(parts.index.resolve(identifier.spatial)) != SPAIN:
            return
        if not check_personal_id(identifier.notation).valid:
            out.add(
                "es/learner-id-invalid",
                Severity.ERROR,
                "/credentialSubject/nationalID/notation",
                focus=identifier,
                prop=property_iri("Person", "nationalID"),
                constraint="pattern",
            )

    def _languages(self, parts: CredentialParts, missing: Severity, out: Findings) -> None:
        display_codes: list[str] = []
        codes: list[str] = []
        display = parts.display
        primary: str | None = None
        vehes: list[tuple[str, ElmNode | None]] = []
        if display is not None:
            primary = _concept_code(parts.index.resolve(display.primary_language))
            located = [
                *((f"/displayParameter/language/{i}", c) for i, c in enumerate(display.language)),
                ("/displayParameter/primaryLanguage", display.primary_language),
            ]
            for i, item in enumerate(display.individual_display):
                page = parts.index.resolve(item)
                if isinstance(page, IndividualDisplay):
                    located.append((f"/displayParameter/individualDisplay/{i}/language", page.language))
            for path, concept in located:
                code = _concept_code(parts.index.resolve(concept))
                if code is not None:
                    if not path.startswith("/displayParameter/individualDisplay"):
                        display_codes.append(code)
                    if code == "VAL":
                        vehes.append((path, display))
            codes += _text_codes(display.title)
        for ach in parts.achievements:
            codes += _text_codes(ach.node.title)
            if ach.spec is not None:
                codes += _text_codes(ach.spec.title)
                for i, c in enumerate(ach.spec.language):
                    code = _concept_code(parts.index.resolve(c))
                    if code:
                        codes.append(code)
                        if code == "VAL":
                            vehes.append((f"{ach.spec_path}/language/{i}", ach.spec))
        for path, focus in vehes:
            out.add(
                "es/language-vehes",
                Severity.ERROR,
                path,
                focus=focus,
                prop=property_iri("DisplayParameter", "language"),
                value="VAL",
            )
        everything = set(codes) | set(display_codes)
        if not everything & _SPAIN_LANGUAGES:
            out.add(
                "es/language-missing",
                missing,
                "/displayParameter/language",
                focus=display,
                prop=property_iri("DisplayParameter", "language"),
                constraint="minCount",
            )
            return
        if not self.europass:
            return
        europass = _europass_languages()
        only_co_official = not everything & europass
        display_co_official = bool(display_codes) and not set(display_codes) & europass
        if only_co_official or display_co_official:
            shown = display_codes if display_co_official else sorted(everything)
            listed = ", ".join(sorted(set(shown) & _CO_OFFICIAL) or shown)
            out.add(
                "es/europass-languages",
                Severity.WARNING,
                "/displayParameter/language",
                focus=display,
                prop=property_iri("DisplayParameter", "language"),
                value=listed,
            )
        elif primary is not None and primary not in europass:
            out.add(
                "es/europass-primary-language",
                Severity.WARNING,
                "/displayParameter/primaryLanguage",
                focus=display,
                prop=property_iri("DisplayParameter", "primaryLanguage"),
                value=primary,
            )


#: The profiles this module registers.
PROFILES: Final = (SpanishMicroCredentialProfile(),)
