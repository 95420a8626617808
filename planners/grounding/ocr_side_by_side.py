"""Many small crops read by RapidOCR's recogniser in few runs: placed side by side on lines of its width.

The recogniser's input is 48 px tall and at least 320 px wide (the width it was trained on); a lone
glyph, scaled to 48 px, is 30-90 px wide, and the rest of its 320 px was padding the model still had to
compute: 35-45 ms per glyph on the shared 2-core machine, most of a scoped read. Here every crop of a
read is scaled to the model's height and put on a line beside the others, a blank gap between two,
each line 320 px (narrower inputs read worse: "÷" as "+", "√" as "<"), and each character the model
emits is given to the crop under the output step that emitted it: 6-10 ms a glyph.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

_HEIGHT_PX = 48  # the recogniser's input height
_LINE_PX = 320  # its training width: a line this wide holds several glyphs
_GAP_PX = 24  # blank between two crops on a line: three of the model's 8 px output steps
_WHITE = 255.0
_SURE = 0.95  # reads less sure than this are read a second time, among other neighbours
_SLACK_PX = 6  # a character's step may centre this far outside its crop's ink and still be its


def read_side_by_side(
    model: Any, crops: list[np.ndarray], kept: Callable[[str, float], bool], sure: float = _SURE
) -> list[tuple[str, float]]:
    """Each gray crop's text and confidence (0-1: the mean of its characters' probabilities), read by
    ``model`` (a loaded ``rapidocr_onnxruntime.RapidOCR``) several to a line.

    A crop's neighbours on a line sway the model: "Search..." was read "Search" at 0.80 (a label
    elsewhere: a wrong box), "RCL" as "RCL•", "No" at 0.80 one time and 0.996 the next. So every read
    less than ``sure`` is read again among other neighbours (the unsure ones only, in reverse order).
    Where both reads agree, the surer counts; where they differ, a read of several characters is
    dropped, and a lone glyph keeps its first (read again, "÷" and "√" at 0.5 flip to "+" and "<" as
    often as not: dropping them lost more than it saved), so one the caller already ``kept`` (its
    rule: a text and its confidence) is not read again at all.
    """
    if not crops:
        return []
    characters = tuple(model.text_rec.postprocess_op.character)
    scaled = [_scaled(crop) for crop in crops]
    # In the blobs' own order (left to right): the keys of a keypad's column, a menu's words, side by
    # side. (Sorted by height, 3 more digits were lost than the "or" and "<-" it saved.)
    order = list(range(len(crops)))
    first = _read_once(model, scaled, order, characters)
    read = [first[i] for i in range(len(crops))]
    unsure = [
        i for i in order[::-1] if read[i][0] and read[i][1] < sure and not (len(read[i][0]) == 1 and kept(*read[i]))
    ]
    second = _read_once(model, scaled, unsure, characters) if unsure else {}
    for index in unsure:
        (text, score), (text_again, score_again) = read[index], second[index]
        if text == text_again:
            read[index] = (text, max(score, score_again))
        elif len(text) > 1:
            read[index] = ("", 0.0)
    return read


def _read_once(
    model: Any, scaled: list[np.ndarray], order: list[int], characters: tuple[str, ...]
) -> dict[int, tuple[str, float]]:
    """One reading of the scaled crops named in ``order``, packed on lines in that order."""
    lines = _packed([s.shape[1] for s in scaled], order)
    read: dict[int, tuple[str, float]] = {}
    # One line per model run: batched, a line cost 33 ms instead of 23 (onnxruntime, one thread).
    for line in lines:
        width = max(_LINE_PX, math.ceil((line[-1][2] + _GAP_PX / 2) / 8) * 8)
        pixels = np.full((_HEIGHT_PX, width), _WHITE, np.float32)
        for index, left, right in line:
            pixels[:, left:right] = scaled[index]
        # The model's normalisation (rapidocr's): [0, 255] -> [-1, 1], three equal channels.
        inputs = np.repeat((pixels / 127.5 - 1.0)[None, None], 3, axis=1)
        probs = model.text_rec.session(inputs)[0][0]  # (steps, classes); class 0 is CTC's blank
        read_line = _decoded(probs, width, line, characters)
        for index, _, _ in line:
            read[index] = read_line.get(index, ("", 0.0))
    return read


def _scaled(crop: np.ndarray) -> np.ndarray:
    """The crop at the model's height, dark text on light: light text on a dark theme inverted, so every
    crop on a line has the polarity the others have."""
    gray = crop.astype(np.float32)
    if float(np.median(gray)) < 128:
        gray = _WHITE - gray
    width = max(1, math.ceil(_HEIGHT_PX * gray.shape[1] / max(1, gray.shape[0])))
    return np.asarray(cv2.resize(gray, (width, _HEIGHT_PX)), np.float32)


def _packed(widths: list[int], order: list[int]) -> list[list[tuple[int, int, int]]]:
    """Crops on lines of ``_LINE_PX`` in ``order``, as (crop, left, right); a crop wider than a line has
    one of its own. Each crop has half a gap of blank on either side."""
    lines: list[list[tuple[int, int, int]]] = []
    x = _LINE_PX  # "full": the first crop starts a line
    for index in order:
        if x + widths[index] + _GAP_PX // 2 > _LINE_PX:
            lines.append([])
            x = _GAP_PX // 2
        lines[-1].append((index, x, x + widths[index]))
        x += widths[index] + _GAP_PX
    return lines


@functools.cache
def _canonical(characters: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """The model's classes folded by NFKC: its vocabulary has "8" and "８", "(" and "（" apart, and on a
    line a digit's probability is split between the two (0.5 each: under any threshold). Returns each
    canonical class's first column, the other columns and which canonical class each adds to, and the
    canonical characters (index 0: CTC's blank)."""
    first: dict[str, int] = {}  # canonical character -> its index among the canonical classes
    keep: list[int] = []
    names: list[str] = []
    extra_cols: list[int] = []
    extra_to: list[int] = []
    for col, char in enumerate(characters):
        key = "" if col == 0 else unicodedata.normalize("NFKC", char)
        if key in first:
            extra_cols.append(col)
            extra_to.append(first[key])
        else:
            first[key] = len(keep)
            keep.append(col)
            names.append(key)
    return np.array(keep), np.array(extra_cols, dtype=np.int64), np.array(extra_to, dtype=np.int64), names


def _decoded(
    probs: np.ndarray, width_px: int, line: list[tuple[int, int, int]], characters: tuple[str, ...]
) -> dict[int, tuple[str, float]]:
    """CTC's greedy reading of one line (the likeliest canonical class per step, repeats and blanks
    dropped; a character's probability is the highest of its run of steps), each character given to
    the crop whose span holds its step's centre. Characters emitted in the blank between two crops
    belong to neither and are dropped ("RCL•": a stray dot in the gap)."""
    keep, extra_cols, extra_to, names = _canonical(characters)
    folded = probs[:, keep]
    np.add.at(folded.T, extra_to, probs[:, extra_cols].T)  # each extra column onto its canonical one
    best, sure = folded.argmax(axis=1), folded.max(axis=1)
    step_px = width_px / probs.shape[0]
    found: dict[int, list[tuple[str, float]]] = {}
    previous, owner = 0, None
    for step, cls in enumerate(best):
        if cls != 0 and cls == previous and owner is not None:  # the same character, one more step
            chars = found[owner]
            chars[-1] = (chars[-1][0], max(chars[-1][1], float(sure[step])))
        elif cls != 0:
            centre, owner = (step + 0.5) * step_px, None
            for index, left, right in line:
                if left - _SLACK_PX <= centre < right + _SLACK_PX:
                    found.setdefault(index, []).append((names[cls], float(sure[step])))
                    owner = index
                    break
        previous = int(cls)
    return {
        index: ("".join(c for c, _ in chars).strip(), float(np.mean([p for _, p in chars])))
        for index, chars in found.items()
    }
