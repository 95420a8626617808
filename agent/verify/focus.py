"""Where the keys went: the element that had the keyboard focus when a key or a text was sent.

Read from the app's accessibility tree just before the action (after it, a Tab or an Enter has moved the
focus on, and the record would name the wrong element). One tree read per key or type step, cached per
screen (``actions.a11y.FrameTrees``): the click that focused a field usually left the very screen the
type step starts from. For a ``type`` into an element that holds text, what it held around the caret is
read too (two D-Bus round trips), so that the judge can read the text back (``agent.verify.readback``).

Apps without a tree (Tk, Athena, a canvas), a desktop without an accessibility bus, or a tree that marks
nothing focused: no record, and the step is judged by its pixels as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from actions.a11y.elements import Element, Snapshot
from actions.a11y.field_text import FieldText
from actions.errors import DeskpilotError
from actions.frame import Frame
from actions.models import Action
from actions.windows import WindowSource

if TYPE_CHECKING:
    from planners.grounding.tree import TreeSource

KEYBOARD_KINDS = ("key", "type")
# Around the caret, what a readback needs: the typed text's length plus this much either side, as evidence.
CONTEXT_CHARS = 40


@dataclass(frozen=True)
class KeyboardFocus:
    """The focused element (as the tree said before the action), its path from the window down, and for a
    text element what it held around its caret then (None: it holds no text, or it could not be read)."""

    element: Element
    path: tuple[tuple[str, str], ...]
    before: FieldText | None = None
    pressed: Element | None = None  # a left click's: the button under the pointer, as the tree said before

    def record(self) -> dict[str, Any]:
        """For steps.jsonl: role, name, label, states, box and the path; never the text it holds (a secret
        typed earlier would be in it)."""
        entry = self.element.summary()
        entry.pop("text", None)
        entry["path"] = [list(step) for step in self.path]
        return entry

    def window(self) -> tuple[str, str] | None:
        """The window the element is in, (role, name), as the tree named it before the action: the title
        the app itself had set by then (its window manager's title may catch up later)."""
        return next(((role, name) for role, name in self.path if role in _WINDOW_ROLES), None)

    def describe(self) -> str:
        """One line: "the text 'Name' in dialog 'Sign in'"."""
        element = self.element
        name = element.name or element.label
        window = self.window()
        where = f" in {window[0]} {window[1]!r}" if window is not None and window[1] else ""
        return f"the {element.role}{f' {name!r}' if name else ''}{where}"


_WINDOW_ROLES = frozenset({"frame", "dialog", "window", "alert", "file chooser"})


def holds_typed_text(element: Element) -> bool:
    """An editable element with the Text interface: a field or a text view, which holds what is typed into
    it. Not a terminal (VTE publishes its screen as text, not editable: what shows there is the program's
    echo, and a password prompt echoes nothing), not a label."""
    # Qt's spin box publishes its text but never the "editable" state: it holds what is typed all the same.
    return element.has_text and ("editable" in element.states or element.role == "spin button")


def keyboard_focus(
    trees: TreeSource | None, frame: Frame, action: Action, windows: WindowSource | None = None
) -> KeyboardFocus | None:
    """What had the keyboard focus on ``frame``, for a key, type or left click ``action``; None without a tree, or when
    the tree's focused element is not inside the active window of ``windows`` (where the keys go): a tree
    that names another window's element would have the wrong field read back."""
    if trees is None or not (action.kind in KEYBOARD_KINDS or _left_click(action)):
        return None
    window = windows.active_window() if windows is not None else None
    try:
        snapshot = trees.snapshot(frame)
    except DeskpilotError:  # no bus, or the active window publishes no tree (Tk): the pixels judge alone
        return None
    index = snapshot.focused()
    if index is None:
        return None
    element = snapshot.elements[index]
    if window is not None and element.box is not None and not window.contains(*element.box.centre):
        return None
    before = None
    text = getattr(action, "text", None)
    if text is not None and holds_typed_text(element):
        # A single-line field is read whole (it is small); a document only around its caret.
        span = -1 if "multi-line" not in element.states else len(text) + CONTEXT_CHARS
        before = _caret_text(trees, element, span)
    elif _left_click(action) and holds_typed_text(element) and "multi-line" not in element.states:
        before = _caret_text(trees, element, -1)  # what the click's blur leaves as it was (change.look_only_boxes)
    pressed = _button_at(snapshot, action.point) if _left_click(action) and action.point is not None else None
    return KeyboardFocus(element, tuple(snapshot.path(index)), before, pressed)


def _button_at(snapshot: Snapshot, point: tuple[float, float]) -> Element | None:
    """The smallest visible button whose box holds the point: the one a click there presses."""
    x, y = point
    found = [
        (box.width * box.height, index)
        for index, element in enumerate(snapshot.elements)
        if element.is_role("button")
        and (box := snapshot.visible_box(index)) is not None
        and box.x <= x < box.x + box.width
        and box.y <= y < box.y + box.height
    ]
    return snapshot.elements[min(found)[1]] if found else None


def _left_click(action: Action) -> bool:
    """A left click hands the focus over: what had it before tells its blur from the click's effect
    (``agent.verify.change.look_only_boxes``)."""
    return action.kind == "click" and getattr(action, "button", None) == "left"


def _caret_text(trees: TreeSource, element: Element, span: int) -> FieldText | None:
    try:
        return trees.caret_text(element.ref, before=span, after=-1 if span < 0 else CONTEXT_CHARS)
    except DeskpilotError:
        return None
