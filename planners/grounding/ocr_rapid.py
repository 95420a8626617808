"""The RapidOCR engine: PP-OCR (detection + recognition) on onnxruntime, models shipped in the wheel.

One model reads Latin, digits, symbols and Chinese where tesseract needs a language pack each and
still misses lone digits and symbols ("408" read as "AOS", "=" not at all). It reads whole lines and
merges neighbouring labels into one ("View Tools Help" as "ViewToolsHelp"), so each line is split into
words at its spaces and wherever the pixels show a space between two characters.
Nothing here downloads anything: ``rapidocr-onnxruntime`` carries its three ONNX models.
"""

from __future__ import annotations

import importlib.util
import threading
from typing import Any

import numpy as np

from actions.errors import DesktopError, UserInputError
from actions.frame import Frame
from planners.grounding.gray import frame_gray
from planners.grounding.ocr_blobs import blob_crop, centred_in, overlapping, text_blobs
from planners.grounding.ocr_engine import Box, Word
from planners.grounding.ocr_side_by_side import read_side_by_side

INSTALL_HINT = "pip install rapidocr-onnxruntime"
_SPACE_OF_HEIGHT = 0.15  # blank columns this many line heights wide between two characters: a space
_INK_CONTRAST = 48  # gray levels from the line's background that make a pixel ink
_BLOB_SCORE = 0.8  # a blob the detector passed over is kept only when the recogniser is this sure
_SYMBOL_SCORE = 0.3  # ... or this sure of a lone symbol ("√" 0.5, "×" 0.36-0.52, "=" 0.6 when right on the corpus)
_WIDTH_PER_CHAR = 1.6  # the widest a character is, in blob heights ("W", a CJK glyph with its spacing)
_GLYPH_RATIO = 2.5  # blobs at most this many heights wide: the lone glyphs the detector skips; it finds words
_NARROW_CHARS = frozenset("1lIij|!.,:;'()[]{}/\\")  # characters that may be a third as wide as tall
_BROAD_MIN_RATIO = 0.45  # any other lone character is at least this many of its heights wide
_BLOB_LINES = 100_000  # line numbers of blob reads: after every detected line's
_DET_MAX_SIDE_PX = 1280  # larger frames are scaled down to this for detection (recognition keeps full pixels)


class RapidOcrEngine:
    """``--ocr rapidocr``. ``threads``: onnxruntime's intra-op threads (0: all cores)."""

    name = "rapidocr"

    def __init__(
        self, lang: str | None = None, threads: int = 0, text_score: float = 0.5, blob_pass: bool = True
    ) -> None:
        if lang not in (None, "", "auto"):
            raise UserInputError(
                f"--ocr-lang {lang!r}: rapidocr reads Latin, digits and Chinese in one "
                "model, no language; use --ocr tesseract --ocr-lang LANG"
            )
        self.threads, self.text_score, self.blob_pass = threads, text_score, blob_pass
        self._model: Any = None
        self._load_lock, self._run_lock = threading.Lock(), threading.Lock()
        self.runs = 0

    def describe(self) -> str:
        return "rapidocr (PP-OCRv4, onnxruntime)"

    def check(self) -> None:
        """Before a run: the package is there (cheap; the models load on the first read, so a run that
        reads no text never pays the second a load takes)."""
        if importlib.util.find_spec("rapidocr_onnxruntime") is None:
            raise DesktopError(f"the rapidocr OCR engine is not installed ({INSTALL_HINT})")

    def _loaded(self) -> Any:
        with self._load_lock:
            if self._model is None:
                try:
                    from rapidocr_onnxruntime import RapidOCR
                except ImportError:
                    raise DesktopError(f"the rapidocr OCR engine is not installed ({INSTALL_HINT})") from None
                threads = self.threads or -1
                # Detection at the frame's own size ("max" 1280: a 1280x800 screen is not resized, a crop is
                # not blown up to 736 px as the default "min" rule does, which made a 300x200 read cost 3 s).
                self._model = RapidOCR(
                    use_cls=False,
                    print_verbose=False,
                    text_score=self.text_score,
                    det_limit_type="max",
                    det_limit_side_len=_DET_MAX_SIDE_PX,
                    intra_op_num_threads=threads,
                    inter_op_num_threads=1,
                )
            return self._model

    def read(self, frame: Frame, region: Box | None = None) -> list[Word]:
        gray = frame_gray(frame)
        x0, y0 = 0, 0
        if region is not None:
            x, y, w, h = region
            x0, y0 = max(0, x), max(0, y)
            gray = gray[y0 : max(y0, y + h), x0 : max(x0, x + w)]
        if gray.size == 0:
            return []
        # The models take three channels; a gray screen replicated keeps dark and light themes alike.
        image = np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))
        model = self._loaded()
        with self._run_lock:  # one onnxruntime run at a time: two would only fight over the same cores
            self.runs += 1
            result, _ = model(image, use_cls=False, return_word_box=True)
            words: list[Word] = []
            for index, line in enumerate(result or []):
                words += _split_line(line, index, gray, x0, y0)
            if self.blob_pass:
                words += self._read_missed_blobs(model, frame, region, words)
        return words

    def _read_missed_blobs(self, model: Any, frame: Frame, region: Box | None, words: list[Word]) -> list[Word]:
        """The detector skips lone glyphs on buttons ("=", "7", "÷"), which the recogniser reads well
        when given them: every glyph-sized text blob (``text_blobs``) that no detected line covers is
        recognised on its own, and kept only when the recogniser is sure."""
        missed = [
            b
            for b in overlapping(text_blobs(frame), region)
            if b[2] <= _GLYPH_RATIO * b[3] and centred_in(b, region) and not any(_overlap(b, w.box) for w in words)
        ]
        return recognise_blobs(model, frame, missed)


def _split_line(line: list[Any], index: int, gray: np.ndarray, x0: int, y0: int) -> list[Word]:
    """One detected line as words: cut at the spaces read, and at spaces the recogniser dropped
    ("Remembermy choice", "FileEdit"): blank columns between two characters in the pixels themselves,
    at least ``_SPACE_OF_HEIGHT`` of the line's height wide. (The recogniser's character boxes alone
    are too rough: "Submit" had a 5 px "gap" between "b" and "m" one run, none the next.)"""
    quad, text, score = line[0], str(line[1]), float(line[2])
    chars = line[3] if len(line) > 3 and line[3] and len(line[3]) == len(text) else None
    if chars is None:  # no per-character boxes: the line is one word
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        box = (int(min(xs)) + x0, int(min(ys)) + y0, int(max(xs) - min(xs)), int(max(ys) - min(ys)))
        return [Word(part, "", box, score * 100.0, (index,)) for part in [text.strip()] if part]
    top, bottom = int(max(0, min(p[1] for p in quad))), int(max(p[1] for p in quad))
    # The middle half of the line's rows: a detected box reaches into the rows above and below (a list's).
    quarter = (bottom - top) // 4
    blank = _blank_columns(gray[top + quarter : bottom - quarter + 1])
    space_px = max(2, round(_SPACE_OF_HEIGHT * (bottom - top)))
    words: list[Word] = []
    current: list[tuple[str, list[list[float]]]] = []

    def flush() -> None:
        if current:
            xs = [p[0] for _, q in current for p in q]
            ys = [p[1] for _, q in current for p in q]
            box = (int(min(xs)) + x0, int(min(ys)) + y0, int(max(xs) - min(xs)), int(max(ys) - min(ys)))
            words.append(Word("".join(c for c, _ in current), "", box, score * 100.0, (index,)))
            current.clear()

    for char, char_quad in zip(text, chars, strict=True):
        if char.isspace():
            flush()
            continue
        if current:
            left = int((min(p[0] for p in current[-1][1]) + max(p[0] for p in current[-1][1])) / 2)
            right = int((min(p[0] for p in char_quad) + max(p[0] for p in char_quad)) / 2)
            if _longest_run(blank[max(0, left) : max(0, right)]) >= space_px:
                flush()
        current.append((char, char_quad))
    flush()
    return words


def _blank_columns(strip: np.ndarray) -> np.ndarray:
    """Per column of a text line: True where no pixel differs from the line's background (its median)."""
    if strip.size == 0:
        return np.zeros(0, bool)
    background = np.median(strip)
    return np.asarray(np.all(np.abs(strip.astype(np.int16) - background) < _INK_CONTRAST, axis=0))


def _longest_run(flags: np.ndarray) -> int:
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def recognise_blobs(
    model: Any, frame: Frame, blobs: list[Box], min_score: float = _BLOB_SCORE, side_by_side: bool = False
) -> list[Word]:
    """Each blob read by the recogniser (no detection), kept when it is at least ``min_score`` sure.
    ``side_by_side``: several to a line (``ocr_side_by_side``: 6-10 ms a glyph, the hybrid's way), else
    each on an input of its own (35-45 ms a glyph; the rapidocr engine's glyph pass: side by side, 4
    more of its labels were read at a wrong box, "+" and "0" among its detector's lines)."""
    if not blobs:
        return []
    gray = frame_gray(frame)
    crops = [blob_crop(gray, box, max(2, box[3] // 4))[0] for box in blobs]
    if side_by_side:
        read = read_side_by_side(model, crops, lambda text, score: score >= _least_score(text, min_score))
    else:
        three = [np.ascontiguousarray(np.repeat(crop[:, :, None], 3, axis=2)) for crop in crops]
        read = [(str(text), float(score)) for text, score in model.text_rec(three)[0]]
    found: list[Word] = []
    for number, ((text, score), box) in enumerate(zip(read, blobs, strict=True)):
        # In a word-sized blob, far fewer characters than it is wide for is a misread, not a short word:
        # the katakana "ファイル" (54x13 px) came back as "7" at 0.9. (Glyphs like "=" are wider than tall.)
        wide = box[2] > _GLYPH_RATIO * box[3]
        too_few = wide and len("".join(text.split())) * box[3] * _WIDTH_PER_CHAR < box[2]
        if text.strip() and score >= _least_score(text, min_score) and not too_few | _sliver(text, box):
            found += _spread(text.strip(), box, float(score) * 100.0, (_BLOB_LINES + number,))
    return found


def _least_score(text: str, min_score: float) -> float:
    """The confidence a read needs: ``min_score``, less for a lone symbol ("=", "÷", "√": unsure even
    when right)."""
    symbol = len(text.strip()) == 1 and not text.strip().isalnum()
    return _SYMBOL_SCORE if symbol else min_score


def _sliver(text: str, box: Box) -> bool:
    """A single broad character read from a sliver of ink: the rounded side of a button or a field (4x29 px)
    read as "C", with neighbours on its line that made the model expect text. Only narrow characters
    ("1", "l", "(", "|": 0.33 of their height wide at the least on the corpus) are that thin; "7", "E"
    are 0.6."""
    return len(text.strip()) == 1 and text.strip() not in _NARROW_CHARS and box[2] < _BROAD_MIN_RATIO * box[3]


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _spread(text: str, box: Box, conf: float, line: tuple[int, ...]) -> list[Word]:
    """A blob's text as words, each given its share of the blob's width by its number of characters."""
    x, y, w, h = box
    parts, words, start = text.split(), [], 0
    total = sum(len(p) for p in parts) + len(parts) - 1
    for part in parts:
        left = x + w * start // total
        words.append(Word(part, "", (left, y, max(1, w * len(part) // total), h), conf, line))
        start += len(part) + 1
    return words
