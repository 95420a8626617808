"""The verdict logic with the shipped fakes: expectations, nothing twice, motion elsewhere ignored."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import pytest

from actions import Click, Key, RecordingExecutor, Type, parse_action, parse_plan
from actions.coords import DisplayProfile
from actions.errors import PlanError, PolicyError
from actions.expectations import ExpectChange, ExpectNone, ExpectText, ExpectWindow
from actions.frame import Frame
from actions.models import Action
from actions.windows import FakeWindows, WindowInfo
from agent.outcome import EndCause
from agent.report import build_report
from agent.run_dir import RunDirectory, read_steps
from deskpilot import Agent, SettleConfig
from planners import Plan, ScriptedPlanner, StepFeedback
from planners.verdicts import Verdict

FAST = SettleConfig(poll_ms=1, quiet_ms=0, react_timeout_ms=0, timeout_s=1)
# Two windows side by side: the app the plan drives (left) and something animating (right).
APP = WindowInfo(title="App", left=0, top=0, width=200, height=150, window_id=1)
ANIM = WindowInfo(title="Animation", left=220, top=0, width=100, height=150, window_id=2)


class AnimatedDesktop:
    """A 320x200 screen: the right-hand window changes on every capture (30 fps or faster); the app
    changes only when a test calls ``press(x, y)``."""

    def __init__(self, clock: bool = False) -> None:
        self.profile = DisplayProfile(width=320, height=200)
        self.pixels = np.full((200, 320, 3), 200, dtype=np.uint8)
        self.ticks = 0
        self.clock = clock

    def press(self, x: int, y: int) -> None:
        self.pixels[y - 5 : y + 5, x - 5 : x + 5] = 255 - int(self.pixels[y, x, 0])

    def capture(self) -> Frame:
        self.ticks += 1
        frame = self.pixels.copy()
        frame[10:140, 230:310] = (self.ticks * 7) % 256  # the animation: every capture differs
        if self.clock:
            frame[180:190, 300:318] = int(time.monotonic()) % 2 * 255  # a clock on the desktop, ticking
        return Frame(data=frame, profile=self.profile, monotonic_s=time.monotonic(), wall_time_s=time.time())

    def close(self) -> None:
        pass


def desktop_run(plan: Sequence[Action], presses: dict[int, tuple[int, int]], **kwargs: object):
    """Run ``plan``; the Nth performed action (1-based) presses the app at presses[N]."""
    screen = AnimatedDesktop(clock=bool(kwargs.pop("clock", False)))
    executor = RecordingExecutor()

    def react(_: Action) -> None:
        if len(executor.performed) in presses:
            screen.press(*presses[len(executor.performed)])

    executor.on_perform = react
    windows = FakeWindows([APP, ANIM], active=0)
    agent = Agent(ScriptedPlanner(plan), executor, screen, settle_config=FAST, windows=windows, **kwargs)  # type: ignore[arg-type]
    return agent.run("t"), executor


# -- expectations as written ---------------------------------------------------------------------
def test_expect_defaults_and_forms() -> None:
    assert Click(x=1, y=2).expectation == ExpectChange() and Key(keys=("a",)).expectation == ExpectChange()
    assert parse_action({"kind": "move", "x": 1, "y": 1}).expectation == ExpectNone()
    none = parse_action({"kind": "click", "x": 1, "y": 2, "expect": "none"})
    assert none.expectation == ExpectNone() and none.model_dump(mode="json")["expect"] == "none"
    spec = parse_action({"kind": "type", "text": "x", "expect": {"text": "Saved"}}).expectation
    assert spec == ExpectText(text="Saved") and spec.timeout_s == 5  # type: ignore[union-attr]
    window = parse_action({"kind": "key", "keys": "ctrl+s", "expect": {"window": "^Save", "timeout_s": 2}})
    assert window.expectation == ExpectWindow(window="^Save", timeout_s=2)
    # An action without expect is written as it was: no "expect": null in plans and records.
    assert "expect" not in Click(x=1, y=2).model_dump()
    assert window.model_dump()["expect"] == {"window": "^Save", "timeout_s": 2.0}


@pytest.mark.parametrize(
    ("expect", "message"),
    [
        ("maybe", 'plan: step 1: click.expect: must be "change", "none" or an object such as {"text": ...}'),
        (
            {"text": "a", "window": "b"},
            "one of change, text, no_text, window, no_window, value, state, no_state (it has text and window)",
        ),
        ({"txt": "a"}, "step 1: click.expect: unknown key 'txt' (did you mean 'text'?)"),
        ({}, "exactly one of change, text, no_text, window, no_window, value, state, no_state (it has none)"),
        ({"window": "a", "exact": True}, "click.expect: 'exact' does not apply to a 'window' expectation"),
        ({"text": "a", "timeout_s": 0}, "click.expect: timeout_s: Input should be greater than 0"),
        ({"text": ""}, "click.expect: text: String should have at least 1 character"),
        ({"window": "("}, "click.expect: window: not a regular expression"),
        ({"no_text": "a", "colour": "red"}, "click.expect: unknown key 'colour' (an expect object takes "),
        ({"text": "/(/"}, "click.expect: text: '/(/' is not a regular expression: missing ), unterminated subpattern"),
        (3, 'click.expect: must be "change", "none" or an object'),
    ],
)
def test_expectation_errors_name_the_field(expect: object, message: str) -> None:
    with pytest.raises(PlanError) as caught:
        parse_plan([{"kind": "click", "x": 1, "y": 2, "expect": expect}])
    assert message in str(caught.value)


# -- nothing twice, motion elsewhere ignored -----------------------------------------------------
def test_motion_in_another_window_is_learned_and_ignored() -> None:
    noop, real = Click(x=100, y=100), Click(x=50, y=50)  # the first changes nothing, the second presses
    result, executor = desktop_run([noop, real], presses={2: (50, 50)}, on_no_change="continue", clock=True)
    assert executor.performed == [noop, real]  # once each
    assert [s.verdict for s in result.steps] == [Verdict.NO_CHANGE, Verdict.CHANGED]
    assert result.steps[1].changed_bbox == (45, 45, 55, 55)  # the press, nothing of the animation
    # The region: the app window under the pointer, and 64 points around the pointer.
    assert result.steps[0].region == (0, 0, 200, 164) and result.steps[0].seen is not None
    assert "App" in result.steps[0].seen.region_windows


def test_a_key_changes_count_in_the_focused_window_only() -> None:
    result, _ = desktop_run([Key(keys=("ctrl", "k")), Type(text="x")], presses={2: (20, 20)}, on_no_change="continue")
    assert [s.verdict for s in result.steps] == [Verdict.NO_CHANGE, Verdict.CHANGED]


def test_without_windows_a_click_is_judged_at_the_pointer_and_a_key_has_no_place() -> None:
    """No whole-screen judgement: the animation elsewhere neither passes nor blocks a click, and a key
    with no window to judge is "no_place", which a script stops at."""
    screen, executor = AnimatedDesktop(), RecordingExecutor()
    config = FAST.model_copy(update={"quiet_ms": 20, "timeout_s": 0.2, "ready_timeout_s": 0.1})
    agent = Agent(ScriptedPlanner([Click(x=100, y=100)]), executor, screen, settle_config=config)
    result = agent.run("t")
    assert result.steps[0].verdict is Verdict.NO_CHANGE and result.steps[0].region == (36, 36, 164, 164)
    keyed = Agent(
        ScriptedPlanner([Key(keys=("ctrl", "s")), Type(text="x")]),
        RecordingExecutor(),
        AnimatedDesktop(),
        settle_config=config,
    ).run("t")
    assert [s.verdict for s in keyed.steps] == [Verdict.NO_PLACE] and not keyed.success
    assert "could not be judged: no window information" in keyed.reason


def test_a_window_that_appears_counts_as_the_actions_change() -> None:
    screen, executor = AnimatedDesktop(), RecordingExecutor()
    windows = FakeWindows([APP, ANIM], active=0)
    dialog = WindowInfo(title="Dialog", left=10, top=160, width=150, height=40, window_id=3)

    def open_dialog(_: Action) -> None:
        windows.windows.append(dialog)
        screen.pixels[165:195, 15:155] = 0

    executor.on_perform = open_dialog
    agent = Agent(ScriptedPlanner([Key(keys=("ctrl", "o"))]), executor, screen, settle_config=FAST, windows=windows)
    result = agent.run("t")
    assert result.success and result.steps[0].verdict is Verdict.CHANGED
    assert result.steps[0].changed_bbox == (15, 165, 155, 195)


# -- explicit expectations -------------------------------------------------------------------------
def test_a_window_expectation_met_and_not_met(tmp_path) -> None:
    met, _ = desktop_run([Key(keys=("alt", "tab"), expect={"window": "^App$"})], presses={})
    assert met.success and met.steps[0].verdict is Verdict.MET
    plan = [Key(keys=("ctrl", "w"), expect={"no_window": "Anim", "timeout_s": 0.1}), Type(text="never")]
    failed, executor = desktop_run(plan, presses={1: (20, 20)}, run_dir=RunDirectory(tmp_path / "run"))
    assert executor.performed == plan[:1]  # the script stopped at the failed step
    (step,) = failed.steps
    assert step.verdict is Verdict.FAILED and step.seen is not None
    assert step.seen.windows == ["App", "Animation"] and step.seen.active_window == "App"
    assert step.note == "still open: 'Animation'"
    assert not failed.success
    assert failed.reason.startswith(
        "step 1 (key(keys=('ctrl', 'w'), expect={'no_window': 'Anim', 'timeout_s': 0.1})) failed: "
        "expected no_window 'Anim' within 0.1 s; still open: 'Animation'"
    )
    on_disk = read_steps(tmp_path / "run")
    assert on_disk[0].verdict is Verdict.FAILED and on_disk[0].seen == step.seen
    page = build_report(tmp_path / "run").read_text()
    why = page[page.index("<h2 class='section'>Why</h2>") : page.index("Timeline")]
    assert "no_window &#x27;Anim&#x27; within 0.1 s" in why and "still open" in why and "Animation" in why


class FeedbackPlanner:
    """A planner that follows feedback (like a model): asks for a step that fails, then finishes."""

    def __init__(self) -> None:
        self.seen: list[Sequence[StepFeedback]] = []

    def plan(self, task: str, frame: Frame, history: Sequence[StepFeedback]) -> Plan:
        self.seen.append(tuple(history))
        if not history:
            return Plan(actions=(Key(keys=("ctrl", "q"), expect={"no_window": "App", "timeout_s": 0.05}),))
        return Plan(actions=(parse_action({"kind": "done", "success": True}),))


def test_a_model_planner_gets_the_failure_as_feedback_and_goes_on() -> None:
    planner = FeedbackPlanner()
    agent = Agent(
        planner, RecordingExecutor(), AnimatedDesktop(), settle_config=FAST, windows=FakeWindows([APP, ANIM], active=0)
    )
    result = agent.run("t")
    assert len(planner.seen) == 2
    (feedback,) = planner.seen[1]
    assert feedback.verdict == "failed" and feedback.note == "still open: 'App'"
    # It said done without fixing what failed: the run does not claim what it never showed.
    assert not result.success and result.end.cause is EndCause.STEP_DID_NOT_PASS


def test_a_refused_action_is_recorded_as_refused() -> None:
    class Refuse:
        def check(self, action: Action, frame: Frame) -> bool:
            raise PolicyError("policy: no")

    screen, executor = AnimatedDesktop(), RecordingExecutor()
    result = Agent(ScriptedPlanner([Click(x=1, y=1)]), executor, screen, settle_config=FAST, guard=Refuse()).run("t")
    assert executor.performed == [] and not result.success and result.reason == "policy: no"
    assert [(s.verdict, s.performed, s.error) for s in result.steps] == [(Verdict.REFUSED, False, "policy: no")]


def test_a_window_that_animates_on_its_own_is_learned_and_its_other_pixels_still_count() -> None:
    """A spinner in the app's own window never lets it be still before the click; what moved while nothing
    was done is motion, so the click's own effect (elsewhere in the window) is judged, not 'unsettled'."""
    screen, executor = AnimatedDesktop(), RecordingExecutor()
    executor.on_perform = lambda _: screen.press(260, 150)  # below the animation, inside its window
    config = FAST.model_copy(update={"quiet_ms": 20, "timeout_s": 0.5, "ready_timeout_s": 0.2})
    windows = FakeWindows([APP, ANIM], active=1)
    agent = Agent(ScriptedPlanner([Click(x=260, y=150)]), executor, screen, settle_config=config, windows=windows)
    result = agent.run("t")
    (step,) = result.steps
    assert step.timings.acted_unready is True  # it never got still: acted anyway, after ready_timeout_s
    assert step.verdict is Verdict.CHANGED and result.success
    assert step.changed_bbox == (255, 145, 265, 155)  # the press, none of the animation
