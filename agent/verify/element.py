"""Judging ``{"value"}``, ``{"state"}`` and ``{"no_state"}``: what the app's accessibility tree says about one
element, polled until it holds or time runs out.

The element is found as the tree rung finds a pointer target (``planners.grounding.tree.element_for``), in
the active window's tree or in the target's ``window``; from then on only its states, text and value are
asked again, by reference (a few D-Bus calls, no new read of the tree). An element that leaves the tree
(``defunct``: Chromium rebuilds nodes, a dialog closed) is looked up again in a fresh read. No tree (no
accessibility bus, a Tk window) or a target the tree does not show is ``no_place``: not a pass, because
nothing said what the element is. A state is the app's word for it, never the pixels.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

from actions.a11y.bus import A11yUnavailable
from actions.a11y.elements import Element, says_enabled
from actions.expectations import TREE_STATES, ExpectNoState, ExpectState, ExpectValue
from actions.frame import Frame
from actions.secrets import missing_secrets, reveal, secret_names
from actions.stopping import pause
from actions.targets import Target
from actions.text_match import TextPattern
from agent.run_dir import Seen
from agent.verify import judges
from agent.verify.context import Judgement, StepContext
from agent.verify.poll import next_different, out_of_time
from planners.grounding.tree import NoElement, TreeSource, element_for
from planners.verdicts import Verdict

TREE_POLL_S = 0.05  # between asks of the element's states and text: a D-Bus round trip each, not a capture

TreeExpectation = ExpectValue | ExpectState | ExpectNoState


@judges(ExpectValue)
def judge_value(spec: ExpectValue, ctx: StepContext) -> Judgement:
    return _judge(spec, ctx)


@judges(ExpectState)
def judge_state(spec: ExpectState, ctx: StepContext) -> Judgement:
    return _judge(spec, ctx)


@judges(ExpectNoState)
def judge_no_state(spec: ExpectNoState, ctx: StepContext) -> Judgement:
    return _judge(spec, ctx)


class NoBus(str):
    """Why there is no element, when no accessibility bus answers at all: not worth waiting for."""


def locate(trees: TreeSource, frame: Frame, target: Target) -> Element | str:
    """The element ``target`` names in the tree of ``frame``'s screen (its window's, or the active
    window's), as read then; else why there is none, in words."""
    try:
        snapshot = trees.snapshot(frame, window=target.window)
    except A11yUnavailable as exc:
        return NoBus(f"no accessibility tree: {exc}")
    if len(snapshot) <= 1:
        return f"the window {snapshot.window!r} ({snapshot.app}) exposes no elements to the accessibility tree"
    found = element_for(snapshot, target)
    return found.why if isinstance(found, NoElement) else snapshot.elements[found]


def read_now(trees: TreeSource, element: Element, with_text: bool = True) -> Element:
    """The element with its states (and text and value) as the app says them now."""
    states = trees.states(element.ref)
    if not with_text or "defunct" in states:
        return replace(element, states=states)
    text = trees.text(element.ref)
    if not text and element.role == "combo box":  # a <select> publishes no text: its choice is its value
        text = trees.choice(element.ref) or text
    return replace(element, states=states, text=text, value=trees.value(element.ref))


def element_value(element: Element) -> str | float:
    """What the element holds: its text (a field, a label), else its number (a slider, a progress bar),
    else its accessible name (a combo box names its choice)."""
    if element.text is not None:
        return element.text
    if element.value is not None:
        return element.value
    return element.name


def value_holds(wanted: str, element: Element) -> bool:
    """``wanted`` is what the element holds (``element_value``: what it shows): for an element that has a
    number (the Value interface: a spin button, a slider), as a number when both are numbers ("7" holds for
    a spin button showing "7.00", "50" for a slider at 50.0); else the whole text (exact, whitespace runs one
    space, the ends trimmed), ``""`` an empty one, ``"/regex/"`` searched. A text field's "501" never holds
    "00501": the dropped zeros are what such an expectation is written to catch."""
    held = element_value(element)
    number = _number(wanted)
    held_number = held if isinstance(held, float) else _number(held) if element.value is not None else None
    if number is not None and held_number is not None:
        return math.isclose(held_number, number, rel_tol=1e-9, abs_tol=1e-9)
    text = held if isinstance(held, str) else f"{held:g}"
    if not wanted.strip():
        return not text.strip()
    if not text.strip():
        return False
    pattern = TextPattern.parse(wanted)
    return pattern.matches(text) if pattern.mode == "regex" else TextPattern.parse(wanted, exact=True).matches(text)


def has_state(name: str, states: frozenset[str]) -> bool:
    """Whether AT-SPI ``states`` say ``name`` (one of ``TREE_STATES``): visible needs both of its states
    (visible and showing), enabled either of its own (enabled, or GTK's sensitive)."""
    wanted = TREE_STATES[name]
    if "defunct" in states:
        return False  # gone from the tree: nothing holds of it any more
    if name == "enabled":
        return says_enabled(states)  # the tree rung's own rule (a read-only input is not disabled)
    return wanted <= states if name == "visible" else bool(wanted & states)


def holds(spec: TreeExpectation, element: Element) -> bool:
    if isinstance(spec, ExpectValue):
        return "defunct" not in element.states and value_holds(reveal(spec.value), element)
    if isinstance(spec, ExpectState):
        return has_state(spec.state, said_states(element))
    return not has_state(spec.no_state, said_states(element))


def said_states(element: Element) -> frozenset[str]:
    """The element's states as the expectations mean them. Qt 5 marks the page tab it shows "focused" and
    never "selected" (measured: a QTabWidget's current tab); GTK and Chromium say "selected" of it too."""
    if element.role == "page tab" and "focused" in element.states:
        return element.states | {"selected"}
    return element.states


def _judge(spec: TreeExpectation, ctx: StepContext) -> Judgement:
    trees, frame = ctx.tools.trees, ctx.settled.frame
    if trees is None:
        seen = Seen(expected=spec.describe(), detail="this run reads no accessibility tree: nothing can say it")
        return Judgement(Verdict.NO_PLACE, frame, seen)
    if isinstance(spec, ExpectValue) and (unset := missing_secrets([spec.value])):
        seen = Seen(expected=spec.describe(), detail=f"the secret {unset[0]!r} is not set in the environment")
        return Judgement(Verdict.FAILED, frame, seen)
    deadline = time.monotonic() + spec.timeout_s
    element: Element | None = None
    why, met, with_text = "", False, isinstance(spec, ExpectValue)
    while True:
        if element is None:
            found = locate(trees, frame, spec.target)
            element, why = (None, found) if isinstance(found, str) else (read_now(trees, found, with_text), "")
        else:
            element = read_now(trees, element, with_text)
        met = element is not None and holds(spec, element)
        if met or isinstance(why, NoBus) or out_of_time(deadline, ctx.cancel):
            break  # (no bus now, no bus for the rest of the run: no_place at once, not after timeout_s)
        if element is not None and "defunct" in element.states and not isinstance(spec, ExpectNoState):
            element, why = None, f"{spec.target.describe()} left the tree"  # look it up again in a new read
        if element is None:
            frame = next_different(ctx.screen, frame, deadline, ctx.cancel)  # a new read needs a new screen
        else:
            pause(TREE_POLL_S, ctx.cancel)
    if element is None:
        seen = Seen(expected=spec.describe(), detail=f"the tree cannot say: {why}")
        return Judgement(Verdict.NO_PLACE, ctx.screen.capture(), seen)
    said = what_the_tree_said(element, private=_private(spec, element))
    seen = Seen(expected=spec.describe(), detail=_detail(spec, element, met), element=said)
    return Judgement(Verdict.MET if met else Verdict.FAILED, ctx.screen.capture(), seen)


def what_the_tree_said(element: Element, private: bool = False) -> dict[str, object]:
    """The element's summary for the record; what a password field (or a ``private`` one) holds is left out:
    a secret is compared, never written."""
    said = element.summary()
    if private or element.role == "password text":
        said = {key: shown for key, shown in said.items() if key not in ("text", "value")}
    return said


def _private(spec: TreeExpectation, element: Element) -> bool:
    """What the element holds stays off the record: a password field, or a value compared with a secret."""
    return element.role == "password text" or (isinstance(spec, ExpectValue) and bool(secret_names(spec.value)))


def _detail(spec: TreeExpectation, element: Element, met: bool) -> str:
    what = f"the {element.role} {element.name or element.label!r}"
    if "defunct" in element.states:
        return f"{what} left the tree"
    if isinstance(spec, ExpectValue):
        held = element_value(element)
        says = f"{what} holds {len(str(held))} characters" if _private(spec, element) else f"{what} holds {held!r}"
        return says if met else f"{says}, not {spec.value!r}, after {spec.timeout_s:g} s"
    states = ", ".join(sorted(element.states)) or "none"
    name = spec.state if isinstance(spec, ExpectState) else spec.no_state
    is_or_not = "is" if has_state(name, said_states(element)) else "is not"
    said = f"{what} {is_or_not} {name} (states: {states})"
    return said if met else f"{said} after {spec.timeout_s:g} s"


def _number(text: str) -> float | None:
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None
