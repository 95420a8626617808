"""An app without an accessibility tree (the Tk demo) is handled by vision as before, on a desktop whose
accessibility bus runs: the step's grounding record says the tree was asked first and why it had no answer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scenarios.harness import DemoAppProcess


def test_the_tk_demo_is_found_by_ocr_and_the_record_says_why_not_by_the_tree(desktop, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"kind": "click", "target": {"text": "I agree"}}]), encoding="utf-8")
    out = tmp_path / "run"
    with DemoAppProcess(tmp_path / "state.json", desktop.env()) as app:
        cmd = [sys.executable, "-m", "deskpilot", "run", "--plan", str(plan), "--out", str(out)]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=desktop.env(), timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert app.wait(lambda s: s["agree"] is True)["agree"] is True
    [step] = [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]
    [found] = step["grounding"]
    assert found["rung"] == "ocr"
    tree, ocr = found["tried"]
    assert (tree["rung"], tree["ok"], ocr["rung"]) == ("tree", False, "ocr")
    assert tree["why"].startswith("no tree: the active window is not in the accessibility tree"), tree["why"]
    assert "grounding calls: anchor 0, template 0, tree 1, ocr 1, vlm 0" in proc.stderr + proc.stdout
