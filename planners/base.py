"""The planner seam: ``plan(task, frame, history) -> Plan``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from actions.frame import Frame
from actions.models import Action


class Plan(BaseModel):
    """What a planner wants done next: one or more actions, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actions: tuple[Action, ...] = Field(min_length=1)
    thought: str | None = None
    raw: str | None = None  # the model's answer as it came, for the run record
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    grounding: list[dict[str, Any]] | None = None  # replays: how each target was found, rung by rung


class StepFeedback(BaseModel):
    """What happened to one earlier step, as the planner sees it in its history."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int
    action: Action | None  # None when the planner's answer could not be used
    verdict: str  # a planners.verdicts.Verdict value
    note: str = ""  # for the model: "no visible change where it acted", what was seen instead of an expectation


@runtime_checkable
class Planner(Protocol):
    """Decides the next actions. Raises ``actions.errors.ModelOutputError`` for an unusable answer
    (the loop records it, tells the planner through the history and asks again, bounded).

    A planner that cannot change course on feedback (a script, a replay) sets a class attribute
    ``follows_feedback = False``: the loop then ends the run at a step whose expectation failed
    (or that changed nothing), instead of handing it back. Planners without it follow feedback."""

    def plan(self, task: str, frame: Frame, history: Sequence[StepFeedback]) -> Plan: ...
