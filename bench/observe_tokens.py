"""Prompt tokens per preset with ``--observe screenshot`` against ``screenshot+tree``, on real apps.

    .venv/bin/python -m bench.observe_tokens

One private desktop with its accessibility bus; per app (GTK galculator, Qt featherpad, a Chromium form,
and the Tk demo app, which has no tree) one still frame, and for each pixel-budget preset the first
planning prompt exactly as ``QwenPlanner`` builds it (the shipped scripted backend records it), counted
the way a local Qwen3-VL counts it: the chat template rendered and tokenized, each image's one pad
token expanded to its visual tokens. The tokenizer is the tiny test model's (byte-level BPE trained on
this repository's text, as ``bench.cpu_step`` builds it); Qwen's own 151k-token vocabulary cuts text
into fewer tokens, so the characters the element list adds are printed too (``list chars``).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.timing import table

TASK = "Fill in the form and submit it"
ANSWER = '<tool_call>{"name": "computer_use", "arguments": {"action": "terminate", "status": "success"}}</tool_call>'


@contextmanager
def _apps(desk: Any, tmp: Path) -> Iterator[list[tuple[str, Any]]]:
    """Each app in turn: (name, a context manager that runs it and yields when its window is up)."""
    yield [
        ("GTK galculator", lambda: _running(["galculator"], "^galculator$", desk)),
        ("Qt featherpad", lambda: _running(["featherpad", "--standalone", str(_note(tmp))], r"note\.txt", desk)),
        ("Chromium form", lambda: _chromium(desk, tmp)),
        ("Tk demo (no tree)", lambda: _demo(desk, tmp)),
    ]


def _note(tmp: Path) -> Path:
    note = tmp / "note.txt"
    note.write_text("hello\n")
    return note


@contextmanager
def _running(cmd: list[str], title: str, desk: Any) -> Iterator[None]:
    import shutil

    from scenarios.realapps.apps import running_app

    if shutil.which(cmd[0]) is None:
        raise FileNotFoundError(cmd[0])
    with running_app(cmd, desk.env(), title):
        time.sleep(1.0)  # drawn and published: one still frame serves every preset
        yield


@contextmanager
def _chromium(desk: Any, tmp: Path) -> Iterator[None]:
    from scenarios.realapps.apps import chromium_binary, chromium_command, running_app
    from scenarios.realapps.form_server import FormServer

    binary = chromium_binary()
    if binary is None:
        raise FileNotFoundError("chromium")
    with (
        FormServer() as server,
        running_app(chromium_command(binary, server.url, tmp / "profile"), desk.env(), "^deskpilot form$"),
    ):
        time.sleep(2.0)
        yield


@contextmanager
def _demo(desk: Any, tmp: Path) -> Iterator[None]:
    from scenarios.harness import DemoAppProcess

    with DemoAppProcess(tmp / "demo-state.json", desk.env()):
        time.sleep(0.5)
        yield


def _tokenizer(tmp: Path) -> Any:
    from bench.cpu_step import TOKENIZER_VOCAB, _corpus
    from tests.model.tiny_qwen import save_tokenizer

    return save_tokenizer(tmp / "tokenizer", TOKENIZER_VOCAB, _corpus(Path(__file__).resolve().parents[1]))


def prompt_tokens(tokenizer: Any, messages: list[Any], family: str) -> int:
    """The chat template's tokens, each image pad expanded to the image's visual tokens."""
    from planners.qwen.family import visual_tokens
    from planners.qwen.messages import ImagePart, TextPart

    chat, images = [], []
    for message in messages:
        content = []
        for part in message.parts:
            if isinstance(part, ImagePart):
                content.append({"type": "image"})
                images.append(part.image)
            elif isinstance(part, TextPart):
                content.append({"type": "text", "text": part.text})
        chat.append({"role": message.role, "content": content})
    text = tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    return len(ids) + sum(visual_tokens(*image.size, family) - 1 for image in images)


def measure(name: str, tokenizer: Any, family: str = "qwen3") -> list[list[object]]:
    from actions.a11y import FrameTrees
    from actions.x11 import windows
    from agent.screen import MssScreen
    from planners.fake_backend import ScriptedChatBackend
    from planners.qwen.family import PRESETS, resize_for_model, visual_tokens
    from planners.qwen.planner import QwenPlanner

    screen = MssScreen(1)
    frame = screen.capture()
    screen.close()
    trees = FrameTrees(active_window=windows.active_window)
    rows: list[list[object]] = []
    for preset in PRESETS:
        counts, listed = {}, ""
        for observe in ("screenshot", "screenshot+tree"):
            backend = ScriptedChatBackend([ANSWER], family=family)
            planner = QwenPlanner(backend, preset=preset, observe=observe, trees=trees)
            planner.plan(TASK, frame, ())
            counts[observe] = prompt_tokens(tokenizer, backend.prompts[-1], family)
            listed = planner.last_elements or listed
        image = resize_for_model(frame.to_image(), preset, family)
        shown = len(listed.splitlines()) - 1 if listed else 0
        plain, both = counts["screenshot"], counts["screenshot+tree"]
        rows.append(
            [name, preset, visual_tokens(*image.size, family), plain, both, f"+{both - plain}",
             f"{(both - plain) / plain:.0%}", shown, len(listed)]
        )  # fmt: skip
    trees.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    from agent.desktop.xserver import VirtualDesktop

    with VirtualDesktop(accessibility=True) as desk, tempfile.TemporaryDirectory() as tmp_name:
        os.environ.update(desk.session_vars())
        tmp = Path(tmp_name)
        tokenizer = _tokenizer(tmp)
        rows: list[list[object]] = []
        with _apps(desk, tmp) as apps:
            for name, running in apps:
                try:
                    with running():
                        rows += measure(name, tokenizer)
                except FileNotFoundError as missing:
                    print(f"{name}: {missing} is not installed, skipped", file=sys.stderr)
        headers = [
            "app",
            "preset",
            "visual tokens",
            "screenshot",
            "screenshot+tree",
            "added",
            "ratio",
            "elements",
            "list chars",
        ]
        print(table(headers, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
