"""What an X server offers the agent, read once for ``deskpilot doctor``: plain data, no Xlib objects.

The doctor (agent.cli.doctor) turns these facts into advice; the Xlib queries live here, in the X11
room, so that nothing outside it touches Xlib.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actions.x11.display import close_quietly, open_display, read_property


@dataclass(frozen=True)
class ServerFacts:
    width_px: int  # the first X screen's root window
    height_px: int
    xtest: bool  # the extension every action goes through
    record: bool  # the extension `deskpilot record` listens through
    window_manager: str | None  # the EWMH window manager's _NET_WM_NAME ("unnamed" without one); None: no manager
    xft_dpi: float | None  # Xft.dpi from RESOURCE_MANAGER, when set


def server_facts(display: str | None = None) -> ServerFacts:
    """The facts of ``display`` ($DISPLAY when None); DesktopError when it cannot be opened."""
    conn = open_display(display)
    try:
        screen = conn.screen()
        return ServerFacts(
            width_px=screen.width_in_pixels,
            height_px=screen.height_in_pixels,
            xtest=conn.query_extension("XTEST") is not None,
            record=conn.query_extension("RECORD") is not None,
            window_manager=_window_manager(conn),
            xft_dpi=_xft_dpi(conn),
        )
    finally:
        close_quietly(conn)


def _window_manager(conn: Any) -> str | None:
    from Xlib import X

    root = conn.screen().root
    prop = read_property(root, conn.intern_atom("_NET_SUPPORTING_WM_CHECK"), X.AnyPropertyType)
    if prop is None or not prop.value:
        return None
    wm_window = conn.create_resource_object("window", prop.value[0])
    name_prop = read_property(wm_window, conn.intern_atom("_NET_WM_NAME"))
    return name_prop.value.decode("utf-8", "replace") if name_prop else "unnamed"


def _xft_dpi(conn: Any) -> float | None:
    resources = read_property(conn.screen().root, conn.intern_atom("RESOURCE_MANAGER"))
    text = resources.value.decode("utf-8", "replace") if resources else ""
    for line in text.splitlines():
        if line.startswith("Xft.dpi:"):
            return float(line.split(":", 1)[1])
    return None
