"""The CPU quantizations, ``--quantization int8|int4`` on ``--device cpu``, applied once after loading.

``int8`` is torch's own dynamic int8 quantization (``torch.ao.quantization``, the fbgemm kernels of
x86 CPUs): every ``nn.Linear`` of the language model and the output head keeps its weights in int8
(one scale per output channel) and quantizes each call's activations on the fly. Its kernels take fp32
activations, so the rest of the language model (norms, rotary tables) runs in fp32 too; the vision tower
stays a plain module, in fp32 unless ``--dtype`` says otherwise (``cpu_run_dtype``): it runs once per
screenshot on ~1000 patches at a time, where int8 buys little, while the decoder runs once per answer
token, where reading a quarter of fp32's bytes is what counts (measured in README, "Cheaper weights,
opt-in"). ``torch.ao.quantization`` is deprecated in favour of torchao,
whose int8 configs ran 3-8x slower in eager mode on the same CPU: this is the one that is fast today.

The weights load in bf16 (a real Qwen-VL checkpoint's own dtype, so the loss is int8's alone) and are
converted one decoder layer at a time: fp32 for that layer only, quantized, the fp32 copy dropped, so
the process never holds a whole fp32 model. The input embedding stays in the load dtype (a lookup
table, not a matrix product) and hands the layers fp32; a head tied to it gets its own int8 copy.

``int4`` is optimum-quanto's weight-only int4 (tinygemm's ``_weight_int4pack_mm_for_cpu``), on the
language model and the head, vision tower excluded.

Both trade accuracy for speed and memory; nothing in this repository can measure that accuracy
(random weights), so they stay opt-in. torch is passed in, never imported here.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import importlib
import importlib.util
import warnings
from typing import Any

from actions.errors import BackendError

CPU_QUANTIZATIONS = ("int8", "int4")
# what ``describe()`` says beside the name: the engine, and for int8 that the language model runs fp32
ENGINES = {"int8": "torch dynamic, fp32 activations", "int4": "optimum-quanto"}
QUANTO_HINT = "pip install 'optimum-quanto>=0.2.7'"
# torch's quantized engines whose dynamic linear layers are fbgemm's ("x86" is fbgemm plus onednn)
INT8_ENGINES = ("x86", "fbgemm")
INT8_LOAD_DTYPE = "bf16"


def check_cpu_quantization(torch: Any, quantization: str) -> None:
    """A clear BackendError, before any weight loads, where this torch cannot run ``quantization``."""
    if quantization == "int8":
        engine = str(torch.backends.quantized.engine)
        if engine not in INT8_ENGINES:
            supported = ", ".join(str(e) for e in torch.backends.quantized.supported_engines)
            raise BackendError(
                f"int8 on the CPU is torch's dynamic int8 with the fbgemm kernels (x86 CPUs); this torch's "
                f"quantized engine is {engine!r} (supported: {supported}): use --quantization int4 or none"
            )
    elif importlib.util.find_spec("optimum") is None or importlib.util.find_spec("optimum.quanto") is None:
        raise BackendError(f"optimum-quanto is not installed, needed for {quantization}: {QUANTO_HINT}")


def cpu_run_dtype(quantization: str | None, dtype: str, picked: tuple[str, str]) -> tuple[str, str]:
    """(dtype, why) of the parts that stay unquantized: ``picked`` (``pick_dtype``'s), except that int8
    under ``--dtype auto`` runs them in fp32: its language model computes in fp32 anyway, and the vision
    tower ran faster in fp32 than in bf16 on a 2-core AVX512_BF16 CPU (6-8 s against 10 s for a 2B
    screenshot at ``edge``)."""
    if quantization == "int8" and dtype == "auto":
        return "fp32", "int8 computes in fp32 (torch's dynamic int8 takes fp32 activations)"
    return picked


def cpu_load_dtype(quantization: str | None, dtype: str) -> str:
    """The dtype the weights load in: bf16 for int8 (converted layer by layer, see the module doc),
    else the run's ``dtype``."""
    return INT8_LOAD_DTYPE if quantization == "int8" else dtype


def quantize_for_cpu(torch: Any, model: Any, quantization: str, dtype: Any) -> None:
    """``quantization`` applied to ``model`` in place; ``dtype`` (a torch dtype): the vision tower's."""
    try:
        if quantization == "int8":
            _dynamic_int8(torch, model, dtype)
        else:
            _quanto_int4(model)
    except (RuntimeError, ValueError, AssertionError) as exc:  # tinygemm refuses shapes off its tiles
        text = " ".join(str(exc).split())[:300]
        raise BackendError(f"{quantization} quantization failed on this model: {text}") from exc


def _dynamic_int8(torch: Any, model: Any, dtype: Any) -> None:
    inner = model.model
    language = inner.language_model
    inner.visual.to(dtype)
    embedding = language.get_input_embeddings()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao's deprecation notices, once per module
        quantization = torch.ao.quantization
        quantize = quantization.quantize_dynamic
        spec = {torch.nn.Linear: quantization.per_channel_dynamic_qconfig}
        for child in language.children():
            if child is embedding:
                continue
            for part in child if isinstance(child, torch.nn.ModuleList) else [child]:
                part.float()  # this layer's fp32 copy only, dropped as its Linears are replaced
                quantize(part, spec, inplace=True)
                _release_freed_memory()
        head = model.lm_head
        # a copy in fp32 (a tied head shares the embedding's weight, which must keep its dtype)
        float_head = torch.nn.Linear(head.in_features, head.out_features, bias=head.bias is not None, device="meta")
        float_head.weight = torch.nn.Parameter(head.weight.detach().float(), requires_grad=False)
        if head.bias is not None:
            float_head.bias = torch.nn.Parameter(head.bias.detach().float(), requires_grad=False)
        model.lm_head = quantize(torch.nn.Sequential(float_head), spec, inplace=True)[0]
    del head, float_head  # the old head's weights and the fp32 copy
    _release_freed_memory()
    if embedding.weight.dtype != torch.float32:
        embedding.register_forward_hook(_as_fp32)


def _as_fp32(module: Any, args: Any, output: Any) -> Any:
    """The embedding's rows in fp32: what the int8 layers' kernels take."""
    return output.float()


def _release_freed_memory() -> None:
    """Free the fp32 copies just quantized, now, and hand the pages back to the system.

    torch.ao's module swap leaves each replaced ``nn.Linear`` in a reference cycle, which only the cyclic
    collector frees: without a collection per layer, the 2B's whole fp32 language model (7 GB) was alive
    after the last layer. glibc then keeps freed chunks under its mmap threshold in the heap, where the int8
    weights allocated between them pin it; ``malloc_trim`` returns them (glibc only; nothing elsewhere)."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    name = ctypes.util.find_library("c")  # (runs ldconfig: once)
    return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None


def _quanto_int4(model: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # quanto's import-time deprecation chatter
        quanto = importlib.import_module("optimum.quanto")
    # quanto swaps modules inside a parent, so it is given the whole model and told what to skip
    quanto.quantize(model, weights=quanto.qint4, exclude=["*visual*"])
    quanto.freeze(model)
