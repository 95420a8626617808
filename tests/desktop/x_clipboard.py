"""Setting and reading a desktop's X selections from a test, through xclip (another client, as a user's app)."""

from __future__ import annotations

import subprocess
import time
from typing import Any


def set_clipboard(desktop: Any, text: str, selection: str = "clipboard") -> None:
    subprocess.run(["xclip", "-selection", selection, "-i"], input=text.encode(), env=desktop.env(), check=True)
    # xclip's parent exits once it forked the child that will serve the text, which may not own the selection
    # yet (under load a paster then found no clipboard to put back): wait until the text reads back.
    deadline = time.monotonic() + 10
    while get_clipboard(desktop, selection) != text:
        assert time.monotonic() < deadline, f"xclip never took the {selection} selection"
        time.sleep(0.02)  # test set-up: waiting for another process


def get_clipboard(desktop: Any, selection: str = "clipboard") -> str | None:
    proc = subprocess.run(["xclip", "-selection", selection, "-o"], capture_output=True, env=desktop.env(), timeout=5)
    return proc.stdout.decode() if proc.returncode == 0 else None
