"""What a window says about an action's effect, beside its pixels: a tooltip is never the effect, a title
that changed is one, and a window left open with no title is still named. The same cases on real apps are
in tests/realapps/test_trial5_pitfalls.py."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from actions import Click, Key, RecordingExecutor
from actions.frame import FakeScreen
from actions.models import Action
from actions.windows import FakeWindows, WindowInfo
from agent.outcome import RunResult
from deskpilot import Agent, SettleConfig
from planners import ScriptedPlanner
from planners.verdicts import Verdict

FAST = SettleConfig(poll_ms=1, quiet_ms=0, react_timeout_ms=0, timeout_s=1)


def _frames(*painted: tuple[int, int, int, int]) -> FakeScreen:
    """A 40x30 screen, then the same screen with each box (left, top, right, bottom) painted white."""
    before = np.zeros((30, 40, 3), dtype=np.uint8)
    after = before.copy()
    for left, top, right, bottom in painted:
        after[top:bottom, left:right] = 255
    return FakeScreen([before, after])


def _run(action: Action, screen: FakeScreen, windows: FakeWindows, react: Callable[[], None]) -> RunResult:
    executor = RecordingExecutor()

    def perform(_: Action) -> None:
        react()
        screen.advance()

    executor.on_perform = perform
    agent = Agent(ScriptedPlanner([action]), executor, screen, settle_config=FAST, windows=windows)
    return agent.run("t")


def test_a_tooltip_that_appears_after_a_click_is_not_its_effect() -> None:
    screen, windows = _frames((20, 20, 35, 26)), FakeWindows.focused(40, 30)
    tip = WindowInfo("", 20, 20, 15, 6, window_id=9)
    result = _run(Click(x=22, y=18), screen, windows, lambda: windows.tips.append(tip))
    assert result.steps[0].verdict is Verdict.NO_CHANGE


def test_a_click_that_changes_more_than_its_tooltip_is_changed() -> None:
    screen, windows = _frames((20, 20, 35, 26), (2, 2, 10, 10)), FakeWindows.focused(40, 30)
    tip = WindowInfo("", 20, 20, 15, 6, window_id=9)
    result = _run(Click(x=22, y=18), screen, windows, lambda: windows.tips.append(tip))
    assert result.steps[0].verdict is Verdict.CHANGED
    assert result.steps[0].changed_bbox == (2, 2, 10, 10)  # the tooltip's box is left out


def test_a_key_whose_only_effect_is_the_window_title_is_changed() -> None:
    screen, windows = _frames(), FakeWindows([WindowInfo("*draft.txt", 0, 0, 40, 30, window_id=1)], active=0)

    def saved() -> None:
        windows.windows[0] = WindowInfo("draft.txt", 0, 0, 40, 30, window_id=1)

    result = _run(Key(keys=("ctrl", "s")), screen, windows, saved)
    step = result.steps[0]
    assert step.verdict is Verdict.CHANGED
    assert step.seen is not None and step.seen.detail == (
        "the window's title changed from '*draft.txt' to 'draft.txt' (drawn by the window manager, above the window)"
    )


def test_a_title_of_another_window_is_not_the_effect() -> None:
    # The clock in another window's title ticks on its own: only the windows the action acted in count.
    windows = FakeWindows(
        [WindowInfo("draft.txt", 0, 0, 40, 30, window_id=1), WindowInfo("12:00:01", 0, 0, 5, 5, window_id=2)], 0
    )

    def tick() -> None:
        windows.windows[1] = WindowInfo("12:00:02", 0, 0, 5, 5, window_id=2)

    result = _run(Key(keys=("ctrl", "s")), _frames(), windows, tick)
    assert result.steps[0].verdict is Verdict.NO_CHANGE


class TickingTitle(FakeWindows):
    """A window whose title counts up at every look (a timer in its title), whatever the action does."""

    def list_windows(self) -> list[WindowInfo]:
        window = self.windows[0]
        self.windows[0] = WindowInfo(str(int(window.title) + 1), 0, 0, 40, 30, window_id=window.window_id)
        return super().list_windows()


def test_a_title_that_changes_on_its_own_is_not_the_effect() -> None:
    windows = TickingTitle([WindowInfo("1", 0, 0, 40, 30, window_id=1)], 0)
    result = _run(Key(keys=("ctrl", "s")), _frames(), windows, lambda: None)
    assert result.steps[0].verdict is Verdict.NO_CHANGE


def test_an_untitled_window_left_open_is_named_by_its_app() -> None:
    screen, windows = _frames((5, 5, 25, 15)), FakeWindows.focused(40, 30)

    def ask() -> None:
        windows.windows.append(WindowInfo("", 5, 5, 20, 10, window_id=7, app="Gpicview"))

    result = _run(Key(keys=("ctrl", "s")), screen, windows, ask)
    assert result.left_open == ["(untitled window of Gpicview)"]
