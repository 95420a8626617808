"""Glyphs told by their shape alone: a minus is one solid bar, an equals sign two stacked bars, a division
sign a bar with a dot centred above it and one below (the recogniser read mate-calc's "÷" key as "+", trial 9).

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
_MAX_DOT_PX = 6  # a division sign's dots: small and about as wide as tall
_SOLID_DOT = 0.5  # ... and mostly ink (a round dot fills ~0.8 of its box, a 2x2 one all of it)


def bar_glyph(gray: np.ndarray, blob: Box, pad: int = 2) -> str | None:
    """A "-" for a blob whose ink is one solid horizontal bar, a "=" for two of one span stacked, a "÷" for
    one with a dot centred above and below it; None for anything else."""
    x, y, w, h = blob
    crop = gray[max(0, y - pad) : y + h + pad, max(0, x - pad) : x + w + pad].astype(np.int16)
    if crop.size == 0:
        return None
    ink = (np.abs(crop - int(np.median(crop))) >= _INK_LEVELS).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    parts = list(stats[1:])
    if len(parts) == 3:
        return "÷" if _is_division(parts) else None
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


def _is_division(parts: list[np.ndarray]) -> bool:
    """A bar between two dots, one above it and one below, each a small solid blob centred on the bar."""
    top, middle, bottom = (tuple(int(v) for v in part) for part in sorted(parts, key=lambda s: int(s[1])))
    bx, by, bw, bh, _ = middle
    if not _is_bar(np.asarray(middle)) or bw < 2 * max(top[2], bottom[2]):
        return False
    centre = bx + bw / 2
    for x, _y, w, h, area in (top, bottom):
        dot = max(w, h) <= _MAX_DOT_PX and min(w, h) >= 1 and area >= _SOLID_DOT * w * h and abs(w - h) <= 2
        if not dot or abs(x + w / 2 - centre) > max(1.5, bw / 8):
            return False
    return top[1] + top[3] <= by and bottom[1] >= by + bh
