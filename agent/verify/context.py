"""What a judge gets to look at (``StepContext``), and what it says back (``Judgement``).

One step, one context: the action as performed, the frame it was decided on, the settled frame, the
action's region and the run's motion mask (``agent.motion.Watch``), the screen and the windows to look
again, the stop event every wait obeys, and for a key or a text the element that had the keyboard focus
(``agent.verify.focus``). The OCR reader and the target finder for ``near`` scopes are built on first use
and shared by every step of a run (``VerifyTools``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from actions.frame import Frame, Screen
from actions.models import Action
from actions.windows import WindowSource
from agent.motion import Watch
from agent.run_dir import Seen
from agent.settle import SettleResult
from planners.verdicts import Verdict

if TYPE_CHECKING:
    from agent.verify.focus import KeyboardFocus
    from planners.grounding.ocr import OcrGrounder
    from planners.grounding.tree import TreeSource
    from planners.targeting import TargetResolver


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    frame: Frame  # the last screen looked at: the step's after frame
    seen: Seen | None = None  # the evidence: where it looked and what was there


class VerifyTools:
    """The readers judges share for a run: OCR (planners.grounding.ocr) and a target finder for
    ``near`` scopes, each made on first use (a run of clicks and window checks never starts tesseract)."""

    def __init__(
        self, windows: WindowSource | None, reader: OcrGrounder | None = None, finder: TargetResolver | None = None
    ) -> None:
        """``finder``: the run's own resolver (its tree, its cache), so a ``near`` scope finds its target as
        the plan's pointer targets are found; without one, a resolver of OCR alone."""
        self.windows = windows
        self._reader = reader or getattr(finder, "ocr", None)  # the run's own engine and word cache
        self._finder = finder

    @property
    def reader(self) -> OcrGrounder:
        if self._reader is None:
            from planners.grounding.ocr import OcrGrounder

            self._reader = OcrGrounder()
        return self._reader

    @property
    def trees(self) -> TreeSource | None:
        """The accessibility trees the run's resolver reads (None: no tree rung in this run)."""
        grounder = getattr(self._finder, "tree", None)
        return getattr(grounder, "source", None)

    @property
    def finder(self) -> TargetResolver:
        if self._finder is None:
            from planners.targeting import TargetResolver

            self._finder = TargetResolver(ocr=self.reader)  # no cache: a scope is found afresh each time
        return self._finder


@dataclass(frozen=True)
class StepContext:
    action: Action
    before: Frame  # the screen just before the action: the "before" of its change
    settled: SettleResult
    watch: Watch
    screen: Screen
    tools: VerifyTools
    cancel: threading.Event
    settle_timeout_s: float
    focus: KeyboardFocus | None = None  # a key or type step: what had the keyboard focus, from the app's tree

    @property
    def windows(self) -> WindowSource | None:
        return self.tools.windows
