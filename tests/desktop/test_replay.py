"""`deskpilot replay` of the bundled scenario on a drifted demo app: moved, resized, rearranged,
recoloured; and the failures that must fail: the target gone, or two equally plausible targets."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from planners.scenario_file import load_scenario
from scenarios.harness import DemoAppProcess

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios" / "demo_form.yaml"


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    """A private copy (healing rewrites it), templates included."""
    target = tmp_path / "demo_form.yaml"
    shutil.copy(BUNDLED, target)
    shutil.copytree(BUNDLED.with_name("demo_form.templates"), tmp_path / "demo_form.templates")
    return target


def replay(scenario: Path, env: dict[str, str], out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "deskpilot", "replay", str(scenario), "--out", str(out), "--quiet", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


def rungs(out: Path) -> list[str]:
    steps = [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]
    return [s["grounding"][0]["rung"] for s in steps if s.get("grounding")]


def filled(state: dict) -> bool:
    return state["submitted"] == {"name": "Ada Lovelace", "email": "ada@example.com", "notes": "", "agree": True}


@pytest.mark.parametrize(
    ("app_args", "expected_rungs"),
    [
        ({"x": 40, "y": 40}, ["anchor"] * 5),
        ({"x": 420, "y": 170}, ["anchor"] * 5),  # moved: anchors are window-relative
        ({"x": 40, "y": 40, "extra_args": ["--layout", "moved"]}, ["anchor", "anchor", "anchor", "template", "anchor"]),
        ({"x": 40, "y": 40, "extra_args": ["--theme", "dark"]}, ["ocr"] * 5),
    ],
    ids=["unchanged", "moved", "button-moved", "dark-theme"],
)
def test_replay_heals_drift(desktop, scenario, tmp_path, app_args, expected_rungs) -> None:
    with DemoAppProcess(tmp_path / "state.json", desktop.env(), **app_args) as app:
        proc = replay(scenario, desktop.env(), tmp_path / "run")
        assert proc.returncode == 0, proc.stderr
        state = app.wait(lambda s: s["count_clicks"] == 1)
    assert filled(state)
    assert rungs(tmp_path / "run") == expected_rungs


def test_replay_after_a_resize(desktop, scenario, tmp_path) -> None:
    extra = ["--resizable", "--size", "860x640"]
    with DemoAppProcess(tmp_path / "state.json", desktop.env(), x=60, y=60, extra_args=extra) as app:
        proc = replay(scenario, desktop.env(), tmp_path / "run")
        assert proc.returncode == 0, proc.stderr
        state = app.wait(lambda s: s["count_clicks"] == 1)
    assert filled(state)
    assert set(rungs(tmp_path / "run")) <= {"anchor", "template", "ocr"}


def test_heal_writes_fresh_anchors_and_prints_the_diff(desktop, scenario, tmp_path) -> None:
    before = load_scenario(scenario)
    with DemoAppProcess(tmp_path / "state.json", desktop.env(), x=420, y=170, extra_args=["--layout", "moved"]):
        proc = replay(scenario, desktop.env(), tmp_path / "run", "--heal")
    assert proc.returncode == 0, proc.stderr
    assert f"+++ {scenario} (healed)" in proc.stderr
    after = load_scenario(scenario)  # still a valid scenario
    moved_anchor = after.steps[0].target.anchor
    assert moved_anchor is not None and before.steps[0].target.anchor is not None
    assert moved_anchor.screen_point[0] - before.steps[0].target.anchor.screen_point[0] == 380
    assert moved_anchor.window_point == before.steps[0].target.anchor.window_point
    submit = after.steps[5].target.anchor
    assert submit is not None and (scenario.parent / submit.template).is_file()
    # A second replay on the same drifted app now finds every target by the cheapest rung.
    with DemoAppProcess(tmp_path / "state2.json", desktop.env(), x=420, y=170, extra_args=["--layout", "moved"]):
        again = replay(scenario, desktop.env(), tmp_path / "run2")
    assert again.returncode == 0, again.stderr
    assert rungs(tmp_path / "run2") == ["anchor"] * 5


@pytest.mark.parametrize(("variant", "why"), [("none", "not on the screen"), ("two", "")], ids=["gone", "twins"])
def test_a_missing_or_ambiguous_target_fails_naming_the_step(desktop, scenario, tmp_path, variant, why) -> None:
    with DemoAppProcess(tmp_path / "state.json", desktop.env(), extra_args=["--submit", variant]) as app:
        started = time.monotonic()
        proc = replay(scenario, desktop.env(), tmp_path / "run")
        elapsed = time.monotonic() - started
        state = app.state()
    assert proc.returncode == 1
    assert "step 6 (click the Submit button): no confident match for 'the Submit button'" in proc.stderr
    assert why in proc.stderr
    assert state["submit_count"] == 0 and state["count_clicks"] == 0  # nothing clicked for it, nor after
    assert state["agree"] is True  # the steps before it did run
    assert elapsed < 30
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["success"] is False and "step 6" in summary["reason"]


def test_repeat_prints_a_flakiness_table(desktop, scenario, tmp_path) -> None:
    """Each round starts a fresh app through the scenario's own setup command."""
    data = yaml.safe_load(scenario.read_text())
    state = tmp_path / "state.json"
    data["setup"]["command"] = f"{sys.executable} -m scenarios.demo_app --state {state} --x 200 --y 100"
    scenario.write_text(yaml.safe_dump(data, sort_keys=False))
    proc = replay(scenario, desktop.env(), tmp_path / "runs", "--repeat", "2")
    assert proc.returncode == 0, proc.stderr
    assert "2/2 replays passed" in proc.stdout
    rows = [line for line in proc.stdout.splitlines() if line[:1].isdigit() and "anchor x2" in line]
    assert len(rows) == 5


def test_bad_scenarios_are_refused_in_one_line(desktop, tmp_path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump({"name": "x", "steps": [{"action": {"kind": "click", "x": 3, "y": 4}}]}))
    proc = replay(broken, desktop.env(), tmp_path / "run")
    assert proc.returncode == 2
    why = "step 1: action: give a target instead of coordinates (x, y)"
    assert proc.stderr.strip() == f"deskpilot: error: {broken}: {why}"
