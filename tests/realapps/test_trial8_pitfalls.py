"""What an eighth trial (featherpad, pluma, geany, qalculate, gnome-calculator, qterminal, xfontsel; 58 runs,
a clock ticking all along, docs/trial8.md) found wrong, each asserted against the app's own state:

* qalculate shows the typed "6*7" as "6×7": the read back said the field did not hold the typed text and
  failed the step, though the expression was there and computed (a false failure). A field that shows typed
  symbols in its own forms (× for *, ÷ for /, − for -, curled quotes) holds the text.
* pluma's Replace All replaced every match in the document behind its dialog, but the click was judged in the
  dialog alone (the window under the pointer), where only the focus moved: ``no_change``, a false failure. A
  dialog's main window (the one it is transient for) is part of the place its actions act in; what that window
  draws late (the matches of the search typed just before) does not pass a dead click in the dialog.
* A command typed with its Enter met its output check with its own echo: tests/realapps/test_terminals.py.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from scenarios.realapps.apps import running_app, running_dialog
from scenarios.realapps.forms import qt_python
from tests.realapps.conftest import explain, require, run_plan, steps


def _qalculate_result(env: dict[str, str], timeout_s: float = 5.0) -> str:
    """The result qalculate copies to the clipboard itself (ctrl+alt+c): its own word on what it computed."""
    subprocess.run(["xclip", "-selection", "clipboard", "-i", "/dev/null"], env=env, check=True, timeout=10)
    subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+alt+c"], env=env, check=True, timeout=10)
    deadline, text = time.monotonic() + timeout_s, ""
    while time.monotonic() < deadline and not text:
        out = subprocess.run(["xclip", "-o", "-selection", "clipboard"], env=env, capture_output=True, timeout=10)
        text = out.stdout.decode("utf-8", "replace").strip()
        time.sleep(0.1)  # polling another process's clipboard, not the action path
    return text


def test_a_calculator_that_shows_typed_symbols_its_own_way_holds_the_typed_text(desktop, clock, tmp_path) -> None:
    require("qalculate-gtk", "qalculate-gtk")
    env = desktop.env()
    plan = [
        {"kind": "type", "text": "6*7"},
        {"kind": "key", "keys": ["enter"], "expect": {"text": "42", "in_window": "^Qalculate!$"}},
    ]
    with running_app(["qalculate-gtk"], env, "^Qalculate!$"):
        run = run_plan(plan, env, tmp_path)
        result = _qalculate_result(env)
    assert result == "42", explain(run, tmp_path)  # qalculate's own word: it computed 6×7
    typed, entered = steps(tmp_path)
    assert typed["verdict"] == "read_back", explain(run, tmp_path)
    assert (
        typed["seen"]["detail"]
        == "read back (at the caret): the field holds the typed text, in the app's own symbols: '6×7'"
    )
    assert entered["verdict"] == "met" and run.returncode == 0, explain(run, tmp_path)


def _saved(path: Path, env: dict[str, str], keys: list[str], timeout_s: float = 5.0) -> str:
    """The file once pluma saved it on ``keys`` of our own (not the plan's): what its document held."""
    before = path.stat().st_mtime_ns
    for chord in keys:
        subprocess.run(["xdotool", "key", "--clearmodifiers", chord], env=env, check=True, timeout=10)
        time.sleep(0.3)  # the test's own keys to another process, not the action path
    deadline = time.monotonic() + timeout_s
    while path.stat().st_mtime_ns == before and time.monotonic() < deadline:
        time.sleep(0.05)  # waiting for another process's save
    return path.read_text(encoding="utf-8")


def _cats(document: Path) -> Path:
    document.write_text("a cat and a cat\n", encoding="utf-8")
    return document


PLUMA_SEARCH_CAT = [  # pluma's Replace dialog, "cat" typed as what to search for
    {"kind": "key", "keys": ["ctrl", "h"], "expect": {"window": "Replace"}},
    {"kind": "click", "target": {"role": "field", "name": "Search for"}},
    {"kind": "type", "text": "cat"},
]


def test_a_dialog_button_whose_effect_is_in_its_main_window_is_judged_there(desktop, clock, tmp_path) -> None:
    require("pluma", "pluma")
    env, document = desktop.env(), _cats(tmp_path / "p.txt")
    plan = [
        *PLUMA_SEARCH_CAT,
        {"kind": "click", "target": {"role": "field", "name": "Replace with"}},
        {"kind": "type", "text": "dog"},
        {"kind": "click", "target": "Replace All"},
    ]
    with running_app(["pluma", str(document)], env, "Pluma"):
        run = run_plan(plan, env, tmp_path)
        saved = _saved(document, env, ["Escape", "ctrl+s"])
    assert saved.rstrip("\n") == "a dog and a dog", explain(run, tmp_path)  # pluma's own document, saved
    first, *_, replace_all = steps(tmp_path)
    assert replace_all["verdict"] == "changed", explain(run, tmp_path)
    # The place it was judged in holds the main window: the one ctrl+h acted in, pluma's focused window then.
    (left, top, right, bottom), (main_left, main_top, main_right, main_bottom) = replace_all["region"], first["region"]
    assert left <= main_left and top <= main_top and right >= main_right and bottom >= main_bottom
    assert run.returncode == 0, explain(run, tmp_path)


def test_a_dead_click_in_a_dialog_is_not_changed_by_its_main_window(desktop, clock, tmp_path) -> None:
    # The counterpart: the main window is part of the dialog's place, so what it draws late (pluma marks the
    # matches of a search typed in its dialog) must not pass a click on the dialog's label, which does nothing.
    require("pluma", "pluma")
    env, document = desktop.env(), _cats(tmp_path / "p.txt")
    plan = [
        *PLUMA_SEARCH_CAT,
        {"kind": "click", "target": {"role": "label", "name": "Replace with"}},
    ]
    with running_app(["pluma", str(document)], env, "Pluma"):
        run = run_plan(plan, env, tmp_path)
        saved = _saved(document, env, ["Escape", "ctrl+End", "exclam", "ctrl+s"])  # a mark, so that it saves
    assert saved == "a cat and a cat!\n", explain(run, tmp_path)  # nothing replaced (pluma ends the line)
    *_, typed, dead = steps(tmp_path)
    assert typed["verdict"] == "read_back", explain(run, tmp_path)
    assert dead["verdict"] == "no_change", (dead.get("changed_bbox"), explain(run, tmp_path))
    assert run.returncode == 1, explain(run, tmp_path)


def test_an_expander_as_wide_as_its_dialog_is_clicked_on_its_label(desktop, clock, tmp_path) -> None:
    # geany's "Replace All" is a GtkExpander (a toggle button in the tree) 597 points wide: its centre is blank
    # space that takes no click (trial 8's G5: no_change, honest, but not what a user asked for).
    require("geany", "geany")
    env, document = desktop.env(), _cats(tmp_path / "g.txt")
    plan = [
        {"kind": "key", "keys": ["ctrl", "h"], "expect": {"window": "Replace"}},
        {"kind": "type", "text": "cat"},
        {"kind": "click", "target": {"role": "field", "name": "Replace with"}},
        {"kind": "type", "text": "dog"},
        {"kind": "click", "target": "Replace All"},
        {"kind": "click", "target": "In Document"},  # shown only once the expander is open
        {"kind": "key", "keys": ["escape"], "expect": {"no_window": "^Replace$"}},
        {"kind": "key", "keys": ["ctrl", "s"], "expect": {"no_window": r"^\*"}},
    ]
    with running_app(["geany", "-i", str(document)], env, "Geany"):
        run = run_plan(plan, env, tmp_path)
    assert document.read_text(encoding="utf-8") == "a dog and a dog\n", explain(run, tmp_path)  # geany saved it
    expander = steps(tmp_path)[4]
    grounding = expander["grounding"][0]
    assert grounding["rung"] == "tree" and "clicked on its label" in grounding["tried"][0]["why"], grounding
    x, y, width, height = grounding["tried"][0]["element"]["box"]
    assert x <= expander["action"]["x"] < x + width // 3 and y <= expander["action"]["y"] < y + height
    assert expander["verdict"] == "changed" and run.returncode == 0, explain(run, tmp_path)


QT_WIDE_CHECK = """
import json, sys
from PyQt5.QtWidgets import QApplication, QCheckBox, QPushButton, QSizePolicy, QVBoxLayout, QWidget
app = QApplication(sys.argv)
window = QWidget(); window.setWindowTitle("Qt wide"); window.move(40, 40); window.resize(640, 160)
layout = QVBoxLayout(window); remember = QCheckBox("Remember me"); layout.addWidget(remember)
remember.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)  # as wide as the window, as forms lay them out
save = QPushButton("Save"); layout.addWidget(save)
save.clicked.connect(lambda: (print(json.dumps({"remember": remember.isChecked()}), flush=True), app.quit()))
window.show(); sys.exit(app.exec_())
"""


def test_a_qt_check_box_stretched_across_its_window_is_clicked_where_qt_takes_it(desktop, clock, tmp_path) -> None:
    # Qt takes a check box's clicks on its indicator and text only (QCheckBox::hitButton), and publishes just
    # that part as its box: the tree's centre is on the label already, and no OCR is spent on moving it.
    python = qt_python()
    if python is None:
        pytest.skip("no Python with PyQt5 (Debian: apt-get install python3-pyqt5; `make deps` installs it)")
    script = tmp_path / "qt_wide.py"
    script.write_text(QT_WIDE_CHECK, encoding="utf-8")
    remember = {"role": "check box", "name": "Remember me"}
    plan = [
        {"kind": "click", "target": remember, "expect": {"state": "checked", "target": remember, "timeout_s": 3}},
        {"kind": "click", "target": {"role": "button", "name": "Save"}, "expect": {"no_window": "^Qt wide$"}},
    ]
    env = desktop.env()
    with running_dialog([python, str(script)], env, "^Qt wide$") as dialog:
        run = run_plan(plan, env, tmp_path)
        answer = dialog.answer()
    assert answer and json.loads(answer) == {"remember": True}, explain(run, tmp_path)  # Qt's own word
    checked = steps(tmp_path)[0]
    assert "clicked on its label" not in checked["grounding"][0]["tried"][0]["why"], checked["grounding"]
    assert checked["verdict"] == "met" and run.returncode == 0, explain(run, tmp_path)
