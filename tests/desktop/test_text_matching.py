"""The one text rule (issue 16 point 4) on a real Tk window read by real tesseract: targets, `expect`,
`wait_for`, `sees` and `read_text` all match "Applied 1 time" in a label "Applied 1 time(s)", `exact`
refuses it, a /regex/ finds it, and a whole-line "Save" beats the "Save" inside "Save as".

The app is a few lines of Tk written here (nobody's demo): it counts its own clicks in a state file,
which is what the assertions read.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskpilot import Desktop, ExpectationFailed
from tests.desktop.test_cli_desktop import deskpilot, write_plan

_APP = r"""
import json, sys, tkinter as tk
state_path = sys.argv[1]
state = {"applied": 0, "saved": 0, "saved_as": 0}
root = tk.Tk()
root.title("Text rule")
root.geometry("420x220+120+120")
font = ("DejaVu Sans", 12)
status = tk.Label(root, text="Not applied yet", font=font)
def write():
    with open(state_path + ".tmp", "w") as f:
        json.dump(state, f)
    import os; os.replace(state_path + ".tmp", state_path)
def bump(key):
    state[key] += 1
    shown = {"applied": "Applied {} time(s)", "saved": "Saved {}", "saved_as": "Saved a copy {}"}[key]
    status.config(text=shown.format(state[key]))
    write()
tk.Button(root, text="Apply", font=font, command=lambda: bump("applied")).place(x=20, y=20)
tk.Button(root, text="Save as", font=font, command=lambda: bump("saved_as")).place(x=150, y=20)
tk.Button(root, text="Save", font=font, command=lambda: bump("saved")).place(x=290, y=20)
status.place(x=20, y=120)
root.after(300, write)
root.mainloop()
"""


class TextApp:
    def __init__(self, state: Path) -> None:
        self.state_path = state

    def state(self) -> dict[str, int]:
        return json.loads(self.state_path.read_text())


@pytest.fixture
def text_app(desktop, tmp_path: Path) -> Iterator[TextApp]:
    script, state = tmp_path / "text_app.py", tmp_path / "state.json"
    script.write_text(_APP)
    proc = subprocess.Popen([sys.executable, str(script), str(state)], env=desktop.env())
    deadline = time.monotonic() + 20
    while not state.exists():  # the app writes its state once it is up
        assert proc.poll() is None and time.monotonic() < deadline, "the Tk app did not start"
        time.sleep(0.05)
    yield TextApp(state)
    proc.terminate()
    proc.wait(timeout=10)


def _steps(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]


def test_a_part_of_a_line_is_met_exact_refuses_it_and_a_regex_finds_it(desktop, text_app, tmp_path) -> None:
    plan = write_plan(
        tmp_path / "plan.json",
        [
            {"kind": "click", "target": "Apply", "expect": {"text": "Applied 1 time"}},
            {"kind": "click", "target": "apply", "expect": {"text": "/^Applied \\d+ times?\\(s\\)$/"}},
            {"kind": "click", "target": "Apply", "expect": {"text": "Applied 3 time", "exact": True, "timeout_s": 1}},
        ],
    )
    out = tmp_path / "run"
    proc = deskpilot(["run", "--plan", str(plan), "--out", str(out)], desktop.env())
    assert proc.returncode == 1, proc.stderr
    assert [s["verdict"] for s in _steps(out)] == ["met", "met", "failed"]
    assert "step 3 (click" in proc.stderr and "Applied 3 time" in proc.stderr
    # The app did all three clicks: the third step failed on its reading, not on its click.
    assert text_app.state()["applied"] == 3


def test_a_whole_line_wins_over_a_part_of_one(desktop, text_app, tmp_path) -> None:
    # "Save" is inside "Save as" too; the button that is all "Save" wins. "Save a" only has a part.
    plan = write_plan(
        tmp_path / "plan.json",
        [
            {"kind": "click", "target": "Save"},
            {"kind": "click", "target": "save A"},
            {"kind": "click", "target": {"text": "Save as", "exact": True}},
        ],
    )
    proc = deskpilot(["run", "--plan", str(plan), "--out", str(tmp_path / "run")], desktop.env())
    assert proc.returncode == 0, proc.stderr
    assert text_app.state() == {"applied": 0, "saved": 1, "saved_as": 2}
    refused = write_plan(tmp_path / "exact.json", [{"kind": "click", "target": {"text": "save", "exact": True}}])
    proc = deskpilot(["run", "--plan", str(refused), "--out", str(tmp_path / "run2")], desktop.env())
    assert proc.returncode == 1 and "'save' (exact) is not on the screen" in proc.stderr, proc.stderr
    assert text_app.state() == {"applied": 0, "saved": 1, "saved_as": 2}  # nothing clicked


def test_the_scripting_api_reads_by_the_same_rule(desktop, text_app, tmp_path) -> None:
    with Desktop(out=tmp_path / "run", cache=tmp_path / "cache") as desk:
        desk.click("Apply")
        desk.wait_for("Applied 1 time", timeout_s=5)
        assert desk.sees("applied 1 TIME(S)") and desk.sees("/Applied \\d time/")
        assert not desk.sees("Applied 2 time") and not desk.sees("/^Applied 1 time$/")
        assert desk.read_text(near="applied") == "1 time(s)"  # the words after the label, on its line
        with pytest.raises(ExpectationFailed):
            desk.wait_for("/Applied [2-9]/", timeout_s=0.5)
    assert text_app.state()["applied"] == 1
