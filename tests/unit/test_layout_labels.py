"""A field no relation names takes the label its form lays out beside it, only where that is clear-cut."""

from __future__ import annotations

from actions.a11y.elements import Element
from actions.a11y.fake import SHOWN, element
from actions.a11y.layout_labels import label_by_layout


def zenity_form(*extra: Element) -> list[Element]:
    """The shape ``zenity --forms`` publishes (measured): a grid of labels and entries, no LABELLED_BY."""
    return [
        element("/grid", "filler", "", (500, 260, 280, 140), states=SHOWN),
        element("/l-name", "label", "Name", (517, 275, 39, 34), states=SHOWN, parent=0),
        element("/name", "text", "", (566, 275, 204, 34), states=SHOWN, parent=0),
        element("/l-city", "label", "City", (517, 315, 26, 34), states=SHOWN, parent=0),
        element("/city", "text", "", (566, 315, 204, 34), states=SHOWN, parent=0),
        element("/l-pin", "label", "PIN", (517, 355, 22, 34), states=SHOWN, parent=0),
        element("/pin", "password text", "", (566, 355, 204, 34), states=SHOWN, parent=0),
        *extra,
    ]


def labels(elements: list[Element]) -> dict[str, str]:
    label_by_layout(elements)
    return {e.ref.path: e.label for e in elements if e.role in ("text", "password text", "entry")}


def test_each_field_of_a_grid_takes_the_label_on_its_row() -> None:
    assert labels(zenity_form()) == {"/name": "Name", "/city": "City", "/pin": "PIN"}


def test_a_named_or_related_field_keeps_what_the_app_said() -> None:
    form = zenity_form()
    form[2] = element("/name", "text", "Full name", (566, 275, 204, 34), states=SHOWN, parent=0)
    form[4] = element("/city", "text", "", (566, 315, 204, 34), states=SHOWN, parent=0, label="Town")
    assert labels(form) == {"/name": "", "/city": "Town", "/pin": "PIN"}  # a name needs no label


def test_anything_between_or_a_second_candidate_leaves_the_field_unnamed() -> None:
    button = element("/pick", "push button", "...", (545, 315, 18, 34), states=SHOWN, parent=0)
    star = element("/star", "label", "*", (545, 275, 10, 34), states=SHOWN, parent=0)
    got = labels(zenity_form(button, star))
    assert got == {"/name": "", "/city": "", "/pin": "PIN"}


def test_a_label_on_another_row_or_under_another_parent_or_hidden_names_nothing() -> None:
    form = [
        element("/grid", "filler", "", (0, 0, 400, 200), states=SHOWN),
        element("/other", "filler", "", (0, 0, 100, 200), states=SHOWN),
        element("/above", "label", "Above", (10, 10, 60, 20), states=SHOWN, parent=0),
        element("/field", "text", "", (100, 40, 200, 20), states=SHOWN, parent=0),
        element("/foreign", "label", "Foreign", (10, 80, 60, 20), states=SHOWN, parent=1),
        element("/field2", "text", "", (100, 80, 200, 20), states=SHOWN, parent=0),
        element("/hidden", "label", "Hidden", (10, 120, 60, 20), states=frozenset(), parent=0),
        element("/field3", "text", "", (100, 120, 200, 20), states=SHOWN, parent=0),
    ]
    assert labels(form) == {"/field": "", "/field2": "", "/field3": ""}


def test_a_combo_box_named_after_its_choice_and_an_editable_ones_entry_take_the_label_beside_them() -> None:
    # yad --form's :CB (named "Small", its choice) and :CBE (an entry inside its combo box), measured shape
    form = [
        element("/grid", "filler", "", (0, 0, 400, 100), states=SHOWN),
        element("/l-size", "label", "Size", (10, 10, 40, 25), states=SHOWN, parent=0),
        element("/size", "combo box", "Small", (60, 10, 200, 25), states=SHOWN, parent=0),
        element("/l-fruit", "label", "Fruit", (10, 45, 40, 25), states=SHOWN, parent=0),
        element("/fruit", "combo box", "", (60, 45, 200, 25), states=SHOWN, parent=0),
        element("/fruit-entry", "text", "", (62, 47, 170, 21), states=SHOWN, parent=4),
    ]
    label_by_layout(form)
    assert [(e.ref.path, e.name, e.label) for e in form[2:] if e.role != "label"] == [
        ("/size", "Small", "Size"),
        ("/fruit", "", "Fruit"),
        ("/fruit-entry", "", "Fruit"),
    ]
