"""Mark the agent's own input on the X server, so a recorder can leave it out.

XTEST input looks exactly like a person's to every listener (pynput reports it with
``injected=False``: on X11 that flag is only the event's ``send_event`` bit, which XTEST never sets),
and the agent and ``xdotool`` both use XTEST. So while the executor performs an action it sets a
property on the root window, ``_DESKPILOT_ACTING`` = ``[pid, counter]`` (CARDINAL/32), and deletes
it afterwards.

Ordering is what makes this exact rather than a guess. ``set`` and ``clear`` each end with a round
trip (``XSync``), and our executor's input connections (pyautogui, the XTEST typer) sync after every
fake event too, so the server processes: ChangeProperty, then every XTEST request of the action
(the server turns each into device events while processing the request), then DeleteProperty. A
recorder that sees the property requests and the device events in *one* XRecord stream (see
``actions.x11.input_capture``) therefore knows for each event whether the flag was up when the server
generated it. :func:`is_agent_acting` (a GetProperty now) is for code that cannot see that stream:
it answers for the present moment, which is racy for an event that has already been delivered.

One acting process per display at a time: a second agent acting concurrently would clear the
flag of the first.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from actions.errors import ActionError
from actions.x11.display import open_display, read_property

ACTING_ATOM = "_DESKPILOT_ACTING"
_counter = itertools.count(1)


class ActingFlag:
    """The flag on one display; reentrant per instance (only the outermost ``with`` sets and clears).

    Keep one per executor: the X connection stays open, so an action pays two round trips
    (about 0.2 ms on a local socket), not a connection setup.
    """

    def __init__(self, display: str | None = None) -> None:
        from Xlib import Xatom

        self._d: Any = open_display(display, ActionError)
        self._root = self._d.screen().root
        self._atom = self._d.intern_atom(ACTING_ATOM)
        self._cardinal = Xatom.CARDINAL
        self._depth = 0
        self._lock = threading.Lock()  # one Display must not be used from two threads at once

    def set(self) -> None:
        with self._lock:
            self._depth += 1
            if self._depth == 1:
                value = [os.getpid(), next(_counter) & 0xFFFFFFFF]
                self._root.change_property(self._atom, self._cardinal, 32, value)
                self._d.sync()  # processed before any input the caller sends next

    def clear(self) -> None:
        with self._lock:
            self._depth = max(0, self._depth - 1)
            if self._depth == 0:
                self._root.delete_property(self._atom)
                self._d.sync()

    def close(self) -> None:
        self._d.close()

    def __enter__(self) -> ActingFlag:
        self.set()
        return self

    def __exit__(self, *exc: object) -> None:
        self.clear()


_flags: dict[str | None, ActingFlag] = {}
_flags_lock = threading.Lock()


def _shared_flag(display: str | None) -> ActingFlag:
    key = display or os.environ.get("DISPLAY")
    with _flags_lock:
        if key not in _flags:
            _flags[key] = ActingFlag(key)
        return _flags[key]


@contextmanager
def acting(display: str | None = None) -> Iterator[None]:
    """``with acting(display): <perform input>``: a recorder on ``display`` leaves that input out.

    Uses one cached connection per display for the whole process.
    """
    flag = _shared_flag(display)
    flag.set()
    try:
        yield
    finally:
        flag.clear()


def read_flag(display: str | None = None) -> tuple[int, int] | None:
    """``(pid, counter)`` of the flag as it is now, or None when nobody is acting."""
    conn: Any = open_display(display, ActionError)
    try:
        reply = read_property(conn.screen().root, conn.intern_atom(ACTING_ATOM))
    finally:
        conn.close()
    if reply is None or len(reply.value) < 2:
        return None
    return int(reply.value[0]), int(reply.value[1])


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (on this host): a flag left by a killed agent is stale."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, someone else's
    return True


def is_agent_acting(display: str | None = None) -> bool:
    """Whether an agent is performing input *right now* (a flag whose process is still alive)."""
    flag = read_flag(display)
    return flag is not None and pid_alive(flag[0])
