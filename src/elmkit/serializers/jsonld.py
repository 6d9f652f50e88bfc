"""Compact JSON-LD with the standard contexts: writing nodes and reading documents.

Writing builds the compact document straight from the model through precomputed field tables.
Reading has two roads:

* **fast** — a document whose ``@context`` is exactly the standard pair (W3C credentials v1 and
  the EDC context, in either order, or the EDC context alone) and that uses only plain terms is
  given to ``Class.from_data`` as it is;
* **general** — anything else (other or inline contexts, expanded form, VC v2 documents, prefixed
  names, aliases…) is expanded by pyld with the offline document loader and converted from
  expanded form into the same model data.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from elmkit.errors import (
    ContextError,
    ElmError,
    ElmValidationError,
    ModelError,
    ParseError,
    StructureError,
    UnknownPropertyError,
    json_pointer,
    resolve_pointer,
)
from elmkit.model.base import DEFAULT_MAX_DEPTH, ElmNode
from elmkit.model.text import LangText
from elmkit.serializers.context import (
    EDC_CONTEXT_URL,
    STANDARD_CONTEXT,
    STATUS_CONTEXT,
    STATUS_ENTRY_TYPES,
    STATUS_LIST_2021_URL,
    VC1_CONTEXT_URL,
    VC2_CONTEXT_URL,
    DocumentLoader,
    builtin_context,
    holds_compact_iri,
    offline_document_loader,
    standard_term_kinds,
)
from elmkit.serializers.expanded import (
    DEFAULT_MAX_NODES,
    DEFAULT_MAX_TEXT,
    ExpandedReader,
    pick_root,
    referenced_ids,
)
from elmkit.serializers.jsonio import JsonShape
from elmkit.serializers.relative import NO_BASE, NO_BASE_SCHEME, as_written, has_dot_segment
from elmkit.serializers.tables import (
    K_IRI,
    K_LANG,
    K_LIT,
    K_NODE,
    PY_DECIMAL,
    PY_LEXICAL,
    PY_STR,
    SEC_PROOF,
    class_for_types,
    known_type_names,
    table_for,
)

__all__ = [
    "SharedNodes",
    "expand_document",
    "is_standard_context",
    "node_to_json",
    "node_to_jsonld",
    "pyld_options",
    "read_jsonld",
    "scan",
]

_CREDENTIAL_TYPES = frozenset(
    {
        "VerifiableCredential",
        "VerifiablePresentation",
        "https://www.w3.org/2018/credentials#VerifiableCredential",
        "https://www.w3.org/2018/credentials#VerifiablePresentation",
    }
)
_STANDARD_FORMS = (
    [VC1_CONTEXT_URL, EDC_CONTEXT_URL],
    [VC1_CONTEXT_URL, EDC_CONTEXT_URL, STATUS_LIST_2021_URL],
    [EDC_CONTEXT_URL, VC1_CONTEXT_URL],
    [EDC_CONTEXT_URL],
    EDC_CONTEXT_URL,
)


# ----------------------------------------------------------------------------------------------
# Writing


def _json_text(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"the node cannot be written as JSON: {exc}") from None


class _Fragment:
    """The JSON text of one shared node, valid when written at most ``depth`` levels deep."""

    __slots__ = ("depth", "index", "node", "text", "token", "unnamed")

    def __init__(self, node: ElmNode, index: int, nonce: str) -> None:
        self.node = node
        self.index = index
        self.token = f"\ue000{nonce}{index}\ue001"
        self.text: str | None = None
        self.depth = -1
        self.unnamed: dict[int, int] = {}
        """How often the text writes each node without id (by ``id()``), the node included."""


class _TokenClash(Exception):
    """A written string looks like a fragment token: write the document without fragments."""


class SharedNodes:
    """Nodes that many documents written one after the other share (an issuer with its logo,
    a specification…), each serialised once and then copied into every document as JSON text
    by :func:`node_to_json`.

    Registers the given nodes and every node they reference, and keeps them alive. The cached
    text is only right while none of these nodes changes: make one for a batch of documents
    built from the same unchanged parts, and drop it afterwards.
    """

    def __init__(self, nodes: Iterable[ElmNode]) -> None:
        self._nonce = secrets.token_hex(6)
        self._pattern = re.compile('"\ue000' + self._nonce + '([0-9]+)\ue001"')
        self._nodes: dict[int, ElmNode] = {}
        for root in nodes:
            for _path, node in root.walk():
                self._nodes.setdefault(id(node), node)
        self._tables: dict[bool, dict[int, _Fragment]] = {}
        self._texts: list[str] = []

    def __len__(self) -> int:
        return len(self._nodes)

    def _table(self, sort: bool) -> dict[int, _Fragment]:
        table = self._tables.get(sort)
        if table is None:
            table = self._tables[sort] = {}
            for key, node in self._nodes.items():
                table[key] = _Fragment(node, len(self._texts), self._nonce)
                self._texts.append("")
        return table

    def _fill(self, fragment: _Fragment, text: str) -> None:
        fragment.text = text
        self._texts[fragment.index] = text

    def resolve(self, text: str, expected: int) -> str:
        """``text`` with each of its ``expected`` fragment tokens replaced by the fragment."""
        texts = self._texts
        found = 0

        def swap(match: re.Match[str]) -> str:
            nonlocal found
            found += 1
            return texts[int(match[1])]

        out = self._pattern.sub(swap, text)
        if found != expected:
            raise _TokenClash
        return out


#: Most nodes one written document may hold (a node held at several places counts each time, as
#: it is written each time): as many as one read document may expand to.
DEFAULT_MAX_WRITTEN_NODES = DEFAULT_MAX_NODES
#: Most characters of text (literals, IRIs, unknown properties' strings) one written document may
#: hold, counting each copy of a node written at several places.
DEFAULT_MAX_WRITTEN_TEXT = DEFAULT_MAX_TEXT


class _Writer:
    __slots__ = (
        "active", "again", "emitted", "fragments", "labels", "max_depth", "nodes", "seen", "shared",
        "sort", "text", "trail", "unnamed",
    )  # fmt: skip

    def __init__(
        self,
        *,
        sort: bool,
        max_depth: int,
        shared: SharedNodes | None = None,
        labels: dict[int, str] | None = None,
    ) -> None:
        self.sort = sort
        self.labels = labels or {}
        self.unnamed: dict[int, int] = {}
        """How often each node without id (nor label) was written, by ``id()``."""
        self.max_depth = max_depth
        self.active: set[int] = set()
        self.trail: list[str | int] = []
        self.shared = shared
        self.fragments = shared._table(sort) if shared is not None else None
        self.emitted = 0
        self.nodes = 0
        """Nodes written so far (each copy of a node held at several places)."""
        self.text = 0
        """Characters of text written so far in copies of nodes written before (and in
        unknown properties)."""
        self.seen: set[int] = set()
        """The nodes written so far, by ``id()``."""
        self.again = 0
        """How many copies of nodes written before the node being written sits in."""

    def fail(self, message: str) -> StructureError:
        return StructureError(message, path=json_pointer(self.trail))

    def node(self, node: ElmNode, *, root: bool = False) -> dict[str, Any] | str:
        key = id(node)
        if key in self.active:
            raise self.fail("the model contains a cycle: a node contains itself")
        depth = len(self.trail)
        if depth > self.max_depth:
            raise self.fail(f"the model is nested deeper than {self.max_depth} levels")
        fragments = self.fragments
        if fragments is not None and not root:
            fragment = fragments.get(key)
            if fragment is not None:
                # A shared node: its text is written once (again only if it now sits deeper
                # than where it was first written, so that the depth limit still holds).
                if fragment.text is None or depth > fragment.depth:
                    shared = self.shared
                    assert shared is not None
                    before, outer = self.emitted, self.unnamed
                    self.unnamed = {}
                    try:
                        text = shared.resolve(
                            _json_text(self.body(node, key, root)), self.emitted - before
                        )
                        fragment.unnamed = self.unnamed
                    finally:
                        self.unnamed = outer
                    shared._fill(fragment, text)
                    fragment.depth = depth
                    self.emitted = before
                for unnamed, times in fragment.unnamed.items():  # the copy written here
                    self.unnamed[unnamed] = self.unnamed.get(unnamed, 0) + times
                self.emitted += 1
                return fragment.token
        if key in self.seen:
            self.again += 1
            try:
                return self.body(node, key, root)
            finally:
                self.again -= 1
        self.seen.add(key)
        return self.body(node, key, root)

    def too_large(self) -> StructureError:
        """The error for a document that grows too large: one whose nodes are held at many
        places (shared nodes holding shared nodes, level after level) doubles at each level."""
        what = (
            f"{DEFAULT_MAX_WRITTEN_NODES} nodes"
            if self.nodes > DEFAULT_MAX_WRITTEN_NODES
            else f"{DEFAULT_MAX_WRITTEN_TEXT} characters of text"
        )
        return self.fail(
            f"the document would hold more than {what}: nodes held at several places are "
            "written in full at each place (write Turtle, N-Triples or RDF/XML, which hold "
            "each node once)"
        )

    def body(self, node: ElmNode, key: int, root: bool) -> dict[str, Any] | str:
        self.active.add(key)
        table = table_for(type(node))
        values = node.__dict__
        out: dict[str, Any] = {}
        nid = values.get("id")
        ntype = values.get("type")
        if nid is None:
            nid = self.labels.get(key)
            unknown = node.__pydantic_extra__
            if nid is None and not (unknown and "@value" in unknown):  # a value object has no id
                self.unnamed[key] = self.unnamed.get(key, 0) + 1
        if nid is not None:
            out["id"] = nid
        if ntype is None:
            extra = node.__pydantic_extra__
            if not (extra and "@value" in extra):  # a value object read where a node belongs
                default = table.default_type
                out["type"] = list(default) if type(default) is list else default
        else:
            out["type"] = list(ntype) if type(ntype) is list else ntype
        trail = self.trail
        if self.sort:
            rows, fetched = table.sorted_rows, table.sorted_getter(values)
        else:
            rows, fetched = table.rows, table.getter(values)
        for (term, kind, py, is_proof), value in zip(rows, fetched, strict=True):
            if value is None:
                continue
            if kind == K_NODE:
                if type(value) is list:
                    count = len(value)
                    if count == 0:
                        continue
                    trail.append(term)
                    if count == 1:
                        trail.append(0)
                        item = value[0]
                        written: Any = self.node(item) if isinstance(item, ElmNode) else self.value(item)
                        trail.pop()
                    else:
                        written = []
                        for index, item in enumerate(value):
                            trail.append(index)
                            written.append(self.node(item) if isinstance(item, ElmNode) else self.value(item))
                            trail.pop()
                    trail.pop()
                else:
                    trail.append(term)
                    written = self.node(value) if isinstance(value, ElmNode) else self.value(value)
                    trail.pop()
                out[self.proof_key(node) if is_proof else term] = written
            elif kind == K_LANG:
                if type(value) is LangText:
                    if value:
                        out[term] = value.to_jsonld()
                else:
                    out[term] = self.lang(value, term)
            elif kind == K_LIT:
                if type(value) is list:
                    if not value:
                        continue
                    out[term] = (
                        _literal(value[0], py) if len(value) == 1 else [_literal(v, py) for v in value]
                    )
                else:
                    out[term] = _literal(value, py)
            elif kind == K_IRI:
                if type(value) is list:
                    if not value:
                        continue
                    out[term] = str(value[0]) if len(value) == 1 else [str(v) for v in value]
                else:
                    out[term] = str(value)
        extra = node.__pydantic_extra__
        if extra:
            for name, item in extra.items():
                if root and name == "@context":
                    continue
                trail.append(name)
                out[name] = self.plain(item, len(trail))
                trail.pop()
            if self.sort:
                head: dict[str, Any] = {k: out.pop(k) for k in ("id", "type") if k in out}
                head.update(sorted(out.items()))
                out = head
        self.active.discard(key)
        self.nodes += 1
        if self.again:  # written before: count what this copy adds
            self.text += _text_size(out)
        if self.nodes > DEFAULT_MAX_WRITTEN_NODES or self.text > DEFAULT_MAX_WRITTEN_TEXT:
            raise self.too_large()
        if not root and ntype is None and nid is not None and len(out) == 2:
            return str(nid)
        return out

    def proof_key(self, node: ElmNode) -> str:
        # "proof" in the W3C context puts the proof in a named graph; the ELM shapes (and the
        # Commission's RDF sample) use a plain sec:proof statement, which "sec:proof" gives.
        return "sec:proof" if _CREDENTIAL_TYPES.intersection(node.type_names) else SEC_PROOF

    def value(self, item: Any) -> Any:
        if isinstance(item, ElmNode):
            return self.node(item)
        if isinstance(item, str):
            return str(item)
        return self.plain(item, len(self.trail))

    def lang(self, value: Any, term: str) -> Any:
        try:
            return LangText(value).to_jsonld() if value else None
        except ElmError as exc:
            raise ModelError(f"{term}: {exc.message}", path=json_pointer(self.trail)) from None

    def plain(self, value: Any, depth: int) -> Any:
        """A JSON copy of an unknown property's value (cycle-safe, depth-bounded)."""
        kind = type(value)
        if kind is str:
            self.text += len(value)
            return value
        if kind is bool or kind is int or value is None:
            return value
        if kind is float:
            if value != value or value in (float("inf"), float("-inf")):
                raise ModelError("NaN and infinite numbers cannot be written as JSON", path=json_pointer(self.trail))
            return value
        if depth > self.max_depth:
            raise self.fail(f"the data is nested deeper than {self.max_depth} levels")
        if isinstance(value, ElmNode):
            return self.node(value)
        if isinstance(value, LangText):
            return value.to_jsonld()
        if isinstance(value, Mapping | list | tuple):
            key = id(value)
            if key in self.active:
                raise self.fail("the data contains a cycle")
            self.active.add(key)
            if isinstance(value, Mapping):
                out: Any = {}
                for k, v in value.items():
                    if not isinstance(k, str):
                        raise ModelError(f"member names must be strings, found {k!r}", path=json_pointer(self.trail))
                    out[k] = self.plain(v, depth + 1)
            else:
                out = [self.plain(v, depth + 1) for v in value]
            self.active.discard(key)
            return out
        if isinstance(value, str):
            return str(value)
        if isinstance(value, datetime | date):
            return str(getattr(value, "lexical", None) or value.isoformat())
        if isinstance(value, int | float | Decimal):
            return str(value) if isinstance(value, Decimal) else value
        raise ModelError(
            f"cannot write a {type(value).__name__} value as JSON", path=json_pointer(self.trail)
        )


def _text_size(node: dict[str, Any]) -> int:
    """The characters of text a written node holds itself: its strings, lists of strings and
    language maps (the nodes it holds count for themselves)."""
    size = 0
    for value in node.values():
        kind = type(value)
        if kind is str:
            size += len(value)
        elif kind is dict or kind is list:
            for item in value.values() if kind is dict else value:
                if type(item) is str:
                    size += len(item)
                elif type(item) is list:
                    size += sum(len(text) for text in item if type(text) is str)
    return size


def _literal(value: Any, py: int) -> Any:
    if py == PY_LEXICAL:
        lexical = getattr(value, "lexical", None)
        if lexical is not None:
            return lexical
        if isinstance(value, datetime | date):
            return value.isoformat()
        return str(value)
    if py in (PY_STR, PY_DECIMAL):
        return value if type(value) is str else str(value)
    if type(value) is int and not -_JSON_LD_INTEGERS < value < _JSON_LD_INTEGERS:
        return str(value)  # JSON-LD reads such a number as a double: its lexical form is exact
    return value


#: JSON-LD turns a JSON number from 10^21 up into an ``xsd:double``, whatever the term's type.
_JSON_LD_INTEGERS = 10**21


def _write(node: ElmNode, sort: bool, max_depth: int) -> dict[str, Any]:
    """The JSON-LD body of ``node``. A node without id written at more than one place (the
    identifier of an organisation that is both issuer and awarding body, say) would be a node
    of its own at each place to JSON-LD: then the body is written again, with a blank node
    label (``_:b0``…, in order of first use, skipping the labels the document already uses)
    in every copy of such nodes."""
    writer = _Writer(sort=sort, max_depth=max_depth)
    body = writer.node(node, root=True)
    again = [key for key, times in writer.unnamed.items() if times > 1]
    if again:
        taken = _blank_labels(body)
        fresh = (label for label in (f"_:b{n}" for n in itertools.count()) if label not in taken)
        labels = {key: next(fresh) for key in again}
        body = _Writer(sort=sort, max_depth=max_depth, labels=labels).node(node, root=True)
    assert isinstance(body, dict)
    return body


def _blank_labels(value: Any) -> set[str]:
    """Every string of a written document that is a blank node label (``_:…``): the ids of
    nodes and the references to them, wherever they are (unknown properties included)."""
    found: set[str] = set()
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if type(item) is str:
            if item.startswith("_:"):
                found.add(item)
        elif type(item) is dict:
            stack.extend(item.values())
        elif type(item) is list:
            stack.extend(item)
    return found


def node_to_jsonld(
    node: ElmNode,
    *,
    context: bool = True,
    sort: bool = True,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> dict[str, Any]:
    """Compact JSON-LD for a node: ``@context`` (standard pair), ``id``, ``type``, then terms.

    Terms come sorted (``sort=False`` keeps the model's field order, then unknown properties in
    their order); single values are not wrapped in lists; empty values are left out; a node with
    nothing but an ``id`` (and no ``type``) is written as the IRI string. Raises
    :class:`~elmkit.errors.StructureError` for cyclic or too deeply nested models.
    """
    if not isinstance(node, ElmNode):
        raise ModelError(f"expected an ELM node, got {type(node).__name__}")
    body = _write(node, sort, max_depth)
    if not context:
        return body
    out: dict[str, Any] = {"@context": list(STATUS_CONTEXT if _has_status_entry(node) else STANDARD_CONTEXT)}
    out.update(body)
    return out


def node_to_json(
    node: ElmNode,
    *,
    sort: bool = True,
    max_depth: int = DEFAULT_MAX_DEPTH,
    shared: SharedNodes | None = None,
) -> str:
    """The compact JSON text of :func:`node_to_jsonld` (with ``@context``), as
    ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` writes it.

    With ``shared``, the nodes registered there are serialised once and their text is reused:
    the same bytes, much faster for documents that repeat large shared parts. A document that
    writes a node without id at several places (labelled ``_:b0``… in every copy) is written
    without the shared text, which cannot know the labels. Raises
    :class:`~elmkit.errors.ModelError` for values JSON cannot hold.
    """
    if not isinstance(node, ElmNode):
        raise ModelError(f"expected an ELM node, got {type(node).__name__}")
    head = list(STATUS_CONTEXT if _has_status_entry(node) else STANDARD_CONTEXT)
    if shared is not None:
        writer = _Writer(sort=sort, max_depth=max_depth, shared=shared)
        try:
            body = writer.node(node, root=True)
            assert isinstance(body, dict)
            # a node without id written at several places is labelled in every copy, which
            # the shared parts' text cannot know: such a document is written as it is
            if all(times == 1 for times in writer.unnamed.values()):
                return shared.resolve(_json_text({"@context": head, **body}), writer.emitted)
        except _TokenClash:
            pass
    return _json_text({"@context": head, **_write(node, sort, max_depth)})


def _has_status_entry(node: ElmNode) -> bool:
    status = getattr(node, "credential_status", None)
    return isinstance(status, ElmNode) and not STATUS_ENTRY_TYPES.isdisjoint(status.type_names)


# ----------------------------------------------------------------------------------------------
# Reading


def is_standard_context(value: Any) -> bool:
    """True for the ``@context`` values the fast road reads without a JSON-LD processor."""
    return any(value == form for form in _STANDARD_FORMS)


class _Trail(Exception):
    def __init__(self, message: str, error: type[ElmError] = StructureError) -> None:
        super().__init__(message)
        self.message = message
        self.error = error
        self.parts: list[str | int] = []


def scan(document: Any, *, max_depth: int = DEFAULT_MAX_DEPTH) -> bool:
    """Check a parsed document's shape; True when it may take the fast road.

    Raises :class:`~elmkit.errors.StructureError` (with the JSON pointer) for cycles and for
    nesting deeper than ``max_depth``, and :class:`~elmkit.errors.ModelError` for member names
    that are not strings or values that are not JSON.
    """
    types = known_type_names() | STATUS_ENTRY_TYPES
    kinds = standard_term_kinds()
    iri_terms, language_maps = kinds.iri_terms, kinds.language_maps
    active: set[int] = set()
    fast = True

    def plain_iris(name: str | int, item: Any) -> bool:
        """False when ``item``, under the term ``name``, holds a compact IRI to expand or a
        relative reference that expansion resolves (``a/./b`` is ``a/b``)."""
        if name not in iri_terms:
            return True
        if holds_compact_iri(item):
            return False
        items = item if type(item) is list else [item]
        return not any(type(i) is str and has_dot_segment(i) for i in items)

    def visit(value: Any, depth: int, language_map: bool = False) -> None:
        nonlocal fast
        if depth > max_depth:
            raise _Trail(f"the document is nested deeper than {max_depth} levels")
        key = id(value)
        if key in active:
            raise _Trail("the document contains a cycle")
        active.add(key)
        name: str | int = ""
        try:
            if isinstance(value, Mapping):
                for name, item in value.items():
                    if type(name) is not str:
                        raise _Trail(f"member names must be strings, found {name!r}", ModelError)
                    if fast and (name[:1] == "@" or ":" in name):
                        fast = (depth == 0 and name == "@context") or (language_map and name == "@none")
                    kind = type(item)
                    if kind is str:
                        if fast and (":" in item or "/." in item or item[:1] == "."):
                            fast = plain_iris(name, item)
                        if name == "type" and fast:
                            # a class IRI is read by the general road (the compact reading
                            # picks the class of a node by its term)
                            fast = item in types and ":" not in item
                    elif kind is dict or kind is list:
                        if name == "type" and fast:
                            fast = kind is list and all(
                                type(n) is str and n in types and ":" not in n for n in item
                            )
                        if kind is list and fast:
                            fast = plain_iris(name, item)
                        visit(item, depth + 1, kind is dict and name in language_maps)
                    elif kind is int or kind is bool or kind is float or item is None:
                        if name == "type" and item is not None:
                            fast = False
                    else:
                        _other(item)
                        fast = False
                        if isinstance(item, Mapping | list | tuple):
                            visit(item, depth + 1)
            else:
                for name, item in enumerate(value):  # noqa: B007 (name is reported on errors)
                    kind = type(item)
                    if kind is dict or kind is list:
                        visit(item, depth + 1)
                    elif not (kind is str or kind is int or kind is bool or kind is float or item is None):
                        _other(item)
                        fast = False
                        if isinstance(item, Mapping | list | tuple):
                            visit(item, depth + 1)
        except _Trail as trail:
            trail.parts.append(name)
            raise
        active.discard(key)

    if not isinstance(document, dict | list):
        raise ModelError(f"a JSON-LD document is an object or an array, not {type(document).__name__}")
    try:
        visit(document, 0)
    except _Trail as trail:
        raise trail.error(trail.message, path=json_pointer(reversed(trail.parts))) from None
    return fast


def _other(item: Any) -> None:
    if not isinstance(item, Mapping | list | tuple | str | int | float):
        raise _Trail(f"a {type(item).__name__} is not a JSON value", ModelError)


def _build(data: dict[str, Any], *, strict: bool, compact: bool = True) -> ElmNode:
    types = data.get("type")
    if types is None:
        raise ModelError("the document has no type", path="/type")
    names = [types] if isinstance(types, str) else types
    cls = class_for_types(names) if isinstance(names, list) else None
    if cls is None:
        raise ModelError(f"no ELM class for type {types!r}", path="/type")
    return cls.from_data(data, strict=strict, compact=compact)


def read_jsonld(
    document: Any,
    *,
    strict: bool = False,
    document_loader: DocumentLoader | None = None,
    max_depth: int = DEFAULT_MAX_DEPTH,
    root: str | None = None,
    shape: JsonShape | None = None,
    left_out: list[str] | None = None,
) -> ElmNode:
    """Read a parsed JSON-LD document (one node, or expanded/``@graph`` form) into the model.

    A node object without ``@context`` is read as if it had the standard one. ``left_out``, when
    given, receives the ids of the document's nodes the result does not reach (a node of a
    ``@graph`` or ``@included`` that nothing refers to).

    ``shape`` (from :func:`~elmkit.serializers.jsonio.parse_json_shape`) spares a walk over the
    document; without it the document is checked by :func:`scan`.
    """
    if shape is None or shape.depth > max_depth + 1:
        fast = scan(document, max_depth=max_depth)
    else:
        own = 1 if isinstance(document, dict) and "@context" in document else 0
        fast = shape.plain and shape.contexts == own
    if root is not None and not (isinstance(document, dict) and document.get("id") == root):
        fast = False  # the general road finds the named node, or says it is not there
    refused: ElmValidationError | None = None
    if isinstance(document, dict):
        if "@context" not in document:
            if fast:
                try:
                    return _build(document, strict=strict)
                except ElmValidationError as exc:
                    refused = exc
            document = {"@context": list(STANDARD_CONTEXT), **document}
        elif fast and is_standard_context(document["@context"]):
            try:
                return _build({k: v for k, v in document.items() if k != "@context"}, strict=strict)
            except ElmValidationError as exc:
                refused = exc
    if refused is None:
        return _read_expanded(document, strict, document_loader, root, left_out)
    if not any(_is_array_at(document, detail.path) for detail in refused.details):
        raise refused
    # the compact reading takes a value as the document writes it: a one-item array (or an
    # array in an array) where the model holds one value means that value in JSON-LD, which
    # the general road reads (and refuses, when it does, as JSON-LD reads the document)
    try:
        return _read_expanded(document, strict, document_loader, root, left_out)
    except ElmValidationError:
        raise
    except ElmError:
        raise refused from None


def _is_array_at(document: Any, path: str | None) -> bool:
    try:
        return isinstance(resolve_pointer(document, path or ""), list)
    except LookupError:
        return False


def _read_expanded(
    document: Any,
    strict: bool,
    document_loader: DocumentLoader | None,
    root: str | None,
    left_out: list[str] | None,
) -> ElmNode:
    expanded = expand_document(document, document_loader=document_loader, strict=strict)
    nodes: list[dict[str, Any]] = []
    for item in expanded:
        if isinstance(item, dict) and "@graph" in item and set(item) <= {"@graph", "@id"}:
            nodes.extend(n for n in item["@graph"] if isinstance(n, dict))
        elif isinstance(item, dict):
            nodes.append(item)
    nodes = _with_included(nodes)
    if not nodes:
        raise ModelError("the document holds no node once expanded (unknown terms are dropped)")
    if len(nodes) == 1 and root is None:
        return _build(ExpandedReader().node(nodes[0]), strict=strict, compact=False)
    index = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    if len(index) < len(nodes):
        unnamed = [n for n in nodes if not isinstance(n.get("@id"), str)]
        for number, node in enumerate(unnamed):
            index[f"_:elmkit-top-{number}"] = node
    chosen = pick_root(index, referenced_ids(nodes), root)
    reader = ExpandedReader(index)
    data = reader.node(chosen)
    if left_out is not None:
        left_out.extend(_shown_id(key) for key in reader.left_out())
    return _build(data, strict=strict, compact=False)


def _with_included(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``nodes`` and the nodes their ``@included`` holds (top-level nodes too, in JSON-LD):
    a node described there and referenced by id is then read where it is referenced."""
    if not any("@included" in node for node in nodes):
        return nodes
    out: list[dict[str, Any]] = list(nodes)
    for position, node in enumerate(out):  # grows while it is read: included nodes are nodes too
        included = node.get("@included")
        if isinstance(included, list):
            out[position] = {key: value for key, value in node.items() if key != "@included"}
            out.extend(item for item in included if isinstance(item, dict))
    return out


def _shown_id(key: str) -> str:
    """A node's id as the document gives it (a node without id has a label of elmkit's own)."""
    return "(a node without id)" if key.startswith("_:elmkit-top-") else key


# ----------------------------------------------------------------------------------------------
# Expansion (pyld)


@functools.cache
def _shared_cache() -> Any:
    from pyld.jsonld import LRUCache

    return LRUCache(maxsize=64)


def pyld_options(document_loader: DocumentLoader | None = None) -> dict[str, Any]:
    """pyld options that resolve contexts offline (``document_loader`` for any other URL), with a
    context cache private to elmkit."""
    from pyld.context_resolver import ContextResolver

    offline = offline_document_loader(document_loader)

    def loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        if url.startswith(NO_BASE_SCHEME):
            raise ParseError(
                f"the relative IRI {as_written(url)!r} cannot name a context: the document has "
                "no base IRI"
            )
        remote = offline(url, options)
        if builtin_context(url) is not None:
            remote["tag"] = "static"
        return remote

    return {
        "documentLoader": loader,
        "contextResolver": ContextResolver(_shared_cache(), loader),
        "base": NO_BASE,  # undone by expand_document ("" would mean http://example.org/base/)
    }


def _strip_protected(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_protected(v) for k, v in value.items() if k != "@protected"}
    if isinstance(value, list):
        return [_strip_protected(v) for v in value]
    return value


def _relax_v2(document: Any) -> Any:
    """VC v2 protects ``name`` and ``description``, which the EDC context redefines; in a document
    that uses both, the EDC terms win (as the EBSI flavour of EDC means them)."""
    if not isinstance(document, dict):
        return document
    ctx = document.get("@context")
    if not (isinstance(ctx, list) and VC2_CONTEXT_URL in ctx and EDC_CONTEXT_URL in ctx):
        return document
    v2 = builtin_context(VC2_CONTEXT_URL)
    assert v2 is not None
    relaxed = _strip_protected(v2["@context"])
    out = dict(document)
    out["@context"] = [relaxed if c == VC2_CONTEXT_URL else c for c in ctx]
    return out


def _with_credentials_context(document: Any) -> Any:
    """A document whose ``@context`` has the EDC context but no W3C credentials context, with
    the credentials v1 context first: the EDC context does not define ``issuer``,
    ``credentialSubject``, ``validFrom``…, and the fast road reads such a document as if it
    came first, so the general road does too (else they would vanish in expansion)."""
    if not isinstance(document, dict):
        return document
    ctx = document.get("@context")
    contexts = ctx if isinstance(ctx, list) else [ctx]
    if EDC_CONTEXT_URL not in contexts or VC1_CONTEXT_URL in contexts or VC2_CONTEXT_URL in contexts:
        return document
    out = dict(document)
    out["@context"] = [VC1_CONTEXT_URL, *contexts]
    return out


_CONTEXT_CODES = frozenset(
    {
        "loading remote context failed",
        "invalid remote context",
        "invalid local context",
        "protected term redefinition",
        "context overflow",
        "recursive context inclusion",
        "invalid context entry",
        "invalid term definition",
        "invalid IRI mapping",
        "cyclic IRI mapping",
        "keyword redefinition",
        "invalid type mapping",
        "invalid container mapping",
        "invalid scoped context",
        "invalid context nullification",
        "invalid @import value",
    }
)


def _elm_cause(exc: BaseException) -> ElmError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ElmError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _as_written(expanded: Any) -> Any:
    """Expanded JSON-LD with every IRI resolved against :data:`NO_BASE` made relative again
    (node ids, types, and the datatypes of values)."""
    if isinstance(expanded, list):
        return [_as_written(item) for item in expanded]
    if not isinstance(expanded, dict):
        return expanded
    out: dict[str, Any] = {}
    for key, value in expanded.items():
        if key == "@id" and isinstance(value, str):
            out[key] = as_written(value)
        elif key == "@type":
            if isinstance(value, list):
                out[key] = [as_written(v) if isinstance(v, str) else v for v in value]
            else:
                out[key] = as_written(value) if isinstance(value, str) else value
        elif key == "@value":
            out[key] = value
        else:
            out[key] = _as_written(value)
    return out


def _member_pointer(document: Any, name: str) -> str | None:
    """The JSON pointer of the first member called ``name`` in ``document`` (depth first)."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while stack:
        value, trail = stack.pop()
        if isinstance(value, dict):
            if name in value:
                return json_pointer((*trail, name))
            stack.extend((item, (*trail, key)) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((item, (*trail, index)) for index, item in reversed(list(enumerate(value))))
    return None


def expand_document(
    document: Any, *, document_loader: DocumentLoader | None = None, strict: bool = False
) -> list[Any]:
    """Expand a JSON-LD document with pyld, resolving contexts offline.

    ``document_loader`` is consulted only for contexts elmkit does not hold. Raises
    :class:`~elmkit.errors.ContextError` (or :class:`~elmkit.errors.NetworkDisabledError`) for
    contexts that cannot be used and :class:`~elmkit.errors.ParseError` for invalid JSON-LD.
    Expansion drops members that no context defines; with ``strict`` the first of them is an
    :class:`~elmkit.errors.UnknownPropertyError` instead (a term a context maps to ``null`` is
    dropped on purpose, and stays dropped).
    """
    from pyld import jsonld

    options = pyld_options(document_loader)
    dropped: list[str] = []

    def on_dropped(name: str | None) -> None:
        if name is not None and name not in dropped:
            dropped.append(name)

    try:
        prepared = _relax_v2(_with_credentials_context(document))
        result = jsonld.expand(prepared, options, on_property_dropped=on_dropped)
    except jsonld.JsonLdError as exc:
        cause = _elm_cause(exc)
        if cause is not None:
            raise cause from None
        code = getattr(exc, "code", None) or ""
        message = f"{exc.args[0] if exc.args else 'JSON-LD error'} ({code or exc.type})"
        if code in _CONTEXT_CODES or "context" in code:
            raise ContextError(f"unusable JSON-LD context: {message}") from None
        raise ParseError(f"invalid JSON-LD: {message}") from None
    except RecursionError:
        raise StructureError("the document is nested too deeply to be expanded") from None
    except (ValueError, TypeError) as exc:  # pyld lets some IRI errors through unwrapped
        raise ParseError(f"invalid JSON-LD: {exc}") from None
    result = _as_written(result)
    if strict and dropped:
        raise UnknownPropertyError(
            f"unknown property {dropped[0]!r}: no context defines it",
            path=_member_pointer(document, dropped[0]) or "",
        )
    return list(result) if isinstance(result, list) else [result]
