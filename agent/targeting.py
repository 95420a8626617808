"""The desktop side of targets in plans: the live X11 windows and accessibility trees the resolver reads."""

from __future__ import annotations

from actions.windows import WindowInfo
from planners.grounding.tree import TreeSource


class X11Windows:
    """``WindowLookup`` over the live X server (actions.x11.windows)."""

    def find(self, pattern: str) -> WindowInfo | None:
        from actions.x11 import windows

        return windows.find_window(pattern)

    def at(self, x: int, y: int) -> WindowInfo | None:
        from actions.x11 import windows

        return windows.window_at(x, y)


def desktop_trees() -> TreeSource:
    """The accessibility trees of this desktop, read once per distinct screen (connects on first use; a
    desktop without an accessibility bus makes the tree rung say so and the ladder climb)."""
    from actions.a11y import FrameTrees
    from actions.x11 import windows

    return FrameTrees(active_window=windows.active_window, popups_at=windows.popups_at)


def wait_enabled_s() -> float:
    """A disabled target is waited for as long as the loop waits for a window to get ready."""
    from agent.settle import SettleConfig

    return SettleConfig().ready_timeout_s


def observed_trees(observe: str) -> TreeSource | None:
    """The desktop's trees when a model is to see the active window's elements too (``screenshot+tree``)."""
    return desktop_trees() if observe == "screenshot+tree" else None
