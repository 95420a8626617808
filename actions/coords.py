"""Coordinate spaces as types, and the one place that converts between them.

Three spaces meet in this project:

* ``ScreenPoint``: what pyautogui moves to. The virtual screen of all monitors, origin at the
  primary monitor's top-left, negative for monitors left of / above it. Actions use this space.
* ``ImagePixel``: a pixel of a captured frame. A frame covers one monitor (or all of them) and
  may hold more pixels than points (HiDPI: 2 pixels per point on a Retina display).
* ``GridPoint``: Qwen3-VL's answer space, 0..1000 on both axes of the image it was shown,
  whatever that image's size.

A ``DisplayProfile`` describes one captured area: where it sits on the virtual screen (points),
how big it is (points) and how many frame pixels make one point. Every conversion goes through
it, so a multi-monitor layout or a scaled display maps the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field, model_validator

GRID_MAX = 1000


class ScreenPoint(NamedTuple):
    x: int
    y: int


class ImagePixel(NamedTuple):
    x: float
    y: float


class GridPoint(NamedTuple):
    x: float
    y: float


class DisplayProfile(BaseModel):
    """Geometry of a captured area: offset and size in screen points, pixels per point."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int = Field(default=0, ge=0, description="mss monitor index; 0 is all monitors")
    left: int = 0
    top: int = 0
    width: int = Field(gt=0, description="screen points")
    height: int = Field(gt=0, description="screen points")
    scale: float = Field(default=1.0, gt=0, le=8, description="frame pixels per screen point")

    @model_validator(mode="after")
    def _sane_scale(self) -> DisplayProfile:
        if round(self.width * self.scale) < 1 or round(self.height * self.scale) < 1:
            raise ValueError("the scaled frame would be empty")
        return self

    @property
    def pixel_size(self) -> tuple[int, int]:
        """(width, height) of a frame of this area, in image pixels."""
        return round(self.width * self.scale), round(self.height * self.scale)

    def contains(self, point: ScreenPoint) -> bool:
        return self.left <= point.x < self.left + self.width and self.top <= point.y < self.top + self.height

    def clamp(self, point: ScreenPoint) -> ScreenPoint:
        """The nearest point inside this area: models sometimes answer one pixel past the edge."""
        x = min(max(point.x, self.left), self.left + self.width - 1)
        y = min(max(point.y, self.top), self.top + self.height - 1)
        return ScreenPoint(x, y)

    # -- conversions ---------------------------------------------------------------------
    def image_to_screen(self, pixel: ImagePixel) -> ScreenPoint:
        """A frame pixel to the screen point under it (the pixel's point, clamped inside)."""
        x = self.left + int(pixel.x / self.scale)
        y = self.top + int(pixel.y / self.scale)
        return self.clamp(ScreenPoint(x, y))

    def screen_to_image(self, point: ScreenPoint) -> ImagePixel:
        """The centre of the frame pixels covering a screen point (for drawing on frames)."""
        offset = self.scale / 2.0 - 0.5
        return ImagePixel((point.x - self.left) * self.scale + offset, (point.y - self.top) * self.scale + offset)

    def grid_to_screen(self, grid: GridPoint) -> ScreenPoint:
        """A Qwen3-VL 0..1000 answer to a screen point: 0 is the first point, 1000 the last."""
        return ScreenPoint(
            self.left + grid_axis_to_index(grid.x, self.width),
            self.top + grid_axis_to_index(grid.y, self.height),
        )

    def screen_to_grid(self, point: ScreenPoint) -> GridPoint:
        """A screen point on Qwen3-VL's 0..1000 grid: the inverse of ``grid_to_screen`` (a prompt's boxes)."""
        return GridPoint(
            index_to_grid_axis(point.x - self.left, self.width), index_to_grid_axis(point.y - self.top, self.height)
        )

    def screen_to_resized(self, point: ScreenPoint, resized: tuple[int, int]) -> ImagePixel:
        """A screen point in pixels of the resized image (Qwen2/2.5-VL's space): the inverse of
        ``resized_to_screen``, rounded to whole pixels and kept inside the image."""
        width, height = resized
        if width <= 0 or height <= 0:
            raise ValueError("resized image size must be positive")
        x = min(width, max(0, round((point.x - self.left) * width / self.width)))
        y = min(height, max(0, round((point.y - self.top) * height / self.height)))
        return ImagePixel(x, y)

    def resized_to_screen(self, pixel: ImagePixel, resized: tuple[int, int]) -> ScreenPoint:
        """Absolute pixels of a resized copy of the frame (Qwen2/2.5-VL answers) to a screen point."""
        width, height = resized
        if width <= 0 or height <= 0:
            raise ValueError("resized image size must be positive")
        frame_w, frame_h = self.pixel_size
        return self.image_to_screen(ImagePixel(pixel.x * frame_w / width, pixel.y * frame_h / height))


class ScreenBounds(NamedTuple):
    """The live screen: every monitor as ``(left, top, width, height)`` in screen points. A point is on
    the screen when it lies on one of them: the virtual screen's bounding box is not enough, since two
    monitors of different heights leave a corner that no monitor shows (and X clamps a point there)."""

    monitors: tuple[tuple[int, int, int, int], ...]

    @classmethod
    def from_mss(cls, monitors: list[dict[str, int]]) -> ScreenBounds:
        """From mss's list, whose index 0 is the bounding box of the others (each of them is kept)."""
        each = monitors[1:] or monitors
        return cls(tuple((m["left"], m["top"], m["width"], m["height"]) for m in each))

    def contains(self, point: ScreenPoint | tuple[int, int]) -> bool:
        x, y = point
        return any(left <= x < left + w and top <= y < top + h for left, top, w, h in self.monitors)

    def outside(self, points: Iterable[tuple[int, int] | None]) -> tuple[int, int] | None:
        """The first of ``points`` that lies on no monitor (None entries, points still to be found, skipped)."""
        return next((point for point in points if point is not None and not self.contains(point)), None)

    def off_screen(self, point: tuple[int, int]) -> str:
        """One clause for an error line: ``(1500, 400) is off the screen: the screen is x 0..1279, y 0..799``."""
        return f"({point[0]}, {point[1]}) is off the screen: {self.describe()}"

    def describe(self) -> str:
        """``the screen is x 0..1279, y 0..799`` (one monitor), or every monitor's box (several)."""
        boxes = [f"x {left}..{left + w - 1}, y {top}..{top + h - 1}" for left, top, w, h in self.monitors]
        if len(boxes) == 1:
            return f"the screen is {boxes[0]}"
        return f"the {len(boxes)} monitors are " + "; ".join(boxes)


def grid_axis_to_index(value: float, extent: int) -> int:
    """Map 0..1000 onto 0..extent-1, so 1000 is the last pixel and never one past it."""
    if not 0 <= value <= GRID_MAX:
        raise ValueError(f"grid coordinate {value} is outside 0..{GRID_MAX}")
    return min(extent - 1, round(value * (extent - 1) / GRID_MAX))


def index_to_grid_axis(index: int, extent: int) -> int:
    """Map 0..extent-1 onto 0..1000 (``grid_axis_to_index``'s inverse), clamped to the grid."""
    if extent <= 1:
        return 0
    return min(GRID_MAX, max(0, round(index * GRID_MAX / (extent - 1))))


def profile_for_monitor(monitor: dict[str, int], pixel_size: tuple[int, int], index: int) -> DisplayProfile:
    """Profile of an mss monitor: mss gives its geometry in points and its grab in pixels.

    On X11 both agree (scale 1). On macOS Retina, mss reports points and grabs twice as many
    pixels, which is exactly the scale the executor needs to undo.
    """
    scale = pixel_size[0] / monitor["width"] if monitor["width"] else 1.0
    return DisplayProfile(
        index=index,
        left=monitor["left"],
        top=monitor["top"],
        width=monitor["width"],
        height=monitor["height"],
        scale=scale,
    )
