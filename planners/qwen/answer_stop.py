"""Stop generating where the answer's tool call ends, not where the model stops talking.

Qwen answers ``... <tool_call>{...}</tool_call>`` and then ``<|im_end|>``; an undertrained or chatty
model goes on with prose, another call, or (random weights) anything until ``max_new_tokens``. Every
token after the call is a decode step on a CPU (100-300 ms for a 2B model), and the planner reads
only the calls. So generation stops at ``</tool_call>``, saving at least the ``<|im_end|>`` step and
at most everything a rambling model would have added.

Two calls belong together in our response format: ``mouse_move`` before ``left_click_drag``, and
``answer`` before ``terminate``. After a call with one of those lead-in actions the stop waits: a
following ``<tool_call>`` (whitespace between is fine) goes on to its own end; any other token ends
the answer there.

The criterion is a plain callable with the signature transformers' ``StoppingCriteria`` has; the
backend wraps it in a ``StoppingCriteriaList`` (``as_stopping_criteria``), so this module imports no
torch or transformers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

CALL_START = "<tool_call>"
CALL_END = "</tool_call>"
# Actions that our response format lets another call follow (planners.qwen.prompt._RESPONSE_FORMAT).
LEAD_IN_ACTIONS = ("mouse_move", "answer")


class ToolCallStop:
    """``(input_ids, scores) -> [bool]``: True once the answer's tool calls are complete.

    ``prompt_tokens``: where the answer starts in ``input_ids``; ``start_id``/``end_id``: the token ids
    of ``<tool_call>`` and ``</tool_call>``; ``decode``: ids -> text (to read a call's action).
    """

    def __init__(self, prompt_tokens: int, start_id: int, end_id: int, decode: Callable[[list[int]], str]) -> None:
        self.prompt_tokens = prompt_tokens
        self.start_id = start_id
        self.end_id = end_id
        self.decode = decode

    def done(self, answer: Sequence[int]) -> bool:
        """Whether an answer of these token ids is complete."""
        if not answer or self.end_id not in answer:
            return False
        last_end = len(answer) - 1 - list(reversed(answer)).index(self.end_id)
        if not self._is_lead_in(answer[:last_end]):
            return last_end == len(answer) - 1  # stop at the end token itself
        after = list(answer[last_end + 1 :])
        if self.start_id in after:
            return False  # the call that follows the lead-in is under way
        return bool(self.decode(after).strip())  # whitespace may precede the next call; nothing else

    def _is_lead_in(self, before_end: Sequence[int]) -> bool:
        if self.start_id not in before_end:
            return False
        start = len(before_end) - 1 - list(reversed(before_end)).index(self.start_id)
        call = self.decode(list(before_end[start + 1 :]))
        return any(f'"{action}"' in call for action in LEAD_IN_ACTIONS)

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        answer = [int(i) for i in input_ids[0, self.prompt_tokens :].tolist()]
        return torch.full((input_ids.shape[0],), self.done(answer), dtype=torch.bool, device=input_ids.device)


def as_stopping_criteria(transformers: Any, stop: ToolCallStop) -> Any:
    """``stop`` as the ``StoppingCriteriaList`` that ``generate(stopping_criteria=...)`` takes."""

    class _Criterion(transformers.StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return stop(input_ids, scores, **kwargs)

    return transformers.StoppingCriteriaList([_Criterion()])
