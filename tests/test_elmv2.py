"""Legacy ELM v2 (EDCI 1.x) XML credentials read into the ELM 3.2 model.

Expected values are read from the v2 XML with lxml/XPath, never copied from the converter.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import ELM_DIR
from elmkit.errors import (
    DocumentTooLargeError,
    ElmError,
    ModelError,
    ParseError,
    SourceError,
    StructureError,
    UnsupportedFormatError,
)
from elmkit.model import EuropeanDigitalCredential, LangText, vocab
from elmkit.model import classes as m
from elmkit.serializers.elmv2 import (
    EDC_GENERIC_FULL,
    ConversionIssue,
    Elmv2Origin,
    Elmv2SchemaError,
    Elmv2SyntaxError,
    is_elmv2,
    load_elmv2,
    load_elmv2_report,
)

V2_DIR = ELM_DIR / "samples" / "elm-v2-xml"
XSD_DIR = ELM_DIR / "xsd" / "elm2-edci-credential"
SAMPLES = ("EDC_WileECoyote_Simple.xml", "EDC_SampleACT_AA.xml")
SNB = "http://data.europa.eu/snb"
CRED = "http://data.europa.eu/europass/model/credentials/w3c#"
NS = {"e": SNB, "c": CRED}
ROOT_NS = f'xmlns="{SNB}" xmlns:cred="{CRED}"'
AUTH = "http://publications.europa.eu/resource/authority"
SNB_CV = "http://data.europa.eu/snb"


# ------------------------------------------------------------------------ a richer v2 document


def _t(tag: str, *texts: tuple[str, str], attrs: str = "") -> str:
    body = "".join(f'<text lang="{lang}" content-type="text/plain">{v}</text>' for lang, v in texts)
    return f"<{tag}{attrs}>{body}</{tag}>"


def _code(tag: str, uri: str, label: str) -> str:
    base = uri.rstrip().rsplit("/", 1)[0]
    framework = base if base.startswith(AUTH) else base + "/25831c2"
    return (f'<{tag} targetFrameworkUrl="{framework}" uri="{uri}">'
            f"{_t('targetName', ('en', label))}</{tag}>")


def _spain(tag: str = "country") -> str:
    return _code(tag, f"{AUTH}/country/ESP", "Spain")


def _org(ident: str, name: str, registration: str, tag: str = "organization") -> str:
    return (f'<{tag} id="{ident}"><registration spatialID="ES">{registration}</registration>'
            f"{_t('prefLabel', ('es', name))}<hasLocation><hasAddress>{_spain()}</hasAddress>"
            f"</hasLocation></{tag}>")


def rich_document() -> str:
    """A v2 credential with achievements, assessments, activities, entitlements, specifications,
    outcomes, credits, an accreditation, a learning opportunity and an attachment."""
    course = (
        '<wasInfluencedBy id="urn:epass:activity:course">'
        + _t("title", ("es", "Curso académico 2020-2021"))
        + "<workload>PT1500H</workload>"
        + "<startedAtTime>2020-09-14T00:00:00+02:00</startedAtTime>"
        + "<endedAtTime>2021-07-09T00:00:00+02:00</endedAtTime>"
        + '<directedBy idref="urn:epass:org:faculty"/>'
        + "<location><id>urn:epass:location:campus</id>"
        + _t("name", ("es", "Campus de Ejemplo"))
        + f"<hasAddress>{_spain()}</hasAddress></location>"
        + '<specifiedBy idref="urn:epass:activitySpec:course"/>'
        + '<usedLearningOpportunity idref="urn:epass:learningOpportunity:2020"/>'
        + "</wasInfluencedBy>"
    )
    final = (
        '<wasDerivedFrom id="urn:epass:assessment:final">'
        + _t("title", ("es", "Evaluación global"))
        + "<grade>8.4</grade>"
        + "<shortenedGrading><percentageLower>60</percentageLower>"
        + "<percentageEqual>10</percentageEqual><percentageHigher>30</percentageHigher>"
        + "</shortenedGrading>"
        + "<resultDistribution>"
        + "<category>" + _t("label", ("es", "Sobresaliente"))
        + "<minScore>9</minScore><maxScore>10</maxScore><count>4</count></category>"
        + "<category>" + _t("label", ("es", "Notable"))
        + "<minScore>7</minScore><maxScore>8.9</maxScore><count>12</count></category>"
        + "</resultDistribution>"
        + "<issuedDate>2021-07-10T00:00:00+02:00</issuedDate>"
        + _code("idVerificationMethod", f"{SNB_CV}/supervision-verification/70be69aaf9",
                "Supervised with ID Verification")
        + '<assessedBy idref="urn:epass:org:uni"/>'
        + '<specifiedBy idref="urn:epass:assessmentSpec:final"/>'
        + '<hasPart id="urn:epass:assessment:tfm">'
        + _t("title", ("es", "Trabajo fin de máster"))
        + "<grade>9.5</grade><issuedDate>2021-07-01T00:00:00+02:00</issuedDate>"
        + '<assessedBy idref="urn:epass:org:faculty"/></hasPart>'
        + "</wasDerivedFrom>"
    )
    parts = (
        "<hasPart>"
        + '<learningAchievement id="urn:epass:learningAchievement:ml">'
        + '<identifier schemeID="Asignatura">DS-101</identifier>'
        + _t("title", ("es", "Aprendizaje automático"))
        + '<wasDerivedFrom id="urn:epass:assessment:ml">'
        + _t("title", ("es", "Examen de aprendizaje automático"))
        + "<grade>7.8</grade></wasDerivedFrom>"
        + '<specifiedBy idref="urn:epass:learningSpec:ml"/></learningAchievement>'
        + '<learningAchievement id="urn:epass:learningAchievement:stats">'
        + _t("title", ("es", "Estadística avanzada"))
        + '<specifiedBy idref="urn:epass:learningSpec:stats"/></learningAchievement>'
        + "</hasPart>"
    )
    master = (
        '<qualificationAward id="urn:epass:learningAchievement:master">'
        + '<identifier schemeID="Título">T-DS-2021</identifier>'
        + _t("title", ("es", "Máster Universitario en Ciencia de Datos"),
             ("en", "Master's Degree in Data Science"))
        + _t("description", ("es", "Título oficial de máster."))
        + "<additionalNote>"
        + '<text lang="es" content-type="text/plain">Calificación media: notable.</text>'
        + "<subject>Calificación</subject></additionalNote>"
        + final + course
        + '<wasAwardedBy idref="urn:epass:awardingProcess:master"/>'
        + parts
        + '<entitlesTo id="urn:epass:entitlement:phd">'
        + _t("title", ("es", "Acceso a estudios de doctorado"))
        + "<issuedDate>2021-07-20</issuedDate>"
        + '<specifiedBy idref="urn:epass:entitlementSpec:phd"/></entitlesTo>'
        + '<specifiedBy idref="urn:epass:qualification:master"/>'
        + '<associatedLearningOpportunity idref="urn:epass:learningOpportunity:2020"/>'
        + "</qualificationAward>"
    )
    subject = (
        '<credentialSubject id="urn:epass:person:lucia">'
        + '<identifier schemeID="Expediente">EXP-998877</identifier>'
        + f"<contactPoint><address>{_spain()}</address>"
        + "<phone><phoneNumber>+34 600 000 000</phoneNumber></phone>"
        + '<mailBox uri="mailto:lucia.garcia@example.org"/><wallet>wallet-1</wallet></contactPoint>'
        + '<nationalId schemeAgencyName="Ministerio del Interior" spatialID="ESP">'
        + "12345678Z</nationalId>"
        + _t("fullName", ("es", "Lucía García Pérez"))
        + _t("givenNames", ("es", "Lucía"))
        + _t("familyName", ("es", "García Pérez"))
        + "<dateOfBirth>1996-03-05</dateOfBirth>"
        + _code("gender", f"{AUTH}/human-sex/FEMALE", "female")
        + _spain("citizenshipCountry")
        + f"<achievements>{master}</achievements>"
        + "</credentialSubject>"
    )
    qualification = (
        '<qualification id="urn:epass:qualification:master">'
        + '<identifier schemeID="RUCT">4316255</identifier>'
        + _t("title", ("es", "Máster Universitario en Ciencia de Datos"))
        + _t("definition", ("es", "Programa oficial de 60 créditos."))
        + _code("hasISCED-FCode", f"{SNB_CV}/isced-f/0613", "Software development")
        + "<volumeOfLearning>PT1500H</volumeOfLearning>"
        + "<hasECTSCreditPoints>60</hasECTSCreditPoints>"
        + "<hasCreditPoints>10</hasCreditPoints>"
        + _code("language", f"{AUTH}/language/SPA", "Spanish")
        + _code("learningSettingType", f"{SNB_CV}/learning-setting/6fd4685715 ", "formal learning")
        + "<duration>P1Y</duration>"
        + '<learningOutcomes><learningOutcome idref="urn:epass:learningOutcome:models"/>'
        + '<learningOutcome idref="urn:epass:learningOutcome:ethics"/></learningOutcomes>'
        + '<learningActivitySpecification idref="urn:epass:activitySpec:course"/>'
        + '<assessmentSpecification idref="urn:epass:assessmentSpec:final"/>'
        + '<entitlementSpecification idref="urn:epass:entitlementSpec:phd"/>'
        + "<awardingOpportunities><awardingOpportunity>"
        + "<id>urn:epass:awardingOpportunity:madrid</id>"
        + '<organization idref="urn:epass:org:uni"/>'
        + _code("location", f"{AUTH}/atu/ESP", "Spain")
        + "<startedAtTime>2020-09-01T00:00:00+02:00</startedAtTime>"
        + "</awardingOpportunity></awardingOpportunities>"
        + "<isPartialQualification>false</isPartialQualification>"
        + _code("eqfLevel", f"{SNB_CV}/eqf/7", "Level 7")
        + '<hasAccreditation idref="urn:epass:accreditation:aneca"/>'
        + "</qualification>"
    )
    specs = (
        "<learningSpecificationReferences>" + qualification
        + '<learningSpecification id="urn:epass:learningSpec:ml">'
        + _t("title", ("es", "Aprendizaje automático"))
        + "<hasECTSCreditPoints>6</hasECTSCreditPoints>"
        + '<learningOutcomes><learningOutcome idref="urn:epass:learningOutcome:models"/>'
        + "</learningOutcomes></learningSpecification>"
        + '<learningSpecification id="urn:epass:learningSpec:stats">'
        + _t("title", ("es", "Estadística avanzada"))
        + '<hasCreditPoints schemeID="http://data.europa.eu/europass/educationalCreditPointSystem/'
        + 'ects">4.5</hasCreditPoints></learningSpecification>'
        + "</learningSpecificationReferences>"
        + "<learningOutcomeReferences>"
        + '<learningOutcome id="urn:epass:learningOutcome:models">'
        + _t("prefLabel", ("es", "Construir y evaluar modelos predictivos"))
        + _code("learningOutcomeType", f"{SNB_CV}/skill-type/skill", "skill")
        + "</learningOutcome>"
        + '<learningOutcome id="urn:epass:learningOutcome:ethics">'
        + _t("prefLabel", ("es", "Aplicar principios éticos al uso de datos"))
        + "</learningOutcome></learningOutcomeReferences>"
        + "<learningActivitySpecificationReferences>"
        + '<learningActivitySpecification id="urn:epass:activitySpec:course">'
        + _t("title", ("es", "Docencia del máster")) + "<workload>PT1500H</workload>"
        + "</learningActivitySpecification></learningActivitySpecificationReferences>"
        + "<assessmentSpecificationReferences>"
        + '<assessmentSpecification id="urn:epass:assessmentSpec:final">'
        + _t("title", ("es", "Evaluación del máster"))
        + '<gradingScheme idref="urn:epass:scoringScheme:es"/>'
        + "</assessmentSpecification></assessmentSpecificationReferences>"
        + "<entitlementSpecificationReferences>"
        + '<entitlementSpecification id="urn:epass:entitlementSpec:phd">'
        + _t("title", ("es", "Acceso a doctorado"))
        + _code("type", f"{SNB_CV}/entitlement/64aad92881", "learning opportunity")
        + _code("status", f"{SNB_CV}/entitlement-status/5b8d6b34fb", "prospective")
        + '<limitOrganization idref="urn:epass:org:uni"/>'
        + _spain("limitJurisdiction")
        + "</entitlementSpecification></entitlementSpecificationReferences>"
    )
    opportunity = (
        "<learningOpportunityReferences>"
        + '<learningOpportunity id="urn:epass:learningOpportunity:2020">'
        + _t("title", ("es", "Máster en Ciencia de Datos, curso 2020-2021"))
        + "<startedAtDate>2020-09-14</startedAtDate><endedAtDate>2021-07-09</endedAtDate>"
        + f'<priceDetails><amount unit="{AUTH}/currency/EUR">3600</amount></priceDetails>'
        + '<providedBy idref="urn:epass:org:uni"/>'
        + '<specifiedBy idref="urn:epass:qualification:master"/>'
        + "</learningOpportunity></learningOpportunityReferences>"
    )
    agents = (
        '<agentReferences><organization id="urn:epass:org:uni">'
        + '<identifier schemeID="SIIU">028</identifier>'
        + '<registration spatialID="ES">Q2818014I</registration>'
        + '<vatIdentifier spatialID="ES">ESQ2818014I</vatIdentifier>'
        + _t("prefLabel", ("es", "Universidad de Ejemplo"), ("en", "University of Example"))
        + '<homepage uri="https://www.uni.example"/>'
        + "<hasLocation><hasAddress>"
        + _t("fullAddress", ("es", "Calle Mayor 1, 28001 Madrid"))
        + _spain() + "</hasAddress></hasLocation></organization>"
        + '<organization id="urn:epass:org:faculty"><registration>FAC-01</registration>'
        + _t("prefLabel", ("es", "Facultad de Informática"))
        + f"<hasLocation><hasAddress>{_spain()}</hasAddress></hasLocation>"
        + '<unitOf idref="urn:epass:org:uni"/></organization></agentReferences>'
        + '<awardingProcessReferences><awardingProcess id="urn:epass:awardingProcess:master">'
        + '<awardingBody idref="urn:epass:org:uni"/><date>2021-07-15T00:00:00+02:00</date>'
        + "</awardingProcess></awardingProcessReferences>"
        + '<accreditationReferences><accreditation id="urn:epass:accreditation:aneca">'
        + _code("type", f"{SNB_CV}/accreditation/820101cba6", "Program Quality Assurance")
        + _t("title", ("es", "Verificación del título"))
        + _org("urn:epass:org:uni-accredited", "Universidad de Ejemplo", "Q2818014I")
        + _org("urn:epass:org:agency", "Agencia de Calidad", "Q2800000A", "accreditingAgent")
        + "<issuedDate>2016-05-10T00:00:00+02:00</issuedDate>"
        + "</accreditation></accreditationReferences>"
        + '<scoringSchemeReferences><scoringScheme id="urn:epass:scoringScheme:es">'
        + _t("title", ("es", "Escala numérica de 0 a 10"))
        + "</scoringScheme></scoringSchemeReferences>"
        + '<attachmentList><Attachment id="urn:epass:attachment:1">'
        + _code("contentType", f"{AUTH}/file-type/PDF", "PDF")
        + "<content>JVBERi0xLjQK\n        JSVFT0YK</content></Attachment></attachmentList>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<europassCredential {ROOT_NS} xsdVersion="0.10.0" '
        'cred:id="urn:credential:6b1f3c1e-2f55-4d8e-9d4a-5a1c0c8e7b21">\n'
        '<identifier schemeID="Diploma register">DR-2021-0042</identifier>\n'
        + _code("type", f"{SNB_CV}/credential/e34929035b", "Generic") + "\n"
        + "<primaryLanguage>es</primaryLanguage>\n"
        + "<availableLanguages><language>es</language><language>en</language>"
        + "</availableLanguages>\n"
        + "<cred:validFrom>2021-07-15T00:00:00+02:00</cred:validFrom>\n"
        + "<cred:issued>2021-07-20T10:30:00+02:00</cred:issued>\n"
        + "<cred:validUntil>2031-07-15T00:00:00+02:00</cred:validUntil>\n"
        + '<cred:issuer idref="urn:epass:org:uni"/>\n'
        + _t("title", ("es", "Máster Universitario en Ciencia de Datos"),
             ("en", "Master's Degree in Data Science")) + "\n"
        + _t("description", ("es", "ha superado los estudios de")) + "\n"
        + subject + "\n" + specs + "\n" + opportunity + "\n" + agents + "\n"
        + "</europassCredential>\n"
    )


RICH = rich_document()
RICH_BYTES = RICH.encode("utf-8")


# ------------------------------------------------------------------------------------- helpers


def tree(data: bytes) -> Any:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def one(root: Any, xpath: str) -> Any:
    found = root.xpath(xpath, namespaces=NS)
    assert len(found) == 1, f"{xpath}: {len(found)} matches"
    return found[0]


def texts(element: Any) -> dict[str, str]:
    return {t.get("lang"): t.text or "" for t in element.xpath("e:text", namespaces=NS)}


def as_dict(text: LangText | None) -> dict[str, str]:
    assert text is not None
    return {tag: text.get_all(tag)[0] for tag in text}


def by_id(root: Any, ident: str) -> Any:
    return one(root, f"//*[@id='{ident}']")


def sample(name: str) -> bytes:
    return (V2_DIR / name).read_bytes()


def run_with_deadline(call: Callable[[], Any], seconds: float = 30.0) -> Any:
    """Run ``call`` in a thread; fail if it hangs (for inputs that must never block)."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the call blocked"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def check_person(person: m.Person, subject: Any) -> None:
    for tag, field in (("givenNames", "given_name"), ("familyName", "family_name"),
                       ("fullName", "full_name")):
        found = subject.xpath(f"e:{tag}", namespaces=NS)
        if found:
            assert as_dict(getattr(person, field)) == texts(found[0])
    birth = subject.xpath("e:dateOfBirth/text()", namespaces=NS)
    if birth:
        assert person.date_of_birth is not None
        assert person.date_of_birth.date().isoformat() == birth[0].strip()
    gender = subject.xpath("e:gender/@uri", namespaces=NS)
    if gender:
        assert person.gender is not None and person.gender.id == gender[0].strip()
    assert [c.id for c in person.citizenship_country] == [
        u.strip() for u in subject.xpath("e:citizenshipCountry/@uri", namespaces=NS)
    ]
    mails = subject.xpath("e:contactPoint/e:mailBox/@uri", namespaces=NS)
    assert [mb.id for cp in person.contact_point for mb in cp.email_address] == mails
    xml_ids = subject.xpath("e:identifier", namespaces=NS)
    assert [(i.notation, i.scheme_name) for i in person.identifier] == [
        (i.text.strip(), i.get("schemeID")) for i in xml_ids
    ]
    national = subject.xpath("e:nationalId", namespaces=NS)
    if national:
        assert isinstance(person.national_id, m.LegalIdentifier)
        assert person.national_id.notation == national[0].text.strip()
        assert person.national_id.spatial is not None
        assert person.national_id.spatial.id == vocab.country(national[0].get("spatialID")).iri


def check_organisation(org: Any, element: Any) -> None:
    assert isinstance(org, m.Organisation)
    assert org.id == element.get("id")
    assert as_dict(org.legal_name) == texts(one(element, "e:prefLabel"))
    alt = element.xpath("e:altLabel", namespaces=NS)
    if alt:
        assert as_dict(org.alt_label) == texts(alt[0])
    assert org.registration is not None
    assert org.registration.notation == one(element, "e:registration/text()").strip()
    countries = element.xpath("e:hasLocation/e:hasAddress/e:country/@uri", namespaces=NS)
    assert [a.country_code.id for loc in org.location for a in loc.address if a.country_code] == [
        c.strip() for c in countries
    ]
    assert isinstance(org.registration, m.LegalIdentifier) and org.registration.spatial is not None
    assert [v.notation for v in org.vat_identifier] == [
        v.text.strip() for v in element.xpath("e:vatIdentifier", namespaces=NS)
    ]
    assert [h.content_url for h in org.homepage] == element.xpath("e:homepage/@uri", namespaces=NS)
    logo = element.xpath("e:logo/e:content/text()", namespaces=NS)
    if logo:
        assert org.logo is not None and org.logo.content == "".join(logo[0].split())


# ------------------------------------------------------------------------------ the two samples


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_converts_field_by_field(name: str) -> None:
    data = sample(name)
    root = tree(data)
    credential = load_elmv2(V2_DIR / name)

    assert isinstance(credential, EuropeanDigitalCredential)
    assert credential.id == root.get(f"{{{CRED}}}id")
    assert [s.id for s in credential.credential_schema] == [EDC_GENERIC_FULL]
    assert [c.id for c in credential.credential_profiles] == [vocab.credential_profile("Generic").iri]
    for tag, field in (("validFrom", "valid_from"), ("issued", "issued")):
        written = one(root, f"c:{tag}/text()").strip()
        value = getattr(credential, field)
        assert value == datetime.fromisoformat(written) and str(value) == written
    assert credential.issuance_date == credential.issued

    display = credential.display_parameter
    assert display is not None
    assert as_dict(display.title) == texts(one(root, "e:title"))
    description = root.xpath("e:description", namespaces=NS)
    if description:
        assert as_dict(display.description) == texts(description[0])
    primary = one(root, "e:primaryLanguage/text()").strip()
    assert display.primary_language is not None
    assert display.primary_language.id == vocab.language(primary).iri
    assert [c.id for c in display.language] == [
        vocab.language(code.strip()).iri
        for code in root.xpath("e:availableLanguages/e:language/text()", namespaces=NS)
    ]

    issuer_ref = one(root, "c:issuer/@idref")
    check_organisation(credential.issuer, by_id(root, issuer_ref))
    person = credential.credential_subject
    assert isinstance(person, m.Person)
    subject = one(root, "e:credentialSubject")
    assert person.id == subject.get("id")
    check_person(person, subject)

    activities = subject.xpath("e:activities/e:activity", namespaces=NS)
    claims = [c for c in person.has_claim if isinstance(c, m.LearningActivity)]
    assert [c.id for c in claims] == [a.get("id") for a in activities]
    for claim, element in zip(claims, activities, strict=True):
        assert as_dict(claim.title) == texts(one(element, "e:title"))
        assert as_dict(claim.description) == texts(one(element, "e:description"))
        period = claim.temporal[0]
        assert str(period.start_date) == one(element, "e:startedAtTime/text()").strip()
        assert str(period.end_date) == one(element, "e:endedAtTime/text()").strip()
        directed = one(element, "e:directedBy/@idref")
        assert [o.id for o in claim.directed_by] == [directed]
        assert claim.directed_by[0] is credential.issuer
        address = one(element, "e:location/e:hasAddress")
        full_address = claim.location[0].address[0].full_address
        assert full_address is not None
        assert as_dict(full_address.note_literal) == texts(
            one(address, "e:fullAddress"))
        spec_element = by_id(root, one(element, "e:specifiedBy/@idref"))
        spec = claim.specified_by
        assert isinstance(spec, m.LearningActivitySpecification)
        assert as_dict(spec.title) == texts(one(spec_element, "e:title"))
        assert [c.id for c in spec.dc_type] == spec_element.xpath("e:type/@uri", namespaces=NS)
        assert [c.id for c in spec.language] == spec_element.xpath("e:language/@uri", namespaces=NS)
        assert [c.id for c in spec.mode] == spec_element.xpath("e:mode/@uri", namespaces=NS)

    place = subject.xpath("e:placeOfBirth", namespaces=NS)
    if place:
        assert person.place_of_birth is not None
        assert person.place_of_birth.id == one(place[0], "e:id/text()").strip()
        code = one(place[0], "e:spatialCode/@uri").strip()
        assert [c.id for c in person.place_of_birth.spatial_code] == [code]
        country = person.place_of_birth.address[0].country_code
        assert country is not None and country.id == code


def test_sample_converts_to_loadable_json_ld() -> None:
    credential = load_elmv2(V2_DIR / "EDC_SampleACT_AA.xml")
    document = credential.to_jsonld()
    again = EuropeanDigitalCredential.from_data({k: v for k, v in document.items() if k != "@context"})
    assert again.to_jsonld() == document
    assert json.loads(json.dumps(document)) == document


@pytest.mark.parametrize("name", SAMPLES)
def test_conversion_is_deterministic(name: str) -> None:
    first = load_elmv2(sample(name)).to_jsonld()
    second = load_elmv2(V2_DIR / name).to_jsonld()
    assert first == second


def test_same_reference_is_the_same_object() -> None:
    credential = load_elmv2(RICH_BYTES)
    person = credential.credential_subject
    assert isinstance(person, m.Person)
    master = person.has_claim[0]
    assert isinstance(master, m.LearningAchievement)
    activity = master.influenced_by[0]
    assert master.learning_opportunity is not None
    assert master.learning_opportunity is activity.learning_opportunity
    assert master.awarded_by is not None and master.awarded_by.awarding_body[0] is credential.issuer
    assert master.proven_by[0].assessed_by[0] is credential.issuer
    qualification = master.specified_by
    assert isinstance(qualification, m.Qualification)
    machine_learning = master.has_part[0].specified_by
    assert machine_learning is not None
    assert machine_learning.learning_outcome[0] is qualification.learning_outcome[0]
    assert qualification.influenced_by[0] is activity.specified_by
    assert master.learning_opportunity.learning_achievement_specification is qualification
    faculty = activity.directed_by[0]
    assert isinstance(faculty, m.Organisation) and faculty.sub_organization_of is credential.issuer


# ------------------------------------------------------------------------- a richer document


def test_rich_document_is_valid_v2() -> None:
    load_elmv2(RICH_BYTES, xsd=XSD_DIR)


def test_rich_document_field_by_field() -> None:
    root = tree(RICH_BYTES)
    credential, issues = load_elmv2_report(RICH_BYTES)
    person = credential.credential_subject
    assert isinstance(person, m.Person)
    check_person(person, one(root, "e:credentialSubject"))
    assert [i.notation for i in credential.identifier] == [
        one(root, "e:identifier/text()").strip()]
    assert str(credential.valid_until) == one(root, "c:validUntil/text()").strip()

    award_el = one(root, "e:credentialSubject/e:achievements/e:qualificationAward")
    master = person.has_claim[0]
    assert isinstance(master, m.LearningAchievement)
    assert master.id == award_el.get("id")
    assert as_dict(master.title) == texts(one(award_el, "e:title"))
    note_el = one(award_el, "e:additionalNote")
    assert as_dict(master.additional_note[0].note_literal) == texts(note_el)
    subject = master.additional_note[0].subject
    assert subject is not None and subject.pref_label is not None
    assert subject.pref_label.get() == one(note_el, "e:subject/text()")

    # assessments and grades, nested ones included
    assessments = {a.id: a for a in _walk_claims(master) if isinstance(a, m.LearningAssessment)}
    for element in root.xpath("//e:wasDerivedFrom | //e:wasDerivedFrom//e:hasPart", namespaces=NS):
        node = assessments[element.get("id")]
        assert node.grade is not None
        assert as_dict(node.grade.note_literal) == {"es": one(element, "e:grade/text()")}
        assert as_dict(node.title) == texts(one(element, "e:title"))
        issued = element.xpath("e:issuedDate/text()", namespaces=NS)
        if issued:
            assert str(node.date_issued) == issued[0]
    final = assessments["urn:epass:assessment:final"]
    grading = one(root, "//e:shortenedGrading")
    assert final.shortened_grading is not None
    assert final.shortened_grading.percentage_lower == int(one(grading, "e:percentageLower/text()"))
    assert final.shortened_grading.percentage_higher == int(
        one(grading, "e:percentageHigher/text()"))
    categories = root.xpath("//e:resultDistribution/e:category", namespaces=NS)
    assert final.result_distribution is not None
    assert [(c.label, c.minimum_score, c.maximum_score, c.count)
            for c in final.result_distribution.result_category] == [
        (texts(one(c, "e:label"))["es"], one(c, "e:minScore/text()"), one(c, "e:maxScore/text()"),
         int(one(c, "e:count/text()"))) for c in categories]
    assert final.id_verification is not None
    assert final.id_verification.id == one(root, "//e:idVerificationMethod/@uri")
    grading_scheme = final.specified_by.grading_scheme if final.specified_by else None
    assert grading_scheme is not None
    assert as_dict(grading_scheme.title) == texts(one(root, "//e:scoringScheme/e:title"))

    # the qualification: credits, EQF, ISCED-F, outcomes, durations
    qual_el = one(root, "//e:qualification")
    qualification = master.specified_by
    assert isinstance(qualification, m.Qualification)
    assert qualification.id == qual_el.get("id")
    assert qualification.eqf_level is not None
    assert qualification.eqf_level.id == one(qual_el, "e:eqfLevel/@uri")
    assert qualification.eqf_level.id == vocab.eqf(7).iri
    ects_iri = vocab.credit_system("ECTS").iri
    ects = [c for c in qualification.credit_point if c.framework and c.framework.id == ects_iri]
    assert [c.point for c in ects] == [one(qual_el, "e:hasECTSCreditPoints/text()")]
    assert [c.id for c in qualification.thematic_area] == [one(qual_el, "e:hasISCED-FCode/@uri")]
    assert qualification.learning_setting is not None
    assert qualification.learning_setting.id == one(qual_el, "e:learningSettingType/@uri").strip()
    assert str(qualification.maximum_duration) == one(qual_el, "e:duration/text()")
    assert str(qualification.volume_of_learning) == one(qual_el, "e:volumeOfLearning/text()")
    assert qualification.is_partial_qualification is False
    refs = qual_el.xpath("e:learningOutcomes/e:learningOutcome/@idref", namespaces=NS)
    assert [lo.id for lo in qualification.learning_outcome] == refs
    for outcome, ref in zip(qualification.learning_outcome, refs, strict=True):
        assert as_dict(outcome.title) == texts(one(by_id(root, ref), "e:prefLabel"))
    assert as_dict(qualification.additional_note[0].note_literal) == texts(
        one(qual_el, "e:definition"))
    stats = master.has_part[1].specified_by
    assert stats is not None
    stats_el = by_id(root, "urn:epass:learningSpec:stats")
    assert [(c.framework.id if c.framework else None, c.point) for c in stats.credit_point] == [
        (vocab.credit_system("ECTS").iri, one(stats_el, "e:hasCreditPoints/text()"))]
    opportunity = qualification.awarding_opportunity[0]
    assert opportunity.awarding_body[0] is credential.issuer
    assert opportunity.location is not None
    country = opportunity.location.address[0].country_code
    assert country is not None and country.id == vocab.country("ESP").iri

    # awarding process, activity, entitlement, learning opportunity, accreditation
    process_el = one(root, "//e:awardingProcess")
    assert master.awarded_by is not None and master.awarded_by.id == process_el.get("id")
    assert str(master.awarded_by.awarding_date) == one(process_el, "e:date/text()")
    activity = master.influenced_by[0]
    activity_el = one(root, "//e:wasInfluencedBy")
    assert str(activity.workload) == one(activity_el, "e:workload/text()")
    assert str(activity.temporal[0].start_date) == one(activity_el, "e:startedAtTime/text()")
    entitlement = master.entitles_to[0]
    entitlement_el = one(root, "//e:entitlesTo")
    assert entitlement.date_issued is not None
    assert entitlement.date_issued.date().isoformat() == one(entitlement_el, "e:issuedDate/text()")
    spec = entitlement.specified_by
    assert spec is not None and spec.entitlement_status is not None
    assert spec.entitlement_status.id == one(root, "//e:entitlementSpecification/e:status/@uri")
    assert [c.id for c in spec.limit_jurisdiction] == [vocab.atu("ESP").iri]
    lopp = master.learning_opportunity
    lopp_el = one(root, "//e:learningOpportunity[@id]")
    assert lopp is not None and lopp.price_detail[0].amount is not None
    assert str(lopp.price_detail[0].amount.value) == one(lopp_el, "e:priceDetails/e:amount/text()")
    assert lopp.temporal is not None and lopp.temporal.start_date is not None
    assert lopp.temporal.start_date.date().isoformat() == one(lopp_el, "e:startedAtDate/text()")
    accreditation = qualification.accreditation[0]
    assert accreditation.accrediting_agent is not None
    assert as_dict(accreditation.accrediting_agent.legal_name) == texts(
        one(root, "//e:accreditingAgent/e:prefLabel"))
    attachment = credential.attachment[0]
    assert attachment.content == "".join(one(root, "//e:Attachment/e:content/text()").split())
    assert attachment.content_encoding is not None

    kinds = {(i.kind, i.path) for i in issues}
    assert ("dropped", "/europassCredential/credentialSubject/contactPoint/wallet") in kinds
    credit_issue = "/europassCredential/learningSpecificationReferences/qualification/hasCreditPoints"
    assert ("dropped", credit_issue) in kinds


def _walk_claims(claim: Any) -> list[Any]:
    out: list[Any] = []
    stack = [claim]
    while stack:
        item = stack.pop()
        out.append(item)
        for field in ("has_part", "proven_by", "influenced_by", "entitles_to"):
            stack.extend(getattr(item, field, None) or [])
    return out


def test_every_claim_has_an_awarding_process() -> None:
    credential, issues = load_elmv2_report(RICH_BYTES)
    person = credential.credential_subject
    assert isinstance(person, m.Person)
    claims = _walk_claims(person.has_claim[0])
    assert len(claims) >= 7
    assert all(c.awarded_by is not None for c in claims)
    assert any(i.kind == "derived" and "awarding process" in i.message for i in issues)


# --------------------------------------------------------------------------- the EDC profile


def _errors(credential: EuropeanDigitalCredential) -> list[str]:
    from elmkit.profiles import validate

    report = validate(credential, profiles=("edc-ap",), stage="ready")
    return [f.path for f in report.errors]


@pytest.mark.parametrize("source", [*SAMPLES, "rich"])
def test_edc_profile_leaves_only_what_the_source_lacks(source: str) -> None:
    pytest.importorskip("elmkit.profiles.edc")
    data = RICH_BYTES if source == "rich" else sample(source)
    root = tree(data)
    errors = _errors(load_elmv2(data))
    assert "/displayParameter/individualDisplay" in errors
    expected = {"/displayParameter/individualDisplay"}
    has_claims = root.xpath("e:credentialSubject/*[self::e:achievements or self::e:activities or "
                            "self::e:entitlements]/*", namespaces=NS)
    if not has_claims:
        expected.add("/credentialSubject/hasClaim")
    assert set(errors) == expected


def test_rendered_page_completes_the_profile() -> None:
    pytest.importorskip("elmkit.profiles.edc")
    pytest.importorskip("PIL")
    from datetime import date

    from elmkit.render import PageData, individual_display, render_page

    credential = load_elmv2(V2_DIR / "EDC_SampleACT_AA.xml")
    display = credential.display_parameter
    person = credential.credential_subject
    assert display is not None and isinstance(person, m.Person) and credential.issued is not None
    assert isinstance(credential.issuer, m.Organisation)
    for language in display.language:
        tag = vocab.language_tag(language.id or "")
        page = PageData(
            title=str(display.title.get(tag) if display.title else ""),
            learner_name=str(person.full_name.get(tag) if person.full_name else ""),
            awarding_body=str(credential.issuer.legal_name.get(tag)
                              if credential.issuer.legal_name else ""),
            issue_date=date.fromisoformat(str(credential.issued)[:10]),
            credential_id=credential.id or "",
        )
        node = individual_display(language.to_jsonld(), render_page(page, language=tag))
        display.individual_display.append(m.IndividualDisplay.from_data(node))
    assert _errors(credential) == []


# ------------------------------------------------------------------------------ hostile input


def _entities(body: str) -> bytes:
    return f'<?xml version="1.0"?>\n{body}\n<europassCredential {ROOT_NS}/>'.encode()


def test_billion_laughs_is_refused_before_parsing() -> None:
    levels = "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    doc = (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY l0 "ha">{levels}]>'
           f'<europassCredential {ROOT_NS} cred:id="urn:x">'
           f'<title><text lang="en" content-type="text/plain">&l9;</text></title>'
           f"</europassCredential>").encode()
    with pytest.raises(ParseError, match="DOCTYPE"):
        run_with_deadline(lambda: load_elmv2(doc))


def test_utf16_doctype_is_refused() -> None:
    doc = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]>'
           f"<europassCredential {ROOT_NS}/>").encode("utf-16")
    with pytest.raises(ParseError, match="DOCTYPE"):
        load_elmv2(doc)


def test_external_entities_read_nothing(tmp_path: Path) -> None:
    fifo = tmp_path / "secret"
    os.mkfifo(fifo)  # opening it for reading would block: any read attempt hangs the call
    documents = [
        _entities(f'<!DOCTYPE x [<!ENTITY e SYSTEM "file://{fifo}">]>'),
        _entities(f'<!DOCTYPE europassCredential SYSTEM "{fifo}">'),
        _entities(f'<!DOCTYPE x [<!ENTITY % p SYSTEM "file://{fifo}"> %p;]>'),
    ]
    for doc in documents:
        with pytest.raises(ParseError, match="DOCTYPE"):
            run_with_deadline(functools.partial(load_elmv2, doc))


def test_nothing_is_fetched_from_the_network() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.setblocking(False)
    url = f"http://127.0.0.1:{server.getsockname()[1]}/x"
    try:
        for doc in (
            _entities(f'<!DOCTYPE europassCredential SYSTEM "{url}.dtd">'),
            _entities(f'<!DOCTYPE x [<!ENTITY % p SYSTEM "{url}.ent"> %p;]>'),
        ):
            with pytest.raises(ParseError):
                run_with_deadline(functools.partial(load_elmv2, doc))
        xinclude = (f'<europassCredential {ROOT_NS} xmlns:xi="http://www.w3.org/2001/XInclude" '
                    f'cred:id="urn:x"><xi:include href="{url}" parse="text"/></europassCredential>')
        _credential, issues = load_elmv2_report(xinclude.encode())
        assert any(i.path.endswith("/include") and i.kind == "dropped" for i in issues)
        with pytest.raises(BlockingIOError):
            server.accept()
    finally:
        server.close()


def test_malformed_xml_reports_line_and_column() -> None:
    doc = f'<europassCredential {ROOT_NS}>\n  <title>\n</europassCredential>'.encode()
    with pytest.raises(Elmv2SyntaxError) as caught:
        load_elmv2(doc)
    assert caught.value.line == 3
    assert caught.value.column > 0
    assert "line 3" in str(caught.value)


@pytest.mark.parametrize("doc", [b"", b"not xml", b"<a><b></a>", b"\xff\xfe\x00"])
def test_garbage_is_a_parse_error(doc: bytes) -> None:
    with pytest.raises(ParseError):
        load_elmv2(doc)


def test_other_xml_is_not_an_elmv2_credential() -> None:
    with pytest.raises(UnsupportedFormatError):
        load_elmv2(b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')
    with pytest.raises(UnsupportedFormatError):
        load_elmv2(f'<europassCredential xmlns="{SNB}/other"/>'.encode())


def test_size_limits(tmp_path: Path) -> None:
    with pytest.raises(DocumentTooLargeError):
        load_elmv2(RICH_BYTES, max_bytes=1000)
    big = tmp_path / "big.xml"
    big.write_bytes(RICH_BYTES)
    with pytest.raises(DocumentTooLargeError):
        load_elmv2(big, max_bytes=1000)
    with pytest.raises(DocumentTooLargeError):
        load_elmv2(RICH, max_bytes=1000)
    many = f"<europassCredential {ROOT_NS}>{'<x/>' * 2000}</europassCredential>".encode()
    with pytest.raises(StructureError, match="elements"):
        load_elmv2(many, max_elements=1000)


def test_huge_text_node_and_deep_nesting_are_refused() -> None:
    huge = (f'<europassCredential {ROOT_NS}><title><text lang="en">'
            + "a" * 11_000_000 + "</text></title></europassCredential>").encode()
    with pytest.raises(ParseError):
        load_elmv2(huge, max_bytes=12_000_000)
    deep = f"<europassCredential {ROOT_NS}>{'<a>' * 400}{'</a>' * 400}</europassCredential>"
    with pytest.raises(ParseError):
        load_elmv2(deep.encode())


def test_deeply_nested_claims_are_refused() -> None:
    inner = ""
    for level in range(80):
        title = f'<title><text lang="en" content-type="text/plain">{level}</text></title>'
        part = f"<hasPart>{inner}</hasPart>" if inner else ""
        inner = (f'<learningAchievement id="urn:a:{level}">{title}{part}'
                 '<specifiedBy idref="urn:s"/></learningAchievement>')
    doc = (f'<europassCredential {ROOT_NS} cred:id="urn:x"><credentialSubject id="urn:p">'
           f"<achievements>{inner}</achievements></credentialSubject></europassCredential>")
    with pytest.raises(StructureError):
        load_elmv2(doc.encode())


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        load_elmv2(tmp_path / "absent.xml")
    with pytest.raises(SourceError):
        load_elmv2(tmp_path)


# -------------------------------------------------------------------------------- validation


@pytest.mark.parametrize("name", SAMPLES)
def test_samples_validate_against_their_xsd(name: str) -> None:
    credential = load_elmv2(V2_DIR / name, xsd=XSD_DIR)
    origin = credential.origin
    assert isinstance(origin, Elmv2Origin) and origin.schema_validated
    load_elmv2(V2_DIR / name, xsd=XSD_DIR / "genericschema_1.2.xsd")


def test_without_xsd_nothing_is_validated() -> None:
    broken = sample("EDC_WileECoyote_Simple.xml").replace(b"<primaryLanguage>en", b"<primaryLanguage>zz")
    credential = load_elmv2(broken)
    origin = credential.origin
    assert isinstance(origin, Elmv2Origin) and not origin.schema_validated


def test_invalid_document_is_reported_with_path_and_line() -> None:
    data = sample("EDC_WileECoyote_Simple.xml")
    root = tree(data)
    birth = one(root, "e:credentialSubject/e:dateOfBirth")
    broken = data.replace(f">{birth.text}<".encode(), b">17/09/1949<")
    with pytest.raises(Elmv2SchemaError) as caught:
        load_elmv2(broken, xsd=XSD_DIR)
    error = caught.value
    assert isinstance(error, ModelError)
    assert error.path == "/europassCredential/credentialSubject/dateOfBirth"
    assert error.line == birth.sourceline
    assert error.details[0].message.startswith(f"line {birth.sourceline}:")

    missing = data.replace(b"<familyName>", b"<surname>").replace(b"</familyName>", b"</surname>")
    with pytest.raises(Elmv2SchemaError) as caught:
        load_elmv2(missing, xsd=XSD_DIR)
    assert caught.value.path.endswith("/credentialSubject/surname")


def test_presentation_is_unwrapped_and_validated() -> None:
    body = sample("EDC_WileECoyote_Simple.xml").split(b"?>", 1)[1]
    vp = (b'<verifiablePresentation xmlns="http://data.europa.eu/snb/vp" '
          b'xmlns:eup="http://data.europa.eu/snb"><type '
          b'targetFrameworkUrl="http://data.europa.eu/snb/verifiable-presentation/25831c2" '
          b'uri="http://data.europa.eu/snb/verifiable-presentation/x"><eup:targetName>'
          b'<eup:text lang="en" content-type="text/plain">Presentation</eup:text>'
          b"</eup:targetName></type>" + body + b"<proof/></verifiablePresentation>")
    assert is_elmv2(vp)
    credential, issues = load_elmv2_report(vp, xsd=XSD_DIR)
    assert credential.id == tree(sample("EDC_WileECoyote_Simple.xml")).get(f"{{{CRED}}}id")
    assert {i.path for i in issues if i.kind == "dropped"} >= {
        "/verifiablePresentation/type", "/verifiablePresentation/proof"}
    origin = credential.origin
    assert isinstance(origin, Elmv2Origin) and origin.root == "verifiablePresentation"


def test_schema_imports_stay_in_the_schema_folder(tmp_path: Path) -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.setblocking(False)
    outside = tmp_path / "outside.xsd"
    outside.write_text('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
                       'targetNamespace="urn:o"><xs:simpleType name="T">'
                       '<xs:restriction base="xs:string"/></xs:simpleType></xs:schema>')
    folder = tmp_path / "schemas"
    folder.mkdir()
    main = folder / "main.xsd"
    port = server.getsockname()[1]
    main.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:o="urn:o" '
        f'targetNamespace="{SNB}" elementFormDefault="qualified">'
        '<xs:import namespace="urn:o" schemaLocation="../outside.xsd"/>'
        f'<xs:import namespace="urn:n" schemaLocation="http://127.0.0.1:{port}/n.xsd"/>'
        '<xs:element name="europassCredential" type="o:T"/></xs:schema>')
    try:
        with pytest.raises(ParseError, match="cannot be compiled"):
            load_elmv2(f'<europassCredential xmlns="{SNB}"/>'.encode(), xsd=main)
        with pytest.raises(BlockingIOError):
            server.accept()
    finally:
        server.close()


# ------------------------------------------------------------------------- what is reported


def test_display_parts_without_a_home_are_reported() -> None:
    root = tree(sample("EDC_SampleACT_AA.xml"))
    _credential, issues = load_elmv2_report(V2_DIR / "EDC_SampleACT_AA.xml")
    reported = {(i.path, i.line) for i in issues if i.kind == "dropped"}
    for child in one(root, "e:displayParameters"):
        name = etree.QName(child).localname
        assert (f"/europassCredential/displayParameters/{name}", child.sourceline) in reported
    assert any("individualDisplay" in i.message for i in issues)


def test_unknown_elements_are_reported_not_dropped_silently() -> None:
    data = sample("EDC_WileECoyote_Simple.xml").replace(
        b"<dateOfBirth>", b"<shoeSize>42</shoeSize><dateOfBirth>")
    _credential, issues = load_elmv2_report(data)
    found = [i for i in issues if i.path == "/europassCredential/credentialSubject/shoeSize"]
    assert len(found) == 1 and found[0].kind == "dropped" and found[0].line
    assert "shoeSize" in str(found[0])


@pytest.mark.parametrize("number", ["NaN", "INF", "-Infinity", "sNaN"])
def test_numbers_that_are_not_finite_are_reported_and_left_out(number: str) -> None:
    data = RICH.replace('EUR">3600<', f'EUR">{number}<').replace(
        "<hasECTSCreditPoints>6<", f"<hasECTSCreditPoints>{number}<"
    )
    _credential, issues = load_elmv2_report(data.encode("utf-8"))
    found = [str(i) for i in issues if i.kind == "invalid" and repr(number) in str(i)]
    assert len(found) == 2 and any("amount" in text for text in found)


def test_origin_keeps_the_issues(tmp_path: Path) -> None:
    path = tmp_path / "credential.xml"
    path.write_bytes(sample("EDC_SampleACT_AA.xml"))
    credential, issues = load_elmv2_report(str(path))
    origin = credential.origin
    assert isinstance(origin, Elmv2Origin)
    assert list(origin.issues) == issues and all(isinstance(i, ConversionIssue) for i in issues)
    assert origin.source == path and origin.xsd_version == "0.10.0"


def test_a_file_read_by_load_is_the_source_and_named_in_syntax_errors(tmp_path: Path) -> None:
    from elmkit.serializers import load

    path = tmp_path / "diploma-0042.xml"
    path.write_bytes(sample("EDC_SampleACT_AA.xml"))
    for named in (path, str(path)):
        origin = load(named).origin
        assert isinstance(origin, Elmv2Origin) and origin.source == path
    path.write_text(f'<europassCredential {ROOT_NS}>\n  <title>\n</europassCredential>')
    for read in (load, load_elmv2):
        with pytest.raises(Elmv2SyntaxError) as caught:
            read(path)
        assert caught.value.file == str(path) and caught.value.line == 3
        assert f"in the file {path}, line 3" in str(caught.value)
    with pytest.raises(Elmv2SyntaxError) as caught:
        load(path.read_bytes())
    assert caught.value.file is None and "in the file" not in str(caught.value)


def test_dangling_reference_is_reported_or_refused() -> None:
    data = sample("EDC_SampleACT_AA.xml").replace(
        b'<specifiedBy idref="urn:epass:learningactivityspec:1"/>',
        b'<specifiedBy idref="urn:epass:learningactivityspec:404"/>')
    credential, issues = load_elmv2_report(data)
    assert any(i.kind == "unresolved" and "404" in i.message for i in issues)
    person = credential.credential_subject
    assert isinstance(person, m.Person) and person.has_claim[0].specified_by is None
    with pytest.raises(ModelError, match="404"):
        load_elmv2(data, strict=True)


def test_ids_that_are_not_iris_get_stable_ones() -> None:
    data = sample("EDC_WileECoyote_Simple.xml").replace(b"urn:epass:org:1", b"org one")
    first, issues = load_elmv2_report(data)
    second = load_elmv2(data)
    assert first.issuer is not None and first.issuer.id == second.issuer.id  # type: ignore[union-attr]
    assert first.issuer.id is not None and first.issuer.id.startswith("urn:epass:organisation:")
    assert any(i.kind == "changed" and "'org one'" in i.message for i in issues)


def test_repeated_id_is_one_node() -> None:
    act = sample("EDC_SampleACT_AA.xml")
    start = act.index(b'<activity id="urn:epass:activity:1">')
    end = act.index(b"</activity>") + len(b"</activity>")
    data = act[:end] + act[start:end] + act[end:]
    credential, issues = load_elmv2_report(data)
    person = credential.credential_subject
    assert isinstance(person, m.Person) and len(person.has_claim) == 1
    assert not any("different content" in i.message for i in issues)


def test_repeated_id_with_other_content_is_reported() -> None:
    act = sample("EDC_SampleACT_AA.xml")
    extra = (b'<activity id="urn:epass:activity:1"><title><text lang="en" content-type="text/plain">'
             b"Another</text></title></activity></activities>")
    data = act.replace(b"</activities>", extra, 1)
    credential, issues = load_elmv2_report(data)
    person = credential.credential_subject
    assert isinstance(person, m.Person) and len(person.has_claim) == 1
    assert any(i.kind == "changed" and "different content" in i.message for i in issues)


def test_cycles_are_written_in_one_direction() -> None:
    data = sample("EDC_SampleACT_AA.xml").replace(
        b"</organization>", b'<unitOf idref="urn:epass:org:1"/></organization>')
    credential, issues = load_elmv2_report(data)
    assert isinstance(credential.issuer, m.Organisation)
    assert credential.issuer.sub_organization_of is None
    assert any("one direction" in i.message for i in issues)
    credential.to_jsonld()


def test_input_forms() -> None:
    text = RICH.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    from_text = load_elmv2(text)
    assert from_text.to_jsonld() == load_elmv2(RICH_BYTES).to_jsonld()
    latin = RICH.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1")
    assert load_elmv2(latin).to_jsonld() == from_text.to_jsonld()
    with pytest.raises(UnsupportedFormatError):
        load_elmv2(42)  # type: ignore[arg-type]


def test_is_elmv2_sniffs_the_root_only() -> None:
    data = sample("EDC_SampleACT_AA.xml")
    assert is_elmv2(data)
    assert is_elmv2(data[:700])
    assert is_elmv2(RICH.encode("utf-16"))
    assert not is_elmv2((ELM_DIR / "samples" / "official-elm-v3" /
                         "Sample-MC-Annex1-unsigned.jsonld").read_bytes())
    assert not is_elmv2(b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')
    assert not is_elmv2(b"")
    assert not is_elmv2("text")  # type: ignore[arg-type]


def test_errors_are_typed() -> None:
    for doc in (b"<", b"<europassCredential/>", _entities("<!DOCTYPE x>")):
        with pytest.raises(ElmError):
            load_elmv2(doc)


# ------------------------------------------------------------------------ property-based


_XML_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    min_size=1, max_size=40,
).filter(lambda s: s.strip() == s and s.strip())


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(given_name=_XML_TEXT, grade=_XML_TEXT,
       points=st.decimals(min_value=0, max_value=1000, places=1, allow_nan=False))
def test_values_survive_conversion(given_name: str, grade: str, points: Any) -> None:
    doc = (RICH.replace("<grade>8.4</grade>", f"<grade>{_escape(grade)}</grade>")
           .replace("Lucía</text></givenNames>", f"{_escape(given_name)}</text></givenNames>")
           .replace("<hasECTSCreditPoints>60<", f"<hasECTSCreditPoints>{points}<"))
    root = tree(doc.encode())
    credential = load_elmv2(doc)
    person = credential.credential_subject
    assert isinstance(person, m.Person)
    assert as_dict(person.given_name) == texts(one(root, "//e:givenNames"))
    master = person.has_claim[0]
    assert isinstance(master, m.LearningAchievement)
    assert master.proven_by[0].grade is not None
    assert master.proven_by[0].grade.note_literal is not None
    final = "//e:wasDerivedFrom[@id='urn:epass:assessment:final']"
    assert master.proven_by[0].grade.note_literal.get() == one(root, f"{final}/e:grade/text()").strip()
    spec = master.specified_by
    assert spec is not None
    assert spec.credit_point[0].point == one(root, "//e:qualification/e:hasECTSCreditPoints/text()")


def test_elmkit_load_recognises_legacy_xml() -> None:
    import elmkit
    from elmkit.errors import UnsupportedFormatError

    sample = ELM_DIR / "samples" / "elm-v2-xml" / "EDC_WileECoyote_Simple.xml"
    credential = elmkit.load(sample)
    assert type(credential).__name__ == "EuropeanDigitalCredential"
    assert credential == elmkit.load(sample.read_bytes(), format="elmv2")
    with pytest.raises(UnsupportedFormatError):
        elmkit.dumps(credential, format="elmv2")


def test_comments_and_processing_instructions_inside_texts_keep_the_whole_text() -> None:
    plain = load_elmv2(sample("EDC_WileECoyote_Simple.xml")).to_jsonld()
    data = (
        sample("EDC_WileECoyote_Simple.xml")
        .replace(b">Sample credential<", b">Sample <!-- reviewed -->credential<")
        .replace(b"<dateOfBirth>1949", b"<dateOfBirth><!-- from the registry -->1949")
        .replace(b">WB-000001<", b">WB-<?sis checked?>000001<")
    )
    credential, issues = load_elmv2_report(data, xsd=XSD_DIR)
    assert credential.to_jsonld() == plain
    assert not [i for i in issues if "dateOfBirth" in i.path or "registration" in i.path]


def test_a_date_where_a_moment_belongs_is_kept_as_that_day() -> None:
    data = sample("EDC_WileECoyote_Simple.xml").replace(
        b"<cred:validFrom>2022-03-01T00:00:00+01:00<", b"<cred:validFrom>2022-03-01<"
    )
    credential, issues = load_elmv2_report(data)
    assert str(credential.valid_from) == "2022-03-01T00:00:00Z"  # not the issuance date
    derived = [i for i in issues if i.path.endswith("validFrom")]
    assert [i.kind for i in derived] == ["derived"] and "is a date" in derived[0].message
    broken = data.replace(b"<cred:validFrom>2022-03-01<", b"<cred:validFrom>soon<")
    credential, issues = load_elmv2_report(broken)
    assert credential.valid_from == credential.issued
    assert any("no readable validFrom" in i.message for i in issues)


def test_an_id_shared_by_elements_of_two_sections_resolves_each_reference_by_its_kind() -> None:
    # the v2 schema wants ids unique within a References section only
    data = sample("EDC_SampleACT_AA.xml").replace(b"urn:epass:learningactivityspec:1", b"urn:epass:org:1")
    credential, issues = load_elmv2_report(data, xsd=XSD_DIR)
    document = credential.to_jsonld()
    assert document["issuer"]["id"] == "urn:epass:org:1"
    assert document["issuer"]["type"] == "Organisation"
    claim = document["credentialSubject"]["hasClaim"]
    claim = claim[0] if isinstance(claim, list) else claim
    spec = claim["specifiedBy"]
    spec = spec[0] if isinstance(spec, list) else spec
    assert spec["type"] == "LearningActivitySpecification"
    assert spec["id"] != "urn:epass:org:1"  # one IRI cannot name two nodes
    assert not [i for i in issues if i.kind == "unresolved"]
    assert any("also names a <organization>" in i.message or "also names a <learningActivitySpecification>" in i.message for i in issues)


def test_a_second_element_with_the_id_of_one_in_its_section_is_reported() -> None:
    data = sample("EDC_WileECoyote_Simple.xml").replace(
        b"</agentReferences>",
        b'<organization id="urn:epass:org:1"><legalIdentifier schemeID="x">B99</legalIdentifier>'
        b"</organization></agentReferences>",
    )
    _credential, issues = load_elmv2_report(data)
    assert any(i.kind == "dropped" and "repeats the id of the one on line" in i.message for i in issues)


_V2_HEAD = (
    '<europassCredential xmlns="http://data.europa.eu/snb" '
    'xmlns:cred="http://data.europa.eu/europass/model/credentials/w3c#" '
    'cred:id="urn:credential:1" xsdVersion="0.10.0"><primaryLanguage>es</primaryLanguage>'
    "<cred:issued>2021-07-20T10:30:00+02:00</cred:issued>"
)


def _v2_text(tag: str, text: str) -> str:
    return f'<{tag}><text lang="es" content-type="text/plain">{text}</text></{tag}>'


def _v2_achievement(specifications: str, opportunity: str = "") -> bytes:
    link = '<associatedLearningOpportunity idref="urn:lo:1"/>' if opportunity else ""
    return (
        _V2_HEAD + '<credentialSubject id="urn:p:1">' + _v2_text("fullName", "Ana")
        + '<achievements><learningAchievement id="urn:a:1">' + _v2_text("title", "Máster")
        + f'<specifiedBy idref="urn:s:0"/>{link}</learningAchievement></achievements></credentialSubject>'
        + f"<learningSpecificationReferences>{specifications}</learningSpecificationReferences>"
        + opportunity + "</europassCredential>"
    ).encode()


@pytest.mark.parametrize("amount", ["1E3", "1_000", "１０００", "NaN"])
def test_an_amount_that_is_no_xsd_decimal_is_reported_not_raised(amount: str) -> None:
    opportunity = (
        '<learningOpportunityReferences><learningOpportunity id="urn:lo:1">'
        + _v2_text("title", "Curso")
        + '<priceDetails><amount unit="http://publications.europa.eu/resource/authority/currency/EUR">'
        + f"{amount}</amount></priceDetails></learningOpportunity></learningOpportunityReferences>"
    )
    specification = '<learningSpecification id="urn:s:0">' + _v2_text("title", "Curso") + "</learningSpecification>"
    _credential, issues = load_elmv2_report(_v2_achievement(specification, opportunity))
    assert any(i.kind == "invalid" and "is not a number and a currency" in i.message for i in issues)


def test_a_long_chain_of_references_is_a_structure_error() -> None:
    chain = "".join(
        f'<learningSpecification id="urn:s:{i}">' + _v2_text("title", f"P{i}")
        + (f'<hasPart idref="urn:s:{i + 1}"/>' if i < 299 else "") + "</learningSpecification>"
        for i in range(300)
    )
    with pytest.raises(StructureError, match="references lead through more than 64 elements"):
        load_elmv2_report(_v2_achievement(chain))


def test_xml_lang_markup_and_missing_languages_of_texts() -> None:
    title = (
        '<title><text xml:lang="es" content-type="text/plain">Máster en Datos</text>'
        '<text xml:lang="en" content-type="text/plain">Master in Data</text></title>'
    )
    specification = (
        '<learningSpecification id="urn:s:0">' + title
        + '<description><text lang="es" content-type="text/html">Máster en <b>Ciencia</b> de Datos</text>'
        + "</description>"
        + '<additionalNote><text content-type="text/plain">Sin idioma</text></additionalNote>'
        + "</learningSpecification>"
    )
    credential, issues = load_elmv2_report(_v2_achievement(specification))
    claim = credential.to_jsonld()["credentialSubject"]["hasClaim"]
    claim = claim[0] if isinstance(claim, list) else claim
    spec = claim["specifiedBy"]
    assert spec["title"] == {"es": "Máster en Datos", "en": "Master in Data"}
    assert spec["description"] == {"es": "Máster en Ciencia de Datos"}
    kinds = {(i.kind, i.message.split(";")[0]) for i in issues}
    assert ("changed", "markup inside the text was removed (its words kept)") in kinds
    assert ("derived", "the text has no language") in kinds


def test_decimal_percentages_scores_with_a_scheme_indentation_and_no_primary_language() -> None:
    from elmkit.serializers.elmv2 import load_elmv2_report as report

    data = (
        RICH_BYTES.replace(b"<percentageLower>60<", b"<percentageLower>59.5<")
        .replace(b"<minScore>9</minScore>", b'<minScore schemeID="urn:scale:10">9</minScore>')
        .replace(
            "Evaluación global".encode(), "\n            Evaluación\n            global\n        ".encode()
        )
    )
    credential, issues = report(data)
    messages = [(i.kind, i.message) for i in issues]
    assert ("changed", "59.5% is written as 60% (ELM 3.2 takes whole percentages)") in messages
    assert any(k == "dropped" and "the score's schemeID 'urn:scale:10'" in m for k, m in messages)
    assert "Evaluación\nglobal" in json.dumps(credential.to_jsonld(), ensure_ascii=False).replace("\\n", "\n")
    assert not any(k == "invalid" and "59.5" in m for k, m in messages)
    unlabelled = RICH_BYTES.replace(b"<primaryLanguage>es</primaryLanguage>", b"")
    _credential, issues = report(unlabelled)
    assert any(i.kind == "derived" and "no primaryLanguage" in i.message for i in issues)


def _with_languages(primary: str, lang: str) -> bytes:
    """The simple sample with another primary language and every ``lang="en"`` replaced."""
    data = sample("EDC_WileECoyote_Simple.xml").replace(b"<primaryLanguage>en<", f"<primaryLanguage>{primary}<".encode())
    return data.replace(b'lang="en"', f'lang="{lang}"'.encode())


@pytest.mark.parametrize(
    ("posix", "tag"),
    [("ca_ES", "ca-ES"), ("ca_ES.UTF-8@valencia", "ca-ES-valencia"), ("es_ES.UTF-8", "es-ES"), ("eu_ES@euro", "eu-ES")],
)
def test_posix_locale_names_are_read_as_their_bcp_47_tags(posix: str, tag: str) -> None:
    credential, issues = load_elmv2_report(_with_languages(posix, posix))
    person = credential.credential_subject
    assert person.full_name is not None and person.full_name.languages == (tag,)  # type: ignore[union-attr]
    display = credential.display_parameter
    assert display is not None and display.primary_language is not None
    assert display.primary_language.id == vocab.language(tag).iri
    derived = [i for i in issues if i.kind == "derived" and "POSIX" in i.message]
    assert {i.path.rsplit("/", 1)[-1] for i in derived} == {"text", "primaryLanguage"}
    assert all(f"read as the BCP 47 tag {tag}" in i.message for i in derived)
    assert len([i for i in derived if i.path.endswith("/text")]) == 1  # reported once, not per text
    assert not [i for i in issues if i.kind == "invalid" and "language" in i.message]


def test_a_text_without_language_takes_a_posix_primary_language_as_its_tag() -> None:
    data = _with_languages("ca_ES", "en").replace(
        b'<text lang="en" content-type="text/plain">Wile Coyote</text>',
        b'<text content-type="text/plain">Wile Coyote</text>',
    )
    credential = load_elmv2(data)
    assert credential.credential_subject.full_name.to_json() == {"ca-ES": "Wile Coyote"}  # type: ignore[union-attr]


@pytest.mark.parametrize("guess", ["va", "val"])
def test_va_and_val_are_reported_as_no_tag_of_valencian(guess: str) -> None:
    credential, issues = load_elmv2_report(_with_languages(guess, "en"))
    display = credential.display_parameter
    assert display is None or display.primary_language is None  # not VAL (Vehes), not kept silently
    (primary,) = [i for i in issues if i.path.endswith("/primaryLanguage")]
    assert primary.kind == "invalid" and "ca-ES-valencia" in primary.message
    credential, issues = load_elmv2_report(_with_languages("en", guess))
    assert credential.credential_subject.full_name.to_json() == {guess: "Wile Coyote"}  # type: ignore[union-attr]
    texts = [i for i in issues if i.kind == "invalid" and "ca-ES-valencia" in i.message]
    assert len(texts) == 1 and texts[0].path.endswith("/text")
    with pytest.raises(ModelError, match="ca-ES-valencia"):
        load_elmv2(_with_languages("en", guess), strict=True)


@pytest.mark.parametrize(
    ("posix", "tag"),
    [
        ("sr_RS@latin", "sr-Latn-RS"),
        ("uz_UZ@cyrillic", "uz-Cyrl-UZ"),
        ("tt_RU@iqtelif", "tt-Latn-RU"),
        ("aa_ER@saaho", "aa-ER"),  # no registered variant: left out, not invented
    ],
)
def test_posix_modifiers_are_scripts_or_registered_variants(posix: str, tag: str) -> None:
    from elmkit.serializers.elmv2 import posix_language_tag

    assert posix_language_tag(posix) == tag


def test_deeply_nested_inline_organisations_are_refused() -> None:
    inner = ""
    for level in range(250):
        inner = f'<hasUnit><prefLabel><text lang="en">{level}</text></prefLabel>{inner}</hasUnit>'
    doc = (f'<europassCredential {ROOT_NS} cred:id="urn:x"><cred:issuer idref="urn:o"/>'
           '<agentReferences><organization id="urn:o"><prefLabel><text lang="en">o</text>'
           f"</prefLabel>{inner}</organization></agentReferences></europassCredential>")
    with pytest.raises(StructureError):
        load_elmv2(doc.encode())


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "UTF-16", "windows-1252"])
def test_text_with_an_encoding_declaration_loads_as_written(encoding: str) -> None:
    from elmkit.serializers import load

    doc = (f'<?xml version="1.0" encoding="{encoding}"?>\n<europassCredential {ROOT_NS} '
           'cred:id="urn:x"><title><text lang="es">Título de café</text></title>'
           "</europassCredential>")
    for loaded in (load(doc), load_elmv2(doc)):
        assert isinstance(loaded, EuropeanDigitalCredential)
        assert loaded.display_parameter is not None
        assert loaded.display_parameter.title == LangText({"es": "Título de café"})


def test_a_code_given_again_keeps_its_labels_in_other_languages() -> None:
    doc = (f'<europassCredential {ROOT_NS} cred:id="urn:x"><credentialSubject id="urn:p">'
           '<gender uri="http://example.org/sex/X"><targetName><text lang="en">other</text>'
           "</targetName></gender>"
           '<hasLocation><spatialCode uri="http://example.org/sex/X"><targetName>'
           '<text lang="es">otro</text></targetName><targetDescription><text lang="es">otra '
           "opción</text></targetDescription><unexpected/></spatialCode></hasLocation>"
           '<citizenshipCountry uri="http://publications.europa.eu/resource/authority/country/ESP">'
           '<targetName><text lang="es">España</text></targetName></citizenshipCountry>'
           '<placeOfBirth><spatialCode uri="http://publications.europa.eu/resource/authority/'
           'country/ESP"><targetName><text lang="ca">Espanya</text></targetName></spatialCode>'
           "</placeOfBirth></credentialSubject></europassCredential>")
    credential, issues = load_elmv2_report(doc.encode())
    subject = credential.credential_subject
    assert subject.gender is not None
    assert subject.gender.pref_label == LangText({"en": "other", "es": "otro"})
    assert subject.gender.definition == LangText({"es": "otra opción"})
    spain = subject.citizenship_country[0].pref_label
    assert spain is not None and spain.get_all("es") == ("España",) and spain.get_all("ca") == ("Espanya",)
    assert any(i.kind == "dropped" and i.path.endswith("/unexpected") for i in issues)


def test_many_labels_of_a_code_are_merged_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """One merge of all the labels, not one per label (which took quadratic time)."""
    from elmkit.serializers import elmv2

    merges: list[int] = []
    merge = elmv2._merge_text
    monkeypatch.setattr(elmv2, "_merge_text", lambda a, b: merges.append(1) or merge(a, b))
    names = "".join(f'<targetName><text lang="en">n{i}</text></targetName>' for i in range(20_000))
    doc = (f'<europassCredential {ROOT_NS} cred:id="urn:x"><credentialSubject id="urn:p">'
           f'<gender uri="http://example.org/sex/X">{names}</gender></credentialSubject>'
           "</europassCredential>")
    credential = load_elmv2(doc.encode())
    assert len(merges) < 10
    assert credential.credential_subject.gender is not None
    assert len(credential.credential_subject.gender.pref_label.get_all("en")) == 20_000  # type: ignore[union-attr]


def test_repeated_text_elements_are_bounded() -> None:
    """Each repeated title is merged into the text so far (linear in its size): past
    MAX_TEXTS_PER_FIELD texts they are dropped and said, so that a crafted file of thousands
    costs no quadratic time."""
    from elmkit.serializers.elmv2 import MAX_TEXTS_PER_FIELD, load_elmv2_report

    titles = "".join(f'<title><text lang="en">t{i}</text></title>' for i in range(MAX_TEXTS_PER_FIELD + 50))
    doc = (f'<europassCredential {ROOT_NS} cred:id="urn:x">{titles}'
           '<credentialSubject id="urn:p"/></europassCredential>')
    credential, issues = load_elmv2_report(doc.encode())
    assert credential.display_parameter is not None and credential.display_parameter.title
    assert len(credential.display_parameter.title.get_all("en")) == MAX_TEXTS_PER_FIELD
    dropped = [i for i in issues if "more than" in str(i) and "texts for" in str(i)]
    assert len(dropped) == 50
