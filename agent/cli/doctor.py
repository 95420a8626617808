"""``deskpilot doctor``: what this machine offers the agent, and what is missing, one line each."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "ok", "warn" or "fail"
    detail: str


def _display() -> list[Check]:
    display = os.environ.get("DISPLAY")
    if sys.platform.startswith("linux") and not display:
        return [Check("display", "fail", "DISPLAY is not set: run in a desktop session or under Xvfb")]
    checks = [Check("display", "ok", display or "native")]
    if not sys.platform.startswith("linux"):
        return checks
    try:
        from Xlib.display import Display

        conn = Display(display)
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the answer
        return [Check("display", "fail", f"cannot connect to {display}: {exc}")]
    try:
        screen = conn.screen()
        checks.append(Check("x screen", "ok", f"{screen.width_in_pixels}x{screen.height_in_pixels}"))
        has_xtest = conn.query_extension("XTEST") is not None
        checks.append(
            Check("input (XTEST)", "ok" if has_xtest else "fail", "present" if has_xtest else "missing: no input")
        )
        checks.append(_window_manager(conn))
        checks.append(_xft_dpi(conn))
    finally:
        conn.close()
    return checks


def _window_manager(conn: object) -> Check:
    from Xlib import X

    root = conn.screen().root  # type: ignore[attr-defined]
    check_atom = conn.intern_atom("_NET_SUPPORTING_WM_CHECK")  # type: ignore[attr-defined]
    prop = root.get_full_property(check_atom, X.AnyPropertyType)
    if prop is None or not prop.value:
        return Check("window manager", "warn", "none: windows have no titles or focus handling")
    wm_window = conn.create_resource_object("window", prop.value[0])  # type: ignore[attr-defined]
    name_prop = wm_window.get_full_property(conn.intern_atom("_NET_WM_NAME"), 0)  # type: ignore[attr-defined]
    name = name_prop.value.decode("utf-8", "replace") if name_prop else "unnamed"
    return Check("window manager", "ok", name)


def _xft_dpi(conn: object) -> Check:
    """X coordinates are not scaled by Xft.dpi, but apps draw larger: worth knowing for grounding."""
    resources = conn.screen().root.get_full_property(  # type: ignore[attr-defined]
        conn.intern_atom("RESOURCE_MANAGER"), 0  # type: ignore[attr-defined]
    )
    text = resources.value.decode("utf-8", "replace") if resources else ""
    for line in text.splitlines():
        if line.startswith("Xft.dpi:"):
            dpi = float(line.split(":", 1)[1])
            return Check("scaling", "ok", f"Xft.dpi {dpi:g} (UI scale {dpi / 96:.2f}; pointer space unscaled)")
    return Check("scaling", "ok", "Xft.dpi not set (96 dpi, scale 1.0)")


def _monitors() -> list[Check]:
    from actions.errors import CaptureError
    from agent.screen import MssScreen, list_monitors

    try:
        monitors = list_monitors()
    except CaptureError as exc:
        return [Check("monitors", "fail", str(exc))]
    checks = []
    for index, mon in enumerate(monitors):
        label = "all monitors" if index == 0 else f"monitor {index}"
        try:
            screen = MssScreen(index)
            scale = screen.profile.scale
            screen.close()
        except CaptureError as exc:
            checks.append(Check(label, "fail", str(exc)))
            continue
        geometry = f"{mon['width']}x{mon['height']}{mon['left']:+d}{mon['top']:+d}"
        checks.append(Check(label, "ok", f"{geometry}, {scale:g} pixels per point"))
    return checks


def _tools() -> list[Check]:
    wanted = {
        "xclip": "restores the clipboard after pasting non-ASCII text",
        "tesseract": "OCR grounding of labels",
        "Xvfb": "private virtual desktops (demo, tests)",
        "openbox": "window manager for virtual desktops",
    }
    return [
        Check(tool, "ok" if shutil.which(tool) else "warn", why if shutil.which(tool) else f"missing ({why})")
        for tool, why in wanted.items()
    ]


def _backends() -> list[Check]:
    """Installed or not, found without importing (torch alone takes seconds to import)."""
    checks = []
    for module, role in [
        ("torch", "local models"),
        ("transformers", "local Qwen3-VL"),
        ("accelerate", "device placement"),
        ("torchvision", "video processor / qwen-vl-utils (optional)"),
        ("qwen_vl_utils", "Qwen's image helpers (optional)"),
        ("bitsandbytes", "4/8-bit loading (optional)"),
        ("flash_attn", "flash-attention (optional)"),
    ]:
        found = importlib.util.find_spec(module) is not None
        detail = role if found else f"not installed: {role}"
        checks.append(Check(f"backend {module}", "ok" if found else "warn", detail))
    return checks


def collect() -> list[Check]:
    sections: list[Callable[[], list[Check]]] = [_display, _tools, _backends]
    checks: list[Check] = []
    for section in sections:
        checks.extend(section())
        if section is _display and not any(c.status == "fail" for c in checks):
            checks.extend(_monitors())
    return checks


def run_doctor() -> int:
    checks = collect()
    marks = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}
    for check in checks:
        print(f"[{marks[check.status]}] {check.name:<22} {check.detail}")
    failed = [c for c in checks if c.status == "fail"]
    print(f"{len(checks)} checks, {len(failed)} failed")
    return 1 if failed else 0
