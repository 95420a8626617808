"""featherpad (Qt5): typed unicode is saved exactly (featherpad adds a trailing newline on save)."""

from __future__ import annotations

import re
import time

from scenarios.realapps.apps import running_app
from tests.realapps.conftest import explain, require, run_plan

TEXT = "Grüße, café ✓\n你好，世界\n<tag> & 100% a<b>é z ~`!@#$%^&*()_+-={}[]|\\:;\"',./?"


def test_featherpad_saves_typed_unicode(desktop, tmp_path) -> None:
    require("featherpad", "featherpad")
    target = tmp_path / "saved-by-deskpilot.txt"
    target.write_bytes(b"")  # an existing empty file: ctrl+s saves it in place, no dialog
    with running_app(["featherpad", "--standalone", str(target)], desktop.env(), re.escape(target.name)) as window:
        plan = [
            # The editor already has the focus: the click changes nothing, and says so.
            {
                "kind": "click",
                "x": window.left + window.width // 2,
                "y": window.top + window.height // 2,
                "expect": "none",
            },
            {"kind": "type", "text": TEXT},
            {"kind": "key", "keys": ["ctrl", "s"]},
        ]
        proc = run_plan(plan, desktop.env(), tmp_path)
        want = (TEXT + "\n").encode()
        deadline = time.monotonic() + 5
        while target.read_bytes() != want and time.monotonic() < deadline:
            time.sleep(0.05)  # the test waits for another process's file, not the action path
    assert target.read_bytes() == want, explain(proc, tmp_path)
    assert proc.returncode == 0, explain(proc, tmp_path)
