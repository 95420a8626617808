"""``deskpilot demo``: the agent operates the demo app on a private virtual desktop, twice.

    deskpilot demo [--out DIR] [--use-current-display]      (also: python -m scenarios.demo)

Starts Xvfb + openbox (never the user's own desktop unless --use-current-display), then:

1. an RPA plan: writes the bundled 12-action plan to RUN_DIR/plan.json and runs
   ``deskpilot run --plan`` on it as a user would;
2. a self-healing replay: starts the app somewhere else, with its buttons rearranged, and runs
   ``deskpilot replay --heal`` on a copy of the bundled scenario (recorded at the default place),
   which finds every target again and prints the healed anchors as a diff.

Each part checks the app's own state and prints the path of its report. It runs from an installed
wheel in any directory: everything it writes goes under the run directory (``./runs/...`` by default),
and its child processes run inside that directory, so neither site-packages nor a package of the
user's own that happens to share a name with ours is ever in their way.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from agent.desktop.xserver import VirtualDesktop
from agent.run_dir import new_run_dir
from scenarios.build_demo_scenario import DEFAULT_OUT as BUNDLED_SCENARIO
from scenarios.demo_task import demo_plan, missed_outcomes
from scenarios.harness import DemoAppProcess


def add_demo_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``deskpilot demo``: the command line of the layers below knows nothing of the demo; deskpilot.cli adds it."""
    _add_arguments(sub.add_parser("demo", help="operate the bundled demo app on a private virtual desktop"))


def run_demo_command(args: argparse.Namespace) -> int:
    return run_demo(args.out, use_current_display=args.use_current_display)


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, help="run directory (default: a new one under ./runs/)")
    parser.add_argument(
        "--use-current-display", action="store_true", help="drive $DISPLAY instead of a private Xvfb + openbox"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scenarios.demo", description=__doc__.split("\n\n")[0])
    _add_arguments(parser)
    return run_demo_command(parser.parse_args(argv))


def run_demo(out: Path | None = None, *, use_current_display: bool = False) -> int:
    """Both parts; the run directory is ``out`` or a new one under ./runs, made absolute before any child starts."""
    run_dir = (out or new_run_dir()).absolute()
    run_dir.mkdir(parents=True, exist_ok=True)
    print(f"demo: run directory {run_dir}", file=sys.stderr)
    plan_status = _plan_part(run_dir / "plan-run", use_current_display)
    if plan_status:
        return plan_status
    return _replay_part(run_dir / "replay", use_current_display)


def _desktop_env(stack: ExitStack, use_current_display: bool) -> dict[str, str]:
    if use_current_display:
        return dict(os.environ)
    desk = stack.enter_context(VirtualDesktop())
    print(f"demo: private virtual desktop on {desk.display} (Xvfb + openbox)", file=sys.stderr)
    return desk.env()


def _plan_part(run_dir: Path, use_current_display: bool) -> int:
    run_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        env = _desktop_env(stack, use_current_display)
        app = stack.enter_context(DemoAppProcess(run_dir / "demo-app-state.json", env))
        plan_path = run_dir / "plan.json"
        plan_path.write_text(json.dumps(demo_plan(app), ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"demo: running deskpilot run --plan {plan_path}", file=sys.stderr)
        started = time.monotonic()
        cmd = [sys.executable, "-m", "deskpilot", "run", "--plan", str(plan_path), "--out", str(run_dir)]
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, cwd=run_dir)
        elapsed = time.monotonic() - started
        missed = _settled_misses(app)
    report = run_dir / "report.html"
    if proc.returncode != 0:
        print(f"demo: deskpilot exited with status {proc.returncode}; report: {report}", file=sys.stderr)
        return 1
    if missed:
        print("demo: the run finished but the app did not get everything:", file=sys.stderr)
        for line in missed:
            print(f"  - {line}", file=sys.stderr)
        return 1
    print(f"demo: all 12 actions landed in the app ({elapsed:.1f} s including start-up)", file=sys.stderr)
    print(report)
    return 0


def _replay_part(run_dir: Path, use_current_display: bool) -> int:
    """Replay the bundled scenario on a moved, rearranged app, healing a copy of it."""
    scenario = run_dir / "scenario" / BUNDLED_SCENARIO.name
    scenario.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(BUNDLED_SCENARIO, scenario)
    templates = BUNDLED_SCENARIO.with_name(BUNDLED_SCENARIO.stem + ".templates")
    shutil.copytree(templates, scenario.with_name(templates.name), dirs_exist_ok=True)
    with ExitStack() as stack:
        env = _desktop_env(stack, use_current_display)
        moved = DemoAppProcess(run_dir / "demo-app-state.json", env, x=420, y=170, extra_args=["--layout", "moved"])
        app = stack.enter_context(moved)
        print(
            "demo: the app moved to (420, 170) and its Submit button moved: replaying "
            f"deskpilot replay {scenario} --heal",
            file=sys.stderr,
        )
        cmd = [sys.executable, "-m", "deskpilot", "replay", str(scenario), "--heal", "--out", str(run_dir / "run")]
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, cwd=run_dir)
        try:
            state = app.wait(lambda s: s["count_clicks"] == 1 and s["submit_count"] == 1, timeout_s=3.0)
        except TimeoutError:
            state = None
    if proc.returncode != 0 or state is None:
        print(f"demo: the replay did not complete (status {proc.returncode})", file=sys.stderr)
        return 1
    print(
        f"demo: every step of the scenario found its target again; the healed scenario is at {scenario}",
        file=sys.stderr,
    )
    print(proc.stdout.strip())
    return 0


def _settled_misses(app: DemoAppProcess) -> list[str]:
    try:
        app.wait(lambda s: not missed_outcomes(s), timeout_s=3.0)
    except TimeoutError:
        return missed_outcomes(app.state())
    return []


if __name__ == "__main__":
    raise SystemExit(main())
