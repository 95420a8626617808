"""``deskpilot export FLOW.yaml``: the flow as a readable Python script using ``Desktop``.

Each step becomes one call: a target with an OCR label becomes ``click("Label", offset=...)``, one
without a label its template picture (``image=``), else its description (which needs a model); a
``text_visible`` check becomes ``wait_for``. Variables become a dict at the top, secrets stay
references (``Desktop.type`` types them from the environment).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from actions.expectations import Expectation, ExpectText
from planners.scenario_file import Scenario, Step, Target

_VAR = re.compile(r"\{\{var:([A-Za-z_][A-Za-z0-9_]*)\}\}")


def add_export_parser(sub: argparse._SubParsersAction) -> None:
    export = sub.add_parser("export", help="print a scenario as a Python script using deskpilot.Desktop")
    export.add_argument("scenario", type=Path, help="FLOW.yaml")
    export.add_argument("-o", "--output", type=Path, help="write the script here instead of printing it")


def run_export(args: argparse.Namespace) -> int:
    from planners.scenario_file import load_scenario

    scenario = load_scenario(args.scenario)
    script = export_script(scenario, args.scenario)
    if args.output is not None:
        args.output.write_text(script, encoding="utf-8")
    else:
        print(script, end="")
    return 0


def export_script(scenario: Scenario, path: Path) -> str:
    folder = path.resolve().parent
    lines = [
        f'"""{scenario.name}: exported from {path.name} by `deskpilot export`."""',
        "",
        "from pathlib import Path",
        "",
        "from deskpilot import Desktop",
        "",
        f"HERE = Path({str(folder)!r})",
    ]
    if scenario.variables:
        lines.append("VARS = {")
        for name, variable in scenario.variables.items():
            comment = f"  # {variable.description}" if variable.description else ""
            lines.append(f"    {name!r}: {(variable.default or '')!r},{comment}")
        lines.append("}")
    cache = path.with_name(path.stem + ".cache").name
    lines += ["", f"with Desktop(cache=HERE / {cache!r}, images=HERE, name={scenario.name!r}) as desk:"]
    for step in scenario.steps:
        lines += [f"    {line}" for line in _step(step)]
    return "\n".join(lines) + "\n"


def _step(step: Step) -> list[str]:
    action, kind = step.action, step.action.get("kind")
    if kind == "type":
        calls = [f"desk.type({_text(action['text'])})"]
    elif kind == "key":
        calls = [f"desk.press({', '.join(repr(k) for k in action['keys'])})"]
    elif kind == "wait":
        calls = [f"desk.wait({action['seconds']!r})"]
    elif kind == "drag":
        calls = [f"desk.drag({_as_dict(step.target)}, {_as_dict(step.to_target)})"]
    elif kind == "scroll":
        calls = [f"desk.scroll({_as_dict(step.target)}, dy={action.get('dy', 0)}, dx={action.get('dx', 0)})"]
    elif kind == "move":
        calls = [f"desk.move({_where(step.target)})"]
    else:
        verb = {2: "double_click", 3: "click"}.get(action.get("count", 1), "click")
        verb = "right_click" if action.get("button") == "right" else verb
        extra = ", count=3" if action.get("count") == 3 else ""
        extra += ", button='middle'" if action.get("button") == "middle" else ""
        calls = [f"desk.{verb}({_where(step.target)}{extra})"]
    expect = step.expect if step.expect is not None else action.get("expect")
    checks = list(step.checks)
    if expect is None and checks:  # a step's first check is the call's expectation: judged where it acts
        expect = checks.pop(0)
    if expect is not None:
        shown = expect if isinstance(expect, (str, dict)) else TypeAdapter(Expectation).dump_python(expect, mode="json")
        calls[0] = calls[0][:-1] + f", expect={shown!r})"
    if step.target is not None:
        calls[0] += f"  # {step.target.description}"
    for check in checks:
        if isinstance(check, ExpectText):
            calls.append(f"desk.wait_for({_text(check.text)}, timeout_s={check.timeout_s!r})")
        else:
            calls.append(f"# check: {check.describe()}")
    return calls


def _where(target: Target | None) -> str:
    """The Desktop arguments that find ``target``: its label, else its picture, else its words."""
    if target is None:
        return "None"
    found: dict[str, Any] = {}
    anchor = target.anchor
    if target.label:
        if target.label_offset is not None:
            return f"{target.label!r}, offset={tuple(target.label_offset)!r}"
        return repr(target.label)
    if anchor is not None and anchor.template:
        found["image"] = anchor.template
    else:
        found["description"] = target.description
    return ", ".join(f"{key}={value!r}" for key, value in found.items())


def _as_dict(target: Target | None) -> str:
    """A target as one positional argument (drag's two ends, scroll's place)."""
    if target is None:
        return "None"
    if target.label:
        found: dict[str, Any] = {"text": target.label}
        if target.label_offset is not None:
            found["offset"] = list(target.label_offset)
    elif target.anchor is not None and target.anchor.template:
        found = {"image": target.anchor.template}
    else:
        found = {"description": target.description}
    return repr(found)


def _text(text: str) -> str:
    """A Python expression for scenario text: variables from VARS, everything else as written."""
    if not _VAR.search(text):
        return repr(text)
    parts = _VAR.split(text)
    out = []
    for index, part in enumerate(parts):
        if index % 2:
            out.append(f"VARS[{part!r}]")
        elif part:
            out.append(repr(part))
    return " + ".join(out)
