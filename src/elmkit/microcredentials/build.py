"""From a definition and a learner's result to one ELM credential, with deterministic ids."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, time
from typing import Any

from elmkit.errors import SourceError
from elmkit.microcredentials.definition import MicroCredential, OrganisationInfo
from elmkit.microcredentials.records import LearnerResult
from elmkit.model import (
    Address,
    AwardingProcess,
    Concept,
    ContactPoint,
    CreditPoint,
    DisplayParameter,
    EuropeanDigitalCredential,
    GradingScheme,
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
    stable_id,
    vocab,
)
from elmkit.model.datatypes import DateTime, Duration

__all__ = ["CREDENTIAL_NAMESPACE", "build_credential", "credential_id"]

#: uuid5 namespace of credential ids.
CREDENTIAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:elmkit:credential")
EDC_GENERIC_FULL = "http://data.europa.eu/snb/model/ap/edc-generic-full"


def credential_id(definition: MicroCredential, learner_id: str) -> str:
    """The credential's id: the same definition and learner always give the same id."""
    return f"urn:credential:{uuid.uuid5(CREDENTIAL_NAMESPACE, f'{definition.id}/{learner_id}')}"


def _concept(entry: vocab.VocabEntry) -> Concept:
    return entry.to_concept()


def _lookup(kind: str, code: str, field: str) -> Concept:
    try:
        return _concept(vocab.lookup(kind, code))
    except LookupError as exc:
        raise SourceError(f"field {field!r}: {exc}", path=field) from exc


_MODE_ALIASES = {
    "presencial": "Presential",
    "in-person": "Presential",
    "face-to-face": "Presential",
    "hibrida": "Blended",
    "híbrida": "Blended",
    "hybrid": "Blended",
    "semipresencial": "Blended",
    "virtual": "Online",
    "a distancia": "Online",
    "en línea": "Online",
}


def _datetime(value: Any) -> DateTime:
    if isinstance(value, datetime):
        return DateTime.coerce(value if value.tzinfo else value.replace(tzinfo=UTC))
    return DateTime.coerce(datetime.combine(value, time(0, 0), tzinfo=UTC))


def _media(data: bytes, *, key: str) -> MediaObject:
    kind = "PNG" if data.startswith(b"\x89PNG") else "JPEG"
    return MediaObject(
        id=stable_id(MediaObject, key),
        content=base64.b64encode(data).decode("ascii"),
        content_encoding=_concept(vocab.content_encoding("base64")),
        content_type=_concept(vocab.file_type(kind)),
    )


def organisation(info: OrganisationInfo) -> Organisation:
    """The ELM organisation for an awarding body or issuer (stable id from its VAT id or name)."""
    key = info.id or f"org/{info.vat_id or info.legal_name.get('en')}"
    org_id = info.id or stable_id(Organisation, key)
    country = _concept(vocab.country(info.country))
    address = Address(id=stable_id(Address, key), country_code=country)
    if info.address:
        address.full_address = Note(id=stable_id(Note, f"{key}/address"), note_literal=LangText({"en": info.address}))
    location = Location(id=stable_id(Location, key), address=[address])
    if info.region:
        location.geographic_name = LangText({"en": info.region})
    org = Organisation(id=org_id, legal_name=info.legal_name, location=[location])
    if info.short_name is not None:
        org.alt_label = info.short_name
    if info.vat_id:
        org.vat_identifier = [
            LegalIdentifier(id=stable_id(LegalIdentifier, f"{key}/vat"), notation=info.vat_id, spatial=country)
        ]
        org.registration = LegalIdentifier(id=stable_id(LegalIdentifier, f"{key}/registration"), notation=info.vat_id, spatial=country)
    if info.eidas_id:
        org.eidas_identifier = LegalIdentifier(id=stable_id(LegalIdentifier, f"{key}/eidas"), notation=info.eidas_id, spatial=country)
    if info.homepage:
        org.homepage = [WebResource(id=stable_id(WebResource, key), content_url=info.homepage)]
    if info.email:
        org.contact_point = [
            ContactPoint(id=stable_id(ContactPoint, key), email_address=[Mailbox(id=f"mailto:{info.email}")])
        ]
    if info.logo is not None:
        try:
            org.logo = _media(info.logo.read_bytes(), key=f"{key}/logo")
        except OSError as exc:
            raise SourceError(f"logo cannot be read: {exc}", file=str(info.logo)) from exc
    return org


def _specification(definition: MicroCredential, awarding: Organisation) -> Qualification:
    key = f"{definition.id}/v{definition.version}"
    languages = [_concept(vocab.language(tag)) for tag in definition.languages]
    spec = Qualification(
        id=stable_id(Qualification, key),
        title=definition.title,
        language=languages,
        is_partial_qualification=definition.kind == "module" or None,
    )
    if definition.description is not None:
        spec.description = definition.description
    spec.learning_outcome = [
        LearningOutcome(
            id=stable_id(LearningOutcome, f"{key}/outcome/{i}"),
            title=outcome.title,
            related_esco_skill=[Concept(id=iri) for iri in outcome.esco],
        )
        for i, outcome in enumerate(definition.learning_outcomes)
    ]
    if definition.eqf_level is not None:
        spec.eqf_level = _lookup("eqf", str(definition.eqf_level), "eqf_level")
    if definition.nqf_level:
        spec.nqf_level = [Concept(id=definition.nqf_level) if ":" in definition.nqf_level else _lookup("nqf", definition.nqf_level, "nqf_level")]
    if definition.ects is not None:
        spec.credit_point = [
            CreditPoint(
                id=stable_id(CreditPoint, key),
                framework=_concept(vocab.credit_system("ECTS")),
                point=format(definition.ects.normalize(), "f"),
            )
        ]
    if definition.hours is not None:
        spec.volume_of_learning = Duration.of_hours(definition.hours)
    if definition.mode:
        spec.mode = [_lookup("mode", _MODE_ALIASES.get(definition.mode.lower(), definition.mode), "mode")]
    spec.learning_setting = _lookup("learning-setting", definition.learning_setting, "learning_setting")
    opportunity = definition.opportunity_type or ("Programme module" if definition.kind == "module" else "Short learning programme")
    spec.dc_type = [_lookup("learning-opportunity-type", opportunity, "opportunity_type")]
    spec.thematic_area = [_lookup("isced-f", code, "thematic_areas") for code in definition.thematic_areas]
    if definition.prerequisites is not None:
        spec.entry_requirement = Note(id=stable_id(Note, f"{key}/prerequisites"), note_literal=definition.prerequisites)
    if definition.part_of is not None:
        programme = definition.part_of
        parent = Qualification(
            id=programme.id or stable_id(Qualification, f"programme/{programme.title.get('en')}"),
            title=programme.title,
        )
        if programme.eqf_level is not None:
            parent.eqf_level = _lookup("eqf", str(programme.eqf_level), "part_of.eqf_level")
        spec.is_part_of = [parent]
    if definition.quality_assurance is not None:
        _add_quality_assurance(spec, definition, awarding)
    return spec


def _add_quality_assurance(spec: Qualification, definition: MicroCredential, awarding: Organisation) -> None:
    from elmkit.profiles import quality

    info = definition.quality_assurance
    assert info is not None
    accrediting = organisation(info.accrediting_body) if info.accrediting_body is not None else awarding
    quality.add_quality_assurance(
        spec,
        kind=info.kind,
        text=info.text,
        accrediting_agent=accrediting,
        key=f"{definition.id}/qa",
    )


def build_credential(
    definition: MicroCredential,
    learner: LearnerResult,
    *,
    valid_from: datetime | None = None,
    display_images: dict[str, bytes] | None = None,
) -> EuropeanDigitalCredential:
    """One credential for one learner. Ids are derived from the definition and the learner id, so
    building it again gives the same document (given the same ``valid_from``)."""
    key = f"{definition.id}/{learner.learner_id}"
    awarding = organisation(definition.awarding_body)
    issuer = awarding if definition.issuer is None else organisation(definition.issuer)
    spec = _specification(definition, awarding)
    process = AwardingProcess(id=stable_id(AwardingProcess, key), awarding_body=[awarding])
    if learner.assessment_date is not None:
        process.awarding_date = _datetime(learner.assessment_date)

    grading = definition.grading
    grade_text = f"{learner.grade:g}" if learner.grade is not None else ("Apto" if definition.primary_language.startswith("es") else "Pass")
    assessment_spec = LearningAssessmentSpecification(
        id=stable_id(LearningAssessmentSpecification, f"{definition.id}/assessment"),
        title=definition.assessment_title or definition.title,
        grading_scheme=GradingScheme(
            id=stable_id(GradingScheme, f"{definition.id}/grading"),
            title=grading.title,
            description=grading.description,
        ),
    )
    if definition.assessment_type:
        assessment_spec.dc_type = _lookup("assessment-type", definition.assessment_type, "assessment_type")
    assessment = LearningAssessment(
        id=stable_id(LearningAssessment, key),
        title=definition.assessment_title or definition.title,
        awarded_by=process,
        assessed_by=[awarding],
        grade=Note(id=stable_id(Note, f"{key}/grade"), note_literal=LangText({definition.primary_language: grade_text})),
        specified_by=assessment_spec,
    )
    if definition.supervision:
        assessment.id_verification = _lookup("supervision-verification", definition.supervision, "supervision")
    if learner.assessment_date is not None:
        assessment.date_issued = _datetime(learner.assessment_date)

    activity = LearningActivity(
        id=stable_id(LearningActivity, key),
        title=definition.title,
        awarded_by=process,
        specified_by=LearningActivitySpecification(
            id=stable_id(LearningActivitySpecification, definition.id),
            title=definition.title,
            mode=spec.mode,
            volume_of_learning=spec.volume_of_learning,
        ),
    )
    if definition.start_date or definition.end_date:
        period = PeriodOfTime(id=stable_id(PeriodOfTime, definition.id))
        if definition.start_date:
            period.start_date = _datetime(definition.start_date)
        if definition.end_date:
            period.end_date = _datetime(definition.end_date)
        activity.temporal = [period]
    if learner.attendance is not None:
        activity.level_of_completion = max(1, round(learner.attendance))

    achievement = LearningAchievement(
        id=stable_id(LearningAchievement, key),
        title=definition.title,
        awarded_by=process,
        proven_by=[assessment],
        influenced_by=[activity],
        specified_by=spec,
    )
    if definition.ects is not None:
        achievement.credit_received = spec.credit_point

    person = Person(
        id=stable_id(Person, key),
        given_name=LangText({definition.primary_language: learner.given_name}),
        full_name=LangText({definition.primary_language: learner.full_name}),
        has_claim=[achievement],
    )
    if learner.family_name:
        person.family_name = LangText({definition.primary_language: learner.family_name})
    if learner.email:
        person.contact_point = [
            ContactPoint(id=stable_id(ContactPoint, key), email_address=[Mailbox(id=f"mailto:{learner.email}")])
        ]
    if learner.national_id:
        country = definition.awarding_body.country
        person.national_id = LegalIdentifier(
            id=stable_id(LegalIdentifier, f"{key}/national-id"),
            notation=learner.national_id,
            spatial=_concept(vocab.country(country)),
        )
    if learner.date_of_birth is not None:
        person.date_of_birth = _datetime(learner.date_of_birth)

    languages = [_concept(vocab.language(tag)) for tag in definition.languages]
    display = DisplayParameter(
        id=stable_id(DisplayParameter, key),
        title=definition.title,
        description=definition.description,
        language=languages,
        primary_language=languages[0],
    )
    if display_images:
        from elmkit.render import individual_display

        display.individual_display = [
            individual_display(_concept(vocab.language(tag)).model_dump(by_alias=True, exclude_none=True), image)
            for tag, image in display_images.items()
        ]
    when = valid_from or datetime.now(UTC).replace(microsecond=0)
    return EuropeanDigitalCredential(
        id=credential_id(definition, learner.learner_id),
        credential_profiles=[_concept(vocab.credential_profile("Generic"))],
        credential_schema=[ShaclValidator2017(id=EDC_GENERIC_FULL)],
        credential_subject=person,
        issuer=issuer,
        valid_from=_datetime(when),
        display_parameter=display,
    )
