"""Real applications nobody on the team wrote, driven through ``deskpilot run --plan`` as a user would.

Each test asserts the application's *own* end state (bytes on disk, the calculator's value, what a
page received), never our screenshots. A test is skipped only when the application's binary is
missing (``make deps`` installs them all from Debian packages).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from scenarios.harness import MotionAppProcess


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/realapps" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.desktop)


def require(binary: str, package: str) -> str:
    found = shutil.which(binary)
    if found is None:
        pytest.skip(f"{binary} is not installed (Debian: apt-get install {package}; `make deps` installs it)")
    return found


def run_plan(
    actions: list[dict[str, Any]], env: dict[str, str], tmp_path: Path, *flags: str
) -> subprocess.CompletedProcess[str]:
    """``python -m deskpilot run --plan PLAN.json --out DIR [FLAGS]``; the run dir is ``tmp_path/run``."""
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(actions, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "deskpilot", "run", "--plan", str(plan), "--out", str(out), "--quiet", *flags]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180)


def run_dialog(
    cmd: list[str], title: str, actions: list[dict[str, Any]], env: dict[str, str], tmp_path: Path
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Start a dialog that prints its answer (zenity, yad), wait for its window (``title``, a regular
    expression), run ``actions`` on it; returns the run and what the dialog printed (its own copy)."""
    from actions.x11.windows import wait_for_window

    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        wait_for_window(title, timeout_s=30, display=env["DISPLAY"])
        run = run_plan(actions, env, tmp_path)
        out, _ = proc.communicate(timeout=15)
    finally:
        proc.kill()
    return run, out


def steps(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "run" / "steps.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def file_holding(path: Path, wanted: str, timeout_s: float = 5.0) -> str:
    """The file once it holds ``wanted`` (the app writes it on the plan's own save), else what it holds then."""
    deadline = time.monotonic() + timeout_s
    while path.read_text(encoding="utf-8") != wanted and time.monotonic() < deadline:
        time.sleep(0.05)  # waiting for another process's save
    return path.read_text(encoding="utf-8")


def explain(proc: subprocess.CompletedProcess[str], tmp_path: Path) -> str:
    """What a failing assertion shows: the exit status, stderr's tail, each step's verdict."""
    verdicts = [((s.get("action") or {}).get("kind"), s.get("verdict"), s.get("note")) for s in steps(tmp_path)]
    return f"exit {proc.returncode}; stderr: {proc.stderr[-1500:]}; steps: {verdicts}"


@contextmanager
def chromium_page(env: dict[str, str], url: str, title: str, size: tuple[int, int] = (900, 700)) -> Iterator[Any]:
    """``url`` in a Chromium app window with a profile of its own, until the block ends (its window: a
    ``WindowInfo``); the test is skipped where there is no Chromium."""
    from scenarios.realapps.apps import chromium_binary, chromium_command, running_app

    binary = chromium_binary()
    if binary is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium; `make deps` installs it)")
    with (
        tempfile.TemporaryDirectory(prefix="deskpilot-chromium-") as profile,
        running_app(chromium_command(binary, url, Path(profile), size=size), env, title) as window,
    ):
        yield window


@pytest.fixture
def clock(desktop: Any) -> Iterator[None]:
    """A clock ticking (and a bar sweeping) in a window beside the app: motion the agent must ignore.
    Every real-app test takes it, so that no verdict can lean on a still screen."""
    with MotionAppProcess(desktop.env(), fps=10, clock=True, geometry="300x180+960+600"):
        yield
