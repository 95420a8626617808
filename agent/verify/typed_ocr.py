"""Typed text cut short, seen by OCR where the app has no tree to read it back from.

In an app that publishes no accessibility tree (Tk, FLTK, Motif, Athena) a ``type`` is judged by its pixels,
and a field with a length limit repaints all the same: Dillo's ``maxlength=3`` field took 3 of "12345", the
step was ``changed`` and the form sent 123 (trial 6). So, after such a step changed something, the line it
changed is read, and the step fails when what is drawn there is the start of the typed text and clearly
not all of it: the typed text was cut short.

Only that one shape fails, and only when the ink agrees: no more glyphs drawn on the line than were read
(OCR read "still" as "sti" in Tk; the line holds 4 runs of ink, so that read is not believed). A read that
says anything else (the whole text, the text beside what the field held before, a misread, a secret, a
password's bullets) leaves the step to its pixels, so an OCR slip can miss a cut but not fail a step whose
text arrived (a false failure is the next worst bug). Measured: 20 narrow words typed whole into the Tk
demo's field and 9 into a Dillo field, none failed; 3 of 4 texts cut to 3 characters by Dillo caught. The
read costs ~50 ms and is skipped where the drawn line is wide enough for the whole text (most steps).
"""

from __future__ import annotations

import numpy as np

from actions.compare import Change
from actions.models import Type
from actions.secrets import secret_names
from actions.text_match import fold
from agent.run_dir import Seen
from agent.verify.context import Judgement, StepContext
from planners.verdicts import Verdict

# How wide a typed character is drawn at least, as a share of the changed line's height (measured: 0.51 for
# "ada@example.com" in Tk, 0.57 for digits in Dillo): a line at least this wide for every typed character is
# taken as whole, unread. Narrow texts ("iiiii") are read, and a cut of a quarter or more is caught.
_NARROWEST_CHAR = 0.45
_PAD_X_PX, _PAD_Y_PX = 4, 6  # the glyphs' surroundings, which a recogniser needs
_MAX_LINE_PX = 60  # taller than one line of UI text: a popup or a page changed too, nothing to read as a line
_MIN_MISSING = 2  # letters or digits the read must lack: one is within an OCR slip (a caret over the last one)
_CARET_LOOKALIKES = "il"  # a text caret right after the last glyph, read as a letter (folded: I and l)
_CARET_PX = 2  # a caret is at most this wide


def cut_short(ctx: StepContext, change: Change) -> Judgement | None:
    """``failed`` when the changed line shows the start of the typed text and clearly not all of it; None
    otherwise (the pixels judge). Only for a ``type`` into a window with no tree (``ctx.focus`` None)."""
    action = ctx.action
    if not isinstance(action, Type) or ctx.focus is not None or change.bbox is None:
        return None
    typed = action.text
    if secret_names(typed) or any(c in typed for c in "\t\r\n"):
        return None  # a secret is never read; a tab or a newline moved on or submitted
    left, top, right, bottom = change.bbox
    height, width = bottom - top, right - left
    wanted = fold(typed)
    if not wanted or height > _MAX_LINE_PX or width >= _NARROWEST_CHAR * height * len(wanted):
        return None
    frame = ctx.settled.frame
    frame_width, frame_height = frame.size
    x0, y0 = max(0, left - _PAD_X_PX), max(0, top - _PAD_Y_PX)
    region = (x0, y0, min(frame_width, right + _PAD_X_PX) - x0, min(frame_height, bottom + _PAD_Y_PX) - y0)
    # The words the change drew (a label beside the field is read with it, being in the same blob), and only
    # their letters and digits: a field's border reads as brackets, a caret as a bar.
    words = [w for w in ctx.tools.reader.read(frame, region=region) if _centre_in(w.box, change.bbox)]
    if len({word.line for word in words}) != 1:
        return None
    shown = " ".join(word.text for word in words)
    start = _start_of(_letters(fold(shown)), _letters(wanted))
    if start is None:
        return None
    missing = len(_letters(wanted)) - len(start)
    glyphs = _glyphs_drawn(ctx, change.bbox)
    if missing < _MIN_MISSING or glyphs is None or glyphs > len(start):
        return None  # the ink holds more glyphs than were read (or cannot say): the read missed some ("sti")
    detail = (
        f"the line it changed reads {shown!r}: only the first {len(start)} of the {len(start) + missing} letters "
        f"and digits typed; a field that takes fewer? (read by OCR: the app publishes no tree)"
    )
    box = (region[0], region[1], region[0] + region[2], region[1] + region[3])
    seen = Seen(expected=f"the text {typed!r} typed", detail=detail, region=box, words=[w.text for w in words])
    return Judgement(Verdict.FAILED, frame, seen)


def _start_of(read: str, wanted: str) -> str | None:
    """``read`` (or ``read`` less a caret read as its last letter) when it is a strict start of ``wanted``."""
    for candidate in (read, read[:-1] if read[-1:] in _CARET_LOOKALIKES else ""):
        if candidate and len(candidate) < len(wanted) and wanted.startswith(candidate):
            return candidate
    return None


def _glyphs_drawn(ctx: StepContext, bbox: tuple[int, int, int, int]) -> int | None:
    """How many glyphs the step drew on its line: runs of columns where pixels changed, told apart by columns
    where none did (UI fonts leave a gap between most glyphs; two that touch count once, which only makes a cut
    more likely to be believed, never a whole text: the caller wants more glyphs than it read to doubt it). A
    caret is not a glyph: the columns at either end that changed over more rows than any glyph between them (a
    caret spans the font's whole height), where typing began (erased) or ended (drawn), are left out. None: a
    line too narrow to tell carets from glyphs (no read of it is believed then)."""
    left, top, right, bottom = bbox
    before, after = ctx.before.data[top:bottom, left:right], ctx.settled.frame.data[top:bottom, left:right]
    changed = (before != after).any(axis=2) if before.ndim == 3 else before != after
    if changed.shape[1] <= 2 * _CARET_PX:
        return None
    inked = changed.any(axis=0)
    first = np.where(inked, changed.argmax(axis=0), 0)
    last = np.where(inked, changed.shape[0] - 1 - changed[::-1].argmax(axis=0), -1)
    extent = last - first + 1
    tallest_glyph = int(extent[_CARET_PX:-_CARET_PX].max())
    for edge in (slice(0, _CARET_PX), slice(-_CARET_PX, None)):
        inked[edge] &= extent[edge] <= tallest_glyph
    starts = inked & ~np.concatenate(([False], inked[:-1]))
    return int(starts.sum())


def _letters(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


def _centre_in(box: tuple[int, int, int, int], bbox: tuple[int, int, int, int]) -> bool:
    x, y, width, height = box
    left, top, right, bottom = bbox
    return left <= x + width / 2 <= right and top <= y + height / 2 <= bottom
