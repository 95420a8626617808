"""OCR grounder: find a target by the text on or next to it, read with tesseract.

Tesseract on a whole screenshot is slow (0.5-1.6 s at 1280x800 on 2 cores) and misses short button
labels whose borders hug the text ("Submit" read as "ubmit"). So it never sees the screen: a cheap
morphological pass finds text-like blobs (borders, i.e. long straight lines, removed first), and each
blob, upscaled 2x and thresholded on its own to black on white, becomes one row of a montage read in
one call at ``--psm 6``. On the demo app that reads all 9 button and field labels; the plain 2x window
crop gives 3 at psm 6 and 8 at psm 3/11/12 (``bench/grounding.py``). Words are cached per blob, keyed
by a hash of its pixels: more labels on one frame, or unchanged (even moved) text on later frames,
cost no further tesseract run.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import os
import subprocess
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from actions.coords import ImagePixel, ScreenPoint
from actions.errors import DesktopError
from actions.frame import Frame
from actions.text_match import TextPattern, as_pattern, fold
from planners.grounding.base import GroundingQuery, GroundingResult, ReadWord
from planners.grounding.template import frame_gray

Box = tuple[int, int, int, int]  # x, y, width, height in frame pixels
_Read = tuple[str, Box, float, tuple[int, ...]]  # a word as tesseract gave it: text, box, conf, line
_GAP_PX = 12  # white space between montage rows: keeps tesseract from joining two blobs into a line
_MAX_MONTAGE_H = 8000  # taller montages are read in several calls (leptonica has size limits)
_INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-eng"


@dataclass(frozen=True)
class Word:
    text: str  # as read
    key: str  # ``normalise(text)``: as the default text rule compares it ("" for a word of spaces)
    box: Box
    conf: float  # tesseract's 0-100
    line: tuple[int, ...]  # words that share it are one line, in reading order


@dataclass(frozen=True)
class TextMatch:
    words: tuple[Word, ...]  # the words the match covers (a part of a word counts as the word)
    whole: bool  # the match is all its line holds: it wins over partial matches (actions.text_match)

    @property
    def centre(self) -> ImagePixel:
        xs = [x for w in self.words for x in (w.box[0], w.box[0] + w.box[2])]
        ys = [y for w in self.words for y in (w.box[1], w.box[1] + w.box[3])]
        return ImagePixel((min(xs) + max(xs)) / 2.0, (min(ys) + max(ys)) / 2.0)


_blob_lock = threading.Lock()
_blob_cache: weakref.WeakKeyDictionary[Frame, list[Box]] = weakref.WeakKeyDictionary()


def text_blobs(frame: Frame) -> list[Box]:
    """Boxes of text-like regions (a word or a phrase each), found once per frame (~15 ms at 1280x800)."""
    with _blob_lock:
        if (cached := _blob_cache.get(frame)) is not None:
            return cached
    gray, scale = frame_gray(frame), frame.profile.scale
    grad = cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    ink: np.ndarray = ((grad > 48) * 255).astype(np.uint8)  # an edge: text, but also borders and icons
    line = max(20, round(30 * scale))  # longer straight runs than any glyph has: widget borders
    borders = [cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones(size, np.uint8)) for size in ((1, line), (line, 1))]
    ink = cv2.subtract(ink, cv2.max(*borders))
    # Close the gaps between letters and between words (not between lines, nor label and field).
    ink = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((3, max(3, round(7 * scale))), np.uint8))
    stats = cv2.connectedComponentsWithStats(ink, connectivity=8)[2][1:]  # text fills its box; a ring does not
    blobs = [
        (int(x), int(y), int(w), int(h)) for x, y, w, h, a in stats if 6 * scale <= h <= 60 * scale and a >= 0.2 * w * h
    ]
    with _blob_lock:
        _blob_cache[frame] = blobs
    return blobs


def _overlapping(blobs: Sequence[Box], x0: float, y0: float, x1: float, y1: float) -> list[Box]:
    return [b for b in blobs if b[0] < x1 and b[0] + b[2] > x0 and b[1] < y1 and b[1] + b[3] > y0]


def _blob_pixels(gray: np.ndarray, box: Box, pad: int = 3) -> tuple[np.ndarray, int, int]:
    x, y, w, h = box
    x0, y0 = max(0, x - pad), max(0, y - pad)
    return np.ascontiguousarray(gray[y0 : y + h + pad, x0 : x + w + pad]), x0, y0


def _prepare(crop: np.ndarray, upscale: int) -> np.ndarray:
    """Upscaled, then black text on white: each blob gets its own threshold (Otsu), because one
    threshold for the whole montage turns a mid-grey row (a title bar, a selected row) all black."""
    big = cv2.resize(crop, None, fx=upscale, fy=upscale, interpolation=cv2.INTER_CUBIC)
    _, ink = cv2.threshold(big, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return ink if np.count_nonzero(ink) * 2 >= ink.size else 255 - ink  # the background is the majority


# ---- the grounder -----------------------------------------------------------------------------------
class OcrGrounder:
    """Rung "ocr": ``query.label`` read near ``query.expected``, else in ``query.window``, else anywhere.

    Equally good matches (``find_label``: a whole line beats parts of lines) make it refuse, unless
    ``query.expected`` picks one clearly: the nearest lies within ``near_pt`` of it and every other beyond
    ``far_pt``. Rows of a list 20 pt apart are never "clearly" told apart that way; two dialogs' "OK"
    buttons are.
    """

    name = "ocr"

    def __init__(
        self, psm: int = 6, upscale: int = 2, near_pt: int = 48, far_pt: int = 96, lang: str = "eng",
        tesseract: str = "tesseract", timeout_s: float = 30.0, cache_size: int = 4096,
    ) -> None:  # fmt: skip
        self.psm, self.upscale, self.near_pt, self.far_pt = psm, upscale, near_pt, far_pt
        self.lang, self.tesseract, self.timeout_s, self.cache_size = lang, tesseract, timeout_s, cache_size
        self._cache: OrderedDict[bytes, tuple[_Read, ...]] = OrderedDict()
        self._lock = threading.Lock()
        self.tesseract_runs = 0  # for tests and benchmarks: how often the cache missed

    def ground(self, query: GroundingQuery, frame: Frame) -> GroundingResult:
        start = time.perf_counter()
        return dataclasses.replace(self._ground(query, frame), elapsed_ms=(time.perf_counter() - start) * 1000.0)

    def _ground(self, query: GroundingQuery, frame: Frame) -> GroundingResult:
        if not (query.label or "").strip():
            return GroundingResult(self.name, None, reason="no label to read")
        pattern = TextPattern.parse(query.label or "", exact=query.exact)
        seen: set[Box] | None = None
        words: list[Word] = []
        for where, area in self._areas(query, frame):
            if seen is not None and set(area) == seen:
                continue  # the window holds all the text there is: reading it again would add nothing
            seen, words = set(area), self.read(frame, area)
            matches = find_label(words, pattern)
            # Near the expected point, only a whole-line match that is clearly the nearest settles it this early.
            settled = bool(matches) and matches[0].whole and self._nearest(query, matches, frame) is not None
            if matches and (settled or not where.startswith("near")):
                return self._decide(query, frame, matches, where, words)
        read = tuple(_screen_word(frame, word) for word in words)  # for the report: what was there instead
        return GroundingResult(self.name, None, reason=f"{pattern.describe()} is not on the screen", words=read)

    def _areas(self, query: GroundingQuery, frame: Frame) -> list[tuple[str, list[Box]]]:
        """Where to read, cheapest first: near the expected point (the nearest-match rule looks no further
        than ``far_pt``), the window, the whole screen."""
        blobs, profile, areas = text_blobs(frame), frame.profile, []
        if query.expected is not None:
            (x, y), reach = profile.screen_to_image(query.expected), self.far_pt * profile.scale
            areas.append(("near the expected point", _overlapping(blobs, x - reach, y - reach, x + reach, y + reach)))
        if (win := query.window) is not None:
            x0, y0 = profile.screen_to_image(ScreenPoint(win.left, win.top))
            x1, y1 = profile.screen_to_image(ScreenPoint(win.left + win.width, win.top + win.height))
            areas.append((f"in the window {win.title!r}", _overlapping(blobs, x0, y0, x1, y1)))
        return [*areas, ("on the screen", blobs)]

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
        how = f"read {read!r} ({'the whole line' if match.whole else 'part of a line'}) at psm {self.psm} {where}"
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

    def read(self, frame: Frame, blobs: Sequence[Box] | None = None) -> list[Word]:
        """The words in ``blobs`` (default: all text on the frame), tesseract run only for unseen ones."""
        gray = frame_gray(frame)
        pixels = [_blob_pixels(gray, box) for box in (text_blobs(frame) if blobs is None else blobs)]
        # The same pixels read with other settings are another entry; the shape tells 1x8 from 8x1.
        config = f"{self.psm}|{self.upscale}|{self.lang}|".encode()
        keys = [
            hashlib.blake2b(config + repr(c.shape).encode() + c.tobytes(), digest_size=16).digest()
            for c, _, _ in pixels
        ]
        with self._lock:
            missing = [i for i, key in enumerate(keys) if key not in self._cache]
        fresh = dict(zip(missing, self._tesseract([pixels[i][0] for i in missing]) if missing else [], strict=True))
        words: list[Word] = []
        with self._lock:
            for index, ((_, x0, y0), key) in enumerate(zip(pixels, keys, strict=True)):
                blob_words = fresh[index] if index in fresh else self._cache.get(key, ())
                self._cache[key] = blob_words
                self._cache.move_to_end(key)
                for text, (x, y, w, h), conf, line in blob_words:
                    words.append(Word(text, normalise(text), (x0 + x, y0 + y, w, h), conf, (index, *line)))
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return words

    def _tesseract(self, crops: list[np.ndarray]) -> list[tuple[_Read, ...]]:
        """Read each crop as one montage row; words come back in the crop's own pixel coordinates."""
        up, rows = self.upscale, [_prepare(crop, self.upscale) for crop in crops]
        part = np.cumsum([r.shape[0] + _GAP_PX for r in rows]) // _MAX_MONTAGE_H  # which montage a row goes to
        results: list[tuple[_Read, ...]] = []
        for chunk in ([rows[i] for i in np.flatnonzero(part == p)] for p in np.unique(part)):
            tops = np.cumsum([_GAP_PX] + [r.shape[0] + _GAP_PX for r in chunk])
            canvas = np.full((int(tops[-1]), max(r.shape[1] for r in chunk) + 2 * _GAP_PX), 255, np.uint8)
            for row, top in zip(chunk, tops, strict=False):
                canvas[top : top + row.shape[0], _GAP_PX : _GAP_PX + row.shape[1]] = row
            per_row: list[list[_Read]] = [[] for _ in chunk]
            for text, (left, top, w, h), conf, line in self._run(canvas):
                index = min(len(chunk) - 1, max(0, int(np.searchsorted(tops, top + h / 2, side="right")) - 1))
                box = ((left - _GAP_PX) // up, (top - int(tops[index])) // up, max(1, w // up), max(1, h // up))
                per_row[index].append((text, box, conf, line))
            results.extend(tuple(words) for words in per_row)
        return results

    def _run(self, image: np.ndarray) -> list[_Read]:
        """One tesseract call (binary PGM on stdin, TSV on stdout); one OpenMP thread is faster here."""
        self.tesseract_runs += 1
        pgm = b"P5\n%d %d\n255\n" % (image.shape[1], image.shape[0]) + image.tobytes()
        cmd = [self.tesseract, "stdin", "stdout", "-l", self.lang, "--psm", str(self.psm)]
        cmd += ["--dpi", str(96 * self.upscale), "tsv"]
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            done = subprocess.run(cmd, input=pgm, capture_output=True, env=env, timeout=self.timeout_s, check=False)
        except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
            why = "is not installed" if isinstance(exc, FileNotFoundError) else f"took over {self.timeout_s:.0f} s"
            raise DesktopError(f"tesseract {why} ({_INSTALL_HINT})") from None
        if done.returncode != 0:
            last = (done.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
            raise DesktopError(f"tesseract failed (status {done.returncode}): {last} ({_INSTALL_HINT})")
        words: list[_Read] = []
        text_io = io.StringIO(done.stdout.decode(errors="replace"))
        for row in csv.DictReader(text_io, delimiter="\t", quoting=csv.QUOTE_NONE):
            text = (row.get("text") or "").strip()
            if row.get("level") == "5" and text:
                box = (int(row["left"]), int(row["top"]), int(row["width"]), int(row["height"]))
                line = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
                words.append((text, box, float(row["conf"]), line))
        return words


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
    words: Sequence[Word], wanted: str | TextPattern, gap: float = 1.5, leading: float = 1.0
) -> list[TextMatch]:
    """Where ``wanted`` is on the screen: the best matches, every whole-line match if there is one, else
    every partial one (``actions.text_match``; a string is parsed with the default rule).

    A line is words side by side (each at most ``gap`` text heights right of the previous); a label may
    wrap onto the next line (at most ``leading`` heights lower, starting left of where the previous line
    ended), so a line and the one or two continuing it are also read as one. Geometry, not tesseract's
    line numbers: at another zoom one label becomes two text blobs ("Gift" and "wrap" read apart).
    """
    pattern = as_pattern(wanted)
    lines = _lines([word for word in words if word.key], gap)  # a word of spaces only is no text
    found: dict[frozenset[int], TextMatch] = {}
    for chain in _chains(lines, leading):
        text, starts = _joined_text(word for line in chain for word in line)
        flat = [word for line in chain for word in line]
        first_break = len(chain[0]) if len(chain) > 1 else len(flat)  # a multi-line read must cross a break
        for span in pattern.search(text):
            covered = [i for i, at in enumerate(starts) if at < span.end and at + len(flat[i].text) > span.start]
            if len(chain) > 1 and (covered[0] >= first_break or covered[-1] < len(flat) - len(chain[-1])):
                continue  # inside one line of the chain: that line alone has already read it
            match = TextMatch(tuple(flat[i] for i in covered), span.whole)
            key = frozenset(id(word) for word in match.words)
            if key not in found or match.whole > found[key].whole:
                found[key] = match
    best = any(m.whole for m in found.values())
    return [m for m in found.values() if m.whole == best]


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
    return _lines([word for word in words if word.key], gap)


def _lines(words: Sequence[Word], gap: float) -> list[list[Word]]:
    """Words grouped into lines (left to right), the lines top to bottom."""
    order = sorted(range(len(words)), key=lambda i: words[i].box[1] + words[i].box[3] / 2)
    tallest = max((word.box[3] for word in words), default=0)
    parent = list(range(len(words)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for n, i in enumerate(order):  # only words whose centres are within one text height can share a line
        a = words[i]
        for j in order[n + 1 :]:
            b = words[j]
            if (b.box[1] + b.box[3] / 2) - (a.box[1] + a.box[3] / 2) > tallest:
                break
            if _same_line(a, b, gap) or _same_line(b, a, gap):
                parent[root(j)] = root(i)
    groups: dict[int, list[Word]] = {}
    for i in order:
        groups.setdefault(root(i), []).append(words[i])
    lines = [sorted(group, key=lambda w: w.box[0]) for group in groups.values()]
    return sorted(lines, key=lambda line: (min(w.box[1] for w in line), line[0].box[0]))


def _chains(lines: list[list[Word]], leading: float, longest: int = 3) -> list[list[list[Word]]]:
    """Every line alone, and every line followed by up to ``longest - 1`` lines continuing it (a wrap)."""
    chains: list[list[list[Word]]] = [[line] for line in lines]
    grown = chains
    for _ in range(longest - 1):
        grown = [[*chain, line] for chain in grown for line in lines
                 if line is not chain[-1] and _wraps_to(chain[-1][-1], line[0], leading)]  # fmt: skip
        chains += grown
    return chains


def _same_line(previous: Word, word: Word, gap: float) -> bool:
    """Whether ``word`` is the next word on ``previous``'s line: level with it, just right of it. Boxes
    may overlap a little: tesseract's box of "Count:" ran 9 px into the "1" after it (a 19 px tall box)."""
    (px, py, pw, ph), (x, y, _, h) = previous.box, word.box
    size = max(ph, h)
    level = abs((py + ph / 2) - (y + h / 2)) <= size / 2
    return level and x > px + pw / 2 and -0.6 * size <= x - (px + pw) <= gap * size


def _wraps_to(previous: Word, word: Word, leading: float) -> bool:
    """Whether a line ending in ``previous`` continues with ``word`` on the next line: below, close
    under it, starting before ``previous`` ended."""
    (px, py, pw, ph), (x, y, w, h) = previous.box, word.box
    size = max(ph, h)
    if abs((py + ph / 2) - (y + h / 2)) <= size / 2:
        return False
    return py + ph / 2 < y and y - (py + ph) <= leading * size and x < px + pw and x + w > px - 8 * size
