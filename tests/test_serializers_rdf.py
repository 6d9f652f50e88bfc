"""RDF: Turtle, N-Triples and RDF/XML round trips, the official Turtle sample, graph mapping."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rdflib
from rdflib import RDF, BNode, Literal, URIRef
from rdflib.compare import isomorphic

from elmkit.errors import ElmValidationError, ModelError
from elmkit.model import (
    Concept,
    EuropeanDigitalCredential,
    LangText,
    LearningAchievementSpecification,
    Organisation,
)
from elmkit.model.base import ElmNode
from elmkit.serializers import dumps, from_graph, load, offline_document_loader, to_graph
from test_serializers_helpers import (
    JSON_SAMPLES,
    TURTLE_SAMPLE,
    canonical,
    credential_of,
    jsonld_graph,
    official_sample_graph,
    sample_path,
)

ELM = "http://data.europa.eu/snb/model/elm/"
FORMATS = ["turtle", "nt", "xml"]
QUICK = ["Sample-MC-Annex1-unsigned.jsonld", "rdf-samples/v3.2/credential-sample.jsonld"]
FULL = [pytest.param(n, marks=pytest.mark.slow) for n in JSON_SAMPLES if n not in QUICK]


def ordered(value: Any) -> Any:
    """Model data with every list sorted: RDF keeps no order of multiple values."""
    if isinstance(value, dict):
        return {k: ordered(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [ordered(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return value


def same_model(a: ElmNode, b: ElmNode) -> bool:
    return type(a) is type(b) and ordered(a.to_jsonld()) == ordered(b.to_jsonld())


@pytest.mark.parametrize("name", [*QUICK, *FULL])
@pytest.mark.parametrize("fmt", FORMATS)
def test_sample_through_rdf_format_gives_an_isomorphic_graph(name: str, fmt: str) -> None:
    node = load(sample_path(name))
    text = dumps(node, fmt)
    again = load(text.encode(), format=fmt)
    assert again.origin.kind == "rdf"
    assert isomorphic(jsonld_graph(json.loads(dumps(again))), official_sample_graph(name))
    assert same_model(again, node)


@pytest.mark.parametrize("fmt", FORMATS)
def test_format_is_detected_from_the_content(fmt: str) -> None:
    node = load(sample_path(QUICK[1]))
    text = dumps(node, fmt)
    assert same_model(load(text), node)
    assert same_model(load(text.encode()), node)


def test_official_turtle_sample_loads_and_keeps_its_statements() -> None:
    path = sample_path(TURTLE_SAMPLE)
    node = load(path)
    assert isinstance(node, EuropeanDigitalCredential)
    assert node.id == "http://example.org/credential132"
    assert str(node.issued) == "2010-01-01T00:00:00Z"
    original = canonical(rdflib.Graph().parse(path))
    assert isomorphic(jsonld_graph(json.loads(dumps(node))), original)
    assert isomorphic(canonical(to_graph(node)), original)


@pytest.mark.parametrize("name", QUICK)
def test_to_graph_means_what_the_jsonld_output_means(name: str) -> None:
    node = load(sample_path(name))
    expected = jsonld_graph(json.loads(dumps(node)), offline_document_loader())
    assert isomorphic(canonical(to_graph(node)), expected)
    assert same_model(from_graph(to_graph(node)), node)


def test_lexical_forms_survive_turtle() -> None:
    spec = LearningAchievementSpecification(
        id="urn:x:spec",
        title=LangText({"ca-ES-valencia": "Títol"}),
        volume_of_learning="PT60H",
        date_modified="2023-05-05T07:00:00.000Z",
    )
    text = dumps(spec, "turtle")
    assert '"PT60H"^^xsd:duration' in text
    assert "2023-05-05T07:00:00.000Z" in text
    again = load(text, format="turtle")
    assert again == spec.model_copy(update={"type": "LearningAchievementSpecification"})


@pytest.mark.parametrize(
    ("lexical", "datatype"),
    [
        ("40.4167754", "double"),
        ("8.123456789E0", "double"),
        ("1.5e+00", "double"),
        ("1e300", "double"),
        ("TRUE", "boolean"),
        ("1", "decimal"),
        ("1.50", "decimal"),
        ("0.0000001", "decimal"),
        ("007", "integer"),
        ("-0", "integer"),
    ],
)
def test_numbers_and_booleans_keep_their_lexical_forms_through_turtle(
    lexical: str, datatype: str
) -> None:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    source = f'<urn:x:1> a <{ELM}Note> ; <http://example.org/v> "{lexical}"^^<{xsd}{datatype}> .'
    text = dumps(load(source, format="turtle"), "turtle")
    literals = [o for o in _lexical_graph(text).objects() if isinstance(o, Literal)]
    assert [(str(o), str(o.datatype)) for o in literals] == [(lexical, xsd + datatype)], text


def test_an_integer_in_another_scripts_digits_is_no_integer_on_any_road() -> None:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    source = f'<urn:x:1> a <{ELM}ShortenedGrading> ; <{ELM}percentageEqual> "\u0663"^^<{xsd}integer> .'
    node = load(source, format="turtle")
    assert node.model_dump().get("percentage_equal") is None  # not the integer 3
    literals = [o for o in _lexical_graph(dumps(node, "turtle")).objects() if isinstance(o, Literal)]
    assert [str(o) for o in literals] == ["\u0663"]  # kept as written, as the misfit it is
    with pytest.raises(ElmValidationError):
        load({"type": "ShortenedGrading", "percentageEqual": "\u0663"})


def _lexical_graph(text: str) -> rdflib.Graph:
    previous, rdflib.NORMALIZE_LITERALS = rdflib.NORMALIZE_LITERALS, False
    try:
        return rdflib.Graph().parse(data=text, format="turtle")
    finally:
        rdflib.NORMALIZE_LITERALS = previous


def test_untyped_and_blank_nodes() -> None:
    shared = Concept(pref_label=LangText({"en": "shared"}))
    org = Organisation(id="urn:x:org", legal_name=LangText({"en": "U"}), dc_type=[shared, Concept(pref_label=LangText({"en": "other"}))])
    graph = to_graph(org)
    blanks = {s for s in graph.subjects() if isinstance(s, BNode)}
    assert len(blanks) == 2
    back = from_graph(graph)
    assert isinstance(back, Organisation)
    assert sorted(str(c.pref_label) for c in back.dc_type) == ["other", "shared"]
    assert all(c.id is None for c in back.dc_type)

    twice = rdflib.Graph()
    b = BNode()
    root = URIRef("urn:x:root")
    twice.add((root, RDF.type, URIRef(ELM + "Organisation")))
    twice.add((root, URIRef("http://purl.org/dc/terms/type"), b))
    sub = URIRef("urn:x:sub")
    twice.add((root, URIRef("http://www.w3.org/ns/org#hasSubOrganization"), sub))
    twice.add((sub, RDF.type, URIRef(ELM + "Organisation")))
    twice.add((sub, URIRef("http://purl.org/dc/terms/type"), b))
    twice.add((b, RDF.type, URIRef("http://www.w3.org/2004/02/skos/core#Concept")))
    twice.add((b, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"), Literal("x", lang="en")))
    node = from_graph(twice)
    written = json.loads(dumps(node))
    assert written["dcType"]["id"] == "_:b0"
    assert isomorphic(canonical(to_graph(load(dumps(node)))), canonical(twice))


def test_values_that_do_not_fit_are_kept_under_their_iri() -> None:
    text = """
    @prefix elm: <http://data.europa.eu/snb/model/elm/> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    <urn:x:spec> a elm:LearningAchievementSpecification ;
        elm:volumeOfLearning "sixty hours" ;
        elm:unknownThing <urn:x:other> .
    <urn:x:other> a elm:Note ; elm:noteLiteral "n"@en .
    """
    node = load(text)
    assert node.volume_of_learning is None  # type: ignore[attr-defined]
    assert node.model_extra == {
        f"{ELM}volumeOfLearning": {"@value": "sixty hours"},
        f"{ELM}unknownThing": {
            "@id": "urn:x:other",
            "@type": [f"{ELM}Note"],
            f"{ELM}noteLiteral": [{"@value": "n", "@language": "en"}],
        },
    }
    assert isomorphic(canonical(to_graph(node)), canonical(rdflib.Graph().parse(data=text, format="turtle")))
    assert isomorphic(jsonld_graph(json.loads(dumps(node))), canonical(rdflib.Graph().parse(data=text, format="turtle")))


def test_root_choice() -> None:
    text = """
    @prefix elm: <http://data.europa.eu/snb/model/elm/> .
    @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
    <urn:x:a> a skos:Concept ; skos:notation "a" .
    <urn:x:b> a skos:Concept ; skos:notation "b" .
    """
    with pytest.raises(ModelError, match="root") as caught:
        load(text)
    assert "of 2 nodes is the root (urn:x:a, urn:x:b); pass root=" in str(caught.value)
    many = "".join(f'<urn:x:{n}> a skos:Concept ; skos:notation "{n}" .\n' for n in range(7))
    with pytest.raises(ModelError) as caught:
        load(text.replace("<urn:x:a>", many + "<urn:x:a>"))
    assert str(caught.value).endswith("of 9 nodes is the root (urn:x:0, urn:x:1, urn:x:2, urn:x:3, urn:x:4, …); pass root=")
    node = load(text, root="urn:x:b")
    assert isinstance(node, Concept) and node.notation == "b"
    with pytest.raises(ModelError):
        load(text, root="urn:x:missing")


def test_cycles_in_graphs_become_references() -> None:
    text = """
    @prefix org: <http://www.w3.org/ns/org#> .
    @prefix elm: <http://data.europa.eu/snb/model/elm/> .
    <urn:x:p> a elm:EuropeanDigitalCredential ;
        <https://www.w3.org/2018/credentials#issuer> <urn:x:org> .
    <urn:x:org> a elm:Organisation ; org:hasSubOrganization <urn:x:sub> .
    <urn:x:sub> a elm:Organisation ; org:subOrganizationOf <urn:x:org> .
    """
    node = load(text)
    assert node.issuer.has_sub_organization[0].sub_organization_of.id == "urn:x:org"  # type: ignore[attr-defined]
    assert isomorphic(canonical(to_graph(node)), canonical(rdflib.Graph().parse(data=text, format="turtle")))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", QUICK)
def test_rdf_round_trip_keeps_every_profile_finding(name: str, fmt: str) -> None:
    from elmkit.profiles import get_profile

    profile = get_profile("edc-ap")
    original = load(sample_path(name))
    again = load(dumps(original, fmt), format=fmt)

    def findings(node: ElmNode) -> list[tuple[str, str | None, str | None]]:
        return sorted((f.code, f.focus, f.property) for f in profile.check(node, stage="sealed"))

    assert findings(again) == findings(original)


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ({"@value": "not a node"}, Literal("not a node")),
        ({"@value": "texte", "@language": "fr"}, Literal("texte", lang="fr")),
        ({"@value": "7", "@type": "xsd:integer"}, Literal("7", datatype=rdflib.XSD.integer)),
        ({"@value": True}, Literal(True)),
    ],
)
def test_a_value_where_a_node_belongs_is_the_same_literal_in_rdf(value: dict[str, Any], literal: Literal) -> None:
    doc = credential_of(sample_path(QUICK[0]))
    assert "eIDASIdentifier" not in doc["issuer"]
    without = to_graph(EuropeanDigitalCredential.from_data(doc))
    doc["issuer"]["eIDASIdentifier"] = value
    node = EuropeanDigitalCredential.from_data(doc)
    issuer = URIRef(doc["issuer"]["id"])
    expected = {(issuer, URIRef(ELM + "eidasLegalIdentifier"), literal)}
    assert set(to_graph(node)) - set(without) == expected
    again = load(dumps(node, "turtle"), format="turtle")
    assert isomorphic(to_graph(again), to_graph(node))


@pytest.mark.parametrize("character", ["\x0b", "\x0c", "\x00", "\x1b", "\ufffe"])
def test_rdf_xml_refuses_characters_xml_cannot_hold_instead_of_writing_broken_xml(
    character: str,
) -> None:
    note = load({"id": "urn:n:1", "type": "Note", "noteLiteral": {"en": f"line1{character}line2"}})
    with pytest.raises(ModelError, match=f"U\\+{ord(character):04X}"):
        dumps(note, "xml")
    for fmt in ("turtle", "nt"):  # the others hold any character
        again = load(dumps(note, fmt), format=fmt)
        assert again.note_literal.get("en") == f"line1{character}line2"  # type: ignore[attr-defined]
    tab = load({"id": "urn:n:1", "type": "Note", "noteLiteral": {"en": "a\tb\nc\rd"}})
    assert load(dumps(tab, "xml"), format="rdfxml") == tab


@pytest.mark.parametrize("page", [2**70, 10**21, 10**22 + 1, 10**21 - 1, 7])
def test_integers_keep_their_value_for_any_json_ld_processor(page: int) -> None:
    from pyld import jsonld

    detail = load({"id": "urn:d:1", "type": "DisplayDetail", "page": page})
    document = json.loads(dumps(detail, "jsonld"))
    quads = jsonld.to_rdf(document, {"documentLoader": offline_document_loader(), "format": "application/n-quads"})
    assert f'"{page}"^^<http://www.w3.org/2001/XMLSchema#positiveInteger>' in quads
    assert load(document).page == page  # type: ignore[attr-defined]


def test_large_negative_integers_keep_their_value_for_any_json_ld_processor() -> None:
    from pyld import jsonld

    size = -(10**22)  # xsd:integer (a page, xsd:positiveInteger, cannot be negative)
    media = load({"id": "urn:m:1", "type": "MediaObject", "contentSize": size})
    document = json.loads(dumps(media, "jsonld"))
    quads = jsonld.to_rdf(document, {"documentLoader": offline_document_loader(), "format": "application/n-quads"})
    assert f'"{size}"^^<http://www.w3.org/2001/XMLSchema#integer>' in quads
    assert load(document).content_size == size  # type: ignore[attr-defined]


def test_subjects_the_root_does_not_reach_are_named_in_the_origin() -> None:
    source = (
        f"<urn:n:1> a <{ELM}Note> ; <{ELM}noteLiteral> \"x\"@en .\n"
        f"<urn:n:2> <{ELM}noteLiteral> \"stray\"@en .\n"
    )
    note = load(source, format="turtle", root="urn:n:1")
    assert note.origin.left_out == ("urn:n:2",)


def test_a_node_without_id_held_at_two_places_is_one_node_to_json_ld() -> None:
    """An organisation that is both issuer and awarding body, built in code with its eIDAS
    identifier as a node without id: each copy of the organisation holds the same identifier,
    which JSON-LD must read as one node (written twice without a label, it would be two)."""
    from pyld import jsonld

    from elmkit.model import AwardingProcess, LearningAchievement, LegalIdentifier, Person, vocab

    university = Organisation(
        id="urn:epass:org:1",
        legal_name={"es": "Universidad"},
        eidas_identifier=LegalIdentifier(notation="VATES-Q4618002B", spatial=vocab.country("ESP").to_concept()),
    )
    claim = LearningAchievement(
        id="urn:epass:la:1", title={"es": "IA"}, awarded_by=AwardingProcess(id="urn:epass:ap:1", awarding_body=[university])
    )
    credential = EuropeanDigitalCredential(
        id="urn:credential:1", issuer=university, credential_subject=Person(id="urn:p:1", has_claim=[claim])
    )
    document = json.loads(dumps(credential, "jsonld"))
    quads = jsonld.to_rdf(document, {"documentLoader": offline_document_loader(), "format": "application/n-quads"})
    identifiers = [q for q in quads.splitlines() if q.startswith("<urn:epass:org:1> <http://data.europa.eu/snb/model/elm/eidasLegalIdentifier>")]
    assert len(identifiers) == 1, identifiers
    assert isomorphic(to_graph(credential), to_graph(load(document)))


def test_blank_node_labels_given_by_the_writer_never_take_one_the_model_uses() -> None:
    """A model read from RDF holds ``_:b0``…; an object without id then shared in code gets a
    label of its own, not one of a different node."""
    from elmkit.model import Identifier

    org = load(
        {
            "id": "urn:o:1",
            "type": "Organisation",
            "hasSubOrganization": [
                {"id": "_:b0", "type": "Organisation", "legalName": {"en": "B"}},
                {"id": "_:b2", "type": "Organisation", "legalName": {"en": "C"}},
                {"id": "urn:o:3", "type": "Organisation"},
            ],
        }
    )
    shared = Identifier.from_data({"type": "Identifier", "notation": "X-1"})
    other = Identifier.from_data({"type": "Identifier", "notation": "X-2"})
    org.identifier = [shared, other]
    org.has_sub_organization[2].identifier = [shared, other]
    text = dumps(org)
    assert isomorphic(to_graph(org), to_graph(load(text)))
    labels = [n["id"] for n in json.loads(text)["identifier"]]
    assert len(set(labels)) == 2 and not {"_:b0", "_:b2"} & set(labels), labels


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_blank_node_held_by_a_field_and_an_unknown_property_stays_one_node(fmt: str) -> None:
    source = (
        "@prefix org: <http://www.w3.org/ns/org#> .\n"
        f"<urn:o:1> a <{ELM}Organisation> ; org:hasSubOrganization _:x ; <http://ex.org/p> _:x .\n"
        f'_:x a <{ELM}Organisation> ; <{ELM}homepage> <http://ex.org/h> .\n'
    )
    expected = rdflib.Graph().parse(data=source, format="turtle")
    node = load(source, format="turtle")
    graph = to_graph(node)
    assert len(set(graph.objects(URIRef("urn:o:1"), None)) - {URIRef(ELM + "Organisation")}) == 1
    assert isomorphic(graph, expected)
    assert isomorphic(to_graph(load(dumps(node, fmt), format=fmt)), expected)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_proof_member_survives_rdf_linked_from_sec_proof(fmt: str) -> None:
    """A document's ``proof`` member is a named graph in JSON-LD; an RDF graph cannot hold one,
    so ``sec:proof`` points to the proof node itself, which reads back and is written again."""
    sec = "https://w3id.org/security#"
    proof = {"type": "Ed25519Signature2018", "jws": "eyJ..abc", "proofPurpose": "assertionMethod"}
    node = load(
        {"id": "urn:c:1", "type": ["VerifiableCredential", "EuropeanDigitalCredential"], "proof": proof}
    )
    graph = to_graph(node)
    (target,) = graph.objects(URIRef("urn:c:1"), URIRef(sec + "proof"))
    assert graph.value(target, URIRef(sec + "jws")) == Literal("eyJ..abc")
    assert (target, RDF.type, URIRef(sec + "Ed25519Signature2018")) in graph
    again = load(dumps(node, fmt), format=fmt)
    assert again.origin.left_out == ()
    assert isomorphic(to_graph(again), graph)
    assert isomorphic(to_graph(load(dumps(again))), graph)
    assert isomorphic(to_graph(load(dumps(again, fmt), format=fmt)), graph)


@pytest.mark.parametrize("prop", ["http://ex.org/a&b", "http://ex.org/ns#a%20b", "http://ex.org/ns#f(x)"])
def test_rdf_xml_refuses_a_property_it_cannot_write_as_an_element_naming_it(prop: str) -> None:
    node = load({"id": "urn:o:1", "type": "Organisation", prop: "v"})
    with pytest.raises(ModelError, match="RDF/XML cannot write the property") as caught:
        dumps(node, "xml")
    assert repr(prop) in str(caught.value)
    assert isomorphic(to_graph(load(dumps(node, "turtle"), format="turtle")), to_graph(node))


def test_rdf_xml_gives_blank_nodes_labels_that_are_xml_names() -> None:
    from xml.dom.minidom import parseString

    node = load({"id": "_:1", "type": "Organisation", "homepage": {"id": "_:2", "type": "WebResource"}})
    text = dumps(node, "xml")
    parseString(text.encode())
    assert isomorphic(to_graph(load(text, format="rdfxml")), to_graph(node))


@pytest.mark.parametrize("subject", ["urn:org1", "person-1", "p", "a:b"])
@pytest.mark.parametrize("fmt", ["nt", "turtle"])
def test_rdf_starting_with_an_iri_that_looks_like_an_element_is_not_taken_for_xml(subject: str, fmt: str) -> None:
    text = f"<{subject}> <{RDF.type}> <{ELM}Organisation> .\n"
    if fmt == "turtle":
        text = f"<{subject}> a <{ELM}Organisation> ;\n  <{ELM}homepage> <http://ex.org/> ."
    for source in (text, text.encode()):
        assert load(source).id == subject
        assert load(source).origin.format == "turtle"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_long_list_reads_back_from_rdf(fmt: str) -> None:
    """An RDF collection is as deep as it is long: it is read as one ``@list`` value."""
    node = load(
        {"id": "urn:o:1", "type": "Organisation", "http://ex.org/p": {"@list": [str(i) for i in range(300)]}}
    )
    again = load(dumps(node, fmt), format=fmt)
    assert again.origin.left_out == ()
    assert isomorphic(to_graph(again), to_graph(node))
    assert [v["@value"] for v in again.model_extra["http://ex.org/p"]["@list"]] == [str(i) for i in range(300)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_list_of_lists_reads_back_from_rdf(fmt: str) -> None:
    node = load({"id": "urn:o:1", "type": "Organisation", "http://ex.org/p": {"@list": [{"@list": ["a", "b"]}, "c"]}})
    again = load(dumps(node, fmt), format=fmt)
    assert isomorphic(to_graph(again), to_graph(node))
    outer = again.model_extra["http://ex.org/p"]["@list"]
    assert [v["@value"] for v in outer[0]["@list"]] == ["a", "b"] and outer[1]["@value"] == "c"


def test_a_chain_that_is_no_well_formed_list_stays_as_its_statements() -> None:
    first, rest = RDF.first, RDF.rest
    source = f"<urn:o:1> a <{ELM}Organisation> ; <http://ex.org/p> _:a .\n_:a <{first}> 1 ; <{rest}> _:b .\n_:b <{first}> 2 .\n"
    node = load(source, format="turtle")
    assert isomorphic(to_graph(node), rdflib.Graph().parse(data=source, format="turtle"))


_REIFIED_NS = (
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:elm="http://data.europa.eu/snb/model/elm/" xmlns:rov="http://www.w3.org/ns/regorg#" '
    'xmlns:cred="https://www.w3.org/2018/credentials#"'
)


def test_a_reified_statement_does_not_take_the_root_from_the_node_it_is_about() -> None:
    """``rdf:ID`` on a property element adds an ``rdf:Statement`` whose ``rdf:subject`` is the
    node: the node is still the root, and the statement is left out."""
    text = (
        f'<rdf:RDF {_REIFIED_NS} xml:base="http://ex.org/doc"><elm:Organisation rdf:about="urn:o:1">'
        '<rov:legalName rdf:ID="st1">x</rov:legalName></elm:Organisation></rdf:RDF>'
    )
    org = load(text, format="rdfxml")
    assert org.id == "urn:o:1" and org.legal_name is not None
    assert org.origin.left_out == ("http://ex.org/doc#st1",)


def test_a_credential_with_a_reified_statement_is_the_root() -> None:
    text = (
        f'<rdf:RDF {_REIFIED_NS} xml:base="http://ex.org/doc">'
        '<elm:EuropeanDigitalCredential rdf:about="urn:c:1">'
        '<rdf:type rdf:resource="https://www.w3.org/2018/credentials#VerifiableCredential"/>'
        '<cred:issuer rdf:ID="st1"><elm:Organisation rdf:about="urn:o:1"/></cred:issuer>'
        "</elm:EuropeanDigitalCredential></rdf:RDF>"
    )
    credential = load(text, format="rdfxml")
    assert credential.id == "urn:c:1"
    assert credential.issuer.id == "urn:o:1"  # type: ignore[attr-defined]



def test_a_graph_is_written_the_same_in_every_run() -> None:
    import os
    import subprocess
    import sys

    script = (
        "import sys, elmkit; "
        "sys.stdout.write(elmkit.dumps(elmkit.load(sys.argv[1])))"
    )
    outputs = set()
    for seed in ("1", "4"):  # rdflib's graph order follows the hash seed (these two differed)
        done = subprocess.run(
            [sys.executable, "-c", script, str(sample_path(TURTLE_SAMPLE))],
            capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1


@pytest.mark.parametrize("value", [None, 5, {}, [], "<urn:a> <urn:b> <urn:c> .", Concept(id="urn:c:1")])
def test_from_graph_refuses_what_is_no_graph_as_to_graph_and_dumps_refuse_a_non_node(
    value: Any,
) -> None:
    from elmkit.serializers import rdf

    for read in (from_graph, rdf.from_graph):
        with pytest.raises(ModelError, match="from_graph expects an rdflib Graph, got"):
            read(value)
    if not isinstance(value, ElmNode):
        for write in (to_graph, dumps):
            with pytest.raises(ModelError, match="expect"):
                write(value)


def test_a_blank_node_inside_a_shared_node_stays_one_node() -> None:
    source = f"""
        @prefix elm: <{ELM}> . @prefix cred: <https://www.w3.org/2018/credentials#> .
        <urn:x:c> a cred:VerifiableCredential, elm:EuropeanDigitalCredential ;
            cred:issuer _:org ; cred:credentialSubject <urn:x:p> .
        <urn:x:p> a elm:Person ; elm:hasClaim <urn:x:a>, <urn:x:a2> .
        <urn:x:a> a elm:LearningAchievement ; elm:awardedBy <urn:x:ap> .
        <urn:x:a2> a elm:LearningAchievement ; elm:awardedBy <urn:x:ap2> .
        <urn:x:ap> a elm:AwardingProcess ; elm:awardingBody _:org, <urn:x:org2> .
        <urn:x:ap2> a elm:AwardingProcess ; elm:awardingBody <urn:x:org2> .
        _:org a elm:Organisation ;
            <http://www.w3.org/ns/adms#identifier> [ a elm:Identifier ; <http://www.w3.org/2004/02/skos/core#notation> "X1" ] .
        <urn:x:org2> a elm:Organisation ;
            elm:eIDASIdentifier [ a elm:LegalIdentifier ; <http://www.w3.org/2004/02/skos/core#notation> "X2" ] .
        <urn:x:c> elm:displayParameter [ a elm:DisplayParameter ; elm:title "T"@ca ] .
    """
    graph = rdflib.Graph().parse(data=source, format="turtle")
    node = load(source, format="turtle")
    assert isomorphic(to_graph(node), graph)
    assert isomorphic(to_graph(load(dumps(node))), graph)  # JSON-LD writes the copies as one node
    assert isomorphic(to_graph(load(dumps(node, "turtle"), format="turtle")), graph)
    assert "_:" not in json.dumps(node.to_jsonld()["displayParameter"])  # used once: no label
