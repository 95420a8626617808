"""The window questions of ``actions.x11.windows`` share one kept X connection per thread: it must follow the
display asked about, and survive the server behind a name being replaced (a test's or a user's restarted Xvfb)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from actions.x11 import windows
from agent.desktop.xserver import VirtualDesktop


@contextmanager
def titled_window(desk: VirtualDesktop, title: str) -> Iterator[None]:
    """A Tk window titled ``title`` on ``desk``, for as long as the block runs."""
    script = f"import tkinter; root = tkinter.Tk(); root.title({title!r}); root.mainloop()"
    proc = subprocess.Popen([sys.executable, "-c", script], env=desk.env())
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def wait_listed(display: str, title: str, timeout_s: float = 10.0) -> list[str]:
    """The titles ``list_windows`` gives on ``display`` once ``title`` is among them (the window manager adds
    a mapped window to its client list a moment after the map); what it gives at the timeout otherwise."""
    deadline = time.monotonic() + timeout_s
    while True:
        titles = [info.title for info in windows.list_windows(display)]
        if title in titles or time.monotonic() >= deadline:
            return titles
        time.sleep(0.02)  # polling another process (the window manager)


def test_the_kept_connection_follows_the_display_asked_about() -> None:
    with (
        VirtualDesktop() as first,
        VirtualDesktop() as second,
        titled_window(first, "on the first"),
        titled_window(second, "on the second"),
    ):
        assert "on the first" in wait_listed(first.display, "on the first")
        assert "on the second" in wait_listed(second.display, "on the second")
        # Back and forth: each answer is the display's own, never the other's.
        assert "on the second" not in [w.title for w in windows.list_windows(first.display)]
        assert "on the first" not in [w.title for w in windows.list_windows(second.display)]


def test_a_server_restarted_under_the_same_name_is_asked_on_a_new_connection() -> None:
    number = 300 + os.getpid() % 200  # fixed, so the second server gets the first one's name
    with VirtualDesktop(display_number=number) as desk, titled_window(desk, "before the restart"):
        assert "before the restart" in wait_listed(desk.display, "before the restart")
    with VirtualDesktop(display_number=number) as desk, titled_window(desk, "after the restart"):
        titles = wait_listed(desk.display, "after the restart")
    assert "after the restart" in titles
    assert "before the restart" not in titles


def test_each_thread_asks_on_its_own_connection(desktop: VirtualDesktop) -> None:
    with titled_window(desktop, "asked from threads"):
        assert "asked from threads" in wait_listed(desktop.display, "asked from threads")
        seen: list[list[str]] = []
        errors: list[BaseException] = []

        def ask() -> None:
            try:
                for _ in range(30):
                    seen.append([w.title for w in windows.list_windows(desktop.display)])
            except BaseException as exc:  # noqa: BLE001 - reported by the test below
                errors.append(exc)

        threads = [threading.Thread(target=ask) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert len(seen) == 120
    assert all("asked from threads" in titles for titles in seen)
