"""Expectations from the accessibility tree (``value``, ``state``, ``no_state``) on real apps, in plans, in a
scenario's checks and through the Python API, with a clock ticking in another window all along.

Every test asserts what the app itself holds (the page's title, which it sets from its own fields; yad's
output; the file featherpad saved; galculator's display), also where the run fails, and what the step's
evidence says the tree said.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actions.x11.windows import find_window
from deskpilot import Desktop, TargetNotFound
from scenarios.realapps.apps import running_app, running_dialog
from tests.realapps.conftest import chromium_page, explain, require, run_plan, steps

PAGE = Path(__file__).resolve().parents[2] / "scenarios" / "pages" / "tree_form.html"
REMEMBER = {"role": "checkbox", "name": "Remember me"}
CITY = {"role": "field", "name": "City"}
SEND = {"role": "button", "name": "Send"}


@pytest.fixture
def page(desktop, clock) -> Iterator[Any]:
    with chromium_page(desktop.env(), PAGE.as_uri(), r"^tree form: ", size=(700, 500)) as window:
        yield window


def page_title(display: str, pattern: str, timeout_s: float = 5.0) -> str | None:
    """The page's title once it matches ``pattern`` (the page writes its own state there), else what it is."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = find_window(pattern, display=display)
        if found is not None or time.monotonic() >= deadline:
            break
        time.sleep(0.05)  # polling another process's window title, not the action path
    if found is not None:
        return found.title
    now = find_window(r"^(tree form|sent): ", display=display)
    return now.title if now is not None else None


@pytest.mark.parametrize(("kind", "verdict", "status"), [("state", "met", 0), ("no_state", "failed", 1)])
def test_a_checkbox_click_is_judged_by_the_state_the_page_reports(desktop, page, tmp_path, kind, verdict, status):
    plan = [{"kind": "click", "target": REMEMBER, "expect": {kind: "checked", "target": REMEMBER, "timeout_s": 2}}]
    run = run_plan(plan, desktop.env(), tmp_path)
    # The page checked its box either way: the click did its job; only the expectation differs.
    assert page_title(desktop.display, r"^tree form: remember=on city=$") is not None, explain(run, tmp_path)
    assert run.returncode == status, explain(run, tmp_path)
    [step] = steps(tmp_path)
    assert step["verdict"] == verdict, explain(run, tmp_path)
    assert "checked" in step["seen"]["element"]["states"] and step["seen"]["element"]["role"] == "check box"
    if kind == "no_state":
        assert step["seen"]["detail"].startswith("the check box 'Remember me' is checked (states: ")
        assert step["seen"]["detail"].endswith(" after 2 s")


def test_typing_enables_send_and_the_field_holds_exactly_what_was_typed(desktop, page, tmp_path) -> None:
    plan = [
        {"kind": "click", "target": CITY},
        {"kind": "type", "text": "Zü", "expect": {"state": "enabled", "target": SEND}},
        {"kind": "type", "text": "rich", "expect": {"value": "Zürich", "target": CITY}},
        {"kind": "click", "target": SEND, "expect": {"state": "focused", "target": SEND}},
    ]
    run = run_plan(plan, desktop.env(), tmp_path)
    assert page_title(desktop.display, r"^sent: ") == "sent: remember=off city=Zürich", explain(run, tmp_path)
    assert run.returncode == 0, explain(run, tmp_path)
    verdicts = [s["verdict"] for s in steps(tmp_path)]
    assert verdicts[1:] == ["met", "met", "met"], explain(run, tmp_path)
    enabled, value = steps(tmp_path)[1]["seen"], steps(tmp_path)[2]["seen"]
    assert enabled["element"]["role"] == "push button" and "enabled" in enabled["element"]["states"]
    assert value["detail"] == "the entry 'City' holds 'Zürich'"


def test_a_wrong_value_fails_saying_what_the_field_holds(desktop, page, tmp_path) -> None:
    plan = [
        {"kind": "click", "target": CITY},
        {"kind": "type", "text": "Zürich", "expect": {"value": "Zurich", "target": "City", "timeout_s": 1}},
    ]
    run = run_plan(plan, desktop.env(), tmp_path)
    assert page_title(desktop.display, r"^tree form: remember=off city=Zürich$") is not None, explain(run, tmp_path)
    assert run.returncode == 1, explain(run, tmp_path)
    typed = steps(tmp_path)[-1]
    assert typed["verdict"] == "failed"
    assert typed["seen"]["detail"] == "the entry 'City' holds 'Zürich', not 'Zurich', after 1 s"
    assert typed["seen"]["element"]["text"] == "Zürich"


def test_the_python_api_asks_the_page_for_its_elements_values_and_states(desktop, page, tmp_path) -> None:
    with Desktop(out=tmp_path / "run") as desk:
        buttons = desk.elements(role="button")
        assert [(b.role, b.name) for b in buttons] == [("push button", "Send")]
        assert not {"enabled", "sensitive"} & buttons[0].states  # disabled until City holds something
        assert desk.value(role="field", name="City") == ""
        desk.click(role="checkbox", name="Remember me", expect={"state": "checked", "target": REMEMBER})
        assert "checked" in desk.state("Remember me")
        desk.click(role="field", name="City")
        desk.type("Zürich", expect={"value": "Zürich", "target": CITY})
        assert desk.value("City") == "Zürich"
        assert "enabled" in desk.state(SEND)
        [field] = desk.elements(role="field", name="City")
        assert field.text == "Zürich" and field.box is not None and field.box[2] > 0
        with pytest.raises(TargetNotFound) as missing:
            desk.state(role="button", name="Cancel")
        # Send's only effect is the page's title (the window manager draws it, outside the page): said so
        desk.click(role="button", name="Send", expect={"window": "^sent: "})
    assert page_title(desktop.display, r"^sent: ") == "sent: remember=on city=Zürich"
    assert "no element is button 'Cancel'" in str(missing.value)


def test_yad_form_replayed_with_state_and_value_checks(desktop, clock, tmp_path) -> None:
    """GTK 3 (yad): a scenario whose checks ask the tree; yad prints what its form holds when OK is pressed."""
    require("yad", "yad")
    flow = tmp_path / "form.yaml"
    flow.write_text(
        """name: fill the yad form
steps:
- action: {kind: click}
  target: {description: the Remember me box, label: Remember me}
  checks: [{state: checked, target: {role: checkbox, name: Remember me}, timeout_s: 3}]
- action: {kind: click}
  target: {description: the City field, label: City}
- action: {kind: type, text: Zürich}
  checks: [{value: Zürich, target: {role: field, name: City}}, {no_state: checked, target: City}]
- action: {kind: click}
  target: {description: the OK button, label: OK}
  expect: {no_window: ^deskpilot form$}
""",
        encoding="utf-8",
    )
    cmd = ["yad", "--form", "--title=deskpilot form", "--field=Remember me:CHK", "--field=City", "FALSE", ""]
    out = tmp_path / "run"
    with running_dialog(cmd, desktop.env(), "^deskpilot form$") as form:
        replay = [sys.executable, "-m", "deskpilot", "replay", str(flow), "--out", str(out), "--quiet"]
        proc = subprocess.run(replay, capture_output=True, text=True, env=desktop.env(), timeout=300)
        printed = form.answer(timeout_s=10)
    records = [r for r in steps(tmp_path) if r.get("action")]
    assert printed == "TRUE|Zürich|", proc.stderr  # what yad's form held when OK was pressed
    assert proc.returncode == 0, proc.stderr + str([(r["verdict"], r.get("seen")) for r in records])
    remember, _city, typed, _ok = records
    # A step with checks records the last judgement: its evidence is what the tree said.
    assert remember["verdict"] == "met" and "checked" in remember["seen"]["element"]["states"]
    assert typed["verdict"] == "met" and len(typed["checks"]) == 2
    assert typed["seen"]["detail"].startswith("the text 'City' is not checked (states: ")
    assert typed["seen"]["element"]["text"] == "Zürich"


# galculator's display shows nothing for an operator key until the next digit: its one visible sign was its
# tooltip, half a second later, which is no action's effect (trial 5). The plan says so.
OPERATOR_SHOWS_NOTHING = "none"


@pytest.mark.parametrize(("shown", "verdict"), [("816", "met"), ("815", "failed")])
def test_galculator_display_value(desktop, clock, tmp_path, shown: str, verdict: str) -> None:
    """GTK 3: the display's value, read from the tree, after 408 * 2 = (buttons found by role and name)."""
    require("galculator", "galculator")
    display = {"role": "text", "window": "^galculator$"}
    with running_app(["galculator"], desktop.env(), "^galculator$"):
        plan = [{"kind": "click", "target": {"role": "button", "name": key}} for key in ["4", "0", "8", "*", "2"]]
        plan[3]["expect"] = OPERATOR_SHOWS_NOTHING
        plan.append(
            {
                "kind": "click",
                "target": {"role": "button", "name": "="},
                "expect": {"value": shown, "target": display, "timeout_s": 1},
            }
        )
        run = run_plan(plan, desktop.env(), tmp_path)
    last = steps(tmp_path)[-1]
    assert last["verdict"] == verdict, explain(run, tmp_path)
    assert last["seen"]["element"]["text"].split() == ["816"]  # what galculator shows, either way
    assert run.returncode == (0 if verdict == "met" else 1), explain(run, tmp_path)


def test_featherpad_text_through_the_python_api(desktop, clock, tmp_path) -> None:
    """Qt 5: the editor's text is the app's word for what it holds; the file it saves agrees."""
    require("featherpad", "featherpad")
    saved = tmp_path / "note.txt"
    saved.write_bytes(b"hello")
    editor = {"role": "text", "index": 0}
    featherpad = ["featherpad", "--standalone", str(saved)]
    with running_app(featherpad, desktop.env(), re.escape(saved.name)), Desktop(out=tmp_path / "run") as desk:
        assert desk.value(editor) == "hello"
        assert "focused" in desk.state(editor)
        desk.press("ctrl", "end", expect="none")
        desk.type(" wörld", expect={"value": "hello wörld", "target": editor})
        [save] = desk.elements(role="button", name="Save")
        desk.click(role="button", name="Save")
        deadline = time.monotonic() + 5
        while saved.read_bytes() != "hello wörld\n".encode() and time.monotonic() < deadline:
            time.sleep(0.05)  # the test waits for another process's file, not the action path
    assert saved.read_bytes() == "hello wörld\n".encode()
    assert save.role == "push button" and save.box is not None
