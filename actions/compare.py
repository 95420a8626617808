"""Comparing frames: what changed between two captures, and whether it counts as a change."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from actions.frame import Frame

# A text caret blinking is a change of a column a couple of pixels wide; it must not make a
# click that did nothing look like a click that worked.
_CARET_MAX_WIDTH_PX = 3
_CARET_MAX_HEIGHT_PX = 48


@dataclass(frozen=True)
class Change:
    """Pixels that differ between two frames; ``bbox`` is (left, top, right, bottom), exclusive."""

    changed_pixels: int
    bbox: tuple[int, int, int, int] | None

    @property
    def significant(self) -> bool:
        return self.bbox is not None and not self.caret_like

    @property
    def caret_like(self) -> bool:
        """Only a mark the size of a text caret changed (a blink, or a caret a click drew: ``agent.settle``)."""
        if self.bbox is None:
            return False
        left, top, right, bottom = self.bbox
        return right - left <= _CARET_MAX_WIDTH_PX and bottom - top <= _CARET_MAX_HEIGHT_PX


NO_CHANGE = Change(0, None)


def diff_frames(before: Frame, after: Frame) -> Change:
    """The changed region between two frames of the same area."""
    a, b = before.packed(), after.packed()
    if a.shape != b.shape:
        height, width = after.data.shape[:2]
        return Change(width * height, (0, 0, width, height))
    if np.array_equal(a, b):
        return NO_CHANGE
    mask = a != b if a.ndim == 2 else np.any(a != b, axis=2)
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    bbox = (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)
    return Change(int(mask.sum()), bbox)
