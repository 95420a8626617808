"""Turning a stream of presses and releases into the steps a person meant.

Pure logic, no display: :class:`StepBuilder` is fed :class:`~actions.x11.input_capture.InputEvent` s and
keeps :class:`RawStep` s. The pixels and the window under a pointer step come from a
:class:`Snapshotter`, taken at press time (before a drag moves anything, before a double click's
second press), so tests can feed events with a fake one.

Merging rules (what a reviewer of the scenario would expect):

* press + release within ``drag_px`` of each other: a click; further apart: a drag.
* a click of the same button within ``double_click_ms`` and ``double_click_px`` of the previous one
  raises its ``count`` (2, 3) instead of adding a step.
* wheel notches at one place (within ``scroll_px``) with nothing in between: one scroll step whose
  ``dy``/``dx`` count notches (``dy > 0`` up, ``dx > 0`` right, as in the action JSON).
* characters typed with no modifier but Shift (or AltGr) join one ``type`` step until any other
  key, click or scroll; Backspace takes back the last pending character (a ``key`` step when none).
* Enter and Tab end the text and become ``key`` steps: in forms they submit and move focus, and as
  steps they are visible in review and can carry checks. Replaying ``type "a"`` + ``key enter``
  presses the same keys as ``type "a\\n"`` would.
* modifier keys on their own are not steps; with another key they make a chord (``ctrl+s``).
* events the agent generated (``synthetic``) are dropped, and so is the rest of a gesture whose
  press or release fell in an agent's action.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from actions.hotkeys import CHORD_MODIFIERS
from actions.keys import normalize_key
from actions.x11.input_capture import InputEvent

_WHEEL = {4: (0, 1), 5: (0, -1), 6: (-1, 0), 7: (1, 0)}  # X button -> (dx, dy) per notch
_BUTTONS = {1: "left", 2: "middle", 3: "right"}
_MAX_NOTCHES = 100  # the action model's limit for dy/dx


@dataclass
class PointerCapture:
    """Where a pointer step happened and what it looked like; ``label`` is filled in after recording."""

    screen_point: tuple[int, int]
    window_title: str | None = None
    window_point: tuple[int, int] | None = None
    window_size: tuple[int, int] | None = None
    template: Any = None  # the crop around the point (and the point in it), being made; a PNG later
    label_crop: Any = None  # larger grayscale crop for OCR after recording
    label_point: tuple[int, int] | None = None
    label: str | None = None
    label_relation: str | None = None  # "on" the target, its form label on the same "row", or "near" it
    label_offset: tuple[int, int] | None = None  # the target from its row label's centre (replay's OCR rung)
    # What the accessibility tree says is under the point (an Identity, or a job whose ``result()`` is one
    # or None, read off the capture thread); None where the app has no tree.
    identity: Any = None


@dataclass
class RawStep:
    action: dict[str, Any]  # action JSON without coordinates
    target: PointerCapture | None = None
    to_target: PointerCapture | None = None
    monotonic_s: float = field(default_factory=time.monotonic)
    expect: str | None = None  # "none" when the step changed nothing where it acted while it was recorded


class Snapshotter(Protocol):
    def snapshot(self, at: tuple[int, int] | None = None) -> Any:
        """The screen (and windows) now; held only until the gesture's release. ``at``: the point pressed,
        whose window's accessibility tree is read now (off the capture thread), before the press has effect."""

    def anchor(self, snapshot: Any, x: int, y: int) -> PointerCapture:
        """What to remember about the point ``(x, y)`` of a snapshot."""


@dataclass
class _Press:
    button: int
    x: int
    y: int
    time_ms: int
    snapshot: Any
    merge_into: RawStep | None  # the pending click this press may raise to a double click


class StepBuilder:
    def __init__(
        self,
        snapshotter: Snapshotter,
        stop_hotkey: tuple[frozenset[str], str] | None = None,
        *,
        drag_px: int = 5,
        double_click_ms: int = 400,
        double_click_px: int = 4,
        scroll_px: int = 8,
    ) -> None:
        self.snap = snapshotter
        self.stop_hotkey = stop_hotkey
        self.drag_px, self.double_click_ms, self.double_click_px = drag_px, double_click_ms, double_click_px
        self.scroll_px = scroll_px
        self.steps: list[RawStep] = []
        self.skipped: list[str] = []  # keys that no key action can press, for the report
        self._text = ""
        self._press: _Press | None = None
        self._ignored_buttons: set[int] = set()
        self._click: tuple[RawStep, int, int, int] | None = None  # pending click, x, y, press time
        self._scroll: tuple[RawStep, int, int] | None = None

    def feed(self, event: InputEvent) -> bool:
        """Take one event; True when it was the stop hotkey (which itself becomes no step)."""
        if event.synthetic:
            self._synthetic(event)
            return False
        if event.kind == "key_press":
            return self._key(event)
        if event.kind == "button_press":
            self._button_press(event)
        elif event.kind == "button_release":
            self._button_release(event)
        return False

    def finish(self) -> list[RawStep]:
        self._end_text()
        self._end_click()
        self._end_scroll()
        self._press = None
        return self.steps

    # ---- keys ---------------------------------------------------------------------------------------
    def _key(self, event: InputEvent) -> bool:
        chord_mods = frozenset(m for m in CHORD_MODIFIERS if m in event.modifiers)
        if self.stop_hotkey is not None and (chord_mods, event.key) == self.stop_hotkey:
            return True
        if not event.key or event.key in CHORD_MODIFIERS:
            return False  # a modifier on its own, or AltGr: only what it does to the next key counts
        self._end_click()
        self._end_scroll()
        if event.char and chord_mods <= {"shift"} and event.key not in ("enter", "tab"):
            self._text += event.char
            return False
        if event.key == "backspace" and not chord_mods and self._text:
            self._text = self._text[:-1]
            return False
        self._end_text()
        try:
            keys = [*(m for m in CHORD_MODIFIERS if m in chord_mods), normalize_key(event.key)]
        except ValueError:
            self.skipped.append(event.key)
            return False
        self.steps.append(RawStep({"kind": "key", "keys": keys}))
        return False

    def _end_text(self) -> None:
        if self._text:
            self.steps.append(RawStep({"kind": "type", "text": self._text}))
            self._text = ""

    # ---- pointer ------------------------------------------------------------------------------------
    def _synthetic(self, event: InputEvent) -> None:
        if event.kind == "button_press":
            self._ignored_buttons.add(event.button)
        elif event.kind == "button_release" and self._press is not None and self._press.button == event.button:
            self._press = None  # the human's gesture ended inside the agent's action: not trustworthy

    def _button_press(self, event: InputEvent) -> None:
        self._ignored_buttons.discard(event.button)
        if event.button in _WHEEL:
            self._wheel(event)
            return
        self._end_text()
        self._end_scroll()
        if event.button not in _BUTTONS or self._press is not None:
            return  # a second button during a gesture: the first gesture decides
        merge = None
        if self._click is not None:
            step, x, y, t = self._click
            close = max(abs(event.x - x), abs(event.y - y)) <= self.double_click_px
            if close and step.action["button"] == _BUTTONS[event.button] and step.action["count"] < 3:
                merge = step if event.time_ms - t <= self.double_click_ms else None
            if merge is None:
                self._end_click()
        snapshot = None if merge is not None else self.snap.snapshot(at=(event.x, event.y))
        self._press = _Press(event.button, event.x, event.y, event.time_ms, snapshot, merge)

    def _button_release(self, event: InputEvent) -> None:
        if event.button in _WHEEL or event.button in self._ignored_buttons:
            self._ignored_buttons.discard(event.button)
            return
        press, self._press = self._press, None
        if press is None or press.button != event.button:
            return
        button = _BUTTONS[press.button]
        if max(abs(event.x - press.x), abs(event.y - press.y)) > self.drag_px:
            snapshot = press.snapshot if press.snapshot is not None else self.snap.snapshot()
            self._end_click()
            start = self.snap.anchor(snapshot, press.x, press.y)
            end = self.snap.anchor(snapshot, event.x, event.y)  # the drop place as it looked before the drag
            self.steps.append(RawStep({"kind": "drag", "button": button}, start, end))
        elif press.merge_into is not None:
            press.merge_into.action["count"] += 1
            assert self._click is not None
            self._click = (press.merge_into, self._click[1], self._click[2], press.time_ms)
        else:
            target = self.snap.anchor(press.snapshot, press.x, press.y)
            step = RawStep({"kind": "click", "button": button, "count": 1}, target)
            self.steps.append(step)
            self._click = (step, press.x, press.y, press.time_ms)

    def _end_click(self) -> None:
        self._click = None  # the step is already in the list; only its count could still change

    def _wheel(self, event: InputEvent) -> None:
        self._end_text()
        self._end_click()
        dx, dy = _WHEEL[event.button]
        if self._scroll is not None:
            step, x, y = self._scroll
            action = step.action
            near = max(abs(event.x - x), abs(event.y - y)) <= self.scroll_px
            if near and abs(action["dx"] + dx) <= _MAX_NOTCHES and abs(action["dy"] + dy) <= _MAX_NOTCHES:
                action["dx"] += dx
                action["dy"] += dy
                return
            self._end_scroll()
        target = self.snap.anchor(self.snap.snapshot(), event.x, event.y)
        step = RawStep({"kind": "scroll", "dy": dy, "dx": dx}, target)
        self.steps.append(step)
        self._scroll = (step, event.x, event.y)

    def _end_scroll(self) -> None:
        if self._scroll is not None and self._scroll[0].action["dx"] == self._scroll[0].action["dy"] == 0:
            self.steps.remove(self._scroll[0])  # up and down again: nothing to replay
        self._scroll = None

    def drop_trailing_interrupt(self, within_s: float = 3.0) -> None:
        """Ctrl+C pressed in the recorder's terminal is also seen as a ``ctrl+c`` chord: drop it."""
        self._end_text()
        last = self.steps[-1] if self.steps else None
        recent = last is not None and time.monotonic() - last.monotonic_s <= within_s
        if last is not None and recent and last.action == {"kind": "key", "keys": ["ctrl", "c"]}:
            self.steps.pop()
