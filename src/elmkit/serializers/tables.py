"""Per-class field tables derived once from the model's metadata.

Every serializer walks nodes through these tables instead of asking pydantic: for each field its
JSON-LD term, predicate IRI, kind, cardinality and literal datatype.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from elmkit.model.base import SEC_PROOF, ElmNode

__all__ = [
    "RDF_HTML",
    "RDF_TYPE",
    "SEC_PROOF",
    "XSD",
    "ClassTable",
    "FieldSpec",
    "class_by_name",
    "class_for_types",
    "class_iri_for",
    "class_rank",
    "known_type_names",
    "table_for",
    "term_for_class_iri",
]

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_HTML = "http://www.w3.org/1999/02/22-rdf-syntax-ns#HTML"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# How a literal's Python value is written and read back.
PY_STR, PY_INT, PY_BOOL, PY_FLOAT, PY_LEXICAL, PY_DECIMAL = range(6)
# Field kinds.
K_NODE, K_LANG, K_LIT, K_IRI = range(4)

_PY_BY_DATATYPE = {
    XSD + "integer": PY_INT,
    XSD + "int": PY_INT,
    XSD + "long": PY_INT,
    XSD + "positiveInteger": PY_INT,
    XSD + "nonNegativeInteger": PY_INT,
    XSD + "boolean": PY_BOOL,
    XSD + "double": PY_FLOAT,
    XSD + "float": PY_FLOAT,
    XSD + "decimal": PY_DECIMAL,
    XSD + "dateTime": PY_LEXICAL,
    XSD + "date": PY_LEXICAL,
}
_KINDS = {"node": K_NODE, "lang": K_LANG, "literal": K_LIT, "iri": K_IRI}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How one field of a class is serialized."""

    name: str
    term: str
    iri: str
    kind: int
    many: bool
    datatype: str | None
    """Datatype IRI of literal values (``None``: plain string)."""
    py: int
    graph: bool
    """The W3C context puts the values in a named graph (``@container: @graph``)."""
    range: tuple[str, ...]

    @property
    def plain_proof(self) -> bool:
        """The model's proofs: plain ``sec:proof`` statements, although the W3C term is a graph."""
        return self.graph and self.iri == SEC_PROOF


@dataclass(frozen=True, slots=True)
class ClassTable:
    """The fields of one model class, in declaration order and sorted by term."""

    cls: type[ElmNode]
    fields: tuple[FieldSpec, ...]
    sorted_fields: tuple[FieldSpec, ...]
    by_iri: dict[str, FieldSpec]
    by_term: dict[str, FieldSpec]
    default_type: str | list[str]
    rows: tuple[tuple[str, int, int, bool], ...]
    """``(term, kind, py, is_proof)`` per field, in declaration order (for the JSON writer)."""
    sorted_rows: tuple[tuple[str, int, int, bool], ...]
    getter: Callable[[dict[str, Any]], tuple[Any, ...]]
    """Fetches the field values from a node's ``__dict__``, in declaration order."""
    sorted_getter: Callable[[dict[str, Any]], tuple[Any, ...]]


def _expand_curie(value: str) -> str:
    from elmkit.model.schema import NAMESPACES

    prefix, _, local = value.partition(":")
    if prefix in NAMESPACES and not local.startswith("//"):
        return NAMESPACES[prefix] + local
    return value


def _spec(name: str, meta: dict[str, Any]) -> FieldSpec:
    kind = _KINDS[meta["kind"]]
    coercion: dict[str, str] = meta["jsonld"]
    datatype: str | None = None
    if kind == K_LIT:
        declared = coercion.get("@type")
        datatype = _expand_curie(declared) if declared else meta["datatype"]
        if datatype == XSD + "string":
            datatype = None
    max_count = meta["max"]
    return FieldSpec(
        name=name,
        term=meta["term"],
        iri=meta["iri"],
        kind=kind,
        many=max_count is None or max_count > 1,
        datatype=datatype,
        py=_PY_BY_DATATYPE.get(datatype or "", PY_STR),
        graph=coercion.get("@container") == "@graph",
        range=tuple(meta["classes"]),
    )


@functools.cache
def table_for(cls: type[ElmNode]) -> ClassTable:
    """The field table of a model class (computed once)."""
    specs: list[FieldSpec] = []
    for name, info in cls.model_fields.items():
        extra = info.json_schema_extra
        meta = extra.get("elm") if isinstance(extra, dict) else None
        if isinstance(meta, dict):
            specs.append(_spec(name, meta))
    default = cls.default_type
    ordered = sorted(specs, key=lambda s: s.term)

    def rows(items: list[FieldSpec]) -> tuple[tuple[str, int, int, bool], ...]:
        return tuple((s.term, s.kind, s.py, s.plain_proof) for s in items)

    def getter(items: list[FieldSpec]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
        if not items:
            return lambda _values: ()
        fetch = operator.itemgetter(*(s.name for s in items))
        if len(items) == 1:
            return lambda values: (fetch(values),)
        return fetch

    return ClassTable(
        cls=cls,
        fields=tuple(specs),
        sorted_fields=tuple(ordered),
        by_iri={s.iri: s for s in specs},
        by_term={s.term: s for s in specs},
        default_type=default if isinstance(default, str) else list(default),
        rows=rows(specs),
        sorted_rows=rows(ordered),
        getter=getter(specs),
        sorted_getter=getter(ordered),
    )


@functools.cache
def _classes() -> tuple[dict[str, type[ElmNode]], dict[str, str], dict[str, int]]:
    from elmkit.model import ALL_CLASSES

    by_name: dict[str, type[ElmNode]] = {}
    term_by_iri: dict[str, str] = {}
    depth: dict[str, int] = {}
    for cls in ALL_CLASSES:
        by_name[cls.class_term] = cls
        by_name[cls.class_iri] = cls
        term_by_iri[cls.class_iri] = cls.class_term
        depth[cls.class_term] = sum(
            1 for base in cls.__mro__ if issubclass(base, ElmNode) and base.class_term
        )
    return by_name, term_by_iri, depth


def class_by_name(name: str) -> type[ElmNode] | None:
    """The model class named by a class term or class IRI."""
    return _classes()[0].get(name)


def class_for_types(names: list[str] | tuple[str, ...]) -> type[ElmNode] | None:
    """The most specific model class among type names (the last known one, as JSON-LD lists it)."""
    by_name = _classes()[0]
    for name in reversed(names):
        found = by_name.get(name)
        if found is not None:
            return found
    return None


def term_for_class_iri(iri: str) -> str | None:
    """The class term for a class IRI."""
    return _classes()[1].get(iri)


def class_iri_for(name: str) -> str | None:
    """The class IRI for a class term (or a class IRI)."""
    cls = _classes()[0].get(name)
    return cls.class_iri if cls is not None else None


def class_rank(term: str) -> int:
    """Depth of a class in the hierarchy (1 for a root class, 0 when unknown)."""
    return _classes()[2].get(term, 0)


@functools.cache
def known_type_names() -> frozenset[str]:
    """Every class term and class IRI of the model."""
    return frozenset(_classes()[0])
