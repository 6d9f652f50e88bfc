"""From expanded JSON-LD node objects (or an RDF graph laid out the same way) to model data.

Expanded form names every property and class by IRI, so it is the meeting point of everything that
is not the standard compact JSON-LD: other contexts, prefixed names, VC v2 documents, and RDF
graphs. :class:`ExpandedReader` turns one node object into the compact dict that
``Class.from_data`` reads, using the model's tables:

* a property of the node's class becomes its term; values that do not fit the field (another
  datatype, a literal where a node is expected…) are kept, unchanged and in expanded form,
  under the property IRI, so nothing is lost;
* other properties are kept as unknown properties: under their EDC term when their values fit the
  term's definition, otherwise under the IRI in expanded form;
* ``{"@id": …}`` references to nodes described elsewhere (top-level ``@graph`` nodes, RDF subjects)
  are embedded, as the Commission's tools write shared nodes: in full, each time.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from elmkit.errors import ModelError, StructureError
from elmkit.model.base import DEFAULT_MAX_DEPTH, ElmNode
from elmkit.model.text import NO_LANGUAGE
from elmkit.serializers.tables import (
    K_IRI,
    K_LANG,
    K_LIT,
    K_NODE,
    PY_BOOL,
    PY_DECIMAL,
    PY_FLOAT,
    PY_INT,
    XSD,
    FieldSpec,
    class_by_name,
    class_for_types,
    class_rank,
    table_for,
    term_for_class_iri,
)

__all__ = ["DEFAULT_MAX_NODES", "DEFAULT_MAX_TEXT", "ExpandedReader", "pick_root", "referenced_ids"]

#: Most nodes one document may expand to (shared nodes are repeated when embedded).
DEFAULT_MAX_NODES = 200_000
#: Most characters of literal text one document may expand to (each embedded copy of a shared
#: node counts): shared nodes holding shared nodes double at each level.
DEFAULT_MAX_TEXT = 100_000_000

_XSD_STRING = XSD + "string"
_INTEGER = re.compile(r"[+-]?[0-9]+")  # ASCII digits only, as xsd:integer
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}
_MISFIT = object()


@functools.cache
def _extra_terms() -> dict[str, tuple[str, dict[str, str]]]:
    """EDC context terms by property IRI: ``iri -> (term, definition with expanded @type)``."""
    from elmkit.serializers.context import edc_context, edc_prefixes

    prefixes = edc_prefixes()

    def expand(value: str) -> str:
        prefix, _, local = value.partition(":")
        return prefixes[prefix] + local if prefix in prefixes else value

    out: dict[str, tuple[str, dict[str, str]]] = {}
    for term, definition in edc_context()["@context"].items():
        if not isinstance(definition, dict):
            continue
        coercion = {k: v for k, v in definition.items() if k != "@id"}
        if "@type" in coercion and not coercion["@type"].startswith("@"):
            coercion["@type"] = expand(coercion["@type"])
        out.setdefault(expand(definition["@id"]), (term, coercion))
    return out


@functools.cache
def _root_classes() -> tuple[frozenset[str], frozenset[str]]:
    from elmkit.model import ALL_CLASSES, VerifiableCredential, VerifiablePresentation

    presentations = frozenset(
        c.class_iri for c in ALL_CLASSES if issubclass(c, VerifiablePresentation)
    )
    credentials = frozenset(c.class_iri for c in ALL_CLASSES if issubclass(c, VerifiableCredential))
    return presentations, credentials


def _text_language(value: Any) -> str | None:
    """The key a value object takes in a language map: its language, :data:`NO_LANGUAGE` for a
    plain string (``xsd:string``), ``None`` when it is no text."""
    if type(value) is not dict or type(value.get("@value")) is not str:
        return None
    if len(value) == 2:
        tag = value.get("@language")
        if isinstance(tag, str):
            return tag
        return NO_LANGUAGE if value.get("@type") == _XSD_STRING else None
    return NO_LANGUAGE if len(value) == 1 else None


def _is_ref(value: Any) -> bool:
    return type(value) is dict and len(value) == 1 and "@id" in value


def referenced_ids(nodes: list[Any]) -> set[str]:
    """Every ``@id`` used as a property value anywhere in the given node objects."""
    found: set[str] = set()
    stack: list[Any] = list(nodes)
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if key == "@id":
                    continue
                if isinstance(value, list):
                    for v in value:
                        if isinstance(v, dict) and "@id" in v:
                            found.add(v["@id"])
                stack.append(value)
    return found


def pick_root(index: Mapping[str, dict[str, Any]], referenced: set[str], root: str | None) -> dict[str, Any]:
    """The node a document or graph is about.

    ``root`` names it explicitly; otherwise the only presentation, else the only credential that
    no other node points to, else the only unreferenced node with an ELM type, else the only
    unreferenced node. Raises :class:`~elmkit.errors.ModelError` when that leaves a choice.
    """
    if root is not None:
        if root not in index:
            raise ModelError(f"the data has no top-level node {root!r}")
        return index[root]
    if not index:
        raise ModelError("the data holds no node")
    presentations, credentials = _root_classes()

    def typed(nodes: list[dict[str, Any]], iris: frozenset[str]) -> list[dict[str, Any]]:
        return [n for n in nodes if any(t in iris for t in n.get("@type", ()))]

    every = list(index.values())
    unreferenced = [n for k, n in index.items() if k not in referenced]
    for candidates in (
        typed(every, presentations),
        typed(unreferenced, credentials),
        [n for n in unreferenced if any(class_by_name(t) for t in n.get("@type", ()))],
        unreferenced,
    ):
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            ids = ", ".join(sorted(str(n.get("@id")) for n in candidates)[:5])
            more = ", …" if len(candidates) > 5 else ""
            raise ModelError(
                f"cannot tell which of {len(candidates)} nodes is the root ({ids}{more}); pass root="
            )
    raise ModelError("every node is referenced by another one; pass root= to choose the root")


class ExpandedReader:
    """Builds compact model data from expanded node objects.

    ``index`` holds the nodes that references may be resolved against. ``blank_refs`` (RDF input)
    counts how often each node is used as an object: blank nodes used once lose their label,
    the others are renumbered ``_:b0``, ``_:b1``… so that output is deterministic. A blank node
    used once inside a node used more than once keeps a label too: that node is embedded at each
    place it is used, and without the label each copy would hold a blank node of its own.
    With ``sort_types`` the types are ordered from general to specific (RDF has no order).
    """

    def __init__(
        self,
        index: Mapping[str, dict[str, Any]] | None = None,
        *,
        blank_refs: Mapping[str, int] | None = None,
        sort_types: bool = False,
        max_nodes: int = DEFAULT_MAX_NODES,
    ) -> None:
        self.index: Mapping[str, dict[str, Any]] = index or {}
        self.blank_refs = blank_refs
        self.sort_types = sort_types
        self.max_nodes = max_nodes
        self.count = 0
        self.text = 0
        """Characters of literal text read so far (each embedded copy counts)."""
        self.depth = 0
        self.active: set[str] = set()
        self.labels: dict[str, str] = {}
        self.shared = 0
        """How many of the nodes being read are used more than once (so embedded more than once)."""
        self.reached: set[str] = set()
        """The ids of the nodes read (the root and everything it reaches)."""

    def left_out(self) -> tuple[str, ...]:
        """The nodes of :attr:`index` the read node does not reach: their ids, in order
        (``_:…`` for blank nodes)."""
        return tuple(sorted(key for key in self.index if key not in self.reached))

    # -- nodes -------------------------------------------------------------------------------

    def _label(self, blank: str) -> str | None:
        if self.blank_refs is None:
            return blank
        if self.blank_refs.get(blank, 0) <= 1 and not self.shared:
            return None
        label = self.labels.get(blank)
        if label is None:
            label = self.labels[blank] = f"_:b{len(self.labels)}"
        return label

    def _enter(self) -> None:
        """One more node read: within the node budget, and one level deeper (the caller steps
        back out with ``self.depth -= 1``)."""
        self.count += 1
        if self.count > self.max_nodes:
            raise StructureError(f"the data expands to more than {self.max_nodes} nodes")
        if self.text > DEFAULT_MAX_TEXT:
            raise StructureError(
                f"the data expands to more than {DEFAULT_MAX_TEXT} characters of text (nodes "
                "held at several places are embedded in full at each place)"
            )
        if self.depth >= DEFAULT_MAX_DEPTH:
            raise StructureError(
                f"nodes are nested (or refer to one another) deeper than {DEFAULT_MAX_DEPTH} levels"
            )
        self.depth += 1

    def _count_text(self, values: list[Any]) -> None:
        for value in values:
            if type(value) is dict:
                lexical = value.get("@value")
                if type(lexical) is str:
                    self.text += len(lexical)

    def type_names(self, node: Mapping[str, Any]) -> list[str]:
        types = node.get("@type") or []
        names = [term_for_class_iri(t) or t for t in types if isinstance(t, str)]
        if self.sort_types:
            names = sorted(set(names), key=lambda t: (class_rank(t) == 0, class_rank(t), t))
        return names

    def node(self, node: Mapping[str, Any], hint: type[ElmNode] | None = None) -> dict[str, Any]:
        """Compact model data for one node object (and everything it embeds)."""
        self._enter()
        try:
            return self._node(node, hint)
        finally:
            self.depth -= 1

    def _node(self, node: Mapping[str, Any], hint: type[ElmNode] | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        nid = node.get("@id")
        if isinstance(nid, str):
            self.reached.add(nid)
            label = self._label(nid) if nid.startswith("_:") else nid
            if label is not None:
                out["id"] = label
        names = self.type_names(node)
        if names:
            out["type"] = names[0] if len(names) == 1 else names
        cls = class_for_types(names) or hint
        by_iri = table_for(cls).by_iri if cls is not None else {}
        shared = self._used_again(nid)
        self.shared += shared
        if isinstance(nid, str):
            self.active.add(nid)
        try:
            for key, values in node.items():
                if key == "@id" or key == "@type":
                    continue
                if key.startswith("@"):
                    out[key] = values
                    continue
                values = values if isinstance(values, list) else [values]
                self._count_text(values)
                spec = by_iri.get(key)
                if spec is None:
                    self._unknown(out, key, values)
                    continue
                fit, misfits = self._field(spec, values)
                if fit is not None:
                    out[spec.term] = fit
                if misfits:
                    out[key] = self._generic_values(misfits)
        finally:
            self.shared -= shared
            if isinstance(nid, str):
                self.active.discard(nid)
        return out

    def _used_again(self, nid: Any) -> int:
        """1 when the node ``nid`` names is used more than once (RDF input), else 0."""
        if self.blank_refs is None or not isinstance(nid, str):
            return 0
        return 1 if self.blank_refs.get(nid, 0) > 1 else 0

    def _resolve(self, ref: str, hint: type[ElmNode] | None) -> Any:
        target = self.index.get(ref)
        if target is None or ref in self.active:
            if ref.startswith("_:") and self.blank_refs is not None:
                label = self.labels.get(ref)
                if label is None:
                    label = self.labels[ref] = f"_:b{len(self.labels)}"
                return label
            return ref
        return self.node(target, hint)

    # -- fields ------------------------------------------------------------------------------

    def _field(self, spec: FieldSpec, values: list[Any]) -> tuple[Any, list[Any]]:
        misfits: list[Any] = []
        kind = spec.kind
        if kind == K_LANG:
            texts: dict[str, list[str]] = {}
            for v in values:
                tag = _text_language(v)
                if tag is None:
                    misfits.append(v)
                else:
                    texts.setdefault(tag, []).append(v["@value"])
            fit: Any = {k: vs[0] if len(vs) == 1 else vs for k, vs in texts.items()} or None
            return fit, misfits
        items: list[Any] = []
        if kind == K_LIT:
            for v in values:
                converted = _literal(spec, v)
                if converted is _MISFIT:
                    misfits.append(v)
                else:
                    items.append(converted)
        elif kind == K_NODE:
            hint = class_by_name(spec.range[0]) if spec.range else None
            for v in values:
                if type(v) is not dict or "@value" in v or "@list" in v or "@set" in v:
                    misfits.append(v)
                elif "@graph" in v and set(v) <= {"@graph", "@id", "@index"}:
                    if spec.plain_proof:
                        misfits.append(v)
                        continue
                    graph = v["@graph"] if isinstance(v["@graph"], list) else [v["@graph"]]
                    for inner in graph:
                        items.append(self._node_value(inner, hint))
                elif spec.plain_proof and self._foreign(v):
                    misfits.append(v)  # a proof of another vocabulary: kept as it is
                else:
                    items.append(self._node_value(v, hint))
        elif kind == K_IRI:
            for v in values:
                if _is_ref(v) and isinstance(v["@id"], str):
                    items.append(v["@id"])
                else:
                    misfits.append(v)
        if not items:
            return None, misfits
        if len(items) > 1 and not spec.many:
            items = _distinct(items)
        return (items[0] if len(items) == 1 else items), misfits

    def _foreign(self, value: dict[str, Any]) -> bool:
        """Whether a node (or the node a reference names) has types, none of them ELM's."""
        target = self.index.get(value["@id"]) if _is_ref(value) and isinstance(value["@id"], str) else value
        if target is None:
            return False
        names = self.type_names(target)
        return bool(names) and class_for_types(names) is None

    def _node_value(self, value: Any, hint: type[ElmNode] | None) -> Any:
        if _is_ref(value) and isinstance(value["@id"], str):
            return self._resolve(value["@id"], hint)
        if not isinstance(value, dict):
            raise ModelError(f"expected a node object, found {type(value).__name__}")
        return self.node(value, hint)

    # -- unknown properties ------------------------------------------------------------------

    def _unknown(self, out: dict[str, Any], iri: str, values: list[Any]) -> None:
        known = _extra_terms().get(iri)
        if known is not None and known[0] not in out:
            compact = self._compact(known[1], values)
            if compact is not _MISFIT:
                out[known[0]] = compact
                return
        out[iri] = self._generic_values(values)

    def _compact(self, coercion: dict[str, str], values: list[Any]) -> Any:
        items: list[Any] = []
        container = coercion.get("@container")
        datatype = coercion.get("@type")
        if container == "@language":
            texts: dict[str, list[str]] = {}
            for v in values:
                tag = _text_language(v)
                if tag is None:
                    return _MISFIT
                texts.setdefault(tag, []).append(v["@value"])
            return {k: vs[0] if len(vs) == 1 else vs for k, vs in texts.items()}
        if container is not None:
            return _MISFIT
        for v in values:
            if type(v) is not dict:
                return _MISFIT
            if datatype == "@id":
                if not _is_ref(v) or v["@id"] in self.index:
                    return _MISFIT
                items.append(v["@id"])
            elif datatype is not None:
                if set(v) != {"@value", "@type"} or v["@type"] != datatype or type(v["@value"]) is not str:
                    return _MISFIT
                items.append(v["@value"])
            else:
                if set(v) != {"@value"} or type(v["@value"]) is not str:
                    return _MISFIT
                items.append(v["@value"])
        return items[0] if len(items) == 1 else items

    def _generic_values(self, values: list[Any]) -> Any:
        out = [self._generic(v) for v in values]
        return out[0] if len(out) == 1 else out

    def _generic(self, value: Any) -> Any:
        """An expanded value kept as it is, with references to known nodes embedded."""
        if type(value) is not dict or "@value" in value:
            return value
        if _is_ref(value):
            ref = value["@id"]
            target = self.index.get(ref)
            if target is None or ref in self.active:
                if ref.startswith("_:") and self.blank_refs is not None:
                    return {"@id": self._resolve(ref, None)}
                return value
            return self._generic_node(target)
        return self._generic_node(value)

    def _generic_node(self, node: Mapping[str, Any]) -> dict[str, Any]:
        self._enter()
        try:
            return self._generic_members(node)
        finally:
            self.depth -= 1

    def _generic_members(self, node: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        nid = node.get("@id")
        if isinstance(nid, str):
            self.reached.add(nid)
            label = self._label(nid) if nid.startswith("_:") else nid
            if label is not None:
                out["@id"] = label
            self.active.add(nid)
        shared = self._used_again(nid)
        self.shared += shared
        try:
            for key, values in node.items():
                if key == "@id":
                    continue
                if key.startswith("@") and key != "@graph" and key != "@list":
                    out[key] = values
                    continue
                items = values if isinstance(values, list) else [values]
                self._count_text(items)
                out[key] = [self._generic(v) for v in items]
        finally:
            self.shared -= shared
            if isinstance(nid, str):
                self.active.discard(nid)
        return out


def _literal(spec: FieldSpec, value: Any) -> Any:
    if type(value) is not dict or "@value" not in value or "@language" in value:
        return _MISFIT
    raw = value["@value"]
    declared = value.get("@type")
    if len(value) > (2 if declared is not None else 1):
        return _MISFIT
    if spec.datatype is None:
        if (declared is None or declared == _XSD_STRING) and type(raw) is str:
            return raw
        if declared == _XSD_STRING and type(raw) in (int, float):
            return str(raw)  # a number the context types as text: its text, as the model reads it
        return _MISFIT
    if declared != spec.datatype:
        return _MISFIT
    py = spec.py
    if type(raw) is str:
        if py == PY_INT:
            return int(raw) if _INTEGER.fullmatch(raw) else _MISFIT
        if py == PY_BOOL:
            return _BOOLEANS.get(raw, _MISFIT)
        if py == PY_FLOAT:
            try:
                return float(raw)
            except ValueError:
                return _MISFIT
        return raw
    if type(raw) is bool:
        return raw if py == PY_BOOL else _MISFIT
    if type(raw) is int:
        return raw if py in (PY_INT, PY_FLOAT, PY_DECIMAL) else _MISFIT
    if type(raw) is float:
        return raw if py in (PY_FLOAT, PY_DECIMAL) else _MISFIT
    return _MISFIT


def _distinct(items: list[Any]) -> list[Any]:
    """``items`` without the repeats of a value (a copy of a node, or a reference to a node
    given beside it): one RDF value, which a property that holds one value takes."""
    out: list[Any] = []
    for item in items:
        for index, kept in enumerate(out):
            if type(item) is type(kept) and item == kept:
                break
            if isinstance(item, str) and isinstance(kept, dict) and kept.get("id") == item:
                break
            if isinstance(kept, str) and isinstance(item, dict) and item.get("id") == kept:
                out[index] = item
                break
        else:
            out.append(item)
    return out
