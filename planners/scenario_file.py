"""Scenario files: recorded workflows whose targets are described, not hard-coded.

A scenario is YAML (schema: ``scenario.schema.json``, generated from these models by
``deskpilot schema``). Each step is an action of the action JSON *without* its coordinates, plus
the target the coordinates come from at replay time::

    name: fill the demo form
    setup: {command: "python -m scenarios.demo_app --state /tmp/s.json", window_title: "Deskpilot Demo"}
    variables: {who: {default: "Ada"}}
    steps:
      - action: {kind: click}
        target:
          description: the Name field
          label: Name
          anchor: {window_title: Deskpilot Demo, window_point: [221, 61], screen_point: [262, 121],
                   template: fill.templates/step-001.png, template_point: [48, 32]}
      - action: {kind: type, text: "{{var:who}}"}
        checks: [{text: "{{var:who}}", timeout_s: 3}]

Replay resolves each target with a ladder of grounders (cheapest first) and never acts on a stale
cached point; ``--heal`` writes refreshed anchors back.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from actions.errors import UserInputError
from actions.expectations import Expectation, ExpectField, parse_expect
from actions.models import POINTER_KINDS, Action, parse_action
from planners.grounding.identity import Identity
from planners.user_files import load_yaml_mapping, validate_user_model

_VAR = re.compile(r"\{\{var:([A-Za-z_][A-Za-z0-9_]*)\}\}")
_COORDS = ("x", "y", "to_x", "to_y")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Anchor(_Model):
    """Where the target was when recorded (or last healed)."""

    window_title: str | None = None
    window_point: tuple[int, int] | None = Field(None, description="point relative to the window's top-left")
    window_size: tuple[int, int] | None = Field(None, description="the window's (width, height) then")
    screen_point: tuple[int, int] = Field(description="the point on the screen, in screen points")
    template: str | None = Field(None, description="PNG crop around the point, relative to the scenario file")
    template_point: tuple[int, int] | None = Field(None, description="the point's position inside the crop")


class Target(_Model):
    description: str = Field(min_length=1, description="what the target is, in words (for people and the VLM)")
    label: str | None = Field(None, description="text on or next to the target, for OCR")
    label_offset: tuple[int, int] | None = Field(
        None, description="the target's offset from the label's centre, points (a field right of its label)"
    )
    anchor: Anchor | None = None
    identity: Identity | None = Field(
        None, description="the element under the point in the accessibility tree when recorded (apps with a tree)"
    )


# Format 1 wrote checks in a vocabulary of their own; they are the expectations of the action JSON now.
_OLD_CHECKS = {"text_visible": ("text", "text", 3.0), "window_title": ("window", "pattern", 3.0)}


def _check_as_expectation(value: Any) -> Any:
    """An old-form check (``{kind: text_visible|window_title|region_changed, ...}``) as its expectation;
    a new-form one as it is. Files of both forms load; they are written in the new one."""
    if not isinstance(value, dict) or "kind" not in value:
        return parse_expect(value)
    data = dict(value)
    kind = data.pop("kind")
    if kind == "region_changed":
        return parse_expect({"change": True, "radius": data.get("radius", 60)})
    if kind not in _OLD_CHECKS:
        raise ValueError(f"unknown check kind {kind!r} (checks are expectations: text, no_text, window, ...)")
    key, field, timeout_s = _OLD_CHECKS[kind]
    unknown = sorted(set(data) - {field, "timeout_s"})
    if unknown:
        raise ValueError(f"{kind}: unknown key {unknown[0]!r}")
    return parse_expect({key: data.get(field), "timeout_s": data.get("timeout_s", timeout_s)})


Check = Annotated[Expectation, BeforeValidator(_check_as_expectation)]


class Step(_Model):
    action: dict[str, Any] = Field(description="an action of the action JSON without x/y/to_x/to_y")
    target: Target | None = None
    to_target: Target | None = Field(None, description="the drop point of a drag")
    checks: tuple[Check, ...] = Field((), description="judged after the step's own expectation, in turn")
    expect: ExpectField = None  # the same as the action's own expect field

    @model_validator(mode="after")
    def _consistent(self) -> Step:
        kind = self.action.get("kind")
        present = [name for name in _COORDS if name in self.action]
        if present:
            raise ValueError(f"action: give a target instead of coordinates ({', '.join(present)})")
        if kind in POINTER_KINDS and self.target is None:
            raise ValueError(f"a {kind} step needs a target")
        if kind == "drag" and self.to_target is None:
            raise ValueError("a drag step needs a to_target")
        if kind not in POINTER_KINDS and (self.target or self.to_target):
            raise ValueError(f"a {kind} step acts where the focus is; it takes no target")
        try:
            self.resolve((0, 0), (0, 0), variables=None)
        except ValueError as exc:
            raise ValueError(f"action: {exc}") from None
        return self

    def resolve(
        self, point: tuple[int, int] | None, to_point: tuple[int, int] | None, variables: dict[str, str] | None
    ) -> Action:
        """The concrete action once the target is found; ``{{var:NAME}}`` filled from ``variables``
        (``None``: left as written, for validation)."""
        data = dict(self.action)
        if variables is not None and isinstance(data.get("text"), str):
            data["text"] = substitute(data["text"], variables)
        if point is not None and data.get("kind") in POINTER_KINDS:
            data["x"], data["y"] = point
        if to_point is not None and data.get("kind") == "drag":
            data["to_x"], data["to_y"] = to_point
        if self.expect is not None:
            if "expect" in data:
                raise ValueError("give expect once: on the step or in its action, not both")
            data["expect"] = self.expect
        return parse_action(data)

    def describe(self) -> str:
        kind = self.action.get("kind", "?")
        return f"{kind} {self.target.description}" if self.target else str(kind)


class Setup(_Model):
    command: str | None = Field(None, description="launched before the steps (split like a shell would)")
    window_title: str | None = Field(None, description="regular expression of a window to wait for")
    timeout_s: float = Field(20.0, gt=0, le=600)


class Variable(_Model):
    default: str | None = None
    description: str = ""


class Scenario(_Model):
    name: str = Field(min_length=1)
    description: str = ""
    setup: Setup = Setup()
    variables: dict[str, Variable] = Field(default_factory=dict)
    steps: tuple[Step, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _variables_declared(self) -> Scenario:
        for index, step in enumerate(self.steps):
            for name in _VAR.findall(json.dumps(step.model_dump(mode="json"), ensure_ascii=False)):
                if name not in self.variables:
                    raise ValueError(f"step {index + 1} uses {{{{var:{name}}}}}, which is not declared under variables")
        return self


def substitute(text: str, variables: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables:
            raise UserInputError(f"variable {name!r} has no value: pass --var {name}=VALUE")
        return variables[name]

    return _VAR.sub(value, text)


def resolve_variables(scenario: Scenario, given: dict[str, str]) -> dict[str, str]:
    """Values for every declared variable: given on the command line, else the default; else an error."""
    unknown = sorted(set(given) - set(scenario.variables))
    if unknown:
        raise UserInputError(f"--var {unknown[0]}: the scenario declares no such variable")
    values: dict[str, str] = {}
    for name, variable in scenario.variables.items():
        if name in given:
            values[name] = given[name]
        elif variable.default is not None:
            values[name] = variable.default
        else:
            raise UserInputError(f"variable {name!r} has no value and no default: pass --var {name}=VALUE")
    return values


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario; every problem is one UserInputError naming the file and place."""
    data = load_yaml_mapping(path, "scenario", "with name and steps")
    return validate_user_model(Scenario, data, path)


def dump_scenario(scenario: Scenario) -> str:
    """YAML a person can review in a diff: no nulls or empty fields, points as ``[x, y]``."""
    import yaml

    data = _pruned(scenario.model_dump(mode="json", exclude_none=True))
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110, default_flow_style=None)


def _pruned(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _pruned(v) for k, v in value.items() if v not in ("", [], {})}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def save_scenario(scenario: Scenario, path: str | Path) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dump_scenario(scenario), encoding="utf-8")
    tmp.replace(path)


def scenario_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Deskpilot scenario"
    return schema


def templates_dir(scenario_path: str | Path) -> Path:
    """Where a scenario's template crops live: ``NAME.templates/`` beside ``NAME.yaml``."""
    path = Path(scenario_path)
    return path.with_name(path.stem + ".templates")


def main() -> int:
    """``python -m planners.scenario_file > scenarios/scenario.schema.json`` regenerates the schema."""
    print(json.dumps(scenario_schema(), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    # Through the package, not this __main__ copy: the schema names its models by their module.
    from planners.scenario_file import main as package_main

    raise SystemExit(package_main())
