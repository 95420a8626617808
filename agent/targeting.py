"""The desktop side of targets in plans: the live X11 windows, as the resolver's ``WindowLookup``."""

from __future__ import annotations

from actions.windows import WindowInfo


class X11Windows:
    """``WindowLookup`` over the live X server (actions.x11.windows)."""

    def find(self, pattern: str) -> WindowInfo | None:
        from actions.x11 import windows

        return windows.find_window(pattern)

    def at(self, x: int, y: int) -> WindowInfo | None:
        from actions.x11 import windows

        return windows.window_at(x, y)
