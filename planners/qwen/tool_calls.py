"""Reading the text of a Qwen-VL answer: its ``<think>`` block and the argument dicts of its tool calls.

``split_thinking`` separates the reasoning of Thinking variants from the answer;
``tool_arguments`` turns the answer into the ``arguments`` objects of its
``<tool_call>{"name": "computer_use", "arguments": {...}}</tool_call>`` blocks, in order, plus the
prose around them; ``written_point`` finds a grounding answer's point written without a tool call.
Damaged output that is still unambiguous is recovered (a block left open at the very end, code
fences, several objects in one block, arguments JSON-encoded twice, arguments without their
envelope); anything else raises ``BadAnswer`` with one line the model can be shown. What the
arguments mean is ``planners.qwen.parse``'s business.
"""

from __future__ import annotations

import json
import re
from typing import Any

TOOL_NAME = "computer_use"
TOOL_CALL_OPEN, TOOL_CALL_CLOSE = "<tool_call>", "</tool_call>"

_POINT_2D = re.compile(r'"point_2d"\s*:\s*\[\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*\]')
_BBOX_2D = re.compile(r'"bbox_2d"\s*:\s*\[' + r"\s*,".join([r"\s*([-+0-9.eE]+)"] * 4) + r"\s*\]")
_BARE_PAIR = re.compile(r"[\[(]\s*([-+]?\d+(?:\.\d+)?)\s*,\s*([-+]?\d+(?:\.\d+)?)\s*[\])]")


class BadAnswer(Exception):
    """A problem with the answer; the parser turns it into a ModelOutputError carrying the raw text."""


def short(value: Any, limit: int = 60) -> str:
    """``value`` as the model would recognise it in a message, cut to ``limit`` characters."""
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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


def tool_arguments(answer: str) -> tuple[list[dict[str, Any]], str]:
    """The ``arguments`` of every tool call in ``answer``, in order, and the prose around them."""
    calls: list[dict[str, Any]] = []
    bodies, prose = _split_calls(answer)
    for body, unclosed in bodies:
        try:
            objects = _decode(body, unclosed)
        except BadAnswer as exc:
            raise BadAnswer(f"tool call {len(calls) + 1}: {exc}") from None
        for obj in objects:
            try:
                calls.append(_arguments(obj))
            except BadAnswer as exc:
                raise BadAnswer(f"tool call {len(calls) + 1}: {exc}") from None
    return calls, prose.strip()


def written_point(answer: str) -> list[float] | None:
    """A point written without a tool call: a ``"point_2d"``, else the centre of a ``"bbox_2d"``,
    else a bare ``(x, y)`` or ``[x, y]`` pair; None when there is none. The numbers are as written
    (the caller checks the range); a match that is not a number raises ValueError."""
    if match := _POINT_2D.search(answer):
        return [float(match[1]), float(match[2])]
    if match := _BBOX_2D.search(answer):
        x1, y1, x2, y2 = (float(match[i]) for i in range(1, 5))
        return [(x1 + x2) / 2, (y1 + y2) / 2]
    if match := _BARE_PAIR.search(answer):
        return [float(match[1]), float(match[2])]
    return None


def _split_calls(answer: str) -> tuple[list[tuple[str, bool]], str]:
    """The bodies of the <tool_call> blocks (with a flag for one left open at the very end, as a
    generation cut off after its JSON leaves it) and the prose around them."""
    bodies: list[tuple[str, bool]] = []
    prose: list[str] = []
    pos = 0
    while (start := answer.find(TOOL_CALL_OPEN, pos)) != -1:
        prose.append(answer[pos:start])
        body = start + len(TOOL_CALL_OPEN)
        end, following = answer.find(TOOL_CALL_CLOSE, body), answer.find(TOOL_CALL_OPEN, body)
        if end == -1 or -1 < following < end:
            if following != -1:
                raise BadAnswer(f"tool call {len(bodies) + 1}: <tool_call> is not closed before the next one")
            bodies.append((answer[body:], True))
            return bodies, "".join(prose)
        bodies.append((answer[body:end], False))
        pos = end + len(TOOL_CALL_CLOSE)
    prose.append(answer[pos:])
    return bodies, "".join(prose).replace(TOOL_CALL_CLOSE, "")


def _decode(body: str, unclosed: bool) -> list[Any]:
    """The JSON objects in one tag body; code fences and several objects in a row are tolerated."""
    text = body.strip()
    if text.startswith("```"):  # ```json ... ``` inside the tag
        text = re.sub(r"^```[\w-]*", "", text).strip().removesuffix("```").strip()
    if not text:
        raise BadAnswer("empty <tool_call>")
    decoder, objects, index = json.JSONDecoder(), [], 0
    while index < len(text):
        try:
            obj, index = decoder.raw_decode(text, index)
        except RecursionError:
            raise BadAnswer("malformed JSON (nested too deeply)") from None
        except json.JSONDecodeError as exc:
            cut = "; the answer looks cut off" if unclosed else ""
            raise BadAnswer(f"malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno}){cut}") from None
        objects.append(obj)
        while index < len(text) and text[index].isspace():
            index += 1
    return objects


def _arguments(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict) and "name" not in obj and "action" in obj:
        return obj  # the arguments without their envelope: unambiguous, so accepted
    if not isinstance(obj, dict) or "name" not in obj:
        raise BadAnswer(f'expected {{"name": "{TOOL_NAME}", "arguments": {{...}}}}, got {short(obj)}')
    if obj["name"] != TOOL_NAME:
        raise BadAnswer(f"unknown tool {short(obj['name'])}; the only tool is {TOOL_NAME}")
    args = obj.get("arguments")
    if isinstance(args, str):  # some servers send arguments JSON-encoded a second time
        try:
            args = json.loads(args)
        except json.JSONDecodeError:
            raise BadAnswer("arguments is a string that is not JSON") from None
    if not isinstance(args, dict):
        raise BadAnswer(f"arguments must be an object, got {short(args)}")
    return args
