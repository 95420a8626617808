"""Typed text read back from the app's tree: the comparison rules, and the loop judging a type by them.

The trees are ``actions.a11y.fake.FakeTrees`` (a snapshot and a script of what the field holds, read after
read); the screen is a ``FakeScreen`` and the executor a ``RecordingExecutor``, so each verdict here comes
from the text alone, or (no tree) from the pixels alone, as it would on a desktop.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from actions import Key, RecordingExecutor, Type
from actions.a11y.elements import TEXT_INTERFACE
from actions.a11y.fake import SHOWN, FakeTrees, element, snapshot
from actions.a11y.field_text import FieldText
from actions.frame import FakeScreen
from actions.models import Action
from actions.windows import FakeWindows
from agent.report import build_report
from agent.run_dir import RunDirectory
from agent.verify.readback import compare_typed
from deskpilot import Agent, SettleConfig
from planners import ScriptedPlanner
from planners.targeting import TargetResolver
from planners.verdicts import Verdict

FAST = SettleConfig(poll_ms=1, quiet_ms=0, react_timeout_ms=0, timeout_s=1)
FIELD_STATES = SHOWN | {"focused", "focusable", "editable", "single-line"}


# -- the comparison rules -------------------------------------------------------------------------------
def test_a_field_that_kept_6_of_16_characters_did_not_take_the_text() -> None:
    result = compare_typed("abcdefghijklmnop", FieldText("abcdef", 6, 6))
    assert not result.held and result.rule == "at the caret"
    assert result.holds == "abcdef"
    assert result.detail == (
        "the field holds 'abcdef' (6 characters): it took only the first 6 of the 16 typed characters"
    )


def test_a_field_that_reformatted_the_text_did_not_take_it_exactly() -> None:
    result = compare_typed("5551234", FieldText("555-1234", 8, 8))
    assert not result.held
    assert result.detail == (
        "the field holds '555-1234' (8 characters): it does not hold the 7 typed characters exactly "
        "(reformatted, or characters dropped)"
    )


def test_a_field_that_shows_typed_symbols_in_its_own_forms_holds_the_text() -> None:
    # qalculate (trial 8) shows the typed "6*7" as "6×7": the same expression in its own symbols, not a change
    result = compare_typed("6*7", FieldText("6×7", 3, 3))
    assert result.held and result.detail == "the field holds the typed text, in the app's own symbols: '6×7'"
    assert compare_typed("10/4-1", FieldText("x=10÷4−1", 8, 8)).held
    assert compare_typed("it's", FieldText("it’s", 4, 4)).held  # a curled quote
    # Only a symbol for a symbol: a digit the app changed, or one it dropped, is still not the typed text.
    assert not compare_typed("6*7", FieldText("6×8", 3, 3)).held
    assert not compare_typed("6*7", FieldText("67", 2, 2)).held
    assert compare_typed("6*7", FieldText("6×8", 3, 3)).detail.startswith("the field holds '6×8'")


def test_a_full_field_that_already_ended_with_the_text_took_none_of_it() -> None:
    """A length-limited field full with "12345": typing "45" goes nowhere, though it still ends with "45"."""
    full = FieldText("12345", 5, 5)
    result = compare_typed("45", full, before=full)
    assert not result.held
    assert (
        result.detail
        == "the field holds '12345' (5 characters): it is as it was: it took none of the 2 typed characters"
    )
    # The same text typed over a selection of itself (ctrl+a, then the same value) leaves it as it was, rightly.
    assert compare_typed("12345", full, before=FieldText("12345", 5, 5, selection=(0, 5))).held


def test_text_typed_into_the_middle_of_a_field_is_compared_up_to_the_caret() -> None:
    # The field held "abcXYZ" with the caret after "abc": the typed text went in there.
    assert compare_typed("Grüße ✓", FieldText("abcGrüße ✓XYZ", 10, 13)).held
    # The same text, but at the end of the field, not at the caret: not where it was typed.
    assert not compare_typed("Grüße ✓", FieldText("abcXYZGrüße ✓", 3, 13)).held


def test_typing_over_a_partly_selected_single_line_field_leaves_the_rest_and_fails() -> None:
    # A file chooser opened on "notes.txt" selects "notes": a whole path typed over it makes "other.txt.txt".
    before = FieldText("notes.txt", 5, 9, selection=(0, 5))
    after = FieldText("other.txt.txt", 9, 13)
    result = compare_typed("other.txt", after, before, single_line=True)
    assert not result.held and result.holds == "other.txt.txt"
    assert result.detail.startswith(
        "the field holds 'other.txt.txt': the typed text replaced only the part the app had selected ('notes') "
        "and '.txt' stayed beside it; select the whole field first (key ctrl+a)"
    )
    # The same keys in a text view (editing part of a document), or over the whole field selected: as typed.
    assert compare_typed("other.txt", after, before).held
    assert compare_typed(
        "b.txt", FieldText("b.txt", 5, 5), FieldText("notes.txt", 9, 9, selection=(0, 9)), single_line=True
    ).held
    # Nothing selected: text typed at the caret, beside what the field held, is the caret rule's, as before.
    assert compare_typed("X", FieldText("abXc", 3, 4), FieldText("abc", 2, 3), single_line=True).held


def test_a_text_view_holds_the_typed_lines_as_the_last_part_before_its_caret() -> None:
    # A document read only around its caret (it started at offset 500); \r\n typed as Enter reads back as \n.
    around = FieldText("…earlier text\nline one\nline two é", 33, 533, start=500)
    result = compare_typed("line one\r\nline two é", around)
    assert result.held and result.rule == "at the caret"
    assert not compare_typed("line one\nline 2 é", around).held


def test_without_a_caret_the_text_must_be_contained_exactly() -> None:
    result = compare_typed("Ada", FieldText("Name: Ada Lovelace", None, 18))
    assert result.held and result.rule == "in the field"
    assert not compare_typed("ada", FieldText("Name: Ada Lovelace", None, 18)).held  # exactly: case counts


def test_a_masked_field_is_judged_by_how_many_characters_it_took() -> None:
    before, after = FieldText("●●", 2, 2), FieldText("●●●●●●●●", 8, 8)
    assert compare_typed("s3cret", after, before, masked=True).held
    short = compare_typed("0123456789abcdef", FieldText("●●●●●●", 6, 6), FieldText("", 0, 0), masked=True, secret=True)
    assert not short.held and short.rule == "by length" and short.holds is None
    assert short.detail == "the masked field: its caret moved by 6 characters, the secret has 16"


def test_a_secret_is_compared_and_never_written() -> None:
    value = "hunter2-very-secret"
    held = compare_typed(value, FieldText(f"x{value}", 20, 20), secret=True)
    failed = compare_typed(value, FieldText(value[:6], 6, 6), secret=True)
    assert held.held and not failed.held
    for result in (held, failed):
        assert result.holds is None and value[:6] not in result.detail
    assert failed.detail == "the field holds 6 characters up to its caret; the secret has 19"


def test_the_caret_of_an_app_that_counts_utf16_units_is_an_index_into_the_text() -> None:
    # Qt counts the emoji as 2 units: "a😀b" is 4 units long, the caret after "b" is at 4.
    assert FieldText.read("a😀b", (0, 4), 4, 4).caret == 3
    assert FieldText.read("a😀b", (0, 3), 3, 3).caret == 3  # GTK counts characters
    assert FieldText.read("x\ufffcyz", (0, 4), 2, 4) == FieldText("xyz", 1, 4, objects=1)  # an object: no character


def test_the_focused_element_is_the_text_view_not_the_tab_or_its_viewport() -> None:
    # What featherpad (Qt) marks focused: its page tab, its text view, and the view's viewport inside it.
    tree = snapshot(
        element("/tabs", "page tab", "Untitled", (0, 0, 90, 30), states=SHOWN | {"focused"}),
        element("/view", "text", "", (0, 30, 600, 400), states=SHOWN | {"focused", "multi-line"},
                interfaces=frozenset({TEXT_INTERFACE}), depth=6),
        element("/viewport", "filler", "", (0, 30, 600, 400), parent=1, states=SHOWN | {"focused"}, depth=7),
    )  # fmt: skip
    assert tree.focused() == 1


# -- the loop judges a type by what the field holds --------------------------------------------------
def _field(text: str = "", role: str = "text", states: frozenset[str] = FIELD_STATES):
    return element("/field", role, "", (2, 2, 30, 10), states=states, label="Name", text=text,
                   interfaces=frozenset({TEXT_INTERFACE}))  # fmt: skip


def _run(
    actions: Sequence[Action], trees: FakeTrees | None, tmp_path: Path, *, draws: bool = True
) -> tuple[list, Path]:
    """Run ``actions`` on a 40x30 fake screen that changes at every action (``draws``) or never."""
    frames = [np.full((30, 40, 3), i if draws else 9, dtype=np.uint8) for i in range(len(actions) + 1)]
    screen = FakeScreen(frames)
    executor = RecordingExecutor(on_perform=lambda _: screen.advance())
    run_dir = tmp_path / "run"
    result = Agent(
        ScriptedPlanner(list(actions)),
        executor,
        screen,
        settle_config=FAST,
        windows=FakeWindows.focused(40, 30),
        finder=TargetResolver(tree=trees) if trees is not None else None,
        run_dir=RunDirectory(run_dir),
    ).run("t")
    return result.steps, run_dir


def test_a_type_the_field_holds_is_read_back_and_its_focus_recorded(tmp_path) -> None:
    field = _field()
    trees = FakeTrees(snapshot(field), caret_script={field.ref: [FieldText("", 0, 0), FieldText("Ada", 3, 3)]})
    (step,), run_dir = _run([Type(text="Ada")], trees, tmp_path, draws=False)  # read back, not by its pixels
    assert step.verdict is Verdict.READ_BACK
    assert step.seen is not None and step.seen.field_text == "Ada"
    assert step.seen.detail == "read back (at the caret): the field holds the typed text: 'Ada'"
    assert step.focus_element == {
        "role": "text", "name": "", "label": "Name", "states": sorted(FIELD_STATES - {"focusable", "single-line"}),
        "box": [2, 2, 30, 10], "path": [["text", ""]],
    }  # fmt: skip
    assert "<span>focus</span>text &#x27;Name&#x27;" in build_report(run_dir).read_text(encoding="utf-8")


def test_a_truncated_type_fails_with_what_the_field_holds(tmp_path) -> None:
    field = _field()
    held = FieldText("abcdef", 6, 6)
    trees = FakeTrees(snapshot(field), caret_script={field.ref: [FieldText("", 0, 0), held]})
    (step,), _ = _run([Type(text="abcdefghijklmnop")], trees, tmp_path)  # it drew: the pixels would pass it
    assert step.verdict is Verdict.FAILED
    assert step.seen is not None and step.seen.field_text == "abcdef"
    assert "it took only the first 6 of the 16 typed characters" in step.note
    assert trees.text_reads > 2  # asked again until the wait ran out: the tree may lag the pixels


def test_a_number_beyond_a_spin_buttons_bounds_fails_though_the_text_is_there(tmp_path) -> None:
    # GTK keeps "250" as text until the field commits it, then clamps it to 100 (yad prints 100).
    spin = _field(role="spin button")

    def typed(text: str) -> FakeTrees:
        script = {spin.ref: [FieldText("", 0, 0), FieldText(text, len(text), len(text))]}
        return FakeTrees(snapshot(spin), caret_script=script, ranges={spin.ref: (0.0, 100.0)})

    (beyond,), _ = _run([Type(text="250")], typed("250"), tmp_path / "a", draws=False)
    assert beyond.verdict is Verdict.FAILED
    assert beyond.note.endswith("but it takes 0 to 100: 250 becomes 100 once committed"), beyond.note
    (within,), _ = _run([Type(text="75")], typed("75"), tmp_path / "b", draws=False)
    assert within.verdict is Verdict.READ_BACK
    # Chromium's number input publishes the typed number as its value at once and never clamps it.
    kept = typed("250")
    kept.value_script[spin.ref] = [250.0]
    (unclamped,), _ = _run([Type(text="250")], kept, tmp_path / "c", draws=False)
    assert unclamped.verdict is Verdict.FAILED
    assert unclamped.note.endswith("it takes 0 to 100: the field keeps 250, out of its range (it does not clamp it)")


def test_a_text_that_arrives_late_in_the_tree_is_waited_for(tmp_path) -> None:
    field = _field()
    late = [FieldText("", 0, 0), FieldText("Ad", 2, 2), FieldText("Ada", 3, 3)]
    trees = FakeTrees(snapshot(field), caret_script={field.ref: late})
    (step,), _ = _run([Type(text="Ada")], trees, tmp_path)
    assert step.verdict is Verdict.READ_BACK and trees.text_reads == 3


def test_a_secret_is_compared_and_its_value_is_nowhere_in_the_run(tmp_path, monkeypatch) -> None:
    value = "pa55-w0rd-16char"
    monkeypatch.setenv("DESKPILOT_TEST_SECRET", value)
    field = _field()
    trees = FakeTrees(snapshot(field), caret_script={field.ref: [FieldText("", 0, 0), FieldText(value[:6], 6, 6)]})
    (step,), run_dir = _run([Type(text="{{secret:DESKPILOT_TEST_SECRET}}")], trees, tmp_path)
    assert step.verdict is Verdict.FAILED
    assert step.seen is not None and step.seen.detail == (
        "read back (at the caret): the field holds 6 characters up to its caret; the secret has 16"
    )
    assert step.seen.region is None  # no crop of the field is saved
    written = (run_dir / "steps.jsonl").read_text(encoding="utf-8") + build_report(run_dir).read_text(encoding="utf-8")
    assert value[:6] not in written and value not in written


def test_a_password_field_counts_the_characters_of_a_secret(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DESKPILOT_TEST_SECRET", "s3cret")
    field = _field(role="password text")
    script = [FieldText("", 0, 0), FieldText("●●●●●●", 6, 6)]
    trees = FakeTrees(snapshot(field), caret_script={field.ref: script})
    (step,), _ = _run([Type(text="{{secret:DESKPILOT_TEST_SECRET}}")], trees, tmp_path, draws=False)
    assert step.verdict is Verdict.READ_BACK
    assert step.seen is not None and "by length" in step.seen.detail and "s3cret" not in json.dumps(step.model_dump())


@pytest.mark.parametrize(
    ("text", "states"),
    [("Ada\tLovelace", FIELD_STATES), ("Ada\n", FIELD_STATES)],  # a tab moves the focus, Enter submits
)
def test_a_text_that_leaves_a_single_line_field_is_judged_by_its_pixels(
    tmp_path, text: str, states: frozenset[str]
) -> None:
    field = _field(states=states)
    trees = FakeTrees(snapshot(field), caret_script={field.ref: [FieldText("", 0, 0), FieldText("", 0, 0)]})
    (step,), _ = _run([Type(text=text)], trees, tmp_path)
    assert step.verdict is Verdict.CHANGED


def test_without_a_tree_a_type_is_judged_by_its_pixels_and_records_no_focus(tmp_path) -> None:
    trees = FakeTrees(None, unavailable="the active window is not in the accessibility tree")
    (changed,), _ = _run([Type(text="Ada")], trees, tmp_path)
    (nothing,), _ = _run([Type(text="Ada")], trees, tmp_path / "still", draws=False)
    assert (changed.verdict, nothing.verdict) == (Verdict.CHANGED, Verdict.NO_CHANGE)
    assert changed.focus_element is None and changed.focus == "app"


def test_a_key_step_records_the_element_that_had_the_focus(tmp_path) -> None:
    button = element("/ok", "push button", "OK", (2, 2, 20, 10), states=SHOWN | {"focused"})
    trees = FakeTrees(snapshot(button))
    (step,), _ = _run([Key(keys=("enter",))], trees, tmp_path)
    assert step.verdict is Verdict.CHANGED  # a key is still judged by its effect
    assert step.focus_element is not None
    assert (step.focus_element["role"], step.focus_element["name"]) == ("push button", "OK")
    assert trees.text_reads == 0  # a button holds no text: nothing is read back


def test_an_inline_completion_selected_after_the_typed_text_is_not_a_change_of_it() -> None:
    # A URL bar completes "wiki" to "wikipedia.org", the suggestion selected, the caret at its end.
    completed = FieldText("wikipedia.org", 13, 13, selection=(4, 13))
    result = compare_typed("wiki", completed)
    assert result.held and result.detail.endswith("then the app's selected completion 'pedia.org'")
    # A selection that is not after the typed text proves nothing.
    assert not compare_typed("wiko", completed).held


def test_selection_offsets_are_indices_like_the_caret() -> None:
    assert FieldText.read("a😀bcd", (0, 6), 6, 6, selection=(4, 6)).selection == (3, 5)  # Qt's UTF-16 units
    assert FieldText.read("abc", (0, 3), 3, 3, selection=(0, 0)).selection is None  # an empty one is none


def test_a_rich_text_whose_paragraphs_are_child_objects_is_judged_by_its_pixels(tmp_path) -> None:
    # Chromium's contenteditable after an Enter: "starthello" and a child paragraph, the caret before it.
    field = _field(text="starthello", states=FIELD_STATES - {"single-line"} | {"multi-line"})
    rich = FieldText("starthello", 10, 11, objects=1)
    trees = FakeTrees(snapshot(field), caret_script={field.ref: [rich]})
    (step,), _ = _run([Type(text="world")], trees, tmp_path)
    assert step.verdict is Verdict.CHANGED and step.focus_element is not None


def test_a_focused_element_outside_the_window_the_keys_go_to_is_not_read_back(tmp_path) -> None:
    # The tree's focused field lies outside the active window (40x30 at the origin): not where the keys went.
    elsewhere = element("/other", "text", "", (200, 100, 30, 10), states=FIELD_STATES,
                        interfaces=frozenset({TEXT_INTERFACE}))  # fmt: skip
    trees = FakeTrees(snapshot(elsewhere), caret_script={elsewhere.ref: [FieldText("", 0, 0)]})
    (step,), _ = _run([Type(text="Ada")], trees, tmp_path)
    assert step.verdict is Verdict.CHANGED and step.focus_element is None and trees.text_reads == 0


def test_a_terminal_is_not_a_field_its_text_is_the_programs_echo(tmp_path) -> None:
    # VTE publishes its screen as (not editable) text: a password prompt echoes nothing, and that is no failure.
    screen = _field(role="terminal", states=SHOWN | {"focused", "focusable"})
    trees = FakeTrees(snapshot(screen), caret_script={screen.ref: [FieldText("$ sudo ls\nPassword: ", 21, 21)]})
    (step,), _ = _run([Type(text="hunter2")], trees, tmp_path)
    assert step.verdict is Verdict.CHANGED and trees.text_reads == 0
    assert step.focus_element is not None and step.focus_element["role"] == "terminal"
