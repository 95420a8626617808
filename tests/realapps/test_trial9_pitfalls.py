"""What a ninth trial (juffed, mate-calc, sakura, tkcon, xfwrite, xclipboard; 95 runs, a clock ticking all along,
docs/trial9.md) found wrong in Qt's tree, each asserted against the app's own saved file:

* juffed's menus are menu bar > menu item "File" > popup menu > items, and only "menu" was known to pop up:
  every item was clipped away by the menu bar, "hidden or off-screen", and `click "Save"` went to the
  toolbar button under the open menu (refused as covered). A "popup menu" is drawn in a popup of its own too.
* Qt leaves the page tab marked focused once the keys went to the Find field of juffed's search bar below
  it; the tab, deeper in the tree, was taken for the focused element: a click into the Find field was
  ``no_change`` (not ``focused``), and what was typed there was never read back.
* OCR read mate-calc's display "100÷8" as "100+8" (a check for "100+8" was met, one for "100÷8" failed) and
  sakura's "R1-OK" as "R1-0K" (a regex for it failed): a line OCR read inside an element that publishes its
  text is put right by the element's own line most like it (agent/verify/app_text.py).
* The prompt drawn again under a typed command: tests/realapps/test_terminals.py.
"""

from __future__ import annotations

import subprocess
import time

import pytest

from scenarios.realapps.apps import running_app
from tests.realapps.conftest import explain, file_holding, require, run_plan, steps
from tests.realapps.terminals import terminal, wait_for_file

JUFFED_TITLE = r"j\.txt - JuffEd"


@pytest.mark.parametrize("save", [{"role": "menu item", "name": "Save"}, "Save"])
def test_an_item_of_a_qt_popup_menu_is_clicked(desktop, clock, tmp_path, save) -> None:
    # By text too: the toolbar's Save button matches as well, but the open menu lies over it (J7b was refused
    # as two equal matches): the item the user sees is the one clicked.
    require("juffed", "juffed")
    env, document = desktop.env(), tmp_path / "j.txt"
    document.write_text("", encoding="utf-8")
    plan = [
        {"kind": "type", "text": "menu save\n"},
        {"kind": "click", "target": "File"},
        {"kind": "click", "target": save, "expect": {"window": r"^j\.txt"}},
    ]
    with running_app(["juffed", str(document)], env, JUFFED_TITLE):
        run = run_plan(plan, env, tmp_path)
        saved = file_holding(document, "menu save\n")
    assert saved == "menu save\n", explain(run, tmp_path)  # juffed saved it: the menu's Save was clicked
    *_, save = steps(tmp_path)
    assert save["grounding"][0]["rung"] == "tree" and save["verdict"] == "met", explain(run, tmp_path)
    assert run.returncode == 0, explain(run, tmp_path)


def test_the_field_of_a_qt_search_bar_is_the_focused_one_not_the_page_tab_above_it(desktop, clock, tmp_path) -> None:
    require("juffed", "juffed")
    env, document = desktop.env(), tmp_path / "j.txt"
    document.write_text("a cat and a cat\n", encoding="utf-8")
    plan = [
        {"kind": "key", "keys": ["ctrl", "r"]},  # the find-and-replace bar, its Find field focused
        {"kind": "click", "target": {"role": "field", "name": "Find"}},
        {"kind": "type", "text": "cat"},
        {"kind": "click", "target": {"role": "field", "name": "Replace"}},
        {"kind": "type", "text": "dog"},
        {"kind": "key", "keys": ["enter"]},  # replaces the first match
        {"kind": "key", "keys": ["ctrl", "s"]},
    ]
    with running_app(["juffed", str(document)], env, JUFFED_TITLE):
        run = run_plan(plan, env, tmp_path)
        saved = file_holding(document, "a dog and a cat\n")
    assert saved == "a dog and a cat\n", explain(run, tmp_path)  # juffed replaced and saved
    _, into_find, find, _, replace, *_ = steps(tmp_path)
    assert into_find["verdict"] == "focused", explain(run, tmp_path)  # the field already had the focus
    assert find["verdict"] == replace["verdict"] == "read_back", explain(run, tmp_path)  # read from the field
    assert run.returncode == 0, explain(run, tmp_path)


def _copied(env: dict[str, str], chord: str, timeout_s: float = 5.0) -> str:
    """What the app copies to the clipboard on ``chord`` (a calculator's display): its own word."""
    subprocess.run(["xclip", "-selection", "clipboard", "-i", "/dev/null"], env=env, check=True, timeout=10)
    subprocess.run(["xdotool", "key", "--clearmodifiers", chord], env=env, check=True, timeout=10)
    deadline, text = time.monotonic() + timeout_s, ""
    while time.monotonic() < deadline and not text:
        read = ["xclip", "-o", "-selection", "clipboard", "-t", "UTF8_STRING"]  # not STRING: "÷" would be "?"
        out = subprocess.run(read, env=env, capture_output=True, timeout=10)
        text = out.stdout.decode("utf-8", "replace").strip()
        time.sleep(0.1)  # polling another process's clipboard, not the action path
    return text


@pytest.mark.parametrize(("wanted", "verdict", "status"), [("100÷8", "met", 0), ("100+8", "failed", 1)])
def test_a_calculator_display_is_read_as_the_app_publishes_it(desktop, clock, tmp_path, wanted, verdict, status):
    require("mate-calc", "mate-calc")
    env = desktop.env()
    plan = [{"kind": "type", "text": "100/8", "expect": {"text": wanted, "timeout_s": 3}}]
    with running_app(["mate-calc"], env, "^Calculator$"):
        run = run_plan(plan, env, tmp_path)
        subprocess.run(["xdotool", "key", "--clearmodifiers", "Return"], env=env, check=True, timeout=10)
        deadline = time.monotonic() + 5
        while (result := _copied(env, "ctrl+c")) != "12.5" and time.monotonic() < deadline:
            time.sleep(0.1)  # the display held 100÷8, not 100+8 (108): its result, once computed, says so
    assert result == "12.5", explain(run, tmp_path)  # mate-calc's own word (it copies "÷" as "?": not that)
    (typed,) = steps(tmp_path)
    assert typed["verdict"] == verdict and run.returncode == status, explain(run, tmp_path)


def test_a_terminal_line_ocr_misreads_is_read_as_the_terminal_publishes_it(desktop, clock, tmp_path) -> None:
    plan = [{"kind": "type", "text": "echo R1-OK | tee out.txt\n", "expect": {"text": "/^R1-OK$/", "timeout_s": 3}}]
    with terminal("sakura", desktop.env(), tmp_path):
        run = run_plan(plan, desktop.env(), tmp_path)
        written = wait_for_file(tmp_path / "out.txt", timeout_s=5)
    assert written == "R1-OK\n", explain(run, tmp_path)  # the shell ran the line
    (typed,) = steps(tmp_path)
    assert typed["verdict"] == "met" and run.returncode == 0, explain(run, tmp_path)
