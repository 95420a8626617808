"""Qwen-VL answers to actions: ``<tool_call>{"name": "computer_use", ...}</tool_call>`` blocks.

``planners.qwen.tool_calls`` reads the text (the ``<think>`` block, the argument dicts of the tool
calls); this module maps those arguments onto actions and keeps the public contract below.

Every coordinate is converted in one place (``_Space``) through ``actions.coords``: Qwen3-VL
answers a 0..1000 grid of the image it saw (1000 is the last pixel), Qwen2/2.5-VL answers
absolute pixels of the resized image. Results are screen points with origin (0, 0) of the
screenshot; the caller adds the monitor offset.

Anything we will not execute is a ``ModelOutputError`` with one line the model can be shown;
nothing else escapes, whatever the text (the property tests feed arbitrary text and JSON).

Scroll convention. The schema Qwen3-VL was trained on says of ``pixels``: "Positive values scroll
up, negative values scroll down", for ``scroll`` and ``hscroll`` alike (QwenLM/Qwen3-VL
cookbooks/computer_use.ipynb; OSWorld mm_agents/qwen3vl_agent.py passes it straight to
``pyautogui.scroll``). For ``hscroll``, public drivers (SeungyounShin/qwen3_computer_use run.py)
pass it to ``pyautogui.hscroll``, where positive is right. So: ``scroll`` +N -> ``dy`` > 0 (up),
``hscroll`` +N -> ``dx`` > 0 (right), the signs of our Scroll action. Magnitudes seen in the wild
range from -5 to -1000, so we treat them as pixels: one wheel click per 100 px (about what one
notch moves in a browser), rounded half up, at least one click, at most ``MAX_WHEEL_CLICKS``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from actions.coords import GRID_MAX, DisplayProfile, GridPoint, ImagePixel, ScreenPoint
from actions.errors import ModelOutputError
from actions.models import Action, Button, Click, Done, Drag, Key, Move, Scroll, Type, Wait, first_error
from planners.qwen.family import QWEN2, get_family
from planners.qwen.tool_calls import (
    TOOL_CALL_CLOSE,
    TOOL_CALL_OPEN,
    TOOL_NAME,
    BadAnswer,
    short,
    split_thinking,
    tool_arguments,
    written_point,
)

# TOOL_NAME and split_thinking stay public names of this module: prompt.py and planners.qwen import them here.

SCROLL_PX_PER_CLICK = 100
MAX_WHEEL_CLICKS = 100  # the Scroll model's bound
DEFAULT_WAIT_S = 1.0  # `wait` without `time`: harmless, so not worth a retry

_CLICKS: dict[str, tuple[Button, Literal[1, 2, 3]]] = {
    "left_click": ("left", 1), "right_click": ("right", 1), "middle_click": ("middle", 1),
    "double_click": ("left", 2), "triple_click": ("left", 3),
}  # fmt: skip


@dataclass(frozen=True)
class ParsedAnswer:
    actions: tuple[Action, ...]
    thought: str | None  # the prose around the tool calls ("Action: click Submit")
    thinking: str | None  # the <think> block of Thinking variants


class _Space:
    """Maps the model's coordinates onto screen points of a (width, height) screenshot."""

    def __init__(self, size: tuple[int, int], family: str, resized: tuple[int, int] | None) -> None:
        width, height = size
        if not (isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0):
            raise ValueError(f"size must be a positive (width, height), got {size!r}")
        self.relative = get_family(family).coordinates == "relative"
        if not self.relative and (resized is None or len(resized) != 2 or min(resized) <= 0):
            raise ValueError(f"family {QWEN2!r} answers pixels of the resized image: pass resized=(w, h)")
        self.profile = DisplayProfile(width=width, height=height)
        self.resized = resized

    def point(self, value: Any, what: str) -> ScreenPoint:
        if not isinstance(value, (list, tuple)) or len(value) != 2 or not all(_is_number(v) for v in value):
            raise BadAnswer(f"{what} coordinate must be two numbers [x, y], got {short(value)}")
        x, y = float(value[0]), float(value[1])
        if self.relative:
            if not (0 <= x <= GRID_MAX and 0 <= y <= GRID_MAX):
                raise BadAnswer(f"{what} coordinate {short(value)} is off the 0..{GRID_MAX} grid")
            return self.profile.grid_to_screen(GridPoint(x, y))
        assert self.resized is not None
        width, height = self.resized
        # The image spans [0, w] x [0, h]; its far edge maps to the last point, never past it.
        if not (0 <= x <= width and 0 <= y <= height):
            raise BadAnswer(f"{what} coordinate {short(value)} is outside the {width}x{height} image")
        return self.profile.resized_to_screen(ImagePixel(x, y), (width, height))

    def centre(self) -> ScreenPoint:
        return ScreenPoint(self.profile.width // 2, self.profile.height // 2)


def _is_number(value: Any) -> bool:
    # bool is an int in Python, and json.loads accepts NaN, Infinity and 1e999: none is a number here.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too big for a float
        return False


def _validated(build: Callable[[], Action], what: str) -> Action:
    try:
        return build()
    except ValidationError as exc:
        raise BadAnswer(f"{what}: {first_error(exc)}") from None


# -- arguments to actions ----------------------------------------------------------------------
@dataclass
class _Answer:
    """What has been read so far: the actions, and which calls ended the task."""

    actions: list[Action]
    ended_by: set[str]
    cursor: ScreenPoint | None


Converter = Callable[[str, dict[str, Any], _Space, _Answer], "Action | None"]


def _pointer(name: str, args: dict[str, Any], space: _Space, state: _Answer) -> Action:
    coordinate = args.get("coordinate")
    if coordinate is None:
        why = " (Deskpilot never clicks wherever the pointer happens to be)" if name in _CLICKS else ""
        raise BadAnswer(f"{name} needs a coordinate [x, y]{why}")
    at = space.point(coordinate, name)
    if name in _CLICKS:
        button, count = _CLICKS[name]
        return Click(x=at.x, y=at.y, button=button, count=count)
    if name == "mouse_move":
        return Move(x=at.x, y=at.y)
    last = state.actions[-1] if state.actions else None
    if args.get("start_coordinate") is not None:  # the Anthropic spelling; unambiguous
        start = space.point(args["start_coordinate"], name)
    elif isinstance(last, Move) and last.point is not None:
        start = ScreenPoint(*last.point)
        state.actions.pop()  # mouse_move + left_click_drag are one drag
    elif state.cursor is not None:
        start = state.cursor
    else:
        raise BadAnswer("left_click_drag has no start: put a mouse_move to the start point right before it")
    return Drag(x=start.x, y=start.y, to_x=at.x, to_y=at.y)


def _wheel_clicks(pixels: Any, action: str) -> int:
    if not _is_number(pixels) or pixels == 0:
        raise BadAnswer(f"{action} needs non-zero pixels (positive scrolls {'right' if action == 'hscroll' else 'up'})")
    clicks = min(MAX_WHEEL_CLICKS, max(1, math.floor(abs(pixels) / SCROLL_PX_PER_CLICK + 0.5)))
    return clicks if pixels > 0 else -clicks


def _scroll(name: str, args: dict[str, Any], space: _Space, state: _Answer) -> Action:
    clicks = _wheel_clicks(args.get("pixels"), name)
    coordinate = args.get("coordinate")
    at = space.centre() if coordinate is None else space.point(coordinate, name)
    dx, dy = (clicks, 0) if name == "hscroll" else (0, clicks)
    return Scroll(x=at.x, y=at.y, dx=dx, dy=dy)


def _keyboard(name: str, args: dict[str, Any], space: _Space, state: _Answer) -> Action:
    if name == "key":
        keys = args.get("keys")
        if isinstance(keys, list):  # ["ctrl+c"] is written often enough to accept
            keys = [part for k in keys for part in (k.split("+") if isinstance(k, str) and len(k) > 1 else [k])]
        return _validated(lambda: Key.model_validate({"keys": keys}), "key")
    text = args.get("text")
    if not isinstance(text, str) or not text:
        raise BadAnswer("type needs a non-empty text")
    return _validated(lambda: Type(text=text), "type")


def _wait(name: str, args: dict[str, Any], space: _Space, state: _Answer) -> Action:
    seconds = args.get("time", DEFAULT_WAIT_S)
    if not _is_number(seconds):
        raise BadAnswer(f"wait needs time in seconds, got {short(seconds)}")
    return _validated(lambda: Wait(seconds=seconds), "wait")


def _end(name: str, args: dict[str, Any], space: _Space, state: _Answer) -> Done | None:
    """terminate / answer; "answer then terminate" (or the reverse) is one Done. Returns None
    when the call merged into the Done before it."""
    if name == "terminate":
        status = args.get("status")
        if not isinstance(status, str) or status.strip().lower() not in ("success", "failure"):
            raise BadAnswer(f'terminate needs status "success" or "failure", got {short(status)}')
        done = Done(success=status.strip().lower() == "success")
    else:
        text = args.get("text")
        if not isinstance(text, str) or not text.strip():
            raise BadAnswer("answer needs a non-empty text")
        done = Done(success=True, answer=text)
    last = state.actions[-1] if state.actions else None
    state.ended_by.add(name)
    if isinstance(last, Done):
        answer = done.answer if name == "answer" else last.answer
        success = done.success if name == "terminate" else last.success
        state.actions[-1] = Done(success=success, answer=answer)
        return None
    return done


# The model's tool names, in the order of the enum it was trained on (the prompt shows them so), each to
# the function that turns its arguments into one of our actions. These names are Qwen's, not ours: the
# mapping onto action kinds lives here, with the model, and nowhere else.
_CONVERTERS: dict[str, Converter] = {
    "key": _keyboard, "type": _keyboard, "mouse_move": _pointer, "left_click": _pointer,
    "left_click_drag": _pointer, "right_click": _pointer, "middle_click": _pointer, "double_click": _pointer,
    "triple_click": _pointer, "scroll": _scroll, "hscroll": _scroll, "wait": _wait, "terminate": _end,
    "answer": _end,
}  # fmt: skip
ACTION_NAMES: tuple[str, ...] = tuple(_CONVERTERS)


def _convert(args: dict[str, Any], space: _Space, state: _Answer) -> Action | None:
    name = args.get("action")
    if not isinstance(name, str) or name.strip().lower() not in _CONVERTERS:
        raise BadAnswer(f"unknown action {short(name)}; expected one of {', '.join(ACTION_NAMES)}")
    name = name.strip().lower()
    if name in state.ended_by or (state.ended_by and name not in ("answer", "terminate")):
        raise BadAnswer(f"{name} after the task was ended; terminate/answer must come last")
    return _CONVERTERS[name](name, args, space, state)


# -- public API ----------------------------------------------------------------------------
@contextmanager
def _model_output(text: Any) -> Iterator[None]:
    """Turns every failure while reading an answer into a ModelOutputError carrying the answer:
    the contract is that bad model output never escapes as anything else, whatever the text."""
    raw = text if isinstance(text, str) else None
    try:
        if raw is None:
            raise BadAnswer(f"the answer is not text ({type(text).__name__})")
        yield
    except BadAnswer as exc:
        raise ModelOutputError(str(exc), raw=raw) from None
    except Exception as exc:  # noqa: BLE001 - a bug of ours on odd input must not crash the run
        raise ModelOutputError(f"unreadable answer ({type(exc).__name__}: {exc})", raw=raw) from None


def parse_answer(
    text: str,
    size: tuple[int, int],
    *,
    family: str = "qwen3",
    resized: tuple[int, int] | None = None,
    cursor: tuple[int, int] | None = None,
) -> ParsedAnswer:
    """Every ``computer_use`` call of a Qwen-VL answer, in order, as actions on a screenshot of
    ``size`` (width, height) screen points with origin (0, 0); with the prose around the calls
    (``thought``) and the ``<think>`` block (``thinking``).

    ``family`` "qwen3": coordinates on the 0..1000 grid; "qwen2": absolute pixels of the resized
    image, whose (w, h) ``resized`` must give. ``cursor`` (optional, same space as the result) is
    where the pointer is, used as the start of a ``left_click_drag`` that has no ``mouse_move``
    before it in this answer (models trained on one call per turn move in one step and drag in
    the next). Raises ``ModelOutputError`` for anything it will not execute, ``ValueError`` only
    for bad arguments from the caller.
    """
    space = _Space(size, family, resized)  # caller errors stay ValueErrors: they are ours
    start = space.profile.clamp(ScreenPoint(*cursor)) if cursor is not None else None
    with _model_output(text):
        thinking, answer = split_thinking(text)
        calls, prose = tool_arguments(answer)
        if not calls:
            if "<think>" in text and "</think>" not in text:
                raise BadAnswer("the answer stopped inside <think> before any action (raise max_new_tokens)")
            raise BadAnswer(
                "no tool call in the answer; reply with "
                f'{TOOL_CALL_OPEN}{{"name": "{TOOL_NAME}", ...}}{TOOL_CALL_CLOSE}'
            )
        state = _Answer(actions=[], ended_by=set(), cursor=start)
        for number, args in enumerate(calls, 1):
            try:
                action = _convert(args, space, state)
            except BadAnswer as exc:
                raise BadAnswer(f"tool call {number}: {exc}") from None
            if action is not None:
                state.actions.append(action)
        return ParsedAnswer(actions=tuple(state.actions), thought=prose or None, thinking=thinking)


def parse_point(
    text: str, size: tuple[int, int], family: str = "qwen3", resized: tuple[int, int] | None = None
) -> tuple[int, int]:
    """The one point of a grounding answer: the first tool call with a coordinate, else a
    ``"point_2d"`` (or the centre of a ``"bbox_2d"``), else a bare ``(x, y)`` pair."""
    space = _Space(size, family, resized)
    with _model_output(text):
        _, answer = split_thinking(text)
        calls, _ = tool_arguments(answer)
        for args in calls:
            if args.get("coordinate") is not None:
                point = space.point(args["coordinate"], "grounding")
                return point.x, point.y
        if calls:
            raise BadAnswer("the tool call has no coordinate; expected a left_click on the element")
        pair = written_point(answer)
        if pair is None:
            raise BadAnswer("no point in the answer; expected a left_click with a coordinate [x, y]")
        point = space.point(pair, "grounding")
        return point.x, point.y
