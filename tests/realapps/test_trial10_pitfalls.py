"""What a tenth trial (gnome-text-editor, SciTE, st, mlterm; docs/trial10.md) found, beyond the terminals'
prompt and OCR causes (tests/realapps/test_terminals.py): a line typed into an editor, with its Enter, and a check
for part of it was ``unproven`` ("only the typed line's own echo shows it"), and the plan stopped before its
save. The echo rule is for a command a shell echoes; in an editor the typed line showing is the work. The app's
tree tells them apart: an editor's text is editable and holds the typed lines (read back), a terminal's is not.
"""

from __future__ import annotations

from scenarios.realapps.apps import running_app
from tests.realapps.conftest import explain, file_holding, require, run_plan, steps


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
        saved = file_holding(document, "Total: 42\n")
    assert saved == "Total: 42\n", explain(run, tmp_path)  # typed and saved: mousepad's own file
    typed, _ = steps(tmp_path)
    assert typed["verdict"] == "met", explain(run, tmp_path)
    assert run.returncode == 0, explain(run, tmp_path)
