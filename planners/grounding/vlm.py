"""The dearest rung: ask the vision-language model where the described target is."""

from __future__ import annotations

import time
from typing import Protocol

from actions.coords import ScreenPoint
from actions.errors import ModelOutputError
from actions.frame import Frame
from planners.grounding.base import GroundingQuery, GroundingResult


class PointingModel(Protocol):
    def ground(self, description: str, frame: Frame) -> ScreenPoint: ...


class VlmGrounder:
    """Rung "vlm": one short grounding prompt, one point (``QwenPlanner.ground``). ``calls`` counts
    model calls, which is what a replay that heals by the cheaper rungs saves."""

    name = "vlm"

    def __init__(self, model: PointingModel) -> None:
        self.model = model
        self.calls = 0

    def ground(self, query: GroundingQuery, frame: Frame) -> GroundingResult:
        started = time.monotonic()
        self.calls += 1
        description = query.description if not query.label else f"{query.description} (labelled '{query.label}')"
        try:
            point = self.model.ground(description, frame)
        except ModelOutputError as exc:
            elapsed = (time.monotonic() - started) * 1000
            return GroundingResult(
                self.name, None, reason=f"the model's answer was unusable: {exc}", elapsed_ms=elapsed
            )
        elapsed = (time.monotonic() - started) * 1000
        if not frame.profile.contains(point):
            return GroundingResult(
                self.name, None, reason=f"the model pointed off the screen at {point}", elapsed_ms=elapsed
            )
        return GroundingResult(self.name, point, score=1.0, reason="the model pointed at it", elapsed_ms=elapsed)
