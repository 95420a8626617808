"""A run's screenshot as PNG: Pillow's encoder (level 1, what runs used) against ``actions.png.encode_png``,
side by side on the same pixels: the demo app's real screen and a photographic-like wallpaper. Each row
checks the bytes decode to the very pixels. A run writes one such frame a step, on its writer thread.

    .venv/bin/python -m bench.frame_png [--repeat N]
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
from pathlib import Path

import numpy as np

from bench.timing import median, sample_ms, table


def _demo_screen() -> np.ndarray:
    from agent.desktop.xserver import VirtualDesktop
    from agent.screen import MssScreen
    from scenarios.harness import DemoAppProcess

    with (
        VirtualDesktop() as desk,
        tempfile.TemporaryDirectory() as tmp,
        DemoAppProcess(Path(tmp) / "state.json", desk.env()),
    ):
        os.environ["DISPLAY"] = desk.display  # mss reads it
        screen = MssScreen(monitor=1)
        try:
            return np.asarray(screen.capture().to_image())
        finally:
            screen.close()


def _wallpaper(height: int = 800, width: int = 1280) -> np.ndarray:
    """Smooth gradients with grain: what a photographic wallpaper gives a lossless encoder."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([x / width * 200, y / height * 180, (x + y) / (width + height) * 220], axis=2)
    grain = np.random.default_rng(3).normal(0, 6, base.shape)
    return np.clip(base + grain, 0, 255).astype(np.uint8)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)

    from PIL import Image

    from actions.png import encode_png

    def pillow(rgb: np.ndarray) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(rgb).save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()

    rows, ratios, exact = [], [], True
    for name, rgb in (("demo app screen", _demo_screen()), ("photographic wallpaper", _wallpaper())):
        timed = {}
        for encoder, fn in (("Pillow, compress_level=1", pillow), ("actions.png.encode_png", encode_png)):
            data = fn(rgb)
            with Image.open(io.BytesIO(data)) as image:
                exact = exact and np.array_equal(np.asarray(image.convert("RGB")), rgb)
            timed[encoder] = median(sample_ms(lambda fn=fn, rgb=rgb: fn(rgb), args.repeat))
            rows.append([f"{name} {rgb.shape[1]}x{rgb.shape[0]}", encoder, timed[encoder], len(data) // 1024])
        ratios.append((name, timed["Pillow, compress_level=1"] / timed["actions.png.encode_png"]))
    print(table(["pixels", "encoder", "ms (median)", "KiB"], rows))
    for name, ratio in ratios:
        print(f"{name}: encode_png is {ratio:.1f}x faster than Pillow")
    print("every PNG decodes to the exact pixels" if exact else "A PNG DID NOT DECODE TO ITS PIXELS")
    return 0 if exact else 1


if __name__ == "__main__":
    raise SystemExit(main())
