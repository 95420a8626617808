"""The Python scripting API end to end on the real demo app: `with Desktop(...) as desk:`.

Every call is a step of one run directory; targets are found by OCR or a picture the first time and
by their learned anchor the second; errors are typed and carry every rung's reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deskpilot import Desktop, ExpectationFailed, TargetNotFound, UserInputError
from scenarios.harness import DemoAppProcess


def fill_form(desk: Desktop, name: str) -> None:
    desk.click("Name", offset=(175, 0), expect="none")  # the field has the focus: nothing visible changes
    desk.type(name)
    desk.click("Email", offset=(177, 0))
    desk.type("ada@example.com")
    desk.click("I agree")
    desk.click(image="submit.png")
    desk.wait_for("Submitted", timeout_s=5)


def test_a_script_fills_the_form_and_reads_the_screen(desktop, demo_app, tmp_path) -> None:
    demo_app.save_widget_png("submit", tmp_path / "submit.png")
    out = tmp_path / "run"
    with Desktop(out=out, cache=tmp_path / "script.cache", images=tmp_path) as desk:
        fill_form(desk, "Grüße ✓")
        assert desk.sees("Submitted")
        assert not desk.sees("Frobnicate")
        assert desk.read_text(near="Submitted") == "(1)"
        status = demo_app.box("status")
        assert "Submitted" in desk.read_text(region=(status["x"], status["y"], status["w"], status["h"]))
        desk.double_click("Double-click me")
        desk.wait_for("Double clicks: 1", timeout_s=5)
        with pytest.raises(TargetNotFound) as missing:
            desk.click("Frobnicate")
        with pytest.raises(ExpectationFailed) as never:
            desk.wait_for("Never shown", timeout_s=0.5)
        calls = desk.calls
    state = demo_app.state()
    assert state["submitted"] == {"name": "Grüße ✓", "email": "ada@example.com", "notes": "", "agree": True}
    assert state["double_clicks"] == 1
    assert "'Frobnicate'" in str(missing.value) and ("ocr", "'Frobnicate' is not on the screen") in missing.value.tried
    assert "Never shown" in str(never.value) and "the screen reads" in str(never.value)
    assert calls["ocr"] >= 4 and calls.get("vlm", 0) == 0
    # One run directory, as `deskpilot run` writes it.
    steps = [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]
    assert [s["index"] for s in steps] == list(range(1, len(steps) + 1))
    kinds = [s["action"]["kind"] for s in steps if s["action"]]
    assert kinds[:6] == ["click", "type", "click", "type", "click", "click"]
    assert all((out / s["after"]).exists() for s in steps)
    not_found = [s for s in steps if s["error"] and "'Frobnicate'" in s["error"] and "not found" in s["error"]]
    assert len(not_found) == 1 and not_found[0]["verdict"] == "failed"  # recorded once, by the loop
    summary = json.loads((out / "summary.json").read_text())
    assert summary["success"] is True and summary["steps"] == len(steps)
    assert (out / "report.html").exists()


def test_the_second_script_run_needs_no_ocr(desktop, tmp_path) -> None:
    env = desktop.env()
    with DemoAppProcess(tmp_path / "s1.json", env) as app:
        app.save_widget_png("submit", tmp_path / "submit.png")
        with Desktop(out=tmp_path / "run1", cache=tmp_path / "c", images=tmp_path) as desk:
            fill_form(desk, "Ada Lovelace")
        assert app.state()["submitted"]["name"] == "Ada Lovelace"
    with DemoAppProcess(tmp_path / "s2.json", env, x=300, y=120) as app:  # moved
        with Desktop(out=tmp_path / "run2", cache=tmp_path / "c", images=tmp_path, strict_cache=True) as desk:
            fill_form(desk, "Ada Lovelace")
            calls = desk.calls
        assert app.state()["submitted"]["name"] == "Ada Lovelace"
    assert calls.get("ocr", 0) == 0 and calls.get("vlm", 0) == 0 and calls["anchor"] == 4


def test_outside_a_with_block_is_a_clear_error(tmp_path: Path) -> None:
    from actions.errors import UserInputError

    with pytest.raises(UserInputError, match="with block"):
        Desktop(out=tmp_path).click("Submit")


def test_ask_do_and_a_description_go_to_the_model(desktop, demo_app, tmp_path) -> None:
    from planners.fake_server import FakeChatServer

    def tool_call(action: str, **arguments: object) -> str:
        call = {"name": "computer_use", "arguments": {"action": action, **arguments}}
        return f"<tool_call>{json.dumps(call)}</tool_call>"

    x, y = demo_app.centre("count")
    grid = [round(x * 1000 / 1279), round(y * 1000 / 799)]
    script = [
        tool_call("answer", text="Ready"),  # ask
        tool_call("left_click", coordinate=grid),  # do: one click, then done
        tool_call("terminate", status="success"),
        tool_call("left_click", coordinate=grid),  # click(description=...): one grounding call
    ]
    with (
        FakeChatServer(script) as server,
        Desktop(out=tmp_path / "run", base_url=server.base_url, model="fake-qwen3-vl") as desk,
    ):
        assert desk.ask("What does the status line say?") == "Ready"
        assert desk.do("click the Count button") is None
        demo_app.wait(lambda s: s["count_clicks"] == 1)
        desk.click(description="the Count button")
        calls = len(server.chat_requests)
    assert demo_app.wait(lambda s: s["count_clicks"] == 2)
    assert calls == 4
    steps = [json.loads(line) for line in (tmp_path / "run" / "steps.jsonl").read_text().splitlines()]
    assert steps[0]["note"] == "Ready" and steps[-1]["grounding"][0]["rung"] == "vlm"


def test_a_drag_from_one_picture_to_another(desktop, demo_app, tmp_path) -> None:
    demo_app.save_widget_png("token", tmp_path / "token.png", pad=10)  # a small flat disc needs its surroundings
    demo_app.save_widget_png("target", tmp_path / "target.png")
    with Desktop(out=tmp_path / "run", images=tmp_path) as desk:
        desk.drag({"image": "token.png"}, {"image": "target.png"})
    assert demo_app.wait(lambda s: s["token"] is not None)["token_on_target"] is True
    steps = [json.loads(line) for line in (tmp_path / "run" / "steps.jsonl").read_text().splitlines()]
    assert [g["slot"] for g in steps[0]["grounding"]] == ["target", "to_target"]


def test_a_script_looks_only_where_it_says(desktop, demo_app, tmp_path) -> None:
    status = demo_app.box("status")
    line = (status["x"], status["y"], status["w"], status["h"])
    with Desktop(out=tmp_path / "run", stop_hotkey=None) as desk:
        assert desk.sees("Submit") and not desk.sees("Submit", region=line)  # the button is not the status line
        assert desk.sees("Ready", region=line) and desk.sees("Ready", in_window="^Deskpilot Demo$")
        assert not desk.sees("Submit", in_window="^No Such Window$")
        assert "Submit" in desk.read_text(in_window="^Deskpilot Demo$")
        with pytest.raises(ExpectationFailed, match="did not appear within 0.5 s; the region"):
            desk.wait_for("Submit", timeout_s=0.5, region=line)
        with pytest.raises(UserInputError, match="at most one of region, near, in_window"):
            desk.sees("Ready", region=line, in_window="Demo")


def test_tree_calls_on_an_app_without_a_tree_say_so_and_touch_nothing(desktop, demo_app, tmp_path) -> None:
    """The demo app is Tk: it publishes no accessibility tree, so value/state/elements and a role target
    cannot be answered, and each says why (vision still clicks it by its text)."""
    out = tmp_path / "run"
    with Desktop(out=out) as desk:
        with pytest.raises(TargetNotFound) as no_tree:
            desk.value("Name")
        with pytest.raises(TargetNotFound) as by_role:
            desk.click(role="button", name="Submit")
        with pytest.raises(UserInputError, match="unknown role 'buton'"):
            desk.elements(role="buton")
        with pytest.raises(UserInputError, match="a point has no element to ask about"):
            desk.state((10, 10))
        with pytest.raises(UserInputError, match="unknown state 'chekced' \\(did you mean 'checked'"):
            desk.click("I agree", expect={"state": "chekced", "target": "I agree"})
    assert "value(text 'Name'): " in str(no_tree.value) and "not in the accessibility tree" in str(no_tree.value)
    assert "start the accessibility bus before the app" in str(no_tree.value)
    assert [rung for rung, _ in by_role.value.tried] == ["tree"]  # a role is found by the tree alone
    assert "button 'Submit': not found [tree: no tree: the active window is not in" in str(by_role.value)
    state = demo_app.state()
    assert state["submitted"] is None and state["agree"] is False  # nothing was clicked
    steps = [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]
    assert steps[0]["verdict"] == "failed" and steps[0]["thought"] == "value(text 'Name')"
    assert steps[0]["note"].startswith("no accessibility tree: the active window is not in the accessibility tree")
