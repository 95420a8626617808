"""LocalQwenBackend on tiny random Qwen-VL checkpoints built offline (tests/model/tiny_qwen.py),
loaded through the same code path as a real checkpoint directory."""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from PIL import Image  # noqa: E402

from actions.errors import BackendError  # noqa: E402
from planners.qwen.local import LocalQwenBackend  # noqa: E402
from planners.qwen.messages import ChatMessage, ImagePart, TextPart  # noqa: E402
from tests.model.tiny_qwen import build_tiny_qwen2_vl, build_tiny_qwen3_vl  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SCREEN = (1280, 800)


def expected_tokens(width: int, height: int, factor: int, min_pixels: int, max_pixels: int) -> int:
    """Visual tokens by the Qwen-VL smart-resize rule, written out independently of the code under test."""
    h_bar, w_bar = round(height / factor) * factor, round(width / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar, w_bar = math.ceil(height * beta / factor) * factor, math.ceil(width * beta / factor) * factor
    return (h_bar // factor) * (w_bar // factor)


def screenshot() -> Image.Image:
    image = Image.new("RGB", SCREEN, (236, 236, 236))
    image.paste((40, 90, 200), (500, 600, 780, 660))  # a "Submit" button
    return image


def conversation(image: Image.Image | None) -> list[ChatMessage]:
    parts = (ImagePart(image), TextPart("Click Submit.")) if image is not None else (TextPart("Click Submit."),)
    return [ChatMessage.text("system", "You are a computer-use agent."), ChatMessage("user", parts)]


@pytest.fixture(scope="module")
def qwen3_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_qwen3_vl(tmp_path_factory.mktemp("tiny-qwen3-vl"))


@pytest.fixture(scope="module")
def qwen3(qwen3_dir: Path) -> LocalQwenBackend:
    return LocalQwenBackend(str(qwen3_dir), device="cpu")


def test_checkpoint_is_small_and_loadable_by_auto_classes(qwen3_dir: Path) -> None:
    from transformers import AutoConfig, AutoTokenizer

    assert sum(f.stat().st_size for f in qwen3_dir.iterdir()) < 5_000_000
    assert AutoConfig.from_pretrained(qwen3_dir).model_type == "qwen3_vl"
    tokenizer = AutoTokenizer.from_pretrained(qwen3_dir)
    assert len(tokenizer("<tool_call><|image_pad|>")["input_ids"]) == 2


def test_family_detection(qwen3: LocalQwenBackend) -> None:
    assert (qwen3.model_type, qwen3.family) == ("qwen3_vl", "qwen3")
    assert (qwen3.patch_size, qwen3.merge_size, qwen3.image_factor) == (16, 2, 32)
    from planners.qwen.cpu_features import cpu_bf16, cpu_dtype_choice

    # --dtype auto on the CPU: bf16 where the CPU has it natively (tests/model/test_cpu_tier.py)
    assert (qwen3.device, qwen3.dtype, qwen3.attn) == ("cpu", cpu_dtype_choice(cpu_bf16())[0], "sdpa")
    assert "qwen3_vl" in qwen3.describe() and "cpu" in qwen3.describe()
    if importlib.util.find_spec("torchvision") is None:
        assert qwen3.processor_path == "image-only"


def test_it_has_the_chat_backend_protocol(qwen3: LocalQwenBackend, qwen3_dir: Path) -> None:
    from planners.qwen.messages import ChatBackend

    assert isinstance(qwen3, ChatBackend)
    assert qwen3.model == str(qwen3_dir) and qwen3.check() == [str(qwen3_dir)]


def test_an_unknown_family_fails_before_loading(qwen3_dir: Path) -> None:
    with pytest.raises(BackendError, match="unknown model family 'qwen9'"):
        LocalQwenBackend(str(qwen3_dir), device="cpu", family="qwen9")


def test_completion_returns_text_and_token_counts(qwen3: LocalQwenBackend) -> None:
    messages = conversation(screenshot())
    first = qwen3.complete(messages, max_new_tokens=6)
    assert isinstance(first.text, str)
    assert first.prompt_tokens == qwen3.count_prompt_tokens(messages)
    assert first.completion_tokens is not None and 1 <= first.completion_tokens <= 6
    assert first.latency_ms > 0
    assert qwen3.complete(messages, max_new_tokens=6).text == first.text  # greedy: deterministic


def test_prompt_tokens_include_the_expanded_image(qwen3: LocalQwenBackend) -> None:
    image = screenshot()
    with_image = qwen3.count_prompt_tokens(conversation(image))
    text_only = qwen3.count_prompt_tokens(conversation(None))
    # <|vision_start|> + one <|image_pad|> per merged patch + <|vision_end|>
    assert with_image - text_only == qwen3.visual_tokens(image) + 2


def test_decoding_keeps_tool_call_and_think_tags(qwen3: LocalQwenBackend) -> None:
    answer = '<think>the button</think><tool_call>{"name": "computer_use"}</tool_call>'
    ids = qwen3._tokenizer(answer + "<|im_end|>", add_special_tokens=False)["input_ids"]
    assert qwen3._decode(ids) == answer


@pytest.mark.parametrize("max_pixels", [256 * 32 * 32, 100 * 32 * 32])
def test_visual_tokens_follow_the_pixel_budget(qwen3_dir: Path, max_pixels: int) -> None:
    min_pixels = 16 * 32 * 32
    backend = LocalQwenBackend(str(qwen3_dir), device="cpu", min_pixels=min_pixels, max_pixels=max_pixels)
    assert (backend.min_pixels, backend.max_pixels) == (min_pixels, max_pixels)
    expected = expected_tokens(*SCREEN, 32, min_pixels, max_pixels)
    assert backend.visual_tokens(screenshot()) == expected
    assert expected == {256 * 1024: 240, 100 * 1024: 84}[max_pixels]


def test_default_budget_comes_from_the_checkpoint(qwen3: LocalQwenBackend) -> None:
    assert (qwen3.min_pixels, qwen3.max_pixels) == (64 * 32 * 32, 256 * 32 * 32)  # preprocessor_config.json
    assert qwen3.visual_tokens(screenshot()) == expected_tokens(*SCREEN, 32, qwen3.min_pixels, qwen3.max_pixels)


def test_qwen2_family(tmp_path: Path) -> None:
    backend = LocalQwenBackend(str(build_tiny_qwen2_vl(tmp_path / "tiny-qwen2-vl")), device="cpu", max_pixels=200704)
    assert (backend.model_type, backend.family, backend.image_factor) == ("qwen2_vl", "qwen2", 28)
    assert backend.visual_tokens(screenshot()) == expected_tokens(*SCREEN, 28, backend.min_pixels, 200704) == 240
    assert isinstance(backend.complete(conversation(screenshot()), max_new_tokens=2).text, str)


def test_image_only_inputs_match_the_official_processor(qwen3: LocalQwenBackend, monkeypatch) -> None:
    """The hand-built inputs equal what Qwen3VLProcessor makes of the same messages: same text,
    same expansion of each <|image_pad|>, same pixels (its video processor, the part that needs
    torchvision, is stubbed out: images never reach it)."""
    import torch
    import transformers
    from transformers import Qwen3VLProcessor

    from planners.qwen.local_inputs import to_hf

    monkeypatch.setattr(transformers.ProcessorMixin, "check_argument_for_proper_class", lambda *a, **k: None)
    try:
        official = Qwen3VLProcessor(
            image_processor=qwen3._processing.image_processor,
            tokenizer=qwen3._tokenizer,
            video_processor=object(),
            chat_template=qwen3._processing.chat_template,
        )
    except Exception as exc:  # noqa: BLE001 - a transformers release that builds processors differently
        pytest.skip(f"cannot build Qwen3VLProcessor without torchvision here: {exc}")
    image = screenshot()
    messages = [*conversation(image), ChatMessage("user", (ImagePart(image.resize((640, 400))), TextPart("Now?")))]
    # (what the processing builds, before the backend casts the pixels to the model's dtype)
    mine = qwen3._processing.build(messages, qwen3._forward_params, (qwen3._image_token_id, qwen3._video_token_id))
    hf_messages, images = to_hf(messages)
    text = official.apply_chat_template(hf_messages, tokenize=False, add_generation_prompt=True)
    theirs = official(text=[text], images=images, return_tensors="pt")
    assert set(mine) <= set(theirs)
    for key, value in mine.items():
        assert torch.equal(value, theirs[key]), key


def test_broken_torchvision_falls_back_to_the_image_only_path(qwen3_dir: Path, tmp_path: Path) -> None:
    """A CUDA torchvision wheel beside a CPU torch fails at import; transformers would then fail to
    load any Qwen-VL class. The backend hides it and uses the image-only path."""
    fake = tmp_path / "site"
    (fake / "torchvision").mkdir(parents=True)
    (fake / "torchvision" / "__init__.py").write_text(
        'raise RuntimeError("operator torchvision::nms does not exist")\n'
    )
    (fake / "torchvision-0.28.0.dist-info").mkdir()
    (fake / "torchvision-0.28.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: torchvision\nVersion: 0.28.0\n"
    )
    code = (
        "import sys, agent\n"
        "from PIL import Image\n"
        "from planners.qwen.local import LocalQwenBackend\n"
        f"backend = LocalQwenBackend({str(qwen3_dir)!r}, device='cpu')\n"
        "print(backend.processor_path, backend.visual_tokens(Image.new('RGB', (1280, 800))))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(fake), str(REPO)])}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["image-only", "240"]
    assert "torchvision is broken" in out.stderr


def test_import_does_not_import_torch() -> None:
    code = (
        "import sys, planners.qwen.local; "
        "print(sorted(m for m in ('torch', 'transformers', 'torchvision') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_missing_directory_is_a_clear_backend_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-checkpoint"
    with pytest.raises(BackendError, match="model directory not found") as info:
        LocalQwenBackend(str(missing), device="cpu")
    assert str(missing) in str(info.value) and "\n" not in str(info.value)


def test_quantization_on_cpu_is_a_clear_backend_error(qwen3_dir: Path) -> None:
    with pytest.raises(BackendError, match="4bit quantization needs a CUDA GPU"):
        LocalQwenBackend(str(qwen3_dir), device="cpu", quantization="4bit")


def test_bad_choices_are_backend_errors(qwen3_dir: Path) -> None:
    with pytest.raises(BackendError, match="unknown dtype 'int4'"):
        LocalQwenBackend(str(qwen3_dir), device="cpu", dtype="int4")
    with pytest.raises(BackendError, match="flash_attention_2"):
        LocalQwenBackend(str(qwen3_dir), device="cpu", attn="flash_attention_2")
