"""One way to judge a step: the registry, the expectation forms, scenario checks, what a run leaves open."""

from __future__ import annotations

import numpy as np
import pytest

from actions import Key, RecordingExecutor
from actions.expectations import EXPECTATION_KINDS, ExpectChange, ExpectText, ExpectWindow, parse_expect
from actions.frame import FakeScreen
from actions.models import Action
from actions.windows import FakeWindows, WindowInfo
from agent.report import build_report
from agent.run_dir import RunDirectory
from agent.verify import unjudged_kinds
from deskpilot import Agent, SettleConfig
from planners import ScriptedPlanner
from planners.scenario_file import Step, dump_scenario, load_scenario
from planners.verdicts import Verdict

FAST = SettleConfig(poll_ms=1, quiet_ms=0, react_timeout_ms=0, timeout_s=1)


def test_every_expectation_kind_has_exactly_one_judge() -> None:
    assert set(EXPECTATION_KINDS) == {
        "change", "none", "text", "no_text", "window", "no_window", "value", "state", "no_state",
    }  # fmt: skip
    assert unjudged_kinds() == []


@pytest.mark.parametrize(
    ("written", "model"),
    [
        ("change", ExpectChange()),
        ({"change": True, "radius": 60}, ExpectChange(radius=60)),
        ({"text": "Total", "near": "Sum", "exact": True}, ExpectText(text="Total", near={"text": "Sum"}, exact=True)),
        ({"window": "^Save$", "timeout_s": 2}, ExpectWindow(window="^Save$", timeout_s=2)),
    ],
)
def test_expectations_read_and_write_as_people_write_them(written: object, model: object) -> None:
    parsed = parse_expect(written)
    assert parsed == model
    assert parse_expect(Key(keys=("a",), expect=parsed).model_dump(mode="json")["expect"]) == model


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ({"txt": "Saved"}, "unknown key 'txt'"),
        ({"text": "Saved", "regoin": [0, 0, 1, 1]}, "unknown key 'regoin' (did you mean 'region'?)"),
        ({"window": "^App$", "near": "OK"}, "'near' does not apply to a 'window' expectation"),
        ({"text": "x", "region": [0, 0, 10, 10], "in_window": "App"}, "at most one of region, near, in_window"),
        ({"text": "x", "region": [0, 0, 0, 10]}, "a positive width and height"),
        ({"change": True, "radius": 9, "region": [0, 0, 5, 5]}, "radius or region, not both"),
    ],
)
def test_a_bad_expectation_is_named(written: object, message: str) -> None:
    with pytest.raises(ValueError) as failed:
        parse_expect(written)
    assert message in str(failed.value)


def test_old_scenario_checks_load_as_expectations_and_are_written_in_the_new_form(tmp_path) -> None:
    old = tmp_path / "old.yaml"
    old.write_text(
        "name: old\nsteps:\n"
        "  - action: {kind: type, text: hi}\n"
        "    checks:\n"
        "      - {kind: text_visible, text: Saved}\n"
        "      - {kind: window_title, pattern: '^Editor', timeout_s: 2}\n"
        "      - {kind: region_changed, radius: 40}\n",
        encoding="utf-8",
    )
    scenario = load_scenario(old)
    assert scenario.steps[0].checks == (
        ExpectText(text="Saved", timeout_s=3.0),
        ExpectWindow(window="^Editor", timeout_s=2),
        ExpectChange(radius=40),
    )
    written = dump_scenario(scenario)
    assert "text_visible" not in written and "kind: region" not in written
    assert "{text: Saved, timeout_s: 3.0}" in written and "{change: true, radius: 40}" in written
    new = tmp_path / "new.yaml"
    new.write_text(written, encoding="utf-8")
    assert load_scenario(new) == scenario
    with pytest.raises(ValueError, match="unknown check kind 'pixel_match'"):
        Step.model_validate({"action": {"kind": "type", "text": "x"}, "checks": [{"kind": "pixel_match"}]})


def test_a_window_the_run_opened_and_left_open_is_named(tmp_path) -> None:
    screen = FakeScreen([np.full((30, 40, 3), i, dtype=np.uint8) for i in range(5)])
    windows = FakeWindows.focused(40, 30)
    executor = RecordingExecutor()

    def open_dialog(_: Action) -> None:
        windows.windows.append(WindowInfo("Overwrite?", 5, 5, 20, 10, window_id=7))
        screen.advance()

    executor.on_perform = open_dialog
    result = Agent(
        ScriptedPlanner([Key(keys=("enter",))]),
        executor,
        screen,
        settle_config=FAST,
        windows=windows,
        run_dir=RunDirectory(tmp_path / "run"),
    ).run("save")
    assert result.steps[0].verdict is Verdict.CHANGED  # the dialog is the key's visible effect...
    assert result.left_open == ["Overwrite?"]  # ...and the run says it is still open at the end
    assert result.summary is not None and result.summary.left_open == ["Overwrite?"]
    assert "left open: <b>Overwrite?</b>" in build_report(tmp_path / "run").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("role", "field_box", "verdict"),
    [
        ("text", (0, 0, 20, 10), Verdict.FOCUSED),
        ("text", (25, 15, 10, 10), Verdict.NO_CHANGE),
        # A focused button that drew nothing did nothing anyone can see (a dead button clicked twice).
        ("push button", (0, 0, 20, 10), Verdict.NO_CHANGE),
    ],
)
def test_a_click_that_draws_nothing_passes_when_the_app_says_the_focus_is_under_the_pointer(
    role: str, field_box: tuple[int, int, int, int], verdict: Verdict
) -> None:
    from actions import Click
    from actions.a11y.fake import SHOWN, FakeTrees, element, snapshot
    from planners.targeting import TargetResolver

    screen = FakeScreen([np.full((30, 40, 3), 9, dtype=np.uint8)])  # nothing on the screen ever changes
    field = element("/field", role, "Name", field_box, states=SHOWN | {"focused", "focusable"})
    trees = FakeTrees(snapshot(field, screen=(0, 0, 40, 30)))
    finder = TargetResolver(tree=trees)
    result = Agent(
        ScriptedPlanner([Click(x=5, y=5)]),
        RecordingExecutor(),
        screen,
        settle_config=FAST,
        windows=FakeWindows.focused(40, 30),
        finder=finder,
    ).run("t")
    (step,) = result.steps
    assert step.verdict is verdict and result.success is (verdict is Verdict.FOCUSED)
    if verdict is Verdict.FOCUSED:
        assert step.seen is not None and "focus is on the text 'Name' under the pointer" in step.seen.detail
