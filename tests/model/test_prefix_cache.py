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


# -- the head kept on disk between runs (planners.qwen.prefix_store) ----------------------------------------


def first_plan(backend: LocalQwenBackend) -> str:
    planner = QwenPlanner(backend, preset="edge", max_new_tokens=12)
    try:
        return planner.plan("click the blue button", screens().capture(), []).raw
    except ModelOutputError as exc:
        return exc.raw or ""


def test_a_runs_first_step_reads_the_head_an_earlier_run_stored(qwen3_dir: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    earlier = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="bf16", prefix_store=store)
    assert earlier.prefix_cache is not None and earlier.prefix_cache.store is not None
    first = run(earlier, "edge")
    assert len(list(store.glob("*.safetensors"))) == 2  # the planning head and the grounding head
    # a new process's backend: nothing in memory, both heads on disk
    later = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="bf16", prefix_store=store)
    assert later.prefix_cache is not None
    again = run(later, "edge")
    plain = run(LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="bf16", prefix_cache=False), "edge")
    assert first == again == plain
    totals = later.prefix_cache.totals
    assert totals.computed_tokens == 0  # no head computed: both read from the store
    assert totals.loaded_tokens > 2000 and totals.reused_tokens > 1000


def test_the_stored_head_is_loaded_not_computed_and_only_for_the_same_checkpoint(
    qwen3_dir: Path, tmp_path: Path
) -> None:
    import os

    store = tmp_path / "store"
    computed = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="fp32", prefix_store=store)
    answer = first_plan(computed)
    assert computed.prefix_cache is not None and computed.prefix_cache.last.computed_tokens > 1000
    loaded = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="fp32", prefix_store=store)
    assert first_plan(loaded) == answer
    assert loaded.prefix_cache is not None
    assert loaded.prefix_cache.last.loaded_tokens == computed.prefix_cache.last.computed_tokens
    assert loaded.prefix_cache.last.computed_tokens == 0
    # another dtype computes other numbers: another entry
    other_dtype = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="bf16", prefix_store=store)
    first_plan(other_dtype)
    assert other_dtype.prefix_cache is not None and other_dtype.prefix_cache.last.loaded_tokens == 0
    # new weights in the same directory (a newer modification time): not the stored numbers
    weights = next(qwen3_dir.glob("*.safetensors"))
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    retrained = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="fp32", prefix_store=store)
    first_plan(retrained)
    assert retrained.prefix_cache is not None and retrained.prefix_cache.last.loaded_tokens == 0
    assert retrained.prefix_cache.last.computed_tokens > 1000


def test_an_unreadable_stored_head_is_computed_again(qwen3_dir: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    answer = first_plan(LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="fp32", prefix_store=store))
    (entry,) = store.glob("*.safetensors")
    entry.write_bytes(b"not a safetensors file")
    backend = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="fp32", prefix_store=store)
    assert first_plan(backend) == answer
    assert backend.prefix_cache is not None and backend.prefix_cache.last.computed_tokens > 1000
    assert entry.stat().st_size > 1000  # written again, whole


def test_the_store_folder_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from planners.qwen.prefix_store import default_directory

    monkeypatch.setenv("DESKPILOT_PREFIX_STORE", "off")
    assert default_directory() is None
    monkeypatch.setenv("DESKPILOT_PREFIX_STORE", str(tmp_path / "heads"))
    assert default_directory() == tmp_path / "heads"
    monkeypatch.delenv("DESKPILOT_PREFIX_STORE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_directory() == tmp_path / "xdg" / "deskpilot" / "prefix"


def test_doctor_says_where_the_heads_are_and_what_they_take(
    qwen3_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agent.cli.doctor import prefix_store_check

    store = tmp_path / "heads"
    monkeypatch.setenv("DESKPILOT_PREFIX_STORE", str(store))
    assert prefix_store_check().detail == f"{store}: 0 prompt heads, 0 MB"
    first_plan(LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="fp32"))  # the default store: the variable's
    (entry,) = store.glob("*.safetensors")
    assert prefix_store_check().detail == f"{store}: 1 prompt head, {entry.stat().st_size / 1e6:.0f} MB"
    monkeypatch.setenv("DESKPILOT_PREFIX_STORE", "off")
    assert prefix_store_check().detail.startswith("off (DESKPILOT_PREFIX_STORE=off)")
