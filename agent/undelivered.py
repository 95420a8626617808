"""An action that could not be delivered is a ``failed`` step on record, not a fault that ends the run.

Two ways a ``type`` does not arrive, both typed by the executor:

* ``NoKeyboardFocus``: nothing holds the keyboard focus, so nothing was sent at all;
* ``TextNotDelivered``: the focused window never fetched the paste; keys may have gone in before it.

Either way the step is recorded as every performed step is (settled, a before and an after frame, what
went in how), with the verdict ``failed`` and ``seen`` saying why: for a paste, what the focused window
asked of the clipboard, or that nothing asked. A script or a replay stops there, naming the step; a
model is told and decides. It is never typed again on its own.
"""

from __future__ import annotations

from actions.errors import ActionError, NoKeyboardFocus, TextNotDelivered
from actions.executor import Executor
from actions.frame import Frame
from actions.models import Action
from agent.motion import Watch
from agent.run_dir import Seen
from agent.verify.context import Judgement
from planners.verdicts import Verdict

Undelivered = TextNotDelivered | NoKeyboardFocus


def perform_once(executor: Executor, action: Action) -> Undelivered | None:
    """Perform ``action``; an action that did not arrive comes back instead of being raised."""
    try:
        executor.perform(action)
    except (TextNotDelivered, NoKeyboardFocus) as exc:
        return exc
    return None


def undelivered_judgement(exc: ActionError, frame: Frame, watch: Watch) -> Judgement:
    """The settled ``frame`` judged ``failed``, with what was seen instead of the text arriving."""
    if isinstance(exc, TextNotDelivered):
        requests: list[str] | None = [str(request) for request in exc.requests]
        expected = "the typed text to arrive (the focused window takes its paste)"
    else:
        requests, expected = None, "a window with the keyboard focus to type into"
    seen = Seen(
        expected=expected,
        detail=str(exc),
        region=watch.region.bbox,
        region_windows=list(watch.region.windows),
        paste_requests=requests,
    )
    return Judgement(Verdict.FAILED, frame, seen)


def text_strategy(executor: Executor, action: Action, undelivered: Undelivered | None) -> list[tuple[str, str]] | None:
    """How a type step's text went in, for its record: the executor's account, or when it did not
    arrive, the pieces that went in before (``[]``: none did)."""
    if action.kind != "type":
        return None
    if undelivered is None:
        return executor.last_text_strategy
    if isinstance(undelivered, NoKeyboardFocus):
        return []
    return [(str(how), str(what)) for how, what in undelivered.typed]
