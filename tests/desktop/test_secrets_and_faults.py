"""Secrets are typed but written nowhere; faults end a run with a clear reason and the record intact."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from agent.desktop.xserver import VirtualDesktop
from scenarios.harness import DemoAppProcess

SECRET = "s3cr3t-Pässwörd ✓ 42"


def deskpilot(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "deskpilot", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def test_a_secret_arrives_exactly_and_is_in_no_file_of_the_run(desktop, demo_app, tmp_path: Path) -> None:
    name = demo_app.centre("name")
    plan = tmp_path / "plan.json"
    plan.write_text(
        json.dumps(
            [
                {"kind": "click", "x": name[0], "y": name[1], "expect": "none"},  # focused already: shows nothing
                {"kind": "type", "text": "{{secret:DEMO_PASSWORD}}"},
            ]
        )
    )
    out = tmp_path / "run"
    proc = deskpilot(["run", "--plan", str(plan), "--out", str(out)], {**desktop.env(), "DEMO_PASSWORD": SECRET})
    assert proc.returncode == 0, proc.stderr
    assert demo_app.wait(lambda s: s["name"] == SECRET)["name"] == SECRET
    assert SECRET not in proc.stdout + proc.stderr
    needles = [SECRET.encode(), SECRET.encode("utf-16-le"), b"s3cr3t"]
    files = [path for path in out.rglob("*") if path.is_file()]
    assert {p.name for p in files} >= {"steps.jsonl", "summary.json", "report.html", "run.json"}
    for path in files:
        data = path.read_bytes()
        assert not any(needle in data for needle in needles), f"the secret leaked into {path}"
    steps = [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]
    assert steps[1]["action"]["text"] == "{{secret:DEMO_PASSWORD}}"  # the record keeps the reference
    assert steps[1]["text_strategy"] == [["secret", "{{secret:DEMO_PASSWORD}}"]]
    # Tk publishes no tree: judged by its pixels as ever, and no focused element on record.
    assert steps[1]["verdict"] == "changed" and "focus_element" not in steps[1]


def test_a_missing_secret_is_refused_before_anything_runs(desktop, demo_app, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"kind": "type", "text": "pw: {{secret:NOT_SET_ANYWHERE}}"}]))
    env = {k: v for k, v in desktop.env().items() if k != "NOT_SET_ANYWHERE"}
    proc = deskpilot(["run", "--plan", str(plan), "--out", str(tmp_path / "run")], env)
    assert proc.returncode == 2
    why = "uses {{secret:NOT_SET_ANYWHERE}} but NOT_SET_ANYWHERE not set in the environment"
    assert proc.stderr == f"deskpilot: error: {plan} {why}\n"
    assert not (tmp_path / "run").exists()
    assert demo_app.state()["last_click_button"] is None


def test_the_display_going_away_ends_the_run_with_a_clear_reason(tmp_path: Path) -> None:
    """The X server dies in the middle of a run: the run ends, says why, and keeps its finished steps."""
    desk = VirtualDesktop().start()
    try:
        plan = tmp_path / "plan.json"
        plan.write_text(
            json.dumps(
                [{"kind": "move", "x": 10 + i, "y": 10} for i in range(3)]
                + [{"kind": "wait", "seconds": 3}]
                + [{"kind": "move", "x": 50, "y": 50}]
            )
        )
        out = tmp_path / "run"
        proc = subprocess.Popen(
            [sys.executable, "-m", "deskpilot", "run", "--plan", str(plan), "--out", str(out)],
            env=desk.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while not (out / "steps.jsonl").exists() or len((out / "steps.jsonl").read_text().splitlines()) < 3:
            assert time.monotonic() < deadline, "the run never got going"
            time.sleep(0.05)
        desk.stop()  # the display goes away during the wait
        _, stderr = proc.communicate(timeout=60)
    finally:
        desk.stop()
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["success"] is False and summary["finished_s"] is not None
    assert any(word in summary["reason"] for word in ("display", "screenshot", "X server", "connection")), summary
    assert len((out / "steps.jsonl").read_text().splitlines()) >= 3


def test_a_crashed_app_is_seen_and_the_run_goes_on_recording(desktop, tmp_path: Path) -> None:
    """The target app dies mid-run: the next click lands on the bare desktop and is recorded as such."""
    with DemoAppProcess(tmp_path / "state.json", desktop.env()) as app:
        count = app.centre("count")
        plan = tmp_path / "plan.json"
        plan.write_text(
            json.dumps(
                [
                    {"kind": "click", "x": count[0], "y": count[1]},
                    {"kind": "wait", "seconds": 1.5},
                    {"kind": "click", "x": count[0], "y": count[1]},
                ]
            )
        )
        out = tmp_path / "run"
        proc = subprocess.Popen(
            [sys.executable, "-m", "deskpilot", "run", "--plan", str(plan), "--out", str(out), "--quiet"],
            env=desktop.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        app.wait(lambda s: s["count_clicks"] == 1)
        assert app.proc is not None
        os.kill(app.proc.pid, signal.SIGKILL)  # the app crashes during the wait
        _, stderr = proc.communicate(timeout=60)
    steps = [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]
    assert [s["verdict"] for s in steps][0] == "changed"
    assert steps[-1]["action"]["kind"] == "click" and steps[-1]["verdict"] == "no_change"
    # Performed once, never again on its own, and the script stops there naming the step.
    assert steps[-1]["note"] == "no visible change where it acted (performed once, not repeated)"
    assert steps[-1]["performed"] is True and proc.returncode == 1 and "step 3 (click(" in stderr
