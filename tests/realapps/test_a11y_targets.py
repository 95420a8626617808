"""Targets found in the accessibility tree on real GTK, Qt and Chromium apps, each started on the private
desktop's accessibility bus, with a clock ticking in another window all along.

Every test asserts what the app itself did (its exit status, the bytes it saved, its page title) and
that the step's grounding record says the tree found the target and what the tree said about it.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from actions.x11.windows import find_window, wait_for_window
from scenarios.realapps.apps import running_app
from tests.realapps.conftest import chromium_page, explain, require, run_plan, steps
from tests.realapps.test_tree_expectations import OPERATOR_SHOWS_NOTHING


def groundings(tmp_path: Path) -> list[dict[str, Any]]:
    return [g for step in steps(tmp_path) for g in (step.get("grounding") or [])]


def answer_question(desktop, target: Any, tmp_path: Path) -> tuple[int, Any]:
    """A GTK 3 question (zenity) whose buttons say 确定 (OK) and 取消 (Cancel): tesseract reads English
    only, so only the tree can find them. Returns zenity's exit status (0: OK, 1: Cancel) and the run."""
    require("zenity", "zenity")
    cmd = [
        "zenity",
        "--question",
        "--title=deskpilot question",
        "--text=继续吗？",
        "--ok-label=确定",
        "--cancel-label=取消",
    ]
    env = desktop.env()
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    try:
        wait_for_window("^deskpilot question$", timeout_s=30, display=env["DISPLAY"])
        run = run_plan([{"kind": "click", "target": target, "expect": "none"}], env, tmp_path)
        return proc.wait(timeout=10), run
    finally:
        proc.kill()


def test_a_chinese_button_label_is_clicked_through_the_tree(desktop, clock, tmp_path) -> None:
    status, run = answer_question(desktop, {"role": "button", "name": "确定"}, tmp_path)
    assert status == 0, explain(run, tmp_path)  # zenity exits 0 for OK
    assert run.returncode == 0, explain(run, tmp_path)
    [found] = groundings(tmp_path)
    assert found["rung"] == "tree"
    assert found["element"]["role"] == "push button" and found["element"]["name"] == "确定"
    x, y, width, height = found["element"]["box"]
    assert found["point"] == [x + width // 2, y + height // 2]


def test_a_chinese_text_target_is_found_in_the_tree_before_ocr(desktop, clock, tmp_path) -> None:
    status, run = answer_question(desktop, "取消", tmp_path)
    assert status == 1, explain(run, tmp_path)  # Cancel
    [found] = groundings(tmp_path)
    assert found["rung"] == "tree" and found["element"]["name"] == "取消"
    assert [t["rung"] for t in found["tried"]] == ["tree"]  # OCR was never needed


PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>deskpilot buttons</title>
<style>body { font: 20px sans-serif; margin: 16px; } button, input { font: 20px sans-serif; margin: 8px; }</style>
</head><body>
<button id="start">Start</button> <button id="send" disabled>Send</button> <button disabled>Never</button>
<button id="ghost" style="position: absolute; left: -400px; top: 40px">Ghost</button>
<p><label for="city">City</label> <input id="city" autocomplete="off"></p>
<p><a href="#" id="report">Open the Zoë report</a></p>
<script>
  const title = (text) => { document.title = text; };
  // Send is enabled 1 s after Start is pressed: a button the agent must wait for, not click early.
  document.getElementById("start").onclick = () => setTimeout(() => {
    document.getElementById("send").disabled = false; }, 1000);
  document.getElementById("send").onclick = () => title("sent");
  document.getElementById("ghost").onclick = () => title("ghost");
  document.getElementById("city").oninput = (e) => title("city:" + e.target.value);
  document.getElementById("report").onclick = (e) => { e.preventDefault(); title("report"); };
</script></body></html>"""


@pytest.fixture
def page(desktop, clock) -> Iterator[Any]:
    with chromium_page(desktop.env(), "data:text/html;charset=utf-8," + quote(PAGE), r"^deskpilot buttons$") as window:
        yield window


def title_becomes(pattern: str, display: str, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if find_window(pattern, display=display) is not None:
            return True
        time.sleep(0.05)  # polling another process's window title, not the action path
    return False


def test_a_disabled_button_is_waited_for_until_enabled_then_clicked(desktop, page, tmp_path) -> None:
    plan = [
        {
            "kind": "click",
            "target": {"role": "button", "name": "Start", "window": "^deskpilot buttons$"},
            "expect": "none",
        },
        # Send's only effect is the page's title (a button's hover look is not one): expected as such.
        {"kind": "click", "target": {"role": "button", "name": "Send"}, "expect": {"window": "^sent$"}},
    ]
    run = run_plan(plan, desktop.env(), tmp_path)
    assert title_becomes("^sent$", desktop.display), explain(run, tmp_path)
    assert run.returncode == 0, explain(run, tmp_path)
    start, send = groundings(tmp_path)
    assert start["rung"] == send["rung"] == "tree"
    assert re.search(r"enabled after \d\.\d\d s", send["tried"][-1]["why"]), send
    assert "enabled" in send["element"]["states"] or "sensitive" in send["element"]["states"]


def test_a_button_that_stays_disabled_is_refused_and_never_clicked(desktop, page, tmp_path) -> None:
    run = run_plan([{"kind": "click", "target": {"role": "button", "name": "Never"}}], desktop.env(), tmp_path)
    assert run.returncode == 1, explain(run, tmp_path)
    assert "'Never' is disabled and stayed so for 2.0 s" in run.stderr
    assert find_window("^deskpilot buttons$", display=desktop.display) is not None  # nothing happened


def test_an_off_screen_button_is_never_clicked(desktop, page, tmp_path) -> None:
    run = run_plan([{"kind": "click", "target": {"role": "button", "name": "Ghost"}}], desktop.env(), tmp_path)
    assert run.returncode == 1, explain(run, tmp_path)
    assert "button 'Ghost' is hidden or off-screen" in run.stderr and "never clicked" in run.stderr
    assert find_window("^deskpilot buttons$", display=desktop.display) is not None  # nothing happened


def test_a_field_by_its_label_and_a_link_by_its_text_through_the_tree(desktop, page, tmp_path) -> None:
    plan = [
        {"kind": "click", "target": {"role": "field", "name": "City"}},
        {"kind": "type", "text": "Zürich"},
        {"kind": "click", "target": "Open the Zoë report", "expect": {"window": "^report$"}},  # its only effect
    ]
    run = run_plan(plan, desktop.env(), tmp_path)
    assert title_becomes("^report$", desktop.display), explain(run, tmp_path)
    assert run.returncode == 0, explain(run, tmp_path)
    field, link = groundings(tmp_path)
    assert field["rung"] == "tree" and field["element"]["role"] == "entry", field
    assert link["rung"] == "tree" and link["element"]["role"] == "link", link
    assert [t["rung"] for t in link["tried"]] == ["tree"]


def test_featherpad_saves_through_its_toolbar_button_found_by_role(desktop, clock, tmp_path) -> None:
    """Qt 5 (QT_LINUX_ACCESSIBILITY_ALWAYS_ON from the launcher): the Save tool button has no text on the
    screen (an icon), so no rung but the tree could find it by name."""
    require("featherpad", "featherpad")
    saved = tmp_path / "note.txt"
    saved.write_bytes(b"hello")
    with running_app(["featherpad", "--standalone", str(saved)], desktop.env(), re.escape(saved.name)):
        plan = [
            # Two editable texts show (the editor and the search bar's field): the editor is the first.
            {"kind": "click", "target": {"role": "text", "index": 0}, "expect": "none"},  # already focused
            {"kind": "key", "keys": ["ctrl", "end"], "expect": "none"},  # only the caret moves
            {"kind": "type", "text": " wörld"},
            {"kind": "click", "target": {"role": "button", "name": "Save"}},
        ]
        run = run_plan(plan, desktop.env(), tmp_path)
        want = "hello wörld\n".encode()  # featherpad adds a trailing newline when it saves
        deadline = time.monotonic() + 5
        while saved.read_bytes() != want and time.monotonic() < deadline:
            time.sleep(0.05)  # the test waits for another process's file, not the action path
    assert saved.read_bytes() == want, explain(run, tmp_path)
    assert run.returncode == 0, explain(run, tmp_path)
    editor, save = groundings(tmp_path)
    assert editor["rung"] == save["rung"] == "tree"
    assert editor["element"]["role"] == "text" and "focused" in editor["element"]["states"]
    assert save["element"]["role"] == "push button" and save["element"]["name"] == "Save"


def test_galculator_computes_by_buttons_found_by_role_and_name(desktop, clock, tmp_path) -> None:
    """GTK 3: tesseract reads "408" as "AOS" and cannot read "=" or "*" on these buttons; the tree names them
    exactly. The answer is read back from the app's own display label, through the tree."""
    require("galculator", "galculator")
    from actions.a11y import AtspiReader

    with running_app(["galculator"], desktop.env(), "^galculator$"):
        keys = ["4", "0", "8", "*", "2", "="]
        plan = [{"kind": "click", "target": {"role": "button", "name": key}} for key in keys]
        plan[3]["expect"] = OPERATOR_SHOWS_NOTHING  # "*" shows nothing until the next digit
        run = run_plan(plan, desktop.env(), tmp_path)
        reader = AtspiReader()
        try:
            tree = reader.snapshot(window="^galculator$")
            [display] = tree.find(role="text")  # a multi-line GtkTextView: its text is read on demand
            shown = reader.text(tree.elements[display].ref)
        finally:
            reader.close()
    assert shown is not None and shown.split() == ["816"], explain(run, tmp_path)
    assert run.returncode == 0, explain(run, tmp_path)
    found = groundings(tmp_path)
    assert [g["rung"] for g in found] == ["tree"] * len(keys)
    assert [g["element"]["name"] for g in found] == keys
