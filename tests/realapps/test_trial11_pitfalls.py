"""What an eleventh trial (docs/trial11.md) found: gedit asks the clipboard's TARGETS twice right after it
fetched the pasted text, then nothing. The paste took that for Chromium's way (a re-read follows) and waited 10 s
for a re-read that never came, then failed the step: "text may not have arrived", the text in the document
(a false failure). A client that asks a little more and then nothing has pasted (actions/x11/clipboard.py).
"""

from __future__ import annotations

from scenarios.realapps.apps import running_app
from tests.realapps.conftest import explain, file_holding, require, run_plan, steps

TEXT = "Grüße 你好"


def test_text_pasted_into_gedit_arrives_and_is_read_back(desktop, clock, tmp_path) -> None:
    require("gedit", "gedit")
    document = tmp_path / "g.txt"
    document.write_text("", encoding="utf-8")
    plan = [{"kind": "type", "text": TEXT}, {"kind": "key", "keys": ["ctrl", "s"]}]
    with running_app(["gedit", "--standalone", str(document)], desktop.env(), r"^g\.txt"):
        run = run_plan(plan, desktop.env(), tmp_path)
        saved = file_holding(document, TEXT + "\n")
    assert saved == TEXT + "\n", explain(run, tmp_path)  # gedit's own file (it ends it with a newline): once
    typed, _ = steps(tmp_path)
    assert typed["verdict"] == "read_back", explain(run, tmp_path)
    assert run.returncode == 0, explain(run, tmp_path)
