"""Judging ``{"text"}`` and ``{"no_text"}``: OCR of one place, polled until it holds or time runs out.

The place is the action's region unless the expectation names a scope (``agent.verify.place``). Only
words whose centre lies in the place count, so a button labelled "4" elsewhere never meets
``{"text": "4"}`` meant for a display. A met step records the box where the text was; a text that was
already there before the action, the same words at the same box, proves nothing about it: ``unproven``,
which is not a pass (the text on a new line, or new words where it was, does prove it), and so is a
submitted typed line's own echo (agent.verify.echo), unless the tree says it went into an editor. Nor do
pixels that did not change: OCR reads one row two ways now and then.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence

from actions.expectations import ExpectNoText, ExpectText
from actions.frame import Frame
from actions.text_match import TextPattern
from agent.motion import Box
from agent.run_dir import Seen
from agent.verify import judges
from agent.verify.app_text import as_the_app_says
from agent.verify.context import Judgement, StepContext
from agent.verify.drawn import drawn_before, match_box
from agent.verify.echo import ECHO, PROMPT, is_echo, is_prompt, submitted_lines, submitted_sides
from agent.verify.near import words_in
from agent.verify.place import NoPlace, Place, text_place
from agent.verify.poll import next_different, out_of_time
from agent.verify.readback import read_back
from planners.grounding.ocr import TextMatch, Word, find_label, text_blobs
from planners.verdicts import Verdict

_MAX_WORDS = 200  # what the record keeps of the words read there
_SCROLLED_WORDS = 3  # words that moved by one shift before a scroll is believed
ALREADY_THERE = "already there before the action: this proves nothing"


@judges(ExpectText)
def judge_text(spec: ExpectText, ctx: StepContext) -> Judgement:
    return _judge(spec, spec.text, ctx)


@judges(ExpectNoText)
def judge_no_text(spec: ExpectNoText, ctx: StepContext) -> Judgement:
    return _judge(spec, spec.no_text, ctx)


def matches(words: Sequence[Word], wanted: str | TextPattern, frame: Frame | None = None) -> list[TextMatch]:
    """Where the words read ``wanted``, by the one text rule (actions.text_match); ``frame``: the one they
    were read off, whose text blobs bound an exact text as they do for a target (a key in a row of keys)."""
    return find_label(words, wanted, blobs=text_blobs(frame) if frame is not None else ())


def _judge(spec: ExpectText | ExpectNoText, wanted: str, ctx: StepContext) -> Judgement:
    deadline = time.monotonic() + spec.timeout_s
    frame, present = ctx.settled.frame, isinstance(spec, ExpectText)
    pattern = TextPattern.parse(wanted, exact=spec.exact)
    proof = _Proof(ctx, pattern)
    while True:
        place = text_place(spec, ctx, frame)
        words = words_in(ctx.tools.reader, frame, place.boxes) if isinstance(place, Place) else []
        words = as_the_app_says(words, ctx.tools.trees, frame)
        found = matches(words, pattern, frame)
        # A text that must show is met only by a match that proves the action (see _Proof): polled on until one
        # does, so a command's output that follows its echo (or last run's leftover) is still waited for.
        proven = proof.new(found, words, place, frame) if present and isinstance(place, Place) else []
        met = isinstance(place, Place) and (bool(proven) if present else not found)
        if met or out_of_time(deadline, ctx.cancel):
            break
        frame = next_different(ctx.screen, frame, deadline, ctx.cancel)
    if isinstance(place, NoPlace):
        verdict = Verdict.NO_PLACE if spec.near is None and spec.in_window is None else Verdict.FAILED
        return Judgement(verdict, frame, Seen(expected=spec.describe(), detail=f"nowhere to look: {place.why}"))
    seen = Seen(
        expected=spec.describe(),
        detail=_detail(spec, wanted, bool(found) == present),
        region=place.bbox,
        region_windows=place.windows,
        words=[w.text for w in words][:_MAX_WORDS],
        found=match_box((proven or found)[0]) if found else None,
    )
    if present and found and not proven:
        why = proof.why_not or ECHO
        seen = seen.model_copy(update={"already_there": why == ALREADY_THERE, "detail": f"{seen.detail}; {why}"})
        return Judgement(Verdict.UNPROVEN, frame, seen)
    return Judgement(Verdict.MET if met else Verdict.FAILED, frame, seen)


class _Proof:
    """Which matches prove the action: new ones, not the typed line's own echo.

    Only a match that is new proves the action: a leftover "42" or last run's "FINISHED", the same words at
    the same box, may be all there is. A new line ("FINISHED" printed under the typed "echo FINISHED") or new
    words at the old place ("Applied 2 time(s)" for "Applied 1 ...") are new. A terminal or a log that
    scrolled moved its old lines up: the same words, one shift higher, are old. And a submitted typed line's
    own echo is new but proves nothing, nor the prompt it was typed at drawn again under it (agent.verify.echo)."""

    def __init__(self, ctx: StepContext, pattern: TextPattern) -> None:
        self.ctx, self.pattern = ctx, pattern
        self.sides = submitted_sides(ctx.action, pattern)
        self.typed = submitted_lines(ctx.action)
        self._before: dict[tuple[Box, ...], tuple[list[Word], list[TextMatch]]] = {}
        self.why_not = ""  # why the last matches proved nothing: ALREADY_THERE, ECHO or PROMPT
        self._document: bool | None = None  # whether the typed text went into an editor (asked once)

    def new(self, found: list[TextMatch], words: Sequence[Word], place: Place, frame: Frame) -> list[TextMatch]:
        if not found:
            return []
        key = tuple(place.boxes)
        if key not in self._before:  # the frame before the action, read once per place
            before_words = words_in(self.ctx.tools.reader, self.ctx.before, place.boxes)
            before_words = as_the_app_says(before_words, self.ctx.tools.trees, self.ctx.before)
            self._before[key] = (before_words, matches(before_words, self.pattern, self.ctx.before))
        before_words, before = self._before[key]
        # Once it scrolled, what was at a place before has moved on: a match there now is new (the FINISHED a
        # command printed on the row where the last one was before the scroll).
        dy = scroll_shift(before_words, words)
        fresh = [
            m
            for m in found
            if not any(_unchanged(m, old, dy) for old in before) and not drawn_before(m, frame, self.ctx.before, dy)
        ]
        not_echo = [m for m in fresh if not is_echo(m, words, self.sides)]
        proven = [m for m in not_echo if not is_prompt(m, words, before_words, self.typed)]
        if not proven and len(not_echo) < len(fresh) and self._typed_into_a_document():
            proven = fresh  # an editor's line, not a terminal's echo: the typed text showing is the work
        self.why_not = "" if proven else (PROMPT if not_echo else ECHO if fresh else ALREADY_THERE)
        return proven

    def _typed_into_a_document(self) -> bool:
        """Whether the app's tree says the focused element is an editable text that holds the typed lines now
        (the read back): an editor (trial 10: SciTE, "Total: 42\\n" then ``{"text": "42"}``), where a typed
        line is text in the document, not a command a shell echoed. A terminal publishes no editable text."""
        if self._document is None:
            read = read_back(self.ctx)
            self._document = read is not None and read.verdict == Verdict.READ_BACK
        return self._document


def _detail(spec: ExpectText | ExpectNoText, wanted: str, met: bool) -> str:
    if isinstance(spec, ExpectText):
        return f"the text {wanted!r} " + ("was found" if met else f"was not found within {spec.timeout_s:g} s")
    return f"the text {wanted!r} " + ("is gone" if met else f"was still there after {spec.timeout_s:g} s")


def _unchanged(now: TextMatch, before: TextMatch, dy: int = 0) -> bool:
    """The same words read at the same place before the action (``dy`` pixels higher or lower, scrolled)."""
    same_words = [w.text for w in now.words] == [w.text for w in before.words]
    left, top, right, bottom = match_box(before)
    return same_words and _same_place(match_box(now), (left, top + dy, right, bottom + dy))


def scroll_shift(before: Sequence[Word], now: Sequence[Word]) -> int:
    """How far (pixels, up is negative) the text scrolled between two readings of one place: the vertical
    shift most words read in both share at the same left edge, when at least ``_SCROLLED_WORDS`` of them and
    a third of what was read agree; else 0 (nothing scrolled, or nothing says so)."""
    at: dict[str, list[tuple[int, int]]] = {}
    for word in before:
        at.setdefault(word.text, []).append((word.box[0], word.box[1]))
    votes: Counter[int] = Counter()
    for word in now:
        shifts = {word.box[1] - y for x, y in at.get(word.text, ()) if abs(word.box[0] - x) <= 2}
        votes.update(shift for shift in shifts if shift != 0)
    if not votes:
        return 0
    shift, count = votes.most_common(1)[0]
    return shift if count >= _SCROLLED_WORDS and 3 * count >= len(now) else 0


def _same_place(a: Box, b: Box) -> bool:
    """Whether two boxes (left, top, right, bottom) mostly cover each other: the same text where it was."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return False
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return width * height >= 0.5 * max(1, smaller)
