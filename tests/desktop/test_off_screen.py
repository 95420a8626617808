"""Pointer points on no monitor are refused before anything runs (issue 16 point 1), on real X servers.

Before: x=1500 on a 1280-wide screen was clamped to the edge and "succeeded"; x=100000 failed deep in
Xlib ("short format requires -32768 <= number <= 32767"). The app's own state file proves nothing ran.
"""

from __future__ import annotations

import pytest
from Xlib.display import Display

from actions import Click, Drag, Move
from actions.errors import PointOffScreen
from agent.desktop.xserver import ScreenSpec, VirtualDesktop
from tests.desktop.test_cli_desktop import deskpilot, write_plan

_ONE = "the screen is x 0..1279, y 0..799"


def _pointer(display: str) -> tuple[int, int, int]:
    """Where the pointer is, and the button mask (held buttons), as the X server says."""
    conn = Display(display)
    try:
        reply = conn.screen().root.query_pointer()
        return reply.root_x, reply.root_y, reply.mask
    finally:
        conn.close()


@pytest.mark.parametrize(("x", "y"), [(1500, 400), (100000, 400), (640, -1)])
def test_a_plan_with_a_point_off_the_screen_exits_2_before_anything_runs(desktop, demo_app, tmp_path, x, y) -> None:
    cx, cy = demo_app.centre("count")
    plan = write_plan(tmp_path / "plan.json", [{"kind": "click", "x": cx, "y": cy}, {"kind": "click", "x": x, "y": y}])
    out = tmp_path / "run"
    proc = deskpilot(["run", "--plan", str(plan), "--out", str(out)], desktop.env())
    assert proc.returncode == 2
    assert proc.stderr == (
        f"deskpilot: error: {plan}: step 2 (click(x={x}, y={y}, button='left', count=1)): ({x}, {y}) is off the "
        f"screen: {_ONE}; nothing was run\n"
    )
    assert demo_app.state()["count_clicks"] == 0  # not even the first, valid click ran
    assert not out.exists()


def test_a_drag_ending_off_the_screen_is_refused_with_its_end_named(desktop, demo_app, tmp_path) -> None:
    plan = write_plan(tmp_path / "plan.json", [{"kind": "drag", "x": 100, "y": 100, "to_x": 1280, "to_y": 100}])
    proc = deskpilot(["run", "--plan", str(plan)], desktop.env())
    assert proc.returncode == 2
    assert proc.stderr.endswith(f"): (1280, 100) is off the screen: {_ONE}; nothing was run\n")
    assert proc.stderr.startswith(f"deskpilot: error: {plan}: step 1 (drag(")


def test_the_executor_checks_every_point_itself_and_moves_nothing(desktop) -> None:
    from actions.pyautogui_executor import PyAutoGuiExecutor

    executor = PyAutoGuiExecutor()
    executor.perform(Move(x=300, y=200))
    for action in (Click(x=1500, y=400), Click(x=100000, y=5), Drag(x=310, y=210, to_x=-5, to_y=210)):
        with pytest.raises(PointOffScreen) as refused:
            executor.perform(action)
        off = (action.to_x, action.to_y) if isinstance(action, Drag) else (action.x, action.y)
        assert (
            str(refused.value) == f"{action.describe()}: ({off[0]}, {off[1]}) is off the screen: {_ONE}; "
            "nothing was done"
        )
        assert refused.value.point == off and refused.value.bounds == _ONE
        assert _pointer(desktop.display) == (300, 200, 0)  # not moved, no button held (the drag never began)
    executor.perform(Move(x=1279, y=799))  # the last point of the screen is on it
    assert _pointer(desktop.display)[:2] == (1279, 799)


def test_with_two_monitors_the_corner_no_monitor_shows_is_off_the_screen(tmp_path) -> None:
    # 1280x800 and 1024x768 side by side: the virtual screen is 2304x800, but x 1280.., y 768..799 is on
    # no monitor. The bounding box would let (1500, 790) through; every monitor is checked instead.
    with VirtualDesktop(screens=(ScreenSpec(1280, 800), ScreenSpec(1024, 768))) as desk:
        corner = write_plan(tmp_path / "corner.json", [{"kind": "move", "x": 1500, "y": 790}])
        proc = deskpilot(["run", "--plan", str(corner)], desk.env())
        assert proc.returncode == 2
        assert proc.stderr.endswith(
            "(1500, 790) is off the screen: the 2 monitors are x 0..1279, y 0..799; x 1280..2303, y 0..767; "
            "nothing was run\n"
        )
        second = write_plan(tmp_path / "second.json", [{"kind": "move", "x": 1500, "y": 700}])
        proc = deskpilot(["run", "--plan", str(second), "--out", str(tmp_path / "run")], desk.env())
        assert proc.returncode == 0, proc.stderr
        assert _pointer(desk.display)[:2] == (1500, 700)


def test_a_target_whose_offset_leads_off_the_screen_is_not_clicked(desktop, demo_app, tmp_path) -> None:
    # Found at run time, so no plan check can see it: the targeting refuses it (the executor would too).
    plan = write_plan(tmp_path / "plan.json", [{"kind": "click", "target": {"text": "Count", "offset": [2000, 0]}}])
    proc = deskpilot(["run", "--plan", str(plan), "--out", str(tmp_path / "run")], desktop.env())
    assert proc.returncode == 1, proc.stderr
    assert "ocr: found, but the offset [2000, 0] is off the screen" in proc.stderr and "Traceback" not in proc.stderr
    assert "short format" not in proc.stderr
    assert demo_app.state()["count_clicks"] == 0
