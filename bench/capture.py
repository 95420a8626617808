"""Frame capture and per-step overhead, at 1280x800 on a private Xvfb with the demo app open.

    .venv/bin/python -m bench.capture

Compares, in one run: a raw mss grab, our MssScreen.capture() (numpy RGB), a PIL image from mss,
PIL.ImageGrab (what pyscreeze falls back to) and pyautogui.screenshot(). Then the per-step overhead of
observe + settle + verify on a still screen and after a real click.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bench.timing import median, sample_ms, table

REPEAT = 40


def main(argv: list[str] | None = None) -> int:
    from agent.desktop.xserver import VirtualDesktop
    from scenarios.harness import DemoAppProcess

    with VirtualDesktop() as desk, tempfile.TemporaryDirectory() as tmp:
        os.environ["DISPLAY"] = desk.display
        with DemoAppProcess(Path(tmp) / "state.json", desk.env()) as app:
            print(capture_table())
            print()
            print(overhead_table(app.centre("count")))
    return 0


def capture_table() -> str:
    import mss

    from agent.screen import MssScreen

    grabber = mss.MSS()
    monitor = grabber.monitors[1]
    screen = MssScreen(1)
    rows = []
    raw = median(sample_ms(lambda: grabber.grab(monitor), REPEAT))
    rows.append(["mss grab (raw BGRA)", raw, 1.0])
    ours = median(sample_ms(screen.capture, REPEAT))
    rows.append(["MssScreen.capture (numpy RGB)", ours, ours / raw])
    pil = median(sample_ms(lambda: screen.capture().to_image(), REPEAT))
    rows.append(["MssScreen.capture + PIL image", pil, pil / raw])
    try:
        from PIL import ImageGrab

        grab = median(sample_ms(lambda: ImageGrab.grab(xdisplay=os.environ["DISPLAY"]), REPEAT))
        rows.append(["PIL.ImageGrab.grab (XCB)", grab, grab / raw])
    except Exception as exc:  # noqa: BLE001 - report, do not crash the benchmark
        rows.append(["PIL.ImageGrab.grab (XCB)", f"unavailable: {exc}", "-"])
    try:
        import pyautogui

        shot = median(sample_ms(pyautogui.screenshot, 10, warmup=1))
        rows.append(["pyautogui.screenshot()", shot, shot / raw])
    except Exception as exc:  # noqa: BLE001
        reason = str(exc).split(" by running")[0]
        rows.append(["pyautogui.screenshot()", f"fails: {reason}", "-"])
    screen.close()
    return "capture of 1280x800, median ms\n" + table(["method", "ms", "x raw mss"], rows)


def overhead_table(count: tuple[int, int]) -> str:
    from actions.compare import diff_frames
    from actions.pyautogui_executor import PyAutoGuiExecutor
    from agent.screen import MssScreen
    from agent.settle import SettleConfig, settle

    screen = MssScreen(1)
    config = SettleConfig()
    before = screen.capture()
    after = screen.capture()
    diff = median(sample_ms(lambda: diff_frames(before, after), REPEAT))
    still = median(sample_ms(lambda: settle(screen, screen.capture(), False, config), 15))
    rows = [
        ["verify: diff two frames", diff, "-"],
        ["observe + settle + verify, still screen", still, f"quiet window {config.quiet_ms:g} ms"],
    ]
    executor = PyAutoGuiExecutor()
    import pyautogui

    from actions.models import Click

    def click_and_settle() -> None:
        frame = screen.capture()
        executor.perform(Click(x=count[0], y=count[1]))  # "Count: N" in the status line: a new N each time
        settle(screen, frame, True, config)

    reacting = median(sample_ms(click_and_settle, 15))
    rows.append(["act + settle + verify, app reacts (click Count)", reacting, "includes the app's redraw"])
    pyautogui.moveTo(640, 400)
    screen.close()
    return "per-step overhead, median ms\n" + table(["what", "ms", "note"], rows)


if __name__ == "__main__":
    raise SystemExit(main())
