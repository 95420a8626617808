"""Paste text by owning an X selection in-process, for exactly as long as one paste needs it.

The selection is CLIPBOARD for ctrl+v and the chords of most terminals, PRIMARY for xterm's
shift+Insert, both when the chord is the user's and which one it reads is unknown (the table:
:mod:`actions.x11.paste_keys`). Below, "the clipboard" is whichever of them a paste owns.

Characters the keymap lacks cannot be typed without remapping a keycode, which races with the
application (see :mod:`actions.x11.keyboard`). Pasting has no such race, but it needs three things
this module provides, with no sleeps anywhere (every wait is ``select()`` on the X socket with a
deadline):

1. the user's clipboard text is read first and given back afterwards;
2. we answer the application's SelectionRequest ourselves, so we *see* the paste happen, and we
   keep owning CLIPBOARD until the application is done with it. Measured on real apps (requests
   after the ctrl+v press, times from the press, 2-core Xvfb machine):

   * Tk: ``UTF8_STRING`` (+1-4 ms), nothing else.
   * GTK3 text view (mousepad): ``GTK_TEXT_BUFFER_CONTENTS``, ``TARGETS``,
     ``text/plain;charset=utf-8`` (+2-6 ms); GtkEntry (its Save As dialog): only
     ``text/plain;charset=utf-8`` (+1-2 ms).
   * Qt5 editor and QLineEdit (featherpad and its dialog): ``TARGETS``,
     ``text/plain;charset=utf-8`` (+1-14 ms).
   * Chromium: ``TARGETS``, ``UTF8_STRING`` (+1-16 ms; this fetch is the text it pastes), one
     to four ``TARGETS``, a pause (usually 5-40 ms, once over 100 ms), then about 6-9 ``TARGETS``,
     a second ``UTF8_STRING`` and 4 ``TARGETS`` 1 ms apart (until +20-76 ms). If the owner changes
     before that sequence ends (the restore in 3), Chromium *drops the paste* and inserts nothing:
     counting its first fetch as "done" lost the text every time.

   So the rule: the paste counts only when a window of the *focused* client fetched a text target
   after the chord was pressed (a clipboard manager is another client and does not count), and is
   over only once that client then asked nothing more for ``quiet_s`` or, if it went on asking
   (Chromium), once it fetched the text a second time and then went quiet, or once it asked nothing
   for ``_SILENCE_S`` without that re-read (gedit asks TARGETS twice right after its fetch and never
   again: waiting for a re-read failed a paste that had arrived). One that keeps asking for
   ``RECHECK_TIMEOUT_S`` and never re-reads fails the paste: the text may not have arrived. Until then
   every request is served with the text. If no fetch comes within the timeout,
   :class:`TextNotDelivered` says what was asked instead. Waiting for the requestor
   to delete the property, as ICCCM asks, does not work: Tk reads it without deleting (non-INCR
   transfers), so that event never comes. The text then lives in the requestor's own property,
   which losing CLIPBOARD cannot touch, and X delivers the SelectionNotify before any key we fake
   after the round trip, so the next typed text lands after the pasted text. A request that came
   before the press (a client probing the clipboard when its owner changes) is served, never
   counted;
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
from actions.x11.display import open_display, read_property
from actions.x11.display import window_id as _wid
from actions.x11.paste_report import PasteRequest, TextNotDelivered, not_delivered, quote_text

_UTF8_TARGETS = ("UTF8_STRING", "text/plain;charset=utf-8", "TEXT")


# After the focused client fetched the text: how long it must then ask nothing more before the
# paste is over. Tk, GTK and Qt ask nothing after the text; Chromium's next request follows its
# text fetch within 0-3 ms, and within its last phase requests come 1 ms apart. The margin is for
# a loaded machine. Costs this much once per pasted run.
QUIET_S = 0.1
# How long a client that re-reads the text (Chromium) may take before it does: its pause is the
# page's work on the pasted text (1.9 s seen for a 75 000-character textarea).
RECHECK_TIMEOUT_S = 10.0
# However long a client keeps asking after that, the paste is over this long after its re-read.
_MAX_TAIL_S = 1.0
# A client that asked more after its text fetch and then nothing for this long (and this long per character
# pasted) is done without a re-read: gedit asks TARGETS twice after its fetch and never again, Chromium's
# pause before its re-read is 5-40 ms for a line and 1.9 s for a 75 000-character textarea.
_SILENCE_S = 1.0
_SILENCE_PER_CHAR_S = 40e-6


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
        self._selections = {"CLIPBOARD": self._clipboard, "PRIMARY": Xatom.PRIMARY}
        self._utf8_targets = {atom(name): name for name in _UTF8_TARGETS}
        self._utf8, self._incr = atom("UTF8_STRING"), atom("INCR")
        self._prop, self._stamp = atom("_DESKPILOT_CLIPBOARD"), atom("_DESKPILOT_TIMESTAMP")
        # One paste must fit one request: python-xlib has no BIG-REQUESTS (so 256 KiB at most).
        self._max_bytes = self._d.display.info.max_request_length * 4 - 64
        self._texts: dict[int, str] = {}  # selection atom -> what we answer with while we own it
        self._pasting: tuple[int, ...] = ()  # the selections the current (or last) paste owns
        self._owned_at = X.CurrentTime
        self._served_to: list[int] = []  # requestor windows we handed the text to, in this paste
        # Every request of the current (or last) paste, for the run record and the benchmarks.
        self.trace: list[PasteRequest] = []
        self._pressed_at: float | None = None  # monotonic time of the chord press, in a paste
        self._focus: int | None = None  # the focused client of the current paste
        self.quiet_s = QUIET_S
        self.recheck_timeout_s = RECHECK_TIMEOUT_S
        self._text_target_names = {*_UTF8_TARGETS, "STRING"}

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
            self._texts.pop(ev.atom, None)

    def _answer(self, req: Any) -> None:
        requestor = self._d.create_resource_object("window", _wid(req.requestor))
        if self._pressed_at is not None or self._focus is not None:
            self._note(req)
        target = req.target
        prop = req.property or target  # obsolete clients pass None
        text = self._texts.get(req.selection)
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
        if self.trace and self._pressed_at is not None and target != self._targets and target != self._timestamp:
            last = self.trace[-1]
            if last.focused and not any(r.counted for r in self.trace):
                self.trace[-1] = PasteRequest(last.at_ms, last.client, last.target, True, counted=True)

    def _note(self, req: Any) -> None:
        mask = ~self._d.display.info.resource_id_mask
        client = _wid(req.requestor) & mask
        pressed = self._pressed_at
        at_ms = -1.0 if pressed is None else (time.monotonic() - pressed) * 1000.0  # < 0: before the press
        focused = self._focus is None or client == self._focus
        self.trace.append(PasteRequest(round(at_ms, 1), client, self._atom_name(req.target), focused))

    def _atom_name(self, atom: int) -> str:
        known = {self._targets: "TARGETS", self._timestamp: "TIMESTAMP", Xatom.STRING: "STRING", **self._utf8_targets}
        if atom in known:
            return known[atom]
        try:
            return str(self._d.get_atom_name(atom))
        except Exception:  # noqa: BLE001 - a name is only for the record
            return f"atom {atom}"

    def _server_time(self, deadline: float) -> int:
        """A real server timestamp (ICCCM forbids CurrentTime for SetSelectionOwner)."""
        self._win.change_property(self._stamp, Xatom.STRING, 8, b"", mode=X.PropModeAppend)
        ev = self._wait(lambda e: e.type == X.PropertyNotify and e.atom == self._stamp, deadline)
        return int(ev.time) if ev is not None else int(X.CurrentTime)

    # -- reading ---------------------------------------------------------------------------------

    def _selection(self, name: str) -> int:
        if name not in self._selections:
            raise ActionError(f"unknown X selection {name!r} (CLIPBOARD or PRIMARY)")
        return int(self._selections[name])

    def read_text(self, timeout_s: float = 1.0, selection: str = "CLIPBOARD") -> str | None:
        """The selection's text, or None (no owner, no text target, or no answer in time)."""
        deadline = time.monotonic() + timeout_s
        atom = self._selection(selection)
        owner = _wid(self._d.get_selection_owner(atom))
        if owner == X.NONE:
            return None
        if owner == self._win.id:
            return self._texts.get(atom)
        for target, encoding in ((self._utf8, "utf-8"), (Xatom.STRING, "latin-1")):
            self._win.delete_property(self._prop)
            self._win.convert_selection(atom, target, self._prop, X.CurrentTime)
            ev = self._wait(_selection_notify(target), deadline)
            if ev is None:
                return None
            if ev.property != X.NONE:
                data = self._read_property(deadline)
                return None if data is None else data.decode(encoding, errors="replace")
        return None

    def _read_property(self, deadline: float) -> bytes | None:
        prop = read_property(self._win, self._prop, X.AnyPropertyType)
        self._win.delete_property(self._prop)
        if prop is None or prop.property_type != self._incr:
            return None if prop is None else bytes(prop.value)
        chunks: list[bytes] = []  # INCR: the owner writes a chunk each time we delete the last one

        def new_chunk(e: Any) -> bool:
            return bool(e.type == X.PropertyNotify and e.atom == self._prop and e.state == X.PropertyNewValue)

        while True:
            if self._wait(new_chunk, deadline) is None:
                return None
            prop = read_property(self._win, self._prop, X.AnyPropertyType)
            self._win.delete_property(self._prop)
            if prop is None or not prop.value:
                return b"".join(chunks)
            chunks.append(bytes(prop.value))

    # -- pasting ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def session(
        self, timeout_s: float = 2.0, selections: tuple[str, ...] = ("CLIPBOARD",), chord: str = "ctrl+v"
    ) -> Iterator[Callable[[str, Callable[[], None]], None]]:
        """Read the user's ``selections`` once, paste any number of texts (owning all of them; ``chord``
        names what ``press_paste`` presses, for messages), give each its text back on exit."""
        atoms = tuple(self._selection(name) for name in selections)
        previous = {atom: self.read_text(timeout_s, name) for atom, name in zip(atoms, selections, strict=True)}
        try:
            yield lambda text, press_paste: self._paste_one(text, press_paste, timeout_s, atoms, chord)
        finally:
            for atom, name in zip(atoms, selections, strict=True):
                self._restore(atom, name, previous[atom], timeout_s)

    def paste(
        self,
        text: str,
        press_paste: Callable[[], None],
        timeout_s: float = 2.0,
        selections: tuple[str, ...] = ("CLIPBOARD",),
        chord: str = "ctrl+v",
    ) -> None:
        """Own ``selections`` with ``text``, call ``press_paste()``, wait until the focused client read it."""
        with self.session(timeout_s, selections, chord) as paste:
            paste(text, press_paste)

    def _focus_client(self) -> int | None:
        focus = _wid(self._d.get_input_focus().focus)
        if focus in (X.NONE, X.PointerRoot):
            return None
        return int(focus & ~self._d.display.info.resource_id_mask)

    def _owns_paste(self) -> bool:
        return any(atom in self._texts for atom in self._pasting)

    def _paste_one(
        self, text: str, press_paste: Callable[[], None], timeout_s: float, atoms: tuple[int, ...], chord: str
    ) -> None:
        deadline = time.monotonic() + timeout_s
        self.trace, self._pressed_at = [], None
        self._focus = self._focus_client()
        try:
            self._owned_at = self._server_time(deadline)
            self._served_to, self._pasting = [], atoms
            for atom in atoms:
                self._texts[atom] = text
                self._win.set_selection_owner(atom, self._owned_at)
                if _wid(self._d.get_selection_owner(atom)) != self._win.id:
                    raise ActionError(f"could not take ownership of the X selection {self._atom_name(atom)}")
            self._d.flush()
            # Requests already queued were sent before the press: answered, never the paste.
            self.serve(0.0)
            press_paste()
            self._pressed_at = time.monotonic()
            if self._wait(lambda _: self._fetched(), deadline) is None:
                raise not_delivered(text, timeout_s, tuple(self.trace), lost=not self._owns_paste(), chord=chord)
            if not self._wait_until_done():
                raise TextNotDelivered(
                    f"text may not have arrived: the focused window fetched the paste of {quote_text(text)} but "
                    f"did not finish its paste (it re-reads the text when done) within {self.recheck_timeout_s:g} s",
                    text,
                    tuple(self.trace),
                )
        finally:
            self._pressed_at, self._focus = None, None

    def serve(self, timeout_s: float) -> None:
        """Answer clipboard requests for ``timeout_s`` (0: only those already queued)."""
        self._wait(lambda _: False, time.monotonic() + timeout_s)

    def _fetched(self) -> bool:
        """Whether the focused client fetched a text target after the press (see the module doc)."""
        return any(request.counted for request in self.trace)

    def _wait_until_done(self) -> bool:
        """Keep serving until the focused client is done with the paste (see the module doc);
        False when it kept asking for ``recheck_timeout_s`` and never fetched the text again.

        Tk, GTK and Qt ask nothing after their text fetch: done after ``quiet_s`` of silence.
        A client that keeps asking (Chromium re-checks TARGETS, pauses, then fetches the text a
        second time) is done only after that second fetch and ``quiet_s`` of silence: releasing
        CLIPBOARD in its pause made it drop the paste. One that asks a little more and then nothing
        for ``_SILENCE_S`` (or longer for a long text) is done without a re-read (gedit). The
        pause is the page's work on the pasted text: 5-40 ms for a line, once over 100 ms on a
        loaded machine, 1.5-1.9 s for a textarea holding 40 000-75 000 characters.
        """

        def focused_request(ev: Any) -> bool:
            return ev.type == X.SelectionRequest and bool(self.trace) and self.trace[-1].focused

        def quiet() -> bool:
            return self._wait(focused_request, time.monotonic() + self.quiet_s) is None

        if quiet() or not self._owns_paste():
            return True
        counted = next(i for i, request in enumerate(self.trace) if request.counted)

        def fetched_again(_: Any = None) -> bool:
            later = self.trace[counted + 1 :]
            return any(r.focused and r.target in self._text_target_names for r in later)

        # Or the client asks a little more (gedit: two TARGETS within a millisecond of its text fetch) and then
        # nothing at all: its paste is over. Chromium's pause before its re-read is the page's work on the text,
        # so the silence that ends a paste grows with the text (1.9 s seen for 75 000 characters).
        silence_s = max(_SILENCE_S, _SILENCE_PER_CHAR_S * len(self._texts.get(self._pasting[0], "")))
        give_up = time.monotonic() + self.recheck_timeout_s
        while not fetched_again():
            if time.monotonic() >= give_up:
                return False
            until = min(give_up, time.monotonic() + silence_s)
            if self._wait(lambda e: fetched_again() or focused_request(e), until) is None and until < give_up:
                return True
        end = time.monotonic() + _MAX_TAIL_S  # however long it then keeps asking
        while self._owns_paste() and time.monotonic() < end and not quiet():
            pass
        return True

    def _restore(self, atom: int, name: str, previous: str | None, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        if _wid(self._d.get_selection_owner(atom)) != self._win.id:
            return  # someone copied something meanwhile: theirs is newer than the user's old text
        if previous is None:
            self._d.create_resource_object("window", X.NONE).set_selection_owner(atom, self._owned_at)
            self._texts.pop(atom, None)
            self._d.sync()
            return
        self._texts[atom] = previous  # from here on, any request gets the user's text back
        xclip = shutil.which("xclip")
        if xclip is None:
            return  # keep owning it (see the module docstring)
        env = {**os.environ, "DISPLAY": self._d.get_display_name()}
        # xclip's parent exits once it forked the serving child; the child may not own the
        # selection yet, so wait for our SelectionClear. DEVNULL: a pipe would be held by the child.
        cmd = [xclip, "-selection", name.lower(), "-i"]
        quiet = subprocess.DEVNULL
        # start_new_session: a Ctrl+C to our process group must not kill the clipboard with us.
        done = subprocess.run(
            cmd, input=previous.encode(), env=env, stdout=quiet, stderr=quiet, timeout=timeout_s, start_new_session=True
        )
        if done.returncode == 0:
            self._wait(lambda _: atom not in self._texts, deadline)

    def close(self) -> None:
        self._d.close()

    def __enter__(self) -> ClipboardPaster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
