"""The CPU tier: a Qwen3-VL planning step on the CPU, each lever alone and together, side by side.

    .venv/bin/python -m bench.cpu_step                      # 2B at the edge and fast presets
    .venv/bin/python -m bench.cpu_step --sizes 2b 8b        # 8B too (about 17 GB on disk, 16+ GB RAM)
    .venv/bin/python -m bench.cpu_step --sizes tiny         # a smoke run in a minute

The model is the published Qwen3-VL architecture (``bench.gpu_step.build_config``) with RANDOM weights,
saved as a bf16 safetensors checkpoint (built once, kept in ``--checkpoints``) and loaded through
``LocalQwenBackend`` as a real checkpoint is: memory-mapped safetensors, the real prompt
(``planners.qwen.prompt.build_messages``), the real image processor, the prefix cache, the stop. Its
tokenizer is a byte-level BPE of 8,000 tokens trained on this repository's prose and code (not on the
prompt), which cuts our system prompt into about as many tokens as Qwen's does (~1,100).

Every set-up runs in its own process (so load time and peak memory are its own): load, then per
preset a first step (nothing cached: the task, a 1280x800 screenshot, no history) and a warm step (the
same run's second step: same static prompt, a new screenshot, one history item holding the first answer).
Random weights answer nothing real, so every answer is forced to a real one (``ForwardClock``): a click
call with the ``Action:`` line (verbose) or without it (terse, the CPU presets' prompt), the warm step's a
click elsewhere; the stop at ``</tool_call>`` and prompt lookup's drafts act on it as on a real answer.

Columns: visual tokens; load s (the backend's constructor: tokenizer, processor, weights,
quantization); first and warm step s (``complete()`` end to end); next run's first step s (the first step
again with the in-memory cache emptied: the prompt head read from the store on disk that the first step
wrote, as the next ``deskpilot run`` reads it; "-" without the prefix cache); warm to 1st tok s (the warm step
until its first answer token: the prefill after the cached head); decode ms per answer token (the
later forwards, over the answer's tokens after the first); decode forwards (one per token without
prompt lookup, fewer with it); peak RSS of the process. The last line is the default set-up's warm
step at 2B edge.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.timing import table
from planners.qwen.local import DEFAULT_LOOKUP_TOKENS

SCREEN = (1280, 800)
TASK = "Open the File menu, choose Save As and save the document as report.txt in the Documents folder."
ACTION_LINE = "Action: Click the Save button in the bottom right corner of the dialog.\n"
CALL = (
    '<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [812, 734]}}'
    "\n</tool_call>"
)
# The warm step's answer: another click (the first step's answer is in its history, so a repeat of it would
# be drafted whole from there; a real next step clicks elsewhere).
NEXT_CALL = CALL.replace("[812, 734]", "[655, 402]")
TOKENIZER_VOCAB = 8000

# name -> (dtype, prefix cache, terse prompt + stop at the tool call's end, quantization, prompt lookup draft
# tokens). The quantizations are the backend's own (planners.qwen.cpu_quantization): int8 torch's dynamic
# int8, int4 optimum-quanto's. Prompt lookup: planners.qwen.prompt_lookup (0: transformers' own loop).
SETUPS: dict[str, tuple[str, bool, bool, str | None, int]] = {
    "fp32 (before)": ("fp32", False, False, None, 0),
    "bf16": ("bf16", False, False, None, 0),
    "fp32 + cache": ("fp32", True, False, None, 0),
    "fp32 + terse/stop": ("fp32", False, True, None, 0),
    "fp32 + lookup": ("fp32", False, False, None, DEFAULT_LOOKUP_TOKENS),
    "auto + cache + terse/stop (no lookup)": ("auto", True, True, None, 0),
    "default (auto dtype + cache + terse/stop + lookup 8)": ("auto", True, True, None, DEFAULT_LOOKUP_TOKENS),
    "default, lookup 4": ("auto", True, True, None, 4),
    "default, lookup 16": ("auto", True, True, None, 16),
    "default, --dtype fp32": ("fp32", True, True, None, DEFAULT_LOOKUP_TOKENS),
    "default + int8": ("auto", True, True, "int8", DEFAULT_LOOKUP_TOKENS),
    "default + int4": ("auto", True, True, "int4", DEFAULT_LOOKUP_TOKENS),
}
DEFAULT_SETUP = "default (auto dtype + cache + terse/stop + lookup 8)"


# -- the checkpoint ------------------------------------------------------------------------------------


def _corpus(repo: Path) -> list[str]:
    """This repository's prose and code, minus the prompt itself (the tokenizer must not learn it)."""
    lines: list[str] = []
    for path in sorted([*repo.glob("*.md"), *repo.glob("actions/**/*.py"), *repo.glob("agent/**/*.py")]):
        lines += path.read_text(encoding="utf-8").splitlines()
    return lines


def build_checkpoint(size: str, directory: Path) -> Path:
    """A random Qwen3-VL of ``size`` saved as bf16 safetensors with a tokenizer and processor configs."""
    import torch
    from transformers import GenerationConfig, Qwen3VLForConditionalGeneration

    from bench.gpu_step import build_config
    from tests.model.tiny_qwen import save_processor_configs, save_tokenizer, token_ids

    if (directory / "model.safetensors.index.json").exists() or (directory / "model.safetensors").exists():
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    repo = Path(__file__).resolve().parents[1]
    tokenizer = save_tokenizer(directory, TOKENIZER_VOCAB, _corpus(repo))
    ids = token_ids(tokenizer)
    config = build_config(size)
    config.text_config.vocab_size = max(config.text_config.vocab_size, -(-len(tokenizer) // 64) * 64)
    for key in ("image_token_id", "video_token_id", "vision_start_token_id", "vision_end_token_id"):
        setattr(config, key, ids[key])
    config.text_config.eos_token_id, config.text_config.pad_token_id = ids["eos_token_id"], ids["pad_token_id"]
    torch.manual_seed(0)
    started = time.perf_counter()
    model = Qwen3VLForConditionalGeneration._from_config(config, dtype=torch.bfloat16).eval()
    model.save_pretrained(directory, safe_serialization=True)
    GenerationConfig(
        eos_token_id=[ids["eos_token_id"], ids["pad_token_id"]], pad_token_id=ids["pad_token_id"], do_sample=False
    ).save_pretrained(directory)
    save_processor_configs(
        directory,
        processor_class="Qwen3VLProcessor",
        patch_size=16,
        min_pixels=64 * 32 * 32,
        max_pixels=16384 * 32 * 32,
    )
    print(f"built a random {size} checkpoint in {time.perf_counter() - started:.0f} s: {directory}", flush=True)
    return directory


# -- one set-up, in its own process ----------------------------------------------------------------------


class ForwardClock:
    """Wraps the model's forward: the end time of every forward (to split a step into prefill and decode),
    and the answer forced. Random weights never write ``</tool_call>`` and would draft nothing a real answer
    drafts, so at every position past the prompt the logits are raised on ``forced``'s token there: the
    model "says" a real answer, through whatever decoding loop runs (transformers' or prompt lookup's),
    and the stop, the drafts and their acceptance behave as they would on that answer."""

    def __init__(self, model: Any) -> None:
        self.marks: list[float] = []
        self.prompt_tokens = 0
        self.forced: list[int] = []
        forward = model.forward

        @functools.wraps(forward)  # generate checks its kwargs against forward's signature
        def timed(*args: Any, **kwargs: Any) -> Any:
            cache = kwargs.get("past_key_values")
            past = cache.get_seq_length() if cache is not None else 0
            fed = kwargs["input_ids"].shape[1]
            out = forward(*args, **kwargs)
            self._force(out.logits, past + fed)
            self.marks.append(time.perf_counter())
            return out

        model.forward = timed  # an instance attribute: generate calls it in place of the class's

    def _force(self, logits: Any, end: int) -> None:
        kept = logits.shape[1]  # the last `kept` positions of the `end` tokens seen so far
        for j in range(kept):
            answer_index = end - kept + j + 1 - self.prompt_tokens  # which answer token position j predicts
            if 0 <= answer_index < len(self.forced):
                logits[0, j, self.forced[answer_index]] = logits[0, j].max() + 100.0


def _screens() -> tuple[Any, Any]:
    from bench.presets import _screenshot

    first = _screenshot(SCREEN)
    second = first.copy()
    second.paste((250, 250, 250), (340, 200, 940, 600))  # the Save As dialog that the click opened
    second.paste((37, 99, 235), (780, 540, 900, 580))
    return first, second


def timed_step(
    backend: Any, clock: ForwardClock, image: Any, history: list[Any], answer: str, max_tokens: int, terse: bool
) -> dict[str, Any]:
    """One planning step of the benchmark's task on ``image`` after ``history``, ``answer`` forced: its time
    end to end, until the first answer token (prefill), per decoded answer token (the later forwards), and
    how many forwards decoding took."""
    from planners.qwen.prompt import build_messages

    messages = build_messages(TASK, image, history, family="qwen3", screen_size=image.size, terse=terse)
    clock.prompt_tokens = backend.count_prompt_tokens(messages)
    clock.forced = backend._tokenizer(answer, add_special_tokens=False)["input_ids"]
    clock.marks.clear()
    begun = time.perf_counter()
    completion = backend.complete(messages, max_tokens)
    total_s = time.perf_counter() - begun
    decode_s = clock.marks[-1] - clock.marks[0] if clock.marks else 0.0
    return {
        "step_s": total_s,
        "until_first_token_s": total_s - decode_s,
        "tokens": completion.completion_tokens,
        "prompt_tokens": completion.prompt_tokens,
        "decode_ms": 1000 * decode_s / max(1, completion.completion_tokens - 1),
        "decode_forwards": max(0, len(clock.marks) - 1),
    }


def run_setup(directory: Path, setup: str, presets: list[str]) -> dict[str, Any]:
    import torch  # noqa: F401 - imported before the clock starts: load s is the model's, not torch's

    from planners.qwen.family import get_preset, resize_for_model
    from planners.qwen.local import LocalQwenBackend
    from planners.qwen.prompt import HistoryItem

    dtype, cache, terse, quantization, lookup = SETUPS[setup]
    started = time.perf_counter()
    # The checkpoint's pixel budget is wide: each preset's own resize (resize_for_model) sets the size.
    backend = LocalQwenBackend(
        str(directory),
        device="cpu",
        dtype=dtype,
        quantization=quantization,
        prefix_cache=cache,
        stop_at_tool_call=terse,
        prompt_lookup=lookup,
    )
    load_s = time.perf_counter() - started
    load_peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    answers = [call if terse else ACTION_LINE + call for call in (CALL, NEXT_CALL)]
    # without the stop, the <|im_end|> step too (the model's own end, which the forcing leaves to it: bound it)
    max_tokens = len(backend._tokenizer(answers[0], add_special_tokens=False)["input_ids"]) + (0 if terse else 1)
    clock = ForwardClock(backend._model)
    rows = []
    for name in presets:
        preset = get_preset(name)
        if backend.prefix_cache is not None:
            backend.prefix_cache.clear()  # each preset's first step starts cold
        first, second = (resize_for_model(image, preset, "qwen3") for image in _screens())
        steps = [
            timed_step(backend, clock, image, history, answer, max_tokens, terse)
            for image, history, answer in (
                (first, [], answers[0]),
                (second, [HistoryItem(answers[0], "changed", "", None)], answers[1]),
            )
        ]
        stored = None
        if backend.prefix_cache is not None and backend.prefix_cache.store is not None:
            # the next run's first step: nothing in memory, the head this run wrote read from the store
            backend.prefix_cache.clear()
            stored = timed_step(backend, clock, first, [], answers[0], max_tokens, terse)
        rows.append(
            {
                "preset": name,
                "visual_tokens": backend.visual_tokens(first),
                "first": steps[0],
                "warm": steps[1],
                "first_stored": stored,
            }
        )
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return {
        "setup": setup,
        "dtype": backend.dtype,
        "load_s": load_s,
        "load_peak_gb": load_peak_gb,
        "peak_gb": peak_gb,
        "answer_tokens": max_tokens,
        "rows": rows,
    }


# -- the table ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["2b"], choices=["tiny", "2b", "8b"])
    parser.add_argument("--presets", nargs="+", default=["edge", "fast"])
    parser.add_argument("--setups", nargs="+", default=list(SETUPS), choices=list(SETUPS), metavar="SETUP")
    parser.add_argument(
        "--checkpoints",
        type=Path,
        default=Path.home() / ".cache" / "deskpilot" / "cpu_step",
        help="where the random checkpoints are built once and kept",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: one set-up as JSON
    args = parser.parse_args(argv)
    if args.child:
        size, setup = json.loads(args.child)
        print("RESULT " + json.dumps(run_setup(args.checkpoints / size, setup, args.presets)), flush=True)
        return 0
    results = []
    for size in args.sizes:
        build_checkpoint(size, args.checkpoints / size)
        for setup in args.setups:
            cmd = [
                sys.executable,
                "-m",
                "bench.cpu_step",
                "--child",
                json.dumps([size, setup]),
                "--checkpoints",
                str(args.checkpoints),
                "--presets",
                *args.presets,
            ]
            with tempfile.TemporaryDirectory() as store:  # each set-up's first step starts with nothing stored
                env = {**os.environ, "TQDM_DISABLE": "1", "DESKPILOT_PREFIX_STORE": store}
                proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
            lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
            if proc.returncode or not lines:
                print(f"{size} {setup}: failed\n{proc.stderr[-2000:]}", flush=True)
                continue
            result = json.loads(lines[-1][len("RESULT ") :])
            results.append((size, result))
            # the whole result as it comes: a long run cut short still says what it measured
            print(f"{size} {setup}: {lines[-1][len('RESULT ') :]}", flush=True)
    print(
        f"\nQwen3-VL planning step on the CPU ({os.cpu_count()} cores), random weights, {SCREEN[0]}x{SCREEN[1]} "
        f"screenshot, answers forced to a real answer's length"
    )
    headers = [
        "model",
        "set-up",
        "dtype",
        "preset",
        "visual tok",
        "prompt tok",
        "answer tok",
        "load s",
        "first step s",
        "next run's first step s",
        "warm step s",
        "warm to 1st tok s",
        "decode ms/tok",
        "decode forwards",
        "peak GB",
    ]
    rows = []
    for size, r in results:
        for row in r["rows"]:
            warm = row["warm"]
            rows.append(
                [
                    size,
                    r["setup"],
                    r["dtype"],
                    row["preset"],
                    row["visual_tokens"],
                    warm["prompt_tokens"],
                    warm["tokens"],
                    f"{r['load_s']:.1f}",
                    f"{row['first']['step_s']:.1f}",
                    f"{row['first_stored']['step_s']:.1f}" if row.get("first_stored") else "-",
                    f"{warm['step_s']:.1f}",
                    f"{warm['until_first_token_s']:.1f}",
                    f"{warm['decode_ms']:.0f}",
                    warm["decode_forwards"],
                    f"{r['peak_gb']:.1f}",
                ]
            )
    print(table(headers, rows))
    headline = [(size, row) for size, r in results if r["setup"] == DEFAULT_SETUP for row in r["rows"]]
    headline.sort(key=lambda item: (item[0] == "2b", item[1]["preset"] == "edge"))  # 2b edge last, if run
    if headline:
        size, row = headline[-1]
        print(f"{size} {row['preset']} warm step: {row['warm']['step_s']:.1f} s")
    return 0 if results else 1


if __name__ == "__main__":
    raise SystemExit(main())
