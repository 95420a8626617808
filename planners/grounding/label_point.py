"""Where to click a toggle found in the tree whose box is far wider than its label: on the label.

The tree rung clicks the centre of an element's box. For a check box, a radio button or a toggle button
laid out across a whole dialog, that centre is blank space right of its label, and toolkits do not all
take a click there: geany's "Replace All" expander (a GTK toggle button, 597x17 points) ignored it. The
label is where a person clicks, so it is read by OCR inside the element's box and clicked there. A box of
a usual size, or a label OCR does not read once and only once inside it: the centre, as before. (Qt,
whose check boxes take clicks on their indicator and text only, publishes just that part as their box.)
"""

from __future__ import annotations

from dataclasses import replace

from actions.coords import ScreenPoint
from actions.frame import Frame
from actions.text_match import TextPattern
from planners.grounding.base import GroundingResult
from planners.grounding.ocr import OcrGrounder, find_label
from planners.grounding.ocr_blobs import text_blobs

# Roles whose clickable part may be only their indicator and label (a push button takes its whole box).
LABELLED_TOGGLES = frozenset({"check box", "radio button", "toggle button", "check menu item", "radio menu item"})
_GLYPH_WIDTH = 0.6  # of the row's height: a generous width for one character of a label's font
WIDE = 2.0  # a box this many times wider than its indicator and label would need is "wide"
_MARGIN_PX = 2  # read a little past the box: a label's descenders and focus ring touch its edges


def on_its_label(result: GroundingResult, frame: Frame, reader: OcrGrounder) -> GroundingResult:
    """``result`` (the tree rung's, with its element) moved onto the element's label where the element
    is a toggle much wider than its label would need and OCR reads the label once inside its box."""
    element = result.element or {}
    name, box = str(element.get("name") or "").strip(), element.get("box")
    if result.point is None or element.get("role") not in LABELLED_TOGGLES or not name or not box:
        return result
    x, y, width, height = box
    needs = height * (1 + _GLYPH_WIDTH * len(name))  # an indicator a row high, then the label
    if width <= WIDE * needs:
        return result
    profile, (frame_w, frame_h) = frame.profile, frame.size
    x0, y0 = profile.screen_to_image(ScreenPoint(x, y))
    x1, y1 = profile.screen_to_image(ScreenPoint(x + width, y + height))
    left, top = max(0, int(x0) - _MARGIN_PX), max(0, int(y0) - _MARGIN_PX)
    right, bottom = min(frame_w, int(x1) + _MARGIN_PX), min(frame_h, int(y1) + _MARGIN_PX)
    if right <= left or bottom <= top:
        return result
    words = reader.read(frame, region=(left, top, right - left, bottom - top))
    matches = find_label(words, TextPattern.parse(name), blobs=text_blobs(frame))
    if len(matches) != 1:
        return result
    point = profile.image_to_screen(matches[0].centre)
    why = f"; clicked on its label, read at ({int(point.x)}, {int(point.y)}): its box is {width} points wide"
    return replace(result, point=point, reason=result.reason + why)
