"""How long real apps take to react, measured from the screen: where SettleConfig's defaults come from.

For each action it records, in the window the action went to, every change seen after the action
(mss captures as fast as they come): when the first change came, the longest quiet gap *between*
changes (a settle whose quiet interval is shorter than this ends too early), and when the last one
came (caret blinks left out). The Tk demo app; mousepad and galculator (GTK3), featherpad (Qt5) and
Chromium (the local form page of scenarios/realapps) when installed.

    .venv/bin/python -m bench.reaction_times [--rounds N]
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from actions import Key
from bench.timing import table
from scenarios.realapps.apps import chromium_binary, chromium_command, running_app
from scenarios.realapps.form_server import FormServer

_CARET_W = 3  # a change this narrow is a caret blinking, not a reaction
Row = tuple[str, tuple[float, float, float]]  # action, (first change, longest quiet gap, last change) in ms
CTRL_S = Key(keys=("ctrl", "s"))


def _trace(
    screen, box: tuple[int, int, int, int], act: Callable[[], object], duration_s: float
) -> list[tuple[float, int]]:
    """(ms since ``act()`` began, changed pixels) for every capture that differed from the one before,
    in box. The first compare is against a capture made before acting: an app that draws while
    ``act()`` is still returning is seen too."""
    left, top, right, bottom = box
    prev = screen.capture().packed()[top:bottom, left:right].copy()
    start = time.monotonic()
    act()
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


def _react(name: str, executor, screen, box: tuple[int, int, int, int], action, duration_s: float) -> Row:
    return name, _summary(_trace(screen, box, partial(executor.perform, action), duration_s))


def _summary(changes: list[tuple[float, int]]) -> tuple[float, float, float]:
    """(first change ms, longest quiet gap between changes ms, last change ms)."""
    if not changes:
        return float("nan"), float("nan"), float("nan")
    times = [t for t, _ in changes]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)] or [0.0]
    return times[0], max(gaps), times[-1]


def _tk(desk, rounds: int) -> list[Row]:
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
            for name, action in (
                ("Tk demo: click Count", Click(x=app.centre("count")[0], y=app.centre("count")[1])),
                ("Tk demo: type 12 chars", Type(text="hello, world")),
            ):
                time.sleep(0.3)
                rows.append(_react(name, executor, screen, box, action, 1.0))
        screen.close()
    return rows


def _mousepad(desk, rounds: int) -> list[Row]:
    from actions import Type
    from actions.pyautogui_executor import PyAutoGuiExecutor
    from actions.x11.windows import wait_for_window
    from agent.screen import MssScreen

    rows = []
    env = {**desk.env(), "NO_AT_BRIDGE": "1"}
    for _ in range(rounds):
        folder = Path(tempfile.mkdtemp())
        app = subprocess.Popen(
            ["mousepad", "--disable-server"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            main = wait_for_window("Mousepad", 20, display=env["DISPLAY"])
            time.sleep(1.0)
            executor, screen = PyAutoGuiExecutor(), MssScreen(monitor=0)
            executor.perform(Type(text="hello"))
            time.sleep(0.5)
            box = (main.left, main.top, main.left + main.width, main.top + main.height)
            rows.append(_react("mousepad (GTK3): ctrl+s, Save As opens", executor, screen, box, CTRL_S, 2.0))
            dialog = wait_for_window("^Save As$", 10, display=env["DISPLAY"])
            box = (dialog.left, dialog.top, dialog.left + dialog.width, dialog.top + dialog.height)
            path = Type(text=str(folder / "out.txt"))
            rows.append(_react("mousepad (GTK3): path typed, Save turns sensitive", executor, screen, box, path, 1.5))
            screen.close()
        finally:
            app.terminate()
            app.wait(5)
            shutil.rmtree(folder, ignore_errors=True)
    return rows


def _galculator(desk, rounds: int) -> list[Row]:
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
            rows.append(_react("galculator (GTK3): type a digit", executor, screen, box, Type(text="7"), 1.0))
        screen.close()
    finally:
        app.terminate()
        app.wait(5)
    return rows


def _featherpad(desk, rounds: int) -> list[Row]:
    """A fresh featherpad each round: a click moving the focus from its search bar into the editor,
    typing, ctrl+s (its Qt "Save as..." dialog opens over the window), a path typed into the
    dialog's file name field; Return then saves, and the file on disk says the dialog took it."""
    from actions import Click, Type
    from actions.pyautogui_executor import PyAutoGuiExecutor
    from actions.x11.windows import wait_for_window
    from agent.screen import MssScreen

    rows: list[Row] = []
    for _ in range(rounds):
        folder = Path(tempfile.mkdtemp())
        try:
            with running_app(["featherpad", "--standalone"], desk.env(), "^Untitled$") as main:
                time.sleep(1.0)
                executor, screen = PyAutoGuiExecutor(), MssScreen(monitor=0)
                box = (main.left, main.top, main.left + main.width, main.top + main.height)
                # The search bar runs along the bottom of the window, above the status bar.
                executor.perform(Click(x=main.left + main.width // 3, y=main.top + main.height - 41))
                time.sleep(0.5)
                for name, action in (
                    (
                        "featherpad (Qt5): click into the editor",
                        Click(x=main.left + main.width // 2, y=main.top + main.height // 3),
                    ),
                    ("featherpad (Qt5): type 12 chars", Type(text="hello, world")),
                ):
                    time.sleep(0.3)
                    rows.append(_react(name, executor, screen, box, action, 1.5))
                time.sleep(0.3)
                rows.append(_react("featherpad (Qt5): ctrl+s, Save as opens", executor, screen, box, CTRL_S, 2.0))
                dialog = wait_for_window("^Save as", 10, display=desk.display)
                box = (dialog.left, dialog.top, dialog.left + dialog.width, dialog.top + dialog.height)
                target = folder / "out.txt"
                path = Type(text=str(target))
                rows.append(_react("featherpad (Qt5): path typed in Save as", executor, screen, box, path, 1.5))
                executor.perform(Key(keys=("Return",)))
                deadline = time.monotonic() + 5
                while not target.exists() and time.monotonic() < deadline:
                    time.sleep(0.05)  # another process's file
                if not target.exists():
                    print("featherpad: Return in Save as did not save the file")
                screen.close()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return rows


def _chromium(desk, rounds: int, binary: str) -> list[Row]:
    """The form page in Chromium (software rendering): a click into the text input (focus ring),
    typing into it, a click on the Submit button (its pressed and focused look; the page posts)."""
    from actions import Click, Type
    from actions.pyautogui_executor import PyAutoGuiExecutor
    from agent.screen import MssScreen

    rows: list[Row] = []
    with (
        FormServer() as server,
        tempfile.TemporaryDirectory(prefix="bench-react-chromium-") as profile,
        running_app(chromium_command(binary, server.url, Path(profile)), desk.env(), "^deskpilot form$") as win,
    ):
        if not server.wait(lambda s: "rects" in s.state, timeout_s=30):
            print("chromium: the form page never posted its state; rows skipped")
            return rows
        time.sleep(1.0)
        executor, screen = PyAutoGuiExecutor(), MssScreen(monitor=0)
        box = (win.left, win.top, win.left + win.width, win.top + win.height)

        def centre(field: str) -> Click:
            x, y, width, height = server.state["rects"][field]
            return Click(x=win.left + x + width // 2, y=win.top + y + height // 2)

        blank = Click(x=win.left + win.width - 60, y=win.top + 20)  # the page's body: nothing focused there
        for _ in range(rounds):
            executor.perform(blank)
            time.sleep(0.3)
            for name, action in (
                ("chromium: click into the text input", centre("name")),
                ("chromium: type 12 chars", Type(text="hello, world")),
                ("chromium: click the Submit button", centre("submit")),
            ):
                time.sleep(0.3)
                rows.append(_react(name, executor, screen, box, action, 1.5))
            server.wait(lambda s: bool(s.submits), timeout_s=5)
            executor.perform(centre("name"))
            executor.perform(Key(keys=("ctrl", "a")))
            executor.perform(Key(keys=("BackSpace",)))
            server.wait(lambda s: s.state.get("name") == "", timeout_s=5)
        screen.close()
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
        if shutil.which("featherpad"):
            measured += _featherpad(desk, args.rounds)
        else:
            print("featherpad not installed: its rows skipped (apt-get install -y featherpad)")
        binary = chromium_binary()
        if binary is not None:
            measured += _chromium(desk, args.rounds, binary)
        else:
            print("chromium not installed: its rows skipped (apt-get install -y chromium)")
    rows = []
    for name in dict.fromkeys(name for name, _ in measured):
        runs = [values for n, values in measured if n == name]
        seen = [values for values in runs if not math.isnan(values[0])]  # rounds where anything changed
        count = f"{len(runs)}" if len(seen) == len(runs) else f"{len(runs)} ({len(runs) - len(seen)} unchanged)"
        if not seen:
            rows.append([name, "-", "-", "-", count])
            continue
        med = [statistics.median(v[i] for v in seen) for i in range(3)]
        worst = [max(v[i] for v in seen) for i in range(3)]
        rows.append(
            [
                name,
                f"{med[0]:.0f} / {worst[0]:.0f}",
                f"{med[1]:.0f} / {worst[1]:.0f}",
                f"{med[2]:.0f} / {worst[2]:.0f}",
                count,
            ]
        )
    print("ms after the action, in its window (median / worst over the rounds it changed); caret blinks left out")
    print(table(["action", "first change", "longest quiet gap", "last change", "runs"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
