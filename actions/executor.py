"""The executor seam: one method, ``perform(action)``, and the shipped recording fake."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from actions.models import Action


@runtime_checkable
class Executor(Protocol):
    """Performs one action on the desktop. Raises ``actions.errors.ActionError`` when it cannot.

    ``last_text_strategy`` says how the last ``type`` action's text went in (runs of
    ``("keys" | "paste", text)``), for the step record; None when the executor does not type.

    An executor with a pointer may also offer ``hover(x, y)``: put the pointer there, nothing pressed.
    The loop calls it before a pointer action, so that the action is judged against a screen that
    already shows the pointer's hover highlight (an executor without it is simply not asked).
    """

    @property
    def last_text_strategy(self) -> list[tuple[str, str]] | None: ...

    def perform(self, action: Action) -> None: ...

    def release_all(self) -> None:
        """Let go of any held button or key (after a stop or a crash mid-drag)."""
        ...


@dataclass
class RecordingExecutor:
    """A fake that performs nothing and remembers every action, for tests and dry runs.

    ``on_perform`` lets a test make the fake world react (e.g. change a fake screen).
    """

    performed: list[Action] = field(default_factory=list)
    hovered: list[tuple[int, int]] = field(default_factory=list)  # where the pointer was put before actions
    on_perform: Callable[[Action], None] | None = None
    on_hover: Callable[[int, int], None] | None = None  # e.g. draw a fake hover highlight
    released: int = 0
    last_text_strategy: list[tuple[str, str]] | None = None  # nothing is typed, so nothing to say

    def perform(self, action: Action) -> None:
        self.performed.append(action)
        if self.on_perform is not None:
            self.on_perform(action)

    def hover(self, x: int, y: int) -> None:
        self.hovered.append((x, y))
        if self.on_hover is not None:
            self.on_hover(x, y)

    def release_all(self) -> None:
        self.released += 1
