"""The fonts pages are drawn with, and which characters they can show.

The package ships DejaVu Sans and DejaVu Sans Bold (Bitstream Vera licence, see
``fonts/LICENSE-DejaVu.txt``). They cover Latin (every letter of Spanish, Catalan, Valencian,
Basque, Galician, Aranese and the other EU languages), Greek and Cyrillic.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from elmkit.render.errors import FontError

__all__ = ["FONTS_DIR", "FontSet", "default_fonts", "font_coverage", "missing_characters"]

FONTS_DIR = Path(__file__).resolve().parent / "fonts"


@dataclass(frozen=True, slots=True)
class FontSet:
    """A regular and a bold TrueType/OpenType font file."""

    regular: Path
    bold: Path

    def __post_init__(self) -> None:
        for name in ("regular", "bold"):
            path = Path(getattr(self, name))
            object.__setattr__(self, name, path)
            if not path.is_file():
                raise FontError(f"{name} font file not found: {path}")


def default_fonts() -> FontSet:
    """The bundled DejaVu Sans pair."""
    return FontSet(FONTS_DIR / "DejaVuSans.ttf", FONTS_DIR / "DejaVuSans-Bold.ttf")


_MAX_FONT_BYTES = 64 * 1024 * 1024


def _u16(data: bytes, offset: int) -> int:
    return int(struct.unpack_from(">H", data, offset)[0])


def _u32(data: bytes, offset: int) -> int:
    return int(struct.unpack_from(">I", data, offset)[0])


def _cmap_format4(data: bytes, at: int, out: set[int]) -> None:
    seg_count = _u16(data, at + 6) // 2
    ends = at + 14
    starts = ends + 2 * seg_count + 2
    deltas = starts + 2 * seg_count
    range_offsets = deltas + 2 * seg_count
    for i in range(seg_count):
        end = _u16(data, ends + 2 * i)
        start = _u16(data, starts + 2 * i)
        delta = _u16(data, deltas + 2 * i)
        ro_pos = range_offsets + 2 * i
        range_offset = _u16(data, ro_pos)
        for code in range(start, min(end, 0xFFFE) + 1):
            if range_offset == 0:
                glyph = (code + delta) & 0xFFFF
            else:
                glyph = _u16(data, ro_pos + range_offset + 2 * (code - start))
                if glyph:
                    glyph = (glyph + delta) & 0xFFFF
            if glyph:
                out.add(code)


def _cmap_format12(data: bytes, at: int, out: set[int]) -> None:
    groups = _u32(data, at + 12)
    for i in range(groups):
        start, end, first_glyph = struct.unpack_from(">III", data, at + 16 + 12 * i)
        if end < start or end > 0x10FFFF:
            raise FontError("malformed cmap group")
        for code in range(start, end + 1):
            if first_glyph + (code - start):
                out.add(code)


@lru_cache(maxsize=16)
def font_coverage(path: Path) -> frozenset[int]:
    """The Unicode code points that ``path``'s ``cmap`` table maps to a real glyph.

    Reads the Unicode subtables (platform 0, or Windows with encoding 1 or 10) in formats 4
    and 12; raises :class:`FontError` for a file that is not a TrueType/OpenType font.
    """
    try:
        with open(path, "rb") as fh:
            data = fh.read(_MAX_FONT_BYTES + 1)
    except OSError as exc:
        raise FontError(f"cannot read font {path}: {exc}") from exc
    if len(data) > _MAX_FONT_BYTES:
        raise FontError(f"font file too large: {path}")
    try:
        if data[:4] not in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
            raise FontError(f"not a TrueType/OpenType font: {path}")
        cmap = None
        for i in range(_u16(data, 4)):
            tag, _checksum, offset, _length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
            if tag == b"cmap":
                cmap = offset
        if cmap is None:
            raise FontError(f"font has no cmap table: {path}")
        out: set[int] = set()
        for i in range(_u16(data, cmap + 2)):
            platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
            if platform != 0 and not (platform == 3 and encoding in (1, 10)):
                continue
            at = cmap + offset
            fmt = _u16(data, at)
            if fmt == 4:
                _cmap_format4(data, at, out)
            elif fmt == 12:
                _cmap_format12(data, at, out)
    except (struct.error, IndexError) as exc:
        raise FontError(f"malformed font file {path}: {exc}") from exc
    return frozenset(out)


def missing_characters(text: str, fonts: FontSet | None = None) -> frozenset[str]:
    """The characters of ``text`` (spaces and controls aside) that either font cannot draw."""
    fonts = fonts or default_fonts()
    covered = font_coverage(fonts.regular) & font_coverage(fonts.bold)
    return frozenset(ch for ch in text if not ch.isspace() and ord(ch) not in covered)
