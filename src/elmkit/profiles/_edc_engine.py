"""SHACL constraints evaluated directly on the typed model.

The model is read as the RDF graph its JSON-LD means under the official EDC and W3C contexts
(nodes with the same ``id`` are one node; repeated values count once; terms the contexts do not
define are not seen), and the application-profile constraints are evaluated on that graph with
the semantics of a SHACL processor without inference: a node is an instance of a class only when
its ``type`` names that class.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from elmkit.errors import ElmValidationError, ErrorDetail, LanguageTagError
from elmkit.model.base import SEC_PROOF, ElmNode, same_node
from elmkit.model.text import NO_LANGUAGE, LangText, has_bad_characters, is_blank
from elmkit.profiles import _edc_data as data

if TYPE_CHECKING:
    from elmkit.model.vocab import TagProblem

__all__ = [
    "LAYERS",
    "NodeShape",
    "Resource",
    "Rule",
    "RuleSet",
    "SharedGraph",
    "Violation",
    "build_graph",
    "evaluate",
    "has_content",
    "json_pointer",
    "rule_set",
]

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
LANG_STRING = RDF + "langString"
XSD_STRING = XSD + "string"
NO_CV = "http://data.europa.eu/snb/model/ap/edc-generic-no-cv/"

#: Shape layers in import order.
LAYERS = (
    "generic-no-cv",
    "generic-full",
    "accredited",
    "converted",
    "diploma-supplement",
    "issued-by-mandate",
)

_PREFIXES: dict[str, str] = data.CONTEXT["prefixes"]
_CLASSES: dict[str, str] = data.CONTEXT["classes"]
_TERMS: dict[str, tuple[str, str]] = data.CONTEXT["terms"]
_SCOPED: dict[str, dict[str, tuple[str, str]]] = data.CONTEXT["scoped"]
_SCOPED_PREFIXES: dict[str, dict[str, str]] = data.CONTEXT["scoped_prefixes"]
_ABSOLUTE = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")
_SPACE = re.compile(r"\s")


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True, slots=True)
class Rule:
    """One SHACL property shape, compiled."""

    layer: str
    target: str
    """Class IRI the rule applies to (``""`` inside a node shape)."""
    shape: str
    """The node shape that holds the property shape."""
    source: str
    """The property shape (``<node shape>#<prefix>:<name>`` when it is anonymous)."""
    path: str
    term: str
    label: str
    min: int = 0
    max: int | None = None
    datatype: str | None = None
    cls: str | None = None
    or_classes: tuple[str, ...] = ()
    node: tuple[str, ...] = ()
    node_kind: str | None = None
    unique_lang: bool = False
    max_inclusive: int | None = None
    has_value: str | None = None
    severity: str = "Violation"

    def canonical(self) -> tuple[Any, ...]:
        """The rule as the shapes file states it (for comparisons)."""
        return (
            self.target,
            self.shape,
            self.source,
            self.path,
            self.min,
            self.max,
            self.datatype,
            self.cls,
            self.or_classes,
            self.node,
            self.node_kind,
            self.unique_lang,
            self.max_inclusive,
            self.has_value,
            self.severity,
        )


@dataclass(frozen=True, slots=True)
class NodeShape:
    """A node shape reached through ``sh:node``."""

    iri: str
    label: str
    classes: tuple[str, ...]
    alternatives: tuple[tuple[str, str], ...]
    rules: tuple[Rule, ...]


@dataclass(slots=True)
class RuleSet:
    """The compiled rules of one combination of shape layers."""

    layers: tuple[str, ...]
    rules: tuple[Rule, ...]
    by_class: dict[str, tuple[Rule, ...]]
    node_shapes: dict[str, NodeShape]
    checks: dict[str, _ClassChecks] = field(init=False, repr=False, compare=False)
    """Class IRI -> its rules, compiled."""
    shape_checks: dict[str, tuple[tuple[str, _Check], ...]] = field(
        init=False, repr=False, compare=False
    )
    """Node shape IRI -> ``(property, compiled rule)`` for each of its rules."""

    def __post_init__(self) -> None:
        self.checks = {cls: _class_checks(rules) for cls, rules in self.by_class.items()}
        self.shape_checks = {
            iri: tuple((rule.path, _compile(rule)) for rule in shape.rules)
            for iri, shape in self.node_shapes.items()
        }


def _term_by_iri() -> dict[str, str]:
    from elmkit.model import schema

    out: dict[str, str] = {}
    for _, prop in schema().properties():
        out.setdefault(prop.iri, prop.term)
    for term, (iri, _) in _TERMS.items():
        out.setdefault(iri, term)
    for scoped in _SCOPED.values():
        for term, (iri, _) in scoped.items():
            out.setdefault(iri, term)
    return out


def _generated_rule(row: tuple[Any, ...], layer: str, terms: dict[str, str], nested: bool) -> Rule:
    keys = data.RULE_KEYS[2:] if nested else data.RULE_KEYS
    item = dict(zip(keys, row, strict=True))
    path = item["path"]
    return Rule(
        layer=layer,
        target="" if nested else item["target"],
        shape=item["source"].split("#", 1)[0] if nested else item["shape"],
        source=item["source"],
        path=path,
        term=terms.get(path, path.rsplit("/", 1)[-1].rsplit("#", 1)[-1]),
        label=item["name"] or terms.get(path, path),
        min=item["min"],
        max=item["max"],
        datatype=item["datatype"],
        cls=item["class"],
        or_classes=item["or"],
        node=item["node"],
        node_kind=item["node_kind"],
        unique_lang=item["unique_lang"],
        max_inclusive=item["max_inclusive"],
        has_value=item["has_value"],
        severity=item["severity"],
    )


@functools.cache
def _node_shapes() -> dict[str, NodeShape]:
    terms = _term_by_iri()
    out: dict[str, NodeShape] = {}
    for iri, shape in data.NODE_SHAPES.items():
        layer = "generic-no-cv" if iri.startswith(NO_CV) else ""
        out[iri] = NodeShape(
            iri=iri,
            label=shape["label"],
            classes=tuple(shape["class"]),
            alternatives=tuple(shape["or"]),
            rules=tuple(_generated_rule(row, layer, terms, True) for row in shape["properties"]),
        )
    return out


@functools.cache
def _schema_rules() -> tuple[Rule, ...]:
    """The ``generic-no-cv`` rules, from the model schema."""
    from elmkit.model import schema

    shapes = _node_shapes()
    misspelt = frozenset(data.MISSPELT_NODE_KINDS)
    by_name = {c.name: c.iri for c in schema()}
    rules: list[Rule] = []
    for info, prop in schema().properties():
        if prop.deactivated:
            continue
        refs = [NO_CV + name for name in prop.node_shapes]
        nested = {ref for iri in refs for kind, ref in shapes[iri].alternatives if kind == "node"}
        direct = tuple(sorted(r for r in refs if r not in nested))
        from_shapes = {
            ref for iri in direct for kind, ref in shapes[iri].alternatives if kind == "class"
        }
        classes = tuple(by_name[c] for c in prop.range)
        if from_shapes and set(classes) == from_shapes:
            classes = ()
        rules.append(
            Rule(
                layer="generic-no-cv",
                target=info.iri,
                shape=info.shape,
                source=prop.shape,
                path=prop.iri,
                term=prop.term,
                label=prop.label,
                min=prop.min_count,
                max=prop.max_count,
                datatype=prop.datatype if prop.kind in ("lang", "literal") else None,
                cls=classes[0] if len(classes) == 1 else None,
                or_classes=classes if len(classes) > 1 else (),
                node=direct,
                node_kind=None if prop.shape in misspelt else prop.node_kind,
                unique_lang=prop.unique_lang,
                max_inclusive=prop.max_inclusive,
                severity=prop.severity,
            )
        )
    return tuple(rules)


@functools.cache
def rule_set(layers: tuple[str, ...]) -> RuleSet:
    """The compiled rules of ``layers`` (cached)."""
    terms = _term_by_iri()
    rules: list[Rule] = []
    for layer in LAYERS:
        if layer not in layers:
            continue
        if layer == "generic-no-cv":
            rules.extend(_schema_rules())
        else:
            rules.extend(
                _generated_rule(row, layer, terms, False)
                for row in data.LAYER_RULES[layer]
                if not row[-1]
            )
    by_class: dict[str, list[Rule]] = {}
    for rule in rules:
        by_class.setdefault(rule.target, []).append(rule)
    return RuleSet(
        layers=layers,
        rules=tuple(rules),
        by_class={k: tuple(v) for k, v in by_class.items()},
        node_shapes=_node_shapes(),
    )


# --------------------------------------------------------------------------- the graph


#: A place in the credential's JSON: a JSON pointer, or ``(pointer, term, index)`` for
#: ``{pointer}/{term}`` (``index`` None) or ``{pointer}/{term}/{index}``. Reading builds the
#: tuples; the strings are joined only for findings (see :func:`json_pointer`).
Pointer = str | tuple["Pointer", str, int | str | None]
Location = tuple[Pointer, str, int | str | None]
#: A literal: (lexical form, datatype IRI, language tag or None).
Literal = tuple[str, str, str | None]


def json_pointer(at: Pointer) -> str:
    """The JSON pointer string of a :data:`Pointer`."""
    steps: list[str] = []
    while type(at) is tuple:
        at, term, index = at
        steps.append(f"/{term}" if index is None else f"/{term}/{index}")
    return str(at) + "".join(reversed(steps))


class Resource:
    """One RDF node of the credential: an IRI or a blank node, its classes and its values."""

    __slots__ = ("at", "default_types", "iri", "props", "types")

    def __init__(self, iri: str | None, pointer: Pointer) -> None:
        self.iri = iri
        self.at = pointer
        """Where the node is first described in the JSON (see :attr:`pointer`)."""
        self.types: list[str] = []
        self.default_types: tuple[str, ...] = ()
        self.props: dict[str, list[tuple[Any, Location]]] = {}

    @property
    def pointer(self) -> str:
        """The JSON pointer of the node (the first copy that describes it)."""
        return json_pointer(self.at)

    def __repr__(self) -> str:
        return f"Resource({self.iri or self.pointer!r})"


_NONE: tuple[()] = ()
_UNREAD = object()


@functools.lru_cache(maxsize=8192)
def _expand_vocab(name: str) -> str:
    found = _CLASSES.get(name)
    if found is not None:
        return found
    return _expand_id(name) or name


@functools.lru_cache(maxsize=8192)
def _expand_id(value: str) -> str | None:
    """The IRI a JSON-LD ``@id`` string stands for; ``None`` when RDF drops it."""
    if _SPACE.search(value):
        return None
    colon = value.find(":")
    if colon > 0:
        prefix, suffix = value[:colon], value[colon + 1 :]
        if prefix == "_" or suffix.startswith("//"):
            return value
        mapped = _PREFIXES.get(prefix)
        if mapped is not None:
            return mapped + suffix
        return value if _ABSOLUTE.match(value) else None
    return value


def _lexical(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    lexical = getattr(value, "lexical", None)
    if isinstance(lexical, str):
        return lexical
    return str(value)


def _untagged(
    texts: tuple[str, ...], pointer: Pointer, term: str, alone: bool
) -> list[tuple[Any, Location]]:
    """Texts without a language: plain ``xsd:string`` literals, located where the document has
    them (a plain string or array when they are the only texts, else the ``@none`` entry)."""
    if alone:
        if len(texts) == 1:
            return [(_plain(texts[0]), (pointer, term, None))]
        return [(_plain(text), (pointer, term, index)) for index, text in enumerate(texts)]
    if len(texts) == 1:
        return [(_plain(texts[0]), (pointer, term, NO_LANGUAGE))]
    return [
        (_plain(text), (pointer, term, f"{NO_LANGUAGE}/{index}")) for index, text in enumerate(texts)
    ]


def _plain(value: Any) -> Literal:
    if isinstance(value, bool):
        return ("true" if value else "false", XSD + "boolean", None)
    if isinstance(value, int):
        return (str(value), XSD + "integer", None)
    if isinstance(value, float | Decimal):
        return (str(value), XSD + "double", None)
    return (_lexical(value), XSD_STRING, None)


# how a field reads: nodes, a language map, typed literals, plain literals, IRIs, @graph
_NODE, _LANG, _LITERAL, _PLAIN, _IRI, _GRAPH = range(6)
_MODES = {
    "node": _NODE,
    "lang": _LANG,
    "literal": _LITERAL,
    "plain": _PLAIN,
    "iri": _IRI,
    "graph": _GRAPH,
}

#: A compiled field: (field name, term, predicate, mode, datatype or coercion).
_Field = tuple[str, str, str, int, str]


@functools.cache
def _default_names(model: type[ElmNode]) -> tuple[str, ...]:
    if not model.class_term:
        return ()
    defaults = model.default_type
    return (defaults,) if isinstance(defaults, str) else tuple(defaults)


def _scope(names: tuple[str, ...]) -> str:
    if "VerifiableCredential" in names:
        return "VerifiableCredential"
    if "VerifiablePresentation" in names:
        return "VerifiablePresentation"
    return ""


@functools.cache
def _field_plan(model: type[ElmNode], scope: str) -> tuple[tuple[str, str, str, str, str], ...]:
    """``(field name, term, predicate, mode, datatype)`` for every field of ``model``."""
    scoped = _SCOPED.get(scope, {})
    plan: list[tuple[str, str, str, str, str]] = []
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra
        meta = extra.get("elm") if isinstance(extra, dict) else None
        if not isinstance(meta, dict):
            continue
        term = str(meta["term"])
        kind = str(meta["kind"])
        fact = scoped.get(term) or _TERMS.get(term)
        if fact is None:
            continue  # the contexts do not define the term: JSON-LD drops the value
        predicate, coercion = fact
        if coercion == "@graph" and predicate != SEC_PROOF:
            mode = "graph"
        elif kind == "node":
            mode = "node"
        elif kind == "lang":
            mode = "lang" if coercion == "@language" else "skip"
        elif coercion == "@id":
            mode = "iri"
        elif coercion in ("", "@language"):
            mode = "plain"
        else:
            mode = "literal"
        if mode != "skip":
            plan.append((name, term, predicate, mode, coercion))
    return tuple(plan)


class _Reader:
    """How the fields of one model class, in one context scope, read as RDF.

    ``size`` is the number of fields (a node's ``__dict__`` holds them all); ``blank`` maps
    every field to ``None``, to complete a ``__dict__`` that lacks some.
    """

    __slots__ = ("blank", "fields", "size")

    def __init__(self, model: type[ElmNode], scope: str) -> None:
        self.fields: tuple[_Field, ...] = tuple(
            (name, term, predicate, _MODES[mode], datatype)
            for name, term, predicate, mode, datatype in _field_plan(model, scope)
        )
        self.size = len(model.model_fields)
        self.blank: dict[str, Any] = dict.fromkeys(model.model_fields)


#: Readers by context scope, then model class.
_READERS: dict[str, dict[type[ElmNode], _Reader]] = {}
#: What a node's types say: its class IRIs, its context scope and the readers of that scope.
_TypeInfo = tuple[tuple[str, ...], str, dict[type[ElmNode], _Reader]]
#: A written ``type`` (a name or a tuple of names) -> what it says.
_TYPE_INFO: dict[Any, _TypeInfo] = {}
#: A model class -> what its default type says, for nodes with content and no ``type``.
_DEFAULT_INFO: dict[type[ElmNode], _TypeInfo] = {}


def _reader(model: type[ElmNode], scope: str, readers: dict[type[ElmNode], _Reader]) -> _Reader:
    found = readers[model] = _Reader(model, scope)
    return found


def _names_info(names: tuple[str, ...]) -> _TypeInfo:
    scope = _scope(names) if names else ""
    iris = tuple(dict.fromkeys(_expand_vocab(name) for name in names))
    return iris, scope, _READERS.setdefault(scope, {})


def _type_info(written: Any) -> _TypeInfo:
    names: tuple[str, ...] = (written,) if type(written) is str else tuple(written)
    info = _names_info(names)
    if len(_TYPE_INFO) < 4096:  # types are few; do not grow without bound on odd input
        _TYPE_INFO[written if type(written) is str else names] = info
    return info


def _default_info(model: type[ElmNode]) -> _TypeInfo:
    info = _DEFAULT_INFO[model] = _names_info(_default_names(model))
    return info


def has_content(node: ElmNode) -> bool:
    """Whether a node says anything besides its ``id`` and ``type``."""
    fields_set = node.__pydantic_fields_set__
    extra = node.__pydantic_extra__
    return len(fields_set) > ("id" in fields_set) + ("type" in fields_set) or bool(
        extra and (len(extra) > 1 or "@context" not in extra)
    )


@dataclass(slots=True)
class Graph:
    """The RDF reading of a credential."""

    resources: dict[Any, Resource] = field(default_factory=dict)
    root: Resource | None = None
    shared: SharedGraph | None = None
    """The shared reading the nodes not in :attr:`resources` come from (see
    :class:`SharedGraph`)."""
    dropped: list[str] = field(default_factory=list)
    """The JSON pointers of unknown members that are no term of the context and no IRI:
    JSON-LD drops them, so they mean nothing to any verifier."""

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources.values())


def _not_a_node(value: Any, at: Pointer) -> ElmValidationError:
    """The error for a value that is no node where nodes belong: an item added to a list in
    place, which the model does not check (it checks what is assigned)."""
    return ElmValidationError(
        [
            ErrorDetail(
                json_pointer(at),
                f"a {type(value).__name__} where a node belongs: an item added to a list in "
                "place is not checked; assign the list again (node.field = [...]) to have it read",
                "not_a_node",
            )
        ]
    )


class _Collision(Exception):
    """A node of the tree has the IRI of a shared node: the shared reading does not apply."""


class _Builder:
    """Reads a model tree into a :class:`Graph` (once: make one per tree).

    With ``shared``, the shared objects are not read again: their nodes are linked from the
    shared reading, and a new node with the IRI of a shared one raises :class:`_Collision`.
    With ``objects``, every model node read is recorded there with its RDF node.
    """

    def __init__(
        self,
        shared: SharedGraph | None = None,
        objects: dict[int, Resource | None] | None = None,
        strings: set[str] | None = None,
    ) -> None:
        self.graph = Graph(shared=shared)
        self.resources = self.graph.resources
        self.shared = shared
        self.objects = objects
        self.strings = strings
        """The IRIs referenced by strings (when given)."""
        self.described: dict[str, list[ElmNode]] = {}
        """With ``objects``: the model nodes read for each IRI."""
        self.default_types = True
        """Whether a node without ``type`` has its class's default type (as elmkit writes a node
        built in code or converted); a document read as JSON-LD or RDF has only the types it
        states (its origin's ``types_as_stated``)."""

    def _new(self, iri: str, pointer: Pointer) -> Resource:
        if self.shared is not None and iri in self.shared.resources:
            raise _Collision(iri)
        found = self.resources[iri] = Resource(iri, pointer)
        return found

    def resource(self, node_id: str | None, pointer: str, anonymous: object) -> Resource | None:
        if node_id is None:
            blank = Resource(None, pointer)
            self.resources[id(anonymous)] = blank
            return blank
        iri = _expand_id(node_id)
        if iri is None:
            return None
        found = self.resources.get(iri)
        if found is None:
            found = self._new(iri, pointer)
        return found

    def add(self, res: Resource, predicate: str, value: Any, loc: Location) -> None:
        entries = res.props.get(predicate)
        if entries is None:
            res.props[predicate] = [(value, loc)]
        else:
            entries.append((value, loc))

    # -- model nodes
    def build(self, root: ElmNode) -> Graph:
        """Read ``root`` and every node it reaches (depth first, last field first).

        A node with an ``id`` is often written in full several times (an issuer, a concept).
        A copy equal (``==``) to a *plain* copy read in full before is skipped: it would only
        repeat values already read, later. A copy is plain when its subtree holds only typed
        IRI nodes whose values are nodes, text and language maps (``str`` and ``LangText``,
        what the model validates them to, so that equal values read the same), no unknown
        properties, no node met twice, and no node left without values unless its class has
        no fields (reading a copy of it with content would move its pointer). Other copies
        are read in full; the values read twice are made unique at the end.
        """
        self.default_types = not getattr(root.origin, "types_as_stated", False)
        self.graph.root = self.read((root,))
        return self.graph

    def read(self, roots: Sequence[ElmNode]) -> Resource | None:
        """Read ``roots`` and every node they reach (see :meth:`build`); returns the first
        root's RDF node."""
        resources = self.resources
        blanks: dict[int, Resource] = {}  # blank nodes by id() of their model node
        # (node, its __dict__, its unknown properties, where it is, its RDF node); the end
        # of the subtree of an IRI node is (node, the count of unplain events, None, None, res)
        stack: list[tuple[ElmNode, Any, Any, Pointer | None, Resource | None]] = []
        first_root: Resource | None = None
        for index, root in enumerate(reversed(roots)):
            root_res = self.resource(root.id, "", root)
            if root_res is not None and root_res.iri is None:
                blanks[id(root)] = root_res
            stack.append((root, root.__dict__, root.__pydantic_extra__, "", root_res))
            if index == len(roots) - 1:
                first_root = root_res
        objects = self.objects
        shared = self.shared
        shared_objects = shared.objects if shared is not None else None
        described = self.described
        new = self._new
        visited: set[int] = set()
        defaulted: list[Resource] = []
        # nodes read more than once (copies): their values are made unique at the end
        merged: dict[Resource, None] = {}
        # an IRI node -> its first plain copy read in full
        settled: dict[Resource | None, ElmNode] = {}
        unplain = 0  # what makes the subtrees being read not plain, counted
        pop = stack.pop
        push = stack.append
        mark = visited.add
        type_info = _TYPE_INFO
        expand_id = _expand_id
        while stack:
            node, values, extra, pointer, res = pop()
            if pointer is None:  # the end of a subtree
                if values == unplain and res not in settled:
                    settled[res] = node
                continue
            key = id(node)
            if key in visited:
                unplain += 1
                continue
            mark(key)
            if objects is not None:
                objects[key] = res
                if res is not None and res.iri is not None:
                    described.setdefault(res.iri, []).append(node)
            start = unplain
            if extra:
                unplain += 1
            model = type(node)
            if res is None or res.iri is None:
                unplain += 1
            else:
                first = settled.get(res)
                if (
                    first is not None
                    and type(first) is model
                    and not extra
                    and values == first.__dict__  # (nested nodes compare with ==)
                ):
                    continue  # a copy of a plain node read in full: it adds nothing
                push((node, start, None, None, res))
            written = values.get("type")
            if written is not None:
                iris, scope, readers = type_info.get(
                    written if type(written) is str else tuple(written)
                ) or _type_info(written)
                defaults: tuple[str, ...] = ()
            else:
                unplain += 1
                if has_content(node):
                    iris = ()
                    defaults, scope, readers = _DEFAULT_INFO.get(model) or _default_info(model)
                else:
                    iris, scope, readers = _TYPE_INFO.get(()) or _type_info(())
                    defaults = ()
            props: dict[str, list[tuple[Any, Location]]] | None = None
            if res is not None:
                props = res.props
                if props:
                    merged[res] = None
                if iris:
                    types = res.types
                    if not types:
                        res.types = list(iris)
                    else:
                        for iri in iris:
                            if iri not in types:
                                types.append(iri)
                elif defaults and not res.default_types and self.default_types:
                    res.default_types = defaults
                    defaulted.append(res)
                if not props and res.at != pointer and has_content(node):
                    res.at = pointer
            reader = readers.get(model) or _reader(model, scope, readers)
            if len(values) != reader.size:
                values = {**reader.blank, **values}
            for name, term, predicate, mode, datatype in reader.fields:
                value = values[name]
                if value is None:
                    continue
                if mode == _NODE:
                    children: Any
                    if type(value) is list:
                        if not value:
                            continue
                        many = True
                        children = value
                    else:
                        many = False
                        children = (value,)
                    index = -1
                    for child in children:
                        index += 1
                        # where the child is, and where its value is in this node's values
                        child_pointer: Location = (pointer, term, index if many else None)
                        try:
                            child_extra = child.__pydantic_extra__
                        except AttributeError:
                            raise _not_a_node(child, child_pointer) from None
                        if child_extra and "@value" in child_extra:
                            # a JSON-LD value object read as a node: RDF sees a literal
                            unplain += 1
                            literal = self.raw_value(
                                dict(child_extra), datatype, json_pointer(child_pointer)
                            )
                            if props is not None and literal is not None:
                                props.setdefault(predicate, []).append((literal, child_pointer))
                            continue
                        if shared_objects is not None:
                            linked = shared_objects.get(id(child), _UNREAD)
                            if linked is not _UNREAD:  # read once, with the shared nodes
                                if props is not None and linked is not None:
                                    props.setdefault(predicate, []).append(
                                        (linked, child_pointer)
                                    )
                                continue
                        child_values = child.__dict__
                        child_id = child_values.get("id")
                        if child_id is None:
                            child_res = blanks.get(id(child))
                            if child_res is None:
                                child_res = Resource(None, child_pointer)
                                resources[id(child)] = blanks[id(child)] = child_res
                        else:
                            child_iri = expand_id(child_id)
                            if child_iri is None:
                                child_res = None
                            else:
                                child_res = resources.get(child_iri)
                                if child_res is None:
                                    if shared is not None and child_iri in shared.resources:
                                        # an equal copy of a shared node adds nothing to it
                                        if not shared.same_as_shared(child_iri, child):
                                            raise _Collision(child_iri)
                                        if props is not None:
                                            props.setdefault(predicate, []).append(
                                                (shared.resources[child_iri], child_pointer)
                                            )
                                        continue
                                    child_res = new(child_iri, child_pointer)
                        if props is not None and child_res is not None:
                            props.setdefault(predicate, []).append((child_res, child_pointer))
                        push((child, child_values, child_extra, child_pointer, child_res))
                    continue
                if props is None:
                    continue
                added: list[tuple[Any, Location]]
                if mode == _LANG:
                    texts_by_tag: Any
                    if type(value) is LangText:
                        texts_by_tag = value._values
                    else:
                        unplain += 1
                        texts_by_tag = getattr(value, "_values", None)
                        if texts_by_tag is None:
                            texts_by_tag = dict(value.items())
                    added = []
                    for tag, texts in texts_by_tag.items():
                        if tag == NO_LANGUAGE:
                            added += _untagged(texts, pointer, term, len(texts_by_tag) == 1)
                        elif len(texts) == 1:
                            added.append(((texts[0], LANG_STRING, tag), (pointer, term, tag)))
                        else:
                            added += [
                                ((text, LANG_STRING, tag), (pointer, term, f"{tag}/{index}"))
                                for index, text in enumerate(texts)
                            ]
                    if not added:
                        continue
                elif type(value) is list and not value:
                    continue
                elif type(value) is str and mode != _GRAPH:
                    if mode == _IRI:
                        target = self._iri_node(value, pointer, term)
                        if target is None:
                            continue
                        added = [(target, (pointer, term, None))]
                    else:  # a literal or plain text
                        added = [
                            (
                                (value, datatype if mode == _LITERAL else XSD_STRING, None),
                                (pointer, term, None),
                            )
                        ]
                else:
                    unplain += 1
                    added = self.values(mode, value, pointer, term, datatype)
                    if not added:
                        continue
                entries = props.get(predicate)
                if entries is None:
                    props[predicate] = added
                else:
                    entries += added
            if extra:
                for key_name, raw in extra.items():
                    if key_name != "@context":
                        self.raw_property(res, key_name, raw, json_pointer(pointer), scope)
            if props is not None and not props and reader.size > 2:
                # still without values: a copy with content would move its pointer
                unplain += 1
        for res in defaulted:
            if not res.types:
                res.types = list(res.default_types)
        for res in merged:
            props = res.props
            for predicate, entries in props.items():
                if len(entries) > 1:
                    props[predicate] = _unique(entries)
        return first_root

    def values(
        self, mode: int, value: Any, pointer: Pointer, term: str, datatype: str
    ) -> list[tuple[Any, Location]]:
        """The RDF values of a literal, plain, IRI or ``@graph`` field, with their locations."""
        many = type(value) is list
        out: list[tuple[Any, Location]] = []
        for index, item in enumerate(value if many else (value,)):
            loc: Location = (pointer, term, index if many else None)
            if mode == _LITERAL:
                out.append(((_lexical(item), datatype, None), loc))
            elif mode == _PLAIN:
                out.append((_plain(item), loc))
            elif mode == _GRAPH:
                blank = Resource(None, loc)
                self.resources[object()] = blank
                out.append((blank, loc))
            elif isinstance(item, str):
                target = self._iri_node(item, pointer, term)
                if target is not None:
                    out.append((target, loc))
        return out

    def _iri_node(self, value: str, pointer: Pointer, term: str) -> Resource | None:
        iri = _expand_id(value)
        if iri is None:
            return None
        if self.strings is not None:
            self.strings.add(iri)
        res = self.resources.get(iri)
        if res is None:
            if self.shared is not None and iri in self.shared.resources:
                # whether the credential also holds a description of the node decides what
                # the reference reaches: read everything
                raise _Collision(iri)
            res = self.resources[iri] = Resource(iri, (pointer, term, None))
        return res

    # -- raw JSON (properties the model does not know)
    def raw_property(
        self, res: Resource | None, key: str, raw: Any, pointer: str, scope: str
    ) -> None:
        if key.startswith("@"):
            return
        fact = _SCOPED.get(scope, {}).get(key) or _TERMS.get(key)
        if fact is None:
            if ":" not in key:
                self.graph.dropped.append(f"{pointer}/{key}")
                return
            prefix, _, local = key.partition(":")
            mapped = _SCOPED_PREFIXES.get(scope, _PREFIXES).get(prefix)
            predicate = mapped + local if mapped is not None and not local.startswith("//") else _expand_id(key)
            if predicate is None or not _ABSOLUTE.match(predicate):
                self.graph.dropped.append(f"{pointer}/{key}")
                return
            fact = (predicate, "")
        predicate, coercion = fact
        key = _pointer_key(key, predicate, scope)
        base = f"{pointer}/{key}"
        if coercion == "@language" and isinstance(raw, dict) and "@value" not in raw:
            if res is None:
                return
            for tag, texts in raw.items():
                items = texts if isinstance(texts, list) else [texts]
                for index, text in enumerate(items):
                    if isinstance(text, str):
                        self.add(
                            res,
                            predicate,
                            (text, LANG_STRING, tag) if tag != NO_LANGUAGE else _plain(text),
                            (pointer, key, tag if len(items) == 1 else f"{tag}/{index}"),
                        )
            return
        many = isinstance(raw, list)
        for index, item in enumerate(raw if many else [raw]):
            loc = (pointer, key, index if many else None)
            item_pointer = f"{base}/{index}" if many else base
            value = self.raw_value(item, coercion, item_pointer)
            if value is not None and res is not None:
                self.add(res, predicate, value, loc)

    def raw_value(self, item: Any, coercion: str, pointer: str) -> Any:
        if isinstance(item, dict):
            if "@value" in item:
                lexical = item["@value"]
                if "@language" in item:
                    return (str(lexical), LANG_STRING, str(item["@language"]))
                if "@type" in item:
                    return (_lexical(lexical), _expand_vocab(str(item["@type"])), None)
                return _plain(lexical)
            if coercion == "@graph":
                blank = Resource(None, pointer)
                self.resources[object()] = blank
                return blank
            return self.raw_node(item, pointer)
        if isinstance(item, list):
            return None
        if coercion == "@id" and isinstance(item, str):
            return self._iri_node(item, pointer.rsplit("/", 1)[0], pointer.rsplit("/", 1)[-1])
        if item is None:
            return None
        if coercion and not coercion.startswith("@"):
            return (_lexical(item), coercion, None)
        return _plain(item)

    def raw_node(self, item: dict[str, Any], pointer: str) -> Resource | None:
        node_id = item.get("id", item.get("@id"))
        written = item.get("type", item.get("@type"))
        names = (
            [written]
            if isinstance(written, str)
            else [n for n in written or () if isinstance(n, str)]
        )
        res = self.resource(node_id if isinstance(node_id, str) else None, pointer, item)
        if res is not None:
            for name in names:
                iri = _expand_vocab(name)
                if iri not in res.types:
                    res.types.append(iri)
        scope = _scope(tuple(names))
        for key, value in item.items():
            if key not in ("id", "type"):
                self.raw_property(res, key, value, pointer, scope)
        return res


@functools.lru_cache(maxsize=1024)
def _pointer_key(key: str, predicate: str, scope: str) -> str:
    """The token a member takes in a JSON pointer: the term of the context in ``scope`` for the
    predicate when ``key`` is the predicate's IRI (an expanded document names its members by IRI,
    and the model's other pointers give terms), else ``key`` escaped (RFC 6901)."""
    if key == predicate:
        term = _term_by_iri().get(predicate)
        if term is not None and (_SCOPED.get(scope, {}).get(term) or _TERMS.get(term, ("", "")))[0] == predicate:
            return term
    return key.replace("~", "~0").replace("/", "~1")


def build_graph(root: ElmNode, shared: SharedGraph | None = None) -> Graph:
    """The RDF reading of ``root`` and everything it reaches.

    With ``shared`` the nodes of the shared objects are taken from its reading, not read again
    (the graph then holds only the others, and :attr:`Graph.shared` is set), unless that is not
    exact (see :class:`SharedGraph`): then everything is read.
    """
    if shared is not None and shared.usable:
        try:
            return _Builder(shared).build(root)
        except _Collision:
            pass
    return _Builder().build(root)


class SharedGraph:
    """The RDF reading of subtrees that many credentials share as the same Python objects
    (the organisations, specifications and concepts of a batch), read once.

    A credential read with it (:func:`build_graph`) holds only its own nodes, linked to the
    shared ones. That is exact when a shared node reads the same whichever of its copies a
    credential reaches, and the same as in the shared reading: the shared objects must not
    change while it is in use; the shared objects with one IRI must be equal (:attr:`usable`),
    and no IRI may be both described by a shared object and referenced by a string in one;
    a node of a credential with the IRI of a shared node must be equal to it, and a credential
    may not reference a shared IRI by a string (otherwise the credential is read in full); the
    shared reading must be acyclic and have no violations of its own (:meth:`clean`). The
    conformance of shared nodes to node shapes is then remembered across credentials.
    """

    __slots__ = (
        "_clean",
        "_roots",
        "_texts_clean",
        "by_iri",
        "graph",
        "memo",
        "objects",
        "resource_ids",
        "resources",
        "usable",
    )

    def __init__(self, roots: Iterable[ElmNode]) -> None:
        # the roots, each once; they keep the objects (and so their id()) alive
        self._roots = tuple({id(root): root for root in roots}.values())
        self.objects: dict[int, Resource | None] = {}
        strings: set[str] = set()
        builder = _Builder(objects=self.objects, strings=strings)
        builder.read(self._roots)
        self.graph = builder.graph
        self.resources = builder.resources
        self.resource_ids = frozenset(id(res) for res in self.resources.values())
        self.memo: dict[tuple[int, str], bool] = {}
        #: one shared object per IRI (every other one with that IRI is equal to it)
        self.by_iri: dict[str, ElmNode] = {}
        usable = _acyclic(self.resources.values()) and strings.isdisjoint(builder.described)
        for iri, nodes in builder.described.items():
            first = self.by_iri[iri] = nodes[0]
            if usable and any(not same_node(first, other) for other in nodes[1:]):
                usable = False
        self.usable = usable
        """Whether credentials can be read with the shared reading at all."""
        self._clean: dict[tuple[str, ...], bool] = {}
        self._texts_clean: bool | None = None

    def same_as_shared(self, iri: str, node: ElmNode) -> bool:
        """Whether ``node`` is a copy of the shared node ``iri`` (it reads the same)."""
        found = self.by_iri.get(iri)
        return found is not None and same_node(found, node)

    def clean(self, rules: RuleSet) -> bool:
        """Whether credentials may be read with the shared reading under ``rules``."""
        found = self._clean.get(rules.layers)
        if found is None:
            found = self.usable and not evaluate(self.graph, rules)
            self._clean[rules.layers] = found
        return found


    def texts_clean(self) -> bool:
        """Whether no text of the shared reading has a problem (see :func:`text_problems`)."""
        if self._texts_clean is None:
            self._texts_clean = next(text_problems(self.resources.values()), None) is None
        return self._texts_clean


#: Language tags of texts already found to name a language of the EU table.
_USABLE_TAGS: set[str] = set()
#: The kinds of :class:`~elmkit.model.vocab.TagProblem` a text's tag is reported for.
_LANGUAGE_KINDS = frozenset({"not-a-language", "three-letter", "unknown-language"})


@functools.lru_cache(maxsize=1024)
def language_problem(tag: str) -> TagProblem | None:
    """What is wrong with the language of a text's tag (see
    :func:`~elmkit.model.vocab.language_tag_problem`), or None: a language the EU table does not
    list, a code that names no language, a three-letter code of a language with a two-letter
    one. Regions, scripts and variants are not reported on texts."""
    from elmkit.model import vocab

    try:
        problem = vocab.language_tag_problem(tag)
    except LanguageTagError:
        return None  # reading refuses malformed tags: a tag here is one kept on purpose
    return problem if problem is not None and problem.kind in _LANGUAGE_KINDS else None


def text_problems(
    resources: Iterable[Resource],
) -> Iterator[tuple[Resource, str, Literal, Location, str]]:
    """The texts of ``resources`` that no credential should hold, as ``(node, property,
    literal, where, problem)``: ``characters`` for control characters (other than tab and line breaks),
    Unicode non-characters or lone surrogates in any literal, ``blank`` for a language-tagged
    text that shows nothing (empty, white space, zero-width characters), ``language`` for a
    text whose tag names no language of the EU table (see :func:`language_problem`)."""
    usable = _USABLE_TAGS
    for res in resources:
        for predicate, entries in res.props.items():
            for value, where in entries:
                if type(value) is not tuple:
                    continue
                tag = value[2]
                if tag is not None and tag not in usable:
                    if language_problem(tag) is not None:
                        yield res, predicate, value, where, "language"
                    elif len(usable) < 4096:
                        usable.add(tag)
                text = value[0]
                # most texts are short and printable, and show something
                if len(text) <= 256 and text.isprintable() and not is_blank(text):
                    continue
                if has_bad_characters(text):
                    yield res, predicate, value, where, "characters"
                elif value[1] == LANG_STRING and is_blank(text):
                    yield res, predicate, value, where, "blank"


def _acyclic(resources: Iterable[Resource]) -> bool:
    """Whether no node reaches itself through its values."""
    state: dict[int, bool] = {}  # False: being visited; True: done
    for start in resources:
        if id(start) in state:
            continue
        state[id(start)] = False
        stack: list[tuple[Resource, Iterator[Any]]] = [(start, _targets(start))]
        while stack:
            res, targets = stack[-1]
            for target in targets:
                seen = state.get(id(target))
                if seen is False:
                    return False
                if seen is None:
                    state[id(target)] = False
                    stack.append((target, _targets(target)))
                    break
            else:
                state[id(res)] = True
                stack.pop()
    return True


def _targets(res: Resource) -> Iterator[Resource]:
    for entries in res.props.values():
        for value, _ in entries:
            if isinstance(value, Resource):
                yield value


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True, slots=True)
class Violation:
    """One validation result, as a SHACL processor reports it."""

    rule: Rule
    component: str
    focus: Resource
    value: Any = None
    location: Location | None = None
    language: str | None = None
    count: int = 0


_INTEGER_LIMITS: dict[str, tuple[int | None, int | None]] = {
    XSD + "integer": (None, None),
    XSD + "int": (-(2**31), 2**31 - 1),
    XSD + "long": (-(2**63), 2**63 - 1),
    XSD + "positiveInteger": (1, None),
    XSD + "nonNegativeInteger": (0, None),
    XSD + "negativeInteger": (None, -1),
    XSD + "nonPositiveInteger": (None, 0),
}


@functools.lru_cache(maxsize=4096)
def _well_typed(lexical: str, datatype: str) -> bool:
    """Whether a literal of ``datatype`` is well formed (as rdflib reads it)."""
    if datatype in _INTEGER_LIMITS:
        try:
            number = int(lexical)
        except ValueError:
            return False
        low, high = _INTEGER_LIMITS[datatype]
        return (low is None or number >= low) and (high is None or number <= high)
    if datatype == XSD + "decimal":
        try:
            Decimal(lexical)
        except (InvalidOperation, ValueError):
            return False
        return True
    if datatype == XSD + "boolean":
        return lexical in ("true", "false", "1", "0")
    if datatype == XSD + "dateTime":
        try:
            datetime.fromisoformat(
                lexical.replace("Z", "+00:00") if lexical.endswith("Z") else lexical
            )
        except ValueError:
            return False
        return True
    if datatype == XSD + "date":
        try:
            date.fromisoformat(lexical[:10])
        except ValueError:
            return False
        return True
    if datatype == XSD + "duration":
        from elmkit.model.datatypes import Duration

        try:
            Duration(lexical)
        except ValueError:
            return False
        return True
    return True


def _datatype_ok(value: Any, datatype: str) -> bool:
    if type(value) is not tuple:
        return False
    lexical, actual, language = value
    if datatype == LANG_STRING:
        return language is not None
    if language is not None:
        return False
    return actual == datatype and _well_typed(lexical, actual)


def _unique(entries: list[tuple[Any, Location]]) -> list[tuple[Any, Location]]:
    if len(entries) < 2:
        return entries
    out: dict[Any, tuple[Any, Location]] = {}
    for value, loc in entries:
        if value not in out:
            out[value] = (value, loc)
    return list(out.values())


def _number(lexical: str) -> Decimal | None:
    try:
        return Decimal(lexical)
    except (InvalidOperation, ValueError):
        return None


class _Evaluator:
    def __init__(self, rules: RuleSet, shared: SharedGraph | None = None) -> None:
        self.rules = rules
        self.memo: dict[tuple[int, str], bool] = {}
        # the conformance of shared nodes, kept across credentials
        self.shared_memo: dict[tuple[int, str], bool] = shared.memo if shared else {}
        self.shared_ids: frozenset[int] = shared.resource_ids if shared else frozenset()

    def conforms(self, value: Any, shape_iri: str) -> bool:
        key = (id(value), shape_iri)
        memo = self.memo
        found = memo.get(key)
        if found is None:
            shared = key[0] in self.shared_ids
            if shared:
                found = self.shared_memo.get(key)
                if found is not None:
                    return found
            memo[key] = True  # recursion guard (never seen by other users of shared_memo)
            found = self._conforms(value, self.rules.node_shapes[shape_iri])
            memo[key] = found
            if shared:  # final: the shared reading is acyclic
                self.shared_memo[key] = found
        return found

    def _conforms(self, value: Any, shape: NodeShape) -> bool:
        types = value.types if isinstance(value, Resource) else _NONE
        for cls in shape.classes:
            if cls not in types:
                return False
        if shape.alternatives:
            for kind, ref in shape.alternatives:
                if kind == "class" and ref in types:
                    break
                if kind == "node" and self.conforms(value, ref):
                    break
            else:
                return False
        props = value.props if isinstance(value, Resource) else None
        for path, ok in self.rules.shape_checks[shape.iri]:
            if not ok(props.get(path) if props is not None else None, self):
                return False
        return True

    def value_ok(self, rule: Rule, value: Any) -> bool:
        """Whether ``value`` meets the value constraints of ``rule``.

        The constraints are tested in the order :meth:`check` reports them, stopping at the
        first failure (the node shapes conformance is memoised, so the order is observable).
        """
        datatype = rule.datatype
        if datatype is not None:
            if type(value) is not tuple:
                return False
            if datatype == LANG_STRING:
                if value[2] is None:
                    return False
            elif value[2] is not None or value[1] != datatype or not _well_typed(value[0], datatype):
                return False
        if rule.cls is not None and not (isinstance(value, Resource) and rule.cls in value.types):
            return False
        if rule.or_classes:
            if not isinstance(value, Resource):
                return False
            types = value.types
            for cls in rule.or_classes:
                if cls in types:
                    break
            else:
                return False
        if rule.node:
            conforms = self.conforms
            for shape in rule.node:
                if not conforms(value, shape):
                    return False
        node_kind = rule.node_kind
        if node_kind is not None:
            if isinstance(value, Resource):
                iri = value.iri
                kind = "IRI" if iri is not None and not iri.startswith("_:") else "BlankNode"
            else:
                kind = "Literal"
            if kind not in node_kind:
                return False
        limit = rule.max_inclusive
        if limit is not None:
            if type(value) is not tuple or value[2] is not None or value[1] == XSD_STRING:
                return False
            number = _number(value[0])
            if number is None or not _well_typed(value[0], value[1]) or number > limit:
                return False
        return True

    def check(self, rule: Rule, focus: Any, out: list[Violation] | None) -> bool:
        """Evaluate one property rule on ``focus``; with ``out=None`` stop at the first failure."""
        entries = focus.props.get(rule.path) if isinstance(focus, Resource) else None
        values = _unique(entries) if entries else []
        ok = True
        count = len(values)
        if count < rule.min:
            if out is None:
                return False
            ok = False
            out.append(Violation(rule, "MinCountConstraintComponent", focus, count=count))
        if rule.max is not None and count > rule.max:
            if out is None:
                return False
            ok = False
            out.append(
                Violation(
                    rule, "MaxCountConstraintComponent", focus, location=values[0][1], count=count
                )
            )
        for value, loc in values:
            for component in self._value_failures(rule, value):
                if out is None:
                    return False
                ok = False
                out.append(Violation(rule, component, focus, value, loc))
        if rule.has_value is not None and not any(
            isinstance(v, Resource) and v.iri == rule.has_value for v, _ in values
        ):
            if out is None:
                return False
            ok = False
            out.append(Violation(rule, "HasValueConstraintComponent", focus))
        if rule.unique_lang and count > 1:
            seen: set[str] = set()
            duplicates: dict[str, Location] = {}
            for value, loc in values:
                if type(value) is tuple and value[2]:
                    lang = value[2].lower()
                    if lang in seen:
                        duplicates.setdefault(lang, loc)
                    seen.add(lang)
            for lang, loc in duplicates.items():
                if out is None:
                    return False
                ok = False
                out.append(
                    Violation(
                        rule, "UniqueLangConstraintComponent", focus, location=loc, language=lang
                    )
                )
        return ok

    def _value_failures(self, rule: Rule, value: Any) -> Iterator[str]:
        if rule.datatype is not None and not _datatype_ok(value, rule.datatype):
            yield "DatatypeConstraintComponent"
        if rule.cls is not None and not (isinstance(value, Resource) and rule.cls in value.types):
            yield "ClassConstraintComponent"
        if rule.or_classes and not (
            isinstance(value, Resource) and any(c in value.types for c in rule.or_classes)
        ):
            yield "OrConstraintComponent"
        for shape in rule.node:
            if not self.conforms(value, shape):
                yield "NodeConstraintComponent"
        if rule.node_kind is not None:
            if isinstance(value, Resource):
                kind = (
                    "IRI"
                    if value.iri is not None and not value.iri.startswith("_:")
                    else "BlankNode"
                )
            else:
                kind = "Literal"
            if kind not in rule.node_kind:
                yield "NodeKindConstraintComponent"
        if rule.max_inclusive is not None:
            number = (
                _number(value[0])
                if type(value) is tuple and value[2] is None and value[1] != XSD_STRING
                else None
            )
            if number is None or not _well_typed(value[0], value[1]) or number > rule.max_inclusive:
                yield "MaxInclusiveConstraintComponent"


def evaluate(graph: Graph, rules: RuleSet) -> list[Violation]:
    """Every violation of ``rules`` in ``graph``.

    Each rule is first tested by its compiled check, which only tells whether the node
    passes; a rule the node fails is evaluated again by :meth:`_Evaluator.check` to report
    its violations. Rules are tested in order, and a compiled check tests what
    :meth:`_Evaluator.check` does in the same order, so node shapes are first tested (and
    memoised) in the same order either way.
    """
    out: list[Violation] = []
    evaluator = _Evaluator(rules, graph.shared)
    check = evaluator.check
    checks = rules.checks
    for res in graph.resources.values():
        props = res.props
        for cls in res.types:
            for rule, path, always, ok in checks.get(cls, _NONE):
                if always:
                    if not ok(props.get(path), evaluator):
                        check(rule, res, out)
                elif path in props and not ok(props[path], evaluator):
                    check(rule, res, out)
    return out


#: ``ok(values, evaluator)``: whether the values of a property (``None`` when it has none)
#: meet a rule.
_Check = Callable[[list[tuple[Any, "Location"]] | None, "_Evaluator"], bool]
#: A class's compiled rules: ``(rule, property, whether a node without values can fail it,
#: check)``, in order.
_ClassChecks = tuple[tuple[Rule, str, bool, _Check], ...]


def _class_checks(rules: tuple[Rule, ...]) -> _ClassChecks:
    return tuple(
        (rule, rule.path, bool(rule.min or rule.has_value is not None), _compile(rule))
        for rule in rules
    )


def _node_kind(value: Any) -> str:
    if isinstance(value, Resource):
        iri = value.iri
        return "IRI" if iri is not None and not iri.startswith("_:") else "BlankNode"
    return "Literal"


def _value_test(rule: Rule) -> Callable[[Any, _Evaluator], bool] | None:
    """A test of one value against the value constraints of ``rule`` (``None``: no such)."""
    datatype = rule.datatype
    cls = rule.cls
    kinds = (
        (datatype is not None)
        + (cls is not None)
        + bool(rule.or_classes)
        + len(rule.node)
        + (rule.node_kind is not None)
        + (rule.max_inclusive is not None)
    )
    if kinds == 0:
        return None
    if kinds == 1 and datatype == LANG_STRING:

        def lang_string(value: Any, evaluator: _Evaluator) -> bool:
            return type(value) is tuple and value[2] is not None

        return lang_string
    if kinds == 1 and datatype is not None:

        def typed(value: Any, evaluator: _Evaluator) -> bool:
            return (
                type(value) is tuple
                and value[2] is None
                and value[1] == datatype
                and _well_typed(value[0], datatype)
            )

        return typed
    if kinds == 1 and cls is not None:

        def instance(value: Any, evaluator: _Evaluator) -> bool:
            return isinstance(value, Resource) and cls in value.types

        return instance
    if kinds == 1 and rule.or_classes:
        alternatives = frozenset(rule.or_classes)

        def instance_of_any(value: Any, evaluator: _Evaluator) -> bool:
            return isinstance(value, Resource) and not alternatives.isdisjoint(value.types)

        return instance_of_any
    node_kind = rule.node_kind
    kinds_allowed = frozenset(k for k in ("IRI", "BlankNode", "Literal") if k in (node_kind or ""))
    if kinds == 1 and node_kind is not None:

        def of_kind(value: Any, evaluator: _Evaluator) -> bool:
            return _node_kind(value) in kinds_allowed

        return of_kind
    if kinds == 2 and cls is not None and node_kind is not None:

        def instance_of_kind(value: Any, evaluator: _Evaluator) -> bool:
            return (
                isinstance(value, Resource)
                and cls in value.types
                and _node_kind(value) in kinds_allowed
            )

        return instance_of_kind
    if len(rule.node) == 1 and kinds == 1 + (node_kind is not None):
        shape = rule.node[0]
        if node_kind is None:

            def conforms(value: Any, evaluator: _Evaluator) -> bool:
                return evaluator.conforms(value, shape)

            return conforms

        def conforms_of_kind(value: Any, evaluator: _Evaluator) -> bool:
            return evaluator.conforms(value, shape) and _node_kind(value) in kinds_allowed

        return conforms_of_kind

    def general(value: Any, evaluator: _Evaluator) -> bool:
        return evaluator.value_ok(rule, value)

    return general


def _compile(rule: Rule) -> _Check:
    """Whether a property's values pass ``rule``: the constraints in the order
    :meth:`_Evaluator.check` reports them, stopping at the first failure."""
    low = rule.min
    high = rule.max
    has_value = rule.has_value
    unique_lang = rule.unique_lang
    test = _value_test(rule)
    empty_ok = low == 0 and has_value is None
    one_ok = low <= 1 and (high is None or high >= 1)
    if has_value is None and not unique_lang:
        if test is None:

            def counted(entries: list[tuple[Any, Location]] | None, evaluator: _Evaluator) -> bool:
                if not entries:
                    return empty_ok
                if len(entries) == 1:
                    return one_ok
                count = len(_unique(entries))
                return count >= low and (high is None or count <= high)

            return counted

        def tested(entries: list[tuple[Any, Location]] | None, evaluator: _Evaluator) -> bool:
            if not entries:
                return empty_ok
            if len(entries) == 1:
                return one_ok and test(entries[0][0], evaluator)
            values = _unique(entries)
            count = len(values)
            if count < low or (high is not None and count > high):
                return False
            return all(test(value, evaluator) for value, _ in values)

        return tested

    def general(entries: list[tuple[Any, Location]] | None, evaluator: _Evaluator) -> bool:
        if not entries:
            return empty_ok
        if len(entries) == 1:  # one value: one language too
            value = entries[0][0]
            return (
                one_ok
                and (test is None or test(value, evaluator))
                and (has_value is None or (isinstance(value, Resource) and value.iri == has_value))
            )
        values = _unique(entries)
        count = len(values)
        if count < low or (high is not None and count > high):
            return False
        if test is not None:
            for value, _ in values:
                if not test(value, evaluator):
                    return False
        if has_value is not None:
            for value, _ in values:
                if isinstance(value, Resource) and value.iri == has_value:
                    break
            else:
                return False
        if unique_lang and count > 1:
            langs = [value[2].lower() for value, _ in values if type(value) is tuple and value[2]]
            if len(set(langs)) != len(langs):
                return False
        return True

    return general
