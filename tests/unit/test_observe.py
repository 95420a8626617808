"""``--observe screenshot+tree``: the active window's interactive elements in the prompt, boxes in the space
the model answers in, bounded; ``screenshot`` (and a window without a tree) keeps the prompt as it was."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest
from pydantic import ValidationError

from actions.a11y.fake import SHOWN, FakeTrees, element, snapshot
from actions.coords import DisplayProfile, ScreenPoint
from actions.errors import UserInputError
from actions.frame import Frame
from agent.cli.model_flags import add_model_flags, model_spec
from planners.fake_backend import ScriptedChatBackend
from planners.qwen.build import ModelSpec
from planners.qwen.messages import TextPart
from planners.qwen.observe import ElementBudget, element_list
from planners.qwen.parse import parse_answer
from planners.qwen.planner import QwenPlanner

PROFILE = DisplayProfile(width=1280, height=800)
WINDOW = element("/w", "frame", "Login", (0, 0, 1280, 800))
OK = element("/ok", "push button", "OK", (100, 200, 80, 30), parent=0)
NAME = element("/name", "text", "", (300, 120, 200, 24), parent=0, label="Name", states=SHOWN | {"focused"})
HIDDEN = element("/hid", "push button", "Hidden", (10, 10, 50, 20), parent=0, states=frozenset())
LABEL = element("/lab", "label", "Name:", (220, 120, 70, 24), parent=0)
OFF = element("/off", "push button", "Off", (1400, 10, 50, 20), parent=0)
TERMINATE = '<tool_call>{"name": "computer_use", "arguments": {"action": "terminate", "status": "success"}}</tool_call>'


def test_the_list_has_the_visible_interactive_elements_in_reading_order_on_qwen3s_grid() -> None:
    tree = snapshot(WINDOW, OK, NAME, HIDDEN, LABEL, OFF)
    text = element_list(tree, PROFILE, "qwen3", (1280, 800))
    # OK spans x 100..179, y 200..229: on the 0..1000 grid of a 1280x800 screen, x * 1000 / 1279, y * 1000 / 799.
    assert text == (
        'Interactive elements of the active window "Form" (role "name" [x1,y1,x2,y2] in the 0..1000 grid of '
        "the screenshot):\n"
        'text "Name" [235,150,390,179] focused\n'
        'push button "OK" [78,250,140,287]'
    )


def test_qwen2_boxes_are_pixels_of_the_resized_image_and_their_centre_clicks_the_element() -> None:
    tree = snapshot(WINDOW, OK)
    text = element_list(tree, PROFILE, "qwen2", (640, 400))
    assert text is not None and text.splitlines()[-1] == 'push button "OK" [50,100,90,114]'
    for family, resized in (("qwen2", (640, 400)), ("qwen3", (1280, 800))):
        line = element_list(tree, PROFILE, family, resized).splitlines()[-1]  # type: ignore[union-attr]
        x1, y1, x2, y2 = json.loads(line[line.index("[") :])
        centre = [(x1 + x2) // 2, (y1 + y2) // 2]
        answer = (
            "<tool_call>"
            + json.dumps({"name": "computer_use", "arguments": {"action": "left_click", "coordinate": centre}})
            + "</tool_call>"
        )
        (click,) = parse_answer(answer, (1280, 800), family=family, resized=resized).actions
        assert 100 <= click.point[0] < 180 and 200 <= click.point[1] < 230, (family, click)


def test_a_huge_window_costs_a_bounded_list() -> None:
    many = [
        element(
            f"/b{i}", "push button", f"Button number {i}", (10 + (i % 20) * 60, 10 + (i // 20) * 30, 50, 20), parent=0
        )
        for i in range(500)
    ]
    tree = snapshot(WINDOW, *many)
    text = element_list(tree, PROFILE, "qwen3", (1280, 800), ElementBudget(max_elements=40, max_chars=100_000))
    assert text is not None and len(text.splitlines()) == 1 + 40 + 1 and text.endswith("(and 460 more not listed)")
    short = element_list(tree, PROFILE, "qwen3", (1280, 800), ElementBudget(max_elements=500, max_chars=600))
    assert short is not None and len(short) <= 600 + len("\n(and 500 more not listed)")
    assert short.splitlines()[-1].startswith("(and ") and short.splitlines()[-1].endswith(" more not listed)")
    assert element_list(snapshot(WINDOW, LABEL, HIDDEN), PROFILE, "qwen3", (1280, 800)) is None


def _frame() -> Frame:
    return Frame(np.full((800, 1280, 3), 240, dtype=np.uint8), PROFILE, 0.0, 0.0)


def _texts(backend: ScriptedChatBackend) -> list[str]:
    return [p.text for m in backend.prompts[-1] for p in m.parts if isinstance(p, TextPart)]


def test_the_planner_sends_the_list_after_the_screenshot_only_when_asked_and_a_tree_is_there() -> None:
    tree = FakeTrees(snapshot(WINDOW, OK, NAME))
    with_tree = ScriptedChatBackend([TERMINATE])
    QwenPlanner(with_tree, observe="screenshot+tree", trees=tree).plan("log in", _frame(), ())
    plain = ScriptedChatBackend([TERMINATE])
    QwenPlanner(plain, trees=tree).plan("log in", _frame(), ())  # the default: the screenshot alone
    no_bus = ScriptedChatBackend([TERMINATE])
    QwenPlanner(no_bus, observe="screenshot+tree", trees=FakeTrees(unavailable="no bus")).plan("log in", _frame(), ())
    listed = _texts(with_tree)[-1]
    assert (
        listed.startswith("\nInteractive elements of the active window")
        and 'push button "OK" [78,250,140,287]' in listed
    )
    assert with_tree.prompts[-1][:-1] == plain.prompts[-1][:-1]  # the system prompt is the same
    assert _texts(plain) == _texts(no_bus) == _texts(with_tree)[:-1]  # a window with no tree: not a token more
    assert tree.reads == 1


def test_observe_is_a_model_setting_and_a_flag() -> None:
    parser = argparse.ArgumentParser()
    add_model_flags(parser)
    args = parser.parse_args(["--model", "m", "--observe", "screenshot+tree"])
    assert model_spec(args).observe == "screenshot+tree"
    assert model_spec(parser.parse_args(["--model", "m"])).observe == "screenshot"
    with pytest.raises(SystemExit):
        parser.parse_args(["--model", "m", "--observe", "tree"])
    with pytest.raises(ValidationError, match="unknown observe 'tree'; expected one of screenshot, screenshot\\+tree"):
        ModelSpec(model="m", observe="tree")
    with pytest.raises(ValueError, match="unknown observe"):
        QwenPlanner(ScriptedChatBackend([TERMINATE]), observe="pixels")
    points_only = argparse.ArgumentParser()  # a replay asks its model for points, never plans with it
    add_model_flags(points_only, observe=False)
    with pytest.raises(SystemExit):
        points_only.parse_args(["--model", "m", "--observe", "screenshot"])
    assert model_spec(points_only.parse_args(["--model", "m"])).observe == "screenshot"
    args.observe = "tree"  # a value that slipped past argparse still names the flag
    with pytest.raises(UserInputError, match="^--observe: unknown observe 'tree'"):
        model_spec(args)


def test_grid_and_resized_points_invert_the_answer_mapping() -> None:
    # A second monitor right of the first; at most 1001 points a side, every point has its own grid value.
    profile = DisplayProfile(left=1280, top=0, width=800, height=600)
    for x in range(1280, 1280 + 800, 7):
        for y in (0, 299, 599):
            assert profile.grid_to_screen(profile.screen_to_grid(ScreenPoint(x, y))) == (x, y)
            pixel = profile.screen_to_resized(ScreenPoint(x, y), (400, 300))
            assert abs(profile.resized_to_screen(pixel, (400, 300)).x - x) <= 1
