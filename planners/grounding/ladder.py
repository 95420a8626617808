"""The replay ladder: grounders from cheapest to dearest; replay stops at the first confident one."""

from __future__ import annotations

from planners.grounding.base import Grounder
from planners.grounding.ocr import OcrGrounder
from planners.grounding.template import AnchorTemplateGrounder, ScreenTemplateGrounder
from planners.grounding.vlm import PointingModel, VlmGrounder


def default_ladder(model: PointingModel | None = None) -> list[Grounder]:
    """anchor (template near where the anchor says) -> template anywhere -> OCR of the label -> the
    VLM, when a model is configured."""
    ladder: list[Grounder] = [AnchorTemplateGrounder(), ScreenTemplateGrounder(), OcrGrounder()]
    if model is not None:
        ladder.append(VlmGrounder(model))
    return ladder
