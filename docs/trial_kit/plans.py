"""What the trials' plans are made of: a run (a plan, its app, how the app says whether the work was done) and
the truths read from the app itself after the run (a file it saved, what it copied, what it printed). Each
trial's ``runs.py`` lists its runs with these; ``@WORK@`` is the run's own work folder."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Truth = Callable[[dict[str, str], Path, subprocess.Popen, Callable[..., str]], tuple[bool, str]]


@dataclass
class Run:
    id: str
    app: str
    cmd: list[str]
    title: str
    plan: list[dict[str, Any]]
    truth: Truth
    motion: bool = False
    files: dict[str, str] = field(default_factory=dict)
    batch: int = 1
    plan_fault: str = ""  # the plan's own mistake (e.g. forgot ctrl+a), listed apart
    note: str = ""  # what the plan aims at


def file_is(name: str, expected: str, app_adds_newline: bool = False) -> Truth:
    """``app_adds_newline``: pluma ends every file it saves with one newline more than its buffer shows."""

    def truth(env, work, proc, sh):
        path = work / name
        if not path.exists():
            return False, f"{name} absent"
        got = path.read_text(encoding="utf-8", errors="replace")
        return got == expected or (app_adds_newline and got == expected + "\n"), f"{name}={got!r}"

    return truth


def clip_result(title: str, chord: list[str], expected: str) -> Truth:
    """The calculator copies its own result to the clipboard (qalculate: ctrl+alt+c, gnome-calculator: ctrl+c)."""

    def truth(env, work, proc, sh):
        wid = sh(env, "xdotool", "search", "--onlyvisible", "--name", title).split()
        if wid:
            sh(env, "xdotool", "windowactivate", "--sync", wid[-1])
        sh(env, "xclip", "-selection", "clipboard", "-i", data="EMPTY")
        time.sleep(0.3)
        sh(env, "xdotool", "key", "+".join(chord))
        time.sleep(0.8)
        got = sh(env, "xclip", "-o", "-selection", "clipboard").strip()
        norm = got.replace("\u2212", "-").replace("\u2009", "").replace(" ", "")
        # mate-calc (trial 9) runs in the C locale (no LANG): it copies its ÷ as '?'
        return norm in (expected.replace(" ", ""), expected.replace(" ", "").replace("÷", "?")), f"clipboard={got!r}"

    return truth


def printed(predicate: Callable[[str], bool]) -> Truth:
    def truth(env, work, proc, sh):
        try:
            out, _ = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            return False, "still open, printed nothing"
        text = out.decode("utf-8", "replace").strip()
        return predicate(text), f"printed={text!r}"

    return truth


def exited() -> Truth:
    def truth(env, work, proc, sh):
        try:
            proc.wait(timeout=5)
            return True, f"exited rc={proc.returncode}"
        except subprocess.TimeoutExpired:
            return False, "still running"

    return truth


def both(a: Truth, b: Truth) -> Truth:
    def truth(env, work, proc, sh):
        ok1, d1 = a(env, work, proc, sh)
        ok2, d2 = b(env, work, proc, sh)
        return ok1 and ok2, f"{d1}; {d2}"

    return truth


T = {"kind": "type"}
SAVE = {"kind": "key", "keys": ["ctrl", "s"]}
ENTER = {"kind": "key", "keys": ["enter"]}


def typ(text: str, **kw: Any) -> dict[str, Any]:
    return {"kind": "type", "text": text, **kw}


def key(*keys: str, **kw: Any) -> dict[str, Any]:
    return {"kind": "key", "keys": list(keys), **kw}


def click(target: Any, **kw: Any) -> dict[str, Any]:
    return {"kind": "click", "target": target, **kw}


def after_keys(title: str, keys: list[str], then: Truth) -> Truth:
    """The truth read after keys of our own (a save the plan did not make): the app's state, not the plan's."""

    def truth(env, work, proc, sh):
        wid = sh(env, "xdotool", "search", "--onlyvisible", "--name", title).split()
        if wid:
            sh(env, "xdotool", "windowactivate", "--sync", wid[0])
        for chord in keys:
            sh(env, "xdotool", "key", chord)
            time.sleep(0.5)
        time.sleep(0.7)
        return then(env, work, proc, sh)

    return truth


def clip_is(expected: str) -> Truth:
    def truth(env, work, proc, sh):
        got = sh(env, "xclip", "-o", "-selection", "clipboard")
        return got.strip() == expected, f"clipboard={got!r}"

    return truth


def clip_reset(inner: Truth) -> Truth:
    def truth(env, work, proc, sh):
        sh(env, "xclip", "-selection", "clipboard", "-i", data="EMPTY")
        time.sleep(0.3)
        return inner(env, work, proc, sh)

    return truth


def not_there(name: str) -> Truth:
    def truth(env, work, proc, sh):
        path = work / name
        return False, (f"{name}={path.read_text(errors='replace')!r}" if path.exists() else f"{name} absent")

    return truth


def never(why: str) -> Truth:
    return lambda env, work, proc, sh: (False, why)


def no_window_now(title: str) -> Truth:
    def truth(env, work, proc, sh):
        ids = sh(env, "xdotool", "search", "--onlyvisible", "--name", title).split()
        return not ids, f"windows named {title!r}: {len(ids)}"

    return truth


def in_dir(cmd: str) -> list[str]:
    return ["sh", "-c", f"cd @WORK@ && exec {cmd}"]


def contains(name: str, word: str) -> Truth:
    def truth(env, work, proc, sh):
        path = work / name
        got = path.read_text(errors="replace") if path.exists() else None
        return got is not None and word in got, f"{name}={got!r}"

    return truth


TWENTY = "".join(f"line {i}\n" for i in range(1, 21))
