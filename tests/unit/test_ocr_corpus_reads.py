"""The default OCR engine on real screens of the committed corpus (``bench/ocr_corpus``: real apps under
Xvfb, each label's true text and box): the labels each fix was for, read exactly at their true boxes,
and the misreads each fix removed, gone. Real tesseract and the real RapidOCR recogniser, no display."""

from __future__ import annotations

import json
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from actions.coords import DisplayProfile
from actions.frame import Frame
from planners.grounding.gray import frame_gray
from planners.grounding.ocr_blobs import blob_crop, text_blobs
from planners.grounding.ocr_engine import Box, Word
from planners.grounding.ocr_hybrid import HybridEngine
from planners.grounding.ocr_side_by_side import read_side_by_side
from planners.grounding.ocr_tesseract import installed_languages

CORPUS = Path(__file__).resolve().parents[2] / "bench" / "ocr_corpus"


def screen(name: str) -> tuple[Frame, dict[str, list[Box]]]:
    """A corpus screen as a frame, and its labels' true boxes by text."""
    pixels = np.asarray(Image.open(CORPUS / f"{name}.png").convert("RGB"))
    labels: dict[str, list[Box]] = {}
    for label in json.loads((CORPUS / f"{name}.json").read_text())["labels"]:
        labels.setdefault(label["text"], []).append(tuple(label["box"]))
    h, w = pixels.shape[:2]
    return Frame(pixels, DisplayProfile(width=w, height=h), time.monotonic(), time.time()), labels


def key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def places(words: Sequence[Word], text: str) -> list[Box]:
    """Where runs of words of one line read ``text`` (spaces and case aside): their boxes."""
    lines: dict[tuple[int, ...], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    found = []
    for line in lines.values():
        line.sort(key=lambda w: w.box[0])
        for i in range(len(line)):
            for j in range(i + 1, len(line) + 1):
                if key("".join(w.text for w in line[i:j])) == key(text):
                    run = line[i:j]
                    x0, y0 = min(w.box[0] for w in run), min(w.box[1] for w in run)
                    x1 = max(w.box[0] + w.box[2] for w in run)
                    y1 = max(w.box[1] + w.box[3] for w in run)
                    found.append((x0, y0, x1 - x0, y1 - y0))
    return found


def on(found: Box, truth: Box) -> bool:
    """The found box's centre on the true box (half a text height of slack), as the benchmark counts."""
    cx, cy = found[0] + found[2] / 2, found[1] + found[3] / 2
    slack = truth[3] / 2
    return (
        truth[0] - slack <= cx <= truth[0] + truth[2] + slack and truth[1] - slack <= cy <= truth[1] + truth[3] + slack
    )


@pytest.fixture(scope="module")
def engine() -> HybridEngine:
    return HybridEngine()


class Reads(dict[str, tuple[list[Word], dict[str, list[Box]]]]):
    """Full-screen reads by one engine, by screen name: each screen read once, when first asked for."""

    def __init__(self, engine: HybridEngine) -> None:
        super().__init__()
        self.engine = engine

    def __missing__(self, name: str) -> tuple[list[Word], dict[str, list[Box]]]:
        frame, labels = screen(name)
        self[name] = (self.engine.read(frame), labels)
        return self[name]


@pytest.fixture(scope="module")
def read(engine: HybridEngine) -> Reads:
    return Reads(engine)


def assert_read_at_its_box(words: Sequence[Word], labels: dict[str, list[Box]], text: str) -> None:
    found = places(words, text)
    for truth in labels[text]:
        assert any(on(box, truth) for box in found), (text, truth, found)
    # Anywhere else it is a wrong box, unless the screen shows that text there too ("e" for "E").
    shown = [box for other, boxes in labels.items() if key(text) in key(other) for box in boxes]
    assert all(any(on(box, truth) for truth in shown) for box in found), (text, "read elsewhere", found)


@pytest.mark.parametrize(
    ("name", "texts"),
    [
        ("athena-xcalc", ["408", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F"]),
        ("tk-light-dark", ["408", "1", "2", "3", "4", "5", "6", "7", "8", "9", "÷", "+"]),
        ("gtk-galculator", ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "(", ")", "%"]),
    ],
)
def test_keypads_and_displays_read_side_by_side_are_exact_at_their_keys(
    read: Reads, name: str, texts: list[str]
) -> None:
    # Read several to a line, a digit's probability was split between "8" and the full-width "８", and
    # each fell under the threshold: the model's classes are folded by NFKC.
    words, labels = read[name]
    for text in texts:
        assert_read_at_its_box(words, labels, text)


def test_a_key_border_in_the_blob_is_not_read_as_a_letter(
    read: Reads,
) -> None:
    # The keys' sides are in these blobs: "base" was read "lbasel", "mod" "Imodl", "DRG" "[DRG".
    words, labels = read["athena-xcalc"]
    for text in ("base", "mod", "DRG", "DEC", "SUM"):
        assert_read_at_its_box(words, labels, text)
    assert not [w.text for w in words if any(ch in w.text for ch in "|[]") and len(w.text) > 1]


def test_short_words_the_recogniser_missed_beside_other_keys_are_tesseracts(
    read: Reads,
) -> None:
    words, labels = read["athena-xcalc"]
    for text in ("or", "x!", "xor"):
        assert_read_at_its_box(words, labels, text)


def test_a_word_is_read_as_it_is_alone_not_as_the_rows_above_it_sway_it(
    read: Reads,
) -> None:
    if not {"deu", "fra"} <= installed_languages():
        pytest.skip("tesseract-ocr-deu/-fra are not installed (make deps)")
    # On one montage of a screen's blobs, "Fenêtre" was read "Fenétre"; German first read "Préférences"
    # as "Preferences".
    for name in ("chromium-100", "chromium-150", "tk-light-dark"):
        words, labels = read[name]
        assert_read_at_its_box(words, labels, "Fenêtre" if name.startswith("chromium") else "Préférences")
    words, labels = read["chromium-200"]
    assert_read_at_its_box(words, labels, "Préférences")


def test_a_placeholder_read_two_ways_is_not_taken_for_a_label_elsewhere(
    read: Reads,
) -> None:
    # "Search..." in a field, read among other glyphs as "Search" at 0.80: the "Search" label of the
    # menu bar was then found twice. Read a second time it is "Searc..", so neither read is kept.
    words, labels = read["qt-featherpad"]
    assert_read_at_its_box(words, labels, "Search")


def test_a_buttons_rounded_side_is_not_read_as_a_letter(
    read: Reads,
) -> None:
    # Two keys' rounded sides side by side (a blob 10x26 px) were read "C" at 0.97 among letters: the
    # "C" key was then found twice. A broad letter is never that thin.
    words, labels = read["gtk-galculator"]
    assert_read_at_its_box(words, labels, "C")


def test_side_by_side_reads_match_each_crop_read_alone(engine: HybridEngine) -> None:
    # The same crops, read several to a line and each alone on its line: the same digits.
    frame, labels = screen("tk-light-dark")
    gray = frame_gray(frame)
    digits = [str(n) for n in range(1, 10)]
    boxes = [next(b for b in text_blobs(frame) if on(b, labels[d][0])) for d in digits]
    crops = [blob_crop(gray, b, max(2, b[3] // 4))[0] for b in boxes]
    model = engine.rapid._loaded()
    together = read_side_by_side(model, crops, lambda text, score: score >= 0.8)
    alone = [read_side_by_side(model, [crop], lambda text, score: score >= 0.8)[0] for crop in crops]
    assert [text for text, _ in together] == digits
    assert [text for text, _ in alone] == digits
    assert all(score >= 0.8 for _, score in together)
