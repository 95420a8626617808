"""Qwen-VL model families, their image resize rule, and the pixel-budget presets.

Two families answer coordinates differently, and mixing them up makes every click land wrong:

* ``qwen3`` (Qwen3-VL, dense and MoE): 16 px patches merged 2x2, so one visual token per 32x32
  pixels; answers RELATIVE coordinates on a 0..1000 grid of the image it was shown.
* ``qwen2`` (Qwen2-VL and Qwen2.5-VL): 14 px patches merged 2x2, one token per 28x28 pixels;
  answers ABSOLUTE pixels of the resized image it was shown.

Both processors resize every image with the same ``smart_resize`` rule (each side a multiple of
the factor, the pixel count clamped to [min_pixels, max_pixels], aspect ratio kept). The pixel
budget is the main lever on latency, so it is exposed as named presets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from PIL import Image

QWEN3 = "qwen3"
QWEN2 = "qwen2"


@dataclass(frozen=True)
class ModelFamily:
    name: str
    patch_size: int
    merge_size: int
    coordinates: Literal["relative", "absolute"]

    @property
    def factor(self) -> int:
        """Pixels per side of one visual token after the merge: image sides are multiples of it."""
        return self.patch_size * self.merge_size


FAMILIES: dict[str, ModelFamily] = {
    QWEN3: ModelFamily(QWEN3, patch_size=16, merge_size=2, coordinates="relative"),
    QWEN2: ModelFamily(QWEN2, patch_size=14, merge_size=2, coordinates="absolute"),
}

# transformers' config.model_type of each supported checkpoint kind -> its family. The one map:
# the local backend reads a checkpoint's family from it, the server backend and the CLI a model
# name's (``family_from_name``), and the local loader refuses any other model_type.
MODEL_TYPES: dict[str, str] = {
    "qwen3_vl": QWEN3,
    "qwen3_vl_moe": QWEN3,
    "qwen2_vl": QWEN2,
    "qwen2_5_vl": QWEN2,
}


def get_family(name: str) -> ModelFamily:
    try:
        return FAMILIES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown model family {name!r}; expected one of {', '.join(FAMILIES)}") from None


def family_from_config(model_type: str) -> str:
    """The family of a checkpoint from its ``config.json`` ``model_type``."""
    key = model_type.strip().lower().replace("-", "_") if isinstance(model_type, str) else ""
    if key in MODEL_TYPES:
        return MODEL_TYPES[key]
    raise ValueError(
        f"unsupported model_type {model_type!r}: Deskpilot drives Qwen3-VL (qwen3_vl, qwen3_vl_moe) "
        "and Qwen2-VL / Qwen2.5-VL (qwen2_vl, qwen2_5_vl)"
    )


def family_from_name(name: str) -> str:
    """The family a served model's name implies, for servers that do not say: a name containing a
    qwen2 family's model_type in any spelling (``Qwen2.5-VL-7B-Instruct``, ``qwen2_vl``,
    ``qwen2vl``) is that family; anything else is ``qwen3``, the default. ``--family`` overrides."""
    squashed = _squash(name)
    for model_type, family in MODEL_TYPES.items():
        if family != QWEN3 and _squash(model_type) in squashed:
            return family
    return QWEN3


def _squash(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "").replace(".", "")


def smart_resize(width: int, height: int, factor: int, min_pixels: int, max_pixels: int) -> tuple[int, int]:
    """(width, height) the Qwen-VL processors resize an image to; the same arithmetic as
    transformers' ``Qwen2VLImageProcessor`` ``smart_resize`` (which Qwen3-VL reuses with factor 32).

    Note the argument order: width first, like PIL, unlike transformers (height first).
    Each side is rounded to the nearest multiple of ``factor``; if that exceeds ``max_pixels``
    both sides are scaled down by the same ratio and floored to the factor, if it falls below
    ``min_pixels`` they are scaled up and ceiled. Python's ``round`` (half to even) is kept on
    purpose: that is what the processor does, and a one-token difference moves every answer.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    if factor <= 0 or min_pixels < 0 or max_pixels <= 0 or min_pixels > max_pixels:
        raise ValueError(f"bad resize bounds: factor={factor} min_pixels={min_pixels} max_pixels={max_pixels}")
    if max(width, height) / min(width, height) > 200:
        raise ValueError(f"aspect ratio of {width}x{height} is over 200; the Qwen-VL processors refuse it")
    h_bar = round(height / factor) * factor
    w_bar = round(width / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    # Only reachable with min_pixels == 0 and a side under factor/2, where transformers would
    # return an empty side; one token is the smallest image a processor can take.
    return max(factor, w_bar), max(factor, h_bar)


def visual_tokens(width: int, height: int, family: str) -> int:
    """Visual tokens (after the 2x2 merge) of an image already sized by ``smart_resize``."""
    factor = get_family(family).factor
    if width <= 0 or height <= 0 or width % factor or height % factor:
        raise ValueError(f"{width}x{height} is not a {family} model size (sides must be multiples of {factor})")
    return (width // factor) * (height // factor)


@dataclass(frozen=True)
class Preset:
    """A pixel budget: images are resized so their pixel count lies in [min_pixels, max_pixels]."""

    name: str
    min_pixels: int
    max_pixels: int
    description: str = ""


# Budgets in units of Qwen3-VL tokens (32x32 px) so the numbers read as token counts for qwen3;
# the same pixel budget costs qwen2 about 30% more tokens (28x28 px each), which is the price of
# showing it the same detail. Visual tokens per preset (see tests/unit/test_qwen_prompt.py):
#
#   preset    min_pixels  max_pixels  1280x800: qwen3 / qwen2          1920x1080: qwen3 / qwen2
#   accurate      65,536   2,150,400  1280x800 1000 / 1288x812 1334    1920x1088 2040 / 1932x1092 2691
#   balanced      65,536   1,048,576  1280x800 1000 / 1288x812 1334    1344x768  1008 / 1344x756  1296
#   fast          65,536     524,288   896x544  476 /  896x560  640     960x512   480 /  952x532   646
#   edge          65,536     262,144   640x384  240 /  644x392  322     672x384   252 /  672x364   312
#
# min_pixels is Qwen3-VL's processor default (64 tokens), which only matters for small crops.
_MIN_PIXELS = 64 * 32 * 32
PRESETS: dict[str, Preset] = {
    "accurate": Preset("accurate", _MIN_PIXELS, 2100 * 32 * 32, "a full-HD screen at native resolution"),
    "balanced": Preset("balanced", _MIN_PIXELS, 1024 * 32 * 32, "1280x800 at native resolution; 1080p downscaled"),
    "fast": Preset("fast", _MIN_PIXELS, 512 * 32 * 32, "half the balanced budget"),
    "edge": Preset("edge", _MIN_PIXELS, 256 * 32 * 32, "a quarter of the balanced budget, for CPUs"),
}
DEFAULT_PRESET = "balanced"


def get_preset(preset: str | Preset) -> Preset:
    if isinstance(preset, Preset):
        return preset
    try:
        return PRESETS[preset]
    except (KeyError, TypeError):
        raise ValueError(f"unknown preset {preset!r}; expected one of {', '.join(PRESETS)}") from None


def model_size(width: int, height: int, preset: str | Preset, family: str) -> tuple[int, int]:
    """(width, height) a screenshot of this size is shown to the model at, under a preset."""
    budget = get_preset(preset)
    return smart_resize(width, height, get_family(family).factor, budget.min_pixels, budget.max_pixels)


def resize_for_model(image: Image.Image, preset: str | Preset, family: str) -> Image.Image:
    """The screenshot as the model should see it: RGB, sized by ``smart_resize`` for the family.

    Resizing here (not in the backend) means the planner knows the exact size the model saw,
    which qwen2's absolute answers are measured in, and the processor's own resize is a no-op.
    Bicubic, like the processors.
    """
    size = model_size(image.width, image.height, preset, family)
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    if rgb.size == size:
        return rgb
    return rgb.resize(size, Image.Resampling.BICUBIC)
