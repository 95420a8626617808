"""`deskpilot replay FLOW.yaml --vars-csv ROWS.csv`: the demo form filled once per row, one bad row."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios" / "demo_form.yaml"

ROWS = """who,email,status
Ada Lovelace,ada@example.com,Submitted
Grace Hopper,grace@example.com,Submitted
Alan Turing,alan@example.com,Approved
Edsger Dijkstra,edsger@example.com,Submitted
Barbara Liskov,barbara@example.com,Submitted
"""


def data_scenario(tmp_path: Path) -> Path:
    """The bundled flow, starting with Clear, its Submit check reading the row's `status`."""
    shutil.copytree(BUNDLED.with_name("demo_form.templates"), tmp_path / "demo_form.templates")
    data = yaml.safe_load(BUNDLED.read_text())
    data["variables"]["status"] = {"default": "Submitted", "description": "what the status line says after Submit"}
    clear = {"action": {"kind": "click"}, "target": {"description": "the Clear button", "label": "Clear"}}
    steps = [clear, *data["steps"][:-1]]  # no Count click
    steps[6]["checks"] = [{"kind": "text_visible", "text": "{{var:status}}", "timeout_s": 2.0}]
    data["steps"], data["setup"] = steps, {"window_title": "^Deskpilot Demo$"}
    path = tmp_path / "demo_form.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def test_one_replay_per_row_and_the_bad_row_fails_with_its_reason(desktop, demo_app, tmp_path) -> None:
    flow, rows, out = data_scenario(tmp_path), tmp_path / "rows.csv", tmp_path / "runs"
    rows.write_text(ROWS, encoding="utf-8")
    cmd = [
        sys.executable,
        "-m",
        "deskpilot",
        "replay",
        str(flow),
        "--vars-csv",
        str(rows),
        "--out",
        str(out),
        "--quiet",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=desktop.env(), timeout=600)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:2] == ["row", "result"]
    results = [line.split()[:2] for line in lines[2:7]]
    assert results == [["1", "passed"], ["2", "passed"], ["3", "failed"], ["4", "passed"], ["5", "passed"]]
    assert "7 (click the Submit button)" in lines[4] and "expected text 'Approved'" in lines[4]
    assert lines[7] == "4/5 rows passed"
    state = demo_app.state()
    assert state["submit_count"] == 5  # the form was filled and submitted once per row
    assert state["submitted"] == {"name": "Barbara Liskov", "email": "barbara@example.com", "notes": "", "agree": True}
    index = (out / "index.html").read_text()
    assert all(f"row-{n:03d}/report.html" in index for n in range(1, 6))
    assert all((out / f"row-{n:03d}" / "report.html").exists() for n in range(1, 6))
    assert (out / "rows.csv").read_text().count("\n") == 6


def test_stop_on_failure_stops_at_the_first_bad_row(desktop, demo_app, tmp_path) -> None:
    flow, rows, out = data_scenario(tmp_path), tmp_path / "rows.csv", tmp_path / "runs"
    rows.write_text(ROWS, encoding="utf-8")
    cmd = [
        sys.executable,
        "-m",
        "deskpilot",
        "replay",
        str(flow),
        "--vars-csv",
        str(rows),
        "--out",
        str(out),
        "--quiet",
        "--stop-on-failure",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=desktop.env(), timeout=600)
    assert proc.returncode == 1
    assert "3/5 rows passed" not in proc.stdout and "2/3 rows passed" in proc.stdout
    assert demo_app.state()["submit_count"] == 3


def test_a_column_that_is_no_variable_is_refused_before_anything_runs(desktop, demo_app, tmp_path) -> None:
    flow, rows = data_scenario(tmp_path), tmp_path / "rows.csv"
    rows.write_text("who,phone\nAda,123\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "deskpilot", "replay", str(flow), "--vars-csv", str(rows)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=desktop.env(), timeout=120)
    assert proc.returncode == 2
    assert "column 'phone' is not a variable" in proc.stderr
    assert demo_app.state()["submit_count"] == 0


def test_replay_learns_a_drifted_app_in_its_cache_and_the_next_replay_needs_only_anchors(desktop, tmp_path) -> None:
    from scenarios.harness import DemoAppProcess

    flow = tmp_path / "demo_form.yaml"
    shutil.copy(BUNDLED, flow)
    shutil.copytree(BUNDLED.with_name("demo_form.templates"), tmp_path / "demo_form.templates")
    original = flow.read_text()
    runs = []
    for attempt, extra in enumerate([[], ["--strict-cache"]]):
        with DemoAppProcess(tmp_path / f"s{attempt}.json", desktop.env(), extra_args=["--theme", "dark"]) as app:
            out = tmp_path / f"run{attempt}"
            cmd = [
                sys.executable,
                "-m",
                "deskpilot",
                "replay",
                str(flow),
                "--out",
                str(out),
                "--quiet",
                "--cache",
                str(tmp_path / "flow.cache"),
                *extra,
            ]
            proc = subprocess.run(cmd, capture_output=True, text=True, env=desktop.env(), timeout=300)
            assert proc.returncode == 0, proc.stderr
            assert app.wait(lambda s: s["count_clicks"] == 1)["submitted"]["name"] == "Ada Lovelace"
        steps = [yaml.safe_load(line) for line in (out / "steps.jsonl").read_text().splitlines()]
        runs.append([s["grounding"][0]["rung"] for s in steps if s.get("grounding")])
    assert runs == [["ocr"] * 5, ["anchor"] * 5]  # recoloured: OCR once, then the learned anchors
    assert flow.read_text() == original  # the YAML stays as reviewed
