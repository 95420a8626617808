"""A tree published in a toolkit's own units (Qt 5 under QT_SCALE_FACTOR) put back into screen points.

The numbers are the Qt form's at QT_SCALE_FACTOR=1.5, as read on Xvfb: the window system has the window at
(180, 180) 430x164, its tree at (120, 120) 287x109.
"""

from __future__ import annotations

from actions.a11y.elements import Box, Element, ElementRef
from actions.a11y.scale import scale_of, scaled, to_screen

QT_TREE_WINDOW = Box(120, 120, 287, 109)
QT_X_WINDOW = Box(180, 180, 430, 164)


def element(role: str, name: str, box: Box | None, parent: int | None = None) -> Element:
    shown = frozenset({"showing", "visible"})
    return Element(
        ref=ElementRef(":1.9", f"/{role}/{name}"), role=role, name=name, box=box, parent=parent, states=shown
    )


def test_a_tree_at_a_third_of_the_size_is_scaled_by_its_factor() -> None:
    factor = scale_of(QT_TREE_WINDOW, QT_X_WINDOW)
    assert factor is not None and abs(factor - 1.5) < 0.01


def test_a_gtk_frame_at_twice_the_size_with_its_title_bar_is_scaled_by_two() -> None:
    """yad under GDK_SCALE=2: the tree's frame (title bar and borders included) at (120, 120) 321x130, the
    window system's client window at (241, 260) 640x234 (its frame at (240, 240), 20 points of title)."""
    factor = scale_of(Box(120, 120, 321, 130), Box(241, 260, 640, 234))
    assert factor is not None and abs(factor - 2) < 0.01


def test_a_tree_in_screen_points_is_left_alone() -> None:
    # GTK's frame box includes its shadow and title: a few points off, at scale 1.
    assert scale_of(Box(531, 329, 218, 142), Box(532, 349, 216, 117)) is None
    assert scale_of(Box(40, 40, 640, 560), Box(40, 40, 640, 560)) is None


def test_sizes_at_one_factor_but_places_at_none_are_not_guessed() -> None:
    """The size scaled by 1.5 but the place not (a window whose tree box is another window's): left alone."""
    assert scale_of(Box(500, 120, 287, 109), QT_X_WINDOW) is None
    assert scale_of(Box(120, 120, 287, 60), QT_X_WINDOW) is None  # width x1.5, height x2.7
    assert scale_of(Box(0, 0, 0, 0), QT_X_WINDOW) is None
    # Twice as wide, but its frame would stand 100 points above the window: no title bar is that tall.
    assert scale_of(Box(120, 70, 321, 180), Box(241, 260, 640, 234)) is None


def test_every_box_of_the_window_is_scaled_about_the_screen_origin() -> None:
    elements = [
        element("filler", "Qt address form", QT_TREE_WINDOW),
        element("text", "Name", Box(176, 131, 220, 25), parent=0),
        element("label", "Name", None, parent=0),
    ]
    factor = to_screen(elements, QT_X_WINDOW)
    assert factor is not None
    assert elements[0].box == scaled(QT_TREE_WINDOW, factor) == Box(180, 180, 430, 163)
    assert elements[1].box == Box(264, 196, 330, 38)  # the Name field where the screen shows it
    assert elements[2].box is None


def test_without_the_window_systems_box_nothing_changes() -> None:
    elements = [element("filler", "w", QT_TREE_WINDOW), element("text", "Name", Box(176, 131, 220, 25), parent=0)]
    assert to_screen(elements, None) is None
    assert elements[1].box == Box(176, 131, 220, 25)


def test_a_window_box_in_other_units_than_its_elements_is_left_alone() -> None:
    """Chromium at device scale 1.5: its window's box unscaled (the size it was asked for), its page's boxes
    already in screen points. They overflow the window's box, so nothing is scaled (1.5 times too far)."""
    elements = [
        element("frame", "Identity form", Box(0, 0, 560, 413)),
        element("document web", "Identity form", Box(1, 20, 840, 600), parent=0),
        element("entry", "Name", Box(195, 110, 350, 43), parent=1),
    ]
    assert scale_of(Box(0, 0, 560, 413), Box(1, 20, 840, 600)) is not None  # the window's box alone would say 1.5
    assert to_screen(elements, Box(1, 20, 840, 600)) is None
    assert elements[2].box == Box(195, 110, 350, 43)
