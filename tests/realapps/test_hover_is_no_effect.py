"""A button's hover highlight is the pointer's doing, not the click's: a click on a button that does
nothing is ``no_change``, never ``changed`` by the highlight its own pointer drew.

yad (GTK 3) draws a "prelight" on the button under the pointer. The loop puts the pointer on the target
before the wait that takes the frame the click is judged against, so the highlight is in both frames.
A clock ticks in another window all along; yad's own output says what its form held afterwards.
"""

from __future__ import annotations

from scenarios.realapps.apps import running_dialog
from tests.realapps.conftest import explain, require, run_plan, steps

TITLE = "deskpilot hover"


def test_a_click_on_a_button_that_does_nothing_is_no_change(desktop, clock, tmp_path) -> None:
    require("yad", "yad")
    env = desktop.env()
    cmd = ["yad", "--form", f"--title={TITLE}", "--field=Remember me:CHK", "--field=Does nothing:BTN", "FALSE", "true"]
    with running_dialog(cmd, env, f"^{TITLE}$") as dialog:
        plan = [
            {"kind": "click", "target": {"role": "checkbox", "name": "Remember me"}},  # a real effect
            {"kind": "click", "target": {"role": "button", "name": "Does nothing"}},  # runs `true`: none
        ]
        run = run_plan(plan, env, tmp_path)
        # The form's own word on what it holds: OK pressed by a second run (the first stopped at step 2).
        accept = [{"kind": "click", "target": {"role": "button", "name": "OK"}, "expect": {"no_window": TITLE}}]
        (tmp_path / "ok").mkdir()
        run_plan(accept, env, tmp_path / "ok")
        printed = dialog.answer()
    verdicts = [s["verdict"] for s in steps(tmp_path)]
    assert verdicts == ["changed", "no_change"], explain(run, tmp_path)
    assert run.returncode == 1, explain(run, tmp_path)  # a step whose effect was not seen fails the run
    assert printed is not None and printed.startswith("TRUE|"), printed  # the checkbox click did land
