"""The hybrid engine: tesseract reads the words, RapidOCR's recogniser the glyphs tesseract cannot.

Both read the same text blobs (``ocr_blobs.text_blobs``), so there is no detection network to
run: a blob that is one bar or two is "-" or "=" by its shape (``ocr_shapes``), blobs wider than a few
glyphs go to tesseract (in-process, cached per blob, any ``--ocr-lang``), and the glyph-sized ones,
where tesseract fails ("=", a lone "1", "408" read as "AOS", "文件"), go to the RapidOCR recogniser; so
does a word blob tesseract read nothing in, or nothing it was sure of. The recogniser reads a read's
blobs several to an input (``ocr_side_by_side``: 6-10 ms a glyph, not 35-45), and a short glyph blob it
could not read gets tesseract's word where tesseract is sure of one ("or", "x!"). The words' lines are
numbered by geometry (``ocr_lines``): one label may be several blobs, read by both readers.
"""

from __future__ import annotations

import hashlib
import shutil
import threading

from actions.frame import Frame
from planners.grounding.gray import frame_gray
from planners.grounding.ocr_blobs import centred_in, overlapping, text_blobs
from planners.grounding.ocr_engine import Box, Word
from planners.grounding.ocr_lines import numbered_lines
from planners.grounding.ocr_rapid import RapidOcrEngine, recognise_blobs
from planners.grounding.ocr_shapes import bar_glyph
from planners.grounding.ocr_tesseract import TesseractEngine, installed_languages

_GLYPH_RATIO = 2.5  # blobs at most this many heights wide are glyphs (a symbol, a digit or three, two CJK)
_CACHE_SIZE = 4096  # blobs remembered
_DEFAULT_LANGS = ("fra", "deu", "eng", "jpn")  # in this order: the first is tesseract's first guess
_UNSURE_CONF = 50.0  # a tesseract read below this (0-100) is handed to the recogniser too
# Read side by side, a read under 0.95 must agree with a second reading among other neighbours: at 0.75
# one more label than at 0.8 (a galculator "0" at 0.79), and no other word on the corpus gained or lost.
_GLYPH_SCORE = 0.75  # the recogniser's confidence (0-1) a glyph blob's read needs
_FALLBACK_CONF = 90.0  # tesseract's word in a glyph blob the recogniser could not read, when this sure
_RECOGNISER_THREADS = 1
_BAR_CONF = 90.0  # a bar's shape is certain; what it means ("-" or "−") is for the matcher
_BAR_LINES = 200_000  # line numbers of glyphs read by shape


def default_languages() -> str:
    """Tesseract's languages when none is asked for: those of ``_DEFAULT_LANGS`` installed (English always).
    French and German first: they read "ß", "ö" and "ê", which English reads as "B", "o" and "é", and
    English labels no worse; French before German, or "Préférences" is read "Preferences" (each blob read
    alone: 333 -> 337 of 352, "Datei öffnen" lost, 4 "Préférences" found); Japanese for the katakana the
    recogniser has none of (the corpus: 289 -> 308
    of 352 labels at the right box with deu+fra+eng+jpn, none at a wrong box; in-process tesseract keeps
    the four models loaded, so a word blob costs ~2x English alone, not a model load)."""
    have = installed_languages() if shutil.which("tesseract") else frozenset()
    return "+".join(lang for lang in _DEFAULT_LANGS if lang in have or lang == "eng")


class HybridEngine:
    """``--ocr hybrid``; ``lang`` is tesseract's (``eng+deu+fra``; default :func:`default_languages`)."""

    name = "hybrid"

    def __init__(self, lang: str | None = None, rapid: RapidOcrEngine | None = None) -> None:
        """``rapid``: a recogniser to share (its model loaded once); this engine's caches are its own."""
        self.tesseract = TesseractEngine(lang=lang or default_languages())
        # One onnxruntime thread: a glyph is a 48x320 input, too small to share between cores (a crop's
        # glyphs took 367 ms median on one thread, 528 ms on all, on the shared 2-core machine).
        self.rapid = rapid or RapidOcrEngine(blob_pass=False, threads=_RECOGNISER_THREADS)
        self._lock = threading.Lock()
        self._cache: dict[bytes, list[Word]] = {}  # blob pixels -> its words, relative to the blob

    @property
    def runs(self) -> int:
        return self.tesseract.runs + self.rapid.runs

    def describe(self) -> str:
        return f"hybrid ({self.tesseract.describe()} + {self.rapid.describe()} on glyphs)"

    def forget(self) -> None:
        """Drop the words of every blob read so far, here and in tesseract (models stay loaded)."""
        with self._lock:
            self._cache.clear()
        self.tesseract.forget()

    def check(self) -> None:
        self.tesseract.check()
        self.rapid.check()

    def read(self, frame: Frame, region: Box | None = None) -> list[Word]:
        blobs = [b for b in overlapping(text_blobs(frame), region) if centred_in(b, region)]
        gray = frame_gray(frame)
        bars = {b: text for b in blobs if (text := bar_glyph(gray, b)) is not None}  # "-", "=" by their shape
        blobs = [b for b in blobs if b not in bars]
        glyphs = [b for b in blobs if b[2] <= _GLYPH_RATIO * b[3]]
        wide = [b for b in blobs if b[2] > _GLYPH_RATIO * b[3]]
        words = self.tesseract.read_blobs(frame, wide)
        unsure = [b for b in wide if not any(w.conf >= _UNSURE_CONF and _centre_in(w.box, b) for w in words)]
        words = [w for w in words if not any(_centre_in(w.box, b) for b in unsure)]
        words += [Word(text, "", b, _BAR_CONF, (_BAR_LINES + n,)) for n, (b, text) in enumerate(bars.items())]
        recognised = self._recognise(frame, glyphs + unsure)
        # A glyph blob the recogniser read nothing sure in: tesseract's word, where it is sure of one of
        # several characters ("or", "x!", "<-" went unread beside other keys). Not a lone character:
        # tesseract reads a "0" as "D" at 95, an icon as "D" or ">" at 93.
        unread = [b for b in glyphs if not any(_centre_in(w.box, b) for w in recognised)]
        words += [w for w in self.tesseract.read_blobs(frame, unread) if w.conf >= _FALLBACK_CONF and len(w.text) >= 2]
        # One label may be several blobs (a word each at 200%), read by both readers: lines by geometry.
        return numbered_lines(words + recognised)

    def _recognise(self, frame: Frame, blobs: list[Box]) -> list[Word]:
        """The recogniser's words for ``blobs``, cached per blob by its pixels (as tesseract's are):
        an unchanged button on the next frame costs no model run."""
        gray = frame_gray(frame)
        keys = [
            hashlib.blake2b(
                repr(b[2:]).encode() + gray[b[1] : b[1] + b[3], b[0] : b[0] + b[2]].tobytes(), digest_size=16
            ).digest()
            for b in blobs
        ]
        with self._lock:
            todo = [(b, k) for b, k in zip(blobs, keys, strict=True) if k not in self._cache]
            if todo:
                self.rapid.runs += 1
                fresh = recognise_blobs(
                    self.rapid._loaded(), frame, [b for b, _ in todo], min_score=_GLYPH_SCORE, side_by_side=True
                )
                # A read side by side depends on the neighbours it had (disagreeing reads are dropped), and
                # the cache keeps a blob's first read: a blob that read nothing among these neighbours is read
                # alone, as it would be in any other read, so what it holds does not depend on which read saw
                # it first ("Berlin" beside a caret read nothing among a form's borders, and stayed unread).
                unread = [b for b, _ in todo if not any(_centre_in(w.box, b) for w in fresh)]
                if unread:
                    fresh += recognise_blobs(
                        self.rapid._loaded(), frame, unread, min_score=_GLYPH_SCORE, side_by_side=False
                    )
                for blob, key in todo:  # each blob's words, kept relative to the blob
                    self._cache[key] = [_moved(w, -blob[0], -blob[1]) for w in fresh if _centre_in(w.box, blob)]
            words = [_moved(w, b[0], b[1]) for b, k in zip(blobs, keys, strict=True) for w in self._cache[k]]
            while len(self._cache) > _CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
        return words


def _moved(word: Word, dx: int, dy: int) -> Word:
    x, y, w, h = word.box
    return Word(word.text, word.key, (x + dx, y + dy, w, h), word.conf, word.line)


def _centre_in(box: Box, blob: Box) -> bool:
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    return blob[0] - 3 <= cx <= blob[0] + blob[2] + 3 and blob[1] - 3 <= cy <= blob[1] + blob[3] + 3
