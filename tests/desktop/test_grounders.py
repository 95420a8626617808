"""Template and OCR grounders on the real demo app (Xvfb, mss frames, tesseract), and on numpy fakes.

The app is started at one place, templates are cropped from that frame, and the app is started again
elsewhere: what replay meets when a window opens where it did not open during recording.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pytest

from actions.coords import DisplayProfile, ScreenPoint
from actions.frame import Frame
from actions.text_match import TextPattern
from actions.windows import WindowInfo
from agent.desktop.xserver import VirtualDesktop
from agent.screen import MssScreen
from planners.grounding.base import Grounder, GroundingQuery
from planners.grounding.ocr import OcrGrounder, find_label, normalise
from planners.grounding.template import AnchorTemplateGrounder, ScreenTemplateGrounder, crop_template
from scenarios.harness import DemoAppProcess

WIDGETS = ("name", "email", "notes", "agree", "submit", "clear", "count", "double", "context", "board")
HERE, THERE = (40, 40), (400, 150)


@dataclass
class Shot:
    frame: Frame
    widgets: dict[str, dict[str, int]]

    def centre(self, name: str) -> ScreenPoint:
        box = self.widgets[name]
        return ScreenPoint(box["x"] + box["w"] // 2, box["y"] + box["h"] // 2)

    def window(self) -> WindowInfo:
        box = self.widgets["window"]
        return WindowInfo("Deskpilot Demo", box["x"], box["y"], box["w"], box["h"])


def _still_frame(screen: MssScreen, timeout_s: float = 3.0) -> Frame:
    """A frame once two captures in a row agree: the app has drawn everything (focus ring included)."""
    previous, deadline = screen.capture(), time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        time.sleep(0.05)  # polling the screen of another process; there is nothing to wait on
        frame = screen.capture()
        if frame.same_pixels(previous):
            return frame
        previous = frame
    raise AssertionError("the screen never stopped changing")


def _shoot(desktop: VirtualDesktop, state: Path, where: tuple[int, int]) -> tuple[Shot, Shot]:
    with DemoAppProcess(state, desktop.env(), x=where[0], y=where[1]) as app:
        screen = MssScreen(1)
        try:
            first = _still_frame(screen)
            time.sleep(0.05)
            second = screen.capture()
        finally:
            screen.close()
        widgets = app.state()["widgets"]
    return Shot(first, widgets), Shot(second, widgets)


@pytest.fixture(scope="module")
def shots(desktop: VirtualDesktop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Shot, Shot, Shot]]:
    from Xlib.display import Display

    conn = Display(desktop.display)  # keep the pointer off the app: a hovered button looks different
    conn.screen().root.warp_pointer(1270, 790)
    conn.sync()
    conn.close()
    tmp = tmp_path_factory.mktemp("grounders")
    recorded, again = _shoot(desktop, tmp / "here.json", HERE)
    moved, _ = _shoot(desktop, tmp / "there.json", THERE)
    yield recorded, again, moved


def _template(shot: Shot, name: str, folder: Path, half_size: tuple[int, int] | None = None) -> GroundingQuery:
    image, template_point = crop_template(shot.frame, shot.centre(name), half_size)
    path = folder / f"{name}-{half_size}.png"
    image.save(path)
    return GroundingQuery(description=name, template=path, template_point=template_point, expected=shot.centre(name))


def _near(point: ScreenPoint | None, want: ScreenPoint, tolerance: int = 2) -> bool:
    return point is not None and abs(point.x - want.x) <= tolerance and abs(point.y - want.y) <= tolerance


def test_grounders_satisfy_the_protocol() -> None:
    for grounder in (AnchorTemplateGrounder(), ScreenTemplateGrounder(), OcrGrounder()):
        assert isinstance(grounder, Grounder)


def test_anchor_confirms_every_widget_where_it_was_recorded(shots, tmp_path: Path) -> None:
    recorded, again, _ = shots
    anchor = AnchorTemplateGrounder()
    for name in WIDGETS:
        result = anchor.ground(_template(recorded, name, tmp_path), again.frame)
        assert _near(result.point, recorded.centre(name)), (name, result)
        assert result.rung == "anchor" and result.score >= 0.92


def test_after_a_move_the_anchor_refuses_and_the_screen_search_finds_it(shots, tmp_path: Path) -> None:
    recorded, _, moved = shots
    anchor, screen = AnchorTemplateGrounder(), ScreenTemplateGrounder()
    dx, dy = THERE[0] - HERE[0], THERE[1] - HERE[1]
    for name in WIDGETS:
        query = _template(recorded, name, tmp_path)
        stale = anchor.ground(query, moved.frame)
        assert stale.point is None and "no match within 64 pt" in stale.reason, (name, stale)
        found = screen.ground(query, moved.frame)
        assert _near(found.point, moved.centre(name)), (name, found)
        assert found.rung == "template" and found.candidates[0] == found.point
        # With the anchor moved along with its window (what replay computes), the anchor rung agrees.
        assert query.expected is not None
        shifted = dataclasses.replace(query, expected=ScreenPoint(query.expected.x + dx, query.expected.y + dy))
        assert _near(anchor.ground(shifted, moved.frame).point, moved.centre(name)), name


def test_a_crop_that_matches_twice_is_refused_with_both_places(shots, tmp_path: Path) -> None:
    recorded, _, moved = shots
    # The middle of an empty field, narrower than the field: it matches all along the field.
    query = _template(recorded, "email", tmp_path, half_size=(48, 24))
    result = ScreenTemplateGrounder().ground(query, moved.frame)
    assert result.point is None
    assert result.reason.startswith("2 equally good matches at "), result.reason
    assert len(result.candidates) >= 2


def test_ocr_finds_short_labels_and_refuses_repeated_or_missing_ones(shots) -> None:
    _, _, moved = shots
    ocr = OcrGrounder(engine="tesseract")  # counts tesseract's runs below
    window = moved.window()
    for label, widget in (("Submit", "submit"), ("Clear", "clear"), ("Count", "count")):
        result = ocr.ground(GroundingQuery(description=label, label=label, window=window), moved.frame)
        assert _near(result.point, moved.centre(widget), tolerance=3), (label, result)
        assert "in the window" in result.reason
    name_field = moved.widgets["name"]
    result = ocr.ground(GroundingQuery(description="Name", label="name", window=window), moved.frame)
    assert result.point is not None, result.reason
    assert result.point.x < name_field["x"] and name_field["y"] <= result.point.y < name_field["y"] + name_field["h"]

    # Given where the anchor expects it, only the text around that point is read (a fresh cache here).
    near = OcrGrounder().ground(GroundingQuery("Count", label="Count", expected=moved.centre("count")), moved.frame)
    assert _near(near.point, moved.centre("count"), tolerance=3) and "near the expected point" in near.reason, near

    runs = ocr.tesseract_runs
    items = ocr.ground(GroundingQuery(description="a list item", label="Item"), moved.frame)
    assert items.point is None and items.reason.startswith("8 equally good matches for 'Item' at "), items.reason
    missing = ocr.ground(GroundingQuery(description="nothing", label="Frobnicate"), moved.frame)
    assert missing.point is None and "is not on the screen" in missing.reason
    assert ocr.ground(GroundingQuery(description="row", label="Item 3"), moved.frame).point is not None
    # The window was read already; the whole screen added only the title bar: one more tesseract run.
    assert ocr.tesseract_runs == runs + 1


def test_ocr_does_not_let_the_expected_point_pick_between_list_rows(shots) -> None:
    _, _, moved = shots
    first_row = ScreenPoint(moved.centre("items").x, moved.widgets["items"]["y"] + 12)
    # Rows of a list are 20 pt apart: an expected point cannot tell them apart, so still no answer.
    result = OcrGrounder().ground(GroundingQuery(description="an item", label="Item", expected=first_row), moved.frame)
    assert result.point is None and "equally good matches" in result.reason


# ---- numpy fakes: no capture involved ---------------------------------------------------------------
def _fake_ui(width: int = 320, height: int = 200) -> np.ndarray:
    """An RGB "screen" with two distinct buttons and a repeated plain box."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (245, 246, 248))
    draw = ImageDraw.Draw(image)
    for x0, y0, label in ((20, 20, "OK"), (140, 20, "Cancel")):
        draw.rectangle((x0, y0, x0 + 90, y0 + 30), fill=(230, 230, 235), outline=(90, 90, 100))
        draw.text((x0 + 20, y0 + 8), label, fill=(20, 20, 30))
    for x0 in (20, 140):
        draw.rectangle((x0, 120, x0 + 90, 160), fill=(255, 255, 255), outline=(150, 150, 160))
    return np.asarray(image)


def _frame(pixels: np.ndarray, profile: DisplayProfile | None = None, order: Literal["RGB", "BGRA"] = "RGB") -> Frame:
    height, width = pixels.shape[:2]
    profile = profile or DisplayProfile(width=width, height=height)
    return Frame(pixels, profile, monotonic_s=0.0, wall_time_s=0.0, order=order)


@pytest.mark.parametrize("order", ["RGB", "BGRA"])
def test_template_rungs_on_fake_frames(tmp_path: Path, order: Literal["RGB", "BGRA"]) -> None:
    rgb = _fake_ui()
    pixels = rgb if order == "RGB" else np.dstack([rgb[..., ::-1], np.full(rgb.shape[:2], 255, np.uint8)])
    # A monitor left of the primary one: screen points are negative, and only the profile knows.
    profile = DisplayProfile(index=2, left=-320, top=0, width=320, height=200)
    frame = _frame(np.ascontiguousarray(pixels), profile, order)
    target = ScreenPoint(-320 + 185, 35)  # the middle of "Cancel"
    image, template_point = crop_template(frame, target)
    path = tmp_path / "cancel.png"
    image.save(path)
    query = GroundingQuery(description="Cancel", template=path, template_point=template_point, expected=target)
    assert AnchorTemplateGrounder().ground(query, frame).point == target
    shifted = _frame(np.ascontiguousarray(np.roll(pixels, (30, 40), axis=(0, 1))), profile, order)
    found = ScreenTemplateGrounder().ground(query, shifted)
    assert found.point == ScreenPoint(target.x + 40, target.y + 30), found
    assert AnchorTemplateGrounder(radius_pt=16).ground(query, shifted).point is None

    box, box_point = crop_template(frame, ScreenPoint(-320 + 65, 140), half_size=(50, 25))  # the whole box
    box.save(tmp_path / "box.png")
    plain = GroundingQuery(description="a box", template=tmp_path / "box.png", template_point=box_point)
    refused = ScreenTemplateGrounder().ground(plain, frame)
    assert refused.point is None and refused.reason.startswith("2 equally good matches"), refused.reason


def test_template_on_a_hidpi_frame_maps_pixels_back_to_points(tmp_path: Path) -> None:
    rgb = _fake_ui()
    big = np.ascontiguousarray(np.repeat(np.repeat(rgb, 2, axis=0), 2, axis=1))  # 2 pixels per point
    frame = _frame(big, DisplayProfile(width=320, height=200, scale=2.0))
    image, template_point = crop_template(frame, ScreenPoint(65, 35))
    assert image.size[0] % 2 == 0 and template_point[0] >= 2 * 24  # the half size is in points
    image.save(tmp_path / "ok.png")
    query = GroundingQuery(description="OK", template=tmp_path / "ok.png", template_point=template_point)
    assert ScreenTemplateGrounder().ground(query, frame).point == ScreenPoint(65, 35)


def test_template_rungs_refuse_without_a_usable_template(tmp_path: Path) -> None:
    frame = _frame(_fake_ui())
    assert AnchorTemplateGrounder().ground(GroundingQuery(description="x"), frame).reason.startswith("no template")
    flat = tmp_path / "flat.png"
    crop_template(frame, ScreenPoint(300, 190), half_size=(8, 8))[0].save(flat)
    result = ScreenTemplateGrounder().ground(GroundingQuery(description="x", template=flat), frame)
    assert result.point is None and "featureless" in result.reason


def test_ocr_on_a_fake_frame_and_the_label_matching_rules() -> None:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (480, 200), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=18)
    draw.text((20, 20), "Save changes", fill=(20, 20, 20), font=font)
    draw.rectangle((240, 60, 380, 100), fill=(37, 99, 235))  # white on blue, like a selected row
    draw.text((260, 68), "Submit", fill=(255, 255, 255), font=font)
    for x, y in ((20, 150), (360, 150)):
        draw.text((x, y), "Apply", fill=(20, 20, 20), font=font)
    frame = _frame(np.asarray(image))
    ocr = OcrGrounder()
    save = ocr.ground(GroundingQuery(description="save", label="save changes"), frame)
    assert save.point is not None and 20 <= save.point.x <= 140 and 20 <= save.point.y <= 45, save
    submit = ocr.ground(GroundingQuery(description="submit", label="Submit"), frame)
    assert submit.point is not None and 255 <= submit.point.x <= 330 and 62 <= submit.point.y <= 95, submit
    assert ocr.ground(GroundingQuery(description="none", label=""), frame).reason == "no label to read"

    apply = GroundingQuery(description="apply", label="Apply")
    twice = ocr.ground(apply, frame)
    assert twice.point is None and twice.reason.startswith("2 equally good matches for 'Apply' at "), twice
    right = ocr.ground(dataclasses.replace(apply, expected=ScreenPoint(400, 150)), frame)
    assert right.point is not None and right.point.x > 360 and "near the expected point" in right.reason, right
    between = ocr.ground(dataclasses.replace(apply, expected=ScreenPoint(220, 160)), frame)
    assert between.point is None  # not clearly nearer to either

    words = ocr.read(frame)
    # The one rule (actions.text_match): a part of a line, case ignored; a misread letter is not forgiven.
    (part,) = find_label(words, "save chang")
    assert not part.whole and [w.text for w in part.words] == ["Save", "changes"]
    assert not find_label(words, "Save chanqes")
    assert find_label(words, TextPattern.parse("Save changes", exact=True))
    assert not find_label(words, TextPattern.parse("save changes", exact=True))  # exact keeps the case
    assert find_label(words, "/^Save \\w+s$/") and normalise("Save  Changes") == "savechanges"
