"""``deskpilot doctor``'s accessibility section: is there a tree to read, and which running app publishes one.

For every window on the display it says whether its app is on the accessibility bus and, where not, the
exact switch that turns it on for that app's toolkit (found from the libraries the process has mapped):
GTK publishes by default once a bus runs; Qt 5/6 with ``QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1``; Chromium
and Electron with ``--force-renderer-accessibility`` (and ``ACCESSIBILITY_ENABLED=1``); Tk never.
Nothing is switched on here: on a user's own session that is the user's choice.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from agent.cli.doctor import Check, _apt
from agent.desktop.a11y_bus import bus_launcher

# Measured: Debian's Qt 5.15 publishes without the variable too, once a bus runs when it starts; other
# builds publish only with it (or a screen reader), so the advice names both.
_QT = "restart it with QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1 in its environment, after the accessibility bus runs"
_TOOLKITS = (  # (a library or program name in /proc/PID/maps, toolkit, how to turn its tree on)
    ("libQt6Gui", "Qt 6", _QT),
    ("libQt5Gui", "Qt 5", _QT),
    ("libgtk-4", "GTK 4", "restart it after the bus runs (GTK publishes by default; unset NO_AT_BRIDGE)"),
    ("libgtk-3", "GTK 3", "restart it after the bus runs (GTK publishes by default; unset NO_AT_BRIDGE)"),
    ("/chrome", "Chromium", "restart it with ACCESSIBILITY_ENABLED=1 and --force-renderer-accessibility"),
    ("/chromium", "Chromium", "restart it with ACCESSIBILITY_ENABLED=1 and --force-renderer-accessibility"),
    ("electron", "Electron", "restart it with ACCESSIBILITY_ENABLED=1 and --force-renderer-accessibility"),
    ("libtk8", "Tk", "none: Tk publishes no tree (vision finds its targets)"),
    ("libXaw", "Athena", "none: Athena publishes no tree (vision finds its targets)"),
)


def toolkit(pid: int | None) -> tuple[str, str]:
    """(toolkit, the switch that turns its tree on) from the libraries process ``pid`` has mapped."""
    if pid is None:
        return "unknown", "no process id on the window: cannot tell its toolkit"
    try:
        maps = Path(f"/proc/{pid}/maps").read_text(errors="replace")
        exe = str(Path(f"/proc/{pid}/exe").resolve())
    except OSError:
        return "unknown", f"cannot read /proc/{pid}: another user's process?"
    for needle, name, switch in _TOOLKITS:
        if needle in maps or needle in exe:
            return name, switch
    return "unknown", "an unknown toolkit: vision finds its targets"


def accessibility_checks() -> list[Check]:
    checks = []
    if importlib.util.find_spec("dbus_fast") is None:
        checks.append(
            Check(
                "a11y client",
                "warn",
                "dbus-fast missing: the tree rung is off, vision only",
                fix="pip install dbus-fast",
            )
        )
    if bus_launcher() is None or shutil.which("dbus-daemon") is None:
        checks.append(
            Check(
                "a11y bus programs",
                "warn",
                "at-spi2-core or dbus-daemon missing: private desktops start no accessibility bus",
                fix=_apt("at-spi2-core", "dbus-daemon"),
                apt=("at-spi2-core", "dbus-daemon"),
            )
        )
    if checks and checks[0].name == "a11y client":
        return checks
    return checks + _bus_and_apps()


def _bus_and_apps() -> list[Check]:
    from actions.a11y import A11yUnavailable, AtspiReader

    reader = AtspiReader()
    try:
        published = {pid: name for name, root in reader.applications() if (pid := reader.pid(root.bus))}
    except A11yUnavailable as exc:
        return [
            Check(
                "a11y bus",
                "warn",
                f"{exc}: targets are found by vision only",
                fix="log in to a desktop session with accessibility (at-spi2-core), or use Deskpilot's "
                "private desktop (`deskpilot demo`, the pytest plugin)",
            )
        ]
    finally:
        reader.close()
    checks = [Check("a11y bus", "ok", f"{len(published)} apps publish a tree")]
    return checks + _windows(published)


def _windows(published: dict[int, str]) -> list[Check]:
    from actions.x11 import windows

    try:
        shown = windows.list_windows()
    except Exception as exc:  # noqa: BLE001 - no display is reported by the display section already
        return [Check("a11y apps", "warn", f"cannot list windows: {exc}")]
    checks = []
    for window in shown:
        title = window.title if len(window.title) <= 40 else "…" + window.title[-39:]  # file names end titles
        label = f"window {title!r}"
        if window.pid in published:
            checks.append(Check(label, "ok", f"tree published by {published[window.pid]!r}"))
            continue
        name, switch = toolkit(window.pid)
        checks.append(Check(label, "warn", f"no tree ({name})", fix=switch))
    return checks
