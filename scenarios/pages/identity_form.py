"""The identity form (identity_form.html) in a Chromium app window with its accessibility tree on.

Used by tests/realapps/test_identity_replay.py: the same form recorded once, then met re-ordered
(``order=swapped``), dark (``theme=dark``), without visible labels (``labels=hidden``), moved and at
another device scale. The loopback server (``scenarios.pages.zoom_form.form_server``) keeps the layout
the page reports and every form it received.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from actions.windows import WindowInfo
from scenarios.pages.zoom_form import FormServer
from scenarios.realapps.apps import chromium_binary, chromium_command, running_app

TITLE = "Identity form"
WINDOW_SIZE = (560, 400)  # device-independent pixels: at scale s the window is s times larger


@contextmanager
def identity_chromium(
    env: dict[str, str],
    server: FormServer,
    *,
    scale: float = 1.0,
    position: tuple[int, int] = (0, 0),
    **query: str,
) -> Iterator[tuple[WindowInfo, dict[str, Any]]]:
    """The form at ``scale`` with ``query`` (order, theme, labels); yields the window and the page's layout."""
    binary = chromium_binary()
    assert binary is not None, "chromium is not installed"
    url = f"http://127.0.0.1:{server.port}/identity_form.html" + (f"?{urlencode(query)}" if query else "")
    seen = len(server.layouts)
    with tempfile.TemporaryDirectory(prefix="deskpilot-chromium-") as profile:
        cmd = chromium_command(binary, url, Path(profile), WINDOW_SIZE)
        # Later switches win: the place and the device scale this test wants.
        cmd += [f"--window-position={position[0]},{position[1]}", f"--force-device-scale-factor={scale:g}"]
        with running_app(cmd, env, f"^{TITLE}$") as window:
            layout = server.wait("layout", seen + 1)
            yield window, layout


def field_point(window: WindowInfo, layout: dict[str, Any], name: str) -> tuple[int, int]:
    """The screen point at the centre of a page element (``name``, ``city``, ``submit``)."""
    dpr = layout["dpr"]
    left, top, width, height = (v * dpr for v in layout[name])
    inset = (layout["outer"][1] - layout["inner"][1]) * dpr  # a bar above the page, if Chromium shows one
    return round(window.left + left + width / 2), round(window.top + inset + top + height / 2)
