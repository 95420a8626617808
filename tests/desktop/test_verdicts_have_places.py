"""No verdict without a place, on a real X server with a clock ticking in another window.

Plans run as users run them (``deskpilot run --plan``); what reached the app is read from its own
state file, also when the run says it failed.
"""

from __future__ import annotations

import json

from scenarios.harness import DemoAppProcess, MotionAppProcess
from tests.desktop.test_truthful_verdicts import run_plan, steps_of


def _box(app: DemoAppProcess, name: str) -> list[int]:
    box = app.box(name)
    return [box["x"], box["y"], box["w"], box["h"]]


def test_a_scoped_text_is_not_met_by_the_same_text_elsewhere(desktop, demo_app: DemoAppProcess, tmp_path) -> None:
    """'Submit' is on a button; an expectation scoped to the status line must not be met by it."""
    count, status = demo_app.centre("count"), _box(demo_app, "status")
    plan = [
        {"kind": "click", "x": count[0], "y": count[1], "expect": {"text": "Submit", "region": status, "timeout_s": 1}}
    ]
    with MotionAppProcess(desktop.env(), fps=30, clock=True):
        proc = run_plan(plan, desktop.env(), tmp_path / "run")
    assert proc.returncode == 1, proc.stderr
    (step,) = steps_of(tmp_path / "run")
    assert step["verdict"] == "failed"
    left, top, width, height = status
    assert step["seen"]["region"] == [left, top, left + width, top + height]  # where it looked, recorded
    assert "Submit" not in step["seen"]["words"] and step["seen"]["found"] is None
    assert demo_app.wait(lambda s: s["count_clicks"] >= 1)["count_clicks"] == 1  # the click itself landed, once


def test_a_met_text_says_where_and_text_already_there_proves_nothing(
    desktop, demo_app: DemoAppProcess, tmp_path
) -> None:
    count, status = demo_app.centre("count"), _box(demo_app, "status")
    plan = [
        {"kind": "click", "x": count[0], "y": count[1], "expect": {"text": "Count: 1", "region": status}},
        # "Count" is on the button this click goes to: there before the click, so it proves nothing.
        {"kind": "click", "x": count[0], "y": count[1], "expect": {"text": "Count"}},
        {"kind": "click", "x": count[0], "y": count[1]},  # never reached: the script stops at the unproven step
    ]
    with MotionAppProcess(desktop.env(), fps=30, clock=True):
        proc = run_plan(plan, desktop.env(), tmp_path / "run")
    assert proc.returncode == 1, proc.stderr
    first, second = steps_of(tmp_path / "run")
    assert first["verdict"] == "met" and not first["seen"]["already_there"]
    left, top, width, height = status
    found = first["seen"]["found"]
    assert left <= found[0] < found[2] <= left + width and top <= found[1] < found[3] <= top + height
    assert second["verdict"] == "unproven" and second["seen"]["already_there"] is True
    assert "already there before the action: this proves nothing" in second["note"]
    assert "step 2 (click(" in proc.stderr and "proves nothing" in proc.stderr
    page = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "this proves nothing" in page
    assert demo_app.wait(lambda s: s["count_clicks"] >= 2)["count_clicks"] == 2  # the third click never ran


def test_a_key_with_nothing_focused_is_judged_only_by_windows_it_opens(
    desktop, demo_app: DemoAppProcess, tmp_path
) -> None:
    """The user clicked the desktop: a chord goes nowhere, and the clock's tick is not its effect."""
    plan = [
        {"kind": "click", "x": 1100, "y": 700, "expect": "none"},  # the empty desktop takes the focus away
        {"kind": "key", "keys": ["ctrl", "s"]},
    ]
    with MotionAppProcess(desktop.env(), fps=30, clock=True):
        proc = run_plan(plan, desktop.env(), tmp_path / "run")
    assert proc.returncode == 1, proc.stderr
    steps = steps_of(tmp_path / "run")
    assert [s["verdict"] for s in steps] == ["not_checked", "no_change"]
    assert steps[1]["region"] is None and steps[1]["focus"] is None
    assert "no window appeared" in steps[1]["seen"]["detail"]
    assert "step 2 (key(keys=('ctrl', 's'))) changed nothing where it acted" in proc.stderr
    assert demo_app.state()["last_chord"] != "ctrl+s"  # the app never got it: the verdict is right


def test_a_window_that_never_stops_moving_is_not_a_pass(desktop, tmp_path) -> None:
    plan = [{"kind": "click", "x": 870, "y": 130}]  # into the 30 fps window
    with MotionAppProcess(desktop.env(), fps=30):
        proc = run_plan(plan, desktop.env(), tmp_path / "run", "--settle-timeout-s", "1")
        marked = run_plan([{**plan[0], "expect": "none"}], desktop.env(), tmp_path / "none")
    assert proc.returncode == 1, proc.stderr
    (step,) = steps_of(tmp_path / "run")
    assert step["verdict"] == "unsettled"
    assert "never settled" in proc.stderr and "Deskpilot Motion" in proc.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["success"] is False and summary["unsettled_steps"] == 1
    assert marked.returncode == 0, marked.stderr  # said to have no visible effect: not judged, not waited for


def test_a_type_with_nothing_focused_fails_before_a_key_is_sent(desktop, demo_app: DemoAppProcess, tmp_path) -> None:
    before = demo_app.state()["name"]
    plan = [
        {"kind": "click", "x": 1100, "y": 700, "expect": "none"},  # the empty desktop takes the focus away
        {"kind": "type", "text": "hello"},
        {"kind": "key", "keys": ["enter"]},
    ]
    with MotionAppProcess(desktop.env(), fps=30, clock=True):
        proc = run_plan(plan, desktop.env(), tmp_path / "run")
    assert proc.returncode == 1, proc.stderr
    steps = steps_of(tmp_path / "run")
    assert [s["verdict"] for s in steps] == ["not_checked", "failed"]  # the script stopped there
    assert "nothing has the keyboard focus; click the field first" in steps[1]["seen"]["detail"]
    assert steps[1]["text_strategy"] == []  # nothing went in
    assert "step 2 (type(text='hello')) failed" in proc.stderr
    assert demo_app.state()["name"] == before  # and the app agrees
