"""Frames and the ``Screen`` seam: what every floor looks at, and a fake that plays frames back.

The contract lives at the bottom so that planners (which read frames) and the agent (which takes
them) share one type. Capturing a real screen (mss) is the agent's job: see ``agent.screen``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from actions.coords import DisplayProfile


@dataclass(frozen=True, eq=False)
class Frame:
    """One capture: its pixels, where they sit on the screen, and when it was taken.

    ``data`` is what the capture produced, unconverted: BGRA from mss (H x W x 4) or RGB (H x W x 3)
    from fakes. Comparing frames is the hot path and works on ``data`` directly (a BGRA pixel
    compares as one uint32); the RGB ``pixels`` and the PIL image are made only when asked for.
    """

    data: np.ndarray
    profile: DisplayProfile
    monotonic_s: float
    wall_time_s: float
    order: Literal["RGB", "BGRA"] = "RGB"

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in image pixels."""
        return int(self.data.shape[1]), int(self.data.shape[0])

    @functools.cached_property
    def pixels(self) -> np.ndarray:
        """RGB, H x W x 3, uint8."""
        if self.order == "RGB":
            return self.data
        return np.asarray(self.to_image())

    def to_image(self) -> Any:
        from PIL import Image

        if self.order == "RGB":
            return Image.fromarray(self.data, mode="RGB")
        # PIL's raw decoder swizzles BGRX in C: about 8x cheaper than a strided numpy copy.
        return Image.frombuffer("RGB", self.size, self.data, "raw", "BGRX", 0, 1)

    def packed(self) -> np.ndarray:
        """One integer per pixel (H x W) when the layout allows it: cheap to compare."""
        if self.order == "BGRA" and self.data.flags.c_contiguous:
            return self.data.view(np.uint32).reshape(self.data.shape[:2])
        return self.data

    def same_pixels(self, other: Frame) -> bool:
        return self.data.shape == other.data.shape and np.array_equal(self.packed(), other.packed())


@runtime_checkable
class Screen(Protocol):
    """Takes frames of one fixed area (a monitor, or all of them)."""

    @property
    def profile(self) -> DisplayProfile: ...

    def capture(self) -> Frame: ...

    def close(self) -> None: ...


@dataclass
class FakeScreen:
    """A fake screen that plays back a list of pixel arrays; the last one repeats forever.

    ``advance()`` moves to the next frame (tests call it from a RecordingExecutor's
    ``on_perform`` to make the fake world react to an action).
    """

    frames: Sequence[np.ndarray]
    profile_: DisplayProfile | None = None
    position: int = 0
    captures: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if not self.frames:
            raise ValueError("FakeScreen needs at least one frame")
        if self.profile_ is None:
            height, width = self.frames[0].shape[:2]
            self.profile_ = DisplayProfile(width=width, height=height)

    @classmethod
    def solid(cls, colours: Iterable[tuple[int, int, int]], size: tuple[int, int] = (64, 48)) -> FakeScreen:
        width, height = size
        frames = [np.full((height, width, 3), colour, dtype=np.uint8) for colour in colours]
        return cls(frames=frames)

    @property
    def profile(self) -> DisplayProfile:
        assert self.profile_ is not None
        return self.profile_

    def advance(self, steps: int = 1) -> None:
        self.position = min(self.position + steps, len(self.frames) - 1)

    def capture(self) -> Frame:
        self.captures += 1
        pixels = self.frames[self.position]
        return Frame(data=pixels, profile=self.profile, monotonic_s=time.monotonic(), wall_time_s=time.time())

    def close(self) -> None:
        return None
