"""`deskpilot replay` climbs anchor -> tree -> template -> OCR: a scenario step whose label is Chinese (which
OCR cannot read) is found by the tree in a GTK dialog the scenario's setup starts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.realapps.conftest import require

FLOW = """name: answer the question
setup:
  command: zenity --question "--title=deskpilot question" --text=继续吗？ --ok-label=确定 --cancel-label=取消
  window_title: ^deskpilot question$
  timeout_s: 30
steps:
- action: {kind: click}
  expect: {no_window: ^deskpilot question$}
  target: {description: the OK button, label: 确定}
"""


def test_a_replay_step_is_found_by_its_label_in_the_tree(desktop, tmp_path: Path) -> None:
    require("zenity", "zenity")
    flow = tmp_path / "flow.yaml"
    flow.write_text(FLOW, encoding="utf-8")
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "deskpilot", "replay", str(flow), "--out", str(out), "--quiet"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=desktop.env(), timeout=300)
    records = [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]
    assert proc.returncode == 0, proc.stderr + str([(r.get("verdict"), r.get("note")) for r in records])
    [found] = [g for r in records for g in (r.get("grounding") or [])]
    tried = [t["rung"] for t in found["tried"]]
    assert tried == ["anchor", "tree"], found  # the dialog closed: the expectation {no_window} was met
    assert found["tried"][-1]["element"]["name"] == "确定"
