"""Coordinate spaces: frame pixels, screen points and the model's 0-1000 grid."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.coords import DisplayProfile, GridPoint, ImagePixel, ScreenPoint, profile_for_monitor


@pytest.mark.parametrize("scale", [1.0, 1.25, 1.5, 2.0])
def test_image_pixels_map_to_points_at_every_scale(scale: float) -> None:
    profile = DisplayProfile(left=0, top=0, width=1280, height=800, scale=scale)
    assert profile.pixel_size == (round(1280 * scale), round(800 * scale))
    # The pixel at the far corner of the frame is the last point, never one past it.
    last = ImagePixel(profile.pixel_size[0] - 1, profile.pixel_size[1] - 1)
    assert profile.image_to_screen(last) == ScreenPoint(1279, 799)
    assert profile.image_to_screen(ImagePixel(0, 0)) == ScreenPoint(0, 0)
    # A point's pixel centre maps back to the same point.
    for point in [ScreenPoint(0, 0), ScreenPoint(640, 400), ScreenPoint(1279, 799), ScreenPoint(333, 777)]:
        assert profile.image_to_screen(profile.screen_to_image(point)) == point


def test_exact_values_at_scale_1_5() -> None:
    profile = DisplayProfile(width=1280, height=800, scale=1.5)
    assert profile.image_to_screen(ImagePixel(150, 300)) == ScreenPoint(100, 200)
    assert profile.image_to_screen(ImagePixel(151.4, 301.4)) == ScreenPoint(100, 200)
    assert profile.image_to_screen(ImagePixel(1500, 1000)) == ScreenPoint(1000, 666)
    assert profile.screen_to_image(ScreenPoint(100, 200)) == ImagePixel(150.25, 300.25)


def test_monitor_left_of_primary_has_negative_points() -> None:
    left_monitor = DisplayProfile(index=2, left=-1920, top=-200, width=1920, height=1080, scale=2.0)
    assert left_monitor.image_to_screen(ImagePixel(0, 0)) == ScreenPoint(-1920, -200)
    assert left_monitor.image_to_screen(ImagePixel(3839, 2159)) == ScreenPoint(-1, 879)
    assert left_monitor.grid_to_screen(GridPoint(500, 500)) == ScreenPoint(-960, 340)
    assert left_monitor.contains(ScreenPoint(-1, 879))
    assert not left_monitor.contains(ScreenPoint(0, 0))


def test_grid_corners_and_centre() -> None:
    profile = DisplayProfile(left=1280, top=0, width=1024, height=768)
    assert profile.grid_to_screen(GridPoint(0, 0)) == ScreenPoint(1280, 0)
    assert profile.grid_to_screen(GridPoint(1000, 1000)) == ScreenPoint(1280 + 1023, 767)
    assert profile.grid_to_screen(GridPoint(500, 500)) == ScreenPoint(1280 + 512, 384)
    with pytest.raises(ValueError, match="outside 0..1000"):
        profile.grid_to_screen(GridPoint(1001, 5))
    with pytest.raises(ValueError, match="outside 0..1000"):
        profile.grid_to_screen(GridPoint(-1, 5))


def test_qwen2_resized_absolute_pixels() -> None:
    # A 1280x800 frame shown to Qwen2.5-VL resized to 1288x812 (multiples of 28).
    profile = DisplayProfile(width=1280, height=800)
    assert profile.resized_to_screen(ImagePixel(644, 406), (1288, 812)) == ScreenPoint(640, 400)
    assert profile.resized_to_screen(ImagePixel(1288, 812), (1288, 812)) == ScreenPoint(1279, 799)


def test_profile_from_an_mss_monitor_derives_the_scale() -> None:
    retina = profile_for_monitor({"left": 0, "top": 0, "width": 1440, "height": 900}, (2880, 1800), 1)
    assert retina.scale == 2.0
    x11 = profile_for_monitor({"left": -1024, "top": 0, "width": 1024, "height": 768}, (1024, 768), 2)
    assert (x11.left, x11.scale, x11.index) == (-1024, 1.0, 2)


profiles = st.builds(
    DisplayProfile,
    left=st.integers(-5000, 5000),
    top=st.integers(-3000, 3000),
    width=st.integers(1, 4000),
    height=st.integers(1, 3000),
    scale=st.sampled_from([1.0, 1.25, 1.5, 1.75, 2.0, 3.0]),
)


@given(profiles, st.floats(0, 1000), st.floats(0, 1000))
def test_grid_answers_always_land_on_the_monitor(profile: DisplayProfile, gx: float, gy: float) -> None:
    assert profile.contains(profile.grid_to_screen(GridPoint(gx, gy)))


@given(profiles, st.floats(-10, 1e5), st.floats(-10, 1e5))
def test_any_image_pixel_maps_inside_the_monitor(profile: DisplayProfile, px: float, py: float) -> None:
    assert profile.contains(profile.image_to_screen(ImagePixel(px, py)))
