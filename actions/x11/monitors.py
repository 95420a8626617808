"""The live monitors of an X display (RandR 1.5), read on one connection kept open.

The executor checks every pointer point against them before it moves the pointer: the check must be
live (a monitor can be unplugged mid-run) and cheap. A fresh ``mss.MSS().monitors`` costs about 32 ms
here (a new connection and its set-up every time); one RandR request on an open connection 0.5 ms.
"""

from __future__ import annotations

import threading
from typing import Any

from actions.coords import ScreenBounds
from actions.x11.display import close_quietly, open_display


class MonitorReader:
    """``bounds()``: the monitors as they are now. A server without RandR monitors (an old Xvfb) is
    one monitor, the root window."""

    def __init__(self, display: str | None = None) -> None:
        self._conn: Any = open_display(display)
        self._lock = threading.Lock()  # one connection, one request at a time

    def bounds(self) -> ScreenBounds:
        with self._lock:
            root = self._conn.screen().root
            try:
                reply = root.xrandr_get_monitors(is_active=True)
                monitors = tuple((m.x, m.y, m.width_in_pixels, m.height_in_pixels) for m in reply.monitors)
            except Exception:  # noqa: BLE001 - no RandR 1.5 on this server: the root window is the screen
                monitors = ()
            if not monitors:
                geometry = root.get_geometry()
                monitors = ((0, 0, geometry.width, geometry.height),)
        return ScreenBounds(monitors)

    def close(self) -> None:
        close_quietly(self._conn)
