"""The bundled demo task: a 12-action plan over the demo app, and the state it must leave behind.

The plan is written in the action JSON users write by hand; its coordinates come from the app's
own widget boxes, so the same plan works wherever fonts or the window manager put the widgets.
Used by ``make demo``, the plan benchmark and the tests.
"""

from __future__ import annotations

from typing import Any

from scenarios.demo_state import State
from scenarios.harness import DemoAppProcess

NAME = "Ada Lovelace — café ✓"
EMAIL = "ada@example.com"
WHEEL_ROWS = 3  # what one wheel notch scrolls in the demo app's list
SCROLL_NOTCHES = 3
ROW_CLICKED = 2  # the third visible row, after scrolling


def _centre(box: dict[str, int]) -> tuple[int, int]:
    return box["x"] + box["w"] // 2, box["y"] + box["h"] // 2


def demo_plan(app: DemoAppProcess) -> list[dict[str, Any]]:
    """Fill the form, pick a list row after scrolling, drag, double-click, a chord, count, submit."""
    state = app.state()
    boxes = state["widgets"]
    name, email, agree = _centre(boxes["name"]), _centre(boxes["email"]), _centre(boxes["agree"])
    items, token, target = _centre(boxes["items"]), _centre(boxes["token"]), _centre(boxes["target"])
    double, count, submit = _centre(boxes["double"]), _centre(boxes["count"]), _centre(boxes["submit"])
    row = state["list_rows"][ROW_CLICKED]  # rows stay put while the list scrolls under them
    return [
        {"kind": "click", "x": email[0], "y": email[1]},
        {"kind": "type", "text": EMAIL},
        {"kind": "click", "x": name[0], "y": name[1]},
        {"kind": "type", "text": NAME},
        {"kind": "click", "x": agree[0], "y": agree[1]},
        {"kind": "scroll", "x": items[0], "y": items[1], "dy": -SCROLL_NOTCHES},
        {"kind": "click", "x": row["x"] + 12, "y": row["y"] + row["h"] // 2},
        {"kind": "drag", "x": token[0], "y": token[1], "to_x": target[0], "to_y": target[1]},
        {"kind": "click", "x": double[0], "y": double[1], "count": 2},
        {"kind": "key", "keys": ["ctrl", "s"]},
        {"kind": "click", "x": count[0], "y": count[1]},
        {"kind": "click", "x": submit[0], "y": submit[1]},
    ]


def expected_item() -> str:
    return f"Item {SCROLL_NOTCHES * WHEEL_ROWS + ROW_CLICKED + 1}"


def missed_outcomes(state: State) -> list[str]:
    """What the plan should have done to the app and did not; empty when every action landed."""
    want = {
        "name": NAME,
        "email": EMAIL,
        "agree": True,
        "selected_item": expected_item(),
        "token_on_target": True,
        "double_clicks": 1,
        "last_chord": "ctrl+s",
        "count_clicks": 1,
        "submitted": {"name": NAME, "email": EMAIL, "notes": "", "agree": True},
    }
    return [
        f"{key}: wanted {value!r}, the app has {state.get(key)!r}"
        for key, value in want.items()
        if state.get(key) != value
    ]
