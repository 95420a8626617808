"""Qwen-VL answers to actions: every answer shape, every refusal, and properties on arbitrary text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from actions.errors import ModelOutputError
from actions.models import Action, Click, Done, Drag, Key, Move, Scroll, Type, Wait
from planners.qwen.parse import parse_answer, parse_point, split_thinking

SIZE = (1280, 800)


def call(action: str, **arguments: Any) -> str:
    payload = {"name": "computer_use", "arguments": {"action": action, **arguments}}
    return f"<tool_call>\n{json.dumps(payload)}\n</tool_call>"


def parse(text: str, **kwargs: Any) -> list[Action]:
    return list(parse_answer(text, SIZE, **kwargs).actions)


def refused(text: str, **kwargs: Any) -> str:
    with pytest.raises(ModelOutputError) as info:
        parse_answer(text, kwargs.pop("size", SIZE), **kwargs)
    assert info.value.raw == text
    return str(info.value)


# -- the 0..1000 grid ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("grid", "point"),
    [
        ((500, 500), (640, 400)),  # round(500*1279/1000) = 640, round(500*799/1000) = 400
        ((0, 0), (0, 0)),
        ((1000, 1000), (1279, 799)),  # 1000 is the last pixel, never one past it
        ((250, 750), (320, 599)),  # round(319.75), round(599.25)
        ((999.8, 0.4), (1279, 0)),  # fractions: round(1278.74), round(0.32)
    ],
)
def test_grid_maps_to_points_with_1000_on_the_last_pixel(grid: tuple[float, float], point: tuple[int, int]) -> None:
    assert parse(call("left_click", coordinate=list(grid))) == [Click(x=point[0], y=point[1])]


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("left_click", Click(x=640, y=400)),
        ("right_click", Click(x=640, y=400, button="right")),
        ("middle_click", Click(x=640, y=400, button="middle")),
        ("double_click", Click(x=640, y=400, count=2)),
        ("triple_click", Click(x=640, y=400, count=3)),
        ("mouse_move", Move(x=640, y=400)),
    ],
)
def test_pointer_actions(action: str, expected: Action) -> None:
    assert parse(call(action, coordinate=[500, 500])) == [expected]


# -- keyboard, wait, end ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (["ctrl", "c"], ("ctrl", "c")),
        (["Return"], ("enter",)),
        (["ctrl+shift+t"], ("ctrl", "shift", "t")),
        (["Control", "A"], ("ctrl", "a")),
        ("alt+f4", ("alt", "f4")),
    ],
)
def test_key_is_one_chord_with_normalised_names(keys: Any, expected: tuple[str, ...]) -> None:
    assert parse(call("key", keys=keys)) == [Key(keys=expected)]


def test_type_wait_terminate_answer() -> None:
    assert parse(call("type", text="café <ok>\n")) == [Type(text="café <ok>\n")]
    assert parse(call("wait", time=2.5)) == [Wait(seconds=2.5)]
    assert parse(call("wait")) == [Wait(seconds=1.0)]  # no time: the default, a wait is harmless
    assert parse(call("terminate", status="success")) == [Done(success=True)]
    assert parse(call("terminate", status="failure")) == [Done(success=False)]
    assert parse(call("answer", text="42")) == [Done(success=True, answer="42")]


def test_answer_and_terminate_are_one_done_in_either_order() -> None:
    both = call("answer", text="42") + call("terminate", status="failure")
    assert parse(both) == [Done(success=False, answer="42")]
    reverse = call("terminate", status="success") + call("answer", text="7")
    assert parse(reverse) == [Done(success=True, answer="7")]


# -- scroll -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("action", "pixels", "dx", "dy"),
    [
        ("scroll", -250, 0, -3),  # 2.5 clicks round half up; negative scrolls down
        ("scroll", 100, 0, 1),  # positive scrolls up, as the trained schema says
        ("scroll", 5, 0, 1),  # at least one click
        ("scroll", -49, 0, -1),
        ("scroll", 149.9, 0, 1),
        ("scroll", 150, 0, 2),
        ("scroll", 100_000, 0, 100),  # capped at the Scroll model's bound
        ("hscroll", 300, 3, 0),  # positive is right
        ("hscroll", -50, -1, 0),
    ],
)
def test_scroll_keeps_the_sign_one_click_per_100_px(action: str, pixels: float, dx: int, dy: int) -> None:
    assert parse(call(action, pixels=pixels)) == [Scroll(x=640, y=400, dx=dx, dy=dy)]  # default: centre


def test_scroll_at_a_coordinate() -> None:
    assert parse(call("scroll", pixels=-500, coordinate=[100, 200])) == [Scroll(x=128, y=160, dy=-5)]


# -- drags --------------------------------------------------------------------------------------
def test_mouse_move_then_drag_is_one_drag() -> None:
    text = call("mouse_move", coordinate=[100, 200]) + call("left_click_drag", coordinate=[900, 500])
    # round(100*1279/1000)=128, round(200*799/1000)=160, round(900*1279/1000)=1151, 400
    assert parse(text) == [Drag(x=128, y=160, to_x=1151, to_y=400)]


def test_drag_start_from_start_coordinate_or_cursor() -> None:
    text = call("left_click_drag", start_coordinate=[0, 0], coordinate=[1000, 1000])
    assert parse(text) == [Drag(x=0, y=0, to_x=1279, to_y=799)]
    # The move came in the previous answer: the caller passes where the pointer is.
    assert parse(call("left_click_drag", coordinate=[500, 500]), cursor=(10, 20)) == [
        Drag(x=10, y=20, to_x=640, to_y=400)
    ]


def test_drag_without_a_start_is_refused() -> None:
    assert "left_click_drag has no start" in refused(call("left_click_drag", coordinate=[500, 500]))
    after_click = call("mouse_move", coordinate=[1, 1]) + call("left_click", coordinate=[5, 5])
    assert "tool call 3: left_click_drag has no start" in refused(
        after_click + call("left_click_drag", coordinate=[9, 9])
    )


# -- answer shapes ------------------------------------------------------------------------------
def test_several_calls_in_order_with_thought_and_thinking() -> None:
    text = (
        "<think>The field is empty. <tool_call>{not even json}</tool_call></think>\n"
        "Action: Fill in the name and submit.\n"
        + call("left_click", coordinate=[500, 500])
        + "\n"
        + call("type", text="Ada")
        + call("key", keys=["enter"])
    )
    parsed = parse_answer(text, SIZE)
    assert parsed.actions == (Click(x=640, y=400), Type(text="Ada"), Key(keys=("enter",)))
    assert parsed.thought == "Action: Fill in the name and submit."
    assert parsed.thinking == "The field is empty. <tool_call>{not even json}</tool_call>"


def test_thinking_variant_without_opening_tag() -> None:
    text = "I should click OK.\n</think>\n\n" + call("left_click", coordinate=[500, 500])
    parsed = parse_answer(text, SIZE)
    assert parsed.thinking == "I should click OK."
    assert parsed.actions == (Click(x=640, y=400),)
    assert parsed.thought is None


def test_split_thinking() -> None:
    assert split_thinking("plain") == (None, "plain")
    assert split_thinking("<think>\nwhy\n</think>\nanswer") == ("why", "answer")
    assert split_thinking("why</think>answer") == ("why", "answer")
    assert split_thinking("<think></think>answer") == (None, "answer")
    assert split_thinking("<think>still thinking") == ("still thinking", "")


@pytest.mark.parametrize(
    "text",
    [
        '<tool_call>{"name":"computer_use","arguments":{"action":"left_click","coordinate":[500,500]}}</tool_call>',
        '  <tool_call>\n\n  {\n  "name": "computer_use",\n  "arguments": {\n    "action": "left_click",\n'
        '    "coordinate": [ 500 ,\n 500 ]\n  }\n}\n  </tool_call>  ',
        '<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [500, 500]}}',
        '<tool_call>\n```json\n{"name": "computer_use", "arguments": {"action": "left_click", '
        '"coordinate": [500, 500]}}\n```\n</tool_call>',
        '<tool_call>```{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [500, 500]}}```'
        "</tool_call>",
        '<tool_call>{"name": "computer_use", "arguments": "{\\"action\\": \\"left_click\\", \\"coordinate\\": '
        '[500, 500]}"}</tool_call>',
        '<tool_call>{"action": "left_click", "coordinate": [500, 500]}</tool_call>',
    ],
    ids=["compact", "whitespace", "unclosed-at-end", "fenced", "fenced-one-line", "string-arguments", "bare"],
)
def test_tolerated_layouts(text: str) -> None:
    assert parse(text) == [Click(x=640, y=400)]


def test_two_objects_in_one_tag() -> None:
    body = json.dumps({"name": "computer_use", "arguments": {"action": "type", "text": "a"}})
    assert parse(f"<tool_call>{body}\n{body}</tool_call>") == [Type(text="a"), Type(text="a")]


# -- Qwen2 / Qwen2.5-VL: absolute pixels of the resized image -------------------------------------
@pytest.mark.parametrize(
    ("pixel", "point"),
    [
        ((644, 406), (640, 400)),  # 644*1280/1288 = 640.0, 406*800/812 = 400.0
        ((0, 0), (0, 0)),
        ((100, 50), (99, 49)),  # 99.38, 49.26: the point under the pixel
        ((1288, 812), (1279, 799)),  # the far edge is the last point
    ],
)
def test_qwen2_absolute_pixels(pixel: tuple[int, int], point: tuple[int, int]) -> None:
    text = call("left_click", coordinate=list(pixel))
    assert parse(text, family="qwen2", resized=(1288, 812)) == [Click(x=point[0], y=point[1])]


def test_qwen2_refuses_points_outside_the_resized_image_and_needs_its_size() -> None:
    message = refused(call("left_click", coordinate=[1289, 5]), family="qwen2", resized=(1288, 812))
    assert message == "tool call 1: left_click coordinate [1289, 5] is outside the 1288x812 image"
    with pytest.raises(ValueError, match="resized"):
        parse_answer(call("left_click", coordinate=[1, 1]), SIZE, family="qwen2")
    with pytest.raises(ValueError, match="unknown model family"):
        parse_answer(call("left_click", coordinate=[1, 1]), SIZE, family="qwen9")


# -- refusals -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("I will click the button.", "no tool call in the answer"),
        ("", "no tool call in the answer"),
        ("<think>first I need to", "the answer stopped inside <think> before any action"),
        ('<tool_call>{"name": "computer_use", "arguments": {"action": }}</tool_call>', "tool call 1: malformed JSON"),
        ('<tool_call>{"name": "computer_use", "arguments": {"action": "left_cl', "the answer looks cut off"),
        ("<tool_call>   </tool_call>", "tool call 1: empty <tool_call>"),
        ('<tool_call>{"name": "browser", "arguments": {}}</tool_call>', "tool call 1: unknown tool 'browser'"),
        ('<tool_call>["left_click"]</tool_call>', 'tool call 1: expected {"name": "computer_use"'),
        ('<tool_call>{"name": "computer_use", "arguments": [1]}</tool_call>', "arguments must be an object"),
        ('<tool_call>{"name": "computer_use", "arguments": "{oops"}</tool_call>', "string that is not JSON"),
        (call("zoom", coordinate=[1, 1]), "tool call 1: unknown action 'zoom'; expected one of key, type"),
        ("<tool_call>{}<tool_call>" + call("wait"), "<tool_call> is not closed before the next one"),
        (call("left_click"), "left_click needs a coordinate [x, y] (Deskpilot never clicks wherever"),
        (call("double_click"), "double_click needs a coordinate"),
        (call("mouse_move"), "mouse_move needs a coordinate"),
        (call("left_click", coordinate=["a", 1]), 'left_click coordinate must be two numbers [x, y], got ["a", 1]'),
        (call("left_click", coordinate=[500]), "coordinate must be two numbers"),
        (call("left_click", coordinate="500, 300"), "coordinate must be two numbers"),
        (call("left_click", coordinate=[True, 1]), "coordinate must be two numbers"),
        (call("left_click", coordinate=[10**400, 1]), "coordinate must be two numbers"),
        ('<tool_call>{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [NaN, 1]}}', "two"),
        (
            call("left_click", coordinate=[1001, 5]),
            "tool call 1: left_click coordinate [1001, 5] is off the 0..1000 grid",
        ),
        (call("left_click", coordinate=[5, -1]), "is off the 0..1000 grid"),
        (call("key", keys=["ctrl", "hyper"]), "tool call 1: key: keys: unknown key 'hyper'"),
        (call("key", keys=[]), "tool call 1: key: keys:"),
        (call("key"), "tool call 1: key: keys:"),
        (call("type", text=""), "tool call 1: type needs a non-empty text"),
        (call("type"), "type needs a non-empty text"),
        (call("answer", text=" "), "answer needs a non-empty text"),
        (call("terminate", status="done"), 'terminate needs status "success" or "failure", got \'done\''),
        (call("scroll", pixels=0), "scroll needs non-zero pixels (positive scrolls up)"),
        (call("hscroll"), "hscroll needs non-zero pixels (positive scrolls right)"),
        (call("wait", time="soon"), "wait needs time in seconds"),
        (call("wait", time=-1), "wait: seconds: Input should be greater than 0"),
        (call("terminate", status="success") + call("left_click", coordinate=[1, 1]), "tool call 2: left_click after"),
        (call("terminate", status="success") + call("terminate", status="failure"), "tool call 2: terminate after"),
    ],
)
def test_refusals_are_one_clear_line(text: str, message: str) -> None:
    got = refused(text)
    assert message in got
    assert "\n" not in got


def test_non_text_answer_is_a_model_error() -> None:
    with pytest.raises(ModelOutputError, match="not text"):
        parse_answer(None, SIZE)  # type: ignore[arg-type]


def test_caller_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match="size"):
        parse_answer(call("wait"), (0, 800))


# -- grounding answers --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        call("left_click", coordinate=[500, 500]),
        "<think>the OK button</think>" + call("mouse_move", coordinate=[500, 500]),
        '```json\n[{"point_2d": [500, 500], "label": "OK"}]\n```',
        '{"bbox_2d": [400, 450, 600, 550]}',
        "The button is at (500, 500).",
    ],
)
def test_parse_point(text: str) -> None:
    assert parse_point(text, SIZE) == (640, 400)


def test_parse_point_refusals_and_qwen2() -> None:
    assert parse_point(call("left_click", coordinate=[644, 406]), SIZE, "qwen2", (1288, 812)) == (640, 400)
    for text, message in [
        ("I cannot see it.", "no point in the answer"),
        (call("type", text="x"), "the tool call has no coordinate"),
        ("[1200, 5]", "off the 0..1000 grid"),
    ]:
        with pytest.raises(ModelOutputError, match=message):
            parse_point(text, SIZE)
