"""``deskpilot run``: a plain-language task (a model plans) or a scripted plan (``--plan``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from actions.errors import UserInputError
from agent.cli.model_flags import add_model_flags
from agent.cli.ocr_flags import add_ocr_flags, configure_ocr
from agent.cli.policy_flags import add_policy_flags, policy_from_args
from agent.cli.stop_flags import add_stop_hotkey_flag
from agent.cli.target_flags import add_cache_flags
from agent.cli.typing_flags import add_paste_key_flag, paste_keys_from_args
from agent.preflight import check_secrets, require_display
from agent.stop import stop_hotkey_from_flag

if TYPE_CHECKING:
    from collections.abc import Callable

    from agent.learn import ScenarioLearner
    from agent.run_dir import StepRecord
    from agent.session import DesktopSession
    from agent.settle import SettleConfig
    from planners.base import Planner


def add_run_parser(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="run a task (needs a model) or a scripted plan (--plan)")
    run.add_argument("task", nargs="?", help="what to do, in plain language")
    run.add_argument("--plan", type=Path, help="PLAN.json: a JSON list of actions to perform, no model")
    run.add_argument("--out", type=Path, help="run directory (default: a new one under runs/)")
    run.add_argument(
        "--monitor", type=int, help="mss monitor to watch: 0 all, 1 primary (default: 0 for a plan, 1 for a task)"
    )
    run.add_argument("--max-steps", type=int, default=50, help="step budget (default 50)")
    run.add_argument("--max-seconds", type=float, default=900.0, help="time budget (default 900)")
    run.add_argument("--settle-quiet-ms", type=float, default=60.0, help="stillness that ends a settle (60)")
    run.add_argument("--settle-timeout-s", type=float, default=5.0, help="longest settle after an action (5)")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    add_on_no_change_flag(run)
    run.add_argument(
        "--save-scenario",
        type=Path,
        metavar="FLOW.yaml",
        help="write the steps that passed as a scenario that `deskpilot replay` runs without the model",
    )
    add_stop_hotkey_flag(run)
    add_paste_key_flag(run)
    add_cache_flags(run)
    add_model_flags(run)
    add_policy_flags(run)
    add_ocr_flags(run)


def add_on_no_change_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--on-no-change",
        choices=["stop", "continue"],
        default="stop",
        help="a step that changed nothing where it acted: stop the run there (default), or record it and go on; "
        'an action whose effect is not visible should say "expect": "none" instead',
    )


def _settle_config(args: argparse.Namespace) -> SettleConfig:
    from agent.settle import SettleConfig

    try:
        return SettleConfig(quiet_ms=args.settle_quiet_ms, timeout_s=args.settle_timeout_s)
    except ValueError as exc:
        raise UserInputError(f"--settle-quiet-ms / --settle-timeout-s: {str(exc).splitlines()[-1].strip()}") from None


def _planner(args: argparse.Namespace) -> tuple[Planner, str, int, int]:
    """The planner, the task's name, the default monitor and the step budget; refuses bad input."""
    if args.plan is not None:
        from actions.models import Type
        from agent.cli.target_flags import resolver_from_args
        from agent.plans import check_on_screen, load_plan
        from planners.targeting import TargetingPlanner

        actions = load_plan(args.plan)
        check_secrets([a.text for a in actions if isinstance(a, Type)], str(args.plan))
        require_display()
        check_on_screen(actions, str(args.plan))  # live monitors: an off-screen point is refused up front
        model = None
        if args.model or args.base_url:  # a model for description targets (and texts nothing cheaper finds)
            from agent.cli.model_flags import build_planner

            model = build_planner(args)
        planner = TargetingPlanner(actions, resolver_from_args(args, args.plan, model))
        return planner, f"plan {args.plan}", 0, max(args.max_steps, len(actions))
    from agent.cli.model_flags import build_planner

    check_secrets([args.task], "the task")
    require_display()
    return build_planner(args), args.task, 1, args.max_steps


def run_task(args: argparse.Namespace) -> int:
    if args.plan is None and not args.task:
        raise UserInputError("run needs a TASK (with --model or --base-url) or --plan PLAN.json")
    if args.plan is not None and args.task:
        raise UserInputError("give either a TASK or --plan, not both")
    if args.max_steps < 1 or args.max_seconds <= 0:
        raise UserInputError("--max-steps and --max-seconds must be positive")
    # Everything the user got wrong is refused before anything touches the desktop or loads a model.
    hotkey = stop_hotkey_from_flag(args.stop_hotkey)
    settle_config = _settle_config(args)
    paste_keys = paste_keys_from_args(args)
    policy = policy_from_args(args)  # built once, frozen: nothing the run sees can widen it
    configure_ocr(args)  # the OCR engine, checked before anything runs
    planner, task, monitor, max_steps = _planner(args)

    from agent.cli.progress import print_step
    from agent.loop import Budgets
    from agent.run_dir import new_run_dir
    from agent.run_setup import RunOptions, RunOutput, run_agent
    from agent.session import DesktopSession
    from agent.targeting import desktop_trees

    output = RunOutput(args.out if args.out is not None else new_run_dir())
    learner = None
    on_step: Callable[[StepRecord], None] | None = None if args.quiet else print_step
    if args.save_scenario is not None:
        from agent.learn import ScenarioLearner

        learner = ScenarioLearner()
        on_step = learner.chain(on_step)
    monitor = args.monitor if args.monitor is not None else monitor
    options = RunOptions(
        settle_config=settle_config,
        budgets=Budgets(max_steps=max_steps, max_seconds=args.max_seconds),
        guard=policy,
        on_step=on_step,
        dry_run=args.dry_run,
        on_no_change=args.on_no_change,
        # Where password fields are read: a plan's resolver has its own trees, a model's may (--observe).
        trees=None if args.plan is not None else getattr(planner, "trees", None) or desktop_trees(),
    )
    with DesktopSession(
        hotkey, monitor=monitor, dry_run=args.dry_run, quiet=args.quiet, paste_keys=paste_keys
    ) as session:
        if policy is not None:
            session.say(policy.describe())
        result = run_agent(planner, session, task, output, options)
        _after_run(args, session, planner, learner, result.success, output.run_dir, task)
        session.say_outcome(result, "dry run" if args.dry_run else "run")
        if not args.quiet:
            print(output.run_dir / "report.html")
        return session.exit_status(result.success)


def _after_run(
    args: argparse.Namespace,
    session: DesktopSession,
    planner: Planner,
    learner: ScenarioLearner | None,
    success: bool,
    run_dir: Path,
    task: str,
) -> None:
    """Say how targets were found (--plan) and save what a model run learned (--save-scenario)."""
    resolver = getattr(planner, "resolver", None)
    if resolver is not None and resolver.calls:
        from agent.cli.target_flags import calls_line

        session.say(calls_line(resolver))
    if learner is None:
        return
    if not success:
        session.fail(f"--save-scenario: the run failed, so {args.save_scenario} was not written")
        return
    scenario = learner.save(run_dir, args.save_scenario, task)
    session.say(
        f"saved {len(scenario.steps)} steps to {args.save_scenario} (replay: deskpilot replay {args.save_scenario})"
    )
