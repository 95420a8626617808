"""A typed line's own echo proves nothing about what the line did.

``type "false && echo T6-DONE\\n"`` with ``{"text": "T6-DONE"}``: a terminal draws the command as it is typed,
so "T6-DONE" is on the screen, new, before the shell has run anything, and it met the check although the
shell printed nothing (trial 8, a false success). A match is that echo when the characters beside it on its
line are the ones beside the expected text in a submitted typed line ("echo" before "T6-DONE"); the command's
output, "T6-DONE" on a line of its own, has none. Beside means up to ``_CONTEXT`` characters on either side,
so a long command the terminal wrapped onto the next row is still told by the side that stayed. A typed line
that is the expected text and nothing more ("hello" sent to a chat) cannot be told from its own echo, and a
line that was not submitted (no newline after it) is one whose showing is what the check asks: both are
judged as before.

The prompt a typed line went into proves nothing either: ``type "false\n"`` with ``{"text": "R2"}`` in a shell
whose prompt names its folder R2 was met by the new prompt the shell drew under the command, word for word the
one before (trial 9, sakura). A match on a line whose whole text begins another line of the screen, where the
rest of that line is a submitted typed line, is that prompt drawn again (``is_prompt``); a command's output
repeating an earlier line ("DONE" under a second ``echo DONE``) has no such line beside it and still counts.

Neither rule holds where the keys went into an editor (the app's tree: an editable text that now holds the
typed lines, agent.verify.text): there a typed line is the document's text, and its showing is the work.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import NamedTuple

from actions.models import Action, Type
from actions.text_match import TextPattern, fold
from planners.grounding.ocr import TextMatch, Word
from planners.grounding.ocr_lines import group_lines

ECHO = "only the typed line's own echo shows it: this proves nothing about what the line did"
PROMPT = "only the prompt the typed line went into, drawn again under it, shows it: this proves nothing"
_LINE_GAP = 1.5  # text heights between words of one line, as targets and expectations read lines
_CONTEXT = 10  # folded characters on each side of the expected text that tell its echo
_MIN_SIDE = 3  # a side with fewer typed characters tells nothing
_ECHOED = 0.8  # the share of a side's characters the screen must show there, in order (OCR misreads a few)


class Beside(NamedTuple):
    """The folded characters just before and just after the expected text in a typed line."""

    left: str
    right: str


def submitted_sides(action: Action, pattern: TextPattern) -> list[Beside]:
    """For a ``type`` whose submitted lines (each followed by a newline) hold the expected text: what is
    beside it there, folded (``actions.text_match.fold``); [] when no echo can be told apart."""
    if not isinstance(action, Type):
        return []
    sides = []
    # Every line end types as Enter ("\r\n" and "\r" too); the part after the last one was not sent.
    for line in re.split(r"\r\n|\r|\n", action.text)[:-1]:
        for span in pattern.search(line):
            side = Beside(fold(line[: span.start])[-_CONTEXT:], fold(line[span.end :])[:_CONTEXT])
            if max(len(side.left), len(side.right)) >= _MIN_SIDE:
                sides.append(side)
    return sides


def is_echo(match: TextMatch, words: Sequence[Word], sides: Sequence[Beside]) -> bool:
    """Whether the screen shows, beside ``match`` on its line, what one of ``sides`` has: the typed line."""
    if not sides:
        return False
    first, last = match.words[0], match.words[-1]
    line = next((line for line in group_lines(words, _LINE_GAP) if first in line), [first])
    own = {id(word) for word in match.words}
    # A match cut out of a longer word ("T6-DONE;" read as one word) has the rest of that word beside it.
    head = first.text[: round(match.cut[0] * len(first.text))]
    tail = last.text[round(match.cut[1] * len(last.text)) :]
    before = [w.text for w in line if id(w) not in own and w.box[0] < first.box[0]] + [head]
    after = [tail] + [w.text for w in line if id(w) not in own and w.box[0] > last.box[0]]
    # Twice as much of the screen as of the typed line: OCR adds now and then (a word read twice from two
    # overlapping text blobs, "T-DONE T-DONE | tee tee" in trial 8's qterminal), and the typed side is found in
    # order within it all the same.
    left, right = fold(" ".join(before))[-2 * _CONTEXT :], fold(" ".join(after))[: 2 * _CONTEXT]
    return any(_shows(typed.left, left) or _shows(typed.right, right) for typed in sides)


def _shows(typed: str, screen: str) -> bool:
    if len(typed) < _MIN_SIDE:
        return False
    kept = sum(block.size for block in SequenceMatcher(None, typed, screen, autojunk=False).get_matching_blocks())
    return kept >= _ECHOED * len(typed)


def submitted_lines(action: Action) -> list[str]:
    """A ``type``'s submitted lines (each followed by a newline), folded; those too short to tell left out."""
    if not isinstance(action, Type):
        return []
    lines = [fold(line) for line in re.split(r"\r\n|\r|\n", action.text)[:-1]]
    return [line for line in lines if len(line) >= _MIN_SIDE]


def is_prompt(match: TextMatch, words: Sequence[Word], before: Sequence[Word], typed: Sequence[str]) -> bool:
    """Whether ``match`` lies on a line that reads as a whole line of the screen ``before`` the action (the
    prompt, alone on its row) and another line now reads as that line followed by one of the ``typed`` lines
    (``submitted_lines``): the prompt the line was typed at, drawn again for the next one. "Reads as": 80% alike,
    OCR reads a caret beside a prompt as "I" one time and not the next."""
    if not typed:
        return False
    lines = group_lines(words, _LINE_GAP)
    own = next((line for line in lines if match.words[0] in line), None)
    if own is None:
        return False
    now = _text(own)
    prompts = [text for line in group_lines(before, _LINE_GAP) if _alike(text := _text(line), now)]
    # Output that merely starts like the echo line ("R2" under "R2-box $ echo R2") was no line before: new.
    for line in lines:
        text = _text(_row(line, words))  # the whole row: OCR splits a long echoed line where it leaves a gap
        if line is not own and any(
            _alike(text[: len(prompt)], prompt) and any(_shows(t, text[len(prompt) :]) for t in typed)
            for prompt in prompts
        ):
            return True
    return False


def _alike(a: str, b: str) -> bool:
    return len(a) >= _MIN_SIDE and SequenceMatcher(None, a, b, autojunk=False).ratio() >= _ECHOED


def _row(line: Sequence[Word], words: Sequence[Word]) -> list[Word]:
    """The words on the row of ``line`` from its start rightwards, left to right (centres within its height)."""
    top = min(w.box[1] for w in line)
    bottom = max(w.box[1] + w.box[3] for w in line)
    left = min(w.box[0] for w in line)
    on_row = [w for w in words if top <= w.box[1] + w.box[3] / 2 <= bottom and w.box[0] >= left]
    return sorted(on_row, key=lambda w: w.box[0])


def _text(line: Sequence[Word]) -> str:
    return fold(" ".join(w.text for w in line))
