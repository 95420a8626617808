"""The stop hotkey on a real X server: pressed with real X input (xdotool), as a person would.

What a stop leaves behind is checked here; how fast it comes is measured by bench/stop_latency.py
(from just before ``xdotool key`` starts to the process's exit; the promise is "within a second").
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from actions.errors import DesktopError, UserInputError
from actions.frame import Frame
from actions.models import Action, Move, Wait
from actions.pyautogui_executor import PyAutoGuiExecutor
from agent.loop import Agent, RunResult
from agent.run_dir import RunDirectory
from agent.screen import MssScreen
from agent.stop import StopHotkey, parse_stop_hotkey
from planners.base import Plan
from planners.scripted import ScriptedPlanner

pytestmark = pytest.mark.skipif(shutil.which("xdotool") is None, reason="needs xdotool to press keys")

REASON = "stopped by the stop hotkey (ctrl+alt+shift+q)"
# How fast a stop ends a run depends on the machine's load: bench/stop_latency.py measures it against
# the one-second promise. These tests check what a stop leaves behind, and that it does end the run.


def press_hotkey(desktop, combo: str = "ctrl+alt+shift+q") -> float:
    """Press the combo with real X input; returns the monotonic time just before the press."""
    pressed_at = time.monotonic()
    subprocess.run(["xdotool", "key", combo], env=desktop.env(), check=True, timeout=10)
    return pressed_at


def start_run(desktop, plan: list[dict], tmp_path: Path, *flags: str) -> tuple[subprocess.Popen[str], Path]:
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan))
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "deskpilot", "run", "--plan", str(plan_file), "--out", str(out), *flags]
    proc = subprocess.Popen(cmd, env=desktop.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, out


def wait_for_steps(out: Path, count: int, proc: subprocess.Popen[str], timeout_s: float = 20.0) -> float:
    """Poll steps.jsonl until it has ``count`` steps; the monotonic time they were seen."""
    deadline = time.monotonic() + timeout_s
    steps = out / "steps.jsonl"
    while time.monotonic() < deadline:
        if steps.is_file() and len(steps.read_text().splitlines()) >= count:
            return time.monotonic()
        assert proc.poll() is None, proc.communicate()[1]
        time.sleep(0.005)
    raise TimeoutError(f"{steps} never had {count} steps")


def stopped_run(proc: subprocess.Popen[str], pressed_at: float) -> tuple[float, str]:
    proc.wait(timeout=10)
    latency_s = time.monotonic() - pressed_at
    _, stderr = proc.communicate()
    return latency_s, stderr


def read_steps(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]


def test_a_long_wait_is_stopped_within_a_second(desktop, demo_app, tmp_path) -> None:
    x, y = demo_app.centre("count")
    plan = [{"kind": "click", "x": x, "y": y}, {"kind": "wait", "seconds": 30}, {"kind": "click", "x": x, "y": y}]
    proc, out = start_run(desktop, plan, tmp_path)
    wait_for_steps(out, 1, proc)
    time.sleep(0.2)  # well into the wait
    latency_s, stderr = stopped_run(proc, press_hotkey(desktop))

    assert proc.returncode == 130, stderr
    lines = stderr.splitlines()
    assert lines[0] == "deskpilot: press ctrl+alt+shift+q to stop"
    assert f"deskpilot: run failed: {REASON}" in lines and "Traceback" not in stderr
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["success"], summary["reason"]) == (False, REASON)
    assert [s["action"]["kind"] for s in read_steps(out)] == ["click", "wait"]  # the finished steps, no more
    assert (out / "report.html").is_file()
    assert demo_app.state()["count_clicks"] == 1  # the second click never happened


def test_a_run_stopped_during_a_long_type_ends_within_a_second(desktop, demo_app, tmp_path) -> None:
    x, y = demo_app.centre("notes")
    # 480 characters, 960 XTEST key events: some 60 ms of input (more under load). One ``type`` action
    # is not cut short (its keys go to the X server in one burst): the run ends right after it.
    text = "abc def " * 60
    chords_before = demo_app.state()["chord_count"]
    plan = [{"kind": "click", "x": x, "y": y}, {"kind": "type", "text": text}, {"kind": "key", "keys": ["ctrl", "s"]}]
    proc, out = start_run(desktop, plan, tmp_path, "--settle-timeout-s", "30")
    wait_for_steps(out, 1, proc)  # the click is recorded: the type starts now
    pressed_at = press_hotkey(desktop)
    latency_s, stderr = stopped_run(proc, pressed_at)

    assert proc.returncode == 130, stderr
    assert f"deskpilot: run failed: {REASON}" in stderr.splitlines()
    steps = read_steps(out)
    kinds = [s["action"]["kind"] for s in steps]
    # The press lands while the text goes in, or (a loaded machine) while the loop still waits for the
    # screen before the type: the step in progress ends the run either way, and ctrl+s is never pressed.
    assert kinds in (["click", "type"], ["click"]), kinds
    if kinds == ["click", "type"]:
        # A type is never cut short: every one of its keys arrives. Those that went in while the hotkey's own
        # ctrl+alt+shift were down arrive as chords, not text (measured: "abc de" as alt+a ... alt+e, once all
        # 480), so the app's text and its chords account for them all (the hotkey's q may be one more chord).
        def arrived(state: dict) -> int:
            return len(state["notes"]) + state["chord_count"] - chords_before

        state = demo_app.wait(lambda s: arrived(s) >= len(text))
        assert _within(state["notes"].lower(), text) and arrived(state) <= len(text) + 1, state["notes"]
    else:
        assert demo_app.state()["notes"] == ""  # the type never began
    assert json.loads((out / "summary.json").read_text())["reason"] == REASON
    assert demo_app.state()["last_chord"] != "ctrl+s"


def _within(part: str, whole: str) -> bool:
    """``part`` is ``whole`` with some characters left out, the rest in order."""
    rest = iter(whole)
    return all(ch in rest for ch in part)


class HoldingExecutor(PyAutoGuiExecutor):
    """Holds the left button down during its ``wait`` (as a drag in progress would)."""

    def __init__(self, stop: threading.Event, holding: threading.Event) -> None:
        super().__init__(stop=stop)
        self.holding = holding

    def perform(self, action: Action) -> None:
        if isinstance(action, Wait):
            self._gui.mouseDown(button="left")
            self._held_buttons.add("left")  # what release_all lets go of
            self.holding.set()
        super().perform(action)  # the wait, cut short by the stop event


def pointer_mask(desktop) -> int:
    from Xlib.display import Display

    conn = Display(desktop.display)
    try:
        return int(conn.screen().root.query_pointer().mask)
    finally:
        conn.close()


def test_a_held_mouse_button_is_released(desktop, tmp_path) -> None:
    from Xlib import X

    holding = threading.Event()
    results: list[RunResult] = []
    with StopHotkey(display=desktop.display) as hotkey:
        executor = HoldingExecutor(hotkey.event, holding)
        screen = MssScreen(monitor=0)
        planner = ScriptedPlanner([Move(x=300, y=300), Wait(seconds=30), Move(x=400, y=400)])
        agent = Agent(planner, executor, screen, run_dir=RunDirectory(tmp_path / "run"), stop=hotkey.event)
        runner = threading.Thread(target=lambda: results.append(agent.run("hold")), daemon=True)
        runner.start()
        try:
            assert holding.wait(20)
            assert pointer_mask(desktop) & X.Button1Mask, "the button is really held before the stop"
            press_hotkey(desktop)
            runner.join(10)
        finally:
            screen.close()
    assert not runner.is_alive()
    assert not pointer_mask(desktop) & (X.Button1Mask | X.Button2Mask | X.Button3Mask), "a button is still held"
    (result,) = results
    assert (result.success, result.reason) == (False, REASON)
    assert [s.action.kind for s in result.steps if s.action] == ["move", "wait"]


def test_a_planner_still_thinking_is_interrupted(desktop, tmp_path) -> None:
    """A model call of many seconds: the stop interrupts it (the command line's 0.1 s grace)."""
    from actions.executor import RecordingExecutor

    thinking = threading.Event()

    class SlowPlanner:
        def plan(self, task: str, frame: Frame, history: object) -> Plan:
            thinking.set()
            time.sleep(30)  # a blocking call (a model server that takes its time)
            raise AssertionError("the stop should have interrupted this")

    def press_when_thinking() -> None:
        if thinking.wait(20):
            timings.append(press_hotkey(desktop))

    timings: list[float] = []
    executor = RecordingExecutor()
    screen = MssScreen(monitor=0)
    with StopHotkey(display=desktop.display, interrupt_planning_after_s=0.1) as hotkey:
        presser = threading.Thread(target=press_when_thinking, daemon=True)
        presser.start()
        try:
            result = Agent(SlowPlanner(), executor, screen, stop=hotkey.event).run("think")  # main thread
        finally:
            screen.close()
    presser.join(5)
    assert (result.success, result.reason) == (False, REASON)
    assert executor.released >= 1


@pytest.mark.parametrize(
    ("combo", "message"),
    [
        ("ctrl+alt+bogus", "stop hotkey 'ctrl+alt+bogus': unknown key 'bogus'"),
        ("q+ctrl", "stop hotkey 'q+ctrl': modifiers (ctrl, alt, shift, win) first, then one other key"),
        ("shift+q", "stop hotkey 'shift+q': 'q' without ctrl, alt or win would fire while text is typed"),
        ("ctrl++q", "stop hotkey 'ctrl++q': expected keys joined by '+', e.g. '<ctrl>+<alt>+<shift>+q'"),
    ],
)
def test_a_bad_combo_is_refused_in_one_line(combo: str, message: str, tmp_path, capsys) -> None:
    from agent.cli.main import main

    with pytest.raises(UserInputError) as refused:
        StopHotkey(combo)
    assert str(refused.value) == message
    plan = tmp_path / "plan.json"
    plan.write_text('[{"kind": "wait", "seconds": 1}]')
    assert main(["run", "--plan", str(plan), "--stop-hotkey", combo]) == 2
    assert main(["replay", str(tmp_path / "s.yaml"), "--stop-hotkey", combo]) == 2
    assert capsys.readouterr().err == f"deskpilot: error: {message}\n" * 2


def test_both_spellings_name_the_same_combo() -> None:
    assert parse_stop_hotkey("<ctrl>+<alt>+<shift>+q") == parse_stop_hotkey("ctrl+alt+shift+q")
    assert parse_stop_hotkey("<cmd>+<f12>") == (frozenset({"win"}), "f12")
    assert parse_stop_hotkey("Ctrl+Escape") == (frozenset({"ctrl"}), "esc")
    assert StopHotkey("<shift>+<ctrl>+<alt>+Q").combo == "ctrl+alt+shift+q"


def test_the_hotkey_with_no_run_active_is_harmless(desktop, demo_app, tmp_path) -> None:
    fds_before = len(os.listdir("/proc/self/fd"))
    threads_before = threading.active_count()
    called: list[str] = []
    hotkey = StopHotkey(display=desktop.display, on_stop=called.append)
    started = time.perf_counter()
    hotkey.start()
    start_s = time.perf_counter() - started
    assert hotkey.listening and start_s < 0.1, f"start-up took {start_s * 1000:.0f} ms"
    hotkey.close()
    assert not hotkey.listening
    assert threading.active_count() == threads_before, "the listening thread outlived close()"
    assert len(os.listdir("/proc/self/fd")) == fds_before, "an X connection outlived close()"

    press_hotkey(desktop)  # nobody listens: nothing to stop, nothing remembered
    time.sleep(0.1)
    assert not hotkey.pressed and called == []
    assert demo_app.proc is not None and demo_app.proc.poll() is None
    with StopHotkey(display=desktop.display) as fresh:
        time.sleep(0.05)
        assert not fresh.pressed  # an earlier press does not stop the next run
        press_hotkey(desktop, "ctrl+alt+q")  # not the combo (no shift)
        time.sleep(0.1)
        assert not fresh.pressed
    # The next run goes ahead normally.
    x, y = demo_app.centre("count")
    proc, out = start_run(desktop, [{"kind": "click", "x": x, "y": y}], tmp_path)
    assert proc.wait(timeout=60) == 0, proc.communicate()[1]
    assert demo_app.wait(lambda s: s["count_clicks"] == 1)


def test_a_replay_is_stopped_too(desktop, tmp_path) -> None:
    scenario = tmp_path / "pause.yaml"
    scenario.write_text("name: a long pause\nsteps:\n  - action: {kind: wait, seconds: 30}\n")
    out = tmp_path / "replay"
    cmd = [sys.executable, "-m", "deskpilot", "replay", str(scenario), "--out", str(out), "--repeat", "1"]
    proc = subprocess.Popen(cmd, env=desktop.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not (out / "run.json").is_file():  # the run has started; the wait is under way
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[1]
        time.sleep(0.01)
    time.sleep(0.3)
    latency_s, stderr = stopped_run(proc, press_hotkey(desktop))
    assert proc.returncode == 130, stderr
    assert f"deskpilot: replay failed: {REASON}" in stderr.splitlines()
    assert json.loads((out / "summary.json").read_text())["reason"] == REASON


@pytest.fixture
def display_without_record() -> Iterator[str]:
    """A bare Xvfb started with the RECORD extension disabled."""
    read_fd, write_fd = os.pipe()
    cmd = [
        "Xvfb",
        "-displayfd",
        str(write_fd),
        "-extension",
        "RECORD",
        "-nolisten",
        "tcp",
        "-screen",
        "0",
        "640x480x24",
    ]
    server = subprocess.Popen(cmd, pass_fds=(write_fd,), stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as announced:
            yield f":{announced.readline().strip()}"
    finally:
        server.terminate()
        server.wait(10)


def test_no_record_extension_is_a_clear_error_not_a_run_without_a_stop_key(display_without_record) -> None:
    threads_before = threading.active_count()
    with pytest.raises(DesktopError) as refused:
        StopHotkey(display=display_without_record).start()
    assert str(refused.value) == (
        "the stop hotkey (ctrl+alt+shift+q) cannot listen: the X server has no RECORD extension (Xvfb and Xorg "
        "have it unless disabled); --stop-hotkey none runs without a stop key"
    )
    assert threading.active_count() == threads_before


def open_sockets() -> set[str]:
    """This process's open sockets ("socket:[inode]"): an X connection is one; an inode is not reused while open."""
    sockets = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed meanwhile (by another thread)
        if target.startswith("socket:"):
            sockets.add(target)
    return sockets


def test_no_record_extension_leaves_no_connection_open(display_without_record) -> None:
    """Both XRecord listeners (the stop key's and the recorder's) close all they opened when refused."""
    from Xlib.display import Display

    from actions.x11.input_capture import X11InputCapture

    held = Display(display_without_record)  # Xvfb resets when its last client leaves: not between the tries
    try:
        for listen in (
            lambda: StopHotkey(display=display_without_record).start(),
            lambda: X11InputCapture(lambda event: None, display_without_record),
        ):
            before = open_sockets()
            with pytest.raises(DesktopError, match="no RECORD extension"):
                listen()
            assert open_sockets() - before == set(), "an X connection was left open"
    finally:
        held.close()


def test_a_run_waiting_for_the_model_is_stopped_within_a_second(desktop, tmp_path) -> None:
    """The model server takes its time: the stop interrupts the blocking HTTP read, not only the loop."""
    from planners.fake_server import Delay, FakeChatServer

    out = tmp_path / "run"
    with FakeChatServer(default=Delay(30.0)) as server:
        cmd = [
            sys.executable,
            "-m",
            "deskpilot",
            "run",
            "click the Count button",
            "--base-url",
            server.base_url,
            "--model",
            "fake-qwen3-vl",
            "--out",
            str(out),
        ]
        proc = subprocess.Popen(cmd, env=desktop.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not server.chat_requests:  # the planner is waiting for the answer
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[1]
            time.sleep(0.01)
        time.sleep(0.1)
        latency_s, stderr = stopped_run(proc, press_hotkey(desktop))
    assert proc.returncode == 130, stderr
    assert f"deskpilot: run failed: {REASON}" in stderr.splitlines() and "Traceback" not in stderr
    assert json.loads((out / "summary.json").read_text())["reason"] == REASON
