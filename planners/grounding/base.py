"""The grounder seam: find a described target on a frame, or say honestly that it cannot.

Replay climbs a ladder of grounders from cheapest to dearest (cached anchor confirmed by a template
near its expected place, the template anywhere, OCR of the label, the VLM) and stops at the first
confident answer. A grounder that is unsure answers ``point=None`` with its reason: replay never
acts on a guess, and never on a stale cached point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from actions.coords import ScreenPoint
from actions.frame import Frame
from actions.windows import WindowInfo


@dataclass(frozen=True)
class GroundingQuery:
    """What a grounder gets to look for one target."""

    description: str
    label: str | None = None
    template: Path | None = None  # absolute path of the recorded crop, if any
    template_point: tuple[int, int] | None = None  # the target's pixel inside the crop
    expected: ScreenPoint | None = None  # where the anchor says the target should be now
    window: WindowInfo | None = None  # the anchor's window as it is now (moved/resized maybe)
    # How much larger the target looks now than when recorded, when the window's size says so (a window
    # that grew by the same factor both ways: Chromium's device scale, HiDPI). Template rungs try it first.
    scale: float | None = None


@dataclass(frozen=True)
class ReadWord:
    """A word OCR read, in screen points (the report draws them on the frame)."""

    text: str
    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True)
class GroundingResult:
    rung: str  # "anchor", "template", "ocr", "vlm"
    point: ScreenPoint | None  # None: no confident answer
    score: float = 0.0  # the grounder's own confidence measure (e.g. correlation), for the record
    reason: str = ""  # why not, or how ("2 equally good matches", "matched 'Submit' at psm 6")
    elapsed_ms: float = 0.0
    candidates: tuple[ScreenPoint, ...] = field(default=())  # what it considered, best first, for the report
    scale: float = 1.0  # template rungs: the scale of the recorded crop that matched (or came closest)
    words: tuple[ReadWord, ...] = field(default=())  # OCR rung: every word it read, for a failure report

    @property
    def confident(self) -> bool:
        return self.point is not None


@runtime_checkable
class Grounder(Protocol):
    name: str

    def ground(self, query: GroundingQuery, frame: Frame) -> GroundingResult: ...
