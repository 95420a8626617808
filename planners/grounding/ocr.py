"""OCR grounder: find a target by the text on or next to it, read by an OCR engine.

Where to read and what matches a label is decided here; turning pixels into words is an engine's job
(``planners.grounding.ocr_engine``: tesseract on text blobs, or RapidOCR), chosen before a run by
``--ocr ENGINE`` / ``Desktop(ocr=...)``. Reading is scoped, cheapest first: around the point an anchor
expects, then the target's window, then the whole screen; words read for a region are kept for the
frame, so a second label on the same frame costs no further engine run.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from actions.coords import ImagePixel, ScreenPoint
from actions.frame import Frame
from planners.grounding.base import GroundingQuery, GroundingResult, ReadWord
from planners.grounding.ocr_engine import Box, OcrEngine, Word, make_engine
from planners.grounding.ocr_tesseract import text_blobs

__all__ = ["Box", "OcrEngine", "OcrGrounder", "TextMatch", "Word", "find_label", "label_tokens", "normalise",
           "set_default_engine", "text_blobs"]  # fmt: skip

_CONFUSABLE = str.maketrans({"0": "o", "1": "l", "i": "l"})  # glyphs tesseract swaps on UI fonts


@dataclass(frozen=True)
class TextMatch:
    words: tuple[Word, ...]
    cost: int  # edits needed to turn the words into the label: 0 is an exact read

    @property
    def centre(self) -> ImagePixel:
        xs = [x for w in self.words for x in (w.box[0], w.box[0] + w.box[2])]
        ys = [y for w in self.words for y in (w.box[1], w.box[1] + w.box[3])]
        return ImagePixel((min(xs) + max(xs)) / 2.0, (min(ys) + max(ys)) / 2.0)


# ---- the engine every grounder shares unless given its own --------------------------------------------
# Chosen once, before a run (the CLI's --ocr/--ocr-lang, a Desktop's ocr=), and shared: a RapidOCR model
# takes a second to load, and every OcrGrounder() made for a run (targets, expectations, policy) reads
# with the same engine and word cache.
_default_lock = threading.Lock()
_default_spec: tuple[str | None, str | None] = (None, None)
_default_engine: OcrEngine | None = None


def set_default_engine(engine: OcrEngine | str | None = None, lang: str | None = None) -> OcrEngine:
    """Make ``engine`` (an engine, or a name with ``lang``) the one every ``OcrGrounder()`` made without
    one reads with; returns it. An unknown name or a language the engine cannot take is refused here
    (UserInputError), and then the default stays what it was."""
    global _default_spec, _default_engine
    chosen = engine if engine is not None and not isinstance(engine, str) else make_engine(engine, lang)
    with _default_lock:
        _default_spec, _default_engine = (chosen.name, lang), chosen
    return chosen


def default_engine() -> OcrEngine:
    global _default_engine
    with _default_lock:
        if _default_engine is None:
            _default_engine = make_engine(*_default_spec)
        return _default_engine


# ---- the grounder -----------------------------------------------------------------------------------
class OcrGrounder:
    """Rung "ocr": ``query.label`` read near ``query.expected``, else in ``query.window``, else anywhere.

    Equally good matches (the same number of edits) make it refuse, unless ``query.expected`` picks
    one clearly: the nearest lies within ``near_pt`` of it and every other beyond ``far_pt``. Rows of
    a list 20 pt apart are never "clearly" told apart that way; two dialogs' "OK" buttons are.
    ``engine``: an :class:`OcrEngine`, an engine's name (``"tesseract"``, ``"rapidocr"``), or None for
    the default one (:func:`set_default_engine`).
    """

    name = "ocr"

    def __init__(
        self, engine: OcrEngine | str | None = None, near_pt: int = 48, far_pt: int = 96, lang: str | None = None,
    ) -> None:  # fmt: skip
        if isinstance(engine, str) or (engine is None and lang is not None):
            self._engine: OcrEngine | None = make_engine(engine, lang)  # a name (or a language): built now
        else:
            self._engine = engine
        self.near_pt, self.far_pt = near_pt, far_pt
        self._read_lock = threading.Lock()
        self._read: weakref.WeakKeyDictionary[Frame, dict[Box | None, list[Word]]] = weakref.WeakKeyDictionary()

    @property
    def engine(self) -> OcrEngine:
        """Resolved on first use: building the ladder costs nothing, and a default set later still counts."""
        if self._engine is None:
            self._engine = default_engine()
        return self._engine

    @property
    def engine_runs(self) -> int:
        """How often the engine itself ran (its caches missed): for tests and benchmarks."""
        return self.engine.runs

    tesseract_runs = engine_runs  # the name benchmarks and tests used before there was a choice

    def ground(self, query: GroundingQuery, frame: Frame) -> GroundingResult:
        start = time.perf_counter()
        return dataclasses.replace(self._ground(query, frame), elapsed_ms=(time.perf_counter() - start) * 1000.0)

    def _ground(self, query: GroundingQuery, frame: Frame) -> GroundingResult:
        tokens = label_tokens(query.label or "")
        if not tokens:
            return GroundingResult(self.name, None, reason="no label to read")
        words: list[Word] = []
        for where, region in self._areas(query, frame):
            words = self.read(frame, region=region)
            matches = find_label(words, tokens)
            # Near the expected point, only an exact read that is clearly the nearest settles it this early.
            settled = bool(matches) and matches[0].cost == 0 and self._nearest(query, matches, frame) is not None
            if matches and (settled or not where.startswith("near")):
                return self._decide(query, frame, matches, where, words)
        read = tuple(_screen_word(frame, word) for word in words)  # for the report: what was there instead
        return GroundingResult(self.name, None, reason=f"{query.label!r} is not on the screen", words=read)

    def _areas(self, query: GroundingQuery, frame: Frame) -> list[tuple[str, Box | None]]:
        """Where to read, cheapest first: near the expected point (the nearest-match rule looks no further
        than ``far_pt``), the window, the whole screen."""
        profile, (width, height), areas = frame.profile, frame.size, []
        if query.expected is not None:
            (x, y), reach = profile.screen_to_image(query.expected), self.far_pt * profile.scale
            near = _clip((x - reach, y - reach, x + reach, y + reach), width, height)
            areas.append(("near the expected point", near))
        if (win := query.window) is not None:
            x0, y0 = profile.screen_to_image(ScreenPoint(win.left, win.top))
            x1, y1 = profile.screen_to_image(ScreenPoint(win.left + win.width, win.top + win.height))
            window = _clip((x0, y0, x1, y1), width, height)
            if window != (0, 0, width, height):  # a window as big as the screen: the screen's read says it all
                areas.append((f"in the window {win.title!r}", window))
        return [*areas, ("on the screen", None)]

    def _decide(
        self, query: GroundingQuery, frame: Frame, matches: list[TextMatch], where: str, words: Sequence[Word]
    ) -> GroundingResult:
        points = [frame.profile.image_to_screen(m.centre) for m in matches]
        chosen = 0 if len(matches) == 1 else self._nearest(query, matches, frame)
        if chosen is None:
            listed = ", ".join(str(tuple(p)) for p in points[:6]) + (" ..." if len(points) > 6 else "")
            return GroundingResult(
                self.name, None, reason=f"{len(matches)} equally good matches for {query.label!r} at {listed}",
                candidates=tuple(points), words=tuple(_screen_word(frame, word) for word in words),
            )  # fmt: skip
        match = matches[chosen]
        read = " ".join(w.text for w in match.words)
        score = sum(w.conf for w in match.words) / len(match.words) / 100.0
        how = f"read {read!r} ({match.cost} edits) by {self.engine.name} {where}"
        if len(matches) > 1:
            how += f", nearest of {len(matches)} to the expected point"
        return GroundingResult(self.name, points[chosen], score, how, candidates=tuple(points))

    def _nearest(self, query: GroundingQuery, matches: Sequence[TextMatch], frame: Frame) -> int | None:
        """The match clearly nearest the expected point: within ``near_pt``, every other beyond ``far_pt``."""
        if (expected := query.expected) is None:
            return None
        points = [frame.profile.image_to_screen(m.centre) for m in matches]
        dist = sorted((float(np.hypot(p.x - expected.x, p.y - expected.y)), i) for i, p in enumerate(points))
        dist.append((float("inf"), -1))  # a lone match has no rival
        return dist[0][1] if dist[0][0] <= self.near_pt and dist[1][0] > self.far_pt else None

    def read(self, frame: Frame, blobs: Sequence[Box] | None = None, region: Box | None = None) -> list[Word]:
        """The words in ``region`` (frame pixels; default: the whole frame), or in the text ``blobs`` given.

        Words of a frame are kept per region, so grounding several labels on one frame reads it once.
        """
        if blobs is not None:
            return [w for w in self.read(frame, region=_bounds(blobs)) if _touches_any(w.box, blobs)]
        with self._read_lock:
            cached = self._read.get(frame, {}).get(region)
        if cached is not None:
            return cached
        words = [dataclasses.replace(w, key=normalise(w.text)) for w in self.engine.read(frame, region)]
        with self._read_lock:
            self._read.setdefault(frame, {})[region] = words
        return words


def _clip(corners: tuple[float, float, float, float], width: int, height: int) -> Box:
    x0, y0 = max(0, int(corners[0])), max(0, int(corners[1]))
    x1, y1 = min(width, int(np.ceil(corners[2]))), min(height, int(np.ceil(corners[3])))
    return x0, y0, max(0, x1 - x0), max(0, y1 - y0)


def _bounds(boxes: Sequence[Box]) -> Box:
    """The blobs' bounding box with a text height of margin: a detector needs the text's surroundings."""
    if not boxes:
        return (0, 0, 0, 0)
    margin = max(b[3] for b in boxes)
    x0, y0 = max(0, min(b[0] for b in boxes) - margin), max(0, min(b[1] for b in boxes) - margin)
    return x0, y0, max(b[0] + b[2] for b in boxes) + margin - x0, max(b[1] + b[3] for b in boxes) + margin - y0


def _touches_any(box: Box, blobs: Sequence[Box], slack_px: int = 3) -> bool:
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    return any(b[0] - slack_px <= cx <= b[0] + b[2] + slack_px and b[1] - slack_px <= cy <= b[1] + b[3] + slack_px
               for b in blobs)  # fmt: skip


def _screen_word(frame: Frame, word: Word) -> ReadWord:
    x, y, w, h = word.box
    top_left = frame.profile.image_to_screen(ImagePixel(x, y))
    bottom_right = frame.profile.image_to_screen(ImagePixel(x + w, y + h))
    return ReadWord(word.text, top_left.x, top_left.y, bottom_right.x - top_left.x, bottom_right.y - top_left.y)


# ---- matching ---------------------------------------------------------------------------------------
def normalise(text: str) -> str:
    """Case-folded letters and digits only, with glyphs OCR confuses (0/o, 1/l/i) made equal."""
    return "".join(ch for ch in text.casefold() if ch.isalnum()).translate(_CONFUSABLE)


def label_tokens(label: str) -> list[str]:
    return [token for token in (normalise(part) for part in label.split()) if token]


def allowed_edits(token: str) -> int:
    """Exact for short words ("Item 1" must not match "Item 2"), a misread letter or two for longer."""
    return 0 if len(token) <= 4 else 1 if len(token) <= 8 else 2


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def find_label(words: Sequence[Word], tokens: Sequence[str], gap: float = 1.5, leading: float = 1.0) -> list[TextMatch]:
    """The best matches of the label, fewest edits first: words in reading order, each the next on its line
    (at most ``gap`` text heights further right) or the first of the next line (at most ``leading``
    heights lower, starting left of where the previous word ended).

    Geometry, not tesseract's line numbers: at another zoom one label becomes two text blobs ("Gift" and
    "wrap" read as separate lines), and a wrapped label is two lines. A word may also hold several
    tokens that OCR ran together ("Giftwrap"), with the edits the tokens allow between them.
    """
    usable = [word for word in words if word.key]  # a stray "|" or "—" between words must not break a run
    found: dict[tuple[int, ...], TextMatch] = {}

    def extend(run: tuple[Word, ...], rest: Sequence[str], cost: int) -> None:
        if not rest:
            ids = tuple(sorted(id(word) for word in run))
            if ids not in found or found[ids].cost > cost:
                found[ids] = TextMatch(run, cost)
            return
        for word in usable:
            if run and (word in run or not _follows(run[-1], word, gap, leading)):
                continue
            for take in range(1, len(rest) + 1):  # this word holds the next `take` tokens
                joined = "".join(rest[:take])
                edits = edit_distance(joined, word.key)
                if edits <= sum(allowed_edits(token) for token in rest[:take]):
                    extend((*run, word), rest[take:], cost + edits)

    if tokens:
        extend((), list(tokens), 0)
    best = min((m.cost for m in found.values()), default=0)
    return [m for m in found.values() if m.cost == best]


def _follows(previous: Word, word: Word, gap: float, leading: float) -> bool:
    """Whether ``word`` can be the next word of a phrase after ``previous`` (see ``find_label``)."""
    (px, py, pw, ph), (x, y, w, h) = previous.box, word.box
    size = max(ph, h)
    if abs((py + ph / 2) - (y + h / 2)) <= size / 2:  # the same line: just right of it
        return -0.3 * size <= x - (px + pw) <= gap * size
    # The next line: below, close under it, and starting before the previous word ended.
    return py + ph / 2 < y and y - (py + ph) <= leading * size and x < px + pw and x + w > px - 8 * size
