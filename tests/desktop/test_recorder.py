"""``deskpilot record`` under a real Xvfb: real X input from xdotool in, a valid scenario out.

The person is played by ``xdotool`` (XTEST, exactly what the recorder must accept); the agent is
played by our own executor inside ``acting(...)`` (XTEST too, which the recorder must leave out).
Widget boxes come from the demo app's state file, so anchors are checked against ground truth.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from actions.errors import DesktopError
from actions.expectations import ExpectNone
from actions.x11.acting_flag import ACTING_ATOM, acting, is_agent_acting, read_flag
from actions.x11.windows import active_window, find_window, list_windows, wait_for_window, window_at
from agent.desktop.xserver import VirtualDesktop
from agent.record.labels import tesseract_available
from agent.record.recorder import ScenarioRecorder
from planners.scenario_file import Scenario, load_scenario
from scenarios.harness import DemoAppProcess

pytestmark = pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")
APP_X, APP_Y = 40, 40
TITLE = "Deskpilot Demo"


def xdo(desktop: VirtualDesktop, *args: object) -> None:
    subprocess.run(["xdotool", *map(str, args)], env=desktop.env(), check=True, timeout=10)


def near(a: Any, b: Any, tolerance: int = 2) -> bool:
    return a is not None and all(abs(p - q) <= tolerance for p, q in zip(a, b, strict=True))


@dataclass
class Recording:
    path: Path
    scenario: Scenario
    recorder: ScenarioRecorder
    state: dict[str, Any]  # the app's state just before the stop hotkey
    points: dict[str, tuple[int, int]]  # where xdotool pressed
    window: dict[str, int]  # the app's client area


@pytest.fixture(scope="module")
def recording(desktop: VirtualDesktop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recording]:
    from actions import Click, PyAutoGuiExecutor

    tmp = tmp_path_factory.mktemp("record")
    path = tmp / "demo-flow.yaml"
    with DemoAppProcess(tmp / "state.json", desktop.env(), x=APP_X, y=APP_Y) as app:
        points = {name: app.centre(name) for name in ("name", "count", "double", "items", "token", "target")}
        with ScenarioRecorder(path, desktop.display) as recorder:
            xdo(desktop, "mousemove", *points["name"], "click", 1)
            # A person's pause before typing: the recorder judges the click (the field was focused
            # already, so nothing changed: `expect: none`) only when no input follows within 50 ms.
            time.sleep(0.2)
            xdo(desktop, "type", "--delay", 15, "Ada")
            xdo(desktop, "mousemove", *points["count"], "click", 1)
            time.sleep(0.6)  # longer than a double click: two separate clicks
            xdo(desktop, "click", 1)
            xdo(desktop, "mousemove", *points["double"], "click", "--repeat", 2, "--delay", 80, 1)
            xdo(desktop, "key", "ctrl+s")
            # The agent acts in the middle of the recording: this click must not become a step.
            with acting(desktop.display):
                PyAutoGuiExecutor().perform(Click(x=app.centre("agree")[0], y=app.centre("agree")[1]))
            app.wait(lambda s: s["agree"])
            xdo(desktop, "mousemove", *points["items"], "click", 5, "click", 5, "click", 5)
            (tx, ty), (gx, gy) = points["token"], points["target"]
            xdo(
                desktop,
                "mousemove",
                tx,
                ty,
                "mousedown",
                1,
                "mousemove",
                tx + 10,
                ty,
                "mousemove",
                (tx + gx) // 2,
                (ty + gy) // 2,
                "mousemove",
                gx,
                gy,
                "mouseup",
                1,
            )
            state = app.wait(lambda s: s["token_on_target"] and s["wheel"]["down"] == 3)
            xdo(desktop, "key", "ctrl+alt+shift+r")
            assert recorder.wait(10), "the stop hotkey did not stop the recording"
            scenario = recorder.stop()
        window = app.box("window")
    yield Recording(path, scenario, recorder, state, points, window)  # the app is closed: one window at a time


def test_steps_merge_what_the_person_did(recording: Recording) -> None:
    steps = recording.scenario.steps
    assert [s.action["kind"] for s in steps] == ["click", "type", "click", "click", "click", "key", "scroll", "drag"]
    assert steps[1].action == {"kind": "type", "text": "Ada"}  # three keys (and a Shift) merged
    assert "count" not in steps[2].action and "count" not in steps[3].action  # paused: two clicks
    assert steps[4].action == {"kind": "click", "count": 2}
    assert steps[5].action == {"kind": "key", "keys": ["ctrl", "s"]}
    assert steps[6].action == {"kind": "scroll", "dy": -3}  # three notches down, one step
    assert steps[7].action == {"kind": "drag"}
    assert recording.scenario.setup.window_title == r"^Deskpilot\ Demo$"
    # What was written is what was returned, and it validates.
    assert load_scenario(recording.path) == recording.scenario
    # The click into the already focused Name field changed nothing: recorded as such, so a replay
    # does not stop there; the clicks that changed the app keep the default.
    assert [s.expect for s in steps] == [ExpectNone(), None, None, None, None, None, None, None]


def test_anchors_match_the_widgets(recording: Recording) -> None:
    steps, points, window = recording.scenario.steps, recording.points, recording.window
    expected = [
        (steps[0].target, points["name"]),
        (steps[2].target, points["count"]),
        (steps[4].target, points["double"]),
        (steps[6].target, points["items"]),
        (steps[7].target, points["token"]),
        (steps[7].to_target, points["target"]),
    ]
    for target, point in expected:
        assert target is not None and target.anchor is not None
        anchor = target.anchor
        assert near(anchor.screen_point, point), (target.description, anchor.screen_point, point)
        assert near(anchor.window_point, (point[0] - window["x"], point[1] - window["y"]))
        assert anchor.window_title == TITLE and anchor.window_size == (window["w"], window["h"])
        assert anchor.template is not None and anchor.template_point is not None
        png = recording.path.parent / anchor.template
        assert png.is_file() and png.parent.name == "demo-flow.templates"
        from PIL import Image

        with Image.open(png) as image:
            assert 0 <= anchor.template_point[0] < image.width and 0 <= anchor.template_point[1] < image.height
        assert TITLE in target.description


@pytest.mark.skipif(not tesseract_available(), reason="tesseract is not installed")
def test_labels_come_from_ocr_after_recording(recording: Recording) -> None:
    count = recording.scenario.steps[2].target
    assert count is not None and count.label == "Count"
    assert count.description == "the 'Count' element in 'Deskpilot Demo'"
    assert recording.recorder.stats.postprocess_ms > 0
    name = recording.scenario.steps[0].target  # an entry: its label sits to its left on the same row
    assert name is not None and name.label == "Name" and name.label_offset is not None
    assert name.label_offset[0] > 40 and abs(name.label_offset[1]) <= 4


def test_agent_input_is_not_recorded(recording: Recording) -> None:
    assert recording.state["agree"] is True  # the executor's click happened...
    assert recording.recorder.stats.synthetic_events >= 2  # ...was seen, and left out:
    agree_steps = [s for s in recording.scenario.steps if s.target and s.target.label == "I agree"]
    assert not agree_steps
    assert len(recording.scenario.steps) == 8


def test_replaying_the_recorded_points_reproduces_the_state(
    recording: Recording, desktop: VirtualDesktop, tmp_path: Path
) -> None:
    from actions import PyAutoGuiExecutor

    keys = (
        "name",
        "count_clicks",
        "double_clicks",
        "last_chord",
        "chord_count",
        "wheel",
        "list_top_index",
        "token_on_target",
        "token",
    )
    executor = PyAutoGuiExecutor()
    with DemoAppProcess(tmp_path / "state.json", desktop.env(), x=APP_X, y=APP_Y) as app:
        for step in recording.scenario.steps:
            point = step.target.anchor.screen_point if step.target and step.target.anchor else None
            to_point = step.to_target.anchor.screen_point if step.to_target and step.to_target.anchor else None
            executor.perform(step.resolve(point, to_point, variables={}))
        want = {key: recording.state[key] for key in keys}
        replayed = app.wait(lambda s: {key: s[key] for key in keys} == want, timeout_s=5)
    assert replayed["agree"] is False  # the agent's click was not part of the recording


def test_ctrl_c_stops_the_command_and_writes_the_file(desktop: VirtualDesktop, tmp_path: Path) -> None:
    path = tmp_path / "one-click.yaml"
    with DemoAppProcess(tmp_path / "state.json", desktop.env(), x=APP_X, y=APP_Y) as app:
        cmd = [sys.executable, "-m", "agent.record.recorder", str(path), "--display", desktop.display, "--no-ocr"]
        proc = subprocess.Popen(
            cmd,
            env=desktop.env(),
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],  # SIGINT ignored, as `&` leaves it:
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
        try:
            assert proc.stderr is not None
            ready, _, _ = select.select([proc.stderr], [], [], 20)
            assert ready and "recording to" in proc.stderr.readline()
            xdo(desktop, "mousemove", *app.centre("submit"), "click", 1)
            app.wait(lambda s: s["submit_count"] == 1)
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=20) == 0, proc.stderr.read()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    scenario = load_scenario(path)
    assert [s.action for s in scenario.steps] == [{"kind": "click"}]
    target = scenario.steps[0].target
    assert target is not None and target.anchor is not None
    assert near(target.anchor.screen_point, app.centre("submit"))
    assert target.description.startswith("a point at")  # --no-ocr: no label, the fallback description


def test_windows_reports_the_client_area(desktop: VirtualDesktop, demo_app: DemoAppProcess) -> None:
    box = demo_app.box("window")
    info = window_at(*demo_app.centre("count"), display=desktop.display)
    assert info is not None and info.title == TITLE
    # The client area, not openbox's frame: the same box Tk reports for its root window.
    assert (info.left, info.top, info.width, info.height) == (box["x"], box["y"], box["w"], box["h"])
    assert info.title == TITLE and info.width == box["w"]
    assert window_at(box["x"] + box["w"] + 50, box["y"] + box["h"] + 50, display=desktop.display) is None
    assert find_window(r"^Deskpilot", desktop.display) == info
    assert find_window(r"^No such window$", desktop.display) is None
    assert info in list_windows(desktop.display)
    assert wait_for_window("Demo", 2, desktop.display) == info
    active = active_window(desktop.display)
    assert active is None or active.window_id == info.window_id
    started = time.monotonic()
    timeout_message = r"no window title matches '\^Nope\$' after 0.3 s \(windows: .*'Deskpilot Demo'"
    with pytest.raises(DesktopError, match=timeout_message):
        wait_for_window("^Nope$", 0.3, desktop.display)
    assert time.monotonic() - started < 2


def test_acting_flag(desktop: VirtualDesktop) -> None:
    assert not is_agent_acting(desktop.display)
    with acting(desktop.display):
        assert is_agent_acting(desktop.display)
        flag = read_flag(desktop.display)
        assert flag is not None and flag[0] == os.getpid()
        with acting(desktop.display):  # nested: the inner exit must not clear the outer flag
            pass
        assert is_agent_acting(desktop.display)
    assert not is_agent_acting(desktop.display)
    # A flag left behind by a killed agent (a pid that no longer exists) does not count.
    dead = subprocess.Popen(["true"])
    dead.wait()
    from Xlib import Xatom
    from Xlib.display import Display

    conn = Display(desktop.display)
    try:
        root = conn.screen().root
        root.change_property(conn.intern_atom(ACTING_ATOM), Xatom.CARDINAL, 32, [dead.pid, 1])
        conn.sync()
        assert read_flag(desktop.display) == (dead.pid, 1) and not is_agent_acting(desktop.display)
        root.delete_property(conn.intern_atom(ACTING_ATOM))
        conn.sync()
    finally:
        conn.close()


def test_deskpilot_replay_of_the_recording_reproduces_the_state_elsewhere(
    recording: Recording, desktop: VirtualDesktop, tmp_path: Path
) -> None:
    """The round trip users rely on: record once, replay with `deskpilot replay` after the window moved."""
    keys = ("name", "count_clicks", "double_clicks", "last_chord", "wheel", "list_top_index", "token_on_target")
    out = tmp_path / "run"
    with DemoAppProcess(tmp_path / "state.json", desktop.env(), x=APP_X + 150, y=APP_Y + 60) as app:
        cmd = [sys.executable, "-m", "deskpilot", "replay", str(recording.path), "--out", str(out), "--quiet"]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=desktop.env(), timeout=180)
        assert proc.returncode == 0, proc.stderr
        want = {key: recording.state[key] for key in keys}
        app.wait(lambda s: {key: s[key] for key in keys} == want, timeout_s=5)
