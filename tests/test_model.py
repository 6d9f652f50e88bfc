"""Building model objects: types, paths in errors, references, ids, unknown properties."""

from __future__ import annotations

import copy
import json
import pickle
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from unittest.mock import ANY

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SAMPLES_DIR
from elmkit import dumps, load
from elmkit.errors import ElmError, ElmValidationError, StructureError, UnknownPropertyError
from elmkit.model import (
    AnyUri,
    Date,
    DateTime,
    Duration,
    EuropeanDigitalCredential,
    Identifier,
    LangText,
    LearningAchievement,
    LegalIdentifier,
    Note,
    Organisation,
    Person,
    Qualification,
    assign_ids,
    class_for,
    new_id,
    stable_id,
)
from elmkit.model.base import same_node
from elmkit.model.ids import ELMKIT_NAMESPACE


def sample(name: str) -> dict[str, Any]:
    data = json.loads((SAMPLES_DIR / name).read_text(encoding="utf-8"))
    data.pop("@context", None)
    return data


MC = sample("Sample-MC-Annex1-unsigned.jsonld")


def test_official_samples_load_without_unknown_properties() -> None:
    for name in ("Sample-MC-Annex1-unsigned.jsonld", "Sample-CertOfPart-unsigned.jsonld"):
        credential = EuropeanDigitalCredential.from_data(sample(name))
        assert list(credential.unknown_properties()) == []
    credential = EuropeanDigitalCredential.from_data(MC)
    assert isinstance(credential.credential_subject, Person)
    claim = credential.credential_subject.has_claim[0]
    assert isinstance(claim, LearningAchievement)
    assert claim.title is not None and claim.title.get("en") == "Digital micro-credential creation"
    assert isinstance(credential.issuer, Organisation)
    assert credential.type_names == ("VerifiableCredential", "EuropeanDigitalCredential")


def test_subclasses_are_picked_by_type() -> None:
    credential = EuropeanDigitalCredential.from_data(MC)
    for _, node in credential.walk():
        for name in node.type_names:
            if name in ("VerifiableCredential",):
                continue
            assert type(node).class_term == name


def test_wrong_type_names_the_path() -> None:
    data = json.loads(json.dumps(MC))
    data["credentialSubject"]["hasClaim"]["title"] = 42
    with pytest.raises(ElmValidationError) as info:
        EuropeanDigitalCredential.from_data(data)
    assert info.value.path == "/credentialSubject/hasClaim/0/title"
    assert isinstance(info.value, ElmError)


def test_wrong_node_type_is_rejected_with_path() -> None:
    data = json.loads(json.dumps(MC))
    data["credentialSubject"]["hasClaim"]["type"] = "Note"
    with pytest.raises(ElmValidationError) as info:
        EuropeanDigitalCredential.from_data(data)
    assert info.value.path.startswith("/credentialSubject/hasClaim/0")


def test_single_class_field_checks_type() -> None:
    with pytest.raises(ElmValidationError) as info:
        Note.from_data({"type": "Person", "noteLiteral": {"en": "x"}})
    assert "does not name Note" in str(info.value)


def test_every_error_is_reported_at_once() -> None:
    with pytest.raises(ElmValidationError) as info:
        Person.from_data({"type": "Person", "givenName": 3, "dateOfBirth": "yesterday", "hasClaim": 5})
    assert {d.path for d in info.value.details} >= {"/givenName", "/dateOfBirth"}
    assert len(info.value.details) >= 3


def test_minimum_cardinality_is_not_enforced() -> None:
    credential = EuropeanDigitalCredential()
    assert credential.credential_subject is None
    assert credential.credential_schema == []


def test_one_value_where_a_list_is_expected() -> None:
    person = Person.from_data({"hasClaim": {"type": "LearningAchievement", "title": {"en": "A"}}})
    assert len(person.has_claim) == 1


def test_iri_references_become_nodes() -> None:
    achievement = LearningAchievement.from_data({"type": "LearningAchievement", "awardedBy": "urn:epass:awardingProcess:1"})
    assert achievement.awarded_by is not None
    assert achievement.awarded_by.id == "urn:epass:awardingProcess:1"
    assert achievement.awarded_by.type is None


def test_shared_objects_stay_shared() -> None:
    university = Organisation(id="urn:epass:org:1", legal_name=LangText({"en": "University of Zed"}))
    credential = EuropeanDigitalCredential(
        issuer=university,
        credential_subject=Person(
            has_claim=[LearningAchievement(awarded_by={"type": "AwardingProcess", "awardingBody": [university]})]
        ),
    )
    assert credential.credential_subject is not None
    claim = credential.credential_subject.has_claim[0]
    assert claim.awarded_by is not None
    assert claim.awarded_by.awarding_body[0] is credential.issuer
    assert len([n for _, n in credential.walk() if n is university]) == 1


def test_unknown_properties_are_kept_and_reported() -> None:
    data = json.loads(json.dumps(MC))
    data["credentialSubject"]["favouriteColour"] = "blue"
    credential = EuropeanDigitalCredential.from_data(data)
    assert credential.credential_subject is not None
    assert credential.credential_subject.model_extra == {"favouriteColour": "blue"}
    assert list(credential.unknown_properties()) == [("/credentialSubject/favouriteColour", "favouriteColour")]
    with pytest.raises(UnknownPropertyError) as info:
        EuropeanDigitalCredential.from_data(data, strict=True)
    assert info.value.path == "/credentialSubject/favouriteColour"


def test_cycles_and_depth_are_structure_errors() -> None:
    group: dict[str, Any] = {"type": "Group"}
    group["member"] = [{"type": "Organisation", "groupMemberOf": [group]}]
    from elmkit.model import Group

    with pytest.raises(StructureError):
        Group.from_data(group)
    deep: dict[str, Any] = {"type": "Group"}
    cursor = deep
    for _ in range(2000):
        inner: dict[str, Any] = {"type": "Group"}
        cursor["member"] = [{"type": "Organisation", "groupMemberOf": [inner]}]
        cursor = inner
    with pytest.raises(StructureError):
        Group.from_data(deep)
    with pytest.raises(StructureError):
        Group.from_data({"type": "Group", "x": [[[[[[1]]]]]]}, max_depth=4)


def test_union_of_subclasses_accepts_legal_identifier() -> None:
    org = Organisation.from_data(
        {"type": "Organisation", "identifier": [{"type": "LegalIdentifier", "notation": "Q0818002H"}, {"type": "Identifier", "notation": "x"}]}
    )
    assert isinstance(org.identifier[0], LegalIdentifier)
    assert type(org.identifier[1]) is Identifier
    assert issubclass(Qualification, class_for("LearningAchievementSpecification"))


def test_ids() -> None:
    assert new_id(Person).startswith("urn:epass:person:")
    assert new_id(Person) != new_id(Person)
    a = stable_id(LearningAchievement, "learner-7/course-3")
    assert a == stable_id(LearningAchievement, "learner-7/course-3")
    assert a.startswith("urn:epass:learningAchievement:")
    assert a != stable_id(LearningAchievement, "learner-8/course-3")
    assert a != stable_id(LearningAchievement, "learner-7/course-3", namespace="https://uni.example/")

    # the uuid5 the standard library mints
    known = uuid.uuid5(ELMKIT_NAMESPACE, "learningAchievement/learner-7/course-3")
    assert a == f"urn:epass:learningAchievement:{known}"

    def build() -> Person:
        return Person(has_claim=[LearningAchievement(title=LangText({"en": "A"}))])

    one, two = assign_ids(build(), key="k"), assign_ids(build(), key="k")
    assert one.id == two.id and one.has_claim[0].id == two.has_claim[0].id
    assert one.id != one.has_claim[0].id
    assert assign_ids(build()).id != assign_ids(build()).id


def test_datatypes_keep_lexical_form() -> None:
    value = DateTime.coerce("2023-05-05T07:00:00.000Z")
    assert value.lexical == "2023-05-05T07:00:00.000Z"
    assert value == datetime(2023, 5, 5, 7, tzinfo=UTC)
    assert DateTime.coerce(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)).lexical == "2024-01-02T03:04:05Z"
    assert Date.coerce("2024-02-29").lexical == "2024-02-29"
    odd = datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=5, minutes=30, seconds=7)))
    assert DateTime.coerce(odd).lexical == "2026-01-01T06:29:53Z", "an offset xsd cannot write"
    assert DateTime.coerce(odd) == odd, "the same instant"
    assert Duration("PT60H").hours == 60
    assert Duration.from_timedelta(timedelta(hours=1, minutes=30)) == "PT1H30M"
    assert Duration("P2M").has_calendar_part
    with pytest.raises(ValueError):
        Duration("60 hours")
    with pytest.raises(ElmValidationError):
        Person.from_data({"dateOfBirth": "2024-02-30T00:00:00Z"})
    note = Person.from_data({"dateOfBirth": "1999-10-01T22:00:00Z"})
    assert note.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)["dateOfBirth"] == "1999-10-01T22:00:00Z"
    assert AnyUri is not None
    assert Decimal("1.50") == Decimal("1.5")


def test_language_tags_are_validated_with_path() -> None:
    with pytest.raises(ElmValidationError) as info:
        Note.from_data({"noteLiteral": {"not a tag": "x"}})
    assert info.value.path == "/noteLiteral/not a tag"


# -- hypothesis: random valid and invalid data -------------------------------------------------

TAGS = st.sampled_from(["en", "es", "ca", "ca-ES-valencia", "eu", "gl", "oc-aranes", "fr", "de", "pt-BR"])
TEXT = st.text(min_size=1, max_size=30)
LANGMAP = st.dictionaries(TAGS, TEXT, min_size=1, max_size=4)

PERSON = st.fixed_dictionaries(
    {"type": st.just("Person")},
    optional={
        "id": st.just("urn:epass:person:1"),
        "givenName": LANGMAP,
        "familyName": LANGMAP,
        "dateOfBirth": st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat().replace("+00:00", "Z")),
        "hasClaim": st.lists(
            st.fixed_dictionaries(
                {"type": st.sampled_from(["LearningAchievement", "LearningActivity", "LearningAssessment"])},
                optional={"title": LANGMAP, "description": LANGMAP},
            ),
            max_size=3,
        ),
    },
)


@given(PERSON)
@settings(max_examples=150, deadline=None)
def test_random_valid_data_builds(data: dict[str, Any]) -> None:
    person = Person.from_data(data)
    assert len(person.has_claim) == len(data.get("hasClaim", []))
    if "givenName" in data:
        assert person.given_name is not None
        assert set(map(str.lower, person.given_name)) == {LangText({k: "x"}).languages[0].lower() for k in data["givenName"]}


JUNK = st.one_of(st.integers(), st.floats(allow_nan=True), st.booleans(), st.text(max_size=5), st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@given(st.dictionaries(st.sampled_from(["givenName", "dateOfBirth", "hasClaim", "identifier", "contactPoint", "type", "id", "nationalId"]), JUNK, max_size=5))
@settings(max_examples=300, deadline=None)
def test_random_invalid_data_raises_only_elm_errors(data: dict[str, Any]) -> None:
    try:
        Person.from_data(data)
    except ElmError as exc:
        assert exc.path is not None


@given(key=st.text(max_size=60), namespace=st.uuids())
def test_stable_ids_are_standard_uuid5(key: str, namespace: uuid.UUID) -> None:
    minted = stable_id("person", key, namespace=namespace)
    assert minted == f"urn:epass:person:{uuid.uuid5(namespace, f'person/{key}')}"


@given(moment=st.datetimes(timezones=st.just(UTC)), zulu=st.booleans())
def test_dates_keep_their_lexical_form_through_copies_and_pickles(
    moment: datetime, zulu: bool
) -> None:
    text = moment.isoformat()
    if zulu:
        text = text.replace("+00:00", "Z")
    values: list[Any] = [DateTime.coerce(text), Date.coerce(moment.date().isoformat() + "+02:00")]
    for value in values:
        for again in (copy.copy(value), copy.deepcopy(value), pickle.loads(pickle.dumps(value))):
            assert type(again) is type(value)
            assert again == value and again.lexical == value.lexical


def test_a_deep_copied_credential_is_checked_like_the_original() -> None:
    credential = EuropeanDigitalCredential.from_data(sample("Sample-MC-Annex1-unsigned.jsonld"))
    copied = copy.deepcopy(credential)
    from elmkit.profiles import validate

    assert validate(copied, profiles=("edc-ap",)).findings == validate(
        credential, profiles=("edc-ap",)
    ).findings


def _amount(value: Any) -> Any:
    from elmkit.model import Amount

    euro = {"id": "http://publications.europa.eu/resource/authority/currency/EUR", "type": "Concept"}
    return Amount.from_data({"id": "urn:a:1", "type": "Amount", "value": value, "unit": euro})


@pytest.mark.parametrize(
    ("given", "written"),
    [
        ("1.50", "1.50"),
        (" 1.5 ", "1.5"),
        ("-.5", "-0.5"),
        ("0.0000001", "0.0000001"),
        (1.5, "1.5"),
        (1e16, "10000000000000000"),
        (1e-7, "0.0000001"),
        (12345678901234567890123, "12345678901234567890123"),
        (Decimal("1E+3"), "1000"),
    ],
)
def test_decimals_are_written_in_the_xsd_decimal_lexical_space(given: Any, written: str) -> None:
    amount = _amount(given)
    assert amount.to_jsonld()["value"] == written
    assert "E" not in str(amount.value)


@pytest.mark.parametrize(
    "given", ["1e3", "1E+16", "١٢", "1_000.5", "Infinity", "NaN", float("inf"), float("nan"), True]
)
def test_what_is_no_xsd_decimal_is_refused(given: Any) -> None:
    with pytest.raises(ElmValidationError, match=r"not an xsd:decimal|boolean"):
        _amount(given)


@pytest.mark.parametrize("text", ["١٢", "۱۲", "１２"])  # Arabic-Indic, Persian, full-width digits
def test_xsd_numbers_dates_and_durations_take_ascii_digits_only(text: str) -> None:
    from elmkit.model import LearningAchievementSpecification

    for data in (
        {"volumeOfLearning": f"PT{text}H"},
        {"dateModified": f"20{text}-01-01T00:00:00Z"},
        {"maximumDuration": f"P{text}M"},
    ):
        with pytest.raises(ElmValidationError):
            LearningAchievementSpecification.from_data(
                {"id": "urn:s:1", "type": "LearningAchievementSpecification", **data}
            )
    from elmkit.model import LearningActivity

    with pytest.raises(ElmValidationError):
        LearningActivity.from_data({"id": "urn:a:1", "type": "LearningActivity", "levelOfCompletion": text})
    assert LearningActivity.from_data({"levelOfCompletion": "12"}).level_of_completion == 12


@pytest.mark.parametrize(("given", "read"), [(100.0, 100), (1.0, 1), ("7", 7), (7, 7)])
def test_integers_are_read_as_json_ld_reads_them(given: Any, read: int) -> None:
    from elmkit.model import LearningActivity

    assert LearningActivity.from_data({"levelOfCompletion": given}).level_of_completion == read


@pytest.mark.parametrize("given", [1.5, 1e22, float("inf"), float("nan"), True, "1.0"])
def test_what_json_ld_reads_as_another_datatype_is_no_integer(given: Any) -> None:
    from elmkit.model import LearningActivity

    with pytest.raises(ElmValidationError):
        LearningActivity.from_data({"levelOfCompletion": given})


@pytest.mark.parametrize(("given", "read"), [(6, "6"), (1.5, "1.5"), ("6", "6")])
def test_a_number_where_text_belongs_is_read_as_its_text(given: Any, read: str) -> None:
    from elmkit.model import CreditPoint

    framework = {"id": "http://data.europa.eu/snb/education-credit/6fcec5c5af", "type": "Concept"}
    assert CreditPoint.from_data({"point": given, "framework": framework}).point == read
    with pytest.raises(ElmValidationError):
        CreditPoint.from_data({"point": True, "framework": framework})  # a yes/no is no text


@pytest.mark.parametrize(
    ("texts", "asked", "found"),
    [
        ({"es-ES": "Hola", "en": "Hello"}, "es", "Hola"),
        ({"de-AT": "Servus", "en": "Hi"}, "de", "Servus"),
        ({"ca-valencia": "Valencià", "es": "Castellano"}, "ca-ES-valencia", "Valencià"),
        ({"es": "Hola", "es-MX": "Quiubo", "en": "Hi"}, "es-AR", "Hola"),
        ({"ca": "Català", "es": "Castellano"}, "ca-ES-valencia", "Català"),
        ({"es": "Castellano", "en": "English"}, "oc-aranes", "Castellano"),
    ],
)
def test_another_variant_of_the_language_asked_comes_before_other_languages(
    texts: dict[str, str], asked: str, found: str
) -> None:
    assert LangText(texts).get(asked) == found


@pytest.mark.parametrize("offset", ["+15:00", "-14:01", "+23:59"])
def test_a_time_zone_offset_beyond_fourteen_hours_is_refused(offset: str) -> None:
    from elmkit.model import Person

    with pytest.raises(ElmValidationError, match="beyond ±14:00"):
        Person.from_data({"dateOfBirth": f"2000-01-01T00:00:00{offset}"})
    assert str(Person.from_data({"dateOfBirth": "2000-01-01T00:00:00-14:00"}).date_of_birth).endswith("-14:00")


def test_a_day_given_where_a_moment_belongs_is_midnight_utc_with_its_offset() -> None:
    # the Commission's tools write dates so, and the Europass JSON schema's RFC 3339
    # date-times need the offset
    assert DateTime.coerce(date(1999, 10, 2)).lexical == "1999-10-02T00:00:00Z"
    person = Person(id="urn:epass:person:1", date_of_birth=date(1999, 10, 2))
    assert person.to_jsonld()["dateOfBirth"] == "1999-10-02T00:00:00Z"


def test_a_node_built_in_code_with_values_that_do_not_fit_raises_the_typed_error() -> None:
    with pytest.raises(ElmValidationError) as caught:
        Person(given_name={"en": "Ana"}, date_of_birth="30/06/2001", family_name=3j)
    assert [d.path for d in caught.value.details] == ["/date_of_birth", "/family_name"]
    with pytest.raises(ElmValidationError) as caught:
        Organisation(id="urn:epass:org:1", legal_name={"en": "Uni"}, location={"type": "Bogus"})
    assert caught.value.path.startswith("/location")
    cyclic: dict[str, Any] = {"type": "Organisation", "legalName": {"en": "Uni"}}
    cyclic["subOrganizationOf"] = cyclic
    with pytest.raises(StructureError, match="cycle"):
        Organisation(legal_name={"en": "Faculty"}, sub_organization_of=cyclic)
    assert Person(given_name={"en": "Ana"}).given_name == {"en": "Ana"}  # what fits still builds


def test_a_value_assigned_after_construction_is_checked_as_at_construction() -> None:
    credential = EuropeanDigitalCredential(id="urn:credential:1")
    credential.valid_from = date(2026, 1, 1)  # type: ignore[assignment]
    assert isinstance(credential.valid_from, DateTime)
    assert credential.to_jsonld()["validFrom"] == "2026-01-01T00:00:00Z"  # not "2026-01-01"
    with pytest.raises(ElmValidationError) as caught:
        credential.valid_from = "tomorrow"  # type: ignore[assignment]
    assert caught.value.path == "/valid_from"
    assert str(credential.valid_from) == "2026-01-01T00:00:00Z"  # the refused value was not kept
    organisation = Organisation(id="urn:org:1", legal_name={"en": "Uni"})
    with pytest.raises(ElmValidationError, match="LegalIdentifier"):
        organisation.vat_identifier = [Identifier(notation="ES-1")]
    person = Person(id="urn:p:1")
    person.given_name = {"es": "Ana"}  # type: ignore[assignment]
    assert isinstance(person.given_name, LangText)


def test_a_list_assigned_to_a_field_is_the_field_so_filling_it_fills_the_field() -> None:
    person = Person(id="urn:p:1")
    claims: list[Any] = []
    person.has_claim = claims
    claims.append(LearningAchievement(id="urn:a:1", title={"en": "A"}))
    assert person.has_claim is claims and len(person.has_claim) == 1
    person.has_claim = [{"id": "urn:a:2", "type": "LearningAchievement", "title": {"en": "B"}}]
    assert isinstance(person.has_claim[0], LearningAchievement)  # read as nodes: a new list


def test_repr_shows_the_values_a_node_has_not_its_empty_fields() -> None:
    person = Person(id="urn:x", given_name={"es": "Ana"}, identifier=[])
    assert repr(person) == "Person(id='urn:x', type='Person', given_name=LangText({'es': 'Ana'}))"
    person.identifier = [Identifier(notation="X1")]
    assert "identifier=[Identifier(type='Identifier', notation='X1')]" in repr(person)
    assert repr(Person(id="urn:y", note="kept")) == "Person(id='urn:y', type='Person', note='kept')"


def test_a_date_computed_from_a_loaded_one_is_written_and_checked_like_any_other() -> None:
    credential = EuropeanDigitalCredential(valid_from="2022-12-31T23:00:00Z")
    assert credential.valid_from is not None
    later = credential.valid_from + timedelta(days=365)  # datetime makes it without its form
    credential.valid_until = later
    assert str(credential.valid_until) == "2023-12-31T23:00:00Z"
    assert json.loads(dumps(credential))["validUntil"] == "2023-12-31T23:00:00Z"
    assert copy.deepcopy(credential) == credential
    assert pickle.loads(pickle.dumps(credential)) == credential
    day = Date.coerce("2024-02-28") + timedelta(days=1)
    assert (day.lexical, str(copy.deepcopy(day))) == ("2024-02-29", "2024-02-29")
    with pytest.raises(ElmValidationError, match="beyond"):
        credential.valid_until = later.astimezone(timezone(timedelta(hours=15)))


def test_a_field_is_assigned_and_deleted_by_either_of_its_names() -> None:
    person = Person(given_name={"en": "A"}, family_name={"en": "B"})
    person.givenName = {"en": "Zed"}  # type: ignore[attr-defined]
    assert str(person.given_name) == "Zed" and not person.model_extra
    del person.family_name
    assert person.family_name is None
    assert json.loads(dumps(person)) == {"@context": ANY, "type": "Person", "givenName": {"en": "Zed"}}
    del person.givenName  # type: ignore[attr-defined]
    assert person.given_name is None
    claimant = EuropeanDigitalCredential(credential_subject=person)
    del claimant.credential_subject.contact_point  # a list goes back to empty
    assert person.contact_point == []
    with pytest.raises(AttributeError):
        del person.nothing  # type: ignore[attr-defined]
    person.givenName = {"en": "Ana"}  # type: ignore[attr-defined]
    assert str(person.givenName) == "Ana" and hasattr(person, "givenName")  # type: ignore[attr-defined]
    copied = person.model_copy(update={"familyName": LangText({"en": "Puig"})})
    assert str(copied.family_name) == "Puig" and not copied.model_extra
    assert json.loads(dumps(copied))["familyName"] == {"en": "Puig"}
    del copied.family_name  # absent again, as in a node never given it
    assert same_node(copied, Person(given_name={"en": "Ana"}))
    assert "familyName" not in copied.model_dump(exclude_unset=True)


def test_a_duration_xsd_cannot_hold_is_named_as_such() -> None:
    from elmkit.model import LearningAchievementSpecification

    with pytest.raises(ElmValidationError, match=r"not an xsd:duration: PT1\.5H \(ISO 8601 with"):
        LearningAchievementSpecification(volume_of_learning="PT1.5H")  # ISO 8601 allows it


@pytest.mark.parametrize("weeks", ["P2W", "P1W2D", "-P3W", "P1Y2W"])
def test_a_duration_in_weeks_is_no_xsd_duration(weeks: str) -> None:
    """ISO 8601 counts weeks; xsd:duration has no weeks, so RDF tools and the Europass
    validator take "P2W"^^xsd:duration for an ill-formed literal."""
    from elmkit.model import LearningAchievementSpecification

    with pytest.raises(ElmValidationError, match=r"not an xsd:duration: .*no weeks.*P14D") as caught:
        LearningAchievementSpecification(volume_of_learning=weeks)
    assert caught.value.details[0].path == "/volume_of_learning"
    with pytest.raises(ElmValidationError) as caught:
        LearningAchievementSpecification.from_data({"maximumDuration": weeks})
    assert caught.value.details[0].path == "/maximumDuration"
    with pytest.raises(ValueError, match="not an xsd:duration"):
        Duration(weeks)
    assert Duration("P14D").hours == 336


def test_copies_and_pickles_keep_where_a_document_came_from() -> None:
    details = {"deliveryAddress": ["mailto:ana@example.org"], "displayLanguages": ["es"]}
    upload = load(dumps(load(SAMPLES_DIR / "Sample-MC-Annex1-unsigned.jsonld"), wrapper=True, delivery_details=details))
    for copied in (
        copy.copy(upload),
        copy.deepcopy(upload),
        pickle.loads(pickle.dumps(upload)),
        upload.model_copy(deep=True),
    ):
        assert copied == upload and copied.origin == upload.origin
        assert json.loads(dumps(copied, wrapper=True))["deliveryDetails"] == details
    assert copy.deepcopy(Person(id="urn:x")).origin is None
    edited = copy.deepcopy(upload)
    edited.origin.delivery_details["deliveryAddress"].append("mailto:b@example.org")
    assert upload.origin.delivery_details == details  # a deep copy's origin is its own


def test_assigning_or_deleting_a_field_keeps_a_w3c_proof() -> None:
    w3c = {"type": "DataIntegrityProof", "proofValue": "z1"}
    credential = EuropeanDigitalCredential.from_data(
        {"id": "urn:c", "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
         "proof": w3c}
    )
    credential.valid_from = "2026-01-01T00:00:00Z"  # pydantic's assignment dropped it
    assert credential.model_extra == {"proof": w3c}
    del credential.proof
    assert credential.model_extra == {"proof": w3c}  # what the model keeps on purpose stays


def test_a_credential_is_built_again_from_its_model_dump() -> None:
    credential = load(SAMPLES_DIR / "Sample-MC-Annex1-unsigned.jsonld")
    again = EuropeanDigitalCredential.from_data(credential.model_dump())
    assert again == credential and not again.model_extra  # "proof": [] is no W3C proof
    assert dumps(again) == dumps(credential)


def test_a_date_time_built_in_code_needs_a_time_zone() -> None:
    credential = EuropeanDigitalCredential()
    with pytest.raises(ElmValidationError, match=r"without a time zone .*2026-01-01T10:00:00"):
        credential.valid_from = datetime(2026, 1, 1, 10, 0)  # Madrid's or UTC? Europass needs one
    credential.valid_from = datetime(2026, 1, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    assert str(credential.valid_from) == "2026-01-01T10:00:00+01:00"
    floating = EuropeanDigitalCredential(valid_from="2026-01-01T10:00:00")  # as a document has it
    assert floating.valid_from is not None
    floating.valid_until = floating.valid_from + timedelta(days=1)
    assert str(floating.valid_until) == "2026-01-02T10:00:00"


def test_a_null_in_a_language_maps_array_is_no_text_as_json_ld_reads_it() -> None:
    from elmkit.errors import ElmValidationError
    from elmkit.serializers import load

    node = load({"type": "Concept", "id": "urn:x", "prefLabel": {"ca": ["Curs", None], "es": [None]}})
    assert dict(node.pref_label) == {"ca": ("Curs",)}
    with pytest.raises(ElmValidationError, match="must be strings"):
        load({"type": "Concept", "id": "urn:x", "prefLabel": {"ca": ["Curs", 1]}})
