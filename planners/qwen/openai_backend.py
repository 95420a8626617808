"""Chat completions from an OpenAI-compatible server: vLLM, SGLang, Ollama (/v1), hosted endpoints.

Failures split the way ``actions.errors`` splits them: a server that is down, overloaded or too slow
is retried (bounded, exponential backoff with jitter, ``Retry-After`` honoured) and then raises
``BackendError``; a request the server refuses (bad key, unknown model, prompt too long) raises at
once; a body that is not a chat completion raises too. Whatever *text* the model answers is returned
as is: judging it is the planner's business. The retry policy and the wording of transport and
server errors live in ``planners.qwen.http_retry``; this module builds requests, reads completions
and says what a refusal means for this client.

Only the standard library: ``urllib`` gives proxies from the environment and HTTPS without a new
dependency. ``timeout_s`` bounds each connect and each read, as in httpx and the OpenAI SDK.

Images are sent as PNG data URLs (zlib level 1). Measured on a 2-core machine, three real
screenshots resized to ~1 MP (a Tk form, a docs page, a terminal):

    PNG level 1   44 / 124 / 280 KiB   26-35 ms to encode
    PNG level 6   32 / 123 / 290 KiB   38-70 ms
    JPEG q90      66 /  89 / 189 KiB    3-4 ms    PSNR 44 / 44 / 33 dB

JPEG is ~10x faster to encode but not much smaller (larger on flat UIs) and smears small text (the
terminal); grounding small labels is worth ~30 ms a step, so lossless it is. Level 1 is as small as
level 6 on real screenshots at half the time. ``image_format="jpeg"`` is there for slow uplinks and
photo-heavy screens (a wallpaper-like frame: 2.3 MiB as PNG, 0.35 MiB as JPEG).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import io
import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np

from actions.errors import BackendError
from actions.png import encode_png
from planners.qwen.family import family_from_name, get_family
from planners.qwen.http_retry import (
    MAX_BODY_BYTES,
    NoRedirect,
    is_retryable,
    read_error_body,
    read_limited,
    requested_wait_s,
    retry_delay_s,
    server_message,
    snippet,
    transport_error,
)
from planners.qwen.messages import ChatMessage, Completion, ImagePart, TextPart

_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


class OpenAIChatBackend:
    """A ``ChatBackend`` for ``POST {base_url}/chat/completions``: ``model`` is the served model
    name, ``family`` the one given, else the one the name implies (``family_from_name``), and
    ``check()`` asks the server whether it serves ``model``.

    ``base_url`` is used as given, like the OpenAI SDK: ``http://localhost:8000/v1`` for vLLM and
    SGLang, ``http://localhost:11434/v1`` for Ollama. ``max_retries`` counts retries after the first
    attempt, so a call makes at most ``max_retries + 1`` attempts; the wait before retry *n* is
    ``backoff_s * 2**(n-1)`` less up to 25 % jitter, or the server's ``Retry-After`` on 429/503,
    both capped at ``max_backoff_s``. ``sleep`` is injectable so tests need not wait.
    ``Completion.latency_ms`` is the whole call, retries and waits included; ``last_attempts`` says
    how many attempts it took.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 4,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        sleep: Callable[[float], object] = time.sleep,
        image_format: Literal["png", "jpeg"] = "png",
        family: str | None = None,
    ) -> None:
        parsed = urllib.parse.urlsplit(base_url.strip())
        try:
            port = parsed.port
        except ValueError:
            port = -1
        if parsed.scheme not in ("http", "https") or not parsed.hostname or port == -1:
            raise BackendError(f"the base URL must look like http://HOST:PORT/v1, not {base_url!r}")
        if max_retries < 0 or timeout_s <= 0 or backoff_s < 0 or max_backoff_s < 0:
            raise BackendError("max_retries, backoff_s and max_backoff_s must be >= 0 and timeout_s > 0")
        if image_format not in ("png", "jpeg"):
            raise BackendError(f"image_format must be 'png' or 'jpeg', not {image_format!r}")
        self.base_url = base_url.strip().rstrip("/")
        try:
            self.family = get_family(family).name if family is not None else family_from_name(model)
        except ValueError as exc:
            raise BackendError(str(exc)) from None
        self.model = model
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.image_format = image_format
        self.last_attempts = 0  # attempts the latest complete() made, for run records and tests
        self._api_key = api_key or None
        self._sleep = sleep
        self._random = random.Random()
        # Credentials in the URL (http://user:pass@host) never reach a message or a record.
        netloc = parsed.hostname if ":" not in parsed.hostname else f"[{parsed.hostname}]"
        if port is not None:
            netloc += f":{port}"
        self._shown_url = urllib.parse.urlunsplit((parsed.scheme, netloc, parsed.path.rstrip("/"), "", ""))
        # A loopback server is never reached through HTTP(S)_PROXY from the environment.
        proxies = urllib.request.ProxyHandler({} if parsed.hostname in _LOOPBACK_HOSTS else None)
        self._opener = urllib.request.build_opener(proxies, NoRedirect())

    def __repr__(self) -> str:
        return f"OpenAIChatBackend({self.describe()!r})"

    def describe(self) -> str:
        return f"openai-compatible {self.model} at {self._shown_url}"

    # -- the seam -------------------------------------------------------------------------------

    def complete(self, messages: Sequence[ChatMessage], max_new_tokens: int = 256) -> Completion:
        body = json.dumps(
            {
                "model": self.model,
                "messages": [self._message_json(message) for message in messages],
                "max_tokens": max_new_tokens,
                "temperature": 0,
            },
            separators=(",", ":"),
        ).encode()
        url = f"{self.base_url}/chat/completions"
        started = time.perf_counter()
        last_error = ""
        self.last_attempts = 0
        for attempt in range(1, self.max_retries + 2):
            self.last_attempts = attempt
            retry_after: float | None = None
            try:
                status, raw = self._request("POST", url, body, self.timeout_s)
            except urllib.error.HTTPError as exc:
                detail = server_message(read_error_body(exc))
                if not is_retryable(exc.code):
                    raise BackendError(self._redact(self._refusal(exc, detail))) from None
                last_error = f"HTTP {exc.code} {exc.reason}" + (f": {detail}" if detail else "")
                retry_after = requested_wait_s(exc)
            except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out, DNS
                last_error = transport_error(exc, self.timeout_s)
            else:
                text, prompt_tokens, completion_tokens = self._parse_completion(status, raw)
                return Completion(
                    text=text,
                    prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                    latency_ms=(time.perf_counter() - started) * 1000.0,
                )
            if attempt <= self.max_retries:
                self._sleep(retry_delay_s(attempt, retry_after, self.backoff_s, self.max_backoff_s, self._random))
        raise BackendError(
            self._redact(
                f"the model server at {self._shown_url} failed {self.last_attempts} attempt"
                f"{'s' if self.last_attempts != 1 else ''} (POST /chat/completions); last error: {last_error}"
            )
        )

    def check(self, timeout_s: float = 5.0) -> list[str]:
        """Start-up check: ``GET {base_url}/models`` answers and serves ``model``; returns the ids."""
        try:
            models = self._list_models(timeout_s)
        except urllib.error.HTTPError as exc:
            detail = server_message(read_error_body(exc))
            raise BackendError(self._redact(self._refusal(exc, detail, what="GET /models"))) from None
        except (OSError, http.client.HTTPException) as exc:
            raise BackendError(
                self._redact(f"cannot reach the model server at {self._shown_url}: {transport_error(exc, timeout_s)}")
            ) from None
        if not _is_served(self.model, models):
            served = ", ".join(models) if models else "nothing"
            raise BackendError(
                f"the server at {self._shown_url} does not serve model {self.model!r}; it serves: {served}"
            )
        return models

    # -- request and response -------------------------------------------------------------------

    def _request(self, method: str, url: str, body: bytes | None, timeout_s: float) -> tuple[int, bytes]:
        headers = {"Accept": "application/json", "User-Agent": "deskpilot"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        with self._opener.open(request, timeout=timeout_s) as response:
            return response.status, read_limited(response)

    def _list_models(self, timeout_s: float) -> list[str]:
        _, raw = self._request("GET", f"{self.base_url}/models", None, timeout_s)
        try:
            data = json.loads(raw)["data"]
            return [str(entry["id"]) for entry in data]
        except (ValueError, KeyError, TypeError):
            raise BackendError(
                f"GET {self._shown_url}/models answered something that is not a model list: {snippet(raw)}"
            ) from None

    def _parse_completion(self, status: int, raw: bytes) -> tuple[str, int | None, int | None]:
        def malformed(why: str) -> BackendError:
            return BackendError(
                self._redact(
                    f"the server at {self._shown_url} answered something that is not a chat completion "
                    f"(HTTP {status}, {why}): {snippet(raw)}"
                )
            )

        if len(raw) > MAX_BODY_BYTES:
            raise malformed(f"more than {MAX_BODY_BYTES // (1024 * 1024)} MiB")
        try:
            payload = json.loads(raw)
        except ValueError:
            raise malformed("not JSON") from None
        if not isinstance(payload, dict):
            raise malformed("not a JSON object")
        choices = payload.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise malformed("no choices")
        message = choices[0].get("message")
        if not isinstance(message, dict) or "content" not in message:
            raise malformed("no message content")
        text = _message_text(message, choices[0].get("finish_reason"))
        if text is None:
            raise malformed("no message content")
        usage = payload.get("usage")
        if not isinstance(usage, dict):
            usage = {}
        return text, _int_or_none(usage.get("prompt_tokens")), _int_or_none(usage.get("completion_tokens"))

    def _message_json(self, message: ChatMessage) -> dict[str, Any]:
        if all(isinstance(part, TextPart) for part in message.parts):
            # Plain string content: every server and chat template takes it, and Qwen's template
            # concatenates text items without a separator, so the prompt is the same either way.
            return {"role": message.role, "content": "".join(part.text for part in message.parts)}  # type: ignore[union-attr]
        content: list[dict[str, Any]] = []
        for part in message.parts:
            if isinstance(part, ImagePart):
                content.append({"type": "image_url", "image_url": {"url": self._data_url(part.image)}})
            else:
                content.append({"type": "text", "text": part.text})
        return {"role": message.role, "content": content}

    def _data_url(self, image: Any) -> str:
        if image.mode != "RGB":
            image = image.convert("RGB")
        if self.image_format == "jpeg":
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=90)
            data = buffer.getvalue()
        else:
            data = encode_png(np.asarray(image))
        return f"data:image/{self.image_format};base64,{base64.b64encode(data).decode('ascii')}"

    # -- errors ---------------------------------------------------------------------------------

    def _refusal(self, exc: urllib.error.HTTPError, detail: str, what: str = "POST /chat/completions") -> str:
        head = f"the model server at {self._shown_url} refused {what}: HTTP {exc.code} {exc.reason}"
        if detail:
            head += f": {detail}"
        if exc.code in (401, 403):
            given = "the API key was rejected" if self._api_key else "it needs an API key and none was given"
            return f"{head} ({given}; name the environment variable that holds it with --api-key-env)"
        if exc.code == 404:
            hint = ""
            if not self.base_url.endswith("/v1"):
                hint = "; OpenAI-compatible servers usually live under /v1 (e.g. http://localhost:8000/v1)"
            if what.endswith("/models"):
                return head + hint
            try:
                served = ", ".join(self._list_models(min(5.0, self.timeout_s))) or "nothing"
                listing = f"; the server serves: {served}"
            except (BackendError, OSError, http.client.HTTPException):
                listing = "; its model list is unavailable"
            return f"{head} (model {self.model!r}{listing}){hint}"
        if 300 <= exc.code < 400:
            location = exc.headers.get("Location", "?")
            return f"{head} (redirected to {location}; use that address as the base URL)"
        if exc.code == 413:
            return f"{head} (the request is too large: lower the image pixel budget or send fewer images)"
        return head

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text


def _message_text(message: dict[str, Any], finish_reason: object) -> str | None:
    """The answer as the planner expects it from any backend; None when there is no answer at all.

    Servers that split the answer (vLLM's reasoning parser, Ollama's ``reasoning``, tool-call
    parsers) get it put back the way the model wrote it: ``<think>...</think>`` first, then the
    text, then ``<tool_call>...</tool_call>`` blocks.
    """
    content = message.get("content")
    if isinstance(content, list):  # some servers answer with content parts
        content = "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    if content is not None and not isinstance(content, str):
        return None
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    calls = message.get("tool_calls")
    if not isinstance(calls, list):
        calls = []
    if content is None and not reasoning and not calls:
        # A model that spent its whole budget without a word answered "": that is its fault.
        return "" if finish_reason == "length" else None
    text = content or ""
    if isinstance(reasoning, str) and reasoning and "<think>" not in text:
        text = f"<think>{reasoning}</think>{text}"
    for call in calls:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            continue
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            with contextlib.suppress(ValueError):
                arguments = json.loads(arguments)
        text += "<tool_call>" + json.dumps({"name": function.get("name"), "arguments": arguments}) + "</tool_call>"
    return text


def _is_served(model: str, served: list[str]) -> bool:
    # Ollama lists "qwen3-vl:latest" and serves it as "qwen3-vl" too.
    return model in served or (":" not in model and f"{model}:latest" in served)


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
