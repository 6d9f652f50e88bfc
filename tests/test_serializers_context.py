"""The generated EDC context against the published one; the W3C contexts; offline loading."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rdflib
from pyld import jsonld
from rdflib.compare import isomorphic

from conftest import ELM_DIR, REFERENCE_DIR
from elmkit.errors import ContextError, NetworkDisabledError
from elmkit.model import schema
from elmkit.serializers import (
    CONTEXT_DEVIATIONS,
    EDC_CONTEXT_URL,
    VC1_CONTEXT_URL,
    VC2_CONTEXT_URL,
    edc_context,
    offline_document_loader,
)
from test_serializers_helpers import (
    JSON_SAMPLES,
    credential_of,
    jsonld_graph,
    official_loader,
    official_sample_graph,
    sample_path,
)

PUBLISHED = json.loads((ELM_DIR / "context" / "v3.2" / "edc-ap-context.jsonld").read_text())["@context"]


def _prefixes(ctx: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in ctx.items() if isinstance(v, str) and not k[0].isupper() and not v.startswith("@")}


def _expand(value: str, prefixes: dict[str, str]) -> str:
    prefix, sep, rest = value.partition(":")
    if sep and prefix in prefixes and not rest.startswith("//"):
        return prefixes[prefix] + rest
    return value


def _meaning(ctx: dict[str, Any], term: str) -> tuple[str, str | None, str | None] | None:
    """(IRI, @type, @container) of a term, with compact IRIs expanded."""
    if term not in ctx:
        return None
    prefixes = _prefixes(ctx)
    value = ctx[term]
    if isinstance(value, str):
        return (value if term in prefixes else _expand(value, prefixes), None, None)
    coercion = value.get("@type")
    if coercion is not None and not coercion.startswith("@"):
        coercion = _expand(coercion, prefixes)
    return (_expand(value["@id"], prefixes), coercion, value.get("@container"))


def _differences() -> set[str]:
    ours = edc_context()["@context"]
    return {term for term in set(ours) | set(PUBLISHED) if _meaning(ours, term) != _meaning(PUBLISHED, term)}


def test_generated_context_matches_published_term_by_term_except_listed_deviations() -> None:
    assert _differences() == set(CONTEXT_DEVIATIONS)


def test_deviation_list_records_the_published_definitions() -> None:
    ours = edc_context()["@context"]
    for term, deviation in CONTEXT_DEVIATIONS.items():
        assert deviation.reason
        if deviation.kind == "added":
            assert term not in PUBLISHED and term in ours
        else:
            assert deviation.kind == "changed"
            assert PUBLISHED[term] == deviation.published


def test_clv_prefix_keeps_its_slash_and_latitude_expands_correctly() -> None:
    ctx = edc_context()["@context"]
    assert _meaning(ctx, "latitude") == ("http://data.europa.eu/m8g/latitude", "http://www.w3.org/2001/XMLSchema#string", None)


def test_context_is_generated_from_the_schema() -> None:
    ctx = edc_context()["@context"]
    for term, (iri, coercion, origin) in schema().terms().items():
        if origin != "edc":
            assert term not in ctx or term in ("id", "type")
            continue
        meaning = _meaning(ctx, term)
        assert meaning is not None and meaning[0] == iri
        assert meaning[2] == coercion.get("@container")
    for info in schema():
        if info.term not in ("VerifiableCredential", "VerifiablePresentation"):
            assert _meaning(ctx, info.term) == (info.iri, None, None)


def test_edc_context_copies_are_independent() -> None:
    first = edc_context()
    first["@context"]["title"] = "mutated"
    assert edc_context()["@context"]["title"] != "mutated"


@pytest.mark.parametrize("url, file", [(VC1_CONTEXT_URL, "credentials-v1.jsonld"), (VC2_CONTEXT_URL, "credentials-v2.jsonld")])
def test_w3c_contexts_have_the_published_content(url: str, file: str) -> None:
    published = json.loads((REFERENCE_DIR / "w3c" / file).read_text())
    assert offline_document_loader()(url, {})["document"] == published


def _w3c_official_edc_ours(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    if url == EDC_CONTEXT_URL:
        return official_loader(url, options)
    return offline_document_loader()(url, options)


@pytest.mark.parametrize("name", JSON_SAMPLES)
def test_own_w3c_contexts_expand_samples_like_the_reference_copies(name: str) -> None:
    doc = credential_of(sample_path(name))
    assert isomorphic(jsonld_graph(doc, _w3c_official_edc_ours), official_sample_graph(name))


@pytest.mark.parametrize("name", JSON_SAMPLES)
def test_own_edc_context_expands_samples_like_the_published_one(name: str) -> None:
    # The samples use no term whose definition deviates, so the graphs agree.
    doc = credential_of(sample_path(name))
    assert isomorphic(jsonld_graph(doc, offline_document_loader()), official_sample_graph(name))


def test_vc2_sample_expands_like_the_reference_copy() -> None:
    doc = {
        "@context": [VC2_CONTEXT_URL],
        "id": "urn:x:1",
        "type": ["VerifiableCredential"],
        "issuer": "urn:x:issuer",
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "urn:x:subject", "name": "Ana"},
    }
    assert isomorphic(jsonld_graph(doc, offline_document_loader()), jsonld_graph(doc, official_loader))


def test_loader_refuses_other_urls() -> None:
    with pytest.raises(NetworkDisabledError) as info:
        offline_document_loader()("https://example.org/context.jsonld", {})
    assert isinstance(info.value, ContextError)


def test_loader_uses_the_callers_fallback_for_other_urls() -> None:
    asked: list[str] = []

    def fallback(url: str, options: dict[str, Any]) -> dict[str, Any]:
        asked.append(url)
        return {"contextUrl": None, "documentUrl": url, "document": {"@context": {"x": "urn:x:"}}}

    loader = offline_document_loader(fallback)
    assert loader("https://example.org/c", {})["document"] == {"@context": {"x": "urn:x:"}}
    assert loader(VC1_CONTEXT_URL, {})["document"]["@context"]["@protected"] is True
    assert asked == ["https://example.org/c"]


def test_published_context_with_pyld_shows_the_clv_defect() -> None:
    # Why the deviation exists: the published context makes latitude a wrong IRI.
    doc = {"@context": EDC_CONTEXT_URL, "@id": "urn:x:g", "latitude": "41.4"}
    official = jsonld.expand(doc, {"documentLoader": official_loader})
    ours = jsonld.expand(doc, {"documentLoader": offline_document_loader()})
    assert "http://data.europa.eu/m8g/latitude" not in official[0]
    assert "http://data.europa.eu/m8g/latitude" in ours[0]


def test_deviating_date_modified_becomes_a_datetime_literal() -> None:
    doc = {"@context": EDC_CONTEXT_URL, "@id": "urn:x:a", "dateModified": "2024-01-01T00:00:00Z"}
    graph = jsonld_graph(doc, offline_document_loader())
    (value,) = list(graph.objects())
    assert isinstance(value, rdflib.Literal)
    assert value.datatype == rdflib.XSD.dateTime


def test_every_deviation_is_documented() -> None:
    from conftest import REPO_ROOT

    page = (REPO_ROOT / "docs" / "formats.md").read_text()
    for term in CONTEXT_DEVIATIONS:
        assert f"`{term}`" in page, term


def test_importing_the_package_loads_neither_rdflib_nor_pyld() -> None:
    import subprocess
    import sys

    code = (
        "import sys, elmkit.serializers\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('rdflib', 'pyld'))\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
