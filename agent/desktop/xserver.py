"""A private virtual desktop: Xvfb plus openbox, for the demo, the tests and headless CI.

The agent drives whatever ``DISPLAY`` points at. This module exists so that the demo and the
test-suite never touch the user's own desktop: they start an X server of their own on a free
display number, wait until it (and the window manager) really answer, and tear it down after.

One monitor is plain Xvfb. Several monitors need Xorg with the ``dummy`` video driver instead:
Xvfb cannot place its screens side by side (``+xinerama`` stacks every head at 0,0, and it has no
RandR outputs to move), while the dummy driver has RandR 1.2 outputs (DUMMY0..DUMMY15) that xorg.conf
can enable and position. Clients then see the layout a real multi-head desktop shows them: RandR
monitors (what mss enumerates), RandR-emulated Xinerama heads (what openbox uses) and one root
window spanning them all (what pyautogui's absolute coordinates address).
"""

from __future__ import annotations

import math
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from actions.errors import DesktopError, UserInputError
from actions.x11.display import open_display, read_property
from agent.desktop.a11y_bus import AccessibilityBus, accessibility_installed
from agent.desktop.processes import stop_process

# The real server binary on Debian/Ubuntu/Arch and on Fedora. We run it directly rather than through
# /usr/bin/Xorg: that script hands over to the setuid Xorg.wrap when xserver-xorg-legacy is installed,
# which refuses users who are not on a console and makes Xorg reject an absolute -config path.
_XORG_BINARIES = (Path("/usr/lib/xorg/Xorg"), Path("/usr/libexec/Xorg"))
_XORG_HINT = "run `make deps` or `apt-get install xserver-xorg-core xserver-xorg-video-dummy`"


@dataclass(frozen=True)
class ScreenSpec:
    """One monitor; several of them are laid out left to right, top edges aligned, in the given order."""

    width: int = 1280
    height: int = 800
    depth: int = 24

    def arg(self) -> str:
        return f"{self.width}x{self.height}x{self.depth}"

    def modeline(self, name: str) -> str:
        """An xorg.conf Modeline of this size at 60 Hz.

        The dummy driver scans nothing out, so the timings only have to be self-consistent. Xorg does not
        hold a monitor section's own modes to the driver's 300 MHz clock limit (3840x2160 works).
        """
        h_total, v_total = self.width + 80, self.height + 12
        clock_mhz = h_total * v_total * 60 / 1e6
        return (
            f'Modeline "{name}" {clock_mhz:.2f}'
            f" {self.width} {self.width + 16} {self.width + 48} {h_total}"
            f" {self.height} {self.height + 3} {self.height + 8} {v_total} +hsync -vsync"
        )


def side_by_side(screens: Sequence[ScreenSpec]) -> list[tuple[int, int, int, int]]:
    """``(left, top, width, height)`` of each monitor, laid out left to right from x = 0."""
    layout, left = [], 0
    for spec in screens:
        layout.append((left, 0, spec.width, spec.height))
        left += spec.width
    return layout


def _xorg_dummy_config(screens: Sequence[ScreenSpec]) -> str:
    """An xorg.conf with one dummy X screen whose RandR outputs DUMMY0.. are the given monitors."""
    layout = side_by_side(screens)
    total_w = sum(spec.width for spec in screens)
    max_h = max(spec.height for spec in screens)
    # The driver mallocs exactly VideoRam kB as the framebuffer (default 4 MiB) and refuses a root
    # window that does not fit it; pad the pitch to 64 pixels and add 1 MiB of slack.
    video_ram_kb = math.ceil(-(-total_w // 64) * 64 * max_h * 4 / 1024) + 1024
    device_options = "".join(
        f'    Option "Monitor-DUMMY{index}" "deskpilot-monitor{index}"\n' for index in range(len(screens))
    )
    monitors = ""
    for index, (spec, (left, top, _, _)) in enumerate(zip(screens, layout, strict=True)):
        mode = f"deskpilot{index}-{spec.width}x{spec.height}"
        primary = "true" if index == 0 else "false"
        # Only DUMMY0 counts as connected at start-up; "Enable" makes the server light up the others
        # too, with the monitor's own mode at its own position, before the first client connects.
        monitors += f"""
Section "Monitor"
    Identifier "deskpilot-monitor{index}"
    HorizSync 1.0-10000.0
    VertRefresh 1.0-1000.0
    {spec.modeline(mode)}
    Option "PreferredMode" "{mode}"
    Option "Position" "{left} {top}"
    Option "Enable" "true"
    Option "Primary" "{primary}"
EndSection
"""
    # AutoAddDevices off: with udev hot-plug on, a root Xorg would grab the machine's real keyboard and
    # mouse. The input the tests need comes through XTEST, whose devices exist regardless.
    return f"""# Written by agent/xserver.py for one virtual desktop; deleted once Xorg has started.
Section "ServerFlags"
    Option "AutoAddDevices" "false"
    Option "AutoEnableDevices" "false"
    Option "AutoAddGPU" "false"
    Option "AutoBindGPU" "false"
    Option "DontVTSwitch" "true"
    Option "DontZap" "true"
EndSection

Section "Device"
    Identifier "deskpilot-dummy"
    Driver "dummy"
    VideoRam {video_ram_kb}
{device_options}EndSection
{monitors}
Section "Screen"
    Identifier "deskpilot-screen"
    Device "deskpilot-dummy"
    Monitor "deskpilot-monitor0"
    DefaultDepth {screens[0].depth}
    SubSection "Display"
        Depth {screens[0].depth}
        Virtual {total_w} {max_h}
    EndSubSection
EndSection
"""


def _xorg_failure_reason(log_path: Path) -> str:
    """The one line of Xorg's log that says why it stopped, with an install hint where that is the cause."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return "it wrote no log"
    if any('Failed to load module "dummy"' in line for line in lines):
        return f"the dummy video driver is not installed: {_XORG_HINT}"
    for index, line in enumerate(lines):
        # Xorg logs "[ 12.345] (EE) Fatal server error:" and the reason on the next "(EE)" line.
        if "Fatal server error" in line and index + 1 < len(lines):
            return _without_log_prefix(lines[index + 1])
    # Not simply the last "(EE)" line: every run logs harmless ones (no mouse/kbd input driver, no D-Bus).
    return "its log names no fatal error"


def _without_log_prefix(line: str) -> str:
    return re.sub(r"^\[[^]]*\]", "", line).replace("(EE)", "").strip()


def _wait_until(
    predicate: Callable[[], bool], timeout_s: float, what: str, proc: subprocess.Popen | None = None
) -> None:
    deadline = time.monotonic() + timeout_s
    delay_s = 0.005
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            raise DesktopError(f"{what}: the process exited with status {proc.returncode}")
        time.sleep(delay_s)  # polling a process we started, not the action path
        delay_s = min(delay_s * 2, 0.1)
    raise DesktopError(f"{what}: not ready after {timeout_s:.0f} s")


def _randr_monitors(display: str) -> list[tuple[int, int, int, int]]:
    """The RandR 1.5 monitors, ``(left, top, width, height)`` sorted left to right: what mss reports."""
    conn = open_display(display)
    try:
        reply = conn.screen().root.xrandr_get_monitors(is_active=True)
        return sorted((m.x, m.y, m.width_in_pixels, m.height_in_pixels) for m in reply.monitors)
    finally:
        conn.close()


def _window_manager_running(display: str) -> bool:
    """EWMH: a running window manager sets _NET_SUPPORTING_WM_CHECK on the root window."""
    conn = open_display(display)
    try:
        atom = conn.intern_atom("_NET_SUPPORTING_WM_CHECK")
        return read_property(conn.screen().root, atom) is not None
    finally:
        conn.close()


@dataclass
class VirtualDesktop:
    """Start with :meth:`start` (or ``with VirtualDesktop() as desk``); ``desk.display`` is ``":N"``.

    ``accessibility``: start a D-Bus session and the accessibility bus before any app (agent.desktop.a11y_bus),
    so GTK, Qt and Chromium apps started on this desktop publish their widgets. ``None`` (the default): when
    dbus-daemon and at-spi2-core are installed (without them targets are found by vision, as on Tk);
    ``True``: required."""

    screens: Sequence[ScreenSpec] = (ScreenSpec(),)
    window_manager: bool = True
    display_number: int | None = None
    accessibility: bool | None = None
    display: str = field(init=False, default="")
    a11y: AccessibilityBus = field(init=False, default_factory=AccessibilityBus)
    _procs: list[subprocess.Popen] = field(init=False, default_factory=list)
    _workdir: Path | None = field(init=False, default=None)

    def start(self, timeout_s: float = 20.0) -> VirtualDesktop:
        if not self.screens:
            raise UserInputError("a virtual desktop needs at least one screen")
        if len({spec.depth for spec in self.screens}) > 1:
            raise UserInputError("all monitors of one virtual desktop must have the same depth")
        try:
            if len(self.screens) == 1:
                self._start_xvfb(timeout_s)
            else:
                self._start_xorg_dummy(timeout_s)
            if self.accessibility or (self.accessibility is None and accessibility_installed()):
                self.a11y.start(self.display, timeout_s)
            if self.window_manager:
                self._start_window_manager(timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_xvfb(self, timeout_s: float) -> None:
        xvfb = shutil.which("Xvfb")
        if xvfb is None:
            raise DesktopError("Xvfb is not installed: run `make deps` or `apt-get install xvfb openbox`")
        cmd = [xvfb, "-nolisten", "tcp", "-noreset", "-screen", "0", self.screens[0].arg()]
        self._launch_server(cmd, "Xvfb", timeout_s)

    def _start_xorg_dummy(self, timeout_s: float) -> None:
        xorg = next((str(path) for path in _XORG_BINARIES if path.exists()), None) or shutil.which("Xorg")
        if xorg is None:
            raise DesktopError(f"Xorg is not installed (more than one monitor needs it): {_XORG_HINT}")
        self._workdir = Path(tempfile.mkdtemp(prefix="deskpilot-xorg-"))
        config = self._workdir / "xorg.conf"
        config.write_text(_xorg_dummy_config(self.screens))
        # Our own -configdir keeps the machine's /etc/X11/xorg.conf.d (a real GPU's Device and Screen
        # sections) out of this server; Xorg only accepts a directory that holds a *.conf file.
        config_dir = self._workdir / "xorg.conf.d"
        config_dir.mkdir()
        (config_dir / "00-deskpilot.conf").write_text("# Intentionally empty: see xorg.conf beside it.\n")
        log = self._workdir / "Xorg.log"
        cmd = [
            xorg,
            "-nolisten",
            "tcp",
            "-noreset",
            "-config",
            str(config),
            "-configdir",
            str(config_dir),
            "-logfile",
            str(log),
            # The dummy driver asks Xorg to skip the console; these keep a real VT untouched regardless.
            "-novtswitch",
            "-sharevts",
        ]
        try:
            self._launch_server(cmd, "Xorg", timeout_s)
        except DesktopError as exc:
            raise DesktopError(f"{exc}: {_xorg_failure_reason(log)}") from exc
        # The layout is fixed before the first client connects, so a mismatch is a driver that ignored
        # the config (an old dummy without RandR outputs), not a race: fail now rather than in a test.
        want, got = side_by_side(self.screens), _randr_monitors(self.display)
        if got != want:
            raise DesktopError(
                f"Xorg on {self.display} shows monitors {got}, not {want}: "
                "it needs xserver-xorg-video-dummy 0.4 or later"
            )
        # Xorg has read its config and keeps its log open, so nothing needs the files any more; removing
        # them now leaves nothing behind in /tmp even if this process is killed before stop().
        self._remove_workdir()

    def _launch_server(self, cmd: list[str], name: str, timeout_s: float) -> None:
        """Start an X server and wait for it to announce its display number on -displayfd.

        Without a fixed ``display_number`` the server picks the first free number itself, which is
        race-free where our own pick would not be (two test workers starting at once). Readiness is
        that announcement, not "the display answers": another server already on a fixed number would
        answer at once while ours is still failing to start.
        """
        if self.display_number is not None:
            cmd = [cmd[0], f":{self.display_number}", *cmd[1:]]
        ready_r, ready_w = os.pipe()
        announced = b""
        try:
            proc = subprocess.Popen(
                [*cmd, "-displayfd", str(ready_w)],
                pass_fds=(ready_w,),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self._procs.append(proc)
            os.close(ready_w)
            ready_w = -1

            def has_announced() -> bool:
                nonlocal announced
                # The server writes "N\n" and closes its end; end of file before that means it exited,
                # which _wait_until reports from its exit status.
                while select.select([ready_r], [], [], 0)[0]:
                    chunk = os.read(ready_r, 64)
                    if not chunk:
                        break
                    announced += chunk
                return announced.endswith(b"\n")

            _wait_until(has_announced, timeout_s, name, proc)
        finally:
            os.close(ready_r)
            if ready_w >= 0:
                os.close(ready_w)
        self.display = f":{int(announced.strip())}"

    def _start_window_manager(self, timeout_s: float) -> None:
        openbox = shutil.which("openbox")
        if openbox is None:
            raise DesktopError("openbox is not installed: run `make deps` or `apt-get install openbox`")
        env = {**os.environ, "DISPLAY": self.display}
        wm = subprocess.Popen([openbox, "--sm-disable"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._procs.append(wm)
        _wait_until(lambda: _window_manager_running(self.display), timeout_s, "openbox", wm)

    def session_vars(self) -> dict[str, str]:
        """What differs for a process on this desktop: DISPLAY and, with ``accessibility``, the D-Bus session
        and accessibility bus addresses (a test process sets these in ``os.environ`` too)."""
        return {"DISPLAY": self.display, **self.a11y.env()}

    def env(self) -> dict[str, str]:
        """The environment for a child process that should live on this desktop."""
        from agent.desktop.processes import app_env

        return {**app_env(os.environ), **self.session_vars()}

    def stop(self) -> None:
        self.a11y.stop()
        for proc in reversed(self._procs):
            stop_process(proc)
        self._procs.clear()
        self._remove_workdir()

    def _remove_workdir(self) -> None:
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> VirtualDesktop:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
