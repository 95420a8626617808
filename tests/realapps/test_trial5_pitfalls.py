"""False verdicts found by a fifth trial on apps nobody on the team had used (Gnumeric, AbiWord, gpicview,
lxterminal, GNOME Calculator), a clock ticking all along.

* A click on a disabled toolbar button (Gnumeric's Redo, AbiWord's Cut) was ``changed``: the pointer rested
  on the button and its tooltip appeared half a second later, inside the window, and was taken for the
  click's effect. The run "succeeded" and nothing was done.
* ctrl+s in Gnumeric saved the file and was ``no_change``: the only thing it changed on the screen was the
  title, "*sheet.gnumeric" becoming "sheet.gnumeric", which the window manager draws above the client area
  the pixels are judged in.
* An "overwrite?" dialog with no title, left open by a "successful" ctrl+s (gpicview), was named ``''`` in
  the last line and in ``left_open``: nothing to see at a glance.

Each test asserts what the app itself says (its title, the file it saved) and the verdict.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from actions.windows import WindowInfo
from actions.x11.windows import WindowReader, find_window
from scenarios.realapps.apps import running_app
from tests.realapps.conftest import explain, require, run_plan, steps

# Where Gnumeric 1.12 lays out its Redo button and the cell A4, in points from its client area's top-left
# (the default theme, a 700x500 window): measured in the trial.
REDO_AT = (415, 42)
A4_AT = (95, 254)
GNUMERIC_TITLE = r"^\*?sheet\.gnumeric - Gnumeric$"


def _sheet(tmp_path: Path) -> Path:
    """A small Gnumeric workbook, made by Gnumeric's own converter."""
    csv = tmp_path / "sheet.csv"
    csv.write_text("Item,Qty\napple,3\npear,2\n", encoding="utf-8")
    book = tmp_path / "sheet.gnumeric"
    subprocess.run(["ssconvert", str(csv), str(book)], check=True, capture_output=True, timeout=60)
    return book


def _cells(book: Path, tmp_path: Path) -> str:
    """The workbook's first sheet as Gnumeric reads it back from disk (CSV text)."""
    out = tmp_path / "readback.csv"
    subprocess.run(["ssconvert", str(book), str(out)], check=True, capture_output=True, timeout=60)
    return out.read_text(encoding="utf-8")


def _gnumeric(book: Path) -> list[str]:
    return ["gnumeric", "--geometry=700x500+40+40", str(book)]


def _at(window: WindowInfo, offset: tuple[int, int]) -> tuple[int, int]:
    return window.left + offset[0], window.top + offset[1]


def test_a_disabled_toolbar_button_is_not_changed_by_its_tooltip(desktop, clock, tmp_path) -> None:
    require("gnumeric", "gnumeric")
    book = _sheet(tmp_path)
    env = desktop.env()
    with running_app(_gnumeric(book), env, GNUMERIC_TITLE) as window:
        x, y = _at(window, REDO_AT)  # nothing was undone: Redo is insensitive
        run = run_plan([{"kind": "click", "x": x, "y": y}], env, tmp_path)
        with WindowReader(env["DISPLAY"]) as reader:
            tips = reader.tooltips()  # the pointer still rests on the button: its tooltip is shown
        now = find_window(GNUMERIC_TITLE, display=env["DISPLAY"])
    assert tips, "no tooltip shown: the trap this test is about is not there"
    assert now is not None and not now.title.startswith("*"), now  # Gnumeric's word: nothing was done
    [click] = steps(tmp_path)
    assert click["verdict"] == "no_change", (click.get("changed_bbox"), explain(run, tmp_path))
    assert run.returncode == 1, explain(run, tmp_path)


def test_a_save_that_only_changes_the_window_title_is_changed(desktop, clock, tmp_path) -> None:
    require("gnumeric", "gnumeric")
    book = _sheet(tmp_path)
    env = desktop.env()
    with running_app(_gnumeric(book), env, GNUMERIC_TITLE) as window:
        x, y = _at(window, A4_AT)
        plan = [
            {"kind": "click", "x": x, "y": y, "expect": "none"},
            {"kind": "type", "text": "99"},
            {"kind": "key", "keys": ["enter"]},  # the title becomes "*sheet.gnumeric - Gnumeric"
            {"kind": "key", "keys": ["ctrl", "s"]},  # and "sheet.gnumeric - Gnumeric" again: nothing else
        ]
        run = run_plan(plan, env, tmp_path)
        saved = _cells(book, tmp_path)
    assert saved.splitlines()[3] == "99,", (saved, explain(run, tmp_path))  # Gnumeric saved it
    *_, save = steps(tmp_path)
    assert save["verdict"] == "changed", (save.get("seen"), explain(run, tmp_path))
    assert "title changed" in save["seen"]["detail"], save.get("seen")
    assert run.returncode == 0, explain(run, tmp_path)


def test_a_save_with_nothing_to_save_changes_nothing(desktop, clock, tmp_path) -> None:
    # The counterpart: the same ctrl+s on a workbook with no unsaved change leaves the title as it was (Gnumeric
    # writes the same cells again, which nobody can see: an effect like that needs "expect": "none").
    require("gnumeric", "gnumeric")
    book = _sheet(tmp_path)
    before = _cells(book, tmp_path)
    env = desktop.env()
    with running_app(_gnumeric(book), env, GNUMERIC_TITLE):
        run = run_plan([{"kind": "key", "keys": ["ctrl", "s"]}], env, tmp_path)
        title = find_window(GNUMERIC_TITLE, display=env["DISPLAY"])
    assert _cells(book, tmp_path) == before  # the same workbook
    assert title is not None and title.title == "sheet.gnumeric - Gnumeric", title
    [save] = steps(tmp_path)
    assert save["verdict"] == "no_change", (save.get("seen"), explain(run, tmp_path))
    assert run.returncode == 1, explain(run, tmp_path)


# gpicview's "rotate clockwise" button, in points from its client area's top-left (its default 640x480 window).
ROTATE_AT = (327, 461)


def test_an_untitled_dialog_left_open_is_named_by_its_app(desktop, clock, tmp_path) -> None:
    """gpicview asks "overwrite existing file?" in a window with no title: the run ends with it open and the
    file not written, and said so as ``left open: ''``."""
    from PIL import Image

    require("gpicview", "gpicview")
    picture = tmp_path / "pic.png"
    Image.new("RGB", (200, 100), "white").save(picture)
    env = desktop.env()
    with running_app(["gpicview", str(picture)], env, r"^pic\.png ") as window:
        x, y = _at(window, ROTATE_AT)
        plan = [{"kind": "click", "x": x, "y": y}, {"kind": "key", "keys": ["ctrl", "s"]}]
        run = run_plan(plan, env, tmp_path)
        with Image.open(picture) as still:
            size = still.size
    assert size == (200, 100), explain(run, tmp_path)  # gpicview wrote nothing: it is asking
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["left_open"] == ["(untitled window of Gpicview)"], (summary, explain(run, tmp_path))
