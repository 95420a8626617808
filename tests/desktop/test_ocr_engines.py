"""Each OCR engine behind the seam reads a real Tk window's labels at their true boxes.

The window reports where Tk drew each label's text (font metrics inside the widget's geometry), so
the truth is the app's own, not another OCR's. "408" is the calculator display tesseract once read as
"AOS"; the CJK label is asked only of the engine that reads CJK without a language pack.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterator

import pytest

from actions.frame import Frame
from agent.desktop.xserver import VirtualDesktop
from agent.screen import MssScreen
from planners.grounding.base import GroundingQuery
from planners.grounding.ocr import OcrGrounder
from planners.grounding.ocr_engine import ENGINES, Word, make_engine

_APP = r"""
import json, sys, tkinter as tk
from tkinter import font as tkfont
root = tk.Tk(); root.title("ocr engines test"); root.geometry("+120+90"); root.configure(bg="#efefef")
rows = [(("408",), 26, "DejaVu Sans Mono"), (("Save", "Cancel", "Open file"), 12, "DejaVu Sans"),
        (("文件",), 14, "DejaVu Sans")]
widgets = []
for r, (texts, size, family) in enumerate(rows):
    for c, text in enumerate(texts):
        f = tkfont.Font(root, family=family, size=size)
        w = tk.Label(root, text=text, font=f, bg="#c8d8b0" if r == 0 else "#fafafa", padx=8, pady=4, relief="raised")
        w.grid(row=r, column=c, padx=10, pady=8)
        widgets.append((w, f))
def report():
    out = []
    for w, f in widgets:
        tw, th = f.measure(w.cget("text")), f.metrics("linespace")
        out.append({"text": w.cget("text"), "box": [w.winfo_rootx() + (w.winfo_width() - tw) // 2,
                    w.winfo_rooty() + (w.winfo_height() - th) // 2, tw, th]})
    print(json.dumps(out), flush=True)
    root.tk.createfilehandler(sys.stdin, tk.READABLE, lambda *_: root.destroy())
root.after(200, report)
root.mainloop()
"""
# What each engine must read. Tesseract alone misses the display's "408" (it reads it as nothing, or
# "AOS") and needs chi_sim for "文件": the other two engines exist for exactly those.
_WORDS = {"Save", "Cancel", "Open file"}
_EXPECTED = {"tesseract": _WORDS, "rapidocr": {*_WORDS, "408", "文件"}, "hybrid": {*_WORDS, "408", "文件"}}


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


@pytest.fixture(scope="module")
def tk_labels(desktop: VirtualDesktop) -> Iterator[tuple[Frame, dict[str, tuple[int, int, int, int]]]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _APP], env=desktop.env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        truth = {item["text"]: tuple(item["box"]) for item in json.loads(proc.stdout.readline())}
        screen = MssScreen(1)
        try:
            previous, deadline = screen.capture(), time.monotonic() + 5.0
            while True:
                time.sleep(0.05)  # polling another process's window until it is fully drawn
                frame = screen.capture()
                if frame.same_pixels(previous) or time.monotonic() > deadline:
                    break
                previous = frame
        finally:
            screen.close()
        yield frame, truth
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)


def _on_box(word: Word | tuple[int, int, int, int], truth: tuple[int, int, int, int]) -> bool:
    x, y, w, h = word.box if isinstance(word, Word) else word
    cx, cy = x + w / 2, y + h / 2
    tx, ty, tw, th = truth
    return tx - th / 2 <= cx <= tx + tw + th / 2 and ty - th / 2 <= cy <= ty + th + th / 2


def _phrases(words: list[Word]) -> list[tuple[str, tuple[int, int, int, int]]]:
    """Each word, and each pair of neighbouring words of one line, with its box."""
    out = [(_norm(w.text), w.box) for w in words]
    for a, b in zip(words, words[1:], strict=False):
        if a.line == b.line:
            x0, y0 = min(a.box[0], b.box[0]), min(a.box[1], b.box[1])
            x1, y1 = max(a.box[0] + a.box[2], b.box[0] + b.box[2]), max(a.box[1] + a.box[3], b.box[1] + b.box[3])
            out.append((_norm(a.text + b.text), (x0, y0, x1 - x0, y1 - y0)))
    return out


@pytest.mark.parametrize("name", list(ENGINES))
def test_each_engine_reads_the_labels_at_their_boxes(name: str, tk_labels) -> None:
    frame, truth = tk_labels
    engine = make_engine(name)
    words = engine.read(frame)
    phrases = _phrases(words)
    for text in _EXPECTED[name]:
        at = [box for read, box in phrases if read == _norm(text)]
        assert at, f"{name} did not read {text!r}: read {[w.text for w in words]}"
        assert all(_on_box(box, truth[text]) for box in at), f"{name} read {text!r} at {at}, truth {truth[text]}"
    assert not [w.text for w in words if w.text == "408" and not _on_box(w, truth["408"])]  # never elsewhere
    # A scoped read (a 300x200 region around "Cancel") reads the words centred in it, in frame pixels.
    x, y, w, h = truth["Cancel"]
    region = (max(0, x - 100), max(0, y - 80), 300, 200)
    scoped = engine.read(frame, region)
    assert [_on_box(word, truth["Cancel"]) for word in scoped if word.text == "Cancel"] == [True]
    centres = [(wd.box[0] + wd.box[2] / 2, wd.box[1] + wd.box[3] / 2) for wd in scoped]
    assert all(region[0] <= cx < region[0] + 300 and region[1] <= cy < region[1] + 200 for cx, cy in centres)


@pytest.mark.parametrize("name", list(ENGINES))
def test_the_grounder_finds_a_label_with_the_engine_it_was_given(name: str, tk_labels) -> None:
    frame, truth = tk_labels
    grounder = OcrGrounder(engine=name)
    found = grounder.ground(GroundingQuery(description="cancel", label="Cancel"), frame)
    x, y, w, h = truth["Cancel"]
    assert found.point is not None, found.reason
    assert abs(found.point.x - (x + w / 2)) <= 4 and abs(found.point.y - (y + h / 2)) <= 4, (found, truth["Cancel"])
    assert f"by {name}" in found.reason
    runs = grounder.engine_runs
    assert grounder.ground(GroundingQuery(description="save", label="Save"), frame).point is not None
    assert grounder.engine_runs == runs  # the same frame's words are kept: a second label costs no engine run
