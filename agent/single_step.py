"""One run directory for many calls: each call of the scripting API is one step of the same run.

``Agent.run`` starts, numbers and closes a run directory; a script makes many short runs (one action
each) that must read as one. ``SharedRun`` is a ``RunDirectory`` that starts once, numbers steps on
across calls, keeps frame names apart, and closes only at ``finish``. ``run_single_action`` drives the
real ``Agent`` (plan, act, settle, verify, record: nothing rewritten) with a one-action
``TargetingPlanner``, and turns how it ended back into the typed error that ended it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from actions.errors import DeskpilotError, ExpectationFailed, PolicyError, StopRequested, TargetNotFound
from actions.executor import Executor
from actions.frame import Frame, Screen
from actions.models import Action
from actions.stopping import StopEvent
from actions.windows import WindowSource
from agent.guard import ActionGuard
from agent.loop import Agent, Budgets, RunResult
from agent.report.frames import FrameStore
from agent.run_dir import RunDirectory, RunInfo, RunSummary, StepRecord
from agent.settle import SettleConfig
from planners.base import Planner
from planners.targeting import TargetingPlanner, TargetResolver
from planners.verdicts import Verdict

# The loop itself ends a scripted run at a failed step (and at a no_change one unless on_no_change is
# "continue"); this is the last word should a step end as failed while the run still succeeded.
_FAILED_VERDICTS = frozenset({"failed"})


class SharedRun(RunDirectory):
    """A run directory several ``Agent.run`` calls write into, as one run."""

    def __init__(self, run_dir: str | Path) -> None:
        self.frames = FrameStore(Path(run_dir))  # the report's, embedded as the calls go on
        super().__init__(run_dir, on_frame=self.frames.add)
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

    def append_step(self, record: StepRecord) -> None:
        record = record.model_copy(update={"index": len(self.steps) + 1})
        self.steps.append(record)
        super().append_step(record)

    def write_summary(self, summary: RunSummary) -> None:
        """Each call's own summary is not the run's: ``finish`` writes that one."""
        if not self._started:
            super().write_summary(summary)

    def close(self) -> None:
        self.flush()  # the frames of this call are on disk; the directory stays open for the next

    def finish(self, success: bool, reason: str, answer: str | None = None) -> RunSummary:
        performed = [s for s in self.steps if s.action is not None]
        summary = RunSummary(
            success=success, reason=reason, answer=answer, steps=len(self.steps),
            actions_performed=sum(s.tries for s in performed), retries=sum(s.tries - 1 for s in performed),
            no_change_steps=sum(1 for s in self.steps if s.verdict is Verdict.NO_CHANGE),
            invalid_answers=sum(1 for s in self.steps if s.verdict is Verdict.INVALID),
            started_s=self.started_s, finished_s=time.time(), duration_s=time.monotonic() - self.started_mono,
        )  # fmt: skip
        RunDirectory.write_summary(self, summary)
        RunDirectory.close(self)
        return summary

    def note(self, frame: Frame, what: str, note: str, *, failed: bool = False, elapsed_ms: float = 0.0) -> None:
        """A step that looked and did not act (``wait_for``, ``sees``, ``read_text``, ``ask``)."""
        self.begin_call()
        name = self.save_frame(frame, "look")
        before = self.steps[-1].after if self.steps else None
        verdict = Verdict.FAILED if failed else Verdict.NOT_CHECKED
        record = StepRecord(index=0, action=None, verdict=verdict, tries=0, before=before, after=name, thought=what,
                            note=note, error=note if failed else None)  # fmt: skip
        record.timings.total_ms = elapsed_ms
        self.append_step(record)


class _RecordingGuard:
    """Passes checks through to the policy, keeping the typed refusal the loop turns into a reason."""

    def __init__(self, guard: ActionGuard) -> None:
        self.guard = guard
        self.error: PolicyError | None = None

    def check(self, action: Action, frame: Frame) -> bool:
        try:
            return self.guard.check(action, frame)
        except PolicyError as exc:
            self.error = exc
            raise


@dataclass
class StepParts:
    """What every step of a script shares: the desktop, the records, the policy, the stop."""

    executor: Executor
    screen: Screen
    run: SharedRun
    resolver: TargetResolver
    stop: StopEvent
    guard: ActionGuard | None = None
    settle_config: SettleConfig | None = None
    windows: WindowSource | None = None  # an action's change is judged in its own window
    on_no_change: Literal["stop", "continue"] = "stop"  # as `deskpilot run --on-no-change`


def run_single_action(parts: StepParts, action: Action, what: str, *, check_verdict: bool = True) -> StepRecord:
    """Perform ``action`` as one step of the shared run; raise the typed error if it did not pass."""
    planner = TargetingPlanner([action], parts.resolver)
    result = run_planner(parts, planner, what, max_steps=2)
    if planner.error is not None:  # nothing was performed: the report still shows the step and why
        parts.run.note(parts.screen.capture(), what, str(planner.error), failed=True)
        raise planner.error
    step = result.steps[-1] if result.steps else None
    if check_verdict and step is not None and step.verdict.value in _FAILED_VERDICTS:
        raise ExpectationFailed(f"{what}: {step.verdict.value}: {step.note or step.error or 'no visible effect'}")
    if step is None:
        raise DeskpilotError(f"{what}: nothing was performed ({result.reason})")
    return step


def run_planner(parts: StepParts, planner: Planner, task: str, max_steps: int, max_seconds: float = 900.0) -> RunResult:
    """The real loop over ``planner``, into the shared run; a refusal or a stop comes back typed."""
    guard = _RecordingGuard(parts.guard) if parts.guard is not None else None
    parts.run.begin_call()
    agent = Agent(
        planner, parts.executor, parts.screen, run_dir=parts.run, settle_config=parts.settle_config, guard=guard,
        stop=parts.stop, budgets=Budgets(max_steps=max_steps, max_seconds=max_seconds), windows=parts.windows,
        on_no_change=parts.on_no_change,
    )  # fmt: skip
    result = agent.run(task)
    if guard is not None and guard.error is not None:
        raise guard.error
    if result.stopped_by is not None:
        raise StopRequested(result.reason)
    if not result.success and not isinstance(getattr(planner, "error", None), TargetNotFound):
        raise ExpectationFailed(f"{task}: {result.reason}")
    return result
