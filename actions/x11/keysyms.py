"""X keysyms and our key names (:mod:`actions.keys`): one table, read in both directions.

The keyboard presses ``ctrl`` as the keysym ``Control_L``; the input capture hears ``Control_R``
and reports ``ctrl``; the stop-key watcher needs every keysym that is ``ctrl``. All three views are
derived from :data:`X_KEYS`, so a key added there is pressed, recorded and listened for alike.
Characters need no table: keysyms 0x20-0x7e and 0xa0-0xff *are* the Latin-1 code points ('<' is
``less`` == 0x3c) and any other code point is 0x01000000 + the code point.

Nothing here opens a display; Xlib (for keysym names) is imported on first use.
"""

from __future__ import annotations

from functools import cache

from actions.errors import ActionError
from actions.hotkeys import CHORD_MODIFIERS
from actions.keys import ALIASES

_KP_NAVIGATION = {"Home": "home", "End": "end", "Up": "up", "Down": "down", "Left": "left", "Right": "right",
                  "Page_Up": "pageup", "Page_Down": "pagedown", "Insert": "insert"}  # fmt: skip
# (X keysym name, key name). Several X keys may be one key of ours (either Ctrl, the keypad's Enter);
# the first row of a key name is the X key pressed for it.
X_KEYS: tuple[tuple[str, str], ...] = (
    ("Return", "enter"), ("KP_Enter", "enter"), ("Tab", "tab"), ("ISO_Left_Tab", "tab"), ("Escape", "esc"),
    ("BackSpace", "backspace"), ("Delete", "delete"), ("KP_Delete", "delete"), ("space", "space"),
    *_KP_NAVIGATION.items(), ("Print", "printscreen"), ("Pause", "pause"), ("Menu", "apps"),
    ("Caps_Lock", "capslock"), ("Num_Lock", "numlock"), ("Scroll_Lock", "scrolllock"),
    ("Control_L", "ctrl"), ("Control_R", "ctrl"), ("Shift_L", "shift"), ("Shift_R", "shift"),
    ("Alt_L", "alt"), ("Alt_R", "alt"), ("Meta_L", "alt"), ("Meta_R", "alt"),
    ("Super_L", "win"), ("Super_R", "win"), ("Hyper_L", "win"), ("Hyper_R", "win"),
    *((f"F{n}", f"f{n}") for n in range(1, 25)),
    *((f"KP_{x_name}", key) for x_name, key in _KP_NAVIGATION.items()),  # the keypad with Num Lock off
)  # fmt: skip

KEY_BY_X_NAME: dict[str, str] = dict(X_KEYS)  # what the capture reports for an X key
_X_NAME_BY_KEY = {key: name for name, key in reversed(X_KEYS)}  # the X key pressed for one of ours: its first
NAMED_KEYS: frozenset[str] = frozenset(_X_NAME_BY_KEY)  # the named keys a listener can hear

# The keypad's keys as text (Num Lock on), and the keys that only shift the level of the next one.
KEYPAD_CHARS = {f"KP_{n}": str(n) for n in range(10)} | {
    "KP_Decimal": ".",
    "KP_Add": "+",
    "KP_Subtract": "-",
    "KP_Multiply": "*",
    "KP_Divide": "/",
}
LEVEL_SHIFTS = {"ISO_Level3_Shift": "altgr", "Mode_switch": "altgr"}
_MODIFIERS = (*CHORD_MODIFIERS, "altgr", "numlock")  # what a listener reports as held

_CONTROL_KEYSYMS = {"\n": 0xFF0D, "\t": 0xFF09}  # Return, Tab
_UNICODE_KEYSYM_BASE = 0x01000000
_NO_SYMBOL = 0


@cache
def _x_names() -> dict[int, str]:
    """keysym -> X name, for the keys named in the tables above."""
    from Xlib import XK

    names: dict[int, str] = {}
    for name in (*KEY_BY_X_NAME, *LEVEL_SHIFTS, *KEYPAD_CHARS):
        keysym = XK.string_to_keysym(name)
        if keysym:
            names[keysym] = name
    return names


def x_name(keysym: int) -> str:
    """The X name of a keysym the tables name ("Return", "KP_5", "ISO_Level3_Shift"); "" otherwise."""
    return _x_names().get(keysym, "")


def modifier_of(keysym: int) -> str:
    """The modifier a keysym is ("ctrl", "alt", "shift", "win", "altgr", "numlock"), or ""."""
    name = x_name(keysym)
    modifier = KEY_BY_X_NAME.get(name) or LEVEL_SHIFTS.get(name, "")
    return modifier if modifier in _MODIFIERS else ""


def keysyms_of_key(key: str) -> frozenset[int]:
    """Every keysym that is one of our key names ("q", "esc", "f12"): what a listener must match."""
    if len(key) == 1:
        return frozenset({ord(key)})  # printable ASCII keysyms are the code points
    return frozenset(keysym for keysym, name in _x_names().items() if KEY_BY_X_NAME.get(name) == key)


def keysym_for_key(name: str) -> int:
    """The keysym to press for a key name: ours ("ctrl", "enter", "f5"), an alias ("control"), an X
    keysym name ("Insert", "Caps_Lock") or a single character."""
    from Xlib import XK

    key = name.lower()
    keysym = XK.string_to_keysym(_X_NAME_BY_KEY.get(ALIASES.get(key, key), name))
    if keysym == _NO_SYMBOL and len(name) == 1:
        keysym = keysym_for_char(name.lower() if name.isupper() else name)
    if keysym == _NO_SYMBOL:
        raise ActionError(f"unknown key name {name!r}")
    return int(keysym)


def keysym_for_char(ch: str) -> int:
    """The keysym that produces ``ch`` (``0`` for characters no keysym stands for).

    Computed, not looked up: ``XK.string_to_keysym`` wants keysym *names* (it maps "less" to 0x3c
    but "<" to NoSymbol). Any code point beyond Latin-1 is 0x01000000 + it (keymaps bind e.g. U2713).
    Legacy keysyms (Cyrillic_*, Greek_*, EuroSign ...) are not looked up: such characters are
    reported as not typeable and get pasted instead, which is slower but still exact.
    """
    if ch in _CONTROL_KEYSYMS:
        return _CONTROL_KEYSYMS[ch]
    cp = ord(ch)
    if 0x20 <= cp <= 0x7E or 0xA0 <= cp <= 0xFF:
        return cp
    if cp < 0x20 or 0x7F <= cp < 0xA0:
        return _NO_SYMBOL  # other control characters ('\r', '\b' ...) have no text keysym
    return _UNICODE_KEYSYM_BASE | cp


def keysym_char(keysym: int) -> str:
    """The character a keysym types: Latin-1 keysyms are the code point, 0x01000000+ is Unicode."""
    if 0x20 <= keysym <= 0x7E or 0xA0 <= keysym <= 0xFF:
        return chr(keysym)
    if keysym & 0xFF000000 == _UNICODE_KEYSYM_BASE:
        return chr(keysym & 0x00FFFFFF)
    return ""
