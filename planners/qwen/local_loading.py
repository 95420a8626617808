"""Loading a Qwen-VL checkpoint with transformers: device, dtype, attention, quantization, weights.

Split from ``planners.qwen.local``, which turns chat messages into model inputs; everything here
runs once, in the backend's constructor. torch and transformers are passed in, never imported,
and nothing here imports the backend back: what the loader needs of it (device, dtype, attention)
is passed as plain values.

The option tables (``DEVICES``, ``DTYPES``, ``ATTNS``, ``QUANTIZATIONS``) are defined here once; the
backend checks its arguments against them, ``planners.qwen.build.ModelSpec`` validates them.

Quantization comes in two kinds: ``4bit``/``8bit`` load through bitsandbytes on a CUDA GPU;
``int8``/``int4`` are the CPU's, applied after loading by ``planners.qwen.cpu_quantization``: int8 is
torch's dynamic int8 (fbgemm, x86), int4 optimum-quanto's weight-only int4. This module checks that a
quantization fits the device; that one applies it.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from actions.errors import BackendError
from planners.qwen.cpu_features import CpuBf16, cpu_bf16, cpu_dtype_choice
from planners.qwen.cpu_quantization import CPU_QUANTIZATIONS, check_cpu_quantization
from planners.qwen.family import MODEL_TYPES

INSTALL_HINT = "pip install 'deskpilot[local]'"
# model_type -> the transformers class that loads it (a missing one falls back to
# AutoModelForImageTextToText). Which model_types are supported, and their families, is
# ``planners.qwen.family.MODEL_TYPES``.
MODEL_CLASSES: dict[str, str] = {
    "qwen3_vl": "Qwen3VLForConditionalGeneration",
    "qwen3_vl_moe": "Qwen3VLMoeForConditionalGeneration",
    "qwen2_vl": "Qwen2VLForConditionalGeneration",
    "qwen2_5_vl": "Qwen2_5_VLForConditionalGeneration",
}
DEVICES = ("auto", "cuda", "mps", "cpu")
TORCH_DTYPES = {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}
DTYPES = ("auto", *TORCH_DTYPES)
ATTNS = ("auto", "sdpa", "flash_attention_2", "eager")
QUANTIZATIONS = (None, "4bit", "8bit", "int8", "int4")
CUDA_QUANTIZATIONS = ("4bit", "8bit")  # bitsandbytes, at load time


def check_choice(name: str, value: Any, choices: tuple[Any, ...]) -> None:
    if value not in choices:
        shown = ", ".join(repr(c) for c in choices)
        raise BackendError(f"unknown {name} {value!r}: choose one of {shown}")


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] + ("..." if len(text) > 300 else "")


def pick_device(torch: Any, device: str) -> str:
    cuda = bool(torch.cuda.is_available())
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if device == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if device == "cuda" and not cuda:
        raise BackendError("device 'cuda' requested but torch sees no CUDA GPU (a CPU-only torch build?)")
    if device == "mps" and not mps:
        raise BackendError("device 'mps' requested but torch reports MPS unavailable (Apple silicon only)")
    return device


def pick_dtype(torch: Any, dtype: str, device: str, cpu: CpuBf16 | None = None) -> tuple[str, str]:
    """(dtype, why): a forced dtype as given; ``auto`` bf16 on a CUDA GPU that has it (else fp16),
    fp16 on mps, and on the CPU bf16 where the CPU computes it natively, else fp32 (``cpu``: what
    ``cpu_features.cpu_bf16()`` read, read here when not given)."""
    if dtype != "auto":
        return dtype, "forced by --dtype"
    if device == "cuda":
        if torch.cuda.is_bf16_supported():
            return "bf16", "the CUDA GPU supports bf16"
        return "fp16", "the CUDA GPU has no bf16"
    if device == "mps":
        return "fp16", "mps"
    return cpu_dtype_choice(cpu if cpu is not None else cpu_bf16())


def pick_attn(attn: str, device: str) -> str:
    has_flash = importlib.util.find_spec("flash_attn") is not None
    if attn == "auto":
        return "flash_attention_2" if device == "cuda" and has_flash else "sdpa"
    if attn == "flash_attention_2":
        if device != "cuda":
            raise BackendError(f"attn 'flash_attention_2' needs a CUDA GPU, device is {device}: use attn 'sdpa'")
        if not has_flash:
            raise BackendError("flash_attn is not installed: pip install flash-attn --no-build-isolation")
    return attn


def quantization_config(transformers: Any, quantization: str | None, device: str, dtype_name: str, torch: Any) -> Any:
    """The bitsandbytes config for ``4bit``/``8bit`` (None for no or a CPU quantization), after
    checking that the quantization fits the device (and, for a CPU one, this torch)."""
    if quantization is None:
        return None
    if quantization in CPU_QUANTIZATIONS:
        if device != "cpu":
            raise BackendError(
                f"{quantization} is a CPU quantization, device is {device}: "
                f"use --quantization {quantization[3:]}bit on a CUDA GPU"
            )
        check_cpu_quantization(torch, quantization)
        return None
    if device != "cuda":
        raise BackendError(
            f"{quantization} quantization needs a CUDA GPU (bitsandbytes), device is {device}: "
            f"on the CPU use --quantization int{quantization[0]}"
        )
    if importlib.util.find_spec("bitsandbytes") is None:
        raise BackendError(f"bitsandbytes is not installed, needed for {quantization}: pip install bitsandbytes")
    if quantization == "4bit":
        return transformers.BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=getattr(torch, dtype_name)
        )
    return transformers.BitsAndBytesConfig(load_in_8bit=True)


def load_config(transformers: Any, source: str) -> Any:
    try:
        config = transformers.AutoConfig.from_pretrained(source)
    except (OSError, ValueError, KeyError) as exc:
        message = one_line(exc)
        if "does not recognize this architecture" in message or isinstance(exc, KeyError):
            raise BackendError(
                f"transformers {transformers.__version__} cannot read {source}: pip install -U 'transformers>=4.57'"
            ) from exc
        raise BackendError(
            f"cannot load the config of {source!r} ({message}); with no network, download it first "
            "(`hf download ID`) or pass a local checkpoint directory"
        ) from exc
    if config.model_type not in MODEL_TYPES:
        raise BackendError(
            f"{source} is a {config.model_type!r} model, not Qwen-VL: expected one of {', '.join(MODEL_TYPES)}"
        )
    return config


def load_model(
    transformers: Any, torch: Any, source: str, config: Any, *, device: str, dtype: str, attn: str, quant: Any
) -> Any:
    """The weights of ``source`` on ``device``, in eval mode; ``dtype`` is one of ``TORCH_DTYPES``."""
    class_name = MODEL_CLASSES.get(config.model_type, "")
    model_class = getattr(transformers, class_name, None) or transformers.AutoModelForImageTextToText
    kwargs: dict[str, Any] = {
        "config": config,
        "dtype": getattr(torch, TORCH_DTYPES[dtype]),
        "attn_implementation": attn,
    }
    has_accelerate = importlib.util.find_spec("accelerate") is not None
    if quant is not None:
        kwargs["quantization_config"] = quant
        kwargs["device_map"] = {"": 0}
    elif has_accelerate:
        kwargs["device_map"] = {"": device}
    try:
        model = model_class.from_pretrained(source, **kwargs)
    except ImportError as exc:
        raise BackendError(f"loading {source} needs a missing package ({one_line(exc)}): {INSTALL_HINT}") from exc
    except (OSError, ValueError, RuntimeError) as exc:
        raise BackendError(f"cannot load the weights of {source}: {one_line(exc)}") from exc
    if quant is None and not has_accelerate:
        model = model.to(device)
    return model.eval()
