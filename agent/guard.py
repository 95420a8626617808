"""The guard seam: every action passes ``check(action, frame)`` before it is performed.

A guard (agent.policy.Policy is the shipped one) raises ``PolicyError`` to refuse; the loop then
ends the run with that reason, having performed nothing for the action. Allowing, it returns False
when a person was asked to confirm the action (a confirm word was near it), True otherwise; every
action is performed once either way.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from actions.frame import Frame
from actions.models import Action


@runtime_checkable
class ActionGuard(Protocol):
    def check(self, action: Action, frame: Frame) -> bool: ...
