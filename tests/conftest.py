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


@pytest.fixture(scope="session")
def desktop() -> Iterator[VirtualDesktop]:
    """One virtual desktop for the session. DISPLAY points at it for this process (pyautogui reads
    DISPLAY once, at import, so every in-process desktop test shares this one)."""
    previous = os.environ.get("DISPLAY")
    with VirtualDesktop() as desk:
        os.environ["DISPLAY"] = desk.display
        try:
            yield desk
        finally:
            if previous is None:
                os.environ.pop("DISPLAY", None)
            else:
                os.environ["DISPLAY"] = previous


@pytest.fixture
def demo_app(desktop: VirtualDesktop, tmp_path: Path) -> Iterator[DemoAppProcess]:
    with DemoAppProcess(tmp_path / "demo-state.json", desktop.env()) as app:
        yield app
