"""Snapshots per screen: the tree is read once for a frame and again only when the screen changed.

A target lookup, the state check before acting and the report all ask about the same frame; reading the
tree costs 0.1-0.3 s on a large window, so one read serves them all. A new frame with the very same
pixels (nothing moved, nothing repainted) keeps the read; any changed pixel drops it.
"""

from __future__ import annotations

from dataclasses import dataclass

from actions.a11y.elements import Box, Snapshot
from actions.a11y.reader import AtspiReader
from actions.frame import Frame


@dataclass
class _Entry:
    frame: Frame
    snapshot: Snapshot


class FrameTrees:
    """``snapshot(frame, window=, app=)``: the reader's snapshot of that scope, cached per screen."""

    def __init__(self, reader: AtspiReader | None = None) -> None:
        self.reader = reader or AtspiReader()
        self._entries: dict[tuple[str | None, str | None], _Entry] = {}
        self.reads = 0  # how many times the tree was really read (what the cache saves)

    def snapshot(self, frame: Frame, window: str | None = None, app: str | None = None) -> Snapshot:
        key = (window, app)
        entry = self._entries.get(key)
        if entry is not None and (entry.frame is frame or entry.frame.same_pixels(frame)):
            return entry.snapshot
        self.reads += 1
        profile = frame.profile
        snapshot = self.reader.snapshot(window, app, screen=Box(profile.left, profile.top, profile.width,
                                                                profile.height))  # fmt: skip
        self._entries[key] = _Entry(frame, snapshot)
        return snapshot

    def invalidate(self) -> None:
        self._entries.clear()

    def close(self) -> None:
        self._entries.clear()
        self.reader.close()
