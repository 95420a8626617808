"""Where an action's effect counts, and which pixels move on their own.

A whole-screen diff is useless on a real desktop: a clock ticking in a panel, a spinner or a
video in another window changes pixels whatever the agent does. Two things keep a verdict the
action's own:

* the **region** of the action (image pixels of the frame): for a pointer action the window under
  the pointer plus a box around the pointer; for keys and typing the focused window; plus every
  window that appeared or moved after the action. Changes elsewhere are not the action's.
* the **motion mask**: pixels seen changing while nothing was being done (outside the coming
  action's region while waiting to act, or outside the region while settling). They are left out
  of every later judgement in the run, inside regions too, so an animation is learned once.

Everything works on the packed uint32 view of BGRA captures (``Frame.packed()``): one compare and
a few boolean ops over the frame, about a millisecond at 1280x800.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from actions.compare import NO_CHANGE, Change
from actions.coords import DisplayProfile, ScreenPoint
from actions.frame import Frame
from actions.models import Action
from actions.windows import WindowInfo, WindowSource, topmost_at

Box = tuple[int, int, int, int]  # left, top, right, bottom (exclusive), image pixels

# A click's effect that is not in its window (a Tk/GTK popup menu is no managed window) starts
# next to the pointer; 64 points each way covers a menu's first entries and a tooltip.
POINTER_RADIUS_PT = 64
# New or moved windows are looked for at most this often while settling (a list costs ~1 ms).
_WINDOW_POLL_S = 0.05


def pixel_box(profile: DisplayProfile, left: int, top: int, right: int, bottom: int) -> Box | None:
    a = profile.screen_to_image(ScreenPoint(left, top))
    b = profile.screen_to_image(ScreenPoint(right, bottom))
    width, height = profile.pixel_size
    box = (max(0, int(a.x)), max(0, int(a.y)), min(width, int(np.ceil(b.x))), min(height, int(np.ceil(b.y))))
    return box if box[0] < box[2] and box[1] < box[3] else None


def bounding(boxes: list[Box]) -> Box | None:
    """The smallest box holding every box; None for none."""
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def window_box(profile: DisplayProfile, window: WindowInfo) -> Box | None:
    return pixel_box(profile, window.left, window.top, window.left + window.width, window.top + window.height)


def changed_pixels(a: Frame, b: Frame) -> np.ndarray | None:
    """Boolean H x W of pixels that differ; None when the frames have different shapes."""
    x, y = a.packed(), b.packed()
    if x.shape != y.shape:
        return None
    diff = x != y
    return diff if diff.ndim == 2 else diff.any(axis=2)


def change_of(mask: np.ndarray) -> Change:
    if not mask.any():
        return NO_CHANGE
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return Change(int(mask.sum()), (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1))


@dataclass
class MotionMask:
    """Pixels that moved while nothing was being done; kept for the whole run."""

    moving: np.ndarray | None = None

    def learn(self, changed: np.ndarray) -> None:
        if self.moving is None or self.moving.shape != changed.shape:
            self.moving = changed.copy()
        else:
            self.moving |= changed

    def still(self, changed: np.ndarray) -> np.ndarray:
        """``changed`` without the pixels known to move on their own."""
        if self.moving is None or self.moving.shape != changed.shape:
            return changed
        return changed & ~self.moving

    @property
    def pixels(self) -> int:
        return 0 if self.moving is None else int(self.moving.sum())


@dataclass
class Region:
    """Where one action's effect counts: boxes of image pixels. Empty means nowhere yet: an action
    with no place of its own (keys with nothing focused) counts only in windows that appear or move
    after it (``Watch`` adds them); there is no whole-screen fallback."""

    boxes: list[Box] = field(default_factory=list)
    windows: list[str] = field(default_factory=list)  # titles of the windows in it, for the record
    window_ids: list[int] = field(default_factory=list)  # the same windows' ids (the title may change)
    dialog: bool = False  # the action goes to a dialog: wait longer for it to be ready (SettleConfig)

    @classmethod
    def of_frame(cls, profile: DisplayProfile, why: str) -> Region:
        """Every pixel of the frame, for a wait that judges nothing (``why`` is recorded as its name)."""
        width, height = profile.pixel_size
        return cls([(0, 0, width, height)], [why])

    def inside(self, shape: tuple[int, ...]) -> np.ndarray:
        inside = np.zeros(shape[:2], dtype=bool)
        for left, top, right, bottom in self.boxes:
            inside[top:bottom, left:right] = True
        return inside

    @property
    def bbox(self) -> Box | None:
        return bounding(self.boxes)


class Watch:
    """The region of one action and the run's motion mask, judged together; grows the region
    when a window appears or moves while the action settles."""

    def __init__(
        self,
        mask: MotionMask,
        region: Region,
        windows: WindowSource | None = None,
        known: dict[int, WindowInfo] | None = None,
        profile: DisplayProfile | None = None,
    ) -> None:
        self.mask, self.region, self.windows, self.profile = mask, region, windows, profile
        self.known = known or {}  # window id -> the window as it was before the action
        self._titles = {wid: window.title for wid, window in self.known.items()}  # as they were before it
        self._ticking: set[int] = set()  # windows whose title changed before the action too (about_to_act)
        self._inside: np.ndarray | None = None  # the region as a mask, for frames of one shape
        self._inside_shape: tuple[int, ...] | None = None
        self._last_window_poll = 0.0
        # Tooltips (image boxes) shown at any moment of the step: the pointer resting on a widget shows one
        # about half a second later, after the click too, whether the click did anything or not (a disabled
        # toolbar button's tooltip was its "effect"); a click hides the one shown before it. Neither counts.
        self.tooltips: list[Box] = []
        self._last_tip_poll = 0.0
        self._tips_seen(force=True)

    def inside(self, shape: tuple[int, ...]) -> np.ndarray:
        if self._inside is None or self._inside_shape != shape[:2]:
            self._inside, self._inside_shape = self.region.inside(shape), shape[:2]
        return self._inside

    def about_to_act(self) -> None:
        """Read the region's window titles once more, right before the action: a title that changed since the
        step began (a clock or a counter in it) changes on its own, so no later change of it is the action's."""
        if self.windows is None or not self.region.window_ids:
            return
        now = {window.window_id: window.title for window in self.windows.list_windows()}
        for wid in self.region.window_ids:
            if wid in now and wid in self._titles and now[wid] != self._titles[wid]:
                self._ticking.add(wid)

    def acted(self) -> None:
        """The action was just performed: look for new windows at the next change outside the region."""
        self._last_window_poll = 0.0

    def split(self, a: Frame, b: Frame, learn: bool, force: bool = False) -> tuple[np.ndarray | None, bool]:
        """The changed pixels from ``a`` to ``b`` that count (inside the region, not known motion),
        and whether anything changed outside it; ``learn`` adds the outside changes to the mask."""
        changed = changed_pixels(a, b)
        if changed is None:
            return None, True
        if not changed.any():  # most polls while a settle waits for stillness: nothing to split or learn
            return changed, False
        inside = self.inside(changed.shape)
        outside = changed & ~inside
        elsewhere = bool(outside.any())
        if elsewhere:
            if self.windows is not None and self._grew(force):
                return self.split(a, b, learn)
            if learn:
                self.mask.learn(outside)
        return self.still(changed & inside, force), elsewhere

    def still(self, changed: np.ndarray, force: bool = False) -> np.ndarray:
        """``changed`` without known motion and without the tooltips shown during the step."""
        mine = self.mask.still(changed)
        if mine.any():
            self._tips_seen(force)
            if self.tooltips:
                mine = mine.copy() if mine is changed else mine
                for left, top, right, bottom in self.tooltips:
                    mine[top:bottom, left:right] = False
        return mine

    def _tips_seen(self, force: bool = False) -> None:
        """Add the tooltips shown now to ``tooltips`` (at most every 50 ms unless ``force``)."""
        now = time.monotonic()
        if self.windows is None or self.profile is None or (not force and now - self._last_tip_poll < _WINDOW_POLL_S):
            return
        self._last_tip_poll = now
        boxes = [window_box(self.profile, tip) for tip in self.windows.tooltips()]
        self.tooltips.extend(box for box in boxes if box is not None and box not in self.tooltips)

    def _grew(self, force: bool = False) -> bool:
        """Add windows that appeared or moved since the action began; True when the region grew."""
        now = time.monotonic()
        if (
            self.windows is None
            or self.profile is None
            or (not force and now - self._last_window_poll < _WINDOW_POLL_S)
        ):
            return False
        self._last_window_poll = now
        grew = False
        for window in self.windows.list_windows():
            before = self.known.get(window.window_id)
            where = (window.left, window.top, window.size)
            moved = before is None or not before.viewable or (before.left, before.top, before.size) != where
            if not window.viewable or not moved:
                continue
            self.known[window.window_id] = window
            box = window_box(self.profile, window)
            if box is not None and box not in self.region.boxes:
                self.region.boxes.append(box)
                self.region.windows.append(window.title)
                self.region.window_ids.append(window.window_id)
                self._inside_shape = None
                grew = True
        return grew

    def retitled(self) -> list[tuple[str, str]]:
        """The windows of the region whose title changed since before the action, (was, is) each: the window
        manager draws a title in the frame, outside the client area the pixels are judged in, so an editor's
        "*draft.txt" becoming "draft.txt" at ctrl+s is a change no pixel of the region shows."""
        if self.windows is None or not self.region.window_ids:
            return []
        now = {window.window_id: window for window in self.windows.list_windows()}
        pairs = ((self._titles.get(wid), now.get(wid)) for wid in self.region.window_ids if wid not in self._ticking)
        return [(was, is_.title) for was, is_ in pairs if was is not None and is_ is not None and is_.title != was]

    def inside_changes(self, a: Frame, b: Frame, so_far: np.ndarray | None = None) -> np.ndarray | None:
        """The pixels of the region that changed from ``a`` to ``b``, added to ``so_far``."""
        changed = changed_pixels(a, b)
        if changed is None:
            return so_far
        inside = changed & self.inside(changed.shape)
        return inside if so_far is None or so_far.shape != inside.shape else so_far | inside

    def counts(self, a: Frame, b: Frame, learn: bool = False) -> bool:
        """Whether anything that counts changed from ``a`` to ``b`` (a blinking caret does not)."""
        mine, _ = self.split(a, b, learn)
        return mine is None or (bool(mine.any()) and change_of(mine).significant)

    def change(self, before: Frame, after: Frame, final: bool = False) -> Change:
        """The change the action made: inside its region, known motion left out. ``final``: the
        verdict's own judgement, which always looks for windows that appeared."""
        mine, _ = self.split(before, after, learn=False, force=final)
        if mine is None:
            height, width = after.data.shape[:2]
            return Change(width * height, (0, 0, width, height))
        return change_of(mine)


def region_for(
    action: Action, profile: DisplayProfile, windows: WindowSource | None
) -> tuple[Region, dict[int, WindowInfo]]:
    """The region the action acts in, and the windows as they are now (to see new ones later).

    A pointer action acts at its points (a box around each, plus the window under it); a key or a
    text acts in the focused window. With nothing focused, or no window source to ask, the region is
    empty: only windows that appear or move because of the action can show its effect."""
    stack = windows.list_windows() if windows is not None else []
    listed = {w.window_id: w for w in stack}
    region = Region()
    pairs = (
        (getattr(action, "x", None), getattr(action, "y", None)),
        (getattr(action, "to_x", None), getattr(action, "to_y", None)),
    )
    points = [(x, y) for x, y in pairs if x is not None and y is not None]
    if points:
        for x, y in points:
            target = topmost_at(stack, x, y)  # the listing just made: no second round of X questions
            if target is not None:
                _add(region, profile, target, listed)
            r = POINTER_RADIUS_PT
            box = pixel_box(profile, x - r, y - r, x + r, y + r)
            if box is not None:
                region.boxes.append(box)
    else:
        focused = windows.active_window() if windows is not None else None
        if focused is not None:
            _add(region, profile, focused, listed)
    return region, listed


def _add(region: Region, profile: DisplayProfile, window: WindowInfo, listed: dict[int, WindowInfo]) -> None:
    """The window, and the one it is a dialog of: a dialog's button acts on its main window (pluma's Replace
    All replaces in the document behind it; trial 8 judged the dialog alone, no_change, a false failure)."""
    region.dialog = region.dialog or window.dialog
    owner = listed.get(window.owner_id) if window.owner_id is not None else None
    for each in (window, owner) if owner is not None and owner.viewable else (window,):
        box = window_box(profile, each)
        if box is not None and box not in region.boxes:
            region.boxes.append(box)
            region.windows.append(each.title)
            region.window_ids.append(each.window_id)
