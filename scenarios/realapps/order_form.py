"""A small order form served on loopback, for apps that render HTML forms (Dillo, a browser): it records every
form it receives, so a test or a benchmark can ask the page itself what the app sent."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ORDER_PAGE = b"""<html><head><title>Order form</title></head><body>
<h2>Order</h2>
<form action="/submit" method="get">
<p>Name: <input name="name" size="20"></p>
<p><input type="submit" value="Send order"></p>
</form></body></html>"""
# A field that takes 3 characters beside one that takes any number.
LIMITED_PAGE = b"""<html><head><title>Order form</title></head><body>
<h2>Order</h2>
<form action="/submit" method="get">
<p>Qty: <input name="qty" size="8" maxlength="3"></p>
<p>Note: <input name="note" size="8"></p>
<p><input type="submit" value="Send order"></p>
</form></body></html>"""
THANKS_PAGE = b"<html><head><title>Thanks</title></head><body><h1>Order received</h1></body></html>"


@contextmanager
def order_server(page: bytes = ORDER_PAGE) -> Iterator[tuple[str, list[dict[str, list[str]]]]]:
    """A loopback server for ``page``; yields its URL and the forms it received (the app's own word)."""
    received: list[dict[str, list[str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            url = urlsplit(self.path)
            if url.path == "/submit":
                received.append(parse_qs(url.query))
            body = THANKS_PAGE if url.path == "/submit" else page
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = httpd.server_address[:2]
        yield f"http://{host!s}:{port}/order.html", received
    finally:
        httpd.shutdown()
        httpd.server_close()
