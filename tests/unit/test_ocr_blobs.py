"""The OCR engines' blob finder, glyph shapes and line numbering on real rendered text (PIL, the
DejaVu and WenQuanYi fonts the Makefile installs): exact boxes, no display needed."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from actions.coords import DisplayProfile
from actions.frame import Frame
from planners.grounding.ocr_blobs import blob_crop, find_blobs
from planners.grounding.ocr_engine import Box, Word
from planners.grounding.ocr_lines import numbered_lines
from planners.grounding.ocr_shapes import bar_glyph

SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
CJK = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def canvas(w: int = 400, h: int = 120, background: int = 255) -> Image.Image:
    return Image.new("L", (w, h), background)


def draw_text(image: Image.Image, xy: tuple[int, int], text: str, size: int, font: str = SANS, ink: int = 0) -> Box:
    """Draws ``text``; returns the box of its ink, as the pixels show it (drawn alone: no border in it)."""
    paper = 255 if ink < 128 else 0  # drawn alone on a paper it stands out from
    alone = canvas(image.width, image.height, paper)
    for target in (image, alone):
        ImageDraw.Draw(target).text(xy, text, font=ImageFont.truetype(font, size), fill=ink)
    ys, xs = np.nonzero(np.abs(np.asarray(alone, dtype=np.int16) - paper) > 48)
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min()) + 1, int(ys.max() - ys.min()) + 1


def grown(box: Box, by: int = 1) -> Box:
    """A box as the blob finder reports its ink: the morphological gradient reaches one pixel out."""
    return box[0] - by, box[1] - by, box[2] + 2 * by, box[3] + 2 * by


def covering(blobs: list[Box], box: Box) -> list[Box]:
    x, y, w, h = box
    return [b for b in blobs if b[0] <= x and b[1] <= y and b[0] + b[2] >= x + w and b[1] + b[3] >= y + h]


def test_a_lone_digit_one_and_symbols_are_blobs_with_their_ink_boxes() -> None:
    image = canvas()
    one = draw_text(image, (20, 40), "1", 13)
    equals = draw_text(image, (80, 40), "=", 13)
    minus = draw_text(image, (140, 40), "-", 13)
    assert one[2] <= 6 and minus[3] <= 2  # a narrow "1" and a bar one or two pixels tall: what was lost
    blobs = sorted(find_blobs(np.asarray(image)))
    assert blobs == sorted([grown(one), grown(equals), grown(minus)])


def test_a_lone_speck_is_not_a_blob() -> None:
    image = canvas()
    ImageDraw.Draw(image).rectangle((50, 50, 51, 51), fill=0)  # a 2x2 dot: an icon's detail, a cursor
    assert find_blobs(np.asarray(image)) == []


def test_small_dense_text_is_not_erased_as_a_border() -> None:
    # At 11 px the letters' gradient is a band longer than a border: "Applied" lost "ppli" to the filter.
    image = canvas()
    label = draw_text(image, (15, 50), "Applied 1 time(s)", 11)
    assert covering(find_blobs(np.asarray(image)), label) == [grown(label)]


def test_a_border_between_two_keys_is_removed_and_keeps_them_apart() -> None:
    image = canvas()
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 20, 60, 60), outline=0)
    draw.rectangle((62, 20, 112, 60), outline=0)
    left = draw_text(image, (40, 32), "7", 16)
    right = draw_text(image, (66, 32), "8", 16)
    assert sorted(find_blobs(np.asarray(image))) == sorted([grown(left), grown(right)])


def test_a_large_word_split_by_wide_letter_spacing_is_one_blob_at_any_zoom() -> None:
    # At 200% the gaps between katakana are wider than the 6 px the closing joins: one label, one blob.
    image = canvas()
    label = draw_text(image, (20, 30), "ファイル", 28, font=CJK)
    assert covering(find_blobs(np.asarray(image)), label) == [grown(label)]


def test_a_decimal_point_joins_the_display_digits_at_large_sizes() -> None:
    image = canvas()
    display = draw_text(image, (20, 30), "1234.5", 40)
    assert covering(find_blobs(np.asarray(image)), display) == [grown(display)]


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("-", "-"),
        ("=", "="),
        ("\u2212", "-"),
        ("÷", "÷"),
        ("+", None),
        ("1", None),
        ("i", None),
        (":", None),
        ("%", None),
    ],
)
def test_bar_glyphs_are_read_by_their_shape(text: str, read: str | None) -> None:
    for size in (11, 16, 26):
        image = canvas()
        drawn = grown(draw_text(image, (30, 30), text, size))
        assert bar_glyph(np.asarray(image), drawn) == read, (text, size)


def test_words_the_engine_read_as_one_line_stay_one_line() -> None:
    # tesseract's box of the first of "キャ ン セ ル" spans the label: by geometry alone it stands apart.
    words = [
        Word("キャ", "", (220, 378, 65, 11), 80.0, (3, 1, 1, 1)),
        Word("ン", "", (244, 376, 13, 19), 80.0, (3, 1, 1, 1)),
        Word("セ", "", (257, 376, 13, 19), 80.0, (3, 1, 1, 1)),
        Word("Dark", "", (31, 564, 58, 20), 90.0, (4, 1, 1, 1)),
        Word("mode", "", (101, 564, 70, 20), 90.0, (5, 1, 1, 1)),  # another blob, 12 px right: one line
        Word("Apply", "", (300, 564, 60, 20), 90.0, (6, 1, 1, 1)),  # 129 px right: another label
    ]
    lines: dict[tuple[int, ...], list[str]] = {}
    for word in numbered_lines(words):
        lines.setdefault(word.line, []).append(word.text)
    assert sorted(lines.values()) == [["Apply"], ["Dark", "mode"], ["キャ", "ン", "セ"]]


def frame_of(image: Image.Image) -> Frame:
    pixels = np.repeat(np.asarray(image)[:, :, None], 3, axis=2)
    return Frame(pixels, DisplayProfile(width=image.width, height=image.height), time.monotonic(), time.time())


def test_lines_of_text_set_close_together_are_one_blob_a_line_not_one_dropped_picture() -> None:
    # 13 px a line, as xterm's default font: closed over three rows, eight lines were one
    # blob taller than any text, dropped, and nothing in the terminal was read.
    image = canvas(300, 140)
    drawn = [draw_text(image, (10, 4 + 13 * n), f"line {n} of text", 12) for n in range(8)]
    blobs = find_blobs(np.asarray(image))
    assert len(blobs) == 8 and all(b[3] < 20 for b in blobs), blobs
    assert all(len(covering(blobs, box)) == 1 for box in drawn), blobs  # each line read as its own blob


def test_a_blob_crop_paints_over_a_key_border_beside_the_label_and_keeps_tall_letters() -> None:
    image = canvas(200, 60)
    ImageDraw.Draw(image).rectangle((40, 12, 96, 44), outline=0)  # a key whose sides hug its label
    label = draw_text(image, (44, 20), "Ill", 16)  # letters as tall and thin as a border
    pixels = np.asarray(image)
    blob = (41, label[1] - 1, 55, label[3] + 2)  # the blob reaches over the key's sides
    crop, x0, y0 = blob_crop(pixels, blob, 3)
    assert (x0, y0) == (38, label[1] - 4)
    ink = crop < 128
    assert not ink[:, : 41 - x0 + 1].any() and not ink[:, 96 - x0 :].any()  # both sides gone
    lx, ly = label[0] - x0, label[1] - y0
    assert np.array_equal(
        crop[ly : ly + label[3], lx : lx + label[2]],
        pixels[label[1] : label[1] + label[3], label[0] : label[0] + label[2]],
    )


MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"


@pytest.mark.parametrize(("background", "ink"), [(255, 0), (0, 230)])
def test_a_block_cursor_under_a_word_is_no_text_and_does_not_join_the_rows(background: int, ink: int) -> None:
    # Trial 10, mlterm: rows with no leading, the cursor a solid cell under "false" on the next row. Its outline
    # touched the word's: one blob two rows tall, read as one word spanning both rows, which joined the rows.
    image = canvas(300, 60, background)
    word = draw_text(image, (20, 10), "false", 14, MONO, ink)
    cursor = (word[0] + 20, word[1] + word[3] + 1, 8, 17)  # a cell just under the word, one pixel between
    ImageDraw.Draw(image).rectangle((cursor[0], cursor[1], cursor[0] + 7, cursor[1] + 16), fill=ink)
    blobs = find_blobs(np.asarray(image))
    assert blobs == [grown(word)], blobs  # the word as drawn, nothing of the cursor


def test_a_key_with_a_label_and_a_letter_keep_their_blobs() -> None:
    # What is solid but no block: a filled key with its label in it (not one colour), a large "o" (its inside
    # is the colour around it), a long bar (not cell-shaped).
    image = canvas(300, 80)
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 40, 50), fill=90)
    label = draw_text(image, (19, 18), "7", 20, SANS, 255)
    letter = draw_text(image, (80, 0), "o", 48)
    blobs = find_blobs(np.asarray(image))
    assert covering(blobs, label) and covering(blobs, letter), blobs
