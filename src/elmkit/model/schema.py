"""The model's metadata as data: classes, properties, IRIs, ranges and cardinalities.

The JSON-LD context, the RDF mapping and the validation rules are derived from this; SIS
developers can use it to build forms and mappings.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from elmkit.model.base import ElmNode
from elmkit.model.namespaces import NAMESPACES

__all__ = ["NAMESPACES", "ClassInfo", "ModelSchema", "PropertyInfo", "field_kinds", "schema"]

@dataclass(frozen=True, slots=True)
class PropertyInfo:
    """One property of a class, as the application profile states it."""

    name: str
    """Python field name (snake_case)."""
    term: str
    """JSON-LD term (the field's alias)."""
    iri: str
    """Predicate IRI."""
    min_count: int
    max_count: int | None
    """``None`` means unbounded."""
    kind: str
    """``lang`` (language-tagged text), ``literal``, ``node`` (class range) or ``iri``."""
    datatype: str | None
    """Datatype IRI for literals (``rdf:langString`` for ``lang``)."""
    range: tuple[str, ...]
    """Allowed classes (Python names) for ``node`` properties, as the profile lists them."""
    node_shapes: tuple[str, ...]
    """Extra node shapes the value must conform to (e.g. ``IssuerNodeShape``)."""
    node_kind: str | None
    unique_lang: bool
    max_inclusive: int | None
    severity: str
    deactivated: bool
    shape: str
    """IRI of the property shape (or ``<node shape>#<path>`` for anonymous ones)."""
    label: str
    description: str
    context: str
    """Which context defines the term: ``edc`` or ``vc1`` (W3C credentials v1)."""
    jsonld: dict[str, str]
    """The term's coercion in the JSON-LD context (``@type`` / ``@container``)."""

    @property
    def many(self) -> bool:
        """True when the field holds a list."""
        return self.max_count is None or self.max_count > 1


@dataclass(frozen=True, slots=True)
class ClassInfo:
    """One ELM class of the model."""

    name: str
    iri: str
    term: str
    superclasses: tuple[str, ...]
    subclasses: tuple[str, ...]
    shape: str
    description: str
    properties: tuple[PropertyInfo, ...]
    model: type[ElmNode]

    def property(self, key: str) -> PropertyInfo:
        """A property by Python name, JSON-LD term or IRI."""
        for prop in self.properties:
            if key in (prop.name, prop.term, prop.iri):
                return prop
        raise KeyError(f"{self.name} has no property {key!r}")


@dataclass(frozen=True, slots=True)
class ModelSchema:
    """The whole model: classes by Python name, plus namespaces and extra context terms."""

    classes: dict[str, ClassInfo]
    namespaces: dict[str, str]
    extra_terms: dict[str, dict[str, str]]

    def __iter__(self) -> Iterator[ClassInfo]:
        return iter(self.classes.values())

    def __getitem__(self, key: str) -> ClassInfo:
        """A class by Python name, JSON-LD term or IRI."""
        if key in self.classes:
            return self.classes[key]
        for info in self.classes.values():
            if key in (info.term, info.iri):
                return info
        raise KeyError(f"no ELM class {key!r}")

    def by_iri(self) -> dict[str, ClassInfo]:
        return {c.iri: c for c in self.classes.values()}

    def properties(self) -> Iterator[tuple[ClassInfo, PropertyInfo]]:
        """Every (class, property) pair."""
        for info in self.classes.values():
            for prop in info.properties:
                yield info, prop

    def terms(self) -> dict[str, tuple[str, dict[str, str], str]]:
        """Every property term: ``term -> (IRI, coercion, defining context)``."""
        out: dict[str, tuple[str, dict[str, str], str]] = {}
        for _, prop in self.properties():
            out.setdefault(prop.term, (prop.iri, prop.jsonld, prop.context))
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable data."""
        return {
            "namespaces": dict(self.namespaces),
            "extraTerms": dict(self.extra_terms),
            "classes": [
                {
                    "name": c.name,
                    "iri": c.iri,
                    "term": c.term,
                    "superclasses": list(c.superclasses),
                    "subclasses": list(c.subclasses),
                    "shape": c.shape,
                    "properties": [
                        {
                            "name": p.name,
                            "term": p.term,
                            "iri": p.iri,
                            "minCount": p.min_count,
                            "maxCount": p.max_count,
                            "kind": p.kind,
                            "datatype": p.datatype,
                            "range": list(p.range),
                            "nodeShapes": list(p.node_shapes),
                            "nodeKind": p.node_kind,
                            "uniqueLang": p.unique_lang,
                            "maxInclusive": p.max_inclusive,
                            "deactivated": p.deactivated,
                            "shape": p.shape,
                            "label": p.label,
                            "context": p.context,
                            "jsonld": p.jsonld,
                        }
                        for p in c.properties
                    ],
                }
                for c in self.classes.values()
            ],
        }


def _property_info(name: str, field: Any) -> PropertyInfo:
    meta = field.json_schema_extra["elm"]
    return PropertyInfo(
        name=name,
        term=meta["term"],
        iri=meta["iri"],
        min_count=meta["min"],
        max_count=meta["max"],
        kind=meta["kind"],
        datatype=meta["datatype"] or ("http://www.w3.org/1999/02/22-rdf-syntax-ns#langString" if meta["kind"] == "lang" else None),
        range=tuple(meta["classes"]),
        node_shapes=tuple(meta["node_shapes"]),
        node_kind=meta["node_kind"],
        unique_lang=meta["unique_lang"],
        max_inclusive=meta["max_inclusive"],
        severity=meta["severity"],
        deactivated=meta["deactivated"],
        shape=meta["shape"],
        label=meta["label"],
        description=field.description or "",
        context=meta["context"],
        jsonld=dict(meta["jsonld"]),
    )


@functools.cache
def field_kinds(model: type[ElmNode]) -> tuple[tuple[str, str | None], ...]:
    """``(field name, kind)`` of every field of ``model``, inherited ones included, in field
    order: the :attr:`PropertyInfo.kind` of a profile property, ``None`` for a field the profile
    does not state (``id``, ``type``)."""
    kinds: list[tuple[str, str | None]] = []
    for name, field in model.model_fields.items():
        extra = field.json_schema_extra
        meta = extra.get("elm") if isinstance(extra, dict) else None
        kinds.append((name, str(meta["kind"]) if isinstance(meta, dict) else None))
    return tuple(kinds)


def _own_properties(model: type[ElmNode]) -> tuple[PropertyInfo, ...]:
    """Properties of the class's own shape (inherited fields not in its shape are left out)."""
    props: list[PropertyInfo] = []
    for name, field in model.model_fields.items():
        extra = field.json_schema_extra
        meta = extra.get("elm") if isinstance(extra, dict) else None
        if isinstance(meta, dict) and meta.get("owner") == model.__name__:
            props.append(_property_info(name, field))
    return tuple(props)


@functools.cache
def schema() -> ModelSchema:
    """The whole ELM model as data (cached)."""
    from elmkit.model import classes as generated

    infos: dict[str, ClassInfo] = {}
    by_iri = {c.class_iri: c for c in generated.ALL_CLASSES}
    for model in generated.ALL_CLASSES:
        supers = tuple(base.__name__ for base in model.__bases__ if base in generated.ALL_CLASSES)
        subs = tuple(c.__name__ for c in generated.ALL_CLASSES if model in c.__bases__)
        infos[model.__name__] = ClassInfo(
            name=model.__name__,
            iri=model.class_iri,
            term=model.class_term,
            superclasses=supers,
            subclasses=subs,
            shape=model.shape_iri,
            description=(model.__doc__ or "").strip(),
            properties=_own_properties(model),
            model=model,
        )
    assert len(by_iri) == len(infos)
    return ModelSchema(
        classes=infos,
        namespaces=dict(NAMESPACES),
        extra_terms={k: dict(v) for k, v in generated.EXTRA_TERMS.items()},
    )
