"""A ``type`` whose paste nobody took, with the shipped fakes: a ``failed`` step with its evidence; a
script stops there naming the step, a model is told and goes on. Never typed a second time on its own.
(The same with the real clipboard under Xvfb: tests/desktop/test_paste_truth.py.)"""

from __future__ import annotations

import json
import re

import numpy as np

from actions import Click, Key, RecordingExecutor, Type
from actions.errors import TextNotDelivered
from actions.frame import FakeScreen
from actions.models import Action
from actions.x11.paste_report import PasteRequest
from agent.report import build_report
from agent.run_dir import RunDirectory, read_steps
from deskpilot import Agent, SettleConfig
from planners import ScriptedPlanner
from planners.fake_backend import ScriptedChatBackend
from planners.qwen.planner import QwenPlanner
from planners.verdicts import Verdict
from tests.unit.test_qwen_planner import call, text_of

FAST = SettleConfig(poll_ms=1, quiet_ms=0, react_timeout_ms=0, timeout_s=1)
ASKED = (PasteRequest(at_ms=3.0, client=0x400001, target="TARGETS", focused=True),)
MESSAGE = (
    "'caf' went in, then text not delivered: the paste of 'é ✓' was not fetched by the focused window within "
    "2.0 s after the paste chord (the focused window asked only TARGETS@+3ms(focused)); is a text field focused?"
)


def world(fail_types: int = 1) -> tuple[FakeScreen, RecordingExecutor]:
    """The first ``fail_types`` type actions raise TextNotDelivered, as the X11 executor does when the
    focused window never fetches the paste ("caf" went in by keys first); every action moves the screen."""
    screen = FakeScreen([np.full((30, 40, 3), i, dtype=np.uint8) for i in range(20)])
    executor = RecordingExecutor()

    def react(action: Action) -> None:
        screen.advance()
        if isinstance(action, Type) and sum(isinstance(a, Type) for a in executor.performed) <= fail_types:
            raise TextNotDelivered(MESSAGE, "é ✓", ASKED, (("xtest", "caf"),))

    executor.on_perform = react
    return screen, executor


def test_a_script_records_the_failed_type_step_and_stops_there_naming_it(tmp_path) -> None:
    screen, executor = world()
    plan = [Click(x=1, y=2), Type(text="café ✓"), Key(keys=("enter",))]
    agent = Agent(ScriptedPlanner(plan), executor, screen, settle_config=FAST, run_dir=RunDirectory(tmp_path / "run"))
    result = agent.run("t")
    assert executor.performed == plan[:2]  # performed once; the script stops at it
    assert not result.success
    assert result.reason.startswith("step 2 (type(text='café ✓')) failed: expected the typed text to arrive")
    assert "text not delivered" in result.reason
    click, typed = read_steps(tmp_path / "run")
    assert (typed.verdict, typed.performed, typed.action) == (Verdict.FAILED, True, Type(text="café ✓"))
    assert typed.before == click.after and typed.after == "frames/step-0002.png"
    assert (tmp_path / "run" / typed.after).exists()
    assert typed.text_strategy == [("xtest", "caf")]  # what went in before the paste that was not taken
    assert typed.seen is not None and typed.seen.detail == MESSAGE == typed.note
    assert typed.seen.paste_requests == ["TARGETS@+3ms(focused)"]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["success"] is False and summary["reason"] == result.reason and summary["actions_performed"] == 2
    report = build_report(tmp_path / "run").read_text()
    card = re.search(r"<section class='step why' id='why-2'>.*?</section>", report, re.S)
    assert card is not None and "clipboard asked" in card[0] and "TARGETS@+3ms(focused)" in card[0]
    assert "text not delivered" in card[0]


def test_a_model_is_told_its_text_did_not_arrive_and_the_run_goes_on() -> None:
    screen, executor = world()
    backend = ScriptedChatBackend(
        [call("type", text="café ✓"), call("left_click", coordinate=[500, 500]), call("terminate", status="success")]
    )
    result = Agent(QwenPlanner(backend), executor, screen, settle_config=FAST).run("t")
    assert result.success, result.reason
    # The failed type is performed once; the model chose the click, nothing typed it again on its own.
    assert [a.kind for a in executor.performed] == ["type", "click"]
    assert [s.verdict for s in result.steps] == [Verdict.FAILED, Verdict.CHANGED]
    told = text_of(backend.prompts[1])
    assert "the expected result was not seen" in told and "text not delivered" in told and "'caf' went in" in told
