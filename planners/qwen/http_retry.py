"""HTTP failures of a model server: which are worth another attempt, how long to wait, what to say.

The retry policy of ``planners.qwen.openai_backend``: 408, 429 and 5xx statuses and transport
errors (refused, reset, timed out, DNS) are retried; any other error status is a refusal, reported
at once. The wait before retry *n* is ``base * 2**(n-1)`` less up to 25 % jitter, or the server's
``Retry-After`` on 429/503, both capped. Also here: reading response bodies with a size bound,
one-line descriptions of error bodies and transport errors, and refusing redirects.
Only the standard library.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import random
import socket
import time
import urllib.error
import urllib.request
from typing import Any

MAX_BODY_BYTES = 16 * 1024 * 1024  # a chat completion is kilobytes; anything near this is not one
SNIPPET_CHARS = 200


def is_retryable(code: int) -> bool:
    """Whether an error status is worth another attempt: timeouts, overload and server errors."""
    return code in (408, 429) or code >= 500


def requested_wait_s(exc: urllib.error.HTTPError) -> float | None:
    """The wait the server asked for (``Retry-After`` on 429 and 503); None when it asked none."""
    if exc.code in (429, 503):
        return retry_after_s(exc.headers.get("Retry-After"))
    return None


def retry_delay_s(attempt: int, retry_after: float | None, base_s: float, max_s: float, rng: random.Random) -> float:
    """The wait before retry ``attempt`` (1 for the first): the server's ``retry_after`` if it gave
    one, else ``base_s * 2**(attempt - 1)`` less up to 25 % jitter; either capped at ``max_s``."""
    if retry_after is not None:
        return min(retry_after, max_s)
    delay = min(base_s * 2 ** (attempt - 1), max_s)
    return delay * (1.0 - 0.25 * rng.random())


def retry_after_s(value: str | None) -> float | None:
    """Retry-After as seconds: a number or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirected POST would silently become a GET (301/302/303); report it instead."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def read_limited(response: Any) -> bytes:
    """At most ``MAX_BODY_BYTES + 1`` bytes of a body, so that an oversized one shows as such."""
    # A timeout or a cut connection here propagates: the caller retries it like any transport error.
    return bytes(response.read(MAX_BODY_BYTES + 1))


def read_error_body(exc: urllib.error.HTTPError) -> bytes:
    """An error response's body, best effort: the status already says what happened."""
    try:
        return read_limited(exc)
    except (OSError, http.client.HTTPException):
        return b""
    finally:
        exc.close()


def server_message(raw: bytes) -> str:
    """The human part of an error body: OpenAI's error.message, FastAPI's detail, or the text."""
    try:
        payload = json.loads(raw)
    except ValueError:
        return snippet(raw)
    if isinstance(payload, dict):
        error = payload.get("error", payload.get("detail", payload.get("message")))
        if isinstance(error, dict):
            error = error.get("message", error)
        if error is not None:
            return snippet(str(error).encode())
    return snippet(raw)


def snippet(raw: bytes) -> str:
    """A body on one line, cut to ``SNIPPET_CHARS``."""
    text = " ".join(raw.decode("utf-8", "replace").split())
    if not text:
        return "(empty body)"
    return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS] + "..."


def transport_error(exc: BaseException, timeout_s: float) -> str:
    """A failure below HTTP (refused, reset, timed out, DNS) in words a user can act on."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"no answer within {timeout_s:g} s (timed out)"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (is the server running and listening there?)"
    if isinstance(reason, socket.gaierror):
        return f"cannot resolve the host name ({reason.strerror or reason})"
    if isinstance(reason, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    text = str(reason) or type(reason).__name__
    return " ".join(text.split())[:SNIPPET_CHARS]
