"""Prompts in the shape Qwen-VL was trained on for computer use.

The structure follows the Qwen3-VL computer-use cookbook (QwenLM/Qwen3-VL
cookbooks/computer_use.ipynb) and OSWorld's Qwen3-VL agent (mm_agents/qwen3vl_agent.py):

* a system message offering one function, ``computer_use``, in the Hermes/Nous tool format the
  Qwen chat template emits (``# Tools`` ... ``<tools>{schema}</tools>`` ... reply with
  ``<tool_call>{"name": ..., "arguments": ...}</tool_call>``); that wrapper is a protocol and is
  kept word for word, the tool's own text is ours;
* the screen described as "1000x1000" for Qwen3-VL, which answers a relative 0..1000 grid, and
  as the resized image's pixel size for Qwen2/2.5-VL, which answers absolute pixels of it;
* a first user turn with the screenshot and the task plus the earlier steps as text, then, for
  the steps whose screenshots are still sent, the model's own answer replayed as an assistant
  turn and the verifier's verdict with the next screenshot as a user turn.

Only the last ``keep_screenshots`` screenshots (the current one included) are images; older
steps are one line of text each, which bounds the prompt's tokens however long the run gets.

The CPU presets (``TERSE_PRESETS``: fast, edge) ask for the tool call alone, without the ``Action:``
line: on a CPU every answer token is a decode step (100-300 ms for a 2B model), and that line is
about a third of a typical answer. The planner then has no thought to record for the step.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image

from planners.qwen.family import get_family
from planners.qwen.messages import ChatMessage, ImagePart, Part, TextPart
from planners.qwen.parse import ACTION_NAMES, TOOL_NAME


@dataclass(frozen=True)
class HistoryItem:
    """One earlier step as the model is told about it."""

    action: str  # what was done; ideally the model's own answer for that step ("Action: ..." + tool call)
    verdict: str = ""  # the verifier's verdict (a planners.verdicts.Verdict value, or free text)
    note: str = ""  # for the model: "no visible change where it acted", "your answer was refused: ..."
    screenshot: Image.Image | None = None  # the screen this step was decided on, already resized


# How the verifier's verdicts read to the model; anything else is shown as it is.
_VERDICT_WORDS = {
    "changed": "the screen changed",
    "read_back": "the field holds exactly the typed text",
    "no_change": "no visible change",
    "unsettled": "the screen was still changing",
    "not_checked": "",
    "invalid": "your answer could not be used",
    "met": "the expected result was seen",
    "failed": "the expected result was not seen",
    "refused": "the policy refused it; nothing was done",
}

_ACTION_HELP = """The action to perform. The available actions are:
* `key`: Press the keys given, in order, then release them in reverse order (a shortcut such as ctrl+c).
* `type`: Type a string of text on the keyboard.
* `mouse_move`: Move the cursor to the (x, y) coordinate.
* `left_click`: Click the left mouse button at the (x, y) coordinate.
* `left_click_drag`: Hold the left button down at the cursor and drag it to the (x, y) coordinate; \
move the cursor to the start point with mouse_move first.
* `right_click`: Click the right mouse button at the (x, y) coordinate.
* `middle_click`: Click the middle mouse button at the (x, y) coordinate.
* `double_click`: Double-click the left mouse button at the (x, y) coordinate.
* `triple_click`: Triple-click the left mouse button at the (x, y) coordinate (selects a line).
* `scroll`: Turn the mouse wheel at the (x, y) coordinate, or the centre of the screen.
* `hscroll`: Scroll horizontally at the (x, y) coordinate, or the centre of the screen.
* `wait`: Wait the given seconds for the screen to change.
* `terminate`: End the task and report whether it succeeded.
* `answer`: Give the answer to a question the task asks."""

_TOOLS_WRAPPER = """# Tools

You may call one or more functions to assist with the user query.

You are provided with function signatures within <tools></tools> XML tags:
<tools>
{tools}
</tools>

For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:
<tool_call>
{{"name": <function-name>, "arguments": <args-json-object>}}
</tool_call>"""

_RESPONSE_FORMAT = """# Response format

Answer every step with:
1) One line starting with `Action:` that says in a short imperative sentence what you do in the UI.
2) The <tool_call> block for it. Write more than one block only for calls that belong together, \
such as mouse_move to the start of a drag followed by left_click_drag.

Rules:
- Write nothing besides those two parts.
- When the task is done, call terminate with status "success"; if it cannot be done, terminate \
with "failure". If the task asks a question, call answer with the answer first, then terminate."""

# The presets meant for CPUs, where answer tokens are dear: the tool call without the prose line.
TERSE_PRESETS = frozenset({"fast", "edge"})

_TERSE_RESPONSE_FORMAT = """# Response format

Answer every step with the <tool_call> block only: no explanation before or after it. Write more \
than one block only for calls that belong together, such as mouse_move to the start of a drag \
followed by left_click_drag.

Rules:
- When the task is done, call terminate with status "success"; if it cannot be done, terminate \
with "failure". If the task asks a question, call answer with the answer first, then terminate."""


def _resolution_line(family: str, screen_size: tuple[int, int]) -> str:
    if get_family(family).coordinates == "relative":
        return (
            "* The screen's resolution is 1000x1000: x runs from 0 at the left edge to 1000 at the right "
            "edge and y from 0 at the top to 1000 at the bottom, whatever the real size of the screen."
        )
    width, height = screen_size
    if width <= 0 or height <= 0:
        raise ValueError(f"screen_size must be positive, got {screen_size!r}")
    return f"* The screen's resolution is {width}x{height}."


def tool_schema(family: str, screen_size: tuple[int, int]) -> dict[str, Any]:
    """The ``computer_use`` function as offered to the model."""
    description = "\n".join(
        [
            "Use the mouse and keyboard of a computer whose screen you see in screenshots.",
            "* This is a desktop GUI. You have no terminal; open applications through what is on the screen.",
            "* Applications can take time to react. If nothing seems to have happened, wait and look at "
            "the next screenshot before trying again.",
            _resolution_line(family, screen_size),
            "* Find an element's coordinates in the latest screenshot before you move the cursor to it.",
            "* If a click on a program or link did nothing even after waiting, adjust the position so the "
            "tip of the cursor lands on the element.",
            "* Click buttons, links, icons and fields in their centre, not on their edges.",
        ]
    )
    properties: dict[str, Any] = {
        "action": {"description": _ACTION_HELP, "enum": list(ACTION_NAMES), "type": "string"},
        "keys": {"description": "Required only by `action=key`.", "type": "array"},
        "text": {"description": "Required only by `action=type` and `action=answer`.", "type": "string"},
        "coordinate": {
            "description": "(x, y): The x (pixels from the left edge) and y (pixels from the top edge) "
            "coordinates to move the mouse to. Required by the mouse actions.",
            "type": "array",
        },
        "pixels": {
            "description": "The amount of scrolling to perform. Positive values scroll up (hscroll: right), "
            "negative values scroll down (hscroll: left). Required only by `action=scroll` and `action=hscroll`.",
            "type": "number",
        },
        "time": {"description": "The seconds to wait. Required only by `action=wait`.", "type": "number"},
        "status": {
            "description": "The status of the task. Required only by `action=terminate`.",
            "type": "string",
            "enum": ["success", "failure"],
        },
    }
    parameters = {"properties": properties, "required": ["action"], "type": "object"}
    return {"type": "function", "function": {"name": TOOL_NAME, "description": description, "parameters": parameters}}


def system_prompt(
    family: str, screen_size: tuple[int, int], *, response_format: bool = True, terse: bool = False
) -> str:
    """``terse``: ask for the tool call alone (the CPU presets), else an ``Action:`` line and the call."""
    tools = _TOOLS_WRAPPER.format(tools=json.dumps(tool_schema(family, screen_size), ensure_ascii=False))
    parts = ["You are a desktop automation agent operating a computer for the user.", tools]
    if response_format:
        parts.append(_TERSE_RESPONSE_FORMAT if terse else _RESPONSE_FORMAT)
    return "\n\n".join(parts)


def _result(item: HistoryItem) -> str:
    words, note = _VERDICT_WORDS.get(item.verdict, item.verdict), item.note.strip()
    if words and note.lower().startswith(words.lower()):
        words = ""  # "no visible change where it acted" already says it
    return "; ".join(part for part in (words, note) if part)


def _step_line(number: int, item: HistoryItem) -> str:
    action = " ".join(item.action.split())  # one line per step, however the answer was laid out
    result = _result(item)
    return f"Step {number}: {action}" + (f" -> {result}" if result else "")


def _images(image: Image.Image | None) -> tuple[Part, ...]:
    return () if image is None else (ImagePart(image),)


def build_messages(
    task: str,
    screenshot: Image.Image,
    history: Sequence[HistoryItem],
    *,
    family: str,
    keep_screenshots: int = 1,
    screen_size: tuple[int, int],
    terse: bool = False,
    elements: str | None = None,
) -> list[ChatMessage]:
    """The chat for one planning step.

    ``screenshot`` is the current screen as the model should see it (see
    ``family.resize_for_model``); ``screen_size`` is the (width, height) of that image, which
    Qwen2/2.5-VL's absolute answers are measured in (Qwen3-VL is told 1000x1000 whatever it is).
    Older history screenshots beyond ``keep_screenshots`` are dropped, their steps kept as text.
    ``terse`` asks for the tool call without prose (``TERSE_PRESETS``). ``elements``: the active window's
    element list (``planners.qwen.observe.element_list``), sent after the current screenshot.
    """
    if keep_screenshots < 1:
        raise ValueError(f"keep_screenshots must be at least 1 (the current screenshot), got {keep_screenshots}")
    steps = list(history)
    replayed = min(len(steps), keep_screenshots - 1)
    older, replay = steps[: len(steps) - replayed], steps[len(steps) - replayed :]
    earlier = "\n".join(_step_line(n, item) for n, item in enumerate(older, 1)) or "None"
    intro = (
        "Decide the next step from the screenshot, the task and the steps taken so far.\n\n"
        f"Task: {task}\n\nPrevious actions:\n{earlier}"
    )
    first_image = replay[0].screenshot if replay else screenshot
    messages = [
        ChatMessage.text("system", system_prompt(family, screen_size, terse=terse)),
        ChatMessage("user", (*_images(first_image), TextPart(intro))),
    ]
    for offset, item in enumerate(replay):
        number = len(older) + offset + 1
        following = replay[offset + 1].screenshot if offset + 1 < len(replay) else screenshot
        result = _result(item) or "done"
        messages.append(ChatMessage.text("assistant", item.action))
        messages.append(ChatMessage("user", (TextPart(f"Result of step {number}: {result}."), *_images(following))))
    if elements:
        last = messages[-1]  # the turn that carries the current screenshot
        messages[-1] = ChatMessage(last.role, (*last.parts, TextPart("\n" + elements)))
    return messages


def build_grounding_messages(
    description: str, screenshot: Image.Image, family: str, *, screen_size: tuple[int, int] | None = None
) -> list[ChatMessage]:
    """A one-point grounding call: the model answers one left_click on the described element
    (read it with ``parse.parse_point``). ``screen_size`` defaults to the screenshot's size."""
    size = screen_size if screen_size is not None else screenshot.size
    ask = (
        f"Click on this element: {description.strip()}\n"
        "Answer with exactly one left_click whose coordinate is the centre of that element."
    )
    return [
        ChatMessage.text("system", system_prompt(family, size, response_format=False)),
        ChatMessage("user", (ImagePart(screenshot), TextPart(ask))),
    ]
