"""How far a terminal's text scrolled between two readings: the shift its old words share."""

from __future__ import annotations

from agent.verify.text import scroll_shift
from planners.grounding.ocr import Word


def row(y: int, *texts: str) -> list[Word]:
    return [Word(text, text.lower(), (10 + 60 * i, y, 50, 14), 90.0, (y,)) for i, text in enumerate(texts)]


def test_old_lines_one_row_higher_are_a_scroll_of_one_row() -> None:
    before = [*row(100, "18"), *row(117, "19"), *row(134, "20"), *row(151, "FINISHED"), *row(168, "$", "false")]
    now = [*row(83, "18"), *row(100, "19"), *row(117, "20"), *row(134, "FINISHED"), *row(151, "$", "false")]
    now += row(168, "$")  # the new prompt
    assert scroll_shift(before, now) == -17


def test_nothing_shared_or_too_few_words_is_no_scroll() -> None:
    assert scroll_shift(row(100, "a", "b"), row(120, "c", "d")) == 0
    assert scroll_shift(row(100, "a", "b"), row(117, "a", "b")) == 0  # two words are not enough to say
    still = [*row(100, "x", "y", "z"), *row(117, "u", "v")]
    assert scroll_shift(still, still) == 0  # the same place: nothing moved
