"""How many forwards prompt lookup decoding needs for real answers, per draft length and shortest run looked up.

    .venv/bin/python -m bench.lookup_drafts

No model: the answer is known, so the loop of ``planners.qwen.prompt_lookup`` is replayed with the answer's
own tokens as the model's picks (a draft token is kept when it is the answer's next token), drafts as long
as the loop lets them be (``next_draft_length``). What it gives is
the count a real run would have if the model answered this: forwards (one per token without drafts) and
tokens fed to them (each forward computes 1 + its draft). The prompt is the real planning prompt's text
(``planners.qwen.prompt``: the CPU presets' terse system prompt, the task, the history), tokenized by
``bench.cpu_step``'s tokenizer (a byte-level BPE of 8,000 trained on this repository, which cuts the prompt
about as Qwen's does). On a CPU a forward costs about the weights' read plus a share per token fed, so both
columns matter; ``bench.cpu_step`` measures the real times.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.cpu_step import CALL, NEXT_CALL, TASK, TOKENIZER_VOCAB, _corpus
from bench.timing import table
from planners.qwen import prompt_lookup
from planners.qwen.prompt import system_prompt

_TYPE = '<tool_call>\n{"name": "computer_use", "arguments": {"action": "type", "text": "report.txt"}}\n</tool_call>'
_KEY = '<tool_call>\n{"name": "computer_use", "arguments": {"action": "key", "keys": ["ctrl", "s"]}}\n</tool_call>'
# name -> (the earlier answers in the history, this answer)
ANSWERS = {
    "first step, a click": ([], CALL),
    "second step, a click elsewhere": ([CALL], NEXT_CALL),
    "third step, type": ([CALL, NEXT_CALL], _TYPE),
    "second step, a key chord": ([CALL], _KEY),
}


def replay(prompt: list[int], answer: list[int], draft_tokens: int) -> tuple[int, int]:
    """(forwards, tokens fed) for decoding ``answer`` after ``prompt`` (its first token from the prefill)."""
    out, forwards, fed, earned = [answer[0]], 0, 0, draft_tokens
    while len(out) < len(answer):
        proposed = prompt_lookup.draft(prompt + out, earned)
        forwards += 1
        fed += 1 + len(proposed)
        kept = 0
        while kept < len(proposed) and len(out) + kept < len(answer) and proposed[kept] == answer[len(out) + kept]:
            kept += 1
        earned = prompt_lookup.next_draft_length(earned, draft_tokens, len(proposed), kept)
        out += answer[len(out) : len(out) + kept + 1]
    return forwards, fed


def main() -> int:
    from tests.model.tiny_qwen import save_tokenizer

    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = save_tokenizer(Path(tmp), TOKENIZER_VOCAB, _corpus(repo))

    def ids(text: str) -> list[int]:
        return [int(i) for i in tokenizer(text, add_special_tokens=False)["input_ids"]]

    system = ids(system_prompt("qwen3", (1280, 800), terse=True))

    def prompt(history: list[str]) -> list[int]:
        lines = [f"Step {n}: {' '.join(a.split())} -> the screen changed" for n, a in enumerate(history, 1)]
        intro = "Decide the next step from the screenshot, the task and the steps taken so far.\n\n"
        return system + ids(f"{intro}Task: {TASK}\n\nPrevious actions:\n{chr(10).join(lines) or 'None'}")

    rows = []
    shortest_default = prompt_lookup.MIN_NGRAM
    try:
        for shortest in (1, 2):
            prompt_lookup.MIN_NGRAM = shortest
            for draft_tokens in (0, 4, 8, 16):
                row: list[object] = [shortest, draft_tokens]
                for history, answer in ANSWERS.values():
                    forwards, fed = replay(prompt(history), ids(answer), draft_tokens)
                    row.append(f"{forwards} / {fed}")
                rows.append(row)
    finally:
        prompt_lookup.MIN_NGRAM = shortest_default
    print("Prompt lookup on real answers (no model): forwards / tokens fed, per answer")
    answer_tokens = {name: len(ids(answer)) for name, (_, answer) in ANSWERS.items()}
    headers = ["shortest run", "draft tokens", *(f"{name} ({n} tok)" for name, n in answer_tokens.items())]
    print(table(headers, rows))
    print(f"defaults: shortest run {prompt_lookup.MIN_NGRAM}, longest {prompt_lookup.MAX_NGRAM}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
