"""The Commission's micro-credential sample (Sample-MC-Annex1) rebuilt in plain, type-checked Python.

CI runs ``mypy --strict`` on this file: it shows that the model can be written in an editor with
completion and type checking, and the test shows the result equals the published sample.
"""

from __future__ import annotations

import json
from typing import Any

from conftest import SAMPLES_DIR
from elmkit.model import (
    Address,
    AwardingProcess,
    Concept,
    ConceptScheme,
    ContactPoint,
    CreditPoint,
    DisplayDetail,
    DisplayParameter,
    ElmNode,
    EuropeanDigitalCredential,
    GradingScheme,
    Group,
    Identifier,
    IndividualDisplay,
    LangText,
    LearningAchievement,
    LearningActivity,
    LearningActivitySpecification,
    LearningAssessment,
    LearningAssessmentSpecification,
    LearningOutcome,
    LegalIdentifier,
    Location,
    Mailbox,
    MediaObject,
    Note,
    Organisation,
    PeriodOfTime,
    Person,
    Qualification,
    ShaclValidator2017,
    WebResource,
)
from elmkit.model.datatypes import DateTime, Duration

SAMPLE: dict[str, Any] = json.loads((SAMPLES_DIR / "Sample-MC-Annex1-unsigned.jsonld").read_text(encoding="utf-8"))


def en(text: str) -> LangText:
    return LangText({"en": text})


def concept(iri: str, scheme: str, label: str, notation: str | None = None) -> Concept:
    return Concept(
        id=iri,
        type="Concept",
        in_scheme=ConceptScheme(id=scheme, type="ConceptScheme"),
        notation=notation,
        pref_label=en(label),
    )


AUTHORITY = "http://publications.europa.eu/resource/authority/"
SNB = "http://data.europa.eu/snb/"


def language_en() -> Concept:
    return concept(f"{AUTHORITY}language/ENG", f"{AUTHORITY}language", "English", "language")


def country(code: str, label: str) -> Concept:
    return concept(f"{AUTHORITY}country/{code}", f"{AUTHORITY}country", label, "country")


def base64_encoding() -> Concept:
    return concept(f"{SNB}encoding/6146cde7dd", f"{SNB}encoding/25831c2", "base64")


def file_type(code: str) -> Concept:
    return concept(f"{AUTHORITY}file-type/{code}", f"{AUTHORITY}file-type", code, "file-type")


def image(node_id: str, kind: str, content: str) -> MediaObject:
    return MediaObject(
        id=node_id, type="MediaObject", content=content, content_encoding=base64_encoding(), content_type=file_type(kind)
    )


def blended() -> Concept:
    return concept(f"{SNB}learning-assessment/e92d221e4d", f"{SNB}learning-assessment/25831c2", "Blended")


def esco(uuid: str, label: str) -> Concept:
    return concept(
        f"http://data.europa.eu/esco/skill/{uuid}", "http://data.europa.eu/esco/concept-scheme/skills", label, "Skill"
    )


def images() -> tuple[str, str, str]:
    """The three base64 images of the sample (page, awarding body logo, EDC team logo)."""
    subject = SAMPLE["credentialSubject"]["hasClaim"]
    page = SAMPLE["displayParameter"]["individualDisplay"]["displayDetail"]["image"]["content"]
    logo = subject["awardedBy"]["awardingBody"]["logo"]["content"]
    team_logo = subject["influencedBy"]["directedBy"]["logo"]["content"]
    return page, logo, team_logo


def build() -> EuropeanDigitalCredential:
    page, logo, team_logo = images()
    university = Organisation(
        id="urn:epass:org:1",
        type="Organisation",
        group_member_of=[
            Group(
                id="urn:epass:group:1",
                type="Group",
                contact_point=[
                    ContactPoint(
                        id="urn:epass:contactPoint:1",
                        type="ContactPoint",
                        email_address=[Mailbox(id="mailto:info@resa.edu", type="Mailbox")],
                    )
                ],
                pref_label=en("Research Alliance"),
            )
        ],
        location=[
            Location(
                id="urn:epass:location:2",
                type="Location",
                address=[
                    Address(
                        id="urn:epass:address:2",
                        type="Address",
                        country_code=country("IRL", "Ireland"),
                        full_address=Note(id="urn:epass:note:1", type="Note", note_literal=en("Instant Street 16, D08 Dublin")),
                    )
                ],
                spatial_code=[concept(f"{AUTHORITY}atu/IRL_CTH_DUB", f"{AUTHORITY}atu", "Dublin city", "atu")],
            )
        ],
        logo=image("urn:epass:mediaObject:3", "PNG", logo),
        vat_identifier=[
            LegalIdentifier(id="urn:epass:legalIdentifier:3", type="LegalIdentifier", spatial=country("IRL", "Ireland"), notation="654321")
        ],
        alt_label=en("UniZ"),
        identifier=[Identifier(id="urn:epass:identifier:2", type="Identifier", scheme_name="Research Alliance", notation="Res1818")],
        legal_name=en("University of Zed"),
        registration=LegalIdentifier(
            id="urn:epass:legalIdentifier:4", type="LegalIdentifier", spatial=country("IRL", "Ireland"), notation="0000"
        ),
        homepage=[WebResource(id="urn:epass:webResource:2", type="WebResource", content_url="https://uniz.edu")],
    )
    support_team = Organisation(
        id="urn:epass:org:2",
        type="Organisation",
        location=[
            Location(
                id="urn:epass:location:1",
                type="Location",
                address=[Address(id="urn:epass:address:1", type="Address", country_code=country("BEL", "Belgium"))],
            )
        ],
        logo=image("urn:epass:mediaObject:2", "PNG", team_logo),
        alt_label=en("EDC Support Team"),
        legal_name=en("European Digital Credentials for Learning Support Team"),
        registration=LegalIdentifier(
            id="urn:epass:legalIdentifier:1", type="LegalIdentifier", spatial=country("BEL", "Belgium"), notation="0000"
        ),
        homepage=[
            WebResource(
                id="urn:epass:webResource:1",
                type="WebResource",
                content_url="https://europa.eu/europass/en/europass-tools/digital-credentials",
            )
        ],
    )
    awarding = AwardingProcess(id="urn:epass:awardingProcess:1", type="AwardingProcess", awarding_body=[university])
    activity = LearningActivity(
        id="urn:epass:activity:1",
        type="LearningActivity",
        awarded_by=awarding,
        directed_by=[support_team],
        specified_by=LearningActivitySpecification(
            id="urn:epass:learningActivitySpec:1",
            type="LearningActivitySpecification",
            mode=[blended()],
            volume_of_learning=Duration("P60M"),
            language=[language_en()],
            title=en("EDC building training course"),
            dc_type=[concept(f"{SNB}learning-activity/bf2e3a7bae", f"{SNB}learning-activity/25831c2", "e-learning coursework")],
        ),
        description=en(SAMPLE["credentialSubject"]["hasClaim"]["influencedBy"]["description"]["en"]),
        temporal=[
            PeriodOfTime(
                id="urn:epass:period:1",
                type="PeriodOfTime",
                end_date=DateTime.coerce("2023-06-06T15:00:00Z"),
                start_date=DateTime.coerce("2023-05-05T07:00:00Z"),
            )
        ],
        title=en("EDC building training course"),
    )
    assessment = LearningAssessment(
        id="urn:epass:learningAssessment:1",
        type="LearningAssessment",
        assessed_by=[support_team],
        awarded_by=awarding,
        grade=Note(id="urn:epass:note:2", type="Note", note_literal=en("Pass")),
        id_verification=concept(
            f"{SNB}supervision-verification/c598449d64",
            f"{SNB}supervision-verification/25831c2",
            "Unsupervised without ID Verification",
        ),
        specified_by=LearningAssessmentSpecification(
            id="urn:epass:learningAssessmentSpec:1",
            type="LearningAssessmentSpecification",
            grading_scheme=GradingScheme(
                id="urn:epass:gradingScheme:1",
                type="GradingScheme",
                description=en(
                    "The learner will have passed the assessment upon the successful submission of an ELM standard "
                    "compliant un-signed sample credential."
                ),
                title=en("Standard grading"),
            ),
            mode=[concept(f"{SNB}learning-assessment/920fbb3cbe", f"{SNB}learning-assessment/25831c2", "Online")],
            language=[language_en()],
            title=en("Digital artefact assessment"),
            dc_type=concept(
                "urn:epass:concept:d1ebf223-3c68-449a-9023-90bc245a0079",
                "urn:epass:conceptScheme:1b79dc3d-cf98-4937-b504-80eb7b5d076c",
                "artefact assessment",
            ),
        ),
        title=en("Digital artefact assessment"),
    )
    qualification = Qualification(
        id="urn:epass:qualification:1",
        type="Qualification",
        eqf_level=concept(f"{SNB}eqf/6", f"{SNB}eqf/25831c2", "Level 6"),
        thematic_area=[
            concept(f"{SNB}isced-f/003", f"{SNB}isced-f/25831c2", "Personal skills and development"),
            concept(
                f"{SNB}isced-f/0688",
                f"{SNB}isced-f/25831c2",
                "Inter-disciplinary programmes and qualifications involving Information and Communication Technologies (ICTs)",
            ),
        ],
        nqf_level=[concept(f"{SNB}qdr/c_c392e7a2", f"{SNB}qdr/25831c2", "RQF Level 6")],
        credit_point=[
            CreditPoint(
                id="urn:epass:creditPoint:1",
                type="CreditPoint",
                framework=concept(f"{SNB}education-credit/6fcec5c5af", f"{SNB}education-credit/25831c2", "European Credit Transfer System"),
                point="2",
            )
        ],
        entry_requirement=Note(
            id="urn:epass:note:3",
            type="Note",
            note_literal=en("The learner needs to have an EDC Online Credential Builder account, that requires an EU Login ID."),
        ),
        is_partial_qualification=False,
        learning_outcome=[
            LearningOutcome(
                id="urn:epass:learningOutcome:1",
                type="LearningOutcome",
                related_esco_skill=[
                    esco("ccdf3597-5c80-410f-896d-e1bdfa223de9", "stimulate creativity in the team"),
                    esco("80f308e6-0e09-404a-80cd-ec5f50f6f304", "communicate with target community"),
                    esco("326809fc-238d-40c2-881e-40042f7f2f0d", "establish collaborative relations"),
                ],
                title=en("Communication, collaboration and creativity"),
            ),
            LearningOutcome(
                id="urn:epass:learningOutcome:2",
                type="LearningOutcome",
                related_esco_skill=[esco("5fd5c985-eaaa-47aa-8314-62359c54505a", "develop digital content")],
                related_skill=[
                    concept(f"{SNB}dcf/u69o196gu6", f"{SNB}dcf/25831c2", "Developing digital content"),
                    concept(f"{SNB}dcf/3ol5wi3605", f"{SNB}dcf/25831c2", "Developing digital content Level 4"),
                ],
                reusability_level=concept(
                    f"{SNB}skill-reuse-level/cross-sector", f"{SNB}skill-reuse-level/25831c2", "cross-sector skills and competences"
                ),
                title=LangText({"en": "Developing digital content", "es": "Contento digital"}),
            ),
        ],
        learning_setting=concept(f"{SNB}learning-setting/e207a81fc7", f"{SNB}learning-setting/25831c2", "non-formal learning"),
        maximum_duration=Duration("P1M"),
        mode=[blended()],
        volume_of_learning=Duration("PT60H"),
        language=[language_en()],
        title=en("Digital micro-credential creation"),
        dc_type=[concept(f"{SNB}learning-opportunity/74a4a268e8", f"{SNB}learning-opportunity/25831c2", "Short learning programme")],
    )
    achievement = LearningAchievement(
        id="urn:epass:learningAchievement:1",
        type="LearningAchievement",
        awarded_by=awarding,
        influenced_by=[activity],
        proven_by=[assessment],
        specified_by=qualification,
        title=en("Digital micro-credential creation"),
    )
    learner = Person(
        id="urn:epass:person:1",
        type="Person",
        contact_point=[
            ContactPoint(
                id="urn:epass:contactPoint:2",
                type="ContactPoint",
                email_address=[Mailbox(id="mailto:ana.andromeda@email.com", type="Mailbox")],
            )
        ],
        date_of_birth=DateTime.coerce("1999-10-01T22:00:00Z"),
        has_claim=[achievement],
        national_id=LegalIdentifier(
            id="urn:epass:legalIdentifier:5", type="LegalIdentifier", spatial=country("ITA", "Italy"), notation="LA-234218"
        ),
        family_name=en("Andromeda"),
        full_name=en("Ana Andromeda"),
        given_name=en("Ana"),
    )
    display = DisplayParameter(
        id="urn:epass:displayParameter:1",
        type="DisplayParameter",
        individual_display=[
            IndividualDisplay(
                id="urn:epass:individualDisplay:1",
                type="IndividualDisplay",
                display_detail=[
                    DisplayDetail(
                        id="urn:epass:displayDetail:1", type="DisplayDetail", image=image("urn:epass:mediaObject:1", "JPEG", page), page=1
                    )
                ],
                language=language_en(),
            )
        ],
        primary_language=language_en(),
        description=en("has successfully completed a micro-module"),
        language=[language_en()],
        title=en("Micro-Credential"),
    )
    return EuropeanDigitalCredential(
        id="urn:credential:3ef0ac26-9a1f-41c6-871b-2b82e670907b",
        type=["VerifiableCredential", "EuropeanDigitalCredential"],
        credential_profiles=[concept(f"{SNB}credential/e34929035b", f"{SNB}credential/25831c2", "Generic")],
        display_parameter=display,
        identifier=[Identifier(id="urn:epass:identifier:3", type="Identifier", scheme_name="Certificate number", notation="C012")],
        credential_schema=[ShaclValidator2017(id="http://data.europa.eu/snb/model/ap/edc-generic-full", type="ShaclValidator2017")],
        credential_subject=learner,
        issuer=university,
        valid_from=DateTime.coerce("2022-12-31T23:00:00Z"),
    )


def dump(node: ElmNode) -> Any:
    return node.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True, mode="json")


def test_sample_rebuilt_in_python_equals_the_published_one() -> None:
    published = {k: v for k, v in SAMPLE.items() if k != "@context"}
    loaded = EuropeanDigitalCredential.from_data(published)
    rebuilt = build()
    assert dump(rebuilt) == dump(loaded)
    assert rebuilt == loaded
    rebuilt_nodes = {(n.id, type(n)) for _, n in rebuilt.walk()}
    assert rebuilt_nodes == {(n.id, type(n)) for _, n in loaded.walk()}
    assert len(rebuilt_nodes) > 40
