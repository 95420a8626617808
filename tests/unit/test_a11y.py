"""The accessibility room's data (states, roles, name matching, visible boxes) and the tree rung, on the
shipped fake tree source: no bus, no app."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from actions.a11y.elements import Box, name_matches
from actions.a11y.fake import FakeTrees, element, snapshot
from actions.a11y.roles import known_role, roles_for, states_from_bits
from actions.coords import ScreenPoint
from actions.errors import TargetAmbiguous, TargetNotFound
from actions.frame import FakeScreen
from actions.targets import Target
from planners.grounding.base import GroundingQuery
from planners.grounding.tree import TreeGrounder
from planners.target_cache import TargetCache
from planners.targeting import TargetResolver

FRAME = FakeScreen.solid([(255, 255, 255)], size=(1280, 800)).capture()
DISABLED = frozenset({"showing", "visible"})


def test_state_bits_and_role_aliases() -> None:
    assert states_from_bits([1 << 8 | 1 << 25, 1 << (41 - 32)]) == {"enabled", "showing", "checkable"}
    assert roles_for("button") >= {"push button", "toggle button"} and roles_for("Push  Button") == {"push button"}
    assert known_role("checkbox") and known_role("page tab") and not known_role("buton")


@pytest.mark.parametrize(
    ("wanted", "said", "score"),
    [
        ("Save", "Save", 0),
        ("save", "_Save", 0),
        ("City", "City:", 0),
        ("Open", "Open…", 0),
        ("Zoë report", "Open the Zoë report", 1),
        ("确定", "确定", 0),
        ("Save", "Saved", None),
        ("report Zoë", "Open the Zoë report", None),
        ("/^Item \\d$/", "Item 7", 1),
        ("Item 1", "Item 12", None),
    ],
)
def test_names_match_by_the_one_text_rule(wanted: str, said: str, score: int | None) -> None:
    assert name_matches(wanted, said) == score


def test_the_visible_box_is_clipped_by_ancestors_and_the_screen_and_hidden_has_none() -> None:
    tree = snapshot(
        element("/w", "frame", "Form", (0, 0, 400, 300)),
        element("/list", "list", "", (10, 10, 200, 100), parent=0),
        element("/row", "list item", "Row 9", (10, 90, 200, 40), parent=1),  # half scrolled out of its list
        element("/off", "push button", "Off", (1270, 10, 40, 20), parent=0),
        element("/hidden", "push button", "Hidden", (10, 10, 40, 20), parent=0, states=frozenset({"enabled"})),
        screen=(0, 0, 1280, 800),
    )
    assert tree.visible_box(2).as_list() == [10, 90, 200, 20]
    assert tree.visible_box(3) is None  # outside its window
    assert tree.visible_box(4) is None  # not showing
    assert tree.path(2) == [("frame", "Form"), ("list", ""), ("list item", "Row 9")]
    assert tree.find(role="list item") == [2] and tree.find(name="Hidden") == []


FORM = snapshot(
    element("/w", "frame", "Form", (0, 0, 600, 400)),
    element("/l1", "label", "Name", (10, 10, 80, 20), parent=0),
    element("/f1", "entry", "", (100, 10, 200, 20), parent=0, label="Name"),
    element("/ok", "push button", "OK", (100, 300, 80, 30), parent=0),
    element("/oklabel", "label", "OK", (110, 305, 60, 20), parent=3),  # the button's own label
    element("/c1", "check box", "Agree", (10, 100, 20, 20), parent=0),
    element("/c2", "check box", "Agree", (10, 140, 20, 20), parent=0),
    element("/later", "push button", "Send", (300, 300, 80, 30), parent=0, states=DISABLED),
)


def ground(tree: FakeTrees, **query: object) -> object:
    return TreeGrounder(tree, wait_enabled_s=0.2).ground(GroundingQuery(description="x", **query), FRAME)  # type: ignore[arg-type]


def test_the_tree_rung_finds_by_role_and_name_or_text_at_the_centre_of_the_visible_box() -> None:
    trees = FakeTrees(FORM)
    assert ground(trees, role="button", name="OK").point == ScreenPoint(140, 315)  # type: ignore[attr-defined]
    field = ground(trees, role="field", name="Name")  # an unnamed entry, by the label that labels it
    assert field.point == ScreenPoint(200, 20) and field.element["label"] == "Name"  # type: ignore[attr-defined]
    # A text: the button beats its own label inside it, and beats the "Name" label for "OK".
    assert ground(trees, label="OK").point == ScreenPoint(140, 315)  # type: ignore[attr-defined]


def test_two_equally_good_elements_are_refused_unless_an_index_says_which() -> None:
    trees = FakeTrees(FORM)
    both = ground(trees, role="checkbox", name="Agree")
    assert both.point is None and "2 equally good matches" in both.reason  # type: ignore[attr-defined]
    assert both.candidates == (ScreenPoint(20, 110), ScreenPoint(20, 150))  # type: ignore[attr-defined]
    assert ground(trees, role="checkbox", name="Agree", index=1).point == ScreenPoint(20, 150)  # type: ignore[attr-defined]


def test_a_disabled_element_is_waited_for_then_found_or_refused() -> None:
    send = FORM.elements[7].ref
    enabling = FakeTrees(FORM, state_script={send: [DISABLED, DISABLED | {"enabled", "sensitive"}]})
    found = ground(enabling, role="button", name="Send")
    assert found.point == ScreenPoint(340, 315) and "enabled after" in found.reason  # type: ignore[attr-defined]
    assert enabling.polls == 2
    never = ground(FakeTrees(FORM), role="button", name="Send")
    assert never.point is None and never.refused  # type: ignore[attr-defined]
    assert never.reason == "button 'Send' is disabled and stayed so for 0.2 s: not clicked"  # type: ignore[attr-defined]


def test_the_tree_rung_declines_what_it_cannot_answer() -> None:
    assert ground(FakeTrees(unavailable="no D-Bus session"), label="OK").reason == "no tree: no D-Bus session"  # type: ignore[attr-defined]
    assert "left to OCR" in ground(FakeTrees(FORM), label="Name", offset=True).reason  # type: ignore[attr-defined]
    missing = ground(FakeTrees(FORM), role="button", name="Cancel")
    assert missing.point is None and not missing.refused and "no element is button 'Cancel'" in missing.reason  # type: ignore[attr-defined]


def test_the_resolver_asks_the_tree_first_and_never_climbs_past_a_refusal(tmp_path) -> None:
    cache = TargetCache(tmp_path / "cache")
    resolver = TargetResolver(cache=cache, tree=FakeTrees(FORM), wait_enabled_s=0.1)
    found = resolver.resolve(Target(role="button", name="OK"), FRAME)
    assert (found.point, found.rung, found.record["cache"]) == (ScreenPoint(140, 315), "tree", "off")
    assert found.record["element"]["name"] == "OK" and found.record["element"]["path"][0] == ["frame", "Form"]
    by_text = resolver.resolve(Target(text="OK"), FRAME)
    assert (by_text.rung, by_text.record["cache"]) == ("tree", "learned")
    with pytest.raises(TargetNotFound, match="'Send' is disabled"):
        resolver.resolve(Target(role="button", name="Send"), FRAME)
    with pytest.raises(TargetAmbiguous, match="2 equally good matches"):
        resolver.resolve(Target(role="checkbox", name="Agree"), FRAME)
    assert resolver.calls["ocr"] == 0  # the refused and the ambiguous never reached OCR


def test_role_targets_are_validated_with_the_field_named() -> None:
    with pytest.raises(ValidationError, match="unknown role 'buton'"):
        Target(role="buton", name="OK")
    with pytest.raises(ValidationError, match="name belongs to a role target"):
        Target(name="OK")
    with pytest.raises(ValidationError, match="exactly one of text, image, description, role"):
        Target(text="OK", role="button")
    assert Target(role="button", name="OK", index=1).describe() == "button 'OK' #1"


def test_a_focused_element_that_shows_nowhere_is_not_where_the_keys_go() -> None:
    """Qt keeps a closed combo popup's current item marked focused and showing, at its box of when the list
    was open, under a list whose box is 0x0 (measured): the visible field wins."""
    from actions.a11y.fake import SHOWN, element, snapshot

    combo = element("/combo", "combo box", "Medium", (0, 0, 100, 20), states=SHOWN)
    closed = element("/list", "list", "", (0, 0, 0, 0), states=SHOWN, parent=0)
    item = element("/item", "list item", "Medium", (0, 60, 100, 20), states=SHOWN | {"focused"}, parent=1)
    field = element("/zip", "text", "Zip", (0, 30, 100, 20), states=SHOWN | {"focused", "editable"})
    snap = snapshot(combo, closed, item, field, screen=(0, 0, 200, 200))
    assert snap.visible_box(2) is None and snap.focused() == 3
    open_list = snapshot(combo, element("/list", "list", "", (0, 20, 100, 60), states=SHOWN, parent=0), item)
    assert open_list.visible_box(2) == Box(0, 60, 100, 20)  # drawn in its popup, below the combo box


def test_qt_spin_box_is_read_as_atspi_spin_button() -> None:
    from actions.a11y.roles import role_name, roles_for

    assert role_name("spin box") == "spin button" and "spin button" in roles_for("field")
    assert role_name("push button") == "push button"


# An open list (an unmanaged window) at (100, 50, 200, 80) over the window's lower rows.
POPUP_FORM = snapshot(
    element("/w", "frame", "Form", (0, 0, 400, 300)),
    element("/zip", "text", "Zip", (100, 90, 200, 24), parent=0),  # under the open list
    element("/menu", "menu", "Size", (100, 50, 200, 80), parent=0),  # the list itself, kept in the tree
    element("/large", "menu item", "Large", (100, 100, 200, 20), parent=2),
)


def test_an_element_under_an_open_popup_is_refused_and_an_element_of_the_popup_is_not() -> None:
    trees = FakeTrees(POPUP_FORM, popups=[Box(100, 50, 200, 80)])
    under = TreeGrounder(trees).ground(GroundingQuery(description="x", role="field", name="Zip"), FRAME)
    assert under.point is None and under.refused
    assert (
        under.reason == "field 'Zip' is covered by an open popup at [100, 50, 200, 80] (a menu or a list): not clicked"
    )
    item = TreeGrounder(trees).ground(GroundingQuery(description="x", role="menu item", name="Large"), FRAME)
    assert item.point == ScreenPoint(200, 110)
    closed = TreeGrounder(FakeTrees(POPUP_FORM)).ground(
        GroundingQuery(description="x", role="field", name="Zip"), FRAME
    )
    assert closed.point == ScreenPoint(200, 102)  # no popup over it: clicked where the tree says


# GTK's shape (measured, mousepad): an open menu's items hang under the menu, which sits in the menu bar
# inside a filler as tall as the bar; the items are drawn in a popup window below it.
GTK_MENU = snapshot(
    element("/w", "frame", "Editor", (0, 0, 600, 400)),
    element("/fill", "filler", "", (0, 20, 600, 25), parent=0),
    element("/bar", "menu bar", "", (0, 20, 600, 25), parent=1),
    element("/file", "menu", "File", (0, 20, 40, 25), parent=2),
    element("/saveas", "menu item", "Save As...      ", (0, 70, 300, 25), parent=3),
    element("/closed", "menu item", "Undo", (-2147483648, -2147483648, 1, 1), parent=3, states=frozenset()),
)


def test_an_open_menus_items_are_visible_below_their_menu_bar_and_part_of_its_popup() -> None:
    assert GTK_MENU.visible_box(4) == Box(0, 70, 300, 25)  # not clipped by the filler above the menu
    assert GTK_MENU.visible_box(5) is None  # a closed menu's item shows nowhere
    trees = FakeTrees(GTK_MENU, popups=[Box(0, 45, 300, 300)])
    item = TreeGrounder(trees).ground(GroundingQuery(description="x", role="menu item", name="Save As"), FRAME)
    assert item.point == ScreenPoint(150, 82)  # inside the popup that is its menu: clicked, not refused
