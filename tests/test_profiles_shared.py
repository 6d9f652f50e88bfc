"""Profiles prepared for objects many credentials share give exactly the findings of a full check.

A batch hands every credential the same organisation, specification and concept objects;
``prepare_profiles`` reads and checks those once. These tests build credentials with random
learners (and deliberately awkward ones) and compare, finding by finding, the prepared profiles
with the plain ones, and show that the shared reading is really used when it applies.
"""

from __future__ import annotations

import copy
import io
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLES_DIR
from elmkit.microcredentials import LearnerResult, load_definition
from elmkit.microcredentials.build import CredentialFactory
from elmkit.model.base import same_node
from elmkit.model.classes import Concept, Organisation, PeriodOfTime
from elmkit.model.text import LangText
from elmkit.profiles import Profile, ProfileError, Stage, get_profile, prepare_profiles
from elmkit.profiles._edc_engine import SharedGraph, build_graph, rule_set
from elmkit.profiles.quality import NodeIndex, SharedIndex
from test_issue_support import definition_file

PROFILES = ("edc-ap", "eu-microcredential", "es-crue-ruepep")
WHEN = datetime(2026, 6, 22, 9, 0, tzinfo=UTC)


def _factory(folder: Path, changes: dict[str, Any] | None = None) -> CredentialFactory:
    return CredentialFactory(load_definition(definition_file(folder, changes)))


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> CredentialFactory:
    return _factory(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="module")
def module(tmp_path_factory: pytest.TempPathFactory) -> CredentialFactory:
    return _factory(
        tmp_path_factory.mktemp("module"),
        {
            "id": "upvf-grado-infantil-m3",
            "kind": "module",
            "ects": 6,
            "learning_setting": "formal learning",
            "part_of": {"title": {"es": "Grado en Maestro", "en": "Teaching degree"}, "eqf_level": 6},
        },
    )


def _tiny_jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (255, 255, 255)).save(buffer, "JPEG")
    return buffer.getvalue()


_JPEG = _tiny_jpeg()


def _same_findings(credential: Any, shared: Any, stages: tuple[Stage, ...] = tuple(Stage)) -> None:
    prepared = prepare_profiles(PROFILES, shared)
    for stage in stages:
        for name, fast in zip(PROFILES, prepared, strict=True):
            full = list(get_profile(name).check(credential, stage=stage))
            assert list(fast.check(credential, stage=stage)) == full, (name, stage)


names = st.text(
    alphabet=st.sampled_from("aàbcçdeèéfgilmnñoòópqrstuüxyzÀÇÑ·' -"), min_size=1, max_size=30
).filter(lambda s: s.strip() != "")
learners = st.builds(
    LearnerResult,
    learner_id=st.from_regex(r"[A-Z]{1,2}[0-9]{1,8}", fullmatch=True),
    given_name=names,
    family_name=st.one_of(st.just(""), names),
    email=st.one_of(st.none(), st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.(es|cat|eus)", fullmatch=True)),
    national_id=st.one_of(st.none(), st.sampled_from(["12345678Z", "X1234567L", "1234", "ABC"])),
    grade=st.one_of(st.none(), st.floats(min_value=0, max_value=10, allow_nan=False)),
    passed=st.one_of(st.none(), st.booleans()),
    attendance=st.one_of(st.none(), st.floats(min_value=0, max_value=100, allow_nan=False)),
    assessment_date=st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2030, 12, 31))),
    date_of_birth=st.one_of(st.none(), st.dates(date(1950, 1, 1), date(2010, 12, 31))),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(learner=learners, degree_module=st.booleans(), pages=st.booleans())
def test_random_learners_get_the_same_findings(
    course: CredentialFactory,
    module: CredentialFactory,
    learner: LearnerResult,
    degree_module: bool,
    pages: bool,
) -> None:
    factory = module if degree_module else course
    images = {tag: _JPEG for tag in factory.definition.languages} if pages else None
    credential = factory.build(learner, valid_from=WHEN, display_images=images)
    _same_findings(credential, factory.shared_nodes())


def test_the_shared_reading_is_used_for_batch_credentials(course: CredentialFactory) -> None:
    credential = course.build(LearnerResult(learner_id="A1", given_name="Núria"), valid_from=WHEN)
    shared = SharedGraph(course.shared_nodes())
    graph = build_graph(credential, shared)
    assert graph.shared is shared
    assert shared.usable
    assert shared.clean(rule_set(get_profile("edc-ap").layers([])))  # type: ignore[attr-defined]
    full = build_graph(credential)
    assert len(graph.resources) < len(full.resources) / 2
    assert set(graph.resources) <= set(full.resources)
    index = SharedIndex(course.shared_nodes())
    assert index.usable
    # the learner's own nodes are all that is walked; the shared ones come from the index,
    # which also knows shared nodes this credential does not hold (no display pages here)
    fast, full_index = NodeIndex(credential, index)._by_id, NodeIndex(credential)._by_id
    assert set(full_index) < set(fast)
    assert all(same_node(fast[key], node) for key, node in full_index.items())


def test_a_node_with_the_iri_of_a_shared_node_is_read_in_full(course: CredentialFactory) -> None:
    credential = course.build(
        LearnerResult(learner_id="A2", given_name="Jordi", email="jordi@upvf.es"), valid_from=WHEN
    )
    # the learner claims to be the university: a different node with a shared IRI
    credential.credential_subject.id = course.awarding.id  # type: ignore[union-attr]
    shared = SharedGraph(course.shared_nodes())
    assert build_graph(credential, shared).shared is None
    _same_findings(credential, course.shared_nodes())


def test_a_reference_to_a_shared_iri_and_an_equal_copy(course: CredentialFactory) -> None:
    credential = course.build(LearnerResult(learner_id="A3", given_name="Iñaki"), valid_from=WHEN)
    # the issuer written as a separate, equal copy of the shared organisation
    credential.issuer = copy.deepcopy(course.issuer)
    _same_findings(credential, course.shared_nodes())


def test_shared_nodes_with_violations_are_reported_as_a_full_check_does(
    tmp_path: Path,
) -> None:
    factory = _factory(tmp_path)
    # a broken shared organisation: no legal name
    factory.awarding.legal_name = LangText()
    credential = factory.build(LearnerResult(learner_id="B1", given_name="Aitor"), valid_from=WHEN)
    shared = SharedGraph(factory.shared_nodes())
    ruleset = rule_set(get_profile("edc-ap").layers([]))  # type: ignore[attr-defined]
    assert not shared.clean(ruleset)
    full = list(get_profile("edc-ap").check(credential, stage=Stage.READY))
    assert any(f.focus == factory.awarding.id for f in full)
    _same_findings(credential, factory.shared_nodes())


def test_a_cycle_among_shared_nodes_is_read_in_full(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    parent = Organisation(id="urn:epass:org:parent", legal_name=LangText({"en": "Parent"}))
    parent.has_sub_organization = [factory.awarding]  # type: ignore[attr-defined]
    factory.awarding.has_sub_organization = [parent]  # type: ignore[attr-defined]
    assert not SharedGraph(factory.shared_nodes()).usable
    credential = factory.build(LearnerResult(learner_id="C1", given_name="Lucía"), valid_from=WHEN)
    _same_findings(credential, factory.shared_nodes())


def test_unequal_shared_nodes_with_one_id_are_not_indexed_once(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    other = copy.deepcopy(factory.awarding)
    other.legal_name = LangText({"en": "Another name"})
    shared = (*factory.shared_nodes(), other)
    assert not SharedIndex(shared).usable
    credential = factory.build(LearnerResult(learner_id="D1", given_name="Xosé"), valid_from=WHEN)
    _same_findings(credential, shared)


def test_profiles_without_prepare_are_used_as_they_are(course: CredentialFactory) -> None:
    class Plain:
        name = "plain"
        title = "A third-party profile"

        def check(self, credential: Any, *, stage: Stage) -> list[Any]:
            return []

    plain = Plain()
    assert isinstance(plain, Profile)
    prepared = prepare_profiles(["edc-ap", plain], course.shared_nodes())
    assert prepared[1] is plain
    assert prepared[0] is not get_profile("edc-ap")
    assert prepared[0].name == "edc-ap"


def test_unequal_shared_copies_of_one_iri_are_read_in_full(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    # the awarding body's address country and the learners' national-id country are two
    # objects with one IRI; a broken copy must not be hidden by the other one
    country = factory.awarding.location[0].address[0].country_code  # type: ignore[index]
    assert country is not factory.country and country.id == factory.country.id
    country.in_scheme = []
    assert not SharedGraph(factory.shared_nodes()).usable
    credential = factory.build(LearnerResult(learner_id="E1", given_name="Nuria"), valid_from=WHEN)
    full = list(get_profile("edc-ap").check(credential, stage=Stage.READY))
    assert any("countryCode" in f.path for f in full)
    _same_findings(credential, factory.shared_nodes())


def test_a_string_reference_to_a_shared_iri_is_read_in_full(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    partner = copy.deepcopy(factory.awarding)
    partner.id = "urn:epass:organisation:partner"
    shared = (*factory.shared_nodes(), partner)
    credential = factory.build(LearnerResult(learner_id="E2", given_name="Nuria"), valid_from=WHEN)
    person = credential.credential_subject
    person.type = ["Person", "Organisation"]  # type: ignore[union-attr]
    # an unknown property that the context reads as an IRI: a bare node in a full reading
    person.__pydantic_extra__["subOrganizationOf"] = partner.id  # type: ignore[union-attr, index]
    assert build_graph(credential, SharedGraph(shared)).shared is None
    _same_findings(credential, shared)


def _check_with(profile: Profile) -> Any:
    def check(credential: Any) -> list[Any]:
        return list(profile.check(credential, stage=Stage.READY))

    return check


def test_prepared_profiles_give_the_same_findings_from_many_threads(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    # learners' national ids in a "country" outside the countries vocabulary: a finding that
    # depends on the conformance of a shared node, remembered across credentials
    factory.country = Concept(id="http://example.org/not-a-country", pref_label=LangText({"en": "X"}))
    credential = factory.build(
        LearnerResult(learner_id="E3", given_name="Nuria", national_id="1234"), valid_from=WHEN
    )
    expected = list(get_profile("edc-ap").check(credential, stage=Stage.READY))
    assert any("nationalID/spatial" in f.path for f in expected)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(40):
            (prepared,) = prepare_profiles(["edc-ap"], factory.shared_nodes())
            with ThreadPoolExecutor(4) as pool:
                runs = list(pool.map(_check_with(prepared), [credential] * 8))
            assert all(run == expected for run in runs)
    finally:
        sys.setswitchinterval(interval)


def test_credentials_with_display_pages_use_the_shared_reading(course: CredentialFactory) -> None:
    pages = {tag: _JPEG for tag in course.definition.languages}
    credential = course.build(
        LearnerResult(learner_id="E4", given_name="Jordi", national_id="12345678Z"),
        valid_from=WHEN,
        display_images=pages,
    )
    assert build_graph(credential, SharedGraph(course.shared_nodes())).shared is not None
    index = SharedIndex(course.shared_nodes())
    assert index.usable
    _same_findings(credential, course.shared_nodes())


def test_a_profile_with_another_prepare_method_is_used_as_it_is(course: CredentialFactory) -> None:
    class Prepares:
        name = "prepares"
        title = "A third-party profile with its own prepare()"

        def prepare(self) -> None:
            raise AssertionError("not the shared-objects hook")

        def check(self, credential: Any, *, stage: Stage) -> list[Any]:
            return []

    profile = Prepares()
    assert prepare_profiles([profile], iter(course.shared_nodes())) == (profile,)
    # a one-shot iterable of shared nodes serves every profile
    fast = prepare_profiles(["edc-ap", "es-crue-ruepep"], iter(course.shared_nodes()))
    credential = course.build(LearnerResult(learner_id="F1", given_name="Ona"), valid_from=WHEN)
    for one in fast:
        assert one.shared.usable  # type: ignore[attr-defined]
    assert build_graph(credential, fast[0].shared).shared is not None  # type: ignore[attr-defined]


class _SharedFails:
    """A third-party profile whose with_shared() fails, or gives what is no profile."""

    title = "A third-party profile with a broken with_shared()"

    def __init__(self, name: str, gives: Any) -> None:
        self.name = name
        self.gives = gives

    def with_shared(self, shared: Any) -> Any:
        if isinstance(self.gives, Exception):
            raise self.gives
        return self.gives

    def check(self, credential: Any, *, stage: Stage) -> list[Any]:
        return []


@pytest.mark.parametrize(
    ("gives", "message"),
    [
        (RuntimeError("no index today"), r"'acme-shared': with_shared\(\) failed: RuntimeError: no index today"),
        (None, r"'acme-shared': with_shared\(\) gives no profile but None"),
        ("edc-ap", r"'acme-shared': with_shared\(\) gives no profile but 'edc-ap'"),
    ],
)
def test_a_with_shared_that_fails_is_a_profile_error_naming_the_profile(
    course: CredentialFactory, gives: Any, message: str
) -> None:
    with pytest.raises(ProfileError, match=message):
        prepare_profiles(["edc-ap", _SharedFails("acme-shared", gives)], course.shared_nodes())


def test_prepare_profiles_reads_its_profiles_as_validate_does(course: CredentialFactory) -> None:
    (one,) = prepare_profiles("es-crue-ruepep", course.shared_nodes())  # one name, not its letters
    assert one.name == "es-crue-ruepep" and one is not get_profile("es-crue-ruepep")
    with pytest.raises(ProfileError, match="a profile is a name or a Profile object, not 3"):
        prepare_profiles(["edc-ap", 3], course.shared_nodes())  # type: ignore[list-item]
    with pytest.raises(ProfileError, match="_SharedFails is a class: give an object of it"):
        prepare_profiles([_SharedFails], course.shared_nodes())  # type: ignore[list-item]


def test_copies_that_compare_equal_but_read_differently_are_read_in_full(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    period = factory.period
    assert period is not None and period.start_date is not None
    data = period.model_dump(by_alias=True, exclude_unset=True, mode="json")
    data["startDate"] = period.start_date.lexical.replace("Z", "+00:00")
    copy_ = PeriodOfTime.model_validate(data)
    assert copy_ == period  # the same instant: Python sees no difference
    assert not same_node(copy_, period)  # RDF does: another lexical form
    credential = factory.build(LearnerResult(learner_id="G1", given_name="Núria"), valid_from=WHEN)
    achievement = credential.credential_subject.has_claim[0]  # type: ignore[union-attr, index]
    activity = achievement.influenced_by[0]  # type: ignore[union-attr]
    activity.temporal = [period, copy_]  # type: ignore[union-attr]
    full = list(get_profile("edc-ap").check(credential, stage=Stage.READY))
    assert any("temporal/1/startDate" in f.path for f in full)
    _same_findings(credential, factory.shared_nodes())
    # 1 and True in an unknown property: equal in Python, an integer and a boolean in RDF
    partial = "http://data.europa.eu/snb/model/elm/isPartialQualification"
    spec = factory.spec
    spec.__pydantic_extra__[partial] = True  # type: ignore[index]
    other = spec.model_copy()
    other.__pydantic_extra__ = {**(spec.__pydantic_extra__ or {}), partial: 1}
    assert other == spec and not same_node(other, spec)
    achievement.specified_by = other  # type: ignore[union-attr]
    _same_findings(credential, factory.shared_nodes())


def test_validate_arguments_are_checked_before_any_work(tmp_path: Path) -> None:
    import elmkit
    from elmkit.errors import LanguageTagError
    from elmkit.profiles import ProfileError

    sample = Path(__file__).resolve().parents[2] / (
        "shared/reference/elm/samples/official-elm-v3/Sample-MC-Annex1-unsigned.jsonld"
    )
    assert elmkit.validate(sample, "edc-ap").profiles == ("edc-ap",), "one name is one profile"
    assert elmkit.validate(sample, stage=Stage.DRAFT).stage is Stage.DRAFT
    missing = tmp_path / "not-read.jsonld"  # arguments fail first: the file is never opened
    for options, message in (
        ({"stage": "final"}, "unknown stage 'final'"),
        ({"stage": None}, "unknown stage None"),
        ({"profiles": None}, "not None"),
        ({"profiles": (5,)}, "not 5"),
    ):
        with pytest.raises(ProfileError, match=message):
            elmkit.validate(missing, **options)
    with pytest.raises(LanguageTagError):
        elmkit.validate(missing, lang="!!")


@pytest.mark.parametrize("text", ["\u200b", "Universitat\x1b"])
def test_shared_nodes_with_bad_texts_are_reported_as_a_full_check_does(tmp_path: Path, text: str) -> None:
    factory = _factory(tmp_path)
    factory.awarding.legal_name = LangText({"es": "Universidad", "ca": text})
    credential = factory.build(LearnerResult(learner_id="B1", given_name="Aitor"), valid_from=WHEN)
    assert not SharedGraph(factory.shared_nodes()).texts_clean()
    full = list(get_profile("edc-ap").check(credential, stage=Stage.READY))
    assert any(f.focus == factory.awarding.id and f.code in ("edc-ap/empty-text", "edc-ap/character") for f in full)
    _same_findings(credential, factory.shared_nodes())


def test_a_learner_text_with_control_characters_is_reported_with_shared_nodes(course: CredentialFactory) -> None:
    credential = course.build(LearnerResult(learner_id="B2", given_name="Ai\x07tor"), valid_from=WHEN)
    full = list(get_profile("edc-ap").check(credential, stage=Stage.READY))
    assert "/credentialSubject/givenName/es" in {f.path for f in full if f.code == "edc-ap/character"}
    _same_findings(credential, course.shared_nodes())


def test_a_punt_volat_look_alike_in_shared_nodes_is_reported_as_a_full_check_does(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    factory.awarding.legal_name = LangText({"es": "Universidad", "ca": "Universitat d'Intel.ligència"})
    credential = factory.build(
        LearnerResult(learner_id="B1", given_name="Marcel\u2027lí"), valid_from=WHEN
    )
    full = [f for f in get_profile("es-crue-ruepep").check(credential, stage=Stage.READY) if f.code == "es/punt-volat"]
    assert {f.value for f in full} == {"l.l"}  # the learner's name is Spanish (es): not checked
    assert any(f.focus == factory.awarding.id for f in full)
    _same_findings(credential, factory.shared_nodes())
    other = factory.build(LearnerResult(learner_id="B2", given_name="Pau"), valid_from=WHEN)
    _same_findings(other, factory.shared_nodes())


def test_every_finding_path_leads_into_the_json_the_credential_is_written_as() -> None:
    from elmkit import dumps, load, validate
    from elmkit.errors import resolve_pointer

    for name in ("Sample-MC-Annex1-unsigned.jsonld", "Sample-CertOfPart-unsigned.jsonld"):
        credential = load(SAMPLES_DIR / name)
        written = json.loads(dumps(credential))
        findings = validate(credential, profiles=("edc-ap", "es-crue-ruepep")).findings
        assert findings
        for finding in findings:
            try:
                resolve_pointer(written, finding.path)
            except LookupError:  # a missing value: the path says where it belongs
                parent, _, missing = finding.path.rpartition("/")
                assert isinstance(resolve_pointer(written, parent), dict), finding
                assert missing not in resolve_pointer(written, parent), finding


@pytest.mark.parametrize(
    ("path", "expected"),
    [("", {"a": [1, {"b/c": 2}], "d": {"e": 3}}), ("/a/1/b~1c", 2), ("/d/0/e", 3), ("/d/0", {"e": 3})],
)
def test_resolve_pointer_reads_a_single_value_as_an_array_of_one(path: str, expected: Any) -> None:
    from elmkit.errors import resolve_pointer

    assert resolve_pointer({"a": [1, {"b/c": 2}], "d": {"e": 3}}, path) == expected


@pytest.mark.parametrize(
    "path", ["a", "/x", "/a/2", "/d/1", "/a/01", "/a/0/b", "/a/\u00b2", "/a/\u0661", "/d/0/0/e"]
)
def test_resolve_pointer_refuses_paths_that_lead_nowhere(path: str) -> None:
    from elmkit.errors import resolve_pointer

    with pytest.raises(LookupError):
        resolve_pointer({"a": [1, {"b/c": 2}], "d": {"e": 3}}, path)
