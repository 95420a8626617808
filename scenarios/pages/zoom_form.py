"""The zoom form (zoom_form.html) in Chromium, and the loopback server it talks to.

Used by tests/desktop/test_zoom.py and bench/grounding.py: the page reports its layout (POST /layout) and
its form (GET /submit?...) to a server on 127.0.0.1 that keeps both, so a test can say where the fields
are and assert what the form received. Chromium runs as an app window at a given device scale.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from actions.windows import WindowInfo
from agent.desktop.processes import stop_process

PAGES = Path(__file__).resolve().parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TITLE = "Zoom form"
WINDOW_SIZE = (640, 480)  # device-independent pixels: at scale s the window is s times larger


@dataclass
class FormServer:
    """Serves the pages; keeps the layout each page reported and every form it received."""

    layouts: list[dict[str, Any]] = field(default_factory=list)
    received: list[dict[str, str]] = field(default_factory=list)
    typed: list[dict[str, str]] = field(default_factory=list)  # what a page's fields held after each edit
    changed: threading.Condition = field(default_factory=threading.Condition)
    port: int = 0

    def wait(self, what: str, count: int, timeout_s: float = 60.0) -> Any:
        items = self.layouts if what == "layout" else self.received
        with self.changed:
            assert self.changed.wait_for(lambda: len(items) >= count, timeout_s), f"no {what} from the page"
            return items[count - 1]


@contextmanager
def form_server() -> Iterator[FormServer]:
    state = FormServer()

    class Handler(SimpleHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with state.changed:
                (state.typed if self.path == "/typed" else state.layouts).append(json.loads(body))
                state.changed.notify_all()
            self.send_response(204)
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            if url.path != "/submit":
                super().do_GET()
                return
            form = {key: values[-1] for key, values in parse_qs(url.query).items()}
            with state.changed:
                state.received.append(form)
                state.changed.notify_all()
            page = f"<!doctype html><title>Received</title><h1>Received {len(form)} fields</h1>".encode()
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(PAGES)))
    state.port = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def chromium(
    env: dict[str, str], display: str, server: FormServer, scale: float
) -> Iterator[tuple[WindowInfo, dict[str, Any]]]:
    """The form in a Chromium app window at ``scale``; yields the window and the page's layout report."""
    assert CHROMIUM is not None
    seen = len(server.layouts)
    with tempfile.TemporaryDirectory(prefix="deskpilot-chromium-") as profile:
        argv = [
            CHROMIUM,
            f"--user-data-dir={profile}",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-gpu",
            "--no-sandbox",
            "--test-type",  # root in CI needs --no-sandbox; --test-type drops the warning bar
            "--disable-breakpad",  # no crash handler: it leaves its process group and writes into the profile
            f"--force-device-scale-factor={scale:g}",
            "--window-position=40,40",
            f"--window-size={WINDOW_SIZE[0]},{WINDOW_SIZE[1]}",
            f"--app=http://127.0.0.1:{server.port}/zoom_form.html",
        ]
        # Its own process group: Chromium's helpers go with it, before the profile folder is deleted.
        quiet = subprocess.DEVNULL
        proc = subprocess.Popen(argv, env=env, stdout=quiet, stderr=quiet, start_new_session=True)
        try:
            layout = server.wait("layout", seen + 1)
            from actions.x11.windows import wait_for_window

            window = wait_for_window(f"^{TITLE}$", timeout_s=30.0, display=display)
            yield window, layout
        finally:
            stop_process(proc, timeout_s=10, group=True)


def element_point(window: WindowInfo, layout: dict[str, Any], name: str, dx: float | None = None) -> tuple[int, int]:
    """A screen point of a page element (CSS pixels at device scale 1): its centre, or ``dx`` from its left."""
    left, top, width, height = layout[name]
    inset = layout["outer"][1] - layout["inner"][1]  # a warning bar above the page, if Chromium shows one
    x = window.left + left + (width / 2 if dx is None else dx)
    return round(x), round(window.top + inset + top + height / 2)
