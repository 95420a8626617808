"""A target no rung is sure of: the run fails naming the step, nothing is performed, and the failed
step is on disk with what every rung tried, drawn in the report's "Why" section."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _steps(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]


def _run(desktop, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deskpilot", *args], env=desktop.env(), capture_output=True, text=True, timeout=180
    )


def test_a_plan_target_that_is_not_there_is_a_failed_step_with_every_rung(desktop, demo_app, tmp_path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"kind": "click", "target": {"text": "Launch rockets"}}]))
    out = tmp_path / "run"
    proc = _run(desktop, "run", "--plan", str(plan), "--out", str(out))
    assert proc.returncode == 1, proc.stderr
    assert "Launch rockets" in proc.stderr
    # The progress line names the step and what was not found; a script's target is no "refused answer".
    assert "refused answer" not in proc.stderr
    assert "step   1  step 1 (click): text 'Launch rockets'" in proc.stderr, proc.stderr
    (step,) = _steps(out)
    assert step["verdict"] == "failed" and step["action"] is None and step["performed"] is False
    tried = [rung["rung"] for entry in step["grounding"] for rung in entry["tried"]]
    assert "ocr" in tried
    words = [w[0] for entry in step["grounding"] for rung in entry["tried"] for w in rung.get("words", [])]
    assert "Submit" in words  # what OCR did read on the demo app, for the person looking at the report
    assert demo_app.state()["count_clicks"] == 0 and demo_app.state()["submit_count"] == 0
    report = (out / "report.html").read_text()
    assert "<h2 class='section'>Why</h2>" in report and "target not found: nothing performed" in report
    assert "OCR read" in report


def test_a_replay_step_that_is_not_found_draws_every_rungs_candidates(desktop, demo_app, tmp_path) -> None:
    scenario = tmp_path / "missing.yaml"
    # A label nobody has, and an anchor whose crop is of something else: the rungs try and refuse.
    scenario.write_text(
        "name: missing\nsteps:\n- action: {kind: click}\n  target:\n    description: the Launch button\n"
        "    label: Launch rockets\n"
    )
    out = tmp_path / "run"
    proc = _run(desktop, "replay", str(scenario), "--out", str(out))
    assert proc.returncode == 1, proc.stderr
    assert "step 1" in proc.stderr
    (step,) = _steps(out)
    assert step["verdict"] == "failed" and step["action"] is None
    assert any(rung["rung"] == "ocr" and not rung["ok"] for entry in step["grounding"] for rung in entry["tried"])
    report = (out / "report.html").read_text()
    assert "target not found: nothing performed" in report and "OCR read" in report
    assert "<b>not found</b>" in report and "found by <span class='rung'>" not in report
    assert demo_app.state()["count_clicks"] == 0
