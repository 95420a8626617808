"""Settle: after an action, capture until the screen stops changing (bounded). Never a fixed sleep.

Two waits, both ended by what the screen does:

1. If the action should change the screen, wait (up to ``react_timeout_ms``) for the first
   significant difference from the frame before the action: apps take a few milliseconds to
   process input, and an unchanged first capture says nothing yet.
2. Then wait until the screen has been still for ``quiet_ms`` (animations, progressive
   rendering), up to ``timeout_s`` in all.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from actions.compare import Change, diff_frames
from actions.frame import Frame, Screen


class SettleConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    poll_ms: float = Field(default=10.0, gt=0, le=1000, description="pause between captures while waiting")
    quiet_ms: float = Field(default=60.0, ge=0, le=10_000, description="stillness that counts as settled")
    react_timeout_ms: float = Field(default=500.0, ge=0, le=60_000, description="wait for a first change")
    timeout_s: float = Field(default=5.0, gt=0, le=600, description="upper bound on the whole wait")


@dataclass(frozen=True)
class SettleResult:
    frame: Frame  # the last capture: the screen as it settled (or as it was at the timeout)
    change: Change  # from the frame before the action to ``frame``
    settled: bool  # False: still changing when timeout_s ran out (an animation, a hung app)
    waited_ms: float
    captures: int


def settle(
    screen: Screen, before: Frame, expect_change: bool, config: SettleConfig, cancel: threading.Event | None = None
) -> SettleResult:
    """Wait for the screen as the module doc says. ``cancel`` (the stop hotkey's event) cuts the wait
    short; the result then says ``settled=False``."""
    start = time.monotonic()
    deadline = start + config.timeout_s
    poll_s = config.poll_ms / 1000.0
    captures = 1
    current = screen.capture()

    if expect_change:
        react_deadline = min(deadline, start + config.react_timeout_ms / 1000.0)
        while not diff_frames(before, current).significant and time.monotonic() < react_deadline:
            if cancel is not None and cancel.wait(poll_s):  # polling the screen, or the stop hotkey
                break
            current = screen.capture()
            captures += 1

    last_change_s = current.monotonic_s
    settled = True
    while current.monotonic_s - last_change_s < config.quiet_ms / 1000.0:
        if time.monotonic() >= deadline or (cancel is not None and cancel.is_set()):
            settled = False
            break
        if cancel is not None:
            cancel.wait(poll_s)
        else:
            time.sleep(poll_s)
        latest = screen.capture()
        captures += 1
        if not latest.same_pixels(current):
            last_change_s = latest.monotonic_s
        current = latest

    return SettleResult(
        frame=current,
        change=diff_frames(before, current),
        settled=settled,
        waited_ms=(time.monotonic() - start) * 1000.0,
        captures=captures,
    )
