"""A top-level window as the rest of the code sees it: a title and a client area in screen points.

One type for every platform: the X11 queries in ``actions.x11.windows`` produce it, grounders and
the recorder consume it. Geometry is the *client* area (what the application draws), so a
window-relative point means the same pixel of the application whatever decorations it gets.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WindowInfo:
    """One top-level window as it is now; ``left/top/width/height`` are its client area."""

    title: str
    left: int
    top: int
    width: int
    height: int
    window_id: int = 0
    pid: int | None = None
    viewable: bool = True  # mapped and not minimised (openbox unmaps windows of other desktops)

    def contains(self, x: int, y: int) -> bool:
        return self.left <= x < self.left + self.width and self.top <= y < self.top + self.height

    def relative(self, x: int, y: int) -> tuple[int, int]:
        """A screen point as a point relative to the client area's top-left."""
        return x - self.left, y - self.top

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height
