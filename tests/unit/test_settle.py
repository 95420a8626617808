"""Settle waits for the screen, not for a clock: quick on a still screen, patient with motion."""

from __future__ import annotations

import time

import numpy as np

from actions.compare import diff_frames
from actions.coords import DisplayProfile
from actions.frame import Frame
from agent.settle import SettleConfig, settle


class TimedScreen:
    """Changes its pixels every capture until ``moving_until``, then holds still."""

    def __init__(self, moving_s: float, first_change_after_s: float = 0.0) -> None:
        self.start = time.monotonic()
        self.moving_until = self.start + first_change_after_s + moving_s
        self.first_change_at = self.start + first_change_after_s
        self.count = 0
        self.profile = DisplayProfile(width=40, height=30)

    def capture(self) -> Frame:
        now = time.monotonic()
        self.count += 1
        if now < self.first_change_at:
            value = 0
        elif now < self.moving_until:
            value = 1 + self.count % 200
        else:
            value = 255
        pixels = np.full((30, 40, 3), value, dtype=np.uint8)
        return Frame(data=pixels, profile=self.profile, monotonic_s=now, wall_time_s=time.time())

    def close(self) -> None:
        pass


CONFIG = SettleConfig(poll_ms=5, quiet_ms=100, react_timeout_ms=500, timeout_s=3)


def blank() -> Frame:
    return Frame(np.zeros((30, 40, 3), np.uint8), DisplayProfile(width=40, height=30), time.monotonic(), time.time())


def test_a_still_screen_settles_after_the_quiet_window() -> None:
    screen = TimedScreen(moving_s=0, first_change_after_s=10)
    result = settle(screen, blank(), expect_change=False, config=CONFIG)
    assert result.settled and not result.change.significant
    assert 100 <= result.waited_ms < 250


def test_an_animation_is_waited_out() -> None:
    screen = TimedScreen(moving_s=0.4)
    result = settle(screen, blank(), expect_change=True, config=CONFIG)
    assert result.settled and result.change.significant
    assert result.waited_ms >= 400 + 100
    assert int(result.frame.pixels[0, 0, 0]) == 255  # the final, still frame


def test_a_late_reaction_is_waited_for() -> None:
    screen = TimedScreen(moving_s=0.05, first_change_after_s=0.2)
    result = settle(screen, blank(), expect_change=True, config=CONFIG)
    assert result.change.significant and int(result.frame.pixels[0, 0, 0]) == 255


def test_no_reaction_gives_up_after_the_react_timeout() -> None:
    screen = TimedScreen(moving_s=0, first_change_after_s=10)
    result = settle(screen, blank(), expect_change=True, config=CONFIG)
    assert not result.change.significant
    assert 500 <= result.waited_ms < 800


def test_endless_motion_is_bounded_and_reported_unsettled() -> None:
    screen = TimedScreen(moving_s=60)
    config = SettleConfig(poll_ms=5, quiet_ms=100, react_timeout_ms=500, timeout_s=0.5)
    result = settle(screen, blank(), expect_change=True, config=config)
    assert not result.settled
    assert 500 <= result.waited_ms < 800


def test_a_blinking_caret_is_not_a_change() -> None:
    before = blank()
    after_pixels = before.pixels.copy()
    after_pixels[5:25, 10:12] = 255  # a 2 px wide, 20 px tall caret
    after = Frame(after_pixels, before.profile, time.monotonic(), time.time())
    change = diff_frames(before, after)
    assert change.bbox == (10, 5, 12, 25) and change.changed_pixels == 40
    assert not change.significant
    after_pixels[5:8, 20:30] = 255  # plus a glyph
    assert diff_frames(before, Frame(after_pixels, before.profile, 0, 0)).significant


class CaretScreen:
    """A caret (2 x 20 px) drawn ``on_s`` after the start; with ``blink_s`` it goes out and on again each blink_s."""

    def __init__(self, on_s: float, blink_s: float | None = None) -> None:
        self.start, self.on_s, self.blink_s = time.monotonic(), on_s, blink_s
        self.profile = DisplayProfile(width=40, height=30)

    def capture(self) -> Frame:
        now = time.monotonic()
        pixels = np.zeros((30, 40, 3), np.uint8)
        since = now - self.start - self.on_s
        if since >= 0 and (self.blink_s is None or int(since / self.blink_s) % 2 == 0):
            pixels[5:25, 10:12] = 255
        return Frame(data=pixels, profile=self.profile, monotonic_s=now, wall_time_s=time.time())

    def close(self) -> None:
        pass


def test_a_caret_that_appears_and_stays_is_the_actions_caret() -> None:
    result = settle(CaretScreen(on_s=0.02), blank(), expect_change=True, config=CONFIG)
    assert not result.change.significant  # a caret is never a change by its size alone
    assert result.steady_caret == (10, 5, 12, 25)


def test_a_blinking_caret_is_never_steady() -> None:
    # On for 0.6 s (Tk's on-phase), then off: shorter than STEADY_CARET_S.
    result = settle(CaretScreen(on_s=0.02, blink_s=0.6), blank(), expect_change=True, config=CONFIG)
    assert result.steady_caret is None
    assert result.waited_ms < 1500  # watched until it went out, not to the settle bound
