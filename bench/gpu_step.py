"""Per-step latency of a Qwen3-VL planning step: preprocess, prefill, decode of a 40-token answer.

    .venv/bin/python -m bench.gpu_step                    # on a CUDA machine: 2B and 8B, every preset
    .venv/bin/python -m bench.gpu_step --sizes tiny --device cpu   # a smoke run anywhere

The models are the published Qwen3-VL-2B / -8B architectures with RANDOM weights (timing does not
depend on weight values, and nothing is downloaded). Screenshots of 1280x800 and 1920x1080 go through
our resize and the real image processor; the prompt is the image plus PROMPT_TEXT_TOKENS text tokens
(about what our computer-use system prompt, the task and a short history take). bf16 on CUDA, with
SDPA and, when the flash_attn package is installed, flash-attention 2, side by side in one run.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from bench.timing import table

PROMPT_TEXT_TOKENS = 700
ANSWER_TOKENS = 40
SCREENS = [(1280, 800), (1920, 1080)]

_TEXT = {
    # hidden, layers, heads, kv heads, intermediate (head_dim 128, vocab 151936, mrope [24, 20, 20])
    "2b": dict(hidden_size=2048, num_hidden_layers=28, num_attention_heads=16, num_key_value_heads=8,
               intermediate_size=6144, head_dim=128, tie_word_embeddings=True),
    "8b": dict(hidden_size=4096, num_hidden_layers=36, num_attention_heads=32, num_key_value_heads=8,
               intermediate_size=12288, head_dim=128, tie_word_embeddings=False),
    "tiny": dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                 intermediate_size=128, head_dim=16, tie_word_embeddings=True),
}  # fmt: skip
_VISION = {
    "2b": dict(depth=24, hidden_size=1024, intermediate_size=4096, num_heads=16, out_hidden_size=2048,
               deepstack_visual_indexes=[5, 11, 17]),
    "8b": dict(depth=27, hidden_size=1152, intermediate_size=4304, num_heads=16, out_hidden_size=4096,
               deepstack_visual_indexes=[8, 16, 24]),
    "tiny": dict(depth=2, hidden_size=64, intermediate_size=128, num_heads=4, out_hidden_size=64,
                 deepstack_visual_indexes=[1]),
}  # fmt: skip
_MROPE = {"2b": [24, 20, 20], "8b": [24, 20, 20], "tiny": [2, 3, 3]}


def build_config(size: str) -> Any:
    from transformers import Qwen3VLConfig

    vocab = 151936 if size != "tiny" else 2048
    rope = {"rope_type": "default", "rope_theta": 5_000_000.0, "mrope_section": _MROPE[size], "mrope_interleaved": True}
    text = dict(
        _TEXT[size],
        vocab_size=vocab,
        max_position_embeddings=32768,
        rope_scaling=rope,
        rope_parameters=rope,
        rope_theta=5_000_000.0,
    )
    vision = dict(
        _VISION[size],
        patch_size=16,
        spatial_merge_size=2,
        temporal_patch_size=2,
        num_position_embeddings=2304 if size != "tiny" else 64,
    )
    config = Qwen3VLConfig(text_config=text, vision_config=vision)
    config.image_token_id, config.vision_start_token_id, config.vision_end_token_id = vocab - 3, vocab - 2, vocab - 1
    return config


def load_random(size: str, device: str, attn: str) -> Any:
    import torch
    from transformers import Qwen3VLForConditionalGeneration

    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    torch.manual_seed(0)
    with torch.device(device):
        model = Qwen3VLForConditionalGeneration._from_config(build_config(size), dtype=dtype, attn_implementation=attn)
    return model.eval()


def make_inputs(model: Any, screen: tuple[int, int], preset: str, device: str) -> tuple[dict[str, Any], float, int]:
    """Processor inputs for one screenshot at a preset; returns (inputs, preprocess ms, visual tokens)."""
    import torch
    import transformers

    from bench.presets import _screenshot
    from planners.qwen.family import get_preset, resize_for_model

    processor_cls = getattr(transformers, "Qwen2VLImageProcessorPil", None) or transformers.Qwen2VLImageProcessor
    processor = processor_cls(patch_size=16, merge_size=2, temporal_patch_size=2)
    image = _screenshot(screen)
    budget = get_preset(preset)
    started = time.perf_counter()
    resized = resize_for_model(image, budget, "qwen3")
    pixels = processor(
        images=[resized],
        size={"shortest_edge": budget.min_pixels, "longest_edge": budget.max_pixels},
        return_tensors="pt",
    )
    preprocess_ms = (time.perf_counter() - started) * 1000
    grid = pixels["image_grid_thw"]
    image_tokens = int(grid.prod()) // 4
    config = model.config
    text = torch.randint(0, config.image_token_id - 1, (PROMPT_TEXT_TOKENS,))
    half = PROMPT_TEXT_TOKENS // 2
    ids = torch.cat(
        [
            text[:half],
            torch.tensor([config.vision_start_token_id]),
            torch.full((image_tokens,), config.image_token_id),
            torch.tensor([config.vision_end_token_id]),
            text[half:],
        ]
    ).unsqueeze(0)
    dtype = next(model.parameters()).dtype
    # transformers 5 wants the modality of every token for M-RoPE (1 marks image tokens).
    token_types = (ids == config.image_token_id).long()
    inputs = {
        "input_ids": ids.to(device),
        "mm_token_type_ids": token_types.to(device),
        "attention_mask": torch.ones_like(ids).to(device),
        "pixel_values": pixels["pixel_values"].to(device, dtype),
        "image_grid_thw": grid.to(device),
    }
    return inputs, preprocess_ms, image_tokens


def time_step(model: Any, inputs: dict[str, Any], device: str, repeat: int) -> tuple[float, float]:
    """(prefill ms, decode ms for ANSWER_TOKENS) medians; decode = generate total - prefill."""
    import statistics

    import torch

    def sync() -> None:
        if device == "cuda":
            torch.cuda.synchronize()

    prefills, decodes = [], []
    with torch.inference_mode():
        for attempt in range(repeat + 1):  # the first round warms kernels and allocators up
            sync()
            start = time.perf_counter()
            model(**inputs)
            sync()
            prefill = (time.perf_counter() - start) * 1000
            start = time.perf_counter()
            model.generate(**inputs, max_new_tokens=ANSWER_TOKENS, min_new_tokens=ANSWER_TOKENS, do_sample=False)
            sync()
            total = (time.perf_counter() - start) * 1000
            if attempt:
                prefills.append(prefill)
                decodes.append(max(0.0, total - prefill))
    return statistics.median(prefills), statistics.median(decodes)


def main(argv: list[str] | None = None) -> int:
    import importlib.util

    import torch

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["2b", "8b"], choices=sorted(_TEXT))
    parser.add_argument("--presets", nargs="+", default=["accurate", "balanced", "fast", "edge"])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.device == "cpu" and args.sizes != ["tiny"]:
        print("no CUDA device: run on a GPU, or use --sizes tiny --device cpu for a smoke run")
        return 0
    attns = ["sdpa"]
    if args.device == "cuda" and importlib.util.find_spec("flash_attn") is not None:
        attns.append("flash_attention_2")
    rows = []
    for size in args.sizes:
        for attn in attns:
            model = load_random(size, args.device, attn)
            for screen in SCREENS:
                for preset in args.presets:
                    inputs, pre_ms, tokens = make_inputs(model, screen, preset, args.device)
                    prefill_ms, decode_ms = time_step(model, inputs, args.device, args.repeat)
                    step_s = (pre_ms + prefill_ms + decode_ms) / 1000
                    rows.append(
                        [
                            size,
                            attn,
                            f"{screen[0]}x{screen[1]}",
                            preset,
                            tokens,
                            pre_ms,
                            prefill_ms,
                            decode_ms,
                            f"{step_s:.3f}",
                        ]
                    )
            del model
            if args.device == "cuda":
                torch.cuda.empty_cache()
    device_name = torch.cuda.get_device_name() if args.device == "cuda" else "cpu"
    print(
        f"Qwen3-VL planning step on {device_name}: {PROMPT_TEXT_TOKENS} text tokens + the screenshot, "
        f"{ANSWER_TOKENS}-token answer, median of {args.repeat}"
    )
    headers = [
        "model",
        "attention",
        "screen",
        "preset",
        "visual tok",
        "preprocess ms",
        "prefill ms",
        "decode ms",
        "step s",
    ]
    print(table(headers, rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
