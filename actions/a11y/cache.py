"""Snapshots per screen: the tree is read once for a frame and again only when the screen changed.

A target lookup, the state check before acting and the report all ask about the same frame; reading the
tree costs 0.1-0.3 s on a large window, so one read serves them all. A new frame with the very same
pixels (nothing moved, nothing repainted) keeps the read; any changed pixel drops it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from actions.a11y.bus import A11yUnavailable
from actions.a11y.elements import Box, ElementRef, Snapshot
from actions.a11y.field_text import FieldText
from actions.a11y.reader import AtspiReader
from actions.frame import Frame
from actions.windows import WindowInfo


@dataclass
class _Entry:
    frame: Frame
    snapshot: Snapshot


class FrameTrees:
    """``snapshot(frame, window=, app=)``: the reader's snapshot of that scope, cached per screen."""

    def __init__(
        self,
        reader: AtspiReader | None = None,
        active_window: Callable[[], WindowInfo | None] | None = None,
        popups_at: Callable[[int, int], list[tuple[int, int, int, int]]] | None = None,
    ) -> None:
        self.reader = reader or AtspiReader()
        # Where the window system has the focus: the active window when the tree marks none active.
        self.active_window = active_window
        # What lies over a point (an open menu of another widget): the window system knows, the tree does not.
        self._popups_at = popups_at
        self._entries: dict[tuple[str | None, str | None, Box | None], _Entry] = {}
        self.reads = 0  # how many times the tree was really read (what the cache saves)
        self._unavailable: A11yUnavailable | None = None  # no bus: said once, not asked again every step

    def snapshot(
        self, frame: Frame, window: str | None = None, app: str | None = None, window_box: Box | None = None
    ) -> Snapshot:
        if self._unavailable is not None:
            raise self._unavailable
        key = (window, app, window_box)
        entry = self._entries.get(key)
        if entry is not None and (entry.frame is frame or entry.frame.same_pixels(frame)):
            return entry.snapshot
        self.reads += 1
        profile = frame.profile
        screen = Box(profile.left, profile.top, profile.width, profile.height)
        if window is None and app is None and window_box is None and self.active_window is not None:
            active = self.active_window()
            window_box = Box(active.left, active.top, active.width, active.height) if active is not None else None
        try:
            snapshot = self.reader.snapshot(window, app, screen=screen, window_box=window_box)
        except A11yUnavailable as exc:
            if not self.reader.connected:
                self._unavailable = exc  # no bus at all (not merely no such window)
            raise
        self._entries[key] = _Entry(frame, snapshot)
        return snapshot

    def popups_at(self, x: int, y: int) -> list[Box]:
        """Unmanaged windows (an open menu, a combo box's list) over the screen point; [] without a source."""
        return [Box(*box) for box in self._popups_at(x, y)] if self._popups_at is not None else []

    def states(self, ref: ElementRef) -> frozenset[str]:
        return self.reader.states(ref)

    def box(self, ref: ElementRef) -> Box | None:
        return self.reader.box(ref)

    def caret_text(self, ref: ElementRef, before: int = -1, after: int = -1) -> FieldText | None:
        return self.reader.caret_text(ref, before, after)

    def text(self, ref: ElementRef) -> str | None:
        return self.reader.text(ref)

    def value(self, ref: ElementRef) -> float | None:
        return self.reader.value(ref)

    def value_range(self, ref: ElementRef) -> tuple[float, float] | None:
        return self.reader.value_range(ref)

    def choice(self, ref: ElementRef) -> str | None:
        return self.reader.choice(ref)

    def invalidate(self) -> None:
        self._entries.clear()

    def close(self) -> None:
        self._entries.clear()
        self.reader.close()
