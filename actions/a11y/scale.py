"""Trees that publish their boxes in the toolkit's own units, put back into screen points.

Qt 5 scaled by ``QT_SCALE_FACTOR`` (or its high-DPI scaling) publishes every box in device-independent
pixels: at 1.5 a window that the window system has at (180, 180) 430x164 is at (120, 120) 287x109 in
its tree, and a point taken from the tree lands above and left of its element, perhaps in another window.
GTK 3 under ``GDK_SCALE=2`` does the same. The window system's box of the same window says by how much:
when the tree's window box times one factor ``k`` is the window system's box (its place and its size,
within rounding; a frame with the window manager's title bar and borders around it, for GTK), every box of
that tree is multiplied by ``k``. Toolkits that publish screen points (GTK at scale 1, Chromium at any
device scale) agree at 1 and are left alone; a window whose boxes disagree in any other way is left alone
too (nothing is guessed), and so is a tree whose elements do not lie within its window's box (Chromium
gives its window's box unscaled and its page's boxes in screen points).
"""

from __future__ import annotations

from dataclasses import replace

from actions.a11y.elements import Box, Element

_MIN_FACTOR, _MAX_FACTOR = 1.1, 4.0  # the scale factors toolkits are set to (125%-400%)
_TITLE, _BORDER = 64, 16  # the most a window manager's title bar / border may add around a window, in points


def scale_of(tree_box: Box, window_box: Box) -> float | None:
    """``k`` when ``tree_box`` scaled by ``k`` is ``window_box``; None when they agree unscaled, or at no
    one factor. Qt's window box is the window's own (it must agree in place and size, within rounding); GTK's
    is its frame, the window manager's title bar and borders included: it may overhang the window by those."""
    if tree_box.empty or window_box.empty:
        return None
    exact = _exact_factor(tree_box, window_box)
    if exact is not None:
        return exact
    k = window_box.width / tree_box.width  # the width: what a frame's borders change least
    if not _MIN_FACTOR <= k <= _MAX_FACTOR:
        return None
    slack = k + 2  # each number was rounded in the toolkit's units (up to k/2 off) and on the screen
    left, top = tree_box.x * k, tree_box.y * k
    right, bottom = (tree_box.x + tree_box.width) * k, (tree_box.y + tree_box.height) * k
    overhang = (window_box.x - left, window_box.y - top, right - window_box.x - window_box.width)
    below = bottom - window_box.y - window_box.height
    fits = all(-slack <= side <= _BORDER + slack for side in (*overhang[::2], below))
    return k if fits and -slack <= overhang[1] <= _TITLE + slack else None


def _exact_factor(tree_box: Box, window_box: Box) -> float | None:
    tree, screen = tree_box.as_list(), window_box.as_list()
    k = sum(t * s for t, s in zip(tree, screen, strict=True)) / sum(t * t for t in tree)  # least squares
    if not _MIN_FACTOR <= k <= _MAX_FACTOR:
        return None
    return k if all(abs(t * k - s) <= k + 2 for t, s in zip(tree, screen, strict=True)) else None


def scaled(box: Box | None, k: float) -> Box | None:
    if box is None:
        return None
    left, top = round(box.x * k), round(box.y * k)
    return Box(left, top, round((box.x + box.width) * k) - left, round((box.y + box.height) * k) - top)


def to_screen(elements: list[Element], window_box: Box | None) -> float | None:
    """Rescale ``elements`` (a window's tree, its window first) in place when its window's box is the window
    system's ``window_box`` at another scale; the factor applied, or None."""
    window = elements[0].box if elements else None
    k = scale_of(window, window_box) if window is not None and window_box is not None else None
    if k is not None and window is not None and _one_unit(elements, window):
        elements[:] = [replace(element, box=scaled(element.box, k)) for element in elements]
        return k
    return None


def _one_unit(elements: list[Element], window: Box) -> bool:
    """Whether every showing element lies within the window's box as the tree gives it: the tree is in one
    unit throughout. Chromium at a device scale gives its window's box in device-independent pixels but
    its page's boxes in screen points (already right): those overflow the window and nothing is scaled."""
    slack = 4
    right, bottom = window.x + window.width + slack, window.y + window.height + slack
    for element in elements[1:]:
        box = element.box
        if box is None or box.empty or not element.showing:
            continue
        if box.x < window.x - slack or box.y < window.y - slack:
            return False
        if box.x + box.width > right or box.y + box.height > bottom:
            return False
    return True


class ScreenScale:
    """Per app (its bus name): the factor its latest window's tree was scaled by (``fit``), applied again to
    one of its element's boxes read alone later (``box``: where an element is now, before acting on it)."""

    def __init__(self) -> None:
        self._factors: dict[str, float | None] = {}

    def fit(self, bus: str, elements: list[Element], window_box: Box | None) -> None:
        """``to_screen`` on a window's elements (``window_box`` None: a whole app's, nothing to compare)."""
        self._factors[bus] = to_screen(elements, window_box)

    def box(self, bus: str, box: Box | None) -> Box | None:
        factor = self._factors.get(bus)
        return scaled(box, factor) if factor else box
