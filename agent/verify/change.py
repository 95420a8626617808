"""Judging ``"change"`` and ``"none"``: a change the action caused where it acted, from the settled screen.

The default place is the action's region (``agent.motion``: its window, windows it opened or moved,
the box at the pointer); ``radius`` narrows it to a square around the point acted on, ``region`` names
a box. Known motion (a clock, a spinner) never counts. A region still changing at the settle timeout
is ``unsettled``: its effect could not be judged, which is not a pass. A left click that drew nothing is
``focused`` when the app's accessibility tree says the keyboard focus is on the element under the pointer
(a click into a field that already had the focus did what it was for). A ``type`` into a field the tree
can read is judged by reading the text back (``agent.verify.readback``), before any pixel: ``read_back``
or ``failed``; without a tree its pixels judge it, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from actions.a11y.elements import Box, Element
from actions.compare import NO_CHANGE, Change
from actions.coords import ImagePixel, ScreenPoint
from actions.errors import DeskpilotError
from actions.expectations import ExpectChange, ExpectNone
from actions.models import Click
from agent.motion import change_of, changed_pixels
from agent.run_dir import Seen
from agent.verify import judges
from agent.verify.context import Judgement, StepContext
from agent.verify.focus import KeyboardFocus
from agent.verify.place import NoPlace, Place, action_place, around, screen_box
from agent.verify.readback import read_back
from agent.verify.typed_ocr import cut_short
from planners.verdicts import Verdict

if TYPE_CHECKING:
    from planners.grounding.tree import TreeSource


@judges(ExpectNone)
def judge_none(spec: ExpectNone, ctx: StepContext) -> Judgement:
    return Judgement(Verdict.NOT_CHECKED, ctx.settled.frame)


@judges(ExpectChange)
def judge_change(spec: ExpectChange, ctx: StepContext) -> Judgement:
    if _is_default(spec) and (read := read_back(ctx)) is not None:
        return read
    frame = ctx.settled.frame
    place = _place(spec, ctx)
    if isinstance(place, NoPlace):
        verdict = Verdict.NO_PLACE if ctx.windows is None or spec.radius is not None else Verdict.NO_CHANGE
        return Judgement(verdict, frame, Seen(expected=spec.describe(), detail=place.why))
    seen = Seen(expected=spec.describe(), detail="", region=place.bbox, region_windows=place.windows)
    if not ctx.settled.settled:
        still = ", ".join(place.windows) or str(list(place.bbox or ()))
        detail = f"still changing after {ctx.settle_timeout_s:g} s at {ctx.settled.change.bbox} (in {still})"
        return Judgement(Verdict.UNSETTLED, frame, seen.model_copy(update={"detail": detail}))
    change = ctx.settled.change if _is_default(spec) else _change_in(place, ctx)
    if change.significant and _is_default(spec) and (look_only := look_only_boxes(ctx)):
        rest = _change_in(place, ctx, leave_out=look_only)
        # A few pixels left around them are their repaint's residue (measured: 4 corner pixels of the button
        # beside the one pressed, Chromium), not an effect.
        change = rest if rest.changed_pixels > RESIDUE_PX else NO_CHANGE
    if change.significant:
        # No tree read the text back (read_back above): the typed line is read, for a cut-short text only.
        short = cut_short(ctx, change) if _is_default(spec) else None
        return short or Judgement(Verdict.CHANGED, frame)
    if _is_default(spec) and (retitled := _retitled_by_action(ctx)):
        was, is_ = retitled[0]
        detail = f"the window's title changed from {was!r} to {is_!r} (drawn by the window manager, above the window)"
        return Judgement(Verdict.CHANGED, frame, seen.model_copy(update={"detail": detail}))
    if _is_default(spec) and (focused := focus_under_pointer(ctx)) is not None:
        return Judgement(Verdict.FOCUSED, frame, seen.model_copy(update={"detail": focused}))
    if _is_default(spec) and (caret := caret_drawn(ctx)) is not None:
        return Judgement(Verdict.CHANGED, frame, seen.model_copy(update={"detail": caret}))
    moving = ctx.watch.mask.pixels
    elsewhere = f"; {moving} px that move on their own ignored" if moving else ""
    return Judgement(Verdict.NO_CHANGE, frame, seen.model_copy(update={"detail": f"nothing changed there{elsewhere}"}))


def _retitled_by_action(ctx: StepContext) -> list[tuple[str, str]]:
    """The region's windows whose title changed since before the action, (was, is) each, but for a title the
    app's tree already gave its window before the action: the app had set it then, and its window manager's
    title caught up late. Chromium 156 retitles its X window about 105 ms (measured) after a key makes the
    page set ``document.title``, often after the typing step was judged and the next one began: that title
    is the earlier step's effect, not this one's."""
    window = ctx.focus.window() if ctx.focus is not None else None
    known = window[1].strip() if window is not None and window[1] else None
    return [(was, is_) for was, is_ in ctx.watch.retitled() if known is None or is_.strip() != known]


def focus_under_pointer(ctx: StepContext) -> str | None:
    """For a left click that drew nothing: what the app's tree says has the keyboard focus, when that is
    the field under the pointer (a click into a field that already had the focus did its job)."""
    action, trees = ctx.action, ctx.tools.trees
    if trees is None or not isinstance(action, Click) or action.button != "left" or action.point is None:
        return None
    x, y = action.point
    try:
        snap = trees.snapshot(ctx.settled.frame)
    except DeskpilotError:  # no accessibility bus, or the app publishes no tree: no word from the app
        return None
    index = snap.focused()
    box = snap.visible_box(index) if index is not None else None
    if index is None or box is None or not (box.x <= x < box.x + box.width and box.y <= y < box.y + box.height):
        return None
    element = snap.elements[index]
    if "editable" not in element.states and not element.is_role("field"):
        # A button that already had the focus and drew nothing did nothing anyone can see: only a field
        # (where the click puts the caret, for the keys that follow) is a click's job done by the focus.
        return None
    return f"the app says the keyboard focus is on the {element.role} {element.name!r} under the pointer"


def caret_drawn(ctx: StepContext) -> str | None:
    """For a left click that drew nothing else: a caret that appeared on the clicked row and stayed, not
    blinking (``agent.settle``), still there on the settled screen. In an app with no tree to ask (FLTK, an
    Athena or Motif field) it is the only sign that the click put the keyboard focus into a field."""
    action, settled = ctx.action, ctx.settled
    box = settled.steady_caret
    if box is None or not isinstance(action, Click) or action.button != "left" or action.point is None:
        return None
    row = settled.frame.profile.screen_to_image(ScreenPoint(*action.point)).y
    if settled.change.bbox != box or not box[1] <= row < box[3]:
        return None
    at = settled.frame.profile.image_to_screen(ImagePixel(box[0], box[1]))
    return (
        f"a text caret appeared on the clicked row at ({int(at.x)}, {int(at.y)}) and stayed, not blinking: "
        "the field took the keyboard focus"
    )


RESIDUE_PX = 16
LOOK_MARGIN_PT = 4  # a focus ring is drawn around the element's box, up to a few points outside it
_SMALL_SHARE = 0.125  # of the screen: a field or a button, never a document whose box is the whole page


def look_only_boxes(ctx: StepContext) -> list[Box]:
    """For a left click: the boxes (screen points, widened by a focus ring) of the field that had the
    keyboard focus and of the button pressed, where the app's tree, read again on the settled screen, says
    nothing of them changed but the focus (name, text, value and every other state as before). Their pixels
    changing is the focus moving and the pointer's look (a caret gone, a ring drawn, a hover shade late to
    paint), not the click's effect: a button that does nothing was ``changed`` by the field it blurred. A
    field the click cleared, a box it checked, a button it renamed changed more: they are not left out."""
    action, trees, focus = ctx.action, ctx.tools.trees, ctx.focus
    if trees is None or focus is None or not isinstance(action, Click):
        return []
    try:
        now = trees.snapshot(ctx.settled.frame)
    except DeskpilotError:
        return []
    by_ref = {element.ref: element for element in now.elements}
    screen = now.screen
    boxes = []
    # The field that had the focus, only where its text was read before and reads the same now (a display
    # whose text the tree does not say, a field the click cleared: every pixel counts); the push button
    # pressed, only where its name and states are as they were (a toggle's effect is its own look).
    field = focus.element if focus.before is not None and _same_text(trees, focus) else None
    button = focus.pressed if focus.pressed is not None and focus.pressed.role == "push button" else None
    for was in dict.fromkeys(e for e in (field, button) if e is not None):
        box, is_ = was.box, by_ref.get(was.ref)
        if box is None or is_ is None:
            continue  # gone from the tree: what happened to it may be the effect
        if screen is not None and box.width * box.height > _SMALL_SHARE * screen.width * screen.height:
            continue
        if _said(is_) != _said(was):
            continue
        margin = LOOK_MARGIN_PT
        boxes.append(Box(box.x - margin, box.y - margin, box.width + 2 * margin, box.height + 2 * margin))
    return boxes


def _said(element: Element) -> tuple[object, ...]:
    """What the tree says of an element, but for the keyboard focus (its text is compared apart)."""
    return element.name, element.value, element.states - {"focused"}


def _same_text(trees: TreeSource, focus: KeyboardFocus) -> bool:
    """Whether the focused field holds what it held before the click (a single-line field, read whole)."""
    before = focus.before
    if before is None:
        return False
    try:
        now = trees.caret_text(focus.element.ref)
    except DeskpilotError:
        return False
    return now is not None and now.text == before.text


def _is_default(spec: ExpectChange) -> bool:
    return spec.radius is None and spec.region is None


def _place(spec: ExpectChange, ctx: StepContext) -> Place | NoPlace:
    frame = ctx.settled.frame
    if spec.region is not None:
        return screen_box(frame, spec.region, f"the region {list(spec.region)}")
    if spec.radius is not None:
        point = ctx.action.point
        if point is None:
            return NoPlace(f"a change within {spec.radius} points needs an action with a point")
        return around(frame, ScreenPoint(*point), spec.radius, spec.radius, f"{spec.radius} points around {point}")
    return action_place(ctx)


def _change_in(place: Place, ctx: StepContext, leave_out: Sequence[Box] = ()) -> Change:
    """The change from before the action to the settled frame inside ``place``, known motion and tooltips left
    out (and the screen boxes ``leave_out``)."""
    changed = changed_pixels(ctx.before, ctx.settled.frame)
    if changed is None:  # the screen's size changed: everything did
        return ctx.settled.change
    inside = place.mask(changed.shape)
    for box in leave_out:
        gone = screen_box(ctx.settled.frame, (box.x, box.y, box.width, box.height), "")
        if isinstance(gone, Place):
            inside &= ~gone.mask(changed.shape)
    return change_of(ctx.watch.still(changed & inside, force=True))
