"""Shared fixtures. Desktop tests get a private Xvfb + openbox, never the user's own display."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.desktop.xserver import VirtualDesktop
from scenarios.harness import DemoAppProcess


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/desktop" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.desktop)


@pytest.fixture(scope="session", autouse=True)
def no_prefix_store_in_the_users_cache() -> Iterator[None]:
    """Local-model tests never write prompt heads to the user's cache folder (planners.qwen.prefix_store);
    the tests of that store name their own folders."""
    previous = os.environ.get("DESKPILOT_PREFIX_STORE")
    os.environ["DESKPILOT_PREFIX_STORE"] = "off"
    yield
    if previous is None:
        os.environ.pop("DESKPILOT_PREFIX_STORE", None)
    else:
        os.environ["DESKPILOT_PREFIX_STORE"] = previous


@pytest.fixture(scope="session")
def desktop() -> Iterator[VirtualDesktop]:
    """One virtual desktop for the session. DISPLAY (and its D-Bus session and accessibility bus) point at
    it for this process (pyautogui reads DISPLAY once, at import, so every in-process desktop test shares
    this one)."""
    with VirtualDesktop() as desk:
        previous = {name: os.environ.get(name) for name in desk.session_vars()}
        os.environ.update(desk.session_vars())
        try:
            yield desk
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


@pytest.fixture
def demo_app(desktop: VirtualDesktop, tmp_path: Path) -> Iterator[DemoAppProcess]:
    with DemoAppProcess(tmp_path / "demo-state.json", desktop.env()) as app:
        yield app


@pytest.fixture
def focus_that_never_pastes(desktop):
    """A focused window whose client never asks for the clipboard (a field that takes no paste)."""
    from Xlib import X
    from Xlib.display import Display

    conn = Display(desktop.display)
    # override_redirect: mapped at once, without waiting for the window manager to manage it.
    window = conn.screen().root.create_window(0, 0, 80, 80, 0, X.CopyFromParent, override_redirect=True)
    window.map()
    conn.sync()
    window.set_input_focus(X.RevertToParent, X.CurrentTime)
    conn.sync()
    yield
    window.destroy()
    conn.close()
