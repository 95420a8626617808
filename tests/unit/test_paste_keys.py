"""The paste table, --paste-key parsing, what BackSpace may take back, and where a label's crop stops."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from actions.coords import DisplayProfile, ScreenPoint
from actions.errors import UserInputError
from actions.frame import Frame
from actions.x11.paste_keys import DEFAULT, parse_paste_key, paste_method
from agent.cli.typing_flags import add_paste_key_flag, paste_keys_from_args
from planners.target_cache import label_side


@pytest.mark.parametrize(
    ("wm_class", "keys", "selections"),
    [
        (("xterm", "XTerm"), ("shift", "insert"), ("PRIMARY",)),
        (("urxvt", "URxvt"), ("shift", "insert"), ("PRIMARY",)),
        (("xfce4-terminal", "Xfce4-terminal"), ("ctrl", "shift", "v"), ("CLIPBOARD",)),
        (("gnome-terminal-server", "Gnome-terminal"), ("ctrl", "shift", "v"), ("CLIPBOARD",)),
        (("konsole", "konsole"), ("ctrl", "shift", "v"), ("CLIPBOARD",)),
        (("qterminal", "qterminal"), ("ctrl", "shift", "v"), ("CLIPBOARD",)),
        (("mousepad", "Mousepad"), ("ctrl", "v"), ("CLIPBOARD",)),
        ((), ("ctrl", "v"), ("CLIPBOARD",)),
    ],
)
def test_the_window_class_picks_the_paste(wm_class, keys, selections) -> None:
    method = paste_method(wm_class)
    assert (method.keys, method.selections) == (keys, selections)


def test_a_paste_key_overrides_the_table_and_owns_both_selections() -> None:
    method = paste_method(("xterm", "XTerm"), ("ctrl", "shift", "v"))
    assert method.keys == ("ctrl", "shift", "v") and set(method.selections) == {"CLIPBOARD", "PRIMARY"}
    assert paste_method(("mousepad", "Mousepad"), ()) == DEFAULT  # an empty override is no override


@pytest.mark.parametrize(
    ("chord", "keys"),
    [("shift+Insert", ("shift", "insert")), ("Ctrl+Shift+V", ("ctrl", "shift", "v")), ("control+v", ("ctrl", "v"))],
)
def test_paste_key_chords_are_parsed(chord: str, keys: tuple[str, ...]) -> None:
    assert parse_paste_key(chord) == keys


@pytest.mark.parametrize(
    ("chord", "message"),
    [
        ("shift+inser", "--paste-key 'shift+inser': unknown key 'inser'"),
        ("ctrl++", "--paste-key 'ctrl++': write a chord as keys joined by '+'"),
        ("", "--paste-key '': write a chord"),
    ],
)
def test_a_bad_paste_key_is_named(chord: str, message: str) -> None:
    with pytest.raises(UserInputError) as failure:
        parse_paste_key(chord)
    assert str(failure.value).startswith(message)


def test_the_flag() -> None:
    parser = argparse.ArgumentParser()
    add_paste_key_flag(parser)
    assert paste_keys_from_args(parser.parse_args([])) is None
    assert paste_keys_from_args(parser.parse_args(["--paste-key", "shift+Insert"])) == ("shift", "insert")


def test_what_backspace_may_take_back() -> None:
    from actions.x11.text_input import erasable

    assert erasable("echo Gr") and erasable("Grüße ✓ 你好")
    assert not erasable("")
    assert not erasable("ls\n") and not erasable("a\tb")  # Enter ran a command; Tab moved the focus
    assert not erasable("e\u0301") and not erasable("👍\ufe0f") and not erasable("a\u200db")  # joining marks


def _form(label_right: int, field_left: int) -> Frame:
    """A panel with a dark "label" (three letter blocks) and a field box with a caret to its right."""
    pixels = np.full((100, 400, 3), 236, np.uint8)
    for left in range(20, label_right, 8):  # letters 5 px wide, 3 px apart
        pixels[44:56, left : min(left + 5, label_right)] = 30
    pixels[38:62, field_left : field_left + 200] = 255  # the field
    pixels[38:62, field_left] = pixels[38:62, field_left + 199] = 120  # its border
    pixels[42:58, field_left + 4] = 0  # the caret
    return Frame(pixels, DisplayProfile(width=400, height=100), 0.0, 0.0, "RGB")


def test_a_label_crop_stops_where_its_ink_ends() -> None:
    frame = _form(label_right=61, field_left=80)
    assert label_side(frame, ScreenPoint(40, 50), (150, 0)) == (0, 0, 63, 100)  # the last ink at 60, then 2 pt
    x0, _, x1, _ = label_side(frame, ScreenPoint(40, 50), (-150, 0))  # a field on the left: nothing there
    assert x1 == 400 and x0 == 18
    _, y0, _, y1 = label_side(frame, ScreenPoint(40, 50), (0, 40))  # a field below the label
    assert y0 == 0 and y1 == 58  # the label's last ink row is 55


def test_a_label_at_the_frame_edge_keeps_the_crop_inside_the_frame() -> None:
    frame = _form(label_right=61, field_left=80)
    x0, y0, x1, y1 = label_side(frame, ScreenPoint(0, 50), (-150, 0))
    assert (x0, y0, x1, y1) == (0, 0, 400, 100)
