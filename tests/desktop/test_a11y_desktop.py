"""A private desktop starts its accessibility bus before any app: apps started on it publish their tree,
the reader finds it from the exported addresses, reads it bounded and once per screen, and stopping the
desktop leaves no bus process behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from actions.a11y import AtspiReader, FrameTrees, Limits
from actions.frame import FakeScreen
from actions.x11.windows import wait_for_window
from agent.desktop.xserver import VirtualDesktop


@pytest.fixture
def question(desktop):
    """A GTK 3 dialog (zenity) with two buttons, started on the desktop's bus."""
    cmd = [
        "zenity",
        "--question",
        "--title=deskpilot tree",
        "--text=Proceed?",
        "--ok-label=Proceed",
        "--cancel-label=Stop",
    ]
    proc = subprocess.Popen(cmd, env=desktop.env(), stderr=subprocess.DEVNULL)
    try:
        yield wait_for_window("^deskpilot tree$", timeout_s=30, display=desktop.display)
    finally:
        proc.kill()
        proc.wait()


def test_the_desktop_exports_its_buses_and_a_gtk_app_publishes_its_tree(desktop, question) -> None:
    assert {"DBUS_SESSION_BUS_ADDRESS", "AT_SPI_BUS_ADDRESS"} <= set(desktop.env())
    reader = AtspiReader()
    try:
        [top] = [t for t in reader.windows() if t.name == "deskpilot tree"]
        assert "active" in top.states  # the dialog has the focus
        tree = reader.snapshot()
        assert tree.window == "deskpilot tree" and tree.complete
        [proceed] = tree.find(role="button", name="Proceed")
        box = tree.visible_box(proceed)
        assert box is not None and question.contains(*box.centre)  # inside the dialog's X window
        assert reader.states(tree.elements[proceed].ref) >= {"enabled", "showing", "visible"}
        cut = AtspiReader(limits=Limits(max_elements=3)).snapshot()
        assert (len(cut), cut.complete, cut.why) == (3, False, "more than 3 elements")
    finally:
        reader.close()


def test_trees_are_read_once_per_distinct_screen(desktop, question) -> None:
    white = np.full((800, 1280, 3), 255, dtype=np.uint8)
    grey = white.copy()
    grey[0, 0] = (128, 128, 128)
    screen = FakeScreen([white, white, grey])
    trees = FrameTrees()
    try:
        first = trees.snapshot(screen.capture())
        screen.advance()
        assert trees.snapshot(screen.capture()) is first  # a new frame, the same pixels: the same read
        screen.advance()
        again = trees.snapshot(screen.capture())
        assert again is not first and trees.reads == 2
    finally:
        trees.close()


def using(runtime: str) -> list[str]:
    """The processes whose command line names the desktop's private runtime folder (its buses)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().decode(errors="replace")
        except OSError:
            continue
        if runtime in args:
            found.append(args.replace("\0", " "))
    return found


def test_no_bus_is_a_clear_error_and_stopping_the_desktop_ends_its_buses(tmp_path: Path) -> None:
    desk = VirtualDesktop(accessibility=True).start()
    runtime = str(desk.a11y._runtime)
    assert using(runtime)  # the session bus and the accessibility bus (the launcher's own dbus-daemon)
    desk.stop()
    deadline = time.monotonic() + 5
    while using(runtime) and time.monotonic() < deadline:
        time.sleep(0.02)  # waiting for other processes to exit
    assert not using(runtime) and not Path(runtime).exists()
    env = {k: v for k, v in os.environ.items() if k not in ("AT_SPI_BUS_ADDRESS", "DBUS_SESSION_BUS_ADDRESS")}
    code = (
        "from actions.a11y import AtspiReader, A11yUnavailable\n"
        "try:\n    AtspiReader().snapshot()\nexcept A11yUnavailable as exc:\n    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.startswith("no D-Bus session: DBUS_SESSION_BUS_ADDRESS is not set"), out.stderr


def _announced_bus(display: str) -> bytes | None:
    """What the root window of ``display`` says the accessibility bus is (``AT_SPI_BUS``): Qt 5 reads only this."""
    from Xlib import X
    from Xlib.display import Display

    conn = Display(display)
    try:
        prop = conn.screen().root.get_full_property(conn.intern_atom("AT_SPI_BUS"), X.AnyPropertyType)
        return None if prop is None else bytes(prop.value)
    finally:
        conn.close()


def test_another_desktop_stopping_leaves_this_ones_bus_announced_and_qt_apps_publish(desktop, tmp_path) -> None:
    """A second desktop whose launcher is gone while something still asks its session bus for the
    accessibility bus (as when it stops under a running app): D-Bus starts another launcher, which must
    land on that desktop's display, never on this one's. Before: it announced itself on this desktop's
    root window and deleted the announcement when it exited, and every Qt app started here afterwards
    published nothing (one run in three of the whole suite lost its Qt tests this way)."""
    from actions.a11y.bus import find_bus_address
    from agent.desktop.a11y_bus import APP_A11Y_ENV
    from agent.desktop.processes import stop_process

    if shutil.which("featherpad") is None:
        pytest.skip("featherpad is not installed (`make deps` installs it)")
    ours = _announced_bus(desktop.display)
    assert ours is not None and desktop.a11y.a11y_address.encode() in ours
    other = VirtualDesktop(accessibility=True).start()
    try:
        stop_process(other.a11y._procs[-1], group=True)  # its launcher goes first
        activated = find_bus_address(timeout_s=10, session=other.a11y.session_address)  # D-Bus starts another
        announced = _announced_bus(other.display)
        assert announced is not None and activated.encode() in announced  # on the other desktop's root window
    finally:
        other.stop()
    assert _announced_bus(desktop.display) == ours
    note = tmp_path / "qt-after.txt"
    note.write_text("x")
    qt = subprocess.Popen(
        ["featherpad", "--standalone", str(note)], env={**desktop.env(), **APP_A11Y_ENV}, stderr=subprocess.DEVNULL
    )
    reader = AtspiReader()
    try:
        wait_for_window("qt-after.txt", 30, display=desktop.display)
        deadline = time.monotonic() + 15
        while "FeatherPad" not in (names := [name for name, _ in reader.applications()]):
            assert time.monotonic() < deadline, f"the Qt app never registered; apps in the tree: {names}"
            time.sleep(0.1)  # Qt registers asynchronously after its window maps
    finally:
        reader.close()
        stop_process(qt)
