"""One XRecord listener: the three-connection lifecycle that the input capture and the stop-key
watcher share, written once so that it cannot drift.

XRecord blocks the connection that enables a context until the context is disabled, so a listener
needs three connections: ``_record`` (blocked in EnableContext on the listener's thread), ``_control``
(creates, disables and frees the context, from any thread) and ``_lookup`` (keymap lookups and their
MappingNotify, on the listener's thread only). Every connection opened is closed on every way out:
no RECORD extension, a context the server refuses, a thread that does not start, :meth:`stop`.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, TypeVar

from actions.errors import DesktopError
from actions.x11 import require_x11
from actions.x11.display import close_quietly, open_display
from actions.x11.keysyms import modifier_of

_Listener = TypeVar("_Listener", bound="XRecordListener")
_SWAPPED = ">" if sys.byteorder == "little" else "<"  # the byte order of a client unlike us


class XRecordListener:
    """Subclasses say what to record (:attr:`core_requests`, :attr:`device_events`) and handle it
    (:meth:`_from_server`, :meth:`_from_client`) on the listener's thread; one bad element is kept in
    ``event_errors`` and the listening goes on, a broken connection ends it (``error``, ``alive``)."""

    feature = "listening to X input"  # for require_x11 and the messages
    thread_name = "deskpilot-xrecord"
    core_requests = (0, 0)  # opcodes of every client's requests to record (0, 0: none)
    device_events = (0, 0)  # KeyPress=2 .. ButtonRelease=5

    def __init__(self, display: str | None) -> None:
        require_x11(self.feature)
        self._display_name = display
        self._conns: list[Any] = []
        self._context: int | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.error: BaseException | None = None  # what ended the listening thread early
        self.event_errors: list[str] = []  # elements that could not be handled (listening went on)
        try:
            for _ in range(3):
                self._conns.append(open_display(display))
            self._record, self._control, self._lookup = self._conns
            if not self._record.has_extension("RECORD"):
                raise DesktopError("the X server has no RECORD extension (Xvfb and Xorg have it unless disabled)")
            self._prepare()
        except BaseException:
            self._close()
            raise

    def _prepare(self) -> None:
        """With the connections open, before any recording: read what the handlers need."""

    def _before_enable(self) -> None:
        """Just before the context is created (on :meth:`start`)."""

    def start(self: _Listener, timeout_s: float = 5.0) -> _Listener:
        """Returns once the server records (StartOfData): from then on no input is missed."""
        from Xlib.ext import record

        ranges = {
            "core_requests": self.core_requests,
            "core_replies": (0, 0),
            "ext_requests": (0, 0, 0, 0),
            "ext_replies": (0, 0, 0, 0),
            "delivered_events": (0, 0),
            "device_events": self.device_events,
            "errors": (0, 0),
            "client_started": False,
            "client_died": False,
        }
        try:
            self._before_enable()
            self._context = self._control.record_create_context(0, [record.AllClients], [ranges])
            self._control.sync()
            self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
            self._thread.start()
        except BaseException:
            self.stop()
            raise
        if not self._ready.wait(timeout_s):
            self.stop()
            raise DesktopError(f"{self.feature} did not start within {timeout_s:g} s")
        return self

    @property
    def alive(self) -> bool:
        """Still listening: False once stopped, or when the connection failed (see ``error``)."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Disable the context (the thread then returns), wait for the thread, free it, close all."""
        if self._context is not None:
            _end_context(self._control, self._context, self._thread, timeout_s)
            self._context = None
        self._close()

    def _close(self) -> None:
        for conn in self._conns:
            close_quietly(conn)
        self._conns = []

    # ---- the listener's thread ----------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._record.record_enable_context(self._context, self._handle)
        except BaseException as exc:  # noqa: BLE001 - reported to the owner through .error
            self.error = exc
        finally:
            self._ready.set()

    def _handle(self, reply: Any) -> None:
        from Xlib.ext import record

        try:
            if reply.category == record.StartOfData:
                self._ready.set()
            elif reply.category == record.FromClient:
                self._from_client(bytes(reply.data), _SWAPPED if reply.client_swapped else "=")
            elif reply.category == record.FromServer:
                self._from_server(bytes(reply.data))
        except Exception as exc:  # noqa: BLE001 - one bad element must not end the listening
            self.event_errors.append(f"{type(exc).__name__}: {exc}")

    def _from_client(self, data: bytes, order: str) -> None:
        """Recorded requests, in their sender's byte order (``order``: a struct prefix)."""

    def _from_server(self, data: bytes) -> None:
        """Recorded device events, 32 bytes each."""

    def _keymap_changed(self) -> bool:
        """Apply pending MappingNotify (sent to every client: setxkbmap, xmodmap); True if any came."""
        from Xlib import X

        changed = False
        while self._lookup.pending_events():
            event = self._lookup.next_event()
            if event.type == X.MappingNotify:
                self._lookup.refresh_keyboard_mapping(event)
                changed = True
        return changed


def modifier_masks(display: Any) -> list[tuple[int, str]]:
    """(state mask, name) per modifier, from the server's modifier map: Alt is not always Mod1."""
    masks: set[tuple[int, str]] = set()
    for index, keycodes in enumerate(display.get_modifier_mapping()):
        for keycode in keycodes:
            name = modifier_of(display.keycode_to_keysym(keycode, 0)) if keycode else ""
            if name:
                masks.add((1 << index, name))
    return sorted(masks)


def _end_context(control: Any, context: int, thread: threading.Thread | None, timeout_s: float) -> None:
    """Disable an XRecord context (its reader thread then returns), wait for the thread, free it.
    A server that went away has nothing left to release."""
    from Xlib.error import ConnectionClosedError, XError

    try:
        control.record_disable_context(context)
        control.sync()
        if thread is not None:
            thread.join(timeout_s)
        control.record_free_context(context)
        control.sync()
    except (ConnectionClosedError, XError, OSError):
        pass
