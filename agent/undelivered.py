"""A ``type`` whose text did not arrive is a ``failed`` step, not a fault that ends the run.

The executor raises ``TextNotDelivered`` when the focused window never fetched a paste. The action was
performed all the same, once: keys may have gone in before the paste. So it is recorded as every other
performed step is (settled, a before and an after frame, what went in how), with the verdict ``failed``
and ``seen`` built from the paste's request trace: what the focused window asked of the clipboard, or
that nothing asked. The loop then treats it as any failed expectation: a script or a replay stops
there, naming the step; a model is told and decides. It is never typed again on its own.
"""

from __future__ import annotations

from actions.errors import TextNotDelivered
from actions.executor import Executor
from actions.frame import Frame
from actions.models import Action
from agent.motion import Watch
from agent.run_dir import Seen
from planners.verdicts import Verdict


def perform_once(executor: Executor, action: Action) -> TextNotDelivered | None:
    """Perform ``action``; a paste nobody took comes back instead of being raised (any other error is)."""
    try:
        executor.perform(action)
    except TextNotDelivered as exc:
        return exc
    return None


def undelivered_verdict(exc: TextNotDelivered, frame: Frame, watch: Watch) -> tuple[Frame, Verdict, Seen]:
    """The settled ``frame`` judged ``failed``, with what the paste saw instead of being taken."""
    requests = [str(request) for request in exc.requests]
    seen = Seen(
        expected="the typed text to arrive (the focused window takes its paste)",
        detail=str(exc),
        region=watch.region.bbox or (0, 0, *frame.size),
        region_windows=list(watch.region.windows),
        paste_requests=requests,
    )
    return frame, Verdict.FAILED, seen


def text_strategy(
    executor: Executor, action: Action, undelivered: TextNotDelivered | None
) -> list[tuple[str, str]] | None:
    """How a type step's text went in, for its record: the executor's account, or when a paste was not
    taken, the pieces that went in before it (``[]``: none did)."""
    if action.kind != "type":
        return None
    if undelivered is None:
        return executor.last_text_strategy
    return [(str(how), str(what)) for how, what in undelivered.typed]
