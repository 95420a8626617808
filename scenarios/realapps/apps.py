"""Launch real applications nobody on the team wrote on a (virtual) desktop, for tests and bench.

Each launcher starts the app with a private profile where it has one (so a developer's own settings
never leak into a test), waits for its window by title, and stops it afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from actions.windows import WindowInfo
from actions.x11.windows import wait_for_window
from agent.desktop.processes import stop_process

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_binary() -> str | None:
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def chromium_command(binary: str, url: str, profile: Path, size: tuple[int, int] = (900, 700)) -> list[str]:
    # --test-type: no "unsupported flag" infobar above the page (it would move every control).
    cmd = [binary, f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check", "--disable-gpu",
           "--test-type", "--disable-features=Translate,MediaRouter", "--password-store=basic", "--disable-breakpad",
           "--window-position=0,0", f"--window-size={size[0]},{size[1]}", f"--app={url}"]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.insert(1, "--no-sandbox")  # Chromium refuses to start as root with its sandbox on
    return cmd


@contextmanager
def running_app(
    cmd: Sequence[str], env: Mapping[str, str], title: str, timeout_s: float = 30.0
) -> Iterator[WindowInfo]:
    """Start ``cmd``, yield its window (the first whose title matches ``title``), stop it after."""
    home = Path(tempfile.mkdtemp(prefix="deskpilot-app-home-"))
    app_env = {**env, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
               "XDG_DATA_HOME": str(home / ".local/share"), "XDG_CACHE_HOME": str(home / ".cache"),
               "NO_AT_BRIDGE": "1", "GTK_A11Y": "none"}  # fmt: skip
    # Its own process group, stopped whole: a browser's helpers must not outlive the test.
    proc = subprocess.Popen(list(cmd), env=app_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    try:
        yield wait_for_window(title, timeout_s=timeout_s, display=env.get("DISPLAY"))
    finally:
        stop_process(proc, group=True)
        shutil.rmtree(home, ignore_errors=True)
