"""The band a ``near`` scope looks at: its target's row and below it, up to where the next row begins.

Results and card values go under what they belong to ("Result: GRÜSSE" under its button, 46 points down in
a trial), so the band reaches ``NEAR_BELOW_PT`` below its target; but a form's or a table's rows are often
closer than that, and text typed into the NEXT row's field met a check near this row's label (a false
success). Such a row is a label and, apart from it, what is beside it: two lines of text on one row. The
band stops at the first such row under the target's own; a single line under it (a result, a card's value,
the next label of a row whose field is empty) stays in. It reads only the words it would judge anyway.

OCR cannot always tell: a label right before its field ("Town [Berlin]" in a page) is one line to it, and an
empty field is no text at all. Where the app publishes a tree, a form row is what it says: the target's row
holds a field, and the band stops at the next field under it (an empty one too).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from actions.coords import ScreenPoint
from actions.errors import DeskpilotError
from actions.frame import Frame
from agent.motion import Box, pixel_box
from planners.grounding.ocr import OcrGrounder, Word, text_blobs
from planners.grounding.ocr_lines import group_lines

if TYPE_CHECKING:
    from planners.grounding.tree import TreeSource

# Beside its target, and below it; 12 points above (its own row's text may sit a little higher), never the
# row above: a box reaching it let a text typed into the Name field meet a check near "City".
NEAR_HALF_WIDTH_PT, NEAR_ABOVE_PT, NEAR_BELOW_PT = 320, 12, 56
# A label and the value beside it are this many text heights apart at least: words of one phrase ("Result:
# GRÜSSE", "€ 12.50") are closer, a form's label and its field's text farther.
_APART_HEIGHTS = 1.0


def words_in(reader: OcrGrounder, frame: Frame, boxes: Sequence[Box]) -> list[Word]:
    """The words OCR reads in ``boxes`` (image pixels), centres inside: only the text blobs there are read."""

    def holds(x: float, y: float) -> bool:
        return any(left <= x < right and top <= y < bottom for left, top, right, bottom in boxes)

    blobs = [b for b in text_blobs(frame) if holds(b[0] + b[2] / 2, b[1] + b[3] / 2)]
    words = reader.read(frame, blobs) if blobs else []
    return [w for w in words if holds(w.box[0] + w.box[2] / 2, w.box[1] + w.box[3] / 2)]


def next_row_top(words: Sequence[Word], target: tuple[float, float]) -> int | None:
    """Where the first row under the target's own begins (image pixels): the top of the first row below
    it that holds two lines apart (a label and its field's text, a table's cells); None when none does."""
    _, y = target
    lines = [_line_box(line) for line in group_lines(words, _APART_HEIGHTS)]
    own_bottom = max((bottom for _, top, _, bottom in lines if top <= y <= bottom), default=y)
    below = sorted((box for box in lines if box[1] >= own_bottom), key=lambda box: box[1])
    for n, first in enumerate(below):
        centre = (first[1] + first[3]) / 2
        row = [box for box in below[n:] if box[1] <= centre <= box[3]]
        if len(row) >= 2:
            return min(box[1] for box in row)
    return None


def next_field_top(trees: TreeSource, frame: Frame, point: ScreenPoint) -> int | None:
    """Where the next form row begins by the tree (screen points): the top of the first field under the
    fields on the target's row, in their column; None when the tree has no field on that row (or no tree)."""
    try:
        elements = trees.snapshot(frame).elements
    except DeskpilotError:
        return None
    fields = [
        e.box for e in elements if e.box is not None and e.showing and (e.is_role("field") or e.is_role("combo box"))
    ]
    own = [
        b for b in fields if b.y <= point.y < b.y + b.height and abs(b.x + b.width / 2 - point.x) <= NEAR_HALF_WIDTH_PT
    ]
    if not own:
        return None
    bottom, left, right = max(b.y + b.height for b in own), min(b.x for b in own), max(b.x + b.width for b in own)
    return min((b.y for b in fields if b.y >= bottom and b.x < right and b.x + b.width > left), default=None)


def band_below(
    frame: Frame, point: ScreenPoint, reader: OcrGrounder | None, trees: TreeSource | None = None
) -> Box | None:
    """The near band (image pixels) of a target found at ``point``, cut where the next row begins (by the
    tree's fields, then by the lines OCR reads); None when the band is off the screen."""
    box = pixel_box(
        frame.profile,
        point.x - NEAR_HALF_WIDTH_PT,
        point.y - NEAR_ABOVE_PT,
        point.x + NEAR_HALF_WIDTH_PT,
        point.y + NEAR_BELOW_PT,
    )
    if box is None:
        return None
    tops = [box[3]]
    field_top = next_field_top(trees, frame, point) if trees is not None else None
    if field_top is not None:
        tops.append(int(frame.profile.screen_to_image(ScreenPoint(point.x, field_top)).y))
    at = frame.profile.screen_to_image(point)
    line_top = next_row_top(words_in(reader, frame, [box]), (at.x, at.y)) if reader is not None else None
    if line_top is not None:
        tops.append(line_top)
    top = min(tops)
    return box if top <= box[1] else (box[0], box[1], box[2], top)


def _line_box(line: Sequence[Word]) -> Box:
    return (
        min(w.box[0] for w in line),
        min(w.box[1] for w in line),
        max(w.box[0] + w.box[2] for w in line),
        max(w.box[1] + w.box[3] for w in line),
    )
