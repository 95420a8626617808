"""Key names a ``key`` action may use: the names pyautogui can press, plus common aliases.

Kept as data here (not read from pyautogui) because importing pyautogui on Linux opens the X
display, and validating a plan must work with no display at all.
"""

from __future__ import annotations

import string

_NAMED_KEYS = {
    "accept", "add", "alt", "altleft", "altright", "apps", "backspace", "browserback",
    "browserfavorites", "browserforward", "browserhome", "browserrefresh", "browsersearch",
    "browserstop", "capslock", "clear", "convert", "ctrl", "ctrlleft", "ctrlright", "decimal",
    "del", "delete", "divide", "down", "end", "enter", "esc", "escape", "execute", "final", "fn",
    "help", "home", "insert", "launchapp1", "launchapp2", "launchmail", "launchmediaselect",
    "left", "modechange", "multiply", "nexttrack", "nonconvert", "num0", "num1", "num2", "num3",
    "num4", "num5", "num6", "num7", "num8", "num9", "numlock", "pagedown", "pageup", "pause",
    "pgdn", "pgup", "playpause", "prevtrack", "print", "printscreen", "prntscrn", "prtsc",
    "prtscr", "return", "right", "scrolllock", "select", "separator", "shift", "shiftleft",
    "shiftright", "sleep", "space", "stop", "subtract", "tab", "up", "volumedown", "volumemute",
    "volumeup", "win", "winleft", "winright", "yen", "command", "option", "optionleft",
    "optionright",
}  # fmt: skip
_FUNCTION_KEYS = {f"f{n}" for n in range(1, 25)}
_PRINTABLE = set(string.ascii_lowercase + string.digits + string.punctuation) | {" "}

KNOWN_KEYS: frozenset[str] = frozenset(_NAMED_KEYS | _FUNCTION_KEYS | _PRINTABLE)

# Spellings people (and models) use for the same keys; normalised before validation.
ALIASES: dict[str, str] = {
    "control": "ctrl",
    "ctl": "ctrl",
    "cmd": "command",
    "super": "win",
    "meta": "win",
    "windows": "win",
    "escape": "esc",
    "return": "enter",
    "arrowup": "up",
    "arrowdown": "down",
    "arrowleft": "left",
    "arrowright": "right",
    "page_up": "pageup",
    "page_down": "pagedown",
    "pgup": "pageup",
    "pgdn": "pagedown",
    "del": "delete",
    "spacebar": "space",
    "plus": "+",
    "minus": "-",
}

MODIFIERS: frozenset[str] = frozenset(
    {
        "ctrl",
        "ctrlleft",
        "ctrlright",
        "alt",
        "altleft",
        "altright",
        "shift",
        "shiftleft",
        "shiftright",
        "win",
        "winleft",
        "winright",
        "command",
        "option",
        "fn",
    }
)


def normalize_key(name: str) -> str:
    """Lower-case a key name and resolve aliases; raise ValueError for a key we cannot press."""
    if not isinstance(name, str) or not name:
        raise ValueError("a key name must be a non-empty string")
    key = name if len(name) == 1 else name.strip().lower().replace(" ", "")
    if len(key) == 1 and key.isalpha():
        key = key.lower()
    key = ALIASES.get(key, key)
    if key not in KNOWN_KEYS:
        raise ValueError(f"unknown key {name!r}")
    return key
