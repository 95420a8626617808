"""The tree rung: find a target by what the app says its elements are (the accessibility tree).

A role target (``{"role": "button", "name": "OK"}``) is found only here; a text target (``"Submit"``)
is looked up here first, by the element's accessible name, the label that labels it, or its text, and
climbs to OCR when the tree has no answer (no bus, a Tk window, no such element). The point is the
centre of the element's visible box (clipped by its ancestors and the screen). A hidden or off-screen
element is never an answer; a disabled one is waited for (``wait_enabled_s``) and then refused, so that
no rung below clicks it by its looks. Two equally good elements are refused, unless the target says
which (``index``).

The tree comes through ``TreeSource`` (``actions.a11y.FrameTrees`` in production): planners never talk
to the bus.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from actions.a11y.bus import A11yUnavailable
from actions.a11y.elements import POPPING_UP, Box, ElementRef, Snapshot, name_match, says_enabled
from actions.a11y.field_text import FieldText
from actions.a11y.roles import INTERACTIVE_ROLES
from actions.coords import ScreenPoint
from actions.frame import Frame
from actions.targets import Target
from planners.grounding import identity
from planners.grounding.base import GroundingQuery, GroundingResult
from planners.grounding.identity import tree_for

_POLL_S = 0.03  # how often a disabled element's states are asked again while it is waited for


class TreeSource(Protocol):
    """Snapshots per frame, and one element's states, box, text, value and text around its caret now
    (``actions.a11y.FrameTrees``)."""

    def snapshot(
        self, frame: Frame, window: str | None = None, app: str | None = None, window_box: Box | None = None
    ) -> Snapshot: ...

    def states(self, ref: ElementRef) -> frozenset[str]: ...

    def box(self, ref: ElementRef) -> Box | None: ...

    def text(self, ref: ElementRef) -> str | None: ...

    def value(self, ref: ElementRef) -> float | None: ...

    def value_range(self, ref: ElementRef) -> tuple[float, float] | None: ...

    def popups_at(self, x: int, y: int) -> list[Box]: ...

    def choice(self, ref: ElementRef) -> str | None: ...

    def caret_text(self, ref: ElementRef, before: int = -1, after: int = -1) -> FieldText | None: ...


class TreeGrounder:
    name = "tree"

    def __init__(self, source: TreeSource, wait_enabled_s: float = 2.0) -> None:
        self.source = source
        self.wait_enabled_s = wait_enabled_s

    def ground(self, query: GroundingQuery, frame: Frame) -> GroundingResult:
        started = time.monotonic()
        result = self._ground(query, frame)
        elapsed = (time.monotonic() - started) * 1000
        return GroundingResult(**{**result.__dict__, "elapsed_ms": elapsed})

    def _ground(self, query: GroundingQuery, frame: Frame) -> GroundingResult:
        by_identity = self._by_identity(query, frame) if query.identity is not None else None
        if by_identity is not None and (by_identity.point is not None or by_identity.refused):
            return by_identity
        result = self._by_description(query, frame)
        if by_identity is not None and result.point is None:
            return replace(result, reason=f"{by_identity.reason}; {result.reason}")
        return result

    def _by_identity(self, query: GroundingQuery, frame: Frame) -> GroundingResult:
        """The element with the recorded identity (role and name or label; its path tells equal ones apart)."""
        recorded = query.identity
        assert recorded is not None
        try:
            snapshot = tree_for(self.source, frame, query.window)
        except A11yUnavailable as exc:
            return self._no(f"no tree: {exc}")
        if len(snapshot) <= 1:
            return self._no(f"the window {snapshot.window!r} ({snapshot.app}) exposes no elements")
        found = identity.find(snapshot, recorded)
        what = f"identity {recorded.describe()}"
        if not found:
            return self._no(f"no visible element has the {what}")
        chosen = self._choose(snapshot, found, None)
        if isinstance(chosen, GroundingResult):
            return chosen
        return replace(self._enabled(snapshot, chosen, what), by_identity=True)

    def _by_description(self, query: GroundingQuery, frame: Frame) -> GroundingResult:
        wanted = query.name if query.role is not None else query.label
        if query.role is None and wanted is None:
            return self._no("the tree rung looks for a role or a text")
        if query.role is None and query.offset:
            return self._no("a text with an offset is measured from the text as read: left to OCR")
        try:
            snapshot = self._snapshot(query, frame)
        except A11yUnavailable as exc:
            return self._no(f"no tree: {exc}")
        if len(snapshot) <= 1:
            return self._no(f"the window {snapshot.window!r} ({snapshot.app}) exposes no elements")
        matches = tree_matches(snapshot, query.role, wanted)
        what = f"{query.role} {wanted!r}" if query.role is not None else f"text {wanted!r}"
        scope = f"in {snapshot.window or snapshot.app!r} ({len(snapshot)} elements read in {snapshot.read_ms:.0f} ms)"
        if not matches:
            cut = f"; the read was cut short: {snapshot.why}" if not snapshot.complete else ""
            return self._no(f"no element is {what} {scope}{cut}")
        visible = [i for i in matches if snapshot.visible_box(i) is not None]
        if not visible:
            shown = snapshot.elements[matches[0]]
            return self._no(
                f"{what} is hidden or off-screen ({shown.role} {shown.name!r}, states "
                f"{sorted(shown.states & _SHOWN)}): never clicked",
                snapshot,
                matches[0],
            )
        chosen = self._choose(snapshot, visible, query.index)
        if isinstance(chosen, GroundingResult):
            return chosen
        return self._enabled(snapshot, chosen, what)

    def _snapshot(self, query: GroundingQuery, frame: Frame) -> Snapshot:
        return tree_for(self.source, frame, query.window)

    def _choose(self, snapshot: Snapshot, visible: Sequence[int], index: int | None) -> int | GroundingResult:
        centres = tuple(ScreenPoint(*snapshot.visible_box(i).centre) for i in visible)  # type: ignore[union-attr]
        if index is not None:
            if index >= len(visible):
                return self._no(f"index {index} asked, but only {len(visible)} visible matches", snapshot, visible[0])
            return visible[index]
        if len(visible) > 1:
            # An open menu lies over one of them (the toolbar's Save under juffed's File menu, whose Save item
            # matches too): that one cannot be clicked, and the menu's own item is the one the user sees.
            uncovered = [i for i in visible if self._cover(snapshot, i) is None]
            if len(uncovered) == 1:
                return uncovered[0]
            names = "; ".join(f"{snapshot.elements[i].role} {snapshot.elements[i].name!r}" for i in visible[:4])
            return GroundingResult(
                self.name,
                None,
                reason=f"{len(visible)} equally good matches in the tree ({names}): add window or index",
                candidates=centres,
            )
        return visible[0]

    def _enabled(self, snapshot: Snapshot, index: int, what: str) -> GroundingResult:
        element = snapshot.elements[index]
        box = snapshot.visible_box(index)
        assert box is not None
        waited_s = 0.0
        if not element.enabled:
            started = time.monotonic()
            states = element.states
            while not says_enabled(states):
                if time.monotonic() - started >= self.wait_enabled_s or "defunct" in states:
                    return GroundingResult(
                        self.name,
                        None,
                        reason=f"{what} is disabled and stayed so for {self.wait_enabled_s:.1f} s: not clicked",
                        element=element.summary(),
                        refused=True,
                    )
                time.sleep(_POLL_S)  # waiting for the app to enable it: a state poll, bounded
                states = self.source.states(element.ref)
            waited_s = time.monotonic() - started
            now = self.source.box(element.ref)  # enabling may have moved it (a re-laid-out dialog)
            element = replace(element, states=states, box=now or element.box)
            box = now.intersect(snapshot.screen) if now is not None and snapshot.screen is not None else now or box
            if box.empty:
                return self._no(f"{what} became enabled, but is now off-screen", snapshot, index)
        point = ScreenPoint(*box.centre)
        cover = self._cover(snapshot, index, point)
        if cover is not None:
            # An open menu or a combo box's list of another widget lies over it: a click there would choose
            # in that list (a Qt combo's popup once took the click meant for the field under it).
            return GroundingResult(
                self.name,
                None,
                reason=f"{what} is covered by an open popup at {cover.as_list()} (a menu or a list): not clicked",
                element=element.summary(),
                refused=True,
            )
        summary = {**identity.as_record(snapshot, index), **element.summary()}  # states as they are now
        reason = f"{element.role} {element.name or element.label!r} in {snapshot.window or snapshot.app!r}"
        if waited_s:
            reason += f" (enabled after {waited_s:.2f} s)"
        return GroundingResult(self.name, point, score=1.0, reason=reason, element=summary)

    def _no(self, reason: str, snapshot: Snapshot | None = None, index: int | None = None) -> GroundingResult:
        element = snapshot.elements[index].summary() if snapshot is not None and index is not None else None
        return GroundingResult(self.name, None, reason=reason, element=element)

    def _cover(self, snapshot: Snapshot, index: int, point: tuple[float, float] | None = None) -> Box | None:
        """The open popup of another widget (a menu, a combo box's list) that lies over ``point`` (default:
        the element's centre), which a click there would go to; None: nothing lies over it."""
        x, y = point or snapshot.visible_box(index).centre  # type: ignore[union-attr]
        return next((p for p in self.source.popups_at(int(x), int(y)) if not _in_popup(snapshot, index, p)), None)


_SHOWN = frozenset({"showing", "visible", "enabled", "sensitive"})


def _in_popup(snapshot: Snapshot, index: int, popup: Box) -> bool:
    """Whether the element is part of the popup over it: an item of an open menu or combo list (what it
    shows lies inside the popup, and it belongs to a menu or a combo box, whose items are drawn in a popup
    while the tree keeps them under the menu bar or the combo box), or it, or one of its ancestors, lies
    inside the popup and fills most of it. A field that merely lies under a combo box's open list belongs
    to neither, fills a small part of the list, and its ancestors are bigger."""
    shown = snapshot.visible_box(index)
    ancestors = list(snapshot.ancestors(index))
    if shown is not None and shown.intersect(popup) == shown and any(a.role in POPPING_UP for a in ancestors):
        return True
    area = popup.width * popup.height
    for element in (snapshot.elements[index], *ancestors):
        box = element.box
        if box is not None and not box.empty and box.intersect(popup) == box and 2 * box.width * box.height >= area:
            return True
    return False


def tree_matches(snapshot: Snapshot, role: str | None, wanted: str | None) -> list[int]:
    """The best matches of a role and/or a text in a snapshot, the one matching rule for targets and for
    what expectations and scripts ask about: a whole-name match beats a word sequence inside a name; for a
    text, what can be acted on beats a label; an element inside another match (a button's own label) is the
    same one."""
    scored: list[tuple[tuple[int, int], int]] = []
    for index, element in enumerate(snapshot.elements):
        if role is not None and not element.is_role(role):
            continue
        score = 0 if wanted is None else name_match(element, wanted)
        if score is None or element.role == "application":
            continue
        plain = 0 if role is not None or element.role in INTERACTIVE_ROLES else 1
        scored.append(((score, plain), index))
    if not scored:
        return []
    best = min(key for key, _ in scored)
    group = {index for key, index in scored if key == best}
    return [i for i in sorted(group) if not any(_inside(snapshot, i, j) for j in group if j != i)]


@dataclass(frozen=True)
class NoElement:
    """Why a target names no one element of a snapshot: ``why`` in words; ``ambiguous`` when several would do."""

    why: str
    ambiguous: bool = False


def element_for(snapshot: Snapshot, target: Target) -> int | NoElement:
    """The one element a text or role ``target`` names in ``snapshot`` (its index), found as the tree rung
    finds it, hidden ones included when no match is visible (a state expectation may wait for it to show);
    else why not."""
    wanted = target.name if target.role is not None else target.text
    what = target.model_copy(update={"window": None, "index": None}).describe()  # "button 'OK'", "any text"
    matches = tree_matches(snapshot, target.role, wanted)
    if not matches:
        cut = f"; the read was cut short: {snapshot.why}" if not snapshot.complete else ""
        scope = snapshot.window or snapshot.app
        return NoElement(f"no element is {what} in {scope!r} ({len(snapshot)} elements){cut}")
    pool = [i for i in matches if snapshot.visible_box(i) is not None] or matches
    if target.index is not None:
        if target.index >= len(pool):
            return NoElement(f"index {target.index} asked, but {what} has only {len(pool)} matches")
        return pool[target.index]
    if len(pool) > 1:
        names = "; ".join(f"{snapshot.elements[i].role} {snapshot.elements[i].name!r}" for i in pool[:4])
        return NoElement(f"{len(pool)} equally good matches for {what} ({names}): add window or index", True)
    return pool[0]


def _inside(snapshot: Snapshot, index: int, other: int) -> bool:
    parent = snapshot.elements[index].parent
    while parent is not None:
        if parent == other:
            return True
        parent = snapshot.elements[parent].parent
    return False
