"""Which window holds the keyboard focus now, and what kind of program it belongs to.

A ``type`` must go somewhere: keys sent while nothing holds the focus are lost without a trace, and
a judge that then looks at the whole screen takes any clock's tick for the effect. So the executor
asks :class:`FocusReader` first and refuses to type when nothing has the focus. "Nothing" is:

* X's own answers: focus ``None``, ``PointerRoot`` (keys would follow the pointer, wherever it is)
  or the root window;
* the window manager's own window: openbox (and others) park the focus on their hidden
  ``_NET_SUPPORTING_WM_CHECK`` window when the user clicks the desktop;
* a desktop window (``_NET_WM_WINDOW_TYPE_DESKTOP``: a file manager drawing the icons).

Anything else counts, managed or not: an override-redirect popup that took the focus is where the
keys go. The focused X window is often a child of the application's top-level window (xterm's
VT100 widget, Tk's focus window), so its ``WM_CLASS`` is looked up on the way to the root: that
class is what :mod:`actions.x11.paste_keys` picks the paste chord by.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actions.errors import ActionError
from actions.x11.display import close_quietly, open_display, read_property
from actions.x11.display import window_id as _wid


@dataclass(frozen=True)
class KeyboardFocus:
    """The focused X window, the top-level window it belongs to, and that window's ``WM_CLASS``."""

    window_id: int
    toplevel_id: int
    wm_class: tuple[str, ...] = ()  # (instance, class), e.g. ("xterm", "XTerm"); () when unset

    def describe(self) -> str:
        name = "/".join(self.wm_class) if self.wm_class else "no WM_CLASS"
        return f"window {self.toplevel_id:#x} ({name})"


class FocusReader:
    """One X connection of its own; :meth:`focus` asks the server each time (a few round trips)."""

    def __init__(self, display_name: str | None = None) -> None:
        self._d: Any = open_display(display_name, ActionError)
        self._root = self._d.screen().root
        atom = self._d.intern_atom
        self._wm_check, self._type = atom("_NET_SUPPORTING_WM_CHECK"), atom("_NET_WM_WINDOW_TYPE")
        self._desktop = atom("_NET_WM_WINDOW_TYPE_DESKTOP")

    def focus(self) -> KeyboardFocus | None:
        """Where typed keys go now; None when nothing holds the focus (see the module doc)."""
        from Xlib import X
        from Xlib.error import XError

        for _ in range(2):  # a focused window that closes while we look: ask once more
            focused = _wid(self._d.get_input_focus().focus)
            if focused in (X.NONE, X.PointerRoot) or focused == self._root.id:
                return None
            try:
                return self._describe(focused)
            except XError:
                continue
        return None

    def _describe(self, focused: int) -> KeyboardFocus | None:
        if focused in self._wm_windows():
            return None
        wm_class: tuple[str, ...] = ()
        window, toplevel = self._d.create_resource_object("window", focused), focused
        while True:
            if not wm_class:
                found = window.get_wm_class()
                if found:
                    wm_class, toplevel = tuple(str(part) for part in found), _wid(window)
            parent = _wid(window.query_tree().parent)
            if parent in (0, self._root.id):
                break
            window = self._d.create_resource_object("window", parent)
        if self._desktop in self._window_types(toplevel):
            return None
        return KeyboardFocus(focused, toplevel, wm_class)

    def _wm_windows(self) -> set[int]:
        reply = read_property(self._root, self._wm_check)
        return {int(wid) for wid in reply.value} if reply is not None else set()

    def _window_types(self, window_id: int) -> set[int]:
        window = self._d.create_resource_object("window", window_id)
        reply = read_property(window, self._type)
        return {int(atom) for atom in reply.value} if reply is not None else set()

    def close(self) -> None:
        close_quietly(self._d)

    def __enter__(self) -> FocusReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def keyboard_focus(display_name: str | None = None) -> KeyboardFocus | None:
    """Where typed keys would go now, on a short-lived connection; None when nothing has the focus."""
    with FocusReader(display_name) as reader:
        return reader.focus()
