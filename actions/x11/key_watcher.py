"""Hearing one key chord from anyone, cheaply: an XRecord listener for the stop hotkey.

It records key presses only and matches raw bytes (modifier state, then keycode), so a long burst of
typing from the agent costs it next to nothing and the chord is heard within milliseconds. The
keymap is re-read when it changes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from actions.errors import DesktopError
from actions.x11.keysyms import keysyms_of_key
from actions.x11.xrecord import XRecordListener, modifier_masks

_KEY_PRESS = 2


class KeyPressWatcher(XRecordListener):
    """Calls ``on_match`` (on its own thread) whenever the combo's key is pressed with its modifiers held.

    One XRecord context for KeyPress device events only, read as raw bytes: the modifier state
    (offset 28) first, then the keycode (offset 1) against the keycodes of the key on the keymap.
    """

    feature = "listening for a hotkey"
    thread_name = "deskpilot-stop-hotkey"
    device_events = (_KEY_PRESS, _KEY_PRESS)

    def __init__(self, display: str | None, mods: frozenset[str], key: str, on_match: Callable[[], None]) -> None:
        self._mods, self._on_match = mods, on_match
        self._keysyms = keysyms_of_key(key)
        self._keycodes: frozenset[int] = frozenset()
        self._need: list[int] = []  # one state mask per modifier of the combo; any of its bits will do
        super().__init__(display)

    def _prepare(self) -> None:
        """The key's keycodes and the combo's modifier masks, on the keymap as it is now."""
        lookup = self._lookup
        info = lookup.display.info
        self._keycodes = frozenset(
            code
            for code in range(info.min_keycode, info.max_keycode + 1)
            if {lookup.keycode_to_keysym(code, 0), lookup.keycode_to_keysym(code, 1)} & self._keysyms
        )
        masks: dict[str, int] = {}
        for mask, name in modifier_masks(lookup):
            masks[name] = masks.get(name, 0) | mask
        missing = sorted(self._mods - set(masks))
        if missing or not self._keycodes:
            what = f"{', '.join(missing)} is not a modifier" if missing else "its key is not"
            raise DesktopError(f"{what} on this X keyboard map")
        self._need = [masks[name] for name in sorted(self._mods)]

    def _from_server(self, data: bytes) -> None:
        for offset in range(0, len(data) - 31, 32):
            if data[offset] & 0x7F == _KEY_PRESS and self._is_combo(data, offset):
                self._on_match()

    def _is_combo(self, data: bytes, offset: int) -> bool:
        (state,) = struct.unpack_from("=H", data, offset + 28)  # the modifiers held before this press
        if not all(state & mask for mask in self._need):
            return False  # what nearly every press of a typing agent ends at: cheap on purpose
        if self._keymap_changed():  # MappingNotify: setxkbmap or xmodmap changed the keymap
            self._prepare()
        return data[offset + 1] in self._keycodes
