"""The guard seam: every action passes ``check(action, frame)`` before it is performed.

A guard (agent.policy.Policy is the shipped one) raises ``PolicyError`` to refuse; the loop then
ends the run with that reason, having performed nothing for the action. Allowing, it says whether
the loop may perform the action again by itself when it showed no visible effect: an action a person
confirmed ("Delete") is performed once, never retried behind their back.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from actions.frame import Frame
from actions.models import Action


@runtime_checkable
class ActionGuard(Protocol):
    def check(self, action: Action, frame: Frame) -> bool: ...
