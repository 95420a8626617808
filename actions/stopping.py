"""Stopping a run from outside: one event that says why, and what it may interrupt.

The stop hotkey and the signal handlers (SIGINT, SIGTERM, SIGHUP) set it. The loop looks at it
between steps; settles and ``wait`` actions are cut short by it. The only work that may be abandoned
midway is a planner thinking (a model call of many seconds): the loop marks that stretch with
:meth:`StopEvent.interruptible`, and a stop that arrives inside it raises ``StopRequested`` there.
Nothing else is interrupted: no half-performed action, no half-written record.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum


class StopCause(str, Enum):
    """Who stopped the run; the command line turns it into the exit status (130, 143, 129)."""

    HOTKEY = "hotkey"
    SIGINT = "SIGINT"
    SIGTERM = "SIGTERM"
    SIGHUP = "SIGHUP"


class StopEvent(threading.Event):
    """A ``threading.Event`` that says why it was set (``reason``, ``cause``) and whether the main
    thread is inside an interruptible stretch right now."""

    def __init__(self) -> None:
        super().__init__()
        self.reason: str | None = None
        self.cause: StopCause | None = None
        self.set_monotonic_s: float | None = None  # when it was set, for latency measurements
        self._interruptible_depth = 0

    def stop(self, reason: str, cause: StopCause = StopCause.HOTKEY) -> None:
        """Set the event; the first stop's reason wins (a SIGTERM after the hotkey changes nothing)."""
        if not self.is_set():
            # The reason first: a reader that sees the event set sees why.
            self.reason, self.cause, self.set_monotonic_s = reason, cause, time.monotonic()
        self.set()

    @contextmanager
    def interruptible(self) -> Iterator[None]:
        """Mark work the stop may abandon (a planner thinking). Used from the main thread only."""
        self._interruptible_depth += 1
        try:
            yield
        finally:
            self._interruptible_depth -= 1

    @property
    def in_interruptible(self) -> bool:
        return self._interruptible_depth > 0


def pause(seconds: float, cancel: threading.Event | None = None) -> bool:
    """Wait one poll; True when ``cancel`` (the stop hotkey, a signal) cut it short. Every wait that
    polls the screen or the desktop waits through here, so each of them is interruptible."""
    if cancel is not None:
        return cancel.wait(max(0.0, seconds))
    time.sleep(max(0.0, seconds))
    return False
