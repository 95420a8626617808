"""Build the bundled scenario ``scenarios/demo_form.yaml`` (and its template crops) from the demo app.

    python -m scenarios.build_demo_scenario [--out scenarios/demo_form.yaml]

What ``deskpilot record`` writes when a person fills the form, made deterministic: the app runs on a
private desktop at its default place, each target's anchor is taken from the app's own widget boxes
and a frame of the screen, labels are the widgets' visible texts. The demo and the tests replay it
with the window elsewhere, recoloured or rearranged.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from actions.coords import ScreenPoint
from actions.expectations import ExpectText
from actions.frame import Frame
from planners.scenario_file import Anchor, Scenario, Setup, Step, Target, Variable, save_scenario
from planners.scenario_file import templates_dir as templates_dir_of

DEFAULT_OUT = Path(__file__).with_name("demo_form.yaml")
WINDOW_TITLE = "Deskpilot Demo"

# (widget, description, label, offset of the target from the label's centre or None, then checks)
CLICKS = {
    "name": ("the Name field", "Name", True),
    "email": ("the Email field", "Email", True),
    "agree": ("the 'I agree' checkbox", "agree", False),  # OCR reads the box and 'I' as one glyph
    "submit": ("the Submit button", "Submit", False),
    "count": ("the Count button", "Count", False),
}


def _target(widget: str, frame: Frame, boxes: dict, scenario_path: Path, step_number: int) -> Target:
    from planners.grounding.base import GroundingQuery
    from planners.grounding.ocr import OcrGrounder
    from planners.grounding.template import crop_template

    description, label, beside_label = CLICKS[widget]
    box, window = boxes[widget], boxes["window"]
    point = ScreenPoint(box["x"] + box["w"] // 2, box["y"] + box["h"] // 2)
    crops = templates_dir_of(scenario_path)
    crops.mkdir(parents=True, exist_ok=True)
    image, template_point = crop_template(frame, point)
    name = f"step-{step_number:03d}.png"
    image.save(crops / name)
    label_offset = None
    if beside_label:  # a field: OCR finds its label, the field is at a fixed offset from it
        found = OcrGrounder().ground(GroundingQuery(description=description, label=label, expected=point), frame)
        if found.point is None:
            raise RuntimeError(f"cannot read the label {label!r} of {widget}: {found.reason}")
        label_offset = (point.x - found.point.x, point.y - found.point.y)
    anchor = Anchor(
        window_title=WINDOW_TITLE,
        window_point=(point.x - window["x"], point.y - window["y"]),
        window_size=(window["w"], window["h"]),
        screen_point=(point.x, point.y),
        template=f"{crops.name}/{name}",
        template_point=template_point,
    )
    return Target(description=description, label=label, label_offset=label_offset, anchor=anchor)


def build(scenario_path: Path) -> Scenario:
    from agent.desktop.xserver import VirtualDesktop
    from agent.screen import MssScreen
    from scenarios.harness import DemoAppProcess

    with VirtualDesktop() as desk, tempfile.TemporaryDirectory() as tmp:
        os.environ["DISPLAY"] = desk.display
        with DemoAppProcess(Path(tmp) / "state.json", desk.env()) as app:
            boxes = app.state()["widgets"]
            screen = MssScreen(0)
            frame = screen.capture()
            screen.close()
            steps: list[Step] = []

            def click(widget: str, *checks: ExpectText, expect: str | None = None) -> Step:
                # Crops are named by step number, as the recorder and --heal name them.
                target = _target(widget, frame, boxes, scenario_path, len(steps) + 1)
                return Step(action={"kind": "click"}, target=target, checks=checks, expect=expect)

            steps.append(click("name", expect="none"))  # the field starts focused: the click shows nothing
            steps.append(Step(action={"kind": "type", "text": "{{var:who}}"}))
            steps.append(click("email"))
            steps.append(Step(action={"kind": "type", "text": "{{var:email}}"}))
            steps.append(click("agree"))
            steps.append(click("submit", ExpectText(text="Submitted", timeout_s=3.0)))
            steps.append(click("count", ExpectText(text="Count: 1", timeout_s=3.0)))
    scenario = Scenario(
        name="fill the demo form",
        description="Type a name and an email, tick 'I agree', submit, count once.",
        # Self-contained (pytest scenarios/ replays it as is); an app already open is used instead.
        setup=Setup(command="deskpilot-demo-app", window_title=f"^{WINDOW_TITLE}$"),
        variables={
            "who": Variable(default="Ada Lovelace", description="the name to type"),
            "email": Variable(default="ada@example.com", description="the email to type"),
        },
        steps=tuple(steps),
    )
    save_scenario(scenario, scenario_path)
    return scenario


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    scenario = build(args.out)
    print(f"{args.out}: {len(scenario.steps)} steps, templates in {templates_dir_of(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
