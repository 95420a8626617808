"""Desktop-test fixtures: every test starts with the pointer in the middle of the screen."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def pointer_in_the_middle(desktop):
    """A test that drove the pointer into a corner (the failsafe test) must not trip the next one."""
    from Xlib.display import Display

    conn = Display(desktop.display)
    try:
        root = conn.screen().root
        root.warp_pointer(conn.screen().width_in_pixels // 2, conn.screen().height_in_pixels // 2)
        conn.sync()
    finally:
        conn.close()
