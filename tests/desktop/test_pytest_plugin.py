"""`pytest SCENARIOS -n 2`: scenario files are test items, each xdist worker on its own Xvfb.

The plugin is loaded into every pytest run of the environment, so it must also leave other projects
alone: one with its own `agent/` package starts, and a stray YAML file that looks like a scenario is
not collected unless the project points the plugin at it.
"""

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
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name.replace(' ', '_')}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    shutil.copytree(BUNDLED.with_name("demo_form.templates"), folder / "demo_form.templates", dirs_exist_ok=True)
    return path


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        str(folder),
        "-p",
        "no:cacheprovider",
        "-rA",
        "--deskpilot-runs",
        str(folder / "runs"),
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=folder)


def make_project_with_its_own_agent(folder: Path) -> Path:
    """Someone else's project: its own `agent` package, a test that uses it, a YAML file that looks like a scenario."""
    (folder / "agent").mkdir(parents=True)
    (folder / "agent" / "__init__.py").write_text('WHOSE = "the project\'s own"\n')
    (folder / "tests").mkdir()
    (folder / "tests" / "test_own.py").write_text(
        'import agent\n\n\ndef test_it_imports_its_own_agent():\n    assert agent.WHOSE == "the project\'s own"\n'
    )
    (folder / "stray.yaml").write_text("name: not a scenario\nsteps:\n  - {say: hello}\n")
    (folder / "pytest.ini").write_text("[pytest]\n")  # rootdir here, not in some parent folder
    return folder


def check_project_with_its_own_agent(python: str, folder: Path) -> None:
    """`python -m pytest` in that project, with Deskpilot installed beside it: starts, passes, collects no YAML."""
    cmd = [python, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "."]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=folder)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert re.search(r"^plugins: .*deskpilot", proc.stdout, re.M), proc.stdout[:2000]  # it was loaded
    assert "1 passed" in proc.stdout
    assert "stray" not in proc.stdout and "not a scenario" not in proc.stdout


def test_a_project_with_its_own_agent_package_still_runs_pytest(tmp_path: Path) -> None:
    check_project_with_its_own_agent(sys.executable, make_project_with_its_own_agent(tmp_path / "project"))


def test_two_workers_replay_on_two_private_displays(tmp_path: Path) -> None:
    copy_scenario(tmp_path, "fill the form", app_args="--x 100 --y 80")
    copy_scenario(tmp_path, "fill it moved", app_args="--x 500 --y 200 --layout moved")
    proc = run_pytest(tmp_path, "-n", "2", "--deskpilot-scenarios", ".")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "2 passed" in proc.stdout
    displays = set(re.findall(r"^display (:\d+), report", proc.stdout, re.M))
    assert len(displays) == 2  # one X server per worker
    # The anchor refused (the window moved), then the tree (Tk publishes none), then the template found it.
    assert re.search(r"step  6 click the Submit button\s+ok \(template after 2 refusals", proc.stdout)


def test_a_failing_scenario_reports_every_step(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\ndeskpilot_scenarios = flows\n")  # the ini way to point at them
    copy_scenario(tmp_path / "flows", "no submit", app_args="--submit none")
    (tmp_path / "elsewhere").mkdir()
    copy_scenario(tmp_path / "elsewhere", "not pointed at")  # would pass; it must not even be collected
    proc = run_pytest(tmp_path)
    assert proc.returncode == 1
    assert "scenario failed: step 6 (click the Submit button): no confident match" in proc.stdout
    assert re.search(r"step  5 click the 'I agree' checkbox\s+ok \(anchor", proc.stdout)
    failed = r"step  6 click the Submit button\s+FAILED: anchor: .*; template: .*; ocr: 'Submit' is not"
    assert re.search(failed, proc.stdout)
    assert re.search(r"step  7 click the Count button\s+not reached", proc.stdout)
    assert "not pointed at" not in proc.stdout
