"""Verdicts on a real X server: expectations judged on the demo app, nothing performed twice, motion
in another window ignored. Plans run as users run them (``deskpilot run --plan``, a subprocess);
what reached the app is read from its own state file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from planners.fake_server import FakeChatServer
from scenarios.harness import DemoAppProcess, MotionAppProcess


def run_plan(
    plan: list[dict[str, Any]], env: dict[str, str], out: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    path = out.with_suffix(".plan.json")
    path.write_text(json.dumps(plan), encoding="utf-8")
    cmd = [sys.executable, "-m", "deskpilot", "run", "--plan", str(path), "--out", str(out), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def steps_of(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]


def test_a_hotkey_that_draws_nothing_is_pressed_exactly_once(desktop, demo_app: DemoAppProcess, tmp_path) -> None:
    # Without an expectation: no visible change, so the script stops there, and the key was pressed once.
    proc = run_plan([{"kind": "key", "keys": ["ctrl", "k"]}], desktop.env(), tmp_path / "plain")
    assert proc.returncode == 1
    assert "step 1 (key(keys=('ctrl', 'k'))) changed nothing where it acted" in proc.stderr
    assert '"expect": "none"' in proc.stderr
    assert demo_app.wait(lambda s: s["silent_count"] >= 1)["silent_count"] == 1
    assert [s["verdict"] for s in steps_of(tmp_path / "plain")] == ["no_change"]
    # Marked as invisible: not waited for, not judged, once.
    proc = run_plan([{"kind": "key", "keys": ["ctrl", "k"], "expect": "none"}], desktop.env(), tmp_path / "none")
    assert proc.returncode == 0, proc.stderr
    assert demo_app.wait(lambda s: s["silent_count"] >= 2)["silent_count"] == 2
    (step,) = steps_of(tmp_path / "none")
    assert (step["verdict"], step["performed"], step["expect"]) == ("not_checked", True, "none")
    assert demo_app.state()["silent_count"] == 2  # still exactly one press per plan


def test_every_expectation_kind_met(desktop, demo_app: DemoAppProcess, tmp_path) -> None:
    count = demo_app.centre("count")
    plan = [
        {"kind": "key", "keys": ["ctrl", "s"], "expect": {"text": "Chord: ctrl+s"}},
        # "Chord: ctrl+shift+k" holds "Chord: ctrl+s" as a part of its line: only the whole line is gone.
        {"kind": "key", "keys": ["ctrl", "shift", "k"], "expect": {"no_text": "Chord: ctrl+s", "exact": True}},
        {"kind": "click", "x": count[0], "y": count[1], "expect": {"window": "^Deskpilot Demo$"}},
        {"kind": "click", "x": count[0], "y": count[1], "expect": {"no_window": "^No Such Window$", "timeout_s": 2}},
    ]
    proc = run_plan(plan, desktop.env(), tmp_path / "run")
    assert proc.returncode == 0, proc.stderr
    assert [s["verdict"] for s in steps_of(tmp_path / "run")] == ["met"] * 4
    state = demo_app.wait(lambda s: s["count_clicks"] == 2)
    assert (state["chord_count"], state["last_chord"]) == (2, "ctrl+shift+k")


@pytest.mark.parametrize(
    ("expect", "seen_instead"),
    [
        ({"text": "Nothing Like This", "timeout_s": 0.5}, "the text 'Nothing Like This' was not found within 0.5 s"),
        ({"no_text": "Submit", "timeout_s": 0.5}, "the text 'Submit' was still there after 0.5 s"),
        ({"window": "^Other Window$", "timeout_s": 0.5}, "the active window is 'Deskpilot Demo'; it does not match"),
        ({"no_window": "Deskpilot Demo", "timeout_s": 0.5}, "still open: 'Deskpilot Demo'"),
    ],
)
def test_every_expectation_kind_not_met_fails_the_step_and_the_run(
    desktop, demo_app: DemoAppProcess, tmp_path, expect: dict[str, Any], seen_instead: str
) -> None:
    count = demo_app.centre("count")
    plan = [{"kind": "click", "x": count[0], "y": count[1], "expect": expect}, {"kind": "key", "keys": ["ctrl", "s"]}]
    out = tmp_path / "run"
    proc = run_plan(plan, desktop.env(), out)
    assert proc.returncode == 1
    assert "failed: step 1 (click(" in proc.stderr and seen_instead in proc.stderr
    (step,) = steps_of(out)  # the script stopped at the failed step: the chord was never pressed
    assert step["verdict"] == "failed" and seen_instead in step["seen"]["detail"]
    assert demo_app.wait(lambda s: s["count_clicks"] == 1)["chord_count"] == 0
    if "text" in expect or "no_text" in expect:
        assert "Count" in " ".join(step["seen"]["words"])  # what OCR read instead, recorded
    else:
        assert "Deskpilot Demo" in step["seen"]["windows"]
    report = (out / "report.html").read_text()
    why = report[report.index("<h2 class='section'>Why</h2>") : report.index("Timeline")]
    assert "seen instead" in why and "failed" in why


def test_motion_elsewhere_is_ignored_and_the_noop_click_is_no_change(desktop, demo_app, tmp_path) -> None:
    count, name = demo_app.centre("count"), demo_app.centre("name")
    plan = [
        {"kind": "click", "x": 1100, "y": 700},  # the empty desktop: nothing happens there
        {"kind": "click", "x": count[0], "y": count[1]},
        {"kind": "click", "x": name[0], "y": name[1]},
        {"kind": "type", "text": "still"},
        {"kind": "key", "keys": ["ctrl", "s"]},
    ]
    with MotionAppProcess(desktop.env(), fps=30, clock=True):
        proc = run_plan(plan, desktop.env(), tmp_path / "run", "--on-no-change", "continue")
    # Every action ran (continue), but the first one's effect was never shown: not a success.
    assert proc.returncode == 1, proc.stderr
    assert "every action was performed, but step 1 (click(x=1100, y=700" in proc.stderr
    steps = steps_of(tmp_path / "run")
    assert [s["verdict"] for s in steps] == ["no_change", "changed", "changed", "changed", "changed"]
    assert all(s["performed"] for s in steps)
    state = demo_app.wait(lambda s: s["last_chord"] == "ctrl+s")
    assert (state["count_clicks"], state["name"]) == (1, "still")
    # The no-op click's change was judged near the pointer only: the animation is nowhere in it.
    assert steps[0]["region"] == [1036, 636, 1164, 764] and steps[0]["changed_bbox"] is None


def tool_call(action: str, **arguments: object) -> str:
    payload = {"name": "computer_use", "arguments": {"action": action, **arguments}}
    return f"Action: {action}\n<tool_call>\n{json.dumps(payload)}\n</tool_call>"


def grid(point: tuple[int, int], size: tuple[int, int] = (1280, 800)) -> list[int]:
    return [round(point[0] * 1000 / (size[0] - 1)), round(point[1] * 1000 / (size[1] - 1))]


def test_a_model_is_told_its_step_changed_nothing_and_goes_on(desktop, demo_app, tmp_path) -> None:
    status, count = demo_app.centre("status"), demo_app.centre("count")  # a label: clicking it changes nothing
    script = [
        tool_call("left_click", coordinate=grid(status)),
        tool_call("left_click", coordinate=grid(count)),
        tool_call("terminate", status="success"),
    ]
    with FakeChatServer(script) as server:
        cmd = [
            sys.executable,
            "-m",
            "deskpilot",
            "run",
            "click the Count button",
            "--base-url",
            server.base_url,
            "--model",
            "fake-qwen3-vl",
            "--out",
            str(tmp_path / "run"),
            "--max-steps",
            "4",
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=desktop.env(), timeout=120)
        requests = server.chat_requests
    assert proc.returncode == 0, proc.stderr
    assert [s["verdict"] for s in steps_of(tmp_path / "run")] == ["no_change", "changed"]
    assert "no visible change where it acted" in json.dumps(requests[1]["messages"])
    assert demo_app.wait(lambda s: s["count_clicks"] == 1)["last_click_widget"] == "count"
