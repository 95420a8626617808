"""The recorder keeps a label's case (issue 16 point 9): the line read for a label is centred on its
text, not on the click, so a click above or below the text's middle no longer cuts its capitals."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from agent.record.labels import STRIP_HALF, find_label, text_line_rows

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _button(label: str, size: int) -> np.ndarray:
    """A gray crop: a 160x50 button (1 px border) with ``label`` centred on (150, 50)."""
    image = Image.new("L", (300, 100), 240)
    draw = ImageDraw.Draw(image)
    draw.rectangle((70, 25, 230, 75), fill=225, outline=100)
    draw.text((150, 50), label, fill=20, font=ImageFont.truetype(_FONT, size), anchor="mm")
    return np.asarray(image)


def test_the_strip_is_centred_on_the_text_and_leaves_the_borders_out() -> None:
    gray = _button("Save", 20)
    for dy in (-8, 0, 8):
        top, bottom = text_line_rows(gray, 150, 50 + dy, box=(71, 230))
        assert top <= 41 and bottom >= 60, dy  # the glyphs: about rows 43..57 at 20 px
        assert top > 25 and bottom <= 75, dy  # the button's top and bottom borders are not in it
        assert bottom - top >= 2 * STRIP_HALF
    blank = np.full((100, 300), 240, np.uint8)
    assert text_line_rows(blank, 150, 50) == (50 - STRIP_HALF, 50 + STRIP_HALF)  # no text: as before


@needs_tesseract
@pytest.mark.parametrize("label", ["Save", "Count", "Print"])
@pytest.mark.parametrize("size", [16, 24])
def test_a_click_off_the_text_middle_keeps_the_label_as_written(label: str, size: int) -> None:
    # Before: "Save" at 16 px clicked 4 px low read "save", "Count" at 24 px "COUNT", "Print" "Drint".
    gray = _button(label, size)
    for dy in (-8, 4, 8):
        found = find_label(gray, 150, 50 + dy)
        assert found is not None and found[0].text == label and found[1] == "on", (dy, found)
