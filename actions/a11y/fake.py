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


@dataclass
class FakeTrees:
    """``snapshot()`` returns ``tree`` (or raises ``A11yUnavailable(unavailable)``); ``states(ref)`` answers
    the next entry of ``state_script[ref]`` (the last one repeats), else the element's states;
    ``caret_text(ref)`` the same from ``text_script[ref]`` (None there: the element went away), else the
    element's text with the caret at its end."""

    tree: Snapshot | None = None
    unavailable: str = ""
    state_script: dict[ElementRef, Sequence[frozenset[str]]] = field(default_factory=dict)
    text_script: dict[ElementRef, Sequence[FieldText | None]] = field(default_factory=dict)
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
        script = self.state_script.get(ref)
        return _next(self.state_script, ref) if script else self._element(ref).states

    def caret_text(self, ref: ElementRef, before: int = -1, after: int = -1) -> FieldText | None:
        self.text_reads += 1
        if self.text_script.get(ref):
            return _next(self.text_script, ref)
        text = self._element(ref).text
        return FieldText(text, len(text), len(text)) if text is not None else None

    def box(self, ref: ElementRef) -> Box | None:
        return self._element(ref).box

    def _element(self, ref: ElementRef) -> Element:
        assert self.tree is not None
        return next(e for e in self.tree.elements if e.ref == ref)


T = TypeVar("T")


def _next(script: dict[ElementRef, Sequence[T]], ref: ElementRef) -> T:
    """The script's next answer for ``ref``; the last one repeats."""
    answers = script[ref]
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
