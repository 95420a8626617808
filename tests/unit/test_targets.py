"""Targets in plans without a display: the action models, the resolver's ladder and learned cache on
synthetic frames, the targeting planner, CSV rows and the exported script."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from actions.coords import DisplayProfile, ScreenPoint
from actions.errors import TargetAmbiguous, TargetNotFound, UserInputError
from actions.frame import Frame
from actions.models import Click, Drag, parse_action
from actions.targets import Target
from actions.windows import WindowInfo
from planners.target_cache import TargetCache
from planners.targeting import TargetingPlanner, TargetResolver

W, H = 640, 400


def patch(seed: int) -> np.ndarray:
    """A distinctive 24x24 texture (a button's face, as far as template matching can tell)."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 255, (24, 24, 3), dtype=np.uint8)


def frame_with(*placed: tuple[np.ndarray, int, int]) -> Frame:
    data = np.full((H, W, 3), 235, np.uint8)
    for pixels, x, y in placed:
        data[y : y + pixels.shape[0], x : x + pixels.shape[1]] = pixels
    return Frame(data, DisplayProfile(width=W, height=H), 0.0, 0.0)


class Windows:
    def __init__(self, window: WindowInfo) -> None:
        self.window = window

    def find(self, pattern: str) -> WindowInfo | None:
        import re

        return self.window if re.search(pattern, self.window.title) else None

    def at(self, x: int, y: int) -> WindowInfo | None:
        return self.window if self.window.contains(x, y) else None


class PointingOracle:
    def __init__(self, point: tuple[int, int]) -> None:
        self.point, self.calls = point, 0

    def ground(self, description: str, frame: Frame) -> ScreenPoint:
        self.calls += 1
        return ScreenPoint(*self.point)


# -- the action models ------------------------------------------------------------------------------
def test_a_pointer_action_takes_coordinates_or_a_target_never_both() -> None:
    assert parse_action({"kind": "click", "target": "Submit"}) == Click(target=Target(text="Submit"))
    assert parse_action({"kind": "click", "x": 1, "y": 2}).model_dump() == {
        "kind": "click",
        "x": 1,
        "y": 2,
        "button": "left",
        "count": 1,
    }
    drag = parse_action({"kind": "drag", "target": {"image": "a.png"}, "to_x": 5, "to_y": 6})
    assert isinstance(drag, Drag) and drag.targets == [("target", Target(image="a.png"))] and drag.to_point == (5, 6)
    for data, message in [
        ({"kind": "click"}, "click.x: Field required"),
        ({"kind": "click", "x": 1, "y": 2, "target": "S"}, "not both"),
        ({"kind": "click", "target": {"text": "a", "image": "b.png"}}, "exactly one of text, image, description"),
        ({"kind": "click", "target": {"offset": [1, 2]}}, "exactly one of"),
        ({"kind": "drag", "x": 1, "y": 2}, "drag.to_x: Field required"),
        ({"kind": "move", "target": {"text": "a", "window": "("}}, "move.target.window: not a regular expression"),
        ({"kind": "click", "target": {"text": "a", "colour": "red"}}, "Extra inputs are not permitted"),
    ]:
        with pytest.raises(ValueError, match=message.replace("(", r"\(")):
            parse_action(data)


# -- the resolver --------------------------------------------------------------------------------------
def test_an_image_is_learned_then_confirmed_by_its_anchor_in_a_moved_window(tmp_path: Path) -> None:
    face = patch(1)
    Image.fromarray(face).save(tmp_path / "button.png")
    window = WindowInfo("App", 100, 100, 300, 200)
    cache = TargetCache(tmp_path / "plan.cache")
    resolver = TargetResolver(cache=cache, base_dir=tmp_path, windows=Windows(window))
    target = Target(image="button.png")
    found = resolver.resolve(target, frame_with((face, 200, 150)))
    assert (found.point, found.rung, found.record["cache"]) == (ScreenPoint(212, 162), "template", "learned")
    assert len(cache) == 1 and (tmp_path / "plan.cache" / "index.json").exists()

    moved = WindowInfo("App", 160, 130, 300, 200)  # the window and the button moved by (60, 30)
    again = TargetResolver(
        cache=TargetCache(tmp_path / "plan.cache"), base_dir=tmp_path, windows=Windows(moved), strict_cache=True
    )
    found = again.resolve(target, frame_with((face, 260, 180)))
    assert (found.point, found.rung, found.record["cache"]) == (ScreenPoint(272, 192), "anchor", "hit")
    assert dict(again.calls) == {"anchor": 1}


def test_strict_cache_fails_where_the_anchor_does_not_match(tmp_path: Path) -> None:
    face = patch(2)
    Image.fromarray(face).save(tmp_path / "b.png")
    TargetResolver(cache=TargetCache(tmp_path / "c"), base_dir=tmp_path).resolve(
        Target(image="b.png"), frame_with((face, 40, 40))
    )
    strict = TargetResolver(cache=TargetCache(tmp_path / "c"), base_dir=tmp_path, strict_cache=True)
    with pytest.raises(TargetNotFound, match="never learned"):
        strict.resolve(Target(image="other.png"), frame_with((face, 40, 40)))
    with pytest.raises(TargetNotFound, match="strict cache") as info:
        strict.resolve(Target(image="b.png"), frame_with())
    assert [rung for rung, _ in info.value.tried] == ["anchor", "template"]


def test_read_only_cache_finds_but_does_not_learn(tmp_path: Path) -> None:
    face = patch(3)
    Image.fromarray(face).save(tmp_path / "b.png")
    resolver = TargetResolver(cache=TargetCache(tmp_path / "c", learn=False), base_dir=tmp_path)
    found = resolver.resolve(Target(image="b.png"), frame_with((face, 40, 40)))
    assert found.record["cache"] == "read-only" and not (tmp_path / "c").exists()


def test_two_equally_good_matches_are_refused_with_both_named(tmp_path: Path) -> None:
    face = patch(4)
    Image.fromarray(face).save(tmp_path / "b.png")
    resolver = TargetResolver(base_dir=tmp_path)
    with pytest.raises(TargetAmbiguous, match="equally good") as info:
        resolver.resolve(Target(image="b.png"), frame_with((face, 40, 40), (face, 400, 300)))
    assert sorted(info.value.candidates) == [(52, 52), (412, 312)]


def test_a_window_limits_where_a_target_may_be(tmp_path: Path) -> None:
    face = patch(5)
    Image.fromarray(face).save(tmp_path / "b.png")
    resolver = TargetResolver(base_dir=tmp_path, windows=Windows(WindowInfo("Other", 0, 0, 100, 100)))
    with pytest.raises(TargetNotFound, match="outside the window 'Other'"):
        resolver.resolve(Target(image="b.png", window="^Other$"), frame_with((face, 400, 300)))
    with pytest.raises(TargetNotFound, match="no window title matches /Nope/"):
        resolver.resolve(Target(image="b.png", window="Nope"), frame_with((face, 400, 300)))


def test_a_description_needs_a_model_and_is_asked_once(tmp_path: Path) -> None:
    with pytest.raises(TargetNotFound, match="needs a model"):
        TargetResolver().resolve(Target(description="the red button"), frame_with())
    oracle = PointingOracle((300, 200))
    resolver = TargetResolver(cache=TargetCache(tmp_path / "c"), model=oracle)
    frame = frame_with((patch(6), 288, 188))
    found = resolver.resolve(Target(description="the red button", offset=[5, 0]), frame)
    assert (found.point, found.rung, oracle.calls) == (ScreenPoint(300, 200), "vlm", 1)  # no offset on a model's point
    found = resolver.resolve(Target(description="the red button", offset=[5, 0]), frame)
    assert (found.rung, oracle.calls) == ("anchor", 1)


def test_the_targeting_planner_hands_the_loop_concrete_actions(tmp_path: Path) -> None:
    face = patch(7)
    Image.fromarray(face).save(tmp_path / "b.png")
    actions = [
        parse_action({"kind": "click", "target": {"image": "b.png", "offset": [10, 0]}}),
        parse_action({"kind": "click", "target": {"image": "missing.png"}}),
    ]
    planner = TargetingPlanner(actions, TargetResolver(base_dir=tmp_path))
    frame = frame_with((face, 100, 100))
    plan = planner.plan("t", frame, ())
    assert plan.actions == (Click(x=122, y=112),)
    assert plan.grounding and plan.grounding[0]["rung"] == "template" and plan.grounding[0]["slot"] == "target"
    with pytest.raises(TargetNotFound, match=r"^step 2 \(click\): image 'missing.png': not found"):
        planner.plan("t", frame, ())


# -- data-driven runs and export -------------------------------------------------------------------------
BUNDLED = Path(__file__).resolve().parents[2] / "scenarios" / "demo_form.yaml"


def test_csv_rows_are_checked_before_anything_runs(tmp_path: Path) -> None:
    from agent.data_runs import failing_step, read_rows, table
    from agent.run_dir import StepRecord
    from planners.scenario_file import load_scenario
    from planners.verdicts import Verdict

    scenario = load_scenario(BUNDLED)
    rows = tmp_path / "rows.csv"
    rows.write_text("who,email\nAda,ada@x.org\nGrace,\n", encoding="utf-8")
    assert read_rows(rows, scenario, {}) == [
        {"who": "Ada", "email": "ada@x.org"},
        {"who": "Grace", "email": "ada@example.com"},
    ]
    rows.write_text("who,phone\nAda,1\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="column 'phone' is not a variable"):
        read_rows(rows, scenario, {})
    passed = StepRecord(index=1, action=None, verdict=Verdict.CHANGED)
    failed = StepRecord(index=2, action=None, verdict=Verdict.FAILED, performed=False)
    assert failing_step([passed, failed], ["a", "click the Name field"]) == "2 (click the Name field)"
    assert failing_step([passed], ["a"]) == "-"
    assert "0/0 rows passed" in table([])


def test_the_exported_script_compiles_and_says_what_to_click() -> None:
    from agent.cli.export_cmd import export_script
    from planners.scenario_file import load_scenario

    script = export_script(load_scenario(BUNDLED), BUNDLED)
    compile(script, "flow.py", "exec")
    assert "desk.click('Name', offset=(175, 0), expect='none')" in script and "desk.type(VARS['who'])" in script
    # A step's check is the call's expectation, judged where the call acts.
    assert "desk.click('Submit', expect={'text': 'Submitted', 'timeout_s': 3.0})" in script
