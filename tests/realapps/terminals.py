"""Stock Debian terminals on the tests' Xvfb: a shell with no rc files, in a UTF-8 locale, focused.

The terminal is started with its own title and waited for until X says it holds the keyboard focus:
a plan typed before that would be refused (nothing has the focus), which is another test.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from actions.windows import WindowInfo
from actions.x11.focus import keyboard_focus
from actions.x11.windows import wait_for_window
from agent.desktop.processes import stop_process
from tests.realapps.conftest import require

SHELL = ["bash", "--norc", "--noprofile", "-i"]
# Debian package of each terminal the tests drive, and how it is told its title and geometry.
TERMINALS = {
    "xterm": ("xterm", lambda title: ["xterm", "-T", title, "-geometry", "80x12+40+40", "-e", *SHELL]),
    # st and mlterm draw everything themselves and publish no accessibility tree: what they show is OCR's alone.
    "stterm": ("stterm", lambda title: ["stterm", "-t", title, "-g", "80x12+40+40", "-e", *SHELL]),
    "mlterm": ("mlterm", lambda title: ["mlterm", "-T", title, "-g", "80x12+40+40", "-e", *SHELL]),
    # sakura (VTE) takes no title: the shell gives it one (PROMPT_COMMAND below), once its first prompt is drawn.
    "sakura": ("sakura", lambda title: ["sakura", "--class", title, "-c", "80", "-r", "12", "-x", " ".join(SHELL)]),
    "xfce4-terminal": (
        "xfce4-terminal",
        lambda title: [
            "xfce4-terminal",
            "--disable-server",
            "--title",
            title,
            "--geometry",
            "80x12+40+40",
            "-x",
            *SHELL,
        ],
    ),
}


@contextmanager
def terminal(
    name: str, env: dict[str, str], home: Path, timeout_s: float = 20.0, prompt: str = "$ "
) -> Iterator[WindowInfo]:
    """Start terminal ``name`` with a bare shell in ``home`` (``prompt``: its PS1); yields its window once it
    has the focus."""
    package, command = TERMINALS[name]
    require(name, package)
    home.mkdir(parents=True, exist_ok=True)
    title = f"deskpilot-{name}-test"
    shell_env = {
        **env,
        "LC_ALL": "C.UTF-8",
        "LANG": "C.UTF-8",
        "HOME": str(home),
        "PS1": prompt,
        "XDG_CONFIG_HOME": str(home / ".config"),
        "HISTFILE": str(home / ".history"),
        # Every terminal's title, set by the shell itself: the window is waited for until the shell is up, and
        # no terminal runs the user's $SHELL (unset where CI runs: sakura then started no shell at all).
        "PROMPT_COMMAND": f"printf '\\033]0;%s\\007' {title}",
    }
    proc = subprocess.Popen(
        command(title), env=shell_env, cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        window = wait_for_window(f"^{title}$", timeout_s, display=env.get("DISPLAY"))
        deadline = time.monotonic() + timeout_s
        while True:  # the window manager focuses a new window shortly after it maps
            focus = keyboard_focus(env.get("DISPLAY"))
            if focus is not None and focus.toplevel_id == window.window_id:
                break
            assert time.monotonic() < deadline, f"{name} never got the keyboard focus (focus: {focus})"
            time.sleep(0.05)  # polling another process's window manager
        yield window
    finally:
        stop_process(proc)


def wait_for_file(path: Path, timeout_s: float = 10.0) -> str | None:
    """The file's text once the shell wrote a whole line to it; None if it never appears."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists():
            text = path.read_text(encoding="utf-8")
            if text.endswith("\n"):
                return text
        time.sleep(0.05)  # polling a file another process writes
    return None
