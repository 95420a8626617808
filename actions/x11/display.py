"""Opening an X connection, in one place: one wording for the failure, the caller's error class.

Every X11 module opens its own connections (a connection is one event queue and one thread's to
use), so "open the display or raise" is needed everywhere; written once here so every failure reads
``cannot open the X display NAME: why`` and a connection that is not wanted any more is closed the
same way everywhere.

Every connection opened here also gets python-xlib 0.33's error table mended (see
:func:`mend_error_table`) and reads properties whole in one request (:func:`read_property`): without
both, one BadValue from the server left a connection spinning forever on its next request.
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
        conn = Display(name)
    except (DisplayError, ConnectionClosedError, OSError) as exc:  # closed: e.g. a server resetting
        raise error(f"cannot open the X display {name or '$DISPLAY'}: {exc}") from exc
    mend_error_table(conn)
    return conn


def mend_error_table(conn: Any) -> None:
    """Put the core protocol's error classes back into the connection's error table.

    python-xlib 0.33's RANDR module registers its three errors at the raw codes 0-2 instead of after the
    extension's first error, so the core BadRequest (1) and BadValue (2) are built as RANDR error classes
    that lack ``sequence_number``. Parsing one then raises AttributeError inside the library's receive loop,
    which leaves the connection marked as being read by nobody: its next request spins at full CPU for
    ever (python-xlib issue 259). Seen as a test hanging 300 s in ``wait_for_window`` while Chromium
    retitled its window (a property that shrank between the two reads of ``get_full_property``).
    """
    from Xlib import error as xerror

    conn.display.error_classes.update(xerror.xerror_class)


# One request reads this much of a property (in 32-bit units): titles, window lists and resource strings
# fit, so a property is read whole, at offset 0, by one atomic request.
_PROPERTY_CHUNK = 1 << 14


def read_property(window: Any, atom: int, prop_type: int = 0) -> Any:
    """The property's reply (``.value``, ``.format``, ``.property_type``), or None when it is unset or not
    of ``prop_type`` (0: any type).

    Always from offset 0, whole, in one request (again, longer, if it grew meanwhile): python-xlib's
    ``get_full_property`` reads the first 40 bytes and then the rest at an offset, which the server refuses
    (BadValue) when the property shrank in between (a window retitled) or has another type than asked (the
    first reply then holds no data, only the length)."""
    length = _PROPERTY_CHUNK
    while True:
        reply = window.get_property(atom, prop_type, 0, length)
        if reply is None or (prop_type and reply.property_type != prop_type):
            return None
        if not reply.bytes_after:
            return reply
        length = (len(reply.value) * reply.format // 8 + reply.bytes_after) // 4 + 1


def close_quietly(conn: Any) -> None:
    """Close a connection whose server may already be gone (nothing is left to release then)."""
    from Xlib.error import ConnectionClosedError

    with contextlib.suppress(ConnectionClosedError, OSError):
        conn.close()


def window_id(window: Any) -> int:
    """python-xlib hands back window ids as Window objects or plain ints (X.NONE, PointerRoot)."""
    return window if isinstance(window, int) else int(window.id)
