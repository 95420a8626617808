"""actions.png: the run's screenshots as PNG, faster than Pillow writes them, read back exactly by any reader."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from actions.png import encode_png


def _ui_like(height: int = 120, width: int = 160) -> np.ndarray:
    """Flat fills, a framed field and some text-like strokes: what desktop screenshots are made of."""
    rgb = np.full((height, width, 3), (236, 236, 236), np.uint8)
    rgb[20:44, 10:150] = 255
    rgb[20, 10:150] = rgb[43, 10:150] = (120, 120, 120)
    rgb[28:36, 14:90:3] = (20, 20, 20)
    rgb[60:100, 30:130] = (53, 132, 228)
    return rgb


@pytest.mark.parametrize(
    "rgb",
    [
        _ui_like(),
        np.random.default_rng(7).integers(0, 256, (33, 17, 3), dtype=np.uint8),  # noise: every byte differs
        np.zeros((1, 1, 3), np.uint8),
        np.full((3, 700, 3), 255, np.uint8),  # rows where "up" wraps around 0 and 255
    ],
    ids=["ui", "noise", "one pixel", "white rows"],
)
def test_pillow_reads_back_exactly_the_pixels_written(rgb: np.ndarray) -> None:
    data = encode_png(rgb)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.mode == "RGB" and image.size == (rgb.shape[1], rgb.shape[0])
        assert np.array_equal(np.asarray(image), rgb)


def test_the_same_pixels_give_the_same_bytes_and_others_do_not() -> None:
    """The report identifies a repeated frame by its file's bytes."""
    one, again = _ui_like(), _ui_like()
    other = _ui_like()
    other[70, 70] = (53, 132, 229)
    assert encode_png(one) == encode_png(again)
    assert encode_png(one) != encode_png(other)


def test_a_ui_screen_is_no_bigger_than_pillows_own_png() -> None:
    rgb = np.tile(_ui_like(), (5, 8, 1))  # 600 x 1280
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG", compress_level=1)
    assert len(encode_png(rgb)) <= 1.2 * len(buffer.getvalue())


@pytest.mark.parametrize(
    ("rgb", "wrong"),
    [
        (np.zeros((4, 4, 4), np.uint8), "(4, 4, 4) of uint8"),
        (np.zeros((4, 4), np.uint8), "(4, 4) of uint8"),
        (np.zeros((4, 4, 3), np.float32), "(4, 4, 3) of float32"),
        (np.zeros((0, 4, 3), np.uint8), "(0, 4, 3) of uint8"),
    ],
)
def test_anything_but_rgb_bytes_is_refused_naming_what_it_got(rgb: np.ndarray, wrong: str) -> None:
    with pytest.raises(
        ValueError, match=r"H x W x 3 uint8 pixels, got shape " + wrong.replace("(", r"\(").replace(")", r"\)")
    ):
        encode_png(rgb)
