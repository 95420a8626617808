"""Replay cost: model calls and wall time per step, on an unchanged app and after drift.

    .venv/bin/python -m bench.replay

A 10-step scenario (the bundled demo form plus three more clicks) is replayed in one run on the demo
app as recorded, then moved and rearranged, then recoloured (dark theme). The ladder ends in a VLM
rung whose "model" is an oracle that counts its calls and points at the true widget (it stands in
for Qwen3-VL: what is measured is how often the cheap rungs leave a step to the model). The
target: zero model calls on the unchanged app, and model calls after drift only for steps no
cheaper rung resolved.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from actions.coords import ScreenPoint
from actions.frame import Frame
from bench.timing import table

DRIFTS = {
    "unchanged": {"x": 40, "y": 40, "extra_args": []},
    "moved + rearranged": {"x": 420, "y": 170, "extra_args": ["--layout", "moved"]},
    "dark theme": {"x": 40, "y": 40, "extra_args": ["--theme", "dark"]},
}
EXTRA_CLICKS = ["count", "count", "double"]  # 7 bundled steps + 3 = 10


class OracleModel:
    """Points at the widget whose description the app's state names; counts calls."""

    def __init__(self) -> None:
        self.app: Any = None  # the DemoAppProcess of the drift being measured
        self.calls = 0

    def ground(self, description: str, frame: Frame) -> ScreenPoint:
        self.calls += 1
        assert self.app is not None
        for widget in ("name", "email", "agree", "submit", "count", "double"):
            if widget in description.lower().replace("'i agree'", "agree").replace("double-click", "double"):
                x, y = self.app.centre(widget)
                return ScreenPoint(x, y)
        raise AssertionError(f"the oracle does not know {description!r}")


def _ten_step_scenario(folder: Path) -> Path:
    import yaml

    from scenarios.build_demo_scenario import DEFAULT_OUT

    path = folder / "ten.yaml"
    data = yaml.safe_load(DEFAULT_OUT.read_text())
    shutil.copytree(DEFAULT_OUT.with_name("demo_form.templates"), folder / "demo_form.templates")
    data["setup"].pop("command", None)
    data["steps"][-1].pop("checks", None)  # more Count clicks follow: "Count: 1" would be stale
    # Two more Count clicks whose target has no label: when the templates fail (dark theme), no OCR
    # can stand in, so these are the steps that fall through to the model.
    count_step = {**data["steps"][-1], "target": {k: v for k, v in data["steps"][-1]["target"].items() if k != "label"}}
    double_step = {
        "action": {"kind": "click", "count": 2},
        "target": {"description": "the 'Double-click me' label", "label": "Double-click me"},
    }
    # Before the labelled Count click, so the pointer is not hovering the button (a hovered ttk
    # button lights up and looks like the recorded one again, whatever the theme).
    data["steps"][6:6] = [count_step, count_step]
    data["steps"].append(double_step)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def main(argv: list[str] | None = None) -> int:
    from actions.pyautogui_executor import PyAutoGuiExecutor
    from agent.desktop.xserver import VirtualDesktop
    from agent.replay import replay_once
    from agent.screen import MssScreen
    from planners.grounding.ladder import default_ladder
    from planners.scenario_file import load_scenario, resolve_variables
    from scenarios.harness import DemoAppProcess

    rows: list[list[object]] = []
    with VirtualDesktop() as desk, tempfile.TemporaryDirectory() as tmp:
        os.environ["DISPLAY"] = desk.display
        folder = Path(tmp)
        path = _ten_step_scenario(folder)
        scenario = load_scenario(path)
        executor, screen = PyAutoGuiExecutor(), MssScreen(0)
        for drift, where in DRIFTS.items():
            oracle = OracleModel()
            ladder = default_ladder(oracle)
            with DemoAppProcess(folder / f"{len(rows)}.json", desk.env(), **where) as app:  # type: ignore[arg-type]
                oracle.app = app
                outcome = replay_once(
                    scenario,
                    path,
                    ladder=ladder,
                    executor=executor,
                    screen=screen,
                    variables=resolve_variables(scenario, {}),
                    run_dir=None,
                )
            steps = len(scenario.steps)
            per_step_s = outcome.run.summary.duration_s / steps if outcome.run.summary else 0.0
            rungs = Counter(log.resolutions[-1].result.rung for log in outcome.logs if log.resolutions)
            grounding = [log.elapsed_ms for log in outcome.logs if log.resolutions]
            rows.append(
                [
                    drift,
                    "passed" if outcome.run.success else f"FAILED: {outcome.run.reason[:60]}",
                    f"{oracle.calls / steps:.2f}",
                    oracle.calls,
                    f"{per_step_s * 1000:.0f}",
                    f"{statistics.median(grounding):.1f}" if grounding else "-",
                    ", ".join(f"{rung} x{n}" for rung, n in rungs.most_common()),
                ]
            )
        screen.close()
    print("replay of a 10-step scenario (8 grounded targets) on the demo app; one run, side by side")
    print(
        table(
            [
                "app",
                "outcome",
                "model calls / step",
                "model calls",
                "wall ms / step",
                "grounding ms (median)",
                "rungs that resolved",
            ],
            rows,
        )
    )
    unchanged_calls = rows[0][3]
    print(f"model calls on the unchanged app: {unchanged_calls} (target 0)")
    return 0 if unchanged_calls == 0 and all(row[1] == "passed" for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
