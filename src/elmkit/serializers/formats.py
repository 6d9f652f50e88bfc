"""``load`` and ``dumps``: every document form a credential comes in, and every output format.

Input forms recognised by :func:`load`: a bare JSON-LD node (credential, presentation or any ELM
node, by its ``type``); the Europass upload wrapper ``{"credential": …, "deliveryDetails": …}``;
a sealed JAdES envelope (JWS JSON serialization, ``{"payload": "…", "signatures": […]}``);
expanded JSON-LD or ``@graph`` documents; Turtle, N-Triples and RDF/XML.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from elmkit.errors import (
    DocumentTooLargeError,
    ModelError,
    ParseError,
    SourceError,
    UnsupportedFormatError,
)
from elmkit.model.base import ElmNode, json_kind
from elmkit.model.classes import EuropeanDigitalCredential, VerifiablePresentation
from elmkit.serializers.context import DocumentLoader
from elmkit.serializers.jsonio import (
    DEFAULT_MAX_BYTES,
    JsonShape,
    JsonSyntaxError,
    check_unicode,
    parse_json,
    parse_json_shape,
)
from elmkit.serializers.jsonld import node_to_jsonld, read_jsonld

if TYPE_CHECKING:
    from rdflib import Graph

__all__ = ["FORMATS", "Origin", "dumps", "from_graph", "load", "load_credential", "to_graph"]

#: Format names accepted by :func:`load`, with their aliases; :func:`dumps` takes all of them
#: but ``elmv2`` (legacy ELM v2 XML is read, never written).
FORMATS: dict[str, str] = {
    "jsonld": "jsonld",
    "json-ld": "jsonld",
    "json": "jsonld",
    "turtle": "turtle",
    "ttl": "turtle",
    "nt": "nt",
    "ntriples": "nt",
    "n-triples": "nt",
    "rdfxml": "rdfxml",
    "rdf/xml": "rdfxml",
    "xml": "rdfxml",
    "rdf": "rdfxml",
    "elmv2": "elmv2",
}
#: The formats :func:`dumps` writes (legacy ELM v2 XML is read, never written).
_WRITTEN_FORMATS = frozenset({"jsonld", "turtle", "nt", "rdfxml"})
_SUFFIXES = {
    ".json": "jsonld",
    ".jsonld": "jsonld",
    ".ttl": "turtle",
    ".nt": "nt",
    ".rdf": "rdfxml",
    ".xml": "rdfxml",
    ".owl": "rdfxml",
}
_XML_START = re.compile(r"<(\?xml|!--|!DOCTYPE|[A-Za-z_][\w.\-]*(:[A-Za-z_][\w.\-]*)?[\s>/])")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a loaded node came from; see :attr:`elmkit.model.ElmNode.origin`."""

    kind: str
    """``document`` (a bare JSON-LD document), ``upload`` (the Europass upload wrapper),
    ``sealed`` (a JAdES envelope) or ``rdf`` (Turtle, N-Triples, RDF/XML)."""
    format: str
    """``jsonld``, ``turtle``, ``nt`` or ``rdfxml``."""
    source: Path | None = None
    """The file read, when a path was given."""
    envelope: dict[str, Any] | None = None
    """The upload wrapper or the sealed envelope, as read."""
    payload: bytes | None = None
    """For sealed documents: the exact payload bytes the seal covers (never re-serialize them)."""
    delivery_details: dict[str, Any] | None = None
    """The upload wrapper's ``deliveryDetails``."""
    context: Any = None
    """The document's ``@context`` as written."""
    left_out: tuple[str, ...] = ()
    """The ids of the document's nodes the loaded node does not reach (a stray node of a
    ``@graph``, say): not part of it, so neither validated nor written back."""

    @property
    def types_as_stated(self) -> bool:
        """True: a node of the document has only the types it states (profiles give a node
        without ``type`` no default, as the official shapes do not)."""
        return True


def _format(name: str | None) -> str | None:
    if name is None:
        return None
    found = FORMATS.get(name.lower()) if isinstance(name, str) else None
    if found is None:
        raise UnsupportedFormatError(
            f"unknown format {name!r}; use one of {', '.join(sorted(set(FORMATS.values())))}"
        )
    return found


def _written_names() -> str:
    """What :func:`dumps` takes, each format with its aliases: ``jsonld (json, json-ld)``…"""
    names = []
    for fmt in sorted(_WRITTEN_FORMATS):
        aliases = sorted(name for name, target in FORMATS.items() if target == fmt and name != fmt)
        names.append(f"{fmt} ({', '.join(aliases)})" if aliases else fmt)
    return ", ".join(names)


def _written_format(name: str) -> str:
    """The format :func:`dumps` writes for ``name``; ``UnsupportedFormatError`` lists those it
    writes."""
    found = FORMATS.get(name.lower()) if isinstance(name, str) else None
    if found is None:
        raise UnsupportedFormatError(f"unknown format {name!r}; dumps writes {_written_names()}")
    if found not in _WRITTEN_FORMATS:
        raise UnsupportedFormatError(
            f"dumps does not write {name!r}: legacy ELM v2 XML is read, never written; "
            f"dumps writes {_written_names()}"
        )
    return found


def read_file(path: Path, max_bytes: int) -> bytes:
    """A file's bytes, refusing more than ``max_bytes``; typed errors for missing or unreadable files."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
            raise SourceError("is not a regular file", file=str(path))
        size = info.st_size
        if size > max_bytes:
            raise DocumentTooLargeError(f"{path.name} has {size} bytes, more than the limit of {max_bytes}")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise SourceError("no such file", file=str(path)) from None
    except IsADirectoryError:
        raise SourceError("is a directory, not a file", file=str(path)) from None
    except OSError as exc:
        raise SourceError(f"cannot be read: {exc.strerror}", file=str(path)) from None
    if len(data) > max_bytes:
        raise DocumentTooLargeError(f"{path.name} has more than {max_bytes} bytes")
    return data


def _sniff(data: bytes | str) -> str:
    head = data[:2048]
    text = head.decode("utf-8", "replace") if isinstance(head, bytes) else head
    text = text.lstrip("\ufeff \t\r\n")
    if text[:1] in ("{", "[") or _JSON_SCALAR_START.match(text) or _is_json_word(data):
        return "jsonld"  # no Turtle starts with a number or a string, or is a bare true/null
    found = _XML_START.match(text)
    if found and (found.group(1)[0] in "?!" or _ends_as_xml(data)):
        return "rdfxml"  # ``<urn:a> <urn:p> <urn:o> .`` starts like an element, ends as Turtle
    if isinstance(head, bytes) and head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "rdfxml"
    return "turtle"


#: What starts a JSON number or string (no Turtle document starts so).
_JSON_SCALAR_START = re.compile(r'-?[0-9]|"')


def _is_json_word(data: bytes | str) -> bool:
    """Whether the document is nothing but ``true``, ``false`` or ``null``."""
    if len(data) > 64:
        return False
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return text.strip("\ufeff \t\r\n") in ("true", "false", "null")


def _check_nodes(document: Any) -> None:
    """A JSON-LD document is a node object, or an array of them: ``42``, ``null`` or ``[1]``
    hold no node (``ParseError``, at the value that is none)."""
    if isinstance(document, Mapping):
        return
    if isinstance(document, list):
        if not document:
            raise ParseError("not a node: the document is an empty array")
        for position, item in enumerate(document):
            if not isinstance(item, Mapping):
                raise ParseError(
                    "not a node: a JSON-LD document is a JSON object or an array of nodes (JSON "
                    f"objects), and this item is {json_kind(item)}",
                    path=f"/{position}",
                )
        return
    raise ParseError(
        "not a node: a JSON-LD document is a JSON object or an array of nodes (JSON objects), "
        f"not {json_kind(document)}"
    )


def _ends_as_xml(data: bytes | str) -> bool:
    """Whether a document ends as XML does (``>``), not as a Turtle statement (``.``)."""
    if isinstance(data, bytes):
        return data[-64:].rstrip(b" \t\r\n\x00").endswith(b">")
    return data[-64:].rstrip(" \t\r\n").endswith(">")


def _is_path(source: str) -> bool:
    """A string names a file unless it looks like a document (JSON, XML, Turtle)."""
    stripped = source.lstrip()
    if (
        not stripped
        or stripped[0] in "{[<@#"
        or "\n" in source
        or len(source) > 4096
        or stripped.startswith(("PREFIX", "BASE"))
    ):
        return False
    return os.path.exists(source) or not ("<" in source or '"' in source)


def load(
    source: str | os.PathLike[str] | bytes | Mapping[str, Any] | list[Any],
    *,
    strict: bool = False,
    document_loader: DocumentLoader | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    format: str | None = None,
    root: str | None = None,
) -> ElmNode:
    """Read a credential, presentation or any ELM node.

    ``source`` is a path (``str`` or ``PathLike``), the document's bytes or text, or parsed JSON.
    The format is told by ``format`` (``jsonld``, ``turtle``, ``nt``, ``rdfxml``, ``elmv2``), else
    by the file suffix, else by the content; XML that is a legacy ELM v2 (EDCI 1.x) credential is
    converted to ELM 3.2 (see :func:`elmkit.serializers.elmv2.load_elmv2`). The returned node's :attr:`~elmkit.model.ElmNode.origin` is
    an :class:`Origin`.

    Nothing is fetched: JSON-LD contexts other than the W3C credentials and EDC ones need a
    ``document_loader`` that resolves them. ``strict`` refuses properties the model does not
    know. ``root`` picks the node of a multi-node document or graph (by its IRI).
    """
    if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes <= 0:
        raise UnsupportedFormatError(f"max_bytes must be a positive integer, not {max_bytes!r}")
    if root is not None and not isinstance(root, str):
        raise UnsupportedFormatError(f"root must be a node's IRI, not {root!r}")
    path: Path | None = None
    data: bytes | str | None = None
    parsed: Any = None
    if isinstance(source, os.PathLike) or (isinstance(source, str) and _is_path(source)):
        path = Path(os.fspath(source))
        data = read_file(path, max_bytes)
    elif isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str):
        data = source
    elif isinstance(source, Mapping | list):
        parsed = source
    else:
        raise UnsupportedFormatError(f"cannot load a {type(source).__name__}")
    fmt = _format(format)
    if fmt is None and path is not None:
        fmt = _SUFFIXES.get(path.suffix.lower())
    if data is not None and fmt is None:
        fmt = _sniff(data)
    if parsed is not None or fmt == "jsonld":
        shape: JsonShape | None = None
        if parsed is not None:
            check_unicode(parsed)
        else:
            assert data is not None
            try:
                parsed, shape = parse_json_shape(data, max_bytes=max_bytes)
            except JsonSyntaxError as exc:
                if path is None:
                    raise
                raise JsonSyntaxError(
                    exc.reason, line=exc.line, column=exc.column, file=str(path)
                ) from None
        _check_nodes(parsed)
        return _load_json(parsed, shape, strict=strict, loader=document_loader, path=path, root=root, max_bytes=max_bytes)
    assert data is not None and fmt is not None
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if fmt in ("rdfxml", "elmv2") and format != "rdfxml":
        from elmkit.serializers.elmv2 import convert_elmv2, is_elmv2, xml_text_bytes

        raw = xml_text_bytes(data) if isinstance(data, str) else data
        if fmt == "elmv2" or is_elmv2(raw):
            if len(raw) > max_bytes:
                raise DocumentTooLargeError(
                    f"the document has {len(raw)} bytes, more than the limit of {max_bytes}"
                )
            return convert_elmv2(raw, path, strict=strict)[0]
    if size > max_bytes:
        raise DocumentTooLargeError(f"the document has {size} bytes, more than the limit of {max_bytes}")
    from elmkit.serializers.rdf import from_graph as graph_to_node
    from elmkit.serializers.rdf import parse_rdf

    left_out: list[str] = []
    graph = parse_rdf(data, fmt, source=None if path is None else str(path))
    node = graph_to_node(graph, root=root, strict=strict, left_out=left_out)
    node.set_origin(Origin(kind="rdf", format=fmt, source=path, left_out=tuple(left_out)))
    return node


def load_credential(
    source: str | os.PathLike[str] | bytes | Mapping[str, Any] | list[Any],
    *,
    strict: bool = False,
    document_loader: DocumentLoader | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    format: str | None = None,
    root: str | None = None,
) -> EuropeanDigitalCredential:
    """:func:`load` for a credential, typed as one: every form and option :func:`load` reads.

    A document that holds another node (a presentation, a bare ``VerifiableCredential``, an
    organisation…) raises :class:`~elmkit.errors.ModelError` naming what it holds.
    """
    node = load(
        source,
        strict=strict,
        document_loader=document_loader,
        max_bytes=max_bytes,
        format=format,
        root=root,
    )
    if not isinstance(node, EuropeanDigitalCredential):
        hint = (
            ": its credentials are in verifiable_credential"
            if isinstance(node, VerifiablePresentation)
            else ""
        )
        raise ModelError(
            f"not a credential: the document holds a {type(node).__name__}, not a "
            f"EuropeanDigitalCredential{hint}",
            path="/type",
        )
    return node


def _is_upload(doc: Mapping[str, Any]) -> bool:
    return isinstance(doc.get("credential"), Mapping) and "type" not in doc and "@context" not in doc


def _is_sealed(doc: Mapping[str, Any]) -> bool:
    return (
        isinstance(doc.get("payload"), str)
        and ("signatures" in doc or "signature" in doc)
        and "type" not in doc
        and "@context" not in doc
    )


def _b64url(text: str, where: str) -> bytes:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise ParseError("not base64url", path=where) from None


def _sealed_payload(doc: Mapping[str, Any]) -> bytes:
    """The bytes a JWS envelope signs: the payload as stored for ``b64: false`` (JAdES as EDC
    seals), otherwise the base64url-decoded payload."""
    signatures = doc.get("signatures")
    if signatures is None:
        headers = [(doc.get("protected"), "/protected")]
    elif isinstance(signatures, list) and signatures:
        headers = [(s.get("protected") if isinstance(s, Mapping) else None, f"/signatures/{i}/protected") for i, s in enumerate(signatures)]
    else:
        raise ParseError("a sealed envelope needs at least one signature", path="/signatures")
    encoded = True
    for protected, where in headers:
        if not isinstance(protected, str):
            raise ParseError("the signature has no protected header", path=where)
        try:
            header = parse_json(_b64url(protected, where), max_bytes=1_000_000)
        except ParseError as exc:
            raise ParseError(f"the protected header is not JSON: {exc.message}", path=where) from None
        if not isinstance(header, Mapping):
            raise ParseError("the protected header is not a JSON object", path=where)
        if header.get("b64") is False:
            encoded = False
    payload: str = doc["payload"]
    return _b64url(payload, "/payload") if encoded else payload.encode("utf-8")


def _load_json(
    doc: Any,
    shape: JsonShape | None,
    *,
    strict: bool,
    loader: DocumentLoader | None,
    path: Path | None,
    root: str | None,
    max_bytes: int,
) -> ElmNode:
    kind = "document"
    envelope: dict[str, Any] | None = None
    payload: bytes | None = None
    details: dict[str, Any] | None = None
    if isinstance(doc, Mapping) and _is_sealed(doc):
        kind = "sealed"
        envelope = dict(doc)
        payload = _sealed_payload(doc)
        doc, shape = parse_json_shape(payload, max_bytes=max_bytes)
    if isinstance(doc, Mapping) and _is_upload(doc):
        kind = "upload" if kind == "document" else kind
        envelope = envelope or dict(doc)
        found = doc.get("deliveryDetails")
        if found is not None and not isinstance(found, Mapping):
            raise ModelError("deliveryDetails must be a JSON object", path="/deliveryDetails")
        details = dict(found) if found is not None else None
        doc = doc["credential"]
        if shape is not None:
            shape = dataclasses.replace(shape, depth=shape.depth - 1)
    left_out: list[str] = []
    node = read_jsonld(
        doc, strict=strict, document_loader=loader, root=root, shape=shape, left_out=left_out
    )
    node.set_origin(
        Origin(
            kind=kind,
            format="jsonld",
            source=path,
            envelope=envelope,
            payload=payload,
            delivery_details=details,
            context=doc.get("@context") if isinstance(doc, Mapping) else None,
            left_out=tuple(left_out),
        )
    )
    return node


def dumps(
    obj: ElmNode,
    format: str = "jsonld",
    *,
    wrapper: bool = False,
    delivery_details: Mapping[str, Any] | None = None,
    indent: int | None = None,
    sort: bool = True,
) -> str:
    """Write a node as compact JSON-LD (default), Turtle, N-Triples or RDF/XML (``xml``).

    JSON-LD carries the standard ``@context`` (W3C credentials v1 + EDC); ``wrapper=True`` puts
    the credential in the Europass upload wrapper, with ``delivery_details`` (by default those the
    node was loaded with). Compact JSON unless ``indent`` is given; ``sort`` orders terms by name.
    """
    fmt = _written_format(format)
    if not isinstance(obj, ElmNode):
        raise ModelError(f"dumps expects an ELM node, got {type(obj).__name__}")
    if fmt == "jsonld":
        doc: dict[str, Any] = node_to_jsonld(obj, sort=sort)
        if wrapper:
            details = delivery_details
            origin = obj.origin
            if details is None and isinstance(origin, Origin):
                details = origin.delivery_details
            doc = {"credential": doc}
            if details is not None:
                doc["deliveryDetails"] = dict(details)
        try:
            if indent is None:
                return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            return json.dumps(doc, ensure_ascii=False, indent=indent, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ModelError(f"the node cannot be written as JSON: {exc}") from None
    if wrapper or delivery_details is not None:
        raise UnsupportedFormatError("the upload wrapper exists only for JSON-LD")
    from elmkit.serializers.rdf import serialize_graph
    from elmkit.serializers.rdf import to_graph as node_to_graph

    return serialize_graph(node_to_graph(obj), fmt)


def to_graph(node: ElmNode) -> Graph:
    """The rdflib graph of a node (see :func:`elmkit.serializers.rdf.to_graph`)."""
    from elmkit.serializers.rdf import to_graph as node_to_graph

    return node_to_graph(node)


def from_graph(graph: Graph, *, root: str | None = None, strict: bool = False) -> ElmNode:
    """The node an rdflib graph describes (see :func:`elmkit.serializers.rdf.from_graph`)."""
    from elmkit.serializers.rdf import from_graph as graph_to_node

    return graph_to_node(graph, root=root, strict=strict)

