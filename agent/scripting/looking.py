"""The looking half of ``Desktop``: ``sees``, ``wait_for`` and ``read_text``, each recorded as a step that
performed nothing, each looking only where it is told (a region, near a target, in a window) or else at
the screen (a script's look, not the verdict on an action)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from actions.errors import ExpectationFailed, UserInputError
from actions.frame import Frame
from agent.scripting import reading
from agent.scripting.arguments import Where, pattern_of, scope_of
from agent.scripting.host import ScriptHost

if TYPE_CHECKING:
    pass


class Looking(ScriptHost):
    """Mixed into ``Desktop``, which gives it ``_parts()``, ``_capture()`` and ``_note()``."""

    # -- looking -----------------------------------------------------------------------------------------
    def sees(
        self,
        text: str,
        *,
        region: tuple[int, int, int, int] | None = None,
        near: Where | None = None,
        in_window: str | None = None,
        exact: bool = False,
    ) -> bool:
        """Whether ``text`` is read now (by the text rule; ``exact``: a whole line): on the screen, or only
        in the scope given (``region`` in screen points, ``near`` a target, ``in_window`` a title regex)."""
        pattern = pattern_of(text, exact)
        scope, frame, started = scope_of(region, near, in_window), self._capture(), time.monotonic()
        words, where = self._words(scope, frame)
        seen = reading.sees_text(words, pattern, frame)
        self._note(frame, f"sees({text!r})", f"{'seen' if seen else 'not seen'} in {where or 'no place'}", started)
        return seen

    def wait_for(
        self,
        text: str,
        timeout_s: float = 10.0,
        *,
        region: tuple[int, int, int, int] | None = None,
        near: Where | None = None,
        in_window: str | None = None,
        exact: bool = False,
    ) -> None:
        """Until ``text`` is read (in the scope, if one is given); ``ExpectationFailed``, saying what was
        read there, after ``timeout_s``."""
        from agent.verify.poll import next_different, out_of_time

        pattern = pattern_of(text, exact)
        parts, scope, started = self._parts(), scope_of(region, near, in_window), time.monotonic()
        deadline = started + timeout_s
        frame = self._capture()
        while True:
            words, where = self._words(scope, frame)
            if reading.sees_text(words, pattern, frame):
                self._note(
                    frame, f"wait_for({text!r})", f"seen in {where} after {time.monotonic() - started:.1f} s", started
                )
                return
            if out_of_time(deadline, parts.stop):
                shown = " ".join(w.text for w in words)[:300]
                looked = f"{where} reads: {shown!r}" if where else "the scope was not found"
                why = f"{text!r} did not appear within {timeout_s:g} s; {looked}"
                self._note(frame, f"wait_for({text!r})", why, started, failed=True)
                raise ExpectationFailed(f"wait_for: {why}")
            frame = next_different(parts.screen, frame, deadline, parts.stop)

    def _words(self, scope: reading.Scope, frame: Frame) -> tuple[list[Any], str]:
        parts = self._parts()
        return scope.words(parts.resolver.ocr, frame, parts.windows, parts.resolver, parts.resolver.trees)

    def read_text(
        self, near: str | None = None, region: tuple[int, int, int, int] | None = None, *, in_window: str | None = None
    ) -> str:
        """OCR: the words written after the label ``near`` (or under it), every word in ``region`` (screen
        points), or every word in the windows whose title matches ``in_window``."""
        if sum(scope is not None for scope in (near, region, in_window)) != 1:
            raise UserInputError("read_text needs exactly one of near=, region= or in_window=")
        frame, started, reader = self._capture(), time.monotonic(), self._parts().resolver.ocr
        if near is not None:
            text, what = reading.text_near(reader, frame, near), f"read_text(near={near!r})"
        elif region is not None:
            text, what = reading.text_in_region(reader, frame, region), f"read_text(region={region})"
        else:
            words, where = self._words(scope_of(None, None, in_window), frame)
            if not where:
                raise UserInputError(f"read_text(in_window={in_window!r}): no open window's title matches")
            text, what = reading.text_of(words), f"read_text(in_window={in_window!r})"
        self._note(frame, what, repr(text), started)
        return text
