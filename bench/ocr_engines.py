"""OCR engines and set-ups side by side on the committed corpus: ``python -m bench.ocr_engines``.

For each set-up, on every screen of ``bench/ocr_corpus`` (real apps under Xvfb, true text and box of
each label; ``bench/ocr_corpus_build.py`` makes it): labels read at their true box, labels read only
somewhere else (a wrong box: the worst outcome, a click in the wrong place), word recall, the
calculator displays' digits, single symbols, CJK and accented labels, and the milliseconds per full
1280x800 screen and per scoped 300x200 read (a target's neighbourhood). All in one run, one machine,
one load: compare the rows, not the absolute numbers with another run.

The label rule here is the benchmark's own, deliberately strict and independent of the grounder's
matcher: the label's characters (NFKC, case-folded, spaces removed) must equal a run of whole words of
one read line, and the run's centre must lie on the label's true box (within half a text height).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from actions.coords import DisplayProfile
from actions.frame import Frame
from planners.grounding.ocr_engine import Box, OcrEngine, Word

CORPUS = Path(__file__).with_name("ocr_corpus")
CROP = (300, 200)
CROPS_PER_SCREEN = 3
_DASHES = str.maketrans({"−": "-", "–": "-", "—": "-"})


def norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().translate(_DASHES).split())


def is_cjk(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith(("CJK", "HIRAGANA", "KATAKANA")) for ch in text)


@dataclass(frozen=True)
class Label:
    text: str
    box: Box

    @property
    def kinds(self) -> set[str]:
        kinds = set()
        if len(self.text) >= 3 and all(ch.isdigit() or ch == "." for ch in self.text):
            kinds.add("display")
        if len(self.text) == 1 and not self.text.isalpha():
            kinds.add("symbol/digit")
        if is_cjk(self.text):
            kinds.add("cjk")
        elif any(ord(ch) > 127 and ch.isalpha() for ch in self.text):
            kinds.add("accented")
        return kinds


@dataclass
class Screen:
    name: str
    pixels: np.ndarray
    labels: list[Label]

    def frame(self) -> Frame:  # a new Frame each time: no per-frame cache carries over between set-ups
        h, w = self.pixels.shape[:2]
        return Frame(self.pixels, DisplayProfile(width=w, height=h), time.monotonic(), time.time())


def load_corpus() -> list[Screen]:
    screens = []
    for truth in sorted(CORPUS.glob("*.json")):
        labels = [Label(item["text"], tuple(item["box"])) for item in json.loads(truth.read_text())["labels"]]
        pixels = np.asarray(Image.open(truth.with_suffix(".png")).convert("RGB"))
        screens.append(Screen(truth.stem, pixels, labels))
    return screens


def _union(words: Sequence[Word]) -> Box:
    x0, y0 = min(w.box[0] for w in words), min(w.box[1] for w in words)
    x1, y1 = max(w.box[0] + w.box[2] for w in words), max(w.box[1] + w.box[3] for w in words)
    return x0, y0, x1 - x0, y1 - y0


def runs_of_words(words: Sequence[Word]) -> list[tuple[str, Box]]:
    """Every run of consecutive words of one line, as (normalised text, box)."""
    lines: dict[tuple[int, ...], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    runs = []
    for line in lines.values():
        line.sort(key=lambda w: w.box[0])
        for i in range(len(line)):
            for j in range(i + 1, min(len(line), i + 8) + 1):
                runs.append((norm("".join(w.text for w in line[i:j])), _union(line[i:j])))
    return runs


def on_box(found: Box, truth: Box) -> bool:
    cx, cy = found[0] + found[2] / 2, found[1] + found[3] / 2
    tx, ty, tw, th = truth
    slack = th / 2
    return tx - slack <= cx <= tx + tw + slack and ty - slack <= cy <= ty + th + slack


@dataclass
class Score:
    right: int = 0
    wrong: int = 0  # labels read where the screen does not show them
    total: int = 0
    words_found: int = 0
    words_total: int = 0
    kinds: dict[str, list[int]] = field(default_factory=dict)  # kind -> [right, total]
    screen_ms: list[float] = field(default_factory=list)
    crop_ms: list[float] = field(default_factory=list)
    crop_right: int = 0
    crop_total: int = 0
    misses: list[str] = field(default_factory=list)
    wrongs: list[str] = field(default_factory=list)


def score_screen(screen: Screen, words: Sequence[Word], score: Score, region: Box | None = None) -> None:
    runs = runs_of_words(words)
    for label in screen.labels:
        if region is not None and not _inside(label.box, region):
            continue
        want = norm(label.text)
        hits = [box for text, box in runs if text == want]
        right = any(on_box(box, label.box) for box in hits)
        # A hit elsewhere is wrong unless the screen shows that text there (inside another label).
        stray = [b for b in hits if not any(want in norm(o.text) and on_box(b, o.box) for o in screen.labels)]
        if region is not None:
            score.crop_total += 1
            score.crop_right += right
            continue
        score.total += 1
        score.right += right
        if stray:
            score.wrong += 1
            score.wrongs.append(f"{screen.name}:{label.text}")
        if not right:
            score.misses.append(f"{screen.name}:{label.text}")
        for kind in label.kinds:
            counts = score.kinds.setdefault(kind, [0, 0])
            counts[0] += right
            counts[1] += 1
        for part in label.text.split():
            score.words_total += 1
            score.words_found += any(norm(w.text) == norm(part) and on_box(w.box, label.box) for w in words)


def _inside(box: Box, region: Box) -> bool:
    return (
        region[0] <= box[0]
        and region[1] <= box[1]
        and box[0] + box[2] <= region[0] + region[2]
        and (box[1] + box[3] <= region[1] + region[3])
    )


def crop_regions(screen: Screen) -> list[Box]:
    h, w = screen.pixels.shape[:2]
    picks = screen.labels[:: max(1, len(screen.labels) // CROPS_PER_SCREEN)][:CROPS_PER_SCREEN]
    regions = []
    for label in picks:
        cx, cy = label.box[0] + label.box[2] // 2, label.box[1] + label.box[3] // 2
        x = min(max(0, cx - CROP[0] // 2), w - CROP[0])
        y = min(max(0, cy - CROP[1] // 2), h - CROP[1])
        regions.append((x, y, *CROP))
    return regions


def measure(make: Callable[[], OcrEngine], screens: Sequence[Screen]) -> Score:
    score, engine = Score(), make()
    engine.read(screens[0].frame(), (0, 0, 64, 64))  # load models outside the clock: "warm" numbers
    for screen in screens:
        start = time.perf_counter()
        words = engine.read(screen.frame())
        score.screen_ms.append((time.perf_counter() - start) * 1000)
        score_screen(screen, words, score)
    fresh = make()  # a cold word cache: the crops must not be answered from the full-screen reads
    fresh.read(screens[0].frame(), (0, 0, 64, 64))
    for screen in screens:
        for region in crop_regions(screen):
            start = time.perf_counter()
            words = fresh.read(screen.frame(), region)
            score.crop_ms.append((time.perf_counter() - start) * 1000)
            score_screen(screen, words, score, region)
    return score


def _setups() -> dict[str, Callable[[], OcrEngine]]:
    from bench.ocr_setups import SETUPS

    return SETUPS


def table(results: dict[str, Score]) -> str:
    kinds = ["display", "symbol/digit", "cjk", "accented"]
    head = ["set-up", "labels right", "wrong box", "words", *kinds, "ms/screen", "ms/crop", "crop labels"]
    rows = []
    for name, s in results.items():
        cells = [
            name,
            f"{s.right}/{s.total} {100 * s.right / max(1, s.total):.1f}%",
            str(s.wrong),
            f"{100 * s.words_found / max(1, s.words_total):.1f}%",
        ]
        cells += [f"{s.kinds.get(k, [0, 0])[0]}/{s.kinds.get(k, [0, 0])[1]}" for k in kinds]
        cells += [
            f"{statistics.median(s.screen_ms):.0f}",
            f"{statistics.median(s.crop_ms):.0f}",
            f"{s.crop_right}/{s.crop_total}",
        ]
        rows.append(cells)
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    lines = [" | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in [head, *rows]]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    verbose = "-v" in args
    wanted = [a for a in args if not a.startswith("-")]
    screens = load_corpus()
    setups = {k: v for k, v in _setups().items() if not wanted or k in wanted}
    labels = sum(len(s.labels) for s in screens)
    print(f"OCR corpus: {len(screens)} screens, {labels} labels; load before: {os.getloadavg()[0]:.2f}")
    results = {}
    for name, make in setups.items():
        results[name] = measure(make, screens)
        if verbose:
            print(f"{name}: missed {results[name].misses}\n  wrong {results[name].wrongs}", flush=True)
    print(table(results))
    print(
        f"ms: median per 1280x800 screen / per {CROP[0]}x{CROP[1]} crop (warm: models loaded, word caches empty); "
        f"{os.cpu_count()} cores, load after: {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
