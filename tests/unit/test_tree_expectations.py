"""Expectations from the accessibility tree (``value``, ``state``, ``no_state``): how they are written, how
a bad one is named, and their judge over the shipped fake tree source, through the agent loop as a plan
step is judged (no bus, no app)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from actions import Click, RecordingExecutor
from actions.a11y.fake import SHOWN, FakeTrees, element, snapshot
from actions.expectations import ExpectNoState, ExpectState, ExpectValue, parse_expect
from actions.frame import FakeScreen
from actions.windows import FakeWindows
from agent.report import build_report
from agent.run_dir import RunDirectory, StepRecord
from agent.verify.element import value_holds
from deskpilot import Agent, SettleConfig
from planners import ScriptedPlanner
from planners.scenario_file import Step
from planners.targeting import TargetResolver
from planners.verdicts import Verdict

FAST = SettleConfig(poll_ms=1, quiet_ms=0, react_timeout_ms=0, timeout_s=1)
UNCHECKED = SHOWN | {"checkable", "focusable"}
CHECKED = UNCHECKED | {"checked"}

FORM = snapshot(
    element("/w", "frame", "Form", (0, 0, 40, 30)),
    element("/remember", "check box", "Remember me", (2, 2, 10, 10), parent=0, states=UNCHECKED),
    element("/city", "entry", "", (14, 2, 20, 10), parent=0, label="City", text="Zür"),
    element("/volume", "slider", "Volume", (2, 14, 30, 6), parent=0, value=50.0),
    element("/a", "push button", "Again", (2, 22, 10, 6), parent=0),
    element("/b", "push button", "Again", (20, 22, 10, 6), parent=0),
    screen=(0, 0, 40, 30),
)
REMEMBER, CITY = FORM.elements[1].ref, FORM.elements[2].ref


@pytest.mark.parametrize(
    ("written", "model", "as_written"),
    [
        (
            {"state": "checked", "target": "Remember me"},
            ExpectState(state="checked", target={"text": "Remember me"}),  # type: ignore[arg-type]
            {"state": "checked", "target": "Remember me", "timeout_s": 5.0},
        ),
        (
            {"no_state": "enabled", "target": {"role": "button", "name": "Send", "index": 1}, "timeout_s": 2},
            ExpectNoState(no_state="enabled", target={"role": "button", "name": "Send", "index": 1}, timeout_s=2),  # type: ignore[arg-type]
            {"no_state": "enabled", "target": {"role": "button", "name": "Send", "index": 1}, "timeout_s": 2.0},
        ),
        (
            {"value": 50, "target": {"role": "slider", "name": "Volume"}},
            ExpectValue(value="50", target={"role": "slider", "name": "Volume"}),  # type: ignore[arg-type]
            {"value": "50", "target": {"role": "slider", "name": "Volume"}, "timeout_s": 5.0},
        ),
    ],
)
def test_tree_expectations_read_and_write_as_people_write_them(
    written: object, model: object, as_written: object
) -> None:
    parsed = parse_expect(written)
    assert parsed == model
    dumped = Click(x=1, y=1, expect=parsed).model_dump(mode="json")["expect"]
    assert dumped == as_written and parse_expect(dumped) == model


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (
            {"state": "chekced", "target": "Remember me"},
            "state: unknown state 'chekced' (did you mean 'checked'? a state is one of checked, enabled, focused, "
            "selected, expanded, visible)",
        ),
        ({"no_state": "pressed", "target": "OK"}, "unknown state 'pressed' (a state is one of checked,"),
        ({"state": "checked"}, "state: a 'state' expectation needs a target: the element it is about"),
        ({"value": "x", "target": None}, "value: a 'value' expectation needs a target"),
        (
            {"value": "x", "target": {"image": "ok.png"}},
            "target: an element of the tree is named by a text or a role, not by 'image'",
        ),
        ({"value": "x", "target": {"text": "City", "offset": [80, 0]}}, "target: offset does not apply to an element"),
        ({"value": "x", "target": {"role": "buton"}}, "unknown role 'buton'"),
        ({"value": "/a[/", "target": "City"}, "value: '/a[/' is not a regular expression"),
        ({"state": "checked", "target": "OK", "near": "x"}, "'near' does not apply to a 'state' expectation"),
        ({"state": "checked", "target": "OK", "text": "x"}, "exactly one of change, text, no_text, window"),
        ({"stat": "checked", "target": "OK"}, "unknown key 'stat' (did you mean 'state'?)"),
        ({"value": "1", "target": "OK", "timeout_s": 0}, "timeout_s: Input should be greater than 0"),
    ],
)
def test_a_bad_tree_expectation_is_named(written: object, message: str) -> None:
    with pytest.raises(ValueError) as failed:
        parse_expect(written)
    assert message in str(failed.value)


def test_a_scenario_step_takes_tree_expectations_as_its_expect_and_checks() -> None:
    step = Step.model_validate(
        {
            "action": {"kind": "click"},
            "target": {"description": "the Remember me box", "label": "Remember me"},
            "expect": {"state": "checked", "target": "Remember me", "timeout_s": 2},
            "checks": [
                {"value": "Zürich", "target": {"role": "field", "name": "City"}},
                {"no_state": "focused", "target": "OK"},
            ],
        }
    )
    assert step.expect == ExpectState(state="checked", target={"text": "Remember me"}, timeout_s=2)  # type: ignore[arg-type]
    assert [type(c) for c in step.checks] == [ExpectValue, ExpectNoState]
    with pytest.raises(ValueError, match="unknown state 'on'"):
        Step.model_validate({"action": {"kind": "key", "keys": ["space"]}, "checks": [{"state": "on", "target": "OK"}]})


def judged(trees: FakeTrees | None, expect: dict[str, object], run_dir: Path | None = None) -> StepRecord:
    """One click at (5, 5) whose drawing never changes the screen, judged by ``expect``."""
    screen = FakeScreen([np.full((30, 40, 3), 9, dtype=np.uint8)])
    result = Agent(
        ScriptedPlanner([Click(x=5, y=5, expect=expect)]),
        RecordingExecutor(),
        screen,
        settle_config=FAST,
        windows=FakeWindows.focused(40, 30),
        finder=TargetResolver(tree=trees) if trees is not None else None,
        run_dir=RunDirectory(run_dir) if run_dir is not None else None,
    ).run("t")
    (step,) = result.steps
    return step


def test_a_checkbox_checked_by_the_click_is_met_once_the_app_says_so() -> None:
    trees = FakeTrees(FORM, state_script={REMEMBER: [UNCHECKED, UNCHECKED, CHECKED]})
    step = judged(trees, {"state": "checked", "target": "Remember me", "timeout_s": 2})
    assert step.verdict is Verdict.MET, step.seen
    assert step.seen is not None and step.seen.element is not None
    assert "checked" in step.seen.element["states"] and step.seen.element["role"] == "check box"
    assert step.seen.detail.startswith("the check box 'Remember me' is checked (states: checkable, checked,")
    assert trees.polls >= 3  # asked again until it held


def test_no_state_fails_with_the_states_the_app_said(tmp_path: Path) -> None:
    trees = FakeTrees(FORM, state_script={REMEMBER: [CHECKED]})
    step = judged(
        trees,
        {"no_state": "checked", "target": {"role": "checkbox", "name": "Remember me"}, "timeout_s": 0.2},
        tmp_path / "run",
    )
    assert step.verdict is Verdict.FAILED
    assert step.seen is not None
    assert step.seen.detail == (
        "the check box 'Remember me' is checked (states: checkable, checked, enabled, focusable, sensitive, "
        "showing, visible) after 0.2 s"
    )
    assert step.seen.expected == "no_state 'checked' of checkbox 'Remember me' within 0.2 s"
    report = build_report(tmp_path / "run").read_text(encoding="utf-8")
    assert "the tree said" in report
    assert "role check box; name Remember me; states checked, enabled, sensitive, showing, visible" in report


def test_a_field_value_is_exact_and_a_wrong_one_fails_saying_what_it_holds() -> None:
    typing = FakeTrees(FORM, text_script={CITY: ["Zür", "Züri", "Zürich"]})
    assert judged(typing, {"value": "Zürich", "target": {"role": "field", "name": "City"}}).verdict is Verdict.MET
    truncated = judged(FakeTrees(FORM), {"value": "Zürich", "target": "City", "timeout_s": 0.2})
    assert truncated.verdict is Verdict.FAILED and truncated.seen is not None
    assert truncated.seen.detail == "the entry 'City' holds 'Zür', not 'Zürich', after 0.2 s"
    assert truncated.seen.element is not None and truncated.seen.element["text"] == "Zür"
    # exact, not a part of it and not another case; a /regex/ is searched; "" is an empty field
    assert judged(FakeTrees(FORM), {"value": "zür", "target": "City", "timeout_s": 0.1}).verdict is Verdict.FAILED
    assert judged(FakeTrees(FORM), {"value": "/^Zü/", "target": "City"}).verdict is Verdict.MET
    emptied = FakeTrees(FORM, text_script={CITY: ["  "]})
    assert judged(emptied, {"value": "", "target": "City"}).verdict is Verdict.MET


def test_a_slider_value_is_compared_as_a_number() -> None:
    slider = {"role": "slider", "name": "Volume"}
    assert judged(FakeTrees(FORM), {"value": "50", "target": slider}).verdict is Verdict.MET
    assert judged(FakeTrees(FORM), {"value": 50.0, "target": slider}).verdict is Verdict.MET
    wrong = judged(FakeTrees(FORM), {"value": "50.5", "target": slider, "timeout_s": 0.1})
    assert wrong.verdict is Verdict.FAILED and wrong.seen is not None
    assert wrong.seen.detail == "the slider 'Volume' holds 50.0, not '50.5', after 0.1 s"


def test_a_number_is_compared_as_a_number_with_what_the_element_shows() -> None:
    spin = element("/n", "spin button", "", (2, 2, 30, 10), label="Count", text="7.00", value=3.0)
    assert value_holds("7", spin) and value_holds("7.0", spin)  # it shows 7.00 (its value commits later)
    assert not value_holds("3", spin) and not value_holds("7.01", spin)
    assert value_holds("50", element("/s", "slider", "Volume", None, value=50.0))
    assert not value_holds("Zür", element("/c", "entry", "", None, text="Zürich"))  # the whole text
    zip_code = element("/z", "entry", "", None, text="501")  # a text field: no number of its own
    assert not value_holds("00501", zip_code) and value_holds("501", zip_code)


@pytest.mark.parametrize(
    ("trees", "target", "why"),
    [
        (None, "Remember me", "this run reads no accessibility tree"),
        (
            FakeTrees(unavailable="no D-Bus session"),
            "Remember me",
            "the tree cannot say: no accessibility tree: no D-Bus session",
        ),
        (FakeTrees(FORM), "Forget me", "the tree cannot say: no element is text 'Forget me' in 'Form' (6 elements)"),
        (FakeTrees(FORM), {"role": "button", "name": "Again"}, "2 equally good matches for button 'Again'"),
        (FakeTrees(FORM), {"role": "button", "index": 5}, "index 5 asked, but any button has only 2 matches"),
        (FakeTrees(snapshot(element("/tk", "frame", "Tk", (0, 0, 40, 30)))), "OK", "exposes no elements"),
    ],
)
def test_no_tree_or_no_such_element_is_no_place_never_a_pass(trees: FakeTrees | None, target: object, why: str) -> None:
    step = judged(trees, {"state": "enabled", "target": target, "timeout_s": 0.1})
    assert step.verdict is Verdict.NO_PLACE and not step.verdict.passed
    assert step.seen is not None and why in step.seen.detail


def test_index_names_one_of_equal_elements() -> None:
    trees = FakeTrees(FORM, state_script={FORM.elements[5].ref: [SHOWN | {"focused"}]})
    step = judged(trees, {"state": "focused", "target": {"role": "button", "name": "Again", "index": 1}})
    assert step.verdict is Verdict.MET and step.seen is not None and step.seen.element is not None
    assert step.seen.element["box"] == [20, 22, 10, 6]


def test_an_element_that_left_the_tree_has_no_state_any_more() -> None:
    gone = FakeTrees(FORM, state_script={REMEMBER: [CHECKED, frozenset({"defunct"})]})
    step = judged(gone, {"no_state": "visible", "target": "Remember me", "timeout_s": 2})
    assert step.verdict is Verdict.MET and step.seen is not None
    assert step.seen.detail == "the check box 'Remember me' left the tree"


def test_a_value_compared_with_a_secret_is_never_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITY_SECRET", "Zürich")
    typed = FakeTrees(FORM, text_script={CITY: ["Zürich"]})
    met = judged(typed, {"value": "{{secret:CITY_SECRET}}", "target": "City"})
    assert met.verdict is Verdict.MET and met.seen is not None and met.seen.element is not None
    assert met.seen.detail == "the entry 'City' holds 6 characters" and "text" not in met.seen.element
    short = judged(FakeTrees(FORM), {"value": "{{secret:CITY_SECRET}}", "target": "City", "timeout_s": 0.1})
    assert short.verdict is Verdict.FAILED and short.seen is not None
    assert short.seen.detail == "the entry 'City' holds 3 characters, not '{{secret:CITY_SECRET}}', after 0.1 s"
    assert "Zür" not in short.model_dump_json()
    unset = judged(FakeTrees(FORM), {"value": "{{secret:NO_SUCH_SECRET}}", "target": "City"})
    assert unset.verdict is Verdict.FAILED and unset.seen is not None
    assert unset.seen.detail == "the secret 'NO_SUCH_SECRET' is not set in the environment"


def test_with_no_bus_at_all_the_answer_is_no_place_at_once_not_after_the_timeout() -> None:
    # A Tk user's {"state": ...}: no bus now means no bus for the whole run; polling it for 30 s proves nothing.
    screen = FakeScreen([np.full((30, 40, 3), 9, dtype=np.uint8)])
    expect = parse_expect({"state": "enabled", "target": "OK", "timeout_s": 30})
    trees = FakeTrees(unavailable="no D-Bus session")
    finder = TargetResolver(tree=trees)
    plan = ScriptedPlanner([Click(x=5, y=5, expect=expect)])
    windows = FakeWindows.focused(40, 30)
    result = Agent(plan, RecordingExecutor(), screen, settle_config=FAST, windows=windows, finder=finder).run("t")
    assert result.steps[0].verdict is Verdict.NO_PLACE
    # the judge looked once and answered (waiting out the timeout would poll the screen hundreds of times);
    # the other read is the one before the click (what had the keyboard focus: agent.verify.focus)
    assert trees.reads == 2 and screen.captures < 20, screen.captures
