"""The report's frames are embedded while the run goes on (``RunDirectory(on_frame=FrameStore.add)``):
the page built from them must be the page ``deskpilot report RUN_DIR`` builds from disk afterwards."""

from __future__ import annotations

import re
import shutil

import numpy as np

from actions import Click, RecordingExecutor
from actions.frame import FakeScreen
from actions.windows import FakeWindows
from agent.report import build_report
from agent.report.frames import FrameStore
from agent.run_dir import RunDirectory
from deskpilot import Agent, SettleConfig
from planners import ScriptedPlanner

FAST = SettleConfig(poll_ms=1, quiet_ms=0, react_timeout_ms=0, timeout_s=1)


def _frames() -> list[np.ndarray]:
    """Mostly small changes (embedded as patches over the frame before), one whole-screen change."""
    frames = []
    for i in range(12):
        data = np.full((120, 160, 3), 200, dtype=np.uint8)
        data[10 + 8 * i : 16 + 8 * i, 20:40] = (30 * i) % 255
        if i >= 9:
            data[:, :, 0] = 90  # more than the patch limit changed: stored whole again
        frames.append(data)
    return frames


def _page_without_build_time(html: str) -> str:
    return re.sub(r"report built [0-9: -]+", "", html)


def test_the_page_from_frames_embedded_during_the_run_equals_the_page_from_disk(tmp_path) -> None:
    screen, executor = FakeScreen(_frames()), RecordingExecutor()
    executor.on_perform = lambda _: screen.advance()
    run_dir = tmp_path / "run"
    store = FrameStore(run_dir)
    plan = [Click(x=5 + i, y=5) for i in range(11)]
    result = Agent(
        ScriptedPlanner(plan),
        executor,
        screen,
        run_dir=RunDirectory(run_dir, on_frame=store.add),
        settle_config=FAST,
        windows=FakeWindows.focused(160, 120),  # each frame's patch is in the app's window, not at the pointer
    ).run("eleven clicks")
    assert result.success, result.reason

    copy = tmp_path / "copy" / "run"  # the same name: the page's footer names the directory
    shutil.copytree(run_dir, copy)
    shutil.rmtree(run_dir / "frames")  # the live page must need nothing from disk
    live = _page_without_build_time(build_report(run_dir, store).read_text(encoding="utf-8"))
    from_disk = _page_without_build_time(build_report(copy).read_text(encoding="utf-8"))
    assert live == from_disk
    assert live.count("data:image/jpeg;base64,") == 12  # every frame once: 3 whole, 9 patches
    assert live.count("<use href='#frame-") >= 9
