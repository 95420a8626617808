"""Labels and descriptions for recorded pointer targets, by OCR of small crops after recording.

OCR costs 100-300 ms a crop, so it never runs while recording (which must keep up with the
person): the recorder keeps a small grayscale crop per target and this pass reads them all at the
end, several tesseract processes at once. A crop is upscaled 2x first: tesseract misses short
button labels at screen resolution ("Submit" read as "ubmit").

Which text names a target, in order of preference:

1. text *on* the target (a button's caption, a list row): "the 'Count' element";
2. text to its left on the same row, within ``row_label_px``: a form field's label, "the field
   labelled 'Name'" (an empty field has no text of its own, and form labels sit to the left);
3. the closest other text within ``radius_px``: "the element near 'I agree'".

What is a field's *value* is no label: a dropdown showing "Apple" or an entry holding typed text would
record a label that is gone once the value changes ("Fruit Apple" in a real-app trial). So the box
around the point is found first (its left and right borders on the point's row): text left-aligned in
a wide box is the box's content, and when a phrase to the left of the box names the row, that phrase
is the label. Words are never joined across a box border (an option and the edge of a half-hidden
button beside its list read "Suk Cherry"), and a row label must end clear of the box (a word cut by the
border is a covered neighbour, not a label).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agent.record.steps import PointerCapture

UPSCALE = 2
_MIN_CONFIDENCE = 60.0
_EDGE_JUNK = "'\"‘’“”|_—–-[]{}.,:;"  # box borders and dashed outlines that tesseract reads as glyphs
STRIP_HALF = 10  # the text line through the point: tall enough for a line, short of a box's borders
NEAR_BOX = (160, 160, 80)  # left, right, up/down: the area searched for text near the point
_EDGE_STEP = 24  # gray levels between neighbouring columns all the way up a border (light field, dark line)
_EDGE_HALF = 7  # a border spans at least 15 rows through the point; a glyph stem of UI text is shorter
_BORDER_RUN_PX = 30  # unbroken ink this long in a row is a box's top or bottom, not a glyph's stroke


@dataclass(frozen=True)
class Phrase:
    """Words on one line, close together; box in crop pixels (before upscaling)."""

    text: str
    left: int
    top: int
    width: int
    height: int

    def distance(self, x: int, y: int) -> float:
        dx = max(self.left - x, 0, x - (self.left + self.width))
        dy = max(self.top - y, 0, y - (self.top + self.height))
        return float((dx * dx + dy * dy) ** 0.5)

    def moved(self, dx: int, dy: int) -> Phrase:
        return Phrase(self.text, self.left + dx, self.top + dy, self.width, self.height)


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def vertical_edges(gray: Any, y: int, half: int) -> Any:
    """For each boundary between columns ``c`` and ``c + 1``: whether a straight vertical edge crosses
    every row from ``y - half`` to ``y + half`` there (a box's border; text gaps have none)."""
    rows = np.asarray(gray[max(0, y - half) : y + half + 1], dtype=np.int16)
    if rows.shape[0] == 0 or rows.shape[1] < 2:
        return np.zeros(max(0, rows.shape[1] - 1), dtype=bool)
    return (np.abs(np.diff(rows, axis=1)) >= _EDGE_STEP).all(axis=0)


def box_around(gray: Any, x: int, y: int) -> tuple[int, int] | None:
    """The left and right borders (columns) of the box the point is in, on its row; None when there is
    no border to its left (the point is on the page itself). A box wider than the crop ends at its edge."""
    edges = vertical_edges(gray, y, _EDGE_HALF)
    left = np.flatnonzero(edges[: max(0, x)])
    right = np.flatnonzero(edges[x:])
    if len(left) == 0:
        return None
    return int(left[-1]) + 1, x + int(right[0]) if len(right) else int(gray.shape[1])


def read_phrases(gray: Any, psm: int = 11) -> list[Phrase]:
    """OCR one grayscale crop (numpy H x W uint8) with the tesseract CLI; phrases in crop pixels."""
    from PIL import Image

    if gray.size == 0:
        return []
    image = Image.fromarray(gray, mode="L")
    image = image.resize((image.width * UPSCALE, image.height * UPSCALE), Image.Resampling.LANCZOS)
    with tempfile.TemporaryDirectory(prefix="deskpilot-ocr-") as tmp:
        png = Path(tmp) / "crop.png"
        image.save(png)
        # One OpenMP thread per process: we run several processes at once, and on few cores
        # tesseract's own threads only contend (measured faster on 2 cores).
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        done = subprocess.run(
            ["tesseract", str(png), "stdout", "--psm", str(psm), "tsv"],
            capture_output=True,
            text=True,
            env=env,
            timeout=30,
            check=False,
        )
    if done.returncode != 0:
        return []
    return _phrases(_words(done.stdout), gray)


def _words(tsv: str) -> list[Phrase]:
    words = []
    for line in tsv.splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) < 12 or cols[0] != "5":  # level 5: a word
            continue
        text, conf = cols[11].strip(), float(cols[10])
        if conf < _MIN_CONFIDENCE or not any(ch.isalnum() for ch in text):
            continue
        left, top, width, height = (int(v) // UPSCALE for v in cols[6:10])
        words.append(Phrase(text, left, top, max(width, 1), max(height, 1)))
    return words


def _phrases(words: Sequence[Phrase], gray: Any = None) -> list[Phrase]:
    """Join words that sit on one line with a gap smaller than about a character's height, unless a box's
    border runs between them (``gray``: the crop the words were read from, to look for one)."""
    phrases: list[Phrase] = []
    for word in sorted(words, key=lambda w: (w.left, w.top)):
        for index, phrase in enumerate(phrases):
            same_line = abs((phrase.top + phrase.height / 2) - (word.top + word.height / 2)) <= phrase.height / 2
            gap = word.left - (phrase.left + phrase.width)
            if (
                same_line
                and -2 <= gap <= max(phrase.height, word.height) * 1.2
                and not _border_between(gray, phrase, word)
            ):
                top = min(phrase.top, word.top)
                bottom = max(phrase.top + phrase.height, word.top + word.height)
                width = word.left + word.width - phrase.left
                phrases[index] = Phrase(f"{phrase.text} {word.text}", phrase.left, top, width, bottom - top)
                break
        else:
            phrases.append(word)
    cleaned = (Phrase(p.text.strip(_EDGE_JUNK), p.left, p.top, p.width, p.height) for p in phrases)
    # A lone glyph is far more often a misread icon, checkbox or box corner than a one-letter label.
    return [p for p in cleaned if sum(ch.isalnum() for ch in p.text) >= 2]


def _border_between(gray: Any, left: Phrase, right: Phrase) -> bool:
    if gray is None:
        return False
    x0, x1 = left.left + left.width, right.left
    y = round((right.top + right.height / 2 + left.top + left.height / 2) / 2)
    half = max(3, max(left.height, right.height) // 2)
    return x1 > x0 and bool(vertical_edges(gray, y, half)[max(0, x0) : x1].any())


def choose_label(
    phrases: Sequence[Phrase],
    x: int,
    y: int,
    radius_px: int = 80,
    row_label_px: int = 220,
    box: tuple[int, int] | None = None,
) -> tuple[Phrase, str] | None:
    """The phrase that names the point ``(x, y)`` (crop pixels) and how: "on", "row" or "near".

    ``box``: the left and right borders of the box the point is in (``box_around``), when known. Text
    left-aligned in it is the box's content (a field's value); a phrase left of the box on the same row,
    ending clear of its border, is then the label. Text centred in it is a caption (a button's).
    """
    row_end = x if box is None else box[0]
    row = [p for p in phrases if p.left + p.width <= row_end and p.top - 4 <= y <= p.top + p.height + 4]
    row = [p for p in row if x - (p.left + p.width) <= row_label_px]
    if box is not None:  # a word cut by the border is a covered neighbour's, not this row's label
        row = [p for p in row if box[0] - (p.left + p.width) >= p.height / 2]
    on = [p for p in phrases if p.distance(x, y) <= 3]
    if on:
        caption = min(on, key=lambda p: p.distance(x, y))
        if not (row and box is not None and _is_content(caption, box)):
            return caption, "on"
    if row:
        return max(row, key=lambda p: p.left + p.width), "row"
    if box is not None:  # a field's own content does not name it from nearby either
        phrases = [p for p in phrases if not (box[0] <= p.left and p.left + p.width <= box[1] and _is_content(p, box))]
    near = [p for p in phrases if p.distance(x, y) <= radius_px]
    if near:
        return min(near, key=lambda p: p.distance(x, y)), "near"
    return None


def _is_content(phrase: Phrase, box: tuple[int, int]) -> bool:
    """Left-aligned inside a box at least three text heights wide, with more room right of it than left:
    a field's value or typed text, not a caption (captions are centred)."""
    left, right = box
    inside = left <= phrase.left and phrase.left + phrase.width <= right
    room_left, room_right = phrase.left - left, right - (phrase.left + phrase.width)
    return inside and right - left >= 3 * phrase.height and room_right > 2 * room_left + phrase.height


def text_line_rows(gray: Any, x: int, y: int, box: tuple[int, int] | None = None) -> tuple[int, int]:
    """The rows ``[top, bottom)`` to read for the text line through (or just beside) the point.

    A strip centred on the *point* cuts the line's tall letters when the click was above or below the
    text's middle: the top of a capital "S" gone, tesseract read "save" for "Save", "COUNT" for "Count",
    "Drint" for "Print" (rendered labels, 13-24 px, clicks 4-8 px off the middle). So the strip is
    centred on the ink in the box the point is in (``box``: its inner columns; on the page, a few text
    widths around the point), a box's top and bottom borders (long straight runs) left out; at least
    ``2 * STRIP_HALF`` rows, a few rows of margin.
    """
    band_top = max(0, y - 2 * STRIP_HALF)
    x0, x1 = (box[0] + 2, box[1] - 2) if box is not None and box[1] - box[0] > 8 else (x - 80, x + 80)
    band = np.asarray(gray[band_top : y + 2 * STRIP_HALF + 1, max(0, x0) : max(0, x1)], dtype=np.int16)
    fallback = (max(0, y - STRIP_HALF), y + STRIP_HALF)
    if band.size == 0:
        return fallback
    ink = np.abs(band - np.median(band, axis=1, keepdims=True)) > 2 * _EDGE_STEP
    text = np.array([row.any() and _longest_run(row) < _BORDER_RUN_PX for row in ink])
    rows, here = np.flatnonzero(text), y - band_top
    if len(rows) == 0 or np.min(np.abs(rows - here)) > STRIP_HALF // 2:
        return fallback
    start = end = int(rows[np.argmin(np.abs(rows - here))])
    while start > 0 and text[start - 1]:
        start -= 1
    while end + 1 < len(text) and text[end + 1]:
        end += 1
    centre, half = band_top + (start + end) / 2, max(STRIP_HALF, (end - start + 1) / 2 + 4)
    return max(0, round(centre - half)), round(centre + half) + 1


def _longest_run(row: Any) -> int:
    """The longest run of True in a 1-D bool array."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], row.astype(np.int8), [0]))))
    return int((edges[1::2] - edges[::2]).max()) if len(edges) else 0


def find_label(gray: Any, x: int, y: int) -> tuple[Phrase, str] | None:
    """Read the line through the point first (cheap, and free of the boxes around it that throw
    tesseract's layout analysis: a form label beside a focused entry is missed in a larger crop);
    only when that names nothing, the area around the point."""
    box = box_around(gray, x, y)
    top, bottom = text_line_rows(gray, x, y, box)
    strip = [p.moved(0, top) for p in read_phrases(gray[top:bottom])]
    chosen = choose_label(strip, x, y, box=box)
    if chosen is not None and chosen[1] in ("on", "row"):
        return chosen
    left, right, vertical = NEAR_BOX
    x0, y0 = max(0, x - left), max(0, y - vertical)
    area = [p.moved(x0, y0) for p in read_phrases(gray[y0 : y + vertical, x0 : x + right])]
    return choose_label(area, x, y, box=box) or chosen


def label_targets(targets: Sequence[PointerCapture], workers: int | None = None) -> None:
    """Fill ``label`` of every target that kept a crop, in parallel; frees the crops."""
    todo = [t for t in targets if t.label_crop is not None and t.label_point is not None]
    if todo and tesseract_available():
        workers = workers or min(len(todo), os.cpu_count() or 1)
        with ThreadPoolExecutor(max_workers=workers) as pool:  # threads only wait on tesseract processes
            found = list(pool.map(lambda t: find_label(t.label_crop, *t.label_point), todo))
        for target, chosen in zip(todo, found, strict=True):
            if chosen is not None:
                phrase, relation = chosen
                target.label, target.label_relation = phrase.text, relation
                if relation in ("row", "near") and target.label_point is not None:
                    # A field beside its label: replay finds the label by OCR, then steps this far right. A text
                    # only near the point (the button below a field whose label was not read) is where to measure
                    # from, never what to click: replay must not press that button for the field.
                    px, py = target.label_point
                    centre = (phrase.left + phrase.width // 2, phrase.top + phrase.height // 2)
                    target.label_offset = (px - centre[0], py - centre[1])
    for target in targets:
        target.label_crop = None


def describe(target: PointerCapture) -> str:
    """A description for people and for a VLM grounder: the label, the relation, the window."""
    where = f"in '{target.window_title}'" if target.window_title else "on the screen"
    if target.label:
        if target.label_relation == "on":
            return f"the '{target.label}' element {where}"
        if target.label_relation == "row":
            return f"the field labelled '{target.label}' {where}"
        return f"the element near '{target.label}' {where}"
    x, y = target.window_point if target.window_point is not None else target.screen_point
    return f"a point at ({x}, {y}) {where}"
