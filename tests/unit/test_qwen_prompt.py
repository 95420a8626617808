"""Qwen-VL prompts, model families, smart_resize and the pixel-budget presets."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from planners.qwen.family import (
    PRESETS,
    family_from_config,
    family_from_name,
    get_preset,
    model_size,
    resize_for_model,
    smart_resize,
    visual_tokens,
)
from planners.qwen.messages import ChatMessage, ImagePart, TextPart
from planners.qwen.parse import ACTION_NAMES
from planners.qwen.prompt import HistoryItem, build_grounding_messages, build_messages, system_prompt, tool_schema

TRAINED_ACTIONS = [
    "key", "type", "mouse_move", "left_click", "left_click_drag", "right_click", "middle_click",
    "double_click", "triple_click", "scroll", "hscroll", "wait", "terminate", "answer",
]  # fmt: skip


def tools_in(prompt: str) -> dict[str, Any]:
    body = prompt.split("<tools>\n", 1)[1].split("\n</tools>", 1)[0]
    return json.loads(body)


def texts(message: ChatMessage) -> str:
    return "\n".join(part.text for part in message.parts if isinstance(part, TextPart))


def images(messages: list[ChatMessage]) -> list[Any]:
    return [part.image for m in messages for part in m.parts if isinstance(part, ImagePart)]


def shot(tag: int) -> Image.Image:
    # a distinct size per screenshot, so the test can tell which ones were sent
    return Image.new("RGB", (100 + tag, 50))


# -- system prompt ------------------------------------------------------------------------------
def test_system_prompt_offers_computer_use_with_all_14_actions() -> None:
    prompt = system_prompt("qwen3", (1280, 800))
    assert prompt.count("<tools>\n") == 1 and "# Tools" in prompt
    assert '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>' in prompt
    tool = tools_in(prompt)
    assert tool["type"] == "function"
    function = tool["function"]
    assert function["name"] == "computer_use"
    action = function["parameters"]["properties"]["action"]
    assert action["enum"] == TRAINED_ACTIONS == list(ACTION_NAMES)
    for name in TRAINED_ACTIONS:
        assert f"`{name}`" in action["description"]
    assert function["parameters"]["required"] == ["action"]
    assert set(function["parameters"]["properties"]) == {
        "action",
        "keys",
        "text",
        "coordinate",
        "pixels",
        "time",
        "status",
    }
    assert function["parameters"]["properties"]["status"]["enum"] == ["success", "failure"]
    assert "Positive values scroll up" in function["parameters"]["properties"]["pixels"]["description"]
    assert "Action:" in prompt  # the response format


def test_screen_resolution_depends_on_the_family() -> None:
    qwen3 = tool_schema("qwen3", (1280, 800))["function"]["description"]
    assert "The screen's resolution is 1000x1000" in qwen3 and "1280" not in qwen3
    qwen2 = tool_schema("qwen2", (1288, 812))["function"]["description"]
    assert "The screen's resolution is 1288x812." in qwen2 and "1000x1000" not in qwen2
    with pytest.raises(ValueError, match="unknown model family"):
        tool_schema("llava", (1, 1))


# -- history and screenshots --------------------------------------------------------------------
def history(count: int) -> list[HistoryItem]:
    return [
        HistoryItem(
            action=f'Action: step {n}\n<tool_call>\n{{"name": "computer_use", "arguments": {{"n": {n}}}}}\n'
            "</tool_call>",
            verdict="no_change" if n % 2 else "changed",
            note="no visible change after 2 tries" if n % 2 else "",
            screenshot=shot(n),
        )
        for n in range(1, count + 1)
    ]


@pytest.mark.parametrize(
    ("keep", "expected_widths"),
    [(1, [200]), (2, [105, 200]), (3, [104, 105, 200]), (9, [101, 102, 103, 104, 105, 200])],
)
def test_only_the_last_k_screenshots_are_images(keep: int, expected_widths: list[int]) -> None:
    messages = build_messages(
        "Save the file", shot(100), history(5), family="qwen3", keep_screenshots=keep, screen_size=(200, 50)
    )
    assert [image.width for image in images(messages)] == expected_widths
    assert messages[0].role == "system" and messages[-1].role == "user"
    assert images([messages[-1]])[-1].width == 200  # the current screen is in the last message


def test_history_as_text_carries_verdicts_and_notes() -> None:
    steps = [*history(2), HistoryItem("left_click(x=1, y=2)", "invalid", "your answer was refused: no tool call")]
    messages = build_messages(
        "Save the file", shot(0), steps, family="qwen3", keep_screenshots=1, screen_size=(100, 50)
    )
    assert [m.role for m in messages] == ["system", "user"]
    text = texts(messages[1])
    assert "Task: Save the file" in text
    assert "Step 1: Action: step 1 <tool_call>" in text  # one line per step
    assert "Step 1: " in text and "-> no visible change after 2 tries" in text
    assert "Step 2: " in text and "-> the screen changed" in text
    assert (
        "Step 3: left_click(x=1, y=2) -> your answer could not be used; your answer was refused: no tool call" in text
    )
    assert isinstance(messages[1].parts[0], ImagePart)  # screenshot first, as in Qwen's cookbooks


def test_replayed_steps_are_assistant_turns_followed_by_their_verdict() -> None:
    steps = history(3)
    messages = build_messages("Save", shot(0), steps, family="qwen3", keep_screenshots=3, screen_size=(100, 50))
    assert [m.role for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert "Step 1: " in texts(messages[1]) and "Step 2" not in texts(messages[1])
    assert texts(messages[2]) == steps[1].action  # the model's own answer, unchanged
    assert texts(messages[3]) == "Result of step 2: the screen changed."
    assert texts(messages[4]) == steps[2].action
    assert texts(messages[5]) == "Result of step 3: no visible change after 2 tries."


def test_no_history_and_bad_keep() -> None:
    messages = build_messages("Open it", shot(0), [], family="qwen2", keep_screenshots=4, screen_size=(1288, 812))
    assert "Previous actions:\nNone" in texts(messages[1])
    assert "The screen's resolution is 1288x812." in texts(messages[0])
    assert len(images(messages)) == 1
    with pytest.raises(ValueError, match="keep_screenshots"):
        build_messages("x", shot(0), [], family="qwen3", keep_screenshots=0, screen_size=(1, 1))


def test_grounding_messages() -> None:
    screenshot = Image.new("RGB", (1288, 812))
    messages = build_grounding_messages("the blue Submit button", screenshot, "qwen2")
    assert [m.role for m in messages] == ["system", "user"]
    assert "The screen's resolution is 1288x812." in texts(messages[0]) and "# Response format" not in texts(
        messages[0]
    )
    assert images(messages) == [screenshot]
    assert "the blue Submit button" in texts(messages[1]) and "left_click" in texts(messages[1])


# -- families, smart_resize, presets ------------------------------------------------------------
def test_family_from_config() -> None:
    assert family_from_config("qwen3_vl") == "qwen3"
    assert family_from_config("qwen3_vl_moe") == "qwen3"
    assert family_from_config("qwen2_vl") == "qwen2"
    assert family_from_config("qwen2_5_vl") == "qwen2"
    with pytest.raises(ValueError, match="unsupported model_type 'llava'"):
        family_from_config("llava")


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("Qwen/Qwen2.5-VL-7B-Instruct", "qwen2"),
        ("qwen2_vl", "qwen2"),
        ("Qwen2-VL-2B", "qwen2"),
        ("qwen2.5vl:7b", "qwen2"),
        ("Qwen/Qwen3-VL-8B-Instruct", "qwen3"),
        ("qwen3-vl:latest", "qwen3"),
        ("fake-model", "qwen3"),
    ],
)
def test_family_from_name(name: str, family: str) -> None:
    assert family_from_name(name) == family


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((1920, 1080, 32, 65536, 16777216), (1920, 1088)),  # Qwen3-VL defaults: 34 x 60 = 2040 tokens
        ((1280, 800, 28, 3136, 1003520), (1260, 784)),  # Qwen2-VL default max_pixels (1280 tokens)
        ((1280, 800, 32, 65536, 16777216), (1280, 800)),
        ((100, 100, 28, 3136, 1003520), (112, 112)),
        ((30, 30, 32, 65536, 16777216), (256, 256)),  # scaled up to min_pixels
        ((3840, 2160, 32, 65536, 2150400), (1952, 1088)),  # scaled down to max_pixels
        ((1366, 768, 28, 3136, 1003520), (1316, 728)),
        ((20, 4000, 28, 3136, 1003520), (28, 4004)),
    ],
)
def test_smart_resize_known_values(args: tuple[int, int, int, int, int], expected: tuple[int, int]) -> None:
    assert smart_resize(*args) == expected


def reference_smart_resize(height: int, width: int, factor: int, min_pixels: int, max_pixels: int) -> tuple[int, int]:
    """transformers' Qwen2VLImageProcessor smart_resize (height first), as published."""
    h_bar = round(height / factor) * factor
    w_bar = round(width / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


@given(
    width=st.integers(16, 8000),
    height=st.integers(16, 8000),
    factor=st.sampled_from([28, 32]),
    budget=st.sampled_from(
        [(3136, 1003520), (65536, 16777216), *[(p.min_pixels, p.max_pixels) for p in PRESETS.values()]]
    ),
)
def test_smart_resize_matches_the_processor(width: int, height: int, factor: int, budget: tuple[int, int]) -> None:
    if max(width, height) / min(width, height) > 200:
        with pytest.raises(ValueError, match="aspect ratio"):
            smart_resize(width, height, factor, *budget)
        return
    h_bar, w_bar = reference_smart_resize(height, width, factor, *budget)
    assert smart_resize(width, height, factor, *budget) == (w_bar, h_bar)
    assert w_bar % factor == 0 and h_bar % factor == 0


# (preset, family, screen) -> (model image size, visual tokens); the table in family.py
EXPECTED = {
    ("accurate", "qwen3", (1280, 800)): ((1280, 800), 1000),
    ("accurate", "qwen3", (1920, 1080)): ((1920, 1088), 2040),
    ("accurate", "qwen2", (1280, 800)): ((1288, 812), 1334),
    ("accurate", "qwen2", (1920, 1080)): ((1932, 1092), 2691),
    ("balanced", "qwen3", (1280, 800)): ((1280, 800), 1000),
    ("balanced", "qwen3", (1920, 1080)): ((1344, 768), 1008),
    ("balanced", "qwen2", (1280, 800)): ((1288, 812), 1334),
    ("balanced", "qwen2", (1920, 1080)): ((1344, 756), 1296),
    ("fast", "qwen3", (1280, 800)): ((896, 544), 476),
    ("fast", "qwen3", (1920, 1080)): ((960, 512), 480),
    ("fast", "qwen2", (1280, 800)): ((896, 560), 640),
    ("fast", "qwen2", (1920, 1080)): ((952, 532), 646),
    ("edge", "qwen3", (1280, 800)): ((640, 384), 240),
    ("edge", "qwen3", (1920, 1080)): ((672, 384), 252),
    ("edge", "qwen2", (1280, 800)): ((644, 392), 322),
    ("edge", "qwen2", (1920, 1080)): ((672, 364), 312),
}


@pytest.mark.parametrize(("key", "expected"), EXPECTED.items(), ids=lambda v: str(v))
def test_preset_visual_tokens(key: tuple[str, str, tuple[int, int]], expected: tuple[tuple[int, int], int]) -> None:
    preset, family, screen = key
    size = model_size(*screen, preset, family)
    assert (size, visual_tokens(*size, family)) == expected


def test_presets_and_tokens_contract() -> None:
    assert list(PRESETS) == ["accurate", "balanced", "fast", "edge"]
    budgets = [PRESETS[name].max_pixels for name in PRESETS]
    assert budgets == sorted(budgets, reverse=True)
    assert get_preset(PRESETS["fast"]) is PRESETS["fast"]
    with pytest.raises(ValueError, match="unknown preset"):
        get_preset("turbo")
    assert visual_tokens(1920, 1088, "qwen3") == 2040
    with pytest.raises(ValueError, match="multiples of 32"):
        visual_tokens(1920, 1080, "qwen3")


def test_resize_for_model() -> None:
    screen = Image.new("RGBA", (1920, 1080))
    shown = resize_for_model(screen, "balanced", "qwen3")
    assert shown.size == (1344, 768) and shown.mode == "RGB"
    same = Image.new("RGB", (1280, 800))
    assert resize_for_model(same, "balanced", "qwen3") is same  # already the model's size: untouched
