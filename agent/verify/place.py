"""Where a judgement looks: the action's own region, or the scope a text expectation names.

A place is a list of boxes of image pixels of the frame, with a name for the record. There is no
whole-screen place: an expectation whose place cannot be named is judged ``no_place`` (or failed, for a
scope that names a window that is not there), never "somewhere on the screen".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from actions.coords import ImagePixel, ScreenPoint
from actions.errors import TargetAmbiguous, TargetNotFound
from actions.expectations import ExpectNoText, ExpectText, ScreenBox
from actions.frame import Frame
from actions.targets import Target
from actions.text_match import TextPattern
from actions.windows import WindowSource
from agent.motion import Box, bounding, pixel_box, window_box
from agent.verify.context import StepContext
from agent.verify.drawn import drawn_before
from agent.verify.echo import is_echo, submitted_sides
from agent.verify.near import band_below, words_in
from planners.grounding.ocr import find_label, text_blobs

if TYPE_CHECKING:
    from planners.grounding.ocr import OcrGrounder
    from planners.grounding.tree import TreeSource
    from planners.targeting import Found


class TargetFinder(Protocol):
    """What finds a ``near`` scope's target (planners.targeting.TargetResolver)."""

    def resolve(self, target: Target, frame: Frame) -> Found: ...


@dataclass
class Place:
    boxes: list[Box]
    name: str  # "where the action acted", "near text 'Total'", ...
    windows: list[str] = field(default_factory=list)

    @property
    def bbox(self) -> Box | None:
        return bounding(self.boxes)

    def mask(self, shape: tuple[int, ...]) -> np.ndarray:
        inside = np.zeros(shape[:2], dtype=bool)
        for left, top, right, bottom in self.boxes:
            inside[top:bottom, left:right] = True
        return inside


@dataclass(frozen=True)
class NoPlace:
    why: str  # one line: why nothing could be looked at


def action_place(ctx: StepContext) -> Place | NoPlace:
    """The action's region as it settled (its window, windows it opened, the box at the pointer)."""
    region = ctx.watch.region
    if region.boxes:
        return Place(list(region.boxes), "where the action acted", list(region.windows))
    if ctx.windows is None:
        return NoPlace("no window information: nobody can say where this action acted")
    return NoPlace("the action acted in no window (nothing had the keyboard focus) and no window appeared")


def screen_box(frame: Frame, box: ScreenBox, name: str) -> Place | NoPlace:
    x, y, width, height = box
    pixels = pixel_box(frame.profile, x, y, x + width, y + height)
    return Place([pixels], name) if pixels is not None else NoPlace(f"{name} is off the screen")


def around(frame: Frame, point: ScreenPoint, half_width: int, half_height: int, name: str) -> Place | NoPlace:
    left, top = point.x - half_width, point.y - half_height
    return screen_box(frame, (left, top, 2 * half_width, 2 * half_height), name)


def text_place(spec: ExpectText | ExpectNoText, ctx: StepContext, frame: Frame) -> Place | NoPlace:
    """The place a text expectation names, or the action's own."""
    named = scoped_place(
        frame,
        region=spec.region,
        near=spec.near,
        in_window=spec.in_window,
        windows=ctx.windows,
        finder=ctx.tools.finder,
        reader=ctx.tools.reader,
        trees=ctx.tools.trees,
        tie_break=lambda near, tie, at: _the_one_to_look_near(ctx, near, tie, at),
    )
    return action_place(ctx) if named is None else named


def _the_one_to_look_near(ctx: StepContext, near: Target, tie: TargetAmbiguous, frame: Frame) -> ScreenPoint | None:
    """Of a near target's equal matches, the one to look near, when one is left once those in a submitted typed
    line's own echo are dropped (``type "echo Total: 42\\n"`` then ``{"text": "42", "near": "Total"}``: "Total"
    is in the echoed command and on the output line; trial 11, qterminal) and, if still more than one, those
    drawn before the action (a command typed in an earlier step, ``cat t.txt`` printing "Total: 42" under it);
    None when not exactly one is left: refused as ever."""
    place = action_place(ctx)
    if near.text is None or not tie.candidates or not isinstance(place, Place):
        return None
    pattern = TextPattern.parse(near.text, exact=near.exact)
    words = words_in(ctx.tools.reader, frame, place.boxes)
    found = find_label(words, pattern, blobs=text_blobs(frame))
    at = {point: [m for m in found if _at(frame, m.centre, point)] for point in tie.candidates}
    sides = submitted_sides(ctx.action, pattern)
    kept = [point for point in tie.candidates if not any(is_echo(m, words, sides) for m in at[point])]
    if len(kept) > 1:
        kept = [point for point in kept if at[point] and not any(drawn_before(m, frame, ctx.before) for m in at[point])]
    return ScreenPoint(*kept[0]) if len(kept) == 1 else None


def _at(frame: Frame, centre: ImagePixel, point: tuple[int, int]) -> bool:
    """Whether a match's centre (image pixels) is the candidate ``point`` (screen points), give or take one."""
    on_screen = frame.profile.image_to_screen(centre)
    return abs(on_screen.x - point[0]) <= 1 and abs(on_screen.y - point[1]) <= 1


TieBreak = Callable[[Target, TargetAmbiguous, Frame], ScreenPoint | None]


def scoped_place(
    frame: Frame,
    *,
    region: ScreenBox | None,
    near: Target | None,
    in_window: str | None,
    windows: WindowSource | None,
    finder: TargetFinder,
    reader: OcrGrounder | None = None,
    trees: TreeSource | None = None,
    tie_break: TieBreak | None = None,
) -> Place | NoPlace | None:
    """The place a scope names (a region, near a target, in a window); None when it names none. ``reader``
    and ``trees``: what tells where a near band's next row begins (agent.verify.near); without them, the
    whole band. ``tie_break``: the one of a near target's equal matches to look near, if it can tell."""
    if region is not None:
        return screen_box(frame, region, f"the region {list(region)}")
    if in_window is not None:
        return window_place(in_window, windows, frame)
    if near is not None:
        try:
            point = finder.resolve(near, frame).point
        except TargetAmbiguous as exc:
            chosen = tie_break(near, exc, frame) if tie_break is not None else None
            if chosen is None:
                return NoPlace(f"near {near.describe()}: {exc}")
            point = chosen
        except TargetNotFound as exc:
            return NoPlace(f"near {near.describe()}: {exc}")
        band = band_below(frame, point, reader, trees)
        name = f"near {near.describe()}"
        return Place([band], name) if band is not None else NoPlace(f"{name} is off the screen")
    return None


def window_place(pattern: str, windows: WindowSource | None, frame: Frame) -> Place | NoPlace:
    if windows is None:
        return NoPlace(f"in_window /{pattern}/: no window information")
    regex = re.compile(pattern)
    matching = [w for w in windows.list_windows() if w.viewable and regex.search(w.title)]
    boxes = [box for box in (window_box(frame.profile, w) for w in matching) if box is not None]
    if not boxes:
        return NoPlace(f"no open window's title matches /{pattern}/")
    return Place(boxes, f"the window /{pattern}/", [w.title for w in matching])
