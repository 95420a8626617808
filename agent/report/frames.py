"""Screenshots for report.html: each frame embedded once, shown many times, with marks drawn over it.

A frame is one JPEG (base64) ``<image>`` in a hidden SVG ``<defs>`` block; every view of it is an
``<svg viewBox=...><use href=#frame-N/>`` plus marks, so a crop or a zoom costs a few bytes, not
another image. Views and marks are in image pixels of the frame. Marks keep their stroke width on
screen (``non-scaling-stroke``) and size their circles from the view, so they read the same on a
thumbnail of the whole screen and on a zoom around the point.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actions.coords import DisplayProfile, ScreenPoint
from actions.models import Action, Drag, Scroll

_JPEG_QUALITY = 80
_KEYFRAME_EVERY = 8  # a whole frame at least this often: a view stacks at most this many images
_PATCH_MAX_AREA = 0.4  # a frame that changed in more than this share of its area is stored whole
ASPECT = 16 / 10  # every tile has this shape, so a grid of them lines up
ZOOM_MIN_W = 360.0  # image pixels a zoom shows at least: about 1:1 on a tile
_RED, _BLUE = "#cf222e", "#0969da"


@dataclass(frozen=True)
class Box:
    """A rectangle in image pixels: left, top, width, height."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def union(self, other: Box | None) -> Box:
        if other is None:
            return self
        left, top = min(self.x, other.x), min(self.y, other.y)
        return Box(left, top, max(self.right, other.right) - left, max(self.bottom, other.bottom) - top)

    def padded(self, pad: float) -> Box:
        return Box(self.x - pad, self.y - pad, self.w + 2 * pad, self.h + 2 * pad)

    def viewbox(self) -> str:
        return f"{self.x:.0f} {self.y:.0f} {self.w:.0f} {self.h:.0f}"


@dataclass(frozen=True)
class FrameRef:
    id: str
    width: int
    height: int
    content: Box | None  # what is not plain desktop background; None: the whole frame is content

    @property
    def full(self) -> Box:
        return Box(0, 0, self.width, self.height)


def fit(box: Box, frame: FrameRef, min_w: float = 0.0) -> Box:
    """``box`` grown to at least ``min_w`` wide and to the tile's aspect, moved inside the frame."""
    w, h = max(box.w, min_w, 1.0), max(box.h, min_w / ASPECT, 1.0)
    w, h = (h * ASPECT, h) if w / h < ASPECT else (w, w / ASPECT)
    if w > frame.width:
        w, h = frame.width, frame.width / ASPECT
    if h > frame.height:
        w, h = frame.height * ASPECT, frame.height
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    x = min(max(cx - w / 2, 0.0), max(frame.width - w, 0.0))
    y = min(max(cy - h / 2, 0.0), max(frame.height - h, 0.0))
    return Box(x, y, w, h)


def action_box(action: Action | None, profile: DisplayProfile | None) -> Box | None:
    """The image pixels an action touches (its point, a drag's both ends), or None."""
    if action is None or action.point is None or profile is None:
        return None
    start = profile.screen_to_image(ScreenPoint(*action.point))
    box = Box(start.x, start.y, 0, 0)
    if isinstance(action, Drag) and action.to_point is not None:
        end = profile.screen_to_image(ScreenPoint(*action.to_point))
        box = box.union(Box(end.x, end.y, 0, 0))
    return box


def change_box(bbox: tuple[int, int, int, int] | None) -> Box | None:
    if not bbox:
        return None
    left, top, right, bottom = bbox
    return Box(left, top, right - left, bottom - top)


def view_svg(ref: FrameRef, view: Box, marks: str, label: str) -> str:
    return f"<svg viewBox='{view.viewbox()}' role='img' aria-label='{label}'><use href='#{ref.id}'/>{marks}</svg>"


def point_marks(action: Action | None, profile: DisplayProfile | None, view: Box, faint: bool = False) -> str:
    """A ring on the point acted on (a drag: both ends and the path; a scroll: its direction)."""
    if action is None or action.point is None or profile is None:
        return ""
    start = profile.screen_to_image(ScreenPoint(*action.point))
    r = max(view.w / 32, 6.0)
    stroke = f"stroke='{_RED}' vector-effect='non-scaling-stroke'"
    centre = f"cx='{start.x:.1f}' cy='{start.y:.1f}'"
    if faint:  # on the after frame: where it acted, without hiding what changed there
        return f"<circle {centre} r='{r:.1f}' fill='none' {stroke} stroke-width='1.5' stroke-dasharray='4 3'/>"
    marks = (
        f"<circle {centre} r='{r:.1f}' fill='rgba(207,34,46,.18)' {stroke} stroke-width='2.5'/>"
        f"<circle {centre} r='{max(r / 7, 1.5):.1f}' fill='{_RED}'/>"
    )
    if isinstance(action, Drag) and action.to_point is not None:
        end = profile.screen_to_image(ScreenPoint(*action.to_point))
        marks += (
            f"<line x1='{start.x:.1f}' y1='{start.y:.1f}' x2='{end.x:.1f}' y2='{end.y:.1f}' {stroke} "
            "stroke-width='2.5' stroke-dasharray='6 4'/>"
            f"<circle cx='{end.x:.1f}' cy='{end.y:.1f}' r='{r:.1f}' fill='none' {stroke} stroke-width='2.5'/>"
            + _arrow_head(start.x, start.y, end.x, end.y, r)
        )
    if isinstance(action, Scroll):
        # dy > 0 scrolls up, dx > 0 right: point the arrow where the content is asked to move.
        dx, dy = (action.dx > 0) - (action.dx < 0), -((action.dy > 0) - (action.dy < 0))
        length = r * 2.6
        tip_x, tip_y = start.x + dx * length, start.y + dy * length
        marks += (
            f"<line x1='{start.x + dx * r:.1f}' y1='{start.y + dy * r:.1f}' x2='{tip_x:.1f}' y2='{tip_y:.1f}' "
            f"{stroke} stroke-width='2.5'/>" + _arrow_head(start.x, start.y, tip_x, tip_y, r)
        )
    return marks


def _arrow_head(x1: float, y1: float, x2: float, y2: float, r: float) -> str:
    length = max(((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5, 1e-6)
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    size = r * 0.7
    bx, by = x2 - ux * size, y2 - uy * size
    half = size / 2
    points = f"{x2:.1f},{y2:.1f} {bx - uy * half:.1f},{by + ux * half:.1f} {bx + uy * half:.1f},{by - ux * half:.1f}"
    return f"<polygon points='{points}' fill='{_RED}'/>"


def change_marks(bbox: tuple[int, int, int, int] | None) -> str:
    box = change_box(bbox)
    if box is None:
        return ""
    return (
        f"<rect x='{box.x}' y='{box.y}' width='{box.w}' height='{box.h}' fill='rgba(9,105,218,.14)' "
        f"stroke='{_BLUE}' stroke-width='2' vector-effect='non-scaling-stroke'/>"
    )


def looked_marks(region: tuple[int, int, int, int] | None, found: tuple[int, int, int, int] | None) -> str:
    """Where a judgement looked (dashed) and where its text was found (green): every verdict has a place."""
    marks = ""
    looked, text = change_box(region), change_box(found)
    if looked is not None:
        marks += (
            f"<rect x='{looked.x}' y='{looked.y}' width='{looked.w}' height='{looked.h}' fill='none' "
            "stroke='#8250df' stroke-width='2' stroke-dasharray='6 4' vector-effect='non-scaling-stroke'/>"
        )
    if text is not None:
        marks += (
            f"<rect x='{text.x}' y='{text.y}' width='{text.w}' height='{text.h}' fill='rgba(26,127,55,.18)' "
            "stroke='#1a7f37' stroke-width='2' vector-effect='non-scaling-stroke'/>"
        )
    return marks


class FrameStore:
    """Embeds each referenced frame once (identical frames once in all), as JPEG.

    Consecutive frames of a run mostly differ in a small region, so a frame that differs from the
    one embedded just before it only inside a box of at most ``_PATCH_MAX_AREA`` of the frame is
    stored as that frame plus a JPEG patch of the box (``<g><use/><image/></g>``): about a quarter
    of the bytes of whole frames. Every ``_KEYFRAME_EVERY``-th frame is whole again, so a view never
    stacks more than a few images.
    """

    def __init__(self, run_dir: Path) -> None:
        self._run_dir = run_dir
        self._refs: dict[str, FrameRef | None] = {}
        self._by_hash: dict[bytes, FrameRef] = {}
        self._defs: list[str] = []
        self._last: tuple[FrameRef, Any, int] | None = None  # the frame embedded last, its pixels, chain depth
        self.missing: list[str] = []

    def ref(self, name: str | None) -> FrameRef | None:
        if not name:
            return None
        if name not in self._refs:
            self._refs[name] = self._embed(name)
            if self._refs[name] is None:
                self.missing.append(name)
        return self._refs[name]

    def content(self) -> Box | None:
        """The union of every embedded frame's content: the run's windows, without the empty desktop."""
        boxes = [ref.content for ref in self._by_hash.values()]
        union: Box | None = None
        for box in boxes:
            if box is None:
                return None
            union = box.union(union)
        return union

    def defs(self) -> str:
        return "".join(self._defs)

    def add(self, name: str, rgb: Any, png: bytes) -> None:
        """Embed a frame the run has just written as ``name``, from its pixels in memory (RGB) and the
        bytes of its file (which identify the pixels: frames are written by one deterministic encoder).

        The run directory's writer thread calls this while the run is still going, so building the
        page at the end decodes and encodes nothing it has seen already (a third of a short plan's
        wall time otherwise). Frames must come in the order the page shows them (a patch refers
        to the frame embedded before it): the run writes them in step order."""
        if name not in self._refs:
            self._refs[name] = self._embed_image(rgb, png)

    def _embed(self, name: str) -> FrameRef | None:
        from PIL import Image

        try:
            png = (self._run_dir / name).read_bytes()
            with Image.open(io.BytesIO(png)) as image:
                rgb = image.convert("RGB")
        except (OSError, ValueError):
            return None
        return self._embed_image(rgb, png)

    def _embed_image(self, rgb: Any, png: bytes) -> FrameRef:
        # The file's bytes, not the pixels: a 50 KiB hash instead of a 3 MB one, on the run's writer thread.
        digest = hashlib.blake2b(png, digest_size=16).digest()
        if digest in self._by_hash:
            return self._by_hash[digest]
        width, height = rgb.size
        ref = FrameRef(f"frame-{len(self._by_hash)}", width, height, _content_box(rgb))
        patch = self._patch_box(rgb)
        if patch is None or self._last is None:
            self._defs.append(f"<image id='{ref.id}' width='{width}' height='{height}' href='{_jpeg(rgb)}'/>")
            depth = 0
        else:
            left, top, right, bottom = patch
            base, _, depth = self._last
            self._defs.append(
                f"<g id='{ref.id}'><use href='#{base.id}'/><image x='{left}' y='{top}' width='{right - left}' "
                f"height='{bottom - top}' href='{_jpeg(rgb.crop(patch))}'/></g>"
            )
            depth += 1
        self._by_hash[digest] = ref
        self._last = (ref, rgb, depth)
        return ref

    def _patch_box(self, rgb: Any) -> tuple[int, int, int, int] | None:
        """The box (8-pixel aligned, for clean JPEG blocks) where ``rgb`` differs from the last frame,
        or None when the frame should be embedded whole."""
        from PIL import ImageChops

        if self._last is None or self._last[2] + 1 >= _KEYFRAME_EVERY or self._last[1].size != rgb.size:
            return None
        width, height = rgb.size
        # Identical frames were caught by their hash, so some pixel differs: the box is not empty.
        left, top, right, bottom = ImageChops.difference(self._last[1], rgb).getbbox() or (0, 0, 1, 1)
        left, top = left // 8 * 8, top // 8 * 8
        right, bottom = min(-(-right // 8) * 8, width), min(-(-bottom // 8) * 8, height)
        if (right - left) * (bottom - top) > _PATCH_MAX_AREA * width * height:
            return None
        return left, top, right, bottom


def _jpeg(image: Any) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=_JPEG_QUALITY)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


_CONTENT_SCALE = 4


def _content_box(rgb: Any) -> Box | None:
    """Where the frame differs from a plain background (all four corners one colour), or None."""
    from PIL import Image, ImageChops

    width, height = rgb.size
    corners = [rgb.getpixel(xy) for xy in ((0, 0), (width - 1, 0), (0, height - 1), (width - 1, height - 1))]
    if any(max(abs(a - b) for a, b in zip(c, corners[0], strict=True)) > 6 for c in corners):
        return None  # wallpaper, a maximised window: the whole frame is worth showing
    # Looked for on a copy a quarter the size (a sixteenth of the work, on the run's writer thread): the
    # box frames the report's overview, which a few pixels more around the windows do not change.
    small = rgb.reduce(_CONTENT_SCALE)
    background = Image.new("RGB", small.size, corners[0])
    # Differences of 12 or less per channel are noise on a plain background, not content.
    bbox = ImageChops.difference(small, background).point(lambda v: 255 if v > 12 else 0).getbbox()
    if bbox is None:
        return None
    left, top = bbox[0] * _CONTENT_SCALE, bbox[1] * _CONTENT_SCALE
    right, bottom = min(bbox[2] * _CONTENT_SCALE, width), min(bbox[3] * _CONTENT_SCALE, height)
    box = Box(float(left), float(top), float(right - left), float(bottom - top))
    return None if box.w * box.h > 0.8 * width * height else box
