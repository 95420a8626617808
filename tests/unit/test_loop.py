"""The loop with the shipped fakes: performed once, stall detection, budgets, model errors, records."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pytest

from actions import Click, Done, Key, Move, RecordingExecutor, Type
from actions.errors import ActionError, ModelOutputError, StepFailed
from actions.expectations import ExpectNone
from actions.frame import FakeScreen, Frame
from actions.models import Action
from actions.windows import FakeWindows
from agent.outcome import EndCause
from agent.report import build_report
from agent.run_dir import RunDirectory, read_steps
from deskpilot import Agent, Budgets, SettleConfig
from planners import Plan, ScriptedPlanner, StepFeedback
from planners.verdicts import Verdict

FAST = SettleConfig(poll_ms=1, quiet_ms=0, react_timeout_ms=0, timeout_s=1)
APP = FakeWindows.focused(40, 30)  # the fake screen is one focused window: keys and text have a place


def world(changes_on: set[int], frames: int = 20) -> tuple[FakeScreen, RecordingExecutor]:
    """A fake screen that moves to a new frame when the Nth performed action (1-based) is in changes_on."""
    screen = FakeScreen([np.full((30, 40, 3), i, dtype=np.uint8) for i in range(frames)])
    executor = RecordingExecutor()

    def react(_: Action) -> None:
        if len(executor.performed) in changes_on:
            screen.advance()

    executor.on_perform = react
    return screen, executor


def test_scripted_plan_runs_every_action_and_succeeds(tmp_path) -> None:
    screen, executor = world(changes_on={1, 2})
    plan = [Click(x=1, y=2), Type(text="hi"), Move(x=5, y=5)]
    result = Agent(ScriptedPlanner(plan), executor, screen, settle_config=FAST, windows=APP).run("t")
    assert result.success and result.reason == "done"
    assert executor.performed == plan
    assert [s.verdict for s in result.steps] == [Verdict.CHANGED, Verdict.CHANGED, Verdict.NOT_CHECKED]


def test_the_pointer_hovers_first_and_its_highlight_is_not_the_clicks_effect() -> None:
    # The fake draws a "highlight" when the pointer arrives; the click itself changes nothing.
    screen, executor = world(changes_on=set())
    executor.on_hover = lambda x, y: screen.advance()
    plan = [Move(x=9, y=9), Click(x=1, y=2)]
    result = Agent(ScriptedPlanner(plan), executor, screen, settle_config=FAST, windows=APP).run("t")
    assert executor.hovered == [(1, 2)]  # before the click, not before the move (a move is its own hover)
    assert executor.performed == plan
    assert [s.verdict for s in result.steps] == [Verdict.NOT_CHECKED, Verdict.NO_CHANGE]


def test_a_dry_run_never_moves_the_pointer() -> None:
    screen, executor = world(changes_on=set())
    Agent(ScriptedPlanner([Click(x=1, y=2)]), executor, screen, settle_config=FAST, dry_run=True).run("t")
    assert executor.hovered == []


def test_an_action_without_effect_is_performed_once_and_a_script_stops_there() -> None:
    # No automatic second try; a script cannot replan, so it stops, with the typed error that says where.
    screen, executor = world(changes_on={2})  # the click does nothing; the type would work
    result = Agent(ScriptedPlanner([Click(x=1, y=2), Type(text="x")]), executor, screen, settle_config=FAST).run("t")
    assert executor.performed == [Click(x=1, y=2)]
    (first,) = result.steps
    assert (first.verdict, first.performed) == (Verdict.NO_CHANGE, True)
    assert isinstance(result.error, StepFailed) and (result.error.step, result.error.verdict) == (1, "no_change")
    assert first.note == "no visible change where it acted (performed once, not repeated)"
    assert not result.success
    assert result.reason.startswith("step 1 (click(x=1, y=2, button='left', count=1)) changed nothing where it acted")
    assert '"expect": "none"' in result.reason and "--on-no-change continue" in result.reason
    assert result.summary is not None and result.summary.no_change_steps == 1
    assert "retries" not in result.summary.model_dump() and result.summary.format == 2


def test_on_no_change_continue_lets_a_script_go_on_but_never_succeed() -> None:
    screen, executor = world(changes_on={2})
    planner = ScriptedPlanner([Click(x=1, y=2), Type(text="x")])
    result = Agent(planner, executor, screen, settle_config=FAST, on_no_change="continue", windows=APP).run("t")
    assert executor.performed == [Click(x=1, y=2), Type(text="x")]
    assert [s.verdict for s in result.steps] == [Verdict.NO_CHANGE, Verdict.CHANGED]
    # Every step ran, but the first one's effect was never shown: the run does not claim success.
    assert not result.success and result.end.cause is EndCause.STEP_DID_NOT_PASS
    assert result.reason.startswith("every action was performed, but step 1 (click(x=1, y=2")


def test_expect_none_is_never_judged_no_change_and_never_repeated() -> None:
    screen, executor = world(changes_on=set())  # nothing ever changes on screen
    plan = [Key(keys=("ctrl", "k"), expect="none"), Click(x=1, y=2, expect="none")]
    result = Agent(ScriptedPlanner(plan), executor, screen, settle_config=FAST).run("t")
    assert result.success and executor.performed == plan
    assert [(s.verdict, s.expect) for s in result.steps] == [(Verdict.NOT_CHECKED, ExpectNone())] * 2


class RepeatingPlanner:
    """A planner that keeps asking for the same click and records the feedback it gets."""

    def __init__(self) -> None:
        self.seen: list[Sequence[StepFeedback]] = []

    def plan(self, task: str, frame: Frame, history: Sequence[StepFeedback]) -> Plan:
        self.seen.append(history)
        return Plan(actions=(Click(x=7, y=7),), thought="try again")


def test_the_same_action_on_an_unchanged_screen_is_a_stall() -> None:
    screen, executor = world(changes_on=set())
    planner = RepeatingPlanner()
    result = Agent(planner, executor, screen, settle_config=FAST, budgets=Budgets(stall_repeats=3)).run("t")
    assert not result.success
    assert result.reason == "stalled: click(x=7, y=7, button='left', count=1) changed nothing 3 times in a row"
    assert len(result.steps) == 3 and len(executor.performed) == 3  # each step performed once, never repeated
    # The planner was told, in its history, that its click changed nothing.
    assert planner.seen[1][0].verdict == "no_change"
    assert planner.seen[1][0].note == "no visible change where it acted (performed once, not repeated)"


def test_step_budget_ends_the_run() -> None:
    screen, executor = world(changes_on=set(range(1, 100)))
    plan = [Click(x=i, y=i) for i in range(10)]
    result = Agent(ScriptedPlanner(plan), executor, screen, settle_config=FAST, budgets=Budgets(max_steps=4)).run("t")
    assert (result.success, result.reason) == (False, "step budget used up (4 steps)")
    assert len(executor.performed) == 4


def test_time_budget_ends_the_run() -> None:
    screen, executor = world(changes_on=set(range(1, 100)))
    slow = SettleConfig(poll_ms=5, quiet_ms=60, react_timeout_ms=0, timeout_s=1)
    plan = [Click(x=i, y=i) for i in range(50)]
    result = Agent(ScriptedPlanner(plan), executor, screen, settle_config=slow, budgets=Budgets(max_seconds=0.2)).run(
        "t"
    )
    assert (result.success, result.reason) == (False, "time budget used up (0.2 s)")
    assert 1 <= len(executor.performed) <= 5


class GarbagePlanner:
    def __init__(self, good_after: int | None = None) -> None:
        self.calls = 0
        self.good_after = good_after

    def plan(self, task: str, frame: Frame, history: Sequence[StepFeedback]) -> Plan:
        self.calls += 1
        if self.good_after is not None and self.calls > self.good_after:
            return Plan(actions=(Done(success=True, answer="42"),))
        raise ModelOutputError("no <tool_call> in the answer", raw="I think I should click the button")


def test_unusable_answers_are_recorded_never_executed_and_bounded(tmp_path) -> None:
    screen, executor = world(changes_on=set())
    recorder = RunDirectory(tmp_path / "run")
    agent = Agent(GarbagePlanner(), executor, screen, run_dir=recorder, budgets=Budgets(max_invalid_answers=3))
    result = agent.run("t")
    assert executor.performed == []
    assert not result.success
    assert result.reason == "the planner gave 3 unusable answers in a row; last: no <tool_call> in the answer"
    on_disk = read_steps(tmp_path / "run")
    assert [s.verdict for s in on_disk] == [Verdict.INVALID] * 3
    assert on_disk[0].raw_answer == "I think I should click the button"


def test_a_good_answer_after_a_bad_one_resets_the_count() -> None:
    screen, executor = world(changes_on=set())
    result = Agent(GarbagePlanner(good_after=2), executor, screen, budgets=Budgets(max_invalid_answers=3)).run("t")
    assert (result.success, result.answer) == (True, "42")


def test_an_executor_failure_ends_the_run_with_its_message_and_releases_input() -> None:
    screen, executor = world(changes_on=set())

    def explode(action: Action) -> None:
        raise ActionError("pyautogui failsafe: the mouse is in a screen corner")

    executor.on_perform = explode
    result = Agent(ScriptedPlanner([Click(x=1, y=1)]), executor, screen, settle_config=FAST).run("t")
    assert (result.success, result.reason) == (False, "pyautogui failsafe: the mouse is in a screen corner")
    assert executor.released == 1


def test_run_directory_contents(tmp_path) -> None:
    screen, executor = world(changes_on={1})
    run_dir = tmp_path / "run"
    agent = Agent(
        ScriptedPlanner([Click(x=3, y=4)]), executor, screen, run_dir=RunDirectory(run_dir), settle_config=FAST
    )
    result = agent.run("click once")
    assert result.run_dir == str(run_dir)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["success"] is True and summary["steps"] == 1 and summary["actions_performed"] == 1
    (step,) = [json.loads(line) for line in (run_dir / "steps.jsonl").read_text().splitlines()]
    assert step["action"] == {"kind": "click", "x": 3, "y": 4, "button": "left", "count": 1}
    assert step["before"] == "frames/step-0000.png" and step["after"] == "frames/step-0001.png"
    assert (run_dir / step["before"]).exists() and (run_dir / step["after"]).exists()
    # ready_ms: the wait for the target to finish reacting, before acting
    assert set(step["timings"]) == {
        "plan_ms",
        "ready_ms",
        "acted_unready",
        "act_ms",
        "settle_ms",
        "verify_ms",
        "total_ms",
    }
    assert step["timings"]["acted_unready"] is False  # the window was still before the click went in
    report = build_report(run_dir).read_text()  # the caller builds the page, not the loop
    assert "succeeded" in report and "click(x=3, y=4" in report and "data:image/jpeg;base64," in report


@pytest.mark.parametrize("done", [Done(success=False, answer="cannot find it")])
def test_done_false_is_a_failure_with_the_answer(done: Done) -> None:
    screen, executor = world(changes_on=set())
    result = Agent(ScriptedPlanner([done]), executor, screen, settle_config=FAST).run("t")
    assert (result.success, result.reason, result.answer) == (False, "the planner gave up", "cannot find it")
