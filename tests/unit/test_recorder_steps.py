"""The recorder's merging rules, fed synthetic event streams (no display needed)."""

from __future__ import annotations

from typing import Any

import pytest

from actions.errors import UserInputError
from actions.hotkeys import parse_hotkey
from actions.x11.input_capture import InputEvent
from agent.record.labels import Phrase, _phrases, choose_label, describe
from agent.record.steps import PointerCapture, StepBuilder


class FakeSnapshotter:
    def __init__(self) -> None:
        self.snapshots = 0

    def snapshot(self, at: tuple[int, int] | None = None) -> Any:
        self.snapshots += 1
        return self.snapshots

    def anchor(self, snapshot: Any, x: int, y: int) -> PointerCapture:
        return PointerCapture(screen_point=(x, y), window_title=f"snapshot {snapshot}")


def click(t: int, x: int = 10, y: int = 10, button: int = 1, synthetic: bool = False) -> list[InputEvent]:
    return [
        InputEvent("button_press", t, x, y, button=button, synthetic=synthetic),
        InputEvent("button_release", t + 30, x, y, button=button, synthetic=synthetic),
    ]


def key(name: str, char: str = "", mods: frozenset[str] = frozenset()) -> InputEvent:
    return InputEvent("key_press", 0, 0, 0, key=name, char=char, modifiers=mods)


def run(events: list[InputEvent], hotkey: str | None = None) -> tuple[StepBuilder, list[dict[str, Any]]]:
    builder = StepBuilder(FakeSnapshotter(), parse_hotkey(hotkey) if hotkey else None)
    for event in events:
        if builder.feed(event):
            break
    return builder, [step.action for step in builder.finish()]


def test_clicks_close_in_time_and_place_merge_up_to_three() -> None:
    _, actions = run([*click(0), *click(150, 12, 11), *click(300), *click(450)])
    assert actions == [{"kind": "click", "button": "left", "count": 3}, {"kind": "click", "button": "left", "count": 1}]
    _, actions = run([*click(0), *click(1000)])  # too slow
    assert [a["count"] for a in actions] == [1, 1]
    _, actions = run([*click(0), *click(100, 40, 10)])  # too far
    assert [a["count"] for a in actions] == [1, 1]
    _, actions = run([*click(0, button=3), *click(100, button=1)])  # another button
    assert [a["button"] for a in actions] == ["right", "left"]


def test_press_and_release_far_apart_is_a_drag_anchored_on_the_press_snapshot() -> None:
    builder, actions = run(
        [InputEvent("button_press", 0, 10, 10, button=1), InputEvent("button_release", 400, 200, 50, button=1)]
    )
    assert actions == [{"kind": "drag", "button": "left"}]
    step = builder.steps[0]
    assert step.target is not None and step.to_target is not None
    assert (step.target.screen_point, step.to_target.screen_point) == ((10, 10), (200, 50))
    assert step.to_target.window_title == "snapshot 1"  # the drop place as it looked before the drag


def test_wheel_notches_at_one_place_make_one_scroll() -> None:
    wheel = [InputEvent("button_press", t, 50, 50, button=b) for t, b in ((0, 5), (10, 5), (20, 5), (30, 7))]
    _, actions = run([*wheel, InputEvent("button_press", 40, 300, 300, button=4)])
    assert actions == [{"kind": "scroll", "dy": -3, "dx": 1}, {"kind": "scroll", "dy": 1, "dx": 0}]
    _, actions = run([InputEvent("button_press", 0, 5, 5, button=4), InputEvent("button_press", 1, 5, 5, button=5)])
    assert actions == []  # up and down again: nothing to replay


def test_typing_merges_characters_and_backspace_edits_them() -> None:
    shift = frozenset({"shift"})
    events = [
        key("a", "A", shift),
        key("d", "d"),
        key("x", "x"),
        key("backspace"),
        key("a", "a"),
        key("space", " "),
        key("enter"),
        key("b", "b"),
        key("s", "s", frozenset({"ctrl"})),
        key("backspace"),
        key("tab", "", shift),
        key("ctrl"),
        key("shift"),
    ]
    _, actions = run(events)
    assert actions == [
        {"kind": "type", "text": "Ada "},
        {"kind": "key", "keys": ["enter"]},
        {"kind": "type", "text": "b"},
        {"kind": "key", "keys": ["ctrl", "s"]},
        {"kind": "key", "keys": ["backspace"]},
        {"kind": "key", "keys": ["shift", "tab"]},
    ]


def test_a_click_ends_the_text() -> None:
    _, actions = run([key("h", "h"), *click(0), key("i", "i")])
    assert [a["kind"] for a in actions] == ["type", "click", "type"]


def test_stop_hotkey_is_no_step_and_stops() -> None:
    mods = frozenset({"ctrl", "alt", "shift"})
    _, actions = run([key("a", "a"), key("r", "R", mods), key("b", "b")], hotkey="<ctrl>+<alt>+<shift>+r")
    assert actions == [{"kind": "type", "text": "a"}]
    assert parse_hotkey("ctrl+shift+F12") == (frozenset({"ctrl", "shift"}), "f12")
    with pytest.raises(UserInputError):
        parse_hotkey("r+ctrl")


def test_agent_input_is_ignored_with_the_rest_of_its_gesture() -> None:
    _, actions = run([*click(0, synthetic=True), InputEvent("button_release", 40, 10, 10, button=1), *click(500)])
    assert actions == [{"kind": "click", "button": "left", "count": 1}]


def test_ctrl_c_from_the_terminal_is_dropped_on_interrupt() -> None:
    builder, _ = run([key("a", "a"), key("c", "c", frozenset({"ctrl"}))])
    builder.drop_trailing_interrupt()
    assert [s.action for s in builder.steps] == [{"kind": "type", "text": "a"}]


def test_labels_prefer_text_on_the_target_then_the_row_then_near() -> None:
    count = Phrase("Count", 100, 40, 40, 12)
    name = Phrase("Name", 10, 44, 30, 12)
    title = Phrase("Clicks", 90, 0, 40, 12)
    assert choose_label([title, count], 120, 46) == (count, "on")
    assert choose_label([title, name], 150, 50) == (name, "row")
    assert choose_label([title], 120, 40) == (title, "near")
    assert choose_label([title], 400, 300) is None
    assert [p.text for p in _phrases([Phrase("I", 0, 0, 4, 12), Phrase("agree", 8, 0, 30, 12)])] == ["I agree"]
    assert _phrases([Phrase("|", 0, 0, 4, 12)]) == []
    target = PointerCapture((5, 6), window_title="App", window_point=(1, 2), label="Name", label_relation="row")
    assert describe(target) == "the field labelled 'Name' in 'App'"
    assert describe(PointerCapture((5, 6))) == "a point at (5, 6) on the screen"
