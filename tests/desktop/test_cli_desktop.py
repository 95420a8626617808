"""`deskpilot run --plan` as a user runs it: a subprocess on a real X server, start-up included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from agent.desktop.xserver import ScreenSpec, VirtualDesktop
from scenarios.harness import DemoAppProcess


def deskpilot(args: list[str], env: dict[str, str], *python_flags: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, *python_flags, "-m", "deskpilot", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def write_plan(path: Path, actions: list[dict]) -> Path:
    path.write_text(json.dumps(actions, ensure_ascii=False))
    return path


def test_run_plan_end_to_end_writes_the_run_directory(desktop, demo_app, tmp_path) -> None:
    count = demo_app.centre("count")
    name = demo_app.centre("name")
    plan = write_plan(
        tmp_path / "plan.json",
        [
            {"kind": "click", "x": count[0], "y": count[1]},
            {"kind": "click", "x": name[0], "y": name[1]},
            {"kind": "type", "text": "Ünïcødé <ok>"},
            {"kind": "key", "keys": ["ctrl", "s"]},
        ],
    )
    out = tmp_path / "run"
    proc = deskpilot(["run", "--plan", str(plan), "--out", str(out)], desktop.env(), "-X", "importtime")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out / "report.html")
    state = demo_app.wait(lambda s: s["last_chord"] == "ctrl+s")
    assert (state["count_clicks"], state["name"], state["last_chord"]) == (1, "Ünïcødé <ok>", "ctrl+s")

    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if "|" in line}
    assert not imported & {"torch", "transformers"}, "run --plan must not import the model stack"

    steps = [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]
    assert [s["action"]["kind"] for s in steps] == ["click", "click", "type", "key"]
    assert steps[2]["text_strategy"] is not None
    summary = json.loads((out / "summary.json").read_text())
    assert summary["success"] is True and summary["steps"] == 4
    assert all((out / s["after"]).is_file() for s in steps)
    progress = [line for line in proc.stderr.splitlines() if line.startswith("step ")]
    assert len(progress) == 4 and "click(x=" in progress[0]


def test_a_failing_run_exits_1_with_its_reason(desktop, tmp_path) -> None:
    plan = write_plan(tmp_path / "plan.json", [{"kind": "move", "x": 0, "y": 0}, {"kind": "move", "x": 50, "y": 50}])
    proc = deskpilot(["run", "--plan", str(plan), "--out", str(tmp_path / "run")], desktop.env())
    assert proc.returncode == 1
    assert "deskpilot: run failed: pyautogui failsafe: the mouse is in a screen corner" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["success"] is False


def test_a_click_on_the_second_monitor_lands_there(tmp_path) -> None:
    two_monitors = VirtualDesktop(screens=(ScreenSpec(1280, 800), ScreenSpec(1024, 768)))
    with two_monitors as desk, DemoAppProcess(tmp_path / "state.json", desk.env(), x=1300, y=100) as app:
        x, y = app.centre("count")
        assert x > 1280  # the app really is on monitor 2
        plan = write_plan(tmp_path / "plan.json", [{"kind": "click", "x": x, "y": y}])
        out = tmp_path / "run"
        proc = deskpilot(["run", "--plan", str(plan), "--monitor", "2", "--out", str(out)], desk.env())
        assert proc.returncode == 0, proc.stderr
        assert app.wait(lambda s: s["count_clicks"] == 1)["last_click_widget"] == "count"
        profile = json.loads((out / "run.json").read_text())["profile"]
        assert (profile["left"], profile["top"], profile["width"], profile["height"]) == (1280, 0, 1024, 768)
        (step,) = [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]
        assert step["verdict"] == "changed"
        left, top, right, bottom = step["changed_bbox"]  # frame pixels of monitor 2
        assert left <= x - 1280 < right and top <= y < bottom


def test_doctor_reports_the_monitors(tmp_path) -> None:
    with VirtualDesktop(screens=(ScreenSpec(1280, 800), ScreenSpec(1024, 768))) as desk:
        proc = deskpilot(["doctor"], desk.env())
    assert proc.returncode == 0, proc.stdout
    assert "monitor 2              1024x768+1280+0, 1 pixels per point" in proc.stdout
    assert "[ok  ] window manager" in proc.stdout and "Openbox" in proc.stdout


def test_doctor_without_a_display_fails_clearly() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    proc = deskpilot(["doctor"], env)
    assert proc.returncode == 1
    assert "[FAIL] display" in proc.stdout
