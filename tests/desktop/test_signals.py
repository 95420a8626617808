"""SIGINT (also when inherited as ignored), SIGTERM and SIGHUP end run, replay and record cleanly.

Each command is started as a user's script or a supervisor would start it, the signal arrives while
it is busy (a long ``wait`` step, or a person's recording), and the test checks what is left behind:
the exit status, summary.json and report.html with the reason, held input released, the recording
saved with the steps made so far.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from Xlib.display import Display

from planners.scenario_file import load_scenario
from scenarios.harness import DemoAppProcess

SIGNALS = [
    pytest.param(signal.SIGINT, 130, "SIGINT", id="SIGINT-inherited-ignored"),
    pytest.param(signal.SIGTERM, 143, "SIGTERM", id="SIGTERM"),
    pytest.param(signal.SIGHUP, 129, "SIGHUP", id="SIGHUP"),
]


def _ignore_sigint() -> None:
    """What a shell does for a job started with ``&`` (and nohup for SIGHUP): SIGINT arrives ignored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start(desktop, *args: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "deskpilot", *args]
    return subprocess.Popen(
        cmd, env=desktop.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_ignore_sigint
    )


def _wait_for_lines(path: Path, count: int, proc: subprocess.Popen[str], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.is_file() and len(path.read_text().splitlines()) >= count:
            return
        if proc.poll() is not None:
            raise AssertionError(f"ended early ({proc.returncode}): {proc.communicate()[1]}")
        time.sleep(0.05)
    raise AssertionError(f"{path} never had {count} lines")


def _stop(proc: subprocess.Popen[str], signum: int) -> tuple[int, str, float]:
    sent = time.monotonic()
    proc.send_signal(signum)
    try:
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, stderr, time.monotonic() - sent


def _pointer_buttons_held(display: str) -> int:
    conn = Display(display)
    try:
        return conn.screen().root.query_pointer().mask & 0x1F00  # Button1..Button5 masks
    finally:
        conn.close()


@pytest.mark.parametrize(("signum", "status", "name"), SIGNALS)
def test_run_ends_cleanly_on_a_signal(desktop, demo_app, tmp_path: Path, signum: int, status: int, name: str) -> None:
    x, y = demo_app.centre("count")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"kind": "click", "x": x, "y": y}, {"kind": "wait", "seconds": 60}]))
    out = tmp_path / "run"
    proc = _start(desktop, "run", "--plan", str(plan), "--out", str(out), "--stop-hotkey", "none")
    _wait_for_lines(out / "steps.jsonl", 1, proc)  # the click is on disk; the wait is running
    returncode, stderr, took_s = _stop(proc, signum)
    assert returncode == status, stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["success"] is False and name in summary["reason"], summary
    assert name in (out / "report.html").read_text()
    assert summary["steps"] >= 1 and demo_app.state()["count_clicks"] == 1
    assert _pointer_buttons_held(desktop.display) == 0
    assert took_s < 10, f"took {took_s:.1f} s to stop"  # generous: a stop that hangs is the failure here


@pytest.mark.parametrize(("signum", "status", "name"), SIGNALS)
def test_replay_ends_cleanly_on_a_signal(desktop, tmp_path: Path, signum: int, status: int, name: str) -> None:
    scenario = tmp_path / "waits.yaml"
    scenario.write_text(
        "name: waits\nsteps:\n- action: {kind: wait, seconds: 0.1}\n- action: {kind: wait, seconds: 60}\n"
    )
    out = tmp_path / "run"
    proc = _start(desktop, "replay", str(scenario), "--out", str(out), "--stop-hotkey", "none")
    _wait_for_lines(out / "steps.jsonl", 1, proc)
    returncode, stderr, _ = _stop(proc, signum)
    assert returncode == status, stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["success"] is False and name in summary["reason"], summary
    assert (out / "report.html").is_file()


@pytest.mark.parametrize(("signum", "status", "name"), SIGNALS)
def test_record_saves_the_recording_on_a_signal(desktop, tmp_path: Path, signum: int, status: int, name: str) -> None:
    path = tmp_path / "flow.yaml"
    with DemoAppProcess(tmp_path / "state.json", desktop.env()) as app:
        proc = _start(desktop, "record", str(path))
        assert proc.stderr is not None
        assert "recording to" in proc.stderr.readline()
        subprocess.run(
            ["xdotool", "mousemove", *map(str, app.centre("submit")), "click", "1"],
            env=desktop.env(),
            check=True,
            timeout=10,
        )
        app.wait(lambda s: s["submit_count"] == 1)
        # No wait here: stopping the XRecord context flushes what the server intercepted before it.
        returncode, stderr, _ = _stop(proc, signum)
    assert returncode == status, stderr
    scenario = load_scenario(path)
    assert [s.action for s in scenario.steps] == [{"kind": "click"}]


def test_a_killed_recorder_loses_at_most_the_step_in_progress(desktop, tmp_path: Path) -> None:
    """SIGKILL cannot be handled: the journal on disk is what survives, and --recover turns it into the file."""
    path = tmp_path / "flow.yaml"
    journal = tmp_path / "flow.recording"
    with DemoAppProcess(tmp_path / "state.json", desktop.env()) as app:
        proc = _start(desktop, "record", str(path))
        assert proc.stderr is not None and "recording to" in proc.stderr.readline()
        for name in ("count", "submit", "count"):
            subprocess.run(
                ["xdotool", "mousemove", *map(str, app.centre(name)), "click", "1"],
                env=desktop.env(),
                check=True,
                timeout=10,
            )
        app.wait(lambda s: s["count_clicks"] == 2 and s["submit_count"] == 1)
        _wait_for_lines(journal / "journal.jsonl", 1 + 2, proc)  # header + the two finished clicks
        proc.kill()
        proc.communicate(timeout=20)
    assert not path.exists()
    recovered = subprocess.run(
        [sys.executable, "-m", "deskpilot", "record", "--recover", str(journal)],
        env=desktop.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert recovered.returncode == 0, recovered.stderr
    scenario = load_scenario(path)
    assert [s.action for s in scenario.steps] == [{"kind": "click"}, {"kind": "click"}]
    anchors = [s.target.anchor for s in scenario.steps if s.target is not None]
    assert [a.screen_point for a in anchors if a is not None] == [app.centre("count"), app.centre("submit")]
    assert all(a is not None and a.template and (tmp_path / a.template).is_file() for a in anchors)
    assert not journal.exists()


def test_recover_refuses_what_is_not_a_journal(desktop, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "deskpilot", "record", "--recover", str(tmp_path)],
        env=desktop.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    why = "no journal.jsonl there (give the .recording folder a recorder left)"
    assert proc.stderr == f"deskpilot: error: {tmp_path}: {why}\n"
