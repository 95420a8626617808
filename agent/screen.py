"""Capturing the real screen with mss; the ``Frame`` and ``Screen`` contract is in ``actions.frame``."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from typing import Any

import numpy as np

from actions.coords import DisplayProfile, profile_for_monitor
from actions.errors import CaptureError
from actions.frame import Frame


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
                f"monitor {monitor} does not exist: this display has monitors 0..{len(monitors) - 1} (0 is all of them)"
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
