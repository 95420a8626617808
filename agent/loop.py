"""The observe-plan-act loop: observe, plan, ready, act, settle, verify, recover.

Faults are split by whose they are (see actions.errors): a model's unusable answer is recorded, fed
back and retried, bounded; a desktop or input failure ends the run with its message as the reason,
but typed text that did not arrive is a failed step (agent.undelivered). A target not found ends the
run too, recorded. Either way every finished step is already on disk.

Nothing is performed twice on its own: a ``failed`` or ``no_change`` step is recorded once. A planner
that can change course (a model) is told and decides; one that cannot (``follows_feedback = False``:
a script, a replay) ends the run there, naming the step (no_change: unless ``on_no_change="continue"``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from actions.errors import DeskpilotError, ModelOutputError, PolicyError, TargetNotFound
from actions.executor import Executor
from actions.frame import Frame, Screen
from actions.models import Action, Done
from actions.stopping import StopCause, StopEvent
from actions.windows import WindowSource
from agent.expect import ExpectationJudge, describe_expectation
from agent.guard import ActionGuard
from agent.motion import MotionMask, Watch, region_for
from agent.run_dir import RunDirectory, RunInfo, RunSummary, Seen, StepRecord, StepTimings
from agent.settle import SettleConfig, SettleResult, ready, settle
from agent.undelivered import perform_once, text_strategy, undelivered_verdict
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
    motion: MotionMask = field(default_factory=MotionMask)  # pixels that move on their own, learned as we go
    quiet_since_s: float | None = None  # when the screen last changed (in a region that counted), if known


_REFUSED, _NOT_FOUND = "refused by the policy", "the target was not found"  # + "; nothing was performed"
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
        windows: WindowSource | None = None,
        on_no_change: Literal["stop", "continue"] = "stop",
    ) -> None:
        self.planner, self.executor, self.screen = planner, executor, screen
        self.records = run_dir  # where every step is written as it happens (None: kept in memory only)
        self.settle_config = settle_config or SettleConfig()
        self.budgets = budgets or Budgets()
        self.on_step = on_step
        self.guard = guard  # refuses actions a policy forbids, before they run
        # Set by the stop hotkey or a signal (or anything else): the run ends at the next check.
        self.stop = stop if stop is not None else StopEvent()
        # A dry run's executor performs nothing (RecordingExecutor): no verdict, said so everywhere.
        self.dry_run = dry_run
        # Where the windows are: an action's change counts in its own window (None: the whole screen).
        self.windows = windows
        self.judge = ExpectationJudge(screen, windows)
        # A planner that cannot change course stops at a no_change step unless told to go on.
        self.on_no_change = on_no_change
        self.follows_feedback = bool(getattr(planner, "follows_feedback", True))

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
        except TargetNotFound as exc:  # nothing was performed; the step says what every rung saw, then it ends
            ms = (time.monotonic() - plan_start) * 1000
            self._record_unperformed(state, frame, None, Verdict.FAILED, str(exc), _NOT_FOUND, None, ms, exc.grounding)
            raise
        state.invalid_in_a_row = 0
        plan_ms = (time.monotonic() - plan_start) * 1000.0
        for position, action in enumerate(plan.actions):
            if isinstance(action, Done):
                reason = "done" if action.success else "the planner gave up"
                raise _RunEnded(action.success, reason, action.answer)
            self._check_budgets(state)
            first = position == 0
            if self.guard is not None:
                try:
                    self.guard.check(action, frame)
                except PolicyError as exc:  # ends the run: nothing on the screen can widen the policy
                    shown, ms = (plan, plan_ms) if first else (None, 0.0)
                    self._record_unperformed(state, frame, action, Verdict.REFUSED, str(exc), _REFUSED, shown, ms)
                    raise
            frame = self._act(action, frame, state, plan if first else None, plan_ms if first else 0.0)
        return frame

    def _act(self, action: Action, before: Frame, state: _RunState, plan: Plan | None, plan_ms: float) -> Frame:
        """Wait until the target is ready, perform the action once, settle, judge its expectation,
        record. ``plan`` is given for the first action of a plan only, so its thought is recorded once."""
        expectation = "none" if self.dry_run else action.expectation
        timings = StepTimings(plan_ms=plan_ms)
        region, known = region_for(action, before.profile, None if self.dry_run else self.windows)
        watch = Watch(state.motion, region, self.windows, known, before.profile)
        ready_result = ready(self.screen, before, watch, self.settle_config, self.stop, state.quiet_since_s)
        timings.ready_ms = ready_result.waited_ms
        act_start = time.monotonic()
        undelivered = perform_once(self.executor, action)  # a paste nobody took: a failed step, performed once
        watch.acted()
        timings.act_ms = (time.monotonic() - act_start) * 1000.0
        result = settle(self.screen, ready_result.frame, expectation == "change" and undelivered is None,
                        self.settle_config, cancel=self.stop, watch=watch)  # fmt: skip
        timings.settle_ms = result.waited_ms
        state.quiet_since_s = result.last_change_s if result.settled else None
        verify_start = time.monotonic()
        after, verdict, seen = (self._judge(expectation, result, watch) if undelivered is None
                                else undelivered_verdict(undelivered, result.frame, watch))  # fmt: skip
        note = {
            Verdict.NO_CHANGE: "no visible change where it acted (performed once, not repeated)",
            Verdict.UNSETTLED: f"the screen was still changing after {self.settle_config.timeout_s:g} s",
            Verdict.FAILED: seen.detail if seen else "",
        }.get(verdict, "dry run: not performed" if self.dry_run else "")
        if self.stop.is_set():
            note = "the run was stopped before the screen settled"  # not a slow app: the stop cut the wait
        timings.verify_ms = (time.monotonic() - verify_start) * 1000.0
        index = len(state.steps) + 1
        after_name = self._save(after, f"step-{index:04d}")
        if seen is not None and seen.region not in (None, (0, 0, *after.size)) and self.records:
            seen = seen.model_copy(update={"crop": self._save(_crop(after, seen.region), f"step-{index:04d}-seen")})
        timings.total_ms = sum(
            (timings.plan_ms, timings.ready_ms, timings.act_ms, timings.settle_ms, timings.verify_ms)
        )
        record = StepRecord(
            index=index,
            action=action,
            verdict=verdict,
            tries=1,
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
            text_strategy=text_strategy(self.executor, action, undelivered),
            expect=expectation,
            region=region.bbox,
            seen=seen,
            timings=timings,
        )
        state.last_frame_file = after_name
        self._append(state, record)
        self._stop_if_scripted(record)
        self._check_stall(state, action, verdict)
        return after

    def _judge(self, expectation: object, result: SettleResult, watch: Watch) -> tuple[Frame, Verdict, Seen | None]:
        """The verdict on a settled action, and the evidence when it is not a plain success."""
        if expectation == "none":
            return result.frame, Verdict.NOT_CHECKED, None
        if expectation == "change":
            region = watch.region.bbox or (0, 0, *result.frame.size)
            seen = Seen(expected=describe_expectation("change"), detail="", region=region,
                        region_windows=list(watch.region.windows))  # fmt: skip
            if not result.settled:
                detail = f"still changing after {self.settle_config.timeout_s:g} s at {result.change.bbox}"
                return result.frame, Verdict.UNSETTLED, seen.model_copy(update={"detail": detail})
            if result.change.significant:
                return result.frame, Verdict.CHANGED, None
            elsewhere = "" if watch.mask.pixels == 0 else f"; {watch.mask.pixels} px that move on their own ignored"
            return (
                result.frame,
                Verdict.NO_CHANGE,
                seen.model_copy(update={"detail": f"nothing changed there{elsewhere}"}),
            )
        judgement = self.judge.judge(expectation, result.frame, cancel=self.stop)  # type: ignore[arg-type]
        if judgement.met:
            return judgement.frame, Verdict.MET, None
        return judgement.frame, Verdict.FAILED, judgement.seen

    def _stop_if_scripted(self, record: StepRecord) -> None:
        """A script or a replay cannot change course: it ends at a failed step (and a no_change one)."""
        if self.follows_feedback or record.action is None:
            return
        what = f"step {record.index} ({record.action.describe()})"
        if record.verdict is Verdict.FAILED:
            seen = record.seen
            raise _RunEnded(False, f"{what} failed: expected {seen.expected if seen else record.expect}; "
                                   f"{record.note}")  # fmt: skip
        if record.verdict is Verdict.NO_CHANGE and self.on_no_change == "stop":
            raise _RunEnded(
                False,
                f"{what} changed nothing where it acted; if its effect is not visible, give the action "
                '"expect": "none" (or run with --on-no-change continue)',
            )

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

    def _record_unperformed(
        self, state: _RunState, frame: Frame, action: Action | None, verdict: Verdict, error: str, note: str,
        plan: Plan | None, plan_ms: float, grounding: list[dict[str, Any]] | None = None,
    ) -> None:  # fmt: skip
        """A step that ended before anything was performed (refused by the policy, or its target not found);
        ``note`` says why, "; nothing was performed" is added. Its after frame is the screen it was decided on."""
        index, before = len(state.steps) + 1, state.last_frame_file
        state.last_frame_file = self._save(frame, f"step-{index:04d}")
        record = StepRecord(
            index=index, action=action, verdict=verdict, tries=0, before=before, after=state.last_frame_file,
            thought=plan.thought if plan else None, raw_answer=plan.raw if plan else None, error=error,
            note=f"{note}; nothing was performed", grounding=grounding or (plan.grounding if plan else None),
            timings=StepTimings(plan_ms=plan_ms, total_ms=plan_ms),
        )  # fmt: skip
        self._append(state, record)

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
            raise _RunEnded(False, f"stalled: {action.describe()} changed nothing {state.stall_count} times in a row")

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
        performed = [s for s in state.steps if s.action is not None and s.tries > 0]
        overhead = [s.timings.ready_ms + s.timings.settle_ms + s.timings.verify_ms for s in performed]
        summary = RunSummary(
            success=outcome.success,
            reason=f"dry run: {outcome.reason}" if self.dry_run else outcome.reason,
            answer=outcome.answer,
            steps=len(state.steps),
            actions_performed=0 if self.dry_run else sum(s.tries for s in performed),
            retries=0,  # nothing is performed twice on its own (kept for readers of older summaries)
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


def _crop(frame: Frame, box: tuple[int, int, int, int]) -> Frame:
    left, top, right, bottom = box
    data = np.ascontiguousarray(frame.data[top:bottom, left:right])
    return Frame(data, frame.profile, frame.monotonic_s, frame.wall_time_s, frame.order)
