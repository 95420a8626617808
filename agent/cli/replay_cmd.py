"""``deskpilot replay``: flags, set-up and output; the work is in agent.replay."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from actions.errors import UserInputError
from agent.cli.model_flags import add_model_flags
from agent.cli.ocr_flags import add_ocr_flags, configure_ocr
from agent.cli.policy_flags import add_policy_flags, policy_from_args
from agent.cli.run_cmd import add_on_no_change_flag
from agent.cli.stop_flags import add_stop_hotkey_flag
from agent.cli.target_flags import add_cache_flags
from agent.cli.typing_flags import add_paste_key_flag, paste_keys_from_args
from agent.preflight import check_secrets, require_display
from agent.stop import stop_hotkey_from_flag

if TYPE_CHECKING:
    from agent.policy import Policy
    from agent.replay import ReplayOutcome
    from agent.session import DesktopSession
    from planners.grounding.base import Grounder
    from planners.scenario_file import Scenario
    from planners.target_cache import TargetCache


def add_replay_parser(sub: argparse._SubParsersAction) -> None:
    replay = sub.add_parser("replay", help="replay a recorded scenario; heal it when the UI drifted")
    replay.add_argument("scenario", type=Path, help="SCENARIO.yaml")
    replay.add_argument("--heal", action="store_true", help="write refreshed anchors back and print the diff")
    replay.add_argument("--repeat", type=int, default=1, help="replay N times and print a flakiness table")
    replay.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="a scenario variable")
    replay.add_argument("--out", type=Path, help="run directory (default: a new one under runs/)")
    replay.add_argument("--monitor", type=int, default=0, help="mss monitor to watch (default 0: all)")
    replay.add_argument(
        "--vars-csv",
        type=Path,
        metavar="ROWS.csv",
        help="replay once per row (columns are variables); prints and writes a table, exit 1 if any row failed",
    )
    replay.add_argument("--stop-on-failure", action="store_true", help="with --vars-csv: stop at the first failed row")
    replay.add_argument("--quiet", action="store_true", help="print nothing but errors and the --repeat table")
    add_on_no_change_flag(replay)
    add_stop_hotkey_flag(replay, "replay")
    add_paste_key_flag(replay)
    add_cache_flags(replay, default="none: the scenario's own anchors")
    add_model_flags(replay, observe=False)  # optional: a model makes the VLM the last rung of the ladder
    # No --dry-run for replays: a scenario's checks wait for the effects a dry run never makes.
    add_policy_flags(replay, dry_run=False)
    add_ocr_flags(replay)


def _variables(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UserInputError(f"--var {pair!r}: expected NAME=VALUE")
        values[name] = value
    return values


def run_replay(args: argparse.Namespace) -> int:
    from planners.scenario_file import load_scenario, resolve_variables

    if args.repeat < 1:
        raise UserInputError("--repeat must be at least 1")
    hotkey = stop_hotkey_from_flag(args.stop_hotkey)  # a bad combo is refused before anything runs
    scenario = load_scenario(args.scenario)
    rows = _rows(args, scenario)
    variables = rows[0] if rows else resolve_variables(scenario, _variables(args.var))
    policy = policy_from_args(args)  # built once, frozen: nothing the replay sees can widen it
    paste_keys = paste_keys_from_args(args)
    configure_ocr(args)  # the OCR engine, checked before anything runs
    require_display()
    vlm = None
    if args.model:
        from agent.cli.model_flags import build_planner

        vlm = build_planner(args)

    from agent.replay import flakiness_table, healed, write_heal
    from agent.session import DesktopSession
    from agent.targeting import desktop_trees, wait_enabled_s
    from planners.grounding.ladder import default_ladder

    ladder = default_ladder(vlm, tree=desktop_trees(), wait_enabled_s=wait_enabled_s())
    if args.strict_cache:
        from planners.grounding.template import AnchorTemplateGrounder

        ladder = [AnchorTemplateGrounder()]  # a target its anchor does not confirm fails its step
    cache, learned_from = _cache(args, scenario)
    outcomes = []
    with DesktopSession(hotkey, monitor=args.monitor, quiet=args.quiet, paste_keys=paste_keys) as session:
        if policy is not None:
            session.say(policy.describe())
        if rows is not None:
            return _replay_rows(args, learned_from, rows, ladder, session, policy, cache)
        for round_number in range(args.repeat):
            run_dir = _round_dir(args.out, args.repeat, round_number)
            outcome = _replay(args, learned_from, ladder, session, policy, variables, run_dir)
            outcomes.append(outcome)
            _learn(cache, outcome)
            session.say_outcome(outcome.run, "replay", passed="passed")
            if not args.quiet:
                print(run_dir / "report.html")
            if session.stop.is_set():
                break  # no further rounds after the stop hotkey or a signal
        passed = bool(outcomes) and all(o.run.success for o in outcomes)
        if args.heal and outcomes and outcomes[-1].run.success:
            diff = write_heal(scenario, healed(scenario, args.scenario, outcomes[-1].logs), args.scenario)
            if diff:  # asked for with --heal: shown even with --quiet, for review
                print(diff, file=sys.stderr)
            else:
                session.say(f"{args.scenario}: every anchor still holds; nothing to heal")
        if args.repeat > 1:
            print(flakiness_table(scenario, outcomes))
        model_calls = sum(getattr(g, "calls", 0) for g in ladder)
        if model_calls:
            session.say(f"{model_calls} model grounding calls")
        return session.exit_status(passed)


def _rows(args: argparse.Namespace, scenario: Scenario) -> list[dict[str, str]] | None:
    """--vars-csv's rows (None without it); every row's secrets checked before anything runs."""
    from planners.scenario_file import resolve_variables

    if args.vars_csv is not None and (args.repeat > 1 or args.heal):
        raise UserInputError("--vars-csv replays once per row: it does not combine with --repeat or --heal")
    if args.cache is not None and args.heal:
        raise UserInputError("give --heal (refresh the anchors in the YAML) or --cache DIR (learn them beside it)")
    rows = None
    if args.vars_csv is not None:
        from agent.data_runs import read_rows

        rows = read_rows(args.vars_csv, scenario, _variables(args.var))
    for variables in rows or [resolve_variables(scenario, _variables(args.var))]:
        typed = [step.resolve(None, None, variables) for step in scenario.steps if step.action.get("kind") == "type"]
        check_secrets([getattr(action, "text", "") for action in typed], str(args.scenario))
    return rows


def _cache(args: argparse.Namespace, scenario: Scenario) -> tuple[TargetCache | None, Scenario]:
    """--cache DIR: the cache, and the scenario with the anchors learned there."""
    if args.cache is None:
        return None, scenario
    from agent.replay_cache import with_learned_anchors
    from planners.target_cache import TargetCache

    cache = TargetCache(args.cache, learn=not args.no_learn)
    return cache, with_learned_anchors(scenario, cache)


def _round_dir(out: Path | None, repeat: int, round_number: int) -> Path:
    """--out itself for one replay, --out/round-N for several, a new runs/ directory without --out."""
    from agent.run_dir import new_run_dir

    if out is None:
        return new_run_dir()
    return out if repeat == 1 else out / f"round-{round_number + 1}"


def _replay_rows(
    args: argparse.Namespace,
    scenario: Scenario,
    rows: list[dict[str, str]],
    ladder: list[Grounder],
    session: DesktopSession,
    policy: Policy | None,
    cache: TargetCache | None,
) -> int:
    """One replay per CSV row into OUT/row-NNN/; the table printed and written beside an index page."""
    import time

    from agent.data_runs import RowResult, failing_step, table, write_index
    from agent.run_dir import new_run_dir

    out = Path(args.out) if args.out is not None else new_run_dir()
    out.mkdir(parents=True, exist_ok=True)
    names = [step.describe() for step in scenario.steps]
    results: list[RowResult] = []
    for number, variables in enumerate(rows, start=1):
        started = time.monotonic()
        row_dir = out / f"row-{number:03d}"
        outcome = _replay(args, scenario, ladder, session, policy, variables, row_dir)
        _learn(cache, outcome)
        run = outcome.run
        results.append(
            RowResult(
                number,
                run.success,
                "-" if run.success else failing_step(run.steps, names),
                time.monotonic() - started,
                run.reason,
                f"{row_dir.name}/report.html",
            )
        )
        if not run.success:
            session.fail(f"row {number} failed: {run.reason}")
        if session.stop.is_set() or (args.stop_on_failure and not run.success):
            break
    print(table(results))
    index = write_index(out, scenario, args.vars_csv, results)
    if not args.quiet:
        print(index)
    return session.exit_status(all(r.success for r in results) and len(results) == len(rows))


def _learn(cache: TargetCache | None, outcome: ReplayOutcome) -> None:
    if cache is not None:
        from agent.replay_cache import learn_from_logs

        learn_from_logs(cache, outcome.logs)


def _replay(
    args: argparse.Namespace,
    scenario: Scenario,
    ladder: list[Grounder],
    session: DesktopSession,
    policy: Policy | None,
    variables: dict[str, str],
    run_dir: Path,
) -> ReplayOutcome:
    """One replay of ``scenario`` (a round of ``--repeat`` or a row of ``--vars-csv``), set up the same way:
    the windows to judge in, ``--on-no-change``, and a fresh policy budget each time."""
    from agent.cli.progress import print_step
    from agent.replay import replay_once

    return replay_once(
        scenario,
        args.scenario,
        ladder=ladder,
        executor=session.executor,
        screen=session.screen,
        variables=variables,
        run_dir=run_dir,
        on_step=None if args.quiet else print_step,
        guard=policy.for_new_run() if policy is not None else None,
        stop=session.stop,
        windows=session.windows,
        on_no_change=args.on_no_change,
    )
