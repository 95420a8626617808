"""Building the model planner from typed settings, once, before the loop starts.

``ModelSpec`` is what a user chooses (the command line's model flags, ``Desktop(model=...)``, a
script's own settings); ``build_planner(spec)`` starts the backend it names (a local model loads here;
a server is asked once whether it answers) and returns the ``QwenPlanner`` over it. torch and
transformers are imported only for a local model, so server runs never pay for them.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from actions.errors import BackendError, UserInputError
from planners.qwen.family import DEFAULT_PRESET, FAMILIES, PRESETS, get_preset
from planners.qwen.local_loading import ATTNS, DEVICES, DTYPES, QUANTIZATIONS
from planners.qwen.observe import DEFAULT_OBSERVE, check_observe

if TYPE_CHECKING:
    from planners.grounding.tree import TreeSource
    from planners.qwen.family import Preset
    from planners.qwen.messages import ChatBackend
    from planners.qwen.planner import QwenPlanner

AUTO_FAMILY = "auto"  # the backend's own family: from the local config, else from the model name


# Each setting's choices: the tables the backends themselves check against.
_CHOICES: dict[str, tuple[str | None, ...]] = {
    "family": (AUTO_FAMILY, *FAMILIES), "preset": tuple(PRESETS), "device": DEVICES, "dtype": DTYPES,
    "attn": ATTNS, "quantization": QUANTIZATIONS,
}  # fmt: skip


class ModelSpec(BaseModel):
    """The model to plan with: a local checkpoint (hub id or directory) or a served model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = Field(min_length=1, description="local: hub id or directory; server: the served model name")
    base_url: str | None = Field(None, description="an OpenAI-compatible server, e.g. http://localhost:8000/v1")
    api_key_env: str | None = Field(None, description="environment variable holding the server's API key")
    family: str = AUTO_FAMILY
    preset: str = DEFAULT_PRESET
    keep_screenshots: int = Field(1, ge=1)
    max_new_tokens: int | None = Field(None, ge=1, description="answer length (None: 512; 256 at the CPU presets)")
    device: str = "auto"
    dtype: str = "auto"
    attn: str = "auto"
    quantization: str | None = None
    prompt_lookup: int | None = Field(
        None, ge=0, description="local: draft tokens checked per forward (None: 8 on the CPU, else 0; 0: off)"
    )
    timeout_s: float = Field(120.0, gt=0, description="server request timeout")
    observe: str = Field(DEFAULT_OBSERVE, description="screenshot, or screenshot+tree (the active window's elements)")

    @field_validator("observe")
    @classmethod
    def _an_observe_mode(cls, value: str) -> str:
        return check_observe(value)

    @field_validator("family", "preset", "device", "dtype", "attn", "quantization")
    @classmethod
    def _one_of_its_choices(cls, value: str | None, info: ValidationInfo) -> str | None:
        choices = _CHOICES[str(info.field_name)]
        if value not in choices:
            shown = ", ".join(str(c) for c in choices if c is not None)
            raise ValueError(f"unknown {info.field_name} {value!r}; expected one of {shown}")
        return value


def build_planner(spec: ModelSpec, trees: TreeSource | None = None) -> QwenPlanner:
    """A QwenPlanner on the backend ``spec`` names, built and checked (``check()``) here, once. ``trees``:
    where the active window's elements are read when ``spec.observe`` asks for them (the desktop's)."""
    from planners.qwen.planner import QwenPlanner

    preset = get_preset(spec.preset)
    family = None if spec.family == AUTO_FAMILY else spec.family
    backend = _server_backend(spec, family) if spec.base_url else _local_backend(spec, preset, family)
    backend.check()
    print(f"deskpilot: planner {backend.describe()}, family {backend.family}, preset {preset.name}", file=sys.stderr)
    try:
        return QwenPlanner(
            backend,
            preset=preset.name,
            keep_screenshots=spec.keep_screenshots,
            max_new_tokens=spec.max_new_tokens,
            observe=spec.observe,
            trees=trees,
        )
    except ValueError as exc:
        raise BackendError(str(exc)) from None


def _server_backend(spec: ModelSpec, family: str | None) -> ChatBackend:
    from planners.qwen.openai_backend import OpenAIChatBackend

    api_key = None
    if spec.api_key_env:
        api_key = os.environ.get(spec.api_key_env)
        if not api_key:
            raise UserInputError(f"api_key_env {spec.api_key_env}: that environment variable is not set")
    assert spec.base_url is not None
    return OpenAIChatBackend(spec.base_url, spec.model, api_key=api_key, timeout_s=spec.timeout_s, family=family)


def _local_backend(spec: ModelSpec, preset: Preset, family: str | None) -> ChatBackend:
    from planners.qwen.local import LocalQwenBackend

    print(f"deskpilot: loading {spec.model} ...", file=sys.stderr, flush=True)
    backend = LocalQwenBackend(
        spec.model,
        device=spec.device,
        dtype=spec.dtype,
        attn=spec.attn,
        quantization=spec.quantization,
        min_pixels=preset.min_pixels,
        max_pixels=preset.max_pixels,
        family=family,
        prompt_lookup=spec.prompt_lookup,
    )
    print(f"deskpilot: dtype {backend.dtype} ({backend.dtype_reason})", file=sys.stderr)
    return backend
