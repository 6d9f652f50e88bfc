"""Bad input gives a typed error quickly, with its place; nothing ever reaches the network."""

from __future__ import annotations

import base64
import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest

from elmkit.errors import (
    ContextError,
    DocumentTooLargeError,
    DuplicateKeyError,
    ElmError,
    ElmValidationError,
    ModelError,
    NetworkDisabledError,
    ParseError,
    SourceError,
    StructureError,
    UnknownPropertyError,
    UnsupportedFormatError,
)
from elmkit.model import Concept, LangText, LearningOpportunity, Organisation
from elmkit.serializers import (
    EDC_CONTEXT_URL,
    STANDARD_CONTEXT,
    JsonSyntaxError,
    dumps,
    load,
    parse_json,
    to_graph,
)
from test_serializers_helpers import JSON_SAMPLES, TURTLE_SAMPLE, credential_of, sample_path

COP = "Sample-CertOfPart-unsigned.jsonld"


def test_duplicate_member_is_refused_with_its_pointer() -> None:
    text = sample_path(COP).read_text()
    doubled = text.replace('"givenName":{', '"givenName":{"en":"X"},"givenName":{', 1)
    assert doubled != text
    with pytest.raises(DuplicateKeyError) as info:
        load(doubled)
    assert info.value.path == "/credentialSubject/givenName"
    with pytest.raises(DuplicateKeyError) as info:
        parse_json('{"a": [1, {"b": 1, "b": 2}]}')
    assert info.value.path == "/a/1/b"


def test_malformed_json_tells_line_and_column() -> None:
    with pytest.raises(JsonSyntaxError) as info:
        load(b'{\n  "id": "urn:x",\n  "type": "Concept",,\n}')
    assert isinstance(info.value, ParseError)
    assert (info.value.line, info.value.column) == (3, 21)
    assert "line 3" in str(info.value)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused(constant: str) -> None:
    with pytest.raises(JsonSyntaxError) as info:
        load('{"type": "Concept",\n "x": ' + constant + "}")
    assert info.value.line == 2


def test_oversized_documents_are_refused_before_parsing(tmp_path: Path) -> None:
    with pytest.raises(DocumentTooLargeError):
        load(sample_path(COP), max_bytes=1000)
    with pytest.raises(DocumentTooLargeError):
        load(sample_path(COP).read_bytes(), max_bytes=1000)
    with pytest.raises(DocumentTooLargeError):
        load(sample_path(TURTLE_SAMPLE).read_text(), max_bytes=1000, format="turtle")
    big = tmp_path / "big.json"
    big.write_bytes(b"[" + b"0," * 600_000 + b"0]")
    with pytest.raises(DocumentTooLargeError):
        load(big, max_bytes=1_000_000)


def test_very_deep_json_is_a_structure_error() -> None:
    with pytest.raises(StructureError):
        load("[" * 100_000 + "]" * 100_000)
    with pytest.raises(StructureError):
        load('{"type": "Concept", "x": ' + '{"a": ' * 50_000 + "1" + "}" * 50_000 + "}")


def test_deep_but_parseable_json_is_refused_with_the_path() -> None:
    nested: Any = 1
    for _ in range(300):
        nested = {"a": nested}
    doc = {"@context": list(STANDARD_CONTEXT), "type": "Concept", "x": nested}
    for source in (doc, json.dumps(doc)):
        with pytest.raises(StructureError) as info:
            load(source)
        assert info.value.path.startswith("/x/a/a/a")


def test_cyclic_input_data_is_a_structure_error() -> None:
    doc: dict[str, Any] = {"type": "Concept", "id": "urn:x:c"}
    doc["loop"] = {"back": doc}
    with pytest.raises(StructureError) as info:
        load(doc)
    assert info.value.path == "/loop/back"


def test_cyclic_models_are_a_structure_error_in_every_format() -> None:
    opportunity = LearningOpportunity(id="urn:x:lo", title=LangText({"en": "a"}))
    with pytest.raises(StructureError, match="cycle"):
        opportunity.has_part = [opportunity]  # an assignment is checked as construction is
    opportunity.has_part.append(opportunity)  # a list changed in place is not
    for fmt in ("jsonld", "turtle"):
        with pytest.raises(StructureError):
            dumps(opportunity, fmt)
    concept = Concept(id="urn:x:c")
    loop: dict[str, Any] = {}
    loop["self"] = [loop]
    concept.__pydantic_extra__ = {"x-loop": loop}
    with pytest.raises(StructureError) as info:
        dumps(concept)
    assert info.value.path.startswith("/x-loop")


def test_deep_models_are_a_structure_error() -> None:
    node = LearningOpportunity(id="urn:x:0")
    for number in range(1, 400):
        node = LearningOpportunity(id=f"urn:x:{number}", has_part=[node])
    with pytest.raises(StructureError):
        dumps(node)
    with pytest.raises(StructureError):
        to_graph(node)


def test_wrong_or_missing_type() -> None:
    with pytest.raises(ModelError) as info:
        load({"type": "NoSuchClass", "id": "urn:x"})
    assert info.value.path == "/type"
    with pytest.raises(ModelError) as info:
        load({"@context": list(STANDARD_CONTEXT), "id": "urn:x"})
    assert info.value.path == "/type"
    doc = credential_of(sample_path(COP))
    doc["issuer"]["type"] = "Concept"
    with pytest.raises(ElmValidationError) as info:
        load(doc)
    assert info.value.path.startswith("/issuer")


_TWO_VALUES = """@prefix elm: <http://data.europa.eu/snb/model/elm/> .
@prefix cred: <https://www.w3.org/2018/credentials#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<urn:c:1> a elm:EuropeanDigitalCredential ; cred:credentialSubject <urn:p:1> ;
    cred:validFrom "2026-01-01T00:00:00Z"^^xsd:dateTime, "2027-01-01T00:00:00Z"^^xsd:dateTime .
<urn:p:1> a elm:Person .
"""


def test_several_values_where_the_model_takes_one_are_named_so() -> None:
    """RDF and JSON-LD may give a property the model holds once several values: the message
    says so, not that a list is no date-time (RDF has no list there) or pydantic's words."""
    with pytest.raises(ElmValidationError) as info:
        load(_TWO_VALUES, format="turtle")
    assert [(d.path, d.message) for d in info.value.details] == [
        ("/validFrom", "2 values, where this property takes one")
    ]
    doc = credential_of(sample_path("Sample-MC-Annex1-unsigned.jsonld"))
    spec = doc["credentialSubject"]["hasClaim"]["specifiedBy"]
    spec["eqfLevel"] = [spec["eqfLevel"], "http://data.europa.eu/snb/eqf/7"]
    spec["volumeOfLearning"] = ["PT60H", "PT30H", "PT1H"]
    where = "/credentialSubject/hasClaim/0/specifiedBy"
    for context in (STANDARD_CONTEXT, [*STANDARD_CONTEXT, {"ex": "http://example.org/ns#"}]):
        with pytest.raises(ElmValidationError) as info:
            load({**doc, "@context": list(context)})
        assert sorted((d.path, d.message) for d in info.value.details) == [
            (f"{where}/eqfLevel", "2 values, where this property takes one"),
            (f"{where}/volumeOfLearning", "3 values, where this property takes one"),
        ]
    with pytest.raises(ElmValidationError) as info:
        Concept.from_data({"inScheme": [{"id": "urn:s:1"}], "prefLabel": {"en": "x"}, "notation": ["a", "b"]})
    assert [(d.path, d.message) for d in info.value.details] == [
        ("/notation", "2 values, where this property takes one")
    ]


def test_a_value_that_is_no_node_where_a_node_belongs_is_named_so() -> None:
    from elmkit.model import Qualification

    for given, kind in ((6, "a number"), (True, "a boolean")):
        with pytest.raises(ElmValidationError) as info:
            Qualification(eqf_level=given)
        assert [(d.path, d.message) for d in info.value.details] == [
            ("/eqf_level", f"a node of class Concept is expected (a JSON object, or its IRI as a string), not {kind}")
        ]


def test_unknown_contexts_are_not_fetched() -> None:
    doc = {"@context": [*STANDARD_CONTEXT, "https://example.org/extra.jsonld"], "id": "urn:x", "type": "Concept"}
    with pytest.raises(NetworkDisabledError):
        load(doc)
    fetched: list[str] = []

    def allowed(url: str, options: dict[str, Any]) -> dict[str, Any]:
        fetched.append(url)
        return {"contextUrl": None, "documentUrl": url, "document": {"@context": {"note": "urn:x:note"}}}

    node = load(doc, document_loader=allowed)
    assert isinstance(node, Concept) and fetched == ["https://example.org/extra.jsonld"]


@pytest.mark.parametrize(
    ("text", "what", "where"),
    [
        (b"42", "not a number", ""),
        (b"-1.5", "not a number", ""),
        (b"null", "not null", ""),
        (b" true\n", "not a boolean", ""),
        (b'"https://example.org/doc.jsonld"', "not a string", ""),
        (b"[1]", "this item is a number", "/0"),
        (b'[{"id": "urn:o:1", "type": "Organisation"}, "x"]', "this item is a string", "/1"),
        (b"[]", "an empty array", ""),
    ],
)
def test_json_that_holds_no_node_is_a_json_error_not_a_turtle_one(text: bytes, what: str, where: str) -> None:
    for source in (text, text.decode()) if text[:1] in b'["' else (text,):  # other text is a path
        with pytest.raises(ParseError, match="not a node") as caught:
            load(source)
        assert what in caught.value.message and "turtle" not in caught.value.message
        assert caught.value.path == where
    parsed = json.loads(text)
    if isinstance(parsed, list):
        with pytest.raises(ParseError, match="not a node"):
            load(parsed)


def test_turtle_that_starts_with_a_json_word_is_still_turtle() -> None:
    text = "null:o a <http://data.europa.eu/snb/model/elm/Organisation> .\n@prefix null: <urn:o:> ."
    with pytest.raises(ParseError, match="turtle"):
        load(text.encode())
    good = "@prefix true: <urn:o:> .\ntrue:o a <http://data.europa.eu/snb/model/elm/Organisation> ."
    assert load(good.encode()).id == "urn:o:o"


def test_invalid_json_ld_is_a_typed_error() -> None:
    with pytest.raises(ContextError):
        load({"@context": 5, "type": "Concept"})
    with pytest.raises(ContextError):
        load({"@context": ["https://www.w3.org/2018/credentials/v1", {"id": "urn:x:redefined"}], "type": "Concept"})
    with pytest.raises(ElmError):
        load({"@context": EDC_CONTEXT_URL, "@id": 5, "type": "Concept"})
    for scalar in (b"null", b"5", b'"https://example.org/doc.jsonld"'):
        with pytest.raises(ParseError, match="not a node"):
            load(scalar, format="jsonld")
    # pyld raises a bare ValueError for a relative context IRI without a base
    for context in ("foo", {"@import": "foo"}):
        with pytest.raises(ParseError, match="relative IRI 'foo'"):
            load({"@context": context, "type": "VerifiableCredential"})


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:skos="http://www.w3.org/2004/02/skos/core#">
  <skos:Concept rdf:about="urn:x:c"><skos:notation>&lol9;</skos:notation></skos:Concept>
</rdf:RDF>
"""


def _xxe(target: Path) -> str:
    return f"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY secret SYSTEM "{target.as_uri()}">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:skos="http://www.w3.org/2004/02/skos/core#">
  <skos:Concept rdf:about="urn:x:c"><skos:notation>&secret;</skos:notation></skos:Concept>
</rdf:RDF>
"""


def test_xml_with_dtd_or_entities_is_refused_quickly(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    cases = [BILLION_LAUGHS, _xxe(secret), BILLION_LAUGHS.replace("<?xml", "\n<?xml", 0)]
    for text in cases:
        for source in (text, text.encode(), text.encode("utf-16")):
            with pytest.raises(ParseError) as info:  # at once: an expanding parser would not end
                load(source, format="xml")
            assert "TOP-SECRET" not in str(info.value)


def test_xml_refusal_does_not_rely_on_the_text_scan(tmp_path: Path) -> None:
    from rdflib import Graph

    from elmkit.serializers.rdf import _sax_parse

    # The byte scan is only a first line: the SAX reader itself stops every DTD.
    for text in (BILLION_LAUGHS, _xxe(tmp_path / "secret.txt")):
        graph = Graph()
        with pytest.raises(ParseError):
            _sax_parse(text.encode(), graph)
        assert len(graph) == 0


def test_malformed_rdf_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        load("@prefix x: <urn:x:> .\nx:a x:b", format="turtle")
    with pytest.raises(ParseError):
        load("<urn:x:a> <urn:x:b> .", format="nt")
    with pytest.raises(ParseError):
        load("<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><unclosed>")


def test_sealed_envelope_with_a_broken_header() -> None:
    envelope = {"payload": "{}", "signatures": [{"protected": "%%%", "signature": "x"}]}
    with pytest.raises(ParseError) as info:
        load(envelope)
    assert info.value.path == "/signatures/0/protected"
    header = base64.urlsafe_b64encode(b'{"alg":"RS256"}').decode().rstrip("=")
    payload = base64.urlsafe_b64encode(json.dumps({"type": "Concept", "id": "urn:x:c"}).encode()).decode().rstrip("=")
    encoded = load({"payload": payload, "signatures": [{"protected": header, "signature": "x"}]})
    assert isinstance(encoded, Concept) and encoded.origin.kind == "sealed"


def test_other_bad_arguments() -> None:
    with pytest.raises(SourceError):
        load("no/such/file.jsonld")
    with pytest.raises(UnsupportedFormatError):
        load(b"{}", format="yaml")
    with pytest.raises(UnsupportedFormatError):
        dumps(Concept(), "yaml")
    with pytest.raises(UnsupportedFormatError):
        dumps(Concept(), "turtle", wrapper=True)
    with pytest.raises(ModelError):
        dumps({"type": "Concept"})  # type: ignore[arg-type]
    with pytest.raises(ModelError):
        load({"credential": {"type": "Concept"}, "deliveryDetails": "nope"})
    with pytest.raises(ModelError):
        load({1: "x", "type": "Concept"})  # type: ignore[dict-item]
    org = Organisation(id="urn:x:o")
    org.__pydantic_extra__ = {"x": float("nan")}
    with pytest.raises(ModelError):
        dumps(org)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(repr(args)[:80])
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


@pytest.mark.parametrize(
    "names",
    [
        pytest.param([COP, "Sample-MC-Annex1-signed.jsonld", TURTLE_SAMPLE], id="quick"),
        pytest.param([*JSON_SAMPLES, TURTLE_SAMPLE], id="every-sample", marks=pytest.mark.slow),
    ],
)
def test_no_socket_is_opened_by_any_load_or_dumps(no_network: list[str], names: list[str]) -> None:
    for name in names:
        node = load(sample_path(name))
        for fmt in ("jsonld", "turtle", "nt", "xml"):
            load(dumps(node, fmt), format=fmt)
    doc = credential_of(sample_path(COP))
    doc["@context"] = ["https://www.w3.org/ns/credentials/v2", EDC_CONTEXT_URL]
    load(doc)
    doc["@context"] = [*STANDARD_CONTEXT, {"x": "urn:x:"}]
    doc["x:extra"] = "value"
    dumps(load(doc), "turtle")
    with pytest.raises(NetworkDisabledError):
        load({"@context": "https://example.org/ctx", "type": "Concept"})
    assert no_network == []


@pytest.mark.parametrize(
    ("document", "pointer"),
    [
        ('{"type": "Person", "dateOfBirth": "a\\ud800"}', "/dateOfBirth"),
        ('{"type": "Person", "givenName": {"en": "a\\uDFFFb"}}', "/givenName/en"),
        ('{"type": "Person", "a\\ud800": 1}', "/a\ud800"),
        ({"type": "Person", "givenName": {"es": ["ok", "x\udc00"]}}, "/givenName/es/1"),
        ('{"type": "Person", "givenName": {"en": "a\ud800"}}', "/givenName/en"),  # raw, in a str
    ],
)
def test_a_lone_surrogate_is_refused_on_load_with_its_pointer(document: Any, pointer: str) -> None:
    with pytest.raises(ParseError, match="lone UTF-16 surrogate") as caught:
        load(document)
    assert caught.value.path == pointer


def test_a_surrogate_pair_written_as_escapes_is_one_character() -> None:
    person = load('{"type": "Person", "givenName": {"en": "\\ud83d\\ude00"}}')
    assert person.given_name.get("en") == "😀"  # type: ignore[attr-defined]


def test_a_model_built_with_a_lone_surrogate_gets_a_typed_error() -> None:
    from elmkit.errors import ElmValidationError
    from elmkit.model import Person

    with pytest.raises(ElmValidationError, match="lone UTF-16 surrogate"):
        Person.from_data({"dateOfBirth": "a\ud800"})


@pytest.mark.parametrize("length", [200, 1000])
def test_a_long_chain_of_references_is_a_structure_error(length: int) -> None:
    nodes = [
        {
            "id": f"urn:org:{i}",
            "type": "Organisation",
            "legalName": {"en": f"Unit {i}"},
            **({"hasSubOrganization": [{"id": f"urn:org:{i + 1}"}]} if i < length - 1 else {}),
        }
        for i in range(length)
    ]
    document = {"@context": list(STANDARD_CONTEXT), "@graph": nodes}
    with pytest.raises(StructureError, match="deeper than 128 levels"):
        load(document, root="urn:org:0")


def test_a_long_chain_of_references_in_turtle_is_a_structure_error() -> None:
    lines = ["@prefix org: <http://www.w3.org/ns/org#> .", "@prefix skos: <http://www.w3.org/2004/02/skos/core#> ."]
    for i in range(1000):
        more = f" ; org:hasSubOrganization <urn:org:{i + 1}>" if i < 999 else ""
        lines.append(f'<urn:org:{i}> a org:Organization ; skos:prefLabel "Unit {i}"@en{more} .')
    with pytest.raises(StructureError, match="deeper than 128 levels"):
        load("\n".join(lines), format="turtle", root="urn:org:0")


def test_root_is_honoured_for_a_single_node_document_too() -> None:
    document = json.loads(sample_path(COP).read_text(encoding="utf-8"))
    assert load(document, root=document["id"]).id == document["id"]
    for root in ("urn:nope", document["credentialSubject"]["id"]):  # absent; not top-level
        with pytest.raises(ModelError, match="no top-level node"):
            load(document, root=root)
    with pytest.raises(UnsupportedFormatError, match="root must be"):
        load(document, root=5)  # type: ignore[arg-type]
    with pytest.raises(UnsupportedFormatError, match="max_bytes must be"):
        load(document, max_bytes="x")  # type: ignore[arg-type]
    with pytest.raises(UnsupportedFormatError, match="unknown format 5"):
        load(document, format=5)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", [*JSON_SAMPLES, TURTLE_SAMPLE])
def test_load_credential_reads_every_form_load_reads(name: str) -> None:
    import typing

    import elmkit
    from elmkit.model import EuropeanDigitalCredential
    from elmkit.serializers import load_credential

    credential = load_credential(sample_path(name))
    assert isinstance(credential, EuropeanDigitalCredential)
    assert credential == load(sample_path(name))
    assert credential.origin == load(sample_path(name)).origin
    assert elmkit.load_credential is load_credential
    assert "load_credential" in elmkit.__all__
    assert typing.get_type_hints(load_credential)["return"] is EuropeanDigitalCredential


def test_load_credential_refuses_another_node_naming_it() -> None:
    from elmkit.model import EuropeanDigitalPresentation
    from elmkit.serializers import load_credential

    credential = load_credential(sample_path(COP))
    presentation = EuropeanDigitalPresentation(id="urn:x:vp", verifiable_credential=[credential])
    expected = r"holds a EuropeanDigitalPresentation.*in verifiable_credential"
    with pytest.raises(ModelError, match=expected) as caught:
        load_credential(dumps(presentation).encode())
    assert caught.value.path == "/type"
    organisation = {"id": "urn:x:org", "type": "Organisation", "legalName": {"en": "U"}}
    with pytest.raises(ModelError, match="not a credential: the document holds a Organisation"):
        load_credential(organisation)
    bare = {"id": "urn:x:vc", "type": ["VerifiableCredential"], "issuer": "urn:x:org"}
    with pytest.raises(ModelError, match="holds a VerifiableCredential, not a EuropeanDigital"):
        load_credential(bare)
    with pytest.raises(ParseError):  # what load refuses, it refuses alike
        load_credential(b"{")


@pytest.mark.parametrize("bad", ["a b", "<urn:x> <urn:y>", "", "urn:x\n", 'urn:"x"', "urn:{x}"])
def test_an_id_that_is_no_iri_is_refused_with_its_pointer(bad: str) -> None:
    document = {"type": "Person", "givenName": {"en": "Ana"}, "identifier": [{"id": bad}]}
    with pytest.raises(ElmValidationError) as caught:
        load(document)
    (detail,) = caught.value.details
    assert detail.path == "/identifier/0/id" and "no spaces" in detail.message


@pytest.mark.parametrize("good", ["urn:epass:person:1", "_:b0", "https://example.org/a?b=c#d", "urn:é"])
def test_iris_and_blank_labels_are_ids(good: str) -> None:
    assert load({"type": "Person", "id": good}).id == good


@pytest.mark.parametrize(("given", "words"), [("Concept", "a Concept is not"), ("Note", "a Note is not")])
def test_a_node_of_a_class_the_property_does_not_take_is_named(given: str, words: str) -> None:
    with pytest.raises(ElmValidationError) as caught:
        load({"type": "EuropeanDigitalCredential", "credentialSubject": {"type": given}})
    (detail,) = [d for d in caught.value.details if d.path == "/credentialSubject"]
    assert words in detail.message and "discriminator" not in detail.message


_ELM = "http://data.europa.eu/snb/model/elm/"
_PERSON = _ELM + "Person"


def _person_with_relative_ids() -> dict[str, Any]:
    return {
        "id": "person-1",
        "type": "Person",
        "givenName": {"en": "Ana"},
        "location": {"id": "../campus", "type": "Location", "geographicName": {"en": "Campus"}},
    }


@pytest.mark.parametrize("extra_context", [False, True])  # the fast road, then the general one
def test_relative_ids_stay_as_written_on_every_json_ld_road(extra_context: bool) -> None:
    document = _person_with_relative_ids()
    context: list[Any] = list(STANDARD_CONTEXT)
    if extra_context:
        context.append({"ex": "http://example.org/ns#"})
    person = load({"@context": context, **document})
    assert person.id == "person-1"
    assert person.location.id == "../campus"  # type: ignore[attr-defined]


def test_a_relative_type_is_named_as_written_in_errors() -> None:
    document = {"@context": [*STANDARD_CONTEXT, {"ex": "http://example.org/ns#"}], "id": "urn:p:1"}
    document.update(type="Person", location={"id": "urn:l:1", "type": "Nope"})
    with pytest.raises(ElmValidationError, match="type Nope does not name Location"):
        load(document)


@pytest.mark.parametrize("fmt", ["turtle", "rdfxml"])
def test_relative_ids_survive_rdf_and_come_back_as_written(fmt: str) -> None:
    person = load(_person_with_relative_ids())
    text = dumps(person, format="xml" if fmt == "rdfxml" else fmt)
    again = load(text, format=fmt)
    assert again.id == "person-1" and again.location.id == "../campus"  # type: ignore[attr-defined]
    assert "file:" not in dumps(again, format="jsonld")  # never the reader's current directory


_REFERENCES = ["p1", "#me", "?v=2", "../../up", "/root", "//host/x", "dir/"]


@pytest.mark.parametrize("reference", _REFERENCES)
def test_relative_turtle_iris_without_a_base_stay_as_written(reference: str) -> None:
    assert load(f"<{reference}> a <{_PERSON}> .", format="turtle").id == reference
    base = "@base <https://uni.example/people/> . "
    assert load(f"{base}<{reference}> a <{_PERSON}> .", format="turtle").id.startswith("https:")


@pytest.mark.parametrize("reference", _REFERENCES)
def test_relative_json_ld_iris_stay_as_written_and_a_declared_base_applies(reference: str) -> None:
    context: list[Any] = [*STANDARD_CONTEXT, {"ex": "http://example.org/ns#"}]  # general road
    document = {"id": reference, "type": "Person", "givenName": {"en": "Ana"}}
    assert load({"@context": context, **document}).id == reference
    based = [*context, {"@base": "https://uni.example/people/"}]
    assert load({"@context": based, **document}).id.startswith("https:")


_DOT_SEGMENTS = [
    ("a/./b", "a/b"),
    ("./x", "x"),
    ("a/../b", "b"),
    ("a/b/../../../c", "../c"),
    ("../x", "../x"),
    ("/a/./b", "/a/b"),
    ("//host/a/./b", "//host/a/b"),
    ("a?x=/./y", "a?x=/./y"),
    ("http://ex.org/a/./b", "http://ex.org/a/./b"),
]


def _rdfxml_with(reference: str) -> str:
    return (
        f'<rdf:RDF {_RDF_NS} xmlns:org="http://www.w3.org/ns/org#"><elm:Organisation rdf:about="urn:o:1">'
        f'<org:hasSubOrganization><elm:Organisation rdf:about="{reference}"/></org:hasSubOrganization>'
        "</elm:Organisation></rdf:RDF>"
    )


@pytest.mark.parametrize(("reference", "read"), _DOT_SEGMENTS)
def test_dot_segments_of_relative_references_are_removed_on_every_road_and_in_every_format(
    reference: str, read: str
) -> None:
    """Resolving a relative reference removes its dot segments (RFC 3986), as JSON-LD does:
    the fast road, the general road and every RDF reader give the same id."""
    document = {"id": "urn:o:1", "type": "Organisation", "hasSubOrganization": {"id": reference, "type": "Organisation"}}
    org = f"<{_ELM}Organisation>"
    sources: list[tuple[Any, str | None]] = [
        (document, None),
        (json.dumps(document).encode(), None),
        ({"@context": [*STANDARD_CONTEXT, {}], **document}, None),
        (f"<urn:o:1> a {org}; <http://www.w3.org/ns/org#hasSubOrganization> <{reference}> . <{reference}> a {org} .", "turtle"),
        (_rdfxml_with(reference), "rdfxml"),
    ]
    for source, fmt in sources:
        assert load(source, format=fmt).has_sub_organization[0].id == read  # type: ignore[attr-defined]
    built = Organisation(id="urn:o:1", has_sub_organization=[Organisation(id=reference)])
    for fmt in ("jsonld", "turtle", "rdfxml"):
        again = load(dumps(built, "xml" if fmt == "rdfxml" else fmt), format=fmt)
        assert again.has_sub_organization[0].id == read  # type: ignore[attr-defined]


def test_a_reference_to_a_node_with_a_dot_segment_leaves_the_fast_road() -> None:
    document = {"id": "./person", "type": "Person", "homepage": ["./page", "a/../page"]}
    person = load(document)
    assert person.id == "person"
    assert [str(page) for page in person.homepage] == ["page", "page"]  # type: ignore[attr-defined]


def test_rdfxml_with_a_base_resolves_against_it() -> None:
    text = _rdfxml_with("./x").replace("<rdf:RDF ", '<rdf:RDF xml:base="https://uni.example/a/" ')
    org = load(text, format="rdfxml")
    assert org.has_sub_organization[0].id == "https://uni.example/a/x"  # type: ignore[attr-defined]


def test_a_document_base_resolves_ids_as_json_ld_says() -> None:
    context = [*STANDARD_CONTEXT, {"@base": "https://uni.example/"}]
    person = load({"@context": context, "id": "cred/42", "type": "Person"})
    assert person.id == "https://uni.example/cred/42"


def test_relative_iris_of_unknown_properties_reach_rdf_as_written() -> None:
    person = load({"id": "urn:p:1", "type": "Person", "fullName": {"en": "A"}, "homepage": "page-1"})
    for fmt in ("turtle", "xml"):
        text = dumps(person, fmt)
        assert "page-1" in text and "elmkit-no-base" not in text, text
    with pytest.raises(ModelError, match="N-Triples has no relative IRIs, and 'page-1'"):
        dumps(person, "nt")


def test_strict_refuses_members_no_context_defines_on_the_general_road_too() -> None:
    context = [*STANDARD_CONTEXT, {"ex": "http://example.org/ns#"}]
    document = {"@context": context, "id": "urn:p:1", "type": "Person", "givenName": {"en": "Ana"}}
    document["hasClaim"] = [{"id": "urn:c:1", "type": "LearningAchievement", "nickname": "x"}]
    assert load(document).id == "urn:p:1"  # not strict: JSON-LD expansion drops the member
    with pytest.raises(UnknownPropertyError, match="'nickname'") as caught:
        load(document, strict=True)
    assert caught.value.path == "/hasClaim/0/nickname"
    # a term the document's own context maps to null is dropped on purpose
    quiet = {**document, "@context": [*context, {"nickname": None}]}
    assert load(quiet, strict=True).id == "urn:p:1"


def test_n_triples_refuses_relative_iris_instead_of_writing_invalid_lines() -> None:
    person = load(_person_with_relative_ids())
    with pytest.raises(ModelError, match=r"N-Triples has no relative IRIs, and '\.\./campus'"):
        dumps(person, format="nt")
    absolute = load({**_person_with_relative_ids(), "id": "urn:p:1", "location": None})
    assert load(dumps(absolute, format="nt"), format="nt").id == "urn:p:1"


@pytest.mark.parametrize("extra_context", [False, True])
def test_a_number_where_text_belongs_reads_the_same_on_both_roads(extra_context: bool) -> None:
    context: list[Any] = list(STANDARD_CONTEXT)
    if extra_context:
        context.append({"ex": "http://example.org/ns#"})
    framework = {"id": "http://data.europa.eu/snb/education-credit/6fcec5c5af", "type": "Concept"}
    document = {"@context": context, "id": "urn:c:1", "type": "CreditPoint", "framework": framework}
    for given, read in ((6, "6"), (1.5, "1.5")):
        credit = load({**document, "point": given})
        assert credit.point == read and not credit.__pydantic_extra__  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("passwd", "root:x:0:0:SECRET-TOKEN:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin\n"),
        ("notes.ttl", "@prefix ex: <http://ex.org/> .\nex:a ex:b SECRET-TOKEN .\n"),
        ("data.nt", "<urn:s> <urn:p> <urn:o> .\n<urn:s> <urn:p> SECRET-TOKEN .\n"),
        (
            "data.rdf",
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="urn:SECRET-TOKEN" rdf:aboutEach="x"/></rdf:RDF>',
        ),
        ("data.xml", "<a>SECRET-TOKEN</b>"),
        ("data.json", '{"name": "SECRET-TOKEN",\n "x": }'),
        ("notes.jsonld", '{"name": "SECRET-TOKEN", "n": NaN}'),
        (
            "diploma.xml",
            '<europassCredential xmlns="http://data.europa.eu/snb" id="urn:SECRET-TOKEN">\n'
            "<title>SECRET-TOKEN</titl></europassCredential>",
        ),
    ],
)
def test_errors_about_a_file_name_it_and_never_quote_its_content(
    tmp_path: Path, name: str, content: str
) -> None:
    """A service passing untrusted text as ``str`` might name a local file: its errors must not
    show what the file holds."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ParseError) as caught:
        load(str(path))
    assert "SECRET" not in str(caught.value)
    assert str(path) in str(caught.value)
    with pytest.raises(ParseError) as caught:
        load(path)
    assert "SECRET" not in str(caught.value)
    with pytest.raises(ParseError) as caught:  # the document's own text may be quoted
        load(content.encode(), format=None if name != "passwd" else "turtle")


def _diamond(levels: int, leaf_text: str) -> Organisation:
    """Organisations each holding the two of the level below: 2**levels leaves when written."""
    below = [Organisation(id=f"urn:o:leaf{x}", legal_name=LangText({"en": leaf_text})) for x in "ab"]
    for level in range(levels - 1):
        below = [Organisation(id=f"urn:o:{level}{x}", has_sub_organization=list(below)) for x in "ab"]
    return Organisation(id="urn:o:root", has_sub_organization=below)


def test_writing_shared_nodes_that_double_at_each_level_is_refused_not_exhausting_memory() -> None:
    big = _diamond(9, "x" * 1_000_000)  # 512 copies of a million characters
    with pytest.raises(StructureError, match="characters of text") as caught:
        dumps(big)
    assert caught.value.path.startswith("/hasSubOrganization/")
    assert len(dumps(big, "turtle")) < 3_000_000  # RDF holds each node once


def test_writing_is_bounded_by_the_number_of_nodes_written(monkeypatch: pytest.MonkeyPatch) -> None:
    from elmkit.serializers import jsonld

    monkeypatch.setattr(jsonld, "DEFAULT_MAX_WRITTEN_NODES", 1000)
    assert json.loads(dumps(_diamond(8, "x")))  # 511 nodes
    with pytest.raises(StructureError, match="1000 nodes"):
        dumps(_diamond(10, "x"))


@pytest.mark.parametrize("fmt", ["jsonld", "turtle"])
def test_a_document_whose_shared_nodes_expand_to_too_much_text_is_refused_when_read(fmt: str) -> None:
    """Reading embeds a node each place it is held: a 4.5 MB document of shared nodes holding
    shared nodes would expand to 128 million characters."""
    graph = [{"id": "urn:root", "type": "Organisation", "hasSubOrganization": ["urn:a0", "urn:b0"]}]
    for level in range(9):
        for x in "ab":
            item: dict[str, Any] = {"id": f"urn:{x}{level}", "type": "Organisation"}
            if level < 8:
                item["hasSubOrganization"] = [f"urn:a{level + 1}", f"urn:b{level + 1}"]
            else:
                item["legalName"] = {"en": "x" * 500_000}
            graph.append(item)
    document = json.dumps({"@context": list(STANDARD_CONTEXT), "@graph": graph})
    if fmt == "turtle":
        elm, org = "http://data.europa.eu/snb/model/elm/", "http://www.w3.org/ns/org#"
        lines = [f"<urn:root> a <{elm}Organisation> ; <{org}hasSubOrganization> <urn:a0>, <urn:b0> ."]
        for level in range(9):
            for x in "ab":
                if level < 8:
                    lines.append(f"<urn:{x}{level}> <{org}hasSubOrganization> <urn:a{level + 1}>, <urn:b{level + 1}> .")
                else:
                    lines.append(f'<urn:{x}{level}> <http://www.w3.org/ns/regorg#legalName> "{"x" * 500_000}"@en .')
        document = "\n".join(lines)
    with pytest.raises(StructureError, match="characters of text"):
        load(document, format=fmt)


_RDF_NS = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:elm="http://data.europa.eu/snb/model/elm/"'


@pytest.mark.parametrize(
    "text",
    [
        "<![CDATA[<!DOCTYPE html><p>x</p>]]>",
        "<![CDATA[<!ENTITY x 'y'>]]>",
        "&lt;!DOCTYPE html&gt;",
    ],
)
def test_xml_that_mentions_a_doctype_in_its_text_is_read(text: str) -> None:
    document = (
        f'<?xml version="1.0"?>\n<!-- <!DOCTYPE in a comment -->\n<rdf:RDF {_RDF_NS}>'
        f'<elm:Note rdf:about="urn:n:1"><elm:noteLiteral>{text}</elm:noteLiteral></elm:Note>'
        "<!-- <!ENTITY in a comment --></rdf:RDF>"
    )
    for source in (document, document.encode()):
        note = load(source, format="rdfxml")
        assert note.id == "urn:n:1"
        assert "DOCTYPE" in str(note.note_literal) or "ENTITY" in str(note.note_literal)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_a_dtd_after_comments_and_the_declaration_is_refused_in_any_encoding(encoding: str) -> None:
    document = (
        f'<?xml version="1.0" encoding="{encoding.upper().removesuffix("-SIG")}"?>\n<!-- a -->\n'
        f'<!DOCTYPE r [<!ENTITY e "x">]>\n<rdf:RDF {_RDF_NS}>'
        '<elm:Note rdf:about="urn:n:1"><elm:noteLiteral>&e;</elm:noteLiteral></elm:Note></rdf:RDF>'
    )
    with pytest.raises(ParseError, match="DTD"):
        load(document.encode(encoding), format="rdfxml")


@pytest.mark.parametrize("space", ["\u00a0", "\u3000", "\u2028", "\u0085", "\u2009"])
def test_an_id_with_white_space_of_any_script_is_refused_with_its_path(space: str) -> None:
    iri = f"http://ex.org/a{space}b"
    with pytest.raises(ElmValidationError) as caught:
        load({"id": iri, "type": "Organisation"})
    assert caught.value.details[0].path == "/id"
    with pytest.raises(ElmValidationError) as caught:
        load({"id": "urn:o:1", "type": "Organisation", "homepage": iri})
    assert caught.value.details[0].path.startswith("/homepage")
    with pytest.raises(ElmValidationError):
        Organisation(id=iri)


@pytest.mark.parametrize(
    ("type_", "term", "value"),
    [
        ("DisplayDetail", "page", 0),
        ("DisplayDetail", "page", -3),
        ("DisplayDetail", "page", "0"),
        ("LearningActivity", "levelOfCompletion", -1),
        ("ResultCategory", "count", 0),
    ],
)
def test_a_positive_integer_field_refuses_zero_and_negative_numbers(type_: str, term: str, value: Any) -> None:
    with pytest.raises(ElmValidationError) as caught:
        load({"id": "urn:x:1", "type": type_, term: value})
    assert [d.path for d in caught.value.details if "positiveInteger" in d.message] == [f"/{term}"]
    assert load({"id": "urn:x:1", "type": type_, term: 1}).to_jsonld()[term] == 1


def test_bounded_integer_types_check_their_range() -> None:
    from pydantic import TypeAdapter, ValidationError

    from elmkit.model import XsdNonNegativeInteger, XsdPositiveInteger

    assert TypeAdapter(XsdNonNegativeInteger).validate_python("0") == 0
    with pytest.raises(ValidationError):
        TypeAdapter(XsdNonNegativeInteger).validate_python(-1)
    with pytest.raises(ValidationError):
        TypeAdapter(XsdPositiveInteger).validate_python(0)


_BAD_IRI_CTX = [*STANDARD_CONTEXT, {}]


@pytest.mark.parametrize(
    ("member", "value", "where"),
    [
        ("http://ex.org/p", {"@id": "http://ex.org/a<b>"}, "/http:~1~1ex.org~1p/@id"),
        ("http://ex.org/p", {"@id": 'http://ex.org/a"b'}, "/http:~1~1ex.org~1p/@id"),
        ("http://ex.org/p", {"http://ex.org/q": {"@id": "http://ex.org/a b"}}, "/http:~1~1ex.org~1p/http:~1~1ex.org~1q"),
        ("http://ex.org/p", {"@id": "urn:x:1", "@type": "http://ex.org/T<"}, "/http:~1~1ex.org~1p/@type"),
        ("http://ex.org/a<b>", "v", "/http:~1~1ex.org~1a<b>"),
    ],
)
def test_an_invalid_iri_in_an_unknown_property_is_refused_on_every_road(
    member: str, value: Any, where: str
) -> None:
    """JSON-LD would write it back, Turtle and N-Triples could not, RDF/XML would write an IRI
    that is none: it is refused when read, as an invalid id is."""
    document = {"id": "urn:o:1", "type": "Organisation", member: value}
    for source in (document, {"@context": _BAD_IRI_CTX, **document}):
        with pytest.raises(ElmValidationError) as caught:
            load(source)
        assert caught.value.details[0].path.startswith(where)
        assert "no IRI" in caught.value.details[0].message
    with pytest.raises(ElmValidationError):
        Organisation(id="urn:o:1", **{member: value})


def test_an_invalid_iri_read_from_rdfxml_is_refused() -> None:
    document = (
        f"<rdf:RDF {_RDF_NS}><elm:Organisation rdf:about=\"urn:o:1\">"
        '<ex:p xmlns:ex="http://ex.org/" rdf:resource="http://ex.org/a&lt;b&gt;"/>'
        "</elm:Organisation></rdf:RDF>"
    )
    with pytest.raises(ElmValidationError) as caught:
        load(document, format="rdfxml")
    assert caught.value.details[0].path == "/http:~1~1ex.org~1p/@id"


def test_valid_iris_in_unknown_properties_are_kept_and_written_in_every_format() -> None:
    node = load(
        {
            "id": "urn:o:1",
            "type": "Organisation",
            "http://ex.org/p": {"@id": "http://ex.org/a%3Cb%3E", "@type": "http://ex.org/T"},
            "http://ex.org/q": "relative/ok",
        }
    )
    for fmt in ("jsonld", "turtle", "nt", "xml"):
        back = load(dumps(node, fmt), format=fmt)
        assert back.model_extra is not None
        assert back.model_extra["http://ex.org/p"]["@id"] == "http://ex.org/a%3Cb%3E"


@pytest.mark.parametrize("value", [5, 5.5, True])
def test_an_id_that_is_no_string_is_refused(value: Any) -> None:
    """JSON-LD requires ``@id`` to be a string: a number is not read as the relative IRI "5"."""
    for document in (
        {"id": value, "type": "Organisation"},
        {"id": "urn:o:1", "type": "Organisation", "hasSubOrganization": {"id": value, "type": "Organisation"}},
    ):
        with pytest.raises(ElmValidationError) as caught:
            load(document)
        assert caught.value.details[0].path.endswith("/id")
        assert "an id is a string" in caught.value.details[0].message
    with pytest.raises(ElmValidationError):
        Organisation(id=value)


def test_a_null_in_a_language_map_is_ignored_as_json_ld_does() -> None:
    node = load({"id": "urn:o:1", "type": "Organisation", "legalName": {"en": None, "es": "Universidad"}})
    assert node.legal_name is not None and node.legal_name.to_json() == {"es": "Universidad"}
    assert "legalName" not in load({"id": "urn:o:1", "type": "Organisation", "legalName": {"en": None}}).to_jsonld()


@pytest.mark.parametrize(
    ("texts", "where"),
    [
        ({"en": "a", "xx_YY": "b"}, "/legalName/xx_YY"),
        ({"not a tag": "b"}, "/legalName/not a tag"),
        ({"en": "a", "EN": "b"}, "/legalName/EN"),
        ({"en": 5}, "/legalName/en"),
        ({"en/GB": "b"}, "/legalName/en~1GB"),
    ],
)
def test_a_language_map_error_points_at_the_offending_member(texts: dict[str, Any], where: str) -> None:
    with pytest.raises(ElmValidationError) as caught:
        load({"id": "urn:o:1", "type": "Organisation", "legalName": texts})
    assert [d.path for d in caught.value.details] == [where]


def test_dumps_refuses_an_unknown_format_listing_what_it_writes() -> None:
    node = Concept(id="urn:concept:1")
    with pytest.raises(UnsupportedFormatError) as caught:
        dumps(node, "yaml")
    offered = re.findall(r"[\w/-]+", str(caught.value).split("dumps writes ", 1)[1])
    assert {"jsonld", "json", "turtle", "ttl", "nt", "rdfxml", "xml"} <= set(offered)
    assert "elmv2" not in offered
    for name in offered:
        assert dumps(node, name)  # every name the message offers is written
    with pytest.raises(UnsupportedFormatError, match=r"dumps does not write 'elmv2'.*dumps writes jsonld"):
        dumps(node, "elmv2")
    with pytest.raises(UnsupportedFormatError, match="unknown format None; dumps writes"):
        dumps(node, None)  # type: ignore[arg-type]
