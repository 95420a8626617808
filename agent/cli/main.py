"""The ``deskpilot`` command line. ``main(argv) -> int``; user errors are one line, no traceback.

A command's module is imported only when it is the command given: ``deskpilot --version`` and
``deskpilot --help`` import none of the floors (pydantic, numpy and the X11 stack cost several times
a bare interpreter's start), and ``deskpilot run --plan`` loads the loop but never torch or
transformers. Each command lives in its own module (``run_cmd``, ``replay_cmd``, ``record_cmd``);
they share one ``DesktopSession``. Commands of the layers above (``deskpilot demo``, which drives the
bundled demo app of ``scenarios``) are handed in by the caller: ``deskpilot.cli`` is the console script.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable, Sequence

# Not `from typing import TYPE_CHECKING`: typing and dataclasses are a third of this module's import
# time, and --help imports little else. Type checkers treat any TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn

    AddParser = Callable[[argparse._SubParsersAction[Any]], None]
    RunCommand = Callable[[argparse.Namespace], int]


class Command:
    """One subcommand: its name and one-line help (all ``deskpilot --help`` needs), and ``load``, which
    imports its module and returns the function that adds its parser and the function that runs it."""

    __slots__ = ("name", "help", "load")

    def __init__(self, name: str, help: str, load: Callable[[], tuple[AddParser, RunCommand]]) -> None:
        self.name, self.help, self.load = name, help, load


def _run() -> tuple[AddParser, RunCommand]:
    from agent.cli.run_cmd import add_run_parser, run_task

    return add_run_parser, run_task


def _replay() -> tuple[AddParser, RunCommand]:
    from agent.cli.replay_cmd import add_replay_parser, run_replay

    return add_replay_parser, run_replay


def _record() -> tuple[AddParser, RunCommand]:
    from agent.cli.record_cmd import add_record_parser, run_record

    return add_record_parser, run_record


def _export() -> tuple[AddParser, RunCommand]:
    from agent.cli.export_cmd import add_export_parser, run_export

    return add_export_parser, run_export


def _report() -> tuple[AddParser, RunCommand]:
    from agent.cli.report_cmd import add_report_parser, run_report

    return add_report_parser, run_report


def _doctor() -> tuple[AddParser, RunCommand]:
    from agent.cli.doctor import add_doctor_parser, run_doctor_command

    return add_doctor_parser, run_doctor_command


COMMANDS = (
    Command("run", "run a task (needs a model) or a scripted plan (--plan)", _run),
    Command("replay", "replay a recorded scenario; heal it when the UI drifted", _replay),
    Command("record", "record your clicks, drags, scrolls and typing as a scenario", _record),
    Command("export", "print a scenario as a Python script using deskpilot.Desktop", _export),
    Command("report", "(re)build RUN_DIR/report.html", _report),
    Command("doctor", "check the display, monitors, scaling, tools and model backends", _doctor),
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line (what is wrong, and where to read more), not a usage dump."""

    def error(self, message: str) -> NoReturn:
        from agent.session import EXIT_USAGE

        self.exit(EXIT_USAGE, f"deskpilot: error: {message} (see: {self.prog} --help)\n")


class _Version(argparse.Action):
    """``--version``: the installed distribution's version, read only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> NoReturn:
        from agent.version import installed_version

        print(f"deskpilot {installed_version()}")  # on stdout, as argparse's own version action prints it
        parser.exit()


def _given(argv: Sequence[str], commands: Sequence[Command]) -> Command | None:
    """The command named on the line: the first word that is not an option (the top level has no
    option that takes a value), or None (``--version``, ``--help``, or a name argparse will refuse)."""
    first = next((word for word in argv if not word.startswith("-")), None)
    return next((command for command in commands if command.name == first), None)


def _parser(given: Command | None, commands: Sequence[Command]) -> tuple[argparse.ArgumentParser, RunCommand | None]:
    """The full parser of the given command; the others are names with their help only."""
    parser = _Parser(prog="deskpilot", description="A desktop agent that looks at the screen.")
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run: RunCommand | None = None
    for command in commands:
        if command is given:
            add, run = command.load()
            add(sub)
        else:
            sub.add_parser(command.name, help=command.help)
    return parser, run


def main(argv: Sequence[str] | None = None, extra: Sequence[Command] = ()) -> int:
    """The command line; ``extra`` are the commands of the layers above (``deskpilot.cli`` adds ``demo``)."""
    words = sys.argv[1:] if argv is None else list(argv)
    commands = [*COMMANDS, *extra]
    parser, run = _parser(_given(words, commands), commands)
    args = parser.parse_args(words)
    assert run is not None  # parse_args exits unless the command given is one of ours
    # The objects the imports made live as long as the process: frozen, the collector never walks them
    # again, neither in a run's full collections nor at exit, where walking them cost 60-90 ms of every
    # short `run --plan` (14 ms frozen, measured on a process that imports this module and exits).
    gc.freeze()
    try:
        return _command(run, args)
    finally:
        gc.freeze()  # what the run built too: it is all released with the process


def _command(run: RunCommand, args: argparse.Namespace) -> int:
    from actions.errors import DeskpilotError, UserInputError
    from actions.stopping import StopCause
    from agent.session import EXIT_RUN_FAILED, EXIT_USAGE
    from agent.signals import EXIT_STATUS

    try:
        return run(args)
    except KeyboardInterrupt:  # before a session routed SIGINT (loading a model), or a second Ctrl+C
        print("deskpilot: interrupted", file=sys.stderr)
        return EXIT_STATUS[StopCause.SIGINT]
    except UserInputError as exc:
        print(f"deskpilot: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DeskpilotError as exc:
        print(f"deskpilot: error: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
