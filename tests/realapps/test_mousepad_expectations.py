"""Expectations on a real GTK3 app: mousepad's Save As flow writes the file with default flags.

The GTK file chooser makes its Save button sensitive about 180 ms after a typed path is drawn
(bench.reaction_times); an Enter sent when the screen has been quiet only 60 ms is lost and the
dialog stays open. Deskpilot waits until a dialog has been quiet for SettleConfig.dialog_quiet_ms.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(shutil.which("mousepad") is None, reason="needs mousepad (apt-get install mousepad)")


def test_mousepad_save_as_writes_the_file_with_default_flags(desktop, tmp_path) -> None:
    from actions.x11.windows import find_window, wait_for_window

    target = tmp_path / "saved.txt"
    env = {**desktop.env(), "NO_AT_BRIDGE": "1"}
    app = subprocess.Popen(
        ["mousepad", "--disable-server"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_window("Mousepad$", 20, display=env["DISPLAY"])
        plan = [
            {"kind": "type", "text": "written by deskpilot"},
            {"kind": "key", "keys": ["ctrl", "s"], "expect": {"window": "^Save As$"}},
            {"kind": "type", "text": str(target)},
            {"kind": "key", "keys": ["enter"], "expect": {"no_window": "^Save As$"}},
        ]
        (tmp_path / "plan.json").write_text(json.dumps(plan))
        cmd = [
            sys.executable,
            "-m",
            "deskpilot",
            "run",
            "--plan",
            str(tmp_path / "plan.json"),
            "--out",
            str(tmp_path / "run"),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert target.read_text() == "written by deskpilot"  # the app's own end state: the bytes on disk
        assert find_window("^Save As$", display=env["DISPLAY"]) is None
        steps = [json.loads(line) for line in (tmp_path / "run" / "steps.jsonl").read_text().splitlines()]
        assert [s["verdict"] for s in steps] == ["changed", "met", "changed", "met"]
    finally:
        app.terminate()
        app.wait(5)
