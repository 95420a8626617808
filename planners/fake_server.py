"""A fake OpenAI-compatible chat server: test scripts and backends without a GPU or a model.

A real HTTP server (stdlib ``ThreadingHTTPServer``) on 127.0.0.1 with an ephemeral port, serving
``POST /v1/chat/completions`` and ``GET /v1/models`` from a script of behaviours::

    with FakeChatServer(["<tool_call>...</tool_call>", HttpError(503, retry_after=1), Delay(5)]) as fake:
        backend = OpenAIChatBackend(fake.base_url, fake.model)
        ...
        fake.chat_requests[-1]["max_tokens"]          # what the client sent
        images_in(fake.chat_requests[-1])[0].size      # the screenshot it sent (fake_server_behaviours)

Each chat request takes the next behaviour: a ``str`` or ``Answer`` (a normal completion with
usage), an ``int`` or ``HttpError`` (an error status, optionally with ``Retry-After``), ``Delay``
(wait, then behave), ``Malformed`` (a body that is not a chat completion), or a callable that gets
the request's JSON and returns the text (or another behaviour). When the script runs out the server
answers ``default`` if one was given, else repeats the last behaviour, else ``DEFAULT_ANSWER``.
Requests for another model get vLLM's 404; with ``api_key`` set, requests without
``Authorization: Bearer <api_key>`` get 401. Neither uses up a behaviour.

Bounded: one request per connection, bodies up to ``max_body_bytes``, socket reads time out after
``io_timeout_s``, delays end at ``close()``, which shuts open connections and joins every thread.
From a shell: ``python -m planners.fake_server --port 8000 --answer TEXT``.

The behaviours, the bodies built from them and ``images_in`` are in
``planners.fake_server_behaviours``; this module is the server: lifecycle, routing, auth, bounds,
recording. Its neighbour ``planners.fake_backend.ScriptedChatBackend`` fakes one level higher: a
``ChatBackend`` with no HTTP at all, for tests of the planner.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from planners.fake_server_behaviours import (
    DEFAULT_ANSWER,
    Answer,
    Behaviour,
    Delay,
    HttpError,
    Malformed,
    completion_body,
    error_body,
)

DEFAULT_MODEL = "fake-qwen3-vl"  # the model the fake serves unless told otherwise


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    json: Any  # the parsed body; None for a GET or a body that is not JSON


class FakeChatServer:
    """See the module docstring. ``start()``/``close()`` or a ``with`` block."""

    def __init__(
        self,
        script: Iterable[Behaviour] = (),
        *,
        model: str = DEFAULT_MODEL,
        default: Behaviour | None = None,
        api_key: str | None = None,
        max_body_bytes: int = 64 * 1024 * 1024,
        io_timeout_s: float = 10.0,
        keep_requests: int = 1000,
        port: int = 0,
    ) -> None:
        self.model = model
        self.default = default
        self.api_key = api_key
        self.max_body_bytes = max_body_bytes
        self.io_timeout_s = io_timeout_s
        self.errors: list[BaseException] = []  # what scripted callables raised (answered as 500)
        self._script: collections.deque[Behaviour] = collections.deque(script)
        self._last: Behaviour | None = None
        self._requests: collections.deque[RecordedRequest] = collections.deque(maxlen=keep_requests)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._port = port
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._served = 0

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> FakeChatServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _Server(("127.0.0.1", self._port), _Handler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-chat-server", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()  # ends every Delay at once
        httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:  # unblocks handlers still reading a slow client
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        httpd.server_close()  # joins the handler threads
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeChatServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what tests use ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the fake chat server is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def push(self, *behaviours: Behaviour) -> None:
        """Append behaviours to the script."""
        with self._lock:
            self._script.extend(behaviours)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received (the latest ``keep_requests``), oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[Any]:
        """The JSON bodies of the chat-completion requests, oldest first."""
        return [r.json for r in self.requests if r.method == "POST" and r.path.endswith("/chat/completions")]

    @property
    def served(self) -> int:
        """Chat requests that took a behaviour from the script (or the default)."""
        with self._lock:
            return self._served

    # -- used by the handler ----------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _next_behaviour(self) -> Behaviour:
        with self._lock:
            self._served += 1
            if self._script:
                self._last = self._script.popleft()
                return self._last
            if self.default is not None:
                return self.default
            return self._last if self._last is not None else DEFAULT_ANSWER


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins them: nothing outlives close()
    block_on_close = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], fake: FakeChatServer) -> None:
        self.fake = fake
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "DeskpilotFake/1"
    protocol_version = "HTTP/1.0"  # one request per connection: no idle keep-alive threads

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.fake.io_timeout_s)
        with self.server.fake._lock:
            self.server.fake._connections.add(self.connection)

    def finish(self) -> None:
        with self.server.fake._lock:
            self.server.fake._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        pass  # tests read .requests; stderr stays quiet

    def do_GET(self) -> None:
        fake = self.server.fake
        fake._record(RecordedRequest("GET", self.path, self._headers(), None))
        if not self._authorised():
            return
        if self.path.split("?")[0].rstrip("/") != "/v1/models":
            self._send_json(404, {"detail": "Not Found"})
            return
        model = {"id": fake.model, "object": "model", "created": 0, "owned_by": "deskpilot-fake"}
        self._send_json(200, {"object": "list", "data": [model]})

    def do_POST(self) -> None:
        fake = self.server.fake
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._send_json(411, error_body("a Content-Length header is required", 411))
            return
        if length < 0 or length > fake.max_body_bytes:
            self._drain(min(length, 8 * fake.max_body_bytes))  # so the client reads the 413, not a reset
            self._send_json(413, error_body(f"the body is larger than {fake.max_body_bytes} bytes", 413))
            return
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        fake._record(RecordedRequest("POST", self.path, self._headers(), body))
        if not self._authorised():
            return
        if self.path.split("?")[0].rstrip("/") != "/v1/chat/completions":
            self._send_json(404, {"detail": "Not Found"})
            return
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            self._send_json(400, error_body("the body must be a JSON object with a messages list", 400))
            return
        if body.get("model") != fake.model:
            self._send_json(404, error_body(f"The model `{body.get('model')}` does not exist.", 404, "NotFoundError"))
            return
        self._behave(fake._next_behaviour(), body, depth=0)

    def _behave(self, behaviour: Behaviour, body: dict[str, Any], depth: int) -> None:
        fake = self.server.fake
        if isinstance(behaviour, str):
            behaviour = Answer(behaviour)
        elif isinstance(behaviour, int):
            behaviour = HttpError(behaviour)
        if isinstance(behaviour, Answer):
            self._send_json(200, completion_body(fake.model, behaviour, body))
        elif isinstance(behaviour, HttpError):
            headers = {} if behaviour.retry_after is None else {"Retry-After": str(behaviour.retry_after)}
            message = behaviour.message or f"fake error {behaviour.code}"
            self._send_json(behaviour.code, error_body(message, behaviour.code), headers)
        elif isinstance(behaviour, Delay):
            if not fake._stopping.wait(behaviour.seconds):
                self._behave(behaviour.then, body, depth + 1)
        elif isinstance(behaviour, Malformed):
            raw = behaviour.body.encode() if isinstance(behaviour.body, str) else behaviour.body
            self._send(behaviour.status, raw, behaviour.content_type)
        elif callable(behaviour) and depth < 4:
            try:
                result = behaviour(body)
            except Exception as exc:  # a test's assertion inside the server: answer it, keep it
                fake.errors.append(exc)
                self._send_json(500, error_body(f"the scripted callable raised {exc!r}", 500))
                return
            self._behave(result, body, depth + 1)
        else:
            self._send_json(500, error_body(f"the fake cannot perform {behaviour!r}", 500))

    def _drain(self, length: int) -> None:
        with contextlib.suppress(OSError):
            while length > 0:
                chunk = self.rfile.read(min(length, 1 << 16))
                if not chunk:
                    return
                length -= len(chunk)

    def _authorised(self) -> bool:
        key = self.server.fake.api_key
        if key is None or self.headers.get("Authorization") == f"Bearer {key}":
            return True
        self._send_json(401, {"error": "Unauthorized"})  # what vLLM's --api-key answers
        return False

    def _headers(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers.items()}

    def _send_json(self, code: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(code, json.dumps(payload).encode(), "application/json", headers)

    def _send(self, code: int, raw: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(raw)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)
        except OSError:
            pass  # the client gave up (its timeout) or close() shut the connection


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m planners.fake_server", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--answer", action="append", help="an answer, in order (repeatable); the last repeats")
    parser.add_argument("--api-key", default=None)
    args = parser.parse_args(argv)
    with FakeChatServer(args.answer or [DEFAULT_ANSWER], model=args.model, api_key=args.api_key, port=args.port) as s:
        print(f"fake OpenAI-compatible server for model {s.model!r} at {s.base_url} (Ctrl-C stops it)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
