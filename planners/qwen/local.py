"""Qwen-VL through transformers, in this process: the weights load once, in the constructor.

Jobs split by module: ``local_loading`` picks device, dtype, attention and quantization and loads the
weights; ``local_inputs`` turns chat messages into model inputs (official processor or the
torchvision-free image-only path); ``prefix_cache`` keeps the static prompt head's KV cache between
calls; ``answer_stop`` ends generation where the tool call ends. This module ties them into the
``ChatBackend`` the planner calls.

torch and transformers are imported inside the constructor, never at module import, so that
``import planners.qwen.local`` is cheap and works without the ``local`` extra installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from actions.errors import BackendError
from planners.qwen.answer_stop import CALL_END, CALL_START, ToolCallStop, as_stopping_criteria
from planners.qwen.cpu_quantization import (
    CPU_QUANTIZATIONS,
    ENGINES,
    cpu_load_dtype,
    cpu_run_dtype,
    quantize_for_cpu,
)
from planners.qwen.family import family_from_config, get_family
from planners.qwen.local_inputs import IMAGE_PAD, ChatInputs
from planners.qwen.local_loading import (
    ATTNS,
    DEVICES,
    DTYPES,
    INSTALL_HINT,
    QUANTIZATIONS,
    TORCH_DTYPES,
    check_choice,
    load_config,
    load_model,
    one_line,
    pick_attn,
    pick_device,
    pick_dtype,
    quantization_config,
)
from planners.qwen.messages import ChatMessage, Completion
from planners.qwen.prefix_cache import PrefixCache
from planners.qwen.prefix_store import PrefixStore, checkpoint_fingerprint, default_directory
from planners.qwen.prompt_lookup import LookupStats, greedy_is_argmax
from planners.qwen.prompt_lookup import decode as lookup_decode

log = logging.getLogger(__name__)

# Control tokens dropped from an answer. Everything else the model says is kept, including tokens
# that some tokenizers mark special: <tool_call>, <think>, Qwen2-VL's <|box_start|>.
CONTROL_TOKENS = frozenset(
    {
        "<|im_start|>",
        "<|im_end|>",
        "<|endoftext|>",
        "<|vision_start|>",
        "<|vision_end|>",
        IMAGE_PAD,
        "<|video_pad|>",
        "<|vision_pad|>",
    }
)
# Draft tokens checked per forward on the CPU (planners.qwen.prompt_lookup); bench.cpu_step measures others.
DEFAULT_LOOKUP_TOKENS = 8
_HUB_ID = re.compile(r"^[\w.-]+(/[\w.-]+)?$")


def _import(name: str, what: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise BackendError(f"{what} is not installed ({exc}): {INSTALL_HINT}") from exc


def _torchvision_usable() -> bool:
    """True when torchvision imports cleanly. A torchvision that is installed but broken (a CUDA
    wheel beside a CPU torch: "operator torchvision::nms does not exist") is hidden from the
    process, since transformers would otherwise import it and fail to load any Qwen-VL class."""
    if "torchvision" in sys.modules:
        return sys.modules["torchvision"] is not None
    if importlib.util.find_spec("torchvision") is None:
        return False
    try:
        importlib.import_module("torchvision")
    except Exception as exc:  # noqa: BLE001 - any failure at import means "not usable"
        # (hiding it only helps if transformers has not looked for it yet, which is why the
        # constructor calls this before importing transformers)
        log.warning("torchvision is broken (%s); hiding it, using the image-only processor", one_line(exc))
        for name in [m for m in sys.modules if m.startswith("torchvision.")]:
            del sys.modules[name]
        sys.modules["torchvision"] = None  # type: ignore[assignment]  # find_spec() now answers None
        return False
    return True


def _looks_local(model: str) -> bool:
    return Path(model).expanduser().exists() or not _HUB_ID.match(model) or model.startswith((".", "~"))


class LocalQwenBackend:
    """A Qwen-VL checkpoint (hub id or local directory) run by transformers; see the module doc.
    A ``planners.qwen.messages.ChatBackend``: ``model`` (the id or directory given), ``family``
    (from the checkpoint's config unless ``family`` is given), ``check()``, ``complete()``,
    ``describe()``.

    ``device`` ``auto`` picks cuda > mps > cpu; ``dtype`` ``auto`` is bf16 on a CUDA GPU that has
    it (else fp16), fp16 on mps, and on the CPU bf16 where the CPU has native bf16, else fp32
    (``planners.qwen.cpu_features``), fp32 with ``int8``; ``attn`` ``auto`` is flash_attention_2 on CUDA when
    flash_attn is installed, else sdpa; ``quantization`` ``4bit``/``8bit`` uses bitsandbytes (CUDA
    only), ``int8`` torch's dynamic int8 (fbgemm, x86 CPUs) and ``int4`` optimum-quanto's weight-only int4
    (CPU only; accuracy for speed; ``planners.qwen.cpu_quantization``);
    ``min_pixels``/``max_pixels`` default to the checkpoint's ``preprocessor_config.json``.
    Every failure to load is a ``BackendError`` with one line that says what to do.

    ``prefix_cache`` (default on) keeps the KV cache of each prompt's static head (the system
    prompt and tool schema, up to the first image) and reuses it at the next call
    (``planners.qwen.prefix_cache``); ``stop_at_tool_call`` (default on) ends generation where the
    answer's tool call ends (``planners.qwen.answer_stop``). Neither changes a greedy answer, but
    the stop cuts what a model says after its call. ``prefix_store`` (default: the user's cache folder,
    ``$DESKPILOT_PREFIX_STORE`` or ``off`` overriding it; False: none; a path) keeps those heads on disk
    for the next run's first step (``planners.qwen.prefix_store``). ``prompt_lookup`` (draft tokens; default
    ``DEFAULT_LOOKUP_TOKENS`` on the CPU, 0 = off elsewhere) decodes greedily checking tokens drafted from
    the prompt several per forward (``planners.qwen.prompt_lookup``): the same answer in fewer forwards.

    The weights load in the constructor, so a bad checkpoint fails where it is named; ``check()``
    (the same start-up call as the server backend's) has nothing left to do but answer ``[model]``.

    Public attributes: ``model_type`` (``qwen3_vl`` ...), ``family`` (``qwen3`` / ``qwen2``),
    ``device``, ``dtype`` (``bf16`` / ``fp16`` / ``fp32``), ``dtype_reason``, ``attn``, ``quantization``,
    ``processor_path`` (``official`` / ``image-only``), ``min_pixels`` / ``max_pixels`` (the budget in
    force), ``patch_size``, ``merge_size`` and ``image_factor`` (pixels per visual token side).
    """

    def __init__(
        self,
        model: str,
        *,
        device: str = "auto",
        dtype: str = "auto",
        attn: str = "auto",
        quantization: str | None = None,
        min_pixels: int | None = None,
        max_pixels: int | None = None,
        family: str | None = None,
        prefix_cache: bool = True,
        stop_at_tool_call: bool = True,
        prompt_lookup: int | None = None,
        prefix_store: bool | str | Path = True,
    ) -> None:
        check_choice("device", device, DEVICES)
        check_choice("dtype", dtype, DTYPES)
        check_choice("attn", attn, ATTNS)
        check_choice("quantization", quantization, QUANTIZATIONS)
        if prompt_lookup is not None and prompt_lookup < 0:
            raise BackendError(f"prompt_lookup must be 0 (off) or a number of draft tokens, got {prompt_lookup}")
        if min_pixels is not None and max_pixels is not None and min_pixels > max_pixels:
            raise BackendError(f"min_pixels ({min_pixels}) is larger than max_pixels ({max_pixels})")
        if family is not None:
            try:
                get_family(family)
            except ValueError as exc:
                raise BackendError(str(exc)) from None
        self.model = model
        local = _looks_local(model)
        if local and not Path(model).expanduser().is_dir():
            raise BackendError(f"model directory not found: {model} (pass a checkpoint directory or a hub id)")
        source = str(Path(model).expanduser()) if local else model

        torch = _import("torch", "torch")
        self._torchvision = _torchvision_usable()  # before transformers, which reads it at import
        transformers = _import("transformers", "transformers")
        self._torch = torch
        self.device = pick_device(torch, device)
        picked = pick_dtype(torch, dtype, self.device)
        self.dtype, self.dtype_reason = cpu_run_dtype(quantization, dtype, picked)
        self.attn = pick_attn(attn, self.device)
        self.quantization = quantization
        quant = quantization_config(transformers, quantization, self.device, TORCH_DTYPES[self.dtype], torch)

        config = load_config(transformers, source)
        self.model_type: str = config.model_type
        self.family = family if family is not None else family_from_config(self.model_type)
        self._processing = ChatInputs(transformers, source, min_pixels, max_pixels, torchvision=self._torchvision)
        self.processor_path = self._processing.processor_path
        self.min_pixels, self.max_pixels = self._processing.min_pixels, self._processing.max_pixels
        self.patch_size, self.merge_size = self._processing.patch_size, self._processing.merge_size
        self.image_factor = self._processing.image_factor
        self._tokenizer = self._processing.tokenizer
        started = time.perf_counter()
        load_dtype = cpu_load_dtype(quantization, self.dtype)
        self._model = load_model(
            transformers, torch, source, config, device=self.device, dtype=load_dtype, attn=self.attn, quant=quant
        )
        if quantization in CPU_QUANTIZATIONS:
            quantize_for_cpu(torch, self._model, quantization, getattr(torch, TORCH_DTYPES[self.dtype]))
        self.load_s = time.perf_counter() - started  # the weights (and quantization), not the imports
        self._transformers = transformers
        store = self._prefix_store(prefix_store, source, config) if prefix_cache else None
        self.prefix_cache = PrefixCache(store=store) if prefix_cache else None
        self.stop_at_tool_call = stop_at_tool_call
        default_lookup = DEFAULT_LOOKUP_TOKENS if self.device == "cpu" else 0
        self.prompt_lookup = default_lookup if prompt_lookup is None else prompt_lookup
        self.lookup_stats = LookupStats()
        self._forward_params = set(inspect.signature(self._model.forward).parameters)
        self._image_token_id = int(getattr(config, "image_token_id", self._tokenizer.convert_tokens_to_ids(IMAGE_PAD)))
        self._video_token_id = int(getattr(config, "video_token_id", None) or -1)
        self._drop_ids = _control_token_ids(self._tokenizer)
        self._vision_ids = frozenset(i for i in (self._image_token_id, self._video_token_id) if i >= 0)
        self._call_ids = _token_id(self._tokenizer, CALL_START), _token_id(self._tokenizer, CALL_END)
        self._eos_ids = _eos_ids(self._model.generation_config, self._tokenizer)

    # -- ChatBackend ---------------------------------------------------------------------------

    def check(self) -> list[str]:
        """Start-up check, the same call as the server backend's: returns ``[model]``, as that one
        returns the ids its server serves. Nothing is left to check here: the constructor loaded the
        weights or raised, so a local model is checked where the caller names it."""
        return [self.model]

    def complete(self, messages: Sequence[ChatMessage], max_new_tokens: int = 256) -> Completion:
        """Greedy generation; the new text only, ``<tool_call>`` / ``<think>`` tags kept."""
        torch = self._torch
        started = time.perf_counter()
        inputs = self._inputs(messages)
        prompt_tokens = int(inputs["input_ids"].shape[1])
        extra = self._greedy_overrides()
        stop = self._stop(prompt_tokens)
        if stop is not None:
            extra["stopping_criteria"] = as_stopping_criteria(self._transformers, stop)
        inner: Any = getattr(self._model, "model", None)
        if getattr(inner, "rope_deltas", None) is not None:
            inner.rope_deltas = None  # the last call's: generate recomputes it, unless a cache makes it reuse it
        try:
            # quanto's int4 weights set version counters, which inference-mode tensors refuse
            no_grad = torch.no_grad if self.quantization == "int4" else torch.inference_mode
            with no_grad():
                if self.prefix_cache is not None:
                    head = self.prefix_cache.prepare(self._model, inputs["input_ids"][0].tolist(), self._vision_ids)
                    if head is not None:
                        extra["past_key_values"] = head
                new_ids = self._generate(inputs, max_new_tokens, extra, stop)
        except (RuntimeError, ValueError) as exc:
            raise BackendError(f"generation failed on {self.device}: {one_line(exc)}") from exc
        text = self._decode(new_ids)
        latency_ms = (time.perf_counter() - started) * 1000.0
        return Completion(text, prompt_tokens, len(new_ids), latency_ms)

    def describe(self) -> str:
        quant = f" {self.quantization}" if self.quantization else ""
        if self.quantization in ENGINES:
            quant += f" ({ENGINES[self.quantization]})"
        cache = ", prefix cache" if self.prefix_cache is not None else ""
        if self.prefix_cache is not None and self.prefix_cache.store is not None:
            cache += f" (kept in {self.prefix_cache.store.directory})"
        if self.prompt_lookup:
            cache += f", prompt lookup {self.prompt_lookup}"
        return (
            f"transformers {self.model_type} {self.model} on {self.device} {self.dtype}{quant} {self.attn}, "
            f"{self.processor_path} processor, pixels {self.min_pixels}..{self.max_pixels}{cache}"
        )

    # -- measurements ----------------------------------------------------------------------------

    def count_prompt_tokens(self, messages: Sequence[ChatMessage]) -> int:
        """Tokens the prompt costs (text and visual), without generating."""
        return int(self._inputs(messages)["input_ids"].shape[1])

    def visual_tokens(self, image: Any) -> int:
        """Visual tokens one image costs under this backend's pixel budget."""
        return self._processing.visual_tokens(image)

    # -- internals -------------------------------------------------------------------------------

    def _inputs(self, messages: Sequence[ChatMessage]) -> dict[str, Any]:
        inputs = self._processing.build(messages, self._forward_params, (self._image_token_id, self._video_token_id))
        moved = {k: v.to(self.device) for k, v in inputs.items()}
        if "pixel_values" in moved:
            moved["pixel_values"] = moved["pixel_values"].to(dtype=self._model.dtype)
        return moved

    def _generate(
        self, inputs: dict[str, Any], max_new_tokens: int, extra: dict[str, Any], stop: ToolCallStop | None
    ) -> list[int]:
        """The answer's token ids: transformers' greedy loop, or its prefill then ``prompt_lookup``'s
        loop, which checks drafted tokens several per forward and gives the same answer."""
        prompt_tokens = int(inputs["input_ids"].shape[1])
        config = self._model.generation_config
        # the loop continues from the prefill's cache: a config that keeps none decodes the plain way
        lookup = (
            self.prompt_lookup > 0 and max_new_tokens > 1 and config.use_cache is not False and greedy_is_argmax(config)
        )
        if not lookup:
            output = self._model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False, **extra)
            return [int(i) for i in output[0, prompt_tokens:].tolist()]
        prefill = self._model.generate(
            **inputs, max_new_tokens=1, do_sample=False, return_dict_in_generate=True, **extra
        )
        prompt = [int(i) for i in inputs["input_ids"][0].tolist()]
        first = int(prefill.sequences[0, prompt_tokens])
        eos = self._eos_ids

        def finished(answer: list[int]) -> bool:
            return answer[-1] in eos or (stop is not None and stop.done(answer))

        return lookup_decode(
            self._torch,
            self._model,
            prefill.past_key_values,
            prompt,
            first,
            max_new_tokens=max_new_tokens,
            finished=finished,
            draft_tokens=self.prompt_lookup,
            skip=self._vision_ids,
            stats=self.lookup_stats,
        )

    def _prefix_store(self, where: bool | str | Path, source: str, config: Any) -> PrefixStore | None:
        """The on-disk store of prompt heads for this checkpoint as loaded here (None: not kept)."""
        if where is False:
            return None
        directory = default_directory() if where is True else Path(where).expanduser()
        if directory is None:
            return None
        facts = [
            type(self._model).__name__,
            self.device,
            self.dtype,
            str(self._model.dtype),
            str(self.quantization),
            self.attn,
            f"torch {self._torch.__version__}",
            f"transformers {self._transformers.__version__}",
        ]
        fingerprint = checkpoint_fingerprint(source, getattr(config, "_commit_hash", None), facts)
        return PrefixStore(directory, fingerprint) if fingerprint is not None else None

    def _stop(self, prompt_tokens: int) -> ToolCallStop | None:
        start_id, end_id = self._call_ids
        if not self.stop_at_tool_call or start_id is None or end_id is None:
            return None  # a tokenizer without the tool-call tokens: the model's own end stops it
        return ToolCallStop(prompt_tokens, start_id, end_id, self._decode)

    def _greedy_overrides(self) -> dict[str, Any]:
        """Unset the checkpoint's sampling knobs so greedy decoding does not warn about them."""
        config = self._model.generation_config
        return {k: None for k in ("temperature", "top_p", "top_k") if getattr(config, k, None) is not None}

    def _decode(self, ids: list[int]) -> str:
        kept = [i for i in ids if i not in self._drop_ids]
        return str(self._tokenizer.decode(kept, skip_special_tokens=False, clean_up_tokenization_spaces=False))


# -- helpers (module level, all lazy about heavy imports) ------------------------------------------


def _control_token_ids(tokenizer: Any) -> frozenset[int]:
    ids = {int(i) for i in (tokenizer.eos_token_id, tokenizer.pad_token_id) if isinstance(i, int)}
    for token in CONTROL_TOKENS:
        token_id = tokenizer.convert_tokens_to_ids(token)
        if isinstance(token_id, int) and token_id != tokenizer.unk_token_id:
            ids.add(token_id)
    return frozenset(ids)


def _eos_ids(generation_config: Any, tokenizer: Any) -> frozenset[int]:
    """The ids that end an answer, as ``generate`` reads them: the generation config's, else the tokenizer's."""
    configured = getattr(generation_config, "eos_token_id", None)
    if configured is None:
        configured = tokenizer.eos_token_id
    if configured is None:
        return frozenset()
    return frozenset(int(i) for i in (configured if isinstance(configured, list | tuple) else [configured]))


def _token_id(tokenizer: Any, token: str) -> int | None:
    token_id = tokenizer.convert_tokens_to_ids(token)
    return token_id if isinstance(token_id, int) and token_id != tokenizer.unk_token_id else None
