"""Settle on a real screen: quick when nothing moves, patient with an animation."""

from __future__ import annotations

import contextlib
from pathlib import Path

from actions import Click
from actions.x11.windows import WindowReader
from agent.screen import MssScreen
from agent.settle import SettleConfig, settle
from deskpilot import Agent
from planners import ScriptedPlanner
from planners.verdicts import Verdict
from scenarios.harness import DemoAppProcess


def test_settle_returns_soon_after_a_still_screen(demo_app) -> None:
    screen = MssScreen(1)
    config = SettleConfig()
    result = settle(screen, screen.capture(), expect_change=False, config=config)
    screen.close()
    assert result.settled
    assert config.quiet_ms <= result.waited_ms < config.quiet_ms + 150


def test_settle_waits_out_an_animation(desktop, tmp_path: Path) -> None:
    from actions.pyautogui_executor import PyAutoGuiExecutor

    with DemoAppProcess(tmp_path / "state.json", desktop.env(), extra_args=["--animate-ms", "700"]) as app:
        x, y = app.centre("count")
        screen = MssScreen(1)
        with contextlib.closing(WindowReader()) as windows:
            result = Agent(ScriptedPlanner([Click(x=x, y=y)]), PyAutoGuiExecutor(), screen, windows=windows).run(
                "animate"
            )
        screen.close()
        assert result.steps, result.reason
        (step,) = result.steps
        assert step.verdict is Verdict.CHANGED
        assert step.timings.settle_ms >= 700
        # The frame the loop settled on is the one after the animation: the bar is hidden again.
        assert app.state()["animating"] is False


def test_a_never_ending_change_is_reported_unsettled(desktop, tmp_path: Path) -> None:
    from actions.pyautogui_executor import PyAutoGuiExecutor
    from agent.settle import SettleConfig

    with DemoAppProcess(tmp_path / "state.json", desktop.env(), extra_args=["--animate-ms", "60000"]) as app:
        x, y = app.centre("count")
        screen = MssScreen(1)
        config = SettleConfig(timeout_s=1.0)
        with contextlib.closing(WindowReader()) as windows:
            agent = Agent(
                ScriptedPlanner([Click(x=x, y=y)]), PyAutoGuiExecutor(), screen, settle_config=config, windows=windows
            )
            result = agent.run("animate forever")
        screen.close()
        assert result.steps, result.reason
        (step,) = result.steps
        assert step.verdict is Verdict.UNSETTLED
        assert 1000 <= step.timings.settle_ms < 1500
        assert step.note.startswith("still changing after 1 s") and "Deskpilot Demo" in step.note  # which window
        assert not result.success  # a step whose effect could not be judged is not a pass
