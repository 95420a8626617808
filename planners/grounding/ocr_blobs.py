"""Text blobs: where a frame has text-like ink, a word, a phrase or a lone glyph each, found by morphology.

Every engine reads these instead of the whole screen (``ocr_tesseract``, ``ocr_hybrid``), and the
expectations scope their reads by them (``agent.verify.text``), so what is not a blob is never read.
Two things the first version lost, both measured on ``bench/ocr_corpus``:

- Small dense text next to nothing else ("Applied" at 100% in Chromium): its gradient is a solid band
  longer than a widget border, and the border filter erased it. A border is a *thin* long run; a band as
  tall as a letter's x-height is text, and stays.
- Glyphs under 6 px tall: a minus, a decimal point, a "-" on a calculator key. They are kept when they
  belong to a neighbouring blob on the same row (the "." of "1234.5" at 150%), or stand alone wide
  enough to be a symbol ("-" is 4x1 px on xcalc); lone specks are dropped (an icon's detail, a cursor).

And one thing trial 10 found: a terminal's block cursor is no text, and where rows have no leading (mlterm)
its outline touched the word on the row above, one blob two rows tall: "false" and the cursor under it read
as one word spanning both rows, which joined the rows into one line (a prompt drawn again went unrecognised,
a false success). A solid block of one colour, cell-shaped, is taken out first (``_solid_blocks``).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence

import cv2
import numpy as np

from actions.frame import Frame
from planners.grounding.disjoint_sets import DisjointSets
from planners.grounding.gray import frame_gray
from planners.grounding.ocr_engine import Box

_EDGE_LEVELS = 48  # gradient (gray levels) that makes a pixel an edge: text, borders, icons
_BORDER_PT = 30  # a straight run of edge this long is longer than any glyph: a widget border
_BORDER_THICK_PT = 8  # ... unless it is this thick: a band of small text ("Applied"), not a double border (6)
_GLYPH_MIN_PT = 6  # blobs lower than this are small glyphs: kept when joined to a neighbour, or wide enough
_LONE_SMALL_MIN_PT = 5  # a small glyph standing alone must be this wide ("-", "_"; not a speck)
_JOIN_GAP = 0.6  # a small glyph this many of its neighbour's heights beside it belongs to that blob
_ROW_GAP = 0.4  # blobs on one row closer than this many text heights are one blob, at any zoom
_ROW_LIKE = 1.6  # ... when neither is more than this much taller than the other
_MAX_PT = 60  # taller blobs are pictures, not text
_LINE_FILL = 0.9  # a column (row) of a blob's crop this full of ink, from edge to edge, is a border
_BLOCK_MIN_PT = 8  # a solid block at least this tall (a text cell) and at most _MAX_PT ...
_BLOCK_ASPECT = (0.3, 1.5)  # ... its width this many of its heights (a cursor cell, a swatch; not a bar) ...
_BLOCK_FILL = 0.97  # ... one colour over this much of its box (a key with a label in it is not) ...

_blob_lock = threading.Lock()
_blob_cache: weakref.WeakKeyDictionary[Frame, list[Box]] = weakref.WeakKeyDictionary()


def text_blobs(frame: Frame) -> list[Box]:
    """Boxes of text-like regions (a word, a phrase or a glyph each), found once per frame (~20 ms at 1280x800)."""
    with _blob_lock:
        if (cached := _blob_cache.get(frame)) is not None:
            return cached
    blobs = find_blobs(frame_gray(frame), frame.profile.scale)
    with _blob_lock:
        _blob_cache[frame] = blobs
    return blobs


def find_blobs(gray: np.ndarray, scale: float = 1.0) -> list[Box]:
    """The text blobs of a gray image (``scale``: its pixels per screen point)."""
    grad = cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    ink: np.ndarray = ((grad > _EDGE_LEVELS) * 255).astype(np.uint8)
    for x, y, w, h in _solid_blocks(gray, grad, scale):  # its outline only: a glyph inside it stays
        inside = ink[y : y + h, x : x + w].copy()
        ink[max(0, y - 2) : y + h + 2, max(0, x - 2) : x + w + 2] = 0
        ink[y : y + h, x : x + w] = inside
    borders = _borders(ink, scale)
    ink = cv2.subtract(ink, borders)
    # Close the gaps between letters and between words (not between lines, nor label and field).
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((3, max(3, round(7 * scale))), np.uint8))
    stats = cv2.connectedComponentsWithStats(closed, connectivity=8)[2][1:]
    # Text fills its box; a ring (an icon's outline, a checkbox) does not.
    boxes = [(int(x), int(y), int(w), int(h)) for x, y, w, h, a in stats if a >= 0.2 * w * h]
    solid = [b for b in boxes if b[3] <= _MAX_PT * scale]
    for tall in (b for b in boxes if b[3] > _MAX_PT * scale):
        solid += _text_lines_of(ink, tall, scale)
    return _join_row_neighbours(_join_small([b for b in solid if min(b[2], b[3]) >= 2], scale), borders)


def _solid_blocks(gray: np.ndarray, grad: np.ndarray, scale: float) -> list[Box]:
    """The insides of solid blocks: text-cell-shaped areas of one colour, not the colour around them (a block
    cursor, a colour swatch). A letter's inside ("o") is the colour around it, and a key is not one colour."""
    flat = (grad == 0).astype(np.uint8)
    stats = cv2.connectedComponentsWithStats(flat, connectivity=4)[2]
    x, y, w, h, area = (stats[1:, i] for i in range(5))
    # The inside is a block less its one-pixel edge (the gradient's): sizes are those of the block.
    tall, wide = h + 2, w + 2
    shaped = (tall >= _BLOCK_MIN_PT * scale) & (tall <= _MAX_PT * scale)
    shaped &= (wide >= _BLOCK_ASPECT[0] * tall) & (wide <= _BLOCK_ASPECT[1] * tall) & (area >= _BLOCK_FILL * w * h)
    blocks: list[Box] = []
    rows, cols = gray.shape
    for i in np.flatnonzero(shaped):
        bx, by, bw, bh = int(x[i]), int(y[i]), int(w[i]), int(h[i])
        if bx < 3 or by < 3 or bx + bw + 3 > cols or by + bh + 3 > rows:
            continue  # at the frame's edge: what is around it is unknown
        around = np.concatenate(
            [gray[by - 3, bx - 3 : bx + bw + 3], gray[by + bh + 2, bx - 3 : bx + bw + 3],
             gray[by - 3 : by + bh + 3, bx - 3], gray[by - 3 : by + bh + 3, bx + bw + 2]]
        )  # fmt: skip
        if abs(int(gray[by + bh // 2, bx + bw // 2]) - float(np.median(around))) >= _EDGE_LEVELS:
            blocks.append((bx, by, bw, bh))
    return blocks


def _text_lines_of(ink: np.ndarray, box: Box, scale: float) -> list[Box]:
    """The lines of a tall blob that is lines of text closed into one (a terminal's font leaves a pixel or
    two between lines: measured, xterm's default): its ink's rows split at every empty row, each band closed
    along its row only. A band still taller than ``_MAX_PT`` is a picture, and is dropped."""
    x, y, w, h = box
    region = ink[y : y + h, x : x + w]
    # Between two lines the gradient of the one above and of the one below may touch: a row with a tenth of
    # a line's ink is a gap too.
    profile = np.count_nonzero(region, axis=1)
    busy = profile[profile > 0]
    inked = np.flatnonzero(profile > (0.1 * float(np.median(busy)) if busy.size else 0))
    if inked.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(inked) > 1)
    starts, ends = np.r_[inked[0], inked[breaks + 1]], np.r_[inked[breaks], inked[-1]] + 1
    lines: list[Box] = []
    along = np.ones((1, max(3, round(7 * scale))), np.uint8)
    for top, bottom in zip(starts, ends, strict=True):
        if bottom - top > _MAX_PT * scale:
            continue
        band = cv2.morphologyEx(np.ascontiguousarray(region[top:bottom]), cv2.MORPH_CLOSE, along)
        for bx, by, bw, bh, area in cv2.connectedComponentsWithStats(band, connectivity=8)[2][1:]:
            if area >= 0.2 * bw * bh:
                lines.append((x + int(bx), y + int(top) + int(by), int(bw), int(bh)))
    return lines


def _borders(ink: np.ndarray, scale: float) -> np.ndarray:
    """The thin long straight runs of ``ink``: widget borders and separators, not bands of text."""
    line, thick = max(20, round(_BORDER_PT * scale)), max(4, round(_BORDER_THICK_PT * scale))
    found = []
    for run, across in (((1, line), (thick, 1)), ((line, 1), (1, thick))):
        long_runs = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones(run, np.uint8))
        found.append(cv2.subtract(long_runs, cv2.morphologyEx(long_runs, cv2.MORPH_OPEN, np.ones(across, np.uint8))))
    return cv2.max(found[0], found[1])


def _join_small(blobs: list[Box], scale: float) -> list[Box]:
    """The blobs with each small one joined to the taller blob it belongs to, on that blob's rows: a
    glyph under 6 px (a "." or "-") or a dot-shaped one under half its height (the "." of "1234.5" at
    150%) when close beside it, and a piece under half its height that overlaps it (the bar of a 200% "T",
    cut off as a border). Small glyphs that belong to nothing are kept when wide enough to be a symbol."""
    boxes = np.array(sorted(blobs, key=lambda b: b[3]), dtype=np.int64).reshape(-1, 4)
    alive = np.ones(len(boxes), bool)
    tiny_px = _GLYPH_MIN_PT * scale
    for i in range(len(boxes)):
        gx, gy, gw, gh = boxes[i]
        tiny, dot = gh < tiny_px, gw <= 1.5 * gh
        x, y, w, h = boxes.T
        taller = (h > gh) if tiny else (h >= 2 * gh)
        rows = (y - 1 <= gy) & (gy + gh <= y + h + 1)
        gap = np.maximum(x - (gx + gw), gx - (x + w))
        close = gap <= (_JOIN_GAP * h if tiny or dot else 0)
        fits = alive & taller & rows & close
        fits[i] = False
        if fits.any():
            j = int(np.flatnonzero(fits)[np.argmin(gap[fits])])
            boxes[j] = _union(boxes[j], boxes[i])
            alive[i] = False
        elif tiny and gw < _LONE_SMALL_MIN_PT * scale:
            alive[i] = False  # a speck
    return [(int(x), int(y), int(w), int(h)) for x, y, w, h in boxes[alive]]


def _join_row_neighbours(blobs: list[Box], borders: np.ndarray) -> list[Box]:
    """Blobs side by side on one row, of like height and closer than ``_ROW_GAP`` of it, as one, unless a
    border stands between them (two keys of a keypad): the closing above joins letters a fixed 6 px apart,
    which at 200% split words into letters ("ファイル" became "フ", "ァイ", "ル"; "フ" alone read "7",
    a label found at a wrong box)."""
    boxes = sorted(blobs)
    sets = DisjointSets(len(boxes))

    for i, a in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            b = boxes[j]
            if b[0] - (a[0] + a[2]) > _ROW_GAP * _MAX_PT * 2:
                break  # sorted by left edge: every later blob starts further right
            low, high = min(a[3], b[3]), max(a[3], b[3])
            top, bottom = max(a[1], b[1]), min(a[1] + a[3], b[1] + b[3])
            left, right = sorted((a[0] + a[2], b[0]))
            if (
                high <= _ROW_LIKE * low
                and bottom - top >= 0.6 * low
                and b[0] - (a[0] + a[2]) <= _ROW_GAP * low
                and not borders[top:bottom, left:right].any()
            ):
                sets.join(i, j)
    groups: dict[int, Box] = {}
    for i, box in enumerate(boxes):
        groups[sets.root(i)] = _union(groups[sets.root(i)], box) if sets.root(i) in groups else box
    return list(groups.values())


def _union(a: Sequence[int], b: Sequence[int]) -> Box:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    return x0, y0, max(a[0] + a[2], b[0] + b[2]) - x0, max(a[1] + a[3], b[1] + b[3]) - y0


def blob_crop(gray: np.ndarray, box: Box, pad: int) -> tuple[np.ndarray, int, int]:
    """The blob's pixels with ``pad`` around (a copy; and its top-left corner in ``gray``), widget borders
    in it painted over with its background: a key's side a pixel or two beside its label is in the blob
    (too short to be taken for a border by ``_borders``), and the readers read it as a letter ("base"
    as "lbasel", "DRG" as "[DRG"). A border crosses the whole crop, its padding included, where no
    glyph of the blob's own row reaches (an "l" stops short of the padding above and below)."""
    x, y, w, h = box
    x0, y0 = max(0, x - pad), max(0, y - pad)
    crop = np.array(gray[y0 : y + h + pad, x0 : x + w + pad])
    if crop.size == 0:
        return crop, x0, y0
    background = int(np.median(crop))
    ink = np.abs(crop.astype(np.int16) - background) >= _EDGE_LEVELS
    columns = ink[0] & ink[-1] & (ink.mean(axis=0) >= _LINE_FILL)
    rows = ink[:, 0] & ink[:, -1] & (ink.mean(axis=1) >= _LINE_FILL)
    # With the pixel either side: a line's antialiased edge is fainter than ink, but still a stroke.
    columns = np.convolve(columns, np.ones(3), mode="same") > 0
    rows = np.convolve(rows, np.ones(3), mode="same") > 0
    crop[:, columns] = background
    crop[rows, :] = background
    return crop, x0, y0


def overlapping(blobs: Sequence[Box], region: Box | None) -> list[Box]:
    """The blobs that reach into ``region`` (all of them for None)."""
    if region is None:
        return list(blobs)
    x0, y0, w, h = region
    return [b for b in blobs if b[0] < x0 + w and b[0] + b[2] > x0 and b[1] < y0 + h and b[1] + b[3] > y0]


def centred_in(box: Box, region: Box | None) -> bool:
    """Whether the box's centre lies in ``region`` (everything is in None, the whole frame)."""
    if region is None:
        return True
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    return region[0] <= cx < region[0] + region[2] and region[1] <= cy < region[1] + region[3]
