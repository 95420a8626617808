"""Qwen-VL answers to actions: ``<tool_call>{"name": "computer_use", ...}</tool_call>`` blocks.

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

import json
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from actions.coords import GRID_MAX, DisplayProfile, GridPoint, ImagePixel, ScreenPoint
from actions.models import Action, Button, Click, Done, Drag, Key, Move, Scroll, Type, Wait, first_error
from agent.errors import ModelOutputError
from planners.qwen.family import QWEN2, get_family

TOOL_NAME = "computer_use"
ACTION_NAMES = (
    "key", "type", "mouse_move", "left_click", "left_click_drag", "right_click", "middle_click",
    "double_click", "triple_click", "scroll", "hscroll", "wait", "terminate", "answer",
)  # fmt: skip
SCROLL_PX_PER_CLICK = 100
MAX_WHEEL_CLICKS = 100  # the Scroll model's bound
DEFAULT_WAIT_S = 1.0  # `wait` without `time`: harmless, so not worth a retry

_OPEN, _CLOSE = "<tool_call>", "</tool_call>"
_CLICKS: dict[str, tuple[Button, Literal[1, 2, 3]]] = {
    "left_click": ("left", 1), "right_click": ("right", 1), "middle_click": ("middle", 1),
    "double_click": ("left", 2), "triple_click": ("left", 3),
}  # fmt: skip


class _Bad(Exception):
    """Internal: a problem with the answer; becomes a ModelOutputError carrying the raw text."""


@dataclass(frozen=True)
class ParsedAnswer:
    actions: tuple[Action, ...]
    thought: str | None  # the prose around the tool calls ("Action: click Submit")
    thinking: str | None  # the <think> block of Thinking variants


def split_thinking(text: str) -> tuple[str | None, str]:
    """(reasoning, answer). Thinking variants write ``<think>...</think>`` first; when the chat
    template already opened the block, the answer has only the closing tag. An unclosed
    ``<think>`` means the model ran out of tokens while thinking: the answer is what preceded it."""
    close = text.find("</think>")
    opening = text.find("<think>")
    if close == -1:
        if opening == -1:
            return None, text.strip()
        return text[opening + len("<think>") :].strip() or None, text[:opening].strip()
    start = opening + len("<think>") if -1 < opening < close else 0
    return text[start:close].strip() or None, text[close + len("</think>") :].strip()


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
            raise _Bad(f"{what} coordinate must be two numbers [x, y], got {_short(value)}")
        x, y = float(value[0]), float(value[1])
        if self.relative:
            if not (0 <= x <= GRID_MAX and 0 <= y <= GRID_MAX):
                raise _Bad(f"{what} coordinate {_short(value)} is off the 0..{GRID_MAX} grid")
            return self.profile.grid_to_screen(GridPoint(x, y))
        assert self.resized is not None
        width, height = self.resized
        # The image spans [0, w] x [0, h]; its far edge maps to the last point, never past it.
        if not (0 <= x <= width and 0 <= y <= height):
            raise _Bad(f"{what} coordinate {_short(value)} is outside the {width}x{height} image")
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


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _validated(build: Callable[[], Action], what: str) -> Action:
    try:
        return build()
    except ValidationError as exc:
        raise _Bad(f"{what}: {first_error(exc)}") from None


# -- tool-call extraction ----------------------------------------------------------------------
def _split_calls(answer: str) -> tuple[list[tuple[str, bool]], str]:
    """The bodies of the <tool_call> blocks (with a flag for one left open at the very end, as a
    generation cut off after its JSON leaves it) and the prose around them."""
    bodies: list[tuple[str, bool]] = []
    prose: list[str] = []
    pos = 0
    while (start := answer.find(_OPEN, pos)) != -1:
        prose.append(answer[pos:start])
        body = start + len(_OPEN)
        end, following = answer.find(_CLOSE, body), answer.find(_OPEN, body)
        if end == -1 or -1 < following < end:
            if following != -1:
                raise _Bad(f"tool call {len(bodies) + 1}: <tool_call> is not closed before the next one")
            bodies.append((answer[body:], True))
            return bodies, "".join(prose)
        bodies.append((answer[body:end], False))
        pos = end + len(_CLOSE)
    prose.append(answer[pos:])
    return bodies, "".join(prose).replace(_CLOSE, "")


def _decode(body: str, unclosed: bool) -> list[Any]:
    """The JSON objects in one tag body; code fences and several objects in a row are tolerated."""
    text = body.strip()
    if text.startswith("```"):  # ```json ... ``` inside the tag
        text = re.sub(r"^```[\w-]*", "", text).strip().removesuffix("```").strip()
    if not text:
        raise _Bad("empty <tool_call>")
    decoder, objects, index = json.JSONDecoder(), [], 0
    while index < len(text):
        try:
            obj, index = decoder.raw_decode(text, index)
        except RecursionError:
            raise _Bad("malformed JSON (nested too deeply)") from None
        except json.JSONDecodeError as exc:
            cut = "; the answer looks cut off" if unclosed else ""
            raise _Bad(f"malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno}){cut}") from None
        objects.append(obj)
        while index < len(text) and text[index].isspace():
            index += 1
    return objects


def _arguments(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict) and "name" not in obj and "action" in obj:
        return obj  # the arguments without their envelope: unambiguous, so accepted
    if not isinstance(obj, dict) or "name" not in obj:
        raise _Bad(f'expected {{"name": "{TOOL_NAME}", "arguments": {{...}}}}, got {_short(obj)}')
    if obj["name"] != TOOL_NAME:
        raise _Bad(f"unknown tool {_short(obj['name'])}; the only tool is {TOOL_NAME}")
    args = obj.get("arguments")
    if isinstance(args, str):  # some servers send arguments JSON-encoded a second time
        try:
            args = json.loads(args)
        except json.JSONDecodeError:
            raise _Bad("arguments is a string that is not JSON") from None
    if not isinstance(args, dict):
        raise _Bad(f"arguments must be an object, got {_short(args)}")
    return args


def _tool_arguments(answer: str) -> tuple[list[dict[str, Any]], str]:
    calls: list[dict[str, Any]] = []
    bodies, prose = _split_calls(answer)
    for body, unclosed in bodies:
        try:
            objects = _decode(body, unclosed)
        except _Bad as exc:
            raise _Bad(f"tool call {len(calls) + 1}: {exc}") from None
        for obj in objects:
            try:
                calls.append(_arguments(obj))
            except _Bad as exc:
                raise _Bad(f"tool call {len(calls) + 1}: {exc}") from None
    return calls, prose.strip()


# -- arguments to actions ----------------------------------------------------------------------
@dataclass
class _Answer:
    """What has been read so far: the actions, and which calls ended the task."""

    actions: list[Action]
    ended_by: set[str]
    cursor: ScreenPoint | None


def _pointer(name: str, args: dict[str, Any], space: _Space, state: _Answer) -> Action:
    coordinate = args.get("coordinate")
    if coordinate is None:
        why = " (Deskpilot never clicks wherever the pointer happens to be)" if name in _CLICKS else ""
        raise _Bad(f"{name} needs a coordinate [x, y]{why}")
    at = space.point(coordinate, name)
    if name in _CLICKS:
        button, count = _CLICKS[name]
        return Click(x=at.x, y=at.y, button=button, count=count)
    if name == "mouse_move":
        return Move(x=at.x, y=at.y)
    last = state.actions[-1] if state.actions else None
    if args.get("start_coordinate") is not None:  # the Anthropic spelling; unambiguous
        start = space.point(args["start_coordinate"], name)
    elif isinstance(last, Move):
        start = ScreenPoint(last.x, last.y)
        state.actions.pop()  # mouse_move + left_click_drag are one drag
    elif state.cursor is not None:
        start = state.cursor
    else:
        raise _Bad("left_click_drag has no start: put a mouse_move to the start point right before it")
    return Drag(x=start.x, y=start.y, to_x=at.x, to_y=at.y)


def _wheel_clicks(pixels: Any, action: str) -> int:
    if not _is_number(pixels) or pixels == 0:
        raise _Bad(f"{action} needs non-zero pixels (positive scrolls {'right' if action == 'hscroll' else 'up'})")
    clicks = min(MAX_WHEEL_CLICKS, max(1, math.floor(abs(pixels) / SCROLL_PX_PER_CLICK + 0.5)))
    return clicks if pixels > 0 else -clicks


def _scroll(name: str, args: dict[str, Any], space: _Space) -> Action:
    clicks = _wheel_clicks(args.get("pixels"), name)
    coordinate = args.get("coordinate")
    at = space.centre() if coordinate is None else space.point(coordinate, name)
    dx, dy = (clicks, 0) if name == "hscroll" else (0, clicks)
    return Scroll(x=at.x, y=at.y, dx=dx, dy=dy)


def _keyboard(name: str, args: dict[str, Any]) -> Action:
    if name == "key":
        keys = args.get("keys")
        if isinstance(keys, list):  # ["ctrl+c"] is written often enough to accept
            keys = [part for k in keys for part in (k.split("+") if isinstance(k, str) and len(k) > 1 else [k])]
        return _validated(lambda: Key.model_validate({"keys": keys}), "key")
    text = args.get("text")
    if not isinstance(text, str) or not text:
        raise _Bad("type needs a non-empty text")
    return _validated(lambda: Type(text=text), "type")


def _end(name: str, args: dict[str, Any], state: _Answer) -> Done | None:
    """terminate / answer; "answer then terminate" (or the reverse) is one Done. Returns None
    when the call merged into the Done before it."""
    if name == "terminate":
        status = args.get("status")
        if not isinstance(status, str) or status.strip().lower() not in ("success", "failure"):
            raise _Bad(f'terminate needs status "success" or "failure", got {_short(status)}')
        done = Done(success=status.strip().lower() == "success")
    else:
        text = args.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _Bad("answer needs a non-empty text")
        done = Done(success=True, answer=text)
    last = state.actions[-1] if state.actions else None
    state.ended_by.add(name)
    if isinstance(last, Done):
        answer = done.answer if name == "answer" else last.answer
        success = done.success if name == "terminate" else last.success
        state.actions[-1] = Done(success=success, answer=answer)
        return None
    return done


def _convert(args: dict[str, Any], space: _Space, state: _Answer) -> Action | None:
    name = args.get("action")
    if not isinstance(name, str) or name.strip().lower() not in ACTION_NAMES:
        raise _Bad(f"unknown action {_short(name)}; expected one of {', '.join(ACTION_NAMES)}")
    name = name.strip().lower()
    if name in state.ended_by or (state.ended_by and name not in ("answer", "terminate")):
        raise _Bad(f"{name} after the task was ended; terminate/answer must come last")
    if name in _CLICKS or name in ("mouse_move", "left_click_drag"):
        return _pointer(name, args, space, state)
    if name in ("scroll", "hscroll"):
        return _scroll(name, args, space)
    if name in ("key", "type"):
        return _keyboard(name, args)
    if name == "wait":
        seconds = args.get("time", DEFAULT_WAIT_S)
        if not _is_number(seconds):
            raise _Bad(f"wait needs time in seconds, got {_short(seconds)}")
        return _validated(lambda: Wait(seconds=seconds), "wait")
    return _end(name, args, state)


# -- public API ----------------------------------------------------------------------------
@contextmanager
def _model_output(text: Any) -> Iterator[None]:
    """Turns every failure while reading an answer into a ModelOutputError carrying the answer:
    the contract is that bad model output never escapes as anything else, whatever the text."""
    raw = text if isinstance(text, str) else None
    try:
        if raw is None:
            raise _Bad(f"the answer is not text ({type(text).__name__})")
        yield
    except _Bad as exc:
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
    """Actions, prose and reasoning of one answer; see ``parse_response``."""
    space = _Space(size, family, resized)  # caller errors stay ValueErrors: they are ours
    start = space.profile.clamp(ScreenPoint(*cursor)) if cursor is not None else None
    with _model_output(text):
        thinking, answer = split_thinking(text)
        calls, prose = _tool_arguments(answer)
        if not calls:
            if "<think>" in text and "</think>" not in text:
                raise _Bad("the answer stopped inside <think> before any action (raise max_new_tokens)")
            raise _Bad(f'no tool call in the answer; reply with {_OPEN}{{"name": "{TOOL_NAME}", ...}}{_CLOSE}')
        state = _Answer(actions=[], ended_by=set(), cursor=start)
        for number, args in enumerate(calls, 1):
            try:
                action = _convert(args, space, state)
            except _Bad as exc:
                raise _Bad(f"tool call {number}: {exc}") from None
            if action is not None:
                state.actions.append(action)
        return ParsedAnswer(actions=tuple(state.actions), thought=prose or None, thinking=thinking)


def parse_response(
    text: str,
    size: tuple[int, int],
    *,
    family: str = "qwen3",
    resized: tuple[int, int] | None = None,
    cursor: tuple[int, int] | None = None,
) -> list[Action]:
    """Every ``computer_use`` call of a Qwen-VL answer, in order, as actions on a screenshot of
    ``size`` (width, height) screen points with origin (0, 0).

    ``family`` "qwen3": coordinates on the 0..1000 grid; "qwen2": absolute pixels of the resized
    image, whose (w, h) ``resized`` must give. ``cursor`` (optional, same space as the result) is
    where the pointer is, used as the start of a ``left_click_drag`` that has no ``mouse_move``
    before it in this answer (models trained on one call per turn move in one step and drag in
    the next). Raises ``ModelOutputError`` for anything it will not execute, ``ValueError`` only
    for bad arguments from the caller.
    """
    return list(parse_answer(text, size, family=family, resized=resized, cursor=cursor).actions)


_POINT_2D = re.compile(r'"point_2d"\s*:\s*\[\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*\]')
_BBOX_2D = re.compile(r'"bbox_2d"\s*:\s*\[' + r"\s*,".join([r"\s*([-+0-9.eE]+)"] * 4) + r"\s*\]")
_BARE_PAIR = re.compile(r"[\[(]\s*([-+]?\d+(?:\.\d+)?)\s*,\s*([-+]?\d+(?:\.\d+)?)\s*[\])]")


def parse_point(
    text: str, size: tuple[int, int], family: str = "qwen3", resized: tuple[int, int] | None = None
) -> tuple[int, int]:
    """The one point of a grounding answer: the first tool call with a coordinate, else a
    ``"point_2d"`` (or the centre of a ``"bbox_2d"``), else a bare ``(x, y)`` pair."""
    space = _Space(size, family, resized)
    with _model_output(text):
        _, answer = split_thinking(text)
        calls, _ = _tool_arguments(answer)
        for args in calls:
            if args.get("coordinate") is not None:
                point = space.point(args["coordinate"], "grounding")
                return point.x, point.y
        if calls:
            raise _Bad("the tool call has no coordinate; expected a left_click on the element")
        if match := _POINT_2D.search(answer):
            pair: list[float] = [float(match[1]), float(match[2])]
        elif match := _BBOX_2D.search(answer):
            x1, y1, x2, y2 = (float(match[i]) for i in range(1, 5))
            pair = [(x1 + x2) / 2, (y1 + y2) / 2]
        elif match := _BARE_PAIR.search(answer):
            pair = [float(match[1]), float(match[2])]
        else:
            raise _Bad("no point in the answer; expected a left_click with a coordinate [x, y]")
        point = space.point(pair, "grounding")
        return point.x, point.y
