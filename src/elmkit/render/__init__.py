"""Display pages of a credential: one A4 landscape JPEG per language.

EDC shows a credential through ``displayParameter`` → ``individualDisplay`` (one per language)
→ ``displayDetail`` → ``image``, a base64 JPEG ``MediaObject``. This package draws those pages
(:func:`render_page`, needs the ``render`` extra: Pillow) and builds the JSON-LD nodes that carry
them (:func:`individual_display`, :func:`media_object`, plain Python).
"""

from __future__ import annotations

from elmkit.render.display import (
    BASE64_ENCODING,
    JPEG_CONTENT_TYPE,
    individual_display,
    media_object,
)
from elmkit.render.errors import FontError, InvalidImageError, RenderError, RenderUnavailableError
from elmkit.render.fonts import FontSet, default_fonts, font_coverage, missing_characters
from elmkit.render.labels import (
    LABELS,
    SUPPORTED_LANGUAGES,
    PageLabels,
    fallback_chain,
    format_date,
    format_number,
    labels_for,
    resolve_language,
)
from elmkit.render.page import (
    DEFAULT_QUALITY,
    DEFAULT_WIDTH_PX,
    PageData,
    PageLayout,
    TextBox,
    layout_page,
    render_page,
)

__all__ = [
    "BASE64_ENCODING",
    "DEFAULT_QUALITY",
    "DEFAULT_WIDTH_PX",
    "JPEG_CONTENT_TYPE",
    "LABELS",
    "SUPPORTED_LANGUAGES",
    "FontError",
    "FontSet",
    "InvalidImageError",
    "PageData",
    "PageLabels",
    "PageLayout",
    "RenderError",
    "RenderUnavailableError",
    "TextBox",
    "default_fonts",
    "fallback_chain",
    "font_coverage",
    "format_date",
    "format_number",
    "individual_display",
    "labels_for",
    "layout_page",
    "media_object",
    "missing_characters",
    "render_page",
    "resolve_language",
]
