"""What a tenth trial (gnome-text-editor, SciTE, st, mlterm; docs/trial10.md) found, beyond the terminals'
prompt and OCR causes (tests/realapps/test_terminals.py): a line typed into an editor, with its Enter, and a check
for part of it was ``unproven`` ("only the typed line's own echo shows it"), and the plan stopped before its
save. The echo rule is for a command a shell echoes; in an editor the typed line showing is the work. The app's
tree tells them apart: an editor's text is editable and holds the typed lines (read back), a terminal's is not.
"""

from __future__ import annotations

import time
from pathlib import Path

from scenarios.realapps.apps import running_app
from tests.realapps.conftest import explain, require, run_plan, steps


def _saved(path: Path, wanted: str, timeout_s: float = 5.0) -> str:
    deadline = time.monotonic() + timeout_s
    while path.read_text(encoding="utf-8") != wanted and time.monotonic() < deadline:
        time.sleep(0.05)  # waiting for another process's save
    return path.read_text(encoding="utf-8")


def test_a_line_typed_into_an_editor_meets_a_check_for_part_of_it(desktop, clock, tmp_path) -> None:
    require("mousepad", "mousepad")
    document = tmp_path / "sum.txt"
    document.write_text("", encoding="utf-8")
    plan = [
        {"kind": "type", "text": "Total: 42\n", "expect": {"text": "42", "near": {"text": "Total"}, "timeout_s": 3}},
        {"kind": "key", "keys": ["ctrl", "s"]},
    ]
    with running_app(["mousepad", "--disable-server", str(document)], desktop.env(), r"sum\.txt"):
        run = run_plan(plan, desktop.env(), tmp_path)
        saved = _saved(document, "Total: 42\n")
    assert saved == "Total: 42\n", explain(run, tmp_path)  # typed and saved: mousepad's own file
    typed, _ = steps(tmp_path)
    assert typed["verdict"] == "met", explain(run, tmp_path)
    assert run.returncode == 0, explain(run, tmp_path)
