"""Start-up as users feel it: ``deskpilot --version``, ``deskpilot --help`` and a one-action
``deskpilot run --plan`` as whole processes, side by side with a bare ``python -c pass`` of the same
interpreter, the rounds interleaved so that load from other processes hits every row alike.

Targets: ``--version`` and ``--help`` at most 4x the bare interpreter; the one-action plan at most
0.45 s. The "dependency floor" row is the same plan done by the contracts' dependencies alone (no
Deskpilot code): what no change inside Deskpilot can go below.

Each ``--tree DIR`` (repeatable; default: this checkout) is run through the entry point that
its pyproject.toml gives the ``deskpilot`` script, with DIR first on sys.path, so that an exported copy
of another commit (``git archive main | tar -x -C /tmp/main``) is measured beside this one.

    .venv/bin/python -m bench.startup [--rounds 7] [--tree DIR ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.timing import as_installed, table

ROOT = Path(__file__).resolve().parents[1]
COMMAND_RATIO_TARGET = 4.0
PLAN_TARGET_S = 0.45
ONE_ACTION_PLAN = [{"kind": "move", "x": 5, "y": 5}]  # "expect" none: nothing to settle, only start and end
# The least any process that keeps the contracts can do for that plan: import what the contracts name
# (numpy frames, pydantic models, pyautogui acting, python-xlib windows, mss screenshots), open one X
# connection, grab the screen twice (before and after) and move. No Deskpilot code at all: the row says
# how much of the plan's time is the dependencies' own start-up on this machine.
DEPENDENCY_FLOOR = (
    "import numpy, pydantic, mss, pyautogui; from Xlib.display import Display; Display().screen(); "
    "shot = mss.mss(); numpy.asarray(shot.grab(shot.monitors[0])); pyautogui.moveTo(5, 5); "
    "numpy.asarray(shot.grab(shot.monitors[0]))"
)


def entry_point(tree: Path) -> str:
    """``module:function`` of the tree's ``deskpilot`` console script."""
    found = re.search(r'^deskpilot = "([\w.]+:\w+)"', (tree / "pyproject.toml").read_text(), re.M)
    if found is None:
        raise SystemExit(f"{tree}/pyproject.toml names no deskpilot script")
    return found.group(1)


def deskpilot_argv(tree: Path) -> list[str]:
    """What the console script runs, for this tree: a wrapper of the same size, only the import differs."""
    module, function = entry_point(tree).split(":")
    code = f"import sys; from {module} import {function}; sys.exit({function}())"
    return [sys.executable, "-c", code]


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall seconds, and the CPU seconds (user + system) the process itself used: on a shared machine the
    wall time grows with everyone else's load, the CPU time much less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[-3:])}: exit status {proc.returncode}: {proc.stderr.strip()[-400:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="runs of each command (the median is shown)")
    parser.add_argument("--tree", type=Path, action="append", help="a source tree to measure (default: this one)")
    args = parser.parse_args(argv)
    trees = [tree.resolve() for tree in args.tree or [ROOT]]

    from agent.desktop.xserver import VirtualDesktop

    with VirtualDesktop() as desk, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        plan = work / "plan.json"
        plan.write_text(json.dumps(ONE_ACTION_PLAN), encoding="utf-8")
        commands: dict[str, tuple[list[str], dict[str, str]]] = {
            "python -c pass": ([sys.executable, "-c", "pass"], {}),
            "dependency floor of the plan": ([sys.executable, "-c", DEPENDENCY_FLOOR], desk.env()),
        }
        for tree in trees:
            env = {**desk.env(), "PYTHONPATH": str(tree)}
            base = deskpilot_argv(tree)
            name = "" if len(trees) == 1 else f" [{tree.name}]"
            commands[f"deskpilot --version{name}"] = ([*base, "--version"], env)
            commands[f"deskpilot --help{name}"] = ([*base, "--help"], env)
            # No --out: each run makes its own runs/<stamp>-<n> under the scratch folder, as a user's would.
            commands[f"deskpilot run --plan (1 move){name}"] = ([*base, "run", "--plan", str(plan), "--quiet"], env)
        # As an installed wheel runs: with its bytecode cached (pip compiles it at install). A round that
        # is not counted writes the caches of the trees measured.
        base_env = as_installed(os.environ)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for round_ in range(args.rounds + 1):
            for name, (cmd, env) in commands.items():
                elapsed, cpu_s = timed(cmd, {**base_env, **env}, work)
                if round_:
                    samples[name].append(elapsed)
                    cpu[name].append(cpu_s)
    bare_s = statistics.median(samples["python -c pass"])
    bare_cpu_s = statistics.median(cpu["python -c pass"])
    rows, missed = [], []
    for name, values in samples.items():
        median_s, cpu_s = statistics.median(values), statistics.median(cpu[name])
        ratio = median_s / bare_s
        if "run --plan" in name or "floor" in name:
            target, met = f"<= {PLAN_TARGET_S} s", median_s <= PLAN_TARGET_S
        elif name.startswith("deskpilot"):
            target, met = f"<= {COMMAND_RATIO_TARGET:g}x", ratio <= COMMAND_RATIO_TARGET
        else:
            target, met = "", True
        rows.append(
            [
                name,
                median_s * 1000,
                f"{ratio:.1f}x",
                cpu_s * 1000,
                f"{cpu_s / bare_cpu_s:.1f}x",
                target,
                "" if met else "MISSED",
            ]
        )
        missed += [] if met or "floor" in name else [name]  # the floor is not ours to meet: it is the context
    print(f"whole-process wall time, median of {args.rounds} interleaved rounds ({sys.executable})")
    print(table(["command", "wall ms", "/ python -c pass", "cpu ms", "/ python -c pass", "target (wall)", ""], rows))
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
