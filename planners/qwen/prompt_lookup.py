"""Greedy decoding that checks several answer tokens per forward, drafted from the prompt itself.

On a CPU every decoded token of a 2B model is a full pass over ~4 GB of weights (300-700 ms here),
while checking ten tokens in one pass costs little more than one: the weights are read once either way.
Our answers are mostly made of text the prompt already holds: ``{"name": "computer_use", "arguments":
{"action": "left_click", "coordinate": [`` is in the tool schema and in every history line. So after
each token the answer's last few tokens are looked up in the prompt (and the answer so far), the
tokens that followed them there are proposed as a draft, and one forward computes the model's own
choice after each draft token. The draft is kept up to the first token the model would not have
chosen, and that position's choice is kept too: the answer is the greedy one, token for token
(prompt lookup decoding; the draft costs no model).

Why this loop and not ``generate(prompt_lookup_num_tokens=...)``: transformers 5's assisted decoding
feeds the whole prompt again on its first pass even when ``past_key_values`` already holds its head
(our prefix cache), which gives wrong answers; ``generate`` still does the prefill here, where it
handles the cached head, the screenshot and the 3D rotary positions; this loop only continues from
the cache it returns, with plain text forwards whose positions the model derives from that prefill.

Nothing here imports torch at module import; the backend passes the model and torch in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

# Longest run of the answer's last tokens looked up in the context; shorter runs are tried after it, down
# to MIN_NGRAM. One token alone (a quote, a comma) occurs everywhere and drafts mostly wrong tokens, which
# cost compute to check: on the benchmark's answers two-token runs keep the forwards and halve the tokens fed.
MAX_NGRAM = 3
MIN_NGRAM = 2
MIN_EARNED = 2  # the shortest draft after misses: one hit pays for it
# Generation settings that make greedy decoding pick something else than the plain argmax. With any of
# them set, the backend keeps transformers' own loop, which applies them.
_PROCESSOR_SETTINGS = (
    "repetition_penalty",
    "no_repeat_ngram_size",
    "bad_words_ids",
    "suppress_tokens",
    "begin_suppress_tokens",
    "sequence_bias",
    "min_new_tokens",
    "min_length",
    "forced_bos_token_id",
    "forced_eos_token_id",
    "encoder_repetition_penalty",
)


def greedy_is_argmax(generation_config: Any) -> bool:
    """Whether greedy generation under this config picks the plain argmax at every step."""
    for name in _PROCESSOR_SETTINGS:
        value = getattr(generation_config, name, None)
        if name in ("repetition_penalty", "encoder_repetition_penalty"):
            if value not in (None, 1.0):
                return False
        elif name == "min_length":
            if value not in (None, 0):
                return False
        elif value:
            return False
    return True


def draft(context: Sequence[int], length: int, *, skip: frozenset[int] = frozenset()) -> list[int]:
    """Up to ``length`` tokens that followed the most recent earlier occurrence of the context's last
    ``MAX_NGRAM`` (then fewer, down to ``MIN_NGRAM``) tokens; empty when they occur nowhere before. A
    draft ends before any ``skip`` token (image placeholders: the model never writes them)."""
    if length <= 0:
        return []
    for size in range(min(MAX_NGRAM, len(context) - 1), MIN_NGRAM - 1, -1):
        tail = list(context[-size:])
        first = tail[0]
        # the latest occurrence whose continuation starts before the tail itself
        for start in range(len(context) - size - 1, -1, -1):
            if context[start] == first and list(context[start : start + size]) == tail:
                proposed = []
                for token in context[start + size : start + size + length]:
                    if token in skip:
                        break
                    proposed.append(token)
                if proposed:
                    return proposed
    return []


def next_draft_length(current: int, longest: int, proposed: int, kept: int) -> int:
    """How long the next draft may be after one of ``proposed`` tokens of which ``kept`` were kept (see
    ``decode``); an empty draft (no match) changes nothing."""
    if proposed == 0:
        return current
    return min(longest, max(MIN_EARNED, 2 * kept))


class LookupStats:
    """What decoding did, summed over the calls it is passed to: forwards run, draft tokens proposed and
    draft tokens kept (for tests and benchmarks)."""

    def __init__(self) -> None:
        self.forwards = 0
        self.proposed = 0
        self.accepted = 0


def decode(
    torch: Any,
    model: Any,
    cache: Any,
    prompt: Sequence[int],
    first: int,
    *,
    max_new_tokens: int,
    finished: Callable[[list[int]], bool],
    draft_tokens: int,
    skip: frozenset[int] = frozenset(),
    stats: LookupStats | None = None,
) -> list[int]:
    """Continue a greedy answer whose first token ``first`` the prefill chose; ``cache`` holds the
    keys and values of ``prompt`` exactly. Returns the answer's ids, ``first`` included, ending where
    ``finished(answer)`` first holds or at ``max_new_tokens``.

    A draft is at most ``draft_tokens`` long, and as long as the last one earned: twice what was kept of
    it (at least 2), or twice its length when all of it was kept. On a CPU every token fed costs compute
    whether it is kept or not, so a run of misses (coordinates, free text) drafts little, a run of hits
    (the call's fixed words) drafts much (``bench.lookup_drafts``)."""
    stats = stats if stats is not None else LookupStats()
    answer = [first]
    context = list(prompt)
    device = next(model.parameters()).device
    earned = draft_tokens
    while len(answer) < max_new_tokens and not finished(answer):
        room = max_new_tokens - len(answer) - 1  # the token after the draft counts too
        proposed = draft(context + answer, min(earned, room), skip=skip)
        feed = torch.tensor([[answer[-1], *proposed]], device=device)
        logits = model(input_ids=feed, past_key_values=cache, use_cache=True).logits
        picks = [int(i) for i in logits[0].argmax(dim=-1).tolist()]
        kept = 0
        while kept < len(proposed) and proposed[kept] == picks[kept]:
            kept += 1
        stats.forwards += 1
        stats.proposed += len(proposed)
        stats.accepted += kept
        earned = next_draft_length(earned, draft_tokens, len(proposed), kept)
        # keys and values are right up to the last kept draft token; the rest belong to rejected ones
        rejected = len(proposed) - kept
        if rejected:
            cache.crop(-rejected)  # this transformers takes only a count to drop from the end
        for token in (*proposed[:kept], picks[kept]):
            answer.append(token)
            if len(answer) >= max_new_tokens or finished(answer):
                return answer
    return answer
