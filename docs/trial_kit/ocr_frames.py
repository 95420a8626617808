"""What OCR reads, line by line, in a box of a run's frame before the action and after it: the evidence of a
cause (trial 10's prompt row read two ways, trial 11's label on the echo row and on the output row). Frames: a
run folder's frames/step-0000.png and step-0001.png, or a repro folder's before.png and after.png.

    PYTHONPATH=. .venv/bin/python docs/trial_kit/ocr_frames.py docs/trial10/repro/X2 71,77,889,537
    PYTHONPATH=. .venv/bin/python docs/trial_kit/ocr_frames.py docs/trial11/repro/Q12 0,120,900,120
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from actions.coords import DisplayProfile
from actions.frame import Frame
from agent.verify.near import words_in
from planners.grounding.ocr import OcrGrounder
from planners.grounding.ocr_lines import group_lines


def main(folder: Path, box: str) -> None:
    x, y, w, h = (int(v) for v in box.split(","))
    names = ("before.png", "after.png")
    if not (folder / "before.png").exists():
        names = ("frames/step-0000.png", "frames/step-0001.png")
    reader = OcrGrounder()
    for name in names:
        pixels = np.asarray(Image.open(folder / name).convert("RGB"))
        profile = DisplayProfile(width=pixels.shape[1], height=pixels.shape[0])
        frame = Frame(pixels, profile, time.monotonic(), time.time())
        words = words_in(reader, frame, [(x, y, x + w, y + h)])
        print(name)
        for line in group_lines(words, 1.5):
            print("   ", [(word.text, tuple(word.box)) for word in line])


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
