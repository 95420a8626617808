"""What OCR read, put right by what the app says it shows: a text expectation reads the tree before pixels.

OCR misreads what toolkits publish exactly: mate-calc's display "100÷8" was read "100+8" (a check for
"100+8" was met, one for "100÷8" failed), sakura's "R1-OK" was read "R1-0K" (an exact or regex check
failed). GTK, Qt, VTE and Chromium publish the text of their labels, fields, documents and terminals
(the Text interface), so each line OCR read inside such an element is compared with the element's own
lines, and one that is alike (``ALIKE`` of its characters, a caret read as "|" aside) but not the same
is taken as the app says it. A line the element does not hold is left as read: the app's text only puts
a reading right, it never adds words OCR did not see (a field's text scrolled out of view, a document's
lines off the screen). Without a tree, or where the app publishes no text: OCR alone, as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from actions.a11y.elements import TEXT_INTERFACE, Box, Snapshot
from actions.coords import ImagePixel
from actions.errors import DeskpilotError
from actions.frame import Frame
from actions.text_match import fold
from planners.grounding.ocr import Word, normalise
from planners.grounding.ocr_lines import group_lines

if TYPE_CHECKING:
    from planners.grounding.tree import TreeSource

ALIKE = 0.7  # of the characters of the two, folded: "100+8" and "100÷8", "R1-0K" and "R1-OK" are alike
_LINE_GAP = 1.5  # text heights between the words of one line, as expectations read lines
_MAX_CHARS = 100_000  # a document's text beyond this is not read for a check (a log of megabytes)
_CARETS = "|"  # a text caret beside a line is read as a bar
_LENGTH_SLACK = 0.15  # a line put right as one word: at most this share of its characters more or fewer


def as_the_app_says(words: Sequence[Word], trees: TreeSource | None, frame: Frame) -> list[Word]:
    """``words`` (OCR's, of ``frame``), each line inside an element that publishes its text put right by
    the element's own line most like it."""
    if trees is None or not words:
        return list(words)
    try:
        snapshot = trees.snapshot(frame)
    except DeskpilotError:  # no bus, or the window publishes no tree (Tk, Athena): OCR alone
        return list(words)
    holders = _text_holders(snapshot)
    if not holders:
        return list(words)
    lines_of: dict[int, list[str]] = {}
    out: list[Word] = []
    for line in group_lines(words, _LINE_GAP):
        for index, segment in _segments(line, holders, frame):
            if index is not None and index not in lines_of:
                lines_of[index] = _lines(trees, snapshot, index)
            said = _said(segment, lines_of.get(index, []) if index is not None else [])
            out.extend(segment if said is None else _put_right(segment, said))
    return out


def _put_right(segment: Sequence[Word], said: str) -> list[Word]:
    """The segment's words as the app says them: word for word where it says as many (each keeps its box, so
    what stayed where it was still reads the same), else one word, where the lengths agree; else as read."""
    tokens = said.split()
    if len(tokens) == len(segment):
        return [
            w if normalise(t) == w.key else dataclasses.replace(w, text=t, key=normalise(t))
            for w, t in zip(segment, tokens, strict=True)
        ]
    read = fold(" ".join(w.text for w in segment)).strip(_CARETS)
    if abs(len(fold(said)) - len(read)) > max(2, _LENGTH_SLACK * len(read)):
        return list(segment)  # a line OCR saw part of (or split in two): never words it did not see
    return [_one_word(said, segment)]


def _text_holders(snapshot: Snapshot) -> list[tuple[int, Box]]:
    """The visible elements that publish their text, smallest first (a field before the panel around it)."""
    found = []
    for index, element in enumerate(snapshot.elements):
        if element.text is None and TEXT_INTERFACE not in element.interfaces:
            continue
        box = snapshot.visible_box(index)
        if box is not None and not box.empty:
            found.append((index, box))
    return sorted(found, key=lambda item: item[1].width * item[1].height)


def _segments(
    line: Sequence[Word], holders: Sequence[tuple[int, Box]], frame: Frame
) -> list[tuple[int | None, list[Word]]]:
    """The line cut where its words pass from one element to the next (a label and the field beside it)."""
    segments: list[tuple[int | None, list[Word]]] = []
    for word in line:
        x, y, w, h = word.box
        at = frame.profile.image_to_screen(ImagePixel(x + w / 2, y + h / 2))
        index = next(
            (i for i, box in holders if box.x <= at.x < box.x + box.width and box.y <= at.y < box.y + box.height), None
        )
        if segments and segments[-1][0] == index:
            segments[-1][1].append(word)
        else:
            segments.append((index, [word]))
    return segments


def _lines(trees: TreeSource, snapshot: Snapshot, index: int) -> list[str]:
    element = snapshot.elements[index]
    text = element.text
    if text is None:
        try:
            text = trees.text(element.ref)
        except DeskpilotError:
            return []
    if not text or len(text) > _MAX_CHARS:
        return []
    return [line.strip() for line in text.splitlines() if line.strip()]


def _said(segment: Sequence[Word], lines: Sequence[str]) -> str | None:
    """The element's line that the segment is a misreading of; None when it reads as one already or is
    like none of them."""
    read = fold(" ".join(w.text for w in segment)).strip(_CARETS)
    if not read or not lines:
        return None
    folded = [(fold(line), line) for line in lines]
    if any(said == read for said, _ in folded):
        return None
    ratio, line = max((SequenceMatcher(None, read, said, autojunk=False).ratio(), line) for said, line in folded)
    return line if ratio >= ALIKE else None


def _one_word(text: str, segment: Sequence[Word]) -> Word:
    left = min(w.box[0] for w in segment)
    top = min(w.box[1] for w in segment)
    right = max(w.box[0] + w.box[2] for w in segment)
    bottom = max(w.box[1] + w.box[3] for w in segment)
    return Word(text, normalise(text), (left, top, right - left, bottom - top), 100.0, segment[0].line)
