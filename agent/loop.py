"""The observe-plan-act loop: observe, plan, ready, act, settle, verify, recover.

Faults are split by whose they are (see actions.errors): a model's unusable answer is recorded, fed
back and asked again, bounded; a desktop, input or backend failure ends the run with its typed error.
Text that did not arrive is a failed step (agent.undelivered); a target not found or an action the
policy refused is a step on record that ends the run. Either way every finished step is already on disk,
and ``RunResult.end`` says how it ended, typed (agent.outcome).

Nothing is performed twice on its own. Every step is carried out and judged once (agent.step_runner),
by the judge of its expectation (agent.verify), where it acted. A planner that can change course (a
model) is told and decides; one that cannot (``follows_feedback = False``: a script, a replay) ends the
run at the first step that did not pass: failed, no_place, and (unless ``on_no_change="continue"``)
no_change and unsettled.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from actions.errors import (
    DeskpilotError,
    ModelOutputError,
    PolicyError,
    StepFailed,
    StopRequested,
    TargetNotFound,
)
from actions.executor import Executor
from actions.frame import Frame, Screen
from actions.models import Action, Done
from actions.stopping import StopCause, StopEvent
from actions.windows import WindowSource
from agent.guard import ActionGuard
from agent.outcome import EndCause, RunEnd, RunResult, did_not_pass, end_for_error, summarize
from agent.run_dir import RunDirectory, RunInfo, StepRecord
from agent.secret_mask import SecretMask
from agent.settle import SettleConfig
from agent.step_book import StepBook
from agent.step_runner import StepMemory, StepRunner
from agent.verify import VerifyTools
from planners.base import Planner
from planners.grounding.tree import TreeSource
from planners.targeting import TargetResolver
from planners.verdicts import Verdict


class Budgets(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_steps: int = Field(default=50, ge=1, le=100_000)
    max_seconds: float = Field(default=900.0, gt=0)
    stall_repeats: int = Field(default=3, ge=2, description="same action, unchanged screen, this often")
    max_invalid_answers: int = Field(default=3, ge=1, description="consecutive unusable planner answers")


class _RunEnded(Exception):
    def __init__(self, end: RunEnd) -> None:
        super().__init__(end.reason)
        self.end = end


@dataclass
class _RunState:
    started_mono: float
    invalid_in_a_row: int = 0
    stall_count: int = 0
    last_action: Action | None = None
    memory: StepMemory = field(default_factory=StepMemory)  # what each step leaves the next


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
        finder: TargetResolver | None = None,
        trees: TreeSource | None = None,
    ) -> None:
        """``finder``: what finds the targets of ``near`` scopes (default: the planner's own resolver).
        ``trees``: where password fields are read (default: the finder's or the planner's tree source)."""
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
        # Where the windows are: an action's effect is judged in its own window. Without a source,
        # only pointer actions have a place (the box at the pointer); keys and text are "no_place".
        self.windows = windows
        self.tools = VerifyTools(windows, finder=finder or getattr(planner, "resolver", None))
        # A planner that cannot change course stops at a step that did not pass, unless told to go on.
        self.on_no_change = on_no_change
        self.follows_feedback = bool(getattr(planner, "follows_feedback", True))
        # Secrets stay off the pixels: masked in what is saved and what the planner sees, not in what is judged.
        self.mask = getattr(run_dir, "mask", None) or SecretMask()
        self.trees = trees or self.tools.trees or getattr(planner, "trees", None)
        self.step = StepRunner(
            executor, screen, self.settle_config, self.stop, windows, self.tools, self.mask, self.trees, dry_run
        )

    # -- the loop ------------------------------------------------------------------------
    def run(self, task: str) -> RunResult:
        state = _RunState(started_mono=time.monotonic())
        book = StepBook(self.records, self.on_step, self.mask)
        started_s = time.time()
        if self.records:
            planner, profile = type(self.planner).__name__, self.screen.profile
            info = RunInfo(task=task, planner=planner, profile=profile, started_s=started_s, dry_run=self.dry_run)
            self.records.start(info)
        opened = self._window_ids()
        end = RunEnd(EndCause.UNFINISHED, "the run did not finish")
        try:
            frame = book.observe(self.screen.capture(), "step-0000")
            while True:
                self._check_budgets(state, book)
                frame = self._plan_and_act(task, frame, state, book)
        except _RunEnded as ended:
            end = ended.end
        except KeyboardInterrupt:  # Ctrl+C where nobody installed a SIGINT handler (the Python API)
            self.stop.stop("interrupted by the user (Ctrl+C)", StopCause.SIGINT)
            end = RunEnd(EndCause.STOPPED, self.stop.reason or "interrupted", StopRequested(self.stop.reason or ""))
        except DeskpilotError as exc:
            end = end_for_error(exc)
            self._release_input()
        except BaseException as exc:
            end = RunEnd(EndCause.UNFINISHED, f"internal error: {type(exc).__name__}: {exc}")
            self._finish(book, state, end, started_s, opened)
            raise
        if self.stop.is_set():
            self._release_input()  # a held button or key must not outlive a stopped run
        return self._finish(book, state, self._proven(end, book), started_s, opened)

    def _plan_and_act(self, task: str, frame: Frame, state: _RunState, book: StepBook) -> Frame:
        plan_start = time.monotonic()
        try:
            with self.stop.interruptible():
                plan = self.planner.plan(task, self.mask.apply(frame), book.history)  # the stop may cut this short
        except ModelOutputError as exc:
            self._record_invalid(state, book, exc, plan_start)
            return frame
        except TargetNotFound as exc:  # nothing was performed; the step says what every rung saw, then it ends
            ms = (time.monotonic() - plan_start) * 1000
            book.unperformed(frame, None, Verdict.FAILED, str(exc), "the target was not found", None, ms, exc.grounding)
            raise
        state.invalid_in_a_row = 0
        plan_ms = (time.monotonic() - plan_start) * 1000.0
        for position, action in enumerate(plan.actions):
            if isinstance(action, Done):
                cause, what = (EndCause.DONE, "done") if action.success else (EndCause.GAVE_UP, "the planner gave up")
                raise _RunEnded(RunEnd(cause, what, answer=action.answer))
            self._check_budgets(state, book)
            # The plan (its thought) and its time go with its first action's record only; its checks with its last.
            shown, ms = (plan, plan_ms) if position == 0 else (None, 0.0)
            checks = plan.checks if position == len(plan.actions) - 1 else ()
            if self.guard is not None:
                try:
                    self.guard.check(action, frame)
                except PolicyError as exc:  # ends the run: nothing on the screen can widen the policy
                    book.unperformed(frame, action, Verdict.REFUSED, str(exc), "refused by the policy", shown, ms)
                    raise
            record, frame = self.step.run(action, frame, state.memory, book, shown, ms, checks)
            self._stop_if_scripted(record)
            self._check_stall(state, action, record.verdict)
        return frame

    def _stop_if_scripted(self, record: StepRecord) -> None:
        """A script or a replay cannot change course: it ends at the first step that did not pass."""
        if self.follows_feedback or record.action is None or record.verdict.passed or self.stop.is_set():
            return  # (a stop cut the step's wait short: the run ends as stopped, at the next check)
        if record.verdict in (Verdict.NO_CHANGE, Verdict.UNSETTLED) and self.on_no_change == "continue":
            return
        message = did_not_pass(record)
        raise _RunEnded(
            RunEnd(EndCause.STEP_DID_NOT_PASS, message, StepFailed(message, record.index, record.verdict.value))
        )

    def _proven(self, end: RunEnd, book: StepBook) -> RunEnd:
        """A run says "done" only when its steps prove it: a script's every performed step passed, a model's
        last one did (it may have recovered from earlier ones)."""
        if end.cause is not EndCause.DONE or self.dry_run:
            return end
        performed = [s for s in book.steps if s.action is not None and s.performed]
        judged = performed if not self.follows_feedback else performed[-1:]
        unproven = next((s for s in judged if not s.verdict.passed), None)
        if unproven is None or unproven.action is None:
            return end
        said = "the planner said done" if self.follows_feedback else "every action was performed"
        message = (
            f"{said}, but step {unproven.index} ({unproven.action.describe()}) was "
            f"{unproven.verdict.value}: {unproven.note or 'its effect was not shown'}"
        )
        return RunEnd(
            EndCause.STEP_DID_NOT_PASS, message, StepFailed(message, unproven.index, unproven.verdict.value), end.answer
        )

    # -- recovery and budgets ------------------------------------------------------------
    def _record_invalid(self, state: _RunState, book: StepBook, exc: ModelOutputError, plan_start: float) -> None:
        state.invalid_in_a_row += 1
        book.invalid(str(exc), exc.raw, (time.monotonic() - plan_start) * 1000.0)
        if state.invalid_in_a_row >= self.budgets.max_invalid_answers:
            message = f"the planner gave {state.invalid_in_a_row} unusable answers in a row; last: {exc}"
            raise _RunEnded(RunEnd(EndCause.INVALID_ANSWERS, message, exc))

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
            message = f"stalled: {action.describe()} changed nothing {state.stall_count} times in a row"
            raise _RunEnded(RunEnd(EndCause.STALLED, message))

    def _check_budgets(self, state: _RunState, book: StepBook) -> None:
        if self.stop.is_set():
            reason = self.stop.reason or "stopped"
            raise _RunEnded(RunEnd(EndCause.STOPPED, reason, StopRequested(reason)))
        if len(book.steps) >= self.budgets.max_steps:
            raise _RunEnded(RunEnd(EndCause.STEP_BUDGET, f"step budget used up ({self.budgets.max_steps} steps)"))
        if time.monotonic() - state.started_mono >= self.budgets.max_seconds:
            raise _RunEnded(RunEnd(EndCause.TIME_BUDGET, f"time budget used up ({self.budgets.max_seconds:g} s)"))

    # -- the end -----------------------------------------------------------------------------
    def _window_ids(self) -> set[int]:
        if self.windows is None:
            return set()
        with contextlib.suppress(Exception):
            return {w.window_id for w in self.windows.list_windows()}
        return set()

    def _left_open(self, opened: set[int]) -> list[str]:
        """Windows that appeared during the run and are still open (an "overwrite?" dialog left behind)."""
        if self.windows is None:
            return []
        with contextlib.suppress(Exception):
            return [w.name for w in self.windows.list_windows() if w.viewable and w.window_id not in opened]
        return []

    def _finish(self, book: StepBook, state: _RunState, end: RunEnd, started_s: float, opened: set[int]) -> RunResult:
        left_open = self._left_open(opened)
        summary = summarize(
            book.steps,
            end,
            started_s=started_s,
            duration_s=time.monotonic() - state.started_mono,
            finished_s=time.time(),
            dry_run=self.dry_run,
            left_open=left_open,
        )
        run_dir = None
        if self.records:
            self.records.write_summary(summary)
            self.records.close()
            run_dir = str(self.records.run_dir)
        stopped_by = self.stop.cause if self.stop.is_set() else None
        return RunResult(end, book.steps, run_dir, summary, stopped_by, left_open)
