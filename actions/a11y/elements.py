"""What the accessibility tree says about an app: elements and a snapshot of them. Plain data, no D-Bus.

A ``Snapshot`` is one bounded read of one scope (the active window, a window by title, or an app): its
elements level by level (the order they were read in), each with its parent's index, so that a path, the
clipped (visible) box and "the label that labels it" are computed without asking the app again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from actions.a11y.roles import roles_for

TEXT_INTERFACE = "org.a11y.atspi.Text"  # an element that holds text (a field, a text view, a label)
VALUE_INTERFACE = "org.a11y.atspi.Value"


@dataclass(frozen=True)
class Box:
    """A rectangle in screen points (the space pyautogui and the X root window use)."""

    x: int
    y: int
    width: int
    height: int

    @property
    def empty(self) -> bool:
        return self.width <= 0 or self.height <= 0

    @property
    def centre(self) -> tuple[int, int]:
        return self.x + self.width // 2, self.y + self.height // 2

    def intersect(self, other: Box) -> Box:
        left, top = max(self.x, other.x), max(self.y, other.y)
        right = min(self.x + self.width, other.x + other.width)
        bottom = min(self.y + self.height, other.y + other.height)
        return Box(left, top, max(0, right - left), max(0, bottom - top))

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.width, self.height]


@dataclass(frozen=True)
class ElementRef:
    """Where an element lives: the app's bus name and the object path (what a later call addresses)."""

    bus: str
    path: str


def says_enabled(states: frozenset[str]) -> bool:
    """Whether AT-SPI states say an element can be acted on: enabled, or GTK's sensitive. Chromium publishes a
    read-only input without either: it still takes the focus and a click (its text can be selected and
    copied), so read-only and focusable is not disabled."""
    return bool(states & {"enabled", "sensitive"}) or {"read-only", "focusable"} <= states


@dataclass(frozen=True)
class Element:
    ref: ElementRef
    role: str  # AT-SPI role name: "push button", "entry", "check box", ...
    name: str
    description: str = ""
    states: frozenset[str] = frozenset()
    box: Box | None = None  # None: the element has no Component interface (no place on the screen)
    text: str | None = None  # the Text interface's content, where it has one
    value: float | None = None  # the Value interface's current value (sliders, spin buttons, progress)
    label: str = ""  # the name of the element that labels it (LABELLED_BY), for an element with no name
    parent: int | None = None  # index of the parent in the snapshot
    depth: int = 0
    interfaces: frozenset[str] = frozenset()

    @property
    def enabled(self) -> bool:
        return says_enabled(self.states)

    @property
    def showing(self) -> bool:
        return "showing" in self.states and "visible" in self.states

    @property
    def has_text(self) -> bool:
        """It holds text the app can read back (the Text interface; a document's text is read on demand)."""
        return self.text is not None or TEXT_INTERFACE in self.interfaces

    def is_role(self, role: str) -> bool:
        roles = roles_for(role)
        # Chromium publishes a contenteditable block as an editable "section" (or "paragraph"): a field to
        # whoever types into it, so a field target finds it.
        return self.role in roles or (self.role in _EDITABLE_BLOCKS and "editable" in self.states and "entry" in roles)

    def summary(self) -> dict[str, object]:
        """For steps.jsonl and the report: what the tree said about the element."""
        entry: dict[str, object] = {"role": self.role, "name": self.name}
        if self.label:
            entry["label"] = self.label
        entry["states"] = sorted(self.states & _REPORTED_STATES)
        if self.box is not None:
            entry["box"] = self.box.as_list()
        if self.text is not None and self.text != self.name:
            entry["text"] = self.text[:200]
        if self.value is not None:
            entry["value"] = self.value
        return entry


# What a reader of the report needs; "opaque", "focusable", "single-line" and the like are noise there.
_REPORTED_STATES = frozenset(
    {
        "enabled",
        "sensitive",
        "showing",
        "visible",
        "focused",
        "checked",
        "selected",
        "expanded",
        "editable",
        "active",
        "pressed",
        "indeterminate",
        "read-only",
    }
)


@dataclass(frozen=True)
class Snapshot:
    """One read of a scope. ``complete`` is False when a bound (time, depth, element count) cut it short;
    ``why`` then says which."""

    app: str
    window: str  # the top-level window's accessible name ("" when the scope is a whole app)
    elements: tuple[Element, ...]
    read_ms: float
    complete: bool = True
    why: str = ""
    screen: Box | None = None  # the screen the boxes are clipped to, when known
    _visible: dict[int, Box | None] = field(default_factory=dict, compare=False, repr=False)

    def __iter__(self) -> Iterator[Element]:
        return iter(self.elements)

    def __len__(self) -> int:
        return len(self.elements)

    def ancestors(self, index: int) -> Iterator[Element]:
        parent = self.elements[index].parent
        while parent is not None:
            yield self.elements[parent]
            parent = self.elements[parent].parent

    def path(self, index: int) -> list[tuple[str, str]]:
        """(role, name) from the window down to the element: its identity in the tree."""
        chain = [self.elements[index], *self.ancestors(index)]
        return [(e.role, e.name) for e in reversed(chain) if e.role != "application"]

    def visible_box(self, index: int) -> Box | None:
        """The element's box clipped by every ancestor that has one (a scrolled list clips its rows) and by
        the screen; None when nothing of it is visible or it is not showing."""
        if index not in self._visible:
            self._visible[index] = self._clip(index)
        return self._visible[index]

    def _clip(self, index: int) -> Box | None:
        element = self.elements[index]
        if element.box is None or element.box.empty or not element.showing:
            return None
        box = element.box
        inner_empty = False  # an ancestor below the menu or combo box with no box: its popup is closed
        for ancestor in self.ancestors(index):
            if ancestor.role in POPPING_UP:
                if inner_empty:
                    return None  # Qt's closed combo list: a 0x0 list whose items still say "showing"
                # A menu's items and a combo box's list are drawn in a popup window of their own, outside the
                # menu bar, the combo box and the window that hold them; only what lies between the element
                # and its menu or list clips it. Measured: mousepad's open File menu lies below its menu bar's
                # filler, Qt's open combo list below its combo box; both clipped every item but one away.
                break
            inner_empty = inner_empty or ancestor.box is None or ancestor.box.empty
            if ancestor.box is not None and not ancestor.box.empty and ancestor.role not in _UNCLIPPING:
                box = box.intersect(ancestor.box)
        if self.screen is not None:
            box = box.intersect(self.screen)
        return None if box.empty else box

    def find(
        self, role: str | None = None, name: str | None = None, *, exact: bool = False, visible_only: bool = True
    ) -> list[int]:
        """Indices of elements with that role (alias or AT-SPI name) and whose name, label or text matches
        ``name`` (see :func:`name_match`), in the snapshot's order; only visible ones unless asked."""
        found = []
        for index, element in enumerate(self.elements):
            if role is not None and not element.is_role(role):
                continue
            if name is not None and name_match(element, name, exact) is None:
                continue
            if visible_only and self.visible_box(index) is None:
                continue
            found.append(index)
        return found

    def focused(self) -> int | None:
        """The index of the element that has the keyboard focus in this scope, if any. Qt marks several
        (measured, featherpad: the current page tab, the text view and the view's viewport): the deepest is
        the one the keys go to, unless it is the inside of a focused text element (a viewport), which is."""
        found = [i for i, e in enumerate(self.elements) if "focused" in e.states]
        # Qt leaves a closed combo popup's current item marked focused (and showing): one that shows nowhere
        # is not where the keys go while another focused element can be seen.
        found = [i for i in found if self.visible_box(i) is not None] or found
        if not found:
            return None
        # Qt also leaves a page tab marked focused once the keys went to a field of a search bar below it
        # (trial 9, juffed's Find field: the tab, deeper, was taken): a focused editable text is where they go.
        editable = [i for i in found if "editable" in self.elements[i].states]
        found = [i for i in editable if TEXT_INTERFACE in self.elements[i].interfaces] or found
        deepest = max(found, key=lambda i: self.elements[i].depth)
        if TEXT_INTERFACE in self.elements[deepest].interfaces:
            return deepest
        parent = self.elements[deepest].parent
        while parent is not None:
            ancestor = self.elements[parent]
            if "focused" in ancestor.states and TEXT_INTERFACE in ancestor.interfaces:
                return parent
            parent = ancestor.parent
        return deepest


# A menu bar's items pop up outside it, and an application object's box is meaningless.
_UNCLIPPING = frozenset({"application", "menu bar"})
_EDITABLE_BLOCKS = frozenset({"section", "paragraph"})
POPPING_UP = frozenset({"menu", "popup menu", "combo box"})  # what they hold is drawn in a popup of its own


def _words(text: str) -> list[str]:
    return text.casefold().split()


def name_matches(wanted: str, said: str, exact: bool = False) -> int | None:
    """How well what the tree ``said`` matches the ``wanted`` text, by the one text rule: 0 the whole
    text (case-insensitive, spaces normalised), 1 a word sequence inside it; ``"/regex/"`` is a regular
    expression (1 when it matches). None: no match. Mnemonic underscores and ampersands ("_Save",
    "&Open") and a trailing colon or ellipsis do not count."""
    said = _plain(said)
    if not said:
        return None
    if len(wanted) > 2 and wanted.startswith("/") and wanted.endswith("/"):
        return 1 if re.search(wanted[1:-1], said) else None
    want_words, said_words = _words(_plain(wanted)), _words(said)
    if not want_words:
        return None
    if want_words == said_words:
        return 0
    if exact:
        return None
    size = len(want_words)
    return 1 if any(said_words[i : i + size] == want_words for i in range(len(said_words) - size + 1)) else None


def name_match(element: Element, wanted: str, exact: bool = False) -> int | None:
    """The best of the element's name, its label and its text (for a text-bearing element whose name is
    empty: a GTK label, a Chromium paragraph)."""
    said = [element.name, element.label]
    if not element.name and element.text is not None:
        said.append(element.text)
    scores = [score for text in said if (score := name_matches(wanted, text, exact)) is not None]
    return min(scores) if scores else None


def _plain(text: str) -> str:
    text = re.sub(r"(?<![_&])[_&](?=\w)", "", text)
    return text.strip().rstrip(":").removesuffix("…").removesuffix("...").strip()
