"""Paste text by owning the X CLIPBOARD in-process, for exactly as long as one paste needs it.

Characters the keymap lacks cannot be typed without remapping a keycode, which races with the
application (see :mod:`actions.x11.keyboard`). Pasting has no such race, but it needs three things
this module provides, with no sleeps anywhere (every wait is ``select()`` on the X socket with a
deadline):

1. the user's clipboard text is read first and given back afterwards;
2. we answer the application's SelectionRequest ourselves, so we *see* the paste happen. The paste
   counts as consumed once a window of the *focused* client asked for a text target and we wrote
   the text into its property and sent the SelectionNotify (a clipboard manager fetching the new
   content is another client and does not count). Waiting for the requestor to delete the
   property, as ICCCM asks, does not work: Tk reads it without deleting (non-INCR transfers), so
   that event never comes. It is not needed either: the text now lives in the requestor's own
   property, which losing CLIPBOARD cannot touch, and X delivers the SelectionNotify before any
   key we fake after the round trip, so the next typed text lands after the pasted text;
3. the previous text is handed to ``xclip`` (which forks and keeps serving it after we exit); we
   wait for the SelectionClear that proves xclip took over. Without xclip (or if it fails) we keep
   owning the text: it is answered only while this object handles events (during later pastes)
   and is lost on :meth:`ClipboardPaster.close`.

Only text is preserved: a clipboard holding only an image (no text target) is released, not restored.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

from Xlib import X, Xatom
from Xlib.protocol import event as xevent

from actions.errors import ActionError
from actions.x11.display import open_display

_UTF8_TARGETS = ("UTF8_STRING", "text/plain;charset=utf-8", "TEXT")


def _wid(window: Any) -> int:
    """python-xlib hands back window ids as Window objects or plain ints (X.NONE)."""
    return window if isinstance(window, int) else int(window.id)


def _selection_notify(target: int) -> Callable[[Any], bool]:
    return lambda e: e.type == X.SelectionNotify and e.target == target


class ClipboardPaster:
    """Owns CLIPBOARD on a connection of its own; use :meth:`paste` or :meth:`session`."""

    def __init__(self, display_name: str | None = None) -> None:
        self._d = open_display(display_name, ActionError)
        # Requestor windows may vanish mid-transfer; X errors arrive asynchronously and a stale
        # window must not raise out of an unrelated call.
        self._d.set_error_handler(lambda *_: None)
        self._win = self._d.screen().root.create_window(
            -10, -10, 1, 1, 0, X.CopyFromParent, event_mask=X.PropertyChangeMask
        )
        atom = self._d.intern_atom
        self._clipboard, self._targets, self._timestamp = atom("CLIPBOARD"), atom("TARGETS"), atom("TIMESTAMP")
        self._utf8_targets = {atom(name): name for name in _UTF8_TARGETS}
        self._utf8, self._incr = atom("UTF8_STRING"), atom("INCR")
        self._prop, self._stamp = atom("_DESKPILOT_CLIPBOARD"), atom("_DESKPILOT_TIMESTAMP")
        # One paste must fit one request: python-xlib has no BIG-REQUESTS (so 256 KiB at most).
        self._max_bytes = self._d.display.info.max_request_length * 4 - 64
        self._text: str | None = None  # what we answer with while we own CLIPBOARD
        self._owned_at = X.CurrentTime
        self._served_to: list[int] = []  # requestor windows we handed the text to, in this paste

    # -- event plumbing ------------------------------------------------------------------------

    def _wait(self, done: Callable[[Any], bool], deadline: float) -> Any:
        """Handle events until ``done(event)`` or the deadline; requests are served meanwhile."""
        while True:
            # Flush *before* looking at the queue: python-xlib's flush (and every round trip) may
            # read events off the socket into its queue, after which select() would sleep on them.
            self._d.flush()
            if self._d.pending_events():
                ev = self._d.next_event()
                self._handle(ev)
                if done(ev):
                    return ev
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            select.select([self._d.fileno()], [], [], remaining)

    def _handle(self, ev: Any) -> None:
        kind = ev.type
        if kind == X.SelectionRequest:
            self._answer(ev)
        elif kind == X.SelectionClear and _wid(ev.window) == self._win.id:
            self._text = None

    def _answer(self, req: Any) -> None:
        requestor = self._d.create_resource_object("window", _wid(req.requestor))
        target = req.target
        prop = req.property or target  # obsolete clients pass None
        text = self._text if req.selection == self._clipboard else None
        data: bytes | None = None
        if text is None:
            prop = X.NONE
        elif target == self._targets:
            atoms = [self._targets, self._timestamp, *self._utf8_targets, Xatom.STRING]
            requestor.change_property(prop, Xatom.ATOM, 32, atoms)
        elif target == self._timestamp:
            requestor.change_property(prop, Xatom.INTEGER, 32, [self._owned_at])
        elif target in self._utf8_targets:
            # TEXT lets the owner pick the encoding; we answer it as UTF8_STRING.
            data, kind = text.encode(), (self._utf8 if self._utf8_targets[target] == "TEXT" else target)
        elif target == Xatom.STRING:
            try:
                data, kind = text.encode("latin-1"), Xatom.STRING
            except UnicodeEncodeError:  # STRING is Latin-1 only; refuse rather than corrupt
                prop = X.NONE
        else:
            prop = X.NONE
        if data is not None and len(data) > self._max_bytes:
            data, prop = None, X.NONE  # no INCR sending: TextTyper pastes long text in pieces
        if data is not None:
            requestor.change_property(prop, kind, 8, data)
        notify = xevent.SelectionNotify(
            time=req.time, requestor=requestor.id, selection=req.selection, target=target, property=prop
        )
        requestor.send_event(notify, event_mask=0)
        if data is None:
            self._d.flush()
            return
        # Round trip: the SelectionNotify is now queued for the requestor *ahead of* any key we
        # fake afterwards (on the keyboard's connection), and the text sits in the requestor's
        # own property, where losing CLIPBOARD ownership can no longer touch it.
        self._d.sync()
        self._served_to.append(requestor.id)

    def _server_time(self, deadline: float) -> int:
        """A real server timestamp (ICCCM forbids CurrentTime for SetSelectionOwner)."""
        self._win.change_property(self._stamp, Xatom.STRING, 8, b"", mode=X.PropModeAppend)
        ev = self._wait(lambda e: e.type == X.PropertyNotify and e.atom == self._stamp, deadline)
        return ev.time if ev is not None else X.CurrentTime

    # -- reading ---------------------------------------------------------------------------------

    def read_text(self, timeout_s: float = 1.0) -> str | None:
        """The current CLIPBOARD text, or None (no owner, no text target, or no answer in time)."""
        deadline = time.monotonic() + timeout_s
        owner = _wid(self._d.get_selection_owner(self._clipboard))
        if owner == X.NONE:
            return None
        if owner == self._win.id:
            return self._text
        for target, encoding in ((self._utf8, "utf-8"), (Xatom.STRING, "latin-1")):
            self._win.delete_property(self._prop)
            self._win.convert_selection(self._clipboard, target, self._prop, X.CurrentTime)
            ev = self._wait(_selection_notify(target), deadline)
            if ev is None:
                return None
            if ev.property != X.NONE:
                data = self._read_property(deadline)
                return None if data is None else data.decode(encoding, errors="replace")
        return None

    def _read_property(self, deadline: float) -> bytes | None:
        prop = self._win.get_full_property(self._prop, X.AnyPropertyType)
        self._win.delete_property(self._prop)
        if prop is None or prop.property_type != self._incr:
            return None if prop is None else bytes(prop.value)
        chunks: list[bytes] = []  # INCR: the owner writes a chunk each time we delete the last one

        def new_chunk(e: Any) -> bool:
            return e.type == X.PropertyNotify and e.atom == self._prop and e.state == X.PropertyNewValue

        while True:
            if self._wait(new_chunk, deadline) is None:
                return None
            prop = self._win.get_full_property(self._prop, X.AnyPropertyType)
            self._win.delete_property(self._prop)
            if prop is None or not prop.value:
                return b"".join(chunks)
            chunks.append(bytes(prop.value))

    # -- pasting ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def session(self, timeout_s: float = 2.0) -> Iterator[Callable[[str, Callable[[], None]], None]]:
        """Read the user's clipboard once, paste any number of texts, restore it on exit."""
        previous = self.read_text(timeout_s)
        try:
            yield lambda text, press_paste: self._paste_one(text, press_paste, timeout_s)
        finally:
            self._restore(previous, timeout_s)

    def paste(self, text: str, press_paste: Callable[[], None], timeout_s: float = 2.0) -> None:
        """Put ``text`` on CLIPBOARD, call ``press_paste()``, wait until the focused client read it."""
        with self.session(timeout_s) as paste:
            paste(text, press_paste)

    def _focus_client(self) -> int | None:
        focus = _wid(self._d.get_input_focus().focus)
        if focus in (X.NONE, X.PointerRoot):
            return None
        return focus & ~self._d.display.info.resource_id_mask

    def _paste_one(self, text: str, press_paste: Callable[[], None], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        mask = ~self._d.display.info.resource_id_mask
        client = self._focus_client()
        self._owned_at = self._server_time(deadline)
        self._text, self._served_to = text, []
        self._win.set_selection_owner(self._clipboard, self._owned_at)
        if _wid(self._d.get_selection_owner(self._clipboard)) != self._win.id:
            raise ActionError("could not take ownership of the X CLIPBOARD")

        def consumed(_: Any) -> bool:
            return any(client is None or (w & mask) == client for w in self._served_to)

        press_paste()
        if self._wait(consumed, deadline) is None:
            others = "" if not self._served_to else " (only another client, e.g. a clipboard manager, did)"
            raise ActionError(
                f"paste not consumed: the focused window did not fetch the clipboard text within "
                f"{timeout_s:.1f} s{others}; is a text field focused, and does it paste on this chord?"
            )

    def _restore(self, previous: str | None, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        if _wid(self._d.get_selection_owner(self._clipboard)) != self._win.id:
            return  # someone copied something meanwhile: theirs is newer than the user's old text
        if previous is None:
            self._d.create_resource_object("window", X.NONE).set_selection_owner(self._clipboard, self._owned_at)
            self._text = None
            self._d.sync()
            return
        self._text = previous  # from here on, any request gets the user's text back
        xclip = shutil.which("xclip")
        if xclip is None:
            return  # keep owning it (see the module docstring)
        env = {**os.environ, "DISPLAY": self._d.get_display_name()}
        # xclip's parent exits once it forked the serving child; the child may not own the
        # selection yet, so wait for our SelectionClear. DEVNULL: a pipe would be held by the child.
        cmd = [xclip, "-selection", "clipboard", "-i"]
        quiet = subprocess.DEVNULL
        # start_new_session: a Ctrl+C to our process group must not kill the clipboard with us.
        done = subprocess.run(
            cmd, input=previous.encode(), env=env, stdout=quiet, stderr=quiet, timeout=timeout_s, start_new_session=True
        )
        if done.returncode == 0:
            self._wait(lambda _: self._text is None, deadline)

    def close(self) -> None:
        self._d.close()

    def __enter__(self) -> ClipboardPaster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
