"""Choosing and starting the model backend from command-line flags, before the loop starts.

Everything heavy (torch, transformers) is imported here only when a local model is asked for, so
``deskpilot run --plan`` and ``--base-url`` runs never pay for it.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from actions.errors import UserInputError
from planners.qwen.build import AUTO_FAMILY
from planners.qwen.family import DEFAULT_PRESET, FAMILIES, PRESETS
from planners.qwen.local_loading import ATTNS, DEVICES, DTYPES, QUANTIZATIONS
from planners.qwen.observe import DEFAULT_OBSERVE, OBSERVE_MODES

if TYPE_CHECKING:
    from planners.qwen.build import ModelSpec
    from planners.qwen.planner import QwenPlanner


def add_model_flags(run: argparse.ArgumentParser, observe: bool = True) -> None:
    """The model flags; every ``choices=`` is a table of ``planners.qwen`` (family, local_loading).
    ``observe=False``: no ``--observe`` (a replay asks the model for points only, never plans with it)."""
    group = run.add_argument_group("model (for a TASK)")
    group.add_argument("--model", help="local: hub id or directory; server: the served model name")
    group.add_argument("--base-url", help="OpenAI-compatible server, e.g. http://localhost:8000/v1")
    group.add_argument("--api-key-env", metavar="VAR", help="environment variable holding the server's API key")
    group.add_argument(
        "--family",
        choices=[AUTO_FAMILY, *FAMILIES],
        default=AUTO_FAMILY,
        help="coordinate convention: qwen3 (0-1000 grid) or qwen2 (resized pixels); auto: "
        "from the local config, else from the model name",
    )
    group.add_argument(
        "--preset",
        choices=list(PRESETS),
        default=DEFAULT_PRESET,
        help=f"pixel budget per screenshot (default {DEFAULT_PRESET})",
    )
    group.add_argument("--keep-screenshots", type=int, default=1, help="screenshots per prompt (default 1)")
    group.add_argument(
        "--max-new-tokens",
        type=int,
        default=None,
        help="answer length limit (default 512; 256 at the CPU presets fast and edge)",
    )
    group.add_argument("--device", choices=list(DEVICES), default="auto")
    group.add_argument("--dtype", choices=list(DTYPES), default="auto")
    group.add_argument("--attn", choices=list(ATTNS), default="auto")
    group.add_argument(
        "--quantization",
        choices=[q for q in QUANTIZATIONS if q is not None],
        help="4bit/8bit: bitsandbytes on a CUDA GPU; on the CPU int8: torch's dynamic int8 (x86), "
        "int4: optimum-quanto; faster answers for some accuracy",
    )
    group.add_argument(
        "--prompt-lookup",
        type=int,
        default=None,
        metavar="N",
        help="local model: check up to N answer tokens drafted from the prompt per forward (the same "
        "greedy answer, fewer forwards); default 8 on the CPU, 0 (off) elsewhere",
    )
    group.add_argument("--timeout-s", type=float, default=120.0, help="server request timeout (default 120)")
    if not observe:
        return
    group.add_argument(
        "--observe",
        choices=list(OBSERVE_MODES),
        default=DEFAULT_OBSERVE,
        help=f"what the model is shown each step: the screenshot, or the screenshot and the active window's "
        f"interactive elements from its accessibility tree (role, name, box) (default {DEFAULT_OBSERVE})",
    )


def model_spec(args: argparse.Namespace) -> ModelSpec:
    """The flags as a ``ModelSpec``; a bad value is a UserInputError naming the flag."""
    from pydantic import ValidationError

    from planners.qwen.build import ModelSpec

    if not args.model:
        raise UserInputError("a TASK needs a model: --model ID_OR_DIR (local) or --base-url URL --model NAME")
    fields = (
        "model",
        "base_url",
        "api_key_env",
        "family",
        "preset",
        "keep_screenshots",
        "max_new_tokens",
        "device",
        "dtype",
        "attn",
        "quantization",
        "prompt_lookup",
        "timeout_s",
        "observe",
    )
    try:
        return ModelSpec(**{name: getattr(args, name) for name in fields if hasattr(args, name)})
    except ValidationError as exc:
        err = exc.errors()[0]
        flag = "--" + str(err["loc"][0]).replace("_", "-") if err["loc"] else "model flags"
        raise UserInputError(f"{flag}: {err['msg'].removeprefix('Value error, ')}") from None


def build_planner(args: argparse.Namespace) -> QwenPlanner:
    """A QwenPlanner on the backend the flags ask for, built and checked before the loop."""
    from agent.targeting import observed_trees
    from planners.qwen.build import build_planner as build

    spec = model_spec(args)
    return build(spec, trees=observed_trees(spec.observe))
