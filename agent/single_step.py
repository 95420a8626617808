"""One run directory for many calls: each call of the scripting API is one step of the same run.

``Agent.run`` starts, numbers and closes a run directory; a script makes many short runs (one action
each) that must read as one. ``SharedRun`` is a ``RunDirectory`` that starts once, numbers steps on
across calls, keeps frame names apart, and closes only at ``finish``. ``run_single_action`` drives the
real loop (plan, act, settle, verify, record: nothing rewritten) with a one-action ``TargetingPlanner``
and raises the typed error that ended it, as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from actions.errors import DeskpilotError, ExpectationFailed
from actions.executor import Executor
from actions.frame import Frame, Screen
from actions.models import Action
from actions.stopping import StopEvent
from actions.windows import WindowSource
from agent.guard import ActionGuard
from agent.loop import Budgets
from agent.outcome import EndCause, RunEnd, RunResult, end_for_error, summarize
from agent.run_dir import RunDirectory, RunInfo, RunSummary, StepRecord
from agent.run_setup import RunOptions, RunOutput, run_agent
from agent.settle import SettleConfig
from planners.base import Planner
from planners.targeting import TargetingPlanner, TargetResolver
from planners.verdicts import Verdict


class SharedRun(RunDirectory):
    """A run directory several ``Agent.run`` calls write into, as one run."""

    def __init__(self, run_dir: str | Path, on_frame: Callable[[str, Any, bytes], None] | None = None) -> None:
        super().__init__(run_dir, on_frame=on_frame)
        self.steps: list[StepRecord] = []
        self.started_s = time.time()
        self.started_mono = time.monotonic()
        self._started = False
        self._call = 0

    def begin_call(self) -> None:
        self._call += 1

    def start(self, info: RunInfo) -> None:
        if not self._started:  # the first call's info describes the run; later calls add steps only
            self._started = True
            super().start(info.model_copy(update={"started_s": self.started_s}))

    def save_frame(self, frame: Frame, name: str) -> str:
        return super().save_frame(frame, f"call-{self._call:04d}-{name}")

    def append_step(self, record: StepRecord) -> StepRecord:
        record = record.model_copy(update={"index": len(self.steps) + 1})
        self.steps.append(record)
        return super().append_step(record)

    def write_summary(self, summary: RunSummary) -> None:
        """Each call's own summary is not the run's: ``finish`` writes that one."""
        if not self._started:
            super().write_summary(summary)

    def close(self) -> None:
        self.flush()  # the frames of this call are on disk; the directory stays open for the next

    def finish(self, end: RunEnd) -> RunSummary:
        summary = summarize(
            self.steps,
            end,
            started_s=self.started_s,
            finished_s=time.time(),
            duration_s=time.monotonic() - self.started_mono,
        )
        RunDirectory.write_summary(self, summary)
        RunDirectory.close(self)
        return summary

    def note(self, frame: Frame, what: str, note: str, *, failed: bool = False, elapsed_ms: float = 0.0) -> None:
        """A step that looked and did not act (``wait_for``, ``sees``, ``read_text``, ``ask``)."""
        self.begin_call()
        name = self.save_frame(self.mask.apply(frame), "look")
        before = self.steps[-1].after if self.steps else None
        verdict = Verdict.FAILED if failed else Verdict.NOT_CHECKED
        record = StepRecord(
            index=0,
            action=None,
            verdict=verdict,
            performed=False,
            before=before,
            after=name,
            thought=what,
            note=note,
            error=note if failed else None,
        )
        record.timings.total_ms = elapsed_ms
        self.append_step(record)


def script_end(exc: BaseException | None) -> RunEnd:
    """How a script's run ended: done, or the error that left its ``with`` block."""
    if exc is None:
        return RunEnd(EndCause.DONE, "done")
    if isinstance(exc, DeskpilotError):
        return end_for_error(exc)
    return RunEnd(EndCause.UNFINISHED, f"{type(exc).__name__}: {exc}")


@dataclass
class StepParts:
    """What every step of a script shares: the desktop, the records, the policy, the stop."""

    executor: Executor
    screen: Screen
    output: RunOutput  # its ``directory`` is a SharedRun
    resolver: TargetResolver
    stop: StopEvent
    guard: ActionGuard | None = None
    settle_config: SettleConfig | None = None
    windows: WindowSource | None = None  # an action's change is judged in its own window
    on_no_change: Literal["stop", "continue"] = "stop"  # as `deskpilot run --on-no-change`

    @property
    def run(self) -> SharedRun:
        directory = self.output.directory
        assert isinstance(directory, SharedRun)
        return directory


def run_single_action(parts: StepParts, action: Action, what: str) -> StepRecord:
    """Perform ``action`` as one step of the shared run; raise the typed error if it did not pass."""
    result = run_planner(parts, TargetingPlanner([action], parts.resolver), what, max_steps=2)
    performed = [step for step in result.steps if step.action is not None]
    if not performed:
        raise DeskpilotError(f"{what}: nothing was performed ({result.reason})")
    return performed[-1]


def run_planner(parts: StepParts, planner: Planner, task: str, max_steps: int, max_seconds: float = 900.0) -> RunResult:
    """The real loop over ``planner``, into the shared run; how it ended comes back as its typed error."""
    parts.run.begin_call()
    options = RunOptions(
        settle_config=parts.settle_config,
        budgets=Budgets(max_steps=max_steps, max_seconds=max_seconds),
        guard=parts.guard,
        on_no_change=parts.on_no_change,
        finder=parts.resolver,
    )
    result = run_agent(planner, parts, task, parts.output, options, report=False)
    if result.error is not None:
        raise result.error
    if not result.success:
        raise ExpectationFailed(f"{task}: {result.reason}")
    return result
