"""The executor refuses a ``type`` when nothing holds the keyboard focus, before any key is sent; and
picks each window's paste chord from its class. Real xterm, real openbox, real XRecord.

"Nothing has the focus" is what a user gets by clicking the desktop: openbox then parks the focus on
its own hidden window. What proves that nothing was sent is the server's own record of device events
(XRecord sees every key XTEST fakes) and the terminal's shell, which runs whatever reached it.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from actions.errors import ActionError, NoKeyboardFocus
from actions.models import Click, Type
from scenarios.harness import MotionAppProcess
from tests.realapps.terminals import terminal, wait_for_file


def _executor(**kwargs):
    from actions.pyautogui_executor import PyAutoGuiExecutor

    return PyAutoGuiExecutor(**kwargs)


def test_a_type_with_nothing_focused_is_refused_before_any_key(desktop, tmp_path: Path) -> None:
    from actions.x11.focus import keyboard_focus
    from actions.x11.input_capture import InputEvent, X11InputCapture

    out = tmp_path / "home" / "out.txt"
    events: list[InputEvent] = []
    released = threading.Event()

    def on_event(event: InputEvent) -> None:
        events.append(event)
        if event.kind == "button_release":
            released.set()

    executor = _executor()
    with (
        MotionAppProcess(desktop.env(), fps=0, clock=True, geometry="300x180+900+560"),
        terminal("xterm", desktop.env(), tmp_path / "home") as window,
    ):
        executor.perform(Click(x=640, y=700))  # the desktop, below every window: as a user clicks it
        assert keyboard_focus() is None  # openbox parked the focus on its own window
        capture = X11InputCapture(on_event, desktop.display).start()
        try:
            with pytest.raises(NoKeyboardFocus, match="^nothing has the keyboard focus; click the field first$"):
                executor.perform(Type(text=f"echo Grüße > {out}\n"))
            executor.perform(Click(x=640, y=700))  # a marker: every event before it has been recorded
            assert released.wait(5.0)
        finally:
            capture.stop()
        assert [e.kind for e in events] == ["button_press", "button_release"], events  # no key at all
        assert executor.last_text_strategy == []
        # The shell received nothing either: focused again, it runs only the next command.
        executor.perform(Click(x=window.left + 40, y=window.top + 40))
        executor.perform(Type(text=f"echo ok > {out}\n"))
        assert wait_for_file(out) == "ok\n"
    assert isinstance(NoKeyboardFocus("x"), ActionError)  # the loop's error tree: an action that failed


def test_a_secret_with_nothing_focused_is_refused_the_same_way(desktop, tmp_path: Path, monkeypatch) -> None:
    """Before the secret is revealed: the error is NoKeyboardFocus, not a withheld typing failure."""
    monkeypatch.setenv("DESKPILOT_TEST_PASSWORD", "hunter2")
    executor = _executor()
    with terminal("xterm", desktop.env(), tmp_path / "home"):
        executor.perform(Click(x=640, y=700))
        with pytest.raises(NoKeyboardFocus):
            executor.perform(Type(text="{{secret:DESKPILOT_TEST_PASSWORD}}"))


@pytest.mark.parametrize(
    ("name", "chord"),
    [
        ("xterm", "shift+insert: how xterm pastes (PRIMARY)"),
        ("xfce4-terminal", "ctrl+shift+v: how xfce4-terminal pastes (CLIPBOARD)"),
    ],
)
def test_the_paste_chord_follows_the_focused_terminal(desktop, tmp_path: Path, name: str, chord: str) -> None:
    """Each terminal gets its own chord and selection, and the user's CLIPBOARD and PRIMARY are theirs again."""
    from tests.desktop.test_text_input import get_clipboard, set_clipboard

    out = tmp_path / "home" / "out.txt"
    executor = _executor()
    with terminal(name, desktop.env(), tmp_path / "home"):
        set_clipboard(desktop, "the user's clipboard ✂")
        set_clipboard(desktop, "the user's selection", "primary")
        executor.perform(Type(text=f"echo 你好 ✓ > {out}\n"))
        assert wait_for_file(out) == "你好 ✓\n"
        assert get_clipboard(desktop) == "the user's clipboard ✂"
        assert get_clipboard(desktop, "primary") == "the user's selection"
    assert executor.last_paste_chord == chord
    assert [request.counted for request in executor.last_paste_requests].count(True) == 1
