"""The CPU tier on tiny random Qwen3-VL checkpoints: the dtype read from the CPU's flags, generation
that stops where the tool call ends, torch's dynamic int8 and optimum-quanto's int4."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from actions.coords import DisplayProfile  # noqa: E402
from actions.errors import BackendError  # noqa: E402
from actions.frame import Frame  # noqa: E402
from actions.models import Click  # noqa: E402
from planners.qwen.answer_stop import ToolCallStop  # noqa: E402
from planners.qwen.cpu_features import CpuBf16, cpu_bf16, cpu_dtype_choice  # noqa: E402
from planners.qwen.local import LocalQwenBackend  # noqa: E402
from planners.qwen.local_loading import pick_dtype  # noqa: E402
from planners.qwen.messages import ChatMessage, ImagePart, TextPart  # noqa: E402
from planners.qwen.planner import QwenPlanner  # noqa: E402
from tests.model.tiny_qwen import build_tiny_qwen3_vl  # noqa: E402

X86_FLAGS = "fpu vme sse sse2 avx avx2 avx512f avx512_vnni"


@pytest.fixture(scope="module")
def qwen3_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_qwen3_vl(tmp_path_factory.mktemp("tiny-qwen3-vl-cpu"), init_std=0.2)


def conversation() -> list[ChatMessage]:
    image = Image.new("RGB", (640, 400), (230, 230, 230))
    image.paste((30, 90, 200), (100, 100, 300, 160))
    parts = (ImagePart(image), TextPart("Click the blue button."))
    return [ChatMessage.text("system", "You are a computer-use agent."), ChatMessage("user", parts)]


# -- dtype ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cpuinfo", "expected"),
    [
        (f"processor\t: 0\nflags\t\t: {X86_FLAGS} avx512_bf16\n", ("bf16", "lists avx512_bf16")),
        (f"processor\t: 0\nflags\t\t: {X86_FLAGS} amx_tile amx_bf16\n", ("bf16", "lists amx_bf16")),
        ("processor\t: 0\nFeatures\t: fp asimd sve bf16 i8mm\n", ("bf16", "lists bf16")),
        (f"processor\t: 0\nflags\t\t: {X86_FLAGS}\n", ("fp32", "lists none of amx_bf16, avx512_bf16, bf16")),
        ("processor\t: 0\n", ("fp32", "lists no CPU flags")),
    ],
)
def test_the_cpu_dtype_is_read_from_the_cpu_flags(tmp_path: Path, cpuinfo: str, expected: tuple[str, str]) -> None:
    path = tmp_path / "cpuinfo"
    path.write_text(cpuinfo)
    dtype, why = cpu_dtype_choice(cpu_bf16(path))
    assert dtype == expected[0] and f"{path} {expected[1]}" in why


def test_an_unreadable_cpuinfo_means_fp32(tmp_path: Path) -> None:
    dtype, why = cpu_dtype_choice(cpu_bf16(tmp_path / "missing"))
    assert dtype == "fp32" and "cannot read" in why


def test_auto_dtype_on_the_cpu_follows_the_cpu_and_the_flag_overrides_it(qwen3_dir: Path) -> None:
    import torch

    assert pick_dtype(torch, "auto", "cpu", CpuBf16(True, "flags list avx512_bf16")) == (
        "bf16",
        "native bf16 (flags list avx512_bf16)",
    )
    assert pick_dtype(torch, "auto", "cpu", CpuBf16(False, "no flag"))[0] == "fp32"
    assert pick_dtype(torch, "fp32", "cpu", CpuBf16(True, "x")) == ("fp32", "forced by --dtype")
    here = cpu_dtype_choice(cpu_bf16())
    auto = LocalQwenBackend(str(qwen3_dir), device="cpu")
    assert (auto.dtype, auto.dtype_reason) == here
    assert auto._model.dtype == {"bf16": torch.bfloat16, "fp32": torch.float32}[here[0]]
    forced = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="fp32")
    assert (forced.dtype, forced._model.dtype) == ("fp32", torch.float32)
    assert forced.dtype_reason == "forced by --dtype"


# -- stopping at the end of the tool call -----------------------------------------------------------


@pytest.fixture(scope="module")
def backend(qwen3_dir: Path) -> LocalQwenBackend:
    return LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="fp32")


def ids_of(backend: LocalQwenBackend, text: str) -> list[int]:
    return list(backend._tokenizer(text, add_special_tokens=False)["input_ids"])


def call(action: str) -> str:
    arguments = json.dumps({"name": "computer_use", "arguments": {"action": action, "coordinate": [1, 2]}})
    return f"<tool_call>{arguments}</tool_call>"


def stopped_at(backend: LocalQwenBackend, answer: str) -> str | None:
    """The answer as the stop criterion cuts it, token by token as generate grows it (None: never)."""
    stop = backend._stop(prompt_tokens=0)
    assert stop is not None
    ids = ids_of(backend, answer)
    for n in range(1, len(ids) + 1):
        if stop.done(ids[:n]):
            return backend._decode(ids[:n])
    return None


def test_generation_stops_at_the_end_of_the_tool_call(backend: LocalQwenBackend) -> None:
    click, move, drag = (call(action) for action in ("left_click", "mouse_move", "left_click_drag"))
    assert stopped_at(backend, f"Action: click it.\n{click}\nI clicked it, now") == f"Action: click it.\n{click}"
    # a lead-in call waits for the call that belongs to it, then stops at that one's end
    assert stopped_at(backend, f"{move}\n{drag} and more") == f"{move}\n{drag}"
    # ... and if prose follows it instead, the answer ends with the first token of that prose
    cut = stopped_at(backend, f"{move} then nothing")
    assert cut is not None and cut.startswith(move) and cut != move and len(cut) < len(f"{move} then nothing")
    assert stopped_at(backend, "Action: click it. No call at all.") is None


def test_the_stop_ends_a_real_generation(backend: LocalQwenBackend) -> None:
    """Wired into generate: with the end token set to a token the model says (unstopped) first at
    position n, the answer is exactly its first n + 1 tokens. (A random model never writes a tool
    call; the tool-call tokens themselves are what the test above uses.)"""
    import torch
    import transformers

    from planners.qwen.answer_stop import as_stopping_criteria

    inputs = backend._inputs(conversation())
    prompt = int(inputs["input_ids"].shape[1])
    with torch.inference_mode():
        free = backend._model.generate(**inputs, max_new_tokens=12, do_sample=False)[0, prompt:].tolist()
    n = next(i for i in range(2, len(free)) if free[i] not in free[:i])  # a token the model says first at n
    stop = ToolCallStop(prompt, start_id=-1, end_id=free[n], decode=backend._decode)
    with torch.inference_mode():
        cut = backend._model.generate(
            **inputs, max_new_tokens=12, do_sample=False, stopping_criteria=as_stopping_criteria(transformers, stop)
        )[0, prompt:].tolist()
    assert cut == free[: n + 1] and len(cut) < len(free)


def test_the_stop_can_be_switched_off(qwen3_dir: Path) -> None:
    backend = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="fp32", stop_at_tool_call=False)
    assert backend._stop(prompt_tokens=0) is None


# -- int8 / int4 on the CPU -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def int8(qwen3_dir: Path) -> LocalQwenBackend:
    return LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="bf16", quantization="int8")


def test_int8_is_torchs_dynamic_int8_on_the_language_model_and_the_head(int8: LocalQwenBackend) -> None:
    import torch

    dynamic = torch.ao.nn.quantized.dynamic.Linear
    assert int8.quantization == "int8" and " bf16 int8 (torch dynamic, fp32 activations) " in int8.describe()
    language = int8._model.model.language_model
    for layer in language.layers:
        for projection in (layer.self_attn.q_proj, layer.self_attn.o_proj, layer.mlp.down_proj):
            assert type(projection) is dynamic
            assert projection.weight().qscheme() == torch.per_channel_affine  # a scale per output channel
        assert layer.input_layernorm.weight.dtype == torch.float32  # fbgemm takes fp32 activations
    assert type(int8._model.lm_head) is dynamic
    assert int8._model.lm_head.weight().shape == language.embed_tokens.weight.shape  # untied: its own int8 copy
    assert language.embed_tokens.weight.dtype == torch.bfloat16  # the lookup stays in the load dtype
    vision = int8._model.model.visual.blocks[0].mlp.linear_fc1
    assert type(vision) is torch.nn.Linear and vision.weight.dtype == torch.bfloat16  # the vision tower as loaded


def test_int8_under_auto_dtype_computes_in_fp32(qwen3_dir: Path) -> None:
    import torch

    backend = LocalQwenBackend(str(qwen3_dir), device="cpu", quantization="int8")
    assert (backend.dtype, backend.dtype_reason) == (
        "fp32",
        "int8 computes in fp32 (torch's dynamic int8 takes fp32 activations)",
    )
    assert backend._model.model.visual.blocks[0].mlp.linear_fc1.weight.dtype == torch.float32
    assert " fp32 int8 (torch dynamic, fp32 activations) " in backend.describe()


def test_int8_answers_are_greedy_and_the_same_on_every_load(int8: LocalQwenBackend, qwen3_dir: Path) -> None:
    first = int8.complete(conversation(), max_new_tokens=8)
    assert first.completion_tokens is not None and 1 <= first.completion_tokens <= 8 and first.text
    assert int8.complete(conversation(), max_new_tokens=8).text == first.text  # the prefix cache's head too
    again = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="bf16", quantization="int8")
    assert again.complete(conversation(), max_new_tokens=8).text == first.text


def test_an_int8_planning_step_comes_back_as_an_action(int8: LocalQwenBackend) -> None:
    """A random model never writes a tool call, so greedy decoding is steered to one (a bias on each
    token of the call, given the call so far); the int8 model computes every logit the steer adds to,
    and the planner parses what comes back."""
    answer = call("left_click").replace("[1, 2]", "[500, 250]")
    ids = ids_of(int8, answer)
    config = int8._model.generation_config
    config.sequence_bias = [[ids[: n + 1], 1000.0 * (n + 1)] for n in range(len(ids))]
    try:
        planner = QwenPlanner(int8, preset="edge")
        frame = Frame(np.full((800, 1280, 3), 230, dtype=np.uint8), DisplayProfile(width=1280, height=800), 0.0, 0.0)
        plan = planner.plan("click the blue button", frame, ())
    finally:
        config.sequence_bias = None
    assert plan.raw == answer  # stopped where the call ends
    assert plan.actions == (Click(x=640, y=200),)


def test_int8_needs_the_x86_engine(qwen3_dir: Path) -> None:
    import torch

    if "qnnpack" not in torch.backends.quantized.supported_engines:
        pytest.skip("this torch has no other quantized engine to switch to")
    engine = torch.backends.quantized.engine
    torch.backends.quantized.engine = "qnnpack"  # an ARM CPU's engine
    try:
        with pytest.raises(BackendError, match="quantized engine is 'qnnpack' .*use --quantization int4 or none"):
            LocalQwenBackend(str(qwen3_dir), device="cpu", quantization="int8")
    finally:
        torch.backends.quantized.engine = engine


@pytest.mark.skipif(importlib.util.find_spec("optimum") is None, reason="optimum-quanto not installed")
def test_int4_on_the_cpu_loads_and_answers(qwen3_dir: Path) -> None:
    backend = LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="bf16", quantization="int4")
    assert backend.quantization == "int4" and " bf16 int4 (optimum-quanto) " in backend.describe()
    layer = backend._model.model.language_model.layers[0].mlp.down_proj
    # (int4 packs for tinygemm where the shapes allow; the tiny model's mostly do not)
    assert type(layer.weight).__name__.endswith("WeightQBitsTensor") and layer.weight.qtype.name == "qint4"
    assert type(backend._model.lm_head.weight).__name__.endswith("WeightQBitsTensor")
    vision = backend._model.model.visual.blocks[0].mlp.linear_fc1
    assert type(vision.weight).__name__ == "Parameter"  # the vision tower stays in bf16
    first = backend.complete(conversation(), max_new_tokens=8)
    assert first.completion_tokens is not None and 1 <= first.completion_tokens <= 8 and first.text
    assert backend.complete(conversation(), max_new_tokens=8).text == first.text  # the prefix cache too


def test_cpu_and_gpu_quantizations_name_the_other_kind(qwen3_dir: Path) -> None:
    with pytest.raises(BackendError, match="8bit quantization needs a CUDA GPU .*on the CPU use --quantization int8"):
        LocalQwenBackend(str(qwen3_dir), device="cpu", quantization="8bit")
    with pytest.raises(BackendError, match="unknown quantization 'int3'"):
        LocalQwenBackend(str(qwen3_dir), device="cpu", quantization="int3")
