"""Modules of a degree issued as micro-credentials: the tutorial's definition, its programme
(``part_of``), the Spanish profile's size rule and levels, and definition files as editors save
them."""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from elmkit.errors import SourceError, UnknownCodeError
from elmkit.microcredentials import load_definition
from elmkit.microcredentials.build import build_credential
from elmkit.microcredentials.definition import MicroCredential
from elmkit.microcredentials.records import LearnerResult
from elmkit.model import EuropeanDigitalCredential, Qualification, vocab

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial-degree-module.md"
ECTS = "http://data.europa.eu/snb/education-credit/6fcec5c5af"
LEARNER = LearnerResult(
    learner_id="53111222X", given_name="Uxía", family_name="Fernández Outeiro", passed=True, grade=7.8
)


@cache
def _tutorial_data() -> dict[str, Any]:
    """The definition of the tutorial (its YAML block), without the logo file."""
    yaml = pytest.importorskip("yaml")
    block = re.search(r"```yaml\n(.*?)```", TUTORIAL.read_text(encoding="utf-8"), re.DOTALL)
    assert block is not None
    data: dict[str, Any] = yaml.safe_load(block.group(1))
    del data["awarding_body"]["logo"]
    return data


def tutorial(**changes: Any) -> dict[str, Any]:
    """The tutorial's definition with ``changes`` (``part_of__ects`` for ``part_of.ects``;
    ``None`` deletes)."""
    data = copy.deepcopy(_tutorial_data())
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for key in parents:
            target = target[key]
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    return data


def credential(data: dict[str, Any]) -> EuropeanDigitalCredential:
    return build_credential(load_definition(data), LEARNER)


def specification(definition: MicroCredential | dict[str, Any]) -> Qualification:
    if isinstance(definition, dict):
        definition = load_definition(definition)
    spec = build_credential(definition, LEARNER).credential_subject.has_claim[0].specified_by
    assert isinstance(spec, Qualification)
    return spec


def programme(definition: MicroCredential | dict[str, Any]) -> Qualification:
    (parent,) = specification(definition).is_part_of
    return parent


# --- part_of.ects ------------------------------------------------------------------------------


def test_programme_ects_is_written_as_its_credit_points() -> None:
    parent = programme(tutorial())
    (credit,) = parent.credit_point
    assert credit.point == "240"
    assert credit.framework is not None and credit.framework.id == ECTS
    # as the module's own credit points are written, with an id of its own
    (own,) = specification(tutorial()).credit_point
    assert own.point == "6" and own.framework is not None and own.framework.id == ECTS
    assert credit.id != own.id


def test_programme_ects_in_the_written_credential() -> None:
    serializers = pytest.importorskip("elmkit.serializers")
    document = json.loads(serializers.dumps(credential(tutorial(part_of__ects=180.5))))
    claim = document["credentialSubject"]["hasClaim"]
    claim = claim[0] if isinstance(claim, list) else claim
    parent = claim["specifiedBy"]["isPartOf"]
    parent = parent[0] if isinstance(parent, list) else parent
    credit = parent["creditPoint"]
    credit = credit[0] if isinstance(credit, list) else credit
    assert credit["point"] == "180.5"
    assert credit["framework"]["id"] == ECTS


def test_no_programme_ects_no_credit_points() -> None:
    assert programme(tutorial(part_of__ects=None)).credit_point == []


def test_programme_smaller_than_its_module_is_refused() -> None:
    with pytest.raises(SourceError, match=r"part_of\.ects.*3 ECTS.*6 ECTS") as caught:
        load_definition(tutorial(part_of__ects=3))
    assert caught.value.path == "part_of.ects"
    # as large as the module, or without the module's size: accepted
    load_definition(tutorial(part_of__ects=6))
    load_definition(tutorial(ects=None, part_of__ects=3))


def test_module_without_its_programme_is_refused() -> None:
    """A partial qualification of nothing would also escape the size limit of a course."""
    with pytest.raises(SourceError, match="part of a programme") as caught:
        load_definition(tutorial(part_of=None))
    assert caught.value.path == "part_of"
    load_definition(tutorial(kind="course", part_of=None))


def test_module_above_the_level_of_its_programme_is_refused() -> None:
    with pytest.raises(SourceError, match=r"EQF level \(7\).*\(6\)") as caught:
        load_definition(tutorial(eqf_level=7, nqf_level="MECES 3"))
    assert caught.value.path == "part_of.eqf_level"
    load_definition(tutorial(eqf_level=5, part_of__eqf_level=6))
    load_definition(tutorial(eqf_level=7, part_of__eqf_level=None))


def test_programme_title_as_a_plain_text_is_refused() -> None:
    """It would be stored as English: "Grado en Derecho"@en."""
    with pytest.raises(SourceError, match="plain text") as caught:
        load_definition(tutorial(part_of__title="Grado en Derecho"))
    assert caught.value.path == "part_of.title"


# --- the programme's IRI without part_of.id ---------------------------------------------------

USC = {
    "legal_name": {"es": "Universidad de Santiago de Compostela", "gl": "Universidade de Santiago de Compostela"},
    "country": "ES",
    "vat_id": "Q1518001A",
}
UDC = {
    "legal_name": {"es": "Universidad de A Coruña", "gl": "Universidade da Coruña"},
    "country": "ES",
    "vat_id": "Q6550005J",
}
LAW = {"gl": "Grao en Dereito", "es": "Grado en Derecho", "en": "Bachelor's Degree in Law"}


def law_module(awarding_body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return tutorial(**{"awarding_body": awarding_body, "part_of__id": None, "part_of__title": LAW, **changes})


def test_same_programme_title_of_two_universities_gets_two_iris() -> None:
    usc, udc = programme(law_module(USC)), programme(law_module(UDC))
    assert usc.id != udc.id
    # the programme's credit points are its own too
    assert usc.credit_point[0].id != udc.credit_point[0].id


def test_modules_of_one_programme_share_its_iri() -> None:
    first = programme(law_module(USC))
    other = law_module(USC, id="usc-derecho-m2", title={"es": "Derecho romano"})
    assert programme(other).id == first.id
    # the definition's languages, their order, the order of the titles: the same programme
    reordered = law_module(
        USC, languages=["gl", "es"], part_of__title=dict(reversed(list(LAW.items())))
    )
    assert programme(reordered).id == first.id
    assert programme(law_module(USC, part_of__title={**LAW, "es": " Grado  en Derecho"})).id == first.id


def test_programme_iri_depends_on_every_title_not_the_english_one() -> None:
    law = programme(law_module(USC)).id
    same_english = {**LAW, "es": "Grado en Derecho y Administración y Dirección de Empresas"}
    assert programme(law_module(USC, part_of__title=same_english)).id != law
    spanish_only = programme(law_module(USC, part_of__title={"es": "Grado en Derecho"})).id
    other_spanish_only = programme(law_module(USC, part_of__title={"es": "Grado en Historia"})).id
    assert len({law, spanish_only, other_spanish_only}) == 3


def test_an_awarding_body_without_vat_id_gets_one_iri_whatever_the_order_of_its_names() -> None:
    from elmkit.model import Organisation, stable_id

    def iris(legal_name: dict[str, str]) -> tuple[str | None, str | None]:
        data = law_module({"legal_name": legal_name, "country": "ES"})
        awarding = credential(data).credential_subject.has_claim[0].awarded_by.awarding_body[0]
        return awarding.id, programme(data).id

    galician_first = {"gl": "Universidade de Vigo", "es": "Universidad de Vigo"}
    assert iris(galician_first) == iris(dict(reversed(list(galician_first.items()))))
    # an English name is what the IRI is derived from, whatever comes first
    named = iris({"gl": "Universidade de Vigo", "en": "University of Vigo"})[0]
    assert named == stable_id(Organisation, "org/University of Vigo")


def test_part_of_id_is_the_programme_iri() -> None:
    iri = "https://www.usc.gal/es/estudios/grados/ciencias-sociales-juridicas/grado-derecho"
    assert programme(law_module(USC, part_of__id=iri)).id == iri
    assert programme(law_module(UDC, part_of__id=iri)).id == iri


@pytest.mark.parametrize("given", ["2501234", "grados/derecho", "RUCT 2501234"])
def test_part_of_id_that_is_no_absolute_iri_is_refused(given: str) -> None:
    """A relative reference would be read against wherever the credential is stored."""
    with pytest.raises(SourceError, match="not an absolute IRI") as caught:
        load_definition(law_module(USC, part_of__id=given))
    assert caught.value.path == "part_of.id"
    with pytest.raises(SourceError, match="not an absolute IRI") as caught:
        load_definition(law_module({**USC, "id": given}))
    assert caught.value.path == "awarding_body.id"
    assert programme(law_module(USC, part_of__id="urn:ruct:2501234")).id == "urn:ruct:2501234"


# --- learning setting and stackability (Annex I optional element 4) ----------------------------

FORMAL = vocab.learning_setting("formal learning").iri
NON_FORMAL = vocab.learning_setting("non-formal learning").iri


def setting(data: dict[str, Any]) -> str | None:
    concept = specification(data).learning_setting
    return None if concept is None else concept.id


def test_a_module_of_a_degree_is_formal_learning_unless_its_definition_says_otherwise() -> None:
    assert setting(tutorial(learning_setting=None)) == FORMAL
    assert setting(tutorial(learning_setting="non-formal learning")) == NON_FORMAL
    assert setting(tutorial(kind="course", part_of=None, learning_setting=None)) == NON_FORMAL


def note_texts(spec: Qualification) -> list[dict[str, list[str]]]:
    return [
        {lang: list(texts) for lang, texts in (note.note_literal or {}).items()}
        for note in spec.additional_note
    ]


def eu_codes(data: dict[str, Any]) -> set[str]:
    return {code for code, _ in findings(data, "eu-microcredential")}


def test_unstated_stackability_is_not_written() -> None:
    course = tutorial(kind="course", part_of=None)
    spec = specification(course)
    assert spec.is_partial_qualification is None and spec.additional_note == []
    assert "eu-mc/stackability" in eu_codes(course)


def test_stand_alone_course_says_so_in_every_language() -> None:
    course = tutorial(kind="course", part_of=None, stackable=False)
    spec = specification(course)
    assert spec.is_partial_qualification is False
    assert note_texts(spec) == [
        {
            "es": ["Microcredencial independiente"],
            "gl": ["Microcredencial independente"],
            "en": ["Stand-alone micro-credential"],
        }
    ]
    assert "eu-mc/stackability" not in eu_codes(course)


def test_stackable_course_says_so_and_a_language_without_words_gets_english() -> None:
    course = tutorial(kind="course", part_of=None, stackable=True, languages=["ca", "pl"])
    course["title"]["ca"] = course["title"]["pl"] = "Didàctica de les ciències experimentals"
    for outcome in course["learning_outcomes"]:
        outcome["title"]["ca"] = "Dissenya seqüències didàctiques"
    spec = specification(course)
    assert spec.is_partial_qualification is False  # a micro-credential of its own
    assert note_texts(spec) == [
        {"ca": ["Microcredencial acumulable"], "en": ["Stackable micro-credential"]}
    ]
    assert "eu-mc/stackability" not in eu_codes(course)


def test_stackable_module_keeps_being_a_partial_qualification() -> None:
    spec = specification(tutorial(stackable=True))
    assert spec.is_partial_qualification is True and spec.is_part_of
    assert note_texts(spec)[0]["es"] == ["Microcredencial acumulable"]


@pytest.mark.parametrize(
    "changes",
    [{}, {"kind": "course"}],
    ids=["module", "course-with-part-of"],
)
def test_a_part_of_a_programme_stated_stand_alone_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(SourceError, match="stand-alone") as caught:
        load_definition(tutorial(stackable=False, **changes))
    assert caught.value.path == "stackable"


def test_display_pages_name_the_programme_in_their_language() -> None:
    from datetime import UTC, datetime

    from elmkit.microcredentials.batch import page_data

    when = datetime(2026, 7, 1, tzinfo=UTC)
    module = load_definition(tutorial())
    assert page_data(module, LEARNER, when, "urn:x", "gl").part_of == (
        "Grao en Mestre ou Mestra de Educación Infantil"
    )
    assert page_data(module, LEARNER, when, "urn:x", "en").part_of == (
        "Bachelor's Degree in Early Childhood Education"
    )
    course = load_definition(tutorial(kind="course", part_of=None))
    assert page_data(course, LEARNER, when, "urn:x", "gl").part_of is None


# --- the size of a Spanish university micro-credential ------------------------------------------


def findings(data: dict[str, Any], profile: str = "es-crue-ruepep") -> set[tuple[str, str]]:
    """``(code, severity)`` of what ``profile`` finds in the credential of ``data`` at ready."""
    from elmkit.profiles import validate

    report = validate(credential(data), profiles=(profile,), stage="ready")
    return {(finding.code, finding.severity.value) for finding in report.findings}


@pytest.mark.parametrize("ects", [15, 18, 30, 60])
def test_module_of_a_degree_of_15_ects_or_more_is_a_spanish_micro_credential(ects: int) -> None:
    data = tutorial(ects=ects, hours=ects * 25)
    found = findings(data)
    assert not any(code == "es/ects-range" for code, _ in found), found
    assert not any(severity == "error" for _, severity in found), found


def test_part_of_a_programme_without_being_a_partial_qualification_keeps_the_limit() -> None:
    """A stackable course of a programme of micro-credentials is still a micro-credential."""
    from elmkit.profiles import validate

    document = credential(tutorial(ects=18, hours=450))
    spec = document.credential_subject.has_claim[0].specified_by
    assert isinstance(spec, Qualification)
    codes = {f.code for f in validate(document, profiles=("es-crue-ruepep",), stage="ready").findings}
    assert "es/ects-range" not in codes
    spec.is_partial_qualification = None
    assert spec.is_part_of
    codes = {f.code for f in validate(document, profiles=("es-crue-ruepep",), stage="ready").findings}
    assert "es/ects-range" in codes


def test_course_of_15_ects_or_more_is_still_refused() -> None:
    course = tutorial(kind="course", part_of=None, ects=18, hours=450)
    assert ("es/ects-range", "error") in findings(course)


def test_module_still_needs_its_ects_credits() -> None:
    found = findings(tutorial(ects=None))
    assert ("es/ects-required", "error") in found


def test_eu_profile_has_no_size_limit() -> None:
    for data in (tutorial(ects=60, hours=1500), tutorial(kind="course", part_of=None, ects=60, hours=1500)):
        found = findings(data, "eu-microcredential")
        assert not any(severity == "error" for _, severity in found), found


# --- definition files saved with a byte order mark ----------------------------------------------


MINIMAL_TOML = """\
id = "upm-grado-infantil-2026-m07"
kind = "module"
languages = ["es", "gl"]
ects = 6
title = { es = "Didáctica de las ciencias experimentales", gl = "Didáctica das ciencias experimentais" }

[part_of]
title = { es = "Grado en Maestro o Maestra de Educación Infantil" }
ects = 240

[awarding_body]
legal_name = { es = "Universidad Pública del Morrazo" }
country = "ES"
vat_id = "Q3600412E"
"""


def _definition_text(suffix: str) -> str:
    import tomllib

    data = tomllib.loads(MINIMAL_TOML)
    if suffix == ".json":
        return json.dumps(data, ensure_ascii=False, indent=2)
    if suffix == ".yaml":
        yaml = pytest.importorskip("yaml")
        text: str = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        return text
    return MINIMAL_TOML


@pytest.mark.parametrize("suffix", [".toml", ".yaml", ".json"])
def test_definition_saved_with_a_byte_order_mark(tmp_path: Path, suffix: str) -> None:
    text = _definition_text(suffix)
    plain = tmp_path / f"plain{suffix}"
    plain.write_text(text, encoding="utf-8")
    marked = tmp_path / f"notepad{suffix}"
    marked.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    definition = load_definition(marked)
    assert definition.id == "upm-grado-infantil-2026-m07"  # not "\ufeffid"
    assert definition.fingerprint() == load_definition(plain).fingerprint()


# --- MECES levels --------------------------------------------------------------------------------

#: The MECU levels (the Spanish NQF) of the EU list, by number.
MECU = {int(entry.label[-1]): entry.iri for entry in vocab.vocabulary("nqf") if entry.label.startswith("MECU Level ")}


@pytest.mark.parametrize(
    ("written", "mecu"),
    [("MECES 1", 5), ("MECES 2", 6), ("MECES 3", 7), ("MECES 4", 8), ("meces-3", 7), ("MECES nivel 2", 6)],
)
def test_meces_level_is_written_as_its_mecu_level(written: str, mecu: int) -> None:
    (level,) = specification(tutorial(nqf_level=written, eqf_level=mecu, part_of__eqf_level=mecu)).nqf_level
    assert level.id == MECU[mecu]


def test_meces_level_agrees_with_the_eqf_level() -> None:
    master = tutorial(nqf_level="MECES 3", eqf_level=7, part_of__eqf_level=7)
    assert not any(code.startswith("es/eqf-meces") for code, _ in findings(master))
    assert ("es/eqf-meces-mismatch", "error") in findings(tutorial(nqf_level="MECES 3", eqf_level=6))


@pytest.mark.parametrize("written", ["MECES 5", "MECES 0", "MECES"])
def test_no_meces_level_gets_a_mecu_level_of_the_same_number(written: str) -> None:
    with pytest.raises(SourceError, match="MECES has levels 1 to 4") as caught:
        credential(tutorial(nqf_level=written))
    assert "close matches" not in str(caught.value)
    assert caught.value.path == "nqf_level"


def test_vocabulary_suggests_no_mecu_level_for_a_meces_level() -> None:
    assert vocab.nqf("MECES 3").iri == MECU[7]
    with pytest.raises(UnknownCodeError) as caught:
        vocab.nqf("MECES 7")
    assert "close matches" not in str(caught.value)
    assert "MECES 3 = MECU Level 7" in str(caught.value)
    # other unknown codes still get close matches
    with pytest.raises(UnknownCodeError, match=r"close matches: .*MECU Level 3"):
        vocab.nqf("MECU 3")
