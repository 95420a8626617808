"""TextTyper under a real X server: every string arrives exactly, 20 times in a row.

A throwaway Tk app (an Entry and a Text) answers commands on stdin with its state as one JSON line,
so the test reads what the application itself holds; it never sleeps, it polls with a deadline.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.desktop.x_clipboard import get_clipboard, set_clipboard

pytestmark = pytest.mark.desktop

PROBE_APP = r"""
import json, os, sys, tkinter as tk

root = tk.Tk()
root.title("text-input-probe")
root.geometry("+30+30")
entry = tk.Entry(root, width=50)
entry.pack(padx=10, pady=10)
text = tk.Text(root, width=50, height=8)
text.pack(padx=10, pady=10)
names = {str(entry): "entry", str(text): "text"}

def state():
    focus = root.focus_get()  # None unless this app holds the X input focus
    return {"entry": entry.get(), "text": text.get("1.0", "end-1c"),
            "focus": names.get(str(focus)) if focus else None}

def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()

pending = b""
def on_stdin(*_):
    global pending
    data = os.read(sys.stdin.fileno(), 65536)
    if not data:
        root.destroy()
        return
    pending += data
    while b"\n" in pending:
        line, pending = pending.split(b"\n", 1)
        if line == b"get":
            reply(state())
        elif line == b"clear":  # answers with the content *before* clearing: late keys show up
            before = state()
            entry.delete(0, "end")
            text.delete("1.0", "end")
            reply(before)

def ready():
    root.wait_visibility(root)
    root.update()
    def centre(w):
        return [w.winfo_rootx() + w.winfo_width() // 2, w.winfo_rooty() + w.winfo_height() // 2]
    reply({"entry": centre(entry), "text": centre(text)})

root.tk.createfilehandler(sys.stdin, tk.READABLE, on_stdin)
root.after(0, ready)
root.mainloop()
"""

# (widget, text): the Entry is single-line (Tab moves the focus there), so tabs and newlines go
# to the Text widget.
CASES = [
    ("entry", "Grüße, café ✓"),
    ("entry", "你好，世界"),
    ("entry", "<tag> & 100%"),
    ("entry", "Hello, World! ~`!@#$%^&*()_+-={}[]|\\:;\"'<>?,./"),
    ("text", "a<b>é\tz"),
    ("text", "line one\nzweite Zeile ü\n\n  end ✓ 你好\n"),
]
ROUNDS = 20


class ProbeApp:
    def __init__(self, script: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(script)], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self._buffer = b""
        self.centres: dict[str, list[int]] = self._read(timeout_s=20)

    def _read(self, timeout_s: float) -> Any:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout_s
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([self.proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError("the probe app did not answer")
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                raise EOFError(f"the probe app exited with {self.proc.wait()}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def command(self, name: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(name.encode() + b"\n")
        self.proc.stdin.flush()
        return self._read(timeout_s=5)

    def wait(self, predicate: Callable[[dict[str, Any]], bool], timeout_s: float = 5.0) -> dict[str, Any]:
        """Poll the app until ``predicate(state)`` or the deadline; returns the last state."""
        deadline = time.monotonic() + timeout_s
        while True:
            state = self.command("get")
            if predicate(state) or time.monotonic() > deadline:
                return state

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()  # EOF: the app destroys its window and exits
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def desktop() -> Iterator[Any]:
    """This module's own Xvfb + openbox (it overrides the session-wide ``desktop`` fixture)."""
    from agent.desktop.xserver import VirtualDesktop

    missing = [tool for tool in ("Xvfb", "openbox", "xdotool", "xclip") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"missing: {', '.join(missing)}")
    with VirtualDesktop() as desk:
        yield desk


@pytest.fixture(scope="module")
def probe(desktop: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProbeApp]:
    pytest.importorskip("tkinter")
    script = tmp_path_factory.mktemp("probe") / "probe_app.py"
    script.write_text(PROBE_APP)
    app = ProbeApp(script, desktop.env())
    yield app
    app.close()


@pytest.fixture(scope="module")
def typer(desktop: Any) -> Iterator[Any]:
    from actions.x11.text_input import TextTyper

    with TextTyper(desktop.display) as text_typer:
        yield text_typer


def focus(desktop: Any, probe: ProbeApp, widget: str) -> None:
    x, y = probe.centres[widget]
    subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], env=desktop.env(), check=True)
    # Keys sent before the window manager gave the app the X focus would go elsewhere.
    assert probe.wait(lambda s: s["focus"] == widget)["focus"] == widget


def clipboard_owner(desktop: Any) -> int:
    from Xlib.display import Display

    conn = Display(desktop.display)
    try:
        owner = conn.get_selection_owner(conn.intern_atom("CLIPBOARD"))
        return owner if isinstance(owner, int) else int(owner.id)
    finally:
        conn.close()


def empty_clipboard(desktop: Any) -> None:
    """Own CLIPBOARD with a window and destroy it: the selection then has no owner."""
    from Xlib import X
    from Xlib.display import Display

    conn = Display(desktop.display)
    try:
        window = conn.screen().root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
        window.set_selection_owner(conn.intern_atom("CLIPBOARD"), X.CurrentTime)
        window.destroy()
        conn.sync()
    finally:
        conn.close()
    assert clipboard_owner(desktop) == 0


@pytest.mark.parametrize(("widget", "text"), CASES, ids=[f"{w}-{i}" for i, (w, _) in enumerate(CASES)])
def test_text_arrives_exactly_twenty_times(desktop: Any, probe: ProbeApp, typer: Any, widget: str, text: str) -> None:
    set_clipboard(desktop, "the user's clipboard ✂")
    focus(desktop, probe, widget)
    probe.command("clear")
    for round_number in range(ROUNDS):
        typer.type_text(text)
        state = probe.wait(lambda s: s[widget] == text)
        assert state[widget] == text, f"round {round_number}"
        # "clear" answers with the content before clearing: a key arriving late would show here.
        assert probe.command("clear")[widget] == text, f"round {round_number}: late keys"
    assert get_clipboard(desktop) == "the user's clipboard ✂"


def test_the_previous_clipboard_is_restored(desktop: Any, probe: ProbeApp, typer: Any) -> None:
    set_clipboard(desktop, "previous ✓ clip")
    focus(desktop, probe, "entry")
    probe.command("clear")
    runs = typer.type_text("café ✓ <ok>")
    assert probe.wait(lambda s: s["entry"] == "café ✓ <ok>")["entry"] == "café ✓ <ok>"
    assert get_clipboard(desktop) == "previous ✓ clip"
    assert "".join(run.text for run in runs) == "café ✓ <ok>"
    assert {run.strategy for run in runs} == {"xtest", "clipboard"}  # on record for the run


def test_typing_works_with_an_empty_clipboard(desktop: Any, probe: ProbeApp, typer: Any) -> None:
    empty_clipboard(desktop)
    focus(desktop, probe, "entry")
    probe.command("clear")
    typer.type_text("leer → voll é")
    assert probe.wait(lambda s: s["entry"] == "leer → voll é")["entry"] == "leer → voll é"
    assert clipboard_owner(desktop) == 0  # released again, not left holding our text


def test_caps_lock_does_not_invert_the_case(desktop: Any, probe: ProbeApp, typer: Any) -> None:
    focus(desktop, probe, "entry")
    probe.command("clear")
    typer.keyboard.press_chord(["Caps_Lock"])
    try:
        typer.type_text("Hello ABC xyz <1!>")
        assert probe.wait(lambda s: s["entry"] == "Hello ABC xyz <1!>")["entry"] == "Hello ABC xyz <1!>"
    finally:
        typer.keyboard.press_chord(["Caps_Lock"])


def test_a_paste_nobody_fetches_raises_and_restores(desktop: Any, probe: ProbeApp) -> None:
    from Xlib import X
    from Xlib.display import Display

    from actions.errors import ActionError
    from actions.x11.text_input import TextTyper

    set_clipboard(desktop, "keep me")
    conn = Display(desktop.display)  # a focused window whose client never asks for the clipboard
    # override_redirect: mapped at once, without waiting for the window manager to manage it.
    window = conn.screen().root.create_window(0, 0, 50, 50, 0, X.CopyFromParent, override_redirect=True)
    window.map()
    conn.sync()
    window.set_input_focus(X.RevertToParent, X.CurrentTime)
    conn.sync()
    try:
        with TextTyper(desktop.display, paste_timeout_s=0.3) as short, pytest.raises(ActionError, match="paste"):
            short.type_text("✓")
        assert get_clipboard(desktop) == "keep me"
    finally:
        window.destroy()
        conn.close()


def test_keysyms_of_ascii_punctuation_are_their_code_points() -> None:
    """Why actions.x11.keysyms needs no punctuation table: keysym names map to the Latin-1 code points."""
    from Xlib import XK

    from actions.x11.keysyms import keysym_for_char

    names = {
        "<": "less",
        ">": "greater",
        "&": "ampersand",
        "%": "percent",
        "~": "asciitilde",
        "`": "grave",
        "\\": "backslash",
        '"': "quotedbl",
        "'": "apostrophe",
        "é": "eacute",
        " ": "space",
    }
    for ch, name in names.items():
        assert keysym_for_char(ch) == XK.string_to_keysym(name), ch
    assert XK.string_to_keysym("<") == 0  # it wants names, not characters
    assert keysym_for_char("\n") == XK.string_to_keysym("Return")
    assert keysym_for_char("✓") == 0x01000000 + ord("✓")
