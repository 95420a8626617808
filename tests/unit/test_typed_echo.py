"""A submitted typed line's own echo is told from its output by what is beside the expected text (trial 8:
``type "false && echo T6-DONE\\n"`` met ``{"text": "T6-DONE"}`` with the shell's echo of the command)."""

from __future__ import annotations

import pytest

from actions.models import Type
from actions.text_match import TextPattern
from agent.verify.echo import is_echo, is_prompt, submitted_lines, submitted_sides
from agent.verify.text import matches
from planners.grounding.ocr import Word


def row(y: int, *texts: str) -> list[Word]:
    """Words on one row, left to right, each 8 px a character and 8 px apart."""
    words, x = [], 10
    for text in texts:
        words.append(Word(text, text.lower(), (x, y, 8 * len(text), 14), 90.0, (y,)))
        x += 8 * len(text) + 8
    return words


def echoes(typed: str, wanted: str, words: list[Word]) -> list[bool]:
    pattern = TextPattern.parse(wanted)
    sides = submitted_sides(Type(text=typed), pattern)
    return [is_echo(match, words, sides) for match in matches(words, pattern)]


COMMAND = "false && echo T6-DONE\n"


def test_the_echoed_command_is_an_echo_and_its_output_line_is_not() -> None:
    echoed = row(20, "$", "false", "&&", "echo", "T6-DONE")
    assert echoes(COMMAND, "T6-DONE", echoed + row(40, "$")) == [True]  # the shell printed nothing
    assert echoes(COMMAND, "T6-DONE", row(20, "T6-DONE") + row(40, "$")) == [False]  # its output alone
    # Both on the screen: the output line is the whole-line match, the one found (find_label's rule).
    assert echoes(COMMAND, "T6-DONE", echoed + row(40, "T6-DONE") + row(60, "$")) == [False]


def test_every_line_end_submits_a_line() -> None:
    echoed = row(20, "$", "false", "&&", "echo", "T6-DONE")
    for end in ("\r\n", "\r"):
        assert echoes(f"false && echo T6-DONE{end}", "T6-DONE", echoed) == [True], repr(end)


def test_a_few_misread_characters_still_make_an_echo() -> None:
    assert echoes(COMMAND, "T6-DONE", row(20, "$", "fa1se", "&&", "ech0", "T6-DONE")) == [True]


def test_a_wrapped_command_is_told_by_the_side_that_stayed_on_the_row() -> None:
    typed = "false && echo T6-DONE; echo ran > /tmp/pytest-of-root/pytest-7/some-test0/ran.txt\n"
    screen = row(20, "$", "false", "&&", "echo", "T6-DONE;", "echo", "ran", ">", "/tmp/pytest-of-") + row(
        40, "root/pytest-7/some-test0/ran.txt"
    )
    assert echoes(typed, "T6-DONE", screen) == [True]  # "T6-DONE;" read as one word: the ';' is beside it


def test_a_word_read_twice_beside_the_match_still_makes_an_echo() -> None:
    # trial 8, qterminal: a wrapped command's second row read as "T-DONE T-DONE | tee tee /tmp/...": the row
    # starts with the match, and what follows it holds the typed side with OCR's extra words between
    typed = "test -d /nonexistent && echo T-DONE | tee /tmp/trial8/work/T4/out.txt\n"
    screen = row(20, "root@vm:/tmp/trial8/work/T4#", "test", "-d", "/nonexistent", "&&", "echo", "?") + row(
        40, "T-DONE", "T-DONE", "|", "tee", "tee", "/tmp/trial8/work/T4/out.txt"
    )
    assert echoes(typed, "T-DONE", screen) == [True, True]  # each of the two reads of the word


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("false && echo T6-DONE", "not submitted: the line showing is what the check asks"),
        ("T6-DONE\n", "nothing beside it: an echo cannot be told from a result"),
        ("echo other\n", "the typed line does not hold the expected text"),
    ],
)
def test_no_echo_is_told_where_the_typed_line_says_nothing(typed: str, why: str) -> None:
    screen = row(20, "$", "false", "&&", "echo", "T6-DONE")
    assert submitted_sides(Type(text=typed), TextPattern.parse("T6-DONE")) == [], why
    assert echoes(typed, "T6-DONE", screen) == [False], why


def prompts(typed: str, wanted: str, words: list[Word], before: list[Word]) -> list[bool]:
    lines = submitted_lines(Type(text=typed))
    return [is_prompt(match, words, before, lines) for match in matches(words, TextPattern.parse(wanted))]


PROMPT = row(20, "root@vm:/tmp/R2#")  # the screen before: the prompt alone, waiting


def test_the_prompt_drawn_again_under_the_command_is_not_its_output() -> None:
    # trial 9, sakura: `false` typed in a folder named R2; the new prompt, word for word the old one, held "R2".
    # The first row's match was there before the action (the judge's "already there"); the second is the prompt.
    screen = row(20, "root@vm:/tmp/R2#", "false") + row(40, "root@vm:/tmp/R2#")
    assert prompts("false\n", "R2", screen, PROMPT) == [False, True]
    misread = row(20, "root@vm:/tmp/R2#", "fa1se") + row(40, "root@vm:/tmp/R2#")  # OCR misreads a few
    assert prompts("false\n", "R2", misread, PROMPT) == [False, True]
    # trial 9's S8: OCR read the echoed row as two lines, a gap between "|" and "tee" (and the "|" not at all).
    split = row(20, "root@vm:/tmp/R2#", "cat", "nosuch.txt") + [
        Word(t, t, (600 + 80 * n, 20, 8 * len(t), 14), 90.0, (20,)) for n, t in enumerate(("tee", "out.txt"))
    ]
    assert prompts("cat nosuch.txt | tee out.txt\n", "R2", split + row(40, "root@vm:/tmp/R2#"), PROMPT) == [False, True]


def test_output_that_repeats_an_earlier_line_or_starts_like_the_prompt_is_still_output() -> None:
    # A second `echo DONE`: "DONE" under it repeats the first one's output; no line is "DONE" and the command.
    before = row(20, "$", "echo", "DONE") + row(40, "DONE") + row(60, "$")
    screen = before[:-1] + row(60, "$", "echo", "DONE") + row(80, "DONE") + row(100, "$")
    assert prompts("echo DONE\n", "DONE", screen, before) == [False, False]
    # "R2" printed under "R2-box $ echo R2": the echo line begins with it, but no line was "R2" before.
    screen = row(20, "R2-box", "$", "echo", "R2") + row(40, "R2") + row(60, "R2-box", "$")
    assert prompts("echo R2\n", "/^R2$/", screen, row(20, "R2-box", "$")) == [False]
    # Nor is a line typed without its Enter (nothing submitted: no prompt drawn again).
    screen = row(20, "root@vm:/tmp/R2#", "false") + row(40, "root@vm:/tmp/R2#")
    assert prompts("false", "R2", screen, PROMPT) == [False, False]
