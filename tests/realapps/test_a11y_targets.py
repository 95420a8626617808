"""Targets found in the accessibility tree on real GTK, Qt and Chromium apps, each started on the private
desktop's accessibility bus, with a clock ticking in another window all along.

Every test asserts what the app itself did (its exit status, the bytes it saved, its page title) and
that the step's grounding record says the tree found the target and what the tree said about it.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from actions.x11.windows import find_window, wait_for_window
from scenarios.harness import MotionAppProcess
from scenarios.realapps.apps import chromium_binary, chromium_command, running_app
from tests.realapps.conftest import explain, require, run_plan, steps


@pytest.fixture
def clock(desktop) -> Iterator[None]:
    """A clock ticking (and a bar sweeping) in a window beside the app: motion the agent must ignore."""
    with MotionAppProcess(desktop.env(), fps=10, clock=True, geometry="300x180+960+600"):
        yield


def groundings(tmp_path: Path) -> list[dict[str, Any]]:
    return [g for step in steps(tmp_path) for g in (step.get("grounding") or [])]


def test_a_chinese_button_label_is_clicked_through_the_tree(desktop, clock, tmp_path) -> None:
    require("zenity", "zenity")
    cmd = ["zenity", "--question", "--title=deskpilot question", "--text=继续吗？", "--ok-label=确定",
           "--cancel-label=取消"]  # fmt: skip
    env = desktop.env()
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    try:
        wait_for_window("^deskpilot question$", timeout_s=30, display=env["DISPLAY"])
        # 确定 (OK) by role and name: tesseract reads English only, so only the tree can find it.
        run = run_plan([{"kind": "click", "target": {"role": "button", "name": "确定"}, "expect": "none"}],
                       env, tmp_path)  # fmt: skip
        status = proc.wait(timeout=10)
    finally:
        proc.kill()
    assert status == 0, explain(run, tmp_path)  # zenity exits 0 for OK, 1 for Cancel
    assert run.returncode == 0, explain(run, tmp_path)
    [found] = groundings(tmp_path)
    assert found["rung"] == "tree"
    assert found["element"]["role"] == "push button" and found["element"]["name"] == "确定"
    x, y, width, height = found["element"]["box"]
    assert found["point"] == [x + width // 2, y + height // 2]


def test_a_chinese_text_target_is_found_in_the_tree_before_ocr(desktop, clock, tmp_path) -> None:
    require("zenity", "zenity")
    cmd = ["zenity", "--question", "--title=deskpilot question", "--text=继续吗？", "--ok-label=确定",
           "--cancel-label=取消"]  # fmt: skip
    env = desktop.env()
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    try:
        wait_for_window("^deskpilot question$", timeout_s=30, display=env["DISPLAY"])
        run = run_plan([{"kind": "click", "target": "取消", "expect": "none"}], env, tmp_path)
        status = proc.wait(timeout=10)
    finally:
        proc.kill()
    assert status == 1, explain(run, tmp_path)  # Cancel
    [found] = groundings(tmp_path)
    assert found["rung"] == "tree" and found["element"]["name"] == "取消"
    assert [t["rung"] for t in found["tried"]] == ["tree"]  # OCR was never needed
