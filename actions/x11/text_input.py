"""Type any Unicode text exactly into the focused X11 window.

Characters the current keymap can produce at shift level 0 or 1 are typed with XTEST
(:class:`~actions.x11.keyboard.XTestKeyboard`): fast, and it works in fields that refuse pastes.
Runs of other characters (``é`` on a US keymap, ``✓``, CJK) are pasted through a selection we own
for the duration (:class:`~actions.x11.clipboard.ClipboardPaster`), with the paste chord pressed by
XTEST too: the focused window's class picks chord and selection (ctrl+v and CLIPBOARD; shift+Insert
and PRIMARY in xterm; ctrl+shift+v in other terminals: :mod:`actions.x11.paste_keys`). Nothing
remaps the keymap, so nothing races with the application reading it.

Nothing is sent while nothing holds the keyboard focus (:class:`~actions.errors.NoKeyboardFocus`).
A paste the window did not take erases what this text had typed before it, where BackSpace can
(see :func:`erasable`): a terminal is not left holding half a command.

:meth:`TextTyper.type_text` returns the runs and how each went in, for the run record.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Literal, NamedTuple

from actions.errors import NoKeyboardFocus
from actions.x11 import require_x11
from actions.x11.focus import KeyboardFocus
from actions.x11.paste_keys import PasteMethod, paste_method
from actions.x11.paste_report import PasteRequest, TextNotDelivered, quote_text

__all__ = ["PasteRequest", "TextNotDelivered", "TextTyper", "TypedRun", "erasable", "merge_sandwiched", "split_runs"]

NO_FOCUS = "nothing has the keyboard focus; click the field first"

Strategy = Literal["xtest", "clipboard"]

# One paste must fit a single X request (python-xlib has no BIG-REQUESTS, so at most 256 KiB) and
# stay below Tk's 400 000-byte property limit; longer runs are pasted in several pieces.
_MAX_PASTE_BYTES = 64 * 1024


class TypedRun(NamedTuple):
    """A piece of the text and how it was entered; compares equal to ``("xtest", "abc")``."""

    strategy: Strategy
    text: str


def split_runs(text: str, typeable: Sequence[bool]) -> list[TypedRun]:
    """Group consecutive characters by strategy; ``typeable[i]`` says whether ``text[i]`` is on the keymap."""
    runs: list[TypedRun] = []
    for ch, on_keymap in zip(text, typeable, strict=True):
        strategy: Strategy = "xtest" if on_keymap else "clipboard"
        if runs and runs[-1].strategy == strategy:
            runs[-1] = TypedRun(strategy, runs[-1].text + ch)
        else:
            runs.append(TypedRun(strategy, ch))
    return runs


def merge_sandwiched(runs: list[TypedRun]) -> list[TypedRun]:
    """Paste the keymap text *between* two pastes too ("é ✓" is one paste, not three runs).

    Each paste is a clipboard round trip and a ctrl+v the application sees; printable text pastes
    the same as it types. Text with a newline or tab stays typed: those are keys (Enter, Tab) that
    mean something different from a pasted character.
    """
    merged: list[TypedRun] = []
    for position, run in enumerate(runs):
        sandwiched = (
            run.strategy == "xtest"
            and 0 < position < len(runs) - 1
            and runs[position + 1].strategy == "clipboard"
            and not any(ch in run.text for ch in "\n\t")
        )
        strategy: Strategy = "clipboard" if sandwiched else run.strategy
        if merged and merged[-1].strategy == strategy:
            merged[-1] = TypedRun(strategy, merged[-1].text + run.text)
        else:
            merged.append(TypedRun(strategy, run.text))
    return merged


def erasable(typed: str) -> bool:
    """Whether one BackSpace per character takes ``typed`` back out of a text field or a shell's line.

    Not when it holds a newline or tab (Enter and Tab act: a command ran, the focus moved) or characters
    that join others (combining marks, joiners, variation selectors: one BackSpace may take a whole
    cluster), nor a control character.
    """
    return bool(typed) and not any(
        ch in "\n\t\r"
        or unicodedata.combining(ch)
        or unicodedata.category(ch) in ("Cc", "Cf", "Mn", "Me")
        or 0xFE00 <= ord(ch) <= 0xFE0F
        for ch in typed
    )


def _paste_chunks(text: str, max_bytes: int = _MAX_PASTE_BYTES) -> list[str]:
    """Split on character boundaries so that every piece encodes to at most ``max_bytes`` of UTF-8."""
    chunks: list[str] = []
    start, size = 0, 0
    for index, ch in enumerate(text):
        width = len(ch.encode())
        if size + width > max_bytes:
            chunks.append(text[start:index])
            start, size = index, 0
        size += width
    chunks.append(text[start:])
    return chunks


class TextTyper:
    """``TextTyper(display).type_text("Grüße ✓")``; both X connections are its own."""

    def __init__(
        self,
        display_name: str | None = None,
        paste_keys: Sequence[str] | None = None,
        paste_timeout_s: float = 2.0,
    ) -> None:
        """``paste_keys``: the chord for every paste (``("shift", "insert")``); None: the focused window's
        class decides (:func:`~actions.x11.paste_keys.paste_method`)."""
        require_x11("typing exact text (XTEST and the clipboard)")
        from actions.x11.clipboard import ClipboardPaster  # python-xlib is imported from here on
        from actions.x11.focus import FocusReader
        from actions.x11.keyboard import XTestKeyboard

        self.keyboard = XTestKeyboard(display_name)
        self.paster = ClipboardPaster(display_name)
        self.focus = FocusReader(display_name)
        self.paste_keys = tuple(paste_keys) if paste_keys else None
        self.paste_timeout_s = paste_timeout_s
        self.last_duration_s = 0.0
        self.last_paste: PasteMethod | None = None  # how the last text's pastes were made, if it had any

    def require_focus(self) -> KeyboardFocus:
        """The window typed keys go to; :class:`~actions.errors.NoKeyboardFocus` when there is none."""
        focus = self.focus.focus()
        if focus is None:
            raise NoKeyboardFocus(NO_FOCUS)
        return focus

    def plan(self, text: str) -> list[TypedRun]:
        """The runs :meth:`type_text` would use on the keymap as it is now (pastes not yet chunked)."""
        self.keyboard.refresh_keymap()
        return merge_sandwiched(split_runs(text, [self.keyboard.typeable(ch) for ch in text]))

    def type_text(self, text: str, paste_all: bool = False, focus: KeyboardFocus | None = None) -> list[TypedRun]:
        """Type ``text`` into the focused window; returns the runs in the order they went in.

        ``paste_all`` pastes the whole text (newlines and tabs included) instead of typing what the
        keymap has: for fields where keystrokes trigger something (autocompletion), and to measure.
        ``focus``: what :meth:`require_focus` just said (asked here when None).

        Raises :class:`~actions.errors.NoKeyboardFocus` before anything is sent when nothing holds
        the focus, and :class:`~actions.errors.TextNotDelivered` (an ``ActionError``) when a paste is
        not fetched by the focused window within ``paste_timeout_s``: its message says which part
        went in before it (``typed``: those runs), what the window asked for instead, and whether
        that part was erased again (``erased``). The user's selections are restored either way.
        ``self.paster.trace`` keeps the requests of the last paste.
        """
        started = time.monotonic()
        self.paster.trace, self.last_paste = [], None
        focus = focus or self.require_focus()
        runs = [TypedRun("clipboard", text)] if paste_all and text else self.plan(text)
        done: list[TypedRun] = []
        try:
            if any(run.strategy == "clipboard" for run in runs):
                method = self.last_paste = paste_method(focus.wm_class, self.paste_keys)
                # One session for the whole text: the user's clipboard is read once and restored
                # once, not handed to xclip after every accented letter.
                with self.paster.session(self.paste_timeout_s, method.selections, method.chord) as paste:
                    for run in runs:
                        done += self._enter(run, paste, method.keys)
            else:
                for run in runs:
                    done += self._enter(run, None, ())
        except TextNotDelivered as exc:
            raise self._undo(exc, done) from exc
        finally:
            self.last_duration_s = time.monotonic() - started
        return done

    def _enter(
        self, run: TypedRun, paste: Callable[[str, Callable[[], None]], None] | None, chord: tuple[str, ...]
    ) -> list[TypedRun]:
        if run.strategy == "xtest" or paste is None:
            self.keyboard.type_chars(run.text)
            return [run]
        pieces = _paste_chunks(run.text)
        for piece in pieces:
            paste(piece, lambda: self.keyboard.press_chord(chord))
        return [TypedRun("clipboard", piece) for piece in pieces]

    def _undo(self, exc: TextNotDelivered, done: list[TypedRun]) -> TextNotDelivered:
        """The error to raise: what went in before the failed paste, erased again where that is safe.

        Only when the window fetched nothing of the failed paste: a paste it fetched but did not finish
        (Chromium's re-read) may have arrived, and BackSpace would then eat into it."""
        typed = "".join(run.text for run in done)
        if not typed:
            return exc
        erased, after = False, ""
        if any(request.counted for request in exc.requests):
            after = "; not erased: the failed paste may have arrived in part"
        elif not erasable(typed):
            after = "; not erased: it holds keys BackSpace cannot take back (a newline, a tab, a joining mark)"
        else:
            for _ in typed:
                self.keyboard.press_chord(("backspace",))
            erased, after = True, f"; erased again with {len(typed)} BackSpace{'s' if len(typed) > 1 else ''}"
        message = f"{quote_text(typed)} went in, then {exc}{after}"
        return TextNotDelivered(message, exc.text, exc.requests, tuple(done), erased=erased)

    def close(self) -> None:
        self.keyboard.close()
        self.paster.close()
        self.focus.close()

    def __enter__(self) -> TextTyper:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
