"""How a run ended, typed: the cause, the error that ended it (if any), and the reason derived from them.

The loop builds one ``RunEnd``; ``RunResult`` carries it up to whoever called. The command line prints
``reason``; the scripting API raises ``error`` as it is (a ``TargetNotFound`` stays one, with its
rungs): nothing is turned into a string and parsed back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from actions.errors import DeskpilotError, PolicyError, StopRequested, TargetNotFound
from actions.stopping import StopCause
from agent.run_dir import RunSummary, StepRecord
from planners.verdicts import Verdict


class EndCause(str, Enum):
    DONE = "done"  # every step passed and the planner said done (a plan: its last action was performed)
    GAVE_UP = "gave_up"  # the planner said done with success false
    STEP_DID_NOT_PASS = "step_did_not_pass"  # a script's step failed, changed nothing, never settled, had no place
    TARGET_NOT_FOUND = "target_not_found"
    REFUSED = "refused"  # the policy refused an action
    INVALID_ANSWERS = "invalid_answers"  # the planner gave too many unusable answers in a row
    STALLED = "stalled"  # the same action changed nothing several times in a row
    STEP_BUDGET = "step_budget"
    TIME_BUDGET = "time_budget"
    STOPPED = "stopped"  # the stop hotkey or a signal
    ERROR = "error"  # the desktop, the input or the backend failed
    UNFINISHED = "unfinished"  # the run ended without saying how (an internal error)


@dataclass(frozen=True)
class RunEnd:
    cause: EndCause
    detail: str  # one line: what happened, in words
    error: DeskpilotError | None = None
    answer: str | None = None

    @property
    def success(self) -> bool:
        return self.cause is EndCause.DONE

    @property
    def reason(self) -> str:
        return self.detail


_ERROR_CAUSES: tuple[tuple[type[DeskpilotError], EndCause], ...] = (
    (TargetNotFound, EndCause.TARGET_NOT_FOUND), (PolicyError, EndCause.REFUSED), (StopRequested, EndCause.STOPPED),
)  # fmt: skip


def end_for_error(exc: DeskpilotError) -> RunEnd:
    """The end of a run that ``exc`` ended, its cause read from the error's type."""
    cause = next((c for kind, c in _ERROR_CAUSES if isinstance(exc, kind)), EndCause.ERROR)
    return RunEnd(cause, str(exc), exc)


@dataclass
class RunResult:
    """What ``Agent.run`` returns: how it ended, every step, and where the records are."""

    end: RunEnd
    steps: list[StepRecord]
    run_dir: str | None = None
    summary: RunSummary | None = None
    stopped_by: StopCause | None = None  # set when the stop hotkey or a signal ended the run
    left_open: list[str] = field(default_factory=list)  # windows that appeared during the run, still open

    @property
    def success(self) -> bool:
        return self.end.success

    @property
    def reason(self) -> str:
        return self.end.reason

    @property
    def error(self) -> DeskpilotError | None:
        return self.end.error

    @property
    def answer(self) -> str | None:
        return self.end.answer


def summarize(
    steps: list[StepRecord],
    end: RunEnd,
    *,
    started_s: float,
    duration_s: float,
    finished_s: float,
    dry_run: bool = False,
    left_open: list[str] | None = None,
) -> RunSummary:
    """summary.json from the steps and how the run ended: the one place it is computed."""
    performed = [s for s in steps if s.action is not None and s.performed]
    overhead = [s.timings.ready_ms + s.timings.settle_ms + s.timings.verify_ms for s in performed]

    def count(verdict: Verdict) -> int:
        return sum(1 for s in steps if s.verdict is verdict)

    return RunSummary(
        success=end.success,
        cause=end.cause.value,
        reason=f"dry run: {end.reason}" if dry_run else end.reason,
        answer=end.answer,
        steps=len(steps),
        actions_performed=0 if dry_run else len(performed),
        no_change_steps=count(Verdict.NO_CHANGE),
        unsettled_steps=count(Verdict.UNSETTLED),
        failed_steps=count(Verdict.FAILED),
        invalid_answers=count(Verdict.INVALID),
        left_open=left_open or [],
        started_s=started_s,
        finished_s=finished_s,
        duration_s=duration_s,
        mean_overhead_ms=sum(overhead) / len(overhead) if overhead else 0.0,
    )


def did_not_pass(record: StepRecord) -> str:
    """Why a script or a replay ends at ``record``, a step that did not pass, and what to do about it."""
    assert record.action is not None
    what, seen = f"step {record.index} ({record.action.describe()})", record.seen
    if record.verdict is Verdict.NO_CHANGE:
        message = (
            f"{what} changed nothing where it acted; if its effect is not visible, give the action "
            '"expect": "none" (or run with --on-no-change continue)'
        )
    elif record.verdict is Verdict.UNSETTLED:
        where = ", ".join(seen.region_windows) if seen and seen.region_windows else "its region"
        message = (
            f"{what} never settled: {where} never stopped moving, so its effect could not be judged "
            '(give it "expect": "none" or an expectation such as {"text": ...})'
        )
    elif record.verdict is Verdict.NO_PLACE:
        message = f"{what} could not be judged: {record.note}"
    elif record.verdict is Verdict.UNPROVEN:
        message = (
            f"{what} proves nothing: {record.note}; scope its expectation where only the action can "
            "put the text, or clear it first"
        )
    else:
        message = f"{what} failed: expected {seen.expected if seen else record.expect}; {record.note}"
    return message
