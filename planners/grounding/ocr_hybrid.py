"""The hybrid engine: tesseract reads the words, RapidOCR's recogniser the glyphs tesseract cannot.

Both read the same text blobs (``ocr_tesseract.text_blobs``), so there is no detection network to
run: blobs wider than a few glyphs go to tesseract (fast, cached per blob, any ``--ocr-lang``), and
the glyph-sized ones, where tesseract fails ("=", a lone "1", "408" read as "AOS", "文件"), go to the
RapidOCR recogniser; so does a word blob tesseract read nothing in, or nothing it was sure of.
"""

from __future__ import annotations

import threading

from actions.frame import Frame
from planners.grounding.ocr_engine import Box, Word
from planners.grounding.ocr_rapid import RapidOcrEngine, inside, recognise_blobs
from planners.grounding.ocr_tesseract import TesseractEngine, overlapping, text_blobs

_GLYPH_RATIO = 2.5  # blobs at most this many heights wide are glyphs (a symbol, a digit or three, two CJK)
_UNSURE_CONF = 50.0  # a tesseract read below this (0-100) is handed to the recogniser too


class HybridEngine:
    """``--ocr hybrid``; ``lang`` is tesseract's (``eng+deu+fra``)."""

    name = "hybrid"

    def __init__(self, lang: str | None = None) -> None:
        self.tesseract = TesseractEngine(lang=lang or "eng")
        self.rapid = RapidOcrEngine(blob_pass=False)
        self._lock = threading.Lock()

    @property
    def runs(self) -> int:
        return self.tesseract.runs + self.rapid.runs

    def describe(self) -> str:
        return f"hybrid ({self.tesseract.describe()} + {self.rapid.describe()} on glyphs)"

    def check(self) -> None:
        self.tesseract.check()
        self.rapid.check()

    def read(self, frame: Frame, region: Box | None = None) -> list[Word]:
        blobs = [b for b in overlapping(text_blobs(frame), region) if inside(b, region)]
        glyphs = [b for b in blobs if b[2] <= _GLYPH_RATIO * b[3]]
        wide = [b for b in blobs if b[2] > _GLYPH_RATIO * b[3]]
        words = self.tesseract.read_blobs(frame, wide)
        unsure = [b for b in wide if not any(w.conf >= _UNSURE_CONF and _centre_in(w.box, b) for w in words)]
        words = [w for w in words if not any(_centre_in(w.box, b) for b in unsure)]
        with self._lock:
            model = self.rapid._loaded()
            self.rapid.runs += 1
            words += recognise_blobs(model, frame, glyphs + unsure)
        return words


def _centre_in(box: Box, blob: Box) -> bool:
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    return blob[0] - 3 <= cx <= blob[0] + blob[2] + 3 and blob[1] - 3 <= cy <= blob[1] + blob[3] + 3
