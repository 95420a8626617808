"""Scenario files: the published schema is current, bad files are one clear line, variables resolve."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.errors import UserInputError
from planners.scenario_file import (
    Scenario,
    dump_scenario,
    load_scenario,
    resolve_variables,
    scenario_schema,
)

ROOT = Path(__file__).resolve().parents[2]


def test_the_published_schema_is_generated_from_the_models() -> None:
    published = json.loads((ROOT / "scenarios" / "scenario.schema.json").read_text())
    regenerate = "python -m planners.scenario_file > scenarios/scenario.schema.json"
    assert published == scenario_schema(), f"regenerate: {regenerate}"


def test_the_bundled_scenario_loads_and_round_trips() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "demo_form.yaml")
    assert Scenario.model_validate(yaml.safe_load(dump_scenario(scenario))) == scenario
    for step in scenario.steps:
        for target in (step.target, step.to_target):
            if target and target.anchor and target.anchor.template:
                assert (ROOT / "scenarios" / target.anchor.template).is_file()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nsteps: [{action: {kind: click}}]", "step 1: a click step needs a target"),
        ("name: x\nsteps: [{action: {kind: type, text: hi}, target: {description: d}}]", "takes no target"),
        ("name: x\nsteps: [{action: {kind: drag}, target: {description: d}}]", "a drag step needs a to_target"),
        ("name: x\nsteps: [{action: {kind: click, x: 1, y: 2}, target: {description: d}}]", "instead of coordinates"),
        ("name: x\nsteps: [{action: {kind: key, keys: [hyper]}}]", "step 1: action: key.keys: unknown key 'hyper'"),
        ("name: x\nsteps: [{action: {kind: type, text: '{{var:who}}'}}]", "uses {{var:who}}, which is not declared"),
        ("name: x\nsteps: []", "steps: Tuple should have at least 1 item"),
        ("name: x\nsteps:\n  - action: {kind: click\n", "line 4 column 1: invalid YAML"),
        ("- just a list", "expected a mapping with name and steps, got list"),
        (
            "name: x\nsteps: [{action: {kind: wait, seconds: 1}, checks: [{kind: window_title, pattern: '('}]}]",
            "not a regular expression",
        ),
    ],
)
def test_bad_scenarios_are_one_line_naming_the_file_and_place(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(UserInputError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_variables_from_the_command_line_then_defaults() -> None:
    scenario = Scenario.model_validate(
        yaml.safe_load(
            "name: x\nvariables: {who: {default: Ada}, pin: {}}\n"
            "steps: [{action: {kind: type, text: '{{var:who}} {{var:pin}}'}}]"
        )
    )
    assert resolve_variables(scenario, {"pin": "1234"}) == {"who": "Ada", "pin": "1234"}
    assert scenario.steps[0].resolve(None, None, {"who": "Bo", "pin": "7"}).text == "Bo 7"  # type: ignore[union-attr]
    with pytest.raises(UserInputError, match="variable 'pin' has no value and no default"):
        resolve_variables(scenario, {})
    with pytest.raises(UserInputError, match="--var nope: the scenario declares no such variable"):
        resolve_variables(scenario, {"pin": "1", "nope": "2"})


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text_either_loads_or_is_one_clear_user_error(tmp_path_factory, text: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "s.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_scenario(path)
    except UserInputError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
