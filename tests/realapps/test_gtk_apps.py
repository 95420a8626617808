"""GTK applications: mousepad (type, save through the GTK3 file chooser) and galculator."""

from __future__ import annotations

import subprocess
import time

from scenarios.realapps.apps import running_app
from tests.realapps.conftest import explain, require, run_plan

TEXT = "Grüße, café ✓\n你好，世界\n<tag> & 100%\n"


def centre_of(window) -> dict[str, int]:
    return {"x": window.left + window.width // 2, "y": window.top + window.height // 2}


def test_mousepad_saves_typed_unicode_through_the_save_as_dialog(desktop, tmp_path) -> None:
    require("mousepad", "mousepad")
    target = tmp_path / "saved by deskpilot.txt"
    with running_app(["mousepad", "--disable-server"], desktop.env(), r"Mousepad") as window:
        plan = [
            {"kind": "click", **centre_of(window), "expect": "none"},  # the editor already has the focus
            {"kind": "type", "text": TEXT},
            {"kind": "key", "keys": ["ctrl", "s"]},
            {"kind": "type", "text": str(target)},
            {"kind": "key", "keys": ["Return"]},
        ]
        proc = run_plan(plan, desktop.env(), tmp_path)
        deadline = time.monotonic() + 5
        while not target.exists() and time.monotonic() < deadline:
            time.sleep(0.05)  # the test waits for another process's file, not the action path
    assert target.exists(), explain(proc, tmp_path)
    assert target.read_bytes() == TEXT.encode()
    assert proc.returncode == 0, explain(proc, tmp_path)


def read_clipboard(env: dict[str, str]) -> str | None:
    proc = subprocess.run(["xclip", "-selection", "clipboard", "-o"], capture_output=True, env=env, timeout=5)
    return proc.stdout.decode() if proc.returncode == 0 else None


def test_galculator_adds_what_the_keys_said(desktop, tmp_path) -> None:
    require("galculator", "galculator")
    require("xclip", "xclip")
    env = desktop.env()
    with running_app(["galculator"], env, r"^galculator$") as window:
        # The display (below the menu bar): a click there focuses the app and presses no button.
        plan = [{"kind": "click", "x": window.left + window.width // 2, "y": window.top + 58}]
        # "+" draws nothing in galculator (the display keeps "12" until the next digit): an invisible
        # effect says so, or the script would rightly stop there as no_change.
        plan += [
            {"kind": "key", "keys": [key], **({"expect": "none"} if key == "+" else {})}
            for key in ["1", "2", "+", "3", "0", "="]
        ]
        proc = run_plan(plan, env, tmp_path)
        # The calculator's own value: galculator copies its display with ctrl+c (Edit > Copy).
        subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+c"], env=env, check=True)
        deadline = time.monotonic() + 5
        while read_clipboard(env) != "42" and time.monotonic() < deadline:
            time.sleep(0.05)  # the test waits for another process, not the action path
        value = read_clipboard(env)
    assert value == "42", explain(proc, tmp_path)
    assert proc.returncode == 0, explain(proc, tmp_path)
