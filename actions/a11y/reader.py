"""Read the accessibility tree: bounded (time, depth, element count), level by level, one round trip
per level and phase.

Phase 1 asks every element of a level for its children, role, states, interfaces, name and description;
phase 2 asks, by interface, for its screen box, single-line text, value and (for an unnamed field) the
label that labels it. Only the interfaces an element says it has are called: Qt 5 answers
``Properties.GetAll`` on its application object by crashing (measured: SIGSEGV), so nothing here uses it.
Hidden subtrees (a closed menu's items) are not walked: what is not showing cannot be acted on.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from actions.a11y.bus import A11yBus, A11yUnavailable, Call, Failed, Reply, find_bus_address
from actions.a11y.elements import TEXT_INTERFACE, VALUE_INTERFACE, Box, Element, ElementRef, Snapshot
from actions.a11y.field_text import FieldText
from actions.a11y.layout_labels import label_by_layout
from actions.a11y.replies import (
    box_of,
    int_of,
    labelled_by_of,
    maybe_text_of,
    number_of,
    states_of,
    strings_of,
    text_of,
)
from actions.a11y.roles import role_name, states_from_bits
from actions.a11y.scale import ScreenScale

ACC = "org.a11y.atspi.Accessible"
PROPS = "org.freedesktop.DBus.Properties"
COMPONENT, TEXT, VALUE = "org.a11y.atspi.Component", TEXT_INTERFACE, VALUE_INTERFACE
SELECTION = "org.a11y.atspi.Selection"
ROOT = ElementRef("org.a11y.atspi.Registry", "/org/a11y/atspi/accessible/root")
_NULL_PATH = "/org/a11y/atspi/null"
_SCREEN_COORDS = 0  # ATSPI_COORD_TYPE_SCREEN
_BOUNDS = ("MinimumValue", "MaximumValue")
_MAX_CHILDREN = 500  # a table that manages its descendants may claim millions of rows
_FIELD_ROLES = frozenset(
    {"entry", "text", "password text", "spin button", "combo box", "editbar", "search box", "slider", "list box"}
)


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 3.0  # the whole read; a read cut short is marked incomplete
    max_depth: int = 60
    max_elements: int = 4000
    call_timeout_s: float = 1.0  # one app that stops answering costs this much, once per batch


@dataclass(frozen=True)
class TopLevel:
    """A window (frame, dialog, window) of an application, as the tree lists it."""

    app: str
    ref: ElementRef
    role: str
    name: str
    states: frozenset[str]
    pid: int | None = None


class AtspiReader:
    """Reads trees from the accessibility bus (found by :func:`find_bus_address` unless given)."""

    def __init__(self, address: str | None = None, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._address = address
        self._bus: A11yBus | None = None
        self._scale = ScreenScale()  # a Qt window under QT_SCALE_FACTOR gives its boxes unscaled (scale.py)

    # -- connection ------------------------------------------------------------------------------------
    @property
    def bus(self) -> A11yBus:
        if self._bus is None:
            self._bus = A11yBus(self._address or find_bus_address(self.limits.call_timeout_s * 2))
        return self._bus

    @property
    def connected(self) -> bool:
        return self._bus is not None

    def close(self) -> None:
        if self._bus is not None:
            self._bus.close()
            self._bus = None

    def _calls(self, batch: Sequence[Call]) -> list[Reply]:
        return self.bus.calls(batch, self.limits.call_timeout_s)

    # -- what is there ---------------------------------------------------------------------------------
    def applications(self) -> list[tuple[str, ElementRef]]:
        """(name, root) of every application registered on the bus."""
        reply = self._calls([Call(ROOT.bus, ROOT.path, ACC, "GetChildren")])[0]
        if isinstance(reply, Failed):
            raise A11yUnavailable(f"the accessibility registry does not answer: {reply.error}")
        roots = [ElementRef(str(bus), str(path)) for bus, path in reply[0] if path != _NULL_PATH]
        names = self._calls([Call(r.bus, r.path, PROPS, "Get", "ss", (ACC, "Name")) for r in roots])
        return [(text_of(name), root) for name, root in zip(names, roots, strict=True)]

    def windows(self) -> list[TopLevel]:
        """Every top-level window of every application, with its states (one of them is ``active``)."""
        apps = self.applications()
        children = self._calls([Call(r.bus, r.path, ACC, "GetChildren") for _, r in apps])
        tops: list[tuple[str, ElementRef]] = []
        for (app, _root), reply in zip(apps, children, strict=True):
            if not isinstance(reply, Failed):
                tops += [(app, ElementRef(str(b), str(p))) for b, p in reply[0][:_MAX_CHILDREN] if p != _NULL_PATH]
        batch = [call for _, ref in tops for call in _top_calls(ref)]
        replies = self._calls(batch)
        found = []
        for index, (app, ref) in enumerate(tops):
            role, states, name = replies[index * 3 : index * 3 + 3]
            bits = states[0] if not isinstance(states, Failed) else []
            found.append(TopLevel(app, ref, role_name(text_of(role)), text_of(name), states_from_bits(bits)))
        return found

    def pid(self, bus_name: str) -> int | None:
        reply = self._calls(
            [
                Call(
                    "org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus",
                    "GetConnectionUnixProcessID",
                    "s",
                    (bus_name,),
                )
            ]
        )[0]
        return None if isinstance(reply, Failed) else int(reply[0])

    # -- snapshots -------------------------------------------------------------------------------------
    def snapshot(
        self,
        window: str | None = None,
        app: str | None = None,
        screen: Box | None = None,
        window_box: Box | None = None,
    ) -> Snapshot:
        """The tree of the window whose accessible name matches the regular expression ``window`` (or, when no
        name does, the window that covers most of ``window_box``: toolkits name windows their own way), else of
        the application named ``app``, else of the active window (or, when the tree marks none active, the one
        covering ``window_box``). ``A11yUnavailable`` when there is none."""
        started = time.monotonic()
        scope = self._scope(window, app, window_box)
        if isinstance(scope, str):
            raise A11yUnavailable(scope)
        app_name, roots, window_name = scope
        elements, complete, why = self._walk(roots, started)
        self._scale.fit(roots[0].bus, elements, window_box if window_name else None)
        read_ms = (time.monotonic() - started) * 1000
        return Snapshot(app_name, window_name, tuple(elements), read_ms, complete, why, screen)

    def _scope(
        self, window: str | None, app: str | None, window_box: Box | None
    ) -> tuple[str, list[ElementRef], str] | str:
        if app is not None and window is None:
            named = [(name, root) for name, root in self.applications() if name.casefold() == app.casefold()]
            if not named:
                return f"no application named {app!r} on the accessibility bus"
            return named[0][0], [named[0][1]], ""
        tops = [top for top in self.windows() if "showing" in top.states or not top.states]
        if window is not None:
            pattern = re.compile(window)
            chosen = [top for top in tops if pattern.search(top.name) and (app is None or top.app == app)]
            if not chosen and window_box is not None:
                chosen = self._covering(tops, window_box)
            if not chosen:
                return f"no window of the tree is named like /{window}/ (windows: {_names(tops)})"
        else:
            chosen = [top for top in tops if "active" in top.states]
            if not chosen and window_box is not None:
                chosen = self._covering(tops, window_box)  # Chromium marks no window active: where X has the focus
            if not chosen:
                return (
                    f"the active window is not in the accessibility tree (its toolkit publishes none, as Tk's, "
                    f"or it started before the bus); windows in the tree: {_names(tops)}"
                )
        top = chosen[0]
        return top.app, [top.ref], top.name

    def _covering(self, tops: list[TopLevel], window_box: Box) -> list[TopLevel]:
        """The top-level whose box overlaps ``window_box`` most (at least half of the top-level's own box)."""
        boxes = self._calls([_extents(top.ref) for top in tops])
        best: tuple[float, TopLevel] | None = None
        for top, reply in zip(tops, boxes, strict=True):
            box = box_of(reply)
            if box is None or box.empty:
                continue
            overlap = box.intersect(window_box)
            # Of the tree window's own area: a window that lies mostly inside the X window (its unscaled box
            # under QT_SCALE_FACTOR too), never a bigger window of another app that a small one sits on.
            share = overlap.width * overlap.height / (box.width * box.height)
            if share >= 0.5 and (best is None or share > best[0]):
                best = (share, top)
        return [best[1]] if best is not None else []

    def _walk(self, roots: list[ElementRef], started: float) -> tuple[list[Element], bool, str]:
        elements: list[Element] = []
        complete, why = self._walk_into(elements, roots, started)
        _resolve_labels(elements)
        label_by_layout(elements)  # a field no relation names: the label beside it in its form's grid
        return elements, complete, why

    def _walk_into(self, elements: list[Element], roots: list[ElementRef], started: float) -> tuple[bool, str]:
        limits = self.limits
        deadline = started + limits.timeout_s
        level: list[tuple[ElementRef, int | None]] = [(ref, None) for ref in roots]
        depth = 0
        while level:
            if time.monotonic() > deadline:
                return False, f"stopped after {limits.timeout_s:.1f} s at depth {depth}"
            if depth > limits.max_depth:
                return False, f"deeper than {limits.max_depth} levels"
            room = limits.max_elements - len(elements)
            cut = len(level) > room
            level = level[:room]
            next_level = self._read_level(level, depth, elements)
            if cut:
                return False, f"more than {limits.max_elements} elements"
            level, depth = next_level, depth + 1
        return True, ""

    def _read_level(
        self, level: list[tuple[ElementRef, int | None]], depth: int, elements: list[Element]
    ) -> list[tuple[ElementRef, int | None]]:
        first = self._calls([call for ref, _ in level for call in _phase_one(ref)])
        per = len(_phase_one(ROOT))
        rows = [first[i * per : (i + 1) * per] for i in range(len(level))]
        second_calls: list[Call] = []
        plans: list[list[str]] = []
        for (ref, _), (_, role, states, interfaces, name, _) in zip(level, rows, strict=True):
            wanted = _phase_two(ref, role_name(text_of(role)), states_of(states), strings_of(interfaces), text_of(name))
            plans.append([what for what, _ in wanted])
            second_calls += [call for _, call in wanted]
        second = iter(self._calls(second_calls))
        next_level: list[tuple[ElementRef, int | None]] = []
        for (ref, parent), row, plan in zip(level, rows, plans, strict=True):
            children, role, states, interfaces, name, description = row
            extra = {what: next(second) for what in plan}
            state_names = states_of(states)
            element = Element(
                ref=ref,
                role=role_name(text_of(role)),
                name=text_of(name),
                description=text_of(description),
                states=state_names,
                box=box_of(extra.get("box")),
                text=maybe_text_of(extra.get("text")),
                value=number_of(extra.get("value")),
                label=labelled_by_of(extra.get("label")),
                parent=parent,
                depth=depth,
                interfaces=frozenset(strings_of(interfaces)),
            )
            index = len(elements)
            elements.append(element)
            # Not into what is not showing (a closed menu's items), except the app and window objects.
            if isinstance(children, Failed) or (depth > 0 and "showing" not in state_names and state_names):
                continue
            next_level += [
                (ElementRef(str(b), str(p)), index) for b, p in children[0][:_MAX_CHILDREN] if p != _NULL_PATH
            ]
        return next_level

    # -- one element, now --------------------------------------------------------------------------------
    def states(self, ref: ElementRef) -> frozenset[str]:
        reply = self._calls([Call(ref.bus, ref.path, ACC, "GetState")])[0]
        if isinstance(reply, Failed):
            return frozenset({"defunct"})
        return states_from_bits(reply[0])

    def box(self, ref: ElementRef) -> Box | None:
        return self._scale.box(ref.bus, box_of(self._calls([_extents(ref)])[0]))

    def text(self, ref: ElementRef) -> str | None:
        """The element's whole text (Text interface), None when it has none."""
        return maybe_text_of(self._calls([Call(ref.bus, ref.path, TEXT, "GetText", "ii", (0, -1))])[0])

    def value(self, ref: ElementRef) -> float | None:
        return number_of(self._calls([Call(ref.bus, ref.path, PROPS, "Get", "ss", (VALUE, "CurrentValue"))])[0])

    def choice(self, ref: ElementRef) -> str | None:
        """The name of what a combo box has chosen: the selected child of the box or of its list (a Chromium
        ``<select>`` publishes no text, its choice is its hidden menu's selected item); None if none."""
        reply = self._calls([Call(ref.bus, ref.path, ACC, "GetChildren")])[0]
        lists = [] if isinstance(reply, Failed) or not reply else reply[0][:_MAX_CHILDREN]
        for holder in [ref, *(ElementRef(str(bus), str(path)) for bus, path in lists if path != _NULL_PATH)]:
            picked = self._calls([Call(holder.bus, holder.path, SELECTION, "GetSelectedChild", "i", (0,))])[0]
            if isinstance(picked, Failed) or not picked or picked[0][1] == _NULL_PATH:
                continue
            bus, path = picked[0]
            name = text_of(self._calls([Call(str(bus), str(path), PROPS, "Get", "ss", (ACC, "Name"))])[0])
            if name:
                return name
        return None

    def value_range(self, ref: ElementRef) -> tuple[float, float] | None:
        """The least and the most the element's Value takes (a spin button's bounds); None without one."""
        low, high = (
            number_of(reply)
            for reply in self._calls([Call(ref.bus, ref.path, PROPS, "Get", "ss", (VALUE, end)) for end in _BOUNDS])
        )
        return (low, high) if low is not None and high is not None and low <= high else None

    def caret_text(self, ref: ElementRef, before: int = -1, after: int = -1) -> FieldText | None:
        """What a text element holds around its caret, now: ``before`` characters up to the caret and ``after``
        past it (-1: all), and its selection; two round trips. None when it has no Text interface (or went away)."""
        asked = [Call(ref.bus, ref.path, PROPS, "Get", "ss", (TEXT, n)) for n in ("CaretOffset", "CharacterCount")]
        caret_reply, count, selected = self._calls([*asked, Call(ref.bus, ref.path, TEXT, "GetSelection", "i", (0,))])
        length, caret = int_of(count), int_of(caret_reply)
        if length is None:
            return None
        if caret is not None and not 0 <= caret <= length:
            caret = None  # -1: no caret
        start = 0 if before < 0 or caret is None else max(0, caret - before)
        end = length if after < 0 or caret is None else min(length, caret + after)
        reply = self._calls([Call(ref.bus, ref.path, TEXT, "GetText", "ii", (start, end))])[0]
        if isinstance(reply, Failed) or not reply:
            return None
        selection = (int(selected[0]), int(selected[1])) if not isinstance(selected, Failed) and selected else None
        return FieldText.read(str(reply[0]), (start, end), caret, length, selection)


def _extents(ref: ElementRef) -> Call:
    return Call(ref.bus, ref.path, COMPONENT, "GetExtents", "u", (_SCREEN_COORDS,))


def _top_calls(ref: ElementRef) -> list[Call]:
    return [
        Call(ref.bus, ref.path, ACC, "GetRoleName"),
        Call(ref.bus, ref.path, ACC, "GetState"),
        Call(ref.bus, ref.path, PROPS, "Get", "ss", (ACC, "Name")),
    ]


def _phase_one(ref: ElementRef) -> list[Call]:
    return [
        Call(ref.bus, ref.path, ACC, "GetChildren"),
        Call(ref.bus, ref.path, ACC, "GetRoleName"),
        Call(ref.bus, ref.path, ACC, "GetState"),
        Call(ref.bus, ref.path, ACC, "GetInterfaces"),
        Call(ref.bus, ref.path, PROPS, "Get", "ss", (ACC, "Name")),
        Call(ref.bus, ref.path, PROPS, "Get", "ss", (ACC, "Description")),
    ]


def _phase_two(
    ref: ElementRef, role: str, states: frozenset[str], interfaces: list[str], name: str
) -> list[tuple[str, Call]]:
    wanted = []
    if COMPONENT in interfaces and role != "application":
        wanted.append(("box", _extents(ref)))
    # A multi-line text (a document) may be megabytes: read on demand (AtspiReader.text), not per snapshot.
    if TEXT in interfaces and "multi-line" not in states:
        wanted.append(("text", Call(ref.bus, ref.path, TEXT, "GetText", "ii", (0, -1))))
    if VALUE in interfaces:
        wanted.append(("value", Call(ref.bus, ref.path, PROPS, "Get", "ss", (VALUE, "CurrentValue"))))
    if not name and role in _FIELD_ROLES:
        wanted.append(("label", Call(ref.bus, ref.path, ACC, "GetRelationSet")))
    return wanted


def _resolve_labels(elements: list[Element]) -> None:
    """An unnamed field's label is an element (by path): its name, once the walk has read both."""
    by_ref = {e.ref: e for e in elements}
    for index, element in enumerate(elements):
        if element.label.startswith("ref:"):
            bus, _, path = element.label[4:].partition("|")
            target = by_ref.get(ElementRef(bus, path))
            label = (target.name or target.text or "") if target is not None else ""
            elements[index] = replace(element, label=label)


def _names(tops: Sequence[TopLevel]) -> str:
    shown = ", ".join(repr(top.name) for top in tops[:8])
    return shown or "none"
