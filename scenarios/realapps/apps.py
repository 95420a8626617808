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
from dataclasses import dataclass
from pathlib import Path

from actions.windows import WindowInfo
from actions.x11.windows import wait_for_window
from agent.desktop.a11y_bus import APP_A11Y_ENV
from agent.desktop.processes import stop_process

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_binary() -> str | None:
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def chromium_command(binary: str, url: str, profile: Path, size: tuple[int, int] = (900, 700)) -> list[str]:
    # --test-type: no "unsupported flag" infobar above the page (it would move every control).
    cmd = [
        binary,
        f"--user-data-dir={profile}",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-gpu",
        "--test-type",
        "--disable-features=Translate,MediaRouter",
        "--password-store=basic",
        "--disable-breakpad",
        "--window-position=0,0",
        f"--window-size={size[0]},{size[1]}",
        f"--app={url}",
        "--force-renderer-accessibility",
    ]  # fmt: skip  (the page's tree: otherwise only with a screen reader)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.insert(1, "--no-sandbox")  # Chromium refuses to start as root with its sandbox on
    return cmd


@contextmanager
def _app_process(cmd: Sequence[str], env: Mapping[str, str], stdout: int) -> Iterator[subprocess.Popen[bytes]]:
    home = Path(tempfile.mkdtemp(prefix="deskpilot-app-home-"))
    app_env = {
        **env,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }
    # With the desktop's accessibility bus, apps publish their widgets (Qt, Chromium only when asked); without one,
    # GTK would spend its start-up looking for a bus that is not there.
    app_env.update(APP_A11Y_ENV if env.get("AT_SPI_BUS_ADDRESS") else {"NO_AT_BRIDGE": "1", "GTK_A11Y": "none"})
    # Its own process group, stopped whole: a browser's helpers must not outlive the test.
    proc = subprocess.Popen(list(cmd), env=app_env, stdout=stdout, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        yield proc
    finally:
        stop_process(proc, group=True)
        if proc.stdout is not None:
            proc.stdout.close()
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def running_app(
    cmd: Sequence[str], env: Mapping[str, str], title: str, timeout_s: float = 30.0
) -> Iterator[WindowInfo]:
    """Start ``cmd``, yield its window (the first whose title matches ``title``), stop it after."""
    with _app_process(cmd, env, subprocess.DEVNULL):
        yield wait_for_window(title, timeout_s=timeout_s, display=env.get("DISPLAY"))


@contextmanager
def app_with_output(
    cmd: Sequence[str], env: Mapping[str, str], title: str, timeout_s: float = 30.0
) -> Iterator[subprocess.Popen[bytes]]:
    """``running_app`` for an app whose standard output is its answer (yad's values): yields the process."""
    with _app_process(cmd, env, subprocess.PIPE) as proc:
        wait_for_window(title, timeout_s=timeout_s, display=env.get("DISPLAY"))
        yield proc


ENTRY_TITLE = "deskpilot entry"


@dataclass
class EntryDialog:
    """A zenity entry dialog (a GtkEntry in a GTK3 dialog, focused when it opens). Return or OK
    closes it and zenity prints the entry's text: :meth:`answer` is that text, the app's own copy."""

    window: WindowInfo
    proc: subprocess.Popen[bytes]

    def answer(self, timeout_s: float = 10.0) -> str | None:
        """The text zenity printed once the dialog was accepted; None if it is still open after
        ``timeout_s`` or was cancelled."""
        try:
            out, _ = self.proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None
        return out.decode("utf-8").removesuffix("\n") if self.proc.returncode == 0 else None


@contextmanager
def zenity_entry(env: Mapping[str, str], timeout_s: float = 30.0, hide_text: bool = False) -> Iterator[EntryDialog]:
    """``zenity --entry`` titled :data:`ENTRY_TITLE`, 500 px wide (a long string stays in view);
    ``hide_text``: a password entry (dots; the tree calls it "password text")."""
    cmd = ["zenity", "--entry", f"--title={ENTRY_TITLE}", "--text=Type here:", "--width=500"]
    cmd += ["--hide-text"] if hide_text else []
    with _app_process(cmd, env, subprocess.PIPE) as proc:
        window = wait_for_window(f"^{ENTRY_TITLE}$", timeout_s=timeout_s, display=env.get("DISPLAY"))
        yield EntryDialog(window, proc)


@contextmanager
def running_dialog(
    cmd: Sequence[str], env: Mapping[str, str], title: str, timeout_s: float = 30.0
) -> Iterator[EntryDialog]:
    """A dialog that prints what it holds when it is accepted (zenity, yad --form): ``answer()`` is that."""
    with _app_process(cmd, env, subprocess.PIPE) as proc:
        yield EntryDialog(wait_for_window(title, timeout_s=timeout_s, display=env.get("DISPLAY")), proc)
