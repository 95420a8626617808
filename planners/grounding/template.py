"""Template grounders: find a recorded crop on the frame by normalised correlation (OpenCV).

``AnchorTemplateGrounder`` (rung "anchor") confirms the cached anchor: it looks only within
``radius_pt`` of where the anchor says the target is now. ``ScreenTemplateGrounder`` (rung
"template") searches the whole frame and answers only when one peak clearly beats every other: an
empty text field looks the same all along its length, so a crop from its middle matches along a
ridge, and acting on one point of that ridge would be a guess.

Matching is grayscale ``TM_CCOEFF_NORMED``: colour adds little for UI chrome and triples the cost, and
the coefficient ignores uniform brightness shifts (a hovered button). The whole-frame search runs at
half resolution and refines the best few candidates at full resolution, several times cheaper at
1280x800 (``bench/grounding.py``).

Another zoom (Chromium's device scale or ctrl+plus, a HiDPI setting) draws the same target larger or
smaller, so both rungs also match the crop resized by ``SCALES`` (100% to 150% and back). The scale
the window's size ratio suggests (``query.scale``) is tried first, else 1.0; only when that first
guess fails are the others tried, and the best of them wins. Text and borders are drawn afresh at
each size rather than scaled, a pixel off here and there, so a resized crop is matched with crop and
frame blurred (``smoothed``) and has its own threshold: on a Chromium form at 125% the right scale
scores 0.94-0.98 blurred (0.76-0.96 sharp: an empty field's 1 px borders miss), 1.2 or 1.28 up to
0.96 at the same place, and 1.0 or 1.5 0.5-0.85.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from actions.coords import ImagePixel, ScreenPoint
from actions.frame import Frame
from planners.grounding.base import GroundingQuery, GroundingResult
from planners.grounding.gray import frame_gray, half, smoothed

if TYPE_CHECKING:
    from PIL.Image import Image

# Half sizes (points) that crop_template tries in turn, smallest first, until the crop is unique on
# the recording frame. Measured on the demo app: buttons are unique from 48x24 up; an empty entry
# field is a ridge for every crop narrower than the field itself, and becomes unique only once the
# crop reaches its ends or its label. Flat, wide strips come before taller crops: a strip that takes
# in the field's label (400x32 for the demo's fields) stays clear of the fields above and below,
# whose focus ring and contents change as a replay goes on.
CROP_LADDER: tuple[tuple[int, int], ...] = (
    (24, 12), (48, 24), (96, 16), (160, 16), (200, 16), (240, 16), (96, 32), (160, 48), (240, 64),
)  # fmt: skip
FLAT_STD = 3.0  # gray levels: a crop this flat correlates with every flat area equally well
_UNIQUE_MARGIN = 0.15  # a recorded crop must beat its own runner-up by this much, leaving headroom
_COARSE_MIN_PX = 16  # below this (template's short side), halving the template loses the features
_COARSE_FLOOR = 0.5  # half-resolution scores run lower than full ones; keep weak candidates
_CANDIDATES = 6
_REFINE_PX = 3
_KERNEL3 = np.ones((3, 3), np.uint8)
# Sizes of the target now against the recording: 100%, 110%, 125%, 150% zoom, and back again.
SCALES: tuple[float, ...] = (1.0, 1.1, 1.25, 1.5, 1 / 1.1, 0.8, 2 / 3)
_SAME_SCALE = 0.02  # a window within 2% of its recorded size: no zoom, just rounding
Pixel = tuple[int, int]  # x, y in frame pixels


@dataclass(frozen=True)
class Match:  # the template's top-left on the frame (frame pixels) and its correlation there
    x: int
    y: int
    score: float


# ---- frame and template pixels ---------------------------------------------------------------------


def load_template(path: Path) -> np.ndarray:
    """The crop in gray; cached while the file is unchanged (replay asks for it every step)."""
    stat = path.stat()
    return _load_template(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=128)
def _load_template(path: str, _mtime_ns: int, _size: int) -> np.ndarray:
    # imdecode rather than imread: imread cannot open non-ASCII paths on Windows. Decoded in colour and
    # converted here so the crop's gray levels come from the same formula as the frame's.
    image = cv2.imdecode(np.fromfile(path, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("not an image OpenCV can read")
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def scale_order(hint: float | None) -> list[float]:
    """The scales to try, first guess first: the window's size ratio when it says one, else 1.0, then
    ``SCALES`` nearest that guess first."""
    first = hint if hint is not None and abs(hint - 1.0) > _SAME_SCALE and hint > 0 else 1.0
    rest = sorted((s for s in SCALES if abs(s - first) > _SAME_SCALE), key=lambda s: abs(math.log(s / first)))
    return [first, *rest]


def scaled(template: np.ndarray, anchor: Pixel, scale: float) -> tuple[np.ndarray, Pixel]:
    """The crop resized by ``scale`` (area-averaged when shrinking) and smoothed, as the frame is for it,
    and the target's pixel in it; at 1.0 the crop itself, matched sharp."""
    if scale == 1.0:
        return template, anchor
    th, tw = template.shape[:2]
    size = (max(1, round(tw * scale)), max(1, round(th * scale)))
    how = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
    resized = smoothed(cv2.resize(template, size, interpolation=how))
    return resized, (round(anchor[0] * scale), round(anchor[1] * scale))


# ---- matching --------------------------------------------------------------------------------------
def _peaks(scores: np.ndarray, floor: float, radius: int, limit: int) -> list[Match]:
    """Distinct local maxima, best first; one per ``radius`` so a blurry peak is not counted twice.

    Local maxima, not "the best score outside a disc": the shoulder of one broad peak is no second match,
    while a ridge (a flat field) is full of local maxima and so does show up as ambiguous.
    """
    ys, xs = np.nonzero((scores >= cv2.dilate(scores, _KERNEL3)) & (scores >= floor))
    values = scores[ys, xs]
    if len(values) > 4000:  # a long ridge: the best few thousand are plenty to find `limit` peaks
        keep = np.argpartition(-values, 4000)[:4000]
        ys, xs, values = ys[keep], xs[keep], values[keep]
    kept: list[Match] = []
    for i in np.argsort(-values, kind="stable"):
        x, y = int(xs[i]), int(ys[i])
        if all(max(abs(x - m.x), abs(y - m.y)) > radius for m in kept):
            kept.append(Match(x, y, float(values[i])))
            if len(kept) >= limit:
                break
    return kept


def search(frame: Frame, template: np.ndarray, limit: int = _CANDIDATES, smooth: bool = False) -> list[Match]:
    """The best distinct matches of ``template`` anywhere on the frame (``smooth``: the blurred frame),
    best first, full-res scores."""
    gray = frame_gray(frame, 0, smooth)
    th, tw = template.shape[:2]
    if th > gray.shape[0] or tw > gray.shape[1]:
        return []
    radius = max(3, min(th, tw) // 4)  # closer peaks are one match, blurred
    if min(th, tw) < _COARSE_MIN_PX:
        scores = cv2.matchTemplate(gray, template, cv2.TM_CCOEFF_NORMED)
        return _peaks(scores, -1.0, radius, limit)
    coarse = cv2.matchTemplate(frame_gray(frame, 1, smooth), half(template), cv2.TM_CCOEFF_NORMED)
    refined: list[Match] = []
    for cand in _peaks(coarse, _COARSE_FLOOR, max(2, radius // 2), limit):
        # The coarse peak is within a pixel or two of the full-resolution one: re-score a small window.
        x0, y0 = max(0, 2 * cand.x - _REFINE_PX), max(0, 2 * cand.y - _REFINE_PX)
        x1 = min(gray.shape[1], 2 * cand.x + _REFINE_PX + tw)
        y1 = min(gray.shape[0], 2 * cand.y + _REFINE_PX + th)
        scores = cv2.matchTemplate(gray[y0:y1, x0:x1], template, cv2.TM_CCOEFF_NORMED)
        _, best, _, (bx, by) = cv2.minMaxLoc(scores)
        refined.append(Match(x0 + bx, y0 + by, float(best)))
    distinct: list[Match] = []  # two coarse candidates may refine onto the same peak
    for match in sorted(refined, key=lambda m: -m.score):
        if all(max(abs(match.x - m.x), abs(match.y - m.y)) > radius for m in distinct):
            distinct.append(match)
    return distinct


# ---- the grounders ---------------------------------------------------------------------------------
class TemplateGrounder:
    """Shared by both rungs: loads the crop, checks it is usable, maps the match to a screen point."""

    name = "template"

    def ground(self, query: GroundingQuery, frame: Frame) -> GroundingResult:
        start = time.perf_counter()
        result = self._ground(query, frame)
        return dataclasses.replace(result, elapsed_ms=(time.perf_counter() - start) * 1000.0)

    def _ground(self, query: GroundingQuery, frame: Frame) -> GroundingResult:
        if query.template is None:
            return self._refuse("no template was recorded for this target")
        try:
            template = load_template(query.template)
        except (OSError, ValueError) as exc:
            return self._refuse(f"cannot read template {query.template}: {exc}")
        if float(template.std()) < FLAT_STD:
            return self._refuse("the template is featureless (a flat area matches anywhere)")
        th, tw = template.shape[:2]
        anchor = query.template_point or (tw // 2, th // 2)
        return self._search(query, frame, template, anchor)

    def _search(self, query: GroundingQuery, frame: Frame, template: np.ndarray, anchor: Pixel) -> GroundingResult:
        raise NotImplementedError

    def _refuse(self, reason: str, score: float = 0.0, candidates: tuple[ScreenPoint, ...] = ()) -> GroundingResult:
        return GroundingResult(rung=self.name, point=None, score=score, reason=reason, candidates=candidates)

    @staticmethod
    def _point(frame: Frame, match: Match, anchor: Pixel) -> ScreenPoint:
        return frame.profile.image_to_screen(ImagePixel(match.x + anchor[0], match.y + anchor[1]))


class AnchorTemplateGrounder(TemplateGrounder):
    """Rung "anchor": the crop must match, strongly, within ``radius_pt`` of ``query.expected``.

    Several equally good spots in the window (the ridge of an empty field) are no ambiguity here: the
    anchor says where the target was, so the spot nearest to it wins. Only one scale is tried: the one
    the window's size ratio gives (``query.scale``, else 1.0), the one its expected point was scaled by.
    """

    name = "anchor"

    def __init__(
        self, threshold: float = 0.92, radius_pt: int = 64, tie: float = 0.02, scaled_threshold: float = 0.88
    ) -> None:
        self.threshold, self.radius_pt, self.tie, self.scaled_threshold = threshold, radius_pt, tie, scaled_threshold

    def _search(self, query: GroundingQuery, frame: Frame, template: np.ndarray, anchor: Pixel) -> GroundingResult:
        if query.expected is None:
            return self._refuse("no expected point to confirm")
        scale = scale_order(query.scale)[0]
        template, anchor = scaled(template, anchor, scale)
        threshold = self.threshold if scale == 1.0 else self.scaled_threshold
        at = "" if scale == 1.0 else f" at scale {scale:.2f}"
        gray = frame_gray(frame, 0, smooth=scale != 1.0)
        th, tw = template.shape[:2]
        ex, ey = (round(v) for v in frame.profile.screen_to_image(query.expected))
        radius = round(self.radius_pt * frame.profile.scale * scale)
        # Template top-left positions that put the target pixel within the radius of the expected point.
        x0, y0 = max(0, ex - radius - anchor[0]), max(0, ey - radius - anchor[1])
        x1 = min(gray.shape[1], ex + radius - anchor[0] + tw)
        y1 = min(gray.shape[0], ey + radius - anchor[1] + th)
        if x1 - x0 < tw or y1 - y0 < th:
            return self._refuse(f"the expected point {tuple(query.expected)} is too close to the frame's edge")
        scores = cv2.matchTemplate(gray[y0:y1, x0:x1], template, cv2.TM_CCOEFF_NORMED)
        _, best, _, (bx, by) = cv2.minMaxLoc(scores)
        if best < threshold:
            closest = self._point(frame, Match(x0 + bx, y0 + by, best), anchor)
            where = f"within {self.radius_pt} pt of {tuple(query.expected)}{at}"
            return dataclasses.replace(
                self._refuse(f"no match {where}: best {best:.2f} < {threshold}", best, (closest,)), scale=scale
            )
        # Local maxima only: the shoulder of the one true peak must not win by being a pixel nearer.
        ys, xs = np.nonzero((scores >= best - self.tie) & (scores >= cv2.dilate(scores, _KERNEL3)))
        dist = (xs + x0 + anchor[0] - ex) ** 2 + (ys + y0 + anchor[1] - ey) ** 2
        i = int(np.argmin(dist))
        match = Match(int(xs[i]) + x0, int(ys[i]) + y0, float(scores[ys[i], xs[i]]))
        point = self._point(frame, match, anchor)
        how = f"template matched {match.score:.3f} near the anchor{at}"
        return GroundingResult(self.name, point, match.score, how, candidates=(point,), scale=scale)


class ScreenTemplateGrounder(TemplateGrounder):
    """Rung "template": the crop anywhere on the frame, if one match beats every other by ``margin``.

    Scales in ``scale_order``: the first guess settles it when it matches; otherwise every other scale
    is searched and the best score wins (the right scale beats its neighbours by 0.05-0.3 on text).
    Two equally good places at the winning scale are refused, as at 1.0.
    """

    name = "template"

    def __init__(self, threshold: float = 0.9, margin: float = 0.1, scaled_threshold: float = 0.88) -> None:
        self.threshold, self.margin, self.scaled_threshold = threshold, margin, scaled_threshold

    def _search(self, query: GroundingQuery, frame: Frame, template: np.ndarray, anchor: Pixel) -> GroundingResult:
        tried: list[tuple[float, list[Match], Pixel]] = []  # (scale, matches best first, target pixel in the crop)
        for position, scale in enumerate(scale_order(query.scale)):
            resized, pixel = scaled(template, anchor, scale)
            if min(resized.shape[:2]) < 4:
                continue
            matches = search(frame, resized, smooth=scale != 1.0)
            if matches:
                tried.append((scale, matches, pixel))
                if position == 0 and matches[0].score >= self._threshold(scale):
                    break  # the first guess matched: no other scale is searched
        passing = [t for t in tried if t[1][0].score >= self._threshold(t[0])]
        if not passing:
            if not tried:
                return self._refuse(f"no match on the screen: best 0.00 < {self.threshold}")
            scale, matches, pixel = max(tried, key=lambda t: t[1][0].score)
            points = tuple(self._point(frame, m, pixel) for m in matches)
            top, limit = matches[0].score, self._threshold(scale)
            why = f"no match on the screen: best {top:.2f} < {limit} (scale {scale:.2f} of {len(tried)} tried)"
            return dataclasses.replace(self._refuse(why, top, points), scale=scale)
        scale, matches, pixel = max(passing, key=lambda t: t[1][0].score)
        points = tuple(self._point(frame, m, pixel) for m in matches)
        best = matches[0]
        at = "" if scale == 1.0 else f" at scale {scale:.2f}"
        if len(matches) > 1 and matches[1].score > best.score - self.margin:
            return dataclasses.replace(
                self._refuse(
                    f"2 equally good matches at {tuple(points[0])} ({best.score:.2f}) "
                    f"and {tuple(points[1])} ({matches[1].score:.2f}){at}",
                    best.score,
                    points,
                ),
                scale=scale,
            )
        runner_up = f", runner-up {matches[1].score:.2f}" if len(matches) > 1 else ""
        return GroundingResult(
            self.name,
            points[0],
            best.score,
            f"template matched {best.score:.3f}{at}{runner_up}",
            candidates=points,
            scale=scale,
        )

    def _threshold(self, scale: float) -> float:
        return self.threshold if scale == 1.0 else self.scaled_threshold


# ---- recording -------------------------------------------------------------------------------------
def crop_template(
    frame: Frame,
    point: ScreenPoint,
    half_size: tuple[int, int] | None = None,
    within: tuple[int, int, int, int] | None = None,
) -> tuple[Image, Pixel]:
    """A crop around ``point`` to save as the step's template, and the point's pixel inside it.

    ``half_size`` (points) fixes the size; ``None`` tries ``CROP_LADDER`` and keeps the smallest crop
    that matches uniquely on this very frame (small crops survive nearby changes better, but must be
    distinctive). The crop is clipped at the frame's edges, and at ``within`` (frame pixels x0, y0, x1,
    y1: what the crop must stay inside, e.g. clear of a field whose caret blinks), so the point need
    not be its centre.
    """
    from PIL import Image as PILImage

    if half_size is not None:
        box = _crop_box(frame, point, half_size, within)
    else:
        for size in CROP_LADDER:
            box = _crop_box(frame, point, size, within)
            if _unique_on(frame, box):
                break
    (x0, y0, x1, y1), (px, py) = box, _pixel(frame, point)
    region = frame.data[y0:y1, x0:x1]
    if region.ndim == 3:  # a few KB: the copy is free at this size
        region = np.ascontiguousarray(region[..., 2::-1] if frame.order == "BGRA" else region[..., :3])
    return PILImage.fromarray(region), (px - x0, py - y0)


def _pixel(frame: Frame, point: ScreenPoint) -> Pixel:
    pixel = frame.profile.screen_to_image(point)
    width, height = frame.size
    return min(max(int(pixel.x), 0), width - 1), min(max(int(pixel.y), 0), height - 1)


def _crop_box(
    frame: Frame, point: ScreenPoint, half_size: tuple[int, int], within: tuple[int, int, int, int] | None = None
) -> tuple[int, int, int, int]:
    (px, py), (width, height) = _pixel(frame, point), frame.size
    hw, hh = (max(1, round(v * frame.profile.scale)) for v in half_size)
    x0, y0, x1, y1 = within or (0, 0, width, height)
    return max(0, x0, px - hw), max(0, y0, py - hh), min(width, x1, px + hw), min(height, y1, py + hh)


def _unique_on(frame: Frame, box: tuple[int, int, int, int]) -> bool:
    x0, y0, x1, y1 = box
    template = frame_gray(frame)[y0:y1, x0:x1]
    if float(template.std()) < FLAT_STD:
        return False
    matches = search(frame, np.ascontiguousarray(template))
    if not matches or abs(matches[0].x - x0) > 1 or abs(matches[0].y - y0) > 1:
        return False
    return len(matches) == 1 or matches[1].score < matches[0].score - _UNIQUE_MARGIN
