"""A 12-action plan on the demo app: ``deskpilot run --plan`` against the same plan with a fixed
2 s delay after each action. Both are whole processes, start-up included, and every action's
effect is checked in the app's own state afterwards.

    .venv/bin/python -m bench.plan_speed [--rounds N] [--delay-s S]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.timing import table


def _one_run(kind: str, desk, workdir: Path, delay_s: float) -> tuple[float, list[str]]:
    from scenarios.demo_task import demo_plan, missed_outcomes
    from scenarios.harness import DemoAppProcess

    with DemoAppProcess(workdir / f"{kind}-state.json", desk.env()) as app:
        plan = workdir / f"{kind}-plan.json"
        plan.write_text(json.dumps(demo_plan(app)), encoding="utf-8")
        if kind == "deskpilot":
            out = Path(tempfile.mkdtemp(dir=workdir))
            cmd = [sys.executable, "-m", "deskpilot", "run", "--plan", str(plan), "--out", str(out), "--quiet"]
        else:
            cmd = [sys.executable, "-m", "bench.fixed_delay", str(plan), str(delay_s)]
        started = time.perf_counter()
        proc = subprocess.run(cmd, env=desk.env(), capture_output=True, text=True)
        wall_s = time.perf_counter() - started
        if proc.returncode != 0:
            return wall_s, [f"exit status {proc.returncode}: {proc.stderr.strip()[-300:]}"]
        try:
            app.wait(lambda s: not missed_outcomes(s), timeout_s=3.0)
            return wall_s, []
        except TimeoutError:
            return wall_s, missed_outcomes(app.state())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="deskpilot runs (the baseline runs once)")
    parser.add_argument("--delay-s", type=float, default=2.0)
    args = parser.parse_args(argv)

    from agent.desktop.xserver import VirtualDesktop

    with VirtualDesktop() as desk, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        ours = [_one_run("deskpilot", desk, workdir, args.delay_s) for _ in range(args.rounds)]
        baseline = _one_run("fixed-delay", desk, workdir, args.delay_s)
    ours_s = statistics.median(wall for wall, _ in ours)
    rows = [
        ["deskpilot run --plan (settle + verify + records + report)", ours_s, sum(not m for _, m in ours), len(ours)],
        [f"fixed {args.delay_s:g} s delay after each action", baseline[0], int(not baseline[1]), 1],
    ]
    print("12-action plan on the demo app, wall seconds including start-up (median of deskpilot runs)")
    print(table(["runner", "s", "runs all landed", "runs"], rows))
    ratio = baseline[0] / ours_s
    print(f"speed-up: {ratio:.1f}x (target >= 10x)")
    for wall, missed in [*ours, baseline]:
        for line in missed:
            print(f"  MISSED ({wall:.1f} s run): {line}")
    failed = any(m for _, m in ours) or bool(baseline[1])
    return 1 if failed or ratio < 10 else 0


if __name__ == "__main__":
    raise SystemExit(main())
