"""A ``type`` whose text did not arrive fails the run: never ``changed``, never "succeeded"."""

from __future__ import annotations

import json

import pytest

from tests.realapps.conftest import explain, run_plan, steps


@pytest.fixture
def focus_that_never_pastes(desktop):
    """A focused window whose client never asks for the clipboard (a field that takes no paste)."""
    from Xlib import X
    from Xlib.display import Display

    conn = Display(desktop.display)
    # override_redirect: mapped at once, without waiting for the window manager to manage it.
    window = conn.screen().root.create_window(0, 0, 80, 80, 0, X.CopyFromParent, override_redirect=True)
    window.map()
    conn.sync()
    window.set_input_focus(X.RevertToParent, X.CurrentTime)
    conn.sync()
    yield
    window.destroy()
    conn.close()


def test_a_paste_nobody_fetches_fails_the_run(desktop, focus_that_never_pastes, tmp_path) -> None:
    proc = run_plan([{"kind": "type", "text": "Zoë ✓"}], desktop.env(), tmp_path)
    assert proc.returncode == 1, explain(proc, tmp_path)
    assert "text not delivered" in proc.stderr
    assert not [s for s in steps(tmp_path) if s.get("verdict") == "changed"], explain(proc, tmp_path)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["success"] is False and "text not delivered" in summary["reason"]
