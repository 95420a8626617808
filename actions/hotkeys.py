"""Hotkey combos: one parser for ``<ctrl>+<alt>+<shift>+q`` (pynput's spelling) and ``ctrl+alt+shift+q``,
and one table of the default combos.

Platform-neutral: key names are those of :mod:`actions.keys`. Which named keys a listener can hear is
the caller's to say (for X11, :data:`actions.x11.keysyms.NAMED_KEYS`); given that, the stricter rules
of a hotkey that must never fire by accident apply too.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from actions.errors import UserInputError
from actions.keys import normalize_key

CHORD_MODIFIERS = ("ctrl", "alt", "shift", "win")  # the order a chord is written in
DEFAULT_HOTKEYS = {
    "stop": "<ctrl>+<alt>+<shift>+q",  # ends a run or a replay
    "end_recording": "<ctrl>+<alt>+<shift>+r",  # ends `deskpilot record`
}

# pynput's <name>s that actions/keys.py spells differently.
_PYNPUT_NAMES = {
    "cmd": "win", "cmd_l": "win", "cmd_r": "win", "super": "win", "super_l": "win", "super_r": "win",
    "ctrl_l": "ctrl", "ctrl_r": "ctrl", "alt_l": "alt", "alt_r": "alt", "shift_l": "shift",
    "shift_r": "shift", "print_screen": "printscreen", "caps_lock": "capslock", "num_lock": "numlock",
    "scroll_lock": "scrolllock", "menu": "apps", "page_up": "pageup", "page_down": "pagedown",
}  # fmt: skip
_TYPING_SAFE_MODIFIERS = frozenset({"ctrl", "alt", "win"})  # a printable key needs one of these


def parse_hotkey(spec: str, listenable: Collection[str] | None = None) -> tuple[frozenset[str], str]:
    """``"<ctrl>+<alt>+<shift>+q"`` or ``"ctrl+alt+shift+q"`` -> ({ctrl, alt, shift}, "q").

    A combo that cannot be parsed is a :class:`UserInputError` that names it. With ``listenable``
    (the named keys the listener can hear) two more rules apply: the key must be one of them or a
    single character, and a printable key needs Ctrl, Alt or Win (else it fires while text is typed).
    """
    parts = [part.strip().strip("<>").strip() for part in spec.split("+")]
    if not spec.strip() or not all(parts):
        raise UserInputError(f"stop hotkey {spec!r}: expected keys joined by '+', e.g. {DEFAULT_HOTKEYS['stop']!r}")
    try:
        names = [_chord_name(normalize_key(_PYNPUT_NAMES.get(part.lower(), part))) for part in parts]
    except ValueError as exc:
        raise UserInputError(f"stop hotkey {spec!r}: {exc}") from None
    *modifiers, key = names
    if not set(modifiers) <= set(CHORD_MODIFIERS) or key in CHORD_MODIFIERS:
        raise UserInputError(f"stop hotkey {spec!r}: modifiers (ctrl, alt, shift, win) first, then one other key")
    mods = frozenset(modifiers)
    if listenable is None:
        return mods, key
    if len(key) > 1 and key not in listenable:
        raise UserInputError(f"stop hotkey {spec!r}: {key!r} is not a key the stop hotkey can listen for")
    if len(key) == 1 and not mods & _TYPING_SAFE_MODIFIERS:
        raise UserInputError(f"stop hotkey {spec!r}: {key!r} without ctrl, alt or win would fire while text is typed")
    return mods, key


def _chord_name(name: str) -> str:
    """``ctrlleft`` -> ``ctrl``: listeners report either side of a modifier by its plain name."""
    return name.removesuffix("left").removesuffix("right") if name not in ("left", "right") else name


def combo_label(mods: Iterable[str], key: str) -> str:
    """The combo as people read it: "ctrl+alt+shift+q" (modifiers in a fixed order)."""
    held = set(mods)
    return "+".join([*(m for m in CHORD_MODIFIERS if m in held), key])
