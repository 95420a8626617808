"""Judging ``{"window"}`` and ``{"no_window"}``: the window list, polled until it holds or time runs out."""

from __future__ import annotations

import re
import time

from actions.expectations import ExpectNoWindow, ExpectWindow
from actions.stopping import pause
from agent.run_dir import Seen
from agent.verify import judges
from agent.verify.context import Judgement, StepContext
from agent.verify.poll import POLL_S, out_of_time
from planners.verdicts import Verdict


@judges(ExpectWindow)
def judge_window(spec: ExpectWindow, ctx: StepContext) -> Judgement:
    return _judge(spec, ctx, re.compile(spec.window))


@judges(ExpectNoWindow)
def judge_no_window(spec: ExpectNoWindow, ctx: StepContext) -> Judgement:
    return _judge(spec, ctx, re.compile(spec.no_window))


def _judge(spec: ExpectWindow | ExpectNoWindow, ctx: StepContext, pattern: re.Pattern[str]) -> Judgement:
    windows = ctx.windows
    if windows is None:
        seen = Seen(expected=spec.describe(), detail="no window information: window titles cannot be read")
        return Judgement(Verdict.NO_PLACE, ctx.settled.frame, seen)
    deadline = time.monotonic() + spec.timeout_s
    while True:
        titles = [w.title for w in windows.list_windows() if w.viewable]
        active = windows.active_window()
        if isinstance(spec, ExpectWindow):
            met = active is not None and bool(pattern.search(active.title))
        else:
            met = not any(pattern.search(title) for title in titles)
        if met or out_of_time(deadline, ctx.cancel):
            break
        pause(POLL_S, ctx.cancel)
    active_title = active.title if active is not None else None
    if isinstance(spec, ExpectWindow):
        what = f"the active window is {active_title!r}" if active_title is not None else "no window is active"
        detail = what if met else f"{what}; it does not match /{pattern.pattern}/"
    else:
        matching = [t for t in titles if pattern.search(t)]
        detail = "no window matches" if met else f"still open: {', '.join(repr(t) for t in matching)}"
    seen = Seen(expected=spec.describe(), detail=detail, windows=titles, active_window=active_title)
    return Judgement(Verdict.MET if met else Verdict.FAILED, ctx.screen.capture(), seen)
