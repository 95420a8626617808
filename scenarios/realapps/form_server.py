"""A loopback HTTP server for the real-app form page: serves ``form.html``, records what it POSTs.

Why a server and not the page's title or pixels: what Chromium *holds* in its fields (after IME,
paste and autofill handling) is exactly what the page sends, byte for byte, with no OCR in between.
The page posts its values on every edit (``/state``) and on submit (``/submit``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FORM_PAGE = Path(__file__).with_name("form.html")
# name, notes, focus (element id), rects (id -> [x, y, w, h] in the viewport), seq (a counter)
Values = dict[str, Any]


class FormServer:
    """``with FormServer() as server: server.url`` -> page; ``server.wait_state(pred)``, ``server.submits``."""

    def __init__(self) -> None:
        self.state: Values = {}
        self.submits: list[Values] = []
        self._changed = threading.Condition()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                body = FORM_PAGE.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                values = json.loads(self.rfile.read(length).decode("utf-8"))
                owner._record(self.path, values)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/form.html"

    def _record(self, path: str, values: Values) -> None:
        with self._changed:
            # Each edit is its own POST, and they may arrive out of order: keep the newest state.
            if values.get("seq", 0) >= self.state.get("seq", 0):
                self.state = values
            if path == "/submit":
                self.submits.append(values)
            self._changed.notify_all()

    def wait(self, predicate: Callable[[FormServer], bool], timeout_s: float = 5.0) -> bool:
        """Block until ``predicate(self)`` holds (re-checked on every POST) or the deadline."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    def __enter__(self) -> FormServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
