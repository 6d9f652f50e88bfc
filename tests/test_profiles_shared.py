"""Profiles prepared for objects many credentials share give exactly the findings of a full check.

A batch hands every credential the same organisation, specification and concept objects;
``prepare_profiles`` reads and checks those once. These tests build credentials with random
learners (and deliberately awkward ones) and compare, finding by finding, the prepared profiles
with the plain ones, and show that the shared reading is really used when it applies.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elmkit.microcredentials import LearnerResult, load_definition
from elmkit.microcredentials.build import CredentialFactory
from elmkit.model.classes import Organisation
from elmkit.model.text import LangText
from elmkit.profiles import Profile, Stage, get_profile, prepare_profiles
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
@given(learner=learners, degree_module=st.booleans())
def test_random_learners_get_the_same_findings(
    course: CredentialFactory, module: CredentialFactory, learner: LearnerResult, degree_module: bool
) -> None:
    factory = module if degree_module else course
    credential = factory.build(learner, valid_from=WHEN)
    _same_findings(credential, factory.shared_nodes())


def test_the_shared_reading_is_used_for_batch_credentials(course: CredentialFactory) -> None:
    credential = course.build(LearnerResult(learner_id="A1", given_name="Núria"), valid_from=WHEN)
    shared = SharedGraph(course.shared_nodes())
    graph = build_graph(credential, shared)
    assert graph.shared is shared
    assert shared.acyclic
    assert shared.clean(rule_set(get_profile("edc-ap").layers([])))  # type: ignore[attr-defined]
    full = build_graph(credential)
    assert len(graph.resources) < len(full.resources) / 2
    assert set(graph.resources) <= set(full.resources)
    index = SharedIndex(course.shared_nodes())
    assert index.usable
    # the learner's own nodes are all that is walked; the shared ones come from the index
    assert NodeIndex(credential, index)._by_id == NodeIndex(credential)._by_id


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
    assert not SharedGraph(factory.shared_nodes()).acyclic
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
