"""Chat messages -> model inputs for the local Qwen-VL backend (``planners.qwen.local``).

Two ways, chosen once at load time:

* ``official``: ``AutoProcessor`` (``Qwen3VLProcessor`` / ``Qwen2VLProcessor``), used when a working
  torchvision is installed; those processors build a video processor that needs it.
* ``image-only``: the checkpoint's tokenizer and chat template plus the torchvision-free Qwen2-VL
  image processor (``Qwen2VLImageProcessorPil`` in transformers 5, the slow ``Qwen2VLImageProcessor``
  in 4.57). Each ``<|image_pad|>`` the template renders is expanded here to one token per merged
  patch (``grid_thw.prod() // merge_size**2``), exactly as the official processor does.

Either way the tokenizer, processor and image processor are built once, here (the official
processor's own tokenizer is the one used, not a second copy), and the pixel budget
(``min_pixels``/``max_pixels``) is put into the image processor's constructor: transformers 4.57's
slow processor drops a ``size`` given to it, so the checkpoint's own budget is read from
``preprocessor_config.json`` and passed as ``min_pixels``/``max_pixels``.

transformers is passed in by the backend, never imported at module import.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from actions.errors import BackendError
from planners.qwen.local_loading import one_line
from planners.qwen.messages import ChatMessage, ImagePart, TextPart

log = logging.getLogger(__name__)

IMAGE_PAD = "<|image_pad|>"


class ChatInputs:
    """The tokenizer, chat template and image processor of one checkpoint, and what they make of
    chat messages. Public: ``tokenizer``, ``processor`` (None on the image-only path),
    ``image_processor``, ``chat_template``, ``processor_path``, ``min_pixels``/``max_pixels``,
    ``patch_size``, ``merge_size``, ``image_factor``."""

    def __init__(
        self, transformers: Any, source: str, min_pixels: int | None, max_pixels: int | None, *, torchvision: bool
    ) -> None:
        self.processor: Any = None
        if torchvision:
            try:
                self.processor = transformers.AutoProcessor.from_pretrained(source)
            except Exception as exc:  # noqa: BLE001 - fall back to the path that needs less
                log.warning("AutoProcessor failed (%s); using the image-only processor", one_line(exc))
        try:
            if self.processor is not None:
                self.tokenizer = self.processor.tokenizer
            else:
                self.tokenizer = transformers.AutoTokenizer.from_pretrained(source)
            raw, _ = transformers.ImageProcessingMixin.get_image_processor_dict(source)
        except (OSError, ValueError) as exc:
            raise BackendError(f"cannot load the tokenizer or image processor of {source}: {one_line(exc)}") from exc
        self.processor_path = "official" if self.processor is not None else "image-only"
        if self.processor is not None:
            image_class = type(self.processor.image_processor)
        else:
            image_class = getattr(transformers, "Qwen2VLImageProcessorPil", None) or transformers.Qwen2VLImageProcessor
        self.image_processor = _budgeted_image_processor(image_class, raw, min_pixels, max_pixels)
        if self.processor is not None:
            self.processor.image_processor = self.image_processor
        size = self.image_processor.size
        self.min_pixels = int(size["shortest_edge"])
        self.max_pixels = int(size["longest_edge"])
        self.patch_size = int(self.image_processor.patch_size)
        self.merge_size = int(self.image_processor.merge_size)
        self.image_factor = self.patch_size * self.merge_size
        self.chat_template = self._find_chat_template(source)

    def _find_chat_template(self, source: str) -> str:
        for owner in (self.processor, self.tokenizer):
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

    def visual_tokens(self, image: Any) -> int:
        grid = self.image_processor(images=[_rgb(image)], return_tensors="pt")["image_grid_thw"]
        return int(grid[0].prod()) // self.merge_size**2

    def build(self, messages: Sequence[ChatMessage], forward_params: set[str], vision_ids: tuple[int, int]) -> dict:
        """CPU tensors for ``generate``: ``input_ids``, ``attention_mask``, the image tensors and, where
        the model takes them, ``mm_token_type_ids`` (``vision_ids``: the image and video token ids)."""
        hf_messages, images = to_hf(messages)
        text = self.tokenizer.apply_chat_template(
            hf_messages, chat_template=self.chat_template, tokenize=False, add_generation_prompt=True
        )
        if self.processor is not None:
            batch = self.processor(text=[text], images=images or None, return_tensors="pt")
            inputs = {k: v for k, v in batch.items() if k in forward_params or k == "attention_mask"}
        else:
            inputs = self._image_only_inputs(text, images)
        if "mm_token_type_ids" in forward_params and "mm_token_type_ids" not in inputs:
            # transformers 5 places M-RoPE positions by these: 0 text, 1 image, 2 video
            ids = inputs["input_ids"]
            inputs["mm_token_type_ids"] = (ids == vision_ids[0]).long() + 2 * (ids == vision_ids[1]).long()
        return inputs

    def _image_only_inputs(self, text: str, images: list[Any]) -> dict[str, Any]:
        """What the official processor makes, without it: the image processor's pixels and grids,
        and the text with each ``<|image_pad|>`` repeated once per merged patch."""
        pieces = text.split(IMAGE_PAD)
        if len(pieces) - 1 != len(images):
            rendered = len(pieces) - 1
            raise BackendError(f"the chat template rendered {rendered} image placeholders for {len(images)} images")
        vision: dict[str, Any] = {}
        if images:
            vision = dict(self.image_processor(images=images, return_tensors="pt"))
            counts = [int(g.prod()) // self.merge_size**2 for g in vision["image_grid_thw"]]
            text = pieces[0] + "".join(IMAGE_PAD * n + rest for n, rest in zip(counts, pieces[1:], strict=True))
        encoded = self.tokenizer(text, return_tensors="pt", add_special_tokens=False, return_token_type_ids=False)
        return {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"], **vision}


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


def _rgb(image: Any) -> Any:
    return image if getattr(image, "mode", "RGB") == "RGB" else image.convert("RGB")


def to_hf(messages: Sequence[ChatMessage]) -> tuple[list[dict[str, Any]], list[Any]]:
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
