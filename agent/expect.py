"""Judging an action's explicit expectation: text read by OCR, window titles read from the desktop.

``"change"`` and ``"none"`` are judged by settle (agent.settle, agent.motion); the four object
forms are judged here, polling the screen (never a clock) until they hold or ``timeout_s`` runs
out. What was seen is kept either way, so a failed step can say what was there instead: the
words OCR read, the window titles, the region looked at.

The judge lives on the top floor because it needs both the OCR reader (planners) and the
desktop's windows (actions.x11): the contract below only names the expectation.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

from actions.frame import Frame, Screen
from actions.models import ExpectNoText, ExpectNoWindow, ExpectSpec, ExpectText, ExpectWindow
from actions.windows import WindowSource
from agent.run_dir import Seen

_WINDOW_POLL_S = 0.02
_MAX_WORDS = 200  # what the record keeps of a screenful of words


@dataclass(frozen=True)
class Judgement:
    met: bool
    frame: Frame  # the last screen looked at
    seen: Seen


class ExpectationJudge:
    """``judge(spec, frame)``: whether the expectation holds within its timeout, and what was seen."""

    def __init__(self, screen: Screen, windows: WindowSource | None = None, reader: object | None = None) -> None:
        self.screen, self._windows, self._reader = screen, windows, reader

    @property
    def windows(self) -> WindowSource:
        if self._windows is None:
            from actions.x11.windows import WindowReader

            self._windows = WindowReader()
        return self._windows

    @property
    def reader(self):  # noqa: ANN201 - OcrGrounder, imported on first use (it finds tesseract)
        if self._reader is None:
            from planners.grounding.ocr import OcrGrounder

            self._reader = OcrGrounder()
        return self._reader

    def judge(self, spec: ExpectSpec, frame: Frame, cancel: threading.Event | None = None) -> Judgement:
        deadline = time.monotonic() + spec.timeout_s
        if isinstance(spec, (ExpectText, ExpectNoText)):
            return self._text(spec, frame, deadline, cancel)
        return self._window(spec, frame, deadline, cancel)

    def _text(
        self, spec: ExpectText | ExpectNoText, frame: Frame, deadline: float, cancel: threading.Event | None
    ) -> Judgement:
        from actions.text_match import TextPattern
        from planners.grounding.ocr import find_label

        wanted = spec.text if isinstance(spec, ExpectText) else spec.no_text
        pattern = TextPattern.parse(wanted, exact=spec.exact)
        width, height = frame.size
        while True:
            words = self.reader.read(frame)
            found = bool(find_label(words, pattern))
            met = found if isinstance(spec, ExpectText) else not found
            if met or time.monotonic() >= deadline or (cancel is not None and cancel.is_set()):
                break
            frame = self._next_different(frame, deadline, cancel)
        read = [w.text for w in words][:_MAX_WORDS]
        if isinstance(spec, ExpectText):
            detail = f"the text {wanted!r} " + ("was found" if met else f"was not found within {spec.timeout_s:g} s")
        else:
            detail = f"the text {wanted!r} " + ("is gone" if met else f"was still there after {spec.timeout_s:g} s")
        seen = Seen(expected=spec.describe(), detail=detail, region=(0, 0, width, height), words=read)
        return Judgement(met, frame, seen)

    def _next_different(self, frame: Frame, deadline: float, cancel: threading.Event | None) -> Frame:
        """The next capture that differs from ``frame`` (OCR of the same pixels would say the same)."""
        while time.monotonic() < deadline:
            if cancel is not None and cancel.wait(_WINDOW_POLL_S):
                break
            if cancel is None:
                time.sleep(_WINDOW_POLL_S)
            latest = self.screen.capture()
            if not latest.same_pixels(frame):
                return latest
        return self.screen.capture()

    def _window(
        self, spec: ExpectWindow | ExpectNoWindow, frame: Frame, deadline: float, cancel: threading.Event | None
    ) -> Judgement:
        pattern = re.compile(spec.window if isinstance(spec, ExpectWindow) else spec.no_window)
        while True:
            titles = [w.title for w in self.windows.list_windows() if w.viewable]
            active = self.windows.active_window()
            if isinstance(spec, ExpectWindow):
                met = active is not None and bool(pattern.search(active.title))
            else:
                met = not any(pattern.search(title) for title in titles)
            if met or time.monotonic() >= deadline or (cancel is not None and cancel.is_set()):
                break
            if cancel is not None:
                cancel.wait(_WINDOW_POLL_S)
            else:
                time.sleep(_WINDOW_POLL_S)
        frame = self.screen.capture()
        active_title = active.title if active is not None else None
        if isinstance(spec, ExpectWindow):
            what = f"the active window is {active_title!r}" if active_title is not None else "no window is active"
            detail = f"{what}; it does not match /{pattern.pattern}/" if not met else what
        else:
            matching = [t for t in titles if pattern.search(t)]
            detail = f"still open: {', '.join(repr(t) for t in matching)}" if not met else "no window matches"
        seen = Seen(expected=spec.describe(), detail=detail, windows=titles, active_window=active_title)
        return Judgement(met, frame, seen)


def describe_expectation(spec: ExpectSpec | str) -> str:
    if isinstance(spec, str):
        return {"change": "a visible change where the action acted", "none": "nothing visible"}.get(spec, spec)
    return spec.describe()
