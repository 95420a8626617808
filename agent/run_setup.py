"""Setting up one run of the loop, the same way for ``deskpilot run``, replays and the scripting API.

``RunOutput`` is a run directory with its report: step records, frames embedded in the report as they
are written (agent.report.frames.FrameStore), and report.html built at the end, also after a crash.
``run_agent`` builds the ``Agent`` on a desktop (anything with a screen, an executor, the windows and
the stop event: ``agent.session.DesktopSession``, the scripting API's parts) and runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from actions.executor import Executor
from actions.frame import Screen
from actions.stopping import StopEvent
from actions.windows import WindowSource
from agent.guard import ActionGuard
from agent.loop import Agent, Budgets, ProgressFn
from agent.outcome import RunResult
from agent.report.frames import FrameStore
from agent.run_dir import RUN_FILE, RunDirectory
from agent.settle import SettleConfig
from planners.base import Planner
from planners.grounding.tree import TreeSource
from planners.targeting import TargetResolver


class DesktopParts(Protocol):
    """What a run acts on and looks at."""

    @property
    def screen(self) -> Screen: ...

    @property
    def executor(self) -> Executor: ...

    @property
    def windows(self) -> WindowSource | None: ...

    @property
    def stop(self) -> StopEvent: ...


@dataclass(frozen=True)
class RunOptions:
    """How the loop runs: the same knobs for every way of starting it."""

    settle_config: SettleConfig | None = None
    budgets: Budgets | None = None
    guard: ActionGuard | None = None
    on_step: ProgressFn | None = None
    dry_run: bool = False
    on_no_change: Literal["stop", "continue"] = "stop"
    finder: TargetResolver | None = None  # finds ``near`` scopes' targets (default: the planner's resolver)
    trees: TreeSource | None = None  # where password fields are read to mask them (default: the finder's)


class RunOutput:
    """A run directory and its report. ``directory`` is given for a run that spans many loops (the
    scripting API's shared run); by default a fresh ``RunDirectory`` writes ``run_dir``."""

    def __init__(self, run_dir: str | Path, directory: type[RunDirectory] = RunDirectory) -> None:
        self.run_dir = Path(run_dir)
        self.frames = FrameStore(self.run_dir)  # the report's frames, embedded while the run goes on
        self.directory = directory(self.run_dir, on_frame=self.frames.add)

    def report(self) -> Path | None:
        """Build report.html from what is on disk and embedded; None when the run never started."""
        if not (self.run_dir / RUN_FILE).exists():
            return None
        from agent.report import build_report

        build_report(self.run_dir, self.frames)
        return self.run_dir / "report.html"


def run_agent(
    planner: Planner,
    desk: DesktopParts,
    task: str,
    output: RunOutput | None,
    options: RunOptions = RunOptions(),
    *,
    report: bool = True,
) -> RunResult:
    """Run the loop once over ``planner``; the report is built whatever happened (a crash included),
    unless ``report=False`` (a shared run builds it once, at its end)."""
    agent = Agent(
        planner,
        desk.executor,
        desk.screen,
        run_dir=output.directory if output else None,
        settle_config=options.settle_config,
        guard=options.guard,
        stop=desk.stop,
        budgets=options.budgets,
        on_step=options.on_step,
        dry_run=options.dry_run,
        windows=desk.windows,
        on_no_change=options.on_no_change,
        finder=options.finder,
        trees=options.trees,
    )
    try:
        return agent.run(task)
    finally:
        if output is not None and report:
            output.report()
