"""JSON-LD nodes that carry a rendered page: ``MediaObject`` and ``IndividualDisplay``.

The concept IRIs are those the EDC uses for a base64-encoded JPEG page image.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from elmkit.errors import ModelError
from elmkit.render.errors import InvalidImageError

__all__ = [
    "BASE64_ENCODING",
    "JPEG_CONTENT_TYPE",
    "individual_display",
    "media_object",
]

BASE64_ENCODING: Mapping[str, Any] = {
    "id": "http://data.europa.eu/snb/encoding/6146cde7dd",
    "type": "Concept",
    "inScheme": {"id": "http://data.europa.eu/snb/encoding/25831c2", "type": "ConceptScheme"},
    "prefLabel": {"en": "base64"},
}
"""The EDC content-encoding concept "base64"."""

JPEG_CONTENT_TYPE: Mapping[str, Any] = {
    "id": "http://publications.europa.eu/resource/authority/file-type/JPEG",
    "type": "Concept",
    "inScheme": {
        "id": "http://publications.europa.eu/resource/authority/file-type",
        "type": "ConceptScheme",
    },
    "notation": "file-type",
    "prefLabel": {"en": "JPEG"},
}
"""The EU file-type authority concept "JPEG"."""

_NAMESPACE = uuid.UUID("6f1d8f3e-4c1b-5b8e-9a52-2c5b8f0e7d41")
_MAX_IMAGE_BYTES = 16 * 1024 * 1024


def _node_id(kind: str, *parts: str) -> str:
    """A stable ``urn:uuid:`` for a node, derived from what it holds."""
    return "urn:uuid:" + str(uuid.uuid5(_NAMESPACE, "\x1f".join((kind, *parts))))


def _check_jpeg(jpeg_bytes: object) -> bytes:
    if not isinstance(jpeg_bytes, bytes | bytearray | memoryview):
        raise InvalidImageError(f"page image must be bytes, not {type(jpeg_bytes).__name__}")
    data = bytes(jpeg_bytes)
    if not data.startswith(b"\xff\xd8\xff") or len(data) < 4:
        raise InvalidImageError("page image is not a JPEG (missing the FF D8 FF signature)")
    if len(data) > _MAX_IMAGE_BYTES:
        raise InvalidImageError(f"page image is larger than {_MAX_IMAGE_BYTES} bytes")
    return data


def media_object(jpeg_bytes: bytes, *, node_id: str | None = None) -> dict[str, Any]:
    """A ``MediaObject`` holding ``jpeg_bytes`` base64-encoded, with its encoding and type.

    ``node_id`` defaults to a ``urn:uuid:`` derived from the image bytes, so the same image
    always gets the same id.
    """
    data = _check_jpeg(jpeg_bytes)
    digest = hashlib.sha256(data).hexdigest()
    return {
        "id": node_id or _node_id("MediaObject", digest),
        "type": "MediaObject",
        "content": base64.b64encode(data).decode("ascii"),
        "contentEncoding": copy.deepcopy(dict(BASE64_ENCODING)),
        "contentType": copy.deepcopy(dict(JPEG_CONTENT_TYPE)),
    }


def individual_display(
    language_concept: Mapping[str, Any], jpeg_bytes: bytes, page: int = 1
) -> dict[str, Any]:
    """An ``IndividualDisplay`` for one language with one ``DisplayDetail`` (the page image).

    ``language_concept`` is the language ``Concept`` node (an EU language authority IRI such as
    ``http://publications.europa.eu/resource/authority/language/CAT``); it is copied as given.
    """
    if not isinstance(language_concept, Mapping) or not isinstance(language_concept.get("id"), str):
        raise ModelError("language_concept must be a Concept node with an 'id' IRI")
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise ModelError(f"page must be a positive integer, not {page!r}")
    image = media_object(jpeg_bytes)
    lang_iri = str(language_concept["id"])
    return {
        "id": _node_id("IndividualDisplay", lang_iri, image["id"], str(page)),
        "type": "IndividualDisplay",
        "language": copy.deepcopy(dict(language_concept)),
        "displayDetail": {
            "id": _node_id("DisplayDetail", lang_iri, image["id"], str(page)),
            "type": "DisplayDetail",
            "image": image,
            "page": page,
        },
    }
