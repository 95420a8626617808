"""Observing the screen: frames, the ``Screen`` seam, mss capture and a frame-replay fake."""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from actions.coords import DisplayProfile, profile_for_monitor
from agent.errors import CaptureError


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


def list_monitors() -> list[dict[str, int]]:
    """mss's monitor list: index 0 is all monitors together, 1.. each monitor."""
    import mss

    try:
        with mss.MSS() as grabber:
            return [dict(m) for m in grabber.monitors]
    except Exception as exc:  # noqa: BLE001 - mss raises ScreenShotError and OS errors alike
        raise CaptureError(f"cannot list monitors: {exc}") from exc


def _display_name() -> str:
    return os.environ.get("DISPLAY", "(no DISPLAY)")


class MssScreen:
    """Captures one mss monitor (``monitor=0`` for all of them) as numpy frames.

    mss handles are not thread-safe on X11, so each thread gets its own grabber.
    """

    def __init__(self, monitor: int = 0) -> None:
        import mss

        self._mss = mss
        self._local = threading.local()
        monitors = self._grabber().monitors
        if not 0 <= monitor < len(monitors):
            raise CaptureError(
                f"monitor {monitor} does not exist: this display has monitors 0..{len(monitors) - 1} "
                "(0 is all of them)"
            )
        self._monitor = dict(monitors[monitor])
        self._monitor_index = monitor
        first = self._grab()
        self._profile = profile_for_monitor(self._monitor, first.size, monitor)

    def _grabber(self) -> Any:
        grabber = getattr(self._local, "grabber", None)
        if grabber is None:
            try:
                grabber = self._mss.MSS()
            except Exception as exc:  # noqa: BLE001
                raise CaptureError(f"cannot open the display for capture: {exc}") from exc
            self._local.grabber = grabber
        return grabber

    def _grab(self) -> Any:
        try:
            return self._grabber().grab(self._monitor)
        except Exception as exc:  # noqa: BLE001
            detail = str(exc).strip() or type(exc).__name__
            raise CaptureError(f"screenshot failed ({detail}): is the display {_display_name()} still there?") from exc

    @property
    def profile(self) -> DisplayProfile:
        return self._profile

    def capture(self) -> Frame:
        shot = self._grab()
        wall = time.time()
        now = time.monotonic()
        bgra = np.frombuffer(shot.raw, dtype=np.uint8).reshape(shot.height, shot.width, 4)  # no copy
        return Frame(data=bgra, profile=self._profile, monotonic_s=now, wall_time_s=wall, order="BGRA")

    def close(self) -> None:
        grabber = getattr(self._local, "grabber", None)
        if grabber is not None:
            self._local.grabber = None
            with contextlib.suppress(Exception):  # the display may be gone already: nothing left to free
                grabber.close()


@dataclass
class ReplayScreen:
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
            raise ValueError("ReplayScreen needs at least one frame")
        if self.profile_ is None:
            height, width = self.frames[0].shape[:2]
            self.profile_ = DisplayProfile(width=width, height=height)

    @classmethod
    def solid(cls, colours: Iterable[tuple[int, int, int]], size: tuple[int, int] = (64, 48)) -> ReplayScreen:
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
