"""False verdicts found by a sixth trial on apps nobody on the team had used (l3afpad, SpeedCrunch, GNOME Text
Editor, NEdit, Dillo), a clock ticking all along.

* A click into Dillo's empty "Name" field (FLTK: no accessibility tree) did its job, the field took the keyboard
  focus and showed its caret, and was ``no_change``: a mark two pixels wide is what a blinking caret draws, so
  it never counted. FLTK 1.3 draws a caret that does not blink; one that stays longer than any toolkit's
  blink keeps it on is the click's effect.
* A whole path typed into l3afpad's Save As dialog (GTK 3), opened on "notes.txt", was ``read_back`` and the
  run succeeded: GTK had selected only the stem "notes", so the field held "other.txt.txt" and that is the
  file l3afpad wrote. Typing over part of a single-line field's text leaves the rest beside the typed text.

Each test asserts what the app itself says (what its form sent) and the verdict.
"""

from __future__ import annotations

import subprocess
from typing import Any

from scenarios.realapps.apps import running_app
from scenarios.realapps.order_form import LIMITED_PAGE, ORDER_PAGE, order_server
from tests.realapps.conftest import explain, require, run_plan, steps


def run_on_dillo(
    desktop, page: bytes, plan: list[dict[str, Any]], tmp_path
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, list[str]]]]:
    """``plan`` run on ``page`` in Dillo (FLTK: no accessibility tree); the run and the forms the page sent."""
    require("dillo", "dillo")
    env = desktop.env()
    with order_server(page) as (url, received), running_app(["dillo", "-g", "700x500+0+0", url], env, "^Dillo: Order"):
        run = run_plan(plan, env, tmp_path)
    return run, received


def test_a_click_that_puts_a_steady_caret_in_a_field_is_changed(desktop, clock, tmp_path) -> None:
    plan = [
        # Into the empty field: its caret is all that changes (FLTK publishes no tree to ask).
        {"kind": "click", "target": {"text": "Name:", "window": "^Dillo", "offset": [100, 0]}},
        {"kind": "type", "text": "Ann Lee"},
        {"kind": "key", "keys": ["enter"], "expect": {"window": "^Dillo: Thanks"}},
    ]
    run, received = run_on_dillo(desktop, ORDER_PAGE, plan, tmp_path)
    click = steps(tmp_path)[0]
    assert click["verdict"] == "changed", (click.get("seen"), click.get("changed_bbox"), explain(run, tmp_path))
    assert run.returncode == 0, explain(run, tmp_path)
    assert received == [{"name": ["Ann Lee"]}], explain(run, tmp_path)  # the field had the focus: Dillo sent it


def test_a_path_typed_over_a_selected_stem_leaves_the_extension_and_fails(desktop, clock, tmp_path) -> None:
    require("l3afpad", "l3afpad")
    notes = tmp_path / "notes.txt"
    notes.write_text("first line\n", encoding="utf-8")
    other = tmp_path / "other.txt"
    env = desktop.env()
    with running_app(["l3afpad", str(notes)], env, r"^notes\.txt$"):
        plan = [
            {"kind": "key", "keys": ["ctrl", "shift", "s"], "expect": {"window": "^Save As$"}},
            {"kind": "type", "text": str(other)},  # over "notes", the part of "notes.txt" GTK selected
            {"kind": "key", "keys": ["enter"], "expect": {"no_window": "^Save As$"}},
        ]
        run = run_plan(plan, env, tmp_path)
    typed = steps(tmp_path)[1]
    assert typed["verdict"] == "failed", (typed.get("seen"), explain(run, tmp_path))
    assert "'.txt' stayed beside it" in typed["note"], typed["note"]
    assert run.returncode == 1, explain(run, tmp_path)
    # l3afpad's own word: the Enter was never sent, so nothing was written, least of all "other.txt.txt".
    assert sorted(path.name for path in tmp_path.glob("other*")) == [], explain(run, tmp_path)


def test_a_text_the_field_cut_short_fails_the_type_step(desktop, clock, tmp_path) -> None:
    """Dillo's qty field takes 3 characters: "12345" repaints it all the same (FLTK: no tree to read back), and
    the step was ``changed`` while the form sent 123. The typed line is read: the start of the text, 2 short."""
    plan = [
        {"kind": "click", "target": {"text": "Qty:", "window": "^Dillo", "offset": [60, 0]}},
        {"kind": "type", "text": "12345"},
        {"kind": "key", "keys": ["enter"], "expect": {"window": "^Dillo: Thanks"}},
    ]
    run, received = run_on_dillo(desktop, LIMITED_PAGE, plan, tmp_path)
    typed = steps(tmp_path)[1]
    assert typed["verdict"] == "failed", (typed.get("seen"), explain(run, tmp_path))
    assert "only the first 3 of the 5 letters and digits typed" in typed["seen"]["detail"], typed["seen"]
    assert run.returncode == 1, explain(run, tmp_path)
    assert received == []  # the run stopped at the cut text: nothing was sent


def test_a_whole_text_read_by_ocr_is_never_taken_for_a_cut_one(desktop, clock, tmp_path) -> None:
    """The other way: texts that reach a field whole, narrow ones included (read because their line looks short
    for their length), pass, and the form sends them as typed."""
    plan = [
        {"kind": "click", "target": {"text": "Qty:", "window": "^Dillo", "offset": [60, 0]}},
        {"kind": "type", "text": "7i1"},
        {"kind": "click", "target": {"text": "Note:", "window": "^Dillo", "offset": [60, 0]}},
        {"kind": "type", "text": "iiiii"},
        {"kind": "click", "target": {"text": "Send order", "window": "^Dillo"}, "expect": {"window": "^Dillo: Thanks"}},
    ]
    run, received = run_on_dillo(desktop, LIMITED_PAGE, plan, tmp_path)
    verdicts = [step["verdict"] for step in steps(tmp_path)]
    assert run.returncode == 0, explain(run, tmp_path)
    assert verdicts[1] == verdicts[3] == "changed", verdicts
    assert received == [{"qty": ["7i1"], "note": ["iiiii"]}]
