"""The replay ladder: grounders from cheapest to dearest; replay stops at the first confident one."""

from __future__ import annotations

from planners.grounding.base import Grounder
from planners.grounding.ocr import OcrGrounder
from planners.grounding.template import AnchorTemplateGrounder, ScreenTemplateGrounder
from planners.grounding.tree import TreeGrounder, TreeSource
from planners.grounding.vlm import PointingModel, VlmGrounder


def default_ladder(
    model: PointingModel | None = None, tree: TreeSource | None = None, wait_enabled_s: float = 2.0
) -> list[Grounder]:
    """anchor (template near where the anchor says) -> the accessibility tree (the label as an element's
    name), when a tree source is given -> template anywhere -> OCR of the label -> the VLM, when a model
    is configured."""
    ladder: list[Grounder] = [AnchorTemplateGrounder()]
    if tree is not None:
        ladder.append(TreeGrounder(tree, wait_enabled_s))
    ladder += [ScreenTemplateGrounder(), OcrGrounder()]
    if model is not None:
        ladder.append(VlmGrounder(model))
    return ladder
