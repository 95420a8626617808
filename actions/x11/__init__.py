"""Everything X11-specific, behind the small seams the rest of the code uses.

One display-opening helper, one keysym table, one XRecord listener base (the input recorder and the
stop-key watcher), the XTEST keyboard, the owned clipboard, the acting flag and the EWMH window
queries. A Windows, macOS or Wayland backend would be one more folder beside this one.

:func:`require_x11` is what a feature calls before it touches X, so that elsewhere the user reads
which feature needs X11 instead of an ImportError from python-xlib.
"""

from __future__ import annotations

import importlib.util
import sys

from actions.errors import DesktopError


def require_x11(feature: str) -> None:
    """Raise DesktopError("FEATURE needs an X11 desktop (Linux); why not here") unless X11 can be used."""
    if not sys.platform.startswith("linux"):
        why = f"this is {sys.platform}"
    elif importlib.util.find_spec("Xlib") is None:
        why = "python-xlib is not installed (pip install python-xlib)"
    else:
        return
    raise DesktopError(f"{feature} needs an X11 desktop (Linux); {why}")
