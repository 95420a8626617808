"""Where a toggle found in the tree is clicked: on its label when its box is far wider than the label needs
(geany's expander across its dialog), at its centre otherwise. Real rendered text, real OCR (the default
engine), no display."""

from __future__ import annotations

from PIL import ImageDraw

from actions.coords import ScreenPoint
from actions.frame import Frame
from planners.grounding.base import GroundingResult
from planners.grounding.label_point import on_its_label
from planners.grounding.ocr import OcrGrounder
from tests.unit.test_ocr_blobs import canvas, draw_text, frame_of


def _tree_result(role: str, name: str, box: list[int]) -> GroundingResult:
    x, y, w, h = box
    centre = (x + w / 2, y + h / 2)
    element = {"role": role, "name": name, "box": box}
    return GroundingResult("tree", ScreenPoint(*centre), 1.0, f"{role} {name!r} in 'Replace'", element=element)


def _screen(label: str = "Replace All") -> tuple[Frame, tuple[int, int, int, int]]:
    image = canvas(700, 80)
    ImageDraw.Draw(image).polygon([(24, 30), (24, 42), (32, 36)], fill=0)  # the expander's arrow
    drawn = draw_text(image, (40, 28), label, 15)
    return frame_of(image), drawn


def test_a_toggle_as_wide_as_its_dialog_is_clicked_on_its_label() -> None:
    frame, (x, y, w, h) = _screen()
    moved = on_its_label(_tree_result("toggle button", "Replace All", [20, 26, 660, 22]), frame, OcrGrounder())
    assert moved.point is not None
    assert x <= moved.point.x <= x + w and y - 2 <= moved.point.y <= y + h + 2, (moved.point, (x, y, w, h))
    assert "clicked on its label, read at" in moved.reason and "660 points wide" in moved.reason


def test_a_toggle_of_a_usual_size_and_a_push_button_keep_the_centre() -> None:
    frame, _ = _screen()
    reader = OcrGrounder()
    runs = reader.engine_runs  # the default engine is shared: count from here
    snug = _tree_result("check box", "Replace All", [20, 26, 140, 22])  # indicator and label, nothing more
    assert on_its_label(snug, frame, reader) == snug
    button = _tree_result("push button", "Replace All", [20, 26, 660, 22])  # a button takes its whole box
    assert on_its_label(button, frame, reader) == button
    assert reader.engine_runs == runs  # nothing read for either


def test_a_label_not_read_inside_the_box_leaves_the_centre() -> None:
    frame, _ = _screen("Something else")
    wide = _tree_result("toggle button", "Replace All", [20, 26, 660, 22])
    assert on_its_label(wide, frame, OcrGrounder()) == wide
