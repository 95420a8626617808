"""Choosing and starting the model backend from command-line flags, before the loop starts.

Everything heavy (torch, transformers) is imported here only when a local model is asked for, so
``deskpilot run --plan`` and ``--base-url`` runs never pay for it.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from actions.errors import BackendError, UserInputError
from planners.qwen.family import DEFAULT_PRESET, FAMILIES, PRESETS, get_preset
from planners.qwen.local_loading import ATTNS, DEVICES, DTYPES, QUANTIZATIONS

if TYPE_CHECKING:
    from planners.qwen.family import Preset
    from planners.qwen.messages import ChatBackend
    from planners.qwen.planner import QwenPlanner

AUTO_FAMILY = "auto"  # --family's default: the backend's own family


def add_model_flags(run: argparse.ArgumentParser) -> None:
    """The model flags; every ``choices=`` is a table of ``planners.qwen`` (family, local_loading)."""
    group = run.add_argument_group("model (for a TASK)")
    group.add_argument("--model", help="local: hub id or directory; server: the served model name")
    group.add_argument("--base-url", help="OpenAI-compatible server, e.g. http://localhost:8000/v1")
    group.add_argument("--api-key-env", metavar="VAR", help="environment variable holding the server's API key")
    group.add_argument("--family", choices=[AUTO_FAMILY, *FAMILIES], default=AUTO_FAMILY,
                       help="coordinate convention: qwen3 (0-1000 grid) or qwen2 (resized pixels); auto: "
                            "from the local config, else from the model name")  # fmt: skip
    group.add_argument("--preset", choices=list(PRESETS), default=DEFAULT_PRESET,
                       help=f"pixel budget per screenshot (default {DEFAULT_PRESET})")  # fmt: skip
    group.add_argument("--keep-screenshots", type=int, default=1, help="screenshots per prompt (default 1)")
    group.add_argument("--max-new-tokens", type=int, default=None,
                       help="answer length limit (default 512; 256 at the CPU presets fast and edge)")  # fmt: skip
    group.add_argument("--device", choices=list(DEVICES), default="auto")
    group.add_argument("--dtype", choices=list(DTYPES), default="auto")
    group.add_argument("--attn", choices=list(ATTNS), default="auto")
    group.add_argument("--quantization", choices=[q for q in QUANTIZATIONS if q is not None],
                       help="4bit/8bit: bitsandbytes on a CUDA GPU; int8/int4: weight-only on the CPU "
                            "(optimum-quanto), faster answers for some accuracy")  # fmt: skip
    group.add_argument("--timeout-s", type=float, default=120.0, help="server request timeout (default 120)")


def build_planner(args: argparse.Namespace) -> QwenPlanner:
    """A QwenPlanner on the backend the flags ask for. Whichever backend it is, it is built (a local
    model loads here) and its ``check()`` runs here, once, before the loop."""
    from planners.qwen.planner import QwenPlanner

    if not args.model:
        raise UserInputError("a TASK needs a model: --model ID_OR_DIR (local) or --base-url URL --model NAME")
    if args.keep_screenshots < 1 or (args.max_new_tokens is not None and args.max_new_tokens < 1):
        raise UserInputError("--keep-screenshots and --max-new-tokens must be at least 1")
    preset = get_preset(args.preset)
    family = None if args.family == AUTO_FAMILY else args.family
    backend = _server_backend(args, family) if args.base_url else _local_backend(args, preset, family)
    backend.check()
    print(f"deskpilot: planner {backend.describe()}, family {backend.family}, preset {preset.name}", file=sys.stderr)
    try:
        return QwenPlanner(
            backend,
            preset=preset.name,
            keep_screenshots=args.keep_screenshots,
            max_new_tokens=args.max_new_tokens,
        )
    except ValueError as exc:
        raise BackendError(str(exc)) from None


def _server_backend(args: argparse.Namespace, family: str | None) -> ChatBackend:
    from planners.qwen.openai_backend import OpenAIChatBackend

    api_key = None
    if args.api_key_env:
        api_key = os.environ.get(args.api_key_env)
        if not api_key:
            raise UserInputError(f"--api-key-env {args.api_key_env}: that environment variable is not set")
    return OpenAIChatBackend(args.base_url, args.model, api_key=api_key, timeout_s=args.timeout_s, family=family)


def _local_backend(args: argparse.Namespace, preset: Preset, family: str | None) -> ChatBackend:
    from planners.qwen.local import LocalQwenBackend

    print(f"deskpilot: loading {args.model} ...", file=sys.stderr, flush=True)
    backend = LocalQwenBackend(
        args.model,
        device=args.device,
        dtype=args.dtype,
        attn=args.attn,
        quantization=args.quantization,
        min_pixels=preset.min_pixels,
        max_pixels=preset.max_pixels,
        family=family,
    )
    print(f"deskpilot: dtype {backend.dtype} ({backend.dtype_reason})", file=sys.stderr)
    return backend
