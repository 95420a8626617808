"""The static head of a prompt prefilled once, its KV cache reused by every later call that shares it.

A planning prompt starts with the same ~1,000 tokens at every step: the system prompt with the tool
schema, then ``<|im_start|>user\\n<|vision_start|>``. Only what follows (the screenshot, the task and the
history) is new. Prefilling that head again at every step is most of a CPU step's prefill once the
screenshot is small, so the backend keeps the head's KV cache and hands generation a copy of it: only
the tokens after it are computed.

Why the head ends at the first image token: image placeholder ids are the same whatever the pixels, so
equal ids after that point would not mean equal keys and values. Before it every token is text, whose
multimodal rotary positions are plain ``0, 1, 2, ...`` on all three axes, so keys and values computed
for the head alone are the very ones a full prefill computes. The rest of the sequence keeps its true
positions: ``generate`` computes the 3D (M-RoPE) positions over the whole ``input_ids`` and skips the
cached ones (``tests/model/test_prefix_cache.py`` checks answers token for token, with and without).

With a ``PrefixStore`` a head computed here is also written to disk, and a head this process has not
computed yet is read from there first: a run's first step reuses the head an earlier run computed.

Entries are matched by longest common prefix, so the grounding prompt, whose system prompt is the
planning one minus its response-format section, reuses the part they share and adds its own entry.
torch and transformers are never imported here: the backend passes the model and its cache in.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planners.qwen.prefix_store import PrefixStore


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def static_head_length(ids: Sequence[int], vision_ids: frozenset[int]) -> int:
    """How many leading tokens are text only: up to the first image/video placeholder, and at most
    all but the last token (generation needs at least one token to compute)."""
    for position, token in enumerate(ids):
        if token in vision_ids:
            return position
    return max(0, len(ids) - 1)


@dataclass
class PrefixStats:
    """What the cache did on the last call (for logs and benchmarks)."""

    reused_tokens: int = 0  # head tokens whose keys and values came from the cache
    computed_tokens: int = 0  # head tokens prefilled now (and kept for the next call)
    loaded_tokens: int = 0  # head tokens read from the store on disk (an earlier run's)


class PrefixCache:
    """KV caches of prompt heads (token id tuples), least recently used dropped past ``max_entries``.

    ``prepare(model, ids, vision_ids)`` returns a cache holding the head of ``ids`` (a private copy:
    generation may extend it freely), computing only the head tokens no entry holds.
    """

    def __init__(self, max_entries: int = 4, store: PrefixStore | None = None) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries}")
        self.max_entries = max_entries
        self.store = store  # heads kept across runs (planners.qwen.prefix_store); None: this process only
        self._entries: OrderedDict[tuple[int, ...], Any] = OrderedDict()
        self.last = PrefixStats()
        self.totals = PrefixStats()  # summed over every call

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    def prepare(self, model: Any, ids: Sequence[int], vision_ids: frozenset[int]) -> Any | None:
        """A cache of the head of ``ids`` for ``generate(past_key_values=...)``, or None when the
        prompt has no head worth keeping (it starts with an image)."""
        cache = self._prepare(model, ids, vision_ids)
        for name in ("reused_tokens", "computed_tokens", "loaded_tokens"):
            setattr(self.totals, name, getattr(self.totals, name) + getattr(self.last, name))
        return cache

    def _prepare(self, model: Any, ids: Sequence[int], vision_ids: frozenset[int]) -> Any | None:
        head = tuple(ids[: static_head_length(ids, vision_ids)])
        if not head:
            self.last = PrefixStats()
            return None
        key, reused = self._best_match(head)
        if reused == len(head):
            self._entries.move_to_end(key)  # type: ignore[arg-type]  # a full hit has a key
            self.last = PrefixStats(reused_tokens=reused)
            return copy.deepcopy(self._entries[key])  # type: ignore[index]
        cache = self.store.load(model, head) if self.store is not None else None
        if cache is not None:
            self.last = PrefixStats(loaded_tokens=len(head))
        else:
            cache = self._start(model, key, reused)
            _prefill_text(model, head[reused:], cache)
            if self.store is not None:
                self.store.save(head, cache)
            self.last = PrefixStats(reused_tokens=reused, computed_tokens=len(head) - reused)
        self._entries[head] = cache
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return copy.deepcopy(cache)

    def _best_match(self, head: tuple[int, ...]) -> tuple[tuple[int, ...] | None, int]:
        best: tuple[int, ...] | None = None
        length = 0
        for key in self._entries:
            n = common_prefix(key, head)
            if n > length:
                best, length = key, n
        return best, length

    def _start(self, model: Any, key: tuple[int, ...] | None, reused: int) -> Any:
        if key is None or reused == 0:
            from transformers import DynamicCache  # lazy: only a loaded backend gets here

            return DynamicCache(config=model.config.get_text_config())
        cache = copy.deepcopy(self._entries[key])
        extra = cache.get_seq_length() - reused
        if extra > 0:
            cache.crop(-extra)  # keys and values of positions < reused do not depend on what follows
        return cache


def _prefill_text(model: Any, ids: Sequence[int], cache: Any) -> None:
    """Extend ``cache`` with text tokens ``ids`` through the decoder alone (no output head: only the
    keys and values are wanted). Positions continue from the cache's length on every rotary axis,
    which is what M-RoPE gives text that no image precedes."""
    import torch

    decoder = model.model.language_model
    device = next(model.parameters()).device
    with torch.no_grad():  # inside the backend's inference_mode where the weights allow it
        decoder(input_ids=torch.tensor([list(ids)], device=device), past_key_values=cache, use_cache=True)
