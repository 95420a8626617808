"""Typed text read back from real apps' trees (GTK, Qt, Chromium), a clock ticking in another window.

A ``type`` into a field the app publishes is judged by what the field holds (``read_back``), not by its
pixels: a field that kept 6 of 16 characters fails the step, naming what it holds. Every test also asserts
the app's own copy of the text (what zenity or yad printed, the bytes featherpad saved, the page title), and
that key and type steps record the element that had the keyboard focus.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from actions.x11.windows import find_window
from scenarios.realapps.apps import ENTRY_TITLE, chromium_binary, chromium_command, running_app, zenity_entry
from tests.realapps.conftest import explain, require, run_dialog, run_plan, steps

SECRET = "Tr0ub4dor&3-horse"  # what the environment holds; the plan names only {{secret:DESKPILOT_PIN}}


def written(tmp_path: Path) -> str:
    """Every text the run left for a reader: steps.jsonl and report.html."""
    run = tmp_path / "run"
    return (run / "steps.jsonl").read_text(encoding="utf-8") + (run / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("text", ["Grüße ✓ 你好", "{{secret:DESKPILOT_PIN}}"])
def test_gtk_entry_text_is_read_back_and_the_focus_recorded(desktop, clock, tmp_path, text: str) -> None:
    require("zenity", "zenity")
    env = {**desktop.env(), "DESKPILOT_PIN": SECRET}
    with zenity_entry(env) as entry:
        plan = [
            {"kind": "type", "text": text},
            {"kind": "key", "keys": ["enter"], "expect": {"no_window": f"^{ENTRY_TITLE}$"}},
        ]
        run = run_plan(plan, env, tmp_path)
        printed = entry.answer(timeout_s=5)
    typed, key = steps(tmp_path)
    secret = text.startswith("{{")
    assert printed == (SECRET if secret else text), explain(run, tmp_path)  # the app's own copy
    assert (typed["verdict"], key["verdict"]) == ("read_back", "met"), explain(run, tmp_path)
    held = f"the secret ({len(SECRET)} characters)" if secret else f"the typed text: {text!r}"
    assert typed["seen"]["detail"] == f"read back (at the caret): the field holds {held}"
    for step in (typed, key):  # where the keys went, read from the tree before they were sent
        focus = step["focus_element"]
        assert (focus["role"], focus["label"]) == ("text", "Type here:")
        assert focus["path"][0] == ["dialog", ENTRY_TITLE] and "focused" in focus["states"]
    assert run.returncode == 0, explain(run, tmp_path)
    if secret:
        assert typed["seen"].get("field_text") is None and typed["seen"].get("region") is None
        assert SECRET not in written(tmp_path) and SECRET[:6] not in written(tmp_path)


def test_a_secret_in_a_gtk_password_field_is_counted_never_written(desktop, clock, tmp_path) -> None:
    require("yad", "yad")
    env = {**desktop.env(), "DESKPILOT_PIN": SECRET}
    cmd = ["yad", "--form", "--title=deskpilot sign in", "--field=Name", "--field=Password:H", "--width=420"]
    plan = [
        {"kind": "click", "target": {"role": "field", "name": "Name"}},
        {"kind": "type", "text": "Ada"},
        {"kind": "click", "target": {"role": "password text"}},
        {"kind": "type", "text": "{{secret:DESKPILOT_PIN}}"},
        {"kind": "key", "keys": ["enter"], "expect": {"no_window": "^deskpilot sign in$"}},
    ]
    run, out = run_dialog(cmd, "^deskpilot sign in$", plan, env, tmp_path)
    assert out.strip() == f"Ada|{SECRET}|", explain(run, tmp_path)  # yad prints the fields, | between
    name, password = steps(tmp_path)[1], steps(tmp_path)[3]
    assert name["verdict"] == "read_back" and name["seen"]["field_text"] == "Ada"
    assert password["verdict"] == "read_back", explain(run, tmp_path)
    assert password["seen"]["detail"] == (
        f"read back (by length): the masked field: its caret moved by {len(SECRET)} characters, "
        f"the secret has {len(SECRET)}"
    )
    assert password["focus_element"]["role"] == "password text"
    assert SECRET not in written(tmp_path) and SECRET[:6] not in written(tmp_path)
    assert run.returncode == 0, explain(run, tmp_path)


def test_qt_text_view_reads_back_lines_typed_before_its_old_text(desktop, clock, tmp_path) -> None:
    require("featherpad", "featherpad")
    target = tmp_path / "notes-by-deskpilot.txt"
    target.write_text("old tail\n", encoding="utf-8")  # featherpad opens it with the caret at its start
    text = "Grüße ✓\n你好 line"
    with running_app(["featherpad", "--standalone", str(target)], desktop.env(), re.escape(target.name)):
        plan = [{"kind": "type", "text": text}, {"kind": "key", "keys": ["ctrl", "s"]}]
        run = run_plan(plan, desktop.env(), tmp_path)
        deadline = time.monotonic() + 5
        while target.read_text(encoding="utf-8") == "old tail\n" and time.monotonic() < deadline:
            time.sleep(0.05)  # the test waits for another process's file, not the action path
    assert target.read_text(encoding="utf-8") == f"{text}old tail\n", explain(run, tmp_path)
    typed, save = steps(tmp_path)
    assert typed["verdict"] == "read_back", explain(run, tmp_path)
    assert typed["seen"]["detail"].startswith("read back (at the caret): the field holds the typed text:")
    assert typed["seen"]["field_text"].startswith(text + "old tail")
    assert (typed["focus_element"]["role"], save["focus_element"]["role"]) == ("text", "text")
    assert run.returncode == 0, explain(run, tmp_path)


LIMITED = """<!doctype html><html><head><meta charset="utf-8"><title>deskpilot limited</title>
<style>body { font: 20px sans-serif; margin: 16px; } input { font: 20px sans-serif; margin: 8px; }</style>
</head><body><p><label for="code">Code</label> <input id="code" maxlength="6" autocomplete="off"></p>
<script>
  document.getElementById("code").oninput = (e) => { document.title = "code:" + e.target.value; };
</script></body></html>"""


@contextmanager
def chromium_page(html: str, env: dict[str, str], title: str) -> Iterator[None]:
    """The page ``html`` in Chromium (its own profile), its window titled ``title`` (a regular expression)."""
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium; `make deps` installs it)")
    with tempfile.TemporaryDirectory(prefix="deskpilot-chromium-") as profile:
        cmd = chromium_command(binary, "data:text/html;charset=utf-8," + quote(html), Path(profile))
        with running_app(cmd, env, title):
            yield


def title_becomes(pattern: str, env: dict[str, str], timeout_s: float = 10.0) -> bool:
    """The page's own word: its script puts what the page holds into its title."""
    deadline = time.monotonic() + timeout_s
    while find_window(pattern, display=env["DISPLAY"]) is None:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)  # polling another process's window title, not the action path
    return True


def test_a_chromium_field_that_keeps_6_of_16_characters_fails_the_type(desktop, clock, tmp_path) -> None:
    env = desktop.env()
    with chromium_page(LIMITED, env, r"^deskpilot limited$"):
        plan = [
            {"kind": "click", "target": {"role": "field", "name": "Code"}},
            {"kind": "type", "text": "abcdefghijklmnop"},
        ]
        run = run_plan(plan, env, tmp_path)
        assert title_becomes("^code:abcdef$", env), explain(run, tmp_path)  # the page holds 6 characters
    click, typed = steps(tmp_path)
    assert click["verdict"] in ("changed", "focused"), explain(run, tmp_path)
    assert typed["verdict"] == "failed", explain(run, tmp_path)
    assert typed["seen"]["field_text"] == "abcdef"
    assert typed["seen"]["detail"] == (
        "read back (at the caret): the field holds 'abcdef' (6 characters): "
        "it took only the first 6 of the 16 typed characters"
    )
    assert (typed["focus_element"]["role"], typed["focus_element"]["name"]) == ("entry", "Code")
    assert run.returncode == 1 and "step 2" in run.stderr, explain(run, tmp_path)


RICH = """<!doctype html><html><head><meta charset="utf-8"><title>deskpilot rich</title></head><body>
<div id="e" contenteditable style="font: 20px sans-serif; width: 500px; height: 200px; border: 1px solid">start</div>
<script>
  const e = document.getElementById("e");
  e.oninput = () => { document.title = "rich:" + e.innerText.replaceAll("\\n", "|"); };
  e.focus();
  const at = document.createRange();  // the caret at the end of "start"
  at.selectNodeContents(e);
  at.collapse(false);
  getSelection().removeAllRanges();
  getSelection().addRange(at);
</script></body></html>"""


def test_a_chromium_rich_text_is_read_back_until_its_paragraphs_are_child_objects(desktop, clock, tmp_path) -> None:
    env = desktop.env()
    with chromium_page(RICH, env, r"^deskpilot rich$"):
        plan = [{"kind": "type", "text": "hello"}, {"kind": "type", "text": "\nworld"}]
        run = run_plan(plan, env, tmp_path)
        assert title_becomes("^rich:starthello[|]world$", env), explain(run, tmp_path)  # the page's own text
    first, second = steps(tmp_path)
    assert first["verdict"] == "read_back", explain(run, tmp_path)
    # After the Enter the text goes into a child paragraph the container's text shows as an object: the
    # container's own text says nothing about it, so the pixels judge the step (never a false failure).
    assert second["verdict"] == "changed", explain(run, tmp_path)
    assert second["focus_element"]["role"] == "section"
    assert run.returncode == 0, explain(run, tmp_path)
