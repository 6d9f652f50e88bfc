"""Random valid model instances survive every format unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elmkit.model import (
    NO_LANGUAGE,
    Amount,
    Concept,
    ConceptScheme,
    CreditPoint,
    DateTime,
    DisplayDetail,
    Duration,
    Identifier,
    LangText,
    LearningAchievementSpecification,
    MediaObject,
    Note,
    Organisation,
    Qualification,
    XsdDecimal,
)
from elmkit.model.base import ElmNode
from elmkit.serializers import dumps, load

TAGS = ["en", "es", "ca-ES-valencia", "eu", "de-AT", "fr", NO_LANGUAGE]
# XML 1.0 cannot carry control characters or noncharacters; everything else is fair game.
text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=12
)
ids = st.uuids().map(lambda u: f"urn:uuid:{u}")
optional_id = st.one_of(st.none(), ids)
lang_text = st.dictionaries(
    st.sampled_from(TAGS), st.one_of(text, st.lists(text, min_size=2, max_size=3, unique=True)), min_size=1, max_size=3
).map(LangText)
date_times = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.sampled_from([None, UTC])
).map(lambda moment: DateTime.parse(moment.isoformat()))  # as documents give them: floating too
durations = st.one_of(
    st.integers(1, 900).map(lambda h: Duration(f"PT{h}H")),
    st.tuples(st.integers(0, 5), st.integers(1, 11)).map(lambda ym: Duration(f"P{ym[0]}Y{ym[1]}M")),
)
decimals = st.decimals(min_value=Decimal(-10**6), max_value=Decimal(10**6), places=2).map(XsdDecimal.coerce)


def node(cls: type[ElmNode], **fields: Any) -> st.SearchStrategy[Any]:
    return st.builds(lambda **kw: cls(type=cls.class_term, **kw), id=ids, **fields)


def blank_or_named(cls: type[ElmNode], **fields: Any) -> st.SearchStrategy[Any]:
    return st.builds(lambda **kw: cls(type=cls.class_term, **kw), id=optional_id, **fields)


concepts = node(
    Concept,
    pref_label=lang_text,
    notation=st.one_of(st.none(), text),
    in_scheme=st.lists(node(ConceptScheme), max_size=1),
)
notes = blank_or_named(Note, note_literal=lang_text)
identifiers = blank_or_named(Identifier, notation=text, scheme_name=st.one_of(st.none(), text), date_issued=st.one_of(st.none(), date_times))
organisations = node(
    Organisation,
    legal_name=lang_text,
    identifier=st.lists(identifiers, max_size=2),
    dc_type=st.lists(concepts, max_size=2),
    additional_note=st.lists(notes, max_size=2),
    date_modified=st.one_of(st.none(), date_times),
)
credit_points = blank_or_named(CreditPoint, point=text, framework=st.one_of(st.none(), concepts))
specifications = st.one_of(
    node(
        LearningAchievementSpecification,
        title=lang_text,
        volume_of_learning=st.one_of(st.none(), durations),
        credit_point=st.lists(credit_points, max_size=2),
        dc_type=st.lists(concepts, max_size=2),
    ),
    node(
        Qualification,
        title=lang_text,
        is_partial_qualification=st.one_of(st.none(), st.booleans()),
        maximum_duration=st.one_of(st.none(), durations),
    ),
)
amounts = blank_or_named(Amount, value=decimals, unit=concepts)
details = blank_or_named(
    DisplayDetail,
    page=st.integers(1, 10**6),
    image=blank_or_named(
        MediaObject,
        content=text,
        content_size=st.one_of(st.none(), st.integers(0, 10**9)),
        content_type=concepts,
        content_encoding=concepts,
    ),
)
roots = st.one_of(organisations, specifications, amounts, details, concepts)


def ordered(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: ordered(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((ordered(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(roots)
def test_json_ld_round_trip_keeps_the_model(original: ElmNode) -> None:
    text_out = dumps(original)
    again = load(text_out)
    assert again == original
    assert dumps(again) == text_out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(roots, st.sampled_from(["turtle", "nt", "xml"]))
def test_rdf_round_trip_keeps_the_model(original: ElmNode, fmt: str) -> None:
    again = load(dumps(original, fmt), format=fmt)
    assert type(again) is type(original)
    # RDF holds multiple values as a set: compare with every list in a fixed order.
    assert ordered(again.to_jsonld()) == ordered(original.to_jsonld())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(alphabet="ab&%()<>\"'#/:;=?.-_~!$*+,[]@0\u00e9\u00b7", min_size=1, max_size=8),
    st.sampled_from(["_:1", "_:b0", "_:x-y", None]),
)
def test_rdf_xml_output_is_well_formed_or_refused_naming_the_property(local: str, blank: str | None) -> None:
    """Unknown properties may have any IRI: RDF/XML either holds them (and reads back as the
    same graph) or refuses the property by name; it never gives text that is not XML."""
    from xml.dom.minidom import parseString

    from rdflib.compare import isomorphic

    from elmkit.errors import ModelError
    from elmkit.serializers import to_graph

    prop = f"http://ex.org/{local}"
    value: dict[str, Any] = {"http://ex.org/q": "x"}
    if blank is not None:
        value["@id"] = blank
    try:
        node = load({"id": "urn:o:1", "type": "Organisation", prop: "v", "http://ex.org/p": value})
    except Exception:
        return  # not an IRI JSON-LD takes as a property
    try:
        text = dumps(node, "xml")
    except ModelError as exc:
        assert repr(prop) in str(exc)
        return
    parseString(text.encode())
    assert isomorphic(to_graph(load(text, format="rdfxml")), to_graph(node))
