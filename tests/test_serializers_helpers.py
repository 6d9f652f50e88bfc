"""Shared helpers for the serializer tests (no tests here).

The official contexts are read from the reference copies at run time and only through
:func:`official_loader`, a loader used by these tests alone.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import rdflib
from pyld import jsonld
from rdflib import Literal

from conftest import REFERENCE_DIR, SAMPLES_DIR

OFFICIAL_CONTEXTS = {
    "https://www.w3.org/2018/credentials/v1": REFERENCE_DIR / "w3c" / "credentials-v1.jsonld",
    "https://www.w3.org/ns/credentials/v2": REFERENCE_DIR / "w3c" / "credentials-v2.jsonld",
    "http://data.europa.eu/snb/model/context/edc-ap": REFERENCE_DIR
    / "elm"
    / "context"
    / "v3.2"
    / "edc-ap-context.jsonld",
}
XSD_STRING = rdflib.URIRef("http://www.w3.org/2001/XMLSchema#string")

JSON_SAMPLES = [
    "Sample-MC-Annex1-unsigned.jsonld",
    "Sample-MC-Annex1-unsigned-uploadable.json",
    "Sample-MC-Annex1-signed.jsonld",
    "Sample-CertOfPart-unsigned.jsonld",
    "Sample-CertOfPart-unsigned-uploadable.json",
    "Sample-CertOfPart-signed.jsonld",
    "rdf-samples/v3.2/credential-sample.jsonld",
]
TURTLE_SAMPLE = "rdf-samples/v3.2/credential-sample.ttl"


def sample_path(name: str) -> Path:
    return SAMPLES_DIR / name


@cache
def _official(url: str) -> str:
    return OFFICIAL_CONTEXTS[url].read_text(encoding="utf-8")


def official_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Test-only loader: the published contexts from the reference copies."""
    return {"contextUrl": None, "documentUrl": url, "document": json.loads(_official(url))}


def credential_of(path: Path) -> dict[str, Any]:
    """The credential JSON inside a sample file (bare, upload-wrapped or sealed)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    if "payload" in doc:
        doc = json.loads(doc["payload"])
    if "credential" in doc:
        doc = doc["credential"]
    return dict(doc)


def canonical(graph: rdflib.Graph) -> rdflib.Graph:
    """Triples with literals in canonical form (xsd:string as plain literals, normalised lexical
    forms), so that graphs from different parsers compare."""
    out = rdflib.Graph()
    for s, p, o in graph:
        if isinstance(o, Literal):
            datatype = None if o.datatype == XSD_STRING else o.datatype
            o = Literal(str(o), lang=o.language, datatype=datatype, normalize=True)
        out.add((s, p, o))
    return out


def _term(item: dict[str, Any]) -> rdflib.term.Node:
    if item["type"] == "IRI":
        return rdflib.URIRef(item["value"])
    if item["type"] == "blank node":
        return rdflib.BNode(item["value"][2:])
    if item.get("language"):
        return Literal(item["value"], lang=item["language"])
    datatype = item.get("datatype")
    if datatype in (None, str(XSD_STRING)):
        return Literal(item["value"])
    return Literal(item["value"], datatype=rdflib.URIRef(datatype))


def jsonld_graph(doc: dict[str, Any] | list[Any], loader: Any = official_loader) -> rdflib.Graph:
    """The RDF of a JSON-LD document, expanded by pyld with ``loader`` (graph names dropped)."""
    dataset = jsonld.to_rdf(doc, {"documentLoader": loader, "base": ""})
    graph = rdflib.Graph()
    for triples in dataset.values():
        for t in triples:
            graph.add((_term(t["subject"]), _term(t["predicate"]), _term(t["object"])))
    return canonical(graph)


@cache
def official_sample_graph(name: str) -> rdflib.Graph:
    """The RDF of a JSON sample's credential under the published contexts (cached)."""
    return jsonld_graph(credential_of(sample_path(name)), official_loader)
