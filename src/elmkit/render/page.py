"""Lay out and draw one credential display page: an A4 landscape JPEG.

:func:`layout_page` computes where every line of text goes (and returns the boxes, so callers
and tests can check that nothing leaves the page); :func:`render_page` draws that layout with
Pillow and encodes it as a JPEG. The same input always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import math
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from elmkit.errors import ModelError
from elmkit.render.errors import FontError, InvalidImageError, RenderError, RenderUnavailableError
from elmkit.render.fonts import FontSet, default_fonts, missing_characters
from elmkit.render.labels import (
    PageLabels,
    format_date,
    format_number,
    labels_for,
    resolve_language,
)

if TYPE_CHECKING:
    from PIL.Image import Image
    from PIL.ImageFont import FreeTypeFont

__all__ = [
    "A4_RATIO",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_QUALITY",
    "DEFAULT_WIDTH_PX",
    "Box",
    "PageData",
    "PageLayout",
    "TextBox",
    "layout_page",
    "render_page",
]

A4_RATIO = 297 / 210
"""Width over height of an A4 landscape page."""

DEFAULT_WIDTH_PX = 1754
"""A4 landscape at 150 dpi: 1754 × 1240 pixels."""

DEFAULT_QUALITY = 80
"""JPEG quality tried first."""

DEFAULT_MAX_BYTES = 250_000
"""Pages larger than this are encoded again at lower quality."""

MAX_LOGO_BYTES = 10 * 1024 * 1024
MAX_LOGO_PIXELS = 40_000_000

Box = tuple[int, int, int, int]
"""``(left, top, right, bottom)`` in pixels."""

RGB = tuple[int, int, int]

_WHITE: RGB = (255, 255, 255)
_NAVY: RGB = (23, 48, 92)
_GOLD: RGB = (178, 142, 62)
_INK: RGB = (28, 31, 38)
_GREY: RGB = (92, 98, 112)
_RULE: RGB = (214, 218, 226)

_BASE_WIDTH = 1754  # every distance below is in pixels of a page this wide
_ELLIPSIS = "…"


def _require_pil() -> None:
    try:
        import PIL.Image
        import PIL.ImageFont  # noqa: F401
    except ImportError as exc:
        raise RenderUnavailableError(
            "rendering display pages needs Pillow: install it with pip install 'elmkit[render]'"
        ) from exc


def _clean(text: str) -> str:
    """NFC; controls and separators become spaces, invisible format characters (soft hyphen,
    zero-width space…) go; runs of whitespace collapse to one space."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        category = unicodedata.category(ch)
        if category == "Cc" or category[0] == "Z":
            out.append(" ")
        elif category[0] != "C":
            out.append(ch)
    return " ".join("".join(out).split())


def _check_text(name: str, value: object, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise ModelError(f"PageData.{name} must be a string, not {type(value).__name__}")
    cleaned = _clean(value)
    if required and not cleaned:
        raise ModelError(f"PageData.{name} must not be empty")
    return cleaned


def _check_amount(name: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ModelError(f"PageData.{name} must be a number, not {type(value).__name__}")
    if not math.isfinite(value) or value < 0:
        raise ModelError(f"PageData.{name} must be a finite number >= 0, not {value!r}")
    return float(value)


@dataclass(frozen=True, slots=True)
class PageData:
    """What one page shows, already resolved to the page's language by the caller.

    Texts are cleaned on construction (NFC, whitespace collapsed). ``logo`` is PNG or JPEG
    bytes. ``labels``, when given, replaces the built-in labels of the page's language.
    ``part_of`` is the title of the programme a module (or a course of a programme) is part of,
    shown under the title.
    """

    title: str
    learner_name: str
    awarding_body: str
    issue_date: date
    credential_id: str
    logo: bytes | None = None
    ects: float | None = None
    workload_hours: float | None = None
    eqf_level: int | None = None
    learning_outcomes: Sequence[str] = ()
    description: str | None = None
    labels: PageLabels | None = None
    part_of: str | None = None

    def __post_init__(self) -> None:
        put = object.__setattr__
        for name in ("title", "learner_name", "awarding_body", "credential_id"):
            put(self, name, _check_text(name, getattr(self, name)))
        for name in ("description", "part_of"):
            if getattr(self, name) is not None:
                put(self, name, _check_text(name, getattr(self, name), required=False))
        if not isinstance(self.issue_date, date):
            raise ModelError("PageData.issue_date must be a datetime.date")
        if self.logo is not None:
            if not isinstance(self.logo, bytes | bytearray | memoryview):
                raise ModelError("PageData.logo must be bytes (PNG or JPEG) or None")
            put(self, "logo", bytes(self.logo))
        put(self, "ects", _check_amount("ects", self.ects))
        put(self, "workload_hours", _check_amount("workload_hours", self.workload_hours))
        level = self.eqf_level
        if level is not None and (
            isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 8
        ):
            raise ModelError(f"PageData.eqf_level must be an integer 1..8, not {level!r}")
        if isinstance(self.learning_outcomes, str) or not isinstance(
            self.learning_outcomes, Sequence
        ):
            raise ModelError("PageData.learning_outcomes must be a list of strings")
        outcomes = tuple(
            _check_text(f"learning_outcomes[{i}]", v, required=False)
            for i, v in enumerate(self.learning_outcomes)
        )
        put(self, "learning_outcomes", tuple(o for o in outcomes if o))
        if self.labels is not None and not isinstance(self.labels, PageLabels):
            raise ModelError("PageData.labels must be a PageLabels")


@dataclass(frozen=True, slots=True)
class TextBox:
    """One line of text on the page: where it is drawn and the box its ink covers."""

    role: str
    text: str
    x: int
    y: int
    size: int
    bold: bool
    color: RGB
    box: Box


@dataclass(frozen=True, slots=True)
class PageLayout:
    """Everything :func:`render_page` draws, in pixels.

    ``content_box`` is the area inside the frame that every text box and the logo stay in.
    ``outcomes_shown`` of ``outcomes_total`` learning outcomes fit; the rest are summed up in a
    "+N more" line. ``missing_characters`` lists characters the fonts cannot draw.
    """

    width: int
    height: int
    language: str
    content_box: Box
    frame_boxes: tuple[Box, ...]
    texts: tuple[TextBox, ...]
    rules: tuple[Box, ...]
    logo_box: Box | None
    outcomes_shown: int
    outcomes_total: int
    missing_characters: frozenset[str] = field(default_factory=frozenset)


@lru_cache(maxsize=256)
def _font(path: Path, size: int) -> FreeTypeFont:
    from PIL import ImageFont

    try:
        return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)
    except OSError as exc:
        raise FontError(f"cannot load font {path}: {exc}") from exc


_Widths = dict[tuple[str, int, bool], float]
_Wrapped = dict[tuple[str, int, bool, int, int], tuple[tuple[str, ...], bool]]
_MEASURED: dict[FontSet, tuple[_Widths, _Wrapped]] = {}
_MEASURED_LIMIT = 100_000
"""Entries kept per font set before the memory of measurements starts again."""


def _measured(fonts: FontSet) -> tuple[_Widths, _Wrapped]:
    """Text widths and wrapped lines measured with ``fonts`` (they depend on nothing else)."""
    found = _MEASURED.get(fonts)
    if found is None or len(found[0]) + len(found[1]) > _MEASURED_LIMIT:
        if len(_MEASURED) >= 8:
            _MEASURED.clear()
        found = _MEASURED[fonts] = ({}, {})
    return found


class _Builder:
    """Places text on a page of a given width; all distances scale with the width."""

    def __init__(self, width: int, fonts: FontSet) -> None:
        self.width = width
        self.height = round(width / A4_RATIO)
        self.scale = width / _BASE_WIDTH
        self.fonts = fonts
        self.texts: list[TextBox] = []
        self.rules: list[Box] = []
        # shared by every page drawn with these fonts: a batch measures the same texts again
        self._widths, self._wrapped = _measured(fonts)

    def px(self, value: float) -> int:
        return max(1, round(value * self.scale))

    def font(self, size: int, bold: bool) -> FreeTypeFont:
        return _font(self.fonts.bold if bold else self.fonts.regular, size)

    def line_height(self, size: int, bold: bool, spacing: float = 1.18) -> int:
        ascent, descent = self.font(size, bold).getmetrics()
        return math.ceil((ascent + descent) * spacing)

    def measure(self, text: str, size: int, bold: bool) -> float:
        """Width of ``text``: its advance or its ink, whichever reaches further."""
        key = (text, size, bold)
        width = self._widths.get(key)
        if width is None:
            width = float(self.font(size, bold).getlength(text))
            if text:  # no kerning: only the first and last glyphs can reach past the advance
                width += self._overhang(text[0], text[-1], size, bold)
            self._widths[key] = width
        return width

    def _overhang(self, first: str, last: str, size: int, bold: bool) -> float:
        font = self.font(size, bold)
        left = font.getbbox(first)[0]
        right = font.getbbox(last)[2] - font.getlength(last)
        return float(max(0, -left) + max(0, right))

    # -- wrapping -----------------------------------------------------------------------

    def _estimate(self, text: str, size: int, bold: bool) -> float:
        """Sum of the characters' own widths: within a pixel or two of :meth:`measure`."""
        return sum(self.measure(ch, size, bold) for ch in text)

    def _longest_prefix(self, text: str, size: int, bold: bool, max_w: int, suffix: str) -> int:
        """The largest ``k`` such that ``text[:k] + suffix`` fits in ``max_w`` (0 if none)."""
        # Find k on the cheap estimate, then correct it with exact measurements.
        widths = [self.measure(ch, size, bold) for ch in text]
        budget = max_w - self._estimate(suffix, size, bold)
        k, total = 0, 0.0
        while k < len(text) and total + widths[k] <= budget:
            total += widths[k]
            k += 1
        while k > 0 and self.measure(text[:k] + suffix, size, bold) > max_w:
            k -= 1
        while k < len(text) and self.measure(text[: k + 1] + suffix, size, bold) <= max_w:
            k += 1
        return k

    def _split_long(self, word: str, size: int, bold: bool, max_w: int) -> list[str]:
        chunks: list[str] = []
        while word:
            k = max(1, self._longest_prefix(word, size, bold, max_w, ""))
            chunks.append(word[:k])
            word = word[k:]
        return chunks

    def ellipsize(self, text: str, size: int, bold: bool, max_w: int) -> str:
        """``text`` cut at the end so that it and a trailing "…" fit in ``max_w``."""
        text = text.rstrip()
        text = text[: self._longest_prefix(text, size, bold, max_w, _ELLIPSIS)]
        return text.rstrip(" ,;:-–—·") + _ELLIPSIS

    def ellipsize_middle(self, text: str, size: int, bold: bool, max_w: int) -> str:
        """``text`` with its middle replaced by "…" if it is wider than ``max_w``."""
        if self.measure(text, size, bold) <= max_w:
            return text

        def cut(keep: int) -> str:
            return text[: (keep + 1) // 2] + _ELLIPSIS + text[len(text) - keep // 2 :]

        lo, hi = 0, len(text) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.measure(cut(mid), size, bold) <= max_w:
                lo = mid
            else:
                hi = mid - 1
        return cut(lo)

    def wrap(
        self, text: str, size: int, bold: bool, max_w: int, max_lines: int
    ) -> tuple[list[str], bool]:
        """Greedy word wrap; returns the lines and whether text was cut (last line gets "…")."""
        key = (text, size, bold, max_w, max_lines)
        cached = self._wrapped.get(key)
        if cached is None:
            cached = self._wrap(text, size, bold, max_w, max_lines)
            self._wrapped[key] = cached
        return list(cached[0]), cached[1]

    def _wrap(
        self, text: str, size: int, bold: bool, max_w: int, max_lines: int
    ) -> tuple[tuple[str, ...], bool]:
        # A line's width is close to the sum of its words and spaces (kerning moves it by a
        # fraction of a pixel per pair): lines clearly inside the limit skip exact measuring.
        space = self.measure(" ", size, bold)
        slack = 4 + max_w // 100
        lines: list[str] = []
        line, line_w = "", 0.0
        for word in text.split(" "):
            word_w = self.measure(word, size, bold)
            candidate = f"{line} {word}" if line else word
            estimate = line_w + space + word_w if line else word_w
            if estimate <= max_w - slack or self.measure(candidate, size, bold) <= max_w:
                line, line_w = candidate, estimate
                continue
            if line:
                lines.append(line)
            if word_w <= max_w:
                line, line_w = word, word_w
            else:
                *full, line = self._split_long(word, size, bold, max_w)
                lines.extend(full)
                line_w = self.measure(line, size, bold)
            if len(lines) > max_lines:
                break
        else:
            if line:
                lines.append(line)
        if len(lines) <= max_lines:
            return tuple(lines), False
        kept = lines[:max_lines]
        kept[-1] = self.ellipsize(kept[-1], size, bold, max_w)
        return tuple(kept), True

    def fit(
        self,
        text: str,
        sizes: tuple[int, int],
        bold: bool,
        max_w: int,
        max_lines: int,
        *,
        prefer_lines: int | None = None,
    ) -> tuple[int, list[str]]:
        """The largest size from ``sizes`` (base px, max then min) at which ``text`` fits.

        With ``prefer_lines``, sizes down to 80 % of the largest are first tried on that many
        lines, so a slightly smaller single line beats a large text broken in two.
        """
        largest, smallest = self.px(sizes[0]), self.px(sizes[1])
        step = max(1, self.px(2))
        if prefer_lines is not None and prefer_lines < max_lines:
            floor = max(smallest, round(largest * 0.8))
            size = largest
            while size >= floor:
                lines, cut = self.wrap(text, size, bold, max_w, prefer_lines)
                if not cut:
                    return size, lines
                size -= step
        size = largest
        while True:
            lines, cut = self.wrap(text, size, bold, max_w, max_lines)
            if not cut or size <= smallest:
                return size, lines
            size = max(smallest, size - step)

    # -- placing ------------------------------------------------------------------------

    def put(
        self, role: str, text: str, x: int, y: int, size: int, bold: bool, color: RGB
    ) -> TextBox:
        left, top, right, bottom = self.font(size, bold).getbbox(text)
        if left < 0:  # a glyph reaching left of the pen (j, ʃ): move the text right
            x -= int(left)
        box = TextBox(
            role=role,
            text=text,
            x=x,
            y=y,
            size=size,
            bold=bold,
            color=color,
            box=(x + int(left), y + int(top), x + int(right), y + int(bottom)),
        )
        self.texts.append(box)
        return box

    def put_lines(
        self,
        role: str,
        lines: Sequence[str],
        *,
        left: int,
        right: int,
        y: int,
        size: int,
        bold: bool,
        color: RGB,
        align: str = "center",
        spacing: float = 1.18,
    ) -> int:
        """Draw ``lines`` between ``left`` and ``right`` from ``y``; returns the y below them."""
        step = self.line_height(size, bold, spacing)
        for line in lines:
            width = self.measure(line, size, bold)
            if align == "center":
                x = left + round((right - left - width) / 2)
            elif align == "right":
                x = right - math.ceil(width)
            else:
                x = left
            self.put(role, line, x, y, size, bold, color)
            y += step
        return y


def _load_logo(data: bytes) -> Image:
    from PIL import Image as PILImage
    from PIL import ImageOps, UnidentifiedImageError

    if len(data) > MAX_LOGO_BYTES:
        raise InvalidImageError(f"logo is larger than {MAX_LOGO_BYTES} bytes")
    try:
        with PILImage.open(io.BytesIO(data)) as opened:
            if opened.format not in ("PNG", "JPEG"):
                raise InvalidImageError(f"logo must be PNG or JPEG, not {opened.format}")
            if opened.width * opened.height > MAX_LOGO_PIXELS:
                raise InvalidImageError("logo has too many pixels")
            opened.load()
            image = ImageOps.exif_transpose(opened) or opened
            if image.mode.startswith("I"):  # 16- or 32-bit grey: scale to 8 bits, not clip
                keyed = image.info.get("transparency")
                image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
                if isinstance(keyed, int):
                    image.info["transparency"] = keyed // 256
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                rgba = image.convert("RGBA")
                background = PILImage.new("RGBA", rgba.size, (*_WHITE, 255))
                background.alpha_composite(rgba)
                return background.convert("RGB")
            return image.convert("RGB")
    except InvalidImageError:
        raise
    except UnidentifiedImageError as exc:
        raise InvalidImageError("logo is not a PNG or JPEG image") from exc
    except (OSError, ValueError, SyntaxError, PILImage.DecompressionBombError) as exc:
        raise InvalidImageError(f"logo is not a readable PNG or JPEG image: {exc}") from exc


def _fit_logo(logo: Image, max_w: int, max_h: int) -> tuple[int, int]:
    ratio = min(max_w / logo.width, max_h / logo.height, 3.0)
    return max(1, round(logo.width * ratio)), max(1, round(logo.height * ratio))


@dataclass(frozen=True, slots=True)
class _Block:
    """Centred lines of one size, then a gap."""

    role: str
    lines: tuple[str, ...]
    size: int
    bold: bool
    color: RGB
    spacing: float
    gap: int


@dataclass(frozen=True, slots=True)
class _Item:
    column: int
    y: int
    lines: tuple[str, ...]


_MIDDLE_SCALES = (1.0, 0.9, 0.8, 0.7, 0.62)
_TRUNCATED_SCALE = 0.8
_OUTCOME_SIZES = (21, 19, 17)


def _middle_blocks(
    b: _Builder, data: PageData, labels: PageLabels, width: int, f: float
) -> list[_Block]:
    """Title, the programme it is part of, "awarded to", learner name and description, sized by
    factor ``f``."""

    def sizes(big: int, small: int) -> tuple[int, int]:
        return max(small, round(big * f)), small

    blocks: list[_Block] = []
    size, lines = b.fit(data.title, sizes(64, 30), True, width, 3, prefer_lines=2)
    gap = b.px(30 * f)
    blocks.append(_Block("title", tuple(lines), size, True, _NAVY, 1.12, b.px(10 * f) if data.part_of else gap))
    if data.part_of:
        part_size = b.px(max(19, round(25 * f)))
        text = f"{labels.part_of}: {data.part_of}"
        part_lines, _ = b.wrap(text, part_size, False, width, 2)
        blocks.append(_Block("part_of", tuple(part_lines), part_size, False, _NAVY, 1.2, gap))
    label_size = b.px(max(19, round(23 * f)))
    blocks.append(
        _Block("awarded_to_label", (labels.awarded_to,), label_size, False, _GREY, 1.2, 0)
    )
    size, lines = b.fit(data.learner_name, sizes(54, 28), True, width, 2, prefer_lines=1)
    blocks.append(_Block("learner_name", tuple(lines), size, True, _INK, 1.12, b.px(22 * f)))
    if data.description:
        desc_size = b.px(max(18, round(21 * f)))
        desc_lines, _ = b.wrap(data.description, desc_size, False, width, 2)
        blocks.append(
            _Block("description", tuple(desc_lines), desc_size, False, _GREY, 1.2, b.px(10 * f))
        )
    return blocks


def _blocks_height(b: _Builder, blocks: Sequence[_Block]) -> int:
    return sum(b.line_height(k.size, k.bold, k.spacing) * len(k.lines) + k.gap for k in blocks)


def _plan_outcomes(
    b: _Builder,
    outcomes: Sequence[str],
    size: int,
    ncols: int,
    col_w: int,
    top: int,
    bottom: int,
) -> list[_Item]:
    """Place as many outcomes as fit between ``top`` and ``bottom``.

    When all fit, two columns are balanced (the split with the lowest taller column);
    otherwise columns are filled one after the other.
    """
    step = b.line_height(size, False, 1.2)
    item_gap = round(step * 0.35)
    wrapped = [tuple(b.wrap(text, size, False, col_w - b.px(30), 3)[0]) for text in outcomes]
    heights = [step * len(lines) for lines in wrapped]

    def column_height(hs: Sequence[int]) -> int:
        return sum(hs) + item_gap * max(0, len(hs) - 1)

    if ncols == 2:
        best: tuple[int, int] | None = None
        for k in range(1, len(heights) + 1):
            tallest = max(column_height(heights[:k]), column_height(heights[k:]))
            if top + tallest <= bottom and (best is None or tallest < best[0]):
                best = (tallest, k)
        if best is not None:
            items: list[_Item] = []
            y = top
            for i, lines in enumerate(wrapped):
                if i == best[1]:
                    y = top
                items.append(_Item(0 if i < best[1] else 1, y, lines))
                y += heights[i] + item_gap
            return items
    placed: list[_Item] = []
    col, y = 0, top
    for lines, h in zip(wrapped, heights, strict=True):
        if y + h > bottom and col + 1 < ncols and y > top:
            col, y = col + 1, top
        if y + h > bottom:
            break
        placed.append(_Item(col, y, lines))
        y += h + item_gap
    return placed


def _items_end(b: _Builder, items: Sequence[_Item], size: int) -> int:
    step = b.line_height(size, False, 1.2)
    return max((it.y + step * len(it.lines) for it in items), default=0)


class _Outcomes:
    """The learning-outcomes list: heading, bullets and a "+N more" line."""

    def __init__(self, b: _Builder, outcomes: Sequence[str], left: int, right: int) -> None:
        self.b = b
        self.outcomes = list(outcomes)
        self.left = left
        self.ncols = 1 if len(outcomes) <= 2 else 2
        self.gap = b.px(56)
        self.col_w = (right - left - self.gap * (self.ncols - 1)) // self.ncols
        self.head_size = b.px(25)
        self.head_h = b.line_height(self.head_size, True, 1.45)

    def plan(self, top: int, bottom: int) -> tuple[int, list[_Item], bool]:
        """The size, the placed items and whether a "+N more" line is needed."""
        top += self.head_h
        items: list[_Item] = []
        size = self.b.px(_OUTCOME_SIZES[-1])
        for base in _OUTCOME_SIZES:
            size = self.b.px(base)
            items = _plan_outcomes(self.b, self.outcomes, size, self.ncols, self.col_w, top, bottom)
            if len(items) == len(self.outcomes):
                return size, items, False
        step = self.b.line_height(size, False, 1.2)
        items = _plan_outcomes(
            self.b, self.outcomes, size, self.ncols, self.col_w, top, bottom - step
        )
        return size, items, True

    def place(self, labels: PageLabels, top: int, bottom: int) -> int:
        """Put the list on the page; returns how many outcomes were shown."""
        b = self.b
        if top + self.head_h + b.line_height(b.px(_OUTCOME_SIZES[-1]), False, 1.2) > bottom:
            return 0
        size, items, more = self.plan(top, bottom)
        b.put(
            "outcomes_heading",
            labels.learning_outcomes,
            self.left,
            top,
            self.head_size,
            True,
            _NAVY,
        )
        step = b.line_height(size, False, 1.2)
        indent = b.px(30)
        ends = {0: top + self.head_h}
        for item in items:
            x = self.left + item.column * (self.col_w + self.gap)
            b.put("outcome_bullet", "•", x + b.px(6), item.y, size, True, _GOLD)
            for k, line in enumerate(item.lines):
                b.put("outcome", line, x + indent, item.y + k * step, size, False, _INK)
            ends[item.column] = item.y + step * len(item.lines) + round(step * 0.35)
        if more:
            rest = len(self.outcomes) - len(items)
            col = max(ends)
            y = ends[col]
            if y + step > bottom:
                col, y = 0, ends[0]
            y = min(y, bottom - step)
            x = self.left + col * (self.col_w + self.gap) + indent
            b.put("outcomes_more", labels.more.format(n=rest), x, y, size, True, _GREY)
        return len(items)


def _build(
    data: PageData,
    language: str,
    width_px: int,
    labels: PageLabels | None,
    fonts: FontSet | None,
) -> tuple[PageLayout, Image | None, tuple[int, int] | None]:
    _require_pil()
    if not isinstance(data, PageData):
        raise ModelError("render_page needs a PageData")
    if isinstance(width_px, bool) or not isinstance(width_px, int) or not 600 <= width_px <= 7016:
        raise RenderError(f"width_px must be an integer from 600 to 7016, not {width_px!r}")
    labels = labels or data.labels or labels_for(language)
    if labels.part_of is None:  # labels of a caller's, made without it
        labels = replace(labels, part_of=labels_for(language).part_of)
    resolved = resolve_language(language)
    fonts = fonts or default_fonts()
    b = _Builder(width_px, fonts)
    W, H = b.width, b.height

    frames = (
        (b.px(26), b.px(26), W - b.px(26), H - b.px(26)),
        (b.px(44), b.px(44), W - b.px(44), H - b.px(44)),
    )
    cx0, cy0, cx1, cy1 = b.px(104), b.px(92), W - b.px(104), H - b.px(84)
    content_w = cx1 - cx0

    # Header: logo on the left, "Awarded by" and the awarding body beside it.
    logo_img = _load_logo(data.logo) if data.logo is not None else None
    logo_box: Box | None = None
    logo_size: tuple[int, int] | None = None
    text_left = cx0
    header_h = 0
    if logo_img is not None:
        logo_size = _fit_logo(logo_img, b.px(330), b.px(150))
        header_h = logo_size[1]
        text_left = cx0 + logo_size[0] + b.px(44)
    by_size = b.px(21)
    body_size, body_lines = b.fit(data.awarding_body, (36, 24), True, cx1 - text_left, 2)
    by_h = b.line_height(by_size, False, 1.3)
    block_h = by_h + b.line_height(body_size, True, 1.12) * len(body_lines)
    header_h = max(header_h, block_h)
    y = cy0 + (header_h - block_h) // 2
    b.put("awarded_by_label", labels.awarded_by, text_left, y, by_size, False, _GREY)
    b.put_lines(
        "awarding_body", body_lines, left=text_left, right=cx1, y=y + by_h,
        size=body_size, bold=True, color=_INK, align="left", spacing=1.12,
    )  # fmt: skip
    if logo_size is not None:
        ly = cy0 + (header_h - logo_size[1]) // 2
        logo_box = (cx0, ly, cx0 + logo_size[0], ly + logo_size[1])
    header_rule = cy0 + header_h + b.px(26)
    b.rules.append((cx0, header_rule, cx1, header_rule + b.px(3)))

    # Footer: the credential id, small, at the bottom of the content box.
    id_size = b.px(17)
    id_text = b.ellipsize_middle(
        f"{labels.credential_id}: {data.credential_id}", id_size, False, content_w
    )
    footer_top = cy1 - b.line_height(id_size, False, 1.0)
    footer_rule = footer_top - b.px(16)
    b.rules.append((cx0, footer_rule, cx1, footer_rule + max(1, b.px(1))))
    b.put("credential_id", id_text, cx0, footer_top, id_size, False, _GREY)

    # Facts: date of issue, ECTS credits, hours, EQF level, side by side.
    facts: list[tuple[str, str]] = [(labels.date_of_issue, format_date(data.issue_date, labels))]
    if data.ects is not None:
        facts.append((labels.ects_credits, format_number(data.ects, labels, exact=True)))
    if data.workload_hours is not None:
        facts.append((labels.hours, format_number(data.workload_hours, labels)))
    if data.eqf_level is not None:
        facts.append((labels.eqf_level, str(data.eqf_level)))
    fact_label_h = b.line_height(b.px(19), False, 1.35)
    facts_h = fact_label_h + b.line_height(b.px(28), True, 1.1)

    # Middle: shrink title and name until the learning outcomes fit (or the floor is reached).
    outcomes = _Outcomes(b, data.learning_outcomes, cx0, cx1) if data.learning_outcomes else None
    body_top = header_rule + b.px(3) + b.px(30)
    body_bottom = footer_rule - b.px(14)
    blocks = _middle_blocks(b, data, labels, content_w, 1.0)
    if outcomes is not None:
        for f in _MIDDLE_SCALES:
            candidate = _middle_blocks(b, data, labels, content_w, f)
            below = body_top + _blocks_height(b, candidate) + b.px(26) + facts_h + b.px(34)
            if not outcomes.plan(below, body_bottom)[2]:
                blocks = candidate
                break
        else:
            # Not every outcome fits even with the smallest title: keep the title readable.
            blocks = _middle_blocks(b, data, labels, content_w, _TRUNCATED_SCALE)
    # Centre the whole body vertically when it leaves room (never when outcomes are cut).
    middle_h = _blocks_height(b, blocks) + b.px(26) + facts_h
    used_bottom = body_top + middle_h
    if outcomes is not None:
        size, items, more = outcomes.plan(used_bottom + b.px(34), body_bottom)
        used_bottom = _items_end(b, items, size) if not more else body_bottom
    y = body_top + max(0, (body_bottom - used_bottom) // 2)
    for block in blocks:
        y = b.put_lines(
            block.role, block.lines, left=cx0, right=cx1, y=y, size=block.size,
            bold=block.bold, color=block.color, spacing=block.spacing,
        )  # fmt: skip
        y += block.gap
    y += b.px(26)

    label_size, value_size, pad = b.px(19), b.px(28), b.px(40)
    natural = [
        max(b.measure(label, label_size, False), b.measure(value, value_size, True)) + pad
        for label, value in facts
    ]
    widths = [max(b.px(250), math.ceil(w)) for w in natural]
    if sum(widths) > content_w:
        widths = [w * content_w // sum(widths) for w in widths]
    left = cx0 + (content_w - sum(widths)) // 2
    for i, ((label, value), col_w) in enumerate(zip(facts, widths, strict=True)):
        inner = col_w - pad
        if i:
            b.rules.append((left, y + b.px(4), left + max(1, b.px(2)), y + facts_h - b.px(4)))
        size, lines = b.fit(label, (19, 14), False, inner, 1)
        b.put_lines(
            "fact_label", lines, left=left, right=left + col_w, y=y,
            size=size, bold=False, color=_GREY,
        )  # fmt: skip
        size, lines = b.fit(value, (28, 16), True, inner, 1)
        b.put_lines(
            "fact_value", lines, left=left, right=left + col_w, y=y + fact_label_h,
            size=size, bold=True, color=_INK,
        )  # fmt: skip
        left += col_w
    y += facts_h + b.px(34)

    shown = outcomes.place(labels, y, body_bottom) if outcomes is not None else 0

    drawn = "".join(t.text for t in b.texts)
    layout = PageLayout(
        width=W,
        height=H,
        language=resolved,
        content_box=(cx0, cy0, cx1, cy1),
        frame_boxes=frames,
        texts=tuple(b.texts),
        rules=tuple(b.rules),
        logo_box=logo_box,
        outcomes_shown=shown,
        outcomes_total=len(data.learning_outcomes),
        missing_characters=missing_characters(drawn, fonts),
    )
    return layout, logo_img, logo_size


def layout_page(
    data: PageData,
    *,
    language: str,
    width_px: int = DEFAULT_WIDTH_PX,
    labels: PageLabels | None = None,
    fonts: FontSet | None = None,
) -> PageLayout:
    """Where everything on the page goes, without drawing it (needs Pillow for font metrics)."""
    return _build(data, language, width_px, labels, fonts)[0]


@dataclass(slots=True)
class _Background:
    """A page's frame, rules, logo and the texts that the last pages of its kind shared."""

    last: tuple[TextBox, ...]
    kept: tuple[tuple[TextBox, ...], Image] | None = None
    """The background and the texts drawn on it, in the order they were drawn (replaced as
    one value, so that a page drawn in another thread never pairs one with the other's)."""


_BACKGROUNDS: dict[tuple[Any, ...], _Background] = {}
_BACKGROUNDS_KEPT = 8
"""Kinds of page whose background is kept (one per definition and language in a batch)."""
_BACKGROUND_PIXELS = 24_000_000
"""At most this many pixels of kept backgrounds (about 70 MB; eight A4 pages at 150 dpi)."""
_BACKGROUNDS_LOCK = threading.Lock()


def _base(
    layout: PageLayout, logo: Image | None, logo_size: tuple[int, int] | None, fonts: FontSet,
    texts: Sequence[TextBox],
) -> Image:  # fmt: skip
    from PIL import Image as PILImage
    from PIL import ImageDraw

    page = PILImage.new("RGB", (layout.width, layout.height), _WHITE)
    draw = ImageDraw.Draw(page)
    outer, inner = layout.frame_boxes
    scale = layout.width / _BASE_WIDTH
    draw.rectangle(outer, outline=_NAVY, width=max(2, round(8 * scale)))
    draw.rectangle(inner, outline=_GOLD, width=max(1, round(2 * scale)))
    for rule in layout.rules:
        draw.rectangle((rule[0], rule[1], rule[2] - 1, rule[3] - 1), fill=_GOLD)
    if logo is not None and layout.logo_box is not None and logo_size is not None:
        resized = logo.resize(logo_size, PILImage.Resampling.LANCZOS)
        page.paste(resized, layout.logo_box[:2])
    _draw(page, texts, fonts)
    return page


def _draw(page: Image, texts: Sequence[TextBox], fonts: FontSet) -> None:
    from PIL import ImageDraw

    draw = ImageDraw.Draw(page)
    for text in texts:
        font = _font(fonts.bold if text.bold else fonts.regular, text.size)
        draw.text((text.x, text.y), text.text, font=font, fill=text.color)


def _apart(one: Sequence[TextBox], other: Sequence[TextBox]) -> bool:
    """Whether no ink of ``one`` comes within a pixel of ink of ``other``."""
    for a in one:
        ax0, ay0, ax1, ay1 = a.box
        for b in other:
            bx0, by0, bx1, by1 = b.box
            if ax0 <= bx1 + 1 and bx0 <= ax1 + 1 and ay0 <= by1 + 1 and by0 <= ay1 + 1:
                return False
    return True


def _pixels(
    layout: PageLayout,
    logo: Image | None,
    logo_size: tuple[int, int] | None,
    fonts: FontSet,
    logo_bytes: bytes | None,
) -> Image:
    """The drawn page. Pages of one kind (the same frame, rules and logo) are mostly the same
    text: what the last two of a kind shared is kept drawn, and a page whose other texts keep
    clear of it starts from a copy of it. Texts that do not touch are drawn the same in any
    order, so the pixels are those of drawing the whole page."""
    key = (
        layout.width,
        layout.height,
        layout.frame_boxes,
        layout.rules,
        layout.logo_box,
        logo_size,
        hashlib.sha256(logo_bytes).digest() if logo_bytes is not None and logo is not None else None,
        fonts,
    )
    texts = layout.texts
    entry = _BACKGROUNDS.get(key)
    background = entry.kept if entry is not None else None
    if background is not None:
        drawn, image = background
        on_it = set(drawn)
        rest = [text for text in texts if text not in on_it]
        if tuple(text for text in texts if text in on_it) == drawn and _apart(rest, drawn):
            page = image.copy()
            _draw(page, rest, fonts)
            return page
    page = _base(layout, logo, logo_size, fonts, texts)
    limit = min(_BACKGROUNDS_KEPT, _BACKGROUND_PIXELS // (layout.width * layout.height))
    if limit <= 0:
        return page
    if entry is None:
        with _BACKGROUNDS_LOCK:
            while len(_BACKGROUNDS) >= limit:
                _BACKGROUNDS.pop(next(iter(_BACKGROUNDS)))
            _BACKGROUNDS[key] = _Background(last=texts)
        return page
    previous = set(entry.last)
    shared = [text for text in texts if text in previous]
    entry.last = texts
    if shared and _apart([t for t in texts if t not in previous], shared):
        entry.kept = (tuple(shared), _base(layout, logo, logo_size, fonts, shared))
    return page


def render_page(
    data: PageData,
    *,
    language: str,
    width_px: int = DEFAULT_WIDTH_PX,
    quality: int = DEFAULT_QUALITY,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    labels: PageLabels | None = None,
    fonts: FontSet | None = None,
) -> bytes:
    """The page for ``data`` in ``language`` as JPEG bytes (A4 landscape, ``width_px`` wide).

    Labels come from ``labels``, else ``data.labels``, else the built-in table for
    ``language`` (with fallback to English). A page larger than ``max_bytes`` is encoded again
    at lower quality, in steps of 5 down to 50 (``None``: no limit). Raises
    :class:`RenderUnavailableError` when Pillow is missing, :class:`InvalidImageError` for an
    unreadable logo and :class:`RenderError` when the page cannot be made small enough.
    """
    if isinstance(quality, bool) or not isinstance(quality, int) or not 50 <= quality <= 95:
        raise RenderError(f"quality must be an integer from 50 to 95, not {quality!r}")
    if max_bytes is not None and (
        isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1
    ):
        raise RenderError(f"max_bytes must be a positive integer or None, not {max_bytes!r}")
    layout, logo, logo_size = _build(data, language, width_px, labels, fonts)
    page = _pixels(layout, logo, logo_size, fonts or default_fonts(), data.logo)
    dpi = round(layout.width / (297 / 25.4))
    smallest = b""
    for q in range(quality, 49, -5):
        out = io.BytesIO()
        page.save(out, "JPEG", quality=q, optimize=True, dpi=(dpi, dpi))
        smallest = out.getvalue()
        if max_bytes is None or len(smallest) <= max_bytes:
            return smallest
    raise RenderError(
        f"the page is {len(smallest)} bytes even at JPEG quality 50, over max_bytes={max_bytes}"
    )
