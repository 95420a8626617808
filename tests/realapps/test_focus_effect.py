"""A click into the field that already has the focus draws nothing: the app's tree says it did its job.

zenity's entry dialog (GTK 3) opens with the focus in its field, on a private desktop with the accessibility
bus, a clock ticking in another window. The first click needs no ``"expect": "none"`` any more.
"""

from __future__ import annotations

import subprocess

from actions.x11.windows import find_window
from scenarios.harness import MotionAppProcess
from tests.realapps.conftest import explain, require, run_dialog, steps


def test_a_click_into_the_focused_field_is_focused_and_the_text_goes_in(desktop, tmp_path) -> None:
    require("zenity", "zenity")
    require("xdotool", "xdotool")
    env = desktop.env()
    cmd = ["zenity", "--entry", "--title=deskpilot focus", "--text=Your name"]
    plan = [
        {"kind": "click", "target": {"role": "field"}},  # already focused: nothing is drawn
        {"kind": "type", "text": "Ada"},
        {"kind": "key", "keys": ["enter"], "expect": {"no_window": "^deskpilot focus$"}},
    ]
    with MotionAppProcess(env, fps=10, clock=True, geometry="300x180+960+600"):
        # The pointer off the dialog: left over its Cancel button by an earlier test, the button's hover look
        # would go away with the click (a visible change, honestly judged `changed`).
        subprocess.run(["xdotool", "mousemove", "200", "150"], env=env, check=True, timeout=10)
        run, out = run_dialog(cmd, "^deskpilot focus$", plan, env, tmp_path)
    assert run.returncode == 0, explain(run, tmp_path)
    first = steps(tmp_path)[0]
    assert first["verdict"] == "focused", explain(run, tmp_path)
    assert "keyboard focus is on the text" in first["seen"]["detail"]
    assert out.strip() == "Ada"  # the app's own word: the text went into the field
    assert find_window("^deskpilot focus$", display=env["DISPLAY"]) is None
