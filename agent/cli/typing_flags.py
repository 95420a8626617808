"""``--paste-key CHORD`` on ``run`` and ``replay``: the chord every paste presses, for terminals the
built-in table (``actions.x11.paste_keys``) does not know, or that were configured otherwise.

Light on purpose (argparse and the key table only): the CLI imports this at start.
"""

from __future__ import annotations

import argparse

from actions.x11.paste_keys import parse_paste_key


def add_paste_key_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--paste-key",
        metavar="CHORD",
        help="the chord that pastes text the keymap cannot type, e.g. shift+Insert or ctrl+shift+v (default: by "
        "the focused window's class: ctrl+v; shift+Insert in xterm; ctrl+shift+v in VTE, Konsole and Qt terminals)",
    )


def paste_keys_from_args(args: argparse.Namespace) -> tuple[str, ...] | None:
    """The chord asked for, as key names (``("shift", "insert")``); None: by window class. A
    ``UserInputError`` names a chord that cannot be pressed, before anything touches the desktop."""
    chord = getattr(args, "paste_key", None)
    return None if chord is None else parse_paste_key(chord)
