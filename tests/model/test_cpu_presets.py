"""The CPU presets (fast, edge) ask for the tool call without the ``Action:`` line and bound the
answer at 256 tokens; the others keep the line and 512. No model needed: the shipped scripted backend
records the prompts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from actions import Click
from actions.coords import DisplayProfile
from actions.frame import FakeScreen
from planners.fake_backend import ScriptedChatBackend
from planners.qwen.planner import MAX_NEW_TOKENS, MAX_NEW_TOKENS_TERSE, QwenPlanner
from planners.qwen.prompt import system_prompt

CLICK = (
    '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [500, 500]}}</tool_call>'
)


def screen() -> FakeScreen:
    profile = DisplayProfile(index=1, left=0, top=0, width=800, height=600)
    return FakeScreen([np.full((600, 800, 3), 200, np.uint8)] * 3, profile_=profile)


@pytest.mark.parametrize(
    ("preset", "terse", "limit"),
    [
        ("edge", True, MAX_NEW_TOKENS_TERSE),
        ("fast", True, MAX_NEW_TOKENS_TERSE),
        ("balanced", False, MAX_NEW_TOKENS),
        ("accurate", False, MAX_NEW_TOKENS),
    ],
)
def test_cpu_presets_ask_for_the_call_alone(preset: str, terse: bool, limit: int) -> None:
    backend = ScriptedChatBackend([CLICK])
    planner = QwenPlanner(backend, preset=preset)
    plan = planner.plan("click the middle", screen().capture(), [])
    assert plan.actions == (Click(x=400, y=300),) and plan.thought is None
    system = backend.prompts[0][0].parts[0].text  # type: ignore[union-attr]
    assert ("with the <tool_call> block only" in system) is terse
    assert ("One line starting with `Action:`" in system) is not terse
    assert planner.max_new_tokens == limit
    assert QwenPlanner(backend, preset=preset, max_new_tokens=40).max_new_tokens == 40


def test_the_terse_prompt_differs_only_in_its_response_format() -> None:
    full, terse = system_prompt("qwen3", (800, 600)), system_prompt("qwen3", (800, 600), terse=True)
    head = full.split("# Response format")[0]
    assert terse.startswith(head) and terse != full
    assert json.dumps("left_click_drag") in head  # the tool schema is in the shared head


def test_a_bad_answer_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="max_new_tokens must be at least 1, got 0"):
        QwenPlanner(ScriptedChatBackend([CLICK]), max_new_tokens=0)
