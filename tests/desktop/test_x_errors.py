"""An X error is an answer, never a hang: python-xlib 0.33 builds the core BadValue and BadRequest with RANDR's
error classes, and parsing one broke the connection so that its next request spun at full CPU for ever (CI:
a test hung 300 s listing windows while Chromium retitled its window). Every question that could hang runs on a
thread here, so a regression fails in seconds instead of stalling the suite."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from Xlib import X, Xatom
from Xlib.error import BadValue

from actions.x11.display import open_display, read_property
from actions.x11.windows import WindowReader, wait_for_window

ANSWER_WITHIN_S = 10.0


def answered(question: Callable[[], Any]) -> Any:
    """``question()``'s result; the test fails if it has not come back within ANSWER_WITHIN_S."""
    outcome: dict[str, Any] = {}

    def ask() -> None:
        try:
            outcome["value"] = question()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread, raised there
            outcome["error"] = exc

    worker = threading.Thread(target=ask, daemon=True)  # a hung connection must not keep the suite alive
    worker.start()
    worker.join(ANSWER_WITHIN_S)
    assert not worker.is_alive(), f"no answer within {ANSWER_WITHIN_S:g} s: the X connection hangs"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@contextmanager
def app_window(name: str, net_wm_name: bytes, net_wm_name_type: str, wm_name: bytes) -> Iterator[int]:
    """A mapped top-level window of another client, its two title properties as given; yields its id."""
    app: Any = open_display(name)
    try:
        win = app.screen().root.create_window(100, 100, 200, 100, 0, X.CopyFromParent)
        win.change_property(app.intern_atom("_NET_WM_NAME"), app.intern_atom(net_wm_name_type), 8, net_wm_name)
        win.change_property(Xatom.WM_NAME, Xatom.STRING, 8, wm_name)
        win.map()
        app.sync()
        yield win.id
    finally:
        app.close()


def test_a_bad_value_is_an_x_error_and_the_connection_answers_the_next_question(desktop) -> None:
    conn: Any = open_display(desktop.display)
    try:
        root = conn.screen().root
        atom = conn.intern_atom("DESKPILOT_SHORT")
        root.change_property(atom, Xatom.STRING, 8, b"abc")
        with pytest.raises(BadValue):  # an offset past the property's end: the server says BadValue
            answered(lambda: root.get_property(atom, Xatom.STRING, 100, 1))
        assert answered(lambda: bytes(read_property(root, atom).value)) == b"abc"
    finally:
        conn.close()


def test_pyautoguis_own_connection_survives_a_bad_value(desktop) -> None:
    from actions.pyautogui_executor import PyAutoGuiExecutor

    PyAutoGuiExecutor(display=desktop.display)  # pyautogui's connection is made at its import, before ours
    import pyautogui

    conn: Any = pyautogui._pyautogui_x11._display  # type: ignore[attr-defined]
    root = conn.screen().root
    atom = conn.intern_atom("DESKPILOT_SHORT")
    root.change_property(atom, Xatom.STRING, 8, b"abc")
    with pytest.raises(BadValue):
        answered(lambda: root.get_property(atom, Xatom.STRING, 100, 1))
    x, y = pyautogui.position()
    assert answered(lambda: tuple(pyautogui.position())) == (x, y)  # its next request is answered


def test_a_title_that_changes_while_it_is_read_is_read_whole_and_never_hangs_the_reader(desktop) -> None:
    # python-xlib's get_full_property reads a title in two parts; a title that shrank in between made the
    # server refuse the second part (BadValue): on 0.33 that hung the reader within the first few reads.
    long_title, short_title = "deskpilot " + "long " * 40, "deskpilot"
    with app_window(desktop.display, short_title.encode(), "UTF8_STRING", b"") as window_id:
        app: Any = open_display(desktop.display)
        retitling = threading.Event()
        retitling.set()

        def retitle() -> None:  # the app's side: it retitles its window as fast as the server takes it
            window = app.create_resource_object("window", window_id)
            name, utf8 = app.intern_atom("_NET_WM_NAME"), app.intern_atom("UTF8_STRING")
            for turn in range(1_000_000):
                if not retitling.is_set():
                    return
                window.change_property(name, utf8, 8, (long_title if turn % 2 else short_title).encode())
                app.sync()

        app_thread = threading.Thread(target=retitle, daemon=True)
        app_thread.start()
        try:
            with WindowReader(desktop.display) as reader:
                titles = answered(lambda: [reader.info(window_id).title for _ in range(300)])
        finally:
            retitling.clear()
            app_thread.join(ANSWER_WITHIN_S)
            app.close()
    assert set(titles) <= {long_title, short_title}  # each read is one whole title, never a mix
    assert len(set(titles)) == 2  # the title did change while it was read


def test_a_title_set_with_another_type_is_read_from_wm_name(desktop) -> None:
    # _NET_WM_NAME as STRING, not UTF8_STRING: the server answers with its length and no data, which
    # python-xlib's get_full_property handed back as an empty title.
    with app_window(desktop.display, b"x", "STRING", b"deskpilot latin-1 title \xe9"):
        info = answered(lambda: wait_for_window(r"^deskpilot latin-1 title é$", 5.0, desktop.display))
    assert info.title == "deskpilot latin-1 title é"


def test_a_property_longer_than_one_read_is_read_whole(desktop) -> None:
    conn: Any = open_display(desktop.display)
    try:
        root = conn.screen().root
        atom = conn.intern_atom("DESKPILOT_LONG")
        data = bytes(range(256)) * 1024  # 256 KiB: four times what one request asks for
        root.delete_property(atom)
        for start in range(0, len(data), 32768):  # written in parts: one request carries at most 256 KiB
            root.change_property(atom, Xatom.STRING, 8, data[start : start + 32768], X.PropModeAppend)
        assert bytes(read_property(root, atom).value) == data
        assert read_property(root, atom, conn.intern_atom("UTF8_STRING")) is None  # not of the type asked
        root.delete_property(atom)
        assert read_property(root, atom) is None
    finally:
        conn.close()
