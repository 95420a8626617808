"""The OCR set-ups ``bench.ocr_engines`` compares: the shipped engines and tesseract variations.

The plain set-ups (``PlainTesseract``) are what the tesseract documentation suggests for a screenshot:
the whole frame or crop, gray, optionally upscaled, one page segmentation mode. The shipped tesseract
engine reads text blobs instead (``planners.grounding.ocr_tesseract``).
"""

from __future__ import annotations

from collections.abc import Callable

import cv2

from actions.frame import Frame
from planners.grounding.gray import frame_gray
from planners.grounding.ocr_engine import Box, OcrEngine, Word
from planners.grounding.ocr_hybrid import HybridEngine
from planners.grounding.ocr_rapid import RapidOcrEngine
from planners.grounding.ocr_tesseract import TesseractEngine, run_tesseract

ALL_LANGS = "eng+deu+fra+chi_sim+jpn"
DIGITS = ("-c", "tessedit_char_whitelist=0123456789.")


class PlainTesseract(TesseractEngine):
    """Tesseract on the whole frame (or region): gray, ``upscale``x, at ``psm``."""

    def read(self, frame: Frame, region: Box | None = None) -> list[Word]:
        gray = frame_gray(frame)
        x0, y0 = (region[0], region[1]) if region is not None else (0, 0)
        if region is not None:
            gray = gray[y0 : y0 + region[3], x0 : x0 + region[2]]
        if self.upscale != 1:
            gray = cv2.resize(gray, None, fx=self.upscale, fy=self.upscale, interpolation=cv2.INTER_CUBIC)
        up = self.upscale
        return [
            Word(text, "", (x0 + x // up, y0 + y // up, max(1, w // up), max(1, h // up)), conf, line)
            for text, (x, y, w, h), conf, line in run_tesseract(self, gray, 96 * up, self.extra_args)
        ]


class Union:
    """Every word both engines read (a hybrid: the second engine's words are added to the first's)."""

    def __init__(self, first: OcrEngine, second: OcrEngine) -> None:
        self.first, self.second = first, second
        self.name, self.runs = f"{first.name}+{second.name}", 0

    def read(self, frame: Frame, region: Box | None = None) -> list[Word]:
        tagged = [Word(w.text, w.key, w.box, w.conf, (1, *w.line)) for w in self.second.read(frame, region)]
        return self.first.read(frame, region) + tagged


_rapid: list[RapidOcrEngine] = []


def rapid() -> RapidOcrEngine:
    """One model for every RapidOCR set-up (it has no word cache, so sharing it changes no number)."""
    if not _rapid:
        _rapid.append(RapidOcrEngine())
    return _rapid[0]


SETUPS: dict[str, Callable[[], OcrEngine]] = {
    "tesseract today (blobs, psm 6, eng)": lambda: TesseractEngine(),
    "tesseract blobs psm 6, 5 langs": lambda: TesseractEngine(lang=ALL_LANGS),
    "tesseract blobs psm 6, digit mode": lambda: TesseractEngine(extra_args=DIGITS),
    "tesseract screen psm 11, eng": lambda: PlainTesseract(psm=11, upscale=1),
    "tesseract screen psm 6, 2x gray, eng": lambda: PlainTesseract(psm=6, upscale=2),
    "tesseract screen psm 11, 2x gray, 5 langs": lambda: PlainTesseract(psm=11, upscale=2, lang=ALL_LANGS),
    "rapidocr (PP-OCRv4, onnxruntime)": rapid,
    "rapidocr + tesseract blobs 5 langs": lambda: Union(rapid(), TesseractEngine(lang=ALL_LANGS)),
    "hybrid (tesseract words, rapidocr glyphs)": lambda: HybridEngine(),
    "hybrid, 5 langs": lambda: HybridEngine(lang=ALL_LANGS),
}
SETUPS["rapidocr, no blob pass (detector only)"] = lambda: RapidOcrEngine(blob_pass=False)
