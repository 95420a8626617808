"""The OCR engine seam: ``read(frame, region=None) -> list[Word]``, one module per engine.

The grounder (``planners.grounding.ocr``) decides where to read and what matches a label; an engine
only turns pixels into words with boxes. Engines are chosen by name before a run starts
(``--ocr ENGINE``, ``Desktop(ocr=...)``) and built here, so nothing heavy (onnxruntime) is imported
unless it is asked for. Which engine is the default, and why, is measured by ``bench.ocr_engines``
on the committed corpus (``bench/ocr_corpus``): see the README's OCR section.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from actions.errors import UserInputError
from actions.frame import Frame

Box = tuple[int, int, int, int]  # x, y, width, height in frame pixels


@dataclass(frozen=True)
class Word:
    text: str  # as read
    key: str  # normalised for matching (the grounder fills it: matching is its business, not the engine's)
    box: Box
    conf: float  # the engine's confidence, 0-100
    line: tuple[int, ...]  # words that share it are one line, in reading order


@runtime_checkable
class OcrEngine(Protocol):
    """Reads the words of a frame, or of ``region`` (frame pixels) only; boxes are frame pixels."""

    name: str
    runs: int  # how often the engine itself ran (cache misses): for tests and benchmarks

    def read(self, frame: Frame, region: Box | None = None) -> list[Word]: ...


# name -> (module, class, one line for --help and doctor).
ENGINES: dict[str, tuple[str, str, str]] = {
    "hybrid": ("planners.grounding.ocr_hybrid", "HybridEngine",
               "tesseract on word blobs, RapidOCR's recogniser on glyph blobs (digits, symbols, Chinese)"),
    "rapidocr": ("planners.grounding.ocr_rapid", "RapidOcrEngine",
                 "PP-OCR on onnxruntime (pip: rapidocr-onnxruntime): Latin without accents, digits, Chinese"),
    "tesseract": ("planners.grounding.ocr_tesseract", "TesseractEngine",
                  "tesseract on text blobs (apt: tesseract-ocr + a tesseract-ocr-LANG per --ocr-lang)"),
}  # fmt: skip
DEFAULT_ENGINE = "hybrid"  # fewest labels at a wrong box on the corpus, then the most read (README, OCR)


def make_engine(name: str | None = None, lang: str | None = None) -> OcrEngine:
    """The engine called ``name`` (default :data:`DEFAULT_ENGINE`); ``lang`` is tesseract's ``-l``
    (``eng+deu``); RapidOCR reads its languages (Latin, Chinese) in one model and refuses a ``lang``
    rather than ignoring it."""
    chosen = name or DEFAULT_ENGINE
    if chosen not in ENGINES:
        raise UserInputError(f"unknown OCR engine {chosen!r}: choose one of {', '.join(ENGINES)}")
    module, cls, _ = ENGINES[chosen]
    engine_type = getattr(importlib.import_module(module), cls)
    engine: OcrEngine = engine_type() if lang is None else engine_type(lang=lang)
    return engine
