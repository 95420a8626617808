"""Properties of the Qwen-VL answer parser: arbitrary text never escapes as anything but
ModelOutputError, and every action it returns lies on the screen."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from actions.errors import ModelOutputError
from actions.models import Action, Click, Drag, Move, Scroll
from planners.qwen.parse import ACTION_NAMES, parse_answer

SIZE = (1280, 800)


# -- properties: arbitrary text never escapes as anything but ModelOutputError --------------------
def assert_inside(actions: list[Action], size: tuple[int, int]) -> None:
    width, height = size
    for action in actions:
        points = [(action.x, action.y)] if isinstance(action, (Click, Move, Scroll)) else []
        if isinstance(action, Drag):
            points += [(action.x, action.y), (action.to_x, action.to_y)]
        for x, y in points:
            assert 0 <= x <= width - 1 and 0 <= y <= height - 1, action


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
numbers = st.integers(-50, 2000) | st.floats(allow_nan=True, allow_infinity=True)
grid = st.lists(st.integers(-2, 1002) | st.floats(-2, 1002), min_size=2, max_size=2)
# Mostly well-formed calls, so the success paths (and their points) are exercised as much as the refusals.
plausible = st.one_of(
    st.fixed_dictionaries(
        {"action": st.sampled_from([*ACTION_NAMES[2:10]]), "coordinate": grid}, optional={"start_coordinate": grid}
    ),
    st.fixed_dictionaries(
        {"action": st.sampled_from(["scroll", "hscroll"]), "pixels": st.integers(-3000, 3000)},
        optional={"coordinate": grid},
    ),
    st.fixed_dictionaries({"action": st.just("key"), "keys": st.lists(st.sampled_from(["ctrl", "a", "Return"]))}),
    st.fixed_dictionaries({"action": st.sampled_from(["type", "answer"]), "text": st.text(max_size=20)}),
    st.fixed_dictionaries({"action": st.just("wait")}, optional={"time": st.floats(-1, 4000)}),
    st.fixed_dictionaries({"action": st.just("terminate"), "status": st.sampled_from(["success", "failure"])}),
)
arbitrary = st.fixed_dictionaries(
    {"action": st.sampled_from([*ACTION_NAMES, "click", "", "LEFT_CLICK"]) | json_values},
    optional={
        "coordinate": st.lists(numbers, min_size=0, max_size=3) | json_values,
        "start_coordinate": st.lists(numbers, min_size=2, max_size=2),
        "pixels": numbers | json_values,
        "keys": st.lists(st.sampled_from(["ctrl", "a", "Return", "bogus", "ctrl+c", ""]) | json_values, max_size=7),
        "text": st.text(max_size=20) | json_values,
        "time": numbers | json_values,
        "status": st.sampled_from(["success", "failure", "maybe"]) | json_values,
    },
)
calls = st.one_of(
    st.builds(lambda args: {"name": "computer_use", "arguments": args}, plausible),
    st.builds(lambda args: {"name": "computer_use", "arguments": args}, plausible),
    st.builds(lambda args: {"name": "computer_use", "arguments": args}, arbitrary),
    json_values,
)
sizes = st.tuples(st.integers(1, 4000), st.integers(1, 3000))
fragments = st.sampled_from(
    ["<tool_call>", "</tool_call>", "<think>", "</think>", "```json", "```", "{", "}", "\n", "Action: go", "[", "]"]
)


def check(text: str, size: tuple[int, int], **kwargs: Any) -> None:
    try:
        actions = list(parse_answer(text, size, **kwargs).actions)
    except ModelOutputError as exc:
        assert exc.raw == text
        assert str(exc) and "\n" not in str(exc)
    else:
        assert actions
        assert_inside(actions, size)


@settings(max_examples=300)
@given(text=st.text(), size=sizes)
def test_property_arbitrary_text(text: str, size: tuple[int, int]) -> None:
    check(text, size)


@settings(max_examples=200)
@given(pieces=st.lists(fragments | st.text(max_size=10) | calls.map(json.dumps), max_size=12), size=sizes)
def test_property_tag_soup(pieces: list[str], size: tuple[int, int]) -> None:
    check("".join(pieces), size)


@settings(max_examples=300)
@given(objects=st.lists(calls, min_size=1, max_size=4), size=sizes, closed=st.booleans())
def test_property_arbitrary_json_in_tool_calls(objects: list[Any], size: tuple[int, int], closed: bool) -> None:
    text = "".join(f"<tool_call>\n{json.dumps(obj)}\n</tool_call>" for obj in objects)
    check(text if closed else text.removesuffix("</tool_call>"), size)


@settings(max_examples=300)
@given(
    objects=st.lists(calls, min_size=1, max_size=4),
    size=sizes,
    resized=st.tuples(st.integers(28, 4000), st.integers(28, 3000)),
    cursor=st.none() | st.tuples(st.integers(-10, 5000), st.integers(-10, 5000)),
)
def test_property_qwen2_and_cursor(
    objects: list[Any], size: tuple[int, int], resized: tuple[int, int], cursor: tuple[int, int] | None
) -> None:
    text = "".join(f"<tool_call>{json.dumps(obj)}</tool_call>" for obj in objects)
    check(text, size, family="qwen2", resized=resized, cursor=cursor)
