"""What reading typed text back costs, on real GTK, Qt and Chromium fields (agent.verify.focus / readback).

    .venv/bin/python -m bench.readback

One private desktop (with its accessibility bus); per app, a field that has the keyboard focus and holds
some text. Side by side, medians of REPEAT runs:

* focus cold: what a key or type step pays before acting on a screen whose tree is not read yet (the active
  window's tree read, its focused element found, the text around its caret read);
* focus cached: the same on a screen whose tree is already read (the click before it read it);
* readback: what the judge pays after the step settled (one element's text around its caret: two D-Bus
  round trips);
* whole text: the element's whole text in one call, which a readback of a text view does not read: featherpad
  holds a 300 kB document here, and only the part around its caret is read back.

The Tk demo publishes no tree: its row is what a key or type step pays there to learn that (the bus asked
for its windows), before it is judged by its pixels as ever.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench.timing import median, sample_ms, table

REPEAT = 20
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>bench field</title></head><body>
<label for="n">Name</label> <input id="n" autofocus value="Ada Lovelace, Grüße ✓"></body></html>"""


def _apps(tmp: Path) -> list[tuple[str, list[str], str]]:
    """(toolkit, command, window title pattern)."""
    from scenarios.realapps.apps import chromium_binary, chromium_command

    document = tmp / "long.txt"
    document.write_text("".join(f"line {i:05d}: the quick brown fox jumps over the lazy dog\n" for i in range(5000)))
    apps = [
        ("GTK 3 (zenity entry)", ["zenity", "--entry", "--title=bench entry", "--entry-text=Ada"], "^bench entry$"),
        ("Qt 5 (featherpad, 300 kB)", ["featherpad", "--standalone", str(document)], "long.txt"),
    ]
    binary = chromium_binary()
    if binary is not None:
        url = "data:text/html;charset=utf-8," + quote(PAGE)
        apps.append(("Chromium (input)", chromium_command(binary, url, tmp / "profile"), "^bench field$"))
    return apps


def main(argv: list[str] | None = None) -> int:
    from agent.desktop.xserver import VirtualDesktop
    from scenarios.realapps.apps import running_app

    with VirtualDesktop(accessibility=True) as desk, tempfile.TemporaryDirectory() as tmp_name:
        os.environ.update(desk.session_vars())
        rows: list[list[object]] = []
        for toolkit, cmd, title in _apps(Path(tmp_name)):
            with running_app(cmd, desk.env(), title):
                time.sleep(1.5)  # let the app finish drawing and publishing: one still screen for every sample
                subprocess.run(["xdotool", "key", "End"], env=desk.env(), check=False)  # the caret somewhere real
                time.sleep(0.3)
                rows.append([toolkit, *measure()])
        from scenarios.harness import DemoAppProcess

        with DemoAppProcess(Path(tmp_name) / "state.json", desk.env()):
            rows.append(["Tk demo (no tree)", *measure()])
        headers = ["app", "focused", "chars", "focus cold ms", "focus cached ms", "readback ms", "whole text ms"]
        print(table(headers, rows))
    return 0


def measure() -> list[object]:
    from actions.a11y import FrameTrees
    from actions.models import Type
    from actions.x11 import windows
    from agent.screen import MssScreen
    from agent.verify.focus import keyboard_focus

    screen = MssScreen(1)
    frame = screen.capture()
    screen.close()
    action = Type(text="Ada")
    warm = FrameTrees(active_window=windows.active_window)
    focus = keyboard_focus(warm, frame, action)

    def cold() -> Any:
        trees = FrameTrees(active_window=windows.active_window)
        try:
            return keyboard_focus(trees, _fresh(frame), action)
        finally:
            trees.close()

    cold_ms = median(sample_ms(cold, 5, warmup=1))
    if focus is None:
        return ["none (no tree)", "", cold_ms, "", "", ""]
    ref, multi = focus.element.ref, "multi-line" in focus.element.states
    span = (3 + 40, 40) if multi else (-1, -1)  # as agent.verify.readback reads it
    cached_ms = median(sample_ms(lambda: keyboard_focus(warm, frame, action), REPEAT))
    readback_ms = median(sample_ms(lambda: warm.caret_text(ref, *span), REPEAT))
    whole_ms = median(sample_ms(lambda: warm.reader.text(ref), 5, warmup=1))
    held = warm.caret_text(ref)
    warm.close()
    return [focus.element.role, held.length if held else "?", cold_ms, cached_ms, readback_ms, whole_ms]


def _fresh(frame: Any) -> Any:
    from actions.frame import Frame

    return Frame(frame.data, frame.profile, frame.monotonic_s, frame.wall_time_s, frame.order)


if __name__ == "__main__":
    sys.exit(main())
