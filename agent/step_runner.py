"""One step of the loop: hover, wait until the target is ready, perform the action once, settle, judge, record.

The loop (agent.loop) decides what comes next: it plans, checks the policy and the budgets, and ends a
scripted run at a step that did not pass. This module is the one way a step is carried out and judged,
whoever planned it.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from actions.errors import ActionError
from actions.executor import Executor
from actions.expectations import Expectation, ExpectChange, ExpectNone
from actions.frame import Frame, Screen
from actions.models import Action, Done, Move, Wait
from actions.stopping import StopEvent
from actions.windows import WindowSource
from agent.motion import MotionMask, Watch, region_for
from agent.run_dir import StepRecord, StepTimings
from agent.secret_mask import SecretMask
from agent.settle import SettleConfig, ready, settle
from agent.step_book import StepBook
from agent.undelivered import perform_once, text_strategy, undelivered_judgement
from agent.verify import StepContext, VerifyTools, judge
from agent.verify.focus import KEYBOARD_KINDS, KeyboardFocus, keyboard_focus
from planners.base import Plan
from planners.grounding.tree import TreeSource
from planners.verdicts import Verdict

_UNSETTLED_KINDS = (Move, Wait, Done)  # actions whose after-screen nothing judges unless told to
# Verdicts whose evidence line says in words what happened (the others have a fixed note).
_DETAIL_IS_THE_NOTE = frozenset(
    {Verdict.UNSETTLED, Verdict.FAILED, Verdict.NO_PLACE, Verdict.MET, Verdict.UNPROVEN, Verdict.FOCUSED}
    | {Verdict.READ_BACK}
)


@dataclass
class StepMemory:
    """What one step leaves the next, within a run."""

    motion: MotionMask = field(default_factory=MotionMask)  # pixels that move on their own, learned as we go
    quiet_since_s: float | None = None  # when the screen last changed (in a region that counted), if known


@dataclass
class StepRunner:
    """Carries out and judges one action (``run``); the agent's parts it needs, given once."""

    executor: Executor
    screen: Screen
    settle_config: SettleConfig
    stop: StopEvent
    windows: WindowSource | None  # None: only pointer actions have a place; keys and text are "no_place"
    tools: VerifyTools
    mask: SecretMask
    trees: TreeSource | None  # where password fields are read
    dry_run: bool  # the executor performs nothing: no verdict, said so everywhere

    def run(
        self,
        action: Action,
        before: Frame,
        memory: StepMemory,
        book: StepBook,
        plan: Plan | None,
        plan_ms: float,
        checks: tuple[Expectation, ...],
    ) -> tuple[StepRecord, Frame]:
        """Wait until the target is ready, perform the action once, settle, judge its expectation (and the
        plan's checks), record. ``plan`` is given for the first action of a plan only (its thought, once)."""
        expectation: Expectation = ExpectNone() if self.dry_run else action.expectation
        timings = StepTimings(plan_ms=plan_ms)
        # The pointer goes first: the wait for its target's hover redraw (ready) is spent on what follows.
        hovered_s = self._hover_first(action)
        region, known = region_for(action, before.profile, None if self.dry_run else self.windows)
        watch = Watch(memory.motion, region, self.windows, known, before.profile)
        # Where the keys go, from the app's tree, read before they move it (no tree: None, pixels alone);
        # evidence for the judge, so its time counts as verifying. After a hover it is read while the
        # target redraws (a pointer resting on a widget moves no focus); keys wait until their window is ready.
        focused, focus_ms = self._keyboard_focus(before, action) if hovered_s is not None else (None, 0.0)
        ready_result = ready(
            self.screen, before, watch, self.settle_config, self.stop, memory.quiet_since_s, input_at_s=hovered_s
        )
        timings.ready_ms, timings.acted_unready = ready_result.waited_ms, not ready_result.ready
        focus = region.windows[0] if action.kind in ("key", "type") and region.windows else None
        if hovered_s is None:
            focused, focus_ms = self._keyboard_focus(ready_result.frame, action)
        watch.about_to_act()
        act_start = time.monotonic()
        undelivered = perform_once(self.executor, action)  # text that did not arrive: a failed step, done once
        watch.acted()
        timings.act_ms = (time.monotonic() - act_start) * 1000.0
        expect_change = isinstance(expectation, ExpectChange) and undelivered is None
        # Nothing judges the screen after a move or a wait with no checks: one capture, no quiet wait. A
        # click or a key with "expect": "none" still settles: the focus it hands over (the window manager
        # does that after the click) is what the next type needs.
        judged = not (isinstance(action, _UNSETTLED_KINDS) and isinstance(expectation, ExpectNone) and not checks)
        result = settle(self.screen, ready_result.frame, expect_change, self.settle_config, self.stop, watch, judged)
        timings.settle_ms = result.waited_ms
        memory.quiet_since_s = result.last_change_s if result.settled else None
        verify_start = time.monotonic()
        ctx = StepContext(
            action,
            ready_result.frame,
            result,
            watch,
            self.screen,
            self.tools,
            self.stop,
            self.settle_config.timeout_s,
            focused,
        )
        if undelivered is not None:
            judgement = undelivered_judgement(undelivered, result.frame, watch)
        else:
            judgement = judge(expectation, ctx)
            for check in checks:  # a replay's checks: judged on the screen the expectation left, in turn
                if not judgement.verdict.passed:
                    break
                ctx = dataclasses.replace(ctx, settled=dataclasses.replace(result, frame=judgement.frame))
                judgement = judge(check, ctx)
        timings.verify_ms = (time.monotonic() - verify_start) * 1000.0 + focus_ms
        if not self.dry_run:
            self.mask.after_step(action, judgement.frame, result.change.bbox, self.trees)
        record = book.performed(
            action,
            judgement,
            result,
            region.bbox,
            timings,
            plan,
            expectation=expectation,
            checks=list(checks),
            note=self._note(judgement.verdict, judgement.seen.detail if judgement.seen else ""),
            text_strategy=text_strategy(self.executor, action, undelivered),
            focus=focus,
            focus_element=focused.record() if focused is not None and action.kind in KEYBOARD_KINDS else None,
        )
        return record, judgement.frame

    def _keyboard_focus(self, frame: Frame, action: Action) -> tuple[KeyboardFocus | None, float]:
        """What has the keyboard focus (``agent.verify.focus``), and the milliseconds the question took."""
        if self.dry_run:
            return None, 0.0
        start = time.monotonic()
        focused = keyboard_focus(self.tools.trees, frame, action, self.windows)
        return focused, (time.monotonic() - start) * 1000.0

    def _hover_first(self, action: Action) -> float | None:
        """Put the pointer where a pointer action acts before the wait for its target, whose last frame
        is the one the action is judged against: the highlight a button draws under the pointer, and the
        one the pointer leaves behind, are the move's doing, not the click's (a click on a dead button
        must not be ``changed`` by its own hover). Returns when the pointer moved (None: it did not)."""
        point, hover = action.point, getattr(self.executor, "hover", None)
        if self.dry_run or hover is None or point is None or not action.pointer or isinstance(action, Move):
            return None
        try:
            hover(*point)
        except ActionError:  # refused here, it is refused as the action itself, and recorded so
            return None
        return time.monotonic()

    def _note(self, verdict: Verdict, detail: str) -> str:
        """The step's note: what happened in words (the evidence itself is in ``seen``)."""
        if self.stop.is_set() and verdict is Verdict.UNSETTLED:
            return "the run was stopped before the screen settled"  # not a slow app: the stop cut the wait
        if verdict is Verdict.NO_CHANGE:
            return "no visible change where it acted (performed once, not repeated)"
        if verdict in _DETAIL_IS_THE_NOTE:
            return detail
        return "dry run: not performed" if self.dry_run else ""
