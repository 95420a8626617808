"""The asking half of ``Desktop``: what the app's accessibility tree says about its elements now.

    desk.value("City")                                   # the field's text ("Zürich"), or a slider's 50.0
    desk.state({"role": "checkbox", "name": "Remember me"})   # frozenset({"checked", "enabled", ...})
    desk.elements(role="button")                         # [ElementInfo(role="push button", name="OK", ...)]

Each call is recorded as a step that performed nothing. The element is found as a pointer target's tree
rung finds it (``planners.grounding.tree.element_for``), then asked again for its states, text and value,
so the answer is the app's word at the time of the call. No accessibility bus, or an app that publishes
no tree, is a ``TargetNotFound`` that says so and how to turn it on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from actions.errors import TargetAmbiguous, TargetNotFound, UserInputError
from actions.frame import Frame
from agent.scripting.arguments import Where, target_of
from agent.scripting.host import ScriptHost

if TYPE_CHECKING:
    from actions.a11y.elements import Element, Snapshot
    from actions.targets import Target
    from planners.grounding.tree import TreeSource

_TURN_ON = (
    "start the accessibility bus before the app (Deskpilot's private desktops do; on your own desktop "
    "`deskpilot doctor` names the switch for each app: Qt needs QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1, "
    "Chromium --force-renderer-accessibility)"
)


@dataclass(frozen=True)
class ElementInfo:
    """One element as the app describes it: its AT-SPI role ("push button", "entry", "check box"), its
    accessible name (or the label that names it), its states, its box on the screen (x, y, width, height
    in screen points; None when it has no place), and what it holds (``text``, ``value``)."""

    role: str
    name: str
    states: frozenset[str]
    box: tuple[int, int, int, int] | None
    text: str | None = None
    value: float | None = None

    @classmethod
    def of(cls, element: Element) -> ElementInfo:
        box = element.box
        shown = (box.x, box.y, box.width, box.height) if box is not None else None
        return cls(element.role, element.name or element.label, element.states, shown, element.text, element.value)


class Inspecting(ScriptHost):
    """Mixed into ``Desktop``, which gives it ``_parts()``, ``_capture()`` and ``_note()``."""

    def value(
        self,
        target: Where | None = None,
        *,
        role: str | None = None,
        name: str | None = None,
        window: str | None = None,
        index: int | None = None,
    ) -> str | float:
        """What the element holds now: its text (a field, a label), else its number (a slider, a spin
        button), else its accessible name (a combo box names its choice)."""
        from agent.verify.element import element_value

        found = self._element("value", target_of(target, role, name, window, index), with_text=True)
        return element_value(found)

    def state(
        self,
        target: Where | None = None,
        *,
        role: str | None = None,
        name: str | None = None,
        window: str | None = None,
        index: int | None = None,
    ) -> frozenset[str]:
        """The element's states now, as AT-SPI names them ("checked", "enabled", "sensitive", "focused",
        "selected", "expanded", "visible", "showing", "editable", ...)."""
        return self._element("state", target_of(target, role, name, window, index), with_text=False).states

    def elements(
        self, role: str | None = None, name: str | None = None, *, window: str | None = None, visible_only: bool = True
    ) -> list[ElementInfo]:
        """Every element of the active window (or ``window``, a title regex) with that role (an AT-SPI
        role name or an alias: button, field, checkbox, ...) and name (by the text rule), in the tree's
        order; only those visible on the screen unless ``visible_only=False``."""
        from actions.a11y.roles import ROLE_ALIASES, known_role

        if role is not None and not known_role(role):
            raise UserInputError(f"unknown role {role!r}: use an AT-SPI role name or one of {', '.join(ROLE_ALIASES)}")
        if name is not None and not name.strip():
            raise UserInputError("elements(name=...): the name to look for is empty")
        what = f"elements(role={role!r}, name={name!r})"
        frame, started = self._capture(), time.monotonic()
        snapshot = self._snapshot(what, frame, window, started)
        found = [ElementInfo.of(snapshot.elements[i]) for i in snapshot.find(role, name, visible_only=visible_only)]
        self._note(frame, what, f"{len(found)} in {snapshot.window or snapshot.app!r}", started)
        return found

    def _element(self, call: str, target: Target, with_text: bool) -> Element:
        from planners.grounding.tree import NoElement, element_for

        what, frame, started = f"{call}({target.describe()})", self._capture(), time.monotonic()
        snapshot = self._snapshot(what, frame, target.window, started)
        found = element_for(snapshot, target)
        if isinstance(found, NoElement):
            self._note(frame, what, found.why, started, failed=True)
            error = TargetAmbiguous if found.ambiguous else TargetNotFound
            raise error(f"{what}: {found.why}", tried=(("tree", found.why),))
        from agent.verify.element import read_now, what_the_tree_said

        element = read_now(self._trees(what), snapshot.elements[found], with_text)
        if "defunct" in element.states:
            why = "the element left the tree while it was asked"
            self._note(frame, what, why, started, failed=True)
            raise TargetNotFound(f"{what}: {why}", tried=(("tree", why),))
        shown = what_the_tree_said(element)
        self._note(frame, what, ", ".join(f"{k}={v}" for k, v in shown.items() if k != "box"), started)
        return element

    def _trees(self, what: str) -> TreeSource:
        tree = getattr(self._parts().resolver.tree, "source", None)
        if tree is None:
            raise TargetNotFound(f"{what}: this Desktop reads no accessibility tree", tried=(("tree", "no tree"),))
        source: TreeSource = tree
        return source

    def _snapshot(self, what: str, frame: Frame, window: str | None, started: float) -> Snapshot:
        from actions.a11y.bus import A11yUnavailable

        try:
            snapshot = self._trees(what).snapshot(frame, window=window)
        except A11yUnavailable as exc:
            self._note(frame, what, f"no accessibility tree: {exc}", started, failed=True)
            fix = f"; {_TURN_ON}" if window is None else ""  # else the window's title may be all that is wrong
            raise TargetNotFound(f"{what}: no accessibility tree ({exc}){fix}", tried=(("tree", str(exc)),)) from None
        if len(snapshot) <= 1:
            why = f"the window {snapshot.window!r} ({snapshot.app}) exposes no elements"
            self._note(frame, what, why, started, failed=True)
            raise TargetNotFound(f"{what}: {why}; {_TURN_ON}", tried=(("tree", why),))
        return snapshot
