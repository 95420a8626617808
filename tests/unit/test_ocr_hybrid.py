"""The default OCR engine (hybrid: tesseract in-process on word blobs, the RapidOCR recogniser on glyph
blobs, bars by shape) on real rendered screens: exact text at the ink's box."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import ImageDraw

from planners.grounding.ocr_engine import Box, Word
from planners.grounding.ocr_hybrid import HybridEngine, default_languages
from planners.grounding.ocr_tesseract import TesseractEngine, installed_languages, run_tesseract
from planners.grounding.ocr_tesslib import read_tsv
from tests.unit.test_ocr_blobs import canvas, draw_text, frame_of


@pytest.fixture(scope="module")
def engine() -> HybridEngine:
    return HybridEngine()


def near(word: Word, ink: Box, slack_px: int = 3) -> bool:
    return all(abs(a - b) <= slack_px for a, b in zip(word.box, ink, strict=True))


@pytest.mark.parametrize("display", ["408", "1234.5", "0.125"])
@pytest.mark.parametrize("size", [13, 26, 40])
def test_a_calculator_display_is_read_exactly_at_its_box(engine: HybridEngine, display: str, size: int) -> None:
    image = canvas(420, 120)
    ImageDraw.Draw(image).rectangle((10, 10, 400, 100), outline=0)  # the display's frame
    ink = draw_text(image, (380 - size * len(display) * 2 // 3, 30), display, size)
    words = engine.read(frame_of(image))
    assert [w.text for w in words] == [display]
    assert near(words[0], ink), (words[0].box, ink)


def test_keypad_glyphs_and_symbols_are_read_at_their_keys(engine: HybridEngine) -> None:
    image = canvas(460, 80)
    draw = ImageDraw.Draw(image)
    keys = ["7", "1", "=", "\u2212", "÷", "+"]
    inks = {}
    for n, key in enumerate(keys):
        left = 10 + n * 72
        draw.rectangle((left, 10, left + 64, 60), outline=0)
        inks[key] = draw_text(image, (left + 26, 22), key, 16)
    words = engine.read(frame_of(image))
    read = {w.text: w for w in words}
    assert sorted(read) == sorted(["7", "1", "=", "-", "÷", "+"])  # U+2212 is read as the bar it is: "-"
    for key, ink in inks.items():
        assert near(read["-" if key == "\u2212" else key], ink), (key, read)


def test_accented_and_japanese_labels_are_read_with_the_default_languages(engine: HybridEngine) -> None:
    if not {"deu", "fra", "jpn"} <= installed_languages():
        pytest.skip("tesseract-ocr-deu/-fra/-jpn are not installed (make deps)")
    image = canvas(640, 60)
    labels = {"Schließen": (10, 20), "Größe": (150, 20), "Öffnen": (260, 20)}
    inks = {text: draw_text(image, xy, text, 16) for text, xy in labels.items()}
    inks["ファイル"] = draw_text(image, (380, 20), "ファイル", 16, font="/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
    lines: dict[tuple[int, ...], list[Word]] = {}
    for word in engine.read(frame_of(image)):
        lines.setdefault(word.line, []).append(word)
    read = {"".join(w.text for w in line): line for line in lines.values()}
    assert set(read) == set(inks)
    for text, ink in inks.items():
        xs = [x for w in read[text] for x in (w.box[0], w.box[0] + w.box[2])]
        assert abs(min(xs) - ink[0]) <= 3 and abs(max(xs) - (ink[0] + ink[2])) <= 3, (text, read[text], ink)


def test_the_default_languages_are_the_installed_ones_english_always() -> None:
    langs = default_languages().split("+")
    assert "eng" in langs and set(langs) <= {"deu", "fra", "eng", "jpn"}
    assert set(langs) - {"eng"} <= installed_languages()


def test_tesseract_in_process_reads_what_the_program_reads() -> None:
    image = canvas(300, 60)
    draw_text(image, (10, 15), "Replace the existing file?", 16)
    pixels = np.asarray(image)
    assert read_tsv(pixels, 96, "eng", 6) is not None  # the library loads here (libtesseract5 from tesseract-ocr)
    in_process = run_tesseract(TesseractEngine(), pixels, 96)
    program = run_tesseract(TesseractEngine(tesseract="/usr/bin/tesseract"), pixels, 96)
    assert [(t, b) for t, b, _, _ in in_process] == [(t, b) for t, b, _, _ in program]
    assert [t for t, _, _, _ in in_process] == ["Replace", "the", "existing", "file?"]


def test_a_language_tesseract_lacks_reads_through_the_program_and_its_message() -> None:
    assert read_tsv(np.full((20, 20), 255, np.uint8), 96, "xyz", 6) is None


def test_loading_tesseract_in_process_leaves_the_environment_as_it_was() -> None:
    # OMP_THREAD_LIMIT=1 is for tesseract's OpenMP only: the apps a run starts must not inherit it.
    code = (
        "import os, numpy as np; from planners.grounding.ocr_tesslib import read_tsv; "
        "assert read_tsv(np.full((20, 20), 255, np.uint8), 96, 'eng', 6) is not None; "
        "print(os.environ.get('OMP_THREAD_LIMIT'))"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == "None"


def test_what_a_blob_reads_does_not_depend_on_the_read_that_saw_it_first() -> None:
    """A yad form with "Berlin" typed into its first field, the caret after it (a real screen). Read among the
    form's other blobs (its labels, the fields' borders), side by side, the word read nothing and the cache
    kept that: every later read of the band under "Name" missed it (a false failure in a fresh-clone run)."""
    import time
    from pathlib import Path

    from PIL import Image

    from actions.coords import DisplayProfile
    from actions.frame import Frame

    pixels = np.asarray(Image.open(Path(__file__).parent / "data" / "yad-form-typed.png").convert("RGB"))
    h, w = pixels.shape[:2]
    frame = Frame(pixels, DisplayProfile(width=w, height=h), time.monotonic(), time.time())
    fresh = HybridEngine()
    berlin = (60, 33, 40, 19)
    for region in [(0, 0, 430, 140), (0, 30, 430, 60)]:  # the dialog's upper part, then the band under "Name"
        words = fresh.read(frame, region)
        assert any("berlin" in word.text.casefold() and near(word, berlin) for word in words), words
