"""Type text with the X server's XTEST extension, through the keymap exactly as it is right now.

Why not the usual tools:

* ``pyautogui.write`` drops every non-ASCII character, and it decides "needs shift" from a US table
  instead of the keymap: on Xvfb's default keymap keysym ``less`` sits *unshifted* on keycode 94, so
  pyautogui presses shift+94 and the application receives ``>``.
* ``xdotool type`` and pynput remap a spare keycode for characters the keymap lacks; applications
  read the new mapping asynchronously (MappingNotify), so fast typing races with them.

This module never changes the keymap. It types only what the current keymap produces at shift level
0 or 1 (:meth:`XTestKeyboard.typeable`); the caller routes everything else elsewhere (see
:mod:`actions.x11.text_input`, which pastes it).
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType

from Xlib import XK, X
from Xlib.ext import xtest

from actions.errors import ActionError
from actions.x11.display import open_display
from actions.x11.keysyms import keysym_for_char, keysym_for_key


def _core_second_level(first: int) -> int:
    """The core protocol's rule: a keycode listing only a lowercase letter also produces the capital."""
    if first <= 0xFF and chr(first).islower():
        upper = chr(first).upper()
        if len(upper) == 1 and ord(upper) <= 0xFF:
            return ord(upper)
    return int(X.NoSymbol)


class XTestKeyboard:
    """Presses keys with XTEST on a connection of its own (so it never shares event queues)."""

    def __init__(self, display_name: str | None = None) -> None:
        self._display = open_display(display_name, ActionError)
        xtest = self._display.query_extension("XTEST")  # None, or a reply with .present, by version
        if xtest is None or not getattr(xtest, "present", True):
            self._display.close()
            raise ActionError("the X server has no XTEST extension: keys cannot be faked")
        self._keys: dict[int, tuple[int, int]] = {}
        self.refresh_keymap()

    def refresh_keymap(self) -> None:
        """Re-read the keymap from the server.

        python-xlib's ``keysym_to_keycodes`` answers from a cache filled at connect time and only
        updated when the caller feeds it MappingNotify events; a long-lived connection would type
        with a stale keymap after ``setxkbmap``. One GetKeyboardMapping round trip is cheap, so
        :class:`~actions.text_input.TextTyper` calls this before every text.
        """
        info = self._display.display.info
        first, last = info.min_keycode, info.max_keycode
        keys: dict[int, tuple[int, int]] = {}
        for offset, syms in enumerate(self._display.get_keyboard_mapping(first, last - first + 1)):
            levels = list(syms[:2]) + [X.NoSymbol] * (2 - len(syms[:2]))
            if levels[1] == X.NoSymbol:
                levels[1] = _core_second_level(levels[0])
            for index, keysym in enumerate(levels):
                if keysym == X.NoSymbol:
                    continue
                keycode = first + offset
                known = keys.get(keysym)
                # Prefer the unshifted level anywhere over a shifted one (Xvfb: 'less' is on 94
                # unshifted and on 59 shifted), then the lowest keycode, like XKeysymToKeycode.
                if known is None or (index, keycode) < (known[1], known[0]):
                    keys[keysym] = (keycode, index)
        self._keys = keys

    def typeable(self, ch: str) -> bool:
        """Whether ``ch`` is on the current keymap at shift level 0 or 1 ('\\n', '\\t' included)."""
        return self._keys.get(keysym_for_char(ch)) is not None

    def _caps_lock_on(self) -> bool:
        return bool(self._display.screen().root.query_pointer().mask & X.LockMask)

    def _keycode(self, keysym: int, what: str) -> tuple[int, int]:
        key = self._keys.get(keysym)
        if key is None:
            raise ActionError(f"{what} is not on the current keymap at shift level 0 or 1")
        return key

    def type_chars(self, text: str) -> None:
        """Type ``text``; every character must be :meth:`typeable` (checked before any key goes out)."""
        shift_code = self._keycode(XK.XK_Shift_L, "Shift_L")[0]
        # Caps Lock flips the level of letter keys (XKB type ALPHABETIC), not of digits or punctuation.
        caps = self._caps_lock_on()
        strokes: list[tuple[int, bool]] = []
        for ch in text:
            keycode, index = self._keycode(keysym_for_char(ch), f"{ch!r} (U+{ord(ch):04X})")
            shifted = index == 1
            if caps and ch.lower() != ch.upper():
                shifted = not shifted
            strokes.append((keycode, shifted))
        for keycode, shifted in strokes:
            if shifted:
                xtest.fake_input(self._display, X.KeyPress, shift_code)
            xtest.fake_input(self._display, X.KeyPress, keycode)
            xtest.fake_input(self._display, X.KeyRelease, keycode)
            if shifted:
                xtest.fake_input(self._display, X.KeyRelease, shift_code)
        # A round trip: when this returns the server has turned every fake event into a key event
        # for the focused window (the application may not have *processed* them yet).
        self._display.sync()

    def press_chord(self, keys: Iterable[str]) -> None:
        """Press ``keys`` in order and release them in reverse (e.g. ``("ctrl", "v")``)."""
        codes = [self._keycode(keysym_for_key(name), f"key {name!r}")[0] for name in keys]
        for keycode in codes:
            xtest.fake_input(self._display, X.KeyPress, keycode)
        for keycode in reversed(codes):
            xtest.fake_input(self._display, X.KeyRelease, keycode)
        self._display.sync()

    def close(self) -> None:
        self._display.close()

    def __enter__(self) -> XTestKeyboard:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
