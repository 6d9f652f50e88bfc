"""The eu-microcredential profile (Annex I of Council Recommendation 2022/C 243/02) and the
quality-assurance representations, on the Commission's own micro-credential sample."""

from __future__ import annotations

import copy
import json
import string
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import SAMPLES_DIR
from elmkit.errors import ElmError, ModelError, UnknownCodeError
from elmkit.model import (
    Accreditation,
    EuropeanDigitalCredential,
    LangText,
    LearningAchievement,
    Organisation,
    Person,
    Qualification,
)
from elmkit.profiles import validate
from elmkit.profiles.base import Finding, ProfileError, Severity, Stage, get_profile, run_profiles
from elmkit.profiles.es import RULES as ES_RULES
from elmkit.profiles.es import SpanishMicroCredentialProfile
from elmkit.profiles.eu import ELEMENTS, RULES, EuMicroCredentialProfile
from elmkit.profiles.quality import (
    KINDS,
    add_quality_assurance,
    find_all_quality_assurance,
    find_quality_assurance,
    is_quality_assurance_note,
    quality_assurance_kind,
)

PROFILE = EuMicroCredentialProfile()
QA_PATH = "/credentialSubject/hasClaim/0/specifiedBy/accreditation"
ELM = "http://data.europa.eu/snb/model/elm/"


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    data = json.loads(
        (SAMPLES_DIR / "Sample-MC-Annex1-unsigned.jsonld").read_text(encoding="utf-8")
    )
    return {k: v for k, v in data.items() if k != "@context"}


@pytest.fixture(scope="module")
def signed_payload() -> dict[str, Any]:
    envelope = json.loads(
        (SAMPLES_DIR / "Sample-MC-Annex1-signed.jsonld").read_text(encoding="utf-8")
    )
    payload = json.loads(envelope["payload"])
    return {k: v for k, v in payload.items() if k != "@context"}


def load(data: dict[str, Any]) -> EuropeanDigitalCredential:
    return EuropeanDigitalCredential.from_data(copy.deepcopy(data))


def check(credential: Any, stage: Stage = Stage.READY) -> list[Finding]:
    return list(PROFILE.check(credential, stage=stage))


def codes(findings: list[Finding], severity: Severity | None = None) -> set[str]:
    return {f.code for f in findings if severity is None or f.severity is severity}


def achievement(data: dict[str, Any]) -> dict[str, Any]:
    claim: dict[str, Any] = data["credentialSubject"]["hasClaim"]
    return claim


def spec(data: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = achievement(data)["specifiedBy"]
    return found


def with_qa(credential: EuropeanDigitalCredential) -> EuropeanDigitalCredential:
    add_quality_assurance(
        credential, kind="internal", text={"en": "Internal QA system of the university"}
    )
    return credential


# --- the Commission's sample ---------------------------------------------------------------------


def test_sample_at_ready_lacks_only_quality_assurance(sample: dict[str, Any]) -> None:
    findings = check(load(sample))
    assert [(f.code, f.severity) for f in findings] == [("eu-mc/quality-assurance", Severity.ERROR)]
    finding = findings[0]
    assert "Annex I element 11: type of quality assurance" in finding.source
    assert finding.message("en").startswith("Annex I element 11 (type of quality assurance)")
    assert finding.message("es").startswith("Anexo I, elemento 11 (tipo de garantía de calidad)")
    assert finding.path == QA_PATH
    assert finding.focus == "urn:epass:qualification:1"
    assert finding.property == ELM + "accreditation"
    assert finding.profile == "eu-microcredential"


def test_sample_at_sealed_also_lacks_date_of_issuing(sample: dict[str, Any]) -> None:
    findings = check(load(sample), Stage.SEALED)
    assert codes(findings, Severity.ERROR) == {"eu-mc/date-of-issuing", "eu-mc/quality-assurance"}
    assert len(findings) == 2
    date = next(f for f in findings if f.code == "eu-mc/date-of-issuing")
    assert "Annex I element 5: date of issuing" in date.source
    assert date.path == "/issued"


def test_sample_at_draft_reports_missing_elements_as_warnings(sample: dict[str, Any]) -> None:
    report = run_profiles(load(sample), [PROFILE], stage=Stage.DRAFT)
    assert report.ok
    assert [(f.code, f.severity) for f in report] == [("eu-mc/quality-assurance", Severity.WARNING)]


def test_sealed_sample_has_its_date_and_lacks_only_quality_assurance(
    signed_payload: dict[str, Any],
) -> None:
    credential = load(signed_payload)
    assert credential.issued is not None
    assert codes(check(credential, Stage.SEALED)) == {"eu-mc/quality-assurance"}
    with_qa(credential)
    assert check(credential, Stage.SEALED) == []


@pytest.mark.parametrize("stage", list(Stage))
def test_sample_with_quality_assurance_has_no_error(sample: dict[str, Any], stage: Stage) -> None:
    credential = with_qa(load(sample))
    findings = check(credential, stage)
    expected = {"eu-mc/date-of-issuing"} if stage is Stage.SEALED else set()
    assert codes(findings) == expected


# --- the quality-assurance representations ---------------------------------------------------------


def _reloaded(credential: EuropeanDigitalCredential) -> EuropeanDigitalCredential:
    """The credential written to plain JSON data and read back."""
    data = credential.model_dump(mode="json", by_alias=True, exclude_none=True)
    return EuropeanDigitalCredential.from_data(json.loads(json.dumps(data)))


def _spec_accreditation(c: EuropeanDigitalCredential) -> None:
    issuer = c.issuer
    assert isinstance(issuer, Organisation)
    add_quality_assurance(
        c,
        kind="program",
        accrediting_agent=issuer,
        text="Programme review",
        date_issued="2023-01-31",
    )


def _given_accreditation(c: EuropeanDigitalCredential) -> None:
    agency = Organisation(
        id="urn:epass:org:agency", type="Organisation", legal_name=LangText({"en": "QA agency"})
    )
    add_quality_assurance(
        c,
        kind="program-license",
        accreditation=Accreditation(id="urn:epass:accreditation:9", accrediting_agent=agency),
    )


def _awarding_body_accreditation(c: EuropeanDigitalCredential) -> None:
    claim = c.credential_subject.has_claim[0]  # type: ignore[union-attr]
    assert isinstance(claim, LearningAchievement) and claim.awarded_by is not None
    body = claim.awarded_by.awarding_body[0]
    assert isinstance(body, Organisation)
    agency = Organisation(
        id="urn:epass:org:agency", type="Organisation", legal_name=LangText({"es": "Agencia"})
    )
    add_quality_assurance(body, kind="institutional", accrediting_agent=agency)


def _awarding_body_note(c: EuropeanDigitalCredential) -> None:
    claim = c.credential_subject.has_claim[0]  # type: ignore[union-attr]
    assert isinstance(claim, LearningAchievement) and claim.awarded_by is not None
    body = claim.awarded_by.awarding_body[0]
    assert isinstance(body, Organisation)
    add_quality_assurance(
        body, kind="institutional", text=LangText({"es": "Sistema de garantía interna"})
    )


def _achievement_note(c: EuropeanDigitalCredential) -> None:
    claim = c.credential_subject.has_claim[0]  # type: ignore[union-attr]
    assert isinstance(claim, LearningAchievement)
    claim.specified_by = None
    add_quality_assurance(c, kind="external", text="Reviewed by the national agency")


@pytest.mark.parametrize(
    ("add", "representation", "kind"),
    [
        (
            lambda c: add_quality_assurance(c, kind="internal", text="Internal QA"),
            "note",
            "institutional",
        ),
        (_spec_accreditation, "specification-accreditation", "program"),
        (_given_accreditation, "specification-accreditation", "program-license"),
        (_awarding_body_accreditation, "awarding-body-accreditation", "institutional"),
        (_awarding_body_note, "note", "institutional"),
    ],
    ids=["note", "spec-accreditation", "given-accreditation", "body-accreditation", "body-note"],
)
def test_each_representation_satisfies_element_11(
    sample: dict[str, Any],
    add: Callable[[EuropeanDigitalCredential], object],
    representation: str,
    kind: str,
) -> None:
    credential = load(sample)
    add(credential)
    for candidate in (credential, _reloaded(credential)):
        found = find_quality_assurance(candidate)
        assert found is not None
        assert (found.representation, found.kind, found.type_iri) == (
            representation,
            kind,
            KINDS[kind],
        )
        assert found.text
        assert "eu-mc/quality-assurance" not in codes(check(candidate))
        assert check(candidate) == []


def test_evidence_accreditation_satisfies_element_11(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    data["evidence"] = [
        {
            "id": "urn:epass:evidence:1",
            "type": "Evidence",
            "dcType": {
                "id": "http://data.europa.eu/snb/evidence-type/c_18016257",
                "type": "Concept",
            },
            "accreditation": {
                "id": "urn:epass:accreditation:1",
                "type": "Accreditation",
                "title": {"en": "Accredited issuer"},
                "dcType": {"id": KINDS["institutional-license"], "type": "Concept"},
                "accreditingAgent": "urn:epass:org:2",
            },
        }
    ]
    credential = load(data)
    found = find_quality_assurance(credential)
    assert found is not None and found.representation == "evidence-accreditation"
    assert found.path == "/evidence/0/accreditation"
    assert found.accrediting_agent is not None and found.accrediting_agent.legal_name is not None
    assert check(credential) == []


def test_quality_assurance_turns_a_plain_specification_into_a_qualification(
    sample: dict[str, Any],
) -> None:
    data = copy.deepcopy(sample)
    spec(data)["type"] = "LearningAchievementSpecification"
    for key in ("eqfLevel", "nqfLevel", "isPartialQualification"):
        spec(data).pop(key)
    credential = load(data)
    agency = Organisation(
        id="urn:epass:org:agency", type="Organisation", legal_name=LangText({"en": "Agency"})
    )
    added = add_quality_assurance(credential, kind="program", accrediting_agent=agency)
    claim = credential.credential_subject.has_claim[0]  # type: ignore[union-attr]
    assert isinstance(claim, LearningAchievement)
    assert isinstance(claim.specified_by, Qualification)
    assert claim.specified_by.accreditation == [added]
    assert len(claim.specified_by.learning_outcome) == 2
    assert find_quality_assurance(credential) is not None


def test_note_goes_to_the_achievement_when_it_has_no_specification(sample: dict[str, Any]) -> None:
    credential = load(sample)
    _achievement_note(credential)
    found = find_quality_assurance(credential)
    assert found is not None
    assert found.path == "/credentialSubject/hasClaim/0/additionalNote/0"
    assert found.kind == "program"


def test_untyped_notes_and_empty_accreditations_are_not_quality_assurance(
    sample: dict[str, Any],
) -> None:
    data = copy.deepcopy(sample)
    spec(data)["additionalNote"] = [
        {"type": "Note", "noteLiteral": {"en": "Quality assured"}},
        {
            "type": "Note",
            "noteLiteral": {"en": " "},
            "subject": {"id": KINDS["program"], "type": "Concept"},
        },
    ]
    spec(data)["accreditation"] = [{"type": "Accreditation"}]
    credential = load(data)
    assert find_all_quality_assurance(credential) == []
    assert codes(check(credential)) == {"eu-mc/quality-assurance"}


def test_a_note_typed_by_scheme_counts(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    note = {
        "type": "Note",
        "noteLiteral": {"en": "Certified internal QA"},
        "subject": {
            "id": "urn:example:qa-kind",
            "type": "Concept",
            "inScheme": {
                "id": "http://data.europa.eu/snb/accreditation/25831c2",
                "type": "ConceptScheme",
            },
        },
    }
    spec(data)["additionalNote"] = [note]
    credential = load(data)
    found = find_quality_assurance(credential)
    assert found is not None and found.kind is None and is_quality_assurance_note(found.node)
    assert check(credential) == []


def test_quality_assurance_kinds() -> None:
    assert quality_assurance_kind("internal") == "institutional"
    assert quality_assurance_kind("Programme") == "program"
    assert quality_assurance_kind(KINDS["program-license"]) == "program-license"
    with pytest.raises(UnknownCodeError):
        quality_assurance_kind("excellent")


def test_add_quality_assurance_rejects_what_it_cannot_write(sample: dict[str, Any]) -> None:
    credential = load(sample)
    with pytest.raises(ModelError):
        add_quality_assurance(credential, kind="internal")
    with pytest.raises(ModelError):
        add_quality_assurance(
            credential, text="x", date_issued="yesterday", accrediting_agent=Organisation()
        )
    plain = Person(id="urn:epass:person:9")
    empty = EuropeanDigitalCredential(credential_subject=plain)
    with pytest.raises(ModelError):
        add_quality_assurance(empty, text="x")
    assert find_quality_assurance(credential) is None


# --- each mandatory element, removed in turn ------------------------------------------------------


def nodes_with_id(value: Any, node_id: str) -> list[dict[str, Any]]:
    """Every JSON object with this ``id`` (JSON-LD merges them into one node)."""
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if value.get("id") == node_id:
            found.append(value)
        for item in value.values():
            found += nodes_with_id(item, node_id)
    elif isinstance(value, list):
        for item in value:
            found += nodes_with_id(item, node_id)
    return found


def _drop(*keys: str) -> Callable[[dict[str, Any]], Any]:
    def apply(target: dict[str, Any]) -> None:
        for key in keys:
            target.pop(key, None)

    return apply


MANDATORY: list[tuple[str, Callable[[dict[str, Any]], object], str, int]] = [
    (
        "learner",
        lambda d: _drop("fullName", "givenName", "familyName")(d["credentialSubject"]),
        "eu-mc/learner",
        1,
    ),
    (
        "title",
        lambda d: (_drop("title")(achievement(d)), _drop("title")(spec(d))),
        "eu-mc/title",
        2,
    ),
    (
        "country",
        lambda d: [_drop("location")(n) for n in nodes_with_id(d, "urn:epass:org:1")],
        "eu-mc/issuer-country",
        3,
    ),
    (
        "awarding-body",
        lambda d: [
            _drop("awardingBody")(n) for n in nodes_with_id(d, "urn:epass:awardingProcess:1")
        ],
        "eu-mc/awarding-body",
        4,
    ),
    ("outcomes", lambda d: _drop("learningOutcome")(spec(d)), "eu-mc/learning-outcomes", 6),
    (
        "workload",
        lambda d: _drop("creditPoint", "volumeOfLearning")(spec(d)),
        "eu-mc/notional-workload",
        7,
    ),
    ("level", lambda d: _drop("eqfLevel", "nqfLevel")(spec(d)), "eu-mc/level", 8),
    (
        "assessment",
        lambda d: _drop("dcType")(achievement(d)["provenBy"]["specifiedBy"]),
        "eu-mc/assessment-type",
        9,
    ),
    (
        "participation",
        lambda d: (
            _drop("mode")(spec(d)),
            _drop("mode")(achievement(d)["influencedBy"]["specifiedBy"]),
        ),
        "eu-mc/form-of-participation",
        10,
    ),
]


@pytest.mark.parametrize(
    ("name", "mutate", "code", "number"), MANDATORY, ids=[m[0] for m in MANDATORY]
)
def test_each_missing_mandatory_element_is_an_error(
    sample: dict[str, Any],
    name: str,
    mutate: Callable[[dict[str, Any]], object],
    code: str,
    number: int,
) -> None:
    data = copy.deepcopy(sample)
    mutate(data)
    findings = check(with_qa(load(data)))
    assert codes(findings, Severity.ERROR) == {code}
    finding = next(f for f in findings if f.code == code)
    element = ELEMENTS[name]
    assert f"Annex I element {number}: {element.en}" in finding.source
    assert f"Annex I element {number} ({element.en})" in finding.message("en")
    assert f"Anexo I, elemento {number} ({element.es})" in finding.message("es")
    assert finding.path.startswith("/")
    assert finding.property is not None and finding.property.startswith("http")
    draft = check(with_qa(load(data)), Stage.DRAFT)
    assert next(f for f in draft if f.code == code).severity is Severity.WARNING


def test_workload_by_volume_of_learning_alone_is_enough_but_not_ects(
    sample: dict[str, Any],
) -> None:
    data = copy.deepcopy(sample)
    spec(data).pop("creditPoint")
    findings = check(with_qa(load(data)))
    assert [(f.code, f.severity) for f in findings] == [("eu-mc/workload-ects", Severity.INFO)]


@pytest.mark.parametrize(
    ("point", "volume"),
    [("abc", None), ("0", None), ("-2", None), (None, "PT0H"), (None, "-PT5H")],
)
def test_invalid_workloads_are_errors(
    sample: dict[str, Any], point: str | None, volume: str | None
) -> None:
    data = copy.deepcopy(sample)
    spec(data).pop("volumeOfLearning")
    if point is None:
        spec(data).pop("creditPoint")
        spec(data)["volumeOfLearning"] = volume
    else:
        spec(data)["creditPoint"]["point"] = point
    findings = check(with_qa(load(data)))
    assert codes(findings, Severity.ERROR) == {"eu-mc/notional-workload-invalid"}
    assert "Annex I element 7: notional workload" in findings[0].source


def test_decimal_comma_points_are_accepted(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    spec(data)["creditPoint"]["point"] = "1,5"
    assert check(with_qa(load(data))) == []


def test_level_applies_to_qualifications_and_formal_learning_only(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    spec(data)["type"] = "LearningAchievementSpecification"
    for key in ("eqfLevel", "nqfLevel", "isPartialQualification"):
        spec(data).pop(key)
    spec(data)["isPartOf"] = {
        "id": "urn:epass:qualification:master",
        "type": "LearningAchievementSpecification",
    }
    findings = check(with_qa(load(data)))
    assert [(f.code, f.severity) for f in findings] == [("eu-mc/level-not-stated", Severity.INFO)]
    spec(data)["learningSetting"]["id"] = "http://data.europa.eu/snb/learning-setting/6fd4685715"
    assert codes(check(with_qa(load(data))), Severity.ERROR) == {"eu-mc/level"}


def test_a_national_level_alone_satisfies_element_8(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    spec(data).pop("eqfLevel")
    assert check(with_qa(load(data))) == []


def test_eqf_level_must_be_an_eqf_concept(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    spec(data)["eqfLevel"]["id"] = "http://data.europa.eu/snb/eqf/9"
    findings = check(with_qa(load(data)))
    assert codes(findings) == {"eu-mc/level-invalid"}
    assert findings[0].value == "http://data.europa.eu/snb/eqf/9"


def test_a_level_on_a_plain_specification_is_misplaced(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    spec(data)["type"] = "LearningAchievementSpecification"
    spec(data).pop("isPartialQualification")
    findings = check(with_qa(load(data)))
    assert codes(findings, Severity.ERROR) == {"eu-mc/level-wrong-class"}
    assert {f.path for f in findings if f.severity is Severity.ERROR} == {
        "/credentialSubject/hasClaim/0/specifiedBy/eqfLevel",
        "/credentialSubject/hasClaim/0/specifiedBy/nqfLevel",
    }


def test_assessment_type_on_the_specification_counts(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    assessment_spec = achievement(data)["provenBy"]["specifiedBy"]
    achievement(data)["provenBy"]["specifiedBy"] = {
        "id": assessment_spec["id"],
        "type": "LearningAssessmentSpecification",
    }
    assert codes(check(with_qa(load(data))), Severity.ERROR) == {"eu-mc/assessment-type"}
    spec(data)["provenBy"] = [assessment_spec]
    assert check(with_qa(load(data))) == []


def test_references_by_id_are_followed(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    achievement(data)["awardedBy"]["awardingBody"] = "urn:epass:org:1"
    achievement(data)["influencedBy"]["awardedBy"]["awardingBody"] = "urn:epass:org:1"
    achievement(data)["provenBy"]["awardedBy"]["awardingBody"] = "urn:epass:org:1"
    credential = load(data)
    org = credential.issuer
    assert isinstance(org, Organisation)
    add_quality_assurance(
        org, kind="institutional", accrediting_agent=Organisation(id="urn:epass:org:agency")
    )
    assert check(credential) == []


def test_objects_with_the_same_id_are_one_node(sample: dict[str, Any]) -> None:
    credential = load(copy.deepcopy(sample))  # issuer and awarding body: separate objects
    body = credential.credential_subject.has_claim[0].awarded_by.awarding_body[0]
    assert body is not credential.issuer and body.id == credential.issuer.id
    agency = Organisation(id="urn:epass:org:agency")
    add_quality_assurance(credential.issuer, kind="institutional", accrediting_agent=agency)
    found = find_all_quality_assurance(credential)
    assert [qa.representation for qa in found] == ["awarding-body-accreditation"]
    assert check(credential) == []
    add_quality_assurance(body, kind="institutional", accrediting_agent=agency)
    assert len(find_all_quality_assurance(credential)) == 2, "two accreditations, each once"


def test_issuer_country_must_be_a_known_country(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    for org in nodes_with_id(data, "urn:epass:org:1"):
        org["location"]["address"]["countryCode"]["id"] = (
            "http://publications.europa.eu/resource/authority/country/XXX"
        )
    findings = check(with_qa(load(data)))
    assert [(f.code, f.severity) for f in findings] == [
        ("eu-mc/issuer-country-unknown", Severity.WARNING)
    ]
    assert findings[0].path == "/issuer/location/0/address/0/countryCode"


def test_a_subject_that_is_not_a_person(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    data["credentialSubject"] = {
        "id": "urn:epass:org:9",
        "type": "Organisation",
        "legalName": {"en": "ACME"},
    }
    findings = check(load(data))
    assert {"eu-mc/learner-not-person", "eu-mc/learning-achievement"} <= codes(
        findings, Severity.ERROR
    )


def test_a_credential_without_achievement(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    achievement(data)["type"] = "LearningActivity"
    for key in ("specifiedBy", "provenBy", "influencedBy"):
        achievement(data).pop(key)
    findings = check(load(data))
    assert codes(findings) == {"eu-mc/learning-achievement"}
    assert findings[0].path == "/credentialSubject/hasClaim"


def test_not_a_credential() -> None:
    findings = check(Person(id="urn:epass:person:1"))
    assert codes(findings) == {"eu-mc/not-a-credential"}
    assert "Person" in findings[0].message("en") and "Person" in findings[0].message("es")


# --- optional elements -----------------------------------------------------------------------------

OPTIONAL: list[tuple[str, Callable[[dict[str, Any]], object], str, int]] = [
    ("prerequisites", lambda d: _drop("entryRequirement")(spec(d)), "eu-mc/prerequisites", 1),
    (
        "supervision",
        lambda d: _drop("idVerification")(achievement(d)["provenBy"]),
        "eu-mc/supervision",
        2,
    ),
    (
        "grade",
        lambda d: achievement(d)["provenBy"]["grade"]["noteLiteral"].update(en=""),
        "eu-mc/grade",
        3,
    ),
    ("stackability", lambda d: _drop("isPartialQualification")(spec(d)), "eu-mc/stackability", 4),
    (
        "further-information",
        lambda d: _drop("description")(d["displayParameter"]),
        "eu-mc/further-information",
        5,
    ),
]


@pytest.mark.parametrize(
    ("name", "mutate", "code", "number"), OPTIONAL, ids=[m[0] for m in OPTIONAL]
)
def test_each_missing_optional_element_is_a_note(
    sample: dict[str, Any],
    name: str,
    mutate: Callable[[dict[str, Any]], object],
    code: str,
    number: int,
) -> None:
    data = copy.deepcopy(sample)
    mutate(data)
    findings = check(with_qa(load(data)))
    assert [(f.code, f.severity) for f in findings] == [(code, Severity.INFO)]
    element = ELEMENTS[name]
    assert f"Annex I optional element {number}: {element.en}" in findings[0].source
    assert f"Anexo I, elemento opcional {number} ({element.es})" in findings[0].message("es")


def test_quality_assurance_notes_are_not_further_information(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    data["displayParameter"].pop("description")
    credential = with_qa(load(data))
    assert codes(check(credential)) == {"eu-mc/further-information"}


# --- texts in the primary language ---------------------------------------------------------------

CATALAN = "http://publications.europa.eu/resource/authority/language/CAT"


def _primary(data: dict[str, Any], iri: str) -> None:
    data["displayParameter"]["primaryLanguage"] = {
        "id": iri,
        "type": "Concept",
        "inScheme": {"id": iri.rsplit("/", 1)[0], "type": "ConceptScheme"},
    }


def _primary_findings(data: dict[str, Any]) -> list[Finding]:
    return [f for f in check(with_qa(load(data))) if f.code == "eu-mc/primary-language"]


def test_displayed_texts_with_no_text_in_the_primary_language_are_warned(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    _primary(data, CATALAN)
    achievement(data)["title"] = {"eu": "Mikrokredentzialak"}
    spec(data)["title"] = {"ca-ES-valencia": "Microcredencials", "eu": "Mikrokredentzialak"}
    found = _primary_findings(data)
    paths = [f.path for f in found]
    assert "/credentialSubject/hasClaim/0/title" in paths
    assert "/credentialSubject/hasClaim/0/specifiedBy/title" not in paths  # Valencian is CAT
    assert {
        "/displayParameter/title",
        "/credentialSubject/hasClaim/0/specifiedBy/learningOutcome/0/title",
    } <= set(paths)
    # a legal name is a name, not translated: the university's name only in English is no finding
    assert not [p for p in paths if p.endswith("/legalName")]
    assert all(f.severity is Severity.WARNING and f.value == "CAT" for f in found)
    title = next(f for f in found if f.path == "/credentialSubject/hasClaim/0/title")
    assert "hasClaim.title" in title.message("en") and "CAT" in title.message("en")
    assert "(only in eu)" in title.message("en") and "(solo en eu)" in title.message("es")
    assert title.property == "http://purl.org/dc/terms/title"
    assert codes(check(with_qa(load(data))), Severity.ERROR) == set()


def test_texts_in_the_primary_language_or_without_language_are_not_warned(sample: dict[str, Any]) -> None:
    assert _primary_findings(sample) == []  # everything in English, the primary language
    data = copy.deepcopy(sample)
    del data["displayParameter"]["primaryLanguage"]
    achievement(data)["title"] = {"eu": "Mikrokredentzialak"}
    assert _primary_findings(data) == []  # no primary language: nothing to compare with


# --- messages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("rules", [RULES, ES_RULES], ids=["eu", "es"])
def test_every_code_has_english_and_spanish_messages(rules: Any) -> None:
    assert rules
    for code, rule in rules.items():
        assert rule.code == code
        assert rule.source
        assert rule.placeholders("en") == rule.placeholders("es"), code
        messages = rule.messages({name: "X" for name in rule.placeholders("en")})
        assert set(messages) == {"en", "es"}
        assert (
            messages["en"].strip() and messages["es"].strip() and messages["en"] != messages["es"]
        )
        assert "{" not in messages["en"] and "{" not in messages["es"]
        if rule.provisional:
            assert "(provisional)" in rule.source
            assert "provisional" in messages["en"] and "provisional" in messages["es"]


def test_codes_are_listed_by_the_profiles() -> None:
    assert set(PROFILE.codes) == set(RULES)
    assert set(SpanishMicroCredentialProfile().codes) == set(RULES) | set(ES_RULES)
    assert all(code.startswith("eu-mc/") for code in RULES)
    assert all(code.startswith("es/") for code in ES_RULES)
    for rule in RULES.values():
        names = [name for _, name, _, _ in string.Formatter().parse(rule.en) if name]
        assert all(name.isidentifier() for name in names)


# --- robustness -----------------------------------------------------------------------------------


def json_paths(value: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    out: list[tuple[str | int, ...]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "content":
                continue
            out.append((*prefix, key))
            out.extend(json_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.append((*prefix, i))
            out.extend(json_paths(item, (*prefix, i)))
    return out


_REPLACEMENTS: dict[type, list[Any]] = {
    str: ["", "0", "-1", "15", "PT0H", "urn:x", "VATES-", "ESQ2818014J", "12345678A"],
    dict: [
        {},
        {"id": "urn:epass:org:1"},
        {"en": ""},
        {"ca": "Títol"},
        {"id": "http://data.europa.eu/snb/eqf/9", "type": "Concept"},
        {"id": "http://publications.europa.eu/resource/authority/country/ESP", "type": "Concept"},
        {"type": "Note", "noteLiteral": {"en": "x"}, "subject": {"id": KINDS["program"]}},
    ],
    list: [[], [{}], [{"id": "urn:epass:learningOutcome:1"}]],
}


def mutate_json(data: dict[str, Any], path: tuple[str | int, ...], action: int) -> None:
    """Delete the value at ``path`` (negative action) or replace it by one of the same JSON kind."""
    parent: Any = data
    for step in path[:-1]:
        try:
            parent = parent[step]
        except (KeyError, IndexError, TypeError):
            return
    last = path[-1]
    try:
        if action < 0:
            del parent[last]
            return
        pool = _REPLACEMENTS.get(type(parent[last]), [None])
        parent[last] = copy.deepcopy(pool[action % len(pool)])
    except (KeyError, IndexError, TypeError):
        return


def _sample_data() -> dict[str, Any]:
    data = json.loads(
        (SAMPLES_DIR / "Sample-MC-Annex1-unsigned.jsonld").read_text(encoding="utf-8")
    )
    return {k: v for k, v in data.items() if k != "@context"}


def shrink_media(value: Any) -> Any:
    """The sample without its large base64 images (irrelevant to these profiles)."""
    if isinstance(value, dict):
        return {
            k: ("iVBORw0KGgo=" if k == "content" else shrink_media(v)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [shrink_media(v) for v in value]
    return value


_BASE = shrink_media(_sample_data())
_BASE_PATHS = [path for path in json_paths(_BASE) if "type" not in path]


@st.composite
def mutated_credentials(draw: st.DrawFn) -> EuropeanDigitalCredential:
    """The sample with a few values deleted or replaced by values of other kinds."""
    data = copy.deepcopy(_BASE)
    steps = draw(
        st.lists(
            st.tuples(st.integers(0, len(_BASE_PATHS) - 1), st.integers(-3, 8)),
            min_size=1,
            max_size=6,
        )
    )
    for index, action in steps:
        mutate_json(data, _BASE_PATHS[index], action)
    try:
        return EuropeanDigitalCredential.from_data(data)
    except ElmError:
        assume(False)
        raise AssertionError("unreachable") from None


def _never_raises(credential: EuropeanDigitalCredential, stage: Stage) -> None:
    for profile in (PROFILE, SpanishMicroCredentialProfile()):
        findings = list(profile.check(credential, stage=stage))
        for finding in findings:
            assert finding.code in RULES or finding.code in ES_RULES
            assert not finding.code.endswith("/check-failed"), finding.message("en")
            assert finding.message("en") and finding.message("es")
            assert finding.message("en") != finding.message("es")
            assert finding.path == "" or finding.path.startswith("/")
            assert finding.to_problem("es")["detail"] == finding.message("es")


_SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.filter_too_much, HealthCheck.too_slow],
}


@settings(max_examples=60, **_SETTINGS)  # type: ignore[arg-type]
@given(credential=mutated_credentials(), stage=st.sampled_from(list(Stage)))
def test_profiles_never_raise_on_a_loadable_credential(
    credential: EuropeanDigitalCredential, stage: Stage
) -> None:
    _never_raises(credential, stage)


@pytest.mark.slow
@settings(max_examples=1500, **_SETTINGS)  # type: ignore[arg-type]
@given(credential=mutated_credentials(), stage=st.sampled_from(list(Stage)))
def test_profiles_never_raise_on_many_loadable_credentials(
    credential: EuropeanDigitalCredential, stage: Stage
) -> None:
    _never_raises(credential, stage)


def test_unknown_stage_is_a_profile_error(sample: dict[str, Any]) -> None:
    credential = load(sample)
    for profile in (PROFILE, SpanishMicroCredentialProfile()):
        with pytest.raises(ProfileError):
            list(profile.check(credential, stage="published"))  # type: ignore[arg-type]
        assert list(profile.check(credential, stage="ready")) != []  # type: ignore[arg-type]


def test_profiles_are_registered_by_name(sample: dict[str, Any]) -> None:
    assert isinstance(get_profile("eu-microcredential"), EuMicroCredentialProfile)
    assert isinstance(get_profile("es-crue-ruepep"), SpanishMicroCredentialProfile)
    report = validate(
        with_qa(load(sample)), profiles=("eu-microcredential",), stage="ready", lang="es"
    )
    assert report.ok and report.profiles == ("eu-microcredential",)


def test_an_issuer_address_given_by_reference_has_its_country(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    address = data["issuer"]["location"]["address"]
    data["issuer"]["location"]["address"] = {"id": address["id"]}  # described in the other copy
    assert "eu-mc/issuer-country" not in codes(check(with_qa(load(data))))


def test_an_awarding_body_known_only_by_its_id_names_nobody(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    data["credentialSubject"]["hasClaim"]["awardedBy"]["awardingBody"] = {
        "id": "urn:epass:org:77",
        "type": "Organisation",
    }
    assert "eu-mc/awarding-body" in codes(check(with_qa(load(data))), Severity.ERROR)


def test_a_form_of_participation_outside_the_eu_list_is_warned_about(sample: dict[str, Any]) -> None:
    data = copy.deepcopy(sample)
    spec(data)["mode"] = {"id": "http://data.europa.eu/snb/eqf/6", "type": "Concept"}
    findings = check(with_qa(load(data)))
    unknown = [f for f in findings if f.code == "eu-mc/form-of-participation-unknown"]
    assert unknown and unknown[0].severity is Severity.WARNING and "eqf/6" in unknown[0].message("en")
    assert "eu-mc/form-of-participation-unknown" not in codes(check(with_qa(load(sample))))
