"""The STOP button: a global hotkey (default Ctrl+Alt+Shift+Q) that ends a run or a replay.

``with StopHotkey() as hotkey: Agent(..., stop=hotkey.event)``. When anyone presses the combo (a
person, or ``xdotool``), ``hotkey.event`` is set with ``event.reason`` = "stopped by the stop hotkey
(ctrl+alt+shift+q)"; the loop ends at its next check (settles and ``wait`` actions are cut short by
the event) and lets go of any button or key the executor holds.

How: one XRecord context of KeyPress device events only, read as raw bytes on a daemon thread
(:class:`KeyPressWatcher`): the modifier state first, then the keycode against the key's keycodes
on the current keymap (refreshed on MappingNotify). Why not the alternatives:

* pynput's ``GlobalHotKeys`` (XRecord underneath) opens ``$DISPLAY`` at import and cannot listen on
  another display. Here ``display=`` works, and a missing RECORD extension is a DesktopError at
  start, never a run that silently has no stop button.
* actions.x11.input_capture's ``X11InputCapture`` (the recorder's reader) records releases, buttons and
  property requests too and translates every key: Python work per event that competes with a
  typing agent for the GIL. Typing 8000 characters (16 000 key events, 2-core machine) it cost
  0.6 s of extra CPU and heard the combo 380-560 ms late, behind its backlog; this: 0.03 s and 1 ms.
* XRecord sees device events before any client: a grab by the window manager or an application
  does not hide the combo from us (and we take it away from nobody).

The agent's own input is not told apart: during a long ``type`` the acting flag is up for the whole
action, so a person's press then would look like the agent's. The agent never presses the combo by
itself (a plan whose ``key`` action pressed it would stop itself). Matching: the key pressed with at
least the combo's modifiers held (extra modifiers, Num Lock or Caps Lock do not prevent a stop).
Combos are written as for the recorder: ``<ctrl>+<alt>+<shift>+q`` (pynput) or ``ctrl+alt+shift+q``.

A model call can take many seconds and the loop looks at the event only between calls. With
``interrupt_planning_after_s`` (the command line: 0.1 s), a main thread still inside
``planner.plan`` that long after the press gets :class:`StopRequested` raised there, by a signal
(which also wakes a blocking socket read). Nothing else is interrupted: no half-performed action,
no half-written record.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType, TracebackType
from typing import Any

from actions.errors import DeskpilotError, DesktopError, StopRequested
from actions.hotkeys import DEFAULT_HOTKEYS, combo_label, parse_hotkey
from actions.stopping import StopEvent
from actions.x11.key_watcher import KeyPressWatcher
from actions.x11.keysyms import NAMED_KEYS

DISABLED = ("none", "off", "")  # what --stop-hotkey accepts to run without one

_INTERRUPT_PLANNING_AFTER_S = 0.1  # a plan has no effect on the desktop: stop waiting for it soon

Callback = Callable[[str], None]


def stop_hotkey_from_flag(value: str | None) -> StopHotkey | None:
    """The ``--stop-hotkey`` flag, parsed (UserInputError) but not yet listening; None when disabled.
    A planner still thinking 0.1 s after the press is interrupted (see the module doc)."""
    if value is None or value.strip().lower() in DISABLED:
        return None
    return StopHotkey(value, interrupt_planning_after_s=_INTERRUPT_PLANNING_AFTER_S)


def parse_stop_hotkey(spec: str) -> tuple[frozenset[str], str]:
    """``"<ctrl>+<alt>+<shift>+q"`` or ``"ctrl+alt+shift+q"`` -> ({ctrl, alt, shift}, "q"), with the
    strict rules (:func:`actions.hotkeys.parse_hotkey`): a key the watcher can hear, and never one that
    would fire while text is typed. UserInputError names what is wrong."""
    return parse_hotkey(spec, listenable=NAMED_KEYS)


class StopHotkey:
    """Listens for the stop combo on a background thread while in its ``with`` block.

    ``event`` is set (and every callback called with the reason, on the listening thread: keep them
    short) the first time the combo is pressed. Constructing parses the combo (UserInputError) and
    touches no display; :meth:`start` opens the X connections and returns once the server records
    (DesktopError when it cannot); :meth:`close` stops the thread and closes them.
    """

    def __init__(
        self,
        combo: str = DEFAULT_HOTKEYS["stop"],
        display: str | None = None,
        *,
        on_stop: Callback | Iterable[Callback] | None = None,
        event: StopEvent | None = None,
        interrupt_planning_after_s: float | None = None,
    ) -> None:
        self.mods, self.key = parse_stop_hotkey(combo)
        self.combo = combo_label(self.mods, self.key)
        self.reason = f"stopped by the stop hotkey ({self.combo})"
        self.display = display
        self.event = event if event is not None else StopEvent()
        self.callbacks: list[Callback] = [on_stop] if callable(on_stop) else list(on_stop or ())
        self.callback_errors: list[str] = []
        self._interrupt_after_s = interrupt_planning_after_s
        self._watcher: KeyPressWatcher | None = None
        self._interrupter: _PlanningInterrupter | None = None

    @property
    def pressed(self) -> bool:
        return self.event.is_set()

    @property
    def listening(self) -> bool:
        """True while the listening thread runs (False after :meth:`close`, or if the X connection broke)."""
        return self._watcher is not None and self._watcher.alive

    def start(self) -> StopHotkey:
        if self._watcher is not None:
            return self
        try:
            watcher = KeyPressWatcher(self.display, self.mods, self.key, self._on_match)
        except DeskpilotError as exc:  # no display, no RECORD extension, a modifier the keymap lacks
            raise self._cannot_listen(str(exc)) from exc
        if self._interrupt_after_s is not None:  # ready before the first press can arrive
            self._interrupter = _PlanningInterrupter.install(self._interrupt_after_s, self.event)
        self._watcher = watcher
        try:
            watcher.start()
        except BaseException as exc:
            self.close()
            if isinstance(exc, Exception):
                raise self._cannot_listen(str(exc) if isinstance(exc, DeskpilotError) else repr(exc)) from exc
            raise  # Ctrl+C while starting: no thread or connection outlives us
        return self

    def _cannot_listen(self, why: str) -> DesktopError:
        return DesktopError(
            f"the stop hotkey ({self.combo}) cannot listen: {why}; --stop-hotkey none runs without a stop key"
        )

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        if self._interrupter is not None:
            self._interrupter.uninstall()
            self._interrupter = None

    def __enter__(self) -> StopHotkey:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _on_match(self) -> None:
        """On the listening thread: the combo was pressed."""
        if self.event.is_set():
            return
        self.event.stop(self.reason)
        if self._interrupter is not None:
            self._interrupter.arm()
        for callback in self.callbacks:
            try:
                callback(self.reason)
            except Exception as exc:  # noqa: BLE001 - a callback's bug must not cost the stop
                self.callback_errors.append(f"{type(exc).__name__}: {exc}")


class _PlanningInterrupter:
    """After the stop, raise :class:`StopRequested` in the main thread *if* it is inside the stretch
    the loop marked with ``StopEvent.interruptible()`` (a planner thinking).

    A real signal (not ``_thread.interrupt_main``) so that a blocking read is woken (EINTR). The
    handler runs in the main thread: outside the marked stretch (acting, settling, writing the record)
    it does nothing, and the loop sees the event at its next check as usual.
    """

    _SIGNAL: int | None = getattr(signal, "SIGUSR1", None)  # POSIX only; elsewhere no interrupting

    def __init__(self, delay_s: float, event: StopEvent, previous: Any) -> None:
        self.delay_s, self.event, self.previous = delay_s, event, previous
        self._timer: threading.Timer | None = None
        self._main_ident = threading.main_thread().ident

    @classmethod
    def install(cls, delay_s: float, event: StopEvent) -> _PlanningInterrupter | None:
        if cls._SIGNAL is None or threading.current_thread() is not threading.main_thread():
            return None  # signal handlers can only be set from the main thread
        interrupter = cls(delay_s, event, signal.getsignal(cls._SIGNAL))
        signal.signal(cls._SIGNAL, interrupter._handle)
        return interrupter

    def arm(self) -> None:
        self._timer = threading.Timer(self.delay_s, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        if self._main_ident is not None and self._SIGNAL is not None:
            with contextlib.suppress(ProcessLookupError, OSError):
                signal.pthread_kill(self._main_ident, self._SIGNAL)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.event.is_set() and self.event.in_interruptible:
            raise StopRequested(self.event.reason or "stopped")
        # Someone else's SIGUSR1, or a stop outside the marked stretch: the loop sees the event itself.

    def uninstall(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._SIGNAL is not None and threading.current_thread() is threading.main_thread():
            signal.signal(self._SIGNAL, self.previous if self.previous is not None else signal.SIG_DFL)
