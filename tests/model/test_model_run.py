"""A tiny random Qwen3-VL, built offline and loaded by `deskpilot run --model DIR` through the same
code path as a real checkpoint, on the demo app under Xvfb: its garbage is recorded and refused,
nothing is clicked, and the run ends cleanly with a clear reason."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from PIL import Image  # noqa: E402

from planners.qwen.family import PRESETS, resize_for_model, visual_tokens  # noqa: E402
from planners.qwen.local import LocalQwenBackend  # noqa: E402
from planners.qwen.prompt import build_messages  # noqa: E402
from tests.model.tiny_qwen import build_tiny_qwen3_vl  # noqa: E402


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_qwen3_vl(tmp_path_factory.mktemp("tiny-qwen3-vl"))


def test_run_with_a_tiny_model_refuses_its_garbage_and_clicks_nothing(desktop, demo_app, tiny_model, tmp_path) -> None:
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "deskpilot", "run", "click the Count button", "--model", str(tiny_model)]
    cmd += ["--device", "cpu", "--preset", "edge", "--max-new-tokens", "24", "--max-steps", "5", "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=desktop.env(), timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert "deskpilot: run failed: the planner gave 3 unusable answers in a row" in proc.stderr
    assert proc.stderr.count("deskpilot: loading") == 1  # loaded once, before the loop
    assert ", prefix cache, prompt lookup 8" in proc.stderr  # the CPU's defaults
    assert "deskpilot: dtype bf16 (native bf16" in proc.stderr or "deskpilot: dtype fp32 (no native bf16" in proc.stderr
    assert "Traceback" not in proc.stderr
    state = demo_app.state()
    assert state["last_click_button"] is None and state["count_clicks"] == 0 and state["name"] == ""
    steps = [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]
    assert [s["verdict"] for s in steps] == ["invalid"] * 3
    assert all(s["action"] is None and s["raw_answer"] is not None and s["error"] for s in steps)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["success"] is False and summary["invalid_answers"] == 3 and summary["actions_performed"] == 0
    assert "refused" in (out / "report.html").read_text()


def test_prompt_tokens_follow_each_preset(tiny_model: Path) -> None:
    """The same planning prompt at each preset: the image costs exactly its visual tokens (plus the
    vision start/end markers) on top of the text, so the presets' budgets are what the model pays."""
    screen = Image.new("RGB", (1280, 800), (240, 240, 240))
    counts = {}
    for name, preset in PRESETS.items():
        backend = LocalQwenBackend(
            str(tiny_model), device="cpu", min_pixels=preset.min_pixels, max_pixels=preset.max_pixels
        )
        image = resize_for_model(screen, preset, "qwen3")
        messages = build_messages("click Count", image, [], family="qwen3", screen_size=image.size)
        counts[name] = (backend.count_prompt_tokens(messages), visual_tokens(*image.size, "qwen3"))
    text_only = {name: total - tokens for name, (total, tokens) in counts.items()}
    assert len(set(text_only.values())) == 1  # the text part is the same whatever the preset
    assert {name: tokens for name, (_, tokens) in counts.items()} == {
        "accurate": 1000,
        "balanced": 1000,
        "fast": 476,
        "edge": 240,
    }
