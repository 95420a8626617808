"""``deskpilot doctor``: what this machine offers the agent, and what is missing, one line each.

Every missing piece names its fix: the apt line for a system package, the pip line for a Python one.
A pip user has no Makefile to read the system packages from, so this is where they learn them. At the
end, the apt packages that are missing are gathered into one line to copy.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from actions.x11.server_facts import ServerFacts


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "ok", "warn" or "fail"
    detail: str
    fix: str = ""  # what to run when it is not ok: `sudo apt-get install ...` or `pip install ...`
    apt: tuple[str, ...] = ()  # the Debian packages that fix it, for the one-line summary


def _apt(*packages: str) -> str:
    return "sudo apt-get install -y " + " ".join(packages)


def _display() -> list[Check]:
    display = os.environ.get("DISPLAY")
    if sys.platform.startswith("linux") and not display:
        return [
            Check(
                "display",
                "fail",
                "DISPLAY is not set: run in a desktop session or under Xvfb",
                fix="run inside a desktop session, or start one: `Xvfb :99 & openbox & export DISPLAY=:99`",
            )
        ]
    checks = [Check("display", "ok", display or "native")]
    if not sys.platform.startswith("linux"):
        return checks
    try:
        from actions.x11.server_facts import server_facts

        facts = server_facts(display)
    except Exception as exc:  # noqa: BLE001 - any failure to connect or ask (python-xlib missing too) is the answer
        return [Check("display", "fail", str(exc))]
    checks.append(Check("x screen", "ok", f"{facts.width_px}x{facts.height_px}"))
    checks += _extensions(facts)
    checks.append(_window_manager(facts))
    checks.append(_scaling(facts))
    return checks


def _extensions(facts: ServerFacts) -> list[Check]:
    """XTEST carries every action; RECORD is what `deskpilot record` listens through."""
    return [
        Check("input (XTEST)", "ok", "present")
        if facts.xtest
        else Check(
            "input (XTEST)",
            "fail",
            "missing: the agent cannot click or type on this display",
            fix="start the X server without `-extension XTEST` (Xvfb and Xorg have it by default)",
        ),
        Check("recording (RECORD)", "ok", "present")
        if facts.record
        else Check(
            "recording (RECORD)",
            "warn",
            "missing: `deskpilot record` cannot listen on this display",
            fix='start the X server with `+extension RECORD` (Xorg: `Load "record"` in its Module section)',
        ),
    ]


def _window_manager(facts: ServerFacts) -> Check:
    if facts.window_manager is None:
        return Check(
            "window manager",
            "warn",
            "none: windows have no titles or focus handling",
            fix=f"{_apt('openbox')}, then start `openbox &` on the display",
            apt=("openbox",),
        )
    return Check("window manager", "ok", facts.window_manager)


def _scaling(facts: ServerFacts) -> Check:
    """X coordinates are not scaled by Xft.dpi, but apps draw larger: worth knowing for grounding."""
    if facts.xft_dpi is None:
        return Check("scaling", "ok", "Xft.dpi not set (96 dpi, scale 1.0)")
    dpi = facts.xft_dpi
    return Check("scaling", "ok", f"Xft.dpi {dpi:g} (UI scale {dpi / 96:.2f}; pointer space unscaled)")


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
    wanted = {  # program: (Debian package, what it is for)
        "xclip": ("xclip", "restores the clipboard after pasting non-ASCII text"),
        "tesseract": ("tesseract-ocr", "OCR grounding of labels"),
        "Xvfb": ("xvfb", "private virtual desktops (demo, tests)"),
        "openbox": ("openbox", "window manager for virtual desktops"),
    }
    checks = []
    for tool, (package, why) in wanted.items():
        if shutil.which(tool):
            checks.append(Check(tool, "ok", why))
        else:
            checks.append(Check(tool, "warn", f"missing ({why})", fix=_apt(package), apt=(package,)))
        if tool == "tesseract":
            checks.append(_tesseract_english(found=bool(shutil.which(tool))))
    checks.append(_tkinter())
    return checks


def _tesseract_english(found: bool) -> Check:
    """OCR reads labels in English: without its language data tesseract starts and then fails every call."""
    name, fix = "tesseract eng data", _apt("tesseract-ocr-eng")
    if not found:
        return Check(name, "warn", "missing (comes with tesseract-ocr-eng)", fix=fix, apt=("tesseract-ocr-eng",))
    try:
        proc = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as exc:
        return Check(name, "warn", f"cannot ask tesseract: {exc}", fix=fix, apt=("tesseract-ocr-eng",))
    languages = (proc.stdout + proc.stderr).split()
    if "eng" in languages:
        others = [lang for lang in ("deu", "fra", "chi_sim", "jpn") if lang not in languages]  # --ocr-lang's
        return Check(
            name,
            "ok",
            "eng installed"
            + (f"; for --ocr-lang not installed: {', '.join(others)} (tesseract-ocr-LANG)" if others else ""),
        )
    return Check(name, "warn", "missing: OCR grounding finds no labels", fix=fix, apt=("tesseract-ocr-eng",))


def _tkinter() -> Check:
    """The demo app is a Tk app; Debian's own python3 ships without tkinter, pyenv's builds it when Tk is there."""
    if importlib.util.find_spec("_tkinter") is not None:
        return Check("tkinter", "ok", "the demo app can start")
    if sys.prefix.startswith("/usr") or sys.base_prefix.startswith("/usr"):
        fix = _apt("python3-tk")
        return Check("tkinter", "warn", "missing: `deskpilot demo` needs it", fix=fix, apt=("python3-tk",))
    fix = f"{_apt('tk-dev')}, then rebuild this Python (pyenv install --force {sys.version.split()[0]})"
    return Check("tkinter", "warn", "missing: `deskpilot demo` needs it", fix=fix)


def _backends() -> list[Check]:
    """Installed or not, found without importing (torch alone takes seconds to import)."""
    checks = []
    local = (
        "pip install 'deskpilot[local]'  (CPU only: first pip install torch --index-url "
        "https://download.pytorch.org/whl/cpu)"
    )
    for module, role, fix in [
        ("rapidocr_onnxruntime", "OCR engine rapidocr (the default --ocr)", "pip install rapidocr-onnxruntime"),
        ("torch", "local models", local),
        ("transformers", "local Qwen3-VL", local),
        ("accelerate", "device placement", local),
        ("torchvision", "video processor / qwen-vl-utils (optional)", "pip install torchvision"),
        ("qwen_vl_utils", "Qwen's image helpers (optional)", "pip install qwen-vl-utils"),
        ("bitsandbytes", "4/8-bit loading (optional)", "pip install bitsandbytes"),
        ("flash_attn", "flash-attention (optional)", "pip install flash-attn"),
    ]:
        found = importlib.util.find_spec(module) is not None
        detail = role if found else f"not installed: {role}"
        checks.append(Check(f"backend {module}", "ok" if found else "warn", detail, fix="" if found else fix))
    checks.append(_cpu_dtype())
    checks.append(prefix_store_check())
    return checks


def _accessibility() -> list[Check]:
    from agent.cli.doctor_a11y import accessibility_checks

    return accessibility_checks()


def _cpu_dtype() -> Check:
    """What ``--dtype auto`` picks for a local model on the CPU, read from the CPU's flags."""
    from planners.qwen.cpu_features import cpu_bf16, cpu_dtype_choice

    dtype, why = cpu_dtype_choice(cpu_bf16())
    return Check("cpu dtype", "ok", f"--dtype auto on the CPU: {dtype}, {why}")


def prefix_store_check() -> Check:
    """Where a local model keeps its prompt heads between runs (planners.qwen.prefix_store), and what is there."""
    from planners.qwen.prefix_store import STORE_ENV, default_directory

    directory = default_directory()
    if directory is None:
        return Check("prefix store", "ok", f"off ({STORE_ENV}=off): every run's first step computes the prompt head")
    entries = list(directory.glob("*.safetensors")) if directory.is_dir() else []
    size_mb = sum(entry.stat().st_size for entry in entries) / 1e6
    heads = f"{len(entries)} prompt head{'' if len(entries) == 1 else 's'}"
    return Check("prefix store", "ok", f"{directory}: {heads}, {size_mb:.0f} MB")


def collect() -> list[Check]:
    sections: list[Callable[[], list[Check]]] = [_display, _tools, _accessibility, _backends]
    checks: list[Check] = []
    for section in sections:
        checks.extend(section())
        if section is _display and not any(c.status == "fail" for c in checks):
            checks.extend(_monitors())
    return checks


def add_doctor_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser("doctor", help="check the display, monitors, scaling, tools and model backends")


def run_doctor_command(args: argparse.Namespace) -> int:
    return run_doctor()


def run_doctor() -> int:
    checks = collect()
    marks = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}
    for check in checks:
        print(f"[{marks[check.status]}] {check.name:<22} {check.detail}")
        if check.status != "ok" and check.fix:
            print(f"       {'':<22} fix: {check.fix}")
    failed = [c for c in checks if c.status == "fail"]
    apt = sorted({package for c in checks if c.status != "ok" for package in c.apt})
    if apt:
        print(f"missing system packages, in one line: {_apt(*apt)}")
    print(f"{len(checks)} checks, {len(failed)} failed")
    return 1 if failed else 0
