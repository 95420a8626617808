"""Replaying a scenario as a planner: each plan() grounds the next step's target, cheapest rung first.

The loop (agent.loop) performs, settles, verifies and records as for any run; this planner decides
*where*: it climbs the ladder of grounders and hands back the step's action at the point the first
confident rung found, with the step's checks as the plan's expectations (the loop judges them, like
every expectation: a failed check is a failed step on record). A target no rung is sure of ends the
replay naming the step; nothing is ever performed at a stale cached point.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from actions.coords import ScreenPoint
from actions.errors import ReplayFailed, TargetNotFound
from actions.expectations import Expectation
from actions.frame import Frame, Screen
from actions.models import Done
from actions.windows import WindowInfo
from planners.base import Plan, StepFeedback
from planners.grounding.base import Grounder, GroundingQuery, GroundingResult
from planners.grounding.identity import confirm
from planners.grounding.tree import TreeGrounder
from planners.scenario_file import Scenario, Step, Target, substitute


@dataclass
class Resolution:
    """How one target was found: the rungs tried in order, the last one confident."""

    target: Target
    tried: list[GroundingResult]
    window: WindowInfo | None

    @property
    def result(self) -> GroundingResult:
        return self.tried[-1]

    def summary(self) -> dict[str, Any]:
        """For steps.jsonl and the report: every rung tried, with its best candidates (points, best first)
        and, when the target was not found, the words OCR read instead."""
        found = self.result.confident
        return {
            "rung": self.result.rung,
            "score": round(self.result.score, 3),
            "target": self.target.description,
            "label": self.target.label,
            "tried": [r.summary(words=not found) for r in self.tried],
        }


class GroundingFailed(ReplayFailed, TargetNotFound):
    """No rung was sure of a step's target; ``grounding`` holds every rung's best candidates and reasons
    (the same shape as a step record's ``grounding``), ``step`` the step's index from 0."""

    def __init__(self, message: str, step: int, grounding: list[dict[str, Any]]) -> None:
        TargetNotFound.__init__(self, message, grounding=grounding)
        self.step = step


@dataclass
class StepLog:
    """What replaying one step took, for --heal and the flakiness table."""

    index: int
    step: Step
    resolutions: list[Resolution] = field(default_factory=list)
    before: Frame | None = None
    elapsed_ms: float = 0.0

    def grounding(self) -> list[dict[str, Any]]:
        """Every target's resolution (found or not), as a step record's ``grounding``."""
        return [r.summary() for r in self.resolutions]


WindowFinder = Callable[[str], WindowInfo | None]  # exact title -> the window now, or None


class ScenarioPlanner:
    follows_feedback = False  # a replay ends at a failed (or no_change) step, naming it

    def __init__(
        self,
        scenario: Scenario,
        scenario_path: Path,
        ladder: Sequence[Grounder],
        screen: Screen,
        variables: dict[str, str],
        *,
        find_window: WindowFinder,
    ) -> None:
        self.scenario, self.scenario_dir = scenario, scenario_path.parent
        self.ladder, self.screen, self.variables = list(ladder), screen, variables
        self.find_window = find_window
        # Where the ladder reads trees, anchor and template matches are confirmed against the recorded identity.
        self.trees = next((g.source for g in self.ladder if isinstance(g, TreeGrounder)), None)
        self.logs: list[StepLog] = []
        self._next = 0

    def plan(self, task: str, frame: Frame, history: Sequence[StepFeedback]) -> Plan:
        if self._next >= len(self.scenario.steps):
            return Plan(actions=(Done(success=True),), thought="every step was performed")
        index, step = self._next, self.scenario.steps[self._next]
        self._next += 1
        started = time.monotonic()
        log = StepLog(index=index, step=step, before=frame)
        self.logs.append(log)
        points = []
        for target in (step.target, step.to_target):
            if target is not None:
                resolution = self._resolve(target, frame)
                log.resolutions.append(resolution)  # kept for the report even when it failed
                point = resolution.result.point
                if point is None:
                    rungs = "; ".join(f"{r.rung}: {r.reason or 'no match'}" for r in resolution.tried)
                    raise GroundingFailed(
                        f"step {index + 1} ({step.describe()}): no confident match for "
                        f"'{target.description}' [{rungs or 'no grounders configured'}]; "
                        "nothing was done for this step",
                        index,
                        log.grounding(),
                    )
                points.append((point.x, point.y))
        log.elapsed_ms = (time.monotonic() - started) * 1000
        action = step.resolve(points[0] if points else None, points[1] if len(points) > 1 else None, self.variables)
        rungs = ", ".join(f"{r.result.rung} ({r.result.reason or 'confident'})" for r in log.resolutions)
        thought = f"step {index + 1}: {step.describe()}" + (f"; found by {rungs}" if rungs else "")
        grounding = log.grounding() or None
        checks = tuple(_filled(check, self.variables) for check in step.checks)
        return Plan(actions=(action,), thought=thought, grounding=grounding, checks=checks)

    # -- grounding -------------------------------------------------------------------------------
    def _resolve(self, target: Target, frame: Frame) -> Resolution:
        """Climb the ladder; the last result is the confident one, or the last refusal."""
        query, window = self._query(target)
        tried: list[GroundingResult] = []
        for grounder in self.ladder:
            result = grounder.ground(query, frame)
            if result.rung == "ocr" and result.point is not None and target.label_offset is not None:
                # OCR finds the label; the target sits at a recorded offset from it (a field beside its label),
                # further away by the zoom the window's size says.
                dx, dy = (round(v * (query.scale or 1.0)) for v in target.label_offset)
                moved = ScreenPoint(result.point.x + dx, result.point.y + dy)
                if not frame.profile.contains(moved):
                    result = replace(result, point=None, reason=f"label found, but {target.label_offset} off-screen")
                else:
                    result = replace(result, point=moved)
            if not result.by_identity and self.trees is not None:
                # Whatever found it (its looks, the recorded label, the model), the element acted on must be the
                # recorded one where the tree knows both: a label is the recorder's guess, the identity is not.
                result = confirm(result, target.identity, self.trees, frame, window)
            tried.append(result)
            if result.confident or result.refused:  # refused: the tree knows it is disabled; none below may click it
                break
        if not tried:
            tried.append(GroundingResult("none", None, reason="no grounders configured"))
        return Resolution(target, tried, window)

    def _query(self, target: Target) -> tuple[GroundingQuery, WindowInfo | None]:
        anchor = target.anchor
        if anchor is None:
            offset = target.label_offset is not None
            query = GroundingQuery(target.description, target.label, offset=offset, identity=target.identity)
            return query, None
        window = self.find_window(anchor.window_title) if anchor.window_title else None
        expected, scale = ScreenPoint(*anchor.screen_point), None
        if window is not None and anchor.window_point is not None:
            # Window-relative: a moved window moves its targets with it, and a window that grew by one
            # factor both ways (a zoomed Chromium app, another device scale) grew its contents with it.
            scale = window_scale(anchor.window_size, (window.width, window.height))
            wx, wy = (round(v * (scale or 1.0)) for v in anchor.window_point)
            expected = ScreenPoint(window.left + wx, window.top + wy)
        template = self.scenario_dir / anchor.template if anchor.template else None
        query = GroundingQuery(
            description=target.description,
            label=target.label,
            template=template,
            template_point=anchor.template_point,
            expected=expected,
            window=window,
            scale=scale,
            offset=target.label_offset is not None,  # the label is beside the target: the tree leaves it to OCR
            identity=target.identity,
        )
        return query, window


def window_scale(recorded: tuple[int, int] | None, now: tuple[int, int], tolerance: float = 0.03) -> float | None:
    """The zoom a window's size change says, when it grew or shrank by one factor both ways (within
    ``tolerance``) and by more than rounding; None otherwise (unchanged, or resized by hand)."""
    if recorded is None or min(recorded) <= 0 or min(now) <= 0:
        return None
    ratio_w, ratio_h = now[0] / recorded[0], now[1] / recorded[1]
    ratio = (ratio_w + ratio_h) / 2
    if abs(ratio_w - ratio_h) > tolerance * ratio or abs(ratio - 1.0) <= 0.02 or not 0.5 <= ratio <= 2.0:
        return None
    return ratio


def _filled(check: Expectation, variables: dict[str, str]) -> Expectation:
    """A check with ``{{var:NAME}}`` filled in its text (or the value it expects of an element)."""
    for name in ("text", "no_text", "value"):
        value = getattr(check, name, None)
        if isinstance(value, str):
            return check.model_copy(update={name: substitute(value, variables)})
    return check
