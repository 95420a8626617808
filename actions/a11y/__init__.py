"""The accessibility room: what apps say about their widgets (AT-SPI2 over D-Bus), read-only.

Only this room talks to the accessibility bus (an import-linter contract keeps dbus-fast here), like
``actions.x11`` for Xlib. AT-SPI is not X11-only: the same bus serves Wayland sessions.

    reader = AtspiReader()                        # finds the bus (AT_SPI_BUS_ADDRESS, or the session's)
    snap = reader.snapshot()                      # the active window's tree; window=REGEX or app=NAME
    [i] = snap.find(role="button", name="OK")     # visible elements by role (or alias) and name
    snap.visible_box(i).centre                    # where to click it
    reader.states(snap.elements[i].ref)           # its states now (enabled, focused, checked, ...)
    reader.text(ref), reader.value(ref)           # what a field holds, now
    reader.caret_text(ref, before=20)             # ... the 20 characters up to its caret
    FrameTrees(reader).snapshot(frame)            # the same, read once per distinct screen
"""

from actions.a11y.bus import A11yUnavailable
from actions.a11y.cache import FrameTrees
from actions.a11y.elements import Box, Element, ElementRef, Snapshot, name_match, name_matches
from actions.a11y.field_text import FieldText
from actions.a11y.reader import AtspiReader, Limits, TopLevel
from actions.a11y.roles import ROLE_ALIASES, known_role, roles_for

__all__ = [
    "A11yUnavailable", "AtspiReader", "Box", "Element", "ElementRef", "FieldText", "FrameTrees", "Limits",
    "ROLE_ALIASES", "Snapshot", "TopLevel", "known_role", "name_match", "name_matches", "roles_for",
]  # fmt: skip
