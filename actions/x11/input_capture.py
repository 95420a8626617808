"""The human's mouse and keyboard input on X11, from one XRecord stream, with the agent's own left out.

Why XRecord directly rather than pynput's listeners (which are XRecord underneath):

* pynput's X11 listeners hide what telling the agent's input apart needs. Their ``injected`` flag is
  the event's ``send_event`` bit, which XTEST input never has, and they record device events only,
  so the ``_DESKPILOT_ACTING`` property changes (:mod:`actions.x11.acting_flag`) cannot be seen in the
  same, server-ordered stream. Asking the property from the callback is racy: a 3 ms click is over,
  and the flag cleared, before the callback runs.
* pynput opens ``$DISPLAY`` when it is *imported* (ImportError without one) and cannot be pointed
  at another display.
* Its callbacks carry no server timestamps, which double-click merging wants.

Here one context records the device events (KeyPress..ButtonRelease) *and* the ChangeProperty and
DeleteProperty requests of every client. The server delivers them in the order it processed them,
so an event between our flag's ChangeProperty and DeleteProperty was generated while the agent
acted; that is exact, not a time window. (Device events carry no client id: XTEST input from the
agent and from ``xdotool`` look the same, which is why the flag is needed at all.)
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from actions.x11.acting_flag import ACTING_ATOM, pid_alive, read_flag
from actions.x11.keysyms import KEY_BY_X_NAME, KEYPAD_CHARS, LEVEL_SHIFTS, keysym_char, x_name
from actions.x11.xrecord import XRecordListener, modifier_masks

EventKind = Literal["button_press", "button_release", "key_press", "key_release"]
_X_CHANGE_PROPERTY, _X_DELETE_PROPERTY = 18, 19
_KEY_PRESS, _KEY_RELEASE, _BUTTON_PRESS, _BUTTON_RELEASE = 2, 3, 4, 5
_KINDS: dict[int, EventKind] = {_KEY_PRESS: "key_press", _KEY_RELEASE: "key_release",
                                _BUTTON_PRESS: "button_press", _BUTTON_RELEASE: "button_release"}  # fmt: skip
# A flag whose owner has been acting this long is checked for a dead owner (a SIGKILLed agent).
_STALE_CHECK_S = 2.0
_LOCK_MASK = 0x2


@dataclass(frozen=True)
class InputEvent:
    """One press or release. ``key`` uses actions/keys.py names ("a", "enter", "ctrl"); ``char`` is the
    text the key types with the modifiers held ("" for non-text keys)."""

    kind: EventKind
    time_ms: int  # X server time: only differences mean anything
    x: int  # the pointer on the screen (root window), for key events too
    y: int
    button: int = 0  # X button number: 1 left, 2 middle, 3 right, 4/5 wheel up/down, 6/7 left/right
    key: str = ""
    char: str = ""
    modifiers: frozenset[str] = frozenset()  # ctrl, alt, shift, win, altgr, numlock held at the time
    synthetic: bool = False  # generated while an agent had the acting flag up


class X11InputCapture(XRecordListener):
    """Calls ``on_event`` (on its own thread) for every press and release until :meth:`stop`."""

    feature = "input recording"
    thread_name = "deskpilot-input-capture"
    core_requests = (_X_CHANGE_PROPERTY, _X_DELETE_PROPERTY)
    device_events = (_KEY_PRESS, _BUTTON_RELEASE)

    def __init__(self, on_event: Callable[[InputEvent], None], display: str | None = None) -> None:
        self._on_event = on_event
        self._flag_pid: int | None = None
        self._flag_since = 0.0
        self.synthetic_events = 0  # how many events were left out as the agent's own
        super().__init__(display)

    def _prepare(self) -> None:
        self._atom = self._control.intern_atom(ACTING_ATOM)
        self._root_id = self._control.screen().root.id
        self._modifier_masks = modifier_masks(self._lookup)

    def _before_enable(self) -> None:
        flag = read_flag(self._display_name)  # the agent may already be acting when we start
        if flag is not None and pid_alive(flag[0]):
            self._flag_pid, self._flag_since = flag[0], time.monotonic()

    # ---- the recording thread ---------------------------------------------------------------------
    def _from_client(self, data: bytes, order: str) -> None:
        """Our flag's ChangeProperty and DeleteProperty requests, in their sender's byte order."""
        offset = 0
        while offset + 12 <= len(data):
            opcode = data[offset]
            (length,) = struct.unpack_from(order + "H", data, offset + 2)
            window, prop = struct.unpack_from(order + "II", data, offset + 4)
            if prop == self._atom and window == self._root_id:
                if opcode == _X_CHANGE_PROPERTY and len(data) >= offset + 32:
                    (pid,) = struct.unpack_from(order + "I", data, offset + 24)
                    self._flag_pid, self._flag_since = pid, time.monotonic()
                elif opcode == _X_DELETE_PROPERTY:
                    self._flag_pid = None
            offset += max(4 * length, 4)

    def _flag_up(self) -> bool:
        if self._flag_pid is None:
            return False
        if time.monotonic() - self._flag_since > _STALE_CHECK_S:
            self._flag_since = time.monotonic()
            if not pid_alive(self._flag_pid):  # its agent died mid-action: the flag will never clear
                self._flag_pid = None
        return self._flag_pid is not None

    def _from_server(self, data: bytes) -> None:
        from Xlib.protocol import rq

        parser = rq.EventField(None)
        if self._keymap_changed():  # keycodes translate with the keymap of now
            self._modifier_masks = modifier_masks(self._lookup)
        while len(data) >= 32:
            event, data = parser.parse_binary_value(data, self._record.display, None, None)
            kind = _KINDS.get(event.type & 0x7F)
            if kind is None:
                continue
            synthetic = self._flag_up()
            self.synthetic_events += synthetic
            mods = frozenset(name for mask, name in self._modifier_masks if event.state & mask)
            button, key, char = 0, "", ""
            if kind.startswith("button"):
                button = int(event.detail)
            else:
                key, char = self._translate(int(event.detail), mods, bool(event.state & _LOCK_MASK))
            self._on_event(
                InputEvent(
                    kind,
                    int(event.time),
                    int(event.root_x),
                    int(event.root_y),
                    button=button,
                    key=key,
                    char=char,
                    modifiers=mods,
                    synthetic=synthetic,
                )
            )

    def _translate(self, keycode: int, mods: frozenset[str], caps: bool) -> tuple[str, str]:
        lookup = self._lookup.keycode_to_keysym
        base = lookup(keycode, 0)
        level = 1 if "shift" in mods else 0
        # AltGr (ISO level 3) is at index 4/5 of the core keymap that XKB presents.
        keysym = (lookup(keycode, 4 + level) if "altgr" in mods else 0) or lookup(keycode, level) or base
        if "numlock" in mods and x_name(lookup(keycode, 1)) in KEYPAD_CHARS:
            keysym = lookup(keycode, 1 - level)  # Num Lock gives the keypad's digits; Shift inverts it
        name = x_name(keysym) or x_name(base)
        if name in KEYPAD_CHARS:
            return KEYPAD_CHARS[name], KEYPAD_CHARS[name]
        if name in KEY_BY_X_NAME:
            return KEY_BY_X_NAME[name], " " if name == "space" else ""
        if name in LEVEL_SHIFTS:
            return "", ""
        char = keysym_char(keysym)
        if caps and char.isalpha():  # Caps Lock inverts letters only, and Shift inverts it back
            char = char.swapcase()
        base_char = keysym_char(base)
        key = base_char.lower() if base_char.isprintable() else ""
        return key, char if char.isprintable() else ""
