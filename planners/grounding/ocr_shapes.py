"""Glyphs told by their shape alone: a minus is one solid bar, an equals sign two stacked bars.

The recogniser has no context for a lone bar a few pixels tall: a calculator's "-" (4x1 px on xcalc,
7x2 in Tk, U+2212 in Chromium) came back as "■", "=" or nothing. A bar is what it is at any size, so
it is read here, before the recogniser is asked.
"""

from __future__ import annotations

import cv2
import numpy as np

from planners.grounding.ocr_engine import Box

_INK_LEVELS = 48  # gray levels from the crop's background that make a pixel ink
_SOLID = 0.85  # a bar fills this much of its box (a "-"; an "i" or a "1" leans or has a dot/serif)
_LONG = 2.0  # ... and is at least this many times as wide as tall
_MAX_BAR_PX = 4  # ... and at most this tall (a thick bar is a block, an icon, a cursor)


def bar_glyph(gray: np.ndarray, blob: Box, pad: int = 2) -> str | None:
    """A "-" for a blob whose ink is one solid horizontal bar, a "=" for two of one span stacked;
    None for anything else."""
    x, y, w, h = blob
    crop = gray[max(0, y - pad) : y + h + pad, max(0, x - pad) : x + w + pad].astype(np.int16)
    if crop.size == 0:
        return None
    ink = (np.abs(crop - int(np.median(crop))) >= _INK_LEVELS).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    parts = list(stats[1:])
    if not 1 <= len(parts) <= 2 or not all(_is_bar(s) for s in parts):
        return None
    if len(parts) == 1:
        return "-"
    (ax, ay, aw, ah, _), (bx, by, bw, bh, _) = sorted(parts, key=lambda s: s[1])
    same_span = abs(ax - bx) <= 1 and abs(aw - bw) <= 1
    return "=" if same_span and by > ay + ah else None


def _is_bar(stat: np.ndarray) -> bool:
    _, _, w, h, area = (int(v) for v in stat)
    return h <= _MAX_BAR_PX and w >= _LONG * h and w >= 3 and area >= _SOLID * w * h
