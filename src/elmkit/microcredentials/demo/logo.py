"""The demo university's logo, drawn in plain Python and encoded as PNG (no Pillow needed).

A navy disc with a gold ring, two mountains and a valley between them: the same bytes every time.
"""

from __future__ import annotations

import math
import struct
import zlib

__all__ = ["logo_png"]

_NAVY = (23, 48, 92)
_GOLD = (178, 142, 62)
_SNOW = (236, 240, 246)
_VALLEY = (58, 120, 96)


def _colour(x: float, y: float) -> tuple[int, int, int, int]:
    """Colour at a point of the unit square (0..1, y downwards); alpha 0 outside the disc."""
    dx, dy = x - 0.5, y - 0.5
    r = math.hypot(dx, dy)
    if r > 0.5:
        return (0, 0, 0, 0)
    if r > 0.455:
        return (*_GOLD, 255)
    if r > 0.44:
        return (*_SNOW, 255)
    left = 0.72 - 1.1 * abs(x - 0.33)
    right = 0.70 - 1.25 * abs(x - 0.68)
    mountain = max(left, right)
    if y > 0.62 + 0.08 * math.sin(x * 9.0):
        return (*_VALLEY, 255)
    if y > 1.0 - mountain:
        snow_line = 1.0 - mountain + 0.06
        return (*(_SNOW if y < snow_line else _GOLD), 255)
    sx, sy = x - 0.5, y - 0.24
    if (
        abs(sx) + abs(sy) < 0.05
        or (abs(sx) < 0.012 and abs(sy) < 0.09)
        or (abs(sy) < 0.012 and abs(sx) < 0.09)
    ):
        return (*_SNOW, 255)
    return (*_NAVY, 255)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def logo_png(size: int = 160, *, samples: int = 2) -> bytes:
    """The logo as RGBA PNG bytes, ``size`` pixels square, anti-aliased with ``samples``² points."""
    rows = bytearray()
    step = 1.0 / (size * samples)
    count = samples * samples
    for py in range(size):
        rows.append(0)  # filter type: none
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(samples):
                for sx in range(samples):
                    r, g, b, a = _colour(
                        (px * samples + sx + 0.5) * step, (py * samples + sy + 0.5) * step
                    )
                    acc[0] += r * a
                    acc[1] += g * a
                    acc[2] += b * a
                    acc[3] += a
            alpha = acc[3]
            if alpha:
                rows += bytes((acc[0] // alpha, acc[1] // alpha, acc[2] // alpha, alpha // count))
            else:
                rows += b"\0\0\0\0"
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )
