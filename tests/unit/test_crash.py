"""A run killed with SIGKILL mid-way keeps every finished step readable, and its report builds."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap

from agent.cli.main import main
from agent.run_dir import read_steps
from planners.verdicts import Verdict

SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    import numpy as np
    from actions import Click, RecordingExecutor
    from deskpilot import Agent, SettleConfig
    from agent.run_dir import RunDirectory
    from actions.frame import FakeScreen
    from planners import ScriptedPlanner

    screen = FakeScreen([np.full((30, 40, 3), i, dtype=np.uint8) for i in range(10)])
    executor = RecordingExecutor()

    def react(action):
        if len(executor.performed) == 4:
            os.kill(os.getpid(), signal.SIGKILL)  # dies in the middle of step 4
        screen.advance()

    executor.on_perform = react
    plan = [Click(x=i, y=i) for i in range(6)]
    config = SettleConfig(poll_ms=1, quiet_ms=0, react_timeout_ms=0, timeout_s=1)
    Agent(ScriptedPlanner(plan), executor, screen, run_dir=RunDirectory(sys.argv[1]), settle_config=config).run("t")
    """
)


def test_sigkill_mid_run_loses_no_finished_step(tmp_path) -> None:
    run_dir = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(run_dir)], capture_output=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    steps = read_steps(run_dir)
    assert [s.index for s in steps] == [1, 2, 3]
    assert all(s.verdict is Verdict.CHANGED for s in steps)
    assert [s.action.x for s in steps if s.action] == [0, 1, 2]
    # Screenshots are encoded off the loop's thread: the newest ones may not have been written
    # when the process died, but a PNG that exists is whole (written to .tmp, then renamed).
    from PIL import Image

    for step in steps:
        assert step.after is not None
        if (run_dir / step.after).exists():
            with Image.open(run_dir / step.after) as image:
                image.load()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["success"] is False and summary["finished_s"] is None  # the run never closed

    assert main(["report", str(run_dir)]) == 0
    report = (run_dir / "report.html").read_text()
    assert "incomplete" in report and report.count("class='step'") == 3


def test_a_torn_last_line_is_skipped(tmp_path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    good = '{"index": 1, "action": null, "verdict": "invalid", "tries": 0}'
    (run_dir / "steps.jsonl").write_text(good + "\n" + '{"index": 2, "action": {"kind": "cli')
    assert [s.index for s in read_steps(run_dir)] == [1]


def test_report_of_a_directory_that_is_not_a_run(tmp_path, capsys) -> None:
    assert main(["report", str(tmp_path)]) == 2
    assert (
        capsys.readouterr().err.strip()
        == f"deskpilot: error: {tmp_path}: not a run directory (no steps.jsonl or run.json)"
    )
