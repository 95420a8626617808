"""The grounder seam: find a described target on a frame, or say honestly that it cannot.

Replay climbs a ladder of grounders from cheapest to dearest (cached anchor confirmed by a template
near its expected place, the template anywhere, OCR of the label, the VLM) and stops at the first
confident answer. A grounder that is unsure answers ``point=None`` with its reason: replay never
acts on a guess, and never on a stale cached point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from actions.coords import ScreenPoint
from actions.frame import Frame
from actions.windows import WindowInfo

if TYPE_CHECKING:
    from planners.grounding.identity import Identity


@dataclass(frozen=True)
class GroundingQuery:
    """What a grounder gets to look for one target."""

    description: str
    label: str | None = None
    exact: bool = False  # the label is the whole line, case kept (actions.text_match)
    template: Path | None = None  # absolute path of the recorded crop, if any
    template_point: tuple[int, int] | None = None  # the target's pixel inside the crop
    expected: ScreenPoint | None = None  # where the anchor says the target should be now
    window: WindowInfo | None = None  # the anchor's window as it is now (moved/resized maybe)
    # How much larger the target looks now than when recorded, when the window's size says so (a window
    # that grew by the same factor both ways: Chromium's device scale, HiDPI). Template rungs try it first.
    scale: float | None = None
    # What the element is, for the tree rung: a role (or alias) and name, ``index`` among equal matches.
    role: str | None = None
    name: str | None = None
    index: int | None = None
    offset: bool = False  # the point is an offset from what is found (the tree leaves text+offset to OCR)
    # What the target was in the accessibility tree when recorded: anchor and template matches are confirmed
    # against it, and the tree rung looks for it first (planners.grounding.identity).
    identity: Identity | None = None


@dataclass(frozen=True)
class ReadWord:
    """A word OCR read, in screen points (the report draws them on the frame)."""

    text: str
    left: int
    top: int
    width: int
    height: int


_MAX_CANDIDATES = 6
_MAX_WORDS = 400  # a full screen of text is a few hundred words; more would bloat steps.jsonl


@dataclass(frozen=True)
class GroundingResult:
    rung: str  # "anchor", "tree", "template", "ocr", "vlm"
    point: ScreenPoint | None  # None: no confident answer
    score: float = 0.0  # the grounder's own confidence measure (e.g. correlation), for the record
    reason: str = ""  # why not, or how ("2 equally good matches", "matched 'Submit' at psm 6")
    elapsed_ms: float = 0.0
    candidates: tuple[ScreenPoint, ...] = field(default=())  # what it considered, best first, for the report
    scale: float = 1.0  # template rungs: the scale of the recorded crop that matched (or came closest)
    words: tuple[ReadWord, ...] = field(default=())  # OCR rung: every word it read, for a failure report
    element: dict[str, Any] | None = None  # tree rung: what the tree said about the element it found
    # The rung knows the target and refuses to act on it (a disabled button): the ladder must not climb
    # to a rung that would find the same thing by its looks and click it anyway.
    refused: bool = False
    by_identity: bool = False  # tree rung: found by the recorded identity (the element itself, no offset)

    @property
    def confident(self) -> bool:
        return self.point is not None

    def summary(self, words: bool) -> dict[str, Any]:
        """For steps.jsonl and the report: the rung's verdict, its best candidates (points, best first)
        and, when ``words``, every word OCR read (what a person checks when a target was not found)."""
        entry: dict[str, Any] = {
            "rung": self.rung,
            "ok": self.confident,
            "ms": round(self.elapsed_ms, 1),
            "why": self.reason,
            "score": round(self.score, 3),
            "candidates": [[p.x, p.y] for p in self.candidates[:_MAX_CANDIDATES]],
        }
        if self.point is not None:
            entry["point"] = [self.point.x, self.point.y]
        if self.scale != 1.0:
            entry["scale"] = round(self.scale, 3)
        if self.element is not None:
            entry["element"] = self.element
        if self.by_identity:
            entry["by"] = "identity"
        if words and self.words:
            entry["words"] = [[w.text, w.left, w.top, w.width, w.height] for w in self.words[:_MAX_WORDS]]
        return entry


@runtime_checkable
class Grounder(Protocol):
    name: str

    def ground(self, query: GroundingQuery, frame: Frame) -> GroundingResult: ...
