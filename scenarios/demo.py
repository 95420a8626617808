"""``make demo``: the agent runs the bundled task on the demo app, on a private virtual desktop.

    python -m scenarios.demo [--out DIR] [--use-current-display]

Starts Xvfb + openbox (never the user's own desktop unless --use-current-display), starts the demo
app, writes the bundled 12-action plan to RUN_DIR/plan.json, runs ``deskpilot run --plan`` on it as a
user would, checks the app's own state, and prints the path of the report.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from agent.records import new_run_dir
from agent.xserver import VirtualDesktop
from scenarios.demo_task import demo_plan, missed_outcomes
from scenarios.harness import DemoAppProcess


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scenarios.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="run directory (default: a new one under runs/)")
    parser.add_argument("--use-current-display", action="store_true", help="drive $DISPLAY instead of Xvfb")
    args = parser.parse_args(argv)

    run_dir = args.out or new_run_dir()
    run_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        if args.use_current_display:
            env = dict(os.environ)
        else:
            desk = stack.enter_context(VirtualDesktop())
            env = desk.env()
            print(f"demo: private virtual desktop on {desk.display} (Xvfb + openbox)", file=sys.stderr)
        app = stack.enter_context(DemoAppProcess(run_dir / "demo-app-state.json", env))
        plan_path = run_dir / "plan.json"
        plan_path.write_text(json.dumps(demo_plan(app), ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"demo: running deskpilot run --plan {plan_path}", file=sys.stderr)
        started = time.monotonic()
        cmd = [sys.executable, "-m", "agent.cli", "run", "--plan", str(plan_path), "--out", str(run_dir)]
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True)
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


def _settled_misses(app: DemoAppProcess) -> list[str]:
    try:
        app.wait(lambda s: not missed_outcomes(s), timeout_s=3.0)
    except TimeoutError:
        return missed_outcomes(app.state())
    return []


if __name__ == "__main__":
    raise SystemExit(main())
