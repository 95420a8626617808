"""A top-level window as the rest of the code sees it: a title and a client area in screen points.

One type for every platform: the X11 queries in ``actions.x11.windows`` produce it, grounders and
the recorder consume it. Geometry is the *client* area (what the application draws), so a
window-relative point means the same pixel of the application whatever decorations it gets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


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
    dialog: bool = False  # a dialog (EWMH type, or transient for another window): slower to be ready
    app: str = ""  # the class of its application (WM_CLASS), read only for a window with no title
    owner_id: int | None = None  # the window it is transient for (WM_TRANSIENT_FOR): a dialog's main window

    @property
    def name(self) -> str:
        """What a person calls it: its title, or for a window with none (gpicview's "overwrite?" question)
        what made it."""
        if self.title:
            return self.title
        return f"(untitled window of {self.app})" if self.app else "(untitled window)"

    def contains(self, x: int, y: int) -> bool:
        return self.left <= x < self.left + self.width and self.top <= y < self.top + self.height

    def relative(self, x: int, y: int) -> tuple[int, int]:
        """A screen point as a point relative to the client area's top-left."""
        return x - self.left, y - self.top

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height


def topmost_at(windows: Sequence[WindowInfo], x: int, y: int) -> WindowInfo | None:
    """The window a point is in: of ``windows`` (bottom of the stack first, as ``list_windows`` gives them),
    the topmost viewable one whose client area contains it."""
    return next((w for w in reversed(windows) if w.viewable and w.contains(x, y)), None)


@runtime_checkable
class WindowSource(Protocol):
    """The windows on the desktop now (``actions.x11.windows.WindowReader`` on X11)."""

    def list_windows(self) -> list[WindowInfo]: ...

    def active_window(self) -> WindowInfo | None: ...

    def window_at(self, x: int, y: int) -> WindowInfo | None: ...

    def tooltips(self) -> list[WindowInfo]:
        """The tooltips shown now (unmanaged windows of the tooltip type): a pointer resting on a widget
        shows one after half a second or so, whatever a click there does, so none is an action's effect."""
        ...


@dataclass
class FakeWindows:
    """A desktop of fixed windows for tests; ``active`` is an index into ``windows``. Tests may
    append to ``windows`` from an executor's ``on_perform`` to make a dialog appear."""

    windows: list[WindowInfo] = field(default_factory=list)
    active: int | None = None
    tips: list[WindowInfo] = field(default_factory=list)  # tooltips shown now (tests append to it)

    @classmethod
    def focused(cls, width: int, height: int, title: str = "app") -> FakeWindows:
        """One focused window of ``width`` x ``height`` at the origin: a fake screen's own application."""
        return cls([WindowInfo(title, 0, 0, width, height, window_id=1)], active=0)

    def list_windows(self) -> list[WindowInfo]:
        return list(self.windows)

    def active_window(self) -> WindowInfo | None:
        return None if self.active is None else self.windows[self.active]

    def window_at(self, x: int, y: int) -> WindowInfo | None:
        return topmost_at(self.windows, x, y)

    def tooltips(self) -> list[WindowInfo]:
        return list(self.tips)
