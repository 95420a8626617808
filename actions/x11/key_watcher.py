"""Hearing one key chord from anyone, cheaply: an XRecord listener for the stop hotkey.

It records key presses only and matches raw bytes (modifier state, then keycode), so a long burst of
typing from the agent costs it next to nothing and the chord is heard within milliseconds. The
keymap is re-read when it changes.
"""

from __future__ import annotations

import contextlib
import struct
import threading
from collections.abc import Callable
from typing import Any

from actions.errors import DesktopError
from actions.x11.input_capture import _KEY_NAMES, end_record_context

_KEY_PRESS = 2
_MODIFIER_KEYSYMS = {
    "Control_L": "ctrl", "Control_R": "ctrl", "Shift_L": "shift", "Shift_R": "shift", "Alt_L": "alt",
    "Alt_R": "alt", "Meta_L": "alt", "Meta_R": "alt", "Super_L": "win", "Super_R": "win", "Hyper_L": "win",
    "Hyper_R": "win",
}  # fmt: skip


class KeyPressWatcher:
    """Calls ``on_match`` (on its own thread) whenever the combo's key is pressed with its modifiers held.

    One XRecord context for KeyPress device events only, read as raw bytes: the modifier state
    (offset 28) first, then the keycode (offset 1) against the keycodes of the key on the keymap.
    Three connections, as in actions.x11.input_capture: one blocked in EnableContext, one to create and
    end the context from any thread, one for keymap lookups (and its MappingNotify) on the thread.
    """

    def __init__(self, display: str | None, mods: frozenset[str], key: str, on_match: Callable[[], None]) -> None:
        from Xlib.display import Display
        from Xlib.error import DisplayError

        self._mods, self._on_match = mods, on_match
        self._keysyms = _keysyms(key)
        self._conns: list[Any] = []
        try:
            for _ in range(3):
                self._conns.append(Display(display))
        except (DisplayError, OSError) as exc:
            self._close()
            raise DesktopError(f"cannot open the X display {display or '$DISPLAY'}: {exc}") from exc
        self._record, self._control, self._lookup = self._conns
        if not self._record.has_extension("RECORD"):
            self._close()
            raise DesktopError("the X server has no RECORD extension (Xvfb and Xorg have it unless disabled)")
        self._keycodes: frozenset[int] = frozenset()
        self._need: list[int] = []  # one state mask per modifier of the combo; any of its bits will do
        try:
            self._read_keymap()
        except BaseException:
            self._close()
            raise
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._context: int | None = None
        self.error: BaseException | None = None  # what ended the listening thread early
        self.event_errors: list[str] = []

    def _read_keymap(self) -> None:
        from Xlib import XK

        lookup = self._lookup
        info = lookup.display.info
        self._keycodes = frozenset(
            code
            for code in range(info.min_keycode, info.max_keycode + 1)
            if {lookup.keycode_to_keysym(code, 0), lookup.keycode_to_keysym(code, 1)} & self._keysyms
        )
        by_keysym = {XK.string_to_keysym(x_name): name for x_name, name in _MODIFIER_KEYSYMS.items()}
        masks: dict[str, int] = {}
        for index, codes in enumerate(lookup.get_modifier_mapping()):
            for code in codes:
                name = by_keysym.get(lookup.keycode_to_keysym(code, 0))
                if code and name:
                    masks[name] = masks.get(name, 0) | (1 << index)
        missing = sorted(self._mods - set(masks))
        if missing or not self._keycodes:
            what = f"{', '.join(missing)} is not a modifier" if missing else "its key is not"
            raise DesktopError(f"{what} on this X keyboard map")
        self._need = [masks[name] for name in sorted(self._mods)]

    def start(self, timeout_s: float = 5.0) -> None:
        from Xlib.ext import record

        ranges = {
            "core_requests": (0, 0), "core_replies": (0, 0), "ext_requests": (0, 0, 0, 0),
            "ext_replies": (0, 0, 0, 0), "delivered_events": (0, 0), "device_events": (_KEY_PRESS, _KEY_PRESS),
            "errors": (0, 0), "client_started": False, "client_died": False,
        }  # fmt: skip
        self._context = self._control.record_create_context(0, [record.AllClients], [ranges])
        self._control.sync()
        self._thread = threading.Thread(target=self._run, name="deskpilot-stop-hotkey", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout_s):  # StartOfData: from here on no press is missed
            raise DesktopError(f"listening did not start within {timeout_s:g} s")

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:
            self._record.record_enable_context(self._context, self._handle)
        except BaseException as exc:  # noqa: BLE001 - reported through .error; the run goes on
            self.error = exc
        finally:
            self._ready.set()

    def _handle(self, reply: Any) -> None:
        from Xlib.ext import record

        try:
            if reply.category == record.StartOfData:
                self._ready.set()
            elif reply.category == record.FromServer:
                data = bytes(reply.data)
                for offset in range(0, len(data) - 31, 32):
                    if data[offset] & 0x7F == _KEY_PRESS and self._is_combo(data, offset):
                        self._on_match()
        except Exception as exc:  # noqa: BLE001 - one bad element must not end the listening
            self.event_errors.append(f"{type(exc).__name__}: {exc}")

    def _is_combo(self, data: bytes, offset: int) -> bool:
        (state,) = struct.unpack_from("=H", data, offset + 28)  # the modifiers held before this press
        if not all(state & mask for mask in self._need):
            return False  # what nearly every press of a typing agent ends at: cheap on purpose
        if self._lookup.pending_events():  # MappingNotify: setxkbmap or xmodmap changed the keymap
            while self._lookup.pending_events():
                self._lookup.refresh_keyboard_mapping(self._lookup.next_event())
            self._read_keymap()
        return data[offset + 1] in self._keycodes

    def stop(self, timeout_s: float = 5.0) -> None:

        if self._context is not None:
            end_record_context(self._control, self._context, self._thread, timeout_s)
            self._context = None
        self._close()

    def _close(self) -> None:
        from Xlib.error import ConnectionClosedError

        for conn in self._conns:
            with contextlib.suppress(ConnectionClosedError, OSError):
                conn.close()
        self._conns = []


def _keysyms(key: str) -> frozenset[int]:
    """The X keysyms of one of our key names ("q", "esc", "f12")."""
    from Xlib import XK

    if len(key) == 1:
        return frozenset({ord(key)})  # printable ASCII keysyms are the code points
    names = [x_name for x_name, name in _KEY_NAMES.items() if name == key]
    return frozenset(keysym for keysym in map(XK.string_to_keysym, names) if keysym)
