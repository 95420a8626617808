"""report.html, opened in a real headless Chromium: a page people can read, built from a real run.

One module-wide run of the bundled 12-action demo plan on the test desktop (the in-process Agent,
pyautogui, mss), then screenshots of its report: the outcome banner is there in its colour, the
page is not blank, nothing is fetched from anywhere, every frame is embedded once, and a full-size
view opens with no script. A damaged copy of the run (no summary, missing frames, a refused answer,
a typed secret) still renders, and says what is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from actions import Type
from actions.models import parse_plan
from agent.desktop.xserver import VirtualDesktop
from agent.report import build_report
from agent.run_dir import RunDirectory, StepRecord, StepTimings
from agent.screen import MssScreen
from deskpilot import Agent
from planners import ScriptedPlanner
from planners.verdicts import Verdict
from scenarios.demo_task import demo_plan
from scenarios.harness import DemoAppProcess

WINDOW = (1280, 2000)
GREEN = (0x1A, 0x7F, 0x37)  # the "succeeded" banner
GREY = (0x57, 0x60, 0x6A)  # the "incomplete" banner
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # tests may run as root, where the sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no chromium on PATH (Debian: apt-get install chromium; `make deps` installs it)")


def screenshot(page: str, out: Path, profile: Path, size: tuple[int, int] = WINDOW) -> np.ndarray:
    """``page`` (a file:// URL, maybe with a #fragment) rendered by headless Chromium, as RGB pixels."""
    cmd = [
        chromium(),
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        f"--window-size={size[0]},{size[1]}",
        f"--screenshot={out}",
        page,
    ]
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}  # headless: no X server involved
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert out.exists(), f"chromium wrote no screenshot (exit {proc.returncode}): {proc.stderr[-2000:]}"
    with Image.open(out) as image:
        assert image.size == size
        return np.asarray(image.convert("RGB"))


def pixels_of(shot: np.ndarray, colour: tuple[int, int, int], tolerance: int = 3) -> int:
    return int((np.abs(shot.astype(int) - np.array(colour)).max(axis=2) <= tolerance).sum())


def external_references(page: str) -> list[str]:
    """Anything the page would fetch: src/href/url()/@import that is not a data: URL or a #fragment."""
    found = re.findall(r"""(?:src|href)\s*=\s*['"]?\s*((?:https?:)?//[^'"\s>]*)""", page, re.I)
    found += re.findall(r"""url\(\s*['"]?\s*((?:https?:)?//[^)'"]*)""", page, re.I)
    found += re.findall(r"@import[^;]*", page, re.I)
    return found


@pytest.fixture(scope="module")
def demo_run(desktop: VirtualDesktop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The 12-action demo plan, run once by the in-process Agent on the test desktop."""
    from actions.pyautogui_executor import PyAutoGuiExecutor
    from actions.x11.windows import WindowReader

    work = tmp_path_factory.mktemp("report-run")
    run_dir = work / "run"
    with DemoAppProcess(work / "demo-state.json", desktop.env()) as app:
        plan = parse_plan(demo_plan(app))
        screen, windows = MssScreen(monitor=1), WindowReader()  # keys and text are judged in the focused window
        try:
            agent = Agent(
                ScriptedPlanner(plan), PyAutoGuiExecutor(), screen, run_dir=RunDirectory(run_dir), windows=windows
            )
            result = agent.run("fill the demo form, pick a list row, drag, count and submit")
            build_report(run_dir)  # the caller builds the page, as the command line does
        finally:
            screen.close()
            windows.close()
    assert result.success, result.reason
    assert len(result.steps) == 12
    build_report(run_dir)  # since the house move the caller builds the page, as the CLI does
    yield run_dir


def test_the_report_of_a_real_run_renders_in_headless_chromium(demo_run: Path, tmp_path: Path) -> None:
    report = demo_run / "report.html"
    page = report.read_text(encoding="utf-8")

    assert external_references(page) == []
    # Every frame is embedded once (identical frames once in all); the 12 cards show them by <use>.
    frames = len(list((demo_run / "frames").glob("*.png")))
    assert page.count("data:image/jpeg;base64,") <= frames
    assert page.count("class='step'") == 12
    assert report.stat().st_size < 1_000_000, f"{report.stat().st_size} bytes for 12 steps"
    # The only script is optional (Escape closes a full-size view): the content needs none.
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1 and len(scripts[0]) < 300 and "keydown" in scripts[0]
    for text in ("succeeded", "Timeline", "mean overhead", "drag(x=", "what changed", "at the point"):
        assert text in page

    shot = screenshot(report.as_uri(), tmp_path / "report.png", tmp_path / "profile")
    assert shot.std() > 30, "the screenshot is (nearly) one colour"
    banner = pixels_of(shot[:200], GREEN)
    assert banner > 1280 * 60, f"only {banner} pixels of the green banner at the top"
    # The screenshots themselves are on the page: the demo app's window (light grey) and the
    # black desktop around it both appear below the banner.
    below = shot[200:]
    assert pixels_of(below, (0, 0, 0), 8) > 5_000 and (below.mean(axis=2) > 200).sum() > 200_000

    # A full-size view is a CSS :target overlay: it opens from the URL alone, no script.
    overlay = screenshot(report.as_uri() + "#lb-8-before", tmp_path / "overlay.png", tmp_path / "profile", (1280, 900))
    # A dark veil over the whole page (the green banner is gone from the top) and the frame on it.
    assert pixels_of(overlay[:200], GREEN) == 0 and overlay[:10].mean() < 40, "no full-size view over the page"
    assert (overlay.mean(axis=2) > 200).sum() > 100_000, "the full-size view shows no screenshot"


def test_a_damaged_run_still_renders_and_says_what_is_missing(demo_run: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(demo_run, run_dir)
    (run_dir / "summary.json").unlink()
    (run_dir / "report.html").unlink()
    for frame in sorted((run_dir / "frames").glob("*.png"))[-3:]:
        frame.unlink()  # as after a SIGKILL: the newest screenshots were never written
    last = sorted((run_dir / "frames").glob("*.png"))[-1].relative_to(run_dir).as_posix()
    extra = [
        StepRecord(
            index=13,
            action=None,
            verdict=Verdict.INVALID,
            performed=False,
            before=last,
            raw_answer='<tool_call>{"name": "<script>alert(1)</script>"}</tool_call>',
            error="tool call 1: unknown action",
            note="the answer was refused; nothing was performed",
            thought="I should <b>click</b> it",
            prompt_tokens=1234,
            completion_tokens=56,
        ),
        StepRecord(
            index=14,
            action=Type(text="pw: {{secret:DEMO_PASSWORD}}"),
            verdict=Verdict.CHANGED,
            changed_bbox=(100, 100, 200, 120),
            changed_pixels=321,
            before="frames/step-9998.png",
            after="frames/step-9999.png",
            text_strategy=[("secret", "pw: {{secret:DEMO_PASSWORD}}")],
            timings=StepTimings(plan_ms=5, act_ms=10, settle_ms=80, verify_ms=1, total_ms=99),
        ),
    ]
    with (run_dir / "steps.jsonl").open("a", encoding="utf-8") as steps:
        steps.writelines(record.model_dump_json() + "\n" for record in extra)

    page = build_report(run_dir).read_text(encoding="utf-8")
    assert page.count("class='step'") == 14
    assert "incomplete" in page and "no summary.json" in page
    assert "frame frames/step-9999.png missing" in page and "screenshot(s) missing" in page
    assert "{{secret:DEMO_PASSWORD}}" in page  # the reference, as stored; never a value
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "I should &lt;b&gt;click&lt;/b&gt; it" in page
    assert "refused" in page and "1,290" in page  # model tokens, summed over the steps
    assert external_references(page) == []

    shot = screenshot((run_dir / "report.html").as_uri(), tmp_path / "damaged.png", tmp_path / "profile")
    assert pixels_of(shot[:200], GREY) > 1280 * 60 and pixels_of(shot[:200], GREEN) < 1_000


def test_a_run_directory_with_nothing_but_a_step_line_renders(tmp_path: Path) -> None:
    (tmp_path / "steps.jsonl").write_text('{"index": 1, "action": null, "verdict": "invalid", "tries": 0}\n')
    page = build_report(tmp_path).read_text(encoding="utf-8")
    assert "incomplete" in page and page.count("class='step'") == 1 and "no action (answer refused)" in page
