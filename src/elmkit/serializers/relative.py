"""Relative IRI references read without a base stay as written.

JSON-LD expansion and Turtle parsing resolve relative references against a base IRI; a document
read from bytes has none, and the libraries then invent one (pyld ``http://example.org/base/``,
rdflib the current directory). elmkit gives them :data:`NO_BASE` instead, a base of its own that
no real IRI uses, and turns whatever was resolved against it back into the reference written.
A base the document declares itself (``@base``) is used as usual.

Resolving removes dot segments (RFC 3986 §5.2.4: ``a/./b`` is ``a/b``, ``./x`` is ``x``), as
pyld does; the RDF parsers do it only in part (rdflib's Turtle reader turns ``./x`` into ``x``
but keeps ``a/./b``; its RDF/XML reader resolves nothing without ``xml:base``), so elmkit
finishes the resolution itself: a relative reference reads the same on every road and in every
format.
"""

from __future__ import annotations

import re

__all__ = ["NO_BASE", "NO_BASE_SCHEME", "as_written", "has_dot_segment", "resolved"]

#: The scheme of :data:`NO_BASE`: an IRI that starts with it was relative in the document.
NO_BASE_SCHEME = "elmkit-no-base:"
_ROOT = NO_BASE_SCHEME + "//base/"
_DIRECTORIES = tuple(str(n) for n in range(1, 17))
#: The base relative references are resolved against; its depth lets ``../`` references come
#: back as written.
NO_BASE = _ROOT + "/".join(_DIRECTORIES) + "/"


def as_written(iri: str) -> str:
    """The relative reference that resolved to ``iri`` against :data:`NO_BASE` (``iri`` itself
    when it is no such result).

    Dot segments come back removed (``a/./b`` as ``a/b``); a reference with more ``../`` than the
    base is deep comes back as the absolute path it reached.
    """
    if not iri.startswith(NO_BASE_SCHEME):
        return iri
    if iri.startswith(NO_BASE):
        return iri[len(NO_BASE) :]
    if not iri.startswith(_ROOT):  # a network-path reference: //host/path
        return iri[len(NO_BASE_SCHEME) :]
    parts = iri[len(_ROOT) :].split("/")
    shared = 0
    while shared < min(len(_DIRECTORIES), len(parts) - 1) and parts[shared] == _DIRECTORIES[shared]:
        shared += 1
    if shared == 0:
        return "/" + "/".join(parts)
    return "../" * (len(_DIRECTORIES) - shared) + "/".join(parts[shared:])


#: An IRI's scheme (``http:``, ``urn:``): a reference without one is relative.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def has_dot_segment(reference: str) -> bool:
    """Whether a relative reference has a ``.`` or ``..`` segment in its path (``a/./b``,
    ``./x``, ``a/../b``): resolving it changes how it is written."""
    if "/." not in reference and reference[:1] != ".":
        return False
    if _SCHEME.match(reference) or reference.startswith("_:"):
        return False
    path = reference.split("?", 1)[0].split("#", 1)[0]
    return any(segment in (".", "..") for segment in path.split("/"))


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4."""
    out: list[str] = []
    segments = path.split("/")
    for position, segment in enumerate(segments):
        last = position == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/".join(out)


def resolved(iri: str) -> str:
    """An IRI a parser gave for a reference read without a base, fully resolved and written
    back as a relative reference: one resolved against :data:`NO_BASE` with dot segments left,
    or one left relative (RDF/XML without ``xml:base``). Other IRIs come back unchanged."""
    if iri.startswith(NO_BASE_SCHEME):
        absolute = iri
    elif _SCHEME.match(iri) or iri.startswith("_:"):
        return iri
    elif iri.startswith("//"):
        absolute = NO_BASE_SCHEME + iri
    elif iri.startswith("/"):
        absolute = _ROOT[:-1] + iri
    elif iri[:1] in ("", "?", "#"):
        return iri
    else:
        absolute = NO_BASE + iri
    rest = absolute[len(NO_BASE_SCHEME) :]
    cut = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    head, tail = rest[:cut], rest[cut:]
    if head.startswith("//"):
        slash = head.find("/", 2)
        if slash >= 0:
            head = head[:slash] + _remove_dot_segments(head[slash:])
    return as_written(NO_BASE_SCHEME + head + tail)
