"""Build tiny random Qwen-VL checkpoints offline, saved the way real ones are.

Tests never download weights: they build a checkpoint directory here (a byte-level BPE tokenizer
trained with ``tokenizers`` on a few hundred lines, Qwen's special tokens and chat template, a
``Qwen2VLImageProcessor`` config, a small random model saved with ``save_pretrained``) and load it
through the very code path users use for a hub id or a local directory.

The layout mirrors the real Qwen3-VL repositories: ``config.json``, ``generation_config.json``,
``model.safetensors``, ``tokenizer.json`` + ``tokenizer_config.json`` + ``chat_template.jinja``,
``preprocessor_config.json`` and ``video_preprocessor_config.json`` (so that ``AutoProcessor``
loads it where torchvision is installed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Qwen's control tokens: "special" ones are dropped by decode(skip_special_tokens=True); tool-call
# and think tags are plain added tokens in the real tokenizers, so they survive decoding.
SPECIAL_TOKENS = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|image_pad|>",
    "<|video_pad|>",
)
PLAIN_ADDED_TOKENS = ("<tool_call>", "</tool_call>", "<think>", "</think>")

# Qwen's chat format; images render as <|vision_start|><|image_pad|><|vision_end|> and the
# processor (or Deskpilot's image-only path) expands the one pad to one token per merged patch.
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{- '<|im_start|>' + message['role'] + '\\n' -}}"
    "{%- if message['content'] is string -%}"
    "{{- message['content'] -}}"
    "{%- else -%}"
    "{%- for item in message['content'] -%}"
    "{%- if item['type'] == 'image' or 'image' in item -%}"
    "{{- '<|vision_start|><|image_pad|><|vision_end|>' -}}"
    "{%- elif item['type'] == 'video' or 'video' in item -%}"
    "{{- '<|vision_start|><|video_pad|><|vision_end|>' -}}"
    "{%- elif item['type'] == 'text' -%}"
    "{{- item['text'] -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- endif -%}"
    "{{- '<|im_end|>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}"
    "{{- '<|im_start|>assistant\\n' -}}"
    "{%- endif -%}"
)

_WORDS = (
    "click the Submit button in the dialog",
    "type your name into the text field",
    "press ctrl s to save",
    "scroll down to the bottom of the page",
    "open the File menu and choose Save As",
    "the window title reads Untitled Document",
    "move the mouse to the search box",
    "double click the icon on the desktop",
    "wait for the progress bar to finish",
    "the task is done and the answer is forty two",
)
_ACTIONS = (
    "left_click",
    "right_click",
    "double_click",
    "triple_click",
    "mouse_move",
    "left_click_drag",
    "type",
    "key",
    "scroll",
    "hscroll",
    "wait",
    "terminate",
    "answer",
)


def _corpus() -> list[str]:
    """A few hundred deterministic lines: prose, JSON and tool-call-like text."""
    lines: list[str] = []
    for i in range(300):
        action = _ACTIONS[i % len(_ACTIONS)]
        sentence = _WORDS[i % len(_WORDS)]
        x, y = (i * 37) % 1000, (i * 91) % 1000
        call = {"name": "computer_use", "arguments": {"action": action, "coordinate": [x, y]}}
        lines.append(sentence.capitalize() + ".")
        lines.append(f"<think>I should {sentence} at ({x}, {y}).</think>")
        lines.append("<tool_call>\n" + json.dumps(call) + "\n</tool_call>")
        lines.append(json.dumps({"kind": "click", "x": x, "y": y, "button": "left", "count": 1 + i % 3}))
    return lines


def _train_tokenizer(vocab_size: int, corpus: list[str] | None = None) -> Any:
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(corpus if corpus is not None else _corpus(), trainer=trainer)
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in SPECIAL_TOKENS])
    tokenizer.add_tokens([AddedToken(t, special=False, normalized=False) for t in PLAIN_ADDED_TOKENS])
    return tokenizer


def save_tokenizer(directory: Path, vocab_size: int, corpus: list[str] | None = None) -> Any:
    """A byte-level BPE tokenizer with Qwen's special tokens and chat template, trained on ``corpus``
    (default: a few hundred tool-call-like lines), saved the way Qwen checkpoints ship it."""
    from transformers import PreTrainedTokenizerFast

    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=_train_tokenizer(vocab_size, corpus),
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
        bos_token=None,
        model_max_length=32768,
        padding_side="left",
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(directory)
    # Name the class real Qwen checkpoints name: Qwen3VLProcessor (4.57) refuses other tokenizer
    # classes, and transformers 5 loads tokenizer.json through Qwen's own pre-tokenizer.
    config_path = directory / "tokenizer_config.json"
    tokenizer_config = json.loads(config_path.read_text())
    tokenizer_config["tokenizer_class"] = "Qwen2Tokenizer"
    config_path.write_text(json.dumps(tokenizer_config, indent=2))
    # Older and newer transformers disagree on where a template lives; real checkpoints ship both.
    (directory / "chat_template.jinja").write_text(CHAT_TEMPLATE)
    return tokenizer


def save_processor_configs(
    directory: Path, *, processor_class: str, patch_size: int, min_pixels: int, max_pixels: int
) -> None:
    common = {
        "do_convert_rgb": True,
        "do_normalize": True,
        "do_rescale": True,
        "do_resize": True,
        "image_mean": [0.5, 0.5, 0.5],
        "image_std": [0.5, 0.5, 0.5],
        "merge_size": 2,
        "patch_size": patch_size,
        "temporal_patch_size": 2,
        "resample": 3,
        "rescale_factor": 1 / 255,
        "processor_class": processor_class,
        # Both spellings: transformers 4.57's slow processor reads min/max_pixels, the rest read size.
        "min_pixels": min_pixels,
        "max_pixels": max_pixels,
        "size": {"shortest_edge": min_pixels, "longest_edge": max_pixels},
    }
    image = {**common, "image_processor_type": "Qwen2VLImageProcessor"}
    video_type = "Qwen3VLVideoProcessor" if processor_class == "Qwen3VLProcessor" else "Qwen2VLVideoProcessor"
    video = {**common, "video_processor_type": video_type, "fps": 2, "min_frames": 4, "max_frames": 8}
    (directory / "preprocessor_config.json").write_text(json.dumps(image, indent=2))
    (directory / "video_preprocessor_config.json").write_text(json.dumps(video, indent=2))


def token_ids(tokenizer: Any) -> dict[str, int]:
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    return {
        "image_token_id": ids["<|image_pad|>"],
        "video_token_id": ids["<|video_pad|>"],
        "vision_start_token_id": ids["<|vision_start|>"],
        "vision_end_token_id": ids["<|vision_end|>"],
        "eos_token_id": ids["<|im_end|>"],
        "pad_token_id": ids["<|endoftext|>"],
    }


def _save_model(
    model_class: Any, config: Any, directory: Path, ids: dict[str, int], seed: int, init_std: float | None = None
) -> None:
    import torch
    from transformers import GenerationConfig

    if init_std is not None:
        # transformers' default (0.02) leaves a tiny random model answering "\n" whatever it is shown;
        # wider weights make its greedy answers differ with the prompt and the pixels, so that a test
        # comparing answers compares something.
        for part in (config, config.text_config, config.vision_config):
            part.initializer_range = init_std
    torch.manual_seed(seed)
    model = model_class(config).eval()
    model.save_pretrained(directory, safe_serialization=True)
    GenerationConfig(
        eos_token_id=[ids["eos_token_id"], ids["pad_token_id"]],
        pad_token_id=ids["pad_token_id"],
        do_sample=False,
    ).save_pretrained(directory)


def _text_config(vocab_size: int, ids: dict[str, int], rope_scaling: dict[str, Any], theta: float) -> dict[str, Any]:
    """The small language model both families share: 2 layers, hidden 64, 4 heads (head_dim 16)."""
    return {
        "vocab_size": vocab_size,
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 4096,
        "rope_theta": theta,
        "rope_scaling": rope_scaling,  # transformers 4.57 reads rope_scaling + rope_theta
        "rope_parameters": {**rope_scaling, "rope_theta": theta},  # transformers 5 reads rope_parameters
        "tie_word_embeddings": True,
        "bos_token_id": None,
        "eos_token_id": ids["eos_token_id"],
        "pad_token_id": ids["pad_token_id"],
    }


def _special_token_ids(ids: dict[str, int]) -> dict[str, int]:
    """The ids a Qwen-VL config names, taken from the tokenizer that was just trained."""
    keys = ("image_token_id", "video_token_id", "vision_start_token_id", "vision_end_token_id")
    return {key: ids[key] for key in keys}


def build_tiny_qwen3_vl(
    directory: Path, *, seed: int = 0, vocab_size: int = 1200, init_std: float | None = None
) -> Path:
    """A random Qwen3-VL (model_type ``qwen3_vl``) of about 1 MB: 16 px patches merged 2x2.
    ``init_std``: the weights' spread (see ``_save_model``)."""
    from transformers import Qwen3VLConfig, Qwen3VLForConditionalGeneration

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = save_tokenizer(directory, vocab_size)
    ids = token_ids(tokenizer)
    head_dim = 16
    # mrope_section splits head_dim/2 rotary frequencies over (time, height, width): 2 + 3 + 3 = 8.
    rope_scaling = {"rope_type": "default", "mrope_section": [2, 3, 3], "mrope_interleaved": True}
    text_config = {**_text_config(len(tokenizer), ids, rope_scaling, 5e6), "head_dim": head_dim}
    vision_config = {
        "depth": 2,
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_heads": 4,
        "patch_size": 16,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
        "out_hidden_size": 64,
        "num_position_embeddings": 256,
        "deepstack_visual_indexes": [0, 1],
    }
    config = Qwen3VLConfig(
        text_config=text_config,
        vision_config=vision_config,
        **_special_token_ids(ids),
        tie_word_embeddings=True,
    )
    _save_model(Qwen3VLForConditionalGeneration, config, directory, ids, seed, init_std)
    save_processor_configs(
        directory, processor_class="Qwen3VLProcessor", patch_size=16, min_pixels=64 * 32 * 32, max_pixels=256 * 32 * 32
    )
    return directory


def build_tiny_qwen2_vl(
    directory: Path, *, seed: int = 0, vocab_size: int = 1200, init_std: float | None = None
) -> Path:
    """A random Qwen2-VL (model_type ``qwen2_vl``): 14 px patches merged 2x2, absolute coordinates."""
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = save_tokenizer(directory, vocab_size)
    ids = token_ids(tokenizer)
    # head_dim = 64 / 4 = 16; mrope_section sums to 8 as for Qwen3-VL.
    rope_scaling = {"rope_type": "default", "type": "mrope", "mrope_section": [2, 3, 3]}
    text_config = _text_config(len(tokenizer), ids, rope_scaling, 1e6)
    vision_config = {
        "depth": 2,
        "embed_dim": 32,
        "hidden_size": 64,
        "num_heads": 4,
        "mlp_ratio": 2,
        "patch_size": 14,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
    }
    config = Qwen2VLConfig(
        text_config=text_config,
        vision_config=vision_config,
        **_special_token_ids(ids),
        tie_word_embeddings=True,
    )
    _save_model(Qwen2VLForConditionalGeneration, config, directory, ids, seed, init_std)
    save_processor_configs(
        directory, processor_class="Qwen2VLProcessor", patch_size=14, min_pixels=64 * 28 * 28, max_pixels=256 * 28 * 28
    )
    return directory
