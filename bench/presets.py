"""Visual tokens and CPU preprocessing time per screenshot, for each pixel-budget preset.

    .venv/bin/python -m bench.presets

For 1280x800 and 1920x1080 screenshots (a real demo-app frame, scaled), each preset: the size the
model sees, its visual tokens (Qwen3-VL: one per 32x32 px; Qwen2.5-VL: one per 28x28 px), and the
CPU time of our resize plus transformers' image processor (patchify + normalise), median of runs.
Ratios are against the accurate preset, measured in the same run.
"""

from __future__ import annotations

import numpy as np

from bench.timing import median, sample_ms, table

SIZES = [(1280, 800), (1920, 1080)]
REPEAT = 7


def _screenshot(size: tuple[int, int]):
    """A desktop-like test image: flat panels, text-like stripes, some noise (not a photo)."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(0)
    image = Image.new("RGB", size, (245, 246, 248))
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y = int(rng.integers(0, size[0] - 120)), int(rng.integers(0, size[1] - 16))
        draw.text((x, y), "Button Label 123", fill=(31, 41, 55))
    for _ in range(40):
        x, y = int(rng.integers(0, size[0] - 200)), int(rng.integers(0, size[1] - 60))
        draw.rectangle((x, y, x + 200, y + 60), outline=(37, 99, 235), width=2)
    return image


def _processor(family: str):
    """The slow (PIL) image processor: the one that runs where torchvision does not."""
    import transformers

    cls = getattr(transformers, "Qwen2VLImageProcessorPil", None) or transformers.Qwen2VLImageProcessor
    patch = 16 if family == "qwen3" else 14
    return cls(patch_size=patch, merge_size=2, temporal_patch_size=2)


def main(argv: list[str] | None = None) -> int:
    from planners.qwen.family import PRESETS, resize_for_model, visual_tokens

    rows = []
    for family in ("qwen3", "qwen2"):
        processor = _processor(family)
        for size in SIZES:
            image = _screenshot(size)
            baseline = None
            for name, preset in PRESETS.items():
                resized = resize_for_model(image, name, family)
                tokens = visual_tokens(*resized.size, family)

                def preprocess(preset=preset, image=image, family=family, processor=processor) -> None:
                    small = resize_for_model(image, preset, family)
                    budget = {"shortest_edge": preset.min_pixels, "longest_edge": preset.max_pixels}
                    processor(images=[small], size=budget, return_tensors="np")

                ms = median(sample_ms(preprocess, REPEAT, warmup=1))
                baseline = baseline or ms
                rows.append(
                    [
                        family,
                        f"{size[0]}x{size[1]}",
                        name,
                        f"{resized.width}x{resized.height}",
                        tokens,
                        ms,
                        f"{ms / baseline:.2f}",
                    ]
                )
    print("pixel-budget presets: visual tokens and CPU preprocessing per screenshot (median ms)")
    print(table(["family", "screen", "preset", "model sees", "visual tokens", "preprocess ms", "x accurate"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
