"""A shipped fake tree source for tests of what consumes trees (the tree rung, expectations): it hands out
a given snapshot and answers state polls from a script, with no bus and no app."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from actions.a11y.bus import A11yUnavailable
from actions.a11y.elements import Box, Element, ElementRef, Snapshot
from actions.a11y.field_text import FieldText
from actions.frame import Frame

T = TypeVar("T")


@dataclass
class FakeTrees:
    """``snapshot()`` returns ``tree`` (or raises ``A11yUnavailable(unavailable)``); ``states(ref)`` answers
    the next entry of ``state_script[ref]`` (the last one repeats), else the element's states; ``text(ref)``
    and ``value(ref)`` the same from ``text_script`` and ``value_script``, else the element's own;
    ``caret_text(ref)`` from ``caret_script`` (None there: the element went away), else the element's text
    with the caret at its end."""

    tree: Snapshot | None = None
    unavailable: str = ""
    state_script: dict[ElementRef, Sequence[frozenset[str]]] = field(default_factory=dict)
    text_script: dict[ElementRef, Sequence[str | None]] = field(default_factory=dict)
    value_script: dict[ElementRef, Sequence[float | None]] = field(default_factory=dict)
    caret_script: dict[ElementRef, Sequence[FieldText | None]] = field(default_factory=dict)
    ranges: dict[ElementRef, tuple[float, float]] = field(default_factory=dict)  # a Value's bounds
    popups: list[Box] = field(default_factory=list)  # unmanaged windows (open menus) over the screen
    choices: dict[ElementRef, str] = field(default_factory=dict)  # what a combo box has chosen
    reads: int = 0
    polls: int = 0
    text_reads: int = 0

    def snapshot(
        self, frame: Frame, window: str | None = None, app: str | None = None, window_box: Box | None = None
    ) -> Snapshot:
        self.reads += 1
        if self.tree is None:
            raise A11yUnavailable(self.unavailable or "no tree")
        return self.tree

    def states(self, ref: ElementRef) -> frozenset[str]:
        self.polls += 1
        return _next(self.state_script, ref, self._element(ref).states)

    def text(self, ref: ElementRef) -> str | None:
        return _next(self.text_script, ref, self._element(ref).text)

    def value(self, ref: ElementRef) -> float | None:
        return _next(self.value_script, ref, self._element(ref).value)

    def value_range(self, ref: ElementRef) -> tuple[float, float] | None:
        return self.ranges.get(ref)

    def choice(self, ref: ElementRef) -> str | None:
        return self.choices.get(ref)

    def popups_at(self, x: int, y: int) -> list[Box]:
        return [b for b in self.popups if b.x <= x < b.x + b.width and b.y <= y < b.y + b.height]

    def caret_text(self, ref: ElementRef, before: int = -1, after: int = -1) -> FieldText | None:
        self.text_reads += 1
        text = self._element(ref).text
        return _next(self.caret_script, ref, FieldText(text, len(text), len(text)) if text is not None else None)

    def box(self, ref: ElementRef) -> Box | None:
        return self._element(ref).box

    def _element(self, ref: ElementRef) -> Element:
        assert self.tree is not None
        return next(e for e in self.tree.elements if e.ref == ref)


def _next(script: dict[ElementRef, Sequence[T]], ref: ElementRef, otherwise: T) -> T:
    """The next scripted answer for ``ref`` (the last one repeats), else ``otherwise``."""
    answers = script.get(ref)
    if not answers:
        return otherwise
    if len(answers) > 1:
        script[ref] = answers[1:]
    return answers[0]


SHOWN = frozenset({"showing", "visible", "enabled", "sensitive"})


def element(
    path: str,
    role: str,
    name: str,
    box: tuple[int, int, int, int] | None,
    parent: int | None = None,
    states: frozenset[str] = SHOWN,
    **more: object,
) -> Element:
    """An element for a fake snapshot: ``path`` names it (bus ":1.1"), ``box`` is (x, y, width, height)."""
    shown = Box(*box) if box else None
    return Element(ElementRef(":1.1", path), role, name, states=states, box=shown, parent=parent, **more)  # type: ignore[arg-type]


def snapshot(
    *elements: Element, screen: tuple[int, int, int, int] = (0, 0, 1280, 800), window: str = "Form"
) -> Snapshot:
    return Snapshot("fake app", window, tuple(elements), read_ms=1.0, screen=Box(*screen))
