"""From a definition and a learner's result to one ELM credential, with deterministic ids."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from elmkit.errors import SourceError, UnknownCodeError
from elmkit.microcredentials.definition import MicroCredential, OrganisationInfo, ProgrammeInfo
from elmkit.microcredentials.files import require_file
from elmkit.microcredentials.records import LearnerResult
from elmkit.model import (
    Address,
    AwardingProcess,
    Concept,
    ContactPoint,
    CreditPoint,
    DisplayParameter,
    ElmNode,
    EuropeanDigitalCredential,
    GradingScheme,
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
    stable_id,
    vocab,
)
from elmkit.model.datatypes import DateTime, Duration

__all__ = [
    "CREDENTIAL_NAMESPACE",
    "DECIMAL_COMMA",
    "GRADING_TITLE",
    "PASS_TEXT",
    "STACKABLE",
    "STAND_ALONE",
    "CredentialFactory",
    "build_credential",
    "credential_id",
    "decimal_text",
    "grading_title",
]

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


#: The largest logo file embedded in credentials.
MAX_LOGO_FILE_BYTES = 10 * 1024 * 1024


def _image_kind(data: bytes) -> str | None:
    """``PNG`` or ``JPEG`` by the file's signature; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    return None


def _media(data: bytes, *, key: str) -> MediaObject:
    kind = _image_kind(data)
    if kind is None:
        raise ValueError("not a PNG or JPEG image")
    return MediaObject(
        id=stable_id(MediaObject, key),
        content=base64.b64encode(data).decode("ascii"),
        content_encoding=_concept(vocab.content_encoding("base64")),
        content_type=_concept(vocab.file_type(kind)),
    )


def _logo_bytes(path: Path) -> bytes:
    """A logo file's bytes; :class:`SourceError` naming the file when it cannot be a logo."""
    require_file(path, "logo")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_LOGO_FILE_BYTES + 1)
    except OSError as exc:
        raise SourceError(f"logo cannot be read: {exc.strerror or exc}", file=str(path)) from exc
    if len(data) > MAX_LOGO_FILE_BYTES:
        raise SourceError(f"logo is larger than {MAX_LOGO_FILE_BYTES:,} bytes", file=str(path))
    if _image_kind(data) is None:
        raise SourceError("logo is not a PNG or JPEG image", file=str(path))
    return data


def _organisation_key(info: OrganisationInfo) -> str:
    """What an organisation's derived IRIs come from: its VAT id, else its English name, else
    its name in the first of its languages in the order of their tags (never the order the
    names were given in, which differs between definition files of one organisation)."""
    if info.vat_id:
        return f"org/{info.vat_id}"
    names = info.legal_name
    tag = names.resolve("en")
    if tag is None or tag.split("-", 1)[0].lower() != "en":
        tag = min(names, key=str.lower)
    return f"org/{names.get(tag)}"


def _organisation_id(info: OrganisationInfo) -> str:
    """The IRI of an awarding body or issuer: its ``id``, else one derived from its VAT id (or,
    without one, its name)."""
    return info.id or stable_id(Organisation, _organisation_key(info))


def _programme_id(programme: ProgrammeInfo, awarding_body: OrganisationInfo) -> str:
    """The IRI of the programme a module is part of: ``part_of.id``, else one derived from the
    awarding body's IRI and every title of the programme (all its languages, in the order of
    their tags): the same programme of two awarding bodies gets two IRIs, and modules that give
    one awarding body and the same titles share one, whatever languages they are issued in."""
    if programme.id:
        return programme.id
    titles = sorted(
        (tag, [" ".join(text.split()) for text in texts]) for tag, texts in programme.title.items()
    )
    key = json.dumps([_organisation_id(awarding_body), titles], ensure_ascii=False)
    return stable_id(Qualification, f"programme/{key}")


def organisation(info: OrganisationInfo, lang: str = "en") -> Organisation:
    """The ELM organisation for an awarding body or issuer (stable id from its VAT id or name);
    its address and region, given as plain text, are in ``lang``."""
    key = info.id or _organisation_key(info)
    org_id = _organisation_id(info)
    country = _concept(vocab.country(info.country))
    address = Address(id=stable_id(Address, key), country_code=country)
    if info.address:
        address.full_address = Note(id=stable_id(Note, f"{key}/address"), note_literal=LangText({lang: info.address}))
    location = Location(id=stable_id(Location, key), address=[address])
    if info.region:
        location.geographic_name = LangText({lang: info.region})
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
            ContactPoint(id=stable_id(ContactPoint, key), email_address=[Mailbox(id=f"mailto:{info.email}", type="Mailbox")])
        ]
    if info.logo is not None:
        org.logo = _media(_logo_bytes(info.logo), key=f"{key}/logo")
    return org


def _ects_point(ects: Decimal, key: str) -> CreditPoint:
    """``ects`` ECTS credits as a credit point (``"6"``, ``"1.5"``; never an exponent)."""
    return CreditPoint(
        id=stable_id(CreditPoint, key),
        framework=_concept(vocab.credit_system("ECTS")),
        point=format(ects.normalize(), "f"),
    )


def _specification(definition: MicroCredential) -> Qualification:
    key = f"{definition.id}/v{definition.version}"
    taught_in = definition.instruction_languages or definition.languages
    languages = [_concept(vocab.language(tag)) for tag in taught_in]
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
        spec.credit_point = [_ects_point(definition.ects, key)]
    if definition.hours is not None:
        spec.volume_of_learning = Duration.of_hours(definition.hours)
    if definition.mode:
        spec.mode = [_lookup("mode", _MODE_ALIASES.get(definition.mode.lower(), definition.mode), "mode")]
    spec.learning_setting = _lookup(
        "learning-setting", definition.resolved_learning_setting, "learning_setting"
    )
    opportunity = definition.opportunity_type or ("Programme module" if definition.kind == "module" else "Short learning programme")
    spec.dc_type = [_lookup("learning-opportunity-type", opportunity, "opportunity_type")]
    spec.thematic_area = [_lookup("isced-f", code, "thematic_areas") for code in definition.thematic_areas]
    if definition.prerequisites is not None:
        spec.entry_requirement = Note(id=stable_id(Note, f"{key}/prerequisites"), note_literal=definition.prerequisites)
    if definition.part_of is not None:
        programme = definition.part_of
        parent_id = _programme_id(programme, definition.awarding_body)
        parent = Qualification(id=parent_id, title=programme.title)
        if programme.eqf_level is not None:
            parent.eqf_level = _lookup("eqf", str(programme.eqf_level), "part_of.eqf_level")
        if programme.ects is not None:
            parent.credit_point = [_ects_point(programme.ects, f"programme/{parent_id}")]
        spec.is_part_of = [parent]
    if definition.stackable is not None:
        if spec.is_partial_qualification is None:
            spec.is_partial_qualification = False  # a course is a micro-credential of its own
        table = STACKABLE if definition.stackable else STAND_ALONE
        texts = {tag: table[base] for tag, base in _phrase_tags(definition.languages, table).items()}
        spec.additional_note.append(
            Note(id=stable_id(Note, f"{key}/stackability"), note_literal=LangText(texts))
        )
    _add_quality_assurance(spec, definition)
    return spec


def _add_quality_assurance(spec: Qualification, definition: MicroCredential) -> None:
    """Annex I element 11: an accreditation when an accrediting body is named, else a typed note."""
    from elmkit.profiles import quality

    info = definition.quality_assurance
    if info is None:
        return
    agent = (
        organisation(info.accrediting_body, definition.primary_language)
        if info.accrediting_body is not None
        else None
    )
    try:
        node = quality.add_quality_assurance(
            spec,
            kind=info.kind,
            text=info.text,
            accrediting_agent=agent,
            date_issued=info.decision_date,
        )
    except UnknownCodeError as exc:
        raise SourceError(f"field 'quality_assurance.kind': {exc}", path="quality_assurance.kind") from exc
    node.id = stable_id(type(node), f"{definition.id}/v{definition.version}/qa")


#: Annex I optional element 4, "integrated, stackable towards another credential", by language.
STACKABLE = {
    "es": "Microcredencial acumulable", "ca": "Microcredencial acumulable",
    "gl": "Microcredencial acumulable", "eu": "Mikrokredentzial metagarria",
    "oc": "Microcredenciau acumulabla", "pt": "Microcredencial acumulável",
    "fr": "Microcertification cumulable", "it": "Microcredenziale cumulabile",
    "de": "Stapelbares Microcredential", "en": "Stackable micro-credential",
}  # fmt: skip

#: Annex I optional element 4, "stand-alone, independent micro-credential", by language.
STAND_ALONE = {
    "es": "Microcredencial independiente", "ca": "Microcredencial independent",
    "gl": "Microcredencial independente", "eu": "Mikrokredentzial independentea",
    "oc": "Microcredenciau independenta", "pt": "Microcredencial autónoma",
    "fr": "Microcertification autonome", "it": "Microcredenziale autonoma",
    "de": "Eigenständiges Microcredential", "en": "Stand-alone micro-credential",
}  # fmt: skip

#: The grade shown when a learner passed without a numeric grade, by language.
PASS_TEXT = {
    "es": "Apto", "ca": "Apte", "eu": "Gai", "gl": "Apto", "oc": "Apte", "pt": "Apto", "en": "Pass",
    "fr": "Réussi", "it": "Superato", "de": "Bestanden",
}  # fmt: skip


def _phrase_tags(languages: Sequence[str], table: Mapping[str, object]) -> dict[str, str]:
    """For each of ``languages``, the tag its words are written with and the language of
    ``table`` that gives them: its own, or else its fallback language's (Asturian: Spanish),
    tagged with that language, not its own."""
    tags: dict[str, str] = {}
    for lang in languages:
        for candidate in LangText().fallback_chain(lang):
            base = candidate.split("-", 1)[0].lower()
            if base in table:
                tags.setdefault(lang if base == lang.split("-", 1)[0].lower() else base, base)
                break
    return tags


def _pass_texts(languages: Sequence[str]) -> dict[str, str]:
    """The pass text for each of ``languages`` (see :func:`_phrase_tags`)."""
    return {tag: PASS_TEXT[base] for tag, base in _phrase_tags(languages, PASS_TEXT).items()}


#: Languages that write a decimal comma (``8,5``); the others write a point (``8.5``).
DECIMAL_COMMA = frozenset(
    {
        "an", "ast", "bg", "bs", "ca", "cs", "da", "de", "el", "es", "et", "eu", "fi", "fr", "gl",
        "hr", "hu", "is", "it", "lt", "lv", "mk", "nb", "nl", "nn", "no", "oc", "pl", "pt", "ro",
        "ru", "sk", "sl", "sq", "sr", "sv", "tr", "uk",
    }
)  # fmt: skip


def decimal_text(value: float, lang: str) -> str:
    """``value`` as written in ``lang``: every digit it was given (``66.6666667``, never rounded),
    no exponent, and the language's decimal separator (``8,5`` in Catalan, ``8.5`` in English)."""
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    comma = lang.split("-", 1)[0].lower() in DECIMAL_COMMA
    return text.replace(".", ",") if comma else text


def _basque_allative(number: str) -> str:
    """Basque "up to" (``-ra(ko)``) after a number written in digits: ``10erako``, ``20rako``.
    The ending follows the last spoken word, which the last group of digits gives."""
    from elmkit.render.labels import basque_ends_in_consonant

    digits = number.replace(",", ".").rsplit(".", 1)[-1]
    consonant = basque_ends_in_consonant(int(digits)) if digits.isdigit() else False
    return f"{number}{'erako' if consonant else 'rako'}"


#: The default title of a grading scheme from 0 to ``{top}``, by language.
GRADING_TITLE = {
    "es": "Escala de calificación de 0 a {top}",
    "ca": "Escala de qualificació de 0 a {top}",
    "gl": "Escala de cualificación de 0 a {top}",
    "eu": "0tik {top_eu} kalifikazio-eskala",
    "oc": "Escala de qualificacion de 0 a {top}",
    "en": "Grading scale 0-{top}",
}


def grading_title(languages: Sequence[str], top: float) -> LangText:
    """The default title of a grading scheme from 0 to ``top`` in ``languages``; a language
    without its own words gets those of its fallback language, tagged with that language."""
    texts: dict[str, str] = {}
    for tag, base in _phrase_tags(languages, GRADING_TITLE).items():
        number = decimal_text(top, tag)
        texts[tag] = GRADING_TITLE[base].format(top=number, top_eu=_basque_allative(number))
    return LangText(texts)


class CredentialFactory:
    """Builds the credentials of one definition; the parts every learner shares (organisations,
    specifications, concepts) are built once and shared by the credentials it returns.

    Treat the returned credentials as read-only, or build each with :func:`build_credential`.
    """

    def __init__(self, definition: MicroCredential) -> None:
        d = definition
        self.definition = d
        self.awarding = organisation(d.awarding_body, d.primary_language)
        self.issuer = (
            self.awarding if d.issuer is None else organisation(d.issuer, d.primary_language)
        )
        self.spec = _specification(d)
        grading = d.grading
        self.assessment_spec = LearningAssessmentSpecification(
            id=stable_id(LearningAssessmentSpecification, f"{d.id}/assessment"),
            title=d.assessment_title or d.title,
            grading_scheme=GradingScheme(
                id=stable_id(GradingScheme, f"{d.id}/grading"),
                title=grading.title or grading_title(d.languages, grading.max_grade),
                description=grading.description,
            ),
        )
        if d.assessment_type:
            self.assessment_spec.dc_type = _lookup("assessment-type", d.assessment_type, "assessment_type")
        self.id_verification = (
            _lookup("supervision-verification", d.supervision, "supervision") if d.supervision else None
        )
        self.activity_spec = LearningActivitySpecification(
            id=stable_id(LearningActivitySpecification, d.id),
            title=d.title,
            mode=self.spec.mode,
            volume_of_learning=self.spec.volume_of_learning,
        )
        self.period: PeriodOfTime | None = None
        if d.start_date or d.end_date:
            self.period = PeriodOfTime(id=stable_id(PeriodOfTime, d.id))
            if d.start_date:
                self.period.start_date = _datetime(d.start_date)
            if d.end_date:
                self.period.end_date = _datetime(d.end_date)
        self.country = _concept(vocab.country(d.awarding_body.country))
        self.languages = [_concept(vocab.language(tag)) for tag in d.languages]
        self.language_by_tag = dict(zip(d.languages, self.languages, strict=True))
        # the concepts of every page image
        self.base64 = _concept(vocab.content_encoding("base64"))
        self.jpeg = _concept(vocab.file_type("JPEG"))
        self.profiles = [_concept(vocab.credential_profile("Generic"))]
        self.schema = [ShaclValidator2017(id=EDC_GENERIC_FULL, type="ShaclValidator2017")]
        self.pass_texts = _pass_texts(d.languages)

    def _individual_display(self, tag: str, image: bytes) -> IndividualDisplay:
        """The display of one page, holding the factory's language and media concepts."""
        from elmkit.render import individual_display

        language = self.language_by_tag.get(tag)
        node = IndividualDisplay.model_validate(
            individual_display(vocab.language(tag).to_jsonld(), image)
        )
        if language is not None:
            node.language = language
        for detail in node.display_detail:
            media = detail.image
            if media is not None:
                media.content_encoding = self.base64
                media.content_type = self.jpeg
        return node

    def shared_nodes(self) -> tuple[ElmNode, ...]:
        """The nodes every credential of this factory shares (as the same objects); see
        :class:`elmkit.serializers.jsonld.SharedNodes`."""
        nodes: list[ElmNode] = [
            self.awarding,
            self.issuer,
            self.spec,
            self.assessment_spec,
            self.activity_spec,
            self.country,
            *self.languages,
            *self.profiles,
            *self.schema,
            self.base64,
            self.jpeg,
        ]
        if self.id_verification is not None:
            nodes.append(self.id_verification)
        if self.period is not None:
            nodes.append(self.period)
        return tuple(nodes)

    def build(
        self,
        learner: LearnerResult,
        *,
        valid_from: datetime | None = None,
        display_images: dict[str, bytes] | None = None,
    ) -> EuropeanDigitalCredential:
        """The credential of one learner (see :func:`build_credential`)."""
        d = self.definition
        lang = d.primary_language
        key = f"{d.id}/{learner.learner_id}"
        awarding = self.awarding
        process = AwardingProcess(id=stable_id(AwardingProcess, key), awarding_body=[awarding])
        if learner.assessment_date is not None:
            process.awarding_date = _datetime(learner.assessment_date)

        grade_texts = (
            {lang: decimal_text(learner.grade, lang)} if learner.grade is not None else self.pass_texts
        )
        assessment = LearningAssessment(
            id=stable_id(LearningAssessment, key),
            title=d.assessment_title or d.title,
            awarded_by=process,
            assessed_by=[awarding],
            grade=Note(id=stable_id(Note, f"{key}/grade"), note_literal=LangText(grade_texts)),
            specified_by=self.assessment_spec,
        )
        if self.id_verification is not None:
            assessment.id_verification = self.id_verification
        if learner.assessment_date is not None:
            assessment.date_issued = _datetime(learner.assessment_date)

        activity = LearningActivity(
            id=stable_id(LearningActivity, key),
            title=d.title,
            awarded_by=process,
            specified_by=self.activity_spec,
        )
        if self.period is not None:
            activity.temporal = [self.period]
        if learner.attendance is not None:
            activity.level_of_completion = max(1, round(learner.attendance))

        achievement = LearningAchievement(
            id=stable_id(LearningAchievement, key),
            title=d.title,
            awarded_by=process,
            proven_by=[assessment],
            influenced_by=[activity],
            specified_by=self.spec,
        )
        if d.ects is not None:
            achievement.credit_received = self.spec.credit_point

        person = Person(
            id=stable_id(Person, key),
            given_name=LangText({lang: learner.given_name}),
            full_name=LangText({lang: learner.full_name}),
            has_claim=[achievement],
        )
        if learner.family_name:
            person.family_name = LangText({lang: learner.family_name})
        if learner.email:
            person.contact_point = [
                ContactPoint(
                    id=stable_id(ContactPoint, key),
                    email_address=[Mailbox(id=f"mailto:{learner.email}", type="Mailbox")],
                )
            ]
        if learner.national_id:
            person.national_id = LegalIdentifier(
                id=stable_id(LegalIdentifier, f"{key}/national-id"),
                notation=learner.national_id,
                spatial=self.country,
            )
        if learner.date_of_birth is not None:
            person.date_of_birth = _datetime(learner.date_of_birth)

        display = DisplayParameter(
            id=stable_id(DisplayParameter, key),
            title=d.title,
            description=d.description,
            language=self.languages,
            primary_language=self.languages[0],
        )
        if display_images:
            display.individual_display = [
                self._individual_display(tag, image) for tag, image in display_images.items()
            ]
        when = valid_from or datetime.now(UTC).replace(microsecond=0)
        return EuropeanDigitalCredential(
            id=credential_id(d, learner.learner_id),
            credential_profiles=self.profiles,
            credential_schema=self.schema,
            credential_subject=person,
            issuer=self.issuer,
            valid_from=_datetime(when),
            display_parameter=display,
        )


def build_credential(
    definition: MicroCredential,
    learner: LearnerResult,
    *,
    valid_from: datetime | None = None,
    display_images: dict[str, bytes] | None = None,
) -> EuropeanDigitalCredential:
    """One credential for one learner. Ids are derived from the definition and the learner id, so
    building it again gives the same document (given the same ``valid_from``).

    ``display_images`` maps language tags to JPEG pages (see :func:`elmkit.render.render_page`);
    they become ``displayParameter.individualDisplay``. To build many credentials of one
    definition, :class:`CredentialFactory` is faster.
    """
    return CredentialFactory(definition).build(
        learner, valid_from=valid_from, display_images=display_images
    )
