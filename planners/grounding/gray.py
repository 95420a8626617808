"""A frame in 8-bit gray, converted once per frame and cached: what template matching and every OCR engine read.

Kept apart from the template grounders (``planners.grounding.template``) because the OCR modules read the same
gray levels; one cache serves them all for a frame.
"""

from __future__ import annotations

import threading
import weakref

import cv2
import numpy as np

from actions.frame import Frame

_SMOOTH_KSIZE = (5, 5)  # resized crops are matched blurred, frame and crop alike
_SMOOTH_KEY = 100  # frame_gray's cache: smoothed levels live beside the sharp ones
_gray_lock = threading.Lock()
_gray_cache: weakref.WeakKeyDictionary[Frame, dict[int, np.ndarray]] = weakref.WeakKeyDictionary()


def frame_gray(frame: Frame, level: int = 0, smooth: bool = False) -> np.ndarray:
    """The frame in 8-bit gray (``level`` 1: half size; ``smooth``: Gaussian-blurred first, for matching
    resized crops), converted once per frame and cached.

    BGRA frames from mss convert straight to gray, without the RGB copy ``Frame.pixels`` makes.
    """
    key = level + (_SMOOTH_KEY if smooth else 0)
    with _gray_lock:
        gray = _gray_cache.get(frame, {}).get(key)
    if gray is None:
        data = frame.data
        if level > 0:
            gray = half(frame_gray(frame, level - 1, smooth))
        elif smooth:
            gray = smoothed(frame_gray(frame))
        elif data.ndim == 2:
            gray = np.ascontiguousarray(data)
        else:
            code = cv2.COLOR_BGRA2GRAY if frame.order == "BGRA" else cv2.COLOR_RGB2GRAY
            gray = cv2.cvtColor(data if frame.order == "BGRA" else np.ascontiguousarray(data[..., :3]), code)
        with _gray_lock:
            _gray_cache.setdefault(frame, {})[key] = gray
    return gray


def smoothed(gray: np.ndarray) -> np.ndarray:
    """Blurred over a few pixels: a resized crop's 1 px borders and glyph stems land a pixel off the
    re-rendered ones; blurred, they still overlap (a field's crop at 125%: 0.76 sharp, 0.94 blurred)."""
    return cv2.GaussianBlur(gray, _SMOOTH_KSIZE, 0)


def half(gray: np.ndarray) -> np.ndarray:
    # INTER_AREA averages 2x2 blocks: antialiased, and exact sizes, so coordinates map back by 2x.
    return cv2.resize(gray, (gray.shape[1] // 2, gray.shape[0] // 2), interpolation=cv2.INTER_AREA)
