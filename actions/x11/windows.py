"""Top-level windows on X11: titles, client-area geometry, stacking, the active window.

pygetwindow has no Linux backend, so this reads the window manager's EWMH properties with
python-xlib. Geometry is the *client* area (what the application draws), in root (screen)
coordinates: the window manager's frame (title bar, borders) is not counted, because a recorded
window-relative point must mean the same pixel of the application whatever decorations it gets.

The module functions share one connection per thread (kept open: opening one costs 3-15 ms, more
than most questions, and a run asks several times a step), so they are safe from any thread;
:class:`WindowReader` is that connection, for callers that want their own.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from actions.errors import DesktopError
from actions.windows import WindowInfo
from actions.x11.display import close_quietly, open_display, read_property


class WindowReader:
    """One X connection for repeated questions from one thread; ``close()`` it (or use ``with``)."""

    def __init__(self, display: str | None = None) -> None:
        self._d: Any = open_display(display)
        self._root = self._d.screen().root
        self._atoms: dict[str, int] = {}
        self._unmanaged: set[int] | None = None  # followed through the root's map events (tooltips)

    def _atom(self, name: str) -> int:
        if name not in self._atoms:
            self._atoms[name] = self._d.intern_atom(name)
        return self._atoms[name]

    def _prop(self, window: Any, name: str, prop_type: int = 0) -> Any:
        """The property's value list/bytes, or None when unset (or the window vanished meanwhile)."""
        from Xlib.error import XError

        try:
            reply = read_property(window, self._atom(name), prop_type)
        except XError:  # the window vanished meanwhile
            return None
        return None if reply is None else reply.value

    def client_ids(self) -> list[int]:
        """Client window ids, bottom of the stack first (plain client-list order if the WM lacks stacking)."""
        for name in ("_NET_CLIENT_LIST_STACKING", "_NET_CLIENT_LIST"):
            value = self._prop(self._root, name)
            if value is not None:
                return [int(wid) for wid in value]
        return []

    def info(self, window_id: int) -> WindowInfo | None:
        """The window's title, client geometry and pid; None if it closed while we asked."""
        from Xlib import X
        from Xlib.error import XError

        window = self._d.create_resource_object("window", window_id)
        try:
            geometry = window.get_geometry()
            # The client's origin in root coordinates: the WM reparents clients into frames, so the
            # geometry's x/y are relative to the frame, not the screen.
            origin = self._root.translate_coords(window, 0, 0)
            mapped = window.get_attributes().map_state == X.IsViewable
        except XError:  # closed meanwhile
            return None
        hidden = self._atom("_NET_WM_STATE_HIDDEN") in (self._prop(window, "_NET_WM_STATE") or ())
        pid = self._prop(window, "_NET_WM_PID")
        types = self._prop(window, "_NET_WM_WINDOW_TYPE") or ()
        owner = self._prop(window, "WM_TRANSIENT_FOR")
        dialog = self._atom("_NET_WM_WINDOW_TYPE_DIALOG") in types or bool(owner)
        owner_id = int(owner[0]) if owner and int(owner[0]) not in (0, window_id) else None
        title = self._title(window)
        return WindowInfo(
            window_id=window_id,
            title=title,
            left=int(origin.x),
            top=int(origin.y),
            width=int(geometry.width),
            height=int(geometry.height),
            pid=int(pid[0]) if pid else None,
            viewable=mapped and not hidden,
            dialog=dialog,
            owner_id=owner_id,
            app="" if title else self._app(window),  # one more round trip, only where a name is missing
        )

    def _app(self, window: Any) -> str:
        """The application class of WM_CLASS (the second of its two NUL-ended strings), or ""."""
        value = self._prop(window, "WM_CLASS")
        parts = [part for part in _decode(value, "latin-1").split("\0") if part] if value is not None else []
        return parts[-1] if parts else ""

    def _title(self, window: Any) -> str:
        name = self._prop(window, "_NET_WM_NAME", self._atom("UTF8_STRING"))
        if name is not None:
            return _decode(name)
        name = self._prop(window, "WM_NAME")  # ICCCM fallback: STRING (Latin-1) or COMPOUND_TEXT
        return _decode(name, "latin-1") if name is not None else ""

    def list_windows(self) -> list[WindowInfo]:
        infos = (self.info(wid) for wid in self.client_ids())
        return [info for info in infos if info is not None]

    def window_at(self, x: int, y: int) -> WindowInfo | None:
        # actions.windows.topmost_at's rule, asked window by window from the top: it stops at the first one
        for wid in reversed(self.client_ids()):  # topmost first
            info = self.info(wid)
            if info is not None and info.viewable and info.contains(x, y):
                return info
        return None

    def find_window(self, title_pattern: str) -> WindowInfo | None:
        regex = _compile(title_pattern)
        for wid in reversed(self.client_ids()):  # the topmost of several matches is the one users mean
            info = self.info(wid)
            if info is not None and regex.search(info.title):
                return info
        return None

    def active_window(self) -> WindowInfo | None:
        value = self._prop(self._root, "_NET_ACTIVE_WINDOW")
        if not value or not value[0]:
            return None
        return self.info(int(value[0]))

    def popups_at(self, x: int, y: int) -> list[tuple[int, int, int, int]]:
        """The boxes (x, y, width, height) of the unmanaged windows (override-redirect: an open menu, a
        combo box's list, a tooltip) that lie over the screen point above every managed window there:
        what a click at the point reaches first."""
        from Xlib import X
        from Xlib.error import XError

        found = []
        for child in reversed(self._root.query_tree().children):  # the top of the stack first
            try:
                attributes = child.get_attributes()
                if attributes.map_state != X.IsViewable:
                    continue
                geometry = child.get_geometry()
            except XError:  # it closed while we asked
                continue
            box = (int(geometry.x), int(geometry.y), int(geometry.width), int(geometry.height))
            if not (box[0] <= x < box[0] + box[2] and box[1] <= y < box[1] + box[3]):
                continue
            if not attributes.override_redirect:
                break  # a managed window (its frame): what lies under it is covered by it, not over it
            types = set(self._prop(child, "_NET_WM_WINDOW_TYPE") or ())
            if types & {self._atom(name) for name in _PASSING}:
                continue  # a tooltip or a notification: the pointer moving onto the target hides it
            found.append(box)
        return found

    def tooltips(self) -> list[WindowInfo]:
        """The tooltips mapped now: unmanaged windows of the EWMH tooltip type (GTK, Qt and Chromium set it)."""
        from Xlib.error import XError

        tooltip = self._atom("_NET_WM_WINDOW_TYPE_TOOLTIP")
        found = []
        for wid in sorted(self._mapped_unmanaged()):
            window = self._d.create_resource_object("window", wid)
            if tooltip not in (self._prop(window, "_NET_WM_WINDOW_TYPE") or ()):
                continue
            try:
                geometry = window.get_geometry()
            except XError:  # it closed while we asked
                continue
            box = (int(geometry.x), int(geometry.y), int(geometry.width), int(geometry.height))
            found.append(WindowInfo("", *box, window_id=wid))
        return found

    def _mapped_unmanaged(self) -> set[int]:
        """The root's unmanaged (override-redirect) children that are mapped now.

        A settle asks several times a step, and asking every child of the root (openbox alone keeps a
        dozen there) was a third of a plan run's X round trips. So the first call selects the root's
        map events on this connection and looks once; later calls only read the events since."""
        from Xlib import X
        from Xlib.error import XError

        if self._unmanaged is None:
            self._root.change_attributes(event_mask=X.SubstructureNotifyMask)  # before the look: nothing slips
            self._unmanaged = set()
            for child in self._root.query_tree().children:
                try:
                    attributes = child.get_attributes()
                except XError:  # it closed while we asked
                    continue
                if attributes.override_redirect and attributes.map_state == X.IsViewable:
                    self._unmanaged.add(int(child.id))
        root = int(self._root.id)
        self._d.sync()  # a round trip: every map the server made before this call is in the queue now
        while self._d.pending_events():
            event = self._d.next_event()
            if event.type == X.MapNotify and int(event.event.id) == root and event.override:
                self._unmanaged.add(int(event.window.id))
            elif event.type in (X.UnmapNotify, X.DestroyNotify) and int(event.event.id) == root:
                self._unmanaged.discard(int(event.window.id))
            elif event.type == X.ReparentNotify and int(event.parent.id) != root:
                self._unmanaged.discard(int(event.window.id))  # taken from the root into another window
        return self._unmanaged

    def close(self) -> None:
        close_quietly(self._d)  # the server may be gone already

    def __enter__(self) -> WindowReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# Unmanaged windows that do not stand between the pointer and what is under it once the pointer moves there.
_PASSING = ("_NET_WM_WINDOW_TYPE_TOOLTIP", "_NET_WM_WINDOW_TYPE_NOTIFICATION")


def _decode(value: Any, encoding: str = "utf-8") -> str:
    if isinstance(value, str):
        return value
    return bytes(value).decode(encoding, errors="replace")


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise DesktopError(f"window title pattern {pattern!r} is not a regular expression: {exc}") from None


_T = TypeVar("_T")
_local = threading.local()  # .reader: this thread's kept WindowReader, .name: the display it is connected to


def _ask(display: str | None, question: Callable[[WindowReader], _T]) -> _T:
    """``question`` asked on this thread's kept connection to ``display``, opened on first use. A connection
    the server closed (it was restarted under the same name) is opened anew once; another display replaces
    the kept one (one connection a thread, not one per display ever used)."""
    from Xlib.error import ConnectionClosedError

    name = display or os.environ.get("DISPLAY", "")
    try:
        return question(_kept_reader(display, name))
    except (ConnectionClosedError, OSError):
        _drop_kept_reader()  # a server replaced under the name: a new connection, asked once more
    try:
        return question(_kept_reader(display, name))
    except (ConnectionClosedError, OSError) as exc:
        _drop_kept_reader()
        raise DesktopError(f"lost the X display {name or '$DISPLAY'}: {exc}") from exc


def _kept_reader(display: str | None, name: str) -> WindowReader:
    if getattr(_local, "reader", None) is None or _local.name != name:
        _drop_kept_reader()
        _local.reader, _local.name = WindowReader(display), name
    reader: WindowReader = _local.reader
    return reader


def _drop_kept_reader() -> None:
    reader = getattr(_local, "reader", None)
    if reader is not None:
        reader.close()
    _local.reader, _local.name = None, None


def list_windows(display: str | None = None) -> list[WindowInfo]:
    """Every top-level client window, bottom of the stack first."""
    return _ask(display, WindowReader.list_windows)


def window_at(x: int, y: int, display: str | None = None) -> WindowInfo | None:
    """The topmost viewable client window whose client area contains the screen point."""
    return _ask(display, lambda reader: reader.window_at(x, y))


def find_window(title_pattern: str, display: str | None = None) -> WindowInfo | None:
    """The topmost window whose title matches the regular expression (``re.search``)."""
    _compile(title_pattern)  # a bad pattern is refused before any connection is made
    return _ask(display, lambda reader: reader.find_window(title_pattern))


def popups_at(x: int, y: int, display: str | None = None) -> list[tuple[int, int, int, int]]:
    """Unmanaged windows (menus, popups, tooltips) over the screen point, topmost first."""
    return _ask(display, lambda reader: reader.popups_at(x, y))


def active_window(display: str | None = None) -> WindowInfo | None:
    """The window the window manager calls active (``_NET_ACTIVE_WINDOW``), if any."""
    return _ask(display, WindowReader.active_window)


def wait_for_window(title_pattern: str, timeout_s: float = 10.0, display: str | None = None) -> WindowInfo:
    """Wait until a viewable window's title matches; DesktopError naming the titles there are on timeout.

    Polling, with a short growing interval: titles are often set after the window maps, and a title
    change is a property event on the client window, which no single root-window subscription sees.
    """
    regex = _compile(title_pattern)
    deadline = time.monotonic() + timeout_s
    delay_s = 0.01
    with WindowReader(display) as reader:
        while True:
            windows = reader.list_windows()
            for info in reversed(windows):
                if info.viewable and regex.search(info.title):
                    return info
            if time.monotonic() >= deadline:
                titles = ", ".join(repr(w.title) for w in windows) or "none"
                raise DesktopError(
                    f"no window title matches {title_pattern!r} after {timeout_s:g} s (windows: {titles})"
                )
            time.sleep(min(delay_s, max(0.0, deadline - time.monotonic())))  # waiting on another process
            delay_s = min(delay_s * 2, 0.1)
