"""Secrets stay off the pixels: the places on the screen that show a secret, masked in every frame that leaves.

A run knows two kinds of secret places. Password fields, from the accessibility tree (role "password
text", and the element that had the focus when a ``{{secret:NAME}}`` was typed). And, for a window with no
tree (Tk, a canvas, a remote desktop), the box that changed while a secret was typed: the step's change,
as settle measured it. Each is filled with one flat colour (``MASK_RGB``) in every frame the run saves
(frames/, the report's thumbnails, the ``seen`` crops) and in every screenshot a planner is given (so
a model, local or served, never receives it); the judging path (ready, settle, verify) keeps the real
pixels, so verdicts do not change.

A place stays masked until it changes again: a later step's change covers it and most of its pixels
differ from what they were when it was masked (the field was replaced, its window closed), or the tree no
longer has a password field there (read in the same window). A focus ring or a caret does not unmask it.
Masking happens when a frame is handed over (``apply`` copies, synchronously), so a frame on disk was
masked when it was written, whatever the run does next or however it dies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from actions.frame import Frame
from actions.models import Action
from actions.secrets import secret_names

if TYPE_CHECKING:  # every run directory has a mask; only a run that reads trees pays for the tree modules
    from actions.a11y.elements import Box, Snapshot
    from planners.grounding.tree import TreeSource

MASK_RGB = (255, 0, 255)  # the flat colour a secret's place is painted with: far from text and from paper
PASSWORD_ROLES = frozenset({"password text"})
_PAD_PX = 2  # around a change box: the antialiased edge of the last glyph is part of the secret
_REPLACED_FRACTION = 0.5  # this much of a masked box must differ before it counts as changed again

Rect = tuple[int, int, int, int]  # image pixels: left, top, right, bottom (exclusive), as Change.bbox


@dataclass
class MaskedPlace:
    box: Rect
    why: str  # "password field" / "typed secret": for the run's notes and the tests
    reference: np.ndarray  # the real pixels of the box when it was masked: what "changed again" is measured on
    window: str | None = None  # the tree window it was read in (None: not from the tree)


class SecretMask:
    """The run's masked places; ``apply(frame)`` before a frame leaves, ``after_step(...)`` after each step."""

    def __init__(self) -> None:
        self.places: list[MaskedPlace] = []

    @property
    def boxes(self) -> list[Rect]:
        return [place.box for place in self.places]

    def apply(self, frame: Frame) -> Frame:
        """The frame with every masked place painted over (a copy); the frame itself when nothing is masked."""
        if not self.places:
            return frame
        data = frame.data.copy()
        colour = MASK_RGB if frame.order == "RGB" else (*MASK_RGB[::-1], 255)
        channels = data.shape[2] if data.ndim == 3 else 1
        fill = np.array(colour[:channels], dtype=data.dtype)
        for left, top, right, bottom in self.boxes:
            data[top:bottom, left:right] = fill
        return Frame(data, frame.profile, frame.monotonic_s, frame.wall_time_s, frame.order)

    def after_step(self, action: Action, after: Frame, change: Rect | None, trees: TreeSource | None) -> None:
        """Update the places from a performed step: ``after`` is its real (unmasked) screen, ``change`` the
        box its action changed (image pixels), ``trees`` the run's tree source, if any."""
        self._forget_replaced(after, change)
        typed = getattr(action, "text", None) if action.kind == "type" else None
        secret = bool(typed and secret_names(typed))
        read_tree = trees is not None and (typed is not None or any(p.window is not None for p in self.places))
        snapshot = _snapshot(trees, after) if read_tree else None
        focused_box = None
        if snapshot is not None:
            self._forget_gone(snapshot, after)
            for box in _password_boxes(snapshot, after):
                self._add(box, "password field", after, snapshot.window)
            index = snapshot.focused()
            focused_box = _to_pixels(snapshot.visible_box(index), after) if index is not None else None
        if not secret:
            return
        if focused_box is not None:  # the element the secret went into, as the app says it is
            self._add(focused_box, "typed secret", after, snapshot.window if snapshot else None)
        elif change is not None:  # no tree: where the screen changed while it was typed
            self._add(_padded(change, after), "typed secret", after, None)

    def _add(self, box: Rect, why: str, frame: Frame, window: str | None) -> None:
        if any(_contains(place.box, box) for place in self.places):
            return
        self.places = [place for place in self.places if not _contains(box, place.box)]
        self.places.append(MaskedPlace(box, why, _pixels(frame, box), window))

    def _forget_replaced(self, after: Frame, change: Rect | None) -> None:
        """A place a later change covered, whose pixels are mostly new: what was there is gone."""
        if change is None:
            return
        kept = []
        for place in self.places:
            if _contains(change, place.box) and _differs(place.reference, _pixels(after, place.box)):
                continue
            kept.append(place)
        self.places = kept

    def _forget_gone(self, snapshot: Snapshot, after: Frame) -> None:
        """A password field the tree no longer has (read in its own window): unmasked."""
        still = set(_password_boxes(snapshot, after))
        self.places = [
            p
            for p in self.places
            if p.why != "password field" or p.window != snapshot.window or any(_contains(b, p.box) for b in still)
        ]


def _snapshot(trees: TreeSource | None, frame: Frame) -> Snapshot | None:
    from actions.a11y.bus import A11yUnavailable

    if trees is None:
        return None
    try:
        snapshot = trees.snapshot(frame)
    except A11yUnavailable:
        return None
    return snapshot if len(snapshot) > 1 else None  # a window with no elements (Tk) is no tree


def _password_boxes(snapshot: Snapshot, frame: Frame) -> list[Rect]:
    boxes = []
    for index, element in enumerate(snapshot.elements):
        if element.role in PASSWORD_ROLES:
            box = _to_pixels(snapshot.visible_box(index), frame)
            if box is not None:
                boxes.append(box)
    return boxes


def _to_pixels(box: Box | None, frame: Frame) -> Rect | None:
    """A tree box (screen points) in the frame's pixels, clipped to the frame; None when nothing is left."""
    if box is None:
        return None
    profile, (width, height) = frame.profile, frame.size
    left = max(0, int((box.x - profile.left) * profile.scale))
    top = max(0, int((box.y - profile.top) * profile.scale))
    right = min(width, int(np.ceil((box.x + box.width - profile.left) * profile.scale)))
    bottom = min(height, int(np.ceil((box.y + box.height - profile.top) * profile.scale)))
    return (left, top, right, bottom) if right > left and bottom > top else None


def _padded(box: Rect, frame: Frame) -> Rect:
    width, height = frame.size
    left, top, right, bottom = box
    return max(0, left - _PAD_PX), max(0, top - _PAD_PX), min(width, right + _PAD_PX), min(height, bottom + _PAD_PX)


def _contains(outer: Rect, inner: Rect) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and outer[2] >= inner[2] and outer[3] >= inner[3]


def _pixels(frame: Frame, box: Rect) -> np.ndarray:
    left, top, right, bottom = box
    return frame.data[top:bottom, left:right].copy()


def _differs(reference: np.ndarray, now: np.ndarray) -> bool:
    if reference.shape != now.shape or reference.size == 0:
        return True
    changed = np.any(reference != now, axis=-1) if reference.ndim == 3 else reference != now
    return float(changed.mean()) >= _REPLACED_FRACTION
