"""The executor seam: one method, ``perform(action)``, and the shipped recording fake."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from actions.models import Action


@runtime_checkable
class Executor(Protocol):
    """Performs one action on the desktop. Raises ``agent.errors.ActionError`` when it cannot."""

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
    on_perform: Callable[[Action], None] | None = None
    released: int = 0

    def perform(self, action: Action) -> None:
        self.performed.append(action)
        if self.on_perform is not None:
            self.on_perform(action)

    def release_all(self) -> None:
        self.released += 1
