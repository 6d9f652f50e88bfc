"""Relative IRI references read without a base stay as written.

JSON-LD expansion and Turtle parsing resolve relative references against a base IRI; a document
read from bytes has none, and the libraries then invent one (pyld ``http://example.org/base/``,
rdflib the current directory). elmkit gives them :data:`NO_BASE` instead, a base of its own that
no real IRI uses, and turns whatever was resolved against it back into the reference written.
A base the document declares itself (``@base``) is used as usual.
"""

from __future__ import annotations

__all__ = ["NO_BASE", "NO_BASE_SCHEME", "as_written"]

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
