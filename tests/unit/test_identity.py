"""Identity beside anchors, without a display: what lies under a point, when an element is the recorded one,
anchor matches confirmed or refused on synthetic frames with the shipped fake tree, the tree rung finding
by identity, and old scenario and cache files (no identity) loading as before."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from actions.a11y.fake import FakeTrees, element, snapshot
from actions.coords import DisplayProfile, ScreenPoint
from actions.errors import UserInputError
from actions.frame import Frame
from actions.targets import Target
from planners.grounding.base import GroundingQuery, GroundingResult
from planners.grounding.identity import Identity, confirm, differs, element_at, identity_at
from planners.grounding.ladder import default_ladder
from planners.grounding.tree import TreeGrounder
from planners.scenario_file import load_scenario
from planners.target_cache import TargetCache
from planners.targeting import TargetResolver

W, H = 640, 400
FIELD_BOX = (200, 100, 220, 28)  # x, y, width, height of the upper field; the lower one is 60 px below


def fields_frame() -> Frame:
    """Two empty text fields that look exactly alike (a grey border, white inside), with a textured strip
    above them, so that a crop of the upper field is unique on the screen as a whole."""
    data = np.full((H, W, 3), 235, np.uint8)
    data[40:64, 200:420] = np.random.default_rng(7).integers(0, 255, (24, 220, 3), dtype=np.uint8)
    for top in (100, 160):
        data[top : top + 28, 200:420] = 120
        data[top + 1 : top + 27, 201:419] = 255
    return Frame(data, DisplayProfile(width=W, height=H), 0.0, 0.0)


def form(first: str, second: str) -> FakeTrees:
    """A window with two named entries: ``first`` above, ``second`` below."""
    return FakeTrees(
        snapshot(
            element("/w", "frame", "Form", (0, 0, W, H)),
            element("/doc", "document web", "Form", (0, 0, W, H), parent=0),
            element("/a", "entry", first, (200, 100, 220, 28), parent=1),
            element("/a/text", "paragraph", "", (204, 104, 100, 20), parent=2),  # plain text inside the field
            element("/b", "entry", second, (200, 160, 220, 28), parent=1),
            screen=(0, 0, W, H),
        )
    )


NAME = Identity(role="entry", name="Name", path=(("frame", "Form"), ("document web", "Form"), ("entry", "Name")))


def test_the_element_under_a_point_is_the_deepest_interactive_one() -> None:
    tree = form("Name", "City").tree
    assert tree is not None
    assert element_at(tree, 210, 110) == 2  # the entry, not the plain text inside it nor the document
    assert element_at(tree, 10, 10) == 1  # nothing interactive there: the deepest
    assert element_at(tree, 700, 10) is None
    assert identity_at(tree, 300, 170) == Identity(
        role="entry", name="City", path=(("frame", "Form"), ("document web", "Form"), ("entry", "City"))
    )


def test_role_and_name_decide_and_the_window_title_may_change() -> None:
    tree = form("Name", "City").tree
    assert tree is not None
    assert differs(NAME, tree, 2) is None
    assert differs(NAME, tree, 4) == "the entry 'City' is there, not the entry 'Name'"
    assert differs(Identity(role="push button", name="Name"), tree, 2) == (
        "a entry 'Name' is there, not the push button 'Name'"
    )
    retitled = NAME.model_copy(update={"path": (("frame", "Form - edited"), *NAME.path[1:])})
    assert differs(retitled, tree, 2) is None
    # Unnamed and unlabelled: the path is all there is.
    blank = form("", "").tree
    assert blank is not None
    recorded = Identity(role="entry", path=(("frame", "Form"), ("document web", "Form"), ("entry", "")))
    assert differs(recorded, blank, 2) is None
    elsewhere = recorded.model_copy(update={"path": (("frame", "Form"), ("panel", ""), ("entry", ""))})
    assert (
        differs(elsewhere, blank, 2) == "the entry '' there lies at document web 'Form' > entry, not at panel > entry"
    )


def learned(tmp_path: Path) -> tuple[TargetCache, Target]:
    """The upper field learned as "the Name field", with the identity the tree gave it then."""
    target = Target(description="the Name field")
    cache = TargetCache(tmp_path / "plan.cache")
    assert cache.put(target, fields_frame(), ScreenPoint(310, 114), None, "vlm", identity=NAME)
    return cache, target


def test_an_anchor_match_on_another_element_is_refused_and_the_tree_finds_the_learned_one(tmp_path: Path) -> None:
    cache, target = learned(tmp_path)
    swapped = form("City", "Name")  # the same two fields, their order swapped: the anchor's pixels still match
    resolver = TargetResolver(cache=TargetCache(tmp_path / "plan.cache"), tree=swapped)
    found = resolver.resolve(target, fields_frame())
    anchor, template, tree = found.record["tried"]
    assert (anchor["rung"], anchor["ok"], anchor["element"]["name"]) == ("anchor", False, "City")
    assert anchor["why"].startswith("matched at [310, 114] (score 1.000), but the entry 'City' is there")
    assert template["ok"] is False
    assert (tree["rung"], tree["by"], tree["element"]["name"]) == ("tree", "identity", "Name")
    assert found.point == ScreenPoint(310, 174) and found.rung == "tree"


def test_an_anchor_match_on_the_same_element_is_confirmed(tmp_path: Path) -> None:
    _, target = learned(tmp_path)
    resolver = TargetResolver(cache=TargetCache(tmp_path / "plan.cache"), tree=form("Name", "City"))
    found = resolver.resolve(target, fields_frame())
    [anchor] = found.record["tried"]
    assert anchor["ok"] and anchor["why"].endswith("identity entry 'Name' confirmed") and found.record["cache"] == "hit"


@pytest.mark.parametrize("trees", [None, FakeTrees(unavailable="no accessibility bus")], ids=["no-reader", "no-bus"])
def test_without_a_tree_the_anchor_is_taken_as_before(tmp_path: Path, trees: FakeTrees | None) -> None:
    _, target = learned(tmp_path)
    found = TargetResolver(cache=TargetCache(tmp_path / "plan.cache"), tree=trees).resolve(target, fields_frame())
    assert found.rung == "anchor" and found.point == ScreenPoint(310, 114)


def test_the_tree_rung_tells_equal_elements_apart_by_their_path() -> None:
    trees = FakeTrees(
        snapshot(
            element("/w", "frame", "Form", (0, 0, W, H)),
            element("/home", "panel", "Home", (0, 0, W, 200), parent=0),
            element("/home/x", "push button", "Remove", (10, 10, 80, 30), parent=1),
            element("/work", "panel", "Work", (0, 200, W, 200), parent=0),
            element("/work/x", "push button", "Remove", (10, 210, 80, 30), parent=3),
            screen=(0, 0, W, H),
        )
    )
    work = Identity(
        role="push button", name="Remove", path=(("frame", "Form"), ("panel", "Work"), ("push button", "Remove"))
    )
    result = TreeGrounder(trees).ground(GroundingQuery("the Remove button", identity=work), fields_frame())
    assert result.point == ScreenPoint(50, 225) and result.by_identity


def test_a_match_is_confirmed_against_the_tree_the_replay_ladder_reads() -> None:
    trees = form("City", "Name")
    [_, tree, *_] = default_ladder(tree=trees)
    assert isinstance(tree, TreeGrounder) and tree.source is trees  # what ScenarioPlanner confirms with
    match = GroundingResult("anchor", ScreenPoint(310, 114), score=0.996, reason="template matched 0.996")
    refused = confirm(match, NAME, trees, fields_frame(), None)
    assert refused.point is None and refused.reason.endswith("not the entry 'Name': refused")
    assert confirm(match, None, trees, fields_frame(), None) is match  # nothing recorded: nothing to check
    found = tree.ground(GroundingQuery("the Name field", label="Name", offset=True, identity=NAME), fields_frame())
    assert found.point == ScreenPoint(310, 174) and found.by_identity  # by identity, not left to OCR for the offset


def test_old_cache_entries_without_identity_load(tmp_path: Path) -> None:
    cache, target = learned(tmp_path)
    index = tmp_path / "plan.cache" / "index.json"
    data = json.loads(index.read_text())
    assert [entry["identity"]["name"] for entry in data.values()] == ["Name"]
    for entry in data.values():
        del entry["identity"]  # as an older Deskpilot wrote it
    index.write_text(json.dumps(data))
    entry = TargetCache(tmp_path / "plan.cache").get(target)
    assert entry is not None and entry.identity is None and entry.screen_point == (310, 114)


SCENARIO = """name: address
steps:
- action: {kind: click}
  target:
    description: the Name field
    label: Name
    anchor: {screen_point: [310, 114]}
%s
"""


def test_a_scenario_target_keeps_an_optional_identity(tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    old.write_text(SCENARIO % "", encoding="utf-8")
    assert load_scenario(old).steps[0].target.identity is None  # type: ignore[union-attr]
    new = tmp_path / "new.yaml"
    new.write_text(
        SCENARIO % "    identity: {role: entry, name: Name, path: [[frame, Form], [entry, Name]]}", encoding="utf-8"
    )
    identity = load_scenario(new).steps[0].target.identity  # type: ignore[union-attr]
    assert identity == Identity(role="entry", name="Name", path=(("frame", "Form"), ("entry", "Name")))
    bad = tmp_path / "bad.yaml"
    bad.write_text(SCENARIO % "    identity: {name: Name}", encoding="utf-8")
    with pytest.raises(UserInputError, match="identity.role"):
        load_scenario(bad)


def test_the_recording_journal_keeps_the_identity(tmp_path: Path) -> None:
    from agent.record.journal import RecordingJournal, read_journal
    from agent.record.steps import PointerCapture, RawStep

    scenario = tmp_path / "flow.yaml"
    journal = RecordingJournal(scenario)
    clicked = PointerCapture(screen_point=(310, 114), window_title="Form", identity=NAME)
    unknown = PointerCapture(screen_point=(5, 5))
    journal.write_finished([RawStep({"kind": "click"}, clicked), RawStep({"kind": "click"}, unknown), RawStep({})])
    journal.close(keep=True)
    _, steps = read_journal(tmp_path / "flow.recording")
    assert [s.target.identity if s.target else None for s in steps] == [NAME, None]
