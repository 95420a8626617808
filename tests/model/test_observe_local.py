"""``--observe screenshot+tree`` through the local transformers backend: the tiny Qwen3-VL is prompted with the
element list (one more text part in the turn of the current screenshot), and its prompt grows by the list."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from actions.a11y.fake import SHOWN, FakeTrees, element, snapshot  # noqa: E402
from actions.coords import DisplayProfile  # noqa: E402
from actions.errors import ModelOutputError  # noqa: E402
from actions.frame import Frame  # noqa: E402
from planners.qwen.local import LocalQwenBackend  # noqa: E402
from planners.qwen.planner import QwenPlanner  # noqa: E402
from tests.model.tiny_qwen import build_tiny_qwen3_vl  # noqa: E402


def test_the_local_model_reads_the_element_list_and_pays_its_tokens(tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    checkpoint = build_tiny_qwen3_vl(tmp_path / "tiny")
    backend = LocalQwenBackend(str(checkpoint), device="cpu")
    tree = snapshot(
        element("/w", "frame", "Login", (0, 0, 1280, 800)),
        element("/ok", "push button", "OK", (100, 200, 80, 30), parent=0),
        element("/name", "text", "", (300, 120, 200, 24), parent=0, label="Name", states=SHOWN | {"focused"}),
    )
    frame = Frame(np.full((800, 1280, 3), 240, dtype=np.uint8), DisplayProfile(width=1280, height=800), 0.0, 0.0)
    prompt_tokens, listed = {}, None
    for observe in ("screenshot", "screenshot+tree"):
        planner = QwenPlanner(backend, preset="edge", observe=observe, trees=FakeTrees(tree), max_new_tokens=4)
        with contextlib.suppress(ModelOutputError):  # a random model's answer: only the prompt matters here
            planner.plan("log in", frame, ())
        assert planner.last_completion is not None
        prompt_tokens[observe] = planner.last_completion.prompt_tokens
        listed = planner.last_elements or listed
    assert listed is not None and 'push button "OK" [78,250,140,287]' in listed
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    text_tokens = len(tokenizer("\n" + listed, add_special_tokens=False)["input_ids"])
    added = prompt_tokens["screenshot+tree"] - prompt_tokens["screenshot"]  # type: ignore[operator]
    assert abs(added - text_tokens) <= 2, (added, text_tokens)  # BPE may merge a token across the join
