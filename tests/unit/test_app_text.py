"""OCR's lines put right by the text the app publishes (agent/verify/app_text.py): trial 9's misreads, and
what must stay as read. A shipped fake tree; words as OCR gives them."""

from __future__ import annotations

import time

import numpy as np

from actions.a11y.elements import TEXT_INTERFACE
from actions.a11y.fake import SHOWN, FakeTrees, element, snapshot
from actions.coords import DisplayProfile
from actions.frame import Frame
from agent.verify.app_text import as_the_app_says
from agent.verify.text import matches
from planners.grounding.ocr import Word, normalise

FRAME = Frame(np.zeros((800, 1280, 3), np.uint8), DisplayProfile(width=1280, height=800), time.monotonic(), time.time())
TEXT = frozenset({TEXT_INTERFACE})


def row(x: int, y: int, *texts: str) -> list[Word]:
    words = []
    for text in texts:
        words.append(Word(text, normalise(text), (x, y, 8 * len(text), 14), 90.0, (y,)))
        x += 8 * len(text) + 8
    return words


def test_a_display_misread_is_read_as_the_app_publishes_it() -> None:
    display = element("/d", "text", "", (300, 200, 400, 40), text="100÷8", interfaces=TEXT)
    trees = FakeTrees(snapshot(display))
    read = as_the_app_says(row(600, 212, "100+8|"), trees, FRAME)  # mate-calc's display, its caret beside it
    assert [w.text for w in read] == ["100÷8"]
    assert matches(read, "100÷8") and not matches(read, "100+8")


def test_a_terminal_line_is_put_right_by_its_own_line_and_the_rest_stays() -> None:
    screen = "$ echo R1-OK | tee out.txt\nR1-OK\n$"
    terminal = element("/t", "terminal", "", (0, 0, 800, 400), interfaces=TEXT)  # its text read on demand
    trees = FakeTrees(snapshot(terminal), text_script={terminal.ref: [screen]})
    words = row(10, 20, "$", "echo", "R1-0K", "|", "tee", "out.txt") + row(10, 40, "R1-0K") + row(10, 60, "$")
    read = as_the_app_says(words, trees, FRAME)
    # Word for word where the app's line has as many words: the others keep their reading and their box.
    assert [w.text for w in read] == ["$", "echo", "R1-OK", "|", "tee", "out.txt", "R1-OK", "$"]
    assert [w.box for w in read] == [w.box for w in words]
    assert len(matches(read, "/^R1-OK$/")) == 1


def test_what_the_app_does_not_hold_or_holds_as_read_stays_as_read() -> None:
    label = element("/l", "label", "Name:", (10, 10, 60, 20), text="Name:", interfaces=TEXT)
    field = element("/f", "text", "", (80, 10, 200, 20), text="", interfaces=TEXT, states=SHOWN | {"editable"})
    trees = FakeTrees(snapshot(label, field))
    words = row(12, 13, "Name:") + row(90, 13, "Search...")  # a placeholder: the field holds nothing
    assert as_the_app_says(words, trees, FRAME) == words
    unlike = element("/u", "label", "Total", (10, 100, 300, 20), text="Saved 3 files", interfaces=TEXT)
    words = row(12, 103, "Total:", "408")  # nothing like the label's text: OCR's reading stands
    assert as_the_app_says(words, FakeTrees(snapshot(unlike)), FRAME) == words
    assert as_the_app_says(words, None, FRAME) == words  # no tree: OCR alone
    assert as_the_app_says(words, FakeTrees(unavailable="no bus"), FRAME) == words


def test_a_line_ocr_saw_in_two_pieces_gets_no_words_it_did_not_see() -> None:
    # trial 9's S8: OCR split a prompt row in two lines; the first piece, put right as the whole row, had its
    # "tee out.txt" twice and no longer read as the prompt that was there before the action.
    row_text = "root@vm:/tmp/S8# cat nosuch.txt | tee out.txt"
    terminal = element("/t", "terminal", "", (0, 0, 1200, 400), interfaces=TEXT)
    trees = FakeTrees(snapshot(terminal), text_script={terminal.ref: [row_text + "\nroot@vm:/tmp/S8#"]})
    words = row(10, 20, "root@vm:/tmp/S8#", "cat", "nosuch.txt", "|") + row(700, 20, "tee", "out.txt")
    assert as_the_app_says(words, trees, FRAME) == words
