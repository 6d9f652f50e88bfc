"""RDF: model nodes to rdflib graphs and back; Turtle, N-Triples and RDF/XML text.

The mapping comes from the model's metadata (predicate IRIs, datatypes, language tags) and gives
the same triples as expanding elmkit's JSON-LD with its own EDC context, with two exceptions
documented in ``docs/formats.md``: ``proof`` and ``verifiableCredential`` values are linked
directly (no named graph), and ``xsd:string`` values are plain literals.

RDF/XML is parsed with DTDs refused, so neither external entities nor entity expansion can be
used against the reader.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import threading
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import rdflib
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from elmkit.errors import ModelError, ParseError, StructureError, UnsupportedFormatError
from elmkit.model.base import DEFAULT_MAX_DEPTH, ElmNode
from elmkit.model.datatypes import is_iri
from elmkit.model.text import NO_LANGUAGE, LangText
from elmkit.serializers.expanded import ExpandedReader, pick_root
from elmkit.serializers.relative import NO_BASE, NO_BASE_SCHEME, as_written, resolved
from elmkit.serializers.tables import (
    K_IRI,
    K_LANG,
    K_LIT,
    K_NODE,
    PY_BOOL,
    PY_DECIMAL,
    PY_LEXICAL,
    RDF_LANGSTRING,
    RDF_TYPE,
    XSD,
    class_for_types,
    class_iri_for,
    table_for,
)

__all__ = ["from_graph", "parse_rdf", "serialize_graph", "to_graph"]

_RDF_TYPE = URIRef(RDF_TYPE)
_XSD_STRING = URIRef(XSD + "string")
_SUBJECT = "urn:x-elmkit:subject"
_NORMALIZE_LOCK = threading.Lock()
_RDFLIB_FORMATS = {"turtle": "turtle", "nt": "nt", "rdfxml": "xml"}


# ----------------------------------------------------------------------------------------------
# Model -> graph


class _GraphWriter:
    def __init__(self, max_depth: int) -> None:
        self.triples: set[tuple[Node, Node, Node]] = set()
        self.max_depth = max_depth
        self.done: dict[int, Node] = {}
        self.active: set[int] = set()
        self.depth = 0

    def subject_of(self, node: ElmNode) -> Node:
        nid = node.id
        if nid is None:
            return BNode()
        if nid.startswith("_:"):
            return BNode(nid[2:])
        return URIRef(nid)

    def node(self, node: ElmNode) -> Node:
        key = id(node)
        found = self.done.get(key)
        if found is not None:
            return found
        extra = node.__pydantic_extra__
        if node.type is None and node.id is None and extra and "@value" in extra:
            literal = _value_object(extra)
            values = node.__dict__
            if literal is not None and all(_empty(values.get(s.name)) for s in table_for(type(node)).fields):
                return literal  # a value read where a node belongs
        if key in self.active:
            raise StructureError("the model contains a cycle: a node contains itself")
        if self.depth > self.max_depth:
            raise StructureError(f"the model is nested deeper than {self.max_depth} levels")
        subject = self.subject_of(node)
        table = table_for(type(node))
        values = node.__dict__
        extra = node.__pydantic_extra__
        if (
            node.type is None
            and node.id is not None
            and not extra
            and all(_empty(values.get(spec.name)) for spec in table.fields)
        ):
            self.done[key] = subject
            return subject
        self.active.add(key)
        self.depth += 1
        add = self.triples.add
        type_names = node.type_names
        for name in type_names:
            iri = class_iri_for(name) or _absolute(name)
            if iri is not None:
                add((subject, _RDF_TYPE, URIRef(iri)))
        for spec in table.fields:
            value = values.get(spec.name)
            if _empty(value):
                continue
            predicate = URIRef(spec.iri)
            items = value if isinstance(value, list) else [value]
            if spec.kind == K_NODE:
                for item in items:
                    if isinstance(item, ElmNode):
                        add((subject, predicate, self.node(item)))
                    elif isinstance(item, str):
                        add((subject, predicate, URIRef(item)))
                    else:
                        raise ModelError(f"{spec.term}: expected a node, found {type(item).__name__}")
            elif spec.kind == K_LANG:
                text = value if isinstance(value, LangText) else LangText(value)
                for tag, texts in text.items():
                    language = None if tag == NO_LANGUAGE else tag
                    for t in texts:
                        add((subject, predicate, Literal(t, lang=language)))
            elif spec.kind == K_LIT:
                for item in items:
                    add((subject, predicate, _literal(item, spec.datatype, spec.py)))
            elif spec.kind == K_IRI:
                for item in items:
                    add((subject, predicate, URIRef(str(item))))
        if extra:
            self.extras(subject, list(type_names), extra)
        self.depth -= 1
        self.active.discard(key)
        self.done[key] = subject
        return subject

    def extras(self, subject: Node, types: list[str], extra: dict[str, Any]) -> None:
        """Unknown properties mean what JSON-LD makes of them: expand them with pyld."""
        from pyld import jsonld
        from pyld.identifier_issuer import IdentifierIssuer

        from elmkit.serializers.context import STANDARD_CONTEXT
        from elmkit.serializers.jsonld import _Writer, pyld_options

        writer = _Writer(sort=False, max_depth=self.max_depth)
        body = {k: _shield_doubles(writer.plain(v, 1)) for k, v in extra.items() if k != "@context"}
        doc = {"@context": list(STANDARD_CONTEXT), "id": _SUBJECT, "type": types, **body}
        issuer = IdentifierIssuer("_:")
        try:
            dataset = jsonld.to_rdf(doc, {**pyld_options(), "identifierIssuer": issuer})
        except jsonld.JsonLdError as exc:
            raise ModelError(f"unknown properties cannot be written as RDF: {exc.args[0]}") from None
        except (ValueError, TypeError) as exc:  # pyld lets some IRI errors through unwrapped
            raise ModelError(f"unknown properties cannot be written as RDF: {exc}") from None
        # pyld relabels blank nodes; one the document labels is the node of that label
        # elsewhere in the model too (a node held by a field and by an unknown property)
        blanks: dict[str, BNode] = {new: BNode(old[2:]) for old, new in issuer.existing.items()}

        def term(item: dict[str, Any]) -> Node:
            if item["type"] == "blank node":
                return blanks.setdefault(item["value"], BNode())
            if item["type"] == "IRI":
                return subject if item["value"] == _SUBJECT else URIRef(as_written(item["value"]))
            datatype = item.get("datatype")
            if item.get("language"):
                return Literal(item["value"], lang=item["language"])
            if datatype in (None, str(_XSD_STRING), RDF_LANGSTRING):
                return Literal(item["value"])
            if datatype == _SHIELDED_DOUBLE:
                datatype = _XSD_DOUBLE
            return Literal(item["value"], datatype=URIRef(datatype), normalize=False)

        # A graph cannot hold a named graph (the W3C context puts a ``proof`` member in one):
        # the statement that points to the named graph points to the nodes it is about instead,
        # as the model's own proofs are linked.
        heads = {name: _graph_heads(triples) for name, triples in dataset.items() if name != "@default"}
        for triples in dataset.values():
            for triple in triples:
                s, p, o = term(triple["subject"]), term(triple["predicate"]), triple["object"]
                found = heads.get(o["value"]) if o["type"] != "literal" else None
                if found:
                    for head in found:
                        self.triples.add((s, p, term(head)))
                else:
                    self.triples.add((s, p, term(o)))


def _graph_heads(triples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The nodes a named graph is about: its subjects no statement of it points to (all of its
    subjects when each is pointed to)."""
    subjects = {t["subject"]["value"]: t["subject"] for t in triples}
    pointed = {t["object"]["value"] for t in triples if t["object"]["type"] != "literal"}
    heads = [item for value, item in subjects.items() if value not in pointed]
    return heads or list(subjects.values())


#: Stands for ``xsd:double`` while pyld turns unknown properties into RDF: pyld rewrites the
#: lexical form of every double (``40.4167754`` as ``4.04167754E1``), which elmkit keeps.
_SHIELDED_DOUBLE = "urn:x-elmkit:double"
_XSD_DOUBLE = XSD + "double"
_XSD_INTEGER = XSD + "integer"
_XSD_DECIMAL = XSD + "decimal"
#: The datatypes rdflib's Turtle writer gives as bare tokens (``5``, ``1.5``, ``true``…).
_BARE_TOKEN_TYPES = frozenset(
    {_XSD_INTEGER, _XSD_DECIMAL, _XSD_DOUBLE, XSD + "boolean", "http://www.w3.org/2002/07/owl#rational"}
)


def _shield_doubles(value: Any) -> Any:
    """``value`` with each ``xsd:double`` value object given in text typed as
    :data:`_SHIELDED_DOUBLE` (a JSON number is a double already, and stays one)."""
    if isinstance(value, list):
        return [_shield_doubles(item) for item in value]
    if not isinstance(value, dict):
        return value
    if value.get("@type") in (_XSD_DOUBLE, "xsd:double") and isinstance(value.get("@value"), str):
        return {**value, "@type": _SHIELDED_DOUBLE}
    return {key: _shield_doubles(item) for key, item in value.items()}


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, list | LangText | dict):
        return len(value) == 0
    return False


def _value_object(value: dict[str, Any]) -> Literal | None:
    """The literal a simple JSON-LD value object stands for, or ``None``."""
    lexical, language, datatype = value["@value"], value.get("@language"), value.get("@type")
    if not set(value) <= {"@value", "@language", "@type"} or (language and datatype):
        return None
    try:
        if isinstance(language, str):
            return Literal(str(lexical), lang=language) if isinstance(lexical, str) else None
        if isinstance(datatype, str):
            iri = _absolute(datatype)
            return Literal(str(lexical), datatype=URIRef(iri)) if iri is not None else None
    except ValueError:
        return None
    return Literal(lexical) if isinstance(lexical, str | bool | int | float) else None


def _absolute(name: str) -> str | None:
    from elmkit.model.schema import NAMESPACES

    prefix, sep, rest = name.partition(":")
    if not sep:
        return None
    if prefix in NAMESPACES and not rest.startswith("//"):
        return NAMESPACES[prefix] + rest
    return name


def _literal(value: Any, datatype: str | None, py: int) -> Literal:
    if py == PY_LEXICAL:
        lexical = getattr(value, "lexical", None)
        text = lexical if lexical is not None else value.isoformat() if hasattr(value, "isoformat") else str(value)
    elif py == PY_BOOL:
        text = "true" if value else "false"
    elif py == PY_DECIMAL or isinstance(value, str):
        text = str(value)
    else:
        text = repr(value) if isinstance(value, float) else str(value)
    if datatype is None:
        return Literal(text)
    return Literal(text, datatype=URIRef(datatype), normalize=False)


def to_graph(node: ElmNode, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Graph:
    """The RDF graph of a node and everything it contains.

    Raises :class:`~elmkit.errors.StructureError` for cyclic or too deeply nested models.
    """
    if not isinstance(node, ElmNode):
        raise ModelError(f"expected an ELM node, got {type(node).__name__}")
    from elmkit.model.schema import NAMESPACES

    graph = Graph(bind_namespaces="core")
    for prefix, namespace in NAMESPACES.items():
        graph.bind(prefix, namespace)
    graph.bind("sec", "https://w3id.org/security#")
    writer = _GraphWriter(max_depth)
    writer.node(node)
    graph.addN((s, p, o, graph) for s, p, o in writer.triples)
    return graph


def _reads_back(token: str, kind: str) -> bool:
    """Whether rdflib reads the bare Turtle ``token`` with this lexical form (it reads integer
    and decimal tokens as numbers, so only the spelling a number prints as comes back:
    ``007`` comes back as ``7``, ``0.0000001`` as ``1E-7``)."""
    try:
        if kind == _XSD_INTEGER:
            return str(int(token)) == token
        if kind == _XSD_DECIMAL:
            return str(Decimal(token)) == token
    except (ValueError, ArithmeticError):
        return False
    return True


@functools.cache
def _turtle_serializer() -> type[Any]:
    """rdflib's Turtle serializer, writing a number or boolean as a bare token only when that
    token reads back as its lexical form (rdflib writes doubles with six digits,
    ``8.123457e+00``, and reads the integer token ``007`` as ``7``)."""
    from rdflib.plugins.serializers.turtle import TurtleSerializer

    class LexicalTurtleSerializer(TurtleSerializer):
        def label(self, node: Node, position: int) -> str:
            kind = str(node.datatype) if isinstance(node, Literal) else ""  # a URIRef != a str
            if isinstance(node, Literal) and kind in _BARE_TOKEN_TYPES:
                plain: str = node._literal_n3(use_plain=True, qname_callback=self._datatype_name)
                lexical = str(node)
                if plain == lexical and _reads_back(lexical, kind):
                    return plain
                typed: str = node._literal_n3(use_plain=False, qname_callback=self._datatype_name)
                return typed
            label: str = super().label(node, position)
            return label

        def _datatype_name(self, datatype: URIRef) -> str | None:
            name: str | None = self.get_pname(datatype, False)
            return name

    return LexicalTurtleSerializer


#: Characters no XML 1.0 document can hold, even escaped (text pasted from a word processor
#: brings vertical tabs and form feeds).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _check_xml_characters(graph: Graph) -> None:
    for triple in graph:
        for term in triple:
            text = str(term) if isinstance(term, Literal | URIRef) else ""
            found = _NOT_XML.search(text)
            if found is not None:
                shown = text if len(text) <= 60 else f"{text[:57]}..."
                raise ModelError(
                    f"RDF/XML cannot hold the character U+{ord(found.group()):04X} of {shown!r}: "
                    "remove it, or write JSON-LD, Turtle or N-Triples"
                )


_NAME_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
#: An XML name without colon (the local name of an element, an ``rdf:nodeID``).
_NCNAME = re.compile(f"[{_NAME_START}][{_NAME_START}\\-.0-9\u00b7\u0300-\u036f\u203f-\u2040]*")
#: What rdflib writes into an attribute without escaping (namespaces, datatypes) cannot hold.
_NOT_IN_ATTRIBUTE = re.compile('[&<"]')


def _check_xml_names(graph: Graph) -> Graph:
    """``graph`` as rdflib's RDF/XML writer can write it: every predicate must split into a
    namespace and an XML name (``http://ex.org/ns#a%20b`` cannot be an element), namespaces and
    datatypes must hold nothing an attribute needs escaped (rdflib writes them as they are).
    Blank nodes whose labels are no XML names (``_:1``) get labels that are."""
    namespaces = graph.namespace_manager
    for predicate in sorted({str(p) for p in graph.predicates()}):
        try:
            _prefix, namespace, name = namespaces.compute_qname_strict(predicate)
        except ValueError:
            name, namespace = "", ""
        if not _NCNAME.fullmatch(name) or _NOT_IN_ATTRIBUTE.search(namespace):
            raise ModelError(
                f"RDF/XML cannot write the property {predicate!r}: it does not end in an XML "
                "name after a namespace (write JSON-LD, Turtle or N-Triples)"
            )
    relabel: dict[Node, Node] = {}
    for triple in graph:
        for term in triple:
            if isinstance(term, BNode) and not _NCNAME.fullmatch(term):
                relabel.setdefault(term, BNode())
            elif isinstance(term, Literal) and _NOT_IN_ATTRIBUTE.search(term.datatype or ""):
                raise ModelError(f"RDF/XML cannot write the datatype {str(term.datatype)!r}")
    if relabel:
        fixed = Graph(namespace_manager=namespaces)
        for s, p, o in graph:
            fixed.add((relabel.get(s, s), p, relabel.get(o, o)))
        return fixed
    return graph


def serialize_graph(graph: Graph, fmt: str) -> str:
    """Turtle (``turtle``), N-Triples (``nt``) or RDF/XML (``rdfxml``) text of a graph."""
    name = _RDFLIB_FORMATS.get(fmt)
    if name is None:
        raise UnsupportedFormatError(f"unknown RDF format {fmt!r}")
    if fmt == "rdfxml":
        _check_xml_characters(graph)
        graph = _check_xml_names(graph)
    if fmt == "nt":
        relative = min(
            (str(t) for triple in graph for t in triple if type(t) is URIRef and not is_iri(t)),
            default=None,
        )
        if relative is not None:
            raise ModelError(
                f"N-Triples has no relative IRIs, and {relative!r} is one: give the node an "
                "absolute id, or write Turtle, RDF/XML or JSON-LD"
            )
    try:
        if fmt == "turtle":
            out = io.BytesIO()
            _turtle_serializer()(graph).serialize(out, encoding="utf-8")
            return out.getvalue().decode("utf-8")
        return str(graph.serialize(format=name))
    except Exception as exc:  # rdflib raises plain exceptions for unserializable IRIs
        raise ModelError(f"the graph cannot be written as {fmt}: {exc}") from None


# ----------------------------------------------------------------------------------------------
# Graph -> model


def _node_id(term: Node) -> str:
    return f"_:{term}" if isinstance(term, BNode) else str(term)


def _value(term: Node) -> dict[str, Any]:
    if isinstance(term, Literal):
        if term.language:
            return {"@value": str(term), "@language": term.language}
        if term.datatype is not None and term.datatype != _XSD_STRING:
            return {"@value": str(term), "@type": str(term.datatype)}
        return {"@value": str(term)}
    return {"@id": _node_id(term)}


def _sort_key(value: dict[str, Any]) -> tuple[str, str, str]:
    if "@id" in value:
        return ("0", value["@id"], "")
    return ("1", str(value["@value"]), value.get("@language") or value.get("@type") or "")


_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#: The properties by which a reified statement (``rdf:ID`` on a property element in RDF/XML)
#: names what it is about: they do not make the credential a part of the statement.
_ABOUT = frozenset(URIRef(_RDF + name) for name in ("subject", "predicate", "object"))


def _index(graph: Graph) -> tuple[dict[str, dict[str, Any]], set[str], Counter[str]]:
    index: dict[str, dict[str, Any]] = {}
    referenced: set[str] = set()
    blank_refs: Counter[str] = Counter()
    for s, p, o in graph:
        sid = _node_id(s)
        node = index.get(sid)
        if node is None:
            node = index[sid] = {"@id": sid}
        if p == _RDF_TYPE and isinstance(o, URIRef):
            node.setdefault("@type", []).append(str(o))
            continue
        node.setdefault(str(p), []).append(_value(o))
        if not isinstance(o, Literal):
            oid = _node_id(o)
            if p not in _ABOUT:  # a statement about a node (reification) is not part of it
                referenced.add(oid)
            blank_refs[oid] += 1  # IRIs too: a node used twice is embedded twice
    _collections(index, blank_refs)
    for sid, node in index.items():
        for key, values in node.items():
            if key == "@type":
                values.sort()
            elif key != "@id" and not (values and "@list" in values[0]):
                values.sort(key=_sort_key)
        # members in a fixed order too: the graph's own order depends on the hash seed
        index[sid] = {key: node[key] for key in sorted(node, key=_member_order)}
    return index, referenced, blank_refs


def _member_order(key: str) -> tuple[int, str]:
    return (0 if key == "@id" else 1 if key == "@type" else 2, key)


_RDF_FIRST = _RDF + "first"
_RDF_REST = _RDF + "rest"
_RDF_NIL = _RDF + "nil"


def _collections(index: dict[str, dict[str, Any]], blank_refs: Counter[str]) -> None:
    """RDF collections (``rdf:first``/``rdf:rest`` chains of blank nodes, each used once) as
    JSON-LD ``@list`` values, as JSON-LD reads RDF: a list of any length is one value, not a
    chain nested as deep as the list is long."""

    def cell(key: str) -> dict[str, Any] | None:
        node = index.get(key)
        if (
            node is None
            or not key.startswith("_:")
            or blank_refs[key] != 1
            or set(node) != {"@id", _RDF_FIRST, _RDF_REST}
            or len(node[_RDF_FIRST]) != 1
            or len(node[_RDF_REST]) != 1
        ):
            return None
        return node

    def as_list(value: dict[str, Any]) -> dict[str, Any] | None:
        """``{"@list": …}`` for a value that is the head of a well-formed list (its items that
        are lists read as lists too), its cells taken out of the index; else None."""
        head = value.get("@id")
        if head is None or cell(head) is None:
            return None
        items: list[Any] = []
        chain: dict[str, None] = {}
        current = head
        while (found := cell(current)) is not None and current not in chain:
            chain[current] = None
            items.append(found[_RDF_FIRST][0])
            current = found[_RDF_REST][0].get("@id")
        if current != _RDF_NIL:
            return None  # not a well-formed list: left as the statements it is
        for member in chain:
            del index[member]
        return {"@list": [as_list(item) or item for item in items]}

    for node in list(index.values()):
        if node["@id"] not in index or cell(node["@id"]) is not None:
            continue  # a cell is read from the value that holds the list
        for key, values in node.items():
            if key in ("@id", "@type"):
                continue
            for position, value in enumerate(values):
                found_list = as_list(value)
                if found_list is not None:
                    values[position] = found_list


def from_graph(
    graph: Graph,
    *,
    root: str | None = None,
    strict: bool = False,
    left_out: list[str] | None = None,
) -> ElmNode:
    """The model node a graph describes, with everything reachable from it.

    ``root`` names the node (an IRI, or ``_:label`` for a blank node); by default it is the only
    presentation, else the only credential no other node points to, else the only unreferenced
    node with an ELM type. Multiple values come in a fixed order (RDF has none); statements not
    reachable from the root are not part of the result (``left_out``, when given, receives the
    subjects they are about).

    Raises :class:`~elmkit.errors.ModelError` for anything that is not an rdflib ``Graph``.
    """
    if not isinstance(graph, Graph):
        raise ModelError(f"from_graph expects an rdflib Graph, got {type(graph).__name__}")
    index, referenced, blank_refs = _index(graph)
    chosen = pick_root(index, referenced, root)
    reader = ExpandedReader(index, blank_refs=blank_refs, sort_types=True)
    data = reader.node(chosen)
    if left_out is not None:
        left_out.extend(reader.left_out())
    types = data.get("type")
    names = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    cls = class_for_types(names)
    if cls is None:
        raise ModelError(f"the root node {chosen.get('@id')!r} has no ELM type", path="/type")
    return cls.from_data(data, strict=strict, compact=False)


# ----------------------------------------------------------------------------------------------
# Parsing text


_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
#: What may come before a document type declaration: white space, processing instructions
#: (the XML declaration) and comments.
_PROLOG_MISC = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.DOTALL)


@contextlib.contextmanager
def _lexical_literals() -> Iterator[None]:
    """Keep literals' lexical forms as written while a parser runs (rdflib rewrites them)."""
    with _NORMALIZE_LOCK:
        previous = rdflib.NORMALIZE_LITERALS
        rdflib.NORMALIZE_LITERALS = False
        try:
            yield
        finally:
            rdflib.NORMALIZE_LITERALS = previous


class _RefuseDoctype:
    """A SAX lexical handler that stops at any document type declaration."""

    def startDTD(self, name: str, public_id: str | None, system_id: str | None) -> None:
        raise ParseError("RDF/XML with a document type declaration (DTD) is refused")

    def endDTD(self) -> None:
        return None

    def startCDATA(self) -> None:
        return None

    def endCDATA(self) -> None:
        return None

    def comment(self, content: str) -> None:
        return None

    def startEntity(self, name: str) -> None:
        raise ParseError("RDF/XML with entity references is refused")

    def endEntity(self, name: str) -> None:
        return None


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _declares_dtd(data: bytes) -> bool:
    """Whether the prolog (before the root element) holds a declaration: ``<!DOCTYPE`` in a
    comment, or in the text (as CDATA) is no declaration."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    end = _PROLOG_MISC.match(data)
    rest = data[end.end() if end else 0 :]
    return rest.startswith(b"<!") or _DOCTYPE.match(rest) is not None


def _parse_rdfxml(data: bytes, graph: Graph, source: str | None) -> None:
    probe = data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else None
    if _declares_dtd(data) or (probe is not None and _declares_dtd(probe.encode("utf-8"))):
        raise ParseError("RDF/XML with a document type declaration (DTD) or entities is refused")
    _sax_parse(data, graph, source)


def _sax_parse(data: bytes, graph: Graph, source_name: str | None = None) -> None:
    """rdflib's RDF/XML parser on a SAX reader that refuses DTDs and external entities."""
    from xml.sax import SAXException, SAXParseException, handler

    from rdflib.parser import InputSource, create_input_source
    from rdflib.plugins.parsers.rdfxml import create_parser

    source: InputSource = create_input_source(data=data, format="xml")
    parser = create_parser(source, graph)
    parser.setFeature(handler.feature_external_ges, False)
    parser.setFeature(handler.feature_external_pes, False)
    parser.setProperty(handler.property_lexical_handler, _RefuseDoctype())
    try:
        parser.parse(source)
    except SAXException as exc:
        if source_name is not None:
            line = exc.getLineNumber() if isinstance(exc, SAXParseException) else None
            raise ParseError(_unquoted("rdfxml", source_name, line)) from None
        raise ParseError(f"malformed RDF/XML: {exc}") from None


#: An IRI's scheme (``http:``, ``urn:``): a reference without one is relative.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def _restore_relative(graph: Graph, *, unresolved: bool = False) -> Graph:
    """``graph`` with the IRIs resolved against :data:`NO_BASE` made relative again, their
    resolution finished (dot segments removed) as JSON-LD does it. With ``unresolved`` (RDF/XML
    without ``xml:base``, whose parser leaves references relative), relative references are
    resolved the same way."""

    def relative(term: Any) -> bool:
        if type(term) is not URIRef:
            return False
        return term.startswith(NO_BASE_SCHEME) or (unresolved and not _SCHEME.match(term))

    def fix(term: Any) -> Any:
        return URIRef(resolved(str(term))) if relative(term) else term

    touched = [t for t in graph if relative(t[0]) or relative(t[1]) or relative(t[2])]
    for triple in touched:
        graph.remove(triple)
        graph.add((fix(triple[0]), fix(triple[1]), fix(triple[2])))
    return graph


def _unquoted(fmt: str, source: str, line: int | None) -> str:
    where = f" at line {line}" if line is not None else ""
    return f"malformed {fmt} in the file {source}{where} (a file's content is never quoted)"


def parse_rdf(
    data: bytes | str, fmt: str, *, base: str | None = None, source: str | None = None
) -> Graph:
    """Parse Turtle (``turtle``), N-Triples (``nt``) or RDF/XML (``rdfxml``) into a graph.

    Literals keep their lexical form. Relative IRIs are resolved against ``base``; without one
    they stay relative, as JSON-LD and RDF/XML read them. Raises
    :class:`~elmkit.errors.ParseError` for malformed input and for RDF/XML with a DTD or
    entities. ``source`` names the file ``data`` was read from: errors then name the file and
    the line, and never quote the content (the parsers' own messages do).
    """
    graph = Graph()
    try:
        with _lexical_literals():
            if fmt == "rdfxml":
                _parse_rdfxml(_as_bytes(data), graph, source)
                _restore_relative(graph, unresolved=True)
            elif fmt in ("turtle", "nt"):
                text = data if isinstance(data, str) else bytes(data).decode("utf-8-sig")
                graph.parse(data=text, format=fmt, publicID=base or NO_BASE)
                if base is None:
                    _restore_relative(graph)
            else:
                raise UnsupportedFormatError(f"unknown RDF format {fmt!r}")
    except (ParseError, UnsupportedFormatError):
        raise
    except RecursionError:
        raise StructureError("the RDF document is nested too deeply to be read") from None
    except UnicodeDecodeError as exc:
        raise ParseError(f"the document is not UTF-8: {exc.reason} at byte {exc.start}") from None
    except Exception as exc:  # rdflib's parsers raise assorted exception types
        if source is not None:
            line = getattr(exc, "lines", None)
            raise ParseError(_unquoted(fmt, source, line + 1 if isinstance(line, int) else None)) from None
        raise ParseError(f"malformed {fmt}: {exc}") from None
    return graph
