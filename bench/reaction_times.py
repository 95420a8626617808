"""How long real apps take to react, measured from the screen: where SettleConfig's defaults come from.

For each action it records, in the window the action went to, every change seen after the action
(mss captures as fast as they come): when the first change came, the longest quiet gap *between*
changes (a settle whose quiet interval is shorter than this ends too early), and when the last one
came (caret blinks left out). The Tk demo app; mousepad and galculator (GTK3) when installed.

    .venv/bin/python -m bench.reaction_times [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.timing import table

_CARET_W = 3  # a change this narrow is a caret blinking, not a reaction


def _trace(screen, box: tuple[int, int, int, int], start: float, duration_s: float) -> list[tuple[float, int]]:
    """(ms since start, changed pixels) for every capture that differed from the one before, in box."""
    left, top, right, bottom = box
    prev = screen.capture().packed()[top:bottom, left:right].copy()
    changes = []
    while time.monotonic() - start < duration_s:
        frame = screen.capture()
        cur = frame.packed()[top:bottom, left:right]
        diff = prev != cur
        if diff.any():
            cols = np.flatnonzero(diff.any(axis=0))
            if cols[-1] - cols[0] + 1 > _CARET_W:
                changes.append(((frame.monotonic_s - start) * 1000.0, int(diff.sum())))
        prev = cur.copy()
    return changes


def _summary(changes: list[tuple[float, int]]) -> tuple[float, float, float]:
    """(first change ms, longest quiet gap between changes ms, last change ms)."""
    if not changes:
        return float("nan"), float("nan"), float("nan")
    times = [t for t, _ in changes]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)] or [0.0]
    return times[0], max(gaps), times[-1]


def _tk(desk, rounds: int) -> list[tuple[str, tuple[float, float, float]]]:
    from actions import Click, Type
    from actions.pyautogui_executor import PyAutoGuiExecutor
    from agent.screen import MssScreen
    from scenarios.harness import DemoAppProcess

    rows = []
    with tempfile.TemporaryDirectory() as tmp, DemoAppProcess(Path(tmp) / "s.json", desk.env()) as app:
        executor, screen = PyAutoGuiExecutor(), MssScreen(monitor=0)
        w = app.box("window")
        box = (w["x"], w["y"], w["x"] + w["w"], w["y"] + w["h"])
        for _ in range(rounds):
            for name, action in (("Tk demo: click Count", Click(x=app.centre("count")[0], y=app.centre("count")[1])),
                                 ("Tk demo: type 12 chars", Type(text="hello, world"))):  # fmt: skip
                time.sleep(0.3)
                start = time.monotonic()
                executor.perform(action)
                rows.append((name, _summary(_trace(screen, box, start, 1.0))))
        screen.close()
    return rows


def _mousepad(desk, rounds: int) -> list[tuple[str, tuple[float, float, float]]]:
    from actions import Key, Type
    from actions.pyautogui_executor import PyAutoGuiExecutor
    from actions.x11.windows import wait_for_window
    from agent.screen import MssScreen

    rows = []
    env = {**desk.env(), "NO_AT_BRIDGE": "1"}
    for _ in range(rounds):
        folder = Path(tempfile.mkdtemp())
        app = subprocess.Popen(["mousepad", "--disable-server"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            main = wait_for_window("Mousepad", 20, display=env["DISPLAY"])
            time.sleep(1.0)
            executor, screen = PyAutoGuiExecutor(), MssScreen(monitor=0)
            executor.perform(Type(text="hello"))
            time.sleep(0.5)
            start = time.monotonic()
            executor.perform(Key(keys=("ctrl", "s")))
            box = (main.left, main.top, main.left + main.width, main.top + main.height)
            rows.append(("mousepad: ctrl+s, Save As opens", _summary(_trace(screen, box, start, 2.0))))
            dialog = wait_for_window("^Save As$", 10, display=env["DISPLAY"])
            box = (dialog.left, dialog.top, dialog.left + dialog.width, dialog.top + dialog.height)
            start = time.monotonic()
            executor.perform(Type(text=str(folder / "out.txt")))
            rows.append(("mousepad: path typed, Save turns sensitive", _summary(_trace(screen, box, start, 1.5))))
            screen.close()
        finally:
            app.terminate()
            app.wait(5)
            shutil.rmtree(folder, ignore_errors=True)
    return rows


def _galculator(desk, rounds: int) -> list[tuple[str, tuple[float, float, float]]]:
    from actions import Type
    from actions.pyautogui_executor import PyAutoGuiExecutor
    from actions.x11.windows import wait_for_window
    from agent.screen import MssScreen

    rows = []
    env = {**desk.env(), "NO_AT_BRIDGE": "1"}
    app = subprocess.Popen(["galculator"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        window = wait_for_window("galculator", 20, display=env["DISPLAY"])
        time.sleep(1.0)
        executor, screen = PyAutoGuiExecutor(), MssScreen(monitor=0)
        box = (window.left, window.top, window.left + window.width, window.top + window.height)
        for _ in range(rounds):
            time.sleep(0.3)
            start = time.monotonic()
            executor.perform(Type(text="7"))
            rows.append(("galculator: type a digit", _summary(_trace(screen, box, start, 1.0))))
        screen.close()
    finally:
        app.terminate()
        app.wait(5)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    from agent.desktop.xserver import VirtualDesktop

    with VirtualDesktop() as desk:
        os.environ["DISPLAY"] = desk.display  # pyautogui reads it at import
        measured = _tk(desk, args.rounds)
        if shutil.which("mousepad"):
            measured += _mousepad(desk, args.rounds)
        else:
            print("mousepad not installed: its rows skipped (apt-get install -y mousepad)")
        if shutil.which("galculator"):
            measured += _galculator(desk, args.rounds)
    rows = []
    for name in dict.fromkeys(name for name, _ in measured):
        runs = [values for n, values in measured if n == name]
        med = [statistics.median(v[i] for v in runs) for i in range(3)]
        worst = [max(v[i] for v in runs) for i in range(3)]
        rows.append([name, f"{med[0]:.0f} / {worst[0]:.0f}", f"{med[1]:.0f} / {worst[1]:.0f}",
                     f"{med[2]:.0f} / {worst[2]:.0f}", len(runs)])  # fmt: skip
    print("ms after the action, in its window (median / worst); caret blinks left out")
    print(table(["action", "first change", "longest quiet gap", "last change", "runs"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
