"""A planner that plays a fixed list of actions: RPA plans, tests and the demo."""

from __future__ import annotations

from collections.abc import Sequence

from actions.frame import Frame
from actions.models import Action, Done
from planners.base import Plan, StepFeedback


class ScriptedPlanner:
    """Hands out one action per call, in order, then ``done(success=True)``.

    A scripted plan does not change course on feedback: the loop ends the run at a step whose
    expectation failed, or that changed nothing where it acted (unless ``on_no_change="continue"``).
    """

    follows_feedback = False  # the loop ends the run at a failed (or no_change) step: a script cannot replan

    def __init__(self, actions: Sequence[Action]) -> None:
        self._actions = list(actions)
        self._next = 0

    @property
    def remaining(self) -> int:
        return len(self._actions) - self._next

    def plan(self, task: str, frame: Frame, history: Sequence[StepFeedback]) -> Plan:
        if self._next >= len(self._actions):
            return Plan(actions=(Done(success=True),), thought="the scripted plan is complete")
        action = self._actions[self._next]
        self._next += 1
        return Plan(actions=(action,), thought=f"scripted action {self._next} of {len(self._actions)}")
