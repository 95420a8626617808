"""``deskpilot demo``: the bundled demo, from an installed wheel, in any directory.

``demo`` runs the bundled demo from an installed wheel in any directory: the demo app, its plan and
its scenario are package data, and everything the demo writes goes under the current directory
(``runs/<timestamp>/`` unless ``--out``), never beside the installed code.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_demo_parser(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser("demo", help="operate the bundled demo app on a private virtual desktop")
    demo.add_argument("--out", type=Path, help="run directory (default: a new one under ./runs/)")
    demo.add_argument("--use-current-display", action="store_true",
                      help="drive $DISPLAY instead of a private Xvfb + openbox")  # fmt: skip


def run_demo(args: argparse.Namespace) -> int:
    from scenarios.demo import run_demo as run_bundled_demo  # the demo app needs tkinter: loaded only here

    return run_bundled_demo(args.out, use_current_display=args.use_current_display)
