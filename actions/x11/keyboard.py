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
from Xlib.display import Display
from Xlib.error import DisplayError
from Xlib.ext import xtest

from actions.errors import ActionError

# X keysyms 0x20-0x7e and 0xa0-0xff *are* the Latin-1 code points ('<' is keysym ``less`` == 0x3c),
# so no punctuation table is needed. XK.string_to_keysym wants keysym *names*: it maps "less" to
# 0x3c but "<" to 0 (NoSymbol), which is why we do not feed it characters.
_CONTROL_KEYSYMS = {"\n": XK.XK_Return, "\t": XK.XK_Tab}
# Any other code point has the keysym 0x01000000 + code point (keymaps can bind e.g. U2713).
# Legacy keysyms (Cyrillic_*, Greek_*, EuroSign ...) are not looked up: such characters are
# reported as not typeable and get pasted instead, which is slower but still exact.
_UNICODE_KEYSYM_BASE = 0x01000000

# Names accepted by press_chord, besides single characters and X keysym names ("F5", "Insert").
_KEY_ALIASES = {
    "ctrl": "Control_L",
    "control": "Control_L",
    "shift": "Shift_L",
    "alt": "Alt_L",
    "super": "Super_L",
    "win": "Super_L",
    "meta": "Meta_L",
    "enter": "Return",
    "return": "Return",
    "esc": "Escape",
    "escape": "Escape",
    "tab": "Tab",
    "backspace": "BackSpace",
    "delete": "Delete",
    "insert": "Insert",
    "space": "space",
}


def keysym_for_char(ch: str) -> int:
    """The keysym that produces ``ch`` (``0`` for characters no keysym stands for)."""
    if ch in _CONTROL_KEYSYMS:
        return _CONTROL_KEYSYMS[ch]
    cp = ord(ch)
    if 0x20 <= cp <= 0x7E or 0xA0 <= cp <= 0xFF:
        return cp
    if cp < 0x20 or 0x7F <= cp < 0xA0:
        return X.NoSymbol  # other control characters ('\r', '\b' ...) have no text keysym
    return _UNICODE_KEYSYM_BASE | cp


def keysym_for_key(name: str) -> int:
    """The keysym for a key name as used in plans ("ctrl", "v", "F5", "Insert")."""
    keysym = XK.string_to_keysym(_KEY_ALIASES.get(name.lower(), name))
    if keysym == X.NoSymbol and len(name) == 1:
        keysym = keysym_for_char(name.lower() if name.isupper() else name)
    if keysym == X.NoSymbol:
        raise ActionError(f"unknown key name {name!r}")
    return keysym


def _core_second_level(first: int) -> int:
    """The core protocol's rule: a keycode listing only a lowercase letter also produces the capital."""
    if first <= 0xFF and chr(first).islower():
        upper = chr(first).upper()
        if len(upper) == 1 and ord(upper) <= 0xFF:
            return ord(upper)
    return X.NoSymbol


class XTestKeyboard:
    """Presses keys with XTEST on a connection of its own (so it never shares event queues)."""

    def __init__(self, display_name: str | None = None) -> None:
        try:
            self._display = Display(display_name)
        except (DisplayError, OSError, ConnectionError) as exc:
            raise ActionError(f"cannot open X display {display_name or '$DISPLAY'}: {exc}") from exc
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
