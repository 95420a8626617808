"""What a target *is*, kept beside where it was and how it looked: its identity in the accessibility tree.

A template crop of an empty text field matches every empty text field; an anchor says where the target
was, not what it was. So the learned cache, ``deskpilot record`` and ``--save-scenario`` also keep the
element under the point: its role, its name, the label that names it and the path of (role, name) from
its window down. Replay then confirms every anchor or template match against it where the app has a
tree (the element at the matched point must be the same one: role and name or label, the path telling
equal ones apart, the window's own title free to change), and the tree rung finds the element by its
identity directly, so a form whose fields were re-ordered is filled into the right fields.

Where the app has no tree (Tk, Athena, a canvas) nothing is known and nothing changes: a match is never
refused for want of a tree.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from actions.a11y.bus import A11yUnavailable
from actions.a11y.elements import Box, Snapshot, name_matches
from actions.a11y.roles import INTERACTIVE_ROLES
from actions.frame import Frame
from actions.windows import WindowInfo
from planners.grounding.base import GroundingResult


class Identity(BaseModel):
    """An element as the accessibility tree named it when the target was recorded or learned."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: str = Field(min_length=1, description="the AT-SPI role name: entry, push button, check box, ...")
    name: str = Field("", description="the element's accessible name")
    label: str = Field("", description="the name of the element that labels it (for an unnamed field)")
    path: tuple[tuple[str, str], ...] = Field(
        (), description="(role, name) from the window down to the element; tells equal elements apart"
    )

    def describe(self) -> str:
        return f"{self.role} {self.name or self.label!r}"


def tree_for(source: Any, frame: Frame, window: WindowInfo | None) -> Snapshot:
    """The tree of ``window`` (by its title, or the tree window covering its box), else of the active one."""
    if window is None:
        snapshot: Snapshot = source.snapshot(frame)
        return snapshot
    box = Box(window.left, window.top, window.width, window.height)
    found: Snapshot = source.snapshot(frame, window=f"^{re.escape(window.title)}$", window_box=box)
    return found


def element_at(snapshot: Snapshot, x: int, y: int) -> int | None:
    """The element under the point: the deepest visible one whose visible box contains it, an interactive
    one (a field, a button) before a plain one (the field's own text paragraph, a section around it)."""
    best: tuple[int, int, int] | None = None  # (interactive, depth, -index) of the best so far
    chosen = None
    for index, element in enumerate(snapshot.elements):
        if element.role == "application":
            continue
        box = snapshot.visible_box(index)
        if box is None or not (box.x <= x < box.x + box.width and box.y <= y < box.y + box.height):
            continue
        key = (int(element.role in INTERACTIVE_ROLES), _depth(snapshot, index), -index)
        if best is None or key > best:
            best, chosen = key, index
    return chosen


def identity_of(snapshot: Snapshot, index: int) -> Identity:
    element = snapshot.elements[index]
    return Identity(role=element.role, name=element.name, label=element.label, path=tuple(snapshot.path(index)))


def identity_at(snapshot: Snapshot, x: int, y: int) -> Identity | None:
    """The identity of what lies under ``(x, y)``; None where the tree has nothing there."""
    if len(snapshot) <= 1:
        return None
    index = element_at(snapshot, x, y)
    return identity_of(snapshot, index) if index is not None else None


def read_identity(source: Any, frame: Frame, x: int, y: int, window: WindowInfo | None) -> Identity | None:
    """``identity_at`` on the tree of ``window`` now; None without a tree (no bus, a Tk window)."""
    try:
        return identity_at(tree_for(source, frame, window), x, y)
    except A11yUnavailable:
        return None


def differs(recorded: Identity, snapshot: Snapshot, index: int) -> str | None:
    """Why the element at ``index`` is not the recorded one; None when it is. Role and name (or label)
    decide; an element with neither is told by its path. The window's own name (its title, which may
    carry a document's name or a count) is left out of the path."""
    element = snapshot.elements[index]
    now = identity_of(snapshot, index)
    if element.role != recorded.role:
        return f"a {now.describe()} is there, not the {recorded.describe()}"
    if recorded.name or recorded.label:
        if not _named(recorded, now):
            return f"the {now.describe()} is there, not the {recorded.describe()}"
        return None
    if recorded.path and _inner(recorded.path) != _inner(now.path):
        return f"the {now.describe()} there lies at {_shown(now.path)}, not at {_shown(recorded.path)}"
    return None


def confirm(
    result: GroundingResult, recorded: Identity | None, source: Any, frame: Frame, window: WindowInfo | None
) -> GroundingResult:
    """An anchor or template match checked against the recorded identity: refused (``point`` None, the
    reason and the element there on record) when the element at the matched point is another one;
    as it was where nothing is known (no identity recorded, no tree, nothing in the tree there)."""
    point = result.point
    if recorded is None or point is None:
        return result
    started = time.monotonic()
    try:
        snapshot = tree_for(source, frame, window)
    except A11yUnavailable:
        return result
    # The tree read (once per screen, shared with the tree rung) is part of what this match cost.
    result = replace(result, elapsed_ms=result.elapsed_ms + (time.monotonic() - started) * 1000)
    index = element_at(snapshot, point.x, point.y) if len(snapshot) > 1 else None
    if index is None:
        return result
    why = differs(recorded, snapshot, index)
    if why is None and recorded.path and _inner(tuple(snapshot.path(index))) != _inner(recorded.path):
        # The same role and name: the path tells equal ones apart, when one of them lies on it.
        elsewhere = [i for i in find(snapshot, recorded) if i != index]
        if any(_inner(tuple(snapshot.path(i))) == _inner(recorded.path) for i in elsewhere):
            why = f"another {recorded.describe()} lies at {_shown(recorded.path)}"
    element = as_record(snapshot, index)
    if why is not None:
        where = f"matched at {[point.x, point.y]} (score {result.score:.3f}), but {why}: refused"
        return replace(result, point=None, reason=where, element=element)
    confirmed = f"{result.reason}; identity {recorded.describe()} confirmed".lstrip("; ")
    return replace(result, reason=confirmed, element=element)


def find(snapshot: Snapshot, recorded: Identity) -> list[int]:
    """Visible elements with the recorded identity; several equal ones narrowed by their path."""
    same = [
        i
        for i, element in enumerate(snapshot.elements)
        if element.role == recorded.role and snapshot.visible_box(i) is not None and not differs(recorded, snapshot, i)
    ]
    if len(same) > 1 and recorded.path:
        on_path = [i for i in same if _inner(tuple(snapshot.path(i))) == _inner(recorded.path)]
        same = on_path or same
    return same


def as_record(snapshot: Snapshot, index: int) -> dict[str, Any]:
    """What the tree said about an element, for a step's grounding (``element``, with its path)."""
    return {**snapshot.elements[index].summary(), "path": [list(step) for step in snapshot.path(index)]}


def from_record(element: dict[str, Any] | None) -> Identity | None:
    """The identity in a grounding record's ``element`` (the tree rung's), when it has a role and a path."""
    if not element or not element.get("role") or "path" not in element:
        return None
    path = tuple((str(role), str(name)) for role, name in element["path"])
    return Identity(role=element["role"], name=element.get("name", ""), label=element.get("label", ""), path=path)


def _named(recorded: Identity, now: Identity) -> bool:
    said = [text for text in (now.name, now.label) if text]
    wanted = [text for text in (recorded.name, recorded.label) if text]
    return any(_plain_equal(w, s) for w in wanted for s in said)


def _plain_equal(wanted: str, said: str) -> bool:
    if len(wanted) > 2 and wanted.startswith("/") and wanted.endswith("/"):
        return wanted.strip() == said.strip()  # a name that looks like a /regex/ is a name here
    return name_matches(wanted, said, exact=True) == 0


def _inner(path: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    return tuple((role, "") if depth == 0 else (role, name) for depth, (role, name) in enumerate(path))


def _shown(path: tuple[tuple[str, str], ...]) -> str:
    return " > ".join(f"{role} {name!r}" if name else role for role, name in path[1:]) or "the window"


def _depth(snapshot: Snapshot, index: int) -> int:
    return sum(1 for _ in snapshot.ancestors(index))
