"""``--stop-hotkey``: the flag of every command that acts on the desktop."""

from __future__ import annotations

import argparse

from actions.hotkeys import DEFAULT_HOTKEYS, combo_label, parse_hotkey


def add_stop_hotkey_flag(parser: argparse.ArgumentParser, what: str = "run") -> None:
    default = combo_label(*parse_hotkey(DEFAULT_HOTKEYS["stop"]))
    parser.add_argument(
        "--stop-hotkey",
        default=DEFAULT_HOTKEYS["stop"],
        metavar="COMBO",
        help=f"ends the {what} at once, exit status 130 (default {default}; 'none': no stop key)",
    )
