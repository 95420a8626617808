"""Reading the screen for scripts: is a text there, what is written next to a label, or in a region.

All of it is the OCR rung's own reader (planners.grounding.ocr): the same blob montage, the same
word cache, and the one text rule of ``actions.text_match`` (a case-insensitive part of a line by
default, ``TextPattern.parse(text, exact=True)`` for the whole line, "/regex/" for a regular expression).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from actions.coords import ScreenPoint
from actions.errors import TargetAmbiguous, TargetNotFound
from actions.frame import Frame
from actions.targets import Target
from actions.text_match import TextPattern, as_pattern
from actions.windows import WindowSource
from agent.verify.near import words_in
from agent.verify.place import NoPlace, TargetFinder, scoped_place
from agent.verify.text import matches
from planners.grounding.ocr import OcrGrounder, Word, find_label, text_lines
from planners.grounding.tree import TreeSource

_BELOW_PX = 40  # a value under its label (a card layout) is this close below it


@dataclass(frozen=True)
class Scope:
    """Where a script looks for text: a region (screen points), near a target, in a window; or, when
    none is given, the whole screen (a script's look, not the verdict on an action)."""

    region: tuple[int, int, int, int] | None = None
    near: Target | None = None
    in_window: str | None = None

    def words(
        self,
        reader: OcrGrounder,
        frame: Frame,
        windows: WindowSource | None,
        finder: TargetFinder,
        trees: TreeSource | None = None,
    ) -> tuple[list[Word], str]:
        """The words read there and the place's name ("" when the place could not be found: no words);
        ``trees``: what tells a near band where the next form row begins (agent.verify.near)."""
        place = scoped_place(
            frame,
            region=self.region,
            near=self.near,
            in_window=self.in_window,
            windows=windows,
            finder=finder,
            reader=reader,
            trees=trees,
        )
        if place is None:
            return reader.read(frame), "the screen"
        if isinstance(place, NoPlace):
            return [], ""
        return words_in(reader, frame, place.boxes), place.name


def sees_text(words: Sequence[Word], text: str | TextPattern, frame: Frame | None = None) -> bool:
    """``frame``: the one the words were read off (an exact text may be one text blob of a line)."""
    return bool(matches(words, text, frame))


def text_near(reader: OcrGrounder, frame: Frame, label: str | TextPattern) -> str:
    """The words after ``label`` on its line; else the line just below it. One label (a whole-line match
    beats partial ones), or an error."""
    words, pattern = reader.read(frame), as_pattern(label)
    matches = find_label(words, pattern)
    if not matches:
        raise TargetNotFound(
            f"read_text(near={pattern.written!r}): the label is not on the screen",
            tried=(("ocr", f"{pattern.describe()} is not on the screen"),),
        )
    if len(matches) > 1:
        points = tuple((round(m.centre.x), round(m.centre.y)) for m in matches)
        raise TargetAmbiguous(
            f"read_text(near={pattern.written!r}): {len(matches)} equally good matches at {list(points)}",
            tried=(("ocr", "ambiguous"),),
            candidates=points,
        )
    found = matches[0].words
    right = max(w.box[0] + w.box[2] for w in found)
    bottom = max(w.box[1] + w.box[3] for w in found)
    # Its line as find_label read it (geometry: one label may be two text blobs), or tesseract's own line.
    same = next((line for line in text_lines(words) if found[-1] in line), [])
    line = [w for w in words if (w in same or w.line == found[-1].line) and w.box[0] >= right and w not in found]
    if line:
        return _joined(line)
    left = min(w.box[0] for w in found)
    below = [w for w in words if bottom <= w.box[1] <= bottom + _BELOW_PX and w.box[0] + w.box[2] >= left]
    first_line = [w for w in below if w.line == min(below, key=lambda w: w.box[1]).line] if below else []
    return _joined(first_line)


def text_in_region(reader: OcrGrounder, frame: Frame, region: tuple[int, int, int, int]) -> str:
    """Every word whose centre lies in ``region`` (x, y, width, height in screen points), line by line."""
    x, y, width, height = region
    (x0, y0) = frame.profile.screen_to_image(ScreenPoint(x, y))
    (x1, y1) = frame.profile.screen_to_image(ScreenPoint(x + width, y + height))
    inside = [
        w for w in reader.read(frame) if x0 <= w.box[0] + w.box[2] / 2 <= x1 and y0 <= w.box[1] + w.box[3] / 2 <= y1
    ]
    return text_of(inside)


def text_of(inside: Sequence[Word]) -> str:
    """Words as text: line by line, top to bottom, each line left to right."""
    lines: dict[tuple[int, ...], list[Word]] = {}
    for word in inside:
        lines.setdefault(word.line, []).append(word)
    ordered = sorted(lines.values(), key=lambda ws: (min(w.box[1] for w in ws), min(w.box[0] for w in ws)))
    return "\n".join(_joined(ws) for ws in ordered)


def _joined(words: Sequence[Word]) -> str:
    return " ".join(w.text for w in sorted(words, key=lambda w: w.box[0]))
