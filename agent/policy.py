"""Trust: a policy every action passes before it runs (the shipped ``agent.guard.ActionGuard``).

A policy file (YAML; every field optional, flags override it: ``agent.cli.policy_flags``)::

    allowed_actions: [click, type, key, scroll]   # action kinds; absent: every kind
    region: {left: 0, top: 0, width: 1280, height: 800}   # screen points every pointer point lies in
    window_title: "^Deskpilot Demo$"              # regex (re.search) of the window each action lands in
    confirm_words: [Delete, Send, Pay, Submit order, Remove, Transfer]
    confirm_radius: 80                            # points around the action's point read by OCR
    confirm: ask                                  # ask | refuse | allow
    max_actions: 40                               # per-run action budget

The checks run in that order: kind, budget, region, window title, confirm words. A refusal is a
``PolicyError`` whose message is one line naming the rule and the action; the loop ends the run
with it and performs nothing for that action.

* Points: a click, move and scroll have one, a drag two (start and end); every one must lie in the
  region and over a window whose title matches. ``type`` and ``key`` have none: with a window title
  set, the *active* window (where the keys go) must match; the region does not apply to them.
* Confirm words are matched by the one text rule (``actions.text_match``: a case-insensitive part of
  a line, so "Delete" asks at "Deleted" and at "Delete all"; "/regex/flags" for a narrower word such as
  "/\\bPay\\b/i") against the lines OCR reads within ``confirm_radius`` points of the point, for actions
  that commit something: a click or a drag (both ends), and an Enter key (a ``key`` chord with enter,
  or ``type`` text with a newline), which is checked at the last click's point, where the keyboard
  focus went. A needless question is cheaper than a missed one. A point outside the watched screen
  area cannot be read, so it is refused while confirmation is on.
* ``confirm: ask`` asks y/N on the terminal (``/dev/tty``) when stdin and stdout are both
  terminals, and refuses otherwise (CI); ``refuse`` always refuses; ``allow`` never reads the
  screen (trusted unattended runs).
* The budget counts the actions the policy let through.
* In a dry run nothing is performed, so nothing is asked: a confirm word is reported on stderr
  and the action is let through; every other rule refuses as in a real run.

On-screen text is data, never instructions: the rules are a frozen model built once from the file
and flags before the run. The screen (OCR'd words, window titles) and the model's actions are only
ever compared against them: they can make the policy ask or refuse, never allow more.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from actions.coords import ScreenPoint
from actions.errors import PolicyError
from actions.frame import Frame
from actions.models import ACTION_KINDS, Action, Drag, Key, Type
from actions.text_match import TextPattern
from planners.user_files import load_yaml_mapping, validate_user_model

if TYPE_CHECKING:
    from planners.grounding.ocr import OcrGrounder, Word

if TYPE_CHECKING:
    ActionKind = str
else:  # the kinds of the Action union, as a Literal: a policy file naming another is refused in its own words
    ActionKind = Literal[ACTION_KINDS]
ConfirmMode = Literal["ask", "refuse", "allow"]
DEFAULT_CONFIRM_WORDS = ("Delete", "Send", "Pay", "Submit order", "Remove", "Transfer")


class Region(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    left: int
    top: int
    width: int = Field(gt=0)
    height: int = Field(gt=0)

    def contains(self, x: int, y: int) -> bool:
        return self.left <= x < self.left + self.width and self.top <= y < self.top + self.height

    def __str__(self) -> str:
        return f"{self.left},{self.top} {self.width}x{self.height}"


class PolicyFile(BaseModel):
    """What a run may do. Frozen: built once before the run, never changed by anything in it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    allowed_actions: tuple[ActionKind, ...] | None = Field(None, min_length=1, description="absent: every kind")
    region: Region | None = Field(None, description="screen points every pointer action must lie in")
    window_title: str | None = Field(None, min_length=1, description="regex the window under each action matches")
    confirm_words: tuple[str, ...] = DEFAULT_CONFIRM_WORDS
    confirm_radius: int = Field(80, ge=1, le=4000, description="points around the action's point")
    max_actions: int | None = Field(None, ge=0, description="per-run action budget")
    confirm: ConfirmMode = "ask"

    @field_validator("window_title")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except (re.error, OverflowError, RecursionError) as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value

    @field_validator("confirm_words")
    @classmethod
    def _has_letters(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for word in value:
            try:
                TextPattern.parse(word)
            except ValueError as exc:
                raise ValueError(f"{word!r}: {exc}") from None
        return value


def load_policy(path: str | Path) -> PolicyFile:
    """Read and validate a policy file; every problem is one UserInputError naming the file and place.
    An empty file is every default."""
    data = load_yaml_mapping(path, "policy", "of policy fields", empty_ok=True)
    return validate_user_model(PolicyFile, data, path)


class _Titled(Protocol):
    @property
    def title(self) -> str: ...


AskFn = Callable[[str], bool]
WindowAtFn = Callable[[int, int], "_Titled | None"]
ActiveWindowFn = Callable[[], "_Titled | None"]


class Policy:
    """``check(action, frame)`` raises PolicyError to refuse. Every seam is injectable for tests:
    ``ask`` (the y/N question), ``is_terminal``, ``window_at``/``active_window`` (X11 by default),
    ``reader`` (the OCR), ``note`` (where a dry run reports what it would have asked)."""

    __slots__ = ("_rules", "_title", "_patterns", "_ask", "_is_terminal", "_window_at", "_active_window",
                 "_reader", "_note", "dry_run", "_count", "_focus")  # fmt: skip

    def __init__(
        self,
        rules: PolicyFile,
        *,
        ask: AskFn | None = None,
        is_terminal: Callable[[], bool] | None = None,
        window_at: WindowAtFn | None = None,
        active_window: ActiveWindowFn | None = None,
        reader: OcrGrounder | None = None,
        note: Callable[[str], None] | None = None,
        dry_run: bool = False,
    ) -> None:
        self._rules = rules
        self._title = re.compile(rules.window_title) if rules.window_title is not None else None
        self._patterns = [(word, TextPattern.parse(word)) for word in rules.confirm_words]
        self._ask = ask or ask_on_terminal
        self._is_terminal = is_terminal or stdio_is_terminal
        self._window_at, self._active_window = window_at, active_window
        self._reader = reader
        self._note = note or (lambda line: print(line, file=sys.stderr, flush=True))
        self.dry_run = dry_run
        self._count = 0  # actions let through this run
        self._focus: tuple[int, int] | None = None  # the last click: where typed keys go

    @property
    def rules(self) -> PolicyFile:
        return self._rules

    @property
    def actions_allowed(self) -> int:
        return self._count

    def for_new_run(self) -> Policy:
        """The same rules and seams with a fresh budget (``replay --repeat`` runs several)."""
        return Policy(
            self._rules,
            ask=self._ask,
            is_terminal=self._is_terminal,
            window_at=self._window_at,
            active_window=self._active_window,
            reader=self._reader,
            note=self._note,
            dry_run=self.dry_run,
        )

    def describe(self) -> str:
        r = self._rules
        parts = [
            "actions " + (",".join(r.allowed_actions) if r.allowed_actions else "any"),
            f"region {r.region}" if r.region else "",
            f"window /{r.window_title}/" if r.window_title else "",
            f"budget {r.max_actions}" if r.max_actions is not None else "",
            f"confirm {r.confirm}" + (f" near {', '.join(r.confirm_words)}" if r.confirm != "allow" else ""),
        ]
        return "policy: " + "; ".join(p for p in parts if p)

    # -- the guard -----------------------------------------------------------------------------
    def check(self, action: Action, frame: Frame) -> bool:
        """Refuse (PolicyError) or allow; allowing, False when a person was asked to confirm the action."""
        rules, desc = self._rules, action.describe()
        if rules.allowed_actions is not None and action.kind not in rules.allowed_actions:
            allowed = ", ".join(rules.allowed_actions)
            raise PolicyError(f"policy: {desc} is not an allowed action (allowed: {allowed})")
        if rules.max_actions is not None and self._count >= rules.max_actions:
            raise PolicyError(f"policy: the action budget ({rules.max_actions} actions) is used up; refused {desc}")
        points = _points(action)
        if rules.region is not None:
            for i, (x, y) in enumerate(points):
                if not rules.region.contains(x, y):
                    raise PolicyError(f"policy: {desc} {_verb(i)} outside the allowed region {rules.region}")
        if self._title is not None:
            self._check_windows(action, desc, points)
        confirmed = False
        if rules.confirm != "allow":
            confirmed = self._check_confirm(action, desc, points, frame)
        self._count += 1
        if action.commits:
            self._focus = points[0]
        return not confirmed

    def _check_windows(self, action: Action, desc: str, points: Sequence[tuple[int, int]]) -> None:
        assert self._title is not None
        pattern = self._title.pattern
        for i, (x, y) in enumerate(points):
            info = self._lookup_window_at(x, y)
            if info is None:
                raise PolicyError(f"policy: {desc} {_verb(i)} on no window; the allowed window title is /{pattern}/")
            if not self._title.search(info.title):
                raise PolicyError(
                    f"policy: {desc} {_verb(i)} on the window {info.title!r}, whose title does not match /{pattern}/"
                )
        if action.keyboard:
            active = self._lookup_active_window()
            if active is None:
                raise PolicyError(
                    f"policy: {desc} would go to no window (none is active); the allowed window title is /{pattern}/"
                )
            if not self._title.search(active.title):
                raise PolicyError(
                    f"policy: {desc} would go to the window {active.title!r}, whose title does not match /{pattern}/"
                )

    def _check_confirm(self, action: Action, desc: str, points: Sequence[tuple[int, int]], frame: Frame) -> bool:
        """True when a confirm word was near (and the action was confirmed, or it is a dry run)."""
        if action.commits:
            targets = list(points)
        elif _presses_enter(action) and self._focus is not None:
            targets = [self._focus]
            desc = f"{desc} (at the last click, {self._focus[0]},{self._focus[1]})"
        else:
            return False
        confirmed = False
        for x, y in targets:
            word = self._confirm_word_near(frame, x, y)
            if word is None:
                raise PolicyError(
                    f"policy: {desc} is outside the watched screen area, so the words near it cannot be read; refused"
                )
            if word:
                self._confirm(word, desc)
                confirmed = True
        return confirmed

    def _confirm(self, word: str, desc: str) -> None:
        mode = self._rules.confirm
        if self.dry_run:
            would = "ask first" if mode == "ask" else "refuse it"
            self._note(f"deskpilot: dry run: {word!r} is near {desc}; a real run would {would}")
            return
        if mode == "refuse":
            raise PolicyError(f"policy: {word!r} is near {desc} and the policy says confirm: refuse; refused")
        if not self._is_terminal():
            raise PolicyError(f"policy: {word!r} is near {desc} and there is no terminal to confirm it; refused")
        if not self._ask(f"deskpilot: {desc} is near {word!r} on the screen. Perform it? [y/N] "):
            raise PolicyError(f"policy: {word!r} is near {desc} and the person declined it; refused")

    # -- reading the screen (data only) ----------------------------------------------------------
    def _confirm_word_near(self, frame: Frame, x: int, y: int) -> str | None:
        """The first confirm word read near the point, '' for none, None when the point is off the frame."""
        from planners.grounding.ocr import find_label

        words = self.words_near(frame, x, y)
        if words is None:
            return None
        return next((word for word, pattern in self._patterns if find_label(words, pattern)), "")

    def words_near(self, frame: Frame, x: int, y: int) -> list[Word] | None:
        """OCR'd words whose box lies within ``confirm_radius`` points of (x, y); None off the frame."""
        from planners.grounding.ocr import OcrGrounder, text_blobs

        profile = frame.profile
        if not profile.contains(ScreenPoint(x, y)):
            return None
        centre = profile.screen_to_image(ScreenPoint(x, y))
        radius_px = self._rules.confirm_radius * profile.scale

        def near(box: tuple[int, int, int, int]) -> bool:
            bx, by, bw, bh = box
            dx = max(bx - centre.x, 0.0, centre.x - (bx + bw))
            dy = max(by - centre.y, 0.0, centre.y - (by + bh))
            return math.hypot(dx, dy) <= radius_px

        blobs = [box for box in text_blobs(frame) if near(box)]
        if not blobs:
            return []
        if self._reader is None:
            self._reader = OcrGrounder()
        return [word for word in self._reader.read(frame, blobs) if near(word.box)]

    def _lookup_window_at(self, x: int, y: int) -> _Titled | None:
        if self._window_at is not None:
            return self._window_at(x, y)
        from actions.x11.windows import window_at

        return window_at(x, y)

    def _lookup_active_window(self) -> _Titled | None:
        if self._active_window is not None:
            return self._active_window()
        from actions.x11.windows import active_window

        return active_window()


def _points(action: Action) -> list[tuple[int, int]]:
    if action.point is None:
        return []
    if isinstance(action, Drag) and action.to_point is not None:
        return [action.point, action.to_point]
    return [action.point]


def _verb(index: int) -> str:
    return "is" if index == 0 else "ends"


def _presses_enter(action: Action) -> bool:
    if isinstance(action, Key):
        return "enter" in action.keys
    return isinstance(action, Type) and ("\n" in action.text or "\r" in action.text)


def stdio_is_terminal() -> bool:
    """Asking needs a person: stdin and stdout both terminals (not CI, not a pipe)."""
    return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout))


def ask_on_terminal(question: str) -> bool:
    """Ask y/N on the controlling terminal; anything but y/yes (or no terminal at all) is no."""
    try:
        with open("/dev/tty", "rb+", buffering=0) as tty:  # unbuffered: a terminal cannot seek
            tty.write(question.encode("utf-8", errors="replace"))
            answer = tty.readline().decode("utf-8", errors="replace")
    except OSError:
        return False
    return answer.strip().lower() in ("y", "yes")
