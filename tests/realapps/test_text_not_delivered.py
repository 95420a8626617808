"""A ``type`` whose text did not arrive fails the run: never ``changed``, never "succeeded"."""

from __future__ import annotations

import json

from tests.realapps.conftest import explain, run_plan, steps


def test_a_paste_nobody_fetches_fails_the_run(desktop, focus_that_never_pastes, tmp_path) -> None:
    proc = run_plan([{"kind": "type", "text": "Zoë ✓"}], desktop.env(), tmp_path)
    assert proc.returncode == 1, explain(proc, tmp_path)
    assert "text not delivered" in proc.stderr
    assert not [s for s in steps(tmp_path) if s.get("verdict") == "changed"], explain(proc, tmp_path)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["success"] is False and "text not delivered" in summary["reason"]
    # The step is on record as failed, with what the clipboard saw, and the run stops there.
    (step,) = steps(tmp_path)
    assert step["verdict"] == "failed" and step["text_strategy"] == [["xtest", "Zo"]], explain(proc, tmp_path)
    assert step["seen"]["paste_requests"] == [] and "nothing asked for the clipboard" in step["seen"]["detail"]
    assert summary["reason"].startswith("step 1 (type(text='Zoë ✓')) failed")
