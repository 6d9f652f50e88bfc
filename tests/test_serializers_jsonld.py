"""JSON-LD: official samples round-trip, both reading roads agree, the shape of the output."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic

from elmkit.errors import UnknownPropertyError
from elmkit.model import (
    NO_LANGUAGE,
    Concept,
    ConceptScheme,
    EuropeanDigitalCredential,
    EuropeanDigitalPresentation,
    LangText,
    Note,
    Organisation,
)
from elmkit.serializers import (
    EDC_CONTEXT_URL,
    STANDARD_CONTEXT,
    VC1_CONTEXT_URL,
    VC2_CONTEXT_URL,
    Origin,
    dumps,
    edc_context,
    load,
    node_to_jsonld,
)
from elmkit.serializers.jsonio import parse_json_shape
from elmkit.serializers.jsonld import expand_document, scan
from test_serializers_helpers import (
    JSON_SAMPLES,
    credential_of,
    jsonld_graph,
    official_sample_graph,
    sample_path,
)

MC = "Sample-MC-Annex1-unsigned.jsonld"
COP = "Sample-CertOfPart-unsigned.jsonld"
RDF_SAMPLE = "rdf-samples/v3.2/credential-sample.jsonld"


@pytest.mark.parametrize("name", JSON_SAMPLES)
def test_sample_load_dumps_gives_an_isomorphic_graph(name: str) -> None:
    node = load(sample_path(name))
    assert isinstance(node, EuropeanDigitalCredential)
    written = json.loads(dumps(node))
    assert written["@context"] == list(STANDARD_CONTEXT)
    assert isomorphic(jsonld_graph(written), official_sample_graph(name))


@pytest.mark.parametrize("name", [MC, COP])
def test_sample_output_matches_the_input_json(name: str) -> None:
    def unwrap(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: unwrap(v) for k, v in value.items()}
        if isinstance(value, list):
            return unwrap(value[0]) if len(value) == 1 else [unwrap(v) for v in value]
        return value

    original = credential_of(sample_path(name))
    assert unwrap(json.loads(dumps(load(sample_path(name))))) == unwrap(original)


def _variants(doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    reordered = copy.deepcopy(doc)
    reordered["@context"] = [EDC_CONTEXT_URL, VC1_CONTEXT_URL]
    out["reversed contexts"] = reordered
    inline = copy.deepcopy(doc)
    inline["@context"] = [VC1_CONTEXT_URL, edc_context()["@context"]]
    out["inline context"] = inline
    out["expanded form"] = expand_document(doc)
    v2 = copy.deepcopy(doc)
    v2["@context"] = [VC2_CONTEXT_URL, EDC_CONTEXT_URL]
    out["vc v2"] = v2
    aliased = copy.deepcopy(doc)
    aliased["@context"] = [
        *doc["@context"],
        {"awardedTo": {"@id": "https://www.w3.org/2018/credentials#credentialSubject", "@type": "@id"}},
    ]
    aliased["awardedTo"] = aliased.pop("credentialSubject")
    aliased["elm:credentialProfiles"] = aliased.pop("credentialProfiles")
    aliased["displayParameter"]["dc:title"] = {"@value": "unused", "@language": "en"}
    aliased["displayParameter"]["http://purl.org/dc/terms/title"] = aliased["displayParameter"].pop("dc:title")
    out["aliases and prefixed names"] = aliased
    return out


@pytest.mark.parametrize("name", [MC, COP])
def test_general_road_gives_the_fast_road_model(name: str) -> None:
    doc = credential_of(sample_path(name))
    fast = load(doc)
    for label, variant in _variants(doc).items():
        other = load(variant)
        assert isinstance(other, EuropeanDigitalCredential) and isinstance(fast, EuropeanDigitalCredential)
        if label == "aliases and prefixed names":
            assert other.display_parameter is not None and fast.display_parameter is not None
            title = other.display_parameter.title
            assert title is not None and "unused" in title.get_all("en"), label
            other.display_parameter.title = fast.display_parameter.title
        assert other == fast, label


@pytest.mark.parametrize("name", [MC, COP])
def test_the_edc_context_alone_reads_alike_on_both_roads(name: str) -> None:
    """The EDC context does not define ``issuer``, ``credentialSubject``…: the fast road reads
    a document with it alone as if the credentials context came first; one prefixed member sends
    the document down the general road, where they vanished (no issuer, no subject, no error)."""
    doc = credential_of(sample_path(name))
    doc["@context"] = "http://data.europa.eu/snb/model/context/edc-ap"
    fast = load(copy.deepcopy(doc))
    for context in (doc["@context"], [doc["@context"], {"dc": "http://purl.org/dc/terms/"}]):
        general = copy.deepcopy(doc)
        general["@context"] = context
        general["credentialSubject"]["dc:subject"] = "x"
        other = load(general)
        assert isinstance(other, EuropeanDigitalCredential) and isinstance(fast, EuropeanDigitalCredential)
        assert other.issuer == fast.issuer and other.valid_from == fast.valid_from, context
        subject = other.credential_subject
        assert subject is not None and subject.id == fast.credential_subject.id  # type: ignore[union-attr]


def test_rdf_sample_prefixed_proof_reads_into_the_model_and_is_written_back() -> None:
    node = load(sample_path(RDF_SAMPLE))
    assert [p.id for p in node.proof] == ["http://example.org/proof1"]  # type: ignore[attr-defined]
    written = json.loads(dumps(node))
    assert written["sec:proof"] == {"id": "http://example.org/proof1", "type": "Proof"}
    assert "proof" not in written


def test_origins_tell_the_document_form(tmp_path: Path) -> None:
    plain = load(sample_path(MC))
    assert isinstance(plain.origin, Origin)
    assert (plain.origin.kind, plain.origin.format) == ("document", "jsonld")
    assert plain.origin.source == sample_path(MC)
    assert plain.origin.context == list(STANDARD_CONTEXT)

    upload = load(sample_path("Sample-MC-Annex1-unsigned-uploadable.json"))
    assert upload.origin.kind == "upload"
    assert upload.origin.delivery_details is None
    assert upload.id == plain.id

    envelope = json.loads(sample_path("Sample-MC-Annex1-signed.jsonld").read_text())
    sealed = load(sample_path("Sample-MC-Annex1-signed.jsonld"))
    assert sealed.origin.kind == "sealed"
    assert sealed.origin.payload == envelope["payload"].encode("utf-8")
    assert sealed.origin.envelope == envelope
    assert sealed.issued is not None  # type: ignore[attr-defined]

    copy_path = tmp_path / "credential.json"
    copy_path.write_bytes(sample_path(MC).read_bytes())
    assert load(str(copy_path)).origin.source == copy_path


def test_upload_wrapper_round_trip_keeps_delivery_details() -> None:
    details = {"walletAddress": "ana@example.org"}
    wrapped = {"credential": credential_of(sample_path(COP)), "deliveryDetails": details}
    node = load(json.dumps(wrapped).encode())
    assert node.origin.delivery_details == details
    again = json.loads(dumps(node, wrapper=True))
    assert list(again) == ["credential", "deliveryDetails"]
    assert again["deliveryDetails"] == details
    assert again["credential"]["@context"] == list(STANDARD_CONTEXT)
    other = json.loads(dumps(node, wrapper=True, delivery_details={"walletAddress": "x@example.org"}))
    assert other["deliveryDetails"] == {"walletAddress": "x@example.org"}
    plain = json.loads(dumps(load(sample_path(COP)), wrapper=True))
    assert list(plain) == ["credential"]


def test_output_order_and_compaction_rules() -> None:
    scheme = ConceptScheme(id="urn:x:scheme")
    concept = Concept(
        id="urn:x:concept",
        pref_label=LangText({"en": "Level", "es": "Nivel"}),
        in_scheme=scheme,
        notation="7",
    )
    org = Organisation(
        id="urn:x:org",
        legal_name=LangText({"en": "University"}),
        additional_note=[Note(note_literal=LangText({"en": "a"}))],
        homepage=[],
    )
    doc = node_to_jsonld(concept)
    assert list(doc) == ["@context", "id", "type", "inScheme", "notation", "prefLabel"]
    # a node built in code with nothing but an id is a node of its class, as EDC writes it
    assert doc["inScheme"] == {"id": "urn:x:scheme", "type": "ConceptScheme"}
    assert doc["type"] == "Concept"
    assert doc["prefLabel"] == {"en": "Level", "es": "Nivel"}
    written = node_to_jsonld(org, context=False)
    assert "@context" not in written and "homepage" not in written
    assert written["additionalNote"] == {"type": "Note", "noteLiteral": {"en": "a"}}
    assert node_to_jsonld(EuropeanDigitalCredential())["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
    unsorted = node_to_jsonld(concept, sort=False, context=False)
    assert list(unsorted)[:2] == ["id", "type"]
    assert concept.to_jsonld() == doc


def test_a_reference_read_without_type_stays_a_reference() -> None:
    read = Concept.from_data({"id": "urn:x:concept", "type": "Concept", "inScheme": "urn:x:scheme"})
    assert read.in_scheme and read.in_scheme[0].type is None
    assert node_to_jsonld(read)["inScheme"] == "urn:x:scheme"  # no type the document did not state
    built = ConceptScheme(id="urn:x:scheme")
    assert built.type == "ConceptScheme"
    concept = Concept(id="urn:x:c", pref_label={"en": "c"}, in_scheme=[built])
    assert concept.type == "Concept"  # as it is written, so that it equals itself read back
    assert load(dumps(concept)) == concept
    assert EuropeanDigitalCredential(id="urn:x:c").type == ["VerifiableCredential", "EuropeanDigitalCredential"]


def test_text_layout() -> None:
    node = Concept(id="urn:x:c", pref_label=LangText({"en": "ü"}))
    assert dumps(node).startswith('{"@context":["https://www.w3.org/2018/credentials/v1",')
    assert '"ü"' in dumps(node)
    assert dumps(node, indent=2).count("\n") > 3


def test_shared_nodes_are_repeated_in_full() -> None:
    level = Concept(id="urn:x:eqf6", pref_label=LangText({"en": "Level 6"}), in_scheme=ConceptScheme(id="urn:x:eqf"))
    org = Organisation(id="urn:x:org", legal_name=LangText({"en": "U"}), dc_type=[level, level])
    written = node_to_jsonld(org)
    assert written["dcType"][0] == written["dcType"][1]
    assert written["dcType"][0]["prefLabel"] == {"en": "Level 6"}


def test_unknown_properties_are_written_back_as_they_came() -> None:
    doc = credential_of(sample_path(COP))
    doc["issuer"]["x-note"] = [{"deep": [1, 2.5, None, True]}]
    doc["credentialSubject"]["x-tag"] = "single"
    node = load(doc)
    written = json.loads(dumps(node))
    assert written["issuer"]["x-note"] == [{"deep": [1, 2.5, None, True]}]
    assert written["credentialSubject"]["x-tag"] == "single"
    with pytest.raises(UnknownPropertyError) as info:
        load(doc, strict=True)
    assert info.value.path in ("/issuer/x-note", "/credentialSubject/x-tag")


def test_presentation_round_trip() -> None:
    credential = load(sample_path(COP))
    presentation = EuropeanDigitalPresentation(id="urn:x:vp", verifiable_credential=[credential])
    written = json.loads(dumps(presentation))
    assert written["type"] == ["VerifiablePresentation", "EuropeanDigitalPresentation"]
    assert written["verifiableCredential"]["id"] == credential.id
    again = load(dumps(presentation))
    assert isinstance(again, EuropeanDigitalPresentation)
    assert again.verifiable_credential[0] == credential


def test_any_node_by_its_type_with_or_without_context() -> None:
    data = {"id": "urn:x:c", "type": "Concept", "prefLabel": {"en": "A"}}
    with_context = load({"@context": EDC_CONTEXT_URL, **data})
    assert isinstance(with_context, Concept)
    assert load(data) == with_context
    assert load(json.dumps({"@context": [EDC_CONTEXT_URL], **data})) == with_context


def test_missing_context_with_prefixed_names_uses_the_standard_context() -> None:
    data = {"id": "urn:x:c", "type": "Concept", "skos:prefLabel": {"@value": "A", "@language": "en"}}
    node = load(data)
    assert isinstance(node, Concept) and node.pref_label == LangText({"en": "A"})


def _roads(document: dict[str, Any]) -> tuple[bool, bool]:
    """Whether the parser's one-pass shape and :func:`scan` let ``document`` take the fast road."""
    _, shape = parse_json_shape(json.dumps(document))
    own = 1 if "@context" in document else 0
    return shape.plain and shape.contexts == own, scan(document)


def test_a_literal_that_looks_like_a_compact_iri_keeps_the_fast_road() -> None:
    concept = Concept(
        type="Concept",
        id="urn:uuid:f728b4fa-4248-5e3a-0a5d-2f346baa9455",
        pref_label=LangText({"en": "x", "es": "y", "ca-ES-valencia": "z"}),
        notation="dc:",
    )
    text = dumps(concept)
    assert _roads(json.loads(text)) == (True, True)
    again = load(text)
    assert again == concept and dumps(again) == text
    assert list(again.pref_label or {}) == ["en", "es", "ca-ES-valencia"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("member", "value"),
    [("id", "dc:concept"), ("inScheme", "dc:scheme"), ("inScheme", ["dc:scheme"])],
)
def test_a_compact_iri_where_an_iri_is_expected_takes_the_general_road(member: str, value: Any) -> None:
    document = {
        "@context": list(STANDARD_CONTEXT),
        "id": "urn:uuid:f728b4fa-4248-5e3a-0a5d-2f346baa9455",
        "type": "Concept",
        "prefLabel": {"en": "x"},
        member: value,
    }
    assert _roads(document) == (False, False)
    written = json.loads(dumps(load(document)))
    assert "http://purl.org/dc/terms/" in json.dumps(written[member])


_NAMES = st.sampled_from(["id", "type", "inScheme", "notation", "prefLabel", "en", "@none", "issuer", "title"])
_STRINGS = st.sampled_from(["dc:x", "dc://x", "skos:y", "urn:uuid:1", "Concept", "plain", "elm:", "x:y"])
_documents = st.recursive(
    _STRINGS | st.integers(0, 3) | st.none(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_NAMES, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_NAMES, _documents, min_size=1, max_size=5))
def test_parser_and_scan_agree_on_the_road(document: dict[str, Any]) -> None:
    with_context = {"@context": list(STANDARD_CONTEXT), **document}
    for candidate in (document, with_context):
        by_parser, by_scan = _roads(candidate)
        assert by_parser == by_scan, candidate


def test_texts_without_a_language_read_the_same_on_every_road() -> None:
    document = {
        "@context": list(STANDARD_CONTEXT),
        "id": "urn:uuid:f728b4fa-4248-5e3a-0a5d-2f346baa9455",
        "type": "Concept",
        "definition": {"fr": "définition", "@none": "untagged", "en": "definition"},
        "prefLabel": "Plain",
    }
    assert _roads(document) == (True, True)
    fast = load(document)
    assert fast.pref_label == LangText({NO_LANGUAGE: "Plain"})  # type: ignore[attr-defined]
    assert list(fast.definition or {}) == ["fr", NO_LANGUAGE, "en"]  # type: ignore[attr-defined]
    assert json.loads(dumps(fast)) == document
    inline = {**document, "@context": [VC1_CONTEXT_URL, edc_context()["@context"]]}
    assert _roads(inline)[1] is False
    assert load(inline) == fast
    turtle = dumps(fast, "turtle")
    assert '"Plain"' in turtle and '"Plain"@' not in turtle
    assert load(turtle, format="turtle") == fast
    for misplaced in ({**document, "@none": "x"}, {**document, "notation": {"@none": "x"}}):
        assert _roads(misplaced) == (False, False)


def test_a_w3c_proof_stays_a_named_graph_and_sec_proof_a_plain_statement() -> None:
    doc = credential_of(sample_path(MC))
    proof = {"id": "urn:x:proof1", "type": "Proof"}
    graph_form = load({**doc, "proof": proof}, strict=True)
    assert isinstance(graph_form, EuropeanDigitalCredential)
    assert graph_form.proof == [] and (graph_form.model_extra or {})["proof"] == proof
    assert json.loads(dumps(graph_form))["proof"] == proof
    plain = load({**doc, "sec:proof": proof})
    assert isinstance(plain, EuropeanDigitalCredential) and [p.id for p in plain.proof] == ["urn:x:proof1"]
    assert json.loads(dumps(plain))["sec:proof"] == proof
    assert isomorphic(jsonld_graph(json.loads(dumps(graph_form))), jsonld_graph({**doc, "proof": proof}))
    assert isomorphic(jsonld_graph(json.loads(dumps(plain))), jsonld_graph({**doc, "sec:proof": proof}))


def test_a_value_where_a_node_belongs_is_written_back_as_it_came() -> None:
    doc = credential_of(sample_path(MC))
    doc["issuer"]["eIDASIdentifier"] = {"@value": "not a node"}
    node = EuropeanDigitalCredential.from_data(doc)
    written = json.loads(dumps(node))
    assert written["issuer"]["eIDASIdentifier"] == {"@value": "not a node"}
    assert isomorphic(jsonld_graph(written), jsonld_graph(doc))


@pytest.mark.parametrize("name", [MC, COP])
def test_a_one_item_array_where_the_model_holds_one_value_reads_as_that_value(name: str) -> None:
    """``"issuer": [{…}]`` and ``"credentialSubject": [[{…}]]`` mean in JSON-LD what the value
    alone means (the same RDF): the document reads as the one without arrays, and findings point
    into it. A value the model refuses in both readings is refused as the compact reading says."""
    from elmkit.errors import ElmValidationError, resolve_pointer
    from elmkit.profiles import validate

    doc = credential_of(sample_path(name))
    plain = load(doc)
    wrapped = copy.deepcopy(doc)
    wrapped["issuer"] = [wrapped["issuer"]]
    wrapped["credentialSubject"] = [[wrapped["credentialSubject"]]]
    read = load(wrapped)
    assert read == plain
    wrapped["issuer"][0]["homepage"] = 5
    report = validate(wrapped, profiles=("edc-ap",), stage="sealed")
    homepage = [f for f in report.errors if f.path.startswith("/issuer/homepage")]
    assert homepage and all(resolve_pointer(wrapped, f.path) == 5 for f in homepage)
    wrapped["validFrom"] = "yesterday"
    with pytest.raises(ElmValidationError) as info:
        load(wrapped)
    assert [d.path for d in info.value.details] == ["/validFrom"]


@pytest.mark.parametrize("form", ["copy", "reference after", "reference before"])
def test_a_node_written_twice_where_the_model_holds_one_value_is_one_value(form: str) -> None:
    """``"issuer": [X, X]`` or ``[X, X.id]`` is one RDF value (a value written twice counts
    once): it reads as ``X``. Two different nodes are still refused."""
    from elmkit.errors import ElmValidationError

    doc = credential_of(sample_path(MC))
    plain = load(doc)
    issuer = doc["issuer"]
    twice = copy.deepcopy(doc)
    twice["issuer"] = {
        "copy": [issuer, copy.deepcopy(issuer)],
        "reference after": [issuer, issuer["id"]],
        "reference before": [issuer["id"], issuer],
    }[form]
    assert load(twice) == plain
    twice["issuer"] = [issuer, {**issuer, "id": issuer["id"] + "-bis"}]
    with pytest.raises(ElmValidationError) as info:
        load(twice)
    said = [(d.path, d.message) for d in info.value.details]
    assert said == [("/issuer", "2 values, where this property takes one")]


@pytest.mark.parametrize(("member", "cls"), [("issuer", "Organisation"), ("credentialSubject", "Person")])
def test_a_type_written_as_its_class_iri_reads_as_the_class(member: str, cls: str) -> None:
    """``"type": "http://data.europa.eu/snb/model/elm/Organisation"`` names the class the term
    names (the same RDF): the document reads as with the term, where a property takes several
    classes too."""
    doc = credential_of(sample_path(MC))
    plain = load(doc)
    written = copy.deepcopy(doc)
    written[member]["type"] = "http://data.europa.eu/snb/model/elm/" + cls
    read = load(written)
    assert isinstance(read, EuropeanDigitalCredential) and isinstance(plain, EuropeanDigitalCredential)
    assert type(getattr(read, "issuer" if member == "issuer" else "credential_subject")).__name__ == cls
    written[member]["type"] = [written[member]["type"]]
    assert type(load(written)).__name__ == "EuropeanDigitalCredential"
