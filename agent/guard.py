"""The guard seam: every action passes ``check(action, frame)`` before it is performed.

A guard (agent.policy.Policy is the shipped one) raises ``PolicyError`` to refuse; the loop then
ends the run with that reason, having performed nothing for the action.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from actions.models import Action
from agent.screen import Frame


@runtime_checkable
class ActionGuard(Protocol):
    def check(self, action: Action, frame: Frame) -> None: ...
