"""The action JSON contract: valid shapes parse, invalid ones fail naming the field."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import actions
from actions.errors import PlanError
from actions.models import parse_action, parse_plan
from agent.plans import load_plan


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "click", "x": 10, "y": 20, "button": "right", "count": 2},
        {"kind": "move", "x": -1280, "y": 20},
        {"kind": "drag", "x": 10, "y": 20, "to_x": 200, "to_y": 40, "button": "left"},
        {"kind": "scroll", "x": 10, "y": 20, "dy": -3, "dx": 0},
        {"kind": "type", "text": "Grüße, café ✓ 你好 <tag> & 100%"},
        {"kind": "key", "keys": ["ctrl", "s"]},
        {"kind": "wait", "seconds": 1.5},
        {"kind": "done", "success": True, "answer": None},
    ],
)
def test_every_documented_action_round_trips(data: dict) -> None:
    action = parse_action(data)
    assert action.kind == data["kind"]
    dumped = action.model_dump(mode="json")
    assert parse_action(dumped) == action
    for key, value in data.items():
        assert dumped[key] == (list(value) if isinstance(value, tuple) else value)


def test_models_are_importable_from_the_package_and_frozen() -> None:
    click = actions.Click(x=1, y=2)
    assert (click.button, click.count) == ("left", 1)
    with pytest.raises(ValueError):
        click.x = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"kind": "click", "x": 10}, "click.y: Field required"),
        ({"kind": "click", "x": 10, "y": 5, "buton": "left"}, "buton: Extra inputs are not permitted"),
        ({"kind": "click", "x": 10, "y": 5, "button": "both"}, "button"),
        ({"kind": "click", "x": 10, "y": 5, "count": 4}, "count"),
        ({"kind": "click", "x": "ten", "y": 5}, "click.x"),
        ({"kind": "teleport", "x": 1}, "unknown action kind 'teleport' (kinds: click, move, drag, scroll, type,"),
        ({"kind": "double_click", "x": 1, "y": 1}, 'that is a click with "count": 2'),
        ({"x": 1, "y": 2}, "kind"),
        ({"kind": "key", "keys": ["ctrl", "hyper"]}, "unknown key 'hyper'"),
        ({"kind": "key", "keys": []}, "keys"),
        ({"kind": "type", "text": ""}, "text"),
        ({"kind": "scroll", "x": 1, "y": 1}, "non-zero"),
        ({"kind": "wait", "seconds": -1}, "seconds"),
        ({"kind": "move", "x": 10**9, "y": 0}, "move.x"),
    ],
)
def test_invalid_actions_name_the_field(data: dict, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_action(data)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message


def test_key_names_are_normalised() -> None:
    assert parse_action({"kind": "key", "keys": ["Control", "S"]}).keys == ("ctrl", "s")
    assert parse_action({"kind": "key", "keys": "ctrl+shift+Escape"}).keys == ("ctrl", "shift", "esc")
    assert parse_action({"kind": "key", "keys": ["Return"]}).keys == ("enter",)


def test_plan_error_names_file_index_and_field(tmp_path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"kind": "move", "x": 1, "y": 1}, {"kind": "click", "x": 3}]))
    with pytest.raises(PlanError) as info:
        load_plan(plan)
    assert str(info.value) == f"{plan}: step 2: click.y: Field required"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "line 1 column 2: invalid JSON"),
        ('{"kind": "click"}', "expected a JSON list of actions, got dict"),
        ("[]", "the plan is empty"),
    ],
)
def test_plan_file_problems(tmp_path, content: str, fragment: str) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(content)
    with pytest.raises(PlanError, match=fragment):
        load_plan(plan)


def test_missing_plan_file(tmp_path) -> None:
    with pytest.raises(PlanError, match="cannot read the plan"):
        load_plan(tmp_path / "nope.json")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
action_like = st.fixed_dictionaries(
    {"kind": st.sampled_from(["click", "move", "drag", "scroll", "type", "key", "wait", "done", "zap"])},
    optional={k: json_values for k in ["x", "y", "to_x", "to_y", "dx", "dy", "text", "keys", "button", "count"]},
)


@given(st.lists(action_like | json_values, max_size=4))
def test_any_json_plan_either_validates_or_raises_plan_error(data) -> None:
    try:
        parsed = parse_plan(data, source="fuzz")
    except PlanError as exc:
        assert str(exc).startswith("fuzz")
        assert "\n" not in str(exc)
    else:
        assert all(a.kind in {"click", "move", "drag", "scroll", "type", "key", "wait", "done"} for a in parsed)


def test_the_lists_of_kinds_are_read_off_the_action_classes() -> None:
    from actions.models import ACTION_CLASSES, ACTION_KINDS, CHANGES_SCREEN, POINTER_KINDS
    from planners import scenario_file

    assert ACTION_KINDS == ("click", "move", "drag", "scroll", "type", "key", "wait", "done")  # the union's order
    assert ACTION_CLASSES["drag"] is actions.Drag and ACTION_CLASSES["done"] is actions.Done
    assert sorted(CHANGES_SCREEN) == ["click", "drag", "key", "scroll", "type"]
    assert sorted(POINTER_KINDS) == ["click", "drag", "move", "scroll"]
    assert scenario_file.POINTER_KINDS is POINTER_KINDS
    assert [kind for kind, cls in ACTION_CLASSES.items() if cls.keyboard] == ["type", "key"]
    assert [kind for kind, cls in ACTION_CLASSES.items() if cls.commits] == ["click", "drag"]
    # The class attributes are not fields: they never reach the action JSON.
    assert actions.Click(x=1, y=2).model_dump() == {"kind": "click", "x": 1, "y": 2, "button": "left", "count": 1}


def test_the_public_face_re_exports_every_action_kind() -> None:
    import deskpilot
    from actions.models import ACTION_CLASSES

    namespace: dict[str, object] = {}
    exec("from deskpilot import *", namespace)
    for cls in ACTION_CLASSES.values():
        assert getattr(deskpilot, cls.__name__) is cls
        assert cls.__name__ in deskpilot.__all__ and namespace[cls.__name__] is cls
