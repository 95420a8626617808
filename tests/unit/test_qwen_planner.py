"""QwenPlanner with the shipped scripted backend: offsets, thinking, history, grounding."""

from __future__ import annotations

import json

import numpy as np
import pytest

from actions import Click, Done, Drag, Move, RecordingExecutor
from actions.coords import DisplayProfile, ScreenPoint
from actions.errors import ModelOutputError
from actions.frame import FakeScreen
from deskpilot import Agent, Budgets, SettleConfig
from planners.fake_backend import ScriptedChatBackend
from planners.qwen.messages import ImagePart, TextPart
from planners.qwen.planner import QwenPlanner

FAST = SettleConfig(poll_ms=1, quiet_ms=0, react_timeout_ms=0, timeout_s=1)


def call(action: str, **arguments: object) -> str:
    return (
        f"<tool_call>{json.dumps({'name': 'computer_use', 'arguments': {'action': action, **arguments}})}</tool_call>"
    )


def second_monitor_screen(frames: int = 10) -> FakeScreen:
    """Monitor 2 of a side-by-side layout: 1024x768 at x=1280."""
    profile = DisplayProfile(index=2, left=1280, top=0, width=1024, height=768)
    return FakeScreen([np.full((768, 1024, 3), i, np.uint8) for i in range(frames)], profile_=profile)


def text_of(messages) -> str:
    return "\n".join(p.text for m in messages for p in m.parts if isinstance(p, TextPart))


def test_answers_on_a_second_monitor_get_its_offset() -> None:
    screen = second_monitor_screen()
    backend = ScriptedChatBackend([call("left_click", coordinate=[500, 500])])
    plan = QwenPlanner(backend).plan("t", screen.capture(), [])
    assert plan.actions == (Click(x=1280 + 512, y=384),)


def test_thinking_is_kept_as_the_thought_and_the_raw_answer_whole() -> None:
    answer = "<think>The Count button is at the right.</think>\nAction: click Count\n" + call(
        "terminate", status="success"
    )
    plan = QwenPlanner(ScriptedChatBackend([answer])).plan("t", second_monitor_screen().capture(), [])
    assert plan.actions == (Done(success=True),)
    assert plan.thought is not None and "Count button is at the right" in plan.thought
    assert plan.raw == answer


def test_a_drag_split_over_two_turns_starts_where_the_last_move_ended() -> None:
    screen = second_monitor_screen()
    backend = ScriptedChatBackend(
        [call("mouse_move", coordinate=[0, 0]), call("left_click_drag", coordinate=[1000, 1000])]
    )
    planner = QwenPlanner(backend)
    assert planner.plan("t", screen.capture(), []).actions == (Move(x=1280, y=0),)
    assert planner.plan("t", screen.capture(), []).actions == (Drag(x=1280, y=0, to_x=1280 + 1023, to_y=767),)


def test_refused_answers_and_verdicts_reach_the_next_prompt() -> None:
    screen = second_monitor_screen()
    executor = RecordingExecutor()
    backend = ScriptedChatBackend(
        ["no idea", call("left_click", coordinate=[10, 10]), call("terminate", status="success")]
    )
    planner = QwenPlanner(backend, keep_screenshots=2)
    result = Agent(planner, executor, screen, settle_config=FAST, budgets=Budgets(max_invalid_answers=2)).run("t")
    # Terminating right after a click that changed nothing proves nothing: the run does not succeed.
    assert not result.success and result.reason.startswith("the planner said done, but step 2 (click(")
    # Performed once (no automatic retry); the model is told it changed nothing and decides.
    assert executor.performed == [Click(x=1280 + 10, y=8)]
    second, third = backend.prompts[1], backend.prompts[2]
    assert "your answer could not be used" in text_of(second) and "no tool call in the answer" in text_of(second)
    assert "no visible change where it acted" in text_of(third)
    # keep_screenshots=2: the current screen plus one earlier one, never more.
    assert sum(isinstance(p, ImagePart) for m in third for p in m.parts) == 2


def test_ground_returns_a_screen_point_and_refuses_garbage() -> None:
    screen = second_monitor_screen()
    planner = QwenPlanner(ScriptedChatBackend([call("left_click", coordinate=[250, 750]), "somewhere left"]))
    assert planner.ground("the Count button", screen.capture()) == ScreenPoint(1280 + 256, 575)
    with pytest.raises(ModelOutputError) as info:
        planner.ground("the Count button", screen.capture())
    assert info.value.raw == "somewhere left"


def test_the_scripted_backend_is_a_chat_backend_and_the_planner_takes_its_family() -> None:
    from planners.qwen.messages import ChatBackend

    backend = ScriptedChatBackend([call("left_click", coordinate=[10, 10])], family="qwen2")
    assert isinstance(backend, ChatBackend)
    assert backend.check() == ["scripted"] and backend.checks == 1
    assert QwenPlanner(backend).family == "qwen2"
    assert QwenPlanner(backend, family="qwen3").family == "qwen3"
