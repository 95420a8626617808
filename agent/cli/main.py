"""The ``deskpilot`` command line. ``main(argv) -> int``; user errors are one line, no traceback.

Nothing heavy is imported here: ``deskpilot run --plan`` is on every RPA run's critical path,
and torch/transformers would cost seconds before the first click.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from actions.errors import DeskpilotError, UserInputError
from agent.cli.model_flags import add_model_flags
from agent.cli.policy_flags import add_policy_flags, policy_from_args
from agent.cli.replay_cmd import add_on_no_change_flag, add_replay_parser, run_record, run_replay
from agent.stop import add_stop_hotkey_flag, stop_hotkey_from_flag

if TYPE_CHECKING:
    from planners.base import Planner

EXIT_OK = 0
EXIT_RUN_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line (what is wrong, and where to read more), not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"deskpilot: error: {message} (see: {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="deskpilot", description="A desktop agent that looks at the screen.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a task (needs a model) or a scripted plan (--plan)")
    run.add_argument("task", nargs="?", help="what to do, in plain language")
    run.add_argument("--plan", type=Path, help="PLAN.json: a JSON list of actions to perform, no model")
    run.add_argument("--out", type=Path, help="run directory (default: a new one under runs/)")
    run.add_argument("--monitor", type=int, help="mss monitor to watch: 0 all, 1 primary (default: 0 for a "
                     "plan, 1 for a task)")  # fmt: skip
    run.add_argument("--max-steps", type=int, default=50, help="step budget (default 50)")
    run.add_argument("--max-seconds", type=float, default=900.0, help="time budget (default 900)")
    run.add_argument("--settle-quiet-ms", type=float, default=60.0, help="stillness that ends a settle (60)")
    run.add_argument("--settle-timeout-s", type=float, default=5.0, help="longest settle after an action (5)")
    run.add_argument("--quiet", action="store_true", help="no live progress lines")
    add_on_no_change_flag(run)
    add_stop_hotkey_flag(run)
    add_model_flags(run)
    add_policy_flags(run)

    add_replay_parser(sub)

    report = sub.add_parser("report", help="(re)build RUN_DIR/report.html")
    report.add_argument("run_dir", type=Path)

    sub.add_parser("doctor", help="check the display, monitors, scaling, tools and model backends")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "replay":
            return run_replay(args)
        if args.command == "record":
            return run_record(args)
        if args.command == "report":
            from agent.report.page import build_report

            print(build_report(args.run_dir))
            return EXIT_OK
        if args.command == "doctor":
            from agent.cli.doctor import run_doctor

            return run_doctor()
    except KeyboardInterrupt:
        print("deskpilot: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except UserInputError as exc:
        print(f"deskpilot: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DeskpilotError as exc:
        print(f"deskpilot: error: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    raise AssertionError(f"unhandled command {args.command}")  # pragma: no cover


def _run(args: argparse.Namespace) -> int:
    if args.plan is None and not args.task:
        raise UserInputError("run needs a TASK (with --model or --base-url) or --plan PLAN.json")
    if args.plan is not None and args.task:
        raise UserInputError("give either a TASK or --plan, not both")
    if args.max_steps < 1 or args.max_seconds <= 0:
        raise UserInputError("--max-steps and --max-seconds must be positive")
    hotkey = stop_hotkey_from_flag(args.stop_hotkey)  # a bad combo is refused before anything runs

    from agent.settle import SettleConfig

    try:
        settle_config = SettleConfig(quiet_ms=args.settle_quiet_ms, timeout_s=args.settle_timeout_s)
    except ValueError as exc:
        raise UserInputError(f"--settle-quiet-ms / --settle-timeout-s: {str(exc).splitlines()[-1].strip()}") from None

    # Everything the user got wrong is refused before anything touches the desktop or loads a model.
    policy = policy_from_args(args)  # built once, frozen: nothing the run sees can widen it
    if args.plan is not None:
        from actions.models import Type
        from agent.plans import load_plan
        from planners.scripted import ScriptedPlanner

        actions = load_plan(args.plan)
        check_secrets([a.text for a in actions if isinstance(a, Type)], str(args.plan))
        require_display()
        planner: Planner = ScriptedPlanner(actions)
        task, monitor, max_steps = f"plan {args.plan}", 0, max(args.max_steps, len(actions))
    else:
        from agent.cli.model_flags import build_planner

        check_secrets([args.task], "the task")
        require_display()
        planner = build_planner(args)
        task, monitor, max_steps = args.task, 1, args.max_steps
    if args.monitor is not None:
        monitor = args.monitor

    from actions.executor import Executor, RecordingExecutor
    from agent.cli.progress import print_step
    from agent.loop import Agent, Budgets
    from agent.report import build_report
    from agent.run_dir import RunDirectory, new_run_dir
    from agent.screen import MssScreen

    stop = hotkey.event if hotkey is not None else None
    screen = MssScreen(monitor=monitor)
    windows = _window_reader()
    if args.dry_run:
        executor: Executor = RecordingExecutor()  # plans, settles and records; performs nothing
    else:
        from actions.pyautogui_executor import PyAutoGuiExecutor

        executor = PyAutoGuiExecutor(stop=stop)
    if policy is not None and not args.quiet:
        print(f"deskpilot: {policy.describe()}", file=sys.stderr)
    run_dir = args.out if args.out is not None else new_run_dir()
    agent = Agent(
        planner,
        executor,
        screen,
        run_dir=RunDirectory(run_dir),
        settle_config=settle_config,
        budgets=Budgets(max_steps=max_steps, max_seconds=args.max_seconds),
        on_step=None if args.quiet else print_step,
        stop=stop,
        guard=policy,
        dry_run=args.dry_run,
        windows=windows,
        on_no_change=args.on_no_change,
    )
    try:
        if hotkey is not None:
            hotkey.start()  # about 30 ms; a DesktopError when it cannot listen
            print(f"deskpilot: press {hotkey.combo} to stop", file=sys.stderr)
        result = agent.run(task)
    finally:
        if (Path(run_dir) / "run.json").exists():
            build_report(run_dir)
        screen.close()
        if windows is not None:
            windows.close()
        if hotkey is not None:
            hotkey.close()
    report = Path(result.run_dir or run_dir) / "report.html"
    outcome = "succeeded" if result.success else f"failed: {result.reason}"
    answer = f" (answer: {result.answer})" if result.answer else ""
    print(f"deskpilot: {'dry run' if args.dry_run else 'run'} {outcome}{answer}", file=sys.stderr)
    print(report)
    if "interrupted" in result.reason or (stop is not None and stop.is_set() and not result.success):
        return EXIT_INTERRUPTED
    return EXIT_OK if result.success else EXIT_RUN_FAILED


def _window_reader():  # noqa: ANN202 - WindowReader | None, imported here to keep Xlib off the import path
    """The desktop's windows, so an action's change is judged in its own window; None off X11."""
    if not sys.platform.startswith("linux"):
        return None
    from actions.x11.windows import WindowReader

    return WindowReader()


def check_secrets(texts: list[str], where: str) -> None:
    """Every ``{{secret:NAME}}`` must be set before anything runs, not discovered mid-run."""
    from actions.secrets import missing_secrets

    missing = missing_secrets(texts)
    if missing:
        names = ", ".join(missing)
        raise UserInputError(f"{where} uses {{{{secret:{missing[0]}}}}} but {names} not set in the environment")


def require_display() -> None:
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        raise UserInputError(
            "no display: DISPLAY is not set (run inside a desktop session, or under Xvfb as `make demo` does)"
        )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
