"""The real executor: pyautogui for pointer and keys, XTEST/clipboard for exact text on X11.

pyautogui is imported when the executor is built, not at module import: on Linux importing it
opens the X display, and nothing about validating a plan should need one.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from actions.coords import ScreenBounds
from actions.errors import ActionError, PointOffScreen, TextNotDelivered
from actions.models import Action, Click, Done, Drag, Key, Move, Scroll, Type, Wait
from actions.secrets import reveal, secret_names

# Intermediate pointer positions in a drag: apps with a drag threshold (file managers, toolkits'
# drag-and-drop) need motion between press and release, not one jump.
_DRAG_STEPS = 8
# Between the presses of a double or triple click. Sent back to back (pyautogui's interval 0), a press now
# and then never reached the app: Tk logged the first press and its release and no second one (5 of 120
# presses, openbox managing the window), so a double click was a single one and its step rightly failed.
# With 10 ms between them 0 of 120 were lost (and with 2 ms 0 of 80 double clicks missed). People's
# presses come 80-200 ms apart and toolkits take up to 400-500 ms as one double click (GTK and Qt 400,
# Tk 500): 10 ms is a sure double click, and no wait.
_CLICK_GAP_S = 0.01


class PyAutoGuiExecutor:
    """Performs actions with pyautogui. ``PAUSE`` is 0 (we wait for the screen instead); the
    failsafe corner stays on: slamming the mouse into a corner aborts the run."""

    def __init__(
        self,
        display: str | None = None,
        paste_keys: tuple[str, ...] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        """``paste_keys``: the chord every paste presses (``("shift", "insert")``, from ``--paste-key``);
        None: the focused window's class decides (``actions.x11.paste_keys``: xterm, VTE, Qt terminals)."""
        try:
            import pyautogui
        except Exception as exc:  # noqa: BLE001 - Xlib raises several kinds when there is no display
            raise ActionError(f"cannot start pyautogui: {exc}") from exc
        pyautogui.PAUSE = 0
        pyautogui.FAILSAFE = True
        x11_backend = sys.modules.get("pyautogui._pyautogui_x11")
        if x11_backend is not None:  # its own connection, opened at its import: one BadValue must not hang it
            from actions.x11.display import mend_error_table

            mend_error_table(x11_backend._display)
        self._gui: Any = pyautogui
        self._stop = stop  # the stop hotkey's event: cuts a wait short
        # The X11 typer holds three connections (keyboard, clipboard, focus): made on the first text or
        # key, so a run of clicks and moves never opens them (each is ~8 ms of a one-action run's start).
        self._typer_made: Any = None
        self._typer_for: tuple[str | None, tuple[str, ...] | None] | None = None
        if sys.platform.startswith("linux"):
            self._typer_for = (display, paste_keys)
        # Recorders ignore input made while this flag is up (see actions.x11.acting_flag).
        self._acting: Any = None
        if sys.platform.startswith("linux"):
            from actions.x11.acting_flag import ActingFlag

            self._acting = ActingFlag(display)
        self.last_text_strategy: list[tuple[str, str]] = []
        # The clipboard requests of the last type's last paste (actions.x11.clipboard.PasteRequest),
        # for the run record: what the target asked, when, and which fetch counted as the paste.
        self.last_paste_requests: list[Any] = []
        self.last_paste_chord: str | None = None  # e.g. "shift+insert: how XTerm pastes (PRIMARY)"
        # What we hold down right now, so release_all() lets go of exactly that and nothing else
        # (a stray button-up can itself trigger an app's click handler).
        self._held_buttons: set[str] = set()
        self._held_keys: list[str] = []
        # Every pointer point is checked against the live monitors first: X clamps an off-screen point
        # to the edge (a click "lands" somewhere else) or Xlib fails on it ("short format requires ...").
        self._bounds: Callable[[], ScreenBounds] = _mss_bounds
        if sys.platform.startswith("linux"):
            from actions.x11.monitors import MonitorReader

            self._bounds = MonitorReader(display).bounds

    @property
    def _typer(self) -> Any:
        """The X11 text typer (``actions.x11.text_input``), or None where there is no X11."""
        if self._typer_made is None and self._typer_for is not None:
            from actions.x11.text_input import TextTyper

            display, paste_keys = self._typer_for
            self._typer_made = TextTyper(display_name=display, paste_keys=paste_keys)
        return self._typer_made

    def hover(self, x: int, y: int) -> None:
        """The pointer to (x, y), nothing pressed: the loop's step before a pointer action there."""
        self.perform(Move(x=x, y=y))

    def perform(self, action: Action) -> None:
        if getattr(action, "target", None) is not None or getattr(action, "to_target", None) is not None:
            # Never act at a default point: a target is found by a planner (planners.targeting) first.
            raise ActionError(f"{action.kind}: its target was not resolved to a point (plan it with TargetingPlanner)")
        if (point := getattr(action, "point", None)) is not None:
            self._check_on_screen(action, (point, getattr(action, "to_point", None)))
        try:
            if self._acting is None or isinstance(action, (Wait, Done)):
                self._dispatch(action)  # a wait must not hide the person's own input from a recorder
            else:
                with self._acting:
                    self._dispatch(action)
        except self._gui.FailSafeException as exc:
            self.release_all()
            raise ActionError(
                "pyautogui failsafe: the mouse is in a screen corner (move it away to let the agent act)"
            ) from exc
        except ActionError:
            raise
        except Exception as exc:  # noqa: BLE001 - anything the OS throws becomes one clear line
            raise ActionError(f"{action.kind} failed: {type(exc).__name__}: {exc}") from exc

    def _check_on_screen(self, action: Action, points: tuple[tuple[int, int] | None, ...]) -> None:
        bounds = self._bounds()
        if (off := bounds.outside(points)) is not None:
            raise PointOffScreen(
                f"{action.describe()}: {bounds.off_screen(off)}; nothing was done", off, bounds.describe()
            )

    def _dispatch(self, action: Action) -> None:
        gui = self._gui
        if isinstance(action, Click):
            for press in range(action.count):
                if press:
                    time.sleep(_CLICK_GAP_S)  # pyautogui's interval also sleeps after the last click
                gui.click(action.x, action.y, button=action.button)
        elif isinstance(action, Move):
            gui.moveTo(action.x, action.y)
        elif isinstance(action, Drag):
            self._drag(action)
        elif isinstance(action, Scroll):
            gui.moveTo(action.x, action.y)
            if action.dy:
                gui.scroll(action.dy, x=action.x, y=action.y)
            if action.dx:
                gui.hscroll(action.dx, x=action.x, y=action.y)
        elif isinstance(action, Type):
            self._type(action.text)
        elif isinstance(action, Key):
            self._chord(action.keys)
        elif isinstance(action, Wait):
            # The user asked for this pause (it is not a settle); the stop hotkey still ends it.
            if self._stop is not None:
                self._stop.wait(action.seconds)
            else:
                time.sleep(action.seconds)
        elif isinstance(action, Done):
            return
        else:  # pragma: no cover - the union is closed
            raise ActionError(f"unsupported action {action!r}")

    def _drag(self, action: Drag) -> None:
        gui = self._gui
        assert action.point is not None and action.to_point is not None  # perform() refused unresolved targets
        (x0, y0), (x1, y1) = action.point, action.to_point
        gui.moveTo(x0, y0)
        gui.mouseDown(button=action.button)
        self._held_buttons.add(action.button)
        try:
            for step in range(1, _DRAG_STEPS + 1):
                x = x0 + (x1 - x0) * step / _DRAG_STEPS
                y = y0 + (y1 - y0) * step / _DRAG_STEPS
                gui.moveTo(round(x), round(y))
        finally:
            gui.mouseUp(button=action.button)
            self._held_buttons.discard(action.button)

    def _chord(self, keys: tuple[str, ...]) -> None:
        gui = self._gui
        try:
            for key in keys:
                gui.keyDown(key)
                self._held_keys.append(key)
        finally:
            while self._held_keys:
                gui.keyUp(self._held_keys.pop())

    def _type(self, text: str) -> None:
        """Type ``text`` exactly, or raise: a paste the focused window did not fetch raises
        ``actions.errors.TextNotDelivered`` (an ActionError) saying what went in before it
        and what the window asked instead; the text did not arrive, so the step fails (never passes)."""
        self.last_text_strategy, self.last_paste_requests, self.last_paste_chord = [], [], None
        # Before anything is sent (and before a secret is revealed): keys with nowhere to go are lost,
        # and the step would be judged on a screen the keys never reached.
        focus = self._typer.require_focus() if self._typer is not None else None
        if secret_names(text):
            try:
                revealed = reveal(text)
            except KeyError as missing:
                raise ActionError(f"secret {missing.args[0]} is not set in the environment") from None
            try:
                self._type_plain(revealed, focus)
            except ActionError as exc:
                # The message names the text that did not go in: it would show the value.
                names = ", ".join(secret_names(text))
                message = f"typing the secret {names} failed ({type(exc).__name__}); details withheld"
                if isinstance(exc, TextNotDelivered):  # without ``typed``: the pieces that went in are the value
                    raise TextNotDelivered(message, text, exc.requests, erased=exc.erased) from None
                raise ActionError(message) from None
            # What went in how would show the value: the record gets the reference only.
            self.last_text_strategy = [("secret", text)]
            return
        self._type_plain(text, focus)

    def _type_plain(self, text: str, focus: Any) -> None:
        if self._typer is not None:
            try:
                self.last_text_strategy = self._typer.type_text(text, focus=focus)
            finally:
                self.last_paste_requests = list(self._typer.paster.trace)
                paste = self._typer.last_paste
                self.last_paste_chord = paste.why if paste is not None else None
            return
        if not text.isascii():
            raise ActionError("typing non-ASCII text is only supported on X11 so far")
        self._gui.write(text, interval=0.0)
        self.last_text_strategy = [("pyautogui", text)]

    def release_all(self) -> None:
        if self._acting is None:
            self._release()
            return
        with self._acting:
            self._release()

    def _release(self) -> None:
        gui = self._gui
        for button in sorted(self._held_buttons):
            gui.mouseUp(button=button)
        self._held_buttons.clear()
        while self._held_keys:
            gui.keyUp(self._held_keys.pop())


def _mss_bounds() -> ScreenBounds:
    """The monitors where there is no X11 reader (a fresh mss list: slower, but live)."""
    import mss

    with mss.MSS() as grabber:
        return ScreenBounds.from_mss([dict(m) for m in grabber.monitors])
