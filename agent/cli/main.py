"""The ``deskpilot`` command line. ``main(argv) -> int``; user errors are one line, no traceback.

Nothing heavy is imported here: ``deskpilot run --plan`` is on every RPA run's critical path,
and torch/transformers would cost seconds before the first click. Each command lives in its own
module (``run_cmd``, ``replay_cmd``, ``record_cmd``); they share one ``DesktopSession``.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from actions.errors import DeskpilotError, UserInputError
from actions.stopping import StopCause
from actions.version import installed_version
from agent.cli.demo_cmd import add_demo_parser, run_demo
from agent.cli.export_cmd import add_export_parser, run_export
from agent.cli.record_cmd import add_record_parser, run_record
from agent.cli.replay_cmd import add_replay_parser, run_replay
from agent.cli.run_cmd import add_run_parser, run_task
from agent.session import EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE
from agent.signals import EXIT_STATUS


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line (what is wrong, and where to read more), not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"deskpilot: error: {message} (see: {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="deskpilot", description="A desktop agent that looks at the screen.")
    parser.add_argument("--version", action="version", version=f"deskpilot {installed_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_run_parser(sub)
    add_replay_parser(sub)
    add_record_parser(sub)
    add_demo_parser(sub)
    add_export_parser(sub)
    report = sub.add_parser("report", help="(re)build RUN_DIR/report.html")
    report.add_argument("run_dir", type=Path)
    sub.add_parser("doctor", help="check the display, monitors, scaling, tools and model backends")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # The objects the imports made live as long as the process: frozen, the collector never walks them
    # again, neither in a run's full collections nor at exit, where walking them cost 60-90 ms of every
    # short `run --plan` (14 ms frozen, measured on a process that imports this module and exits).
    gc.freeze()
    try:
        return _command(args)
    finally:
        gc.freeze()  # what the run built too: it is all released with the process


def _command(args: argparse.Namespace) -> int:
    try:
        if args.command == "run":
            return run_task(args)
        if args.command == "replay":
            return run_replay(args)
        if args.command == "record":
            return run_record(args)
        if args.command == "demo":
            return run_demo(args)
        if args.command == "export":
            return run_export(args)
        if args.command == "report":
            from agent.report import build_report

            print(build_report(args.run_dir))
            return EXIT_OK
        if args.command == "doctor":
            from agent.cli.doctor import run_doctor

            return run_doctor()
    except KeyboardInterrupt:  # before a session routed SIGINT (loading a model), or a second Ctrl+C
        print("deskpilot: interrupted", file=sys.stderr)
        return EXIT_STATUS[StopCause.SIGINT]
    except UserInputError as exc:
        print(f"deskpilot: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DeskpilotError as exc:
        print(f"deskpilot: error: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    raise AssertionError(f"unhandled command {args.command}")  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
