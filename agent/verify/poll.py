"""Polling until something holds: every wait of a judgement goes through here, and obeys the stop."""

from __future__ import annotations

import threading
import time

from actions.frame import Frame, Screen
from actions.stopping import pause

POLL_S = 0.02  # between looks at the desktop while an expectation is not yet met


def out_of_time(deadline: float, cancel: threading.Event | None) -> bool:
    return time.monotonic() >= deadline or (cancel is not None and cancel.is_set())


def next_different(screen: Screen, frame: Frame, deadline: float, cancel: threading.Event | None) -> Frame:
    """The next capture that differs from ``frame`` (reading the same pixels again would say the same),
    or the latest one when the deadline or the stop comes first."""
    while not out_of_time(deadline, cancel):
        if pause(POLL_S, cancel):
            break
        latest = screen.capture()
        if not latest.same_pixels(frame):
            return latest
    return screen.capture()
