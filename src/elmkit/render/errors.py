"""Errors raised while rendering display pages."""

from __future__ import annotations

from elmkit.errors import ElmError

__all__ = ["FontError", "InvalidImageError", "RenderError", "RenderUnavailableError"]


class RenderError(ElmError):
    """A display page could not be rendered."""


class RenderUnavailableError(RenderError):
    """Pillow is not installed; install the ``render`` extra: ``pip install 'elmkit[render]'``."""


class InvalidImageError(RenderError, ValueError):
    """Image bytes (a logo, a page) are not a readable image of an accepted type."""


class FontError(RenderError):
    """A font file is missing or is not a TrueType/OpenType font."""
