"""``deskpilot replay SCENARIO.yaml [--heal] [--repeat N]``: run a scenario, heal it, measure flakiness.

One replay: start the scenario's setup (its command, then wait for its window), then let the loop
run a ScenarioPlanner over the steps, so a replay is recorded, verified and reported like any run.
``--heal`` writes refreshed anchors for steps a dearer rung had to find, and prints the diff.
``--repeat N`` replays N times and prints, per step, which rung resolved it, how long grounding took
and how often it needed healing.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from actions.errors import UserInputError
from actions.executor import Executor
from actions.frame import Screen
from actions.stopping import StopEvent
from actions.windows import WindowInfo, WindowSource
from agent.desktop.a11y_bus import APP_A11Y_ENV
from agent.desktop.processes import app_env, stop_process
from agent.guard import ActionGuard
from agent.loop import ProgressFn
from agent.outcome import RunResult
from agent.run_setup import RunOptions, RunOutput, run_agent
from agent.settle import SettleConfig, settle
from planners.grounding.base import Grounder
from planners.scenario_file import Anchor, Scenario, dump_scenario, save_scenario, templates_dir
from planners.scenario_planner import Resolution, ScenarioPlanner, StepLog


@dataclass
class ReplayOutcome:
    run: RunResult
    logs: list[StepLog]


@contextmanager
def scenario_setup(scenario: Scenario) -> Iterator[None]:
    """Launch the setup command unless its window is already there; wait for the window; stop only
    what we launched. The command's program is looked up on PATH, then beside this Python (a
    virtual environment's console scripts, when it is not activated)."""
    from actions.x11 import windows

    setup, proc = scenario.setup, None
    already_open = bool(setup.window_title) and windows.find_window(setup.window_title or "") is not None
    if setup.command and not already_open:
        argv = shlex.split(setup.command)
        program = shutil.which(argv[0]) or shutil.which(argv[0], path=str(Path(sys.executable).parent))
        try:
            # Asked to publish their widgets to the accessibility tree: Qt and Chromium/Electron do only when asked.
            proc = subprocess.Popen([program or argv[0], *argv[1:]], env={**app_env(os.environ), **APP_A11Y_ENV})
        except (OSError, ValueError) as exc:
            raise UserInputError(f"setup.command {setup.command!r} cannot start: {exc}") from None
    try:
        if setup.window_title:
            windows.wait_for_window(setup.window_title, setup.timeout_s)
        yield
    finally:
        if proc is not None:
            stop_process(proc)


def replay_once(
    scenario: Scenario,
    scenario_path: Path,
    *,
    ladder: Sequence[Grounder],
    executor: Executor,
    screen: Screen,
    variables: dict[str, str],
    run_dir: Path | None,
    settle_config: SettleConfig | None = None,
    on_step: ProgressFn | None = None,
    guard: ActionGuard | None = None,
    stop: StopEvent | None = None,
    windows: WindowSource | None = None,
    on_no_change: Literal["stop", "continue"] = "stop",
) -> ReplayOutcome:
    from actions.x11 import windows as x11_windows

    def find_window(title: str) -> WindowInfo | None:
        return x11_windows.find_window(f"^{re.escape(title)}$")

    planner = ScenarioPlanner(scenario, scenario_path, ladder, screen, variables, find_window=find_window)
    output = RunOutput(run_dir) if run_dir else None
    from agent.targeting import X11Windows, desktop_trees
    from planners.grounding.ocr import OcrGrounder
    from planners.targeting import TargetResolver

    # A check's ``near`` target is found as a plan's is: the tree first, then OCR (no cache: a check's
    # scope is found afresh every replay).
    reader = next((g for g in ladder if isinstance(g, OcrGrounder)), None)
    finder = TargetResolver(ocr=reader, windows=X11Windows(), tree=desktop_trees())
    options = RunOptions(
        settle_config=settle_config, guard=guard, on_step=on_step, on_no_change=on_no_change, finder=finder
    )
    with scenario_setup(scenario), contextlib.ExitStack() as cleanup:
        # A change counts in the window an action went to: a replay always knows the windows (X11).
        if windows is None:
            windows = cleanup.enter_context(contextlib.closing(x11_windows.WindowReader()))
        # A window that just appeared may still be laying itself out: start from a still screen.
        settle(screen, screen.capture(), expect_change=False, config=settle_config or SettleConfig(), cancel=stop)
        desk = _Desk(screen, executor, windows, stop if stop is not None else StopEvent())
        result = run_agent(planner, desk, f"replay {scenario.name}", output, options)
    return ReplayOutcome(result, planner.logs)


@dataclass(frozen=True)
class _Desk:
    screen: Screen
    executor: Executor
    windows: WindowSource | None
    stop: StopEvent


# -- healing ----------------------------------------------------------------------------------------
def healed(scenario: Scenario, scenario_path: Path, logs: Sequence[StepLog]) -> Scenario:
    """The scenario with fresh anchors wherever a step's target was not where its anchor said."""
    from planners.grounding.template import crop_template

    steps = list(scenario.steps)
    crops = templates_dir(scenario_path)
    for log in logs:
        updates = {}
        for slot, resolution in zip(("target", "to_target"), log.resolutions, strict=False):
            anchor = resolution.target.anchor
            point = resolution.result.point
            if point is None or log.before is None or not _needs_heal(resolution):
                continue
            crops.mkdir(parents=True, exist_ok=True)
            image, template_point = crop_template(log.before, point)
            name = f"step-{log.index + 1:03d}{'' if slot == 'target' else '-to'}.png"
            image.save(crops / name)
            window = resolution.window
            new_anchor = Anchor(
                window_title=window.title if window else (anchor.window_title if anchor else None),
                window_point=(point.x - window.left, point.y - window.top) if window else None,
                window_size=(window.width, window.height) if window else None,
                screen_point=(point.x, point.y),
                template=f"{crops.name}/{name}",
                template_point=template_point,
            )
            updates[slot] = resolution.target.model_copy(update={"anchor": new_anchor})
        if updates:
            steps[log.index] = log.step.model_copy(update=updates)
    return scenario.model_copy(update={"steps": tuple(steps)})


def _needs_heal(resolution: Resolution) -> bool:
    anchor = resolution.target.anchor
    point = resolution.result.point
    if anchor is None or point is None:
        return point is not None
    return resolution.result.rung != "anchor" or tuple(anchor.screen_point) != (point.x, point.y)


def write_heal(scenario: Scenario, fresh: Scenario, scenario_path: Path) -> str:
    """Save the healed scenario and return the unified diff of the YAML ('' when nothing changed)."""
    before, after = dump_scenario(scenario), dump_scenario(fresh)
    if before == after:
        return ""
    save_scenario(fresh, scenario_path)
    diff = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"{scenario_path} (before)",
        tofile=f"{scenario_path} (healed)",
    )
    return "".join(diff)


# -- flakiness ---------------------------------------------------------------------------------------
def flakiness_table(scenario: Scenario, outcomes: Sequence[ReplayOutcome]) -> str:
    rows = [["step", "what", "rungs that resolved it", "grounding ms (median)", "healed", "failed"]]
    for index, step in enumerate(scenario.steps):
        rungs: Counter[str] = Counter()
        times, heals, failures = [], 0, 0
        for outcome in outcomes:
            log = next((entry for entry in outcome.logs if entry.index == index), None)
            if log is None or not log.resolutions or log.resolutions[-1].result.point is None:
                failures += log is not None or not outcome.run.success
                continue
            rungs.update(r.result.rung for r in log.resolutions)
            times.append(log.elapsed_ms)
            heals += any(_needs_heal(r) for r in log.resolutions)
        shown = ", ".join(f"{rung} x{count}" for rung, count in rungs.most_common()) or (
            "-" if step.target is None else "never"
        )
        ms = f"{statistics.median(times):.1f}" if times else "-"
        rows.append([str(index + 1), step.describe()[:40], shown, ms, str(heals), str(failures)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    passed = sum(outcome.run.success for outcome in outcomes)
    return "\n".join(lines) + f"\n{passed}/{len(outcomes)} replays passed"
