"""Typed text read back: a ``type`` into an element that holds text is judged by what the app says it holds.

A changed pixel proves that something was drawn, not that the field holds what was typed: a field with a
length limit keeps 6 of 16 pasted characters and still repaints. Where the focused element is editable and
has the Text interface (``agent.verify.focus`` found it before the action: a field, a text view; not a
terminal, whose text is a program's echo), its text is read back once the step settled:

* at the caret: the text up to the caret must end with the typed text, exactly (the typed text goes in at
  the caret, so text the field held before, around it, does not count; a text view's typed lines are the
  last part before its caret). An app that completes inline selects its suggestion after the typed text,
  the caret at the selection's end: the text before the selection counts then;
* in the field: where the app gives no caret, the field must contain the typed text, exactly;
* by length: a masked field (a password) shows only bullets, so the characters it took are counted.

A number typed into a spin button must also lie within the bounds its Value publishes: GTK keeps the text
as typed until the field commits it, then clamps it (yad's 0..100 field shows 250, prints 100).

Line ends are compared as ``\\n`` (``\\r\\n`` and ``\\r`` type as Enter). A text with a tab, or a newline typed
into a single-line field, moves the focus or submits: what the field holds then says nothing about the
text, so such a step is judged by its pixels, as is a rich text whose paragraphs are child objects
(measured: Chromium's contenteditable keeps its caret before the child the text went into), and every step
of an app without a tree.

A secret (``{{secret:NAME}}``) is compared, never written: the evidence gives only lengths, never the
field's text, and no crop of the field is saved.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from actions.a11y.elements import VALUE_INTERFACE
from actions.a11y.field_text import FieldText
from actions.errors import DeskpilotError
from actions.models import Type
from actions.secrets import reveal, secret_names
from actions.stopping import pause
from actions.text_match import PLAIN_SYMBOLS
from agent.run_dir import Seen
from agent.verify.context import Judgement, StepContext
from agent.verify.focus import CONTEXT_CHARS, KeyboardFocus, holds_typed_text
from agent.verify.place import Place, screen_box
from planners.verdicts import Verdict

if TYPE_CHECKING:
    from planners.grounding.tree import TreeSource

# The tree may lag the pixels a little (Chromium sends its tree from the renderer after it painted): a text
# that is not there yet is asked again for this long before the step is failed.
READBACK_WAIT_S = 1.0
_POLL_S = 0.02
_SHOWN_CHARS = 120  # what the field holds, at most this much of it in the evidence


@dataclass(frozen=True)
class ReadBack:
    """The comparison: whether the field holds the typed text, by which rule, and the evidence line."""

    held: bool
    rule: str  # "at the caret" | "in the field" | "by length"
    detail: str
    holds: str | None = None  # what the field holds around the caret (None for a secret or a masked field)


def read_back(ctx: StepContext) -> Judgement | None:
    """The verdict of a ``type`` by what the focused field holds; None where there is nothing to read back
    (no tree, not an editable text element, a tab or a newline that leaves the field): the pixels judge then."""
    action, focus, trees = ctx.action, ctx.focus, ctx.tools.trees
    if not isinstance(action, Type) or focus is None or trees is None or not holds_typed_text(focus.element):
        return None
    secret = bool(secret_names(action.text))
    try:
        typed = _lines(reveal(action.text) if secret else action.text)
    except KeyError:  # not set: the executor said so before anything was typed
        return None
    if "\t" in typed or ("\n" in typed and "multi-line" not in focus.element.states):
        return None
    deadline = time.monotonic() + READBACK_WAIT_S
    while True:
        after = None if "defunct" in _states(trees, focus) else _read(trees, focus, len(typed))
        if after is not None and after.objects:
            # A rich text whose paragraphs are child objects (Chromium's contenteditable): its caret stays in
            # the parent while the text goes into a child, so its own text says nothing about what was typed.
            return None
        if after is None:
            # The field left the tree: a page that replaced it as it was typed in (the focus is on its new
            # one), or a dialog that closed (nothing focused holds the text: the pixels judge it).
            return _moved_on(ctx, focus, typed, "", secret)
        single_line = "multi-line" not in focus.element.states
        result = compare_typed(
            typed, after, focus.before, masked=_masked(focus), secret=secret, single_line=single_line and not secret
        )
        if result.held or time.monotonic() >= deadline or pause(_POLL_S, ctx.cancel):
            break
    if not result.held and not _masked(focus):
        # A field that moves the focus on when full (a one-time code in parts): the rest is in the next one.
        taken = _lines(after.text[: after.caret] if after.caret is not None else after.text)
        moved = _moved_on(ctx, focus, typed, taken, secret)
        if moved is not None:
            return moved
    if result.held and not secret:
        result = _within_bounds(result, after, focus, trees)
    return _judgement(result, focus, ctx, secret)


def _states(trees: TreeSource, focus: KeyboardFocus) -> frozenset[str]:
    try:
        return trees.states(focus.element.ref)
    except DeskpilotError:
        return frozenset({"defunct"})


def _moved_on(ctx: StepContext, focus: KeyboardFocus, typed: str, taken: str, secret: bool) -> Judgement | None:
    """Where the focus went during the type, when it is another element that holds text: the typed text is
    read back across the two, the start that ``taken`` (the first element's text up to its caret) ends with,
    the rest at the new element's caret. Failed, saying where the focus went, when the first element took
    the start and the next one does not hold the rest (a second field that takes one character of three);
    None when the focus is on no other such element, or the first took none of it (then the first
    element's reading, or the pixels, judge)."""
    trees = ctx.tools.trees
    try:
        snapshot = trees.snapshot(ctx.settled.frame) if trees is not None else None
    except DeskpilotError:
        return None
    index = snapshot.focused() if snapshot is not None else None
    if snapshot is None or index is None or trees is None:
        return None
    element = snapshot.elements[index]
    if element.ref == focus.element.ref or not holds_typed_text(element):
        return None
    later = KeyboardFocus(element, tuple(snapshot.path(index)))
    after = _read(trees, later, len(typed))
    if after is None or after.objects:
        return None
    kept = next((size for size in range(min(len(typed), len(taken)), 0, -1) if taken.endswith(typed[:size])), 0)
    rest = compare_typed(typed[kept:], after, None, masked=_masked(later), secret=secret)
    if not rest.held and not kept:
        return None
    if kept:
        split = f"{kept} + {len(typed) - kept} characters" if secret else f"{typed[:kept]!r} + {typed[kept:]!r}"
        where = f"{focus.describe()} took the start, and the focus moved on to {later.describe()} ({split}): "
    else:
        where = f"{focus.describe()} left the tree; the focus is on {later.describe()}: "
    return _judgement(ReadBack(rest.held, rest.rule, where + rest.detail, rest.holds), later, ctx, secret)


def _within_bounds(result: ReadBack, after: FieldText, focus: KeyboardFocus, trees: TreeSource) -> ReadBack:
    """A number typed into a spin button is only text until the field commits it, when GTK clamps it to its
    bounds (yad's 0..100 field shows 250, then prints 100): outside the bounds the app publishes, the text
    held now is not what the app will take, so the step fails. A field whose value is the typed number
    already (Chromium's ``<input type=number>``) keeps it out of range, unclamped: the message says so."""
    element = focus.element
    if element.role != "spin button" and VALUE_INTERFACE not in element.interfaces:
        return result
    number = _number(after.text)
    bounds = trees.value_range(element.ref) if number is not None else None
    if number is None or bounds is None or bounds[0] <= number <= bounds[1]:
        return result
    low, high = bounds
    if trees.value(element.ref) == number:
        # Its value is the number already, out of range: the field keeps it (Chromium's number input, marked
        # invalid; a form refuses it), where GTK's value stays the old one until it commits the clamped text.
        kept = f"the field keeps {number:g}, out of its range (it does not clamp it)"
        return ReadBack(False, result.rule, f"{result.detail}, but it takes {low:g} to {high:g}: {kept}", result.holds)
    taken = min(max(number, low), high)
    detail = f"{result.detail}, but it takes {low:g} to {high:g}: {number:g} becomes {taken:g} once committed"
    return ReadBack(False, result.rule, detail, result.holds)


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return None


def compare_typed(
    typed: str,
    after: FieldText,
    before: FieldText | None = None,
    *,
    masked: bool = False,
    secret: bool = False,
    single_line: bool = False,
) -> ReadBack:
    """Whether ``after`` (the field read back) holds ``typed``; ``before`` is what it held before the action.

    Exactly, or else in the app's own symbols (``PLAIN_SYMBOLS``): a field that shows the typed "6*7" as "6×7"
    holds it."""
    what, typed = ("the secret" if secret else "the typed text"), _lines(typed)
    if masked:
        return _by_length(len(typed), after, before, what)
    text = _lines(after.text)
    completion = _completion(typed, after)
    if after.caret is not None:
        upto = _lines(after.text[: after.caret])
        untouched = _untouched(after, before)
        held = (upto.endswith(typed) or completion is not None) and not untouched
        rule, part = "at the caret", upto
    else:
        held, rule, part, untouched = typed in text, "in the field", text, False
    if secret:
        if held:
            return ReadBack(True, rule, f"the field holds the secret ({len(typed)} characters)")
        holds = f"{len(part)} characters up to its caret" if after.caret is not None else f"{len(text)} characters"
        return ReadBack(False, rule, f"the field holds {holds}; the secret has {len(typed)}")
    shown = _excerpt(text, after.caret)
    if held and single_line and (left := _left_beside(typed, after, before)) is not None:
        selected, kept = left
        why = (
            f"the typed text replaced only the part the app had selected ({selected!r}) and {kept!r} stayed beside "
            "it; select the whole field first (key ctrl+a) to replace it, or, where the rest is meant to stay, say "
            'what the field must hold ("expect": {"value": ..., "target": ...})'
        )
        return ReadBack(False, rule, f"the field holds {shown!r}: {why}", shown)
    if held:
        completed = f", then the app's selected completion {completion!r}" if completion else ""
        return ReadBack(True, rule, f"the field holds {what}: {shown!r}{completed}", shown)
    if _in_own_symbols(typed, after, before, single_line):
        return ReadBack(True, rule, f"the field holds the typed text, in the app's own symbols: {shown!r}", shown)
    why = f"it is as it was: it took none of the {len(typed)} typed characters" if untouched else _why(typed, part)
    return ReadBack(False, rule, f"the field holds {shown!r} ({len(text)} characters): {why}", shown)


def _in_own_symbols(typed: str, after: FieldText, before: FieldText | None, single_line: bool) -> bool:
    """Whether the field holds the typed text once both are read with ``PLAIN_SYMBOLS``'s plain forms (never
    again: those forms have nothing left to translate)."""
    plain_typed, plain_text = typed.translate(PLAIN_SYMBOLS), after.text.translate(PLAIN_SYMBOLS)
    if (plain_typed, plain_text) == (typed, after.text):
        return False  # no symbol an app redraws
    plain_before = None if before is None else replace(before, text=before.text.translate(PLAIN_SYMBOLS))
    return compare_typed(plain_typed, replace(after, text=plain_text), plain_before, single_line=single_line).held


def _left_beside(typed: str, after: FieldText, before: FieldText | None) -> tuple[str, str] | None:
    """A single-line field where the keys typed over a selection that was only part of it (a file chooser
    selects a name's stem, "notes" of "notes.txt"): what was selected and what stayed beside the typed text
    ("/tmp/b.txt" typed makes "/tmp/b.txt.txt"). The typed text is not the field's value then, and nothing
    says the step meant to keep the rest. None: no such leftover (nothing selected, all of it selected)."""
    if before is None or before.selection is None or before.start != 0 or len(before.text) != before.length:
        return None
    start, end = before.selection
    if start >= end or (start, end) == (0, len(before.text)):
        return None
    kept = before.text[:start] + before.text[end:]
    whole = _lines(before.text[:start]) + typed + _lines(before.text[end:])
    return (before.text[start:end], kept) if kept.strip() and _lines(after.text) == whole else None


def _untouched(after: FieldText, before: FieldText | None) -> bool:
    """The field is exactly as it was, caret included, and nothing was selected to be typed over: the keys
    went nowhere (a full length-limited field already ending with the text typed into it again)."""
    if (
        before is None
        or before.caret is None
        or (before.selection is not None and before.selection[0] != before.selection[1])
    ):
        return False
    return (after.text, after.caret, after.length, after.start) == (
        before.text,
        before.caret,
        before.length,
        before.start,
    )


def _completion(typed: str, after: FieldText) -> str | None:
    """What an app that completes inline (a URL bar, a combo box) put after the typed text: its suggestion,
    selected, with the caret at the end of the selection (typing on replaces it). None: no such completion."""
    selection, caret = after.selection, after.caret
    if selection is None or caret is None or caret != selection[1]:
        return None
    start, end = selection
    return after.text[start:end] if _lines(after.text[:start]).endswith(typed) else None


def _by_length(count: int, after: FieldText, before: FieldText | None, what: str) -> ReadBack:
    """A masked field: how many characters it took (its caret moved by, or its length grew by)."""
    if before is not None and before.caret is not None and after.caret is not None:
        took, how = after.caret - before.caret, "its caret moved by"
    elif before is not None:
        took, how = after.length - before.length, "it grew by"
    else:
        took, how = (after.caret if after.caret is not None else after.length), "it holds"
    detail = f"the masked field: {how} {took} characters, {what} has {count}"
    return ReadBack(took == count, "by length", detail)


def _why(typed: str, part: str) -> str:
    """Which way a field differs: it kept only the start (a length limit), or it changed the text."""
    kept = next((size for size in range(min(len(typed), len(part)), 0, -1) if part.endswith(typed[:size])), 0)
    if 0 < kept < len(typed):
        return f"it took only the first {kept} of the {len(typed)} typed characters"
    return f"it does not hold the {len(typed)} typed characters exactly (reformatted, or characters dropped)"


def _excerpt(text: str, caret: int | None) -> str:
    """The field's text for the evidence: the part up to (and a little past) the caret when it is long."""
    if len(text) <= _SHOWN_CHARS:
        return text
    end = len(text) if caret is None else min(len(text), caret + 20)
    return "…" + text[max(0, end - _SHOWN_CHARS) : end]


def _judgement(result: ReadBack, focus: KeyboardFocus, ctx: StepContext, secret: bool) -> Judgement:
    frame = ctx.settled.frame
    element = focus.element
    box = element.box
    place = screen_box(frame, (box.x, box.y, box.width, box.height), "the focused field") if box else None
    region = place.bbox if isinstance(place, Place) and not secret else None  # no crop of a secret
    seen = Seen(
        expected=f"the typed text in {focus.describe()}, read back from the app ({result.rule})",
        detail=f"read back ({result.rule}): {result.detail}",
        region=region,
        field_text=result.holds,
    )
    return Judgement(Verdict.READ_BACK if result.held else Verdict.FAILED, frame, seen)


def _read(trees: TreeSource, focus: KeyboardFocus, typed_chars: int) -> FieldText | None:
    """A single-line field whole; a text view only around its caret (a document may be megabytes)."""
    multi = "multi-line" in focus.element.states
    span = typed_chars + CONTEXT_CHARS if multi else -1
    try:
        return trees.caret_text(focus.element.ref, before=span, after=CONTEXT_CHARS if multi else -1)
    except DeskpilotError:
        return None


def _masked(focus: KeyboardFocus) -> bool:
    """A password field (the tree's role): it shows a bullet for each character, never the characters."""
    return focus.element.role == "password text"


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
