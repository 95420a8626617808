"""Where a ``near`` band stops (agent.verify.near): by the tree, at the next field under the field on the
target's row; by OCR, at the next row that holds a label and, apart from it, what is beside it; never at a
single line under the target (a result, a card's value)."""

from __future__ import annotations

from actions.a11y.fake import FakeTrees, element, snapshot
from actions.coords import ScreenPoint
from actions.frame import FakeScreen
from agent.verify.near import next_field_top, next_row_top
from planners.grounding.ocr_engine import Word


def word(text: str, x: int, y: int, width: int, height: int = 14) -> Word:
    return Word(text=text, key=text.lower(), box=(x, y, width, height), conf=90.0, line=())


NAME = word("Name", 20, 100, 40)  # the target, centred at (40, 107)


def test_the_next_form_row_ends_the_band() -> None:
    # A form, rows 33 px apart: the next label with the text typed into its field, 60 px right of it.
    words = [NAME, word("City", 20, 133, 30), word("Berlin", 110, 134, 48)]
    assert next_row_top(words, (40, 107)) == 133


def test_a_result_or_a_card_value_under_the_target_stays_in() -> None:
    # One line under it, its words a phrase apart: "Result: GRÜSSE", "€ 12.50".
    words = [NAME, word("Result:", 20, 140, 52), word("GRÜSSE", 76, 140, 60)]
    assert next_row_top(words, (40, 107)) is None
    words = [NAME, word("€", 20, 130, 10, 18), word("12.50", 34, 130, 44, 18)]
    assert next_row_top(words, (40, 107)) is None


def test_the_target_rows_own_field_is_not_the_next_row() -> None:
    words = [NAME, word("Berlin", 110, 101, 48), word("Notes", 20, 150, 40)]
    assert next_row_top(words, (40, 107)) is None


def test_the_band_stops_at_the_first_such_row_below() -> None:
    words = [
        NAME,
        word("Hint", 20, 125, 30),  # a single line: stays in
        word("City", 20, 150, 30),
        word("Paris", 110, 151, 40),
        word("Zip", 20, 180, 30),
        word("75001", 110, 181, 40),
    ]
    assert next_row_top(words, (40, 107)) == 150


def test_by_the_tree_the_next_field_under_the_target_rows_field_ends_the_band() -> None:
    # A form: labels at x=20, fields at x=100, rows 33 points apart; the Notes field is empty (no text to read).
    form = snapshot(
        element("/1", "label", "Name", (20, 100, 50, 14)),
        element("/2", "entry", "Name", (100, 96, 200, 24)),
        element("/3", "label", "City", (20, 133, 50, 14)),
        element("/4", "entry", "City", (100, 129, 200, 24)),
    )
    frame = FakeScreen.solid([(255, 255, 255)], size=(1280, 800)).capture()
    assert next_field_top(FakeTrees(form), frame, ScreenPoint(45, 107)) == 129
    # The other way: nothing beside the target on its row (a button with its result under it): no cut.
    button = snapshot(
        element("/1", "push button", "Convert", (20, 96, 80, 24)), element("/2", "entry", "", (20, 140, 200, 24))
    )
    assert next_field_top(FakeTrees(button), frame, ScreenPoint(60, 108)) is None
