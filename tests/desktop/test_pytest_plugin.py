"""`pytest SCENARIOS -n 2`: scenario files are test items, each xdist worker on its own Xvfb."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios" / "demo_form.yaml"


def copy_scenario(folder: Path, name: str, *, app_args: str = "") -> Path:
    data = yaml.safe_load(BUNDLED.read_text())
    data["name"] = name
    data["setup"]["command"] = f"deskpilot-demo-app {app_args}".strip()
    path = folder / f"{name.replace(' ', '_')}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    shutil.copytree(BUNDLED.with_name("demo_form.templates"), folder / "demo_form.templates", dirs_exist_ok=True)
    return path


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pytest", str(folder), "-p", "no:cacheprovider", "-rA",
           "--deskpilot-runs", str(folder / "runs"), *args]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=folder)


def test_two_workers_replay_on_two_private_displays(tmp_path: Path) -> None:
    copy_scenario(tmp_path, "fill the form", app_args="--x 100 --y 80")
    copy_scenario(tmp_path, "fill it moved", app_args="--x 500 --y 200 --layout moved")
    proc = run_pytest(tmp_path, "-n", "2")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "2 passed" in proc.stdout
    displays = set(re.findall(r"^display (:\d+), report", proc.stdout, re.M))
    assert len(displays) == 2  # one X server per worker
    assert re.search(r"step  6 click the Submit button\s+ok \(template after 1 refusals", proc.stdout)


def test_a_failing_scenario_reports_every_step(tmp_path: Path) -> None:
    copy_scenario(tmp_path, "no submit", app_args="--submit none")
    proc = run_pytest(tmp_path)
    assert proc.returncode == 1
    assert "scenario failed: step 6 (click the Submit button): no confident match" in proc.stdout
    assert re.search(r"step  5 click the 'I agree' checkbox\s+ok \(anchor", proc.stdout)
    failed = r"step  6 click the Submit button\s+FAILED: anchor: .*; template: .*; ocr: 'Submit' is not"
    assert re.search(failed, proc.stdout)
    assert re.search(r"step  7 click the Count button\s+not reached", proc.stdout)
