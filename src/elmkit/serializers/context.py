"""JSON-LD contexts: the EDC context generated from the model, the W3C contexts, offline loading.

The EDC application-profile context (``http://data.europa.eu/snb/model/context/edc-ap``) is built
from :func:`elmkit.model.schema`: its prefixes, class terms, property terms and their coercions.
Where that differs from the context the Commission publishes, the difference is deliberate and
listed in :data:`CONTEXT_DEVIATIONS` (the only list of them).

:func:`offline_document_loader` gives pyld a document loader that answers the W3C credentials
contexts (v1 and v2) and the EDC context from elmkit's own copies and refuses every other URL,
unless a fallback loader chosen by the caller is given.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from elmkit.errors import NetworkDisabledError
from elmkit.serializers._w3c import credentials_v1, credentials_v2, status_list_2021

__all__ = [
    "CONTEXT_DEVIATIONS",
    "EDC_CONTEXT_URL",
    "STANDARD_CONTEXT",
    "STATUS_CONTEXT",
    "STATUS_ENTRY_TYPES",
    "STATUS_LIST_2021_URL",
    "VC1_CONTEXT_URL",
    "VC2_CONTEXT_URL",
    "ContextDeviation",
    "DocumentLoader",
    "builtin_context",
    "edc_context",
    "edc_prefixes",
    "offline_document_loader",
]

VC1_CONTEXT_URL = "https://www.w3.org/2018/credentials/v1"
VC2_CONTEXT_URL = "https://www.w3.org/ns/credentials/v2"
EDC_CONTEXT_URL = "http://data.europa.eu/snb/model/context/edc-ap"
#: Other spellings of the EDC context URL that resolve to the same document.
EDC_CONTEXT_ALIASES = ("https://data.europa.eu/snb/model/context/edc-ap",)
#: The context of ``StatusList2021Entry`` status entries (VC data model 1.1 credentials).
STATUS_LIST_2021_URL = "https://w3id.org/vc/status-list/2021/v1"
#: The ``@context`` elmkit writes on every credential.
STANDARD_CONTEXT: tuple[str, str] = (VC1_CONTEXT_URL, EDC_CONTEXT_URL)
#: The ``@context`` of a credential that carries a status list entry.
STATUS_CONTEXT: tuple[str, str, str] = (VC1_CONTEXT_URL, EDC_CONTEXT_URL, STATUS_LIST_2021_URL)
#: Type names the status list context defines for credential status entries.
STATUS_ENTRY_TYPES = frozenset({"StatusList2021Entry"})

#: A pyld document loader: ``loader(url, options) -> remote document``.
DocumentLoader = Callable[..., dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ContextDeviation:
    """One term where elmkit's EDC context differs from the published one."""

    term: str
    kind: str
    """``changed`` (the published definition is replaced) or ``added`` (it has no such term)."""
    published: str | dict[str, str] | None
    """The published definition (``None`` for added terms)."""
    reason: str


def _deviations(*items: ContextDeviation) -> dict[str, ContextDeviation]:
    return {item.term: item for item in items}


#: Every difference between the generated EDC context and the published ELM 3.2 one.
CONTEXT_DEVIATIONS: dict[str, ContextDeviation] = _deviations(
    ContextDeviation(
        "clv",
        "changed",
        "http://data.europa.eu/m8g",
        "The published prefix lacks its trailing slash, so clv:latitude never reaches "
        "http://data.europa.eu/m8g/latitude (JSON-LD 1.0 gives http://data.europa.eu/m8glatitude, "
        "1.1 leaves the IRI 'clv:latitude'); the Core Location namespace ends with '/'.",
    ),
    ContextDeviation(
        "latitude",
        "changed",
        {"@id": "clv:latitude", "@type": "xsd:string"},
        "Same definition, but it expands through the corrected clv prefix "
        "(http://data.europa.eu/m8g/latitude).",
    ),
    ContextDeviation(
        "longitude",
        "changed",
        {"@id": "clv:longitude", "@type": "xsd:string"},
        "Same definition, but it expands through the corrected clv prefix "
        "(http://data.europa.eu/m8g/longitude).",
    ),
    ContextDeviation(
        "dateModified",
        "changed",
        {"@id": "dc:modified", "@type": "@id"},
        "Published as an IRI reference, but the shapes make dc:modified an xsd:dateTime literal; "
        "a date written for it would otherwise become a relative IRI.",
    ),
    ContextDeviation(
        "descriptionHtml",
        "changed",
        {"@id": "elm:descriptionHtml", "@type": "@id"},
        "Published as an IRI reference, but the shapes make it an rdf:HTML literal.",
    ),
    ContextDeviation(
        "id",
        "added",
        None,
        "Alias of @id (as in the W3C contexts) so that documents using the EDC context alone "
        "keep their node identifiers; identical to the W3C definition, so it may follow it.",
    ),
    ContextDeviation(
        "type",
        "added",
        None,
        "Alias of @type (as in the W3C contexts), for the same reason as 'id'.",
    ),
    ContextDeviation(
        "areaDialing",
        "added",
        None,
        "Phone.areaDialing (elm:areaDialing) is in the shapes but has no term; the published "
        "context only has areaDialingCode (elm:areaDialingCode), which no shape uses.",
    ),
    ContextDeviation(
        "defaultLanguage",
        "added",
        None,
        "DisplayParameter.defaultLanguage (elm:defaultLanguage) is in the shapes but has no term.",
    ),
    ContextDeviation(
        "geometry",
        "added",
        None,
        "Location.geometry (locn:geometry) is in the shapes but has no term.",
    ),
    ContextDeviation(
        "hasMember",
        "added",
        None,
        "Organisation.hasMember (org:hasMember) is in the shapes but has no term.",
    ),
)


def _curie(iri: str, namespaces: dict[str, str]) -> str:
    for prefix, ns in namespaces.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


@functools.cache
def _generated() -> dict[str, Any]:
    from elmkit.model import schema

    model = schema()
    namespaces = dict(model.namespaces)
    ctx: dict[str, Any] = dict(namespaces)
    ctx["id"] = "@id"
    ctx["type"] = "@type"
    w3c_terms = set(credentials_v1()["@context"])
    classes = sorted((info.term, info.iri) for info in model if info.term not in w3c_terms)
    for term, iri in classes:
        ctx[term] = _curie(iri, namespaces)
    terms: dict[str, dict[str, str]] = {}
    for term, (iri, coercion, origin) in model.terms().items():
        if origin != "edc":
            continue
        terms[term] = {"@id": _curie(iri, namespaces), **coercion}
    for term, definition in model.extra_terms.items():
        terms.setdefault(term, dict(definition))
    for term in sorted(terms):
        ctx[term] = terms[term]
    return {"@context": ctx}


def edc_context() -> dict[str, Any]:
    """The EDC context document elmkit uses (a fresh copy)."""
    return copy.deepcopy(_generated())


def edc_prefixes() -> dict[str, str]:
    """The prefixes the EDC context declares (prefix -> namespace IRI)."""
    from elmkit.model import schema

    return dict(schema().namespaces)


@functools.cache
def _builtin() -> dict[str, dict[str, Any]]:
    docs = {
        VC1_CONTEXT_URL: credentials_v1(),
        VC2_CONTEXT_URL: credentials_v2(),
        EDC_CONTEXT_URL: _generated(),
        STATUS_LIST_2021_URL: status_list_2021(),
    }
    for alias in EDC_CONTEXT_ALIASES:
        docs[alias] = docs[EDC_CONTEXT_URL]
    return docs


@dataclass(frozen=True, slots=True)
class TermKinds:
    """What the standard contexts (with the status list one) declare, in any scoped context, for
    telling plain documents apart."""

    prefixes: frozenset[str]
    """Prefixes a compact IRI may use."""
    iri_terms: frozenset[str]
    """Terms whose string values are IRIs (``@type: @id`` or ``@vocab``, and ``id``): a string
    with a known prefix changes meaning under expansion only there."""
    language_maps: frozenset[str]
    """Terms whose object values are language maps (``@container: @language``)."""


@functools.cache
def standard_term_kinds() -> TermKinds:
    """The :class:`TermKinds` of the standard contexts."""
    prefixes: set[str] = set()
    iri_terms: set[str] = {"id", "@id"}
    language_maps: set[str] = set()

    def visit(context: Any) -> None:
        if isinstance(context, list):
            for item in context:
                visit(item)
            return
        if not isinstance(context, dict):
            return
        for term, definition in context.items():
            if isinstance(definition, str) and definition.endswith(("/", "#")):
                prefixes.add(term)
            elif isinstance(definition, dict):
                if definition.get("@prefix") is True:
                    prefixes.add(term)
                if definition.get("@type") in ("@id", "@vocab"):
                    iri_terms.add(term)
                if definition.get("@container") == "@language":
                    language_maps.add(term)
                visit(definition.get("@context"))

    for url in STATUS_CONTEXT:
        visit(_builtin()[url]["@context"])
    return TermKinds(frozenset(prefixes), frozenset(iri_terms), frozenset(language_maps))


def holds_compact_iri(value: Any) -> bool:
    """Whether ``value`` (a string, or lists of them) holds a compact IRI with a standard prefix,
    which expansion would turn into a full IRI where an IRI is expected."""
    prefixes = standard_term_kinds().prefixes
    pending = [value]
    while pending:
        item = pending.pop()
        if type(item) is list:
            pending.extend(item)
        elif type(item) is str and ":" in item:
            prefix, _, rest = item.partition(":")
            if prefix in prefixes and not rest.startswith("//"):
                return True
    return False


def builtin_context(url: str) -> dict[str, Any] | None:
    """A fresh copy of the context document elmkit holds for ``url``, or ``None``."""
    doc = _builtin().get(url)
    return copy.deepcopy(doc) if doc is not None else None


def offline_document_loader(fallback: DocumentLoader | None = None) -> DocumentLoader:
    """A pyld document loader that never touches the network by itself.

    The W3C credentials contexts (v1, v2), the StatusList2021 context and the EDC context are
    answered from elmkit's copies.
    Any other URL goes to ``fallback`` when given (the caller decides what it may fetch), and
    otherwise raises :class:`~elmkit.errors.NetworkDisabledError`.
    """

    def load(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        doc = builtin_context(url)
        if doc is not None:
            return {"contextUrl": None, "documentUrl": url, "document": doc}
        if fallback is not None:
            return fallback(url, options or {})
        raise NetworkDisabledError(
            f"the JSON-LD context {url!r} is not available offline; pass a document_loader "
            "that may resolve it"
        )

    return load
