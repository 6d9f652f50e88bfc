"""Optional SHACL backend: run pyshacl with shapes the caller supplies (the ``shacl`` extra).

>>> report = elmkit.validate(credential, profiles=(), shacl="my-shapes.ttl")

The credential's RDF comes from :func:`elmkit.serializers.to_graph` (offline); an rdflib graph
may be passed instead of a credential.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from elmkit.errors import ElmError
from elmkit.profiles.base import Finding, Severity

__all__ = ["ShaclBackendError", "shacl_findings"]

_SH = "http://www.w3.org/ns/shacl#"
_SEVERITY = {"Violation": Severity.ERROR, "Warning": Severity.WARNING, "Info": Severity.INFO}


class ShaclBackendError(ElmError):
    """pyshacl is missing, or the shapes or the credential's RDF could not be read."""


def _shapes_graph(shapes: Any) -> Any:
    import rdflib

    if isinstance(shapes, rdflib.Graph):
        return shapes
    if isinstance(shapes, str | Path):
        graph = rdflib.Graph()
        try:
            graph.parse(str(shapes))
        except Exception as exc:  # rdflib raises many kinds of parser errors
            raise ShaclBackendError(f"cannot read the shapes {shapes}: {exc}") from exc
        return graph
    raise ShaclBackendError(f"shapes must be a path or an rdflib.Graph, not {type(shapes).__name__}")


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
                    focus=str(focus) if isinstance(focus, rdflib.URIRef) else None,
                    property=str(path) if isinstance(path, rdflib.URIRef) else None,
                    source=str(shape) if isinstance(shape, rdflib.URIRef) else "",
                    profile="shacl",
                    constraint=component,
                    value=None if value is None else str(value),
                )
            )
    return findings
