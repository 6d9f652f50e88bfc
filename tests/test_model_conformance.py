"""The model covers the EDC 3.2 application profile: every target class and every (class, path)."""

from __future__ import annotations

from collections import defaultdict

import pytest
import rdflib
from rdflib.namespace import RDF, RDFS, SH

from conftest import ELM_DIR, SHAPES_DIR
from elmkit.model import schema

NODEKIND_LOWER = rdflib.URIRef(str(SH) + "nodekind")


def _profile() -> dict[str, dict[str, tuple[int, int | None]]]:
    """class IRI -> path IRI -> (min, max), read straight from the published shapes."""
    graph = rdflib.Graph()
    graph.parse(SHAPES_DIR / "EDC-generic-no-cv.ttl")
    out: dict[str, dict[str, tuple[int, int | None]]] = defaultdict(dict)
    for node_shape in graph.subjects(RDF.type, SH.NodeShape):
        target = graph.value(node_shape, SH.targetClass)
        if target is None:
            continue
        out.setdefault(str(target), {})
        for prop in graph.objects(node_shape, SH.property):
            path = str(graph.value(prop, SH.path))
            low = graph.value(prop, SH.minCount)
            high = graph.value(prop, SH.maxCount)
            out[str(target)][path] = (int(low) if low is not None else 0, int(high) if high is not None else None)
    return out


PROFILE = _profile()


def test_every_target_class_is_a_model_class() -> None:
    model = schema().by_iri()
    missing = sorted(set(PROFILE) - set(model))
    assert not missing
    assert len(PROFILE) == 55
    assert len(model) == 55


def test_every_property_path_with_its_cardinality() -> None:
    model = schema().by_iri()
    pairs = [(c, p) for c, paths in PROFILE.items() for p in paths]
    covered = 0
    problems = []
    for class_iri, path in pairs:
        info = model[class_iri]
        found = [p for p in info.properties if p.iri == path]
        if len(found) != 1:
            problems.append(f"{info.name}: {path} missing")
            continue
        expected = PROFILE[class_iri][path]
        actual = (found[0].min_count, found[0].max_count)
        if actual != expected:
            problems.append(f"{info.name}.{found[0].name}: {actual} != {expected}")
            continue
        covered += 1
    distinct_paths = {p for paths in PROFILE.values() for p in paths}
    print(
        f"\nmodel coverage: {covered}/{len(pairs)} (class, path) pairs "
        f"({100 * covered / len(pairs):.1f} %), {len(distinct_paths)} distinct paths"
    )
    assert not problems
    assert covered == len(pairs)
    assert len(distinct_paths) == 200
    model_pairs = sum(len(c.properties) for c in schema())
    assert model_pairs == len(pairs), "the model has properties the profile does not list"


def test_fields_follow_cardinality() -> None:
    for info in schema():
        for prop in info.properties:
            field = info.model.model_fields[prop.name]
            assert field.alias == prop.term
            if prop.kind == "lang":
                assert field.default is None, "language maps hold every value in one LangText"
            elif prop.many:
                assert field.default_factory is list, f"{info.name}.{prop.name} should be a list"
            else:
                assert field.default is None, f"{info.name}.{prop.name} should hold one value"


def test_subclass_relations_follow_the_ontology() -> None:
    ontology = rdflib.Graph()
    ontology.parse(ELM_DIR / "ontology" / "v3.2" / "ELM.ttl")
    model = schema().by_iri()
    for info in model.values():
        expected = {
            model[str(sup)].name
            for sup in ontology.objects(rdflib.URIRef(info.iri), RDFS.subClassOf)
            if str(sup) in model
        }
        assert set(info.superclasses) == expected, info.name
        for sup in expected:
            assert issubclass(info.model, model[schema()[sup].iri].model)


@pytest.mark.parametrize(
    ("sub", "sup"),
    [
        ("Qualification", "LearningAchievementSpecification"),
        ("LegalIdentifier", "Identifier"),
        ("Person", "Agent"),
        ("Organisation", "Agent"),
        ("LearningAchievement", "Claim"),
        ("EuropeanDigitalCredential", "VerifiableCredential"),
    ],
)
def test_named_subclasses(sub: str, sup: str) -> None:
    assert issubclass(schema()[sub].model, schema()[sup].model)


def test_schema_exposes_terms_and_ranges() -> None:
    edc = schema()["EuropeanDigitalCredential"]
    subject = edc.property("credentialSubject")
    assert subject.name == "credential_subject"
    assert subject.iri == "https://www.w3.org/2018/credentials#credentialSubject"
    assert (subject.min_count, subject.max_count) == (1, 1)
    assert set(subject.range) == {"Agent", "Person", "Organisation"}
    assert subject.context == "vc1"
    title = schema()["LearningAchievement"].property("title")
    assert title.kind == "lang" and title.unique_lang
    assert schema()["Person"].term == "Person"
    data = schema().to_dict()
    assert len(data["classes"]) == 55
