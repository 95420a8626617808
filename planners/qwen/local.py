"""Qwen-VL through transformers, in this process: the weights load once, in the constructor.

Two ways to turn chat messages into model inputs, chosen once at load time:

* ``official``: ``AutoProcessor`` (``Qwen3VLProcessor`` / ``Qwen2VLProcessor``), used when a working
  torchvision is installed; those processors build a video processor that needs it.
* ``image-only``: the checkpoint's tokenizer and chat template plus the torchvision-free Qwen2-VL
  image processor (``Qwen2VLImageProcessorPil`` in transformers 5, the slow ``Qwen2VLImageProcessor``
  in 4.57). Each ``<|image_pad|>`` the template renders is expanded here to one token per merged
  patch (``grid_thw.prod() // merge_size**2``), exactly as the official processor does.

Either way the pixel budget (``min_pixels``/``max_pixels``) is put into the image processor's
constructor: transformers 4.57's slow processor drops a ``size`` given to it, so the checkpoint's own
budget is read from ``preprocessor_config.json`` and passed as ``min_pixels``/``max_pixels``.

torch and transformers are imported inside the constructor, never at module import, so that
``import planners.qwen.local`` is cheap and works without the ``local`` extra installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import logging
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from actions.errors import BackendError
from planners.qwen.family import family_from_config, get_family
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
from planners.qwen.messages import ChatMessage, Completion, ImagePart, TextPart

log = logging.getLogger(__name__)

IMAGE_PAD = "<|image_pad|>"
# Control tokens dropped from an answer. Everything else the model says is kept, including tokens
# that some tokenizers mark special: <tool_call>, <think>, Qwen2-VL's <|box_start|>.
CONTROL_TOKENS = frozenset(
    {"<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|vision_start|>", "<|vision_end|>", IMAGE_PAD,
     "<|video_pad|>", "<|vision_pad|>"}
)  # fmt: skip
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
    it (else fp16), fp16 on mps, fp32 on cpu; ``attn`` ``auto`` is flash_attention_2 on CUDA when
    flash_attn is installed, else sdpa; ``quantization`` ``4bit``/``8bit`` uses bitsandbytes (CUDA
    only); ``min_pixels``/``max_pixels`` default to the checkpoint's ``preprocessor_config.json``.
    Every failure to load is a ``BackendError`` with one line that says what to do.

    The weights load in the constructor, so a bad checkpoint fails where it is named; ``check()``
    (the same start-up call as the server backend's) has nothing left to do but answer ``[model]``.

    Public attributes: ``model_type`` (``qwen3_vl`` ...), ``family`` (``qwen3`` / ``qwen2``),
    ``device``, ``dtype`` (``bf16`` / ``fp16`` / ``fp32``), ``attn``, ``quantization``,
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
    ) -> None:
        check_choice("device", device, DEVICES)
        check_choice("dtype", dtype, DTYPES)
        check_choice("attn", attn, ATTNS)
        check_choice("quantization", quantization, QUANTIZATIONS)
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
        self.dtype = pick_dtype(torch, dtype, self.device)
        self.attn = pick_attn(attn, self.device)
        self.quantization = quantization
        quant = quantization_config(transformers, quantization, self.device, TORCH_DTYPES[self.dtype], torch)

        config = load_config(transformers, source)
        self.model_type: str = config.model_type
        self.family = family if family is not None else family_from_config(self.model_type)
        self._load_processing(transformers, source, min_pixels, max_pixels)
        self._model = load_model(
            transformers, torch, source, config, device=self.device, dtype=self.dtype, attn=self.attn, quant=quant
        )
        self._forward_params = set(inspect.signature(self._model.forward).parameters)
        self._image_token_id = int(getattr(config, "image_token_id", self._tokenizer.convert_tokens_to_ids(IMAGE_PAD)))
        self._video_token_id = int(getattr(config, "video_token_id", None) or -1)
        self._drop_ids = _control_token_ids(self._tokenizer)

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
        try:
            with torch.inference_mode():
                output = self._model.generate(
                    **inputs, max_new_tokens=max_new_tokens, do_sample=False, **self._greedy_overrides()
                )
        except (RuntimeError, ValueError) as exc:
            raise BackendError(f"generation failed on {self.device}: {one_line(exc)}") from exc
        new_ids = [int(i) for i in output[0, prompt_tokens:].tolist()]
        text = self._decode(new_ids)
        latency_ms = (time.perf_counter() - started) * 1000.0
        return Completion(text, prompt_tokens, len(new_ids), latency_ms)

    def describe(self) -> str:
        quant = f" {self.quantization}" if self.quantization else ""
        return (
            f"transformers {self.model_type} {self.model} on {self.device} {self.dtype}{quant} {self.attn}, "
            f"{self.processor_path} processor, pixels {self.min_pixels}..{self.max_pixels}"
        )

    # -- measurements ----------------------------------------------------------------------------

    def count_prompt_tokens(self, messages: Sequence[ChatMessage]) -> int:
        """Tokens the prompt costs (text and visual), without generating."""
        return int(self._inputs(messages)["input_ids"].shape[1])

    def visual_tokens(self, image: Any) -> int:
        """Visual tokens one image costs under this backend's pixel budget."""
        grid = self._image_processor(images=[_rgb(image)], return_tensors="pt")["image_grid_thw"]
        return int(grid[0].prod()) // self.merge_size**2

    # -- internals -------------------------------------------------------------------------------

    def _load_processing(self, transformers: Any, source: str, min_pixels: int | None, max_pixels: int | None) -> None:
        try:
            self._tokenizer = transformers.AutoTokenizer.from_pretrained(source)
            raw, _ = transformers.ImageProcessingMixin.get_image_processor_dict(source)
        except (OSError, ValueError) as exc:
            raise BackendError(f"cannot load the tokenizer or image processor of {source}: {one_line(exc)}") from exc
        self._processor = None
        if self._torchvision:
            try:
                self._processor = transformers.AutoProcessor.from_pretrained(source)
            except Exception as exc:  # noqa: BLE001 - fall back to the path that needs less
                log.warning("AutoProcessor failed (%s); using the image-only processor", one_line(exc))
        self.processor_path = "official" if self._processor is not None else "image-only"
        if self._processor is not None:
            image_class = type(self._processor.image_processor)
        else:
            image_class = getattr(transformers, "Qwen2VLImageProcessorPil", None) or transformers.Qwen2VLImageProcessor
        self._image_processor = _budgeted_image_processor(image_class, raw, min_pixels, max_pixels)
        if self._processor is not None:
            self._processor.image_processor = self._image_processor
        size = self._image_processor.size
        self.min_pixels = int(size["shortest_edge"])
        self.max_pixels = int(size["longest_edge"])
        self.patch_size = int(self._image_processor.patch_size)
        self.merge_size = int(self._image_processor.merge_size)
        self.image_factor = self.patch_size * self.merge_size
        self._chat_template = self._find_chat_template(source)

    def _find_chat_template(self, source: str) -> str:
        for owner in (self._processor, self._tokenizer):
            template = getattr(owner, "chat_template", None)
            if isinstance(template, str) and template:
                return template
        from transformers.utils import cached_file  # lazy, like every transformers import here

        for name in ("chat_template.jinja", "chat_template.json"):
            path = cached_file(source, name, _raise_exceptions_for_missing_entries=False)
            if path:
                text = Path(path).read_text(encoding="utf-8")
                return str(json.loads(text)["chat_template"] if name.endswith(".json") else text)
        raise BackendError(f"{source} has no chat template (tokenizer_config.json or chat_template.jinja)")

    def _inputs(self, messages: Sequence[ChatMessage]) -> dict[str, Any]:
        hf_messages, images = _to_hf(messages)
        text = self._tokenizer.apply_chat_template(
            hf_messages, chat_template=self._chat_template, tokenize=False, add_generation_prompt=True
        )
        if self._processor is not None:
            batch = self._processor(text=[text], images=images or None, return_tensors="pt")
            inputs = {k: v for k, v in batch.items() if k in self._forward_params or k == "attention_mask"}
        else:
            inputs = self._image_only_inputs(text, images)
        if "mm_token_type_ids" in self._forward_params and "mm_token_type_ids" not in inputs:
            # transformers 5 places M-RoPE positions by these: 0 text, 1 image, 2 video
            ids = inputs["input_ids"]
            inputs["mm_token_type_ids"] = (ids == self._image_token_id).long() + 2 * (
                ids == self._video_token_id
            ).long()
        moved = {k: v.to(self.device) for k, v in inputs.items()}
        if "pixel_values" in moved:
            moved["pixel_values"] = moved["pixel_values"].to(dtype=self._model.dtype)
        return moved

    def _image_only_inputs(self, text: str, images: list[Any]) -> dict[str, Any]:
        """What the official processor makes, without it: the image processor's pixels and grids,
        and the text with each ``<|image_pad|>`` repeated once per merged patch."""
        pieces = text.split(IMAGE_PAD)
        if len(pieces) - 1 != len(images):
            rendered = len(pieces) - 1
            raise BackendError(f"the chat template rendered {rendered} image placeholders for {len(images)} images")
        vision: dict[str, Any] = {}
        if images:
            vision = dict(self._image_processor(images=images, return_tensors="pt"))
            counts = [int(g.prod()) // self.merge_size**2 for g in vision["image_grid_thw"]]
            text = pieces[0] + "".join(IMAGE_PAD * n + rest for n, rest in zip(counts, pieces[1:], strict=True))
        encoded = self._tokenizer(text, return_tensors="pt", add_special_tokens=False, return_token_type_ids=False)
        return {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"], **vision}

    def _greedy_overrides(self) -> dict[str, Any]:
        """Unset the checkpoint's sampling knobs so greedy decoding does not warn about them."""
        config = self._model.generation_config
        return {k: None for k in ("temperature", "top_p", "top_k") if getattr(config, k, None) is not None}

    def _decode(self, ids: list[int]) -> str:
        kept = [i for i in ids if i not in self._drop_ids]
        return str(self._tokenizer.decode(kept, skip_special_tokens=False, clean_up_tokenization_spaces=False))


# -- helpers (module level, all lazy about heavy imports) ------------------------------------------


def _budgeted_image_processor(image_class: Any, raw: dict[str, Any], min_pixels: int | None, max_pixels: int | None):
    """The image processor with the pixel budget in its constructor, where every version honours it.

    Defaults come from the checkpoint's own config (``size`` or the older ``min_pixels`` keys) rather
    than from the class, whose Qwen2 defaults 4.57's slow processor falls back to."""
    size = raw.get("size") or {}
    low = min_pixels or raw.get("min_pixels") or size.get("shortest_edge") or size.get("min_pixels")
    high = max_pixels or raw.get("max_pixels") or size.get("longest_edge") or size.get("max_pixels")
    settings = {k: v for k, v in raw.items() if k not in ("size", "min_pixels", "max_pixels")}
    if low is not None:
        settings["min_pixels"] = int(low)
    if high is not None:
        settings["max_pixels"] = int(high)
    if low is not None and high is not None:  # the spelling newer releases keep; 4.57 drops it
        settings["size"] = {"shortest_edge": int(low), "longest_edge": int(high)}
    processor = image_class.from_dict(settings)
    for key, value in (("min_pixels", low), ("max_pixels", high)):
        if value is not None and hasattr(processor, key):  # 4.57 reads these attributes at call time
            setattr(processor, key, int(value))
    return processor


def _control_token_ids(tokenizer: Any) -> frozenset[int]:
    ids = {int(i) for i in (tokenizer.eos_token_id, tokenizer.pad_token_id) if isinstance(i, int)}
    for token in CONTROL_TOKENS:
        token_id = tokenizer.convert_tokens_to_ids(token)
        if isinstance(token_id, int) and token_id != tokenizer.unk_token_id:
            ids.add(token_id)
    return frozenset(ids)


def _rgb(image: Any) -> Any:
    return image if getattr(image, "mode", "RGB") == "RGB" else image.convert("RGB")


def _to_hf(messages: Sequence[ChatMessage]) -> tuple[list[dict[str, Any]], list[Any]]:
    """Backend-neutral messages -> transformers chat messages, plus the images in order."""
    hf: list[dict[str, Any]] = []
    images: list[Any] = []
    for message in messages:
        content: list[dict[str, Any]] = []
        for part in message.parts:
            if isinstance(part, ImagePart):
                images.append(_rgb(part.image))
                content.append({"type": "image"})
            elif isinstance(part, TextPart):
                content.append({"type": "text", "text": part.text})
        hf.append({"role": message.role, "content": content})
    return hf, images
