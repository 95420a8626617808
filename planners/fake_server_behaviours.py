"""What the fake chat server (``planners.fake_server``) can be scripted to do, and the bodies it sends.

The behaviours: ``Answer`` (a normal completion), ``HttpError`` (an error status, optionally with
``Retry-After``), ``Delay`` (wait, then behave), ``Malformed`` (a body that is not a chat
completion); a bare ``str`` or ``int`` stands for an ``Answer`` or an ``HttpError``, and a callable
gets the request's JSON and returns one of them. Also here: the JSON bodies built from them (a chat
completion with estimated usage, an OpenAI-style error) and ``images_in``, which reads the images
back out of a chat request. No server code: the server is in ``planners.fake_server``.
"""

from __future__ import annotations

import base64
import io
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEFAULT_ANSWER = (
    '<tool_call>{"name": "computer_use", "arguments": {"action": "terminate", "status": "success"}}</tool_call>'
)


@dataclass(frozen=True)
class Answer:
    """A normal chat completion. Token counts left as None are estimated from the request."""

    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str = "stop"


@dataclass(frozen=True)
class HttpError:
    """An error status with an OpenAI-style error body; ``retry_after`` becomes the header."""

    code: int
    message: str = ""
    retry_after: float | str | None = None


@dataclass(frozen=True)
class Delay:
    """Wait ``seconds`` (longer than the client's timeout, typically), then behave as ``then``."""

    seconds: float
    then: Behaviour = DEFAULT_ANSWER


@dataclass(frozen=True)
class Malformed:
    """A body that is not a chat completion: ``"not json"``, ``'{"object": "list"}'``, ..."""

    body: str | bytes
    status: int = 200
    content_type: str = "application/json"


Behaviour = str | int | Answer | HttpError | Delay | Malformed | Callable[[dict[str, Any]], Any]


def images_in(request_json: Any) -> list[Any]:
    """The PIL images in a chat request's ``image_url`` data URLs, in order (loaded)."""
    from PIL import Image

    images = []
    for url in _image_urls(request_json):
        image = Image.open(io.BytesIO(_decode_data_url(url)))  # in memory: nothing to close
        image.load()
        images.append(image)  # not a copy, which would lose .format
    return images


def completion_body(model: str, answer: Answer, body: dict[str, Any]) -> dict[str, Any]:
    """The chat completion that ``answer`` makes for the request ``body``."""
    prompt = answer.prompt_tokens if answer.prompt_tokens is not None else _estimate_prompt_tokens(body)
    completion = answer.completion_tokens
    if completion is None:
        completion = max(1, math.ceil(len(answer.text) / 4))
    return {
        "id": f"chatcmpl-fake-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer.text},
                "finish_reason": answer.finish_reason,
            }
        ],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
    }


def error_body(message: str, code: int, kind: str = "BadRequestError") -> dict[str, Any]:
    """An OpenAI-style error body."""
    return {"error": {"message": message, "type": kind, "code": code}}


def _estimate_prompt_tokens(body: dict[str, Any]) -> int:
    """About 4 characters a text token; one visual token per 32x32 pixels, as Qwen3-VL counts."""
    from PIL import Image

    chars, visual = 0, 0
    for message in body.get("messages", []):
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            chars += len(content)
        elif isinstance(content, list):
            chars += sum(len(str(p.get("text", ""))) for p in content if isinstance(p, dict))
    for url in _image_urls(body):
        try:
            with Image.open(io.BytesIO(_decode_data_url(url))) as image:  # reads the header only
                visual += math.ceil(image.width / 32) * math.ceil(image.height / 32)
        except Exception:
            continue  # the estimate is for show; a broken image is the test's to check
    return math.ceil(chars / 4) + visual


def _image_urls(body: Any) -> list[str]:
    urls = []
    for message in body.get("messages", []) if isinstance(body, dict) else []:
        content = message.get("content") if isinstance(message, dict) else None
        for part in content if isinstance(content, list) else []:
            if isinstance(part, dict) and part.get("type") == "image_url":
                url = part.get("image_url", {}).get("url") if isinstance(part.get("image_url"), dict) else None
                if isinstance(url, str):
                    urls.append(url)
    return urls


def _decode_data_url(url: str) -> bytes:
    header, _, data = url.partition(",")
    if not header.startswith("data:") or not header.endswith(";base64"):
        raise ValueError(f"not a base64 data URL: {url[:40]!r}")
    return base64.b64decode(data, validate=True)
