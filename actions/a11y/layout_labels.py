"""The label a form lays out beside a field that no relation names: the one screen readers would read.

GTK forms built without mnemonics (``zenity --forms``, many dialogs) put a label and an entry side by side in
a grid and never say that one labels the other (no LABELLED_BY): the entry has no name, no label, and a
target ``{"role": "field", "name": "City"}`` could not find it. The layout says it plainly, so an unnamed
field (or a combo box, which GTK names after its current choice) takes the text of the label that sits
on its row, to its left, under the same parent, with nothing in between, and that labels no nearer field.
Anything less clear-cut (two candidates, a button between, a label that is another field's nearest) leaves
the field unnamed: a wrong name is a wrong click.
"""

from __future__ import annotations

from dataclasses import replace

from actions.a11y.elements import Box, Element

_LABEL_ROLES = frozenset({"label", "static"})
_FIELD_ROLES = frozenset({"entry", "text", "password text", "spin button", "combo box", "editbar", "search box"})


def _same_row(a: Box, b: Box) -> bool:
    """Their vertical extents overlap by at least half of the shorter one's height."""
    overlap = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
    return overlap * 2 >= min(a.height, b.height)


def _left_gap(label: Box, field: Box) -> int | None:
    """How far the label ends before the field starts, on one row; None when it is not to its left."""
    gap = field.x - (label.x + label.width)
    return gap if gap >= 0 and _same_row(label, field) else None


def _between(other: Box, label: Box, field: Box) -> bool:
    """Whether ``other`` lies on the row between the label's right edge and the field's left edge."""
    return (
        _same_row(other, field)
        and other.x >= label.x + label.width
        and other.x + other.width <= field.x
        and not other.empty
    )


def label_by_layout(elements: list[Element]) -> None:
    """Give each unlabelled field the label its layout puts beside it (in place), where clear-cut: a field
    with no name, or a combo box (GTK names it after its current choice, which is no label). An editable
    combo box's entry is laid out as its combo box is, and takes the same label."""
    shown = [i for i, e in enumerate(elements) if e.box is not None and not e.box.empty and e.showing]
    fields = [i for i in shown if elements[i].role in _FIELD_ROLES]
    anchors = {field: _anchor(elements, field) for field in fields}  # what is laid out in the form's grid
    labels = [i for i in shown if elements[i].role in _LABEL_ROLES and elements[i].name.strip()]
    nearest: dict[int, int] = {}  # label -> the laid-out field it is nearest to, on its row
    for label in labels:
        gaps = [
            (gap, anchor)
            for anchor in set(anchors.values())
            if elements[anchor].parent == elements[label].parent
            and (gap := _left_gap(elements[label].box, elements[anchor].box)) is not None  # type: ignore[arg-type]
        ]
        if gaps:
            nearest[label] = min(gaps)[1]
    for field, anchor in anchors.items():
        element = elements[field]
        if element.label.strip() or (element.name.strip() and element.role != "combo box"):
            continue
        candidates = [label for label, laid_out in nearest.items() if laid_out == anchor]
        if len(candidates) != 1:
            continue  # no label beside it, or two: not clear-cut
        label_box, field_box = elements[candidates[0]].box, elements[anchor].box
        if label_box is None or field_box is None:
            continue  # (both are shown elements: they have boxes)
        if any(
            _between(elements[other].box, label_box, field_box)  # type: ignore[arg-type]
            for other in shown
            if other not in (anchor, candidates[0]) and elements[other].parent == elements[anchor].parent
        ):
            continue  # a button or another field sits between them
        elements[field] = replace(element, label=elements[candidates[0]].name.strip())


def _anchor(elements: list[Element], field: int) -> int:
    """The element laid out in the form for ``field``: its combo box, for an editable combo box's entry."""
    parent = elements[field].parent
    return parent if parent is not None and elements[parent].role == "combo box" else field
