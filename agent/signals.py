"""SIGINT, SIGTERM and SIGHUP end a run, a replay or a recording cleanly instead of killing it.

``with StopSignals(event):`` installs handlers (main thread only) that set the shared
:class:`~actions.stopping.StopEvent` with the signal as its cause; the loop ends at its next check,
lets go of held input and closes the run directory with the reason, and the command line turns the
cause into the exit status (130, 143, 129). SIGINT is handled even when the process inherited it as
ignored (a script started with ``&``, or under ``nohup``): a person's Ctrl+C or a supervisor's
``kill -INT`` must still reach a clean stop. A planner that is thinking when the signal arrives is
interrupted on the spot (``StopRequested``), since nothing on the desktop is half done then. A
second signal of the same kind while the first is being handled is a ``KeyboardInterrupt``: the
way out when something does not stop.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any

from actions.errors import StopRequested
from actions.stopping import StopCause, StopEvent

EXIT_STATUS = {StopCause.HOTKEY: 130, StopCause.SIGINT: 130, StopCause.SIGTERM: 143, StopCause.SIGHUP: 129}
_REASONS = {
    StopCause.SIGINT: "interrupted by the user (Ctrl+C / SIGINT)",
    StopCause.SIGTERM: "terminated (SIGTERM)",
    StopCause.SIGHUP: "the terminal went away (SIGHUP)",
}


def _signals() -> dict[int, StopCause]:
    found: dict[int, StopCause] = {signal.SIGINT: StopCause.SIGINT, signal.SIGTERM: StopCause.SIGTERM}
    if hasattr(signal, "SIGHUP"):  # not on Windows
        found[signal.SIGHUP] = StopCause.SIGHUP
    return found


class StopSignals:
    """Routes the stop signals to ``event`` while in its ``with`` block; restores the old handlers."""

    def __init__(self, event: StopEvent) -> None:
        self.event = event
        self._previous: dict[int, Any] = {}
        self._seen: set[int] = set()

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in _signals():
                self._previous[signum] = signal.getsignal(signum)
                signal.signal(signum, self._handle)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if signum in self._seen:
            raise KeyboardInterrupt  # asked twice: stop waiting for a clean stop
        self._seen.add(signum)
        cause = _signals()[signum]
        self.event.stop(_REASONS[cause], cause)
        if self.event.in_interruptible:
            raise StopRequested(self.event.reason or "stopped")


def exit_status(event: StopEvent) -> int | None:
    """The exit status a stopped command ends with, or None when nothing stopped it."""
    return EXIT_STATUS[event.cause] if event.is_set() and event.cause is not None else None
