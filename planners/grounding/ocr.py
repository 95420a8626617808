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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from actions.coords import ImagePixel, ScreenPoint
from actions.frame import Frame
from actions.text_match import TextPattern, as_pattern, fold
from planners.grounding.base import GroundingQuery, GroundingResult, ReadWord
from planners.grounding.ocr_blobs import text_blobs
from planners.grounding.ocr_engine import Box, OcrEngine, Word, make_engine
from planners.grounding.ocr_lines import group_lines

__all__ = ["Box", "OcrEngine", "OcrGrounder", "TextMatch", "Word", "find_label", "normalise", "set_default_engine",
           "text_blobs", "text_lines"]  # fmt: skip


@dataclass(frozen=True)
class TextMatch:
    words: tuple[Word, ...]  # the words the match covers, each whole (``cut`` says where in the end words)
    whole: bool  # the match is all its line holds: it wins over partial matches (actions.text_match)
    # Where the match starts in its first word and ends in its last, as fractions of their characters. OCR
    # reads adjacent buttons as one word now and then: Athena's oval "Keep" and "Discard" came out as
    # "(Keep)Discard)", and the middle of that whole word, clicked for "Keep", was the Discard button.
    cut: tuple[float, float] = (0.0, 1.0)

    @property
    def centre(self) -> ImagePixel:
        """The centre of what the match covers on its first line: a label wrapped onto a second line is
        clicked on its first words, never between the lines (the centre of both can lie in neither). Of a
        word the match covers only in part, the part its characters take, in proportion."""
        first, last = self.words[0], self.words[-1]
        row = [
            w
            for w in self.words
            if abs((w.box[1] + w.box[3] / 2) - (first.box[1] + first.box[3] / 2)) <= first.box[3] / 2
        ]
        xs = []
        for word in row:
            left, width = word.box[0], word.box[2]
            xs += [
                left + width * self.cut[0] if word is first else left,
                left + width * (self.cut[1] if word is last else 1.0),
            ]
        ys = [y for w in row for y in (w.box[1], w.box[1] + w.box[3])]
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

    Equally good matches (``find_label``: a whole line beats parts of lines) make it refuse, unless
    ``query.expected`` picks one clearly: the nearest lies within ``near_pt`` of it and every other beyond
    ``far_pt``. Rows of a list 20 pt apart are never "clearly" told apart that way; two dialogs' "OK"
    buttons are.
    ``engine``: an :class:`OcrEngine`, an engine's name (``"tesseract"``, ``"rapidocr"``, ``"hybrid"``), or
    None for the default one (:func:`set_default_engine`).
    """

    name = "ocr"

    def __init__(
        self,
        engine: OcrEngine | str | None = None,
        near_pt: int = 48,
        far_pt: int = 96,
        lang: str | None = None,
    ) -> None:
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
        if not (query.label or "").strip():
            return GroundingResult(self.name, None, reason="no label to read")
        pattern = TextPattern.parse(query.label or "", exact=query.exact)
        words: list[Word] = []
        for where, region in self._areas(query, frame):
            words = self.read(frame, region=region)
            matches = find_label(words, pattern, blobs=text_blobs(frame))
            # Near the expected point, only a whole-line match that is clearly the nearest settles it this early.
            settled = bool(matches) and matches[0].whole and self._nearest(query, matches, frame) is not None
            if matches and (settled or not where.startswith("near")):
                return self._decide(query, frame, matches, where, words)
        read = tuple(_screen_word(frame, word) for word in words)  # for the report: what was there instead
        return GroundingResult(self.name, None, reason=f"{pattern.describe()} is not on the screen", words=read)

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
                self.name,
                None,
                reason=f"{len(matches)} equally good matches for {query.label!r} at {listed}",
                candidates=tuple(points),
                words=tuple(_screen_word(frame, word) for word in words),
            )
        match = matches[chosen]
        read = " ".join(w.text for w in match.words)
        score = sum(w.conf for w in match.words) / len(match.words) / 100.0
        how = f"read {read!r} ({'the whole line' if match.whole else 'part of a line'}) by {self.engine.name} {where}"
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
    return any(
        b[0] - slack_px <= cx <= b[0] + b[2] + slack_px and b[1] - slack_px <= cy <= b[1] + b[3] + slack_px
        for b in blobs
    )


def _screen_word(frame: Frame, word: Word) -> ReadWord:
    x, y, w, h = word.box
    top_left = frame.profile.image_to_screen(ImagePixel(x, y))
    bottom_right = frame.profile.image_to_screen(ImagePixel(x + w, y + h))
    return ReadWord(word.text, top_left.x, top_left.y, bottom_right.x - top_left.x, bottom_right.y - top_left.y)


# ---- matching ---------------------------------------------------------------------------------------
# The rule (what counts as a match) is actions.text_match's, the same everywhere; this part only turns
# OCR words into lines, with boxes, for the rule to read.
def normalise(text: str) -> str:
    """A word's ``key``: its text as the default rule compares it (case-folded, no whitespace)."""
    return fold(text)


def find_label(
    words: Sequence[Word],
    wanted: str | TextPattern,
    gap: float = 1.5,
    leading: float = 1.0,
    blobs: Sequence[Box] = (),
) -> list[TextMatch]:
    """Where ``wanted`` is on the screen: the best matches, every whole-line match if there is one, else
    every partial one (``actions.text_match``; a string is parsed with the default rule).

    A line is words side by side (each at most ``gap`` text heights right of the previous); a label may
    wrap onto the next line (at most ``leading`` heights lower, starting left of where the previous line
    ended), so a line and the one or two continuing it are also read as one. Geometry, not tesseract's
    line numbers: at another zoom one label becomes two text blobs ("Gift" and "wrap" read apart).

    ``blobs`` (the text blobs the words were read from, ``text_blobs``): an exact text may also be the
    words of one blob of a line, bounded by the gaps or borders that split the blobs (a key in a row of
    adjacent keys: xcalc's "CE/d" and "AC", 19 px apart, are one line and two blobs).
    """
    pattern = as_pattern(wanted)
    lines = group_lines([word for word in words if word.key], gap)  # a word of spaces only is no text
    found: dict[frozenset[int], TextMatch] = {}
    # Only a text of several words can wrap: "15" is never the "1" ending one row of a calendar and the "5"
    # starting the next (the rule ignores spaces, so "1 5" read across the rows was a whole-line "15").
    chains = _chains(lines, leading) if _may_wrap(pattern) else [[line] for line in lines]
    if pattern.mode == "exact" and blobs:
        chains += [[run] for line in lines for run in _blob_runs(line, blobs) if len(run) < len(line)]
    for chain in chains:
        text, starts = _joined_text(word for line in chain for word in line)
        flat = [word for line in chain for word in line]
        first_break = len(chain[0]) if len(chain) > 1 else len(flat)  # a multi-line read must cross a break
        for span in pattern.search(text):
            covered = [i for i, at in enumerate(starts) if at < span.end and at + len(flat[i].text) > span.start]
            if len(chain) > 1 and (covered[0] >= first_break or covered[-1] < len(flat) - len(chain[-1])):
                continue  # inside one line of the chain: that line alone has already read it
            head, tail = flat[covered[0]], flat[covered[-1]]
            cut = (
                max(0, span.start - starts[covered[0]]) / len(head.text),
                min(len(tail.text), span.end - starts[covered[-1]]) / len(tail.text),
            )
            match = TextMatch(tuple(flat[i] for i in covered), span.whole, cut)
            key = frozenset(id(word) for word in match.words)
            if key not in found or match.whole > found[key].whole:
                found[key] = match
    best = any(m.whole for m in found.values())
    return [m for m in found.values() if m.whole == best]


def _blob_runs(line: Sequence[Word], blobs: Sequence[Box]) -> list[list[Word]]:
    """The words of ``line`` split where the blob holding their centres changes (a word in none: alone)."""
    runs: list[list[Word]] = []
    last: int | None = None
    for word in line:
        x, y = word.box[0] + word.box[2] / 2, word.box[1] + word.box[3] / 2
        at = next((i for i, (bx, by, bw, bh) in enumerate(blobs) if bx <= x < bx + bw and by <= y < by + bh), None)
        if runs and at is not None and at == last:
            runs[-1].append(word)
        else:
            runs.append([word])
        last = at
    return runs


def _may_wrap(pattern: TextPattern) -> bool:
    """Whether the text looked for has a space a line could break at (a regular expression: one that
    matches whitespace)."""
    written = pattern.written.strip()
    if pattern.mode == "regex":
        return "\\s" in written or " " in written
    return any(char.isspace() for char in written)


def _joined_text(words: Iterable[Word]) -> tuple[str, list[int]]:
    """The words joined by one space, and where each starts in that text."""
    text, starts = "", []
    for word in words:
        text += " " if text else ""
        starts.append(len(text))
        text += word.text
    return text, starts


def text_lines(words: Sequence[Word], gap: float = 1.5) -> list[list[Word]]:
    """Words grouped into lines as ``find_label`` reads them: side by side, each at most ``gap`` text
    heights right of the previous (left to right; the lines top to bottom)."""
    return group_lines([word for word in words if word.key], gap)


def _chains(lines: list[list[Word]], leading: float, longest: int = 3) -> list[list[list[Word]]]:
    """Every line alone, and every line followed by up to ``longest - 1`` lines continuing it (a wrap)."""
    chains: list[list[list[Word]]] = [[line] for line in lines]
    grown = chains
    for _ in range(longest - 1):
        grown = [
            [*chain, line]
            for chain in grown
            for line in lines
            if line is not chain[-1] and _wraps_to(chain[-1][-1], line[0], leading)
        ]
        chains += grown
    return chains


def _wraps_to(previous: Word, word: Word, leading: float) -> bool:
    """Whether a line ending in ``previous`` continues with ``word`` on the next line: below, close
    under it, starting before ``previous`` ended."""
    (px, py, pw, ph), (x, y, w, h) = previous.box, word.box
    size = max(ph, h)
    if abs((py + ph / 2) - (y + h / 2)) <= size / 2:
        return False
    return py + ph / 2 < y and y - (py + ph) <= leading * size and x < px + pw and x + w > px - 8 * size
