"""Tree readings that once gave false verdicts or a wrong click on real apps, with a clock ticking all along.

Found by trying the tree features on apps the other tests do not use:

* Qt 5 leaves a closed combo popup's current item marked focused (and showing): the focus was read there, so
  a click into an already-focused field was ``no_change`` and text typed into a length-limited field was
  judged by its pixels (``changed``, the run "succeeded" with one character lost).
* Qt 5 answers "spin box" for a QSpinBox's role: neither ``field`` nor ``spin button`` found it; and it never
  says the spin box is editable, so what was typed into it was judged by its pixels (a refused "75" kept as 7).
* GTK's spin button holds "250" as its text until it commits it, then clamps it to its maximum: read back
  at once, the text passed (the run "succeeded", yad printed 100); the bounds the tree publishes fail it.
* Qt's open combo list is an unmanaged window over the fields below it; the tree still calls them showing, and
  a click at the Zip field's centre chose in the list instead (Size became Medium).
* Chromium's ``<select>`` publishes no text: ``{"value": ...}`` read '' although the page had the choice.
* A target scoped to a window without a tree (xcalc) was looked up in the tree of a bigger window under it
  (the "covering" fallback measured the overlap against the smaller of the two boxes) and clicked there.
* An open GTK menu's items and an open Qt combo list's items were clipped away by the menu bar and the combo
  box that hold them in the tree ("hidden or off-screen"): a role target never found one.
* ``zenity --forms`` relates no label to its entries: ``{"role": "field", "name": "City"}`` found nothing.

Each test asserts what the app itself printed.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from actions.errors import DesktopError
from actions.x11.windows import wait_for_window
from scenarios.realapps.apps import running_app, running_dialog
from scenarios.realapps.forms import qt_python
from tests.realapps.conftest import chromium_page, explain, require, run_dialog, run_plan, steps
from tests.realapps.test_tree_expectations import PAGE, page_title

QT_FORM = Path(__file__).resolve().parents[2] / "scenarios" / "pages" / "qt_order_form.py"
QT_TITLE = "^Qt order form$"
SAVE = [{"kind": "click", "target": {"role": "button", "name": "Save"}, "expect": {"no_window": QT_TITLE}}]


def on_the_qt_form(
    env: dict[str, str], plan: list[dict[str, Any]], tmp_path: Path
) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
    """Run ``plan`` on a fresh Qt order form, then press Save from a second run: the run, and what the form
    printed it held (its own word)."""
    python = qt_python()
    if python is None:
        pytest.skip("no Python with PyQt5 (Debian: apt-get install python3-pyqt5; `make deps` installs it)")
    with running_dialog([python, str(QT_FORM), "--x=40", "--y=40"], env, QT_TITLE) as dialog:
        run = run_plan(plan, env, tmp_path)
        (tmp_path / "save").mkdir()
        save = run_plan(SAVE, env, tmp_path / "save")
        answer = dialog.answer()
    assert save.returncode == 0 and answer, explain(save, tmp_path / "save")
    held: dict[str, object] = json.loads(answer)
    return run, held


def test_after_a_qt_combo_popup_the_focus_is_the_field_the_keys_go_to(desktop, clock, tmp_path) -> None:
    plan = [
        {"kind": "click", "target": {"role": "combo box", "name": "Small"}},  # Qt names it by its choice
        {"kind": "key", "keys": ["down"], "expect": "none"},
        {"kind": "key", "keys": ["enter"]},  # closes it on Medium; Qt keeps that item "focused"
        {"kind": "click", "target": {"role": "field", "name": "Zip"}},
        {"kind": "click", "target": {"role": "field", "name": "Zip"}},  # already focused: nothing drawn
        {"kind": "type", "text": "123456"},  # the field takes 5
    ]
    run, held = on_the_qt_form(desktop.env(), plan, tmp_path)
    assert held == {"size": "Medium", "zip": "12345", "quantity": 3}, explain(run, tmp_path)
    assert run.returncode == 1, explain(run, tmp_path)
    *_, click, typed = steps(tmp_path)
    assert click["verdict"] == "focused", explain(run, tmp_path)
    assert "the text 'Zip' under the pointer" in click["seen"]["detail"]
    assert typed["verdict"] == "failed" and typed["seen"]["field_text"] == "12345", explain(run, tmp_path)
    assert typed["focus_element"]["name"] == "Zip"


def test_a_qt_spin_box_is_a_field_and_holds_the_number_typed(desktop, clock, tmp_path) -> None:
    quantity = {"role": "field", "name": "Quantity"}
    plan = [
        {"kind": "click", "target": quantity},
        {"kind": "key", "keys": ["ctrl", "a"], "expect": "none"},
        {"kind": "type", "text": "42"},
        {"kind": "key", "keys": ["tab"], "expect": {"value": "42", "target": {"role": "spin button"}}},
    ]
    run, held = on_the_qt_form(desktop.env(), plan, tmp_path)
    assert held == {"size": "Small", "zip": "", "quantity": 42}, explain(run, tmp_path)
    assert run.returncode == 0, explain(run, tmp_path)
    first, *_, tab = steps(tmp_path)
    assert first["grounding"][0]["element"]["role"] == "spin button", explain(run, tmp_path)
    assert tab["verdict"] == "met" and tab["seen"]["element"]["value"] == 42.0, explain(run, tmp_path)


def test_a_number_a_qt_spin_box_refuses_is_read_back_as_failed(desktop, clock, tmp_path) -> None:
    """0..50: the spin box keeps the 7 of "75" and still repaints; read back, the step fails."""
    plan = [
        {"kind": "click", "target": {"role": "field", "name": "Quantity"}},
        {"kind": "key", "keys": ["ctrl", "a"], "expect": "none"},
        {"kind": "type", "text": "75"},
    ]
    run, held = on_the_qt_form(desktop.env(), plan, tmp_path)
    assert held == {"size": "Small", "zip": "", "quantity": 7}, explain(run, tmp_path)
    assert run.returncode == 1, explain(run, tmp_path)
    typed = steps(tmp_path)[-1]
    assert typed["verdict"] == "failed" and typed["seen"]["field_text"] == "7", explain(run, tmp_path)


def test_text_typed_into_a_full_field_that_already_ends_with_it_is_failed(desktop, clock, tmp_path) -> None:
    """Zip takes 5: once it holds "12345", a "45" typed at its end goes nowhere, though the field ends with it."""
    plan = [
        {"kind": "click", "target": {"role": "field", "name": "Zip"}},
        {"kind": "type", "text": "12345"},
        {"kind": "type", "text": "45"},
    ]
    run, held = on_the_qt_form(desktop.env(), plan, tmp_path)
    assert held == {"size": "Small", "zip": "12345", "quantity": 3}, explain(run, tmp_path)
    assert run.returncode == 1, explain(run, tmp_path)
    verdicts = [step["verdict"] for step in steps(tmp_path)]
    assert verdicts == ["changed", "read_back", "failed"], explain(run, tmp_path)
    assert "it took none of the 2 typed characters" in steps(tmp_path)[-1]["seen"]["detail"]


def test_a_target_in_a_window_without_a_tree_is_never_looked_up_in_the_window_under_it(
    desktop, clock, tmp_path
) -> None:
    xcalc = require("xcalc", "x11-apps")
    env = desktop.env()
    with (
        chromium_page(env, PAGE.as_uri(), r"^tree form: ", size=(700, 500)),
        # On the page, over the middle of its document (whose name is the page's title), not over its fields.
        running_app([xcalc, "-geometry", "+230+60"], env, "^Calculator$"),
    ):
        plan = [{"kind": "click", "target": {"text": "tree form: remember=off city=", "window": "^Calculator$"}}]
        run = run_plan(plan, env, tmp_path)
        title = page_title(desktop.display, r"^tree form: ")
    # The page's own word: nothing on it was touched (it writes its fields into its title).
    assert title == "tree form: remember=off city=", explain(run, tmp_path)
    assert run.returncode == 1, explain(run, tmp_path)
    [step] = steps(tmp_path)
    assert not step["performed"] and "no window of the tree is named like" in run.stderr, explain(run, tmp_path)


def test_a_number_beyond_a_gtk_spin_buttons_bounds_fails_before_gtk_clamps_it(desktop, clock, tmp_path) -> None:
    # GTK keeps "250" as the field's text until it commits it (focus leaves, OK): then 100, its maximum.
    require("yad", "yad")
    env = desktop.env()
    cmd = ["yad", "--form", "--title=deskpilot count", "--field=Count:NUM", "5!0..100!1"]
    plan = [
        {"kind": "click", "target": {"role": "field", "name": "Count"}, "expect": "none"},
        {"kind": "key", "keys": ["ctrl", "a"], "expect": "none"},
        {"kind": "type", "text": "250"},
        {"kind": "click", "target": {"role": "button", "name": "OK"}},
    ]
    with running_dialog(cmd, env, "^deskpilot count$") as dialog:
        run = run_plan(plan, env, tmp_path)
        (tmp_path / "ok").mkdir()  # the form's own word: OK pressed by a second run (the first stopped)
        accept = [{"kind": "click", "target": {"role": "button", "name": "OK"}, "expect": {"no_window": "count$"}}]
        run_plan(accept, env, tmp_path / "ok")
        printed = dialog.answer()
    assert run.returncode == 1, explain(run, tmp_path)
    typed = steps(tmp_path)[2]
    assert typed["verdict"] == "failed", explain(run, tmp_path)
    assert "but it takes 0 to 100: 250 becomes 100 once committed" in typed["note"], typed["note"]
    assert printed == "100|", printed  # what yad itself made of it


def test_a_field_under_an_open_combo_list_is_never_clicked_through_it(desktop, clock, tmp_path) -> None:
    # Qt's open combo list is an unmanaged window over the fields below it; the tree still says Zip is
    # showing. A click at Zip's centre would choose in the list (Size became Medium or Large).
    python = qt_python()
    if python is None:
        pytest.skip("no Python with PyQt5 (Debian: apt-get install python3-pyqt5; `make deps` installs it)")
    env = desktop.env()
    plan = [
        {"kind": "click", "target": {"role": "combo box", "name": "Small"}},  # opens its list over Zip
        {"kind": "click", "target": {"role": "field", "name": "Zip"}},
    ]
    with running_dialog([python, str(QT_FORM), "--x=40", "--y=40"], env, QT_TITLE) as dialog:
        run = run_plan(plan, env, tmp_path)
        (tmp_path / "save").mkdir()  # the list closed (Escape), then Save: the form says what it holds
        save = run_plan([{"kind": "key", "keys": ["escape"], "expect": "none"}, *SAVE], env, tmp_path / "save")
        answer = dialog.answer()
    assert save.returncode == 0 and answer, explain(save, tmp_path / "save")
    assert json.loads(answer)["size"] == "Small"  # nothing was chosen in the list
    assert run.returncode != 0, explain(run, tmp_path)
    [tried] = [
        g
        for s in steps(tmp_path)
        for g in (s.get("grounding") or [])
        if g["target"] == {"role": "field", "name": "Zip"}
    ]
    assert any("covered by an open popup" in (t.get("why") or "") for t in tried["tried"]), tried


def test_an_open_gtk_menu_still_takes_its_items_clicks(desktop, clock, tmp_path) -> None:
    # The open menu is an unmanaged window over the editor: the popup check must not stop a menu from working.
    require("mousepad", "mousepad")
    env = desktop.env()
    plan = [
        {"kind": "click", "target": {"role": "menu", "name": "File"}},
        {"kind": "click", "target": "Save As", "expect": {"window": "Save As"}},
        {"kind": "key", "keys": ["escape"], "expect": {"no_window": "Save As"}},
    ]
    with running_app(["mousepad", "--disable-server"], env, r"Mousepad"):
        run = run_plan(plan, env, tmp_path)
    assert run.returncode == 0, explain(run, tmp_path)  # the Save As dialog opened, then closed


def test_an_open_gtk_menus_items_are_found_by_role_in_the_tree(desktop, clock, tmp_path) -> None:
    # The items of an open GTK menu lie in its popup, below the menu bar that holds their menu: they were
    # clipped away by the menu bar's box ("hidden or off-screen"), so a role target never found one.
    require("mousepad", "mousepad")
    env = desktop.env()
    plan = [
        {"kind": "click", "target": {"role": "menu", "name": "File"}},
        {"kind": "click", "target": {"role": "menu item", "name": "Save As"}, "expect": {"window": "Save As"}},
        {"kind": "key", "keys": ["escape"], "expect": {"no_window": "Save As"}},
    ]
    with running_app(["mousepad", "--disable-server"], env, r"Mousepad"):
        run = run_plan(plan, env, tmp_path)
    assert run.returncode == 0, explain(run, tmp_path)  # the Save As dialog opened, then closed
    assert steps(tmp_path)[1]["grounding"][0]["rung"] == "tree", steps(tmp_path)[1]["grounding"]


SELECT_PAGE = (
    "data:text/html;charset=utf-8,<title>colour: Red</title><label for=c>Color</label> "
    "<select id=c onchange='document.title=\"colour: \"%2Bthis.value'><option>Red<option>Green<option>Blue</select>"
)


def chosen_colour(env: dict[str, str]) -> object:
    """The page's window once its title says Green, or None after 5 s: the page sets its title in the
    change event, a moment after the select painted the choice (the run may end in between)."""
    try:
        return wait_for_window("^colour: Green", timeout_s=5.0, display=env["DISPLAY"])
    except DesktopError:
        return None


def test_a_select_holds_its_chosen_option_as_its_value(desktop, clock, tmp_path) -> None:
    # Chromium's <select> publishes no text; what it has chosen is its hidden list's selected item.
    env = desktop.env()
    colour = {"role": "combo box", "name": "Color"}
    plan = [
        {"kind": "click", "target": colour},  # opens its list
        {"kind": "key", "keys": ["down"], "expect": "none"},
        {"kind": "key", "keys": ["enter"], "expect": {"value": "Green", "target": colour}},
    ]
    with chromium_page(env, SELECT_PAGE, r"^colour: ", size=(600, 400)):
        run = run_plan(plan, env, tmp_path)
        chosen = chosen_colour(env)
    assert chosen is not None, explain(run, tmp_path)  # the page's own word
    assert run.returncode == 0, explain(run, tmp_path)
    assert steps(tmp_path)[2]["verdict"] == "met"


def test_an_item_of_an_open_qt_combo_list_is_chosen_by_role(desktop, clock, tmp_path) -> None:
    # Qt's open list is a window of its own over the form: its items must be clicked where they are drawn.
    plan = [
        {"kind": "click", "target": {"role": "combo box", "name": "Small"}},  # opens its list
        {"kind": "click", "target": {"role": "list item", "name": "Large"}},
    ]
    run, held = on_the_qt_form(desktop.env(), plan, tmp_path)
    assert held["size"] == "Large", (held, explain(run, tmp_path))  # the form's own word
    assert run.returncode == 0, explain(run, tmp_path)


def test_zenity_form_fields_are_found_by_the_label_beside_them(desktop, clock, tmp_path) -> None:
    # zenity --forms lays labels and entries out in a grid and relates none of them: the fields had no name
    # and were found only by an offset from OCR's reading of the label.
    require("zenity", "zenity")
    cmd = ["zenity", "--forms", "--title=Order", "--text=Fill it", "--add-entry=Name", "--add-entry=City"]
    plan = [
        {"kind": "click", "target": {"role": "field", "name": "City"}},
        {"kind": "type", "text": "Köln"},
        {"kind": "click", "target": {"role": "field", "name": "Name"}},
        {"kind": "type", "text": "Ada"},
        {"kind": "click", "target": {"role": "button", "name": "OK"}, "expect": {"no_window": "^Order$"}},
    ]
    run, printed = run_dialog(cmd, "^Order$", plan, desktop.env(), tmp_path)
    assert printed.strip() == "Ada|Köln", explain(run, tmp_path)  # zenity's own word: each in its field
    assert run.returncode == 0, explain(run, tmp_path)
    assert [s["verdict"] for s in steps(tmp_path)][1::2] == ["read_back", "read_back"]
