"""What the recorder keeps of the screen at a pointer press: window, template crop, OCR crop.

The capture thread must keep up with the person, so it only grabs (mss, a few ms for 1280x800),
lists the windows, and cuts the small OCR crop. Choosing the template crop is slower (the template
grounder's ``crop_template`` grows the crop until it is unique on the frame: 10-120 ms), so it runs
on one worker thread; the frame lives until that job has run, then only the crop is kept.

Where the app has an accessibility tree, the press also starts a read of the pressed window's tree on a
second worker (0.05-0.3 s, never on the capture thread): the element under the point (its role, name,
label and path) is the target's identity, which replay confirms its matches against. The read starts at
the press, before the release has done anything; a read whose window no longer carries the title it had at
the press (a dialog that closed, a page that went on) keeps no identity rather than a wrong one.
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from actions.coords import DisplayProfile, ScreenPoint
from actions.frame import Frame
from actions.x11.windows import WindowInfo, WindowReader
from agent.record.steps import PointerCapture

if TYPE_CHECKING:
    from actions.a11y import AtspiReader
    from actions.a11y import Snapshot as A11ySnapshot
    from planners.grounding.identity import Identity

# Used when the template grounder (OpenCV) is not installed: a fixed 120 x 60 crop.
FALLBACK_TEMPLATE_HALF = (60, 30)
# OCR crop around the point: room for a form label to the left, a caption to the right, text above and
# below (recorder_labels reads the line through the point first, then the area around it).
LABEL_BOX = (240, 160, 80)  # left, right, up/down
_GRAY_WEIGHTS = np.array([0.114, 0.587, 0.299], dtype=np.float32)  # B, G, R


@dataclass
class Snapshot:
    frame: Frame  # the whole virtual screen (mss monitor 0), BGRA
    windows: list[WindowInfo]  # bottom of the stack first
    tree: Future[A11ySnapshot | None] | None = None  # the pressed window's accessibility tree, being read
    tree_window: int | None = None  # the X window it is read for


@dataclass
class IdentityJob:
    """The identity of the element at a point, from a tree being read: ``result()`` is it or None."""

    tree: Future[A11ySnapshot | None]
    point: tuple[int, int]
    title: str  # the pressed window's title at the press

    def result(self) -> Identity | None:
        from planners.grounding.identity import identity_at

        try:
            tree = self.tree.result()
        except Exception:  # noqa: BLE001 - a tree that could not be read is an app without a tree
            return None
        identity = identity_at(tree, *self.point) if tree is not None else None
        # A document named otherwise than the window was at the press is the page the click went on to (the
        # tree can be ahead of the window's title): what lies under the point there is not what was clicked.
        documents = [name for role, name in identity.path if role.startswith("document")] if identity else []
        return None if any(name and name not in self.title for name in documents) else identity


@dataclass
class TemplateJob:
    """The template crop being chosen on the worker: ``result()`` is (RGB image, point in it) or None."""

    future: Future[tuple[Any, tuple[int, int]] | None]

    def result(self) -> tuple[Any, tuple[int, int]] | None:
        return self.future.result()


@dataclass
class SnapshotStats:
    grab_ms: list[float] = field(default_factory=list)
    template_ms: list[float] = field(default_factory=list)
    tree_ms: list[float] = field(default_factory=list)  # per press, on the tree worker (never the capture thread)


class DesktopSnapshotter:
    """Open with the first :meth:`snapshot`; afterwards used by one thread at a time (the capture thread)."""

    def __init__(self, display: str | None = None) -> None:
        self.display = display
        self.stats = SnapshotStats()
        self._grabber: Any = None
        self._reader: WindowReader | None = None
        self.last: Snapshot | None = None  # the latest snapshot: a click's "before", for changed_nothing()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deskpilot-templates")
        self._tree_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deskpilot-trees")
        self._trees: AtspiReader | None = None
        self._tree_windows: WindowReader | None = None  # the tree worker's own X connection
        self._no_tree = False  # no accessibility bus: not asked again at every press

    def snapshot(self, at: tuple[int, int] | None = None) -> Snapshot:
        import mss

        started = time.perf_counter()
        if self._grabber is None:
            self._grabber = mss.MSS(display=self.display) if self.display else mss.MSS()
            self._reader = WindowReader(self.display)
        assert self._reader is not None
        monitor = self._grabber.monitors[0]
        shot = self._grabber.grab(monitor)
        bgra = np.frombuffer(shot.raw, dtype=np.uint8).reshape(shot.height, shot.width, 4)
        # X11 has no display scaling: one screen point is one pixel.
        profile = DisplayProfile(left=monitor["left"], top=monitor["top"], width=shot.width, height=shot.height)
        frame = Frame(data=bgra, profile=profile, monotonic_s=time.monotonic(), wall_time_s=time.time(), order="BGRA")
        snapshot = Snapshot(frame, self._reader.list_windows())
        if self._trees is None and not self._no_tree:
            self._tree_worker.submit(self._connect)  # the first press must not wait for the bus
        window = _window_at(snapshot.windows, *at) if at is not None and not self._no_tree else None
        if window is not None:
            snapshot.tree = self._tree_worker.submit(self._read_tree, window, profile)
            snapshot.tree_window = window.window_id
        self.stats.grab_ms.append((time.perf_counter() - started) * 1000)
        self.last = snapshot
        return snapshot

    def anchor(self, snapshot: Snapshot, x: int, y: int) -> PointerCapture:
        capture = PointerCapture(screen_point=(x, y))
        window = _window_at(snapshot.windows, x, y)
        if window is not None:
            capture.window_title, capture.window_size = window.title, window.size
            capture.window_point = window.relative(x, y)
            if snapshot.tree is not None and snapshot.tree_window == window.window_id:
                capture.identity = IdentityJob(snapshot.tree, (x, y), window.title)
        frame = snapshot.frame
        if not frame.profile.contains(ScreenPoint(x, y)):
            return capture
        capture.template = TemplateJob(self._worker.submit(self._template, frame, x, y))
        px, py = x - frame.profile.left, y - frame.profile.top
        box, capture.label_point = crop_box(px, py, LABEL_BOX, frame.size)
        region = frame.data[box[1] : box[3], box[0] : box[2], :3].astype(np.float32)
        capture.label_crop = (region @ _GRAY_WEIGHTS).astype(np.uint8)  # about 0.3 ms for 400 x 160
        return capture

    def _template(self, frame: Frame, x: int, y: int) -> tuple[Any, tuple[int, int]] | None:
        started = time.perf_counter()
        try:
            from planners.grounding.template import crop_template
        except ImportError:  # OpenCV missing: a fixed crop still serves the anchor and the VLM
            from PIL import Image

            px, py = x - frame.profile.left, y - frame.profile.top
            half_w, half_h = FALLBACK_TEMPLATE_HALF
            box, point = crop_box(px, py, (half_w, half_w, half_h), frame.size)
            rgb = np.ascontiguousarray(frame.data[box[1] : box[3], box[0] : box[2], 2::-1])
            result: tuple[Any, tuple[int, int]] | None = (Image.fromarray(rgb, mode="RGB"), point)
        else:
            image, pixel = crop_template(frame, ScreenPoint(x, y))
            result = (image, (int(pixel[0]), int(pixel[1])))
        self.stats.template_ms.append((time.perf_counter() - started) * 1000)
        return result

    def _connect(self) -> None:
        from actions.a11y import A11yUnavailable, AtspiReader

        if self._trees is not None or self._no_tree:
            return
        reader = AtspiReader()
        try:
            reader.windows()
        except A11yUnavailable:
            self._no_tree = True
            reader.close()
            return
        self._trees = reader

    def _read_tree(self, window: WindowInfo, profile: DisplayProfile) -> A11ySnapshot | None:
        """On the tree worker: the window's tree, or None (no bus, no tree for it, its title changed)."""
        import re

        from actions.a11y import A11yUnavailable, Box

        self._connect()
        if self._trees is None:
            return None
        started = time.perf_counter()
        screen = Box(profile.left, profile.top, profile.width, profile.height)
        box = Box(window.left, window.top, window.width, window.height)
        try:
            tree = self._trees.snapshot(f"^{re.escape(window.title)}$", screen=screen, window_box=box)
        except A11yUnavailable:
            return None
        finally:
            self.stats.tree_ms.append((time.perf_counter() - started) * 1000)
        # The press went on while the tree was read: a window that closed or took another title since (a dialog
        # the click closed, a page it submitted) may be showing other elements under the point. No identity then.
        if self._tree_windows is None:
            self._tree_windows = WindowReader(self.display)
        now = self._tree_windows.info(window.window_id)
        return tree if now is not None and now.title == window.title else None

    def close(self) -> None:
        """Finish the pending template and tree jobs and release the display and bus handles."""
        self._worker.shutdown(wait=True)
        self._tree_worker.shutdown(wait=True)
        if self._trees is not None:
            self._trees.close()
            self._trees = None
        if self._tree_windows is not None:
            self._tree_windows.close()
            self._tree_windows = None
        if self._grabber is not None:
            with contextlib.suppress(Exception):  # mss raises its own error types when the server is gone
                self._grabber.close()
            self._grabber = None
        if self._reader is not None:
            self._reader.close()
            self._reader = None


def _window_at(windows: list[WindowInfo], x: int, y: int) -> WindowInfo | None:
    return next((w for w in reversed(windows) if w.viewable and w.contains(x, y)), None)


def grab_snapshot(display: str | None = None) -> Snapshot:
    """A one-off snapshot from any thread (its own mss handle and X connection; about 10 ms)."""
    import mss

    with mss.MSS(display=display) if display else mss.MSS() as grabber, WindowReader(display) as reader:
        monitor = grabber.monitors[0]
        shot = grabber.grab(monitor)
        bgra = np.frombuffer(bytes(shot.raw), dtype=np.uint8).reshape(shot.height, shot.width, 4)
        profile = DisplayProfile(left=monitor["left"], top=monitor["top"], width=shot.width, height=shot.height)
        frame = Frame(data=bgra, profile=profile, monotonic_s=time.monotonic(), wall_time_s=time.time(), order="BGRA")
        return Snapshot(frame, reader.list_windows())


def changed_nothing(before: Snapshot, after: Snapshot, x: int, y: int, radius: int = 64) -> bool:
    """Whether nothing visible changed, between two snapshots, in the window at ``(x, y)`` (and the
    ``radius`` around the point): the click that only focused an already focused field."""
    from actions.compare import diff_frames

    window = _window_at(before.windows, x, y)
    boxes = [(x - radius, y - radius, x + radius, y + radius)]
    if window is not None:
        boxes.append((window.left, window.top, window.left + window.width, window.top + window.height))
    appeared = {w.window_id for w in after.windows} - {w.window_id for w in before.windows}
    if appeared:
        return False  # a menu or a dialog opened
    for left, top, right, bottom in boxes:
        a, b = _crop(before.frame, left, top, right, bottom), _crop(after.frame, left, top, right, bottom)
        if a is None or b is None or diff_frames(a, b).significant:
            return False
    return True


def _crop(frame: Frame, left: int, top: int, right: int, bottom: int) -> Frame | None:
    x0, y0 = max(0, left - frame.profile.left), max(0, top - frame.profile.top)
    x1, y1 = min(frame.size[0], right - frame.profile.left), min(frame.size[1], bottom - frame.profile.top)
    if x0 >= x1 or y0 >= y1:
        return None
    return Frame(frame.data[y0:y1, x0:x1], frame.profile, frame.monotonic_s, frame.wall_time_s, frame.order)


def crop_box(
    px: int, py: int, extent: tuple[int, int, int], size: tuple[int, int]
) -> tuple[tuple[int, int, int, int], tuple[int, int]]:
    """``(x0, y0, x1, y1)`` of ``extent`` = (left, right, up/down) around a pixel, clipped to ``size``,
    and the pixel's position inside that box."""
    left, right, vertical = extent
    x0, y0 = max(0, px - left), max(0, py - vertical)
    x1, y1 = min(size[0], px + right), min(size[1], py + vertical)
    return (x0, y0, x1, y1), (px - x0, py - y0)
