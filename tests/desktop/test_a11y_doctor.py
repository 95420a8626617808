"""`deskpilot doctor` on a desktop with an accessibility bus: which running app publishes a tree, and the
exact switch for one that does not (a Qt app that never found the bus: Debian's Qt 5.15 publishes on a
bus that runs when it starts even without QT_LINUX_ACCESSIBILITY_ALWAYS_ON, so "no bus" is how a Qt app
ends up without a tree here)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from actions.x11.windows import wait_for_window
from agent.desktop.processes import stop_process


def test_doctor_names_the_apps_with_a_tree_and_the_switch_for_the_rest(desktop, tmp_path: Path) -> None:
    if shutil.which("featherpad") is None:
        pytest.skip("featherpad is not installed (`make deps` installs it)")
    with_tree, without_tree = tmp_path / "with.txt", tmp_path / "without.txt"
    with_tree.write_text("a")
    without_tree.write_text("b")
    env = desktop.env()
    no_bus = {name: value for name, value in env.items() if name != "AT_SPI_BUS_ADDRESS"}
    no_bus["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={tmp_path / 'no-bus'}"
    procs = [
        subprocess.Popen(
            ["featherpad", "--standalone", str(with_tree)],
            stderr=subprocess.DEVNULL,
            env={**env, "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1"},
        ),
        subprocess.Popen(
            ["featherpad", "--standalone", str(without_tree)],
            stderr=subprocess.DEVNULL,
            env={**no_bus, "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1"},
        ),
    ]
    try:
        wait_for_window("with.txt", 30, display=desktop.display)
        wait_for_window("without.txt", 30, display=desktop.display)
        out = subprocess.run(
            [sys.executable, "-m", "deskpilot", "doctor"], env=env, capture_output=True, text=True, timeout=60
        ).stdout
    finally:
        for proc in procs:
            stop_process(proc)
    lines = out.splitlines()
    published = next(line for line in lines if "with.txt" in line and "without" not in line)
    assert "tree published by 'FeatherPad'" in published and "2 apps publish" not in out, out
    missing = lines.index(next(line for line in lines if "without.txt" in line))
    assert "no tree (Qt 5)" in lines[missing], out
    assert "fix: restart it with QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1" in lines[missing + 1], out
