"""What the model sees besides the screenshot: the active window's interactive elements, from its tree.

``--observe screenshot`` sends the screenshot alone; ``screenshot+tree`` adds one compact line per
visible interactive element of the active window (role, name, box), read through the planners'
``TreeSource`` (never the bus directly). The boxes are in the space the model answers in: Qwen3-VL's
0..1000 grid, or the resized image's pixels for Qwen2/2.5-VL, so that a box's centre is a coordinate
the model can answer as it is.

The list is bounded twice (``ElementBudget``): a number of elements and a number of characters, so a
window with thousands of elements (a spreadsheet, a long list) costs a known, small part of the prompt;
what did not fit is counted in a last line. A window without a tree (Tk, a canvas) gets no list at all:
its prompt is the screenshot-only prompt, token for token.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from actions.a11y.elements import Element, Snapshot
from actions.a11y.roles import INTERACTIVE_ROLES
from actions.coords import DisplayProfile, ScreenPoint
from planners.qwen.family import get_family

Observe = Literal["screenshot", "screenshot+tree"]
OBSERVE_MODES: tuple[str, ...] = ("screenshot", "screenshot+tree")
# Measured with bench/observe_tokens.py (see the README): the list adds a few hundred prompt tokens on
# real windows, as much as a whole screenshot at the CPU presets; it is asked for, not paid by default.
DEFAULT_OBSERVE: Observe = "screenshot"

_NAME_CHARS = 48  # a longer accessible name (a paragraph read as a label) is cut: the box says where it is
_STATES_SHOWN = ("focused", "checked", "selected", "expanded")


@dataclass(frozen=True)
class ElementBudget:
    """How much of the prompt the element list may take."""

    max_elements: int = 40
    max_chars: int = 2000

    def __post_init__(self) -> None:
        if self.max_elements < 1 or self.max_chars < 80:
            raise ValueError(f"an element budget needs max_elements >= 1 and max_chars >= 80, got {self}")


DEFAULT_BUDGET = ElementBudget()


def check_observe(observe: str) -> Observe:
    if observe not in OBSERVE_MODES:
        raise ValueError(f"unknown observe {observe!r}; expected one of {', '.join(OBSERVE_MODES)}")
    return observe  # type: ignore[return-value]


def element_list(
    snapshot: Snapshot,
    profile: DisplayProfile,
    family: str,
    resized: tuple[int, int],
    budget: ElementBudget = DEFAULT_BUDGET,
) -> str | None:
    """The prompt's element block for ``snapshot``, or None when the window lists no interactive element.

    ``profile`` is the screenshot's (screen points); ``resized`` the size of the image the model is shown."""
    entries = _visible_interactive(snapshot)
    if not entries:
        return None
    entries.sort(key=lambda pair: (pair[0][1], pair[0][0]))  # reading order: top to bottom, left to right
    relative = get_family(family).coordinates == "relative"
    space = "the 0..1000 grid of the screenshot" if relative else f"pixels of the {resized[0]}x{resized[1]} screenshot"
    window = snapshot.window or snapshot.app
    header = f'Interactive elements of the active window "{window}" (role "name" [x1,y1,x2,y2] in {space}):'
    lines, used = [header], len(header)
    for count, (box, element) in enumerate(entries):
        line = _line(element, box, profile, relative, resized)
        if count >= budget.max_elements or used + 1 + len(line) > budget.max_chars:
            lines.append(f"(and {len(entries) - count} more not listed)")
            break
        lines.append(line)
        used += 1 + len(line)
    return "\n".join(lines)


def _visible_interactive(snapshot: Snapshot) -> list[tuple[tuple[int, int, int, int], Element]]:
    found = []
    for index, element in enumerate(snapshot.elements):
        if element.role not in INTERACTIVE_ROLES:
            continue
        box = snapshot.visible_box(index)
        if box is None:
            continue
        found.append(((box.x, box.y, box.x + box.width - 1, box.y + box.height - 1), element))
    return found


def _line(
    element: Element, box: tuple[int, int, int, int], profile: DisplayProfile, relative: bool, resized: tuple[int, int]
) -> str:
    left, top = _model_point(ScreenPoint(box[0], box[1]), profile, relative, resized)
    right, bottom = _model_point(ScreenPoint(box[2], box[3]), profile, relative, resized)
    name = " ".join((element.name or element.label or (element.text or "")).split())
    if len(name) > _NAME_CHARS:
        name = name[: _NAME_CHARS - 1] + "…"
    states = [state for state in _STATES_SHOWN if state in element.states]
    if not element.enabled:
        states.append("disabled")
    said = f"{element.role} {json.dumps(name, ensure_ascii=False)}" if name else element.role
    return f"{said} [{left},{top},{right},{bottom}]" + (f" {' '.join(states)}" if states else "")


def _model_point(
    point: ScreenPoint, profile: DisplayProfile, relative: bool, resized: tuple[int, int]
) -> tuple[int, int]:
    clamped = profile.clamp(point)
    if relative:
        grid = profile.screen_to_grid(clamped)
        return int(grid.x), int(grid.y)
    pixel = profile.screen_to_resized(clamped, resized)
    return int(pixel.x), int(pixel.y)
