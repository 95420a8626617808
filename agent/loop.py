"""The observe-plan-act loop: observe, plan, act, settle, verify, recover.

Faults are split by whose they are (see actions.errors): a model's unusable answer is recorded,
fed back and retried a bounded number of times; a desktop or input failure ends the run with
its message as the reason. Either way every finished step is already on disk.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from actions.errors import DeskpilotError, ModelOutputError
from actions.executor import Executor
from actions.frame import Frame, Screen
from actions.models import CHANGES_SCREEN, Action, Done
from actions.stopping import StopCause, StopEvent
from agent.guard import ActionGuard
from agent.run_dir import RunDirectory, RunInfo, RunSummary, StepRecord, StepTimings
from agent.settle import SettleConfig, SettleResult, settle
from planners.base import Plan, Planner, StepFeedback
from planners.verdicts import Verdict


class Budgets(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_steps: int = Field(default=50, ge=1, le=100_000)
    max_seconds: float = Field(default=900.0, gt=0)
    stall_repeats: int = Field(default=3, ge=2, description="same action, unchanged screen, this often")
    max_invalid_answers: int = Field(default=3, ge=1, description="consecutive unusable planner answers")


@dataclass
class RunResult:
    success: bool
    reason: str
    steps: list[StepRecord]
    answer: str | None = None
    run_dir: str | None = None
    summary: RunSummary | None = None
    stopped_by: StopCause | None = None  # set when the stop hotkey or a signal ended the run


class _RunEnded(Exception):
    def __init__(self, success: bool, reason: str, answer: str | None = None) -> None:
        super().__init__(reason)
        self.success, self.reason, self.answer = success, reason, answer


@dataclass
class _RunState:
    started_mono: float
    steps: list[StepRecord] = field(default_factory=list)
    history: list[StepFeedback] = field(default_factory=list)
    last_frame_file: str | None = None
    invalid_in_a_row: int = 0
    stall_count: int = 0
    last_action: Action | None = None


ProgressFn = Callable[[StepRecord], None]


class Agent:
    """``Agent(planner=..., executor=..., screen=...).run(task)`` returns a ``RunResult``."""

    def __init__(
        self,
        planner: Planner,
        executor: Executor,
        screen: Screen,
        *,
        run_dir: RunDirectory | None = None,
        settle_config: SettleConfig | None = None,
        guard: ActionGuard | None = None,
        stop: StopEvent | None = None,
        budgets: Budgets | None = None,
        on_step: ProgressFn | None = None,
        dry_run: bool = False,
    ) -> None:
        self.planner, self.executor, self.screen = planner, executor, screen
        self.records = run_dir  # where every step is written as it happens (None: kept in memory only)
        self.settle_config = settle_config or SettleConfig()
        self.budgets = budgets or Budgets()
        self.on_step = on_step
        self.guard = guard  # refuses actions a policy forbids, before they run
        # Set by the stop hotkey or a signal (or anything else): the run ends at the next check.
        self.stop = stop if stop is not None else StopEvent()
        # A dry run's executor performs nothing (RecordingExecutor): no retry, no verdict, said so everywhere.
        self.dry_run = dry_run

    # -- the loop ------------------------------------------------------------------------
    def run(self, task: str) -> RunResult:
        state = _RunState(started_mono=time.monotonic())
        started_s = time.time()
        if self.records:
            planner, profile = type(self.planner).__name__, self.screen.profile
            info = RunInfo(task=task, planner=planner, profile=profile, started_s=started_s, dry_run=self.dry_run)
            self.records.start(info)
        outcome = _RunEnded(False, "the run did not finish")
        try:
            frame = self._observe(state, "step-0000")
            while True:
                self._check_budgets(state)
                frame = self._plan_and_act(task, frame, state)
        except _RunEnded as ended:
            outcome = ended
        except KeyboardInterrupt:  # Ctrl+C where nobody installed a SIGINT handler (the Python API)
            self.stop.stop("interrupted by the user (Ctrl+C)", StopCause.SIGINT)
            outcome = _RunEnded(False, self.stop.reason or "interrupted")
        except DeskpilotError as exc:
            outcome = _RunEnded(False, str(exc))
            self._release_input()
        except BaseException as exc:
            outcome = _RunEnded(False, f"internal error: {type(exc).__name__}: {exc}")
            self._finish(state, outcome, started_s)
            raise
        if self.stop.is_set():
            self._release_input()  # a held button or key must not outlive a stopped run
        return self._finish(state, outcome, started_s)

    def _plan_and_act(self, task: str, frame: Frame, state: _RunState) -> Frame:
        plan_start = time.monotonic()
        try:
            with self.stop.interruptible():
                plan = self.planner.plan(task, frame, tuple(state.history))  # the stop may cut this short
        except ModelOutputError as exc:
            self._record_invalid(state, str(exc), exc.raw, plan_start)
            return frame
        state.invalid_in_a_row = 0
        plan_ms = (time.monotonic() - plan_start) * 1000.0
        for position, action in enumerate(plan.actions):
            if isinstance(action, Done):
                reason = "done" if action.success else "the planner gave up"
                raise _RunEnded(action.success, reason, action.answer)
            self._check_budgets(state)
            # A PolicyError ends the run: nothing on the screen can widen the policy.
            may_retry = self.guard.check(action, frame) if self.guard is not None else True
            first = position == 0
            frame = self._act(action, frame, state, plan if first else None, plan_ms if first else 0.0, may_retry)
        return frame

    def _act(
        self, action: Action, before: Frame, state: _RunState, plan: Plan | None, plan_ms: float, may_retry: bool
    ) -> Frame:
        """Perform one action, settle, verify (retrying once if the guard allows), record. ``plan`` is
        given for the first action of a plan only, so its thought and raw answer are recorded once."""
        expect_change = action.kind in CHANGES_SCREEN and not self.dry_run
        timings = StepTimings(plan_ms=plan_ms)
        tries = 0
        result: SettleResult | None = None
        while tries < (2 if may_retry else 1):  # no visible change: tried once more, if allowed
            tries += 1
            act_start = time.monotonic()
            self.executor.perform(action)
            timings.act_ms += (time.monotonic() - act_start) * 1000.0
            result = settle(self.screen, before, expect_change, self.settle_config, cancel=self.stop)
            timings.settle_ms += result.waited_ms
            if not expect_change or result.change.significant:
                break
        assert result is not None
        verify_start = time.monotonic()
        verdict = self._verdict(expect_change, result)
        note = {
            Verdict.NO_CHANGE: f"no visible change after {tries} tries",
            Verdict.UNSETTLED: f"the screen was still changing after {self.settle_config.timeout_s:g} s",
        }.get(verdict, "dry run: not performed" if self.dry_run else "")
        if self.stop.is_set():
            note = "the run was stopped before the screen settled"  # not a slow app: the stop cut the wait
        timings.verify_ms = (time.monotonic() - verify_start) * 1000.0
        after_name = self._save(result.frame, f"step-{len(state.steps) + 1:04d}")
        timings.total_ms = timings.plan_ms + timings.act_ms + timings.settle_ms + timings.verify_ms
        record = StepRecord(
            index=len(state.steps) + 1,
            action=action,
            verdict=verdict,
            tries=tries,
            changed_pixels=result.change.changed_pixels,
            changed_bbox=result.change.bbox,
            before=state.last_frame_file,
            after=after_name,
            thought=plan.thought if plan else None,
            raw_answer=plan.raw if plan else None,
            prompt_tokens=plan.prompt_tokens if plan else None,
            completion_tokens=plan.completion_tokens if plan else None,
            grounding=plan.grounding if plan else None,
            note=note,
            text_strategy=self.executor.last_text_strategy if action.kind == "type" else None,
            timings=timings,
        )
        state.last_frame_file = after_name
        self._append(state, record)
        self._check_stall(state, action, verdict)
        return result.frame

    @staticmethod
    def _verdict(expect_change: bool, result: SettleResult) -> Verdict:
        if not result.settled:
            return Verdict.UNSETTLED
        if not expect_change:
            return Verdict.NOT_CHECKED
        return Verdict.CHANGED if result.change.significant else Verdict.NO_CHANGE

    # -- recovery and budgets ------------------------------------------------------------
    def _record_invalid(self, state: _RunState, error: str, raw: str | None, plan_start: float) -> None:
        state.invalid_in_a_row += 1
        plan_ms = (time.monotonic() - plan_start) * 1000.0
        record = StepRecord(
            index=len(state.steps) + 1,
            action=None,
            verdict=Verdict.INVALID,
            tries=0,
            before=state.last_frame_file,
            raw_answer=raw,
            error=error,
            note="the answer was refused; nothing was performed",
            timings=StepTimings(plan_ms=plan_ms, total_ms=plan_ms),
        )
        self._append(state, record)
        if state.invalid_in_a_row >= self.budgets.max_invalid_answers:
            raise _RunEnded(
                False, f"the planner gave {state.invalid_in_a_row} unusable answers in a row; last: {error}"
            )

    def _release_input(self) -> None:
        """Let go of held buttons and keys, best effort: after a desktop failure the display itself
        may be gone, and that must not hide the reason the run ended."""
        with contextlib.suppress(Exception):
            self.executor.release_all()

    def _check_stall(self, state: _RunState, action: Action, verdict: Verdict) -> None:
        repeated = action == state.last_action and verdict is Verdict.NO_CHANGE
        state.stall_count = state.stall_count + 1 if repeated else (1 if verdict is Verdict.NO_CHANGE else 0)
        state.last_action = action
        if state.stall_count >= self.budgets.stall_repeats:
            raise _RunEnded(
                False,
                f"stalled: {action.describe()} changed nothing {state.stall_count} times in a row",
            )

    def _check_budgets(self, state: _RunState) -> None:
        if self.stop.is_set():
            raise _RunEnded(False, self.stop.reason or "stopped")
        if len(state.steps) >= self.budgets.max_steps:
            raise _RunEnded(False, f"step budget used up ({self.budgets.max_steps} steps)")
        elapsed = time.monotonic() - state.started_mono
        if elapsed >= self.budgets.max_seconds:
            raise _RunEnded(False, f"time budget used up ({self.budgets.max_seconds:g} s)")

    # -- records ---------------------------------------------------------------------------
    def _observe(self, state: _RunState, name: str) -> Frame:
        frame = self.screen.capture()
        state.last_frame_file = self._save(frame, name)
        return frame

    def _save(self, frame: Frame, name: str) -> str | None:
        return self.records.save_frame(frame, name) if self.records else None

    def _append(self, state: _RunState, record: StepRecord) -> None:
        state.steps.append(record)
        state.history.append(
            StepFeedback(
                index=record.index,
                action=record.action,
                verdict=record.verdict.value,
                note=record.error or record.note,
            )
        )
        if self.records:
            self.records.append_step(record)
        if self.on_step:
            self.on_step(record)

    def _finish(self, state: _RunState, outcome: _RunEnded, started_s: float) -> RunResult:
        performed = [s for s in state.steps if s.action is not None]
        overhead = [s.timings.settle_ms + s.timings.verify_ms for s in performed]
        summary = RunSummary(
            success=outcome.success,
            reason=f"dry run: {outcome.reason}" if self.dry_run else outcome.reason,
            answer=outcome.answer,
            steps=len(state.steps),
            actions_performed=0 if self.dry_run else sum(s.tries for s in performed),
            retries=sum(s.tries - 1 for s in performed),
            no_change_steps=sum(1 for s in state.steps if s.verdict is Verdict.NO_CHANGE),
            invalid_answers=sum(1 for s in state.steps if s.verdict is Verdict.INVALID),
            started_s=started_s,
            finished_s=time.time(),
            duration_s=time.monotonic() - state.started_mono,
            mean_overhead_ms=sum(overhead) / len(overhead) if overhead else 0.0,
        )
        run_dir = None
        if self.records:
            self.records.write_summary(summary)
            self.records.close()
            run_dir = str(self.records.run_dir)
        return RunResult(
            success=outcome.success,
            reason=outcome.reason,
            steps=state.steps,
            answer=outcome.answer,
            run_dir=run_dir,
            summary=summary,
            stopped_by=self.stop.cause if self.stop.is_set() else None,
        )
