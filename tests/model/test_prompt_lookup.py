"""Prompt lookup decoding (planners.qwen.prompt_lookup) changes no answer: a multi-step planning run on a
tiny random Qwen3-VL gives the same raw answers and actions, token for token, as transformers' own greedy
loop without any cache, while drafts really are checked several per forward; a tool call ends where it
ends even when the accepted draft runs past it; settings that change greedy picks keep transformers' loop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from actions.errors import BackendError  # noqa: E402
from planners.qwen.local import DEFAULT_LOOKUP_TOKENS, LocalQwenBackend  # noqa: E402
from planners.qwen.messages import ChatMessage, TextPart  # noqa: E402
from planners.qwen.prompt_lookup import (  # noqa: E402
    LookupStats,
    decode,
    draft,
    greedy_is_argmax,
    next_draft_length,
)
from tests.model.test_cpu_tier import conversation  # noqa: E402
from tests.model.test_prefix_cache import INIT_STD, run  # noqa: E402
from tests.model.tiny_qwen import build_tiny_qwen2_vl, build_tiny_qwen3_vl  # noqa: E402


@pytest.fixture(scope="module")
def qwen3_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_qwen3_vl(tmp_path_factory.mktemp("tiny-qwen3-vl-lookup"), init_std=INIT_STD)


# -- drafts ------------------------------------------------------------------------------------------


def test_a_draft_follows_the_latest_earlier_occurrence_of_the_answers_last_tokens() -> None:
    #          0  1  2  3  4  5  6  7  8  9 10 11
    context = [5, 6, 7, 1, 2, 5, 6, 7, 3, 4, 5, 6]
    # the tail (5, 6) last occurred at 5..6 (not 0..1): what followed there is 7, 3, 4, 5, 6
    assert draft(context, 3) == [7, 3, 4]
    assert draft(context, 10) == [7, 3, 4, 5, 6]  # up to the end of the context
    assert draft([1, 2, 3, 9], 4) == []  # 9 occurs nowhere before
    assert draft([3, 9, 1, 2, 9], 4) == []  # (2, 9) neither: one token alone drafts nothing
    assert draft(context, 0) == []
    # a three-token tail wins over a shorter one that occurs later
    assert draft([1, 2, 3, 8, 7, 3, 9, 9, 1, 2, 3], 2) == [8, 7]


def test_a_draft_stops_before_an_image_placeholder() -> None:
    image = 99
    assert draft([4, 5, image, image, 6, 4, 5], 4, skip=frozenset({image})) == []
    assert draft([4, 5, 1, image, 6, 4, 5], 4, skip=frozenset({image})) == [1]


def test_a_draft_is_as_long_as_the_last_one_earned() -> None:
    assert next_draft_length(8, 8, proposed=8, kept=0) == 2  # all missed: the shortest draft next
    assert next_draft_length(2, 8, proposed=2, kept=2) == 4  # all kept: twice as long
    assert next_draft_length(4, 8, proposed=4, kept=4) == 8
    assert next_draft_length(8, 8, proposed=8, kept=8) == 8  # never longer than asked for
    assert next_draft_length(8, 8, proposed=8, kept=3) == 6
    assert next_draft_length(6, 8, proposed=0, kept=0) == 6  # nothing drafted: nothing learned


def test_settings_that_change_greedy_picks_are_recognised(qwen3_dir: Path) -> None:
    from transformers import GenerationConfig

    assert greedy_is_argmax(GenerationConfig())
    assert greedy_is_argmax(GenerationConfig(repetition_penalty=1.0, top_k=20, temperature=0.7))  # sampling knobs
    assert not greedy_is_argmax(GenerationConfig(repetition_penalty=1.05))
    assert not greedy_is_argmax(GenerationConfig(no_repeat_ngram_size=3))
    assert not greedy_is_argmax(GenerationConfig(min_new_tokens=4))


# -- the backend ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["fp32", "bf16"])
def test_a_planning_run_answers_the_same_with_and_without_prompt_lookup(qwen3_dir: Path, dtype: str) -> None:
    # lookup on top of the prefix cache (transformers' own assisted decoding gets this case wrong),
    # against transformers' greedy loop with nothing cached
    looked = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype=dtype)
    plain = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype=dtype, prefix_cache=False, prompt_lookup=0)
    assert looked.prompt_lookup == DEFAULT_LOOKUP_TOKENS and plain.prompt_lookup == 0
    with_lookup = run(looked, "edge")
    assert with_lookup == run(plain, "edge")
    assert plain.lookup_stats.forwards == 0
    stats = looked.lookup_stats
    assert stats.accepted > 0  # drafts were kept: several tokens came out of one forward
    answers = sum(len(looked._tokenizer(raw)["input_ids"]) for raw, _, _ in with_lookup)
    assert stats.forwards < answers
    assert len({raw for raw, _, _ in with_lookup}) >= 3  # answers depend on the prompt: a real comparison


def test_qwen2_vl_answers_the_same_with_and_without_prompt_lookup(tmp_path: Path) -> None:
    directory = build_tiny_qwen2_vl(tmp_path / "tiny-qwen2-vl-lookup", init_std=INIT_STD)
    looked = LocalQwenBackend(str(directory), device="cpu", dtype="fp32")
    plain = LocalQwenBackend(str(directory), device="cpu", dtype="fp32", prefix_cache=False, prompt_lookup=0)
    with_lookup = run(looked, "fast")
    assert with_lookup == run(plain, "fast")
    assert looked.lookup_stats.accepted > 0
    assert len({raw for raw, _, _ in with_lookup}) >= 3


def test_a_setting_that_changes_greedy_picks_keeps_transformers_loop(qwen3_dir: Path) -> None:
    looked = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="fp32")
    plain = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="fp32", prompt_lookup=0)
    for backend in (looked, plain):
        backend._model.generation_config.repetition_penalty = 1.3
    penalised = looked.complete(conversation(), max_new_tokens=12)
    assert looked.lookup_stats.forwards == 0
    assert penalised.text == plain.complete(conversation(), max_new_tokens=12).text


def test_prompt_lookup_takes_a_number_of_draft_tokens(qwen3_dir: Path) -> None:
    with pytest.raises(BackendError, match="prompt_lookup must be 0 .off. or a number of draft tokens, got -1"):
        LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="fp32", prompt_lookup=-1)


# -- the loop on a steered answer ----------------------------------------------------------------------


class Steered:
    """The tiny model with its greedy pick steered to ``answer`` (a random model never writes a tool
    call): at each answer position the logit of ``answer``'s token there is raised above all others.
    Past the answer the model picks freely. Takes the forward arguments ``decode`` uses."""

    def __init__(self, model: Any, prompt_tokens: int, answer: list[int]) -> None:
        self.model, self.prompt_tokens, self.answer = model, prompt_tokens, answer
        self.forwards = 0

    def parameters(self) -> Any:
        return self.model.parameters()

    def __call__(self, *, input_ids: Any, past_key_values: Any, use_cache: bool) -> Any:
        past = past_key_values.get_seq_length()
        out = self.model(input_ids=input_ids, past_key_values=past_key_values, use_cache=use_cache)
        self.forwards += 1
        for j in range(input_ids.shape[1]):
            index = past + j + 1 - self.prompt_tokens
            if 0 <= index < len(self.answer):
                out.logits[0, j, self.answer[index]] = out.logits[0, j].max() + 100.0
        return out


def steered_decode(backend: LocalQwenBackend, text: str, lookup: int, finished: Callable[[list[int]], bool]) -> Any:
    """Prefill a conversation that already holds ``text`` (so drafts find it), then decode ``text`` steered."""
    import torch

    system, user = conversation()
    messages = [system, ChatMessage("user", (*user.parts, TextPart(f"Answer like this: {text}")))]
    inputs = backend._inputs(messages)
    prompt = [int(i) for i in inputs["input_ids"][0].tolist()]
    answer = [int(i) for i in backend._tokenizer(text, add_special_tokens=False)["input_ids"]]
    steered = Steered(backend._model, len(prompt), answer)
    stats = LookupStats()
    with torch.inference_mode():
        # the prefill fills the cache with the prompt; its own first pick is replaced by the answer's
        prefill = backend._model.generate(**inputs, max_new_tokens=1, do_sample=False, return_dict_in_generate=True)
        ids = decode(
            torch,
            steered,
            prefill.past_key_values,
            prompt,
            answer[0],
            max_new_tokens=len(answer) + 8,
            finished=finished,
            draft_tokens=lookup,
            stats=stats,
        )
    return ids, answer, stats, steered.forwards


def test_a_tool_call_ends_at_its_end_even_when_the_kept_draft_runs_past_it(qwen3_dir: Path) -> None:
    backend = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="fp32")
    arguments = '{"action": "left_click", "coordinate": [5, 9]}'
    call = f'<tool_call>\n{{"name": "computer_use", "arguments": {arguments}}}\n</tool_call>'
    stop = backend._stop(prompt_tokens=0)
    assert stop is not None
    # the prompt holds the call and more after it, so a draft proposes the words after the call too
    ids, answer, stats, forwards = steered_decode(backend, call + " and then more words", 8, stop.done)
    expected = answer[: len(backend._tokenizer(call, add_special_tokens=False)["input_ids"])]
    assert ids == expected
    assert backend._decode(ids) == call
    assert stats.accepted >= len(expected) // 2 and forwards == stats.forwards < len(expected) - 1
    # one token per forward without drafts: the same answer
    plain_ids, _, plain_stats, plain_forwards = steered_decode(backend, call + " and then more words", 0, stop.done)
    assert plain_ids == ids and plain_stats.accepted == 0 and plain_forwards == len(ids) - 1
