"""Optional SHACL backend: run pyshacl with shapes the caller supplies (the ``shacl`` extra).

>>> report = elmkit.validate(credential, profiles=(), shacl="my-shapes.ttl")

The credential's RDF comes from :func:`elmkit.serializers.to_graph` (offline); an rdflib graph
may be passed instead of a credential.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from elmkit.errors import ElmError
from elmkit.profiles.base import Finding, Severity

__all__ = ["ShaclBackendError", "shacl_findings"]

_SH = "http://www.w3.org/ns/shacl#"
_SEVERITY = {"Violation": Severity.ERROR, "Warning": Severity.WARNING, "Info": Severity.INFO}


class ShaclBackendError(ElmError):
    """pyshacl is missing, or the shapes or the credential's RDF could not be read."""


_FORMATS = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".n3": "n3",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".trig": "trig",
    ".nq": "nquads",
}
_JSONLD_SUFFIXES = (".jsonld", ".json")


def _shapes_graph(shapes: Any) -> Any:
    """The shapes as a graph, read from a local file only: nothing is fetched."""
    import rdflib

    if isinstance(shapes, rdflib.Graph):
        return shapes
    if not isinstance(shapes, str | Path):
        raise ShaclBackendError(f"shapes must be a path or an rdflib.Graph, not {type(shapes).__name__}")
    path = Path(shapes)
    if isinstance(shapes, str) and "://" in shapes:
        raise ShaclBackendError(
            f"shapes must be a local file, not {shapes!r}: nothing is fetched (download it first)"
        )
    suffix = path.suffix.lower()
    if suffix in _JSONLD_SUFFIXES:
        raise ShaclBackendError(
            f"cannot read the shapes {shapes}: shapes in JSON-LD are not read, since their "
            "contexts would be fetched from the network; give them as Turtle, N-Triples or "
            "RDF/XML, or as an rdflib.Graph you parsed yourself"
        )
    fmt = _FORMATS.get(suffix)
    if fmt is None:
        raise ShaclBackendError(
            f"cannot read the shapes {shapes}: unknown format {suffix or '(no suffix)'!r} "
            f"(use one of {', '.join(sorted(_FORMATS))})"
        )
    if not path.is_file():
        problem = "not found" if not path.exists() else "not a regular file"
        raise ShaclBackendError(f"cannot read the shapes {shapes}: {problem}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ShaclBackendError(f"cannot read the shapes {shapes}: {exc.strerror or exc}") from exc
    graph = rdflib.Graph()
    try:
        graph.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except Exception as exc:  # rdflib raises many kinds of parser errors
        raise ShaclBackendError(f"cannot read the shapes {shapes}: {exc}") from exc
    return graph


def _pointers(credential: Any) -> dict[str, tuple[str, dict[str, str]]]:
    """For each node of ``credential`` with an IRI: its JSON pointer, and the JSON terms of the
    properties it holds (property IRI -> term), so that a finding on a focus node and a path
    points into the credential's JSON. Blank nodes have no name to find them by."""
    from elmkit.model.base import ElmNode
    from elmkit.profiles._edc_engine import build_graph, json_pointer

    if not isinstance(credential, ElmNode):
        return {}
    out: dict[str, tuple[str, dict[str, str]]] = {}
    for res in build_graph(credential):
        if res.iri is None or res.iri.startswith("_:") or res.iri in out:
            continue
        terms = {
            predicate: entries[0][1][1] for predicate, entries in res.props.items() if entries
        }
        out[res.iri] = (json_pointer(res.at), terms)
    return out


@functools.lru_cache(maxsize=1)
def _terms() -> dict[str, str]:
    """Property IRI -> JSON term, from the model's metadata (a missing property included)."""
    from elmkit.model.schema import schema

    terms: dict[str, str] = {}
    for _, prop in schema().properties():
        terms.setdefault(prop.iri, prop.term)
    return terms


def _path_of(where: dict[str, tuple[str, dict[str, str]]], focus: Any, prop: Any) -> str:
    """The JSON pointer of a finding on ``focus`` (and its property ``prop``), or ``""``."""
    found = where.get(str(focus)) if focus is not None else None
    if found is None:
        return ""
    pointer, terms = found
    term = (terms.get(str(prop)) or _terms().get(str(prop))) if prop is not None else None
    return f"{pointer}/{term}" if term else pointer


def _data_graph(credential: Any) -> Any:
    from elmkit.serializers import to_graph

    try:
        return to_graph(credential)
    except ElmError:
        raise
    except Exception as exc:  # rdflib may fail on values it cannot represent
        raise ShaclBackendError(f"cannot turn the credential into RDF: {exc}") from exc


def shacl_findings(credential: Any, shapes: Any) -> list[Finding]:
    """pyshacl's results for ``credential`` against ``shapes`` (a path or an rdflib graph)."""
    try:
        import pyshacl
        import rdflib
    except ImportError as exc:
        raise ShaclBackendError("the SHACL backend needs the 'shacl' extra (pip install elmkit[shacl])") from exc
    shapes_graph = _shapes_graph(shapes)
    data = credential if isinstance(credential, rdflib.Graph) else _data_graph(credential)
    _, results, _ = pyshacl.validate(data, shacl_graph=shapes_graph, inference="none")
    where = _pointers(credential) if not isinstance(credential, rdflib.Graph) else {}
    sh = rdflib.Namespace(_SH)
    findings: list[Finding] = []
    for report in results.subjects(rdflib.RDF.type, sh.ValidationReport):
        for result in results.objects(report, sh.result):
            component = str(results.value(result, sh.sourceConstraintComponent) or "").rsplit("#", 1)[-1]
            severity = str(results.value(result, sh.resultSeverity) or "").rsplit("#", 1)[-1]
            focus = results.value(result, sh.focusNode)
            path = results.value(result, sh.resultPath)
            value = results.value(result, sh.value)
            shape = results.value(result, sh.sourceShape)
            message = str(results.value(result, sh.resultMessage) or component)
            short = component.removesuffix("ConstraintComponent")
            findings.append(
                Finding(
                    code=f"shacl/{short[:1].lower()}{short[1:]}",
                    severity=_SEVERITY.get(severity, Severity.ERROR),
                    messages={"en": message},
                    path=_path_of(where, focus, path),
                    focus=str(focus) if isinstance(focus, rdflib.URIRef) else None,
                    property=str(path) if isinstance(path, rdflib.URIRef) else None,
                    source=str(shape) if isinstance(shape, rdflib.URIRef) else "",
                    profile="shacl",
                    constraint=component,
                    value=None if value is None else str(value),
                )
            )
    return findings
