"""Settle: after an action, capture until the action's region stops changing (bounded). Never a fixed sleep.

Two waits, both ended by what the screen does:

1. If the action should change the screen, wait (up to ``react_timeout_ms``) for the first
   difference that counts (``agent.motion.Watch``: in the action's region, not known motion)
   from the frame before the action: apps take a few milliseconds to process input, and an
   unchanged first capture says nothing yet.
2. Then wait until the region has been still for ``quiet_ms`` (animations, progressive
   rendering), up to ``timeout_s`` in all. Motion outside the region is learned into the run's
   motion mask meanwhile; only the region itself still moving at the timeout is "unsettled".
   A move or a wait that nothing judges (``expect: none``, no checks) skips this wait: one capture,
   ``settled`` False; the next action's ``ready()`` waits for its own region.

A mark the size of a text caret is no change (a caret blinking), unless it appeared after the action and
stayed longer than any toolkit keeps a blinking caret on: then it is a caret the action drew
(``steady_caret``), the only sign of a click into a field of an app with no accessibility tree.

``ready()`` is the wait *before* an action: the region it goes to must have been quiet for
``ready_quiet_ms`` (its window finished reacting to the previous action), bounded by
``ready_timeout_s``; everything that moves outside that region meanwhile is learned as motion, and
when the region itself never gets quiet (it animates on its own), what moved inside it too.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from actions.compare import Change
from actions.frame import Frame, Screen
from actions.stopping import pause
from agent.motion import MotionMask, Region, Watch

# Longer than any toolkit keeps a blinking caret on (measured: GTK 0.8 s; Qt, Tk, Motif and Chromium 0.5-0.6 s),
# so a caret-sized mark that stays this long does not blink: FLTK 1.3 and Athena draw such carets.
STEADY_CARET_S = 1.0


class SettleConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    poll_ms: float = Field(default=10.0, gt=0, le=1000, description="pause between captures while waiting")
    quiet_ms: float = Field(default=60.0, ge=0, le=10_000, description="stillness that counts as settled")
    react_timeout_ms: float = Field(
        default=1000.0,
        ge=0,
        le=60_000,
        description="wait for a first change: mousepad's Save As dialog took 190-400 ms to appear on a loaded "
        "2-core machine, once over 500 ms; only a step that changes nothing pays it in full",
    )
    timeout_s: float = Field(default=5.0, gt=0, le=600, description="upper bound on the whole wait")
    ready_quiet_ms: float | None = Field(
        default=None,
        ge=0,
        le=10_000,
        description="the target's stillness before acting, counted from its last change (default: quiet_ms)",
    )
    dialog_quiet_ms: float = Field(
        default=400.0,
        ge=0,
        le=10_000,
        description="the same, when the action goes to a dialog: GTK's file chooser makes Save sensitive "
        "190-290 ms after a typed path is drawn, so an Enter sent sooner is lost",
    )
    ready_timeout_s: float = Field(default=2.0, ge=0, le=600, description="upper bound on the wait before acting")
    hover_quiet_ms: float = Field(
        default=30.0,
        ge=0,
        le=10_000,
        description="after the pointer is put on a pointer action's target: how long nothing may change before "
        "the target counts as drawn with its hover highlight (Tk and GTK redraw within a frame or two); a "
        "change seen meanwhile is waited out like any other (quiet_ms)",
    )


_FIRST_REACT_POLL_S = 0.002


@dataclass(frozen=True)
class SettleResult:
    frame: Frame  # the last capture: the screen as it settled (or as it was at the timeout)
    change: Change  # from the frame before the action to ``frame``, the action's own (see agent.motion)
    settled: bool  # False: still changing when timeout_s ran out (an animation, a hung app)
    waited_ms: float
    captures: int
    last_change_s: float = 0.0  # monotonic time of the last change that counted: quiet ever since
    # The box (image pixels) of a caret-sized mark that appeared after the action, nothing else changing, and
    # stayed STEADY_CARET_S unchanged: a caret the action drew, not one blinking. None: no such mark.
    steady_caret: tuple[int, int, int, int] | None = None


@dataclass(frozen=True)
class ReadyResult:
    frame: Frame  # the screen just before acting: the "before" of the action's change
    ready: bool  # False: the target was still changing when ready_timeout_s ran out (acted anyway)
    waited_ms: float
    captures: int


def ready(
    screen: Screen,
    last: Frame,
    watch: Watch,
    config: SettleConfig,
    cancel: threading.Event | None = None,
    quiet_since_s: float | None = None,
    input_at_s: float | None = None,
) -> ReadyResult:
    """Wait until the action's region has been quiet for ``ready_quiet_ms`` since its last change.

    ``last`` is the latest frame known (the previous step's settled screen) and ``quiet_since_s``
    when its last change was: after a settle the usual cost is one capture and one compare.
    ``input_at_s``: input was just sent (the pointer moved onto the target): nothing may change for
    ``hover_quiet_ms`` after it, and a change it caused (a hover highlight) is waited out as any other."""
    start = time.monotonic()
    deadline = start + config.ready_timeout_s
    poll_s = config.poll_ms / 1000.0
    current, captures = screen.capture(), 1
    quiet_ms = config.quiet_ms if config.ready_quiet_ms is None else config.ready_quiet_ms
    if watch.region.dialog:
        quiet_ms = max(quiet_ms, config.dialog_quiet_ms)
    quiet_s = quiet_ms / 1000.0
    known_quiet = last.monotonic_s if quiet_since_s is None else min(quiet_since_s, last.monotonic_s)
    quiet_since = known_quiet if not watch.counts(last, current, learn=True) else current.monotonic_s
    if input_at_s is not None:  # as if the input were a change quiet_s - hover_quiet_s ago: hover_quiet_s to go
        quiet_since = max(quiet_since, input_at_s - max(0.0, quiet_s - config.hover_quiet_ms / 1000.0))
    ready_now, own_motion = True, None
    while current.monotonic_s - quiet_since < quiet_s:
        if time.monotonic() >= deadline:
            ready_now = False
            break
        if pause(min(poll_s, max(0.0, quiet_since + quiet_s - time.monotonic())), cancel):
            break
        latest = screen.capture()
        captures += 1
        if watch.counts(current, latest, learn=True):
            quiet_since = latest.monotonic_s
            own_motion = watch.inside_changes(current, latest, own_motion)
        current = latest
    if not ready_now and own_motion is not None:
        # The window never stopped moving before anything was done to it: it animates on its own (a
        # spinner, a canvas). Those pixels are motion, like a clock elsewhere; its other pixels still count.
        watch.mask.learn(own_motion)
    return ReadyResult(current, ready_now, (time.monotonic() - start) * 1000.0, captures)


def settle(
    screen: Screen,
    before: Frame,
    expect_change: bool,
    config: SettleConfig,
    cancel: threading.Event | None = None,
    watch: Watch | None = None,
    judged: bool = True,
) -> SettleResult:
    """Wait for the screen as the module doc says. ``cancel`` (the stop hotkey's event) cuts the wait
    short; the result then says ``settled=False``. Only changes in ``watch``'s region count; without
    one this is a plain wait for a still frame (a replay's start, a benchmark), never a verdict."""
    watch = watch or Watch(MotionMask(), Region.of_frame(before.profile, "the frame (a wait, not a verdict)"))
    start = time.monotonic()
    deadline = start + config.timeout_s
    poll_s = config.poll_ms / 1000.0
    captures = 1
    current = screen.capture()

    caret = _CaretWatch()
    if expect_change:
        react_deadline = min(deadline, start + config.react_timeout_ms / 1000.0)
        # Most apps answer input within a few milliseconds: the first polls come sooner (2, 4, 8 ms, then
        # poll_ms), so a quick reaction is seen when it happens, not up to a whole poll later.
        react_poll_s = min(poll_s, _FIRST_REACT_POLL_S)
        while not caret.saw(watch.change(before, current), current.monotonic_s).significant and (
            time.monotonic() < react_deadline or caret.undecided(current.monotonic_s, deadline)
        ):
            if pause(react_poll_s, cancel):  # polling the screen, or the stop hotkey
                break
            react_poll_s = min(poll_s, react_poll_s * 2)
            current = screen.capture()
            captures += 1

    last_change_s = current.monotonic_s
    settled = judged
    quiet_s = config.quiet_ms / 1000.0
    while judged and current.monotonic_s - last_change_s < quiet_s:
        if time.monotonic() >= deadline or (cancel is not None and cancel.is_set()):
            settled = False
            break
        # Not past the moment the quiet interval ends: a whole poll there would add up to poll_ms a step.
        pause(min(poll_s, max(0.0, last_change_s + quiet_s - time.monotonic())), cancel)
        latest = screen.capture()
        captures += 1
        if watch.counts(current, latest, learn=True):
            last_change_s = latest.monotonic_s
        current = latest

    return SettleResult(
        frame=current,
        change=watch.change(before, current, final=True),
        settled=settled,
        waited_ms=(time.monotonic() - start) * 1000.0,
        captures=captures,
        last_change_s=last_change_s,
        steady_caret=caret.steady(current.monotonic_s),
    )


class _CaretWatch:
    """A caret-sized change followed through the captures after an action: since when the same mark has been
    there, unchanged (a blinking caret goes out again, which starts the count anew)."""

    def __init__(self) -> None:
        self.box: tuple[int, int, int, int] | None = None
        self.since_s = 0.0

    def saw(self, change: Change, at_s: float) -> Change:
        if not change.caret_like:
            self.box = None
        elif change.bbox != self.box:
            self.box, self.since_s = change.bbox, at_s
        return change

    def undecided(self, now_s: float, deadline_s: float) -> bool:
        """A mark is there and has not stayed long enough yet (within the settle bound): keep watching."""
        return self.box is not None and now_s - self.since_s < STEADY_CARET_S and time.monotonic() < deadline_s

    def steady(self, now_s: float) -> tuple[int, int, int, int] | None:
        return self.box if self.box is not None and now_s - self.since_s >= STEADY_CARET_S else None
