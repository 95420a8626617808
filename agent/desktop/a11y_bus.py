"""A private desktop's D-Bus session and accessibility bus, started before any app.

GTK, Qt and Chromium publish their widgets only onto an accessibility bus that exists when they start
(an app started without one never publishes, even after the bus appears). So a private desktop starts,
right after its X server: a D-Bus session bus (``dbus-daemon --session``), then AT-SPI's bus launcher
(``at-spi-bus-launcher --launch-immediately``, Debian ``at-spi2-core``), which runs the accessibility
bus and announces it on the session bus (``org.a11y.Bus``) and on the X root window (``AT_SPI_BUS``).
Children get both addresses in their environment (``DBUS_SESSION_BUS_ADDRESS``, ``AT_SPI_BUS_ADDRESS``).

The launcher keeps its socket under ``$XDG_RUNTIME_DIR``; it gets a private one, so two desktops (or a
desktop and the user's own session) never share a bus.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from actions.errors import DesktopError
from agent.desktop.processes import stop_process

LAUNCHER_PATHS = (Path("/usr/libexec/at-spi-bus-launcher"), Path("/usr/lib/at-spi2-core/at-spi-bus-launcher"),
                  Path("/usr/lib/at-spi-bus-launcher"))  # fmt: skip
# What an app Deskpilot starts gets, so that it publishes its widgets: Qt does only when asked (or a screen
# reader runs; measured, Debian's Qt 5.15 publishes on a bus that runs when it starts even unasked);
# Chromium/Electron load their bridge only with ACCESSIBILITY_ENABLED=1 (or GNOME's toolkit-accessibility
# setting) and publish a page only with --force-renderer-accessibility; GTK does by default.
APP_A11Y_ENV = {"QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1", "ACCESSIBILITY_ENABLED": "1"}
INSTALL_HINT = "run `make deps` or `apt-get install dbus-daemon at-spi2-core`"


def bus_launcher() -> Path | None:
    return next((path for path in LAUNCHER_PATHS if path.exists()), None)


def accessibility_installed() -> bool:
    return bus_launcher() is not None and shutil.which("dbus-daemon") is not None


@dataclass
class AccessibilityBus:
    """``start(display)`` then ``env()``; ``stop()`` ends both buses and removes the private runtime dir."""

    session_address: str = field(init=False, default="")
    a11y_address: str = field(init=False, default="")
    _procs: list[subprocess.Popen[bytes]] = field(init=False, default_factory=list)
    _runtime: Path | None = field(init=False, default=None)

    def start(self, display: str, timeout_s: float = 10.0) -> AccessibilityBus:
        daemon, launcher = shutil.which("dbus-daemon"), bus_launcher()
        if daemon is None or launcher is None:
            missing = "dbus-daemon" if daemon is None else "at-spi-bus-launcher"
            raise DesktopError(f"{missing} is not installed, so apps cannot publish their widgets: {INSTALL_HINT}")
        self._runtime = Path(tempfile.mkdtemp(prefix="deskpilot-a11y-"))
        # The session bus gets this desktop's DISPLAY, not the caller's: it starts (D-Bus activation) a
        # service asked for on it in that environment, and a second launcher activated when ours is gone
        # (while the desktop stops, an app still asking for org.a11y.Bus) announces its bus on the root
        # window of the display it was given, then deletes that announcement when it exits. With the
        # caller's display that was another desktop's root window, whose Qt apps (they read the root window's
        # AT_SPI_BUS, not the session bus) then published nothing.
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("AT_SPI_BUS_ADDRESS", "DBUS_SESSION_BUS_ADDRESS")},
            "DISPLAY": display,
            "XDG_RUNTIME_DIR": str(self._runtime),
        }
        self.session_address = self._start_session(daemon, env, timeout_s)
        env["DBUS_SESSION_BUS_ADDRESS"] = self.session_address
        launcher_proc = subprocess.Popen(
            [str(launcher), "--launch-immediately"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._procs.append(launcher_proc)
        self.a11y_address = self._wait_for_address(launcher_proc, timeout_s)
        return self

    def _start_session(self, daemon: str, env: dict[str, str], timeout_s: float) -> str:
        read_fd, write_fd = os.pipe()
        try:
            proc = subprocess.Popen(
                [
                    daemon,
                    "--session",
                    "--nofork",
                    "--nosyslog",
                    f"--print-address={write_fd}",
                    f"--address=unix:dir={self._runtime}",
                ],
                pass_fds=(write_fd,),
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            self._procs.append(proc)
            os.close(write_fd)
            write_fd = -1
            line = _read_line(read_fd, timeout_s, proc)
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        return line

    def _wait_for_address(self, launcher: subprocess.Popen[bytes], timeout_s: float) -> str:
        """The launcher answers ``org.a11y.Bus.GetAddress`` once its bus runs; poll until it does."""
        from actions.a11y import A11yUnavailable
        from actions.a11y.bus import find_bus_address

        deadline = time.monotonic() + timeout_s
        last = ""
        while time.monotonic() < deadline:
            if launcher.poll() is not None:
                raise DesktopError(f"at-spi-bus-launcher exited with status {launcher.returncode}")
            try:
                return find_bus_address(timeout_s=1.0, session=self.session_address)
            except A11yUnavailable as exc:
                last = str(exc)
            time.sleep(0.02)  # polling a process we started, not the action path
        raise DesktopError(f"the accessibility bus did not start within {timeout_s:.0f} s: {last}")

    def env(self) -> dict[str, str]:
        if not self.session_address:
            return {}
        return {"DBUS_SESSION_BUS_ADDRESS": self.session_address, "AT_SPI_BUS_ADDRESS": self.a11y_address}

    def stop(self) -> None:
        # The session bus first: once it is gone nothing can ask it to activate another launcher while ours
        # stops (the launcher, its own dbus-daemon and the registry go with its process group).
        for proc in self._procs:
            stop_process(proc, group=True)
        self._procs.clear()
        if self._runtime is not None:
            shutil.rmtree(self._runtime, ignore_errors=True)
            self._runtime = None
        self.session_address = self.a11y_address = ""


def _read_line(fd: int, timeout_s: float, proc: subprocess.Popen[bytes]) -> str:
    """dbus-daemon writes its address and a newline on ``--print-address``'s descriptor once it listens."""
    got = b""
    deadline = time.monotonic() + timeout_s
    while not got.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0:
            raise DesktopError(f"dbus-daemon did not announce its address within {timeout_s:.0f} s")
        if select.select([fd], [], [], min(left, 0.1))[0]:
            chunk = os.read(fd, 512)
            if not chunk:
                raise DesktopError(f"dbus-daemon exited with status {proc.wait()} before it listened")
            got += chunk
    return got.decode().strip()
