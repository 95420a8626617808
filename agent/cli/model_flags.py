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

if TYPE_CHECKING:
    from planners.qwen.messages import ChatBackend
    from planners.qwen.planner import QwenPlanner


def add_model_flags(run: argparse.ArgumentParser) -> None:
    group = run.add_argument_group("model (for a TASK)")
    group.add_argument("--model", help="local: hub id or directory; server: the served model name")
    group.add_argument("--base-url", help="OpenAI-compatible server, e.g. http://localhost:8000/v1")
    group.add_argument("--api-key-env", metavar="VAR", help="environment variable holding the server's API key")
    group.add_argument("--family", choices=["auto", "qwen3", "qwen2"], default="auto",
                       help="coordinate convention: qwen3 (0-1000 grid) or qwen2 (resized pixels); auto: "
                            "from the local config, else from the model name")  # fmt: skip
    group.add_argument("--preset", choices=["accurate", "balanced", "fast", "edge"], default="balanced",
                       help="pixel budget per screenshot (default balanced)")  # fmt: skip
    group.add_argument("--keep-screenshots", type=int, default=1, help="screenshots per prompt (default 1)")
    group.add_argument("--max-new-tokens", type=int, default=512, help="answer length limit (default 512)")
    group.add_argument("--device", choices=["auto", "cuda", "mps", "cpu"], default="auto")
    group.add_argument("--dtype", choices=["auto", "bf16", "fp16", "fp32"], default="auto")
    group.add_argument("--attn", choices=["auto", "sdpa", "flash_attention_2", "eager"], default="auto")
    group.add_argument("--quantization", choices=["4bit", "8bit"], help="load weights with bitsandbytes")
    group.add_argument("--timeout-s", type=float, default=120.0, help="server request timeout (default 120)")


def _family_from_name(name: str) -> str:
    lowered = name.lower().replace("_", "").replace("-", "").replace(".", "")
    return "qwen2" if "qwen2vl" in lowered or "qwen25vl" in lowered else "qwen3"


def build_planner(args: argparse.Namespace) -> QwenPlanner:
    """A QwenPlanner on the backend the flags ask for; the model is loaded / the server checked here."""
    from planners.qwen.family import get_preset
    from planners.qwen.planner import QwenPlanner

    if not args.model:
        raise UserInputError("a TASK needs a model: --model ID_OR_DIR (local) or --base-url URL --model NAME")
    if args.keep_screenshots < 1 or args.max_new_tokens < 1:
        raise UserInputError("--keep-screenshots and --max-new-tokens must be at least 1")
    preset = get_preset(args.preset)
    if args.base_url:
        from planners.qwen.openai_backend import OpenAIChatBackend

        api_key = None
        if args.api_key_env:
            api_key = os.environ.get(args.api_key_env)
            if not api_key:
                raise UserInputError(f"--api-key-env {args.api_key_env}: that environment variable is not set")
        server = OpenAIChatBackend(args.base_url, args.model, api_key=api_key, timeout_s=args.timeout_s)
        server.check()
        backend: ChatBackend = server
        family = args.family if args.family != "auto" else _family_from_name(args.model)
    else:
        from planners.qwen.local import LocalQwenBackend

        print(f"deskpilot: loading {args.model} ...", file=sys.stderr, flush=True)
        local = LocalQwenBackend(
            args.model,
            device=args.device,
            dtype=args.dtype,
            attn=args.attn,
            quantization=args.quantization,
            min_pixels=preset.min_pixels,
            max_pixels=preset.max_pixels,
        )
        backend = local
        family = args.family if args.family != "auto" else local.family
    print(f"deskpilot: planner {backend.describe()}, family {family}, preset {preset.name}", file=sys.stderr)
    try:
        return QwenPlanner(
            backend,
            family=family,
            preset=preset.name,
            keep_screenshots=args.keep_screenshots,
            max_new_tokens=args.max_new_tokens,
        )
    except ValueError as exc:
        raise BackendError(str(exc)) from None
