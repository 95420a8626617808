"""The static prompt head's KV cache (planners.qwen.prefix_cache) changes no answer: a multi-step
planning run and grounding calls on tiny random Qwen-VL models give the same raw answers and actions,
token for token, with and without it, while the cache really is reused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from actions.coords import DisplayProfile  # noqa: E402
from actions.errors import ModelOutputError  # noqa: E402
from actions.frame import FakeScreen  # noqa: E402
from planners.base import StepFeedback  # noqa: E402
from planners.qwen.local import LocalQwenBackend  # noqa: E402
from planners.qwen.planner import QwenPlanner  # noqa: E402
from planners.qwen.prefix_cache import PrefixCache, common_prefix, static_head_length  # noqa: E402
from tests.model.tiny_qwen import build_tiny_qwen2_vl, build_tiny_qwen3_vl  # noqa: E402

STEPS = 3
# Wide enough weights that the tiny models' greedy answers depend on the prompt and the pixels.
INIT_STD = 0.2


@pytest.fixture(scope="module")
def qwen3_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_qwen3_vl(tmp_path_factory.mktemp("tiny-qwen3-vl-wide"), init_std=INIT_STD)


def screens() -> FakeScreen:
    """Frames that differ from step to step: a grey desktop with a blue "button" that moves."""
    profile = DisplayProfile(index=1, left=0, top=0, width=640, height=400)
    frames = []
    for step in range(STEPS + 2):
        frame = np.full((400, 640, 3), 230 - 30 * step, np.uint8)
        frame[100 + 40 * step : 160 + 40 * step, 80 * step : 200 + 80 * step] = (30, 90, 200)
        frames.append(frame)
    return FakeScreen(frames, profile_=profile)


def run(backend: LocalQwenBackend, preset: str) -> list[tuple[str, tuple, str]]:
    """A planning run of STEPS steps, each refused answer fed back as the loop does, then a grounding
    call: (raw answer, actions, error) per call."""
    planner = QwenPlanner(backend, preset=preset, max_new_tokens=20)
    screen = screens()
    history: list[StepFeedback] = []
    outcomes = []
    for index in range(STEPS):
        try:
            plan = planner.plan("click the blue button", screen.capture(), history)
            outcomes.append((plan.raw, plan.actions, ""))
            history += [StepFeedback(index=index, action=a, verdict="changed") for a in plan.actions]
        except ModelOutputError as exc:
            outcomes.append((exc.raw or "", (), str(exc)))
            history.append(StepFeedback(index=index, action=None, verdict="invalid", note=f"refused: {exc}"))
        screen.advance()
        for description in ("the blue button",):
            try:
                point = planner.ground(description, screen.capture())
                outcomes.append((planner.last_completion.text, (point,), ""))  # type: ignore[union-attr]
            except ModelOutputError as exc:
                outcomes.append((exc.raw or "", (), str(exc)))
    return outcomes


@pytest.mark.parametrize("dtype", ["fp32", "bf16"])
def test_a_planning_run_answers_the_same_with_and_without_the_prefix_cache(qwen3_dir: Path, dtype: str) -> None:
    cached = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype=dtype)
    plain = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype=dtype, prefix_cache=False)
    assert cached.prefix_cache is not None and plain.prefix_cache is None
    with_cache = run(cached, "edge")
    assert cached.prefix_cache.last.reused_tokens > 1000 and cached.prefix_cache.last.computed_tokens == 0
    assert len(cached.prefix_cache) == 2  # the planning head and the grounding head
    without = run(plain, "edge")
    assert with_cache == without
    # The answers depend on what the model is shown, so equal answers are a real comparison.
    assert len({raw for raw, _, _ in with_cache}) >= 3


def test_the_grounding_head_reuses_the_part_it_shares_with_the_planning_head(qwen3_dir: Path) -> None:
    backend = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="fp32")
    planner = QwenPlanner(backend, preset="fast", max_new_tokens=4)
    screen = screens()
    with pytest.raises(ModelOutputError):
        planner.plan("click the blue button", screen.capture(), [])
    cache = backend.prefix_cache
    assert cache is not None and cache.last.reused_tokens == 0 and cache.last.computed_tokens > 1000
    planning_head = cache.last.computed_tokens
    with pytest.raises(ModelOutputError):
        planner.ground("the blue button", screen.capture())
    # the system prompts agree up to the response-format section, which grounding leaves out
    assert 0 < cache.last.reused_tokens < planning_head and cache.last.computed_tokens > 0


def test_qwen2_vl_answers_the_same_with_and_without_the_prefix_cache(tmp_path: Path) -> None:
    directory = build_tiny_qwen2_vl(tmp_path / "tiny-qwen2-vl-wide", init_std=INIT_STD)
    cached = LocalQwenBackend(str(directory), device="cpu", dtype="fp32")
    plain = LocalQwenBackend(str(directory), device="cpu", dtype="fp32", prefix_cache=False)
    with_cache = run(cached, "fast")
    assert with_cache == run(plain, "fast")
    assert len({raw for raw, _, _ in with_cache}) >= 3


def test_the_head_ends_before_the_first_image_token() -> None:
    vision = frozenset({7})
    assert static_head_length([1, 2, 3, 7, 7, 4], vision) == 3
    assert static_head_length([7, 1, 2], vision) == 0
    assert static_head_length([1, 2, 3], vision) == 2  # text only: one token is left to compute
    assert common_prefix([1, 2, 3, 4], [1, 2, 9]) == 2
    with pytest.raises(ValueError, match="max_entries must be at least 1"):
        PrefixCache(max_entries=0)
