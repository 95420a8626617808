"""Every exception Deskpilot raises on purpose, split by whose fault it is.

    DeskpilotError                 base; ``str(exc)`` is one line a user can act on
    ├── UserInputError             the user's plan, flag or file is wrong; nothing ran
    │   └── PlanError              an action in a plan is invalid (names "step N", from 1, and the field)
    ├── PolicyError                the policy refused an action (or the person declined it); it did not run
    ├── DesktopError               the display, a window manager, a capture or the input device failed
    │   ├── CaptureError           a screenshot could not be taken
    │   └── ActionError            the executor could not perform an action (or the failsafe fired)
    │       ├── TextNotDelivered   typed text did not arrive (a paste the focused window never took)
    │       ├── NoKeyboardFocus    a ``type`` found no window holding the keyboard focus; nothing was sent
    │       └── PointOffScreen     a pointer action's point lies on no monitor; nothing was done
    ├── StopRequested              the stop hotkey fired while a planner was still thinking
    ├── ReplayFailed               a replay step could not be grounded, or a check after it failed
    ├── TargetNotFound             no rung of the grounding ladder found a target (``tried``: every reason)
    │   └── TargetAmbiguous        two equally good matches; refused, never guessed (``candidates``)
    ├── ExpectationFailed          what a script waited for did not happen (``Desktop.wait_for``, a step's
    │   │                          verdict): the message says what was seen instead
    │   └── StepFailed             a scripted step did not pass (failed, no_change, unsettled, no_place):
    │                              ``verdict`` and ``step`` (its index) say which
    ├── BackendError               the model backend failed: server down or out of retries, weights
    │                              that will not load, a missing optional package
    └── ModelOutputError           the model answered something we will not execute; recorded,
                                   shown to the model, retried a bounded number of times

The loop treats ``ModelOutputError`` as the model's fault (the run goes on, bounded) and every
other ``DeskpilotError`` as ours or the OS's (the run ends with the message as its reason), except
``TextNotDelivered`` and ``NoKeyboardFocus``: they are ``failed`` steps on record (``agent.undelivered``),
which a script stops at and a model is told about.
"""

from __future__ import annotations

from typing import Any


class DeskpilotError(Exception):
    """Base of all deliberate errors."""


class UserInputError(DeskpilotError):
    """Bad input from the user: a flag, a file, a plan."""


class PlanError(UserInputError):
    """An invalid action in a plan; the message names the step (numbered from 1) and the field."""


class PolicyError(DeskpilotError):
    """An action the policy does not allow, or that needed a confirmation it did not get."""


class DesktopError(DeskpilotError):
    """The desktop (X server, window manager, input) is not usable."""


class CaptureError(DesktopError):
    """Taking a screenshot failed."""


class ActionError(DesktopError):
    """Performing an action failed."""


class TextNotDelivered(ActionError):
    """Typed text did not arrive: the focused window never fetched its paste (the user's clipboard is
    restored). ``text`` is what was to be pasted, ``requests`` what was asked instead (X11:
    ``actions.x11.paste_report.PasteRequest``, one line each as ``str``), ``typed`` the pieces that
    went in before it, as ``(strategy, text)`` pairs: the step record's ``text_strategy``; ``erased``
    whether those were taken out again with BackSpace (so the field holds what it held before)."""

    def __init__(
        self,
        message: str,
        text: str,
        requests: tuple[Any, ...] = (),
        typed: tuple[tuple[str, str], ...] = (),
        *,
        erased: bool = False,
    ) -> None:
        super().__init__(message)
        self.text, self.requests, self.typed, self.erased = text, requests, typed, erased


class NoKeyboardFocus(ActionError):
    """A ``type`` found nothing holding the keyboard focus (X's focus is None, PointerRoot, the root,
    the window manager's own window or the desktop): raised before any key is sent."""


class PointOffScreen(ActionError):
    """A pointer action's point is on no monitor of the live screen; nothing was performed (X would
    clamp it to an edge, or refuse it deep in Xlib). ``point`` is the point, ``bounds`` the screen as
    ``actions.coords.ScreenBounds.describe`` says it. Plans are checked before they run (a
    ``PlanError``, exit 2); this is the executor's own check, for points found or computed at run time."""

    def __init__(self, message: str, point: tuple[int, int], bounds: str) -> None:
        super().__init__(message)
        self.point, self.bounds = point, bounds


class StopRequested(DeskpilotError):
    """Raised inside a planner that was still thinking after the stop hotkey; ``str`` is the reason."""


class ReplayFailed(DeskpilotError):
    """A step could not be grounded, or a check after it failed; the message names the step."""


class TargetNotFound(DeskpilotError):
    """A target (text, image, description) was not found; ``tried`` keeps each rung's ``(rung, reason)``,
    ``grounding`` what every rung looked at (best candidates, scores, OCR words), in the shape of a step
    record's ``grounding``: the loop records it as a failed step, and the report draws the candidates."""

    def __init__(
        self,
        message: str,
        tried: tuple[tuple[str, str], ...] = (),
        candidates: tuple[tuple[int, int], ...] = (),
        grounding: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.tried, self.candidates = tried, candidates
        self.grounding: list[dict[str, Any]] = grounding or []


class TargetAmbiguous(TargetNotFound):
    """Two or more equally good matches: ``candidates`` holds their screen points."""


class ExpectationFailed(DeskpilotError):
    """Something a script waited for or expected did not happen; the message says what was seen."""


class StepFailed(ExpectationFailed):
    """A step of a script or a replay did not pass; ``step`` is its 1-based index, ``verdict`` its verdict
    ("failed", "no_change", "unsettled", "no_place")."""

    def __init__(self, message: str, step: int, verdict: str) -> None:
        super().__init__(message)
        self.step, self.verdict = step, verdict


class BackendError(DeskpilotError):
    """The model backend failed (not what the model said, but getting an answer at all)."""


class ModelOutputError(DeskpilotError):
    """The model's answer could not be turned into valid actions; ``raw`` keeps the answer."""

    def __init__(self, message: str, raw: str | None = None) -> None:
        super().__init__(message)
        self.raw = raw
