"""Opening an X connection, in one place: one wording for the failure, the caller's error class.

Every X11 module opens its own connections (a connection is one event queue and one thread's to
use), so "open the display or raise" is needed everywhere; written once here so every failure reads
``cannot open the X display NAME: why`` and a connection that is not wanted any more is closed the
same way everywhere.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from actions.errors import DeskpilotError, DesktopError

if TYPE_CHECKING:
    from Xlib.display import Display


def open_display(name: str | None = None, error: type[DeskpilotError] = DesktopError) -> Display:
    """A new connection to ``name`` (``$DISPLAY`` when None); ``error`` (a DesktopError by default) when
    the server cannot be reached. Xlib is imported here, so importing this module needs no X."""
    from Xlib.display import Display
    from Xlib.error import ConnectionClosedError, DisplayError

    try:
        return Display(name)
    except (DisplayError, ConnectionClosedError, OSError) as exc:  # closed: e.g. a server resetting
        raise error(f"cannot open the X display {name or '$DISPLAY'}: {exc}") from exc


def close_quietly(conn: Any) -> None:
    """Close a connection whose server may already be gone (nothing is left to release then)."""
    from Xlib.error import ConnectionClosedError

    with contextlib.suppress(ConnectionClosedError, OSError):
        conn.close()


def window_id(window: Any) -> int:
    """python-xlib hands back window ids as Window objects or plain ints (X.NONE, PointerRoot)."""
    return window if isinstance(window, int) else int(window.id)
