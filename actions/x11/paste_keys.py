"""How each kind of window pastes: the chord to press and the X selection it reads. One table.

Most toolkits paste CLIPBOARD on ctrl+v. Terminals cannot (ctrl+v is a control character the shell
receives), so each has its own chord, and the focused window's ``WM_CLASS`` picks the row:

* xterm (and uxterm, rxvt-unicode, Eterm): shift+Insert. A stock xterm's translations bind it to
  ``insert-selection(SELECT, CUT_BUFFER0)``, and ``SELECT`` is PRIMARY unless the resource
  ``selectToClipboard`` is true (Debian 12's xterm 379: false, and its app-defaults do not change
  it). So we own PRIMARY there; a ctrl+v would type a literal ^V into the shell.
* VTE terminals (GNOME Terminal, xfce4-terminal, lxterminal, sakura, Terminator, Tilix, MATE),
  Konsole, QTerminal, kitty, Alacritty, WezTerm, st: ctrl+shift+v pastes CLIPBOARD.

A chord given by the user (``--paste-key``, ``Desktop(paste_key=...)``) replaces the table for every
window; which selection that chord reads is then unknown, so both are owned for the paste.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from actions.errors import UserInputError
from actions.keys import normalize_key

CLIPBOARD, PRIMARY = "CLIPBOARD", "PRIMARY"


@dataclass(frozen=True)
class PasteMethod:
    """The chord to press, the selections to own while it is pressed, and why (for the record)."""

    keys: tuple[str, ...]
    selections: tuple[str, ...]
    why: str

    @property
    def chord(self) -> str:
        return "+".join(self.keys)


_SHIFT_INSERT_PRIMARY = (("shift", "insert"), (PRIMARY,))
_CTRL_SHIFT_V = (("ctrl", "shift", "v"), (CLIPBOARD,))

# WM_CLASS names (either part, lower-case) -> (chord, selections).
TERMINALS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    **dict.fromkeys(("xterm", "uxterm", "urxvt", "rxvt", "eterm"), _SHIFT_INSERT_PRIMARY),
    **dict.fromkeys(
        (
            "gnome-terminal",
            "gnome-terminal-server",
            "xfce4-terminal",
            "lxterminal",
            "sakura",
            "terminator",
            "tilix",
            "mate-terminal",
            "guake",
            "tilda",
            "roxterm",
            "kgx",
            "ptyxis",
            "konsole",
            "yakuake",
            "qterminal",
            "terminology",
            "kitty",
            "alacritty",
            "org.wezfurlong.wezterm",
            "wezterm",
            "st",
            "st-256color",
            "cool-retro-term",
            "deepin-terminal",
            "ghostty",
            "com.mitchellh.ghostty",
        ),
        _CTRL_SHIFT_V,
    ),
}
DEFAULT = PasteMethod(("ctrl", "v"), (CLIPBOARD,), "ctrl+v: the default")


def paste_method(wm_class: Sequence[str], override: Sequence[str] | None = None) -> PasteMethod:
    """The paste for a window of this ``WM_CLASS``; ``override`` (a chord) wins over the table."""
    if override:
        keys = tuple(override)
        return PasteMethod(keys, (CLIPBOARD, PRIMARY), f"{'+'.join(keys)}: the paste key asked for")
    for name in wm_class:
        row = TERMINALS.get(name.lower())
        if row is not None:
            keys, selections = row
            return PasteMethod(keys, selections, f"{'+'.join(keys)}: how {name} pastes ({selections[0]})")
    return DEFAULT


def parse_paste_key(chord: str, flag: str = "--paste-key") -> tuple[str, ...]:
    """``"shift+Insert"`` -> ``("shift", "insert")``; a UserInputError naming the key we cannot press."""
    parts = [part.strip() for part in chord.split("+")] if len(chord) > 1 else [chord]
    if not chord.strip() or not all(parts):
        raise UserInputError(f"{flag} {chord!r}: write a chord as keys joined by '+', e.g. shift+Insert")
    keys: list[str] = []
    for part in parts:
        try:
            keys.append(normalize_key(part))
        except ValueError as exc:
            raise UserInputError(f"{flag} {chord!r}: {exc}") from None
    return tuple(keys)
