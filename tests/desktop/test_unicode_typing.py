"""Any text arrives exactly, every time: 20 rounds per string, checked in the app's own state."""

from __future__ import annotations

import pytest

from actions import Click, Type
from tests.desktop.x_clipboard import get_clipboard, set_clipboard

STRINGS = ["Grüße, café ✓", "你好，世界", "<tag> & 100%", "a<b>é\tz ~`!@#$%^&*()_+-={}[]|\\:;\"',./?"]


@pytest.fixture(scope="module")
def executor(desktop):
    from actions.pyautogui_executor import PyAutoGuiExecutor

    return PyAutoGuiExecutor()


@pytest.mark.parametrize("text", STRINGS)
def test_text_arrives_exactly_twenty_times_in_a_row(desktop, demo_app, executor, text: str) -> None:
    clear, name = demo_app.centre("clear"), demo_app.centre("name")
    # The Name field is single-line: a tab would move the focus, which is what typing a tab means.
    field_text = text.split("\t")[0]
    for round_number in range(20):
        executor.perform(Click(x=clear[0], y=clear[1]))
        demo_app.wait(lambda s: s["name"] == "")
        executor.perform(Click(x=name[0], y=name[1]))
        demo_app.wait(lambda s: s["focus"] == "name")
        executor.perform(Type(text=text))
        state = demo_app.wait(lambda s, want=field_text: s["name"] == want, timeout_s=5)
        assert state["name"] == field_text, f"round {round_number}"


def test_multiline_text_with_tabs_arrives_in_the_notes(desktop, demo_app, executor) -> None:
    notes = demo_app.centre("notes")
    executor.perform(Click(x=notes[0], y=notes[1]))
    demo_app.wait(lambda s: s["focus"] == "notes")
    text = "first line\nzweite Zeile: ü ✓\n第三行 <end>"
    executor.perform(Type(text=text))
    assert demo_app.wait(lambda s: s["notes"] == text)["notes"] == text


def test_the_users_clipboard_is_restored(desktop, demo_app, executor) -> None:
    name = demo_app.centre("name")
    set_clipboard(desktop, "the user's own clipboard ✂")
    executor.perform(Click(x=name[0], y=name[1]))
    executor.perform(Type(text="pasted: café ✓"))
    demo_app.wait(lambda s: s["name"] == "pasted: café ✓")
    assert get_clipboard(desktop) == "the user's own clipboard ✂"
    # Which runs went through XTEST and which through the clipboard is on record for the run.
    assert ("clipboard", "é ✓") in executor.last_text_strategy


def test_typing_works_when_the_clipboard_was_empty(desktop, demo_app, executor) -> None:
    from Xlib import X
    from Xlib.display import Display

    conn = Display(desktop.display)
    window = conn.screen().root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
    window.set_selection_owner(conn.intern_atom("CLIPBOARD"), X.CurrentTime)
    window.destroy()  # the owner is gone: the clipboard is empty now
    conn.sync()
    conn.close()
    name = demo_app.centre("name")
    executor.perform(Click(x=name[0], y=name[1]))
    executor.perform(Type(text="leer → voll"))
    assert demo_app.wait(lambda s: s["name"] == "leer → voll")["name"] == "leer → voll"


def test_a_type_whose_text_is_not_fetched_raises_text_not_delivered(desktop, executor, focus_that_never_pastes) -> None:
    from actions.errors import ActionError
    from actions.x11.text_input import TextNotDelivered

    set_clipboard(desktop, "mine")
    with pytest.raises(TextNotDelivered) as failure:
        executor.perform(Type(text="ok ✓"))
    assert isinstance(failure.value, ActionError)  # the loop records a failed step with it: never "changed"
    assert "'ok ' went in" in str(failure.value) and "nothing asked for the clipboard" in str(failure.value)
    assert executor.last_text_strategy == [] and executor.last_paste_requests == []
    assert failure.value.typed == (("xtest", "ok "),)  # what went in: the failed step's text_strategy
    assert get_clipboard(desktop) == "mine"


def test_a_secret_that_is_not_delivered_is_not_named_in_the_error(
    desktop, executor, focus_that_never_pastes, monkeypatch
) -> None:
    from actions.x11.text_input import TextNotDelivered

    monkeypatch.setenv("DEMO_PIN", "pïn-4711")
    with pytest.raises(TextNotDelivered) as failure:
        executor.perform(Type(text="{{secret:DEMO_PIN}}"))
    assert "DEMO_PIN" in str(failure.value)
    assert "4711" not in str(failure.value) and "ïn" not in str(failure.value)
    assert failure.value.__suppress_context__  # the original message (with the value) is not chained
    assert failure.value.typed == ()  # what went in before the paste would be part of the value
