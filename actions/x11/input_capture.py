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

import contextlib
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from actions.errors import DesktopError
from actions.x11.acting_flag import ACTING_ATOM, pid_alive, read_flag

EventKind = Literal["button_press", "button_release", "key_press", "key_release"]
_X_CHANGE_PROPERTY, _X_DELETE_PROPERTY = 18, 19
_KEY_PRESS, _KEY_RELEASE, _BUTTON_PRESS, _BUTTON_RELEASE = 2, 3, 4, 5
_KINDS: dict[int, EventKind] = {_KEY_PRESS: "key_press", _KEY_RELEASE: "key_release",
                                _BUTTON_PRESS: "button_press", _BUTTON_RELEASE: "button_release"}  # fmt: skip
# A flag whose owner has been acting this long is checked for a dead owner (a SIGKILLed agent).
_STALE_CHECK_S = 2.0

# X keysym names -> the key names of actions/keys.py (what a ``key`` action may press).
_KEY_NAMES = {
    "Return": "enter", "KP_Enter": "enter", "Tab": "tab", "ISO_Left_Tab": "tab", "Escape": "esc",
    "BackSpace": "backspace", "Delete": "delete", "KP_Delete": "delete", "Insert": "insert",
    "Home": "home", "End": "end", "Page_Up": "pageup", "Page_Down": "pagedown", "Left": "left",
    "Right": "right", "Up": "up", "Down": "down", "space": "space", "Print": "printscreen",
    "Pause": "pause", "Menu": "apps", "Caps_Lock": "capslock", "Num_Lock": "numlock",
    "Scroll_Lock": "scrolllock", "Control_L": "ctrl", "Control_R": "ctrl", "Shift_L": "shift",
    "Shift_R": "shift", "Alt_L": "alt", "Alt_R": "alt", "Meta_L": "alt", "Meta_R": "alt",
    "Super_L": "win", "Super_R": "win", "Hyper_L": "win", "Hyper_R": "win",
}  # fmt: skip
_KEY_NAMES.update({f"F{n}": f"f{n}" for n in range(1, 25)})
_KP_NAVIGATION = ("Home", "End", "Up", "Down", "Left", "Right", "Page_Up", "Page_Down", "Insert")
# The keypad: its keys' text (with Num Lock on), and the keys they are with Num Lock off.
_KEYPAD_CHARS = {f"KP_{n}": str(n) for n in range(10)}
_KEYPAD_CHARS.update({"KP_Decimal": ".", "KP_Add": "+", "KP_Subtract": "-", "KP_Multiply": "*", "KP_Divide": "/"})
_KEY_NAMES.update({f"KP_{name}": key for name, key in _KEY_NAMES.items() if name in _KP_NAVIGATION})
CHORD_MODIFIERS = ("ctrl", "alt", "shift", "win")  # the order a chord is written in
_LOCK_MASK = 0x2
_SWAPPED = ">" if sys.byteorder == "little" else "<"
_TYPING_SHIFTS = {"ISO_Level3_Shift": "altgr", "Mode_switch": "altgr"}


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


class X11InputCapture:
    """Calls ``on_event`` (on its own thread) for every press and release until :meth:`stop`."""

    def __init__(self, on_event: Callable[[InputEvent], None], display: str | None = None) -> None:
        from Xlib.display import Display
        from Xlib.error import DisplayError

        self._on_event = on_event
        try:
            self._record: Any = Display(display)  # blocked inside EnableContext while recording
            self._control: Any = Display(display)  # create/disable/free the context; from any thread
            self._lookup: Any = Display(display)  # keymap lookups, only on the recording thread
        except (DisplayError, OSError) as exc:
            raise DesktopError(f"cannot open the X display {display or '$DISPLAY'}: {exc}") from exc
        if not self._record.has_extension("RECORD"):
            raise DesktopError("the X server has no RECORD extension (Xvfb and Xorg have it unless disabled)")
        self._display_name = display
        self._atom = self._control.intern_atom(ACTING_ATOM)
        self._root_id = self._control.screen().root.id
        self._modifier_masks = _modifier_masks(self._lookup)
        self._flag_pid: int | None = None
        self._flag_since = 0.0
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._context: int | None = None
        self.error: BaseException | None = None  # what ended the recording thread early
        self.event_errors: list[str] = []  # elements that could not be handled (recording went on)
        self.synthetic_events = 0  # how many events were left out as the agent's own

    def start(self, timeout_s: float = 5.0) -> X11InputCapture:
        from Xlib.ext import record

        flag = read_flag(self._display_name)  # the agent may already be acting when we start
        if flag is not None and pid_alive(flag[0]):
            self._flag_pid, self._flag_since = flag[0], time.monotonic()
        ranges = {
            "core_requests": (_X_CHANGE_PROPERTY, _X_DELETE_PROPERTY), "core_replies": (0, 0),
            "ext_requests": (0, 0, 0, 0), "ext_replies": (0, 0, 0, 0), "delivered_events": (0, 0),
            "device_events": (_KEY_PRESS, _BUTTON_RELEASE), "errors": (0, 0),
            "client_started": False, "client_died": False,
        }  # fmt: skip
        self._context = self._control.record_create_context(0, [record.AllClients], [ranges])
        self._control.sync()
        self._thread = threading.Thread(target=self._run, name="deskpilot-input-capture", daemon=True)
        self._thread.start()
        # StartOfData arrives once the server records: input before that would be missed.
        if not self._ready.wait(timeout_s):
            self.stop()
            raise DesktopError(f"input recording did not start within {timeout_s:g} s")
        return self

    def _run(self) -> None:
        try:
            self._record.record_enable_context(self._context, self._handle)
        except BaseException as exc:  # noqa: BLE001 - reported to the owner through .error
            self.error = exc
        finally:
            self._ready.set()

    def stop(self, timeout_s: float = 5.0) -> None:
        from Xlib.error import ConnectionClosedError

        if self._context is not None:
            end_record_context(self._control, self._context, self._thread, timeout_s)
            self._context = None
        for conn in (self._record, self._control, self._lookup):
            with contextlib.suppress(ConnectionClosedError, OSError):
                conn.close()

    # ---- the recording thread ---------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        """Still recording: False once stopped, or when the connection failed (see ``error``)."""
        return self._thread is not None and self._thread.is_alive()

    def _handle(self, reply: Any) -> None:
        from Xlib.ext import record

        try:
            if reply.category == record.StartOfData:
                self._ready.set()
            elif reply.category == record.FromClient:
                self._requests(bytes(reply.data), _SWAPPED if reply.client_swapped else "=")
            elif reply.category == record.FromServer:
                self._events(bytes(reply.data))
        except Exception as exc:  # noqa: BLE001 - one bad element must not end the recording
            self.event_errors.append(f"{type(exc).__name__}: {exc}")

    def _requests(self, data: bytes, order: str) -> None:
        """Requests come in their sender's byte order: ours, unless the reply says it is swapped."""
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

    def _events(self, data: bytes) -> None:
        from Xlib.protocol import rq

        parser = rq.EventField(None)
        self._refresh_keymap()
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
            self._on_event(InputEvent(
                kind, int(event.time), int(event.root_x), int(event.root_y), button=button, key=key, char=char,
                modifiers=mods, synthetic=synthetic,
            ))  # fmt: skip

    def _refresh_keymap(self) -> None:
        """Apply MappingNotify (sent to every client) so keycodes translate with the keymap of now."""
        from Xlib import X

        while self._lookup.pending_events():
            event = self._lookup.next_event()
            if event.type == X.MappingNotify:
                self._lookup.refresh_keyboard_mapping(event)
                self._modifier_masks = _modifier_masks(self._lookup)

    def _translate(self, keycode: int, mods: frozenset[str], caps: bool) -> tuple[str, str]:
        lookup = self._lookup.keycode_to_keysym
        base = lookup(keycode, 0)
        level = 1 if "shift" in mods else 0
        # AltGr (ISO level 3) is at index 4/5 of the core keymap that XKB presents.
        keysym = (lookup(keycode, 4 + level) if "altgr" in mods else 0) or lookup(keycode, level) or base
        if "numlock" in mods and _names().get(lookup(keycode, 1), "") in _KEYPAD_CHARS:
            keysym = lookup(keycode, 1 - level)  # Num Lock gives the keypad's digits; Shift inverts it
        name = _names().get(keysym) or _names().get(base, "")
        if name in _KEYPAD_CHARS:
            return _KEYPAD_CHARS[name], _KEYPAD_CHARS[name]
        if name in _KEY_NAMES:
            return _KEY_NAMES[name], " " if name == "space" else ""
        if name in _TYPING_SHIFTS:
            return "", ""
        char = keysym_char(keysym)
        if caps and char.isalpha():  # Caps Lock inverts letters only, and Shift inverts it back
            char = char.swapcase()
        base_char = keysym_char(base)
        key = base_char.lower() if base_char.isprintable() else ""
        return key, char if char.isprintable() else ""


def keysym_char(keysym: int) -> str:
    """The character a keysym types: Latin-1 keysyms are the code point, 0x01000000+ is Unicode."""
    if 0x20 <= keysym <= 0x7E or 0xA0 <= keysym <= 0xFF:
        return chr(keysym)
    if keysym & 0xFF000000 == 0x01000000:
        return chr(keysym & 0x00FFFFFF)
    return ""


_NAME_CACHE: dict[int, str] = {}


def _names() -> dict[int, str]:
    """keysym -> X name for the keys we name (Return, F5, Shift_L ...), built once."""
    from Xlib import XK

    if not _NAME_CACHE:
        for name in (*_KEY_NAMES, *_TYPING_SHIFTS, *_KEYPAD_CHARS):
            keysym = XK.string_to_keysym(name)
            if keysym:
                _NAME_CACHE[keysym] = name
    return _NAME_CACHE


def _modifier_masks(display: Any) -> list[tuple[int, str]]:
    """(state mask, name) per modifier, from the server's modifier map: Alt is not always Mod1."""
    masks: list[tuple[int, str]] = []
    for index, keycodes in enumerate(display.get_modifier_mapping()):
        names = {_names().get(display.keycode_to_keysym(kc, 0), "") for kc in keycodes if kc}
        for x_name in names:
            name = _KEY_NAMES.get(x_name) or _TYPING_SHIFTS.get(x_name)
            if name in (*CHORD_MODIFIERS, "altgr", "numlock"):
                masks.append((1 << index, name))
    return sorted(set(masks))


def end_record_context(control: Any, context: int, thread: threading.Thread | None, timeout_s: float) -> None:
    """Disable an XRecord context (its reader thread then returns), wait for the thread, free it.
    A server that went away has nothing left to release."""
    from Xlib.error import ConnectionClosedError, XError

    try:
        control.record_disable_context(context)
        control.sync()
        if thread is not None:
            thread.join(timeout_s)
        control.record_free_context(context)
        control.sync()
    except (ConnectionClosedError, XError, OSError):
        pass
