"""One desktop session that every command shares: the stop event, the screen, the executor, exit codes.

``run``, ``replay`` and ``record`` all need the same skeleton: refuse bad input before touching
the desktop, then (in this order) route SIGINT/SIGTERM/SIGHUP and the stop hotkey to one
:class:`StopEvent`, open the screen and the executor, do the work, and on the way out release held
input, close everything, and turn the typed outcome into the exit status. Written once here, so
the commands cannot drift apart (they did: one matched "interrupted" in a message to pick 130).
"""

from __future__ import annotations

import contextlib
import sys
from types import TracebackType
from typing import TYPE_CHECKING

from actions.stopping import StopEvent
from agent.signals import StopSignals, exit_status

if TYPE_CHECKING:
    from actions.executor import Executor
    from actions.x11.windows import WindowReader
    from agent.outcome import RunResult
    from agent.screen import MssScreen
    from agent.stop import StopHotkey

EXIT_OK = 0
EXIT_RUN_FAILED = 1
EXIT_USAGE = 2


class DesktopSession:
    """``with DesktopSession(hotkey, monitor=0) as session:`` then ``session.screen``,
    ``session.executor`` (opened on first use: ``record`` needs neither) and ``session.stop``."""

    def __init__(
        self,
        hotkey: StopHotkey | None,
        *,
        monitor: int = 0,
        dry_run: bool = False,
        quiet: bool = False,
        paste_keys: tuple[str, ...] | None = None,
    ) -> None:
        self.hotkey, self.paste_keys = hotkey, paste_keys  # paste_keys: --paste-key; None: by window class
        self.stop: StopEvent = hotkey.event if hotkey is not None else StopEvent()
        self.monitor, self.dry_run, self.quiet = monitor, dry_run, quiet
        self._signals = StopSignals(self.stop)
        self._screen: MssScreen | None = None
        self._executor: Executor | None = None
        self._windows: WindowReader | None = None

    def __enter__(self) -> DesktopSession:
        self._signals.__enter__()  # first: a Ctrl+C while starting up is a clean stop too
        try:
            if self.hotkey is not None:
                self.hotkey.start()  # about 30 ms; a DesktopError when it cannot listen
                self.say(f"press {self.hotkey.combo} to stop")
        except BaseException:
            self._signals.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._executor is not None and self.stop.is_set():
                with contextlib.suppress(Exception):  # best effort: the display may be gone
                    self._executor.release_all()
            if self._screen is not None:
                self._screen.close()
            if self._windows is not None:
                self._windows.close()
            if self.hotkey is not None:
                self.hotkey.close()
        finally:
            self._signals.__exit__(exc_type, exc, tb)

    @property
    def screen(self) -> MssScreen:
        if self._screen is None:
            from agent.screen import MssScreen

            self._screen = MssScreen(monitor=self.monitor)
        return self._screen

    @property
    def windows(self) -> WindowReader | None:
        """The desktop's windows, so an action's change is judged in its own window; None off X11."""
        if self._windows is None and sys.platform.startswith("linux"):
            from actions.x11.windows import WindowReader

            self._windows = WindowReader()
        return self._windows

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            self._executor = self._make_executor()
        return self._executor

    def _make_executor(self) -> Executor:
        if self.dry_run:
            from actions.executor import RecordingExecutor

            return RecordingExecutor()  # plans, settles and records; performs nothing
        from actions.pyautogui_executor import PyAutoGuiExecutor

        return PyAutoGuiExecutor(stop=self.stop, paste_keys=self.paste_keys)

    def say(self, line: str) -> None:
        """A status line on stderr, unless --quiet."""
        if not self.quiet:
            print(f"deskpilot: {line}", file=sys.stderr, flush=True)

    def fail(self, line: str) -> None:
        """The one line that says why a command failed: printed even with --quiet."""
        print(f"deskpilot: {line}", file=sys.stderr, flush=True)

    def say_outcome(self, result: RunResult, what: str, passed: str = "succeeded") -> None:
        """The run's last line: succeeded (with the model's answer), or failed and why; and the windows
        it left open (an "overwrite?" dialog a "saved" run left behind is visible at a glance)."""
        answer = f" (answer: {result.answer})" if result.answer else ""
        left = f"; left open: {', '.join(repr(t) for t in result.left_open)}" if result.left_open else ""
        if result.success:
            self.say(f"{what} {passed}{answer}{left}")
        else:
            self.fail(f"{what} failed: {result.reason}{left}")

    def exit_status(self, success: bool) -> int:
        """0 on success; 130/143/129 when the stop hotkey or a signal ended it; otherwise 1."""
        if success:
            return EXIT_OK
        stopped = exit_status(self.stop)
        return stopped if stopped is not None else EXIT_RUN_FAILED
