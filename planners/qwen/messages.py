"""The backend seam for chat models: backend-neutral messages in, one completion out.

The planner builds ``ChatMessage`` lists (text and PIL images, the images already resized to the
pixel budget); each backend turns them into what it speaks: a processor's chat template for local
transformers, ``image_url`` data URLs for OpenAI-compatible servers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable


@dataclass(frozen=True)
class TextPart:
    text: str


@dataclass(frozen=True)
class ImagePart:
    image: Any  # PIL.Image.Image, RGB, already resized to the pixel budget the backend should use


Part = TextPart | ImagePart


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    parts: tuple[Part, ...]

    @classmethod
    def text(cls, role: Literal["system", "user", "assistant"], text: str) -> ChatMessage:
        return cls(role=role, parts=(TextPart(text),))


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: float = 0.0


@runtime_checkable
class ChatBackend(Protocol):
    """A chat model, local or served; every backend has the same names.

    ``model``: the model as the user named it (a hub id or directory, or the served model name).
    ``family``: ``qwen3`` or ``qwen2``, the coordinate convention of its answers (from the
    checkpoint's config, from the served name, or as the user forced it).
    ``check()``: the start-up check, called once before the loop by whoever builds the planner
    (``planners.qwen.build.build_planner``): raises ``BackendError`` when the model cannot answer
    (server down, model not served), returns the model ids the backend can answer for.
    ``complete()``: one chat completion. Raises ``BackendError`` when the backend itself fails
    (server down, out of retries); what the model *says* is the planner's business.
    ``describe()``: one line for run records: backend kind, model, device or URL.

    Implementations: ``planners.qwen.local.LocalQwenBackend`` (transformers),
    ``planners.qwen.openai_backend.OpenAIChatBackend`` (OpenAI-compatible servers), and the shipped
    fake ``planners.fake_backend.ScriptedChatBackend``; ``planners.fake_server.FakeChatServer``
    serves what the server backend speaks.
    """

    @property
    def model(self) -> str: ...

    @property
    def family(self) -> str: ...

    def check(self) -> list[str]: ...

    def complete(self, messages: Sequence[ChatMessage], max_new_tokens: int = 256) -> Completion: ...

    def describe(self) -> str: ...
